// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IUpgradeEvidence
/// @notice What the finality contract tells the security council about on-chain evidence.
interface IUpgradeEvidence {
    /// @notice Whether the council may change a leg's logic without the timelock: rule 5
    ///         self-disagreement evidence froze that leg, or a rule 6 liveness failure is recorded.
    /// @param _leg 0 = ZK, 1 = TEE, 2 = OP.
    /// @return Whether the instant upgrade is open.
    function instantUpgradeAllowed(uint8 _leg) external view returns (bool);
}
