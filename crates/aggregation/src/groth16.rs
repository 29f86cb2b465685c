//! Groth16 (BN254) keys and proofs in the EVM's word layout, the ids the contract derives from
//! them, and native verification with arkworks.
//!
//! The word layout is `Groth16.sol`'s (EIP-196/197): a G1 point is `(x, y)`, a G2 point is
//! `(x_im, x_re, y_im, y_re)` (imaginary coefficient first), the point at infinity is all zeros.
//! arkworks' `Fq2 { c0, c1 }` is `re = c0`, `im = c1`. Keys from snarkjs, gnark and arkworks
//! all map to it; gnark's Solidity export stores −β, −γ, −δ, which must be negated back first.

use alloy_primitives::{B256, U256, keccak256};
use alloy_sol_types::SolValue;
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{Groth16 as ArkGroth16, PreparedVerifyingKey};
use tribunal_contracts::Groth16;

/// A verifying key in the contract's layout (`Groth16.VerifyingKey`): α (2 words), β, γ, δ (4
/// words each), IC flattened (2 words per point, `n + 1` points for `n` public inputs).
pub type VerifyingKey = Groth16::VerifyingKey;

/// A proof in the contract's layout (`Groth16.Proof`): A (2 words, not negated), B (4), C (2).
pub type Proof = Groth16::Proof;

/// BN254 scalar field modulus r: public inputs are below it.
pub const SCALAR_MODULUS: U256 = U256::from_be_slice(&alloy_primitives::hex!(
    "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"
));

/// Why words are not a valid key, proof or input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// A coordinate is not below the base field modulus p.
    #[error("{what}: coordinate not below the BN254 base field modulus")]
    NotCanonical {
        /// Which point.
        what: &'static str,
    },
    /// A point is not on its curve, or (G2) not in the r-torsion subgroup.
    #[error("{what}: not a point of its group")]
    NotInGroup {
        /// Which point.
        what: &'static str,
    },
    /// The IC array is not 2·(n + 1) words with n ≥ 1.
    #[error("IC has {0} words: want 2·(n + 1) for n ≥ 1 public inputs")]
    BadIc(usize),
    /// The number of public inputs does not match the key.
    #[error("{got} public inputs for a key of {expected}")]
    InputCount {
        /// Inputs given.
        got: usize,
        /// Inputs the key has.
        expected: usize,
    },
    /// A public input is not below r.
    #[error("public input {0} is not below the BN254 scalar modulus")]
    InputNotInField(usize),
}

fn fq_word(x: &Fq) -> U256 {
    U256::from_be_slice(&x.into_bigint().to_bytes_be())
}

fn word_fq(w: U256, what: &'static str) -> Result<Fq, EncodingError> {
    Fq::from_bigint(ark_ff::BigInt(w.into_limbs())).ok_or(EncodingError::NotCanonical { what })
}

/// `(x, y)` of a G1 point; `(0, 0)` for infinity.
pub fn g1_words(p: &G1Affine) -> [U256; 2] {
    p.xy().map_or([U256::ZERO; 2], |(x, y)| [fq_word(&x), fq_word(&y)])
}

/// `(x_im, x_re, y_im, y_re)` of a G2 point; zeros for infinity.
pub fn g2_words(p: &G2Affine) -> [U256; 4] {
    p.xy().map_or([U256::ZERO; 4], |(x, y)| {
        [fq_word(&x.c1), fq_word(&x.c0), fq_word(&y.c1), fq_word(&y.c0)]
    })
}

/// The G1 point of `(x, y)`, checked canonical and on the curve.
///
/// # Errors
/// [`EncodingError::NotCanonical`], [`EncodingError::NotInGroup`].
pub fn g1_point(w: &[U256; 2], what: &'static str) -> Result<G1Affine, EncodingError> {
    let (x, y) = (word_fq(w[0], what)?, word_fq(w[1], what)?);
    if w[0].is_zero() && w[1].is_zero() {
        return Ok(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(EncodingError::NotInGroup { what });
    }
    Ok(p)
}

/// The G2 point of `(x_im, x_re, y_im, y_re)`, checked canonical, on the twist and in the
/// r-torsion subgroup (the pairing precompile checks the same).
///
/// # Errors
/// [`EncodingError::NotCanonical`], [`EncodingError::NotInGroup`].
pub fn g2_point(w: &[U256; 4], what: &'static str) -> Result<G2Affine, EncodingError> {
    let x = Fq2::new(word_fq(w[1], what)?, word_fq(w[0], what)?);
    let y = Fq2::new(word_fq(w[3], what)?, word_fq(w[2], what)?);
    if w.iter().all(U256::is_zero) {
        return Ok(G2Affine::identity());
    }
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(EncodingError::NotInGroup { what });
    }
    Ok(p)
}

/// The contract's layout of an arkworks key.
pub fn vk_words(vk: &ark_groth16::VerifyingKey<Bn254>) -> VerifyingKey {
    VerifyingKey {
        alpha: g1_words(&vk.alpha_g1),
        beta: g2_words(&vk.beta_g2),
        gamma: g2_words(&vk.gamma_g2),
        delta: g2_words(&vk.delta_g2),
        ic: vk.gamma_abc_g1.iter().flat_map(g1_words).collect(),
    }
}

/// The contract's layout of an arkworks proof.
pub fn proof_words(proof: &ark_groth16::Proof<Bn254>) -> Proof {
    Proof { a: g1_words(&proof.a), b: g2_words(&proof.b), c: g1_words(&proof.c) }
}

/// The arkworks key of contract words, every point checked (G2 points in the subgroup).
///
/// # Errors
/// [`EncodingError`] for a malformed point or an IC array not of 2·(n + 1) words, n ≥ 1.
pub fn vk_from_words(vk: &VerifyingKey) -> Result<ark_groth16::VerifyingKey<Bn254>, EncodingError> {
    if vk.ic.len() < 4 || !vk.ic.len().is_multiple_of(2) {
        return Err(EncodingError::BadIc(vk.ic.len()));
    }
    let gamma_abc_g1 = vk
        .ic
        .chunks_exact(2)
        .map(|c| g1_point(&[c[0], c[1]], "vk.ic"))
        .collect::<Result<_, _>>()?;
    Ok(ark_groth16::VerifyingKey {
        alpha_g1: g1_point(&vk.alpha, "vk.alpha")?,
        beta_g2: g2_point(&vk.beta, "vk.beta")?,
        gamma_g2: g2_point(&vk.gamma, "vk.gamma")?,
        delta_g2: g2_point(&vk.delta, "vk.delta")?,
        gamma_abc_g1,
    })
}

/// The arkworks proof of contract words, every point checked.
///
/// # Errors
/// [`EncodingError`] for a malformed point.
pub fn proof_from_words(p: &Proof) -> Result<ark_groth16::Proof<Bn254>, EncodingError> {
    Ok(ark_groth16::Proof {
        a: g1_point(&p.a, "proof.a")?,
        b: g2_point(&p.b, "proof.b")?,
        c: g1_point(&p.c, "proof.c")?,
    })
}

/// Number of public inputs of a key in contract words (IC points minus one).
pub fn public_input_count(vk: &VerifyingKey) -> usize {
    (vk.ic.len() / 2).saturating_sub(1)
}

/// `circuitId = keccak256(abi.encode(vk))`, as `ProofAggregator.registerVerifyingKey` returns it.
pub fn circuit_id(vk: &VerifyingKey) -> B256 {
    keccak256(vk.abi_encode())
}

/// `proofId = keccak256(circuitId ‖ inputs)`, each input a 32-byte big-endian word
/// (`IProofAggregator.proofId`).
pub fn proof_id(circuit_id: B256, inputs: &[U256]) -> B256 {
    let mut bytes = Vec::with_capacity(32 * (inputs.len() + 1));
    bytes.extend_from_slice(circuit_id.as_slice());
    for x in inputs {
        bytes.extend_from_slice(&x.to_be_bytes::<32>());
    }
    keccak256(bytes)
}

/// A registered key, checked and prepared once for native verification.
#[derive(Clone, Debug)]
pub struct Circuit {
    /// The key in contract words.
    pub words: VerifyingKey,
    /// Its id.
    pub id: B256,
    prepared: PreparedVerifyingKey<Bn254>,
}

impl Circuit {
    /// Checks and prepares `words`.
    ///
    /// # Errors
    /// As [`vk_from_words`].
    pub fn new(words: VerifyingKey) -> Result<Self, EncodingError> {
        let vk = vk_from_words(&words)?;
        Ok(Self {
            id: circuit_id(&words),
            prepared: ark_groth16::prepare_verifying_key(&vk),
            words,
        })
    }

    /// Number of public inputs.
    pub fn public_inputs(&self) -> usize {
        self.prepared.vk.gamma_abc_g1.len() - 1
    }

    /// Checks a proof's shape as `ProofAggregator` does before any pairing: the number of inputs,
    /// each below r, every point canonical and on its curve (and G2 in the subgroup).
    ///
    /// # Errors
    /// [`EncodingError`].
    pub fn check(
        &self,
        proof: &Proof,
        inputs: &[U256],
    ) -> Result<ark_groth16::Proof<Bn254>, EncodingError> {
        if inputs.len() != self.public_inputs() {
            return Err(EncodingError::InputCount {
                got: inputs.len(),
                expected: self.public_inputs(),
            });
        }
        if let Some(i) = inputs.iter().position(|x| *x >= SCALAR_MODULUS) {
            return Err(EncodingError::InputNotInField(i));
        }
        proof_from_words(proof)
    }

    /// Verifies one proof natively (ark-groth16): what the contract's batch check would say of it
    /// alone.
    ///
    /// # Errors
    /// [`EncodingError`] when the proof or inputs are malformed (the contract refuses those
    /// before pairing); `Ok(false)` when well-formed but invalid.
    pub fn verify(&self, proof: &Proof, inputs: &[U256]) -> Result<bool, EncodingError> {
        let proof = self.check(proof, inputs)?;
        let inputs: Vec<Fr> =
            inputs.iter().map(|x| Fr::from_be_bytes_mod_order(&x.to_be_bytes::<32>())).collect();
        Ok(ArkGroth16::<Bn254>::verify_proof(&self.prepared, &proof, &inputs).unwrap_or(false))
    }
}
