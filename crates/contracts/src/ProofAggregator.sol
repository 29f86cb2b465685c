// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { EIP712 } from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import { ECDSA } from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import { MerkleProof } from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import { SafeCast } from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import { SSTORE2 } from "solady/src/utils/SSTORE2.sol";
import { Groth16 } from "Groth16.sol";
import { IProofAggregator } from "interfaces/IProofAggregator.sol";

/// @title ProofAggregator
/// @notice Tribunal's proof aggregation layer: any application registers a BN254 Groth16
///         verifying key and submits proofs; the aggregator verifies whole batches of them, of
///         many circuits, in one pairing check, and records each batch's Merkle root of proof ids.
///         Applications then ask `isProofVerified` with a Merkle path, for a few thousand gas
///         instead of a Groth16 verification each.
/// @dev Identifiers and the Merkle tree are `IProofAggregator`'s. The rest:
///
///      Keys. `registerVerifyingKey` takes a key in `Groth16`'s word layout (snarkjs, gnark and
///      arkworks keys all map to it; gnark's negated β/γ/δ must be negated back), checks that
///      every point is canonical and on its curve, and stores it as contract code (SSTORE2).
///      `circuitId = keccak256(abi.encode(vk))`. Anyone may register; a key registers once.
///
///      Submitting. `submit` is payable at `feePerProof` per proof. It checks the inputs and the
///      proof points (not the pairing), escrows the fee, and emits every proof in `Submitted`
///      for the aggregator to collect. The submission id is the Merkle root of its proof ids. Off
///      chain, the aggregator's RPC takes proofs from a submitter who has prepaid with `deposit`,
///      each with an EIP-712 `FeeVoucher` signed anew: the head of a hash chain over every
///      submission the submitter has sent, each link its id and its fee. A batch charges each
///      submitter once, by its latest voucher: the fees of the links since the last charge, and
///      only if every one of those submissions is in the batch (their ids and fees must rebuild
///      the signed head). One signature check and one slot write per submitter per batch,
///      however many submissions it has in it.
///
///      Aggregating. For proofs i of one key with coefficients r_i, Groth16's checks
///        e(A_i, B_i) = e(α, β)·e(L_i, γ)·e(C_i, δ),   L_i = IC_0 + Σ_t x_it·IC_t+1
///      hold for all i (except with probability about N/r) iff
///        Π_i e(−r_i·A_i, B_i) · e((Σr_i)·α, β) · e(Σ_t (Σ_i r_i·x_it)·IC_t, γ) · e(Σ r_i·C_i, δ) = 1
///      (the small-exponent batch test of Bellare, Garay and Rabin, EUROCRYPT 1998, applied to
///      Groth16 as in Groth16 batch verifiers since). One key's N proofs cost N + 3 pairings; a
///      batch of G keys is N + 3G pairings in ONE call to the EIP-197 precompile. The r_i are
///      the powers ρ^i of one Fiat-Shamir challenge ρ: keccak256 of the whole calldata (every
///      key id, proof and input), reduced to [1, r); i counts through the whole batch, so the
///      first proof takes r_0 = 1 and saves two ecMul. Each proof's error is a discrete log in
///      the target group, so a batch holding an invalid proof passes only if ρ is a root of a
///      nonzero polynomial of degree below N: probability at most N/r (below 2^-237), per
///      calldata an aggregator tries.
///
///      Censorship. A submission not aggregated by its deadline (`aggregationDeadline` seconds
///      after it) can be forced by anyone with `forceVerify`: its proofs are verified singly,
///      its root is recorded as verified, and the submitter gets the fee back plus
///      the penalty `submit` reserved for it out of the aggregator's collateral:
///      `censorshipPenalty` per proof, or what the free collateral covered then. A submission is
///      never refused for want of collateral, so nobody can lock out others by reserving all of
///      it with proofs of a cheap circuit of their own (`penaltyOf` tells a submitter what it
///      got). Prepaid balances leave only after
///      a delay, so signed fee vouchers stay payable. A settled submission id cannot be
///      submitted again; a rejected one can (with a valid proof).
///
///      Trust model (who may call, what it costs others):
///      - `registerVerifyingKey`, `submit`, `deposit`, `requestWithdrawal`, `withdraw`,
///        `depositCollateral`, `forceVerify`: anyone. A submission never fails for want of
///        collateral, so nobody can lock others out by reserving it; a settled statement cannot
///        be submitted again to be forced for a penalty. A statement pending on chain cannot be
///        submitted again, so a front-runner may submit it first with an invalid proof; its
///        honest submitter then verifies it at once with `verifyPending` (singly, at the price
///        of on-chain verification) instead of waiting for the aggregator to reject that one.
///      - `verifyPending`: anyone, with valid proofs of a pending submission's statements; it
///        can only settle what is true, and the pending submitter's fee returns to its prepaid
///        balance (a credit, so its address cannot make the call revert).
///      - `aggregate`, `rejectSubmission`, `setFee`, `withdrawCollateral`, `withdrawEarnings`: the
///        aggregator only. It cannot reject a valid proof (`rejectSubmission` re-verifies it),
///        cannot take reserved collateral, and earns an off-chain fee only with the submitter's
///        signed voucher, for submissions the same batch verifies.
///
///      Gas (EIP-1108 prices): the pairing is 45,000 + 34,000 per pair, each proof adds two ecMul
///      (6,000 each) and its calldata; see BENCHMARKS.md for measured figures.
contract ProofAggregator is IProofAggregator, EIP712 {
    /// @notice Semantic version.
    /// @custom:semver 0.5.0
    string public constant version = "0.5.0";

    /// @notice Most proofs in one submission: a submission is aggregated whole, in one batch.
    uint256 public constant MAX_SUBMISSION_PROOFS = 16;

    /// @notice Most public inputs a registered key may have.
    uint256 public constant MAX_PUBLIC_INPUTS = 32;

    /// @notice EIP-712 type of an off-chain submitter's fee voucher.
    bytes32 public constant FEE_VOUCHER_TYPEHASH =
        keccak256("FeeVoucher(address submitter,bytes20 chain)");

    /// @notice Proofs of one circuit in a batch.
    struct Group {
        /// @dev The circuit.
        bytes32 circuitId;
        /// @dev Its proofs.
        Groth16.Proof[] proofs;
        /// @dev Their public inputs, one flat array: the circuit's count of inputs per proof, in
        ///      proof order.
        uint256[] publicInputs;
    }

    /// @notice An on-chain submission a batch pays out: its record (from `Submitted`) and its
    ///         proofs' positions in the batch (groups flattened in order), in the submission's order.
    struct SubmissionRef {
        /// @dev The submission id.
        bytes32 submissionId;
        /// @dev Its record, as `Submitted` gave it.
        Submission record;
        /// @dev Positions of its proofs in the batch.
        uint16[] positions;
    }

    /// @notice An off-chain submitter's signed promise to pay for the submissions its hash chain
    ///         holds, from its prepaid balance.
    /// @dev The chain starts at zero and takes each submission in the submitter's order:
    ///      chain' = bytes20(keccak256(chain ‖ submissionId ‖ fee)), 20 + 32 + 12 bytes, the fee
    ///      in wei as a big-endian uint96. The submitter signs a new voucher with each submission;
    ///      charging one pays every link since the last charge. 160 bits, as addresses: finding
    ///      another sequence of links to the same head (to charge for submissions that are not
    ///      the submitter's) costs about 2^160 hashes.
    struct FeeVoucher {
        /// @dev Who pays.
        address submitter;
        /// @dev The chain's head, up to and including its newest submission.
        bytes20 chain;
    }

    /// @notice What a batch charges one off-chain submitter: its latest voucher covering the
    ///         batch, and where its submissions since the last charge are in the batch.
    struct OffchainCharge {
        /// @dev The voucher.
        FeeVoucher voucher;
        /// @dev Its EIP-712 signature, compact (EIP-2098): r.
        bytes32 r;
        /// @dev And the y parity in the top bit over s.
        bytes32 vs;
        /// @dev The submissions, in the submitter's order, packed: for each, one byte of its
        ///      proof count k (1 to `MAX_SUBMISSION_PROOFS`), its k batch positions (two bytes
        ///      each, big-endian, in the submission's order), then its fee (12 bytes, big-endian).
        ///      The count byte's top bit (0x80) says the fee is the previous submission's and its
        ///      12 bytes are left out (not on the first).
        bytes submissions;
    }

    /// @notice An on-chain submission waiting to be aggregated. Only its hash is stored (one slot);
    ///         whoever settles it passes the record back, as `Submitted` emitted it.
    struct Submission {
        /// @dev Who submitted (and gets any refund).
        address submitter;
        /// @dev When it may be forced, in seconds since the epoch.
        uint64 deadline;
        /// @dev Number of proofs.
        uint16 proofCount;
        /// @dev Escrowed fee, in wei.
        uint256 fee;
        /// @dev keccak256(abi.encode(proofs)): what `rejectSubmission` must show invalid.
        bytes32 proofsHash;
    }

    /// @notice A registered key: where its words are stored, and its number of public inputs.
    struct Circuit {
        /// @dev SSTORE2 pointer to `abi.encode(vk)`.
        address pointer;
        /// @dev Number of public inputs.
        uint32 publicInputs;
    }

    /// @notice The account that may aggregate, set the fee and manage the collateral.
    address public immutable aggregator;

    /// @notice Seconds the aggregator has to aggregate an on-chain submission before it can be
    ///         forced; also the delay on withdrawing a prepaid balance.
    uint64 public immutable aggregationDeadline;

    /// @notice Wei paid per forced proof out of the collateral, on top of the fee refund.
    uint256 public immutable censorshipPenalty;

    /// @notice Fee per proof for new on-chain submissions, in wei.
    uint256 public feePerProof;

    /// @notice The aggregator's collateral, in wei.
    uint256 public collateral;

    /// @notice Fees earned by the aggregator and not yet withdrawn, in wei. Shares a slot with
    ///         `batchCount`: a batch reads and writes both.
    uint192 public earnings;

    /// @notice Number of batches verified so far.
    uint64 public batchCount;

    /// @notice The part of `collateral` reserved for the penalties of pending on-chain
    ///         submissions (`censorshipPenalty` per proof), in wei: it cannot be withdrawn.
    uint256 public reservedCollateral;

    /// @notice An off-chain submitter's prepaid balance and the head of its charged chain, in
    ///         one slot: a charge writes it once.
    struct Payer {
        /// @dev Wei (2^96 wei is more ether than exists).
        uint96 balance;
        /// @dev The `chain` of its last charged voucher, zero before the first: its next link
        ///      continues from here.
        bytes20 charged;
    }

    /// @dev Off-chain submitters' balances and charged chains.
    mapping(address => Payer) internal _payers;

    /// @notice Pending balance withdrawals: amount (wei) and unlock time (seconds).
    mapping(address => uint256[2]) internal _withdrawals;

    /// @notice Registered keys.
    mapping(bytes32 => Circuit) public circuits;

    /// @notice keccak256(abi.encode(record)) of each pending on-chain submission; `SETTLED` once
    ///         aggregated or forced (its proofs are verified: it cannot be submitted again); zero
    ///         otherwise (never submitted, or rejected).
    mapping(bytes32 => bytes32) public submissions;

    /// @notice The part of each pending on-chain submission's penalty that the free collateral
    ///         did not cover when it was submitted, in wei (0 when covered in full).
    mapping(bytes32 => uint256) public penaltyShortfall;

    /// @dev BN254's base field modulus (`Groth16.P`), for assembly.
    uint256 private constant _P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;

    /// @dev BN254's scalar field modulus, the group order r (`Groth16.R`), for assembly.
    uint256 private constant _R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    /// @notice The `submissions` value of a settled submission.
    bytes32 public constant SETTLED = bytes32(uint256(1));

    /// @notice When each verified root (batch or forced submission) was verified, in seconds; 0
    ///         for a root never verified.
    mapping(bytes32 => uint256) public verifiedAt;

    /// @notice A key was registered.
    event CircuitRegistered(bytes32 indexed circuitId, uint256 publicInputs, address registrar);
    /// @notice Proofs were submitted on chain; the aggregator collects them from here.
    event Submitted(
        bytes32 indexed submissionId,
        address indexed submitter,
        Submission record,
        bytes32[] circuitIds,
        Groth16.Proof[] proofs,
        uint256[][] publicInputs
    );
    /// @notice A batch of `proofs` proofs passed the pairing check; `root` is its Merkle root.
    event BatchVerified(uint256 indexed batchIndex, bytes32 indexed root, uint256 proofs);
    /// @notice An on-chain submission was paid out by batch `batchRoot`.
    event SubmissionAggregated(bytes32 indexed submissionId, bytes32 indexed batchRoot);
    /// @notice Batch `batchRoot` charged an off-chain submitter `fee` wei, by its voucher of
    ///         chain `chain` (every submission up to the one `chain` ends with is now paid).
    event FeeCharged(address indexed submitter, bytes32 indexed batchRoot, bytes20 chain, uint256 fee);
    /// @notice A late submission was verified singly; `refund` wei went to its submitter.
    event SubmissionForced(bytes32 indexed submissionId, address indexed submitter, uint256 refund);
    /// @notice A pending submission's statements were verified singly by `verifier` before the
    ///         deadline (`verifyPending`); its fee, `credited` wei, went back to its submitter's
    ///         prepaid balance.
    event SubmissionVerifiedSingly(
        bytes32 indexed submissionId, address indexed verifier, address indexed submitter, uint256 credited
    );
    /// @notice A submission holding an invalid proof (at `index`) was dropped; its fee was earned.
    event SubmissionRejected(bytes32 indexed submissionId, uint256 index);
    /// @notice The fee per proof changed.
    event FeeSet(uint256 feePerProof);
    /// @notice Collateral was added.
    event CollateralDeposited(address indexed from, uint256 amount);
    /// @notice Wei left the contract to `to` (collateral, earnings or a prepaid balance).
    event Paid(address indexed to, uint256 amount);
    /// @notice A submitter prepaid.
    event Deposited(address indexed submitter, uint256 amount);
    /// @notice A submitter asked to withdraw its prepaid balance.
    event WithdrawalRequested(address indexed submitter, uint256 amount, uint256 unlockAt);

    /// @notice Only the aggregator may do this.
    error Aggregator_NotAggregator(address caller);
    /// @notice The key is malformed, or has no or more than `MAX_PUBLIC_INPUTS` public inputs.
    error Aggregator_InvalidVerifyingKey(bytes32 circuitId);
    /// @notice The key is already registered.
    error Aggregator_AlreadyRegistered(bytes32 circuitId);
    /// @notice No key has this id.
    error Aggregator_UnknownCircuit(bytes32 circuitId);
    /// @notice A submission or group must hold 1 to `max` proofs, with one circuit id and one
    ///         input array per proof.
    error Aggregator_BadLength(uint256 count, uint256 max);
    /// @notice Proof `index` has the wrong number of public inputs.
    error Aggregator_WrongInputCount(uint256 index, uint256 got, uint256 expected);
    /// @notice Proof `index` has a public input not below the BN254 scalar modulus.
    error Aggregator_InputNotInField(uint256 index);
    /// @notice Proof `index` has a point that is not canonical or not on its curve.
    error Aggregator_MalformedProof(uint256 index);
    /// @notice `msg.value` is not `feePerProof` times the number of proofs.
    error Aggregator_WrongFee(uint256 expected, uint256 paid);
    /// @notice The same submission is already pending or settled.
    error Aggregator_DuplicateSubmission(bytes32 submissionId);
    /// @notice The free collateral does not cover the censorship penalty of this submission.
    error Aggregator_InsufficientCollateral(uint256 free, uint256 needed);
    /// @notice No pending on-chain submission has this id.
    error Aggregator_UnknownSubmission(bytes32 submissionId);
    /// @notice The positions given do not make up this submission.
    error Aggregator_SubmissionMismatch(bytes32 submissionId);
    /// @notice The batch's pairing check failed, or a point of a proof is malformed (an ecMul
    ///         or ecAdd refused it, or the y of an A the batch negates is P or more): at least
    ///         one proof in it is invalid.
    error Aggregator_BatchInvalid();
    /// @notice The fee voucher's signature is not its submitter's.
    error Aggregator_BadSignature(address submitter);
    /// @notice A charge's packed submissions are empty or malformed: a proof count of 0 or over
    ///         `MAX_SUBMISSION_PROOFS` (the count byte's bits 5 and 6 included), positions or fee
    ///         cut short, a position past the batch, or a repeated fee (flag 0x80) on the first.
    error Aggregator_MalformedCharge(address submitter);
    /// @notice The submissions given, chained on from `chargedChainOf(submitter)`, make `chain`,
    ///         not the voucher's `signed`: a submission is missing, extra or out of order, not
    ///         in the batch at those positions, or its fee is not the one signed.
    error Aggregator_VoucherMismatch(address submitter, bytes20 chain, bytes20 signed);
    /// @notice The submitter's prepaid balance does not cover the fee.
    error Aggregator_InsufficientBalance(address submitter, uint256 balance, uint256 fee);
    /// @notice The submission's deadline has not passed.
    error Aggregator_DeadlineNotPassed(bytes32 submissionId, uint64 deadline);
    /// @notice Proof `index` does not verify.
    error Aggregator_InvalidProof(uint256 index);
    /// @notice Proof `index` verifies: it is no reason to reject the submission.
    error Aggregator_ProofValid(uint256 index);
    /// @notice Nothing to withdraw, or not before `unlockAt`.
    error Aggregator_Locked(uint256 unlockAt);
    /// @notice Sending wei to `to` failed.
    error Aggregator_TransferFailed(address to);

    /// @param _aggregator The account that aggregates.
    /// @param _feePerProof Initial fee per on-chain proof, in wei.
    /// @param _aggregationDeadline Seconds to aggregate a submission before it can be forced.
    /// @param _censorshipPenalty Wei per forced proof paid to its submitter from the collateral.
    constructor(
        address _aggregator,
        uint256 _feePerProof,
        uint64 _aggregationDeadline,
        uint256 _censorshipPenalty
    )
        EIP712("Tribunal ProofAggregator", "1")
    {
        aggregator = _aggregator;
        feePerProof = _feePerProof;
        aggregationDeadline = _aggregationDeadline;
        censorshipPenalty = _censorshipPenalty;
        emit FeeSet(_feePerProof);
    }

    modifier onlyAggregator() {
        if (msg.sender != aggregator) revert Aggregator_NotAggregator(msg.sender);
        _;
    }

    // ---------------------------------------------------------------------------------------
    // Keys
    // ---------------------------------------------------------------------------------------

    /// @notice Registers a Groth16 (BN254) verifying key.
    /// @param _vk The key, in `Groth16`'s layout (G2 imaginary coefficient first; gnark's negated
    ///        β/γ/δ negated back). 1 to `MAX_PUBLIC_INPUTS` public inputs.
    /// @return circuitId keccak256(abi.encode(_vk)).
    function registerVerifyingKey(Groth16.VerifyingKey calldata _vk) external returns (bytes32 circuitId) {
        bytes memory encoded = abi.encode(_vk);
        circuitId = keccak256(encoded);
        if (!Groth16.isValidKey(_vk)) revert Aggregator_InvalidVerifyingKey(circuitId);
        uint256 inputs = _vk.ic.length / 2 - 1;
        if (inputs == 0 || inputs > MAX_PUBLIC_INPUTS) revert Aggregator_InvalidVerifyingKey(circuitId);
        if (circuits[circuitId].pointer != address(0)) revert Aggregator_AlreadyRegistered(circuitId);
        circuits[circuitId] = Circuit({ pointer: SSTORE2.write(encoded), publicInputs: uint32(inputs) });
        emit CircuitRegistered(circuitId, inputs, msg.sender);
    }

    /// @notice A registered key.
    /// @param _circuitId The circuit's id.
    /// @return The key.
    function verifyingKey(bytes32 _circuitId) public view returns (Groth16.VerifyingKey memory) {
        address pointer = circuits[_circuitId].pointer;
        if (pointer == address(0)) revert Aggregator_UnknownCircuit(_circuitId);
        return abi.decode(SSTORE2.read(pointer), (Groth16.VerifyingKey));
    }

    /// @inheritdoc IProofAggregator
    function publicInputCount(bytes32 _circuitId) external view returns (uint256) {
        return circuits[_circuitId].publicInputs;
    }

    // ---------------------------------------------------------------------------------------
    // Submitting
    // ---------------------------------------------------------------------------------------

    /// @notice Submits proofs for aggregation, paying `feePerProof` each.
    /// @param _circuitIds One registered circuit id per proof.
    /// @param _proofs The proofs (`A` not negated).
    /// @param _publicInputs One input array per proof.
    /// @return submissionId The Merkle root of the proof ids.
    /// @dev Reverts with `Aggregator_BadLength`, `Aggregator_UnknownCircuit`,
    ///      `Aggregator_WrongInputCount`, `Aggregator_InputNotInField`, `Aggregator_MalformedProof`,
    ///      `Aggregator_WrongFee` or `Aggregator_DuplicateSubmission`. Anyone may call it; it
    ///      reserves `censorshipPenalty` per proof of the free collateral, or all that is free,
    ///      and is never refused for want of collateral.
    function submit(
        bytes32[] calldata _circuitIds,
        Groth16.Proof[] calldata _proofs,
        uint256[][] calldata _publicInputs
    )
        external
        payable
        returns (bytes32 submissionId)
    {
        submissionId = _checkSubmission(_circuitIds, _proofs, _publicInputs);
        uint256 fee = feePerProof * _proofs.length;
        if (msg.value != fee) revert Aggregator_WrongFee(fee, msg.value);
        if (submissions[submissionId] != bytes32(0)) revert Aggregator_DuplicateSubmission(submissionId);
        uint256 penalty = censorshipPenalty * _proofs.length;
        uint256 free = collateral - reservedCollateral;
        if (free < penalty) {
            penaltyShortfall[submissionId] = penalty - free;
            penalty = free;
        }
        reservedCollateral += penalty;
        Submission memory record = Submission({
            submitter: msg.sender,
            deadline: uint64(block.timestamp) + aggregationDeadline,
            proofCount: uint16(_proofs.length),
            fee: fee,
            proofsHash: keccak256(abi.encode(_proofs))
        });
        submissions[submissionId] = keccak256(abi.encode(record));
        emit Submitted(submissionId, msg.sender, record, _circuitIds, _proofs, _publicInputs);
    }

    /// @notice Prepaid balance of an off-chain submitter.
    /// @param _submitter The submitter.
    /// @return Wei.
    function balanceOf(address _submitter) external view returns (uint256) {
        return _payers[_submitter].balance;
    }

    /// @notice The head of an off-chain submitter's charged chain (the `chain` of its last
    ///         charged voucher; zero before the first). Its next voucher's links continue from it.
    /// @param _submitter The submitter.
    /// @return The head.
    function chargedChainOf(address _submitter) external view returns (bytes20) {
        return _payers[_submitter].charged;
    }

    /// @notice Prepays fees for off-chain submissions.
    function deposit() external payable {
        _credit(msg.sender, msg.value);
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice Asks to withdraw `_amount` wei of the prepaid balance after `aggregationDeadline`,
    ///         so that vouchers already signed can still be charged. Replaces any earlier request.
    /// @param _amount Wei.
    function requestWithdrawal(uint256 _amount) external {
        uint256 unlockAt = block.timestamp + aggregationDeadline;
        _withdrawals[msg.sender] = [_amount, unlockAt];
        emit WithdrawalRequested(msg.sender, _amount, unlockAt);
    }

    /// @notice Pending balance withdrawal of `_submitter`.
    /// @param _submitter The submitter.
    /// @return amount Wei requested.
    /// @return unlockAt When it unlocks, in seconds.
    function withdrawalOf(address _submitter) external view returns (uint256 amount, uint256 unlockAt) {
        uint256[2] memory w = _withdrawals[_submitter];
        return (w[0], w[1]);
    }

    /// @notice Pays out a requested balance withdrawal once unlocked (at most the balance left).
    function withdraw() external {
        uint256[2] memory w = _withdrawals[msg.sender];
        // An amount of 0 is "nothing requested"; the time check is an inequality.
        // slither-disable-next-line incorrect-equality
        if (w[0] == 0 || block.timestamp < w[1]) revert Aggregator_Locked(w[1]);
        delete _withdrawals[msg.sender];
        Payer storage p = _payers[msg.sender];
        uint256 amount = w[0] < p.balance ? w[0] : p.balance;
        // `amount` is at most the balance, a uint96.
        p.balance -= uint96(amount);
        _pay(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------
    // Aggregating
    // ---------------------------------------------------------------------------------------

    /// @notice Verifies a batch of proofs in one pairing check and records its Merkle root; pays
    ///         out the on-chain submissions and charges the off-chain ones it names.
    /// @param _groups The proofs, grouped by circuit. Batch positions count through the groups in
    ///        order; the batch root is over the proof ids in that order.
    /// @param _onchain On-chain submissions this batch aggregates (each whole).
    /// @param _offchain Off-chain submitters this batch charges, each once, for its submissions
    ///        since its last charge (each whole).
    /// @return batchRoot The Merkle root of the batch's proof ids.
    /// @dev Reverts, and records nothing, if any proof is invalid or malformed
    ///      (`Aggregator_BatchInvalid`: the precompiles check the points), an input is not below r
    ///      (`Aggregator_InputNotInField`), or any reference is wrong. Which proof was bad is found off chain by
    ///      verifying each singly. An on-chain submission settled singly since it was planned
    ///      (`forceVerify`, `verifyPending`) is skipped, unpaid.
    function aggregate(
        Group[] calldata _groups,
        SubmissionRef[] calldata _onchain,
        OffchainCharge[] calldata _offchain
    )
        external
        onlyAggregator
        returns (bytes32 batchRoot)
    {
        bytes32[] memory leaves = _verifyBatch(_groups);
        batchRoot = _root(_copy(leaves));
        if (verifiedAt[batchRoot] == 0) verifiedAt[batchRoot] = block.timestamp;
        emit BatchVerified(batchCount++, batchRoot, leaves.length);

        uint256 earned = 0;
        uint256 released = 0;
        for (uint256 i = 0; i < _onchain.length; i++) {
            bytes32 id = _onchain[i].submissionId;
            Submission calldata s = _onchain[i].record;
            bytes32 stored = submissions[id];
            // Settled singly meanwhile (`forceVerify` or `verifyPending` landed first): nothing
            // to pay, and no reason to sink the batch, so nobody can make it revert that way.
            if (stored == SETTLED) continue;
            if (stored != keccak256(abi.encode(s))) revert Aggregator_UnknownSubmission(id);
            if (_onchain[i].positions.length != s.proofCount || _rootAt(leaves, _onchain[i].positions) != id) {
                revert Aggregator_SubmissionMismatch(id);
            }
            submissions[id] = SETTLED;
            earned += s.fee;
            released += _releasePenalty(id, s.proofCount);
            emit SubmissionAggregated(id, batchRoot);
        }
        if (released != 0) reservedCollateral -= released;
        for (uint256 i = 0; i < _offchain.length; i++) {
            earned += _charge(_offchain[i], leaves, batchRoot);
        }
        earnings += SafeCast.toUint192(earned);
    }

    /// @notice The EIP-712 digest an off-chain submitter signs.
    /// @param _voucher The voucher.
    /// @return The digest.
    function feeVoucherDigest(FeeVoucher calldata _voucher) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(FEE_VOUCHER_TYPEHASH, _voucher.submitter, _voucher.chain))
        );
    }

    // ---------------------------------------------------------------------------------------
    // Inclusion
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IProofAggregator
    function isProofVerified(
        bytes32 _circuitId,
        uint256[] calldata _publicInputs,
        bytes32[] calldata _merkleProof
    )
        external
        view
        returns (bool)
    {
        bytes32 leaf = _hash1(proofId(_circuitId, _publicInputs));
        return verifiedAt[MerkleProof.processProofCalldata(_merkleProof, leaf)] != 0;
    }

    /// @inheritdoc IProofAggregator
    function proofId(bytes32 _circuitId, uint256[] calldata _publicInputs) public pure returns (bytes32 id) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, _circuitId)
            let len := shl(5, _publicInputs.length)
            calldatacopy(add(m, 0x20), _publicInputs.offset, len)
            id := keccak256(m, add(len, 0x20))
        }
    }

    // ---------------------------------------------------------------------------------------
    // Censorship
    // ---------------------------------------------------------------------------------------

    /// @notice Forces a submission the aggregator left past its deadline: verifies each proof
    ///         singly (any valid proof of the submitted statements), records the submission id as
    ///         a verified root, refunds the fee and pays the penalty `submit` reserved for it
    ///         (`censorshipPenalty` per proof less `penaltyShortfall`) to the submitter. Anyone
    ///         may call it.
    /// @param _circuitIds As submitted.
    /// @param _proofs As submitted.
    /// @param _publicInputs As submitted.
    /// @param _record The record `Submitted` emitted.
    /// @return submissionId The submission.
    /// @dev Reverts with `Aggregator_UnknownSubmission`, `Aggregator_DeadlineNotPassed` or
    ///      `Aggregator_InvalidProof` (then the aggregator was right to leave it out).
    function forceVerify(
        bytes32[] calldata _circuitIds,
        Groth16.Proof[] calldata _proofs,
        uint256[][] calldata _publicInputs,
        Submission calldata _record
    )
        external
        returns (bytes32 submissionId)
    {
        Submission calldata s = _record;
        submissionId = _pending(_circuitIds, _proofs, _publicInputs, s);
        if (block.timestamp <= s.deadline) revert Aggregator_DeadlineNotPassed(submissionId, s.deadline);
        uint256 penalty = _settleSingly(submissionId, _circuitIds, _proofs, _publicInputs, s.proofCount);
        collateral -= penalty;
        emit SubmissionForced(submissionId, s.submitter, s.fee + penalty);
        _pay(s.submitter, s.fee + penalty);
    }

    /// @notice Verifies a pending on-chain submission's statements now, singly, with any valid
    ///         proofs of them: records the submission id as a verified root, releases its
    ///         reserved penalty, and credits its fee back to its submitter's prepaid balance
    ///         (`balanceOf`). Anyone may call it: it is how the honest submitter of a statement
    ///         that a front-runner submitted first with an invalid proof gets it verified without
    ///         waiting for the aggregator.
    /// @param _circuitIds As submitted.
    /// @param _proofs Valid proofs of the submitted statements (not necessarily those submitted).
    /// @param _publicInputs As submitted.
    /// @param _record The record `Submitted` emitted.
    /// @return submissionId The submission.
    /// @dev Reverts with `Aggregator_UnknownSubmission` or `Aggregator_InvalidProof`.
    function verifyPending(
        bytes32[] calldata _circuitIds,
        Groth16.Proof[] calldata _proofs,
        uint256[][] calldata _publicInputs,
        Submission calldata _record
    )
        external
        returns (bytes32 submissionId)
    {
        Submission calldata s = _record;
        submissionId = _pending(_circuitIds, _proofs, _publicInputs, s);
        _settleSingly(submissionId, _circuitIds, _proofs, _publicInputs, s.proofCount);
        _credit(s.submitter, s.fee);
        emit SubmissionVerifiedSingly(submissionId, msg.sender, s.submitter, s.fee);
    }

    /// @notice Drops a pending submission whose proof `_index` does not verify, and earns its
    ///         fee (the aggregator did the work of finding it out). The proofs must be the ones
    ///         submitted (`proofsHash`): a bad proof of the same statement is no reason.
    /// @param _circuitIds As submitted.
    /// @param _proofs As submitted, exactly.
    /// @param _publicInputs As submitted.
    /// @param _record The record `Submitted` emitted.
    /// @param _index The invalid proof.
    /// @dev Reverts with `Aggregator_UnknownSubmission` or `Aggregator_ProofValid`.
    function rejectSubmission(
        bytes32[] calldata _circuitIds,
        Groth16.Proof[] calldata _proofs,
        uint256[][] calldata _publicInputs,
        Submission calldata _record,
        uint256 _index
    )
        external
        onlyAggregator
    {
        Submission calldata s = _record;
        bytes32 submissionId = _pending(_circuitIds, _proofs, _publicInputs, s);
        if (keccak256(abi.encode(_proofs)) != s.proofsHash) revert Aggregator_UnknownSubmission(submissionId);
        if (_index >= _proofs.length || _verifySingle(_circuitIds[_index], _proofs[_index], _publicInputs[_index])) {
            revert Aggregator_ProofValid(_index);
        }
        delete submissions[submissionId];
        reservedCollateral -= _releasePenalty(submissionId, s.proofCount);
        earnings += SafeCast.toUint192(s.fee);
        emit SubmissionRejected(submissionId, _index);
    }

    // ---------------------------------------------------------------------------------------
    // The aggregator's account
    // ---------------------------------------------------------------------------------------

    /// @notice Sets the fee for new on-chain submissions.
    /// @param _feePerProof Wei per proof.
    function setFee(uint256 _feePerProof) external onlyAggregator {
        feePerProof = _feePerProof;
        emit FeeSet(_feePerProof);
    }

    /// @notice Adds collateral (anyone may).
    function depositCollateral() external payable {
        collateral += msg.value;
        emit CollateralDeposited(msg.sender, msg.value);
    }

    /// @notice Withdraws collateral not reserved for pending submissions' penalties.
    /// @param _amount Wei, at most `collateral - reservedCollateral`.
    function withdrawCollateral(uint256 _amount) external onlyAggregator {
        uint256 free = collateral - reservedCollateral;
        if (_amount > free) revert Aggregator_InsufficientCollateral(free, _amount);
        collateral -= _amount;
        _pay(aggregator, _amount);
    }

    /// @notice Pays out the fees earned.
    function withdrawEarnings() external onlyAggregator {
        uint256 amount = earnings;
        earnings = 0;
        _pay(aggregator, amount);
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    /// @dev Settles pending submission `_id` by verifying each proof singly (reverting with
    ///      `Aggregator_InvalidProof`), records it as a verified root, and releases its reserved
    ///      penalty, which it returns in wei.
    function _settleSingly(
        bytes32 _id,
        bytes32[] calldata _circuitIds,
        Groth16.Proof[] calldata _proofs,
        uint256[][] calldata _publicInputs,
        uint256 _proofCount
    )
        private
        returns (uint256 penalty)
    {
        for (uint256 i = 0; i < _proofs.length; i++) {
            if (!_verifySingle(_circuitIds[i], _proofs[i], _publicInputs[i])) revert Aggregator_InvalidProof(i);
        }
        submissions[_id] = SETTLED;
        // A timestamp of 0 is "not verified yet", never a reachable time.
        // slither-disable-next-line incorrect-equality
        if (verifiedAt[_id] == 0) verifiedAt[_id] = block.timestamp;
        penalty = _releasePenalty(_id, _proofCount);
        reservedCollateral -= penalty;
    }

    /// @dev The penalty reserved for pending submission `_id` of `_proofCount` proofs, in wei;
    ///      clears its shortfall.
    function _releasePenalty(bytes32 _id, uint256 _proofCount) private returns (uint256 penalty) {
        penalty = censorshipPenalty * _proofCount;
        uint256 shortfall = penaltyShortfall[_id];
        if (shortfall != 0) {
            delete penaltyShortfall[_id];
            penalty -= shortfall;
        }
    }

    /// @dev Checks a submission's shape, inputs and points; returns its id.
    function _checkSubmission(
        bytes32[] calldata _circuitIds,
        Groth16.Proof[] calldata _proofs,
        uint256[][] calldata _publicInputs
    )
        private
        view
        returns (bytes32)
    {
        uint256 n = _proofs.length;
        if (n == 0 || n > MAX_SUBMISSION_PROOFS || _circuitIds.length != n || _publicInputs.length != n) {
            revert Aggregator_BadLength(n, MAX_SUBMISSION_PROOFS);
        }
        bytes32[] memory ids = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            uint256 expected = circuits[_circuitIds[i]].publicInputs;
            if (expected == 0) revert Aggregator_UnknownCircuit(_circuitIds[i]);
            _checkProof(i, _proofs[i], _publicInputs[i], expected);
            ids[i] = proofId(_circuitIds[i], _publicInputs[i]);
        }
        return _root(_leavesOf(ids));
    }

    /// @dev The id of the pending submission with these proofs and this record.
    function _pending(
        bytes32[] calldata _circuitIds,
        Groth16.Proof[] calldata _proofs,
        uint256[][] calldata _publicInputs,
        Submission calldata _record
    )
        private
        view
        returns (bytes32 submissionId)
    {
        submissionId = _checkSubmission(_circuitIds, _proofs, _publicInputs);
        if (submissions[submissionId] != keccak256(abi.encode(_record))) revert Aggregator_UnknownSubmission(submissionId);
    }

    /// @dev Reverts unless proof `_index` has `_expected` inputs below r and canonical on-curve
    ///      points (G2 subgroup membership is left to the pairing precompile).
    function _checkProof(
        uint256 _index,
        Groth16.Proof calldata _proof,
        uint256[] calldata _inputs,
        uint256 _expected
    )
        private
        pure
    {
        if (_inputs.length != _expected) revert Aggregator_WrongInputCount(_index, _inputs.length, _expected);
        for (uint256 t = 0; t < _inputs.length; t++) {
            if (_inputs[t] >= Groth16.R) revert Aggregator_InputNotInField(_index);
        }
        if (
            !Groth16.isOnCurveG1(_proof.a[0], _proof.a[1]) || !Groth16.isOnCurveG1(_proof.c[0], _proof.c[1])
                || !Groth16.isOnCurveG2(_proof.b[0], _proof.b[1], _proof.b[2], _proof.b[3])
        ) {
            revert Aggregator_MalformedProof(_index);
        }
    }

    /// @dev `Groth16.verify` of one proof under a registered key.
    function _verifySingle(
        bytes32 _circuitId,
        Groth16.Proof calldata _proof,
        uint256[] calldata _inputs
    )
        private
        view
        returns (bool)
    {
        return Groth16.verify(verifyingKey(_circuitId), _proof, _inputs);
    }

    /// @dev Charges one off-chain submitter by its voucher; returns the fees.
    function _charge(OffchainCharge calldata _c, bytes32[] memory _leaves, bytes32 _batchRoot) private returns (uint256) {
        FeeVoucher calldata v = _c.voucher;
        address who = v.submitter;
        Payer memory p = _payers[who];
        (bytes20 chain, uint256 fees) = _chainOn(p.charged, who, _c.submissions, _leaves);
        if (chain != v.chain) revert Aggregator_VoucherMismatch(who, chain, v.chain);
        // The third value only details `err`, which is checked.
        // slither-disable-next-line unused-return
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(feeVoucherDigest(v), _c.r, _c.vs);
        if (err != ECDSA.RecoverError.NoError || signer != who) revert Aggregator_BadSignature(who);
        if (p.balance < fees) revert Aggregator_InsufficientBalance(who, p.balance, fees);
        // One write; the fees are at most the balance, a uint96.
        _payers[who] = Payer({ balance: p.balance - uint96(fees), charged: chain });
        emit FeeCharged(who, _batchRoot, chain, fees);
        return fees;
    }

    /// @dev Chains the packed `_submissions` (see `OffchainCharge`), their ids rebuilt from the
    ///      batch's leaves, on from `_chain`; returns the new head and the sum of their fees (wei).
    ///      Reverts `Aggregator_MalformedCharge` on none, a count of 0 or above
    ///      `MAX_SUBMISSION_PROOFS`, one cut short, a position past the batch, or a repeated fee
    ///      on the first.
    function _chainOn(
        bytes20 _chain,
        address _who,
        bytes calldata _submissions,
        bytes32[] memory _leaves
    )
        private
        pure
        returns (bytes20 chain, uint256 fees)
    {
        chain = _chain;
        if (_submissions.length == 0) revert Aggregator_MalformedCharge(_who);
        // One submission's leaves at a time (16 words), then the previous submission's fee.
        bytes32[] memory picked = new bytes32[](MAX_SUBMISSION_PROOFS + 1);
        uint256 i = 0;
        bool ok = true;
        while (i < _submissions.length) {
            // The common case first: a run of one-proof submissions, whose id is its leaf.
            assembly ("memory-safe") {
                for { } lt(i, _submissions.length) { } {
                    let at := add(_submissions.offset, i)
                    let h := byte(0, calldataload(at))
                    if iszero(eq(and(h, 0x7f), 1)) { break }
                    let pos := shr(240, calldataload(add(at, 1)))
                    let fee := mload(add(picked, 0x220))
                    switch shr(7, h)
                    case 0 {
                        fee := shr(160, calldataload(add(at, 3)))
                        i := add(i, 15)
                    }
                    default {
                        if iszero(i) {
                            ok := 0
                            break
                        }
                        i := add(i, 3)
                    }
                    if or(gt(i, _submissions.length), iszero(lt(pos, mload(_leaves)))) {
                        ok := 0
                        break
                    }
                    mstore(add(picked, 0x220), fee)
                    let id := mload(add(add(_leaves, 0x20), shl(5, pos)))
                    // Cannot overflow: one fee below 2^96 per 3 bytes of calldata.
                    fees := add(fees, fee)
                    // chain' = bytes20(keccak256(chain ‖ id ‖ fee)): 64 bytes in scratch space.
                    mstore(0x00, or(chain, shr(160, id)))
                    mstore(0x20, or(shl(96, id), fee))
                    chain := and(keccak256(0x00, 0x40), not(0xffffffffffffffffffffffff))
                }
            }
            if (!ok) revert Aggregator_MalformedCharge(_who);
            if (i < _submissions.length) (chain, fees, i) = _linkNext(chain, fees, _who, _submissions, i, _leaves, picked);
        }
    }

    /// @dev `_chainOn`'s step over one submission of any count, at byte `_i`: its leaves picked
    ///      into `_picked`, its id their root, its fee read or repeated (`_picked[16]`). Returns
    ///      the new head, the fees with its fee added, and the byte after it.
    function _linkNext(
        bytes20 _chain,
        uint256 _fees,
        address _who,
        bytes calldata _submissions,
        uint256 _i,
        bytes32[] memory _leaves,
        bytes32[] memory _picked
    )
        private
        pure
        returns (bytes20 chain, uint256 fees, uint256 next)
    {
        uint256 k;
        bool ok;
        assembly ("memory-safe") {
            let at := add(_submissions.offset, _i)
            let h := byte(0, calldataload(at))
            k := and(h, 0x7f)
            // A repeated fee has no bytes, and the first submission has none to repeat.
            next := add(add(_i, 1), shl(1, k))
            if iszero(shr(7, h)) { next := add(next, 12) }
            ok := iszero(or(or(iszero(k), gt(k, MAX_SUBMISSION_PROOFS)), gt(next, _submissions.length)))
            ok := and(ok, or(iszero(shr(7, h)), gt(_i, 0)))
            let n := mload(_leaves)
            // Each position, two bytes big-endian, picks its leaf.
            for { let j := 0 } and(ok, lt(j, k)) { j := add(j, 1) } {
                let pos := shr(240, calldataload(add(add(at, 1), shl(1, j))))
                ok := lt(pos, n)
                if ok { mstore(add(add(_picked, 0x20), shl(5, j)), mload(add(add(_leaves, 0x20), shl(5, pos)))) }
            }
        }
        if (!ok) revert Aggregator_MalformedCharge(_who);
        bytes32 id = _merkleRoot(_picked, k);
        assembly ("memory-safe") {
            let fee := mload(add(_picked, 0x220))
            // Else the 12 bytes after the positions, big-endian.
            if iszero(shr(7, byte(0, calldataload(add(_submissions.offset, _i))))) {
                fee := shr(160, calldataload(add(_submissions.offset, sub(next, 12))))
            }
            mstore(add(_picked, 0x220), fee)
            fees := add(_fees, fee)
            mstore(0x00, or(_chain, shr(160, id)))
            mstore(0x20, or(shl(96, id), fee))
            chain := and(keccak256(0x00, 0x40), not(0xffffffffffffffffffffffff))
        }
    }

    /// @dev Runs the batch pairing check over every group; returns the proofs' leaves (keccak256
    ///      of each proof id) by batch position.
    function _verifyBatch(Group[] calldata _groups) private view returns (bytes32[] memory leaves) {
        uint256 n;
        for (uint256 g = 0; g < _groups.length; g++) {
            uint256 count = _groups[g].proofs.length;
            if (count == 0) revert Aggregator_BadLength(count, type(uint16).max);
            n += count;
        }
        if (n == 0 || n > type(uint16).max) revert Aggregator_BadLength(n, type(uint16).max);
        // Fiat-Shamir: ρ, and the next proof's coefficient ρ^position, from 1.
        uint256[2] memory fs;
        assembly ("memory-safe") {
            // keccak256 of all calldata, hashed in scratch space past the free memory pointer,
            // reduced to [1, r).
            let m := mload(0x40)
            calldatacopy(m, 0, calldatasize())
            mstore(fs, add(mod(keccak256(m, calldatasize()), sub(_R, 1)), 1))
            mstore(add(fs, 0x20), 1)
        }
        // Not zeroed (it starts out holding the calldata copied above): every word is written
        // before the pairing reads it (each proof's pair by `_addProofs`, each group's three by
        // `_pushPair`), or the batch reverts first. The tests' honest batches would fail if not.
        uint256[] memory pairs;
        uint256 words = 6 * (n + 3 * _groups.length);
        assembly ("memory-safe") {
            pairs := mload(0x40)
            mstore(pairs, words)
            mstore(0x40, add(add(pairs, 0x20), shl(5, words)))
        }
        leaves = new bytes32[](n);
        uint256 position = 0;
        for (uint256 g = 0; g < _groups.length; g++) {
            // The group's proofs take pairs position + 3g onwards, its own three follow them.
            position = _accumulateGroup(_groups[g], fs, position, position + 3 * g, pairs, leaves);
        }
        bool ok;
        assembly ("memory-safe") {
            let len := shl(5, mload(pairs))
            let success := staticcall(gas(), 0x08, add(pairs, 0x20), len, 0x00, 0x20)
            ok := and(and(success, eq(returndatasize(), 0x20)), eq(mload(0x00), 1))
        }
        if (!ok) revert Aggregator_BatchInvalid();
    }

    /// @dev Adds one group's N + 3 pairs to the batch: its proofs' from pair `_pair`, and their
    ///      leaves from `_position`, with the coefficients on from `_fs` (ρ, then the next
    ///      coefficient, which it advances). Returns the position after its last proof.
    function _accumulateGroup(
        Group calldata _group,
        uint256[2] memory _fs,
        uint256 _position,
        uint256 _pair,
        uint256[] memory _pairs,
        bytes32[] memory _leaves
    )
        private
        view
        returns (uint256)
    {
        Groth16.VerifyingKey memory vk = verifyingKey(_group.circuitId);
        uint256 inputs = vk.ic.length / 2 - 1;
        uint256[] memory work = _workArea(_group, _fs, inputs, _position);
        uint256 failed = _addProofs(_group, work, _pairs, _pair, _leaves, _position);
        _fs[1] = work[1];
        // A failed precompile call first: it left 1/64 of the gas, too little to scan for the input.
        if (failed & 1 != 0) revert Aggregator_BatchInvalid();
        if (failed != 0) revert Aggregator_InputNotInField(_firstOutOfField(_group.publicInputs, inputs, _position));
        _pair += _group.proofs.length;
        // s_0 = Σ r_i scales α, s_t+1 = Σ r_i·x_it (mod r) scales IC_t+1: work words 9 + inputs on.
        (uint256 alphaX, uint256 alphaY) = _mul(vk.alpha[0], vk.alpha[1], work[9 + inputs]);
        _pushPair(_pairs, _pair, alphaX, alphaY, vk.beta);
        (uint256 lx, uint256 ly) = (0, 0);
        for (uint256 t = 0; t <= inputs; t++) {
            uint256 st = work[9 + inputs + t];
            if (st == 0) continue;
            (uint256 px, uint256 py) = _mul(vk.ic[2 * t], vk.ic[2 * t + 1], st);
            (lx, ly) = _add(lx, ly, px, py);
        }
        _pushPair(_pairs, _pair + 1, lx, ly, vk.gamma);
        _pushPair(_pairs, _pair + 2, work[2], work[3], vk.delta);
        return _position + _group.proofs.length;
    }

    /// @dev Checks a group's input count (`_inputs` per proof) and returns the zeroed work area of
    ///      `_addProofs` for it, in words: 0 ρ, 1 the next proof's coefficient, 2-3 the C
    ///      accumulator, 4-5 r·C, 6 the ecMul scalar, 7 one proof's inputs in bytes, 8 the circuit
    ///      id, 9.. one proof's inputs, then s_0 .. s_inputs. The C accumulator and s start at 0
    ///      on purpose.
    function _workArea(
        Group calldata _group,
        uint256[2] memory _fs,
        uint256 _inputs,
        uint256 _position
    )
        private
        pure
        returns (uint256[] memory work)
    {
        uint256 count = _group.proofs.length;
        if (_group.publicInputs.length != count * _inputs) {
            revert Aggregator_WrongInputCount(_position, _group.publicInputs.length, count * _inputs);
        }
        work = new uint256[](10 + 2 * _inputs);
        work[0] = _fs[0];
        work[1] = _fs[1];
        work[7] = 32 * _inputs;
        work[8] = uint256(_group.circuitId);
    }

    /// @dev The batch's hot loop, over one group's proofs: for the proof at batch position p
    ///      with inputs x and coefficient r = ρ^p, it writes the leaf keccak256(proofId) at
    ///      `_leaves[p]`, the pair
    ///      (−r·A, B) as pair `_pair` on (6 words each), and adds r·C to the C accumulator and r,
    ///      r·x to s (`_workArea`). Returns a bit set: 1 if a precompile call failed or the y of
    ///      an A it negates is P or more (the loop stops there), 2 if an input is r or more.
    ///
    ///      No point is checked here: ecMul and ecAdd (EIP-196) fail on a coordinate of P or
    ///      more or a point off the curve, and the pairing (EIP-197) also on a G2 point outside
    ///      the subgroup, so a malformed A, B or C fails the batch. The one value no precompile
    ///      reads as given, the y of an A negated here (r = 1: the batch's first proof), is
    ///      checked canonical first. A failed precompile call keeps all the gas it was given
    ///      (63/64 of what is left), so the loop stops at the first, and the batch reverts on
    ///      the 1/64 left. The calls forward all gas rather than the EIP-1108 price: a later
    ///      repricing must not break this contract, and a failure costs only the aggregator's
    ///      own transaction (its service checks every point off chain first).
    ///      `_verifyBatch` sized `_pairs` and `_leaves` for every proof of every group.
    function _addProofs(
        Group calldata _group,
        uint256[] memory _work,
        uint256[] memory _pairs,
        uint256 _pair,
        bytes32[] memory _leaves,
        uint256 _position
    )
        private
        view
        returns (uint256 failed)
    {
        Groth16.Proof[] calldata proofs = _group.proofs;
        uint256[] calldata inputs = _group.publicInputs;
        assembly ("memory-safe") {
            // Against stack depth, the arguments are reused as cursors: `_work` points at the
            // area's first word, `_pairs` at the next pair, `_leaves` at the next leaf,
            // `proofs.offset` at the next proof and `inputs.offset` at its inputs; `proofs.length`
            // counts the proofs left and `inputs.length` is one proof's inputs in bytes.
            _work := add(_work, 0x20)
            _pairs := add(add(_pairs, 0x20), mul(_pair, 0xc0))
            _leaves := add(add(_leaves, 0x20), shl(5, _position))
            inputs.length := mload(add(_work, 0xe0))
            // s_0 at `_pair` from here on.
            _pair := add(_work, add(0x120, inputs.length))
            let r := mload(add(_work, 0x20))
            for { } proofs.length { proofs.length := sub(proofs.length, 1) } {
                // The proof id keccak256(circuitId ‖ inputs), and its leaf.
                calldatacopy(add(_work, 0x120), inputs.offset, inputs.length)
                mstore(0x00, keccak256(add(_work, 0x100), add(inputs.length, 0x20)))
                mstore(_leaves, keccak256(0x00, 0x20))
                mstore(_pair, addmod(mload(_pair), r, _R))
                for { let t := 0 } lt(t, inputs.length) { t := add(t, 0x20) } {
                    let x := calldataload(add(inputs.offset, t))
                    failed := or(failed, shl(1, iszero(lt(x, _R))))
                    let s := add(add(_pair, 0x20), t)
                    mstore(s, addmod(mload(s), mulmod(r, x, _R), _R))
                }
                switch eq(r, 1)
                case 1 {
                    // −A = (x, P − y), and (0, 0) stays.
                    let y := calldataload(add(proofs.offset, 0x20))
                    if iszero(lt(y, _P)) {
                        failed := or(failed, 1)
                        break
                    }
                    mstore(_pairs, calldataload(proofs.offset))
                    mstore(add(_pairs, 0x20), mod(sub(_P, y), _P))
                    calldatacopy(add(_work, 0x80), add(proofs.offset, 0xc0), 0x40)
                }
                default {
                    calldatacopy(_pairs, proofs.offset, 0x40)
                    mstore(add(_pairs, 0x40), sub(_R, r))
                    if iszero(staticcall(gas(), 0x07, _pairs, 0x60, _pairs, 0x40)) {
                        failed := or(failed, 1)
                        break
                    }
                    calldatacopy(add(_work, 0x80), add(proofs.offset, 0xc0), 0x40)
                    mstore(add(_work, 0xc0), r)
                    if iszero(staticcall(gas(), 0x07, add(_work, 0x80), 0x60, add(_work, 0x80), 0x40)) {
                        failed := or(failed, 1)
                        break
                    }
                }
                calldatacopy(add(_pairs, 0x40), add(proofs.offset, 0x40), 0x80)
                if iszero(staticcall(gas(), 0x06, add(_work, 0x40), 0x80, add(_work, 0x40), 0x40)) {
                    failed := or(failed, 1)
                    break
                }
                r := mulmod(r, mload(_work), _R)
                _pairs := add(_pairs, 0xc0)
                _leaves := add(_leaves, 0x20)
                proofs.offset := add(proofs.offset, 0x100)
                inputs.offset := add(inputs.offset, inputs.length)
            }
            mstore(add(_work, 0x20), r)
        }
    }

    /// @dev The batch position of the first proof in a group with an input of r or more.
    function _firstOutOfField(
        uint256[] calldata _flat,
        uint256 _inputs,
        uint256 _position
    )
        private
        pure
        returns (uint256)
    {
        for (uint256 i = 0; i < _flat.length; i++) {
            if (_flat[i] >= Groth16.R) return _position + i / _inputs;
        }
        return _position;
    }

    /// @dev Writes the pair (G1 (x, y), G2 `_q`) as pair `_index` of the pairing input.
    function _pushPair(
        uint256[] memory _pairs,
        uint256 _index,
        uint256 _x,
        uint256 _y,
        uint256[4] memory _q
    )
        private
        pure
    {
        uint256 base = 6 * _index;
        _pairs[base] = _x;
        _pairs[base + 1] = _y;
        _pairs[base + 2] = _q[0];
        _pairs[base + 3] = _q[1];
        _pairs[base + 4] = _q[2];
        _pairs[base + 5] = _q[3];
    }

    /// @dev s·(x, y) on G1 by the ecMul precompile (0x07); the point is on the curve (checked).
    function _mul(uint256 _x, uint256 _y, uint256 _s) private view returns (uint256 x, uint256 y) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, _x)
            mstore(add(m, 0x20), _y)
            mstore(add(m, 0x40), _s)
            ok := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            x := mload(m)
            y := mload(add(m, 0x20))
        }
        if (!ok) revert Aggregator_BatchInvalid();
    }

    /// @dev (x1, y1) + (x2, y2) on G1 by the ecAdd precompile (0x06).
    function _add(uint256 _x1, uint256 _y1, uint256 _x2, uint256 _y2) private view returns (uint256 x, uint256 y) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, _x1)
            mstore(add(m, 0x20), _y1)
            mstore(add(m, 0x40), _x2)
            mstore(add(m, 0x60), _y2)
            ok := staticcall(gas(), 0x06, m, 0x80, m, 0x40)
            x := mload(m)
            y := mload(add(m, 0x20))
        }
        if (!ok) revert Aggregator_BatchInvalid();
    }

    /// @dev The leaves of proof ids: keccak256 of each.
    function _leavesOf(bytes32[] memory _ids) private pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](_ids.length);
        for (uint256 i = 0; i < _ids.length; i++) {
            leaves[i] = _hash1(_ids[i]);
        }
    }

    /// @dev A fresh copy of `_a`.
    function _copy(bytes32[] memory _a) private pure returns (bytes32[] memory b) {
        b = new bytes32[](_a.length);
        assembly ("memory-safe") {
            mcopy(add(b, 0x20), add(_a, 0x20), shl(5, mload(_a)))
        }
    }

    /// @dev The root over the batch's leaves at `_positions`, in that order; zero if there are
    ///      none or one is past the batch.
    function _rootAt(bytes32[] memory _leaves, uint16[] calldata _positions) private pure returns (bytes32) {
        uint256 k = _positions.length;
        if (k == 0) return bytes32(0);
        bytes32[] memory picked = new bytes32[](k);
        for (uint256 i = 0; i < k; i++) {
            if (_positions[i] >= _leaves.length) return bytes32(0);
            picked[i] = _leaves[_positions[i]];
        }
        return _merkleRoot(picked, k);
    }

    /// @dev Merkle root of all of `_nodes` (leaves, overwritten).
    function _root(bytes32[] memory _nodes) private pure returns (bytes32) {
        return _merkleRoot(_nodes, _nodes.length);
    }

    /// @dev Merkle root of the first `_n` (at least 1, at most the length) leaves of `_nodes`,
    ///      which it overwrites: pairs hashed sorted (OpenZeppelin's `commutativeKeccak256`), an
    ///      odd last node carried up unchanged.
    function _merkleRoot(bytes32[] memory _nodes, uint256 _n) private pure returns (bytes32 root) {
        assembly ("memory-safe") {
            let d := add(_nodes, 0x20)
            for { } gt(_n, 1) { } {
                // Each level overwrites the first half of the one below.
                let dst := d
                let end := add(d, shl(6, shr(1, _n)))
                for { let src := d } lt(src, end) { src := add(src, 0x40) } {
                    let a := mload(src)
                    let b := mload(add(src, 0x20))
                    // The smaller word first: b at 0x00 and a at 0x20 when b < a.
                    let swap := shl(5, lt(b, a))
                    mstore(swap, a)
                    mstore(xor(0x20, swap), b)
                    mstore(dst, keccak256(0x00, 0x40))
                    dst := add(dst, 0x20)
                }
                // An odd last node, at `end`, goes up unchanged.
                if and(_n, 1) {
                    mstore(dst, mload(end))
                    dst := add(dst, 0x20)
                }
                _n := shr(5, sub(dst, d))
            }
            root := mload(d)
        }
    }

    /// @dev keccak256 of one word, in scratch space.
    function _hash1(bytes32 _a) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, _a)
            h := keccak256(0x00, 0x20)
        }
    }

    /// @dev Adds `_amount` wei to a submitter's prepaid balance (checked: reverts past 2^96 − 1,
    ///      more wei than exist).
    function _credit(address _to, uint256 _amount) private {
        Payer storage p = _payers[_to];
        p.balance = SafeCast.toUint96(p.balance + _amount);
    }

    /// @dev Sends `_amount` wei to `_to`: the caller's own balance, the aggregator's collateral or
    ///      earnings, or a forced submission's fee and penalty to the submitter its stored record
    ///      names (the record's hash is checked first).
    function _pay(address _to, uint256 _amount) private {
        emit Paid(_to, _amount);
        // Every caller passes msg.sender, the aggregator, or a hash-checked record's submitter.
        // slither-disable-next-line arbitrary-send-eth
        (bool ok,) = _to.call{ value: _amount }("");
        if (!ok) revert Aggregator_TransferFailed(_to);
    }
}
