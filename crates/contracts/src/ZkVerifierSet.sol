// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";
import { IZkVerifier } from "interfaces/IZkVerifier.sol";

/// @title ZkVerifierSet
/// @notice Tribunal's ZK leg over several circuit sizes. Each member verifies the same statement
///         (a claim and its blob, `ZkClaimInput`'s public inputs) for a circuit with a
///         different number of transaction slots, so a prover proves each batch with the smallest
///         circuit that fits it, and proving time follows the batch instead of the largest size.
/// @dev Proof bytes: one byte, the member's index, then that member's own proof bytes.
///
///      Trust model: the members are fixed at deployment (immutables); changing them means a new
///      set, installed through the council's timelock like any ZK verifier. Each member must be a
///      sound verifier of the same statement: a proof any member accepts proves the claim, so the
///      set is as sound as its weakest member. The prover's choice of member cannot change what is
///      proven, only how fast it was proven.
contract ZkVerifierSet is IZkVerifier {
    /// @notice Semantic version.
    /// @custom:semver 0.1.0
    string public constant version = "0.1.0";

    /// @notice The most members a set holds (circuit sizes of 1 to 32 slots, such as 8, 20, 32).
    uint256 public constant MAX_MEMBERS = 6;

    /// @notice How many members this set holds, between 1 and `MAX_MEMBERS`.
    uint256 public immutable MEMBER_COUNT;

    IZkVerifier internal immutable MEMBER_0;
    IZkVerifier internal immutable MEMBER_1;
    IZkVerifier internal immutable MEMBER_2;
    IZkVerifier internal immutable MEMBER_3;
    IZkVerifier internal immutable MEMBER_4;
    IZkVerifier internal immutable MEMBER_5;

    /// @notice No members, or more than `MAX_MEMBERS`.
    error ZkVerifierSet_BadMemberCount(uint256 count);
    /// @notice A member has no code: every call to it would revert.
    error ZkVerifierSet_NotAContract(address member);

    /// @param _members The member verifiers, in index order (by convention smallest circuit first).
    constructor(IZkVerifier[] memory _members) {
        uint256 n = _members.length;
        if (n == 0 || n > MAX_MEMBERS) revert ZkVerifierSet_BadMemberCount(n);
        for (uint256 i = 0; i < n; i++) {
            if (address(_members[i]).code.length == 0) revert ZkVerifierSet_NotAContract(address(_members[i]));
        }
        MEMBER_COUNT = n;
        IZkVerifier none = IZkVerifier(address(0));
        MEMBER_0 = _members[0];
        MEMBER_1 = n > 1 ? _members[1] : none;
        MEMBER_2 = n > 2 ? _members[2] : none;
        MEMBER_3 = n > 3 ? _members[3] : none;
        MEMBER_4 = n > 4 ? _members[4] : none;
        MEMBER_5 = n > 5 ? _members[5] : none;
    }

    /// @inheritdoc IZkVerifier
    /// @dev Empty bytes or an index at or past `MEMBER_COUNT` return false; otherwise the member's
    ///      answer on the rest of the bytes (about 4,700 gas over calling the member directly).
    function verify(Claim calldata _claim, bool _nonCanonical, bytes calldata _proof) external view returns (bool) {
        if (_proof.length == 0) return false;
        uint256 index = uint8(_proof[0]);
        if (index >= MEMBER_COUNT) return false;
        return _member(index).verify(_claim, _nonCanonical, _proof[1:]);
    }

    /// @notice The member verifiers, in index order.
    /// @return members_ `MEMBER_COUNT` addresses.
    function members() external view returns (IZkVerifier[] memory members_) {
        members_ = new IZkVerifier[](MEMBER_COUNT);
        for (uint256 i = 0; i < MEMBER_COUNT; i++) {
            members_[i] = _member(i);
        }
    }

    function _member(uint256 _index) internal view returns (IZkVerifier) {
        if (_index == 0) return MEMBER_0;
        if (_index == 1) return MEMBER_1;
        if (_index == 2) return MEMBER_2;
        if (_index == 3) return MEMBER_3;
        if (_index == 4) return MEMBER_4;
        return MEMBER_5;
    }
}
