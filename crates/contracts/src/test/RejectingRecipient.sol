// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice What the recipient calls on the inbox.
interface IOwedWithdrawals {
    /// @notice See `Inbox.withdrawOwed`.
    function withdrawOwed(address payable _recipient) external;
}

/// @title RejectingRecipient
/// @notice TEST FIXTURE, never deployed outside tests: an L1 withdrawal recipient that refuses
///         plain ETH transfers (as some contract wallets do) but can pull what it is owed to
///         another address.
contract RejectingRecipient {
    /// @notice Every plain transfer is refused.
    error Rejected();

    receive() external payable {
        revert Rejected();
    }

    /// @notice Pulls this contract's owed withdrawals from `_inbox` to `_to`.
    /// @param _inbox The inbox.
    /// @param _to Where the ETH goes.
    function pull(IOwedWithdrawals _inbox, address payable _to) external {
        _inbox.withdrawOwed(_to);
    }
}
