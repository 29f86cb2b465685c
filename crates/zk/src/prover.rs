//! Proving and verifying batches.

use std::sync::Arc;

use alloy_primitives::{B256, Bytes, U256};
use ark_bn254::{Bn254, Fr};
use ark_ff::Zero;
use ark_groth16::{Groth16, Proof};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, R1CS_PREDICATE_LABEL,
    SynthesisMode,
};
use ark_snark::SNARK;

use crate::{
    circuit::BatchCircuit,
    config::CircuitConfig,
    keys::Keys,
    progress::Progress,
    public::{claim_digest, public_inputs},
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
    /// The witness's public parts: claim, blob opening, public inputs.
    pub witness: BatchWitness,
}

impl BatchProof {
    /// The `_proof` bytes of `IZkVerifier.verify` (`ZkVerifier`'s 416-byte layout).
    pub fn to_bytes(&self) -> Bytes {
        let w = &self.witness;
        encode_proof(&self.proof, w.versioned_hash, w.y, w.commitment, w.kzg_proof)
    }

    /// The circuit's two public inputs as 32-byte big-endian words (each below 2^253), as
    /// `ZkClaimInput.publicInputs` computes them from the claim and the blob opening, and as the
    /// aggregation layer takes them.
    pub fn public_input_words(&self) -> Vec<U256> {
        let w = &self.witness;
        let digest = claim_digest(&w.claim, &w.versioned_hash, w.non_canonical);
        public_inputs(&digest, &w.y)
            .iter()
            .map(|x| U256::from_limbs(ark_ff::PrimeField::into_bigint(*x).0))
            .collect()
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

/// A circuit's R1CS: its matrices A, B and C (one row per constraint), and its variable counts.
/// It depends only on the circuit's configuration, never on a witness. Built by [`prepare`].
pub struct R1csShape {
    matrices: Vec<Matrix<Fr>>,
    /// Instance variables, the constant 1 included.
    instance: usize,
    witness: usize,
    constraints: usize,
    /// The circuit it was built for.
    config: CircuitConfig,
}

impl std::fmt::Debug for R1csShape {
    /// The counts only: the matrices hold millions of entries.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("R1csShape")
            .field("constraints", &self.constraints)
            .field("instance", &self.instance)
            .field("witness", &self.witness)
            .finish_non_exhaustive()
    }
}

impl R1csShape {
    /// Synthesizes `keys`' circuit without a witness, as Groth16's setup does (same optimization
    /// goal, so the same inlining and the same matrices as the proving key's).
    fn of(keys: &Keys) -> Result<Self, String> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        BatchCircuit { config: keys.config, witness: None }
            .generate_constraints(cs.clone())
            .map_err(|e| e.to_string())?;
        cs.finalize();
        let mut matrices = cs.to_matrices().map_err(|e| e.to_string())?;
        let matrices = matrices.remove(R1CS_PREDICATE_LABEL).ok_or("no R1CS predicate")?;
        Ok(Self {
            matrices,
            instance: cs.num_instance_variables(),
            witness: cs.num_witness_variables(),
            constraints: cs.num_constraints(),
            config: keys.config,
        })
    }
}

/// Builds the R1CS matrices [`prove`] needs for `keys`' circuit, if no proof built them yet,
/// and keeps them with `keys` (and its clones) for as long as they live: a few seconds, and
/// 0.3 – 1.5 GiB, for 8 to 32 slots at depth 32 (BENCHMARKS.md).
///
/// # Errors
/// [`ProveError::Prover`] when the circuit cannot be synthesized (an invalid configuration), or
/// when the matrices kept are another circuit's (`keys.config` changed after they were built).
pub fn prepare(keys: &Keys) -> Result<Arc<R1csShape>, ProveError> {
    let shape = keys
        .shape
        .get_or_init(|| R1csShape::of(keys).map(Arc::new))
        .clone()
        .map_err(ProveError::Prover)?;
    if shape.config != keys.config {
        return Err(ProveError::Prover(format!(
            "R1CS matrices of {} kept with keys for {}",
            shape.config.key_id(),
            keys.config.key_id()
        )));
    }
    Ok(shape)
}

/// Whether `witness` satisfies `config`'s circuit, checked on the full constraint system: slow,
/// for telling a wrong witness from keys that are not this circuit's after a proof failed.
fn satisfied(config: CircuitConfig, witness: BatchWitness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    BatchCircuit { config, witness: Some(witness) }.generate_constraints(cs.clone()).is_ok()
        && cs.is_satisfied().unwrap_or(false)
}

/// The full assignment `[1, public inputs…, witness variables…]` of `witness` in `keys`'
/// circuit: the circuit synthesized in proving mode, which computes every variable's value and
/// builds no matrix. One proof's share of [`prove`] that runs on one core.
///
/// # Errors
/// [`ProveError::Prover`] when synthesis fails, or when the circuit under this witness has
/// another number of variables than `shape` (the keys' matrices).
pub fn synthesize(keys: &Keys, witness: &BatchWitness) -> Result<Vec<Fr>, ProveError> {
    assign(keys, &*prepare(keys)?, witness)
}

fn assign(keys: &Keys, shape: &R1csShape, witness: &BatchWitness) -> Result<Vec<Fr>, ProveError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
    BatchCircuit { config: keys.config, witness: Some(witness.clone()) }
        .generate_constraints(cs.clone())
        .map_err(|e| ProveError::Prover(e.to_string()))?;
    let prover = cs.borrow().ok_or_else(|| ProveError::Prover("no constraint system".into()))?;
    let (instance, aux) = (
        prover.instance_assignment().map_err(|e| ProveError::Prover(e.to_string()))?,
        prover.witness_assignment().map_err(|e| ProveError::Prover(e.to_string()))?,
    );
    if instance.len() != shape.instance || aux.len() != shape.witness {
        return Err(ProveError::Prover(format!(
            "the circuit under this witness has {} instance and {} witness variables, its keys {} \
             and {}",
            instance.len(),
            aux.len(),
            shape.instance,
            shape.witness
        )));
    }
    Ok([instance, aux].concat())
}

/// Proves `witness` under `keys`, then checks the proof natively.
///
/// Seconds to minutes; a spinner shows progress on a terminal. Two things make it faster than
/// arkworks' `Groth16::prove` (BENCHMARKS.md):
/// - The witness is computed without building the constraint system, and the R1CS matrices of
///   `keys`' circuit are built once, on the first proof, and kept with the keys.
/// - The proof is not re-randomized (`r = s = 0`), which skips the multi-scalar multiplication
///   of B in G1. A proof then need not hide its witness, and here it has nothing to hide: every
///   value in it follows from public data (the blob, the inbox's queue and the state the posted
///   batches built). Knowledge soundness holds for every prover strategy, whatever
///   randomness it uses (Groth, "On the Size of Pairing-based Non-interactive Arguments",
///   EUROCRYPT 2016), and the verifier is unchanged.
///
/// # Errors
/// [`ProveError::WrongKeys`]; [`ProveError::Prover`], also when the circuit under the witness
/// has another shape than its matrices, or when a satisfied witness's proof does not verify
/// (keys that are not this circuit's, such as a stale key file); or [`ProveError::Unsatisfied`]
/// when the witness is not a valid execution.
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
    let shape = prepare(keys)?;
    let assignment = assign(keys, &shape, &witness)?;
    let proof = Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
        &keys.pk,
        Fr::zero(),
        Fr::zero(),
        &shape.matrices,
        shape.instance,
        shape.constraints,
        &assignment,
    )
    .map_err(|e| ProveError::Prover(e.to_string()))?;
    progress.finish();
    if !verify(keys, &witness, &proof) {
        if satisfied(keys.config, witness) {
            return Err(ProveError::Prover(format!(
                "a satisfied witness's proof does not verify: the keys are not those of {}'s \
                 circuit (a stale key file?)",
                keys.config.key_id()
            )));
        }
        return Err(ProveError::Unsatisfied);
    }
    Ok(BatchProof { proof, witness })
}

/// Verifies `proof` for `witness`'s public inputs, natively.
pub fn verify(keys: &Keys, witness: &BatchWitness, proof: &Proof<Bn254>) -> bool {
    Groth16::<Bn254>::verify_with_processed_vk(&keys.pvk, &witness.public_inputs(), proof)
        .unwrap_or(false)
}
