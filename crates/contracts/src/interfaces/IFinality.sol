// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IFinality
/// @notice What the inbox's bridge asks the finality contract (rule 8).
interface IFinality {
    /// @param _batchNumber The batch.
    /// @return isFinal Whether the batch has a final claim.
    /// @return withdrawalRoot That claim's withdrawal root (zero when not final).
    function finalWithdrawalRoot(uint64 _batchNumber) external view returns (bool isFinal, bytes32 withdrawalRoot);
}
