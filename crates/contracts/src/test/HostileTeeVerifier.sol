// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { ITeeVerifier } from "interfaces/ITeeVerifier.sol";

/// @title HostileTeeVerifier
/// @notice TEST FIXTURE, never deployed outside tests: a TEE verifier a rogue council could
///         install at zero delay to stall finality. `isValidSigner` reverts (mode 0), burns all
///         the gas it is given (mode 1), or answers 32 bytes that are not a bool (mode 2);
///         `recover` accepts every signature.
contract HostileTeeVerifier is ITeeVerifier {
    /// @notice How `isValidSigner` misbehaves.
    uint8 public immutable MODE;

    /// @notice Mode 0's revert.
    error Hostile();

    /// @param _mode 0 revert, 1 burn gas, 2 garbage answer.
    constructor(uint8 _mode) {
        MODE = _mode;
    }

    /// @inheritdoc ITeeVerifier
    function recover(bytes32, bytes calldata) external view returns (address signer, bool valid) {
        return (address(this), true);
    }

    /// @inheritdoc ITeeVerifier
    function isValidSigner(address) external view returns (bool) {
        if (MODE == 0) revert Hostile();
        if (MODE == 1) {
            uint256 x;
            while (gasleft() > 0) x = uint256(keccak256(abi.encode(x)));
        }
        assembly ("memory-safe") {
            mstore(0, 7)
            return(0, 32)
        }
    }
}
