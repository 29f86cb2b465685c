// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Inbox
/// @notice Records the L2 batches posted in blobs: each batch's number, its parent link and the
///         versioned hashes of its blobs, read with BLOBHASH (EIP-4844), never from calldata.
/// @dev Only the configured sequencer posts. Forced inclusion and the permissionless fallback
///      are not built yet.
contract Inbox {
    /// @notice A posted batch.
    struct Batch {
        /// @dev Versioned hashes of the batch's blobs, in blob order.
        bytes32[] blobHashes;
        /// @dev Timestamp of the L1 block that included the batch, in seconds.
        uint64 postedAt;
        /// @dev Account that posted it.
        address poster;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.1.0
    string public constant version = "0.1.0";

    /// @notice The only account allowed to post batches.
    address public immutable SEQUENCER;

    /// @notice The L2 chain id the batches belong to.
    uint64 public immutable L2_CHAIN_ID;

    /// @notice Number of the last posted batch (0 before the first; batches start at 1).
    uint64 public latestBatch;

    mapping(uint64 => Batch) internal batches;

    /// @notice Emitted when a batch is posted.
    /// @param batchNumber The batch's number.
    /// @param blobHashes Versioned hashes of its blobs.
    /// @param poster Account that posted it.
    event BatchPosted(uint64 indexed batchNumber, bytes32[] blobHashes, address indexed poster);

    /// @notice The caller is not the sequencer.
    error Inbox_NotSequencer(address caller);
    /// @notice The batch does not follow the latest one.
    error Inbox_NotNextBatch(uint64 expected, uint64 got);
    /// @notice The transaction carries no blobs.
    error Inbox_NoBlobs();

    /// @param _sequencer The account allowed to post batches.
    /// @param _l2ChainId The L2 chain id.
    constructor(address _sequencer, uint64 _l2ChainId) {
        SEQUENCER = _sequencer;
        L2_CHAIN_ID = _l2ChainId;
    }

    /// @notice Posts batch `_batchNumber`, whose data is in this transaction's blobs.
    /// @param _batchNumber Must be `latestBatch + 1`.
    function postBatch(uint64 _batchNumber) external {
        if (msg.sender != SEQUENCER) revert Inbox_NotSequencer(msg.sender);
        uint64 expected = latestBatch + 1;
        if (_batchNumber != expected) revert Inbox_NotNextBatch(expected, _batchNumber);
        uint256 count;
        while (blobhash(count) != bytes32(0)) ++count;
        if (count == 0) revert Inbox_NoBlobs();
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) hashes[i] = blobhash(i);
        batches[_batchNumber] = Batch({ blobHashes: hashes, postedAt: uint64(block.timestamp), poster: msg.sender });
        latestBatch = _batchNumber;
        emit BatchPosted(_batchNumber, hashes, msg.sender);
    }

    /// @notice The versioned hashes of a posted batch's blobs (empty if not posted).
    /// @param _batchNumber The batch.
    /// @return The versioned hashes, in blob order.
    function blobHashes(uint64 _batchNumber) external view returns (bytes32[] memory) {
        return batches[_batchNumber].blobHashes;
    }

    /// @notice When and by whom a batch was posted.
    /// @param _batchNumber The batch.
    /// @return postedAt Timestamp in seconds (0 if not posted).
    /// @return poster The posting account.
    function postedBy(uint64 _batchNumber) external view returns (uint64 postedAt, address poster) {
        Batch storage b = batches[_batchNumber];
        return (b.postedAt, b.poster);
    }
}
