// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";

/// @title ZkClaimInput
/// @notice What the ZK leg's circuit takes as its two public inputs, and the check that the blob
///         it opens is the claim's blob. Shared by the verifiers that check the Groth16 proof
///         themselves (`ZkVerifierBase`) and the one that finds it in an aggregated batch
///         (`AggregatedZkVerifier`).
/// @dev The public inputs (mirror `tribunal_zk::public`; integers big-endian, 256-bit words):
///        d  = sha256(l2ChainId:uint64 ‖ batchNumber:uint64 ‖ parentRoot ‖ postRoot ‖ withdrawalRoot
///                    ‖ dataCommitment ‖ queueBefore ‖ queueAfter ‖ versionedHash ‖ nonCanonical:uint8)
///        z  = d mod 2^251              the blob challenge point
///        y  = p(z)                     the blob polynomial at z, from the proof, checked by 0x0a
///        pi = [z + 2^251·(y >> 253),   the two Groth16 public inputs, each below 2^253: z and all
///              y mod 2^253]            255 bits of y (y < r_BLS < 2^255), exactly
///      `nonCanonical` is `Inbox.nonCanonical` of the claim's batch, which the caller passes: with
///      1 the circuit proves a batch of no records, which reads nothing from the blob, so the
///      opening is not checked (docs/stf.md).
///      The ZK leg supports exactly one blob per batch, so `blobsHash` must be
///      keccak256(versionedHash).
abstract contract ZkClaimInput {
    /// @dev Keeps the low 253 bits: below both the BN254 and the BLS12-381 scalar moduli.
    uint256 internal constant MASK_253 = (1 << 253) - 1;

    /// @dev Keeps the low 251 bits: the challenge point's.
    uint256 internal constant MASK_251 = (1 << 251) - 1;

    /// @dev First word the point-evaluation precompile returns (EIP-4844), in field elements.
    uint256 internal constant FIELD_ELEMENTS_PER_BLOB = 4096;

    /// @dev Second word it returns: the BLS12-381 scalar modulus (EIP-4844).
    uint256 internal constant BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    /// @notice The claim digest, the blob challenge point and the Groth16 public inputs for a
    ///         claim whose blob has versioned hash `_versionedHash` and evaluates to `_y` there.
    /// @param _claim The claim (its `blobsHash` is not read).
    /// @param _versionedHash The blob's versioned hash.
    /// @param _y The blob polynomial's value at the challenge point, 32 bytes big-endian; a
    ///        BLS12-381 scalar (below 2^255). A larger value, which the point-evaluation
    ///        precompile refuses, gives a first input of 2^253 or more, which no proof verifies.
    /// @param _nonCanonical Whether the `Inbox` holds the blob as not in canonical form.
    /// @return digest d, a SHA-256 digest.
    /// @return challengePoint z = d mod 2^251.
    /// @return inputs [z + 2^251·(y >> 253), y mod 2^253].
    function publicInputs(
        Claim calldata _claim,
        bytes32 _versionedHash,
        bytes32 _y,
        bool _nonCanonical
    )
        public
        pure
        returns (bytes32 digest, bytes32 challengePoint, uint256[] memory inputs)
    {
        digest = sha256(
            abi.encodePacked(
                _claim.l2ChainId,
                _claim.batchNumber,
                _claim.parentRoot,
                _claim.postRoot,
                _claim.withdrawalRoot,
                _claim.dataCommitment,
                _claim.queueBefore,
                _claim.queueAfter,
                _versionedHash,
                _nonCanonical
            )
        );
        uint256 z = uint256(digest) & MASK_251;
        challengePoint = bytes32(z);
        inputs = new uint256[](2);
        inputs[0] = z | ((uint256(_y) >> 253) << 251);
        inputs[1] = uint256(_y) & MASK_253;
    }

    /// @dev Calls the point-evaluation precompile (0x0a, EIP-4844) with versionedHash ‖ z ‖ y ‖
    ///      commitment ‖ proof (192 bytes) and accepts only its success output
    ///      FIELD_ELEMENTS_PER_BLOB ‖ BLS_MODULUS (64 bytes).
    function _pointEvaluation(
        bytes32 _versionedHash,
        bytes32 _z,
        bytes32 _y,
        bytes calldata _commitmentAndProof
    )
        internal
        view
        returns (bool ok)
    {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, _versionedHash)
            mstore(add(m, 0x20), _z)
            mstore(add(m, 0x40), _y)
            calldatacopy(add(m, 0x60), _commitmentAndProof.offset, 0x60)
            let success := staticcall(gas(), 0x0a, m, 0xc0, m, 0x40)
            ok := and(and(success, eq(returndatasize(), 0x40)), eq(mload(m), FIELD_ELEMENTS_PER_BLOB))
            ok := and(ok, eq(mload(add(m, 0x20)), BLS_MODULUS))
        }
    }

    /// @notice Length of a blob opening in a proof's bytes: versionedHash (32) ‖ y (32) ‖ KZG
    ///         commitment (48) ‖ KZG proof at z (48).
    uint256 public constant OPENING_BYTES = 160;

    /// @dev The circuit's public inputs for `_claim` with the blob opening `_opening`
    ///      (`OPENING_BYTES` long), and the challenge point z; `ok` is false when the opening is
    ///      not of the claim's blob. The opening itself is checked by `_opens` (only when the blob
    ///      is canonical).
    function _inputsOf(
        Claim calldata _claim,
        bytes calldata _opening,
        bool _nonCanonical
    )
        internal
        pure
        returns (bool ok, bytes32 z, uint256[] memory inputs)
    {
        bytes32 versionedHash = bytes32(_opening[0:32]);
        if (keccak256(abi.encodePacked(versionedHash)) != _claim.blobsHash) return (false, z, inputs);
        (, z, inputs) = publicInputs(_claim, versionedHash, bytes32(_opening[32:64]), _nonCanonical);
        ok = true;
    }

    /// @dev Whether the blob opening `_opening` holds at `_z` (the point-evaluation precompile).
    function _opens(bytes calldata _opening, bytes32 _z) internal view returns (bool) {
        return _pointEvaluation(bytes32(_opening[0:32]), _z, bytes32(_opening[32:64]), _opening[64:160]);
    }
}
