// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice Where a claim's dispute game stands (OP Stack `GameStatus` naming).
enum GameStatus {
    /// @dev Not resolved.
    IN_PROGRESS,
    /// @dev Resolved for the claim: unchallenged through the window, or every challenge defeated.
    DEFENDER_WINS,
    /// @dev Resolved against the claim.
    CHALLENGER_WINS
}

/// @title IDisputeGame
/// @notice The OP leg as the finality contract reads it.
interface IDisputeGame {
    /// @param _claimId The finality contract's claim id.
    /// @return The game's status for that claim.
    function status(uint256 _claimId) external view returns (GameStatus);
}
