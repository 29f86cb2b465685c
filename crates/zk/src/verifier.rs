//! The Solidity verifier of the ZK leg: how a verifying key and a proof are laid out for
//! `ZkVerifier.sol`, its deployment code, and a standalone Solidity source with the key compiled
//! in.
//!
//! Word layout (EIP-196, EIP-197; <https://eips.ethereum.org/EIPS/eip-197>): every word is a
//! 256-bit big-endian integer. A G1 point is `(x, y)` and the point at infinity `(0, 0)`. An Fp2
//! element `c0 + c1·i` is `(c1, c0)`, the imaginary coefficient first, so a G2 point is
//! `(x.c1, x.c0, y.c1, y.c0)` and infinity four zeros.
//!
//! The proof bytes `ZkVerifier.verify` takes ([`PROOF_BYTES`] = 416):
//!
//! ```text
//! A (2 words) ‖ B (4 words) ‖ C (2 words) ‖ versioned hash (32) ‖ y (32)
//!   ‖ KZG commitment (48) ‖ KZG proof (48)
//! ```
//!
//! `A` is encoded as the prover output it: the Solidity library negates it for the pairing check,
//! so proofs from other BN254 Groth16 provers plug into `Groth16.sol` unchanged.

use alloy_primitives::{B256, Bytes, U256, keccak256};
use alloy_sol_types::SolConstructor;
use ark_bn254::{Bn254, Fq, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_groth16::{Proof, VerifyingKey};
use tribunal_contracts::ZkVerifier;

/// Public inputs of Tribunal's circuit: the two of [`crate::public::public_inputs`].
pub const PUBLIC_INPUTS: usize = crate::public::PUBLIC_INPUTS;

/// Words of a verifying key as `ZkVerifier` takes it: alpha (2), beta, gamma, delta (4 each),
/// IC0, IC1 and IC2 (2 each).
pub const VERIFYING_KEY_WORDS: usize = 20;

/// Bytes of the Groth16 part of a proof: `A ‖ B ‖ C`, 8 words.
pub const GROTH16_PROOF_BYTES: usize = 8 * 32;

/// Bytes of a KZG commitment or proof: a compressed BLS12-381 G1 point (EIP-4844).
pub const KZG_POINT_BYTES: usize = 48;

/// Bytes of a proof as `ZkVerifier.verify` takes it.
pub const PROOF_BYTES: usize = GROTH16_PROOF_BYTES + 32 + 32 + 2 * KZG_POINT_BYTES;

/// Names of the Solidity constants (and `ZkVerifier` immutables) holding the key's words, in order.
pub const VERIFYING_KEY_WORD_NAMES: [&str; VERIFYING_KEY_WORDS] = [
    "ALPHA_X",
    "ALPHA_Y",
    "BETA_X_IM",
    "BETA_X_RE",
    "BETA_Y_IM",
    "BETA_Y_RE",
    "GAMMA_X_IM",
    "GAMMA_X_RE",
    "GAMMA_Y_IM",
    "GAMMA_Y_RE",
    "DELTA_X_IM",
    "DELTA_X_RE",
    "DELTA_Y_IM",
    "DELTA_Y_RE",
    "IC0_X",
    "IC0_Y",
    "IC1_X",
    "IC1_Y",
    "IC2_X",
    "IC2_Y",
];

/// Names a rendered contract may not take: what its source imports or declares.
const RESERVED_NAMES: [&str; 6] =
    ["ZkVerifierBase", "ZkClaimInput", "ZkVerifier", "Groth16", "IZkVerifier", "Claim"];

/// Why a verifying key or a contract name cannot be turned into a Solidity verifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifierError {
    /// The key is for a circuit with another number of public inputs than Tribunal's two.
    #[error("verifying key has {got} public inputs, the ZK verifier takes {expected}")]
    PublicInputCount {
        /// Public inputs of the key (`gamma_abc_g1.len() - 1`).
        got: usize,
        /// Public inputs `ZkVerifier` takes ([`PUBLIC_INPUTS`]).
        expected: usize,
    },
    /// The key has no IC points at all (`gamma_abc_g1` is empty), so it is no Groth16 key.
    #[error("verifying key has no IC points")]
    EmptyIc,
    /// The contract name is not a Solidity identifier, or clashes with an imported name.
    #[error("invalid contract name {0:?}: expected [A-Za-z_][A-Za-z0-9_]*, not an imported name")]
    InvalidContractName(String),
}

impl VerifierError {
    /// Whether the key, rather than the contract name, was refused.
    pub const fn is_bad_key(&self) -> bool {
        matches!(self, Self::PublicInputCount { .. } | Self::EmptyIc)
    }
}

/// A base field element as a word.
fn fq_word(x: &Fq) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A G1 point as `(x, y)`; infinity as `(0, 0)` (EIP-196).
fn g1_words(p: &G1Affine) -> [U256; 2] {
    p.xy().map_or([U256::ZERO; 2], |(x, y)| [fq_word(&x), fq_word(&y)])
}

/// A G2 point as `(x_im, x_re, y_im, y_re)`; infinity as four zeros (EIP-197).
fn g2_words(p: &G2Affine) -> [U256; 4] {
    p.xy().map_or([U256::ZERO; 4], |(x, y)| {
        [fq_word(&x.c1), fq_word(&x.c0), fq_word(&y.c1), fq_word(&y.c0)]
    })
}

/// The 20 words `ZkVerifier` takes for `vk`: alpha (x, y), beta, gamma, delta (each x_im, x_re,
/// y_im, y_re), IC0, IC1, IC2 (each x, y); named by [`VERIFYING_KEY_WORD_NAMES`].
///
/// # Errors
/// [`VerifierError::PublicInputCount`] when `vk` is not for exactly [`PUBLIC_INPUTS`] public inputs,
/// [`VerifierError::EmptyIc`] when it has no IC points.
pub fn verifying_key_words(
    vk: &VerifyingKey<Bn254>,
) -> Result<[U256; VERIFYING_KEY_WORDS], VerifierError> {
    let inputs = vk.gamma_abc_g1.len().checked_sub(1).ok_or(VerifierError::EmptyIc)?;
    if inputs != PUBLIC_INPUTS {
        return Err(VerifierError::PublicInputCount { got: inputs, expected: PUBLIC_INPUTS });
    }
    let mut words = [U256::ZERO; VERIFYING_KEY_WORDS];
    words[0..2].copy_from_slice(&g1_words(&vk.alpha_g1));
    words[2..6].copy_from_slice(&g2_words(&vk.beta_g2));
    words[6..10].copy_from_slice(&g2_words(&vk.gamma_g2));
    words[10..14].copy_from_slice(&g2_words(&vk.delta_g2));
    for (i, p) in vk.gamma_abc_g1.iter().enumerate() {
        words[14 + 2 * i..16 + 2 * i].copy_from_slice(&g1_words(p));
    }
    Ok(words)
}

/// `VERIFYING_KEY_HASH` of a `ZkVerifier` with these words: keccak256 of the 20 words, each 32
/// bytes big-endian (640 bytes).
pub fn verifying_key_hash(words: &[U256; VERIFYING_KEY_WORDS]) -> B256 {
    let bytes: Vec<u8> = words.iter().flat_map(U256::to_be_bytes::<32>).collect();
    keccak256(bytes)
}

/// The Groth16 part of a proof as 8 words: A (x, y), B (x_im, x_re, y_im, y_re), C (x, y).
///
/// `A` is not negated: `Groth16.sol` negates it, as the pairing check `e(−A, B)·e(α, β)·
/// e(vk_x, γ)·e(C, δ) = 1` needs.
pub fn groth16_words(proof: &Proof<Bn254>) -> [U256; 8] {
    let mut words = [U256::ZERO; 8];
    words[0..2].copy_from_slice(&g1_words(&proof.a));
    words[2..6].copy_from_slice(&g2_words(&proof.b));
    words[6..8].copy_from_slice(&g1_words(&proof.c));
    words
}

/// The 416 bytes `ZkVerifier.verify` takes: the Groth16 proof ([`groth16_words`], 256 bytes),
/// then the blob opening at the challenge point: the blob's versioned hash (32), `y` (32,
/// big-endian), the KZG commitment (48) and the KZG proof (48), as the EIP-4844
/// point-evaluation precompile reads them.
pub fn encode_proof(
    proof: &Proof<Bn254>,
    versioned_hash: B256,
    y: [u8; 32],
    commitment: [u8; KZG_POINT_BYTES],
    kzg_proof: [u8; KZG_POINT_BYTES],
) -> Bytes {
    let mut out = Vec::with_capacity(PROOF_BYTES);
    for w in groth16_words(proof) {
        out.extend_from_slice(&w.to_be_bytes::<32>());
    }
    out.extend_from_slice(versioned_hash.as_slice());
    out.extend_from_slice(&y);
    out.extend_from_slice(&commitment);
    out.extend_from_slice(&kzg_proof);
    debug_assert_eq!(out.len(), PROOF_BYTES);
    out.into()
}

/// Bytes before the Merkle path in `AggregatedZkVerifier`'s proof bytes.
pub const AGGREGATED_SEAL_PREFIX_BYTES: usize = 32 + 32 + 2 * KZG_POINT_BYTES;

/// The bytes `AggregatedZkVerifier.verify` takes, where the Groth16 proof was verified in a
/// `ProofAggregator` batch: the blob opening as in [`encode_proof`] (versioned hash, `y`, KZG
/// commitment, KZG proof: 160 bytes), then the Merkle path from the proof's leaf to the batch
/// root (32 bytes per sibling).
pub fn encode_aggregated_seal(
    versioned_hash: B256,
    y: [u8; 32],
    commitment: [u8; KZG_POINT_BYTES],
    kzg_proof: [u8; KZG_POINT_BYTES],
    merkle_path: &[B256],
) -> Bytes {
    let mut out = Vec::with_capacity(AGGREGATED_SEAL_PREFIX_BYTES + 32 * merkle_path.len());
    out.extend_from_slice(versioned_hash.as_slice());
    out.extend_from_slice(&y);
    out.extend_from_slice(&commitment);
    out.extend_from_slice(&kzg_proof);
    for s in merkle_path {
        out.extend_from_slice(s.as_slice());
    }
    out.into()
}

/// Creation code of a `ZkVerifier` for `vk`: the compiled artifact's init code followed by the
/// ABI-encoded constructor arguments `(uint256[20] verifyingKey, bool insecureDevSetup)`.
/// `insecure` marks a key from an insecure, deterministic setup (the devnet's).
///
/// # Errors
/// As [`verifying_key_words`].
pub fn deploy_code(vk: &VerifyingKey<Bn254>, insecure: bool) -> Result<Bytes, VerifierError> {
    let args = ZkVerifier::constructorCall {
        _verifyingKey: verifying_key_words(vk)?,
        _insecureDevSetup: insecure,
    }
    .abi_encode();
    Ok([ZkVerifier::BYTECODE.as_ref(), &args].concat().into())
}

/// Whether `name` is a plain Solidity identifier (ASCII letters, digits, `_`; no leading digit).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A standalone Solidity source of the ZK verifier for `vk`, named `contract_name`, with the key
/// as `uint256 constant`s: for operators who deploy from source, and for audits. It inherits
/// `ZkVerifierBase.sol` (which imports `Groth16.sol` and the interfaces), so it verifies exactly
/// as `ZkVerifier` deployed with [`deploy_code`]. Its constructor takes only
/// `bool insecureDevSetup`. Compile it with `crates/contracts/src` on the import path, solc
/// 0.8.37, evmVersion osaka.
///
/// # Errors
/// As [`verifying_key_words`]; [`VerifierError::InvalidContractName`] when `contract_name` is not
/// a Solidity identifier or is a name the source imports.
pub fn render_solidity(
    vk: &VerifyingKey<Bn254>,
    contract_name: &str,
) -> Result<String, VerifierError> {
    if !is_identifier(contract_name) || RESERVED_NAMES.contains(&contract_name) {
        return Err(VerifierError::InvalidContractName(contract_name.to_owned()));
    }
    let words = verifying_key_words(vk)?;
    let hash = verifying_key_hash(&words);
    let mut constants = String::new();
    for (name, word) in VERIFYING_KEY_WORD_NAMES.iter().zip(&words) {
        constants.push_str(&format!("    uint256 internal constant {name} = {word:#066x};\n"));
    }
    let list = VERIFYING_KEY_WORD_NAMES.join(",\n            ");
    Ok(format!(
        r#"// SPDX-License-Identifier: MIT
// Generated by tribunal_zk::verifier::render_solidity from a Groth16 (BN254) verifying key.
// Do not edit: regenerate it from the key.
pragma solidity 0.8.37;

import {{ ZkVerifierBase }} from "ZkVerifierBase.sol";

/// @title {contract_name}
/// @notice Tribunal's ZK verifier with its verifying key compiled in as constants. It verifies
///         exactly as `ZkVerifier` deployed with the same key (see `ZkVerifierBase`).
/// @dev Verifying key hash (keccak256 of the 20 words): {hash}.
contract {contract_name} is ZkVerifierBase {{
    /// @dev The verifying key's words (EIP-197 order for G2: imaginary coefficient first).
{constants}
    /// @param _insecureDevSetup Whether the key comes from an insecure dev setup.
    constructor(bool _insecureDevSetup) ZkVerifierBase(_verifyingKeyWords(), _insecureDevSetup) {{ }}

    /// @inheritdoc ZkVerifierBase
    function _verifyingKeyWords() internal pure override returns (uint256[20] memory) {{
        return [
            {list}
        ];
    }}
}}
"#
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::UniformRand;

    fn key(inputs: usize) -> VerifyingKey<Bn254> {
        let mut rng = ark_std::test_rng();
        VerifyingKey {
            alpha_g1: G1Affine::rand(&mut rng),
            beta_g2: G2Affine::rand(&mut rng),
            gamma_g2: G2Affine::rand(&mut rng),
            delta_g2: G2Affine::rand(&mut rng),
            gamma_abc_g1: (0..=inputs).map(|_| G1Affine::rand(&mut rng)).collect(),
        }
    }

    #[test]
    fn key_words_follow_eip197_order() {
        let vk = key(PUBLIC_INPUTS);
        let w = verifying_key_words(&vk).unwrap();
        let (x, y) = vk.beta_g2.xy().unwrap();
        assert_eq!(w[2], fq_word(&x.c1));
        assert_eq!(w[3], fq_word(&x.c0));
        assert_eq!(w[4], fq_word(&y.c1));
        assert_eq!(w[5], fq_word(&y.c0));
        assert_eq!(w[16..18], g1_words(&vk.gamma_abc_g1[1]));
        assert_eq!(w[18..20], g1_words(&vk.gamma_abc_g1[2]));
        assert_eq!(g1_words(&G1Affine::zero()), [U256::ZERO; 2]);
        assert_eq!(g2_words(&G2Affine::zero()), [U256::ZERO; 4]);
    }

    #[test]
    fn keys_for_other_input_counts_are_refused() {
        for n in [0, 1, 3, 5] {
            let err = verifying_key_words(&key(n)).unwrap_err();
            assert_eq!(err, VerifierError::PublicInputCount { got: n, expected: 2 });
            assert!(err.is_bad_key());
        }
        let mut empty = key(PUBLIC_INPUTS);
        empty.gamma_abc_g1.clear();
        assert_eq!(deploy_code(&empty, true).unwrap_err(), VerifierError::EmptyIc);
    }

    #[test]
    fn contract_names_must_be_identifiers() {
        let vk = key(PUBLIC_INPUTS);
        for bad in ["", "1Verifier", "My Verifier", "a-b", "Groth16", "ZkVerifierBase", "Ünï"] {
            let err = render_solidity(&vk, bad).unwrap_err();
            assert_eq!(err, VerifierError::InvalidContractName(bad.to_owned()));
            assert!(!err.is_bad_key());
        }
        let src = render_solidity(&vk, "TribunalZkVerifier_v2").unwrap();
        assert!(src.contains("contract TribunalZkVerifier_v2 is ZkVerifierBase"));
        let hash = verifying_key_hash(&verifying_key_words(&vk).unwrap());
        assert!(src.contains(&hash.to_string()));
    }

    #[test]
    fn deploy_code_is_init_code_then_two_arguments() {
        let vk = key(PUBLIC_INPUTS);
        let code = deploy_code(&vk, true).unwrap();
        let init = ZkVerifier::BYTECODE.len();
        assert_eq!(code.len(), init + 21 * 32);
        let words = verifying_key_words(&vk).unwrap();
        assert_eq!(&code[init..init + 32], &words[0].to_be_bytes::<32>());
        assert_eq!(code[code.len() - 1], 1);
    }
}
