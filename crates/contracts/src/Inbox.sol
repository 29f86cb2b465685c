// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { IFinality } from "interfaces/IFinality.sol";
import { IPoseidonT3, IPoseidonT5 } from "interfaces/IPoseidon.sol";
import { BabyJubjub } from "BabyJubjub.sol";
import { BlobBatch } from "BlobBatch.sol";
import { BlobElement } from "interfaces/Types.sol";

/// @title Inbox
/// @notice The L2's door on L1: batches posted in blobs, the L1 message queue (ETH deposits and
///         forced transactions) and the bridge that pays withdrawals out of final batches.
/// @dev Batches: each records its number, the versioned hashes of its blobs read with BLOBHASH
///      (EIP-4844, never from calldata), its parent link (it follows `latestBatch`) and the range
///      of L1 messages it consumes, which the L2 executes first, in queue order. A batch posted
///      with its settlement (`postFor`) is final as it is posted: no claim, game or proof reads
///      its context again, so only its `BatchPosted` log holds it (its record stays empty), and
///      the post costs no storage slot of its own.
///
///      L1 message queue: every message is the canonical encoding of an L2 transaction
///      (`Deposit`, `ForcedTransfer`, `ForcedWithdraw`), hashed with circomlib Poseidon over its
///      31-byte chunks (2 for a deposit, 4 for a forced transaction) and folded into an
///      accumulator `acc[i+1] = Poseidon(acc[i], hash_i)`,
///      `acc[0] = 0`, stored per position. A batch executes the messages of its range from this
///      queue, never from its blob: claims bind the accumulators before and after the range, and
///      the dispute game's step authenticates each message against the stored ones.
///
///      Forced inclusion: a message older than `FORCED_INCLUSION_DELAY_SECONDS` must be in the
///      next batch, unless the batch consumes `MAX_BATCH_TXS` messages (the most a batch
///      executes). Once the oldest unconsumed message is that old, anyone may post batches, and
///      they too must consume every overdue message (L2BEAT "self-sequencing" exit).
///
///      Canonical form (docs/stf.md): a blob whose field elements are not exactly a batch's
///      canonical encoding (a top byte set, a header that does not decode or counts more than
///      `MAX_BATCH_TXS` transactions with the messages, anything after the last record) carries
///      no records. Anyone proves that with at most three KZG openings (`proveNonCanonical`); the
///      ZK verifier and the dispute game read the result (`nonCanonical`), so every leg proves
///      such a batch, and no poster can push one onto the slow path.
///
///      There is no owner: nothing here can be changed, paused or drained by anyone.
///
///      Trust model (who may call, what it costs others):
///      - `postBatch`: the sequencer, or anyone once a queued message is overdue; either way the
///        batch must consume every overdue message, so no poster can censor one.
///      - `postFor`: the finality contract only (`postAndSettle`), for `postAndSettle`'s caller,
///        under the same rules as `postBatch`.
///      - `proveNonCanonical`: anyone, any time after posting (not for a batch posted with its
///        settlement, final as posted: `Inbox_FinalAtPost`); it records a fact about the blob,
///        so its outcome depends only on the blob's bytes (a canonical blob has no evidence).
///      - `deposit`, `depositTo`, `forceTransfer`, `forceWithdraw`: anyone; each queues one
///        message the next batches must carry (paid for by its sender's L1 gas and value).
///        A deposit is accepted only if the L2 must apply it: its key is a valid key of large
///        order, its account exists or is new, and the bridge's balance stays below 2^128 wei
///        (`Inbox_BridgeFull`), so no L2 credit can overflow. The STF never skips a deposit this
///        contract accepted, and no deposited ETH can be stranded here.
///      - `claimWithdrawal`: anyone, for a leaf of a final withdrawal root (`finalWithdrawalRoot`,
///        rule 8), once; the amount goes to the leaf's recipient, and a recipient that refuses
///        ETH is owed it instead (`withdrawOwed`), so no recipient can make a claim revert.
///      - `withdrawOwed`: the owed recipient only, to an address of its choice.
contract Inbox {
    /// @notice A posted batch, in two slots. Who posted it is in `BatchPosted` only: no
    ///         contract reads it, and storing it would cost a third slot on every post. Empty for
    ///         a batch posted with its settlement (`postFor`).
    struct Batch {
        /// @dev Versioned hash of the batch's one blob (a batch is exactly one blob, see
        ///      `postBatch`): a word, not an array, which would cost a length slot.
        bytes32 blobHash;
        /// @dev Timestamp of the L1 block that included the batch, in seconds.
        uint64 postedAt;
        /// @dev Queue index of the batch's first L1 message.
        uint64 queueStart;
        /// @dev Queue index one past its last L1 message.
        uint64 queueEnd;
        /// @dev Proven not in canonical form (`proveNonCanonical`): the batch has no records.
        bool nonCanonical;
    }

    /// @notice One L1 message in the queue.
    struct Message {
        /// @dev Accumulator after this message.
        bytes32 acc;
        /// @dev When it was enqueued, in seconds.
        uint64 enqueuedAt;
        /// @dev The L1 block that enqueued it: where its `MessageQueued` log is.
        uint64 l1Block;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.10.0
    string public constant version = "0.10.0";

    /// @notice Most transactions a batch executes, L1 messages and blob records together: the ZK
    ///         circuit's slots (`tribunal_primitives::batch::MAX_BATCH_TXS`).
    uint256 public constant MAX_BATCH_TXS = BlobBatch.MAX_BATCH_TXS;

    /// @notice Kind tag of a deposit in the L2 encoding.
    uint8 internal constant KIND_DEPOSIT = 0x03;
    /// @notice Kind tag of a forced transfer.
    uint8 internal constant KIND_FORCED_TRANSFER = 0x04;
    /// @notice Kind tag of a forced withdrawal.
    uint8 internal constant KIND_FORCED_WITHDRAW = 0x05;

    /// @notice The account that posts batches while the queue is served.
    address public immutable SEQUENCER;
    /// @notice The L2 chain id.
    uint64 public immutable L2_CHAIN_ID;
    /// @notice Depth of the L2 account tree: account indices are below 2^depth.
    uint8 public immutable ACCOUNT_DEPTH;
    /// @notice Depth of each batch's withdrawal tree.
    uint8 public immutable WITHDRAWAL_DEPTH;
    /// @notice How long an L1 message may wait before it must be included, in seconds.
    uint64 public immutable FORCED_INCLUSION_DELAY_SECONDS;
    /// @notice The finality contract, asked for final withdrawal roots.
    IFinality public immutable FINALITY;
    /// @notice Poseidon of 2 inputs (poseidon-solidity PoseidonT3).
    IPoseidonT3 public immutable POSEIDON2;
    /// @notice Poseidon of 4 inputs (poseidon-solidity PoseidonT5).
    IPoseidonT5 public immutable POSEIDON4;

    /// @notice Number of the last posted batch (0 before the first; batches start at 1).
    uint64 public latestBatch;
    /// @notice Queue index of the first message no batch has consumed yet.
    uint64 public queueHead;
    /// @notice Next L2 account index handed to a new depositor.
    uint64 public nextAccount;

    mapping(uint64 => Batch) internal batches;
    Message[] internal queue;
    /// @notice Packed public key of each account created by a deposit.
    mapping(uint64 => bytes32) public accountKey;
    /// @dev keccak256(batchNumber, index) => claimed.
    mapping(bytes32 => bool) internal claimed;
    /// @notice Withdrawals whose recipient refused the payment, owed to it, in wei.
    mapping(address => uint256) public owed;
    /// @notice Gas a withdrawal's recipient gets to accept the payment.
    uint256 public constant PAYOUT_GAS = 100_000;

    /// @notice Emitted when a batch is posted.
    /// @param batchNumber The batch's number.
    /// @param blobHashes Versioned hashes of its blobs.
    /// @param poster Account that posted it.
    /// @param queueStart Queue index of its first L1 message.
    /// @param queueEnd Queue index one past its last L1 message.
    event BatchPosted(
        uint64 indexed batchNumber, bytes32[] blobHashes, address indexed poster, uint64 queueStart, uint64 queueEnd
    );
    /// @notice Emitted for every L1 message.
    /// @param index Its queue index.
    /// @param acc The accumulator after it.
    /// @param message Its canonical L2 encoding (kind tag first).
    event MessageQueued(uint64 indexed index, bytes32 acc, bytes message);
    /// @notice Emitted when a withdrawal is paid.
    /// @param batchNumber The final batch that emitted it.
    /// @param index Its leaf index in the batch's withdrawal tree.
    /// @param to The L1 recipient.
    /// @param amount Amount paid, in wei.
    event WithdrawalClaimed(uint64 indexed batchNumber, uint64 indexed index, address indexed to, uint256 amount);
    /// @notice A recipient refused a withdrawal's payment; it is owed to it (`withdrawOwed`).
    event WithdrawalOwed(address indexed to, uint256 amount);
    /// @notice A batch's blob was proven not in canonical form: the batch has no records.
    /// @param batchNumber The batch.
    /// @param elements The field elements opened as evidence.
    event BatchNonCanonical(uint64 indexed batchNumber, uint256[] elements);

    /// @notice The caller may not post now: it is not the sequencer and no message is overdue.
    error Inbox_NotSequencer(address caller);
    /// @notice `postFor` is the finality contract's alone.
    error Inbox_NotFinality(address caller);
    /// @notice The batch does not follow the latest one.
    error Inbox_NotNextBatch(uint64 expected, uint64 got);
    /// @notice A batch is exactly one blob: the validity circuit reads one, and one holds the
    ///         largest batch it proves (1,023 records). A second blob would only keep the ZK leg
    ///         from proving the batch, pushing it onto the slow path.
    error Inbox_BlobCount(uint256 count);
    /// @notice The batch's queue end is before the queue head or past the queue.
    error Inbox_BadQueueEnd(uint64 queueEnd, uint64 head, uint64 length);
    /// @notice The queue's accumulator at `_queueEnd` is not the one the batch was sealed on: an
    ///         L1 reorg changed the messages below it since (a stale post).
    error Inbox_QueueMoved(bytes32 expected, bytes32 onChain);
    /// @notice The message at `index` is overdue since `dueAt` and must be in this batch.
    error Inbox_ForcedInclusionDue(uint64 index, uint64 dueAt);
    /// @notice A batch consumes at most `MAX_BATCH_TXS` L1 messages.
    error Inbox_TooManyMessages(uint256 count);
    /// @notice No batch with this number was posted.
    error Inbox_NotPosted(uint64 batchNumber);
    /// @notice The batch was posted with its settlement (`postFor`): final as posted, it keeps
    ///         no record here, and no evidence about it can matter.
    error Inbox_FinalAtPost(uint64 batchNumber);
    /// @notice The KZG opening of `element` does not verify against the batch's blob.
    error Inbox_BadBlobProof(uint256 element);
    /// @notice The opened elements are not one of the three forms of evidence, or show a
    ///         canonical blob.
    error Inbox_NotEvidence(uint64 batchNumber);
    /// @notice The public key is not a canonical packed Baby Jubjub point, or has low order (then
    ///         anyone could sign for the account): the L2 would skip the deposit.
    error Inbox_BadPublicKey(bytes32 pubkey);
    /// @notice A deposit of zero wei.
    error Inbox_BadAmount(uint256 amount);
    /// @notice The deposit would lift the bridge's balance to 2^128 wei or more, the most that L2
    ///         balances (u128) can hold together: refused so that no credit can overflow on L2.
    error Inbox_BridgeFull(uint256 balance);
    /// @notice The account tree is full.
    error Inbox_AccountsExhausted();
    /// @notice No account with this index was created by a deposit.
    error Inbox_UnknownAccount(uint64 account);
    /// @notice An index at or past 2^depth.
    error Inbox_IndexOutOfRange(uint64 index);
    /// @notice A signature that is not 64 bytes (packed R8 ‖ S).
    error Inbox_BadSignatureLength(uint256 length);
    /// @notice The batch has no final claim yet (rule 8).
    error Inbox_NotFinal(uint64 batchNumber);
    /// @notice The withdrawal was already paid.
    error Inbox_AlreadyClaimed(uint64 batchNumber, uint64 index);
    /// @notice The Merkle proof does not lead to the final withdrawal root.
    error Inbox_BadWithdrawalProof();
    /// @notice The ETH transfer to the recipient failed.
    error Inbox_PaymentFailed(address to);
    /// @notice Nothing is owed to the caller.
    error Inbox_NothingOwed(address caller);

    /// @param _sequencer The account that posts batches.
    /// @param _l2ChainId The L2 chain id.
    /// @param _accountDepth Depth of the L2 account tree (at most 32).
    /// @param _withdrawalDepth Depth of a batch's withdrawal tree (at most 32).
    /// @param _forcedInclusionDelaySeconds Deadline for L1 messages, in seconds (24 hours).
    /// @param _finality The finality contract.
    /// @param _poseidon2 Deployed PoseidonT3.
    /// @param _poseidon4 Deployed PoseidonT5.
    constructor(
        address _sequencer,
        uint64 _l2ChainId,
        uint8 _accountDepth,
        uint8 _withdrawalDepth,
        uint64 _forcedInclusionDelaySeconds,
        IFinality _finality,
        IPoseidonT3 _poseidon2,
        IPoseidonT5 _poseidon4
    ) {
        require(_accountDepth <= 32 && _withdrawalDepth <= 32);
        SEQUENCER = _sequencer;
        L2_CHAIN_ID = _l2ChainId;
        ACCOUNT_DEPTH = _accountDepth;
        WITHDRAWAL_DEPTH = _withdrawalDepth;
        FORCED_INCLUSION_DELAY_SECONDS = _forcedInclusionDelaySeconds;
        FINALITY = _finality;
        POSEIDON2 = _poseidon2;
        POSEIDON4 = _poseidon4;
    }

    // ---------------------------------------------------------------- batches

    /// @notice Posts batch `_batchNumber`, whose data is in this transaction's one blob, consuming
    ///         L1 messages `[queueHead, _queueEnd)`.
    /// @param _batchNumber Must be `latestBatch + 1`.
    /// @param _queueEnd Queue index one past the batch's last L1 message: at most `MAX_BATCH_TXS`
    ///        messages, and every overdue message below it unless there are that many.
    /// @param _queueAcc The queue accumulator after `_queueEnd` messages that the batch was sealed
    ///        on (`accAt(_queueEnd)`): a post sent before an L1 reorg changed the queue reverts
    ///        instead of landing on messages its batch never executed.
    function postBatch(uint64 _batchNumber, uint64 _queueEnd, bytes32 _queueAcc) external {
        (bytes32 blobHash, uint64 head) = _post(msg.sender, _batchNumber, _queueEnd, _queueAcc);
        _record(_batchNumber, blobHash, head, _queueEnd);
    }

    /// @notice `postBatch` for `_poster`, called by the finality contract's `postAndSettle`,
    ///         which settles the batch's claim in the same transaction. Every rule of
    ///         `postBatch` applies to `_poster`, `postAndSettle`'s caller. The batch is final as
    ///         it is posted, so nothing is recorded of it but `latestBatch` and `queueHead`:
    ///         `blobHashes`, `postedAt`, `batchContext` and `queueRange` answer as for a batch not
    ///         posted, and its `BatchPosted` log holds its versioned hash, poster and queue range
    ///         (found from `MultiProofFinality.proposalBlockOf` of its final claim).
    /// @param _poster Who posts: the sequencer, or anyone once a queued message is overdue
    ///        (`Inbox_NotSequencer`).
    /// @param _batchNumber Must be `latestBatch + 1`.
    /// @param _queueEnd Queue index one past the batch's last L1 message.
    /// @param _queueAcc `accAt(_queueEnd)` as the batch was sealed on.
    /// @return blobsHash keccak256 of the batch's versioned hash, as `batchContext` returns it.
    /// @return queueBefore The queue accumulator before the batch's L1 messages.
    function postFor(address _poster, uint64 _batchNumber, uint64 _queueEnd, bytes32 _queueAcc)
        external
        returns (bytes32 blobsHash, bytes32 queueBefore)
    {
        // The finality contract passes on its caller; anyone else would post as another account.
        if (msg.sender != address(FINALITY)) revert Inbox_NotFinality(msg.sender);
        (bytes32 blobHash, uint64 head) = _post(_poster, _batchNumber, _queueEnd, _queueAcc);
        (latestBatch, queueHead) = (_batchNumber, _queueEnd);
        return (keccak256(abi.encodePacked(blobHash)), accAt(head));
    }

    /// @dev `postBatch`'s checks and event for `_poster`; returns the batch's versioned hash and
    ///      first queue index, for the caller to record the batch (`postBatch`) or only advance
    ///      the inbox past it (`postFor`, a batch final as posted).
    function _post(address _poster, uint64 _batchNumber, uint64 _queueEnd, bytes32 _queueAcc)
        internal
        returns (bytes32 blobHash, uint64 head)
    {
        head = queueHead;
        uint64 length = uint64(queue.length);
        if (_poster != SEQUENCER && !(head < length && _overdue(head))) revert Inbox_NotSequencer(_poster);
        uint64 expected = latestBatch + 1;
        if (_batchNumber != expected) revert Inbox_NotNextBatch(expected, _batchNumber);
        if (_queueEnd < head || _queueEnd > length) revert Inbox_BadQueueEnd(_queueEnd, head, length);
        if (_queueEnd - head > MAX_BATCH_TXS) revert Inbox_TooManyMessages(_queueEnd - head);
        bytes32 acc = accAt(_queueEnd);
        if (acc != _queueAcc) revert Inbox_QueueMoved(_queueAcc, acc);
        if (_queueEnd < length && _queueEnd - head < MAX_BATCH_TXS && _overdue(_queueEnd)) {
            revert Inbox_ForcedInclusionDue(_queueEnd, queue[_queueEnd].enqueuedAt + FORCED_INCLUSION_DELAY_SECONDS);
        }
        if (blobhash(0) == bytes32(0) || blobhash(1) != bytes32(0)) {
            uint256 blobs;
            while (blobhash(blobs) != bytes32(0)) ++blobs;
            revert Inbox_BlobCount(blobs);
        }
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = blobhash(0);
        emit BatchPosted(_batchNumber, hashes, _poster, head, _queueEnd);
        return (hashes[0], head);
    }

    /// @dev Records batch `_n` (versioned hash `_blobHash`, queue `[_start, _end)`) as the latest,
    ///      in one write per slot.
    function _record(uint64 _n, bytes32 _blobHash, uint64 _start, uint64 _end) internal {
        batches[_n] = Batch({
            blobHash: _blobHash,
            postedAt: uint64(block.timestamp),
            queueStart: _start,
            queueEnd: _end,
            nonCanonical: false
        });
        latestBatch = _n;
        queueHead = _end;
    }

    /// @notice The versioned hashes of a posted batch's blobs (empty if not posted, or posted
    ///         with its settlement: see `postFor`).
    /// @param _batchNumber The batch.
    /// @return The versioned hashes, in blob order.
    function blobHashes(uint64 _batchNumber) external view returns (bytes32[] memory) {
        return _hashesOf(batches[_batchNumber]);
    }

    /// @notice When a batch was posted. Its poster is in its `BatchPosted` event.
    /// @param _batchNumber The batch.
    /// @return Timestamp of the L1 block that included it, in seconds (0 if not posted, or
    ///         posted with its settlement: see `postFor`).
    function postedAt(uint64 _batchNumber) external view returns (uint64) {
        return batches[_batchNumber].postedAt;
    }

    /// @notice What a claim about a posted batch must bind, besides its roots.
    /// @param _batchNumber The batch.
    /// @return posted Whether the batch is posted and takes claims: false for a batch posted
    ///         with its settlement (`postFor`), final as posted.
    /// @return blobsHash keccak256 of its versioned hashes, concatenated in blob order.
    /// @return queueBefore Queue accumulator before its L1 messages.
    /// @return queueAfter Queue accumulator after them.
    function batchContext(uint64 _batchNumber)
        external
        view
        returns (bool posted, bytes32 blobsHash, bytes32 queueBefore, bytes32 queueAfter)
    {
        Batch storage b = batches[_batchNumber];
        if (b.postedAt == 0) return (false, 0, 0, 0);
        return (true, keccak256(abi.encodePacked(b.blobHash)), accAt(b.queueStart), accAt(b.queueEnd));
    }

    /// @notice Records that batch `_batchNumber`'s blob is not in canonical form, so the batch
    ///         has no records (docs/stf.md), from KZG openings of its field elements. Anyone, any
    ///         time after posting; a no-op when already recorded. The evidence is one of
    ///         (`tribunal_da::non_canonical_evidence` builds it):
    ///         - `[g]`: element `g` has a non-zero top byte;
    ///         - `[0, 1]`: elements 0 and 1 are not the header of this batch with at most
    ///           `MAX_BATCH_TXS` transactions, messages included (`BlobBatch.headerCount`);
    ///         - `[0, 1, g]`: they are, with `count` records, and element `g ≥ 2 + 4·count` is not
    ///           zero.
    /// @param _batchNumber A posted batch.
    /// @param _elements The indices of the opened elements, counted across the batch's blobs.
    /// @param _openings Their values and KZG openings, in the same order.
    function proveNonCanonical(
        uint64 _batchNumber,
        uint256[] calldata _elements,
        BlobElement[] calldata _openings
    )
        external
    {
        Batch storage b = batches[_batchNumber];
        if (b.postedAt == 0) {
            if (_batchNumber != 0 && _batchNumber <= latestBatch) revert Inbox_FinalAtPost(_batchNumber);
            revert Inbox_NotPosted(_batchNumber);
        }
        if (b.nonCanonical) return;
        uint256 n = _elements.length;
        if (n == 0 || n > 3 || _openings.length != n) revert Inbox_NotEvidence(_batchNumber);
        bytes32[] memory hashes = _hashesOf(b);
        bool shown = false;
        for (uint256 i; i < n; ++i) {
            if (!BlobBatch.opens(hashes, _elements[i], _openings[i])) revert Inbox_BadBlobProof(_elements[i]);
            shown = shown || _openings[i].value >> 248 != 0;
        }
        if (!shown && n >= 2 && _elements[0] == 0 && _elements[1] == 1) {
            (bool decodable, uint256 count) = BlobBatch.headerCount(
                _openings[0].value,
                _openings[1].value,
                L2_CHAIN_ID,
                _batchNumber,
                b.queueEnd - b.queueStart,
                hashes.length
            );
            shown = n == 2 ? !decodable : decodable && _elements[2] >= 2 + 4 * count && _openings[2].value != 0;
        }
        if (!shown) revert Inbox_NotEvidence(_batchNumber);
        b.nonCanonical = true;
        emit BatchNonCanonical(_batchNumber, _elements);
    }

    /// @notice Whether batch `_batchNumber`'s blob was proven not in canonical form
    ///         (`proveNonCanonical`): then it has no records, and the ZK leg proves it so.
    /// @param _batchNumber The batch.
    /// @return True once proven.
    function nonCanonical(uint64 _batchNumber) external view returns (bool) {
        return batches[_batchNumber].nonCanonical;
    }

    /// @notice The range of L1 messages a posted batch consumes ((0, 0) if not posted, or posted
    ///         with its settlement: see `postFor`).
    /// @param _batchNumber The batch.
    /// @return start Queue index of its first L1 message.
    /// @return end Queue index one past its last.
    function queueRange(uint64 _batchNumber) external view returns (uint64 start, uint64 end) {
        Batch storage b = batches[_batchNumber];
        return (b.queueStart, b.queueEnd);
    }

    // ---------------------------------------------------------------- L1 message queue

    /// @notice Number of L1 messages ever enqueued.
    /// @return The queue length.
    function queueLength() external view returns (uint64) {
        return uint64(queue.length);
    }

    /// @notice The queue accumulator after the first `_index` messages (`accAt(0) == 0`).
    /// @param _index A count of messages, at most the queue length.
    /// @return The accumulator, a field element.
    function accAt(uint64 _index) public view returns (bytes32) {
        // An index, not a balance: position 0 is the empty queue.
        // slither-disable-next-line incorrect-equality
        return _index == 0 ? bytes32(0) : queue[_index - 1].acc;
    }

    /// @notice When the message at `_index` was enqueued, in seconds.
    /// @param _index Queue index.
    /// @return The L1 timestamp.
    function enqueuedAt(uint64 _index) external view returns (uint64) {
        return queue[_index].enqueuedAt;
    }

    /// @notice The L1 block whose logs hold the `MessageQueued` event of message `_index`, so a
    ///         reader fetches a batch's messages from there rather than from genesis.
    /// @param _index Queue index.
    /// @return The block number.
    function messageBlock(uint64 _index) external view returns (uint64) {
        return queue[_index].l1Block;
    }

    /// @notice Deposits `msg.value` wei to a new L2 account owned by `_pubkey`.
    /// @param _pubkey Packed Baby Jubjub public key (EIP-2494 packing, as circomlibjs); refused
    ///        (`Inbox_BadPublicKey`) unless it is a valid key of large order, as the L2 requires.
    /// @return account The new account's index.
    function deposit(bytes32 _pubkey) external payable returns (uint64 account) {
        if (!BabyJubjub.isPublicKey(_pubkey)) revert Inbox_BadPublicKey(_pubkey);
        account = nextAccount;
        if (account >> ACCOUNT_DEPTH != 0) revert Inbox_AccountsExhausted();
        nextAccount = account + 1;
        accountKey[account] = _pubkey;
        _deposit(account, _pubkey);
    }

    /// @notice Deposits `msg.value` wei to an existing L2 account.
    /// @param _account Index of an account created by `deposit`.
    function depositTo(uint64 _account) external payable {
        if (_account >= nextAccount) revert Inbox_UnknownAccount(_account);
        _deposit(_account, accountKey[_account]);
    }

    /// @notice Enqueues a signed L2 transfer that the sequencer must include within the deadline.
    /// @param _from Sender account.
    /// @param _to Recipient account.
    /// @param _amount Amount, in wei.
    /// @param _nonce The sender's nonce.
    /// @param _signature Packed EdDSA-Poseidon signature (R8 ‖ S, 64 bytes). Not checked here: a
    ///        bad one makes the L2 skip the transaction.
    function forceTransfer(uint32 _from, uint32 _to, uint128 _amount, uint64 _nonce, bytes calldata _signature)
        external
    {
        if (_signature.length != 64) revert Inbox_BadSignatureLength(_signature.length);
        _checkIndex(_from);
        _checkIndex(_to);
        // 97 bytes: 4 chunks.
        _enqueue(abi.encodePacked(KIND_FORCED_TRANSFER, _from, _to, _amount, _nonce, _signature), 4);
    }

    /// @notice Enqueues a signed L2 withdrawal that the sequencer must include within the
    ///         deadline: the censorship exit.
    /// @param _from Sender account.
    /// @param _to L1 recipient.
    /// @param _amount Amount, in wei.
    /// @param _nonce The sender's nonce.
    /// @param _signature Packed EdDSA-Poseidon signature (64 bytes).
    function forceWithdraw(uint32 _from, address _to, uint128 _amount, uint64 _nonce, bytes calldata _signature)
        external
    {
        if (_signature.length != 64) revert Inbox_BadSignatureLength(_signature.length);
        _checkIndex(_from);
        _enqueue(abi.encodePacked(KIND_FORCED_WITHDRAW, _from, _to, _amount, _nonce, _signature), 4);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @notice Pays a withdrawal emitted by a final batch (rule 8). Anyone may submit it; the
    ///         ETH goes to `_to` with `PAYOUT_GAS`. When `_to` refuses it (a contract without a
    ///         payable receive, or one that burns the gas), the amount is owed to `_to` instead,
    ///         and `_to` pulls it to any address with `withdrawOwed`: nothing is stuck.
    /// @param _batchNumber The batch that emitted it.
    /// @param _index Its leaf index in the batch's withdrawal tree.
    /// @param _to L1 recipient.
    /// @param _amount Amount, in wei.
    /// @param _siblings Merkle siblings, leaf level first, `WITHDRAWAL_DEPTH` field elements.
    function claimWithdrawal(
        uint64 _batchNumber,
        uint64 _index,
        address _to,
        uint128 _amount,
        uint256[] calldata _siblings
    ) external {
        (bool isFinal, bytes32 root) = FINALITY.finalWithdrawalRoot(_batchNumber);
        if (!isFinal) revert Inbox_NotFinal(_batchNumber);
        if (_index >> WITHDRAWAL_DEPTH != 0) revert Inbox_IndexOutOfRange(_index);
        bytes32 key = keccak256(abi.encode(_batchNumber, _index));
        if (claimed[key]) revert Inbox_AlreadyClaimed(_batchNumber, _index);
        if (_siblings.length != WITHDRAWAL_DEPTH) revert Inbox_BadWithdrawalProof();
        uint256 node = POSEIDON2.hash([uint256(uint160(_to)), uint256(_amount)]);
        for (uint256 level; level < _siblings.length; ++level) {
            node = (_index >> level) & 1 == 0
                ? POSEIDON2.hash([node, _siblings[level]])
                : POSEIDON2.hash([_siblings[level], node]);
        }
        if (bytes32(node) != root) revert Inbox_BadWithdrawalProof();
        claimed[key] = true;
        emit WithdrawalClaimed(_batchNumber, _index, _to, _amount);
        // `_to` and `_amount` are a leaf of a final withdrawal root, proven above.
        // slither-disable-next-line arbitrary-send-eth
        (bool ok,) = _to.call{ value: _amount, gas: PAYOUT_GAS }("");
        if (!ok) {
            // A caller must not push the payment into `owed` by starving it (EIP-150).
            if (gasleft() < PAYOUT_GAS / 63) revert Inbox_PaymentFailed(_to);
            owed[_to] += _amount;
            emit WithdrawalOwed(_to, _amount);
        }
    }

    /// @notice Pays the caller's owed withdrawals (those its address refused) to `_recipient`.
    /// @param _recipient Where the ETH goes.
    function withdrawOwed(address payable _recipient) external {
        uint256 amount = owed[msg.sender];
        if (amount == 0) revert Inbox_NothingOwed(msg.sender);
        owed[msg.sender] = 0;
        (bool ok,) = _recipient.call{ value: amount }("");
        if (!ok) revert Inbox_PaymentFailed(_recipient);
    }

    /// @notice Whether a withdrawal was paid.
    /// @param _batchNumber The batch that emitted it.
    /// @param _index Its leaf index.
    /// @return Whether it was claimed.
    function isClaimed(uint64 _batchNumber, uint64 _index) external view returns (bool) {
        return claimed[keccak256(abi.encode(_batchNumber, _index))];
    }

    // ---------------------------------------------------------------- internals

    function _deposit(uint64 _account, bytes32 _pubkey) internal {
        if (msg.value == 0) revert Inbox_BadAmount(msg.value);
        // Every L2 balance is at most the L2's total supply, which is at most this balance (every
        // applied deposit was paid in here; a withdrawal leaves only after the L2 debited it).
        // Capping it below 2^128 makes a credit overflow on L2 unreachable, so the STF never
        // skips a deposit this contract accepted and no deposited ETH is stranded here.
        if (address(this).balance > type(uint128).max) revert Inbox_BridgeFull(address(this).balance);
        // 53 bytes: kind, account (u32), pubkey, amount (u128); 2 chunks, so the cheaper PoseidonT3
        // (a deposit is the common message).
        _enqueue(abi.encodePacked(KIND_DEPOSIT, uint32(_account), _pubkey, uint128(msg.value)), 2);
    }

    /// @dev The versioned hashes of batch `_b`, in blob order: its one hash, or none when it is
    ///      not posted.
    function _hashesOf(Batch storage _b) internal view returns (bytes32[] memory hashes) {
        bytes32 h = _b.blobHash;
        // Zero is "not posted": a posted batch's versioned hash starts with its version byte.
        // slither-disable-next-line incorrect-equality
        if (h == bytes32(0)) return new bytes32[](0);
        hashes = new bytes32[](1);
        hashes[0] = h;
    }

    function _checkIndex(uint64 _account) internal view {
        if (_account >> ACCOUNT_DEPTH != 0) revert Inbox_IndexOutOfRange(_account);
    }

    /// @dev Hashes `_message` as `_chunks` big-endian 31-byte chunks, zero-padded on the right,
    ///      with Poseidon of that many inputs, and folds it into the accumulator.
    function _enqueue(bytes memory _message, uint256 _chunks) internal {
        // Zero padding of one message to its chunks plus one spare byte for the last 32-byte read;
        // never hashed or compared as packed bytes.
        // slither-disable-next-line encode-packed-collision
        bytes memory padded = abi.encodePacked(_message, new bytes(31 * _chunks + 1 - _message.length));
        uint256[4] memory c;
        for (uint256 i; i < _chunks; ++i) {
            uint256 word;
            assembly ("memory-safe") {
                word := shr(8, mload(add(add(padded, 32), mul(i, 31))))
            }
            c[i] = word;
        }
        uint256 h = _chunks == 2 ? POSEIDON2.hash([c[0], c[1]]) : POSEIDON4.hash(c);
        uint64 index = uint64(queue.length);
        bytes32 acc = bytes32(POSEIDON2.hash([uint256(accAt(index)), h]));
        queue.push(Message({ acc: acc, enqueuedAt: uint64(block.timestamp), l1Block: uint64(block.number) }));
        emit MessageQueued(index, acc, _message);
    }

    function _overdue(uint64 _index) internal view returns (bool) {
        return block.timestamp >= queue[_index].enqueuedAt + FORCED_INCLUSION_DELAY_SECONDS;
    }
}
