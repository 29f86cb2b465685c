// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IProofAggregator
/// @notice What an application reads from the proof aggregation layer: whether a proof of a
///         registered circuit, for given public inputs, is in a verified batch. This interface
///         does not depend on how batches are verified (one pairing check over the batch today, a
///         recursive SNARK of the batch later), so applications never change when that does.
/// @dev Identifiers (all keccak256, integers as 32-byte big-endian words):
///        circuitId  = keccak256(abi.encode(verifyingKey))      see `ProofAggregator`
///        proofId    = keccak256(circuitId ‖ publicInputs[0] ‖ … ‖ publicInputs[n-1])
///        leaf       = keccak256(proofId)
///        root       = Merkle root over the leaves of a batch (or of a submission), pairs hashed
///                     sorted (OpenZeppelin `Hashes.commutativeKeccak256`), an odd last node
///                     carried up unchanged
///      Hashing the proof id once more makes a leaf a 32-byte preimage, so no inner node (a
///      64-byte preimage) can pass for a leaf.
interface IProofAggregator {
    /// @notice Whether the proof `(_circuitId, _publicInputs)` is in a verified batch or forced
    ///         submission, as shown by `_merkleProof`.
    /// @param _circuitId The circuit's id.
    /// @param _publicInputs The public inputs, each below the BN254 scalar modulus.
    /// @param _merkleProof Sibling hashes from the proof's leaf up to the root (empty for a batch
    ///        or submission of one proof), as the aggregator's RPC returns them.
    /// @return Whether the root it leads to was verified. False, never a revert, otherwise.
    function isProofVerified(
        bytes32 _circuitId,
        uint256[] calldata _publicInputs,
        bytes32[] calldata _merkleProof
    )
        external
        view
        returns (bool);

    /// @notice The id of the proof of `_publicInputs` under `_circuitId`.
    /// @param _circuitId The circuit's id.
    /// @param _publicInputs The public inputs.
    /// @return The proof id.
    function proofId(bytes32 _circuitId, uint256[] calldata _publicInputs) external pure returns (bytes32);

    /// @notice The number of public inputs of a registered circuit.
    /// @param _circuitId The circuit's id.
    /// @return Its number of public inputs; 0 when it is not registered (every key has at least
    ///         one public input).
    function publicInputCount(bytes32 _circuitId) external view returns (uint256);
}
