// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";
import { IZkVerifier } from "interfaces/IZkVerifier.sol";
import { ITeeVerifier } from "interfaces/ITeeVerifier.sol";
import { IDisputeGame, GameStatus } from "interfaces/IDisputeGame.sol";
import { IUpgradeEvidence } from "interfaces/IUpgradeEvidence.sol";
import { IFinality } from "interfaces/IFinality.sol";

/// @notice What the finality contract reads from the inbox.
interface IBatchInbox {
    /// @notice See `Inbox.batchContext`.
    function batchContext(uint64 _batchNumber)
        external
        view
        returns (bool posted, bytes32 blobsHash, bytes32 queueBefore, bytes32 queueAfter);
    /// @notice See `Inbox.nonCanonical`.
    function nonCanonical(uint64 _batchNumber) external view returns (bool);
    /// @notice See `Inbox.postFor`.
    function postFor(address _poster, uint64 _batchNumber, uint64 _queueEnd, bytes32 _queueAcc)
        external
        returns (bytes32 blobsHash, bytes32 queueBefore);
}

/// @title MultiProofFinality
/// @notice The 2-of-3 finality rule of docs/finality.md over a ZK validity proof, a TEE attestation
///         and an optimistic dispute game. The Rust crate `tribunal-finality` is its reference
///         model; differential tests hold the two to the same statuses and reverts.
/// @dev Rules, as implemented:
///      1. ZK and TEE approve a claim whose parent is final: final at once (checked on every
///         approval, and by `finalize`).
///      2. Exactly one of ZK or TEE approves: final via `finalize` once the OP window passed and
///         the dispute game resolved for the claim.
///      3. Nothing else finalizes: OP alone, TEE alone and the council never do.
///      A claim's input is its batch and parent root: the batch's data and L1 messages are fixed
///      by the inbox, so two claims over one input that differ in post root, withdrawal root or
///      data commitment are two results for the same thing.
///      4. When ZK and TEE approved different results for the same input, neither is instant,
///         and neither finalizes on the slow path until OP has ruled against the other (so no
///         caller decides the tie by coming first). Once a claim finalizes, `settleRival`
///         records the legs that approved a losing result for the same input (`LegFaulty`).
///      5. A leg that approved two results over the same input counts as zero. ZK or TEE
///         approving a second result in the same epoch freezes the leg at once; two proofs or
///         signatures never submitted as approvals, or OP favouring two results, freeze it by
///         `proveSelfDisagreement`. A frozen leg's approvals, earlier ones included, never
///         count again, and its instant upgrade opens. Claims it alone approved wait for the
///         other legs; claims already final stay final.
///      6. `recordLivenessFailure` opens instant upgrades when the oldest unfinalized batch has
///         had a claim pending for the OP window plus `LIVENESS_GRACE_SECONDS` and none of its
///         claims is finalizable; the next finalization closes it. Only a claim over the
///         batch's final parent that ZK or TEE approved in its current epoch can be finalizable,
///         and by rule 5 each leg has at most one such claim per input, so the check reads two
///         claims whatever number anyone proposed. Nothing on the TEE side can
///         cause this: the TEE verifier is read with `TEE_GAS` at most, and a verifier that
///         reverts, burns its gas or answers garbage counts as "no TEE approval", so it never
///         blocks a ZK + OP finalization.
///      7. Logic changes come only from the council: replacing a leg's verifier bumps its epoch,
///         and approvals from an older epoch stop counting. Timelocks live in the council;
///         `instantUpgradeAllowed` says when evidence lifts them (rules 5 and 6).
///      8. `finalWithdrawalRoot` serves the bridge only final roots.
///      A claim's bond returns to its proposer when it finalizes; the bonds of the batch's other
///      claims go to that proposer too, each by `settleRival`. A claim settled in its own
///      proposal (`proposeAndSettle`) carries no bond. Every finality path is O(1) in
///      the number of rival claims, and so are `recordLivenessFailure` and
///      `instantUpgradeAllowed`.
///
///      Trust model (who may call, what it costs others, which rule):
///      - `propose`: anyone, with `BOND_WEI`; a rival claim costs others nothing (no path loops
///        over rivals), and a wrong one loses its bond to the batch's final claim (rules 1–3).
///      - `proposeAndSettle`: anyone, with no bond; `propose` then `proveAndAttest`, all or
///        nothing: it reverts unless the claim is final at once (rule 1), and settles an
///        identical claim proposed before it (front-running it changes nothing). A rival
///        proposed first only makes it record the claim whole (its parent root, proposer and
///        index, about 40,000 gas more net), and that rival's bond goes to the caller.
///      - `postAndSettle`: whoever may post the batch (`Inbox.postFor` applies `postBatch`'s
///        rules to its caller), with no bond; `postBatch` then `proposeAndSettle`, all or
///        nothing. No claim of a batch exists before it is posted, so nothing can be proposed
///        ahead of it.
///      - `proveZk`, `attestTee`, `proveAndAttest` (both in one call): anyone, carrying the leg's
///        proof or enclave signature; an approval counts only as the leg's verifier says, in the
///        leg's current epoch (rules 1, 2). These calls, `finalize` and `proveSelfDisagreement`
///        pass the claim back whole; any claim but one proposed exactly so is
///        `Finality_NotProposed` (`_find`), so no caller chooses a field the rules read.
///        The TEE verifier is read with `TEE_GAS`, so a hostile one cannot block (rule 6).
///      - `finalize`: anyone; the result depends only on the recorded approvals, the game's
///        status and the clock, never on the caller or call order (rules 1, 2, 4).
///      - `settleRival`: anyone, once a rival is final; pays the bond to the final claim's
///        proposer and records `LegFaulty` (rule 4).
///      - `proveSelfDisagreement`: anyone, with two approvals of one leg over one input (rule 5).
///      - `recordLivenessFailure`: anyone, only when rule 6's stall holds; one replacement of a
///        leg that approved nothing of the stalled batch over its final parent.
///      - `onGameResolved`: a dispute game, from its `resolve`; it records that this game
///        favoured a claim of the batch (rule 6), read only while that game is current, so
///        anyone else's call changes nothing that is read.
///      - `setZkVerifier`, `setTeeVerifier`, `setDisputeGame`: the council only, whose own
///        timelock applies to ZK and OP unless `instantUpgradeAllowed` (rules 5–7).
///      - `withdrawCredit`: anyone, for their own credit (pull payments).
contract MultiProofFinality is IUpgradeEvidence, IFinality {
    /// @notice A proposed claim's record, in four slots: what the rules read by claim id, and the
    ///         validity legs' approvals. The whole claim is bound to its id by `claimIndex`
    ///         (keccak256 of its ABI encoding), so a call that needs the rest of it (post root,
    ///         data commitment, batch context) passes the claim back and is checked against that
    ///         index (`_find`); `ClaimProposed` carries it for readers. When and how a claim
    ///         finalized is its batch's (`BatchRecord`). A claim settled alone
    ///         (`proposeAndSettle` or `postAndSettle` on a batch with no other claim) has two
    ///         slots: its withdrawal root, and the batch with both legs' approvals.
    struct ClaimRecord {
        /// @dev State root the batch starts from: with the batch, the claim's input. Not written
        ///      for a claim settled alone, which nothing compares.
        bytes32 parentRoot;
        /// @dev Root of the batch's withdrawal tree (the bridge reads the final one).
        bytes32 withdrawalRoot;
        /// @dev Who posted the bond. Not written for a claim settled alone, which has no bond
        ///      (its sender is in `ClaimProposed`).
        address proposer;
        /// @dev When, in seconds. Not written for a claim settled alone: it is its batch's
        ///      first claim, so this is its batch's `firstProposedAt` (`_proposedAt`).
        uint64 proposedAt;
        /// @dev The batch. 48 bits: batches are posted one at a time, and 2^48 posts cannot
        ///      happen.
        uint48 batchNumber;
        /// @dev 1 + the ZK epoch of its latest valid proof (0: none).
        uint24 zkEpoch;
        /// @dev The TEE epoch of its latest valid enclave signature (with `teeSigner`).
        uint24 teeEpoch;
        /// @dev The enclave signer of that signature (zero: none). Each valid signature replaces
        ///      the one before. Both legs' approvals share the batch's slot: approving costs an
        ///      update, not a new slot, and one update for both in one transaction.
        address teeSigner;
    }

    /// @notice What the validity legs approved of one input (a batch over a parent root); one
    ///         slot.
    struct Approvals {
        /// @dev 1 + the claim ZK approved last (0: ZK never approved a claim of this input).
        uint64 zk;
        /// @dev The ZK epoch of that approval.
        uint24 zkEpoch;
        /// @dev 1 + the claim TEE approved last (0: never).
        uint64 tee;
        /// @dev The TEE epoch of that approval.
        uint24 teeEpoch;
    }

    /// @notice Where a claim stands; mirrors `ClaimStatus` of the Rust model.
    struct Status {
        /// @dev Final.
        bool isFinal;
        /// @dev How (PATH_ constants; 0 while pending).
        uint8 path;
        /// @dev When, in seconds.
        uint64 finalAt;
        /// @dev ZK approves and counts.
        bool zk;
        /// @dev TEE approves and counts.
        bool tee;
        /// @dev Its game's status under the current game.
        GameStatus op;
        /// @dev End of its OP window, in seconds.
        uint64 windowEndsAt;
        /// @dev Whether its parent is final.
        bool parentFinal;
        /// @dev Whether another claim of its batch is final.
        bool superseded;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.12.0
    string public constant version = "0.12.0";

    /// @notice Leg ids.
    uint8 public constant LEG_ZK = 0;
    /// @notice TEE leg id.
    uint8 public constant LEG_TEE = 1;
    /// @notice OP leg id.
    uint8 public constant LEG_OP = 2;
    /// @notice Finalized by ZK + TEE (rule 1).
    uint8 public constant PATH_INSTANT = 1;
    /// @notice Finalized by ZK + OP after the window (rule 2).
    uint8 public constant PATH_SLOW_ZK = 2;
    /// @notice Finalized by TEE + OP after the window (rule 2).
    uint8 public constant PATH_SLOW_TEE = 3;

    /// @notice EIP-712 type of the claim TEE signers sign.
    bytes32 public constant CLAIM_TYPEHASH = keccak256(
        "Claim(uint64 l2ChainId,uint64 batchNumber,bytes32 parentRoot,bytes32 postRoot,bytes32 withdrawalRoot,bytes32 dataCommitment,bytes32 blobsHash,bytes32 queueBefore,bytes32 queueAfter)"
    );
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @notice The L2 chain id.
    uint64 public immutable L2_CHAIN_ID;
    /// @notice Where batches are posted.
    IBatchInbox public immutable INBOX;
    /// @notice The security council: the only account that may change a leg's logic.
    address public immutable COUNCIL;
    /// @notice State root batch 1 builds on.
    bytes32 public immutable GENESIS_ROOT;
    /// @notice Bond per claim, in wei.
    uint256 public immutable BOND_WEI;
    /// @notice OP window, in seconds (7 days).
    uint64 public immutable OP_WINDOW_SECONDS;
    /// @notice How long past its OP window the oldest unfinalized batch's first claim may wait
    ///         before a liveness failure can be recorded, in seconds (7 days).
    uint64 public immutable LIVENESS_GRACE_SECONDS;
    /// @notice Gas the TEE verifier gets to answer `isValidSigner`; a failure within it, or a
    ///         malformed answer, counts as "not a valid signer".
    uint256 public constant TEE_GAS = 100_000;
    /// @notice The BN254 scalar field modulus: every root and commitment of a claim is below it.
    uint256 public constant FIELD_MODULUS = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    /// @notice Current ZK verifier.
    IZkVerifier public zkVerifier;
    /// @notice Current TEE verifier.
    ITeeVerifier public teeVerifier;
    /// @notice Current dispute game.
    IDisputeGame public disputeGame;
    /// @notice When the current dispute game was installed (the deployment, for the first), in
    ///         seconds: no claim's window in it starts earlier (`windowStartOf`).
    uint64 public disputeGameSince;
    /// @notice Logic epoch per leg; bumped by every upgrade. 24 bits: a ZK or OP upgrade waits
    ///         out the timelock or needs rule 5 or 6 evidence, so 2^24 of them cannot happen;
    ///         only the council's own TEE upgrades could exhaust them, after which `_upgrade`
    ///         reverts for the TEE leg (the council would only have stopped itself).
    uint24[3] public epoch;
    /// @notice Whether a leg is frozen by self-disagreement evidence (rule 5).
    bool[3] public frozen;
    /// @notice Whether a liveness failure is recorded (rule 6).
    bool public livenessFailed;
    /// @notice Whether the recorded liveness failure's one replacement was made.
    bool public livenessUsed;
    /// @notice Last finalization (or deployment), in seconds.
    uint64 public lastFinalizedAt;
    /// @notice Highest batch with a final claim (0: none).
    uint64 public latestFinalBatch;
    /// @notice That claim's post root (`GENESIS_ROOT` while none is final): the parent root the
    ///         next batch's claims must state to finalize.
    bytes32 public latestFinalRoot;
    /// @notice Bonds owed, in wei.
    mapping(address => uint256) public credit;
    /// @notice Whether a losing claim was settled (`settleRival`).
    mapping(uint256 => bool) public rivalSettled;

    ClaimRecord[] internal claims;
    /// @dev input => what the legs approved of it: the claims ZK and TEE approved last (rule 4:
    ///      OP must rule against the other leg's rival before either finalizes on the slow path;
    ///      rule 6: the only claims of a stalled batch that can be finalizable).
    mapping(bytes32 => Approvals) internal approvals;
    /// @dev keccak256(claim) => 1 + id.
    mapping(bytes32 => uint256) internal claimIndex;
    /// @notice What is recorded per batch, in one slot: written by its first claim, so that
    ///         finalizing it updates a slot instead of filling a new one.
    struct BatchRecord {
        /// @dev When its first claim was proposed, in seconds (0: no claim yet).
        uint64 firstProposedAt;
        /// @dev 1 + the id of its final claim (0: not final).
        uint64 finalId;
        /// @dev When that claim finalized, in seconds.
        uint64 finalAt;
        /// @dev How: one of the PATH_ constants.
        uint8 path;
        /// @dev The block of its first claim: where readers start looking for the batch's
        ///      `ClaimProposed` logs (`proposalBlockOf`).
        uint48 firstProposedBlock;
    }

    /// @dev batch => its record.
    mapping(uint64 => BatchRecord) internal batchOf;
    /// @dev keccak256(input, game) => whether that game reported resolving for a claim of the
    ///      input (`onGameResolved`). Keyed by the reporting game, so a game that resolved games
    ///      before the council installed it is read correctly once it is current.
    mapping(bytes32 => bool) internal resolvedFor;

    /// @notice A claim was proposed: the whole claim, batch context included, as the later calls
    ///         pass it back.
    event ClaimProposed(uint256 indexed id, uint64 indexed batchNumber, Claim claim, address proposer);
    /// @notice A leg approved a claim.
    event Approved(uint256 indexed id, uint8 indexed leg, address by);
    /// @notice A claim became final.
    event Finalized(uint256 indexed id, uint64 indexed batchNumber, bytes32 postRoot, uint8 path);
    /// @notice A leg approved a root that lost to a final one (rule 4).
    event LegFaulty(uint8 indexed leg, uint256 indexed id);
    /// @notice A leg contradicted itself and counts as zero (rule 5).
    event LegFrozen(uint8 indexed leg, uint256 a, uint256 b);
    /// @notice A liveness failure was recorded (rule 6).
    event LivenessFailure(uint64 timestamp);
    /// @notice A losing claim was settled: its bond went to the final claim's proposer.
    event RivalSettled(uint256 indexed id, uint256 indexed finalId);
    /// @notice A leg's logic was replaced.
    event LegUpgraded(uint8 indexed leg, address implementation, uint32 epoch);

    /// @notice Batch 0 is the genesis and takes no claim.
    error Finality_GenesisBatch();
    /// @notice The bond must be exactly `BOND_WEI` (`propose`), or zero (`proposeAndSettle`).
    error Finality_WrongBond(uint256 sent);
    /// @notice The batch is not posted in the inbox.
    error Finality_BatchNotPosted(uint64 batchNumber);
    /// @notice A root or commitment that is no BN254 field element: no leg could ever prove or
    ///         trace it, so nobody could challenge it either.
    error Finality_NotAFieldElement(bytes32 value);
    /// @notice The same claim is already proposed.
    error Finality_DuplicateClaim(uint256 id);
    /// @notice No such claim.
    error Finality_UnknownClaim(uint256 id);
    /// @notice No claim with exactly these fields was proposed (`key`: keccak256 of its ABI
    ///         encoding).
    error Finality_NotProposed(bytes32 key);
    /// @notice The proof does not verify under the current ZK verifier.
    error Finality_InvalidProof();
    /// @notice The signer is unknown, revoked, expired, or its measurement is not allowed.
    error Finality_InvalidSigner(address signer);
    /// @notice The claim is already final.
    error Finality_AlreadyFinal(uint256 id);
    /// @notice Another claim of the batch is final.
    error Finality_BatchAlreadyFinal(uint64 batchNumber);
    /// @notice The claim's parent root is not the previous batch's final root.
    error Finality_ParentNotFinal(uint256 id);
    /// @notice Neither ZK nor TEE approves the claim.
    error Finality_NoValidityApproval(uint256 id);
    /// @notice One of ZK/TEE approves but the OP window ends at `endsAt`.
    error Finality_WindowNotPassed(uint256 id, uint64 endsAt);
    /// @notice One of ZK/TEE approves, the window passed, but the game does not favour the claim.
    error Finality_OpNotFavouring(uint256 id);
    /// @notice Not evidence of the leg contradicting itself.
    error Finality_InvalidEvidence(uint8 leg);
    /// @notice The leg is already frozen.
    error Finality_AlreadyFrozen(uint8 leg);
    /// @notice The oldest unfinalized batch has no claim, its first claim is younger than the
    ///         OP window plus `LIVENESS_GRACE_SECONDS`, or one of its claims is finalizable.
    error Finality_ChainLive();
    /// @notice Too little gas was left to give the TEE verifier its `TEE_GAS`.
    error Finality_TeeStarved();
    /// @notice A liveness failure is already recorded.
    error Finality_LivenessAlreadyRecorded();
    /// @notice Only the council may change a leg's logic.
    error Finality_NotCouncil(address caller);
    /// @notice No such leg.
    error Finality_UnknownLeg(uint8 leg);
    /// @notice A frozen leg's replacement must be another contract.
    error Finality_SameImplementation(uint8 leg);
    /// @notice Not a claim that lost to its batch's final claim, or already settled.
    error Finality_NotARival(uint256 id);
    /// @notice ZK and TEE approved different results for this input (rule 4) and OP has not
    ///         ruled against the other one (`rival`): neither finalizes on the slow path first.
    error Finality_OpUndecided(uint256 id, uint256 rival);
    /// @notice `proposeAndSettle` would leave claim `id` not final: a validity leg does not
    ///         count, its parent is not final, or its batch is.
    error Finality_NotInstant(uint256 id);
    /// @notice The claim's chain id or batch context is not this chain's and the inbox's for
    ///         batch `batchNumber`.
    error Finality_WrongContext(uint64 batchNumber);
    /// @notice Nothing is owed to the caller, or the payment failed.
    error Finality_NoCredit();

    /// @param _l2ChainId The L2 chain id.
    /// @param _inbox Where batches are posted.
    /// @param _council The security council.
    /// @param _genesisRoot State root batch 1 builds on.
    /// @param _bondWei Bond per claim, in wei.
    /// @param _opWindowSeconds OP window, in seconds.
    /// @param _livenessGraceSeconds Liveness grace after the OP window, in seconds.
    /// @param _zkVerifier Initial ZK verifier.
    /// @param _teeVerifier Initial TEE verifier.
    /// @param _disputeGame Initial dispute game.
    constructor(
        uint64 _l2ChainId,
        IBatchInbox _inbox,
        address _council,
        bytes32 _genesisRoot,
        uint256 _bondWei,
        uint64 _opWindowSeconds,
        uint64 _livenessGraceSeconds,
        IZkVerifier _zkVerifier,
        ITeeVerifier _teeVerifier,
        IDisputeGame _disputeGame
    ) {
        L2_CHAIN_ID = _l2ChainId;
        INBOX = _inbox;
        COUNCIL = _council;
        GENESIS_ROOT = _genesisRoot;
        BOND_WEI = _bondWei;
        OP_WINDOW_SECONDS = _opWindowSeconds;
        LIVENESS_GRACE_SECONDS = _livenessGraceSeconds;
        zkVerifier = _zkVerifier;
        teeVerifier = _teeVerifier;
        disputeGame = _disputeGame;
        disputeGameSince = uint64(block.timestamp);
        lastFinalizedAt = uint64(block.timestamp);
        latestFinalRoot = _genesisRoot;
    }

    // ---------------------------------------------------------------- claims and approvals

    /// @notice Proposes a claim about a posted batch, with `BOND_WEI` attached. The batch
    ///         context (blobs hash, queue accumulators) is read from the inbox. Roots and the
    ///         data commitment must be BN254 field elements (`Finality_NotAFieldElement`): an
    ///         honest challenger cannot trace any other value, so such a claim would stand
    ///         unchallenged and make OP favour two results of one batch.
    /// @return id The claim id (proposal order, from 0).
    function propose(
        uint64 _batchNumber,
        bytes32 _parentRoot,
        bytes32 _postRoot,
        bytes32 _withdrawalRoot,
        bytes32 _dataCommitment
    ) external payable returns (uint256 id) {
        if (_batchNumber == 0) revert Finality_GenesisBatch();
        if (msg.value != BOND_WEI) revert Finality_WrongBond(msg.value);
        Claim memory c = _claimOf(_batchNumber, _parentRoot, _postRoot, _withdrawalRoot, _dataCommitment);
        bytes32 key = keccak256(abi.encode(c));
        if (claimIndex[key] != 0) revert Finality_DuplicateClaim(claimIndex[key] - 1);
        id = _store(c, key);
    }

    /// @notice Proposes a claim and settles both validity legs in one transaction, for a prover
    ///         that holds a batch's ZK proof and enclave signature before the claim is proposed:
    ///         the proposal, then the proof, then the signature, each checked as by its own call,
    ///         then the instant path (rule 1). It reverts with `Finality_NotInstant` unless the
    ///         claim is final at its end, so it takes no bond (`Finality_WrongBond` unless
    ///         `msg.value` is zero): a claim final at once has no game to pay for. Three cases,
    ///         with the same outcome and events:
    ///         - The batch has no claim yet (the usual case): the claim's record is written
    ///           in two slots, without its parent root, proposer and proposal time (the
    ///           batch's), and without a claim index. No claim of a final batch can be
    ///           proposed, so no rule ever compares another claim with it, and no call needs to
    ///           match it: calls that pass a claim back (`proveZk`, `attestTee`, `finalize`,
    ///           `proveSelfDisagreement`, `DisputeGame.challenge`) do not find it
    ///           (`Finality_NotProposed`), while every read by id or batch (`statusOf`,
    ///           `finalClaimOf`, `finalWithdrawalRoot`, `proposedAtOf`) does; `proposerOf` is
    ///           zero, as there is no bond.
    ///         - The batch has other claims: the claim is recorded whole, as by `propose`, so
    ///           rules 4 and 5 compare it with them; their bonds go to the caller
    ///           (`settleRival`).
    ///         - The same claim is proposed already (a front-run): it is settled as it stands,
    ///           and its bond returns to its proposer as on any finalization.
    /// @param _c The claim: the batch context and chain id must be the inbox's and this
    ///        chain's (`Finality_WrongContext`), the roots and commitment field elements.
    /// @param _proof The proof, in the current ZK verifier's encoding.
    /// @param _signature 65-byte `r ‖ s ‖ v` over `claimDigest(_c)`.
    /// @return id The claim id.
    function proposeAndSettle(Claim calldata _c, bytes calldata _proof, bytes calldata _signature)
        external
        payable
        returns (uint256 id)
    {
        if (msg.value != 0) revert Finality_WrongBond(msg.value);
        bytes32 key = keccak256(abi.encode(_c));
        uint256 i = claimIndex[key];
        bool bonded = i != 0;
        if (bonded) {
            id = i - 1;
        } else {
            uint64 n = _c.batchNumber;
            if (n == 0) revert Finality_GenesisBatch();
            Claim memory c = _claimOf(n, _c.parentRoot, _c.postRoot, _c.withdrawalRoot, _c.dataCommitment);
            if (keccak256(abi.encode(c)) != key) revert Finality_WrongContext(n);
            // Zero is "no claim yet", never a block time.
            // slither-disable-next-line incorrect-equality
            if (batchOf[n].firstProposedAt == 0) return _settleAlone(c, _c, _proof, _signature);
            id = _store(c, key);
        }
        ClaimRecord storage r = claims[id];
        _approveZk(id, r, _c, _proof);
        _approveTee(id, r, _c, _signature);
        if (!_finalizeIfInstant(id, r, _c.postRoot, bonded)) revert Finality_NotInstant(id);
    }

    /// @notice Posts a batch and settles its claim in one transaction, for a sequencer whose ZK
    ///         proof and enclave signature of the batch are ready before it is posted: the
    ///         inbox's `postBatch` (this transaction's one blob, queue `[queueHead, _queueEnd)`,
    ///         every rule for the caller as there), then `proposeAndSettle` of `_c`, all or
    ///         nothing. A batch is never claimed before it is posted, so the claim is settled
    ///         alone, as `proposeAndSettle` settles one on a batch with no claim. Final as
    ///         posted, the batch keeps no context in the inbox (`Inbox.postFor`): its
    ///         `BatchPosted` log holds it. Against `postBatch` then `proposeAndSettle`, it saves
    ///         the second transaction's 21,000 gas, its cold reads of the inbox, and the inbox's
    ///         two slots of the batch.
    /// @param _c The claim: chain id this chain's, batch `Inbox.latestBatch + 1`, context the
    ///        batch's as posted here (`Finality_WrongContext`; the inbox checks `queueAfter`
    ///        against the queue as `_queueAcc`, `Inbox_QueueMoved`), roots and commitment field
    ///        elements (`Finality_NotAFieldElement`).
    /// @param _queueEnd Queue index one past the batch's last L1 message (`Inbox.postBatch`).
    /// @param _proof The proof, in the current ZK verifier's encoding.
    /// @param _signature 65-byte `r ‖ s ‖ v` over `claimDigest(_c)`.
    /// @return id The claim id.
    function postAndSettle(Claim calldata _c, uint64 _queueEnd, bytes calldata _proof, bytes calldata _signature)
        external
        returns (uint256 id)
    {
        uint64 n = _c.batchNumber;
        if (_c.l2ChainId != L2_CHAIN_ID) revert Finality_WrongContext(n);
        _requireField(_c.parentRoot);
        _requireField(_c.postRoot);
        _requireField(_c.withdrawalRoot);
        _requireField(_c.dataCommitment);
        (bytes32 blobsHash, bytes32 queueBefore) = INBOX.postFor(msg.sender, n, _queueEnd, _c.queueAfter);
        if (blobsHash != _c.blobsHash || queueBefore != _c.queueBefore) revert Finality_WrongContext(n);
        return _settleAlone(_c, _c, _proof, _signature);
    }

    /// @dev `proposeAndSettle` of claim `_m` (`_c` in calldata) on a batch with no claim yet,
    ///      hence not final, with no rival and no approval over its input. The checks and events
    ///      of `_store`, `_approveZk`, `_approveTee` and `_finalizeIfInstant`, in that order,
    ///      with neither freeze check (there is no other result to compare) and without the
    ///      writes nothing will read: the parent root (read only to compare the batch's other
    ///      claims with its final one, and a final batch takes no claim), the proposer (there
    ///      is no bond), the proposal time (the batch's first), the claim index and the bond.
    function _settleAlone(Claim memory _m, Claim calldata _c, bytes calldata _proof, bytes calldata _signature)
        internal
        returns (uint256 id)
    {
        uint64 n = _m.batchNumber;
        id = claims.length;
        emit ClaimProposed(id, n, _m, msg.sender);
        if (!_zkVerifies(_c, _proof)) revert Finality_InvalidProof();
        emit Approved(id, LEG_ZK, msg.sender);
        (address signer, bool valid) = teeVerifier.recover(_digest(_c), _signature);
        if (!valid) revert Finality_InvalidSigner(signer);
        emit Approved(id, LEG_TEE, signer);
        // Rule 1 as `_finalizeIfInstant` reads it: the parent final, both legs counting (the
        // signer asked again, as there).
        // Roots are compared for identity: equality is the rule.
        // slither-disable-next-line incorrect-equality
        bool instant = n == latestFinalBatch + 1 && _m.parentRoot == latestFinalRoot && !frozen[LEG_ZK]
            && !frozen[LEG_TEE] && signer != address(0) && _teeSignerValid(signer);
        if (!instant) revert Finality_NotInstant(id);
        ClaimRecord storage r = claims.push();
        r.withdrawalRoot = _m.withdrawalRoot;
        (r.batchNumber, r.zkEpoch, r.teeEpoch, r.teeSigner) = (uint48(n), epoch[LEG_ZK] + 1, epoch[LEG_TEE], signer);
        BatchRecord storage b = batchOf[n];
        (b.firstProposedAt, b.firstProposedBlock) = (uint64(block.timestamp), uint48(block.number));
        _finalize(id, PATH_INSTANT, _m.postRoot, false);
    }

    /// @dev The claim of batch `_batchNumber` with these fields and the inbox's context for it;
    ///      reverts unless the batch is posted and every root and the commitment are field
    ///      elements.
    function _claimOf(
        uint64 _batchNumber,
        bytes32 _parentRoot,
        bytes32 _postRoot,
        bytes32 _withdrawalRoot,
        bytes32 _dataCommitment
    ) internal view returns (Claim memory) {
        _requireField(_parentRoot);
        _requireField(_postRoot);
        _requireField(_withdrawalRoot);
        _requireField(_dataCommitment);
        (bool posted, bytes32 blobsHash, bytes32 queueBefore, bytes32 queueAfter) = INBOX.batchContext(_batchNumber);
        if (!posted) {
            // Posted with its settlement (`postAndSettle`): final, and without a context.
            if (_finalOf(_batchNumber) != 0) revert Finality_BatchAlreadyFinal(_batchNumber);
            revert Finality_BatchNotPosted(_batchNumber);
        }
        return Claim({
            l2ChainId: L2_CHAIN_ID,
            batchNumber: _batchNumber,
            parentRoot: _parentRoot,
            postRoot: _postRoot,
            withdrawalRoot: _withdrawalRoot,
            dataCommitment: _dataCommitment,
            blobsHash: blobsHash,
            queueBefore: queueBefore,
            queueAfter: queueAfter
        });
    }

    /// @dev Records new claim `_c` (index key `_key`), bonded by the caller; reverts if its
    ///      batch is final.
    function _store(Claim memory _c, bytes32 _key) internal returns (uint256 id) {
        uint64 n = _c.batchNumber;
        if (_finalOf(n) != 0) revert Finality_BatchAlreadyFinal(n);
        id = claims.length;
        claims.push(
            ClaimRecord({
                parentRoot: _c.parentRoot,
                withdrawalRoot: _c.withdrawalRoot,
                proposer: msg.sender,
                proposedAt: uint64(block.timestamp),
                batchNumber: uint48(n),
                zkEpoch: 0,
                teeEpoch: 0,
                teeSigner: address(0)
            })
        );
        claimIndex[_key] = id + 1;
        BatchRecord storage b = batchOf[n];
        // Zero is "no claim yet", never a block time.
        // slither-disable-next-line incorrect-equality
        if (b.firstProposedAt == 0) {
            (b.firstProposedAt, b.firstProposedBlock) = (uint64(block.timestamp), uint48(block.number));
        }
        emit ClaimProposed(id, n, _c, msg.sender);
    }

    /// @notice Submits a validity proof for a proposed claim; finalizes it at once if TEE
    ///         agrees. A proof of another result for an input ZK already approved in this epoch is
    ///         rule 5 evidence: ZK is frozen at once (`LegFrozen`).
    /// @param _c The claim, exactly as proposed (`ClaimProposed`); `Finality_NotProposed`
    ///        otherwise.
    /// @param _proof The proof, in the current ZK verifier's encoding.
    function proveZk(Claim calldata _c, bytes calldata _proof) external {
        (uint256 id, ClaimRecord storage r) = _find(_c);
        _approveZk(id, r, _c, _proof);
        if (!_finalizeIfInstant(id, r, _c.postRoot, true)) _noteApprovals(r, id, true, false);
    }

    /// @notice Submits an enclave signer's signature over a proposed claim's EIP-712 digest;
    ///         finalizes it at once if ZK agrees. The signature becomes the claim's TEE approval,
    ///         replacing any earlier one (so a revoked signer's approval can be renewed by
    ///         another). A signature over another result for an input TEE already approved in
    ///         this epoch is rule 5 evidence: TEE is frozen at once (`LegFrozen`).
    /// @param _c The claim, exactly as proposed; `Finality_NotProposed` otherwise.
    /// @param _signature 65-byte `r ‖ s ‖ v` over `claimDigest(_c)`.
    function attestTee(Claim calldata _c, bytes calldata _signature) external {
        (uint256 id, ClaimRecord storage r) = _find(_c);
        _approveTee(id, r, _c, _signature);
        if (!_finalizeIfInstant(id, r, _c.postRoot, true)) _noteApprovals(r, id, false, true);
    }

    /// @notice `proveZk` and `attestTee` in one transaction, for a prover that holds both: the
    ///         ZK proof, then the enclave signature, then one try of the instant path (rule 1).
    ///         Each approval is checked and recorded exactly as by its own call, so either may
    ///         freeze its leg (rule 5); the separate calls stay available.
    /// @param _c The claim, exactly as proposed; `Finality_NotProposed` otherwise.
    /// @param _proof The proof, in the current ZK verifier's encoding.
    /// @param _signature 65-byte `r ‖ s ‖ v` over `claimDigest(_c)`.
    function proveAndAttest(Claim calldata _c, bytes calldata _proof, bytes calldata _signature) external {
        (uint256 id, ClaimRecord storage r) = _find(_c);
        _approveZk(id, r, _c, _proof);
        _approveTee(id, r, _c, _signature);
        if (!_finalizeIfInstant(id, r, _c.postRoot, true)) _noteApprovals(r, id, true, true);
    }

    /// @notice Records that the calling dispute game resolved for claim `_id`, so that while it
    ///         is the current game a liveness failure cannot open the OP leg (rule 6). Called by
    ///         a game from `resolve`. Anyone may call it, but only for its own address: the record
    ///         is read for the current game alone, so a contract that is not the game changes
    ///         nothing. A final batch is never the stalled one, so its claims are not recorded
    ///         (the usual case: a game resolved after its claim finalized on the instant path
    ///         costs no storage write). Never reverts.
    /// @param _id The claim.
    function onGameResolved(uint256 _id) external {
        if (_id >= claims.length) return;
        ClaimRecord storage r = claims[_id];
        if (_finalOf(r.batchNumber) != 0) return;
        resolvedFor[keccak256(abi.encode(_input(r), msg.sender))] = true;
    }

    /// @notice Finalizes a proposed claim under rule 1 or rule 2. Anyone may call it.
    /// @param _c The claim, exactly as proposed; `Finality_NotProposed` otherwise.
    function finalize(Claim calldata _c) external {
        (uint256 id,) = _find(_c);
        _finalize(id, _finalizable(id), _c.postRoot, true);
    }

    /// @notice Settles claim `_id`, which lost to its batch's final claim: its bond goes to the
    ///         final claim's proposer, and when it claimed another result for the same input the
    ///         legs that approved it are recorded faulty (rule 4, `LegFaulty`). Anyone, once per
    ///         claim; O(1).
    /// @param _id A claim of a final batch other than the final one.
    function settleRival(uint256 _id) external {
        ClaimRecord storage o = _record(_id);
        uint256 f = _finalOf(o.batchNumber);
        // Zero is "not final", never an id + 1.
        // slither-disable-next-line incorrect-equality
        if (f == 0 || f - 1 == _id || rivalSettled[_id]) revert Finality_NotARival(_id);
        rivalSettled[_id] = true;
        // A batch with a rival was not final when its final claim came, so that claim is stored
        // whole, proposer included (only a claim on a batch with no other claim is settled alone).
        ClaimRecord storage r = claims[f - 1];
        credit[r.proposer] += BOND_WEI;
        // Another claim over the same input is another result: a claim is bound whole to its id,
        // and its batch fixes everything but the parent root and the result.
        if (o.parentRoot == r.parentRoot) {
            if (o.zkEpoch != 0) emit LegFaulty(LEG_ZK, _id);
            if (o.teeSigner != address(0)) emit LegFaulty(LEG_TEE, _id);
            if (address(disputeGame) != address(0) && disputeGame.status(_id) == GameStatus.DEFENDER_WINS) {
                emit LegFaulty(LEG_OP, _id);
            }
        }
        emit RivalSettled(_id, f - 1);
    }

    // ---------------------------------------------------------------- evidence (rules 5 and 6)

    /// @notice Freezes `_leg` on evidence that it approved two different results (post root,
    ///         withdrawal root or data commitment) for the same `(batch, parent root)`. Anyone may
    ///         call it.
    ///         Two different proposed claims over one input are two results: each claim is
    ///         bound whole to its id, and the batch fixes the rest.
    /// @param _leg LEG_ZK, LEG_TEE or LEG_OP.
    /// @param _a One claim, exactly as proposed; `Finality_NotProposed` otherwise.
    /// @param _b Another claim over the same input, with another result; the same.
    /// @param _evidenceA ZK: a proof of `_a`; TEE: a signature over `_a`; OP: unused (the games'
    ///        own outcomes are the evidence).
    /// @param _evidenceB The same for `_b`.
    function proveSelfDisagreement(
        uint8 _leg,
        Claim calldata _a,
        Claim calldata _b,
        bytes calldata _evidenceA,
        bytes calldata _evidenceB
    ) external {
        if (_leg > LEG_OP) revert Finality_UnknownLeg(_leg);
        (uint256 ia, ClaimRecord storage a) = _find(_a);
        (uint256 ib, ClaimRecord storage b) = _find(_b);
        if (frozen[_leg]) revert Finality_AlreadyFrozen(_leg);
        bool both;
        if (_leg == LEG_ZK) {
            both = _zkVerifies(_a, _evidenceA) && _zkVerifies(_b, _evidenceB);
        } else if (_leg == LEG_TEE) {
            // Only validity matters here: the digest already binds each claim to its signer.
            // slither-disable-next-line unused-return
            (, bool va) = teeVerifier.recover(_digest(_a), _evidenceA);
            // slither-disable-next-line unused-return
            (, bool vb) = teeVerifier.recover(_digest(_b), _evidenceB);
            both = va && vb;
        } else {
            // Only over the batch's final parent: a challenger can trace a claim only from a
            // state it knows, so two unchallenged claims over an invented parent are no evidence
            // that the game is broken, just that nobody could dispute them.
            both = _parentFinal(a) && _opFavours(ia) && _opFavours(ib);
        }
        if (ia == ib || _input(a) != _input(b) || !both) revert Finality_InvalidEvidence(_leg);
        frozen[_leg] = true;
        emit LegFrozen(_leg, ia, ib);
    }

    /// @notice Records a liveness failure (rule 6): the oldest unfinalized batch's first claim
    ///         was proposed at least `OP_WINDOW_SECONDS + LIVENESS_GRACE_SECONDS` ago and none of
    ///         the batch's claims is finalizable now. Anyone may call it. O(1): a finalizable
    ///         claim has its parent final and counts for ZK or TEE, and each leg's counting claim
    ///         over an input is the one it approved last (rule 5), so two claims are read
    ///         whatever number of claims anyone proposed.
    function recordLivenessFailure() external {
        if (livenessFailed) revert Finality_LivenessAlreadyRecorded();
        uint64 n = latestFinalBatch + 1;
        uint64 first = batchOf[n].firstProposedAt;
        // Zero is "no claim", never a block time.
        // slither-disable-next-line incorrect-equality
        if (first == 0 || block.timestamp < first + OP_WINDOW_SECONDS + LIVENESS_GRACE_SECONDS) {
            revert Finality_ChainLive();
        }
        Approvals memory a = approvals[_inputOf(n, latestFinalRoot)];
        if (a.zk != 0 && a.zkEpoch == epoch[LEG_ZK] && _isFinalizable(a.zk - 1)) revert Finality_ChainLive();
        if (a.tee != 0 && a.teeEpoch == epoch[LEG_TEE] && _isFinalizable(a.tee - 1)) revert Finality_ChainLive();
        livenessFailed = true;
        emit LivenessFailure(uint64(block.timestamp));
    }

    /// @inheritdoc IUpgradeEvidence
    /// @dev Rule 5 opens the frozen leg, for one replacement (which unfreezes it). Rule 6 opens
    ///      one replacement, until the next finalization, of a leg that approved no claim of the
    ///      oldest unfinalized batch over its final parent (ZK: a valid proof, in any epoch; TEE:
    ///      a valid signature, in any epoch; OP: the current game resolved for the claim, before
    ///      or after it was installed): so a stall never hands the council a leg that was
    ///      working. O(1).
    function instantUpgradeAllowed(uint8 _leg) external view returns (bool) {
        if (_leg > LEG_OP) revert Finality_UnknownLeg(_leg);
        if (frozen[_leg]) return true;
        if (!livenessFailed || livenessUsed) return false;
        bytes32 input = _inputOf(latestFinalBatch + 1, latestFinalRoot);
        if (_leg == LEG_OP) return !resolvedFor[keccak256(abi.encode(input, address(disputeGame)))];
        Approvals memory a = approvals[input];
        return _leg == LEG_ZK ? a.zk == 0 : a.tee == 0;
    }

    // ---------------------------------------------------------------- council: leg logic

    /// @notice Replaces the ZK verifier (council only; the council applies the timelock).
    /// @param _verifier The new verifier.
    function setZkVerifier(IZkVerifier _verifier) external {
        _upgrade(LEG_ZK, address(zkVerifier), address(_verifier));
        zkVerifier = _verifier;
    }

    /// @notice Replaces the TEE verifier (council only; zero delay).
    /// @param _verifier The new verifier.
    function setTeeVerifier(ITeeVerifier _verifier) external {
        _upgrade(LEG_TEE, address(teeVerifier), address(_verifier));
        teeVerifier = _verifier;
    }

    /// @notice Replaces the dispute game (council only; the council applies the timelock).
    /// @param _game The new game.
    function setDisputeGame(IDisputeGame _game) external {
        _upgrade(LEG_OP, address(disputeGame), address(_game));
        disputeGame = _game;
        disputeGameSince = uint64(block.timestamp);
    }

    // ---------------------------------------------------------------- bonds

    /// @notice Pays the caller the bonds owed to it.
    function withdrawCredit() external {
        uint256 amount = credit[msg.sender];
        if (amount == 0) revert Finality_NoCredit();
        credit[msg.sender] = 0;
        (bool ok,) = msg.sender.call{ value: amount }("");
        if (!ok) revert Finality_NoCredit();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IFinality
    function finalWithdrawalRoot(uint64 _batchNumber) external view returns (bool isFinal, bytes32 withdrawalRoot) {
        uint256 f = _finalOf(_batchNumber);
        // Zero is "not final", never an id + 1.
        // slither-disable-next-line incorrect-equality
        if (f == 0) return (false, 0);
        return (true, claims[f - 1].withdrawalRoot);
    }

    /// @notice The final claim of a batch.
    /// @param _batchNumber The batch.
    /// @return isFinal Whether it has one.
    /// @return id Its id.
    function finalClaimOf(uint64 _batchNumber) external view returns (bool isFinal, uint256 id) {
        uint256 f = _finalOf(_batchNumber);
        // Zero is "not final", never an id + 1.
        // slither-disable-next-line incorrect-equality
        return f == 0 ? (false, 0) : (true, f - 1);
    }

    /// @notice Number of claims proposed.
    /// @return The count.
    function claimCount() external view returns (uint256) {
        return claims.length;
    }

    /// @notice The id of a proposed claim; not of one `proposeAndSettle` finalized on a batch
    ///         with no other claim, which no call matches (find it by `finalClaimOf`).
    /// @param _c The claim, with its batch context (as `ClaimProposed` carries it).
    /// @return proposed Whether exactly this claim was proposed and indexed.
    /// @return id Its id (0 when not proposed).
    function idOf(Claim calldata _c) external view returns (bool proposed, uint256 id) {
        uint256 i = claimIndex[keccak256(abi.encode(_c))];
        // Zero is "not proposed", never an id + 1.
        // slither-disable-next-line incorrect-equality
        return i == 0 ? (false, 0) : (true, i - 1);
    }

    /// @notice A block at or before the one that holds claim `_id`'s `ClaimProposed` log: the
    ///         block of its batch's first claim. Readers scan the log from there, not from
    ///         genesis.
    /// @param _id The claim; `Finality_UnknownClaim` when no such claim.
    /// @return The block number.
    function proposalBlockOf(uint256 _id) external view returns (uint64) {
        return batchOf[_record(_id).batchNumber].firstProposedBlock;
    }

    /// @notice The batch a claim is about.
    /// @param _id The claim; `Finality_UnknownClaim` when no such claim.
    /// @return The batch number.
    function batchNumberOf(uint256 _id) external view returns (uint64) {
        return _record(_id).batchNumber;
    }

    /// @notice Who proposed a claim and posted its bond (and plays for it in its dispute game).
    /// @param _id The claim; `Finality_UnknownClaim` when no such claim.
    /// @return The proposer; zero for a claim settled alone (`proposeAndSettle` or
    ///         `postAndSettle` on a batch with no other claim), which has no bond: its sender is
    ///         in its `ClaimProposed` log.
    function proposerOf(uint256 _id) external view returns (address) {
        return _record(_id).proposer;
    }

    /// @notice When a claim was proposed: the start of its OP window, which its dispute game
    ///         uses too, whenever that game is created.
    /// @param _id The claim.
    /// @return Its proposal time, in seconds.
    function proposedAtOf(uint256 _id) external view returns (uint64) {
        return _proposedAt(_record(_id));
    }

    /// @notice Where claim `_id`'s challenge window starts in the current dispute game: its
    ///         proposal, or the game's installation if later. A game installed after a claim was
    ///         proposed gives it a full window, so nobody can have it rule on the claim before a
    ///         challenger could play. For a claim settled alone, final at once, the game's
    ///         installation.
    /// @param _id The claim.
    /// @return The window's start, in seconds.
    function windowStartOf(uint256 _id) external view returns (uint64) {
        // A claim settled alone does not store its proposal time (zero here): it is final, so its
        // game decides nothing, and its window may start at the game's installation.
        uint64 proposedAt = _record(_id).proposedAt;
        return proposedAt > disputeGameSince ? proposedAt : disputeGameSince;
    }

    /// @notice Where a claim stands, and why.
    /// @param _id The claim.
    /// @return s Its status.
    function statusOf(uint256 _id) external view returns (Status memory s) {
        ClaimRecord storage r = _record(_id);
        BatchRecord memory b = batchOf[r.batchNumber];
        s.isFinal = b.finalId == _id + 1;
        if (s.isFinal) (s.path, s.finalAt) = (b.path, b.finalAt);
        s.zk = _zkCounts(r);
        s.tee = _teeCounts(r);
        s.op = address(disputeGame) == address(0) ? GameStatus.IN_PROGRESS : disputeGame.status(_id);
        s.windowEndsAt = _proposedAt(r) + OP_WINDOW_SECONDS;
        s.parentFinal = _parentFinal(r);
        s.superseded = _finalOf(r.batchNumber) != 0;
    }

    /// @notice The EIP-712 digest TEE signers sign for a claim: domain
    ///         `{name: "TribunalFinality", version: "1", chainId, verifyingContract: this}`, type
    ///         `CLAIM_TYPEHASH`. Any claim, proposed or not.
    /// @param _c The claim, with its batch context.
    /// @return The digest.
    function claimDigest(Claim calldata _c) external view returns (bytes32) {
        return _digest(_c);
    }

    /// @dev The EIP-712 digest of `c` (see `claimDigest`).
    function _digest(Claim calldata c) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("TribunalFinality"), keccak256("1"), block.chainid, address(this))
        );
        bytes32 structHash = keccak256(
            abi.encode(
                CLAIM_TYPEHASH,
                c.l2ChainId,
                c.batchNumber,
                c.parentRoot,
                c.postRoot,
                c.withdrawalRoot,
                c.dataCommitment,
                c.blobsHash,
                c.queueBefore,
                c.queueAfter
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    // ---------------------------------------------------------------- internals

    /// @dev Reverts unless `_value` is a BN254 field element.
    function _requireField(bytes32 _value) internal pure {
        if (uint256(_value) >= FIELD_MODULUS) revert Finality_NotAFieldElement(_value);
    }

    /// @dev Whether the current ZK verifier accepts `_proof` of `_c`, its batch's canonical form
    ///      read from the inbox (docs/stf.md).
    function _zkVerifies(Claim calldata _c, bytes calldata _proof) internal view returns (bool) {
        return zkVerifier.verify(_c, INBOX.nonCanonical(_c.batchNumber), _proof);
    }

    /// @dev Records a ZK approval of claim `_id` in its record, and freezes ZK if it is a second
    ///      result (rule 5); reverts unless the current verifier accepts. The caller then
    ///      finalizes the claim or notes the approval (`_noteApprovals`).
    function _approveZk(uint256 _id, ClaimRecord storage _r, Claim calldata _c, bytes calldata _proof) internal {
        if (!_zkVerifies(_c, _proof)) revert Finality_InvalidProof();
        _r.zkEpoch = epoch[LEG_ZK] + 1;
        emit Approved(_id, LEG_ZK, msg.sender);
        _freezeOnSecondResult(LEG_ZK, _r, _id);
    }

    /// @dev Records a TEE approval of claim `_id` in its record, and freezes TEE if it is a
    ///      second result (rule 5); reverts unless the signer is valid now. The caller then
    ///      finalizes the claim or notes the approval (`_noteApprovals`).
    function _approveTee(uint256 _id, ClaimRecord storage _r, Claim calldata _c, bytes calldata _signature)
        internal
    {
        (address signer, bool valid) = teeVerifier.recover(_digest(_c), _signature);
        if (!valid) revert Finality_InvalidSigner(signer);
        (_r.teeSigner, _r.teeEpoch) = (signer, epoch[LEG_TEE]);
        emit Approved(_id, LEG_TEE, signer);
        _freezeOnSecondResult(LEG_TEE, _r, _id);
    }

    /// @dev Notes in `approvals` that ZK (`_zk`) and/or TEE (`_tee`) approved claim `_id` in
    ///      their current epochs: the last claim each approved of its input (rules 4 to 6). Not
    ///      done when the approval finalized the claim at once, which saves a slot on the instant
    ///      path: a final batch's input is read only by `_freezeOnSecondResult`, which reads its
    ///      final claim's record as well.
    function _noteApprovals(ClaimRecord storage _r, uint256 _id, bool _zk, bool _tee) internal {
        Approvals storage a = approvals[_input(_r)];
        if (_zk) (a.zk, a.zkEpoch) = (uint64(_id + 1), epoch[LEG_ZK]);
        if (_tee) (a.tee, a.teeEpoch) = (uint64(_id + 1), epoch[LEG_TEE]);
    }

    /// @dev Finalizes claim `_id` on the instant path if it qualifies now (rule 1: not final, its
    ///      parent final, ZK and TEE count); returns whether it did. The TEE signer is asked
    ///      again even right after `recover` vouched for it: a verifier whose `isValidSigner`
    ///      fails is "no TEE approval" (rule 6), whatever its `recover` said. `_bonded`: whether
    ///      the claim carries a bond to return (not one `proposeAndSettle` recorded).
    function _finalizeIfInstant(uint256 _id, ClaimRecord storage _r, bytes32 _postRoot, bool _bonded)
        internal
        returns (bool)
    {
        if (_finalOf(_r.batchNumber) != 0 || !_parentFinal(_r) || !_zkCounts(_r) || !_teeCounts(_r)) return false;
        _finalize(_id, PATH_INSTANT, _postRoot, _bonded);
        return true;
    }

    function _record(uint256 _id) internal view returns (ClaimRecord storage) {
        if (_id >= claims.length) revert Finality_UnknownClaim(_id);
        return claims[_id];
    }

    /// @dev The id and record of claim `_c`, which must have been proposed exactly so: its
    ///      ABI encoding's hash is the key `propose` indexed, so every field the caller passes
    ///      (the batch context included) is the one the proposer stated and the inbox recorded.
    function _find(Claim calldata _c) internal view returns (uint256 id, ClaimRecord storage r) {
        bytes32 key = keccak256(abi.encode(_c));
        uint256 i = claimIndex[key];
        // Zero is "not proposed", never an id + 1.
        // slither-disable-next-line incorrect-equality
        if (i == 0) revert Finality_NotProposed(key);
        id = i - 1;
        r = claims[id];
    }

    /// @dev When the claim of record `_r` was proposed, in seconds. A claim settled alone does not
    ///      store it: it is its batch's first claim.
    function _proposedAt(ClaimRecord storage _r) internal view returns (uint64 t) {
        t = _r.proposedAt;
        // Zero is "settled alone", never a block time.
        // slither-disable-next-line incorrect-equality
        if (t == 0) t = batchOf[_r.batchNumber].firstProposedAt;
    }

    /// @dev The input record `_r` claims a result for.
    function _input(ClaimRecord storage _r) internal view returns (bytes32) {
        return _inputOf(_r.batchNumber, _r.parentRoot);
    }

    function _zkCounts(ClaimRecord storage _r) internal view returns (bool) {
        return !frozen[LEG_ZK] && _r.zkEpoch == epoch[LEG_ZK] + 1;
    }

    function _teeCounts(ClaimRecord storage _r) internal view returns (bool) {
        (address signer, uint24 e) = (_r.teeSigner, _r.teeEpoch);
        if (frozen[LEG_TEE] || signer == address(0) || e != epoch[LEG_TEE]) return false;
        return _teeSignerValid(signer);
    }

    /// @dev `teeVerifier.isValidSigner(_signer)` with at most `TEE_GAS` and a 32-byte answer of
    ///      exactly 1; a revert, running out of gas, or any other answer is `false`. When the call
    ///      failed with less than `TEE_GAS / 63` left, the verifier may have had less than
    ///      `TEE_GAS` (EIP-150's 63/64): that reverts with `Finality_TeeStarved`, so no caller can
    ///      make a valid signer look invalid by sending too little gas.
    function _teeSignerValid(address _signer) internal view returns (bool valid) {
        address verifier = address(teeVerifier);
        bytes4 selector = ITeeVerifier.isValidSigner.selector;
        uint256 gasLimit = TEE_GAS;
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), _signer)
            ok := staticcall(gasLimit, verifier, p, 0x24, p, 0x20)
            valid := and(and(ok, eq(returndatasize(), 0x20)), eq(mload(p), 1))
        }
        if (!ok && gasleft() < gasLimit / 63) revert Finality_TeeStarved();
    }

    /// @dev Whether `_id` is finalizable now (`_finalizable` without the revert reasons).
    function _isFinalizable(uint256 _id) internal view returns (bool) {
        ClaimRecord storage r = claims[_id];
        if (_finalOf(r.batchNumber) != 0 || !_parentFinal(r)) return false;
        bool zk = _zkCounts(r);
        bool tee = _teeCounts(r);
        if (zk && tee) return true;
        if (!zk && !tee) return false;
        // Not final, so not settled alone: its proposal time is stored.
        if (block.timestamp < r.proposedAt + OP_WINDOW_SECONDS || !_opFavours(_id)) return false;
        (bool undecided,) = _rivalUndecided(r, _id, zk);
        return !undecided;
    }

    /// @dev Rule 4 on the slow path: the claim the other validity leg approved last for the same
    ///      input, if it claims another result, must have lost its game. Otherwise OP has not
    ///      decided between them (or favours both), and the first caller must not decide.
    function _rivalUndecided(ClaimRecord storage _r, uint256 _id, bool _byZk)
        internal
        view
        returns (bool undecided, uint256 rival)
    {
        Approvals memory a = approvals[_input(_r)];
        uint256 other = _byZk ? a.tee : a.zk;
        if (other == 0 || other - 1 == _id) return (false, 0);
        rival = other - 1;
        // Two claims over one input are two results (see `proveSelfDisagreement`).
        undecided = disputeGame.status(rival) != GameStatus.CHALLENGER_WINS;
    }

    function _opFavours(uint256 _id) internal view returns (bool) {
        return !frozen[LEG_OP] && address(disputeGame) != address(0)
            && disputeGame.status(_id) == GameStatus.DEFENDER_WINS;
    }

    /// @dev Whether record `_r`'s parent root is its batch's final parent. Batches finalize in
    ///      order (a final claim's parent is final), so the final batches are 1 to
    ///      `latestFinalBatch`: the parent of the next one is `latestFinalRoot`, and the parent of
    ///      a final one is the one its final claim states.
    function _parentFinal(ClaimRecord storage _r) internal view returns (bool) {
        uint64 n = _r.batchNumber;
        uint64 latest = latestFinalBatch;
        // Roots are compared for identity: equality is the rule.
        // slither-disable-next-line incorrect-equality
        if (n == latest + 1) return _r.parentRoot == latestFinalRoot;
        if (n > latest) return false;
        return claims[_finalOf(n) - 1].parentRoot == _r.parentRoot;
    }

    /// @dev 1 + the id of batch `_n`'s final claim (0: not final).
    function _finalOf(uint64 _n) internal view returns (uint256) {
        return batchOf[_n].finalId;
    }

    /// @dev The input a claim of batch `_n` over `_parentRoot` claims a result for.
    function _inputOf(uint64 _n, bytes32 _parentRoot) internal pure returns (bytes32) {
        return keccak256(abi.encode(_n, _parentRoot));
    }

    /// @dev Rule 5, caught at approval: `_leg` approved claim `_id` (record `_r`) of an input
    ///      whose previous approval by the leg, in the current epoch, was another claim. Two
    ///      claims over one input are two results (the rest of a claim is the inbox's), so the
    ///      leg is frozen. This keeps each leg's counting approvals at one per input. The
    ///      previous approval is the one `approvals` notes or, when the batch is final, its final
    ///      claim's, which the call that finalized it at once did not note (`_noteApprovals`).
    function _freezeOnSecondResult(uint8 _leg, ClaimRecord storage _r, uint256 _id) internal {
        if (frozen[_leg]) return;
        uint24 e = epoch[_leg];
        Approvals memory a = approvals[_input(_r)];
        (uint256 prior, uint24 priorEpoch) = _leg == LEG_ZK ? (a.zk, a.zkEpoch) : (a.tee, a.teeEpoch);
        if (prior == 0 || prior == _id + 1 || priorEpoch != e) {
            prior = _finalOf(_r.batchNumber);
            // Zero is "not final", never an id + 1; ids are compared for identity.
            // slither-disable-next-line incorrect-equality
            if (prior == 0 || prior == _id + 1) return;
            ClaimRecord storage f = claims[prior - 1];
            bool approved = _leg == LEG_ZK ? f.zkEpoch == e + 1 : f.teeSigner != address(0) && f.teeEpoch == e;
            if (f.parentRoot != _r.parentRoot || !approved) return;
        }
        frozen[_leg] = true;
        emit LegFrozen(_leg, prior - 1, _id);
    }

    /// @dev The path `_id` finalizes by now, or the revert saying why it cannot.
    function _finalizable(uint256 _id) internal view returns (uint8) {
        ClaimRecord storage r = _record(_id);
        uint256 f = _finalOf(r.batchNumber);
        // Claim ids are compared for identity: the batch's final claim is this one or not.
        // slither-disable-next-line incorrect-equality
        if (f == _id + 1) revert Finality_AlreadyFinal(_id);
        if (f != 0) revert Finality_BatchAlreadyFinal(r.batchNumber);
        if (!_parentFinal(r)) revert Finality_ParentNotFinal(_id);
        bool zk = _zkCounts(r);
        bool tee = _teeCounts(r);
        if (zk && tee) return PATH_INSTANT;
        if (!zk && !tee) revert Finality_NoValidityApproval(_id);
        // Not final, so not settled alone: its proposal time is stored.
        uint64 endsAt = r.proposedAt + OP_WINDOW_SECONDS;
        if (block.timestamp < endsAt) revert Finality_WindowNotPassed(_id, endsAt);
        if (!_opFavours(_id)) revert Finality_OpNotFavouring(_id);
        (bool undecided, uint256 rival) = _rivalUndecided(r, _id, zk);
        if (undecided) revert Finality_OpUndecided(_id, rival);
        return zk ? PATH_SLOW_ZK : PATH_SLOW_TEE;
    }

    /// @notice The path claim `_id` would finalize by now; reverts with the reason it cannot.
    /// @param _id The claim.
    /// @return One of the PATH_ constants.
    function finalizablePath(uint256 _id) external view returns (uint8) {
        return _finalizable(_id);
    }

    /// @dev Finalizes claim `_id`, whose post root is `_postRoot` (from the claim `_find` bound
    ///      to it), returning its bond to its proposer when `_bonded`.
    function _finalize(uint256 _id, uint8 _path, bytes32 _postRoot, bool _bonded) internal {
        ClaimRecord storage r = claims[_id];
        uint64 n = r.batchNumber;
        BatchRecord storage b = batchOf[n];
        (b.finalId, b.finalAt, b.path) = (uint64(_id + 1), uint64(block.timestamp), _path);
        (latestFinalBatch, latestFinalRoot) = (n, _postRoot);
        lastFinalizedAt = uint64(block.timestamp);
        livenessFailed = false;
        livenessUsed = false;
        emit Finalized(_id, n, _postRoot, _path);
        // The batch's other claims lost: each is settled by pull (`settleRival`), so this stays
        // O(1) whatever number of rivals anyone proposed.
        if (_bonded) credit[r.proposer] += BOND_WEI;
    }

    /// @dev A frozen leg is replaced only by another contract: the same one would unfreeze it.
    ///      A ZK or OP replacement during a liveness failure uses up its one replacement.
    function _upgrade(uint8 _leg, address _current, address _implementation) internal {
        if (msg.sender != COUNCIL) revert Finality_NotCouncil(msg.sender);
        if (frozen[_leg] && _implementation == _current) revert Finality_SameImplementation(_leg);
        if (livenessFailed && !frozen[_leg] && _leg != LEG_TEE) livenessUsed = true;
        uint24 e = epoch[_leg] + 1;
        epoch[_leg] = e;
        frozen[_leg] = false;
        emit LegUpgraded(_leg, _implementation, e);
    }
}
