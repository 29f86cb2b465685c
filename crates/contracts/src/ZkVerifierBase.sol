// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { Claim } from "interfaces/Types.sol";
import { IZkVerifier } from "interfaces/IZkVerifier.sol";
import { Groth16 } from "Groth16.sol";
import { ZkClaimInput } from "ZkClaimInput.sol";

/// @title ZkVerifierBase
/// @notice Tribunal's ZK leg, all but where the verifying key is kept: binds a claim and its one
///         blob to the circuit's two public inputs, checks the blob opening with the EIP-4844
///         point-evaluation precompile, and verifies the Groth16 (BN254) proof. `ZkVerifier` keeps
///         the key in immutables; `tribunal_zk::verifier::render_solidity` emits a contract that
///         keeps it in constants.
/// @dev The public inputs and the blob binding are `ZkClaimInput`'s.
///
///      Proof bytes (`PROOF_BYTES` = 416), packed:
///        [0, 64)     A, G1 (x, y)
///        [64, 192)   B, G2 (x_im, x_re, y_im, y_re), EIP-197 order
///        [192, 256)  C, G1 (x, y)
///        [256, 288)  versionedHash of the batch's blob
///        [288, 320)  y, big-endian, below the BLS12-381 scalar modulus
///        [320, 368)  KZG commitment of the blob (48-byte compressed BLS12-381 G1)
///        [368, 416)  KZG opening proof at z (48 bytes)
abstract contract ZkVerifierBase is ZkClaimInput, IZkVerifier {
    /// @notice Semantic version.
    /// @custom:semver 0.1.0
    string public constant version = "0.1.0";

    /// @notice Length of a proof, in bytes: 256 of Groth16 proof, 32 + 32 + 48 + 48 of blob opening.
    uint256 public constant PROOF_BYTES = 416;

    /// @notice Words of a verifying key (alpha G1, beta/gamma/delta G2, IC0 to IC2 G1), in the
    ///         order `verifyingKey` returns them.
    uint256 public constant VERIFYING_KEY_WORDS = 20;

    /// @notice keccak256 of the verifying key's 20 words (each 32 bytes big-endian, 640 bytes).
    bytes32 public immutable VERIFYING_KEY_HASH;

    /// @notice True when the key comes from an insecure, deterministic setup (the devnet's): whoever
    ///         knows the seed can prove anything. Never accept such a verifier on a real network.
    bool public immutable INSECURE_DEV_SETUP;

    /// @notice The verifying key is malformed (a point off its curve or not canonical).
    /// @param keyHash keccak256 of the 20 words given.
    error ZkVerifier_InvalidVerifyingKey(bytes32 keyHash);

    /// @param _verifyingKey The key's 20 words, as `verifyingKey` returns them.
    /// @param _insecureDevSetup Whether the key comes from an insecure dev setup.
    constructor(uint256[20] memory _verifyingKey, bool _insecureDevSetup) {
        bytes32 keyHash = keccak256(abi.encode(_verifyingKey));
        if (!Groth16.isValidKey(_toKey(_verifyingKey))) revert ZkVerifier_InvalidVerifyingKey(keyHash);
        VERIFYING_KEY_HASH = keyHash;
        INSECURE_DEV_SETUP = _insecureDevSetup;
    }

    /// @inheritdoc IZkVerifier
    /// @dev `_proof` is `PROOF_BYTES` long (layout above); anything else returns false. The checks,
    ///      cheapest first: length, blobsHash, Groth16 (about 197,000 gas), then the blob opening
    ///      (50,000 gas, skipped for a blob not in canonical form). A wrong KZG proof or commitment makes the point-evaluation precompile
    ///      fail, which consumes the gas forwarded to it, and then returns false.
    function verify(Claim calldata _claim, bool _nonCanonical, bytes calldata _proof) external view returns (bool) {
        if (_proof.length != PROOF_BYTES) return false;
        bytes calldata opening = _proof[256:416];
        (bool ok, bytes32 z, uint256[] memory inputs) = _inputsOf(_claim, opening, _nonCanonical);
        if (!ok) return false;
        Groth16.Proof memory proof = abi.decode(_proof[0:256], (Groth16.Proof));
        if (!Groth16.verify(_toKey(_verifyingKeyWords()), proof, inputs)) return false;
        return _nonCanonical || _opens(opening, z);
    }

    /// @notice The verifying key: alpha (x, y), beta, gamma, delta (each x_im, x_re, y_im, y_re),
    ///         IC0, IC1, IC2 (each x, y). `VERIFYING_KEY_HASH` is keccak256 of their ABI encoding.
    /// @return The 20 words.
    function verifyingKey() external view returns (uint256[20] memory) {
        return _verifyingKeyWords();
    }

    /// @notice The verifying key's 20 words, in the order of `verifyingKey`.
    /// @return The words.
    function _verifyingKeyWords() internal view virtual returns (uint256[20] memory);

    /// @dev The key's words as a `Groth16.VerifyingKey` with three IC points.
    function _toKey(uint256[20] memory _w) internal pure returns (Groth16.VerifyingKey memory) {
        uint256[] memory ic = new uint256[](6);
        for (uint256 i = 0; i < 6; i++) {
            ic[i] = _w[14 + i];
        }
        return Groth16.VerifyingKey({
            alpha: [_w[0], _w[1]],
            beta: [_w[2], _w[3], _w[4], _w[5]],
            gamma: [_w[6], _w[7], _w[8], _w[9]],
            delta: [_w[10], _w[11], _w[12], _w[13]],
            ic: ic
        });
    }
}
