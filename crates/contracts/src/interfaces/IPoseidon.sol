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
