// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice A claim as the proof legs see it: what the proposer states, plus the batch context the
///         finality contract reads from the inbox (never from the proposer).
/// @dev Field elements (roots, commitments, queue accumulators) are BN254 scalars in bytes32.
struct Claim {
    /// @dev L2 chain id.
    uint64 l2ChainId;
    /// @dev The batch executed (from 1).
    uint64 batchNumber;
    /// @dev State root the batch starts from.
    bytes32 parentRoot;
    /// @dev State root after the batch.
    bytes32 postRoot;
    /// @dev Root of the batch's withdrawal tree.
    bytes32 withdrawalRoot;
    /// @dev Poseidon commitment to the batch bytes (the one the ZK circuit computes).
    bytes32 dataCommitment;
    /// @dev keccak256 of the batch's blob versioned hashes, concatenated in blob order.
    bytes32 blobsHash;
    /// @dev L1 message queue accumulator before the batch's L1 messages.
    bytes32 queueBefore;
    /// @dev L1 message queue accumulator after them.
    bytes32 queueAfter;
}

/// @notice One field element of a posted blob with its KZG opening, as the point-evaluation
///         precompile (EIP-4844) checks it.
struct BlobElement {
    /// @dev The element (a BLS12-381 scalar, big-endian).
    uint256 value;
    /// @dev The blob's 48-byte KZG commitment.
    bytes commitment;
    /// @dev The 48-byte KZG proof.
    bytes proof;
}
