// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { BlobElement, Claim } from "interfaces/Types.sol";
import { BlobBatch } from "BlobBatch.sol";
import { IDisputeGame, GameStatus } from "interfaces/IDisputeGame.sol";
import { StfStep } from "StfStep.sol";

/// @notice What the dispute game reads from the finality contract.
interface IClaimRegistry {
    /// @notice See `MultiProofFinality.idOf`.
    function idOf(Claim calldata _c) external view returns (bool proposed, uint256 id);
    /// @notice See `MultiProofFinality.batchNumberOf`.
    function batchNumberOf(uint256 _id) external view returns (uint64);
    /// @notice See `MultiProofFinality.claimCount`.
    function claimCount() external view returns (uint256);
    /// @notice See `MultiProofFinality.windowStartOf`: where the claim's window starts.
    function windowStartOf(uint256 _id) external view returns (uint64);
    /// @notice See `MultiProofFinality.disputeGame`: the game whose outcomes count.
    function disputeGame() external view returns (address);
    /// @notice See `MultiProofFinality.onGameResolved`: told when a game resolves for its claim.
    function onGameResolved(uint256 _id) external;
}

/// @notice What the dispute game reads from the inbox.
interface IBlobInbox {
    /// @notice See `Inbox.blobHashes`.
    function blobHashes(uint64 _batchNumber) external view returns (bytes32[] memory);
    /// @notice See `Inbox.queueRange`.
    function queueRange(uint64 _batchNumber) external view returns (uint64 start, uint64 end);
    /// @notice See `Inbox.accAt`.
    function accAt(uint64 _index) external view returns (bytes32);
    /// @notice See `Inbox.nonCanonical`.
    function nonCanonical(uint64 _batchNumber) external view returns (bool);
}

/// @title DisputeGame
/// @notice The OP leg: one bisection game per claim of `MultiProofFinality`, in the terms of the
///         OP Stack's FaultDisputeGame (claim, attack/defend, step, chess clock, bond, resolve),
///         over the reference STF's per-transaction execution trace.
/// @dev A game is a tree of bonded positions (nodes), and every move is open to anyone:
///      - The window (`WINDOW_SECONDS`, 7 days) starts when the claim is proposed (or when this
///        game was installed, if later: `FINALITY.windowStartOf`), whether or not its game
///        exists: nothing needs a game until someone challenges, so a claim that is never
///        challenged (every claim finalized on the instant path) costs the game nothing. Games
///        are created only while this contract is the finality contract's current game, so a
///        window never starts before the game counts.
///      - `create`: anyone may open a claim's game early with `CLAIM_BOND`; the claim itself is
///        the root node, and the creator's bond rides on it. A challenge of a claim with no game
///        creates it in the same call, and `resolve` of an unchallenged claim past its window
///        records the game with no bond.
///      - `challenge`: anyone, during the window, disputes the root: the trace from `T_0` (parent
///        root, queue before, empty withdrawal tree, header chunk) to `T_n` (post root, queue
///        after, withdrawal root, data commitment) over the batch's `n = m + r` transactions: its
///        `m` L1 messages (the `Inbox` range), then its `r` blob records. The
///        challenge proves the batch's two header field elements against the batch's blob
///        versioned hashes (EIP-4844 point evaluation); a header that does not decode, names
///        another chain or batch, or counts more than `MAX_BATCH_TXS − m` records, or a blob the
///        `Inbox` holds as not in canonical form (`Inbox.nonCanonical`), means no records
///        (`r = 0`), never a refusal. A claim can be challenged only `EVIDENCE_SECONDS` into its
///        window: the time anyone who judges the claim has to prove its blob not canonical (a top
///        byte, junk after the last record) with `Inbox.proveNonCanonical`, so the game reads the
///        blob as the other legs do, and a proposer cannot bundle a challenge of its own claim
///        ahead of that proof.
///      - `bisect`: anyone answers a challenge over `[lo, hi]` (`hi - lo >= 2`) with a trace hash
///        at the midpoint, for the claim's side.
///      - `attack` / `defend`: anyone answers a midpoint with a challenge of its lower half (the
///        midpoint is wrong) or of its upper half (the midpoint is right, the upper end wrong).
///      - `step` / `stepMessage`: a challenge over one transaction is countered by executing it
///        on chain (`StfStep`, with canonical witnesses): a blob record's four chunks proven
///        against the blobs, or an L1 message's four chunks proven against the `Inbox`'s stored
///        accumulators, never taken on the caller's word. When the STF reaches exactly the
///        challenged upper hash, the challenge is countered; otherwise it is proven.
///      Each position exists once (same parent, same content), so nobody can squat a claim or a
///      move: whoever posts it, the content is what the rules fix, and every side's answers stay
///      open to everyone. A wrong move by a player is only a wrong sibling that the other side
///      counters; it never stops the right move from being made.
///
///      Resolution, as FaultDisputeGame's: a position is countered when one of its answers stands
///      (is not countered), or, for a one-transaction challenge, when a step counters it.
///      `resolveNode` settles one position in O(1) once no answer can be added (its deadline
///      passed, or a step or proof decided it) and its answers are settled; parents learn from
///      their children as these settle, so no call loops over answers and spam answers only cost
///      the bonds of the spammer. `resolve` settles the root: the claim wins once the window has
///      passed and its challenge (if any) is countered, and loses as soon as its challenge stands.
///
///      Chess clocks: each side has `CLOCK_SECONDS` (3.5 days) over its moves along a path; a
///      side whose turn starts with less than `CLOCK_EXTENSION_SECONDS` left is granted that much.
///
///      Bonds are paid per position (subgame): an uncountered position's bond returns to its
///      poster; a countered one's goes to the poster of its leftmost (first posted) standing
///      answer, or to whoever stepped it. So the honest side collects every bond of the other
///      side's positions it counters. Payouts are credited per game and withdrawable
///      `WITHDRAWAL_DELAY_SECONDS` after the game resolved (`claimCredit`).
///      Trust model: no role is privileged; every external function may be called by anyone,
///      front-run or bundled; what it changes is fixed by the rules and the posted bond.
contract DisputeGame is IDisputeGame {
    /// @notice What a position asserts.
    enum Kind {
        /// @dev The claim: `hiHash` is the trace hash after all `hi` transactions. Claim side.
        ROOT,
        /// @dev `hiHash` is not the trace hash at `hi` given `loHash` at `lo`. Challenger side.
        CHALLENGE,
        /// @dev `hiHash` is the trace hash at `lo == hi`, the parent challenge's midpoint. Claim
        ///      side.
        MIDPOINT
    }

    /// @notice A claim's game.
    struct Game {
        /// @dev Start of the window, in seconds: the claim's proposal time (0: no game yet).
        uint64 windowStartsAt;
        /// @dev When it resolved, in seconds (0: in progress).
        uint64 resolvedAt;
        /// @dev Where it stands.
        GameStatus status;
        /// @dev Whether the batch header was read from the blobs (by the challenge).
        bool headerKnown;
        /// @dev Records in the batch's blob (from its header).
        uint32 txCount;
        /// @dev 1 + the root node's id (0 until the claim is challenged).
        uint32 root;
        /// @dev Who created the game: the root's claimant and bond (none: resolved unchallenged
        ///      with no game, so no bond).
        address creator;
        /// @dev L1 messages the batch consumes (its `Inbox` range), read by the challenge.
        uint32 messages;
        /// @dev Queue index of the first of them.
        uint64 queueStart;
        /// @dev The header chunk: the data commitment's first accumulator.
        uint256 headerChunk;
    }

    /// @notice One position of a game (five storage slots; a midpoint leaves `loHash` empty).
    struct Node {
        /// @dev Who posted it (and its bond).
        address claimant;
        /// @dev When it was posted, in seconds.
        uint64 createdAt;
        /// @dev 1 + the parent's id (0 for the root).
        uint32 parent;
        /// @dev Bond posted, in wei.
        uint96 bond;
        /// @dev The claim whose game it belongs to.
        uint64 claimId;
        /// @dev Clock time its side has used along its path, this move included, in seconds.
        uint64 clock;
        /// @dev Lower end of the disputed interval (a midpoint: its position).
        uint32 lo;
        /// @dev Upper end (a midpoint: its position).
        uint32 hi;
        /// @dev Answers not settled yet.
        uint32 openAnswers;
        /// @dev 1 + the id of the first-posted answer known to stand (0: none so far).
        uint32 counteredBy;
        /// @dev Depth: 0 for the root, 1 for its challenge, and so on.
        uint8 depth;
        /// @dev What it asserts.
        Kind kind;
        /// @dev Settled by `resolveNode` (or `resolve`, for the root).
        bool resolved;
        /// @dev A challenge decided for good without waiting for answers: proven by the blob
        ///      data, or by a step that does not reach its upper hash.
        bool proven;
        /// @dev A one-transaction challenge countered by a step (`stepperOf` took its bond).
        bool stepped;
        /// @dev Trace hash at `lo`, agreed by the challenge (challenges only).
        bytes32 loHash;
        /// @dev Trace hash asserted at `hi` (root, midpoint) or disputed at `hi` (challenge).
        bytes32 hiHash;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.7.0
    string public constant version = "0.7.0";

    /// @notice Field elements per blob (EIP-4844).
    uint256 public constant FIELD_ELEMENTS_PER_BLOB = BlobBatch.FIELD_ELEMENTS_PER_BLOB;

    /// @notice Where claims are proposed.
    IClaimRegistry public immutable FINALITY;
    /// @notice Where batches are posted.
    IBlobInbox public immutable INBOX;
    /// @notice The one-step STF.
    StfStep public immutable STF;
    /// @notice L2 chain id.
    uint64 public immutable L2_CHAIN_ID;
    /// @notice The window for challenges, in seconds (7 days).
    uint64 public immutable WINDOW_SECONDS;
    /// @notice Each side's chess clock along a path, in seconds (3.5 days).
    uint64 public immutable CLOCK_SECONDS;
    /// @notice Time a side is guaranteed when its turn starts, in seconds (3 hours).
    uint64 public immutable CLOCK_EXTENSION_SECONDS;
    /// @notice Delay between a game's resolution and its payouts, in seconds.
    uint64 public immutable WITHDRAWAL_DELAY_SECONDS;
    /// @notice Time from the start of a claim's window before it can be challenged, in seconds (3
    ///         hours): anyone's time to prove its blob not canonical (`Inbox.proveNonCanonical`).
    uint64 public immutable EVIDENCE_SECONDS;
    /// @notice The bond on the root (the claim's side), in wei.
    uint256 public immutable CLAIM_BOND;
    /// @notice The bond of a challenge of the root, in wei; a position at depth `d >= 1` posts
    ///         `BASE_BOND·(5/4)^(d-1)`.
    uint256 public immutable BASE_BOND;

    mapping(uint256 claimId => Game) internal games;
    Node[] internal nodes;
    /// @notice 1 + the id of the position with this key (`_key`): each position exists once.
    mapping(bytes32 key => uint256) public nodeByKey;
    /// @notice Who countered a one-transaction challenge by a step.
    mapping(uint256 node => address) public stepperOf;
    /// @notice Payouts, in wei, per game and recipient.
    mapping(uint256 claimId => mapping(address => uint256)) public credit;

    /// @notice A claim's game was created.
    event GameCreated(uint256 indexed claimId, address indexed creator);
    /// @notice A position was posted (see `nodeOf` for its interval): a challenge, whose
    ///         `hash` is the disputed upper hash, or a midpoint, whose `hash` it asserts.
    event Move(uint256 indexed claimId, uint256 indexed node, uint256 indexed parent, Kind kind, bytes32 hash);
    /// @notice A one-transaction challenge was decided by executing the transaction.
    event Stepped(uint256 indexed node, bool countered, address by);
    /// @notice The root's challenge was proven by the blob data.
    event ProvenByData(uint256 indexed node, string reason);
    /// @notice A position was settled; its bond went to `payee`.
    event NodeResolved(uint256 indexed node, bool countered, address payee);
    /// @notice A game resolved.
    event Resolved(uint256 indexed claimId, GameStatus status);

    /// @notice The game exists already.
    error Game_Exists(uint256 claimId);
    /// @notice No such claim in `FINALITY`.
    error Game_UnknownClaim(uint256 claimId);
    /// @notice No claim with exactly these fields was proposed.
    error Game_NotProposed();
    /// @notice This contract is not the finality contract's current game: it creates no games.
    error Game_NotCurrent();
    /// @notice The claim has not been challenged.
    error Game_NotChallenged(uint256 claimId);
    /// @notice No game for this claim.
    error Game_Missing(uint256 claimId);
    /// @notice The game is resolved.
    error Game_Resolved(uint256 claimId);
    /// @notice The challenge window closed.
    error Game_WindowClosed(uint256 claimId);
    /// @notice The claim's blob can still be proven not canonical until `until` (seconds).
    error Game_EvidencePeriod(uint256 claimId, uint64 until);
    /// @notice The window is still open, or the challenge is not settled.
    error Game_NotResolvable(uint256 claimId);
    /// @notice Wrong bond attached.
    error Game_WrongBond(uint256 sent, uint256 expected);
    /// @notice This position cannot be answered this way.
    error Game_InvalidMove(uint256 node);
    /// @notice The same position was already posted.
    error Game_MoveExists(uint256 node);
    /// @notice The time to answer this position ran out.
    error Game_ClockExpired(uint256 node);
    /// @notice The position can still be answered, or its answers are not settled.
    error Game_NodeNotResolvable(uint256 node);
    /// @notice No such position.
    error Game_UnknownNode(uint256 node);
    /// @notice The step's pre-state is not the agreed one.
    error Game_WrongPreState(uint256 node);
    /// @notice A claimed batch with no transactions and a post state equal to its pre-state.
    error Game_NothingToDispute(uint256 claimId);
    /// @notice A KZG opening does not verify against the batch's blob.
    error Game_BadBlobProof(uint256 element);
    /// @notice The element is not in the batch's blobs.
    error Game_ElementOutOfRange(uint256 element);
    /// @notice The chunks are not the L1 message at queue index `index`.
    error Game_NotQueuedMessage(uint64 index);
    /// @notice No payout yet, or nothing to pay.
    error Game_NoCredit(uint256 claimId);

    /// @param _finality The finality contract.
    /// @param _inbox The inbox.
    /// @param _stf The one-step STF.
    /// @param _seconds Window, clock, clock extension, withdrawal delay and evidence period, in
    ///        seconds; the evidence period is shorter than the window.
    /// @param _claimBond The root's bond, in wei.
    /// @param _baseBond The bond of a challenge of the root, in wei.
    constructor(
        IClaimRegistry _finality,
        IBlobInbox _inbox,
        StfStep _stf,
        uint64[5] memory _seconds,
        uint256 _claimBond,
        uint256 _baseBond
    ) {
        FINALITY = _finality;
        INBOX = _inbox;
        STF = _stf;
        L2_CHAIN_ID = _stf.L2_CHAIN_ID();
        WINDOW_SECONDS = _seconds[0];
        CLOCK_SECONDS = _seconds[1];
        CLOCK_EXTENSION_SECONDS = _seconds[2];
        WITHDRAWAL_DELAY_SECONDS = _seconds[3];
        require(_seconds[4] < _seconds[0]);
        EVIDENCE_SECONDS = _seconds[4];
        CLAIM_BOND = _claimBond;
        BASE_BOND = _baseBond;
    }

    // ---------------------------------------------------------------- moves

    /// @notice Creates the game of claim `_claimId`, with `CLAIM_BOND` attached. Anyone may
    ///         create it, once; the bond returns to the creator unless the claim loses. Optional:
    ///         the window runs from the claim's proposal either way, `challenge` creates a missing
    ///         game, and `resolve` settles an unchallenged claim with no game. The root position
    ///         is written only when the claim is challenged.
    /// @param _claimId The claim (must exist in `FINALITY`).
    function create(uint256 _claimId) external payable {
        if (msg.value != CLAIM_BOND) revert Game_WrongBond(msg.value, CLAIM_BOND);
        _create(_claimId);
    }

    function _create(uint256 _claimId) internal {
        if (_claimId >= FINALITY.claimCount()) revert Game_UnknownClaim(_claimId);
        Game storage g = games[_claimId];
        if (g.windowStartsAt != 0) revert Game_Exists(_claimId);
        _startWindow(g, _claimId);
        g.creator = msg.sender;
        emit GameCreated(_claimId, msg.sender);
    }

    /// @dev Writes the root position of a game at its first challenge: the creator's bond on
    ///      the claim's `T_n`.
    function _root(Game storage _g, uint256 _claimId, Claim memory _c) internal returns (uint256 root) {
        root = nodes.length;
        _g.root = uint32(root + 1);
        Node storage n = nodes.push();
        n.claimId = uint64(_claimId);
        n.kind = Kind.ROOT;
        n.createdAt = _g.windowStartsAt;
        n.claimant = _g.creator;
        n.bond = uint96(CLAIM_BOND);
        n.hiHash = STF.traceHash(StfStep.TraceState(_c.postRoot, _c.queueAfter, _c.withdrawalRoot, _c.dataCommitment));
    }

    /// @notice Challenges a claim (its root position), with `moveBond(1)` attached. Anyone,
    ///         during the window, once per game. A game not created yet is created in the same
    ///         call, by the challenger, with `CLAIM_BOND + moveBond(1)` attached: so whoever
    ///         opens a wrong claim's game to rule against it is the one its root bond goes to.
    /// @param _claim The claim, exactly as proposed (`MultiProofFinality.ClaimProposed`), whose
    ///        id `FINALITY.idOf` gives; `Game_NotProposed` otherwise.
    /// @param _header Blob field elements 0 (payload length) and 1 (batch header) with their KZG
    ///        openings.
    /// @return id The challenge's id.
    function challenge(Claim calldata _claim, BlobElement[2] calldata _header) external payable returns (uint256 id) {
        (bool proposed, uint256 _claimId) = FINALITY.idOf(_claim);
        if (!proposed) revert Game_NotProposed();
        uint256 paid = msg.value;
        // A timestamp of 0 is "no game yet", never a reachable time.
        // slither-disable-next-line incorrect-equality
        if (games[_claimId].windowStartsAt == 0) {
            if (paid < CLAIM_BOND) revert Game_WrongBond(paid, CLAIM_BOND + moveBond(1));
            paid -= CLAIM_BOND;
            _create(_claimId);
        }
        _takeBond(1, paid);
        Game storage g = _open(_claimId);
        if (block.timestamp >= g.windowStartsAt + WINDOW_SECONDS) revert Game_WindowClosed(_claimId);
        if (block.timestamp < g.windowStartsAt + EVIDENCE_SECONDS) {
            revert Game_EvidencePeriod(_claimId, g.windowStartsAt + EVIDENCE_SECONDS);
        }
        if (g.root != 0) revert Game_MoveExists(g.root - 1);
        Claim memory c = _claim;
        uint256 rootId = _root(g, _claimId, c);
        Node storage root = nodes[rootId];
        (uint64 queueStart, uint64 queueEnd) = INBOX.queueRange(c.batchNumber);
        g.queueStart = queueStart;
        g.messages = uint32(queueEnd - queueStart);
        _readHeader(g, c, _header);
        bytes32 loHash = STF.traceHash(
            StfStep.TraceState(c.parentRoot, c.queueBefore, STF.EMPTY_WITHDRAWAL_ROOT(), bytes32(g.headerChunk))
        );
        uint32 n = g.messages + g.txCount;
        if (n == 0 && loHash == root.hiHash) revert Game_NothingToDispute(_claimId);
        id = _post(rootId, Kind.CHALLENGE, 0, n, loHash, root.hiHash, 0);
        if (n == 0) _prove(id, "empty batch with another post state");
    }

    /// @notice Answers challenge `_id` for the claim's side: the trace hash after the first
    ///         `(lo + hi) / 2` transactions, with `moveBond(depth + 1)` attached. Anyone.
    /// @param _id A challenge over at least two transactions.
    /// @param _midHash `StfStep.traceHash` of the state at the midpoint.
    /// @return The midpoint's id.
    function bisect(uint256 _id, bytes32 _midHash) external payable returns (uint256) {
        Node storage ch = _node(_id);
        if (ch.kind != Kind.CHALLENGE || ch.proven || ch.hi - ch.lo < 2) revert Game_InvalidMove(_id);
        _takeBond(ch.depth + 1, msg.value);
        uint32 mid = (ch.lo + ch.hi) / 2;
        return _post(_id, Kind.MIDPOINT, mid, mid, 0, _midHash, 0);
    }

    /// @notice Answers midpoint `_id` for the challenger's side: the midpoint is wrong, so the
    ///         lower half is disputed. With `moveBond(depth + 1)` attached. Anyone.
    /// @param _id A midpoint.
    /// @return The new challenge's id.
    function attack(uint256 _id) external payable returns (uint256) {
        Node storage m = _node(_id);
        if (m.kind != Kind.MIDPOINT) revert Game_InvalidMove(_id);
        _takeBond(m.depth + 1, msg.value);
        Node storage ch = nodes[m.parent - 1];
        return _post(_id, Kind.CHALLENGE, ch.lo, m.hi, ch.loHash, m.hiHash, 1);
    }

    /// @notice Answers midpoint `_id` for the challenger's side: the midpoint is right, and the
    ///         upper half is disputed. With `moveBond(depth + 1)` attached. Anyone.
    /// @param _id A midpoint.
    /// @return The new challenge's id.
    function defend(uint256 _id) external payable returns (uint256) {
        Node storage m = _node(_id);
        if (m.kind != Kind.MIDPOINT) revert Game_InvalidMove(_id);
        _takeBond(m.depth + 1, msg.value);
        Node storage ch = nodes[m.parent - 1];
        return _post(_id, Kind.CHALLENGE, m.lo, ch.hi, m.hiHash, ch.hiHash, 2);
    }

    /// @notice Decides one-transaction challenge `_id` over a blob record by executing it on
    ///         chain. Anyone, before the challenge's deadline. When the STF accepts the
    ///         transaction and reaches exactly the challenged hash, the challenge is countered and
    ///         the caller takes its bond; otherwise it is proven.
    /// @param _id The challenge, over position `lo >= m` (`m` the batch's L1 messages).
    /// @param _record Blob field elements `2 + 4·(lo − m) .. 5 + 4·(lo − m)`: the record.
    /// @param _witness The agreed pre-state and the Merkle witnesses (`StfStep.step`); every
    ///        value canonical, or the step reverts.
    function step(uint256 _id, BlobElement[4] calldata _record, StfStep.StepWitness calldata _witness) external {
        Node storage ch = _steppable(_id, _witness);
        Game storage g = games[ch.claimId];
        if (ch.lo < g.messages) revert Game_InvalidMove(_id);
        bytes32[] memory hashes = INBOX.blobHashes(FINALITY.batchNumberOf(ch.claimId));
        // Memory starts zeroed, and each element is written below before use.
        // slither-disable-next-line uninitialized-local
        uint256[4] memory chunks;
        for (uint256 j; j < 4; ++j) {
            uint256 element = 2 + 4 * uint256(ch.lo - g.messages) + j;
            _verifyElement(hashes, element, _record[j]);
            // A field element's top byte is not part of the batch (docs/stf.md).
            chunks[j] = _record[j].value & BlobBatch.PAYLOAD_MASK;
        }
        (bool valid, StfStep.TraceState memory post) = STF.step(ch.lo, false, chunks, _witness);
        _decide(_id, ch, valid && STF.traceHash(post) == ch.hiHash);
    }

    /// @notice Decides one-transaction challenge `_id` over an L1 message by executing it on
    ///         chain, as `step` does. The message is authenticated against the `Inbox`:
    ///         `Poseidon(accAt(i), Poseidon(chunks)) == accAt(i + 1)` at its queue index `i`, so
    ///         the caller cannot choose it. Anyone, before the challenge's deadline.
    /// @param _id The challenge, over position `lo < m`.
    /// @param _chunks The message's four 31-byte chunks (its `MessageQueued` bytes, zero-padded).
    /// @param _witness As for `step`.
    function stepMessage(uint256 _id, uint256[4] calldata _chunks, StfStep.StepWitness calldata _witness)
        external
    {
        Node storage ch = _steppable(_id, _witness);
        Game storage g = games[ch.claimId];
        if (ch.lo >= g.messages) revert Game_InvalidMove(_id);
        uint64 index = g.queueStart + ch.lo;
        for (uint256 j; j < 4; ++j) {
            if (_chunks[j] >> 248 != 0) revert Game_NotQueuedMessage(index);
        }
        if (STF.queuePush(INBOX.accAt(index), _chunks) != INBOX.accAt(index + 1)) revert Game_NotQueuedMessage(index);
        (bool valid, StfStep.TraceState memory post) = STF.step(ch.lo, true, _chunks, _witness);
        _decide(_id, ch, valid && STF.traceHash(post) == ch.hiHash);
    }

    /// @dev The one-transaction challenge `_id`, checked open to a step with `_witness`.
    function _steppable(uint256 _id, StfStep.StepWitness calldata _witness) internal view returns (Node storage ch) {
        ch = _node(_id);
        if (ch.kind != Kind.CHALLENGE || ch.hi - ch.lo != 1 || ch.proven || ch.stepped) revert Game_InvalidMove(_id);
        _open(ch.claimId);
        if (block.timestamp > _deadline(ch)) revert Game_ClockExpired(_id);
        if (STF.traceHash(_witness.pre) != ch.loHash) revert Game_WrongPreState(_id);
    }

    /// @dev Records a step's outcome on challenge `_id`.
    function _decide(uint256 _id, Node storage _ch, bool _countered) internal {
        if (_countered) {
            _ch.stepped = true;
            stepperOf[_id] = msg.sender;
        } else {
            _ch.proven = true;
        }
        emit Stepped(_id, _countered, msg.sender);
    }

    // ---------------------------------------------------------------- resolution

    /// @notice Settles position `_id` (not the root): countered when a step countered it or one
    ///         of its answers stands. Anyone, once nothing can change it: its deadline passed (or
    ///         a step or proof decided it) and all its answers are settled; a proven challenge
    ///         settles at once. Pays its bond (see the contract notes) and tells its parent.
    ///         O(1).
    /// @param _id The position.
    function resolveNode(uint256 _id) external {
        Node storage n = _node(_id);
        if (n.kind == Kind.ROOT || n.resolved) revert Game_InvalidMove(_id);
        bool decided = n.proven || n.stepped;
        if (!n.proven && (n.openAnswers != 0 || (!decided && block.timestamp <= _deadline(n)))) {
            revert Game_NodeNotResolvable(_id);
        }
        n.resolved = true;
        bool countered = n.stepped || (!n.proven && n.counteredBy != 0);
        address payee = n.claimant;
        if (n.stepped) payee = stepperOf[_id];
        else if (countered) payee = nodes[n.counteredBy - 1].claimant;
        credit[n.claimId][payee] += n.bond;
        emit NodeResolved(_id, countered, payee);
        Node storage parent = nodes[n.parent - 1];
        parent.openAnswers -= 1;
        if (!countered && (parent.counteredBy == 0 || _id + 1 < parent.counteredBy)) {
            parent.counteredBy = uint32(_id + 1);
        }
    }

    /// @notice Resolves claim `_claimId`'s game. Anyone. For the claim once the window has
    ///         passed and its challenge, if any, was settled countered; against it as soon as
    ///         its challenge settled standing. Pays the root's bond. A claim nobody created a game
    ///         for is resolved for it once the window has passed, with no bond to pay. A game
    ///         resolved for its claim tells the finality contract (`onGameResolved`: OP approved a
    ///         claim of that batch).
    /// @param _claimId The claim.
    function resolve(uint256 _claimId) external {
        Game storage g = games[_claimId];
        // A timestamp of 0 is "no game yet", never a reachable time.
        // slither-disable-next-line incorrect-equality
        if (g.windowStartsAt == 0) {
            // Never challenged and never created: recorded here, with no bond to return.
            if (_claimId >= FINALITY.claimCount()) revert Game_UnknownClaim(_claimId);
            _startWindow(g, _claimId);
        }
        if (g.status != GameStatus.IN_PROGRESS) revert Game_Resolved(_claimId);
        if (g.root == 0) {
            // Never challenged: the claim wins once the window has passed.
            if (block.timestamp < g.windowStartsAt + WINDOW_SECONDS) revert Game_NotResolvable(_claimId);
            if (g.creator != address(0)) credit[_claimId][g.creator] += CLAIM_BOND;
            g.status = GameStatus.DEFENDER_WINS;
            g.resolvedAt = uint64(block.timestamp);
            emit Resolved(_claimId, g.status);
            FINALITY.onGameResolved(_claimId);
            return;
        }
        Node storage root = nodes[g.root - 1];
        bool lost = root.counteredBy != 0;
        if (!lost && (block.timestamp < g.windowStartsAt + WINDOW_SECONDS || root.openAnswers != 0)) {
            revert Game_NotResolvable(_claimId);
        }
        root.resolved = true;
        address payee = lost ? nodes[root.counteredBy - 1].claimant : root.claimant;
        credit[_claimId][payee] += root.bond;
        emit NodeResolved(g.root - 1, lost, payee);
        g.status = lost ? GameStatus.CHALLENGER_WINS : GameStatus.DEFENDER_WINS;
        g.resolvedAt = uint64(block.timestamp);
        emit Resolved(_claimId, g.status);
        if (!lost) FINALITY.onGameResolved(_claimId);
    }

    /// @notice Pays the caller its credit in game `_claimId`, once `WITHDRAWAL_DELAY_SECONDS`
    ///         have passed since the game resolved.
    /// @param _claimId The claim.
    function claimCredit(uint256 _claimId) external {
        Game storage g = games[_claimId];
        uint256 amount = credit[_claimId][msg.sender];
        if (
            g.resolvedAt == 0 || block.timestamp < g.resolvedAt + WITHDRAWAL_DELAY_SECONDS || amount == 0
        ) revert Game_NoCredit(_claimId);
        credit[_claimId][msg.sender] = 0;
        (bool ok,) = msg.sender.call{ value: amount }("");
        if (!ok) revert Game_NoCredit(_claimId);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDisputeGame
    function status(uint256 _claimId) external view returns (GameStatus) {
        return games[_claimId].status;
    }

    /// @notice A claim's game.
    /// @param _claimId The claim.
    /// @return The game (zero `windowStartsAt`: no game yet).
    function gameOf(uint256 _claimId) external view returns (Game memory) {
        return games[_claimId];
    }

    /// @notice A position.
    /// @param _id The position.
    /// @return The position.
    function nodeOf(uint256 _id) external view returns (Node memory) {
        return _node(_id);
    }

    /// @notice Number of positions posted, over all games.
    /// @return The count.
    function nodeCount() external view returns (uint256) {
        return nodes.length;
    }

    /// @notice The id of an answer to `_parent`, if posted: `_kind` CHALLENGE with `_hash` 0 for
    ///         the root's challenge, 1 for an attack and 2 for a defence of a midpoint; MIDPOINT
    ///         with the midpoint's hash for a bisection of a challenge.
    /// @param _parent The answered position.
    /// @param _kind The answer's kind.
    /// @param _hash See above.
    /// @return posted Whether it exists.
    /// @return id Its id.
    function answerOf(uint256 _parent, Kind _kind, bytes32 _hash) external view returns (bool posted, uint256 id) {
        uint256 k = nodeByKey[_key(_parent, _kind, _hash)];
        return k == 0 ? (false, 0) : (true, k - 1);
    }

    /// @notice Until when position `_id` can be answered (or, for a one-transaction challenge,
    ///         stepped), in seconds.
    /// @param _id The position.
    /// @return The deadline.
    function deadlineOf(uint256 _id) external view returns (uint64) {
        return _deadline(_node(_id));
    }

    /// @notice The bond of a position at depth `_depth >= 1`, in wei: `BASE_BOND·(5/4)^(depth-1)`
    ///         (the root's is `CLAIM_BOND`).
    /// @param _depth The position's depth.
    /// @return bond The bond.
    function moveBond(uint256 _depth) public view returns (uint256 bond) {
        bond = BASE_BOND;
        for (uint256 i = 1; i < _depth; ++i) {
            bond = bond * 5 / 4;
        }
    }

    // ---------------------------------------------------------------- internals

    /// @dev Sets a new game's window start; only the current game creates games.
    function _startWindow(Game storage _g, uint256 _claimId) internal {
        if (FINALITY.disputeGame() != address(this)) revert Game_NotCurrent();
        _g.windowStartsAt = FINALITY.windowStartOf(_claimId);
    }

    function _open(uint256 _claimId) internal view returns (Game storage g) {
        g = games[_claimId];
        if (g.windowStartsAt == 0) revert Game_Missing(_claimId);
        if (g.status != GameStatus.IN_PROGRESS) revert Game_Resolved(_claimId);
    }

    function _node(uint256 _id) internal view returns (Node storage) {
        if (_id >= nodes.length) revert Game_UnknownNode(_id);
        return nodes[_id];
    }

    /// @dev The uniqueness key of an answer to `_parent`.
    function _key(uint256 _parent, Kind _kind, bytes32 _hash) internal pure returns (bytes32) {
        return keccak256(abi.encode(_parent, _kind, _hash));
    }

    /// @dev Until when `_n` can be answered: the root during the window; any other position while
    ///      the answering side has clock left along the path (at least the extension).
    function _deadline(Node storage _n) internal view returns (uint64) {
        if (_n.kind == Kind.ROOT) return games[_n.claimId].windowStartsAt + WINDOW_SECONDS;
        uint64 used = nodes[_n.parent - 1].clock;
        uint64 left = CLOCK_SECONDS - _min(used, CLOCK_SECONDS);
        return _n.createdAt + (left < CLOCK_EXTENSION_SECONDS ? CLOCK_EXTENSION_SECONDS : left);
    }

    /// @dev Posts an answer to `_parent` with the bond of its depth, once per content.
    function _post(
        uint256 _parent,
        Kind _kind,
        uint32 _lo,
        uint32 _hi,
        bytes32 _loHash,
        bytes32 _hiHash,
        uint8 _variant
    ) internal returns (uint256 id) {
        id = _admit(_parent, _key(_parent, _kind, _kind == Kind.MIDPOINT ? _hiHash : bytes32(uint256(_variant))));
        Node storage n = nodes[id];
        n.kind = _kind;
        n.lo = _lo;
        n.hi = _hi;
        n.loHash = _loHash;
        n.hiHash = _hiHash;
        emit Move(n.claimId, id, _parent, _kind, _hiHash);
    }

    /// @dev Checks that `_parent` can be answered now, with the right bond, by an answer not
    ///      posted yet (`_k`), and appends the answer's node.
    function _admit(uint256 _parent, bytes32 _k) internal returns (uint256 id) {
        Node storage p = nodes[_parent];
        _open(p.claimId);
        if (p.resolved) revert Game_InvalidMove(_parent);
        if (block.timestamp > _deadline(p)) revert Game_ClockExpired(_parent);
        if (nodeByKey[_k] != 0) revert Game_MoveExists(nodeByKey[_k] - 1);
        uint8 depth = p.depth + 1;
        id = nodes.length;
        nodeByKey[_k] = id + 1;
        Node storage n = nodes.push();
        n.claimant = msg.sender;
        n.createdAt = uint64(block.timestamp);
        n.parent = uint32(_parent + 1);
        n.bond = uint96(moveBond(depth));
        n.claimId = p.claimId;
        n.depth = depth;
        // The mover's side has used, along the path, its time at the grandparent plus the time
        // since the parent was posted; a challenge of the root starts a fresh clock.
        if (p.kind != Kind.ROOT) {
            n.clock = _min(nodes[p.parent - 1].clock + (uint64(block.timestamp) - p.createdAt), CLOCK_SECONDS);
        }
        p.openAnswers += 1;
    }

    /// @dev Checks that `_paid` is the bond of a position at `_depth`.
    function _takeBond(uint256 _depth, uint256 _paid) internal view {
        uint256 bond = moveBond(_depth);
        if (_paid != bond) revert Game_WrongBond(_paid, bond);
    }

    function _prove(uint256 _id, string memory _reason) internal {
        nodes[_id].proven = true;
        emit ProvenByData(_id, _reason);
    }

    function _min(uint64 a, uint64 b) internal pure returns (uint64) {
        return a < b ? a : b;
    }

    /// @dev Reads the payload length (element 0) and the batch header (element 1) into
    ///      `g.txCount` and `g.headerChunk` (`BlobBatch.headerCount`; `g.messages` set). When they
    ///      do not start a batch of this claim, or the `Inbox` holds the blob as not canonical, the
    ///      batch has no records: `txCount = 0` and the data commitment starts at the header of an
    ///      empty batch (`tribunal_da::read_header` is the same rule).
    function _readHeader(Game storage g, Claim memory c, BlobElement[2] calldata _header) internal {
        bytes32[] memory hashes = INBOX.blobHashes(c.batchNumber);
        _verifyElement(hashes, 0, _header[0]);
        _verifyElement(hashes, 1, _header[1]);
        g.headerKnown = true;
        (bool decodable, uint256 count) = BlobBatch.headerCount(
            _header[0].value, _header[1].value, L2_CHAIN_ID, c.batchNumber, g.messages, hashes.length
        );
        if (decodable && !INBOX.nonCanonical(c.batchNumber)) {
            g.txCount = uint32(count);
            g.headerChunk = _header[1].value;
        } else {
            g.headerChunk = BlobBatch.emptyHeader(L2_CHAIN_ID, c.batchNumber);
        }
    }

    /// @dev Checks `_e` is element `_element` (counted across the batch's blobs) of its blob
    ///      (`BlobBatch.opens`).
    function _verifyElement(bytes32[] memory _hashes, uint256 _element, BlobElement calldata _e) internal view {
        if (_element / FIELD_ELEMENTS_PER_BLOB >= _hashes.length) revert Game_ElementOutOfRange(_element);
        if (!BlobBatch.opens(_hashes, _element, _e)) revert Game_BadBlobProof(_element);
    }
}
