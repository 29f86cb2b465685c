// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { IUpgradeEvidence } from "interfaces/IUpgradeEvidence.sol";

/// @title MockLegRegistry
/// @notice TEST FIXTURE, never deployed outside tests: stands in for the finality contract until
///         it exists. It records the logic changes the council makes and lets a test set the
///         rule 5/6 evidence flags.
contract MockLegRegistry is IUpgradeEvidence {
    /// @notice Current ZK verifier.
    address public zkVerifier;
    /// @notice Current dispute-game implementation.
    address public opGame;
    /// @notice Allowed TEE measurements.
    mapping(bytes32 => bool) public measurementAllowed;
    /// @notice Only this address may change logic (the council).
    address public owner;
    mapping(uint8 => bool) internal instant;

    /// @notice The caller is not the owner.
    error Mock_NotOwner();

    /// @notice Sets the owner once.
    /// @param _owner The council.
    function setOwner(address _owner) external {
        if (owner != address(0)) revert Mock_NotOwner();
        owner = _owner;
    }

    /// @notice Replaces the ZK verifier (owner only).
    /// @param _verifier The new verifier.
    function setZkVerifier(address _verifier) external {
        if (msg.sender != owner) revert Mock_NotOwner();
        zkVerifier = _verifier;
    }

    /// @notice Replaces the dispute-game implementation (owner only).
    /// @param _game The new implementation.
    function setOpGame(address _game) external {
        if (msg.sender != owner) revert Mock_NotOwner();
        opGame = _game;
    }

    /// @notice Allows or disallows a TEE measurement (owner only).
    /// @param _measurement The measurement.
    /// @param _allowed Whether it is allowed.
    function setMeasurement(bytes32 _measurement, bool _allowed) external {
        if (msg.sender != owner) revert Mock_NotOwner();
        measurementAllowed[_measurement] = _allowed;
    }

    /// @notice Test control of the evidence flag.
    /// @param _leg The leg.
    /// @param _open Whether the instant path is open.
    function setInstantUpgradeAllowed(uint8 _leg, bool _open) external {
        instant[_leg] = _open;
    }

    /// @inheritdoc IUpgradeEvidence
    function instantUpgradeAllowed(uint8 _leg) external view returns (bool) {
        return instant[_leg];
    }
}
