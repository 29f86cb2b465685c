// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";
import { IDisputeGame, GameStatus } from "interfaces/IDisputeGame.sol";
import { StfStep } from "StfStep.sol";

/// @notice What the dispute game reads from the finality contract.
interface IClaimRegistry {
    /// @notice See `MultiProofFinality.claimOf`.
    function claimOf(uint256 _id) external view returns (Claim memory);
    /// @notice See `MultiProofFinality.proposerOf`.
    function proposerOf(uint256 _id) external view returns (address);
}

/// @notice What the dispute game reads from the inbox.
interface IBlobInbox {
    /// @notice See `Inbox.blobHashes`.
    function blobHashes(uint64 _batchNumber) external view returns (bytes32[] memory);
}

/// @title DisputeGame
/// @notice The OP leg: one bisection game per claim of `MultiProofFinality`, in the terms of the
///         OP Stack's FaultDisputeGame (claim, attack/defend, step, chess clock, bond, resolve),
///         over the reference STF's per-transaction execution trace.
/// @dev The game of a claim:
///      - `create`: the claim's proposer opens it with `CLAIM_BOND` and becomes its defender. The
///        window (`WINDOW_SECONDS`, 7 days) starts.
///      - `challenge`: anyone, during the window, opens a challenge with the depth-0 bond. The
///        first challenge proves the batch's two header field elements against the batch's blob
///        versioned hashes (EIP-4844 point evaluation); a header that does not decode, or names
///        another chain or batch, loses the claim at once. The challenge disputes the trace from
///        `T_0` (parent root, queue before, empty withdrawal tree, header chunk) to `T_n` (post
///        root, queue after, withdrawal root, data commitment) over the batch's `n` transactions.
///      - Bisection: the defender posts the trace hash at the midpoint (`bisect`); the challenger
///        agrees with it (`defend`: the dispute is in the upper half) or not (`attack`: the lower
///        half). Each move posts a bond that grows by 5/4 per depth.
///      - `step`: once one transaction is disputed, anyone executes it on chain (`StfStep`), with
///        its four record chunks proven against the blobs. The challenger wins when the STF
///        refuses the batch there or the result differs from the defender's hash.
///      - `proveBadElement`: any blob field element that cannot be part of a decodable batch (a
///        top byte set, or non-zero after the batch's last record) wins a challenge at once.
///      - Chess clocks: each side of a challenge has `CLOCK_SECONDS` (3.5 days) over all its
///        moves; a side whose turn starts with less than `CLOCK_EXTENSION_SECONDS` left is granted
///        that much. A side whose clock runs out loses the challenge (`resolveChallenge`).
///      - The claim loses as soon as a challenge is won by its challenger. It wins (`resolve`) once
///        the window has passed and every challenge was won by the defender.
///      - Bonds: the winner of a challenge takes both sides' bonds in it; the claim bond goes to
///        the first challenger to win, or back to the defender. Payouts are credited per game and
///        withdrawable `WITHDRAWAL_DELAY_SECONDS` after the game resolved (`claimCredit`).
contract DisputeGame is IDisputeGame {
    /// @notice A blob field element with its KZG opening: `p(z) = value` for the blob's
    ///         polynomial `p`, `z` the element's evaluation point (EIP-4844).
    struct BlobElement {
        /// @dev The element (a BLS12-381 scalar, big-endian).
        uint256 value;
        /// @dev The blob's 48-byte KZG commitment.
        bytes commitment;
        /// @dev The 48-byte KZG proof.
        bytes proof;
    }

    /// @notice Whose move it is in a challenge.
    enum Turn {
        /// @dev The defender posts the midpoint's trace hash.
        DEFENDER_BISECT,
        /// @dev The challenger attacks or defends the midpoint.
        CHALLENGER_CHOOSE,
        /// @dev One transaction is disputed: the challenger steps.
        CHALLENGER_STEP,
        /// @dev Decided.
        DONE
    }

    /// @notice A claim's game.
    struct Game {
        /// @dev The claim's proposer, who plays for it.
        address defender;
        /// @dev When it was created, in seconds (0: not created).
        uint64 createdAt;
        /// @dev When it resolved, in seconds (0: in progress).
        uint64 resolvedAt;
        /// @dev Where it stands.
        GameStatus status;
        /// @dev Whether the batch header was read from the blobs.
        bool headerKnown;
        /// @dev Transactions in the batch (from its header).
        uint32 txCount;
        /// @dev Challenges not decided yet.
        uint32 openChallenges;
        /// @dev The header chunk: the data commitment's first accumulator.
        uint256 headerChunk;
    }

    /// @notice One challenger's dispute with the defender.
    struct Challenge {
        /// @dev The claim.
        uint256 claimId;
        /// @dev Who opened it.
        address challenger;
        /// @dev Agreed trace position.
        uint32 lo;
        /// @dev Disputed trace position (`lo < hi`).
        uint32 hi;
        /// @dev Moves made, the opening included.
        uint8 depth;
        /// @dev Whose move.
        Turn turn;
        /// @dev Whether the challenger won (meaningful once `turn == DONE`).
        bool challengerWon;
        /// @dev When the current turn started, in seconds.
        uint64 turnStartedAt;
        /// @dev Clock time used by the challenger, in seconds.
        uint64 challengerUsed;
        /// @dev Clock time used by the defender, in seconds.
        uint64 defenderUsed;
        /// @dev Trace hash at `lo`, agreed.
        bytes32 loHash;
        /// @dev Trace hash at `hi`, asserted by the defender.
        bytes32 hiHash;
        /// @dev The defender's hash at the midpoint, while the challenger chooses.
        bytes32 midHash;
        /// @dev Bonds posted, in wei.
        uint256 pot;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.1.0
    string public constant version = "0.1.0";

    /// @notice Field elements per blob (EIP-4844).
    uint256 public constant FIELD_ELEMENTS_PER_BLOB = 4096;
    /// @notice The BLS12-381 scalar field modulus.
    uint256 internal constant BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    /// @notice A primitive 4096th root of unity mod `BLS_MODULUS`: `7^((BLS_MODULUS-1)/4096)`
    ///         (consensus specs, `compute_roots_of_unity`).
    uint256 internal constant ROOT_OF_UNITY = 0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306;
    /// @notice The point-evaluation precompile (EIP-4844).
    address internal constant POINT_EVALUATION = address(0x0a);
    /// @notice Version byte of the batch encoding.
    uint256 internal constant BATCH_VERSION = 2;
    /// @notice Payload bytes per field element, header bytes, record bytes.
    uint256 internal constant CHUNK_BYTES = 31;
    uint256 internal constant RECORD_BYTES = 124;

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
    /// @notice Each side's chess clock per challenge, in seconds (3.5 days).
    uint64 public immutable CLOCK_SECONDS;
    /// @notice Time a side is guaranteed when its turn starts, in seconds (3 hours).
    uint64 public immutable CLOCK_EXTENSION_SECONDS;
    /// @notice Delay between a game's resolution and its payouts, in seconds.
    uint64 public immutable WITHDRAWAL_DELAY_SECONDS;
    /// @notice The defender's bond, in wei.
    uint256 public immutable CLAIM_BOND;
    /// @notice The bond of a challenge's opening move, in wei; move `d` posts `BASE_BOND·(5/4)^d`.
    uint256 public immutable BASE_BOND;

    mapping(uint256 claimId => Game) internal games;
    Challenge[] internal challenges;
    /// @notice Payouts, in wei, per game and recipient.
    mapping(uint256 claimId => mapping(address => uint256)) public credit;

    /// @notice A claim's game was created.
    event GameCreated(uint256 indexed claimId, address indexed defender);
    /// @notice A challenge was opened.
    event ChallengeOpened(uint256 indexed claimId, uint256 indexed challengeId, address indexed challenger, uint32 txCount);
    /// @notice A move was made: `hash` is the defender's midpoint (bisect) or zero.
    event Move(uint256 indexed challengeId, uint8 depth, uint32 lo, uint32 hi, Turn turn, bytes32 hash);
    /// @notice A challenge was decided.
    event ChallengeDecided(uint256 indexed challengeId, bool challengerWon, string reason);
    /// @notice A game resolved.
    event Resolved(uint256 indexed claimId, GameStatus status);

    /// @notice Only the claim's proposer creates its game, once.
    error Game_NotProposer(address caller);
    /// @notice The game exists already.
    error Game_Exists(uint256 claimId);
    /// @notice No game for this claim.
    error Game_Missing(uint256 claimId);
    /// @notice The game is resolved.
    error Game_Resolved(uint256 claimId);
    /// @notice The challenge window closed.
    error Game_WindowClosed(uint256 claimId);
    /// @notice The window is still open, or challenges are undecided.
    error Game_NotResolvable(uint256 claimId);
    /// @notice Wrong bond attached.
    error Game_WrongBond(uint256 sent, uint256 expected);
    /// @notice Not this caller's move, or not this move now.
    error Game_NotYourMove(uint256 challengeId);
    /// @notice The mover's clock ran out.
    error Game_ClockExpired(uint256 challengeId);
    /// @notice Nobody's clock ran out.
    error Game_ClockRunning(uint256 challengeId);
    /// @notice No such challenge.
    error Game_UnknownChallenge(uint256 challengeId);
    /// @notice The step's pre-state is not the agreed one.
    error Game_WrongPreState(uint256 challengeId);
    /// @notice A KZG opening does not verify against the batch's blob.
    error Game_BadBlobProof(uint256 element);
    /// @notice The element is not in the batch's blobs.
    error Game_ElementOutOfRange(uint256 element);
    /// @notice The element is a valid part of the batch.
    error Game_ElementValid(uint256 element);
    /// @notice No payout yet, or nothing to pay.
    error Game_NoCredit(uint256 claimId);

    /// @param _finality The finality contract.
    /// @param _inbox The inbox.
    /// @param _stf The one-step STF.
    /// @param _seconds Window, clock, clock extension and withdrawal delay, in seconds.
    /// @param _claimBond The defender's bond, in wei.
    /// @param _baseBond The opening move's bond, in wei.
    constructor(
        IClaimRegistry _finality,
        IBlobInbox _inbox,
        StfStep _stf,
        uint64[4] memory _seconds,
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
        CLAIM_BOND = _claimBond;
        BASE_BOND = _baseBond;
    }

    // ---------------------------------------------------------------- game

    /// @notice Creates the game of claim `_claimId`, with `CLAIM_BOND` attached. Only its proposer.
    /// @param _claimId The claim.
    function create(uint256 _claimId) external payable {
        if (FINALITY.proposerOf(_claimId) != msg.sender) revert Game_NotProposer(msg.sender);
        Game storage g = games[_claimId];
        if (g.createdAt != 0) revert Game_Exists(_claimId);
        if (msg.value != CLAIM_BOND) revert Game_WrongBond(msg.value, CLAIM_BOND);
        g.defender = msg.sender;
        g.createdAt = uint64(block.timestamp);
        emit GameCreated(_claimId, msg.sender);
    }

    /// @notice Opens a challenge against claim `_claimId`, with `moveBond(0)` attached.
    /// @param _claimId The claim.
    /// @param _header Blob field elements 0 (payload length) and 1 (batch header) with their KZG
    ///        openings; read only by the game's first challenge (pass empty openings after).
    /// @return id The challenge id.
    function challenge(uint256 _claimId, BlobElement[2] calldata _header) external payable returns (uint256 id) {
        Game storage g = _open(_claimId);
        if (block.timestamp >= g.createdAt + WINDOW_SECONDS) revert Game_WindowClosed(_claimId);
        _bond(0);
        Claim memory c = FINALITY.claimOf(_claimId);
        id = challenges.length;
        Challenge storage ch = challenges.push();
        ch.claimId = _claimId;
        ch.challenger = msg.sender;
        ch.depth = 1;
        ch.turnStartedAt = uint64(block.timestamp);
        ch.pot = msg.value;
        g.openChallenges += 1;
        bool decodable = true;
        if (!g.headerKnown) decodable = _readHeader(g, c, _header);
        emit ChallengeOpened(_claimId, id, msg.sender, g.txCount);
        if (!decodable) {
            _decide(id, true, "header does not decode");
            return id;
        }
        ch.hi = g.txCount;
        ch.loHash = STF.traceHash(
            StfStep.TraceState(c.parentRoot, c.queueBefore, STF.EMPTY_WITHDRAWAL_ROOT(), bytes32(g.headerChunk))
        );
        ch.hiHash = STF.traceHash(StfStep.TraceState(c.postRoot, c.queueAfter, c.withdrawalRoot, c.dataCommitment));
        if (ch.hi == 0) {
            _decide(id, ch.loHash != ch.hiHash, "empty batch");
            return id;
        }
        ch.turn = ch.hi == 1 ? Turn.CHALLENGER_STEP : Turn.DEFENDER_BISECT;
        _startTurn(ch);
    }

    /// @notice The defender's move: the trace hash at the midpoint `(lo + hi) / 2`, with
    ///         `moveBond(depth)` attached.
    /// @param _id The challenge.
    /// @param _midHash `StfStep.traceHash` of the state after the first `(lo + hi) / 2`
    ///        transactions.
    function bisect(uint256 _id, bytes32 _midHash) external payable {
        Challenge storage ch = _move(_id, Turn.DEFENDER_BISECT);
        ch.midHash = _midHash;
        ch.turn = Turn.CHALLENGER_CHOOSE;
        _startTurn(ch);
        emit Move(_id, ch.depth, ch.lo, ch.hi, ch.turn, _midHash);
    }

    /// @notice The challenger disagrees with the midpoint: the dispute moves to the lower half.
    /// @param _id The challenge.
    function attack(uint256 _id) external payable {
        Challenge storage ch = _move(_id, Turn.CHALLENGER_CHOOSE);
        ch.hi = (ch.lo + ch.hi) / 2;
        ch.hiHash = ch.midHash;
        _afterChoice(_id, ch);
    }

    /// @notice The challenger agrees with the midpoint: the dispute moves to the upper half.
    /// @param _id The challenge.
    function defend(uint256 _id) external payable {
        Challenge storage ch = _move(_id, Turn.CHALLENGER_CHOOSE);
        ch.lo = (ch.lo + ch.hi) / 2;
        ch.loHash = ch.midHash;
        _afterChoice(_id, ch);
    }

    /// @notice Executes the one disputed transaction on chain. Anyone may call it during the
    ///         challenger's clock.
    /// @param _id The challenge.
    /// @param _record Blob field elements `2 + 4·lo .. 5 + 4·lo`: the transaction's record.
    /// @param _witness The agreed pre-state and the Merkle witnesses (`StfStep.step`).
    function step(uint256 _id, BlobElement[4] calldata _record, StfStep.StepWitness calldata _witness) external {
        Challenge storage ch = _challenge(_id);
        if (ch.turn != Turn.CHALLENGER_STEP) revert Game_NotYourMove(_id);
        _open(ch.claimId);
        if (_expired(ch)) revert Game_ClockExpired(_id);
        if (STF.traceHash(_witness.pre) != ch.loHash) revert Game_WrongPreState(_id);
        bytes32[] memory hashes = INBOX.blobHashes(FINALITY.claimOf(ch.claimId).batchNumber);
        uint256[4] memory chunks;
        for (uint256 j; j < 4; ++j) {
            uint256 element = 2 + 4 * uint256(ch.lo) + j;
            _verifyElement(hashes, element, _record[j]);
            chunks[j] = _record[j].value;
        }
        (bool valid, StfStep.TraceState memory post) = STF.step(ch.lo, chunks, _witness);
        if (!valid) return _decide(_id, true, "the STF refuses the batch at this transaction");
        bool differs = STF.traceHash(post) != ch.hiHash;
        _decide(_id, differs, differs ? "step disagrees with the defender" : "step agrees with the defender");
    }

    /// @notice Wins challenge `_id` with a blob field element that no decodable batch has: a top
    ///         byte set, or a non-zero element after the batch's last record. Anyone may call it.
    /// @param _id The challenge.
    /// @param _element The element's index across the batch's blobs.
    /// @param _opening Its value and KZG opening.
    function proveBadElement(uint256 _id, uint256 _element, BlobElement calldata _opening) external {
        Challenge storage ch = _challenge(_id);
        if (ch.turn == Turn.DONE) revert Game_NotYourMove(_id);
        Game storage g = _open(ch.claimId);
        bytes32[] memory hashes = INBOX.blobHashes(FINALITY.claimOf(ch.claimId).batchNumber);
        _verifyElement(hashes, _element, _opening);
        uint256 end = 1 + 4 * uint256(g.txCount);
        bool bad = _opening.value >> 248 != 0 || (_element > end && _opening.value != 0);
        if (!bad) revert Game_ElementValid(_element);
        _decide(_id, true, "blob data does not decode");
    }

    /// @notice Decides challenge `_id` without a step: for the other side when the mover's clock
    ///         ran out, for the challenger when the claim already lost. Anyone may call it.
    /// @param _id The challenge.
    function resolveChallenge(uint256 _id) external {
        Challenge storage ch = _challenge(_id);
        if (ch.turn == Turn.DONE) revert Game_NotYourMove(_id);
        if (games[ch.claimId].status == GameStatus.CHALLENGER_WINS) {
            return _decide(_id, true, "the claim lost another challenge");
        }
        if (!_expired(ch)) revert Game_ClockRunning(_id);
        bool defenderToMove = ch.turn == Turn.DEFENDER_BISECT;
        _decide(_id, defenderToMove, defenderToMove ? "defender clock expired" : "challenger clock expired");
    }

    /// @notice Resolves claim `_claimId`'s game for the claim: the window has passed and every
    ///         challenge was decided for the defender. Anyone may call it.
    /// @param _claimId The claim.
    function resolve(uint256 _claimId) external {
        Game storage g = _open(_claimId);
        if (block.timestamp < g.createdAt + WINDOW_SECONDS || g.openChallenges != 0) {
            revert Game_NotResolvable(_claimId);
        }
        g.status = GameStatus.DEFENDER_WINS;
        g.resolvedAt = uint64(block.timestamp);
        credit[_claimId][g.defender] += CLAIM_BOND;
        emit Resolved(_claimId, GameStatus.DEFENDER_WINS);
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
    /// @return The game (zero `createdAt`: not created).
    function gameOf(uint256 _claimId) external view returns (Game memory) {
        return games[_claimId];
    }

    /// @notice A challenge.
    /// @param _id The challenge.
    /// @return The challenge.
    function challengeOf(uint256 _id) external view returns (Challenge memory) {
        return _challenge(_id);
    }

    /// @notice Number of challenges opened, over all games.
    /// @return The count.
    function challengeCount() external view returns (uint256) {
        return challenges.length;
    }

    /// @notice When the side to move in challenge `_id` runs out of time, in seconds.
    /// @param _id The challenge.
    /// @return The deadline (0 once decided).
    function deadlineOf(uint256 _id) external view returns (uint64) {
        Challenge storage ch = _challenge(_id);
        if (ch.turn == Turn.DONE) return 0;
        return ch.turnStartedAt + _remaining(ch);
    }

    /// @notice The bond of move `_depth` of a challenge (0: the opening), in wei:
    ///         `BASE_BOND·(5/4)^depth`.
    /// @param _depth The move's depth.
    /// @return bond The bond.
    function moveBond(uint256 _depth) public view returns (uint256 bond) {
        bond = BASE_BOND;
        for (uint256 i; i < _depth; ++i) {
            bond = bond * 5 / 4;
        }
    }

    // ---------------------------------------------------------------- internals

    function _open(uint256 _claimId) internal view returns (Game storage g) {
        g = games[_claimId];
        if (g.createdAt == 0) revert Game_Missing(_claimId);
        if (g.status != GameStatus.IN_PROGRESS) revert Game_Resolved(_claimId);
    }

    function _challenge(uint256 _id) internal view returns (Challenge storage) {
        if (_id >= challenges.length) revert Game_UnknownChallenge(_id);
        return challenges[_id];
    }

    function _bond(uint256 _depth) internal view {
        uint256 expected = moveBond(_depth);
        if (msg.value != expected) revert Game_WrongBond(msg.value, expected);
    }

    /// @dev Checks that the caller may make move `_turn` now, charges its clock and takes its bond.
    function _move(uint256 _id, Turn _turn) internal returns (Challenge storage ch) {
        ch = _challenge(_id);
        Game storage g = _open(ch.claimId);
        address mover = _turn == Turn.DEFENDER_BISECT ? g.defender : ch.challenger;
        if (ch.turn != _turn || msg.sender != mover) revert Game_NotYourMove(_id);
        if (_expired(ch)) revert Game_ClockExpired(_id);
        _bond(ch.depth);
        uint64 used = uint64(block.timestamp) - ch.turnStartedAt;
        if (_turn == Turn.DEFENDER_BISECT) ch.defenderUsed += used;
        else ch.challengerUsed += used;
        ch.depth += 1;
        ch.pot += msg.value;
    }

    function _afterChoice(uint256 _id, Challenge storage ch) internal {
        ch.midHash = 0;
        ch.turn = ch.hi - ch.lo == 1 ? Turn.CHALLENGER_STEP : Turn.DEFENDER_BISECT;
        _startTurn(ch);
        emit Move(_id, ch.depth, ch.lo, ch.hi, ch.turn, 0);
    }

    /// @dev Starts the clock of the side to move, granting it the extension if it is short.
    function _startTurn(Challenge storage ch) internal {
        ch.turnStartedAt = uint64(block.timestamp);
        bool defender = ch.turn == Turn.DEFENDER_BISECT;
        uint64 used = defender ? ch.defenderUsed : ch.challengerUsed;
        if (CLOCK_SECONDS - _min(used, CLOCK_SECONDS) < CLOCK_EXTENSION_SECONDS) {
            uint64 granted = CLOCK_SECONDS > CLOCK_EXTENSION_SECONDS ? CLOCK_SECONDS - CLOCK_EXTENSION_SECONDS : 0;
            if (defender) ch.defenderUsed = granted;
            else ch.challengerUsed = granted;
        }
    }

    function _remaining(Challenge storage ch) internal view returns (uint64) {
        uint64 used = ch.turn == Turn.DEFENDER_BISECT ? ch.defenderUsed : ch.challengerUsed;
        return CLOCK_SECONDS - _min(used, CLOCK_SECONDS);
    }

    function _expired(Challenge storage ch) internal view returns (bool) {
        return block.timestamp > ch.turnStartedAt + _remaining(ch);
    }

    function _min(uint64 a, uint64 b) internal pure returns (uint64) {
        return a < b ? a : b;
    }

    /// @dev Decides a challenge: its winner takes the pot; a challenger win also loses the claim
    ///      (if it has not lost yet) and takes the claim bond.
    function _decide(uint256 _id, bool _challengerWon, string memory _reason) internal {
        Challenge storage ch = challenges[_id];
        Game storage g = games[ch.claimId];
        ch.turn = Turn.DONE;
        ch.challengerWon = _challengerWon;
        g.openChallenges -= 1;
        address winner = _challengerWon ? ch.challenger : g.defender;
        credit[ch.claimId][winner] += ch.pot;
        emit ChallengeDecided(_id, _challengerWon, _reason);
        if (_challengerWon && g.status == GameStatus.IN_PROGRESS) {
            g.status = GameStatus.CHALLENGER_WINS;
            g.resolvedAt = uint64(block.timestamp);
            credit[ch.claimId][ch.challenger] += CLAIM_BOND;
            emit Resolved(ch.claimId, GameStatus.CHALLENGER_WINS);
        }
    }

    /// @dev Reads the payload length (element 0) and the batch header (element 1). Returns false
    ///      when they cannot start a decodable batch for this claim: a top byte set, non-zero
    ///      header padding, a zero length or one beyond the blobs, another version, chain or batch
    ///      number, or a length other than `31 + 124·txCount`.
    function _readHeader(Game storage g, Claim memory c, BlobElement[2] calldata _header) internal returns (bool) {
        bytes32[] memory hashes = INBOX.blobHashes(c.batchNumber);
        _verifyElement(hashes, 0, _header[0]);
        _verifyElement(hashes, 1, _header[1]);
        g.headerKnown = true;
        uint256 lengthWord = _header[0].value;
        uint256 chunk = _header[1].value;
        g.headerChunk = chunk;
        uint256 available = (hashes.length * FIELD_ELEMENTS_PER_BLOB - 1) * CHUNK_BYTES;
        // Element 0: 0x00 ‖ length:u64 ‖ 0^23.
        uint256 length = lengthWord >> 184;
        if (lengthWord >> 248 != 0 || lengthWord & ((1 << 184) - 1) != 0) return false;
        if (length == 0 || length > available) return false;
        // Element 1: 0x00 ‖ version:u8 ‖ chain:u64 ‖ number:u64 ‖ count:u32 ‖ 0^10.
        if (chunk >> 248 != 0 || chunk & ((1 << 80) - 1) != 0) return false;
        uint256 count = (chunk >> 80) & type(uint32).max;
        if (
            chunk >> 240 != BATCH_VERSION || (chunk >> 176) & type(uint64).max != L2_CHAIN_ID
                || (chunk >> 112) & type(uint64).max != c.batchNumber
        ) return false;
        if (length != CHUNK_BYTES + RECORD_BYTES * count) return false;
        g.txCount = uint32(count);
        return true;
    }

    /// @dev Checks `_e` is element `_element` (counted across the batch's blobs) of its blob, with
    ///      the point-evaluation precompile: `z = ω^bitrev(i)` for element `i` of a blob (EIP-4844
    ///      evaluation form, bit-reversed order).
    function _verifyElement(bytes32[] memory _hashes, uint256 _element, BlobElement calldata _e) internal view {
        uint256 blob = _element / FIELD_ELEMENTS_PER_BLOB;
        if (blob >= _hashes.length) revert Game_ElementOutOfRange(_element);
        uint256 z = _rootOfUnity(_bitReverse12(_element % FIELD_ELEMENTS_PER_BLOB));
        (bool ok, bytes memory out) =
            POINT_EVALUATION.staticcall(abi.encodePacked(_hashes[blob], z, _e.value, _e.commitment, _e.proof));
        if (!ok || out.length != 64 || _e.commitment.length != 48 || _e.proof.length != 48) {
            revert Game_BadBlobProof(_element);
        }
    }

    function _bitReverse12(uint256 _i) internal pure returns (uint256 r) {
        for (uint256 b; b < 12; ++b) {
            r = (r << 1) | ((_i >> b) & 1);
        }
    }

    /// @dev `ROOT_OF_UNITY^_e mod BLS_MODULUS` with the modexp precompile (EIP-198).
    function _rootOfUnity(uint256 _e) internal view returns (uint256 z) {
        (bool ok, bytes memory out) =
            address(0x05).staticcall(abi.encodePacked(uint256(32), uint256(32), uint256(32), ROOT_OF_UNITY, _e, BLS_MODULUS));
        require(ok && out.length == 32);
        z = abi.decode(out, (uint256));
    }
}
