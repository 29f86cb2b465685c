// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";
import { IZkVerifier } from "interfaces/IZkVerifier.sol";
import { IProofAggregator } from "interfaces/IProofAggregator.sol";
import { ZkClaimInput } from "ZkClaimInput.sol";

/// @title AggregatedZkVerifier
/// @notice Tribunal's ZK leg settled through the proof aggregation layer: a claim is approved
///         when the Groth16 proof of its public inputs, under the rollup circuit registered in the
///         `ProofAggregator`, is in a verified batch. The finality contract sees the same
///         `IZkVerifier` as with `ZkVerifier`; only the proof bytes differ: the Groth16 proof is
///         replaced by a Merkle path to the batch root (RISC Zero's set-verifier idea).
/// @dev The public inputs and the blob binding are `ZkClaimInput`'s; the circuit has exactly two
///      public inputs.
///
///      Proof bytes (`SEAL_PREFIX_BYTES` + 32·k), packed:
///        [0, 32)       versionedHash of the batch's blob
///        [32, 64)      y, big-endian, below the BLS12-381 scalar modulus
///        [64, 112)     KZG commitment of the blob (48 bytes)
///        [112, 160)    KZG opening proof at z (48 bytes)
///        [160, …)      k sibling hashes, the Merkle path from the proof's leaf to a verified root
contract AggregatedZkVerifier is ZkClaimInput, IZkVerifier {
    /// @notice Semantic version.
    /// @custom:semver 0.1.0
    string public constant version = "0.1.0";

    /// @notice Bytes before the Merkle path: the blob opening (`OPENING_BYTES`).
    uint256 public constant SEAL_PREFIX_BYTES = OPENING_BYTES;

    /// @notice The aggregation layer.
    IProofAggregator public immutable AGGREGATOR;

    /// @notice The rollup circuit's id in `AGGREGATOR`.
    bytes32 public immutable CIRCUIT_ID;

    /// @notice The circuit is not registered with two public inputs.
    error AggregatedZkVerifier_BadCircuit(bytes32 circuitId);

    /// @param _aggregator The aggregation layer.
    /// @param _circuitId The rollup circuit's id there (registered, two public inputs).
    constructor(IProofAggregator _aggregator, bytes32 _circuitId) {
        if (_aggregator.publicInputCount(_circuitId) != 2) revert AggregatedZkVerifier_BadCircuit(_circuitId);
        AGGREGATOR = _aggregator;
        CIRCUIT_ID = _circuitId;
    }

    /// @inheritdoc IZkVerifier
    /// @dev Malformed bytes, a proof in no verified batch and a wrong blob opening return false.
    function verify(Claim calldata _claim, bool _nonCanonical, bytes calldata _proof) external view returns (bool) {
        if (_proof.length < SEAL_PREFIX_BYTES || (_proof.length - SEAL_PREFIX_BYTES) % 32 != 0) return false;
        bytes calldata opening = _proof[0:SEAL_PREFIX_BYTES];
        (bool ok, bytes32 z, uint256[] memory inputs) = _inputsOf(_claim, opening, _nonCanonical);
        if (!ok) return false;
        bytes32[] memory path = new bytes32[]((_proof.length - SEAL_PREFIX_BYTES) / 32);
        for (uint256 i = 0; i < path.length; i++) {
            path[i] = bytes32(_proof[SEAL_PREFIX_BYTES + 32 * i:SEAL_PREFIX_BYTES + 32 * i + 32]);
        }
        if (!AGGREGATOR.isProofVerified(CIRCUIT_ID, inputs, path)) return false;
        return _nonCanonical || _opens(opening, z);
    }
}
