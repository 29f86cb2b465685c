// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { ZkVerifierBase } from "ZkVerifierBase.sol";

/// @title ZkVerifier
/// @notice Tribunal's ZK verifier: a Groth16 (BN254) proof of the STF circuit, with two public
///         inputs binding the claim and its blob (see `ZkVerifierBase`). The verifying key is set
///         at deployment and kept in immutables, so one artifact serves every setup;
///         `VERIFYING_KEY_HASH` identifies the key and `INSECURE_DEV_SETUP` flags the devnet's.
/// @dev Deploy with `tribunal_zk::verifier::deploy_code`, which encodes the key's words from an
///      arkworks verifying key.
contract ZkVerifier is ZkVerifierBase {
    /// @dev The verifying key's words, in the order of `verifyingKey` (G2: imaginary first).
    uint256 internal immutable ALPHA_X;
    uint256 internal immutable ALPHA_Y;
    uint256 internal immutable BETA_X_IM;
    uint256 internal immutable BETA_X_RE;
    uint256 internal immutable BETA_Y_IM;
    uint256 internal immutable BETA_Y_RE;
    uint256 internal immutable GAMMA_X_IM;
    uint256 internal immutable GAMMA_X_RE;
    uint256 internal immutable GAMMA_Y_IM;
    uint256 internal immutable GAMMA_Y_RE;
    uint256 internal immutable DELTA_X_IM;
    uint256 internal immutable DELTA_X_RE;
    uint256 internal immutable DELTA_Y_IM;
    uint256 internal immutable DELTA_Y_RE;
    uint256 internal immutable IC0_X;
    uint256 internal immutable IC0_Y;
    uint256 internal immutable IC1_X;
    uint256 internal immutable IC1_Y;
    uint256 internal immutable IC2_X;
    uint256 internal immutable IC2_Y;

    /// @param _verifyingKey The key's 20 words: alpha (x, y), beta, gamma, delta (each x_im, x_re,
    ///        y_im, y_re), IC0, IC1, IC2 (each x, y); each below the BN254 base field modulus.
    /// @param _insecureDevSetup Whether the key comes from an insecure dev setup.
    constructor(
        uint256[20] memory _verifyingKey,
        bool _insecureDevSetup
    )
        ZkVerifierBase(_verifyingKey, _insecureDevSetup)
    {
        ALPHA_X = _verifyingKey[0];
        ALPHA_Y = _verifyingKey[1];
        BETA_X_IM = _verifyingKey[2];
        BETA_X_RE = _verifyingKey[3];
        BETA_Y_IM = _verifyingKey[4];
        BETA_Y_RE = _verifyingKey[5];
        GAMMA_X_IM = _verifyingKey[6];
        GAMMA_X_RE = _verifyingKey[7];
        GAMMA_Y_IM = _verifyingKey[8];
        GAMMA_Y_RE = _verifyingKey[9];
        DELTA_X_IM = _verifyingKey[10];
        DELTA_X_RE = _verifyingKey[11];
        DELTA_Y_IM = _verifyingKey[12];
        DELTA_Y_RE = _verifyingKey[13];
        IC0_X = _verifyingKey[14];
        IC0_Y = _verifyingKey[15];
        IC1_X = _verifyingKey[16];
        IC1_Y = _verifyingKey[17];
        IC2_X = _verifyingKey[18];
        IC2_Y = _verifyingKey[19];
    }

    /// @inheritdoc ZkVerifierBase
    function _verifyingKeyWords() internal view override returns (uint256[20] memory) {
        return [
            ALPHA_X,
            ALPHA_Y,
            BETA_X_IM,
            BETA_X_RE,
            BETA_Y_IM,
            BETA_Y_RE,
            GAMMA_X_IM,
            GAMMA_X_RE,
            GAMMA_Y_IM,
            GAMMA_Y_RE,
            DELTA_X_IM,
            DELTA_X_RE,
            DELTA_Y_IM,
            DELTA_Y_RE,
            IC0_X,
            IC0_Y,
            IC1_X,
            IC1_Y,
            IC2_X,
            IC2_Y
        ];
    }
}
