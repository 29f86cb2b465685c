// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { IDisputeGame, GameStatus } from "interfaces/IDisputeGame.sol";

/// @notice What the fixture reads from and tells the finality contract.
interface IClaimCount {
    /// @notice Number of claims proposed.
    function claimCount() external view returns (uint256);
    /// @notice A game resolved for claim `_id`.
    function onGameResolved(uint256 _id) external;
}

/// @title TestDisputeGame
/// @notice TEST FIXTURE, never deployed outside tests: stands in for the bisection game until the
///         dispute issue provides it. Anyone may resolve a claim's game, once.
contract TestDisputeGame is IDisputeGame {
    /// @notice The finality contract whose claims the games are about.
    IClaimCount public immutable FINALITY;
    mapping(uint256 => GameStatus) internal statuses;

    /// @notice No such claim.
    error Game_UnknownClaim(uint256 claimId);
    /// @notice The game already resolved.
    error Game_AlreadyResolved(uint256 claimId);

    /// @param _finality The finality contract.
    constructor(IClaimCount _finality) {
        FINALITY = _finality;
    }

    /// @notice Resolves the game of `_claimId`.
    /// @param _claimId The claim.
    /// @param _forClaim Whether the defender won.
    function resolve(uint256 _claimId, bool _forClaim) external {
        if (_claimId >= FINALITY.claimCount()) revert Game_UnknownClaim(_claimId);
        if (statuses[_claimId] != GameStatus.IN_PROGRESS) revert Game_AlreadyResolved(_claimId);
        statuses[_claimId] = _forClaim ? GameStatus.DEFENDER_WINS : GameStatus.CHALLENGER_WINS;
        if (_forClaim) FINALITY.onGameResolved(_claimId);
    }

    /// @inheritdoc IDisputeGame
    function status(uint256 _claimId) external view returns (GameStatus) {
        return statuses[_claimId];
    }
}
