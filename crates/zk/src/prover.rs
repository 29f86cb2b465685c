//! Proving and verifying batches.

use alloy_primitives::{B256, Bytes, U256};
use ark_bn254::Bn254;
use ark_groth16::{Groth16, Proof};
use ark_snark::SNARK;
use ark_std::rand::{SeedableRng, rngs::StdRng};

use crate::{
    circuit::BatchCircuit,
    keys::Keys,
    progress::Progress,
    public::{claim_digest, public_input},
    verifier::{encode_aggregated_seal, encode_proof, groth16_words},
    witness::BatchWitness,
};

/// A proof could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The keys are for another circuit shape.
    #[error("keys are for {keys}, the witness for {witness}")]
    WrongKeys {
        /// The keys' shape.
        keys: String,
        /// The witness's shape.
        witness: String,
    },
    /// arkworks failed while proving.
    #[error("groth16 prover: {0}")]
    Prover(String),
    /// The witness does not satisfy the circuit: the batch's claim is not what the STF computes,
    /// or its data is not the blob. No proof exists for it.
    #[error("the witness does not satisfy the circuit (the claim or its blob is wrong)")]
    Unsatisfied,
}

/// A batch proof with everything `ZkVerifier.verify` reads.
#[derive(Clone, Debug)]
pub struct BatchProof {
    /// The Groth16 proof.
    pub proof: Proof<Bn254>,
    /// The witness's public parts: claim, blob opening, public input.
    pub witness: BatchWitness,
}

impl BatchProof {
    /// The `_proof` bytes of `IZkVerifier.verify` (`ZkVerifier`'s 416-byte layout).
    pub fn to_bytes(&self) -> Bytes {
        let w = &self.witness;
        encode_proof(&self.proof, w.versioned_hash, w.y, w.commitment, w.kzg_proof)
    }

    /// The circuit's one public input as a 32-byte big-endian word (below r), as
    /// `ZkClaimInput.publicInput` computes it from the claim and the blob opening.
    pub fn public_input_word(&self) -> U256 {
        let w = &self.witness;
        let pi = public_input(&claim_digest(&w.claim, &w.versioned_hash, w.non_canonical), &w.y);
        U256::from_limbs(ark_ff::PrimeField::into_bigint(pi).0)
    }

    /// The Groth16 proof as 8 EIP-197 words (see [`groth16_words`]).
    pub fn groth16_words(&self) -> [U256; 8] {
        groth16_words(&self.proof)
    }

    /// The `_proof` bytes of `AggregatedZkVerifier.verify`: the blob opening, then `merkle_path`
    /// from this proof's leaf to a verified `ProofAggregator` batch root.
    pub fn aggregated_seal(&self, merkle_path: &[B256]) -> Bytes {
        let w = &self.witness;
        encode_aggregated_seal(w.versioned_hash, w.y, w.commitment, w.kzg_proof, merkle_path)
    }
}

/// Proves `witness` under `keys`, then checks the proof natively.
///
/// Seconds to minutes; a spinner shows progress on a terminal.
///
/// # Errors
/// [`ProveError::WrongKeys`], [`ProveError::Prover`], or [`ProveError::Unsatisfied`] when the
/// witness is not a valid execution (the proof would not verify).
pub fn prove(keys: &Keys, witness: BatchWitness) -> Result<BatchProof, ProveError> {
    if witness.config != keys.config || witness.slots.len() != keys.config.batch_size {
        return Err(ProveError::WrongKeys {
            keys: keys.config.key_id(),
            witness: witness.config.key_id(),
        });
    }
    let progress = Progress::start(format!(
        "proving batch {} ({})",
        witness.claim.batch_number.0,
        keys.config.key_id()
    ));
    let circuit = BatchCircuit { config: keys.config, witness: Some(witness.clone()) };
    let mut rng = StdRng::from_entropy();
    let proof = Groth16::<Bn254>::prove(&keys.pk, circuit, &mut rng)
        .map_err(|e| ProveError::Prover(e.to_string()))?;
    progress.finish();
    if !verify(keys, &witness, &proof) {
        return Err(ProveError::Unsatisfied);
    }
    Ok(BatchProof { proof, witness })
}

/// Verifies `proof` for `witness`'s public input, natively.
pub fn verify(keys: &Keys, witness: &BatchWitness, proof: &Proof<Bn254>) -> bool {
    Groth16::<Bn254>::verify_with_processed_vk(&keys.pvk, &witness.public_inputs(), proof)
        .unwrap_or(false)
}
