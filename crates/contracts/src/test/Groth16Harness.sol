// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Groth16 } from "Groth16.sol";

/// @title Groth16Harness
/// @notice TEST FIXTURE, never deployed outside tests: exposes the `Groth16` library with any
///         verifying key and number of public inputs, and meters the gas of a view call.
contract Groth16Harness {
    /// @notice Runs `Groth16.verify` and meters it alone (no calldata decoding, no call overhead).
    /// @param _key alpha (2 words), beta, gamma, delta (4 words each), in the library's layout.
    /// @param _ic IC points, flattened (2 words each).
    /// @param _proof A (2), B (4), C (2).
    /// @param _input Public inputs.
    /// @return ok What `Groth16.verify` returned.
    /// @return gasUsed Gas spent inside it.
    function verify(
        uint256[14] calldata _key,
        uint256[] calldata _ic,
        uint256[8] calldata _proof,
        uint256[] calldata _input
    )
        external
        view
        returns (bool ok, uint256 gasUsed)
    {
        Groth16.VerifyingKey memory vk = Groth16.VerifyingKey({
            alpha: [_key[0], _key[1]],
            beta: [_key[2], _key[3], _key[4], _key[5]],
            gamma: [_key[6], _key[7], _key[8], _key[9]],
            delta: [_key[10], _key[11], _key[12], _key[13]],
            ic: _ic
        });
        Groth16.Proof memory proof = Groth16.Proof({
            a: [_proof[0], _proof[1]],
            b: [_proof[2], _proof[3], _proof[4], _proof[5]],
            c: [_proof[6], _proof[7]]
        });
        uint256[] memory input = _input;
        uint256 before = gasleft();
        ok = Groth16.verify(vk, proof, input);
        gasUsed = before - gasleft();
    }

    /// @notice `Groth16.isOnCurveG1`.
    /// @param _p The point.
    /// @return Whether it is on G1 (or infinity) and canonical.
    function isOnCurveG1(uint256[2] calldata _p) external pure returns (bool) {
        return Groth16.isOnCurveG1(_p);
    }

    /// @notice `Groth16.isOnCurveG2`.
    /// @param _p The point.
    /// @return Whether it is on the twist (or infinity) and canonical.
    function isOnCurveG2(uint256[4] calldata _p) external pure returns (bool) {
        return Groth16.isOnCurveG2(_p);
    }

    /// @notice Static-calls `_target` with `_data` and meters the call.
    /// @param _target The contract.
    /// @param _data Calldata.
    /// @return success Whether the call succeeded.
    /// @return result What it returned.
    /// @return gasUsed Gas spent by the call, the CALL's own cost included.
    function measure(
        address _target,
        bytes calldata _data
    )
        external
        view
        returns (bool success, bytes memory result, uint256 gasUsed)
    {
        uint256 before = gasleft();
        (success, result) = _target.staticcall(_data);
        gasUsed = before - gasleft();
    }
}
