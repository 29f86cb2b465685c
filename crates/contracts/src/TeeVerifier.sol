// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { ITeeVerifier } from "interfaces/ITeeVerifier.sol";

/// @title TeeVerifier
/// @notice The TEE leg's logic: a registry of enclave signers, each bound to the measurement it
///         was attested with, and the check of their secp256k1 signatures over claim digests.
/// @dev The security council is the only writer, and its TEE changes take effect at once (rule 7).
///      A signer counts while it is registered, unrevoked, unexpired (`block.timestamp <
///      expiresAt`) and its measurement is allowed; all of it is checked at use, so a revocation
///      voids the signer's earlier approvals too.
///      Registration goes through `_register`, so a permissionless path (a DCAP quote verified on
///      chain with the P256VERIFY precompile of EIP-7951) can be added next to the council's; the
///      plan is in the `tribunal-tee` crate docs.
///
///      Trust model: `registerSigner`, `revokeSigner` and `setMeasurement` are the council's
///      alone, at zero delay (rule 7: the TEE is the council's to hot-fix, and it never finalizes
///      alone); `recover` and `isValidSigner` are views anyone may call.
contract TeeVerifier is ITeeVerifier {
    /// @notice What attested a signer.
    enum Kind {
        /// A software key with no hardware root of trust: INSECURE, development chains only.
        DevInsecure,
        /// An Intel SGX enclave (DCAP quote).
        Sgx,
        /// An Intel TDX trust domain (DCAP quote).
        Tdx
    }

    /// @notice A registered enclave signer.
    struct Signer {
        /// @dev Measurement (MRENCLAVE / MRTD digest) the signer's key was attested with.
        bytes32 measurement;
        /// @dev End of validity, in seconds.
        uint64 expiresAt;
        /// @dev Whether it was revoked.
        bool revoked;
        /// @dev What attested it.
        Kind kind;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.2.0
    string public constant version = "0.2.0";

    /// @dev secp256k1n / 2: higher `s` values are malleable (EIP-2).
    uint256 internal constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice The security council, the only writer.
    address public immutable COUNCIL;

    /// @notice Registered signers.
    mapping(address => Signer) public signers;
    /// @notice Allowed measurements.
    mapping(bytes32 => bool) public measurementAllowed;

    /// @notice A signer was registered (or re-registered). `evidenceHash` is keccak256 of the
    ///         quote (or dev attestation) it was registered on, for anyone to re-verify.
    event SignerRegistered(
        address indexed signer, bytes32 indexed measurement, uint64 expiresAt, Kind kind, bytes32 evidenceHash
    );
    /// @notice A signer was revoked.
    event SignerRevoked(address indexed signer);
    /// @notice A measurement was allowed or disallowed.
    event MeasurementSet(bytes32 indexed measurement, bool allowed);

    /// @notice Only the council may change the registry.
    error Tee_NotCouncil(address caller);

    /// @param _council The security council.
    constructor(address _council) {
        COUNCIL = _council;
    }

    modifier onlyCouncil() {
        if (msg.sender != COUNCIL) revert Tee_NotCouncil(msg.sender);
        _;
    }

    /// @notice Registers `_signer`, attested with `_measurement`, until `_expiresAt` (council, after
    ///         verifying the attestation off chain; 90 days by default).
    /// @param _signer The enclave's signing address, committed to by the quote's report data.
    /// @param _measurement The measurement its quote carried.
    /// @param _expiresAt End of validity, in seconds.
    /// @param _kind What attested it.
    /// @param _evidenceHash keccak256 of the quote or dev attestation.
    function registerSigner(
        address _signer,
        bytes32 _measurement,
        uint64 _expiresAt,
        Kind _kind,
        bytes32 _evidenceHash
    )
        external
        onlyCouncil
    {
        _register(_signer, _measurement, _expiresAt, _kind, _evidenceHash);
    }

    /// @notice Revokes `_signer` (a no-op for an unknown signer, which counts for nothing anyway).
    /// @param _signer The enclave's signing address.
    function revokeSigner(address _signer) external onlyCouncil {
        signers[_signer].revoked = true;
        emit SignerRevoked(_signer);
    }

    /// @notice Allows or disallows a measurement.
    /// @param _measurement The measurement.
    /// @param _allowed Whether signers attested with it count.
    function setMeasurement(bytes32 _measurement, bool _allowed) external onlyCouncil {
        measurementAllowed[_measurement] = _allowed;
        emit MeasurementSet(_measurement, _allowed);
    }

    /// @inheritdoc ITeeVerifier
    function recover(bytes32 _digest, bytes calldata _signature) external view returns (address signer, bool valid) {
        if (_signature.length != 65) return (address(0), false);
        bytes32 r = bytes32(_signature[0:32]);
        bytes32 s = bytes32(_signature[32:64]);
        uint8 v = uint8(_signature[64]);
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return (address(0), false);
        signer = ecrecover(_digest, v, r, s);
        valid = signer != address(0) && isValidSigner(signer);
    }

    /// @notice Whether `_signer` was attested by the insecure development backend.
    /// @param _signer The enclave signer.
    /// @return Whether it is registered with `Kind.DevInsecure`.
    function isInsecure(address _signer) external view returns (bool) {
        Signer storage s = signers[_signer];
        return s.expiresAt != 0 && s.kind == Kind.DevInsecure;
    }

    /// @dev The one place a signer enters the registry.
    function _register(address _signer, bytes32 _measurement, uint64 _expiresAt, Kind _kind, bytes32 _evidence)
        internal
    {
        signers[_signer] = Signer({ measurement: _measurement, expiresAt: _expiresAt, revoked: false, kind: _kind });
        emit SignerRegistered(_signer, _measurement, _expiresAt, _kind, _evidence);
    }

    /// @inheritdoc ITeeVerifier
    function isValidSigner(address _signer) public view returns (bool) {
        Signer storage s = signers[_signer];
        return s.expiresAt != 0 && !s.revoked && block.timestamp < s.expiresAt && measurementAllowed[s.measurement];
    }
}
