// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IPoseidonT3
/// @notice circomlib Poseidon of 2 inputs on BN254, as deployed from the npm package
///         `poseidon-solidity` (its `PoseidonT3` library, called directly).
interface IPoseidonT3 {
    /// @param _inputs Two field elements, each below the BN254 scalar field modulus.
    /// @return The hash, a field element.
    function hash(uint256[2] memory _inputs) external pure returns (uint256);
}

/// @title IPoseidonT5
/// @notice circomlib Poseidon of 4 inputs on BN254 (`poseidon-solidity`'s `PoseidonT5`).
interface IPoseidonT5 {
    /// @param _inputs Four field elements, each below the BN254 scalar field modulus.
    /// @return The hash, a field element.
    function hash(uint256[4] memory _inputs) external pure returns (uint256);
}

/// @title IPoseidonT6
/// @notice circomlib Poseidon of 5 inputs on BN254 (`poseidon-solidity`'s `PoseidonT6`), the
///         EdDSA-Poseidon challenge `Poseidon(R8.x, R8.y, A.x, A.y, msg)`.
interface IPoseidonT6 {
    /// @param _inputs Five field elements, each below the BN254 scalar field modulus.
    /// @return The hash, a field element.
    function hash(uint256[5] memory _inputs) external pure returns (uint256);
}

/// @title IPoseidonT7
/// @notice circomlib Poseidon of 6 inputs on BN254, as raw EVM code from circomlibjs'
///         `poseidonContract.createCode(6)` (artifact `PoseidonT7.json`, written by
///         `testing/vectors/generate.mjs`). Its other overload, `poseidon(bytes32[6])`, computes
///         the same hash.
interface IPoseidonT7 {
    /// @param _inputs Six field elements, each below the BN254 scalar field modulus.
    /// @return The hash, a field element.
    function poseidon(uint256[6] memory _inputs) external pure returns (uint256);
}
