//! `tribunal bench zk`: the Groth16 circuit of the STF at real sizes.
//!
//! Prints, in one run: constraints per batch and per transfer slot (the marginal cost, from the
//! circuit at `B` and `B/2` slots) beside the 30,000 target; setup and proving seconds; proven
//! transfers per second beside the native STF's on the same batch; native verification; and the
//! process's peak memory.

use std::time::Instant;

use super::common::{peak_mib, rss_mib};
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ark_snark::SNARK;
use clap::Args;
use tribunal_primitives::{AccountIndex, Batch, BatchNumber, ChainId, Fr, Tx};
use tribunal_stf::{StfConfig, execute_batch, test_utils::funded_state};
use tribunal_zk::{
    circuit::BatchCircuit,
    config::CircuitConfig,
    keys::{default_key_dir, load_or_dev_setup},
    prover::{prepare, prove, synthesize, verify},
    witness::BatchWitness,
};

/// Arguments of `bench zk`.
#[derive(Args, Debug)]
pub struct ZkBenchArgs {
    /// Account tree depth in index bits, even (the tree is 4-ary).
    #[arg(long, default_value_t = 32)]
    pub depth: u8,
    /// Transaction slots per proof: any size up to the protocol's 32 (the devnet's are 11, 20
    /// and 32).
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// Where keys are cached (default: `$TRIBUNAL_ZK_KEYS` or the user cache directory).
    #[arg(long)]
    pub key_dir: Option<std::path::PathBuf>,
}

/// Constraints of the circuit for `config` (setup mode: no witness).
fn constraints(config: CircuitConfig) -> eyre::Result<usize> {
    Ok(shape(config)?.0)
}

/// Constraints and instance variables (the constant 1 included) of the circuit for `config`.
fn shape(config: CircuitConfig) -> eyre::Result<(usize, usize)> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    BatchCircuit { config, witness: None }.generate_constraints(cs.clone())?;
    Ok((cs.num_constraints(), cs.num_instance_variables()))
}

/// Runs `bench zk`.
///
/// # Errors
/// Invalid sizes, key cache I/O, or a failed proof.
pub(super) fn zk(a: &ZkBenchArgs) -> eyre::Result<()> {
    let chain = ChainId(901);
    let stf = StfConfig::new(chain).with_depths(a.depth, StfConfig::WITHDRAWAL_DEPTH);
    let config = CircuitConfig::for_stf(&stf, a.batch_size);
    config.validate()?;
    let b = a.batch_size;

    let (total, instance) = shape(config)?;
    // Per slot: the difference to a circuit of `b - b/2` slots, so odd sizes measure too.
    let per_slot = if b >= 2 {
        let rest = constraints(CircuitConfig { batch_size: b - b / 2, ..config })?;
        (total - rest) / (b / 2)
    } else {
        total
    };
    // Groth16's evaluation domain (arkworks' R1CS-to-QAP reduction): the constraints plus one
    // per instance variable, rounded up to a power of two. Proving time follows it.
    let domain = (total + instance).next_power_of_two();
    let fixed = total - per_slot * b;
    println!("ZK circuit {} (account depth {}, {} slots)", config.key_id(), a.depth, b);
    println!("  constraints per batch        {total:>12}");
    println!("  constraints per transfer     {per_slot:>12}   target ≤ 30,000 (issue 24)");
    println!(
        "  Groth16 domain               {:>12}   2^{}, {:.0}% filled",
        domain,
        domain.trailing_zeros(),
        100.0 * (total + instance) as f64 / domain as f64
    );
    println!(
        "  fixed per batch              {fixed:>12}   (claim and public inputs, blob opening, withdrawal tree)"
    );

    let dir = a.key_dir.clone().unwrap_or_else(default_key_dir);
    let t = Instant::now();
    let keys = load_or_dev_setup(&dir, &config)?;
    let setup_s = t.elapsed().as_secs_f64();

    // A full batch of transfers between funded accounts.
    let (mut state, users) = funded_state(stf, 64, 10u128.pow(18));
    let txs: Vec<Tx> = (0..b)
        .map(|i| {
            let from = &users[i % users.len()];
            let nonce = (i / users.len()) as u64;
            Tx::Transfer(from.transfer(
                chain,
                AccountIndex(((i + 1) % users.len()) as u32),
                1_000,
                nonce,
            ))
        })
        .collect();
    let batch = Batch { chain_id: chain, number: BatchNumber(1), txs };
    let t = Instant::now();
    let out = execute_batch(&mut state, &batch)?;
    let native_s = t.elapsed().as_secs_f64();
    let blob = &tribunal_da::encode_blobs(&batch.encode())?[0];
    let witness = BatchWitness::new(&config, &batch, &out, blob)?;
    let (t, rss_before) = (Instant::now(), rss_mib());
    prepare(&keys)?;
    let (prepare_s, matrices_mib) =
        (t.elapsed().as_secs_f64(), rss_mib().zip(rss_before).map(|(a, b)| a.saturating_sub(b)));
    let t = Instant::now();
    let proof = prove(&keys, witness.clone())?;
    let prove_s = t.elapsed().as_secs_f64();
    // The proof's single-core share: computing every variable's value.
    let t = Instant::now();
    synthesize(&keys, &witness)?;
    let synthesis_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    eyre::ensure!(verify(&keys, &proof.witness, &proof.proof), "the proof does not verify");
    let verify_ms = t.elapsed().as_secs_f64() * 1e3;
    // Baseline, second (on a warm heap): arkworks' own prover, re-randomized, building the
    // constraint system for each proof.
    let t = Instant::now();
    let circuit = BatchCircuit { config, witness: Some(witness.clone()) };
    let baseline = Groth16::<Bn254>::prove(&keys.pk, circuit, &mut ark_std::rand::thread_rng())?;
    let baseline_s = t.elapsed().as_secs_f64();
    eyre::ensure!(verify(&keys, &witness, &baseline), "the baseline proof does not verify");

    println!("  setup (or cached load), s    {setup_s:>12.1}");
    println!(
        "  R1CS matrices (once), s      {prepare_s:>12.1}   resident memory after: +{} MiB",
        matrices_mib.map_or("?".into(), |m| m.to_string())
    );
    println!(
        "  proving, s                   {prove_s:>12.1}   arkworks' Groth16::prove: {baseline_s:.1}"
    );
    println!("    of which witness synthesis {synthesis_s:>12.2}");
    println!(
        "  proven transfers/s           {:>12.2}   native execute_batch: {:.0}/s",
        b as f64 / prove_s,
        b as f64 / native_s
    );
    println!("  native verification, ms      {verify_ms:>12.1}");
    if let Some(mib) = peak_mib() {
        println!("  peak memory, MiB             {mib:>12}");
    }
    Ok(())
}
