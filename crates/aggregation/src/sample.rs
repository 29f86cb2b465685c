//! A small application circuit for tests, benchmarks and the demo: "I know `a`, `b` with
//! `a·b = z`", `z` public (one public input; the rollup's circuit has two). Setup and proving take
//! milliseconds, so batches of hundreds of distinct, real Groth16 proofs are cheap to make.
//! Its keys come from a seeded setup: anyone with the seed can forge proofs, so it is for
//! measuring and demonstrating, never for securing anything.

use alloy_primitives::U256;
use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::{
    gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError},
    lc,
};
use ark_snark::SNARK;
use ark_std::rand::{SeedableRng, rngs::StdRng};

use crate::{
    batch::Entry,
    groth16::{VerifyingKey, circuit_id, proof_words, vk_words},
};

#[derive(Clone, Copy)]
struct Product {
    a: Option<Fr>,
    b: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for Product {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let z = cs.new_input_variable(|| {
            Ok(self.a.ok_or(SynthesisError::AssignmentMissing)?
                * self.b.ok_or(SynthesisError::AssignmentMissing)?)
        })?;
        let a = cs.new_witness_variable(|| self.a.ok_or(SynthesisError::AssignmentMissing))?;
        let b = cs.new_witness_variable(|| self.b.ok_or(SynthesisError::AssignmentMissing))?;
        cs.enforce_r1cs_constraint(|| lc!() + a, || lc!() + b, || lc!() + z)
    }
}

/// The sample circuit's keys, from a setup seeded with `seed` (INSECURE: see the module docs).
#[derive(Clone, Debug)]
pub struct SampleCircuit {
    pk: ProvingKey<Bn254>,
    rng_seed: u64,
}

impl SampleCircuit {
    /// Runs the seeded setup.
    ///
    /// # Panics
    /// Never: the circuit is fixed and satisfiable.
    pub fn setup(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let (pk, _) =
            Groth16::<Bn254>::circuit_specific_setup(Product { a: None, b: None }, &mut rng)
                .expect("the sample circuit sets up");
        Self { pk, rng_seed: seed }
    }

    /// The verifying key in contract words.
    pub fn vk(&self) -> VerifyingKey {
        vk_words(&self.pk.vk)
    }

    /// A proof that `(i + 2)·(i + 3)` is `z`, as a batch entry: `n` calls with distinct `i` give
    /// distinct proofs and proof ids.
    ///
    /// # Panics
    /// Never: the witness satisfies the circuit.
    pub fn prove(&self, i: u64) -> Entry {
        let (a, b) = (Fr::from(i + 2), Fr::from(i + 3));
        let mut rng = StdRng::seed_from_u64(self.rng_seed ^ i.rotate_left(17) ^ 0x5eed);
        let proof = Groth16::<Bn254>::prove(&self.pk, Product { a: Some(a), b: Some(b) }, &mut rng)
            .expect("the witness satisfies the circuit");
        let z = U256::from_be_slice(&(a * b).into_bigint().to_bytes_be());
        Entry::new(circuit_id(&self.vk()), &proof_words(&proof), vec![z])
    }
}
