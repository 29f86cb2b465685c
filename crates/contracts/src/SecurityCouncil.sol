// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { IUpgradeEvidence } from "interfaces/IUpgradeEvidence.sol";

/// @title SecurityCouncil
/// @notice An m-of-n multisig of EIP-712 signatures whose only powers are the calls it was
///         deployed with: TEE logic changes at zero delay, ZK verifier and dispute-game changes
///         behind a timelock (45 days by default) unless on-chain evidence opens the instant path.
///         A queued action can be cancelled by the council (`cancel`, zero delay) and expires
///         `EXPIRY_SECONDS` (14 days by default) after it matures, so a stale action queued
///         before an emergency replacement cannot reinstall a known-bad verifier later.
/// @dev The allowlist of (target, selector) pairs is fixed at deployment, so the council has no
///      path to finalize a root, revert one, or move bridge funds: such calls are refused.
///
///      Trust model (who may call, what it costs others):
///      - `submit`: anyone may relay, but only with `THRESHOLD` member signatures over the exact
///        call and the next nonce; an allowlisted TEE call runs at once (rule 7), a ZK or OP call
///        is queued behind the timelock unless the finality contract's evidence lifts it
///        (rules 5, 6).
///      - `execute`: anyone, for a queued call whose timelock ended and which has not expired.
///      - `cancel`: only through `submit` (the council itself), at zero delay.
contract SecurityCouncil {
    /// @notice How strictly the membership was checked at deployment.
    enum Mode {
        /// L2BEAT Stage 2: at least 8 members and a threshold of at least 75%.
        Stage2,
        /// Anything else; reported as such.
        Permissive
    }

    /// @notice A call waiting for its timelock.
    struct Queued {
        /// @dev keccak256(target, data).
        bytes32 callHash;
        /// @dev Earliest execution, in seconds.
        uint64 eta;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.1.0
    string public constant version = "0.1.0";

    /// @notice Leg ids, as in IUpgradeEvidence.
    uint8 public constant LEG_ZK = 0;
    /// @notice TEE leg id.
    uint8 public constant LEG_TEE = 1;
    /// @notice OP leg id.
    uint8 public constant LEG_OP = 2;
    /// @notice The council's own housekeeping (`cancel`): zero delay, it only removes power.
    uint8 public constant LEG_COUNCIL = 3;

    /// @notice EIP-712 type of an action.
    bytes32 public constant ACTION_TYPEHASH = keccak256("Action(address target,bytes data,uint256 nonce)");
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// @dev secp256k1n / 2: higher `s` values are malleable (EIP-2).
    uint256 internal constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice Signatures needed.
    uint256 public immutable THRESHOLD;
    /// @notice Deployment mode.
    Mode public immutable MODE;
    /// @notice Timelock on ZK and OP changes, in seconds.
    uint64 public immutable UPGRADE_DELAY_SECONDS;
    /// @notice How long a matured action stays executable, in seconds.
    uint64 public immutable EXPIRY_SECONDS;
    /// @notice Where rule 5 and rule 6 evidence is read.
    IUpgradeEvidence public immutable EVIDENCE;

    address[] internal members;
    mapping(address => bool) public isMember;
    /// @dev keccak256(target, selector) => 1 + leg; 0 means not allowed.
    mapping(bytes32 => uint8) internal allowed;
    /// @notice Next action nonce.
    uint256 public nonce;
    mapping(uint256 => Queued) internal queue;

    /// @notice An action was authorized by the threshold.
    event ActionSubmitted(uint256 indexed id, address indexed target, bytes data, uint8 leg, uint64 eta);
    /// @notice An action was executed.
    event ActionExecuted(uint256 indexed id, address indexed target, bool instant);
    /// @notice A queued action was cancelled.
    event ActionCancelled(uint256 indexed id);

    /// @notice Membership or threshold breaks the rules of the mode.
    error Council_BadConfig();
    /// @notice The call is not one the council may make.
    error Council_CallNotAllowed(address target, bytes4 selector);
    /// @notice Fewer valid signatures than the threshold.
    error Council_NotEnoughSignatures(uint256 valid, uint256 needed);
    /// @notice A signature is malformed, from a non-member, or out of order.
    error Council_BadSignature(uint256 index);
    /// @notice No such queued action, or different call data.
    error Council_UnknownAction(uint256 id);
    /// @notice The timelock has not expired and no evidence opens the instant path.
    error Council_Timelocked(uint256 id, uint64 eta);
    /// @notice The call reverted.
    error Council_CallFailed(bytes reason);
    /// @notice The action matured at `eta` and was not executed by `expiredAt`.
    error Council_Expired(uint256 id, uint64 expiredAt);
    /// @notice Only the council itself (through `submit`) may do this.
    error Council_OnlyCouncil(address caller);

    /// @param _members Council members.
    /// @param _threshold Signatures needed.
    /// @param _mode Stage2 enforces at least 8 members and a 75% threshold.
    /// @param _upgradeDelaySeconds Timelock on ZK and OP changes, in seconds.
    /// @param _expirySeconds How long a matured action stays executable, in seconds.
    /// @param _evidence The finality contract.
    /// @param _targets Callable targets, paired with `_selectors` and `_legs`.
    /// @param _selectors Callable functions.
    /// @param _legs The leg each call changes: TEE calls run at once, others are timelocked.
    constructor(
        address[] memory _members,
        uint256 _threshold,
        Mode _mode,
        uint64 _upgradeDelaySeconds,
        uint64 _expirySeconds,
        IUpgradeEvidence _evidence,
        address[] memory _targets,
        bytes4[] memory _selectors,
        uint8[] memory _legs
    ) {
        uint256 n = _members.length;
        if (_threshold == 0 || _threshold > n) revert Council_BadConfig();
        if (_mode == Mode.Stage2 && (n < 8 || 4 * _threshold < 3 * n)) revert Council_BadConfig();
        for (uint256 i; i < n; ++i) {
            address m = _members[i];
            if (m == address(0) || isMember[m]) revert Council_BadConfig();
            isMember[m] = true;
        }
        if (_targets.length != _selectors.length || _targets.length != _legs.length) revert Council_BadConfig();
        for (uint256 i; i < _targets.length; ++i) {
            if (_legs[i] > LEG_OP) revert Council_BadConfig();
            allowed[keccak256(abi.encode(_targets[i], _selectors[i]))] = _legs[i] + 1;
        }
        allowed[keccak256(abi.encode(address(this), SecurityCouncil.cancel.selector))] = LEG_COUNCIL + 1;
        members = _members;
        THRESHOLD = _threshold;
        MODE = _mode;
        UPGRADE_DELAY_SECONDS = _upgradeDelaySeconds;
        EXPIRY_SECONDS = _expirySeconds;
        EVIDENCE = _evidence;
    }

    /// @notice The members.
    /// @return The member addresses.
    function getMembers() external view returns (address[] memory) {
        return members;
    }

    /// @notice The EIP-712 digest members sign for an action.
    /// @param _target Callee.
    /// @param _data Call data.
    /// @param _nonce Action nonce.
    /// @return The digest.
    function actionDigest(address _target, bytes calldata _data, uint256 _nonce) public view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("TribunalSecurityCouncil"), keccak256("1"), block.chainid, address(this))
        );
        bytes32 structHash = keccak256(abi.encode(ACTION_TYPEHASH, _target, keccak256(_data), _nonce));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// @notice Authorizes an action with the members' signatures, sorted by signer address.
    ///         TEE calls, `cancel`, and calls whose leg the evidence opens, run at once; others
    ///         are queued.
    /// @param _target Callee.
    /// @param _data Call data.
    /// @param _signatures 65-byte `r ‖ s ‖ v` signatures over `actionDigest(_target, _data, nonce)`.
    /// @return id The action nonce.
    function submit(address _target, bytes calldata _data, bytes[] calldata _signatures) external returns (uint256 id) {
        uint8 leg = _legOf(_target, _data);
        id = nonce;
        _checkSignatures(actionDigest(_target, _data, id), _signatures);
        nonce = id + 1;
        if (leg == LEG_TEE || leg == LEG_COUNCIL || EVIDENCE.instantUpgradeAllowed(leg)) {
            emit ActionSubmitted(id, _target, _data, leg, uint64(block.timestamp));
            _call(_target, _data);
            emit ActionExecuted(id, _target, true);
        } else {
            uint64 eta = uint64(block.timestamp) + UPGRADE_DELAY_SECONDS;
            queue[id] = Queued({ callHash: keccak256(abi.encode(_target, _data)), eta: eta });
            emit ActionSubmitted(id, _target, _data, leg, eta);
        }
    }

    /// @notice Executes a queued action once its timelock expired and within `EXPIRY_SECONDS`
    ///         after, or earlier if evidence opens the instant path for its leg. Anyone may call
    ///         it.
    /// @param _id Action nonce.
    /// @param _target Callee, as submitted.
    /// @param _data Call data, as submitted.
    function execute(uint256 _id, address _target, bytes calldata _data) external {
        Queued memory q = queue[_id];
        // An eta of 0 is "not queued", never a reachable time.
        // slither-disable-next-line incorrect-equality
        if (q.eta == 0 || q.callHash != keccak256(abi.encode(_target, _data))) revert Council_UnknownAction(_id);
        bool instant = block.timestamp < q.eta;
        if (instant && !EVIDENCE.instantUpgradeAllowed(_legOf(_target, _data))) revert Council_Timelocked(_id, q.eta);
        if (block.timestamp > q.eta + EXPIRY_SECONDS) revert Council_Expired(_id, q.eta + EXPIRY_SECONDS);
        delete queue[_id];
        _call(_target, _data);
        emit ActionExecuted(_id, _target, instant);
    }

    /// @notice Cancels queued action `_id`. Only the council itself, through `submit` (zero
    ///         delay: cancelling only removes power).
    /// @param _id Action nonce.
    function cancel(uint256 _id) external {
        if (msg.sender != address(this)) revert Council_OnlyCouncil(msg.sender);
        // An eta of 0 is "not queued", never a reachable time.
        // slither-disable-next-line incorrect-equality
        if (queue[_id].eta == 0) revert Council_UnknownAction(_id);
        delete queue[_id];
        emit ActionCancelled(_id);
    }

    /// @notice When a queued action becomes executable (0 if none).
    /// @param _id Action nonce.
    /// @return Earliest execution, in seconds.
    function etaOf(uint256 _id) external view returns (uint64) {
        return queue[_id].eta;
    }

    function _legOf(address _target, bytes calldata _data) internal view returns (uint8) {
        bytes4 selector = _data.length >= 4 ? bytes4(_data[:4]) : bytes4(0);
        uint8 slot = allowed[keccak256(abi.encode(_target, selector))];
        if (slot == 0) revert Council_CallNotAllowed(_target, selector);
        return slot - 1;
    }

    function _checkSignatures(bytes32 _digest, bytes[] calldata _signatures) internal view {
        address last = address(0);
        for (uint256 i; i < _signatures.length; ++i) {
            bytes calldata sig = _signatures[i];
            if (sig.length != 65) revert Council_BadSignature(i);
            bytes32 r = bytes32(sig[0:32]);
            bytes32 s = bytes32(sig[32:64]);
            uint8 v = uint8(sig[64]);
            if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) revert Council_BadSignature(i);
            address signer = ecrecover(_digest, v, r, s);
            if (signer == address(0) || !isMember[signer] || signer <= last) revert Council_BadSignature(i);
            last = signer;
        }
        if (_signatures.length < THRESHOLD) revert Council_NotEnoughSignatures(_signatures.length, THRESHOLD);
    }

    function _call(address _target, bytes calldata _data) internal {
        (bool ok, bytes memory reason) = _target.call(_data);
        if (!ok) revert Council_CallFailed(reason);
    }
}
