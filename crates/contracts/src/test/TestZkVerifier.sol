// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";
import { IZkVerifier } from "interfaces/IZkVerifier.sol";

/// @title TestZkVerifier
/// @notice TEST FIXTURE, never deployed outside tests: stands in for the Groth16 verifier until
///         the ZK issue provides it. A "proof" is `keccak256(abi.encode(claim))`, so a test can
///         make valid and invalid proofs of any claim.
contract TestZkVerifier is IZkVerifier {
    /// @inheritdoc IZkVerifier
    function verify(Claim calldata _claim, bool, bytes calldata _proof) external pure returns (bool) {
        return _proof.length == 32 && bytes32(_proof) == keccak256(abi.encode(_claim));
    }
}
