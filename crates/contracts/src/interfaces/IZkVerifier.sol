// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";

/// @title IZkVerifier
/// @notice The ZK leg: checks a validity proof of a claim.
interface IZkVerifier {
    /// @param _claim The claim, whose fields are the proof's public inputs.
    /// @param _nonCanonical `Inbox.nonCanonical` of the claim's batch: its blob carries no records.
    /// @param _proof The proof bytes, in the verifier's own encoding.
    /// @return Whether the proof verifies. Malformed proofs return false, never revert.
    function verify(Claim calldata _claim, bool _nonCanonical, bytes calldata _proof) external view returns (bool);
}
