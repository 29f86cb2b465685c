// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { BlobElement } from "interfaces/Types.sol";

/// @title BlobBatch
/// @notice How a posted blob holds a batch (docs/stf.md "Batches"; `tribunal_da::read_header` is
///         the same rule in Rust): the KZG check of one field element, and the header rule.
/// @dev Field element 0 is `length: uint64 ‖ 0^23` and element 1 the batch header
///      `version: uint8 ‖ chainId: uint64 ‖ number: uint64 ‖ count: uint32 ‖ 0^10`, each under a
///      zero top byte; records follow, four elements each. Internal functions only: it inlines
///      into `Inbox` and `DisputeGame`.
library BlobBatch {
    /// @notice Field elements per blob (EIP-4844).
    uint256 internal constant FIELD_ELEMENTS_PER_BLOB = 4096;
    /// @notice The BLS12-381 scalar field modulus.
    uint256 internal constant BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;
    /// @notice A primitive 4096th root of unity mod `BLS_MODULUS`: `7^((BLS_MODULUS-1)/4096)`
    ///         (consensus specs, `compute_roots_of_unity`).
    uint256 internal constant ROOT_OF_UNITY = 0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306;
    /// @notice The point-evaluation precompile (EIP-4844).
    address internal constant POINT_EVALUATION = address(0x0a);
    /// @notice Version byte of the batch encoding.
    uint256 internal constant BATCH_VERSION = 3;
    /// @notice The 31 payload bytes of a blob field element.
    uint256 internal constant PAYLOAD_MASK = (1 << 248) - 1;
    /// @notice Payload bytes per field element.
    uint256 internal constant CHUNK_BYTES = 31;
    /// @notice Bytes per record: four chunks.
    uint256 internal constant RECORD_BYTES = 124;
    /// @notice Most transactions a batch executes, L1 messages and records together: the ZK
    ///         circuit's slots (`tribunal_primitives::batch::MAX_BATCH_TXS`).
    uint256 internal constant MAX_BATCH_TXS = 32;

    /// @notice Whether `_e` is element `_element` (counted across `_hashes`, the batch's blobs)
    ///         of its blob: the point-evaluation precompile at `z = ω^bitrev(i)` for element `i`
    ///         (EIP-4844 evaluation form, bit-reversed order). False for an element past the blobs.
    function opens(bytes32[] memory _hashes, uint256 _element, BlobElement calldata _e) internal view returns (bool) {
        uint256 blob = _element / FIELD_ELEMENTS_PER_BLOB;
        if (blob >= _hashes.length || _e.commitment.length != 48 || _e.proof.length != 48) return false;
        uint256 z = rootOfUnity(bitReverse12(_element % FIELD_ELEMENTS_PER_BLOB));
        // Precompile input of fixed layout (both dynamic parts are 48 bytes, checked above), not a hash.
        // slither-disable-next-line encode-packed-collision
        (bool ok, bytes memory out) =
            POINT_EVALUATION.staticcall(abi.encodePacked(_hashes[blob], z, _e.value, _e.commitment, _e.proof));
        return ok && out.length == 64;
    }

    /// @notice The header rule: the record count when elements 0 and 1 (full values, top bytes
    ///         included) start batch `_number` of chain `_chainId` with at most
    ///         `MAX_BATCH_TXS − _messages` records within `_blobs` blobs.
    /// @return decodable Whether they do; otherwise the batch has no records.
    /// @return count The record count (0 when not decodable).
    function headerCount(
        uint256 _lengthWord,
        uint256 _chunk,
        uint64 _chainId,
        uint64 _number,
        uint256 _messages,
        uint256 _blobs
    )
        internal
        pure
        returns (bool decodable, uint256 count)
    {
        uint256 available = (_blobs * FIELD_ELEMENTS_PER_BLOB - 1) * CHUNK_BYTES;
        uint256 length = _lengthWord >> 184;
        count = (_chunk >> 80) & type(uint32).max;
        decodable = _lengthWord >> 248 == 0 && _lengthWord & ((1 << 184) - 1) == 0 && _chunk >> 248 == 0
            && _chunk & ((1 << 80) - 1) == 0 && (_chunk >> 240) == BATCH_VERSION
            && (_chunk >> 176) & type(uint64).max == _chainId && (_chunk >> 112) & type(uint64).max == _number
            && length == CHUNK_BYTES + RECORD_BYTES * count && length <= available && _messages + count <= MAX_BATCH_TXS;
        if (!decodable) count = 0;
    }

    /// @notice The header chunk of batch `_number` of chain `_chainId` with no records.
    function emptyHeader(uint64 _chainId, uint64 _number) internal pure returns (uint256) {
        return (BATCH_VERSION << 240) | (uint256(_chainId) << 176) | (uint256(_number) << 112);
    }

    /// @notice `_i` with its 12 bits reversed.
    function bitReverse12(uint256 _i) internal pure returns (uint256 r) {
        for (uint256 b; b < 12; ++b) {
            r = (r << 1) | ((_i >> b) & 1);
        }
    }

    /// @notice `ROOT_OF_UNITY^_e mod BLS_MODULUS` with the modexp precompile (EIP-198).
    function rootOfUnity(uint256 _e) internal view returns (uint256 z) {
        (bool ok, bytes memory out) =
            address(0x05).staticcall(abi.encodePacked(uint256(32), uint256(32), uint256(32), ROOT_OF_UNITY, _e, BLS_MODULUS));
        require(ok && out.length == 32);
        z = abi.decode(out, (uint256));
    }
}
