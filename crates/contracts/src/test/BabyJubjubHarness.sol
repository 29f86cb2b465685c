// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { BabyJubjub } from "BabyJubjub.sol";
import { IPoseidonT6, IPoseidonT7 } from "interfaces/IPoseidon.sol";

/// @title BabyJubjubHarness
/// @notice TEST FIXTURE, never deployed outside tests: exposes the `BabyJubjub` library, runs a
///         whole EdDSA-Poseidon check against a deployed Poseidon, and meters the gas of each.
contract BabyJubjubHarness {
    /// @notice `BabyJubjub.isOnCurve`.
    /// @param _x x-coordinate.
    /// @param _y y-coordinate.
    /// @return Whether the point is on the curve, with canonical coordinates.
    function isOnCurve(uint256 _x, uint256 _y) external pure returns (bool) {
        return BabyJubjub.isOnCurve(_x, _y);
    }

    /// @notice `BabyJubjub.isPublicKey`.
    /// @param _packed The packed key.
    /// @return Whether Rust's `PublicKey::from_bytes` accepts it.
    function isPublicKey(bytes32 _packed) external view returns (bool) {
        return BabyJubjub.isPublicKey(_packed);
    }

    /// @notice `BabyJubjub.pack`.
    /// @param _x x-coordinate.
    /// @param _y y-coordinate.
    /// @return The packed point.
    function pack(uint256 _x, uint256 _y) external pure returns (bytes32) {
        return BabyJubjub.pack(_x, _y);
    }

    /// @notice `BabyJubjub.unpack`, metered. Reverts with `BabyJubjub_BadHint` as it does.
    /// @param _packed The packed point.
    /// @param _xHint The x-coordinate hint.
    /// @return ok Whether the bytes are a canonical packed curve point.
    /// @return x x-coordinate.
    /// @return y y-coordinate.
    /// @return gasUsed Gas spent inside `BabyJubjub.unpack`.
    function unpack(bytes32 _packed, uint256 _xHint)
        external
        view
        returns (bool ok, uint256 x, uint256 y, uint256 gasUsed)
    {
        uint256 before = gasleft();
        (ok, x, y) = BabyJubjub.unpack(_packed, _xHint);
        gasUsed = before - gasleft();
    }

    /// @notice `BabyJubjub.unpackSignature`.
    /// @param _sig The packed signature (64 bytes).
    /// @param _r8xHint The x-coordinate hint for `R8`.
    /// @return ok Whether the signature is well formed.
    /// @return r8x x-coordinate of `R8`.
    /// @return r8y y-coordinate of `R8`.
    /// @return s The scalar `S`.
    function unpackSignature(bytes calldata _sig, uint256 _r8xHint)
        external
        view
        returns (bool ok, uint256 r8x, uint256 r8y, uint256 s)
    {
        return BabyJubjub.unpackSignature(_sig, _r8xHint);
    }

    /// @notice `BabyJubjub.verify`, metered.
    /// @param _ax x-coordinate of the public key.
    /// @param _ay y-coordinate of the public key.
    /// @param _r8x x-coordinate of `R8`.
    /// @param _r8y y-coordinate of `R8`.
    /// @param _s The scalar `S`.
    /// @param _hm The challenge.
    /// @return ok What `BabyJubjub.verify` returned.
    /// @return gasUsed Gas spent inside it.
    function verify(uint256 _ax, uint256 _ay, uint256 _r8x, uint256 _r8y, uint256 _s, uint256 _hm)
        external
        view
        returns (bool ok, uint256 gasUsed)
    {
        uint256 before = gasleft();
        ok = BabyJubjub.verify(_ax, _ay, _r8x, _r8y, _s, _hm);
        gasUsed = before - gasleft();
    }

    /// @notice The whole EdDSA-Poseidon check of a packed signature over a message, as Rust's
    ///         `Signature::from_bytes(sig).and_then(|s| pk.verify(msg, &s))`, metered.
    /// @param _poseidon5 A deployed `PoseidonT6` (5 inputs), for the challenge.
    /// @param _ax x-coordinate of the public key.
    /// @param _ay y-coordinate of the public key.
    /// @param _sig The packed signature (64 bytes).
    /// @param _r8xHint The x-coordinate hint for `R8`.
    /// @param _msg The message, a field element (a larger value is rejected).
    /// @return ok Whether the signature is valid.
    /// @return gasUsed Gas spent on parsing, the challenge hash and verification.
    function verifyMessage(
        IPoseidonT6 _poseidon5,
        uint256 _ax,
        uint256 _ay,
        bytes calldata _sig,
        uint256 _r8xHint,
        uint256 _msg
    )
        external
        view
        returns (bool ok, uint256 gasUsed)
    {
        uint256 before = gasleft();
        ok = _verifyMessage(_poseidon5, _ax, _ay, _sig, _r8xHint, _msg);
        gasUsed = before - gasleft();
    }

    /// @notice Hashes six inputs with a deployed `PoseidonT7`, metered.
    /// @param _poseidon6 A deployed `PoseidonT7` (6 inputs).
    /// @param _inputs The inputs.
    /// @return hash The hash.
    /// @return gasUsed Gas spent by the call, the CALL's own cost included.
    function poseidon6(IPoseidonT7 _poseidon6, uint256[6] calldata _inputs)
        external
        view
        returns (uint256 hash, uint256 gasUsed)
    {
        uint256[6] memory inputs = _inputs;
        uint256 before = gasleft();
        hash = _poseidon6.poseidon(inputs);
        gasUsed = before - gasleft();
    }

    /// @notice Parses `_sig`, hashes the challenge and verifies.
    /// @param _poseidon5 A deployed `PoseidonT6`.
    /// @param _ax x-coordinate of the public key.
    /// @param _ay y-coordinate of the public key.
    /// @param _sig The packed signature.
    /// @param _r8xHint The x-coordinate hint for `R8`.
    /// @param _msg The message.
    /// @return Whether the signature is valid.
    function _verifyMessage(
        IPoseidonT6 _poseidon5,
        uint256 _ax,
        uint256 _ay,
        bytes memory _sig,
        uint256 _r8xHint,
        uint256 _msg
    )
        private
        view
        returns (bool)
    {
        if (_msg >= BabyJubjub.FIELD_MODULUS) return false;
        (bool ok, uint256 r8x, uint256 r8y, uint256 s) = BabyJubjub.unpackSignature(_sig, _r8xHint);
        if (!ok) return false;
        uint256 hm = _poseidon5.hash([r8x, r8y, _ax, _ay, _msg]);
        return BabyJubjub.verify(_ax, _ay, r8x, r8y, s, hm);
    }
}
