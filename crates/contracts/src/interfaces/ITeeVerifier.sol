// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ITeeVerifier
/// @notice The TEE leg: who signed a claim digest, and whether that enclave signer counts now.
interface ITeeVerifier {
    /// @notice Recovers the signer of `_digest` and says whether it is a valid TEE signer now.
    /// @param _digest EIP-712 digest of the claim.
    /// @param _signature 65-byte `r ‖ s ‖ v` secp256k1 signature (low s, EIP-2).
    /// @return signer The recovered signer (zero when the signature is malformed).
    /// @return valid Whether the signer is registered, unexpired, unrevoked, with an allowed
    ///         measurement.
    function recover(bytes32 _digest, bytes calldata _signature) external view returns (address signer, bool valid);

    /// @notice Whether `_signer` is a valid TEE signer now (see `recover`).
    /// @param _signer The enclave signer.
    /// @return Whether it counts.
    function isValidSigner(address _signer) external view returns (bool);
}
