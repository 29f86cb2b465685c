//! `tribunal bench`: measured figures, each printed beside its baseline from the same run.

use std::time::{Duration, Instant};

use ark_ec::{CurveGroup, PrimeGroup};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, ChainId, Fr, PrivateKey, PublicKey, Signed, Transfer, Tx,
    Wei,
    eip2494::{PointProjective, Scalar},
    poseidon::hash,
};
use tribunal_stf::{Account, State, StfConfig, execute_batch};

/// `tribunal bench` targets.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Native STF throughput: signed transfers through `execute_batch` on a large account tree.
    Stf(StfBenchArgs),
    /// The Groth16 circuit: constraints, setup and proving time, peak memory.
    Zk(crate::bench_zk::ZkBenchArgs),
    /// The TEE leg: stateless re-execution and signing of a full blob, DCAP quote verification.
    Tee(crate::bench_tee::TeeBenchArgs),
    /// The whole rollup: time to finality, L1 gas by leg against the bare verifications,
    /// sequencer and proving rates, blob bytes per transfer.
    Rollup(crate::bench_rollup::RollupBenchArgs),
    /// The proof aggregation layer: L1 gas per proof aggregated at N = 1, 8, 32, 128, against
    /// separate verification, and the inclusion check.
    Aggregation(crate::bench_aggregation::AggregationBenchArgs),
}

/// Arguments of `bench stf`.
#[derive(Args, Debug)]
pub struct StfBenchArgs {
    /// Accounts in the tree.
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: u32,
    /// Account tree depth.
    #[arg(long, default_value_t = 32)]
    pub depth: u8,
    /// Transfers per batch.
    #[arg(long, default_value_t = 1024)]
    pub batch_size: usize,
    /// Batches measured per configuration.
    #[arg(long, default_value_t = 4)]
    pub batches: usize,
    /// Distinct signing accounts (each needs a real key).
    #[arg(long, default_value_t = 1024)]
    pub senders: u32,
}

/// Runs a bench command.
///
/// # Errors
/// Invalid arguments.
pub fn run(cmd: BenchCommand) -> eyre::Result<()> {
    match cmd {
        BenchCommand::Stf(a) => stf(&a),
        BenchCommand::Zk(a) => crate::bench_zk::zk(&a),
        BenchCommand::Tee(a) => crate::bench_tee::tee(&a),
        BenchCommand::Rollup(a) => crate::bench_rollup::rollup(&a),
        BenchCommand::Aggregation(a) => crate::bench_aggregation::aggregation(&a),
    }
}

pub(crate) fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"),
    );
    pb.set_message(msg.to_owned());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// `n` funded accounts: the first `senders` with real keys (returned with their public keys), the
/// others with distinct synthetic keys (k·Base8, one point addition each instead of a full key
/// derivation).
pub(crate) fn accounts(
    n: u32,
    senders: u32,
) -> (Vec<PrivateKey>, Vec<PublicKey>, Vec<(AccountIndex, Account)>) {
    let keys: Vec<PrivateKey> = (0..senders)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            seed[31] = 0xbe;
            PrivateKey::from_bytes(seed)
        })
        .collect();
    let sender_pks: Vec<PublicKey> = keys.par_iter().map(PrivateKey::public_key).collect();
    let g = PointProjective::generator();
    let mut acc = g * Scalar::from(1_000_003u64);
    let mut synthetic = Vec::with_capacity((n - senders) as usize);
    for _ in senders..n {
        synthetic.push(acc);
        acc += g;
    }
    let synthetic = PointProjective::normalize_batch(&synthetic);
    let accounts = sender_pks
        .iter()
        .copied()
        .chain(synthetic.into_iter().map(PublicKey))
        .enumerate()
        .map(|(i, pubkey)| {
            (AccountIndex(i as u32), Account { pubkey, balance: Wei(10u128.pow(21)), nonce: 0 })
        })
        .collect();
    (keys, sender_pks, accounts)
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn stf(a: &StfBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(a.senders >= 2 && a.senders <= a.accounts, "need 2 <= senders <= accounts");
    let chain_id = ChainId(901);
    let config = StfConfig::new(chain_id).with_depths(a.depth, StfConfig::WITHDRAWAL_DEPTH);
    config.validate()?;
    eyre::ensure!(
        u64::from(a.accounts) <= 1u64 << a.depth,
        "{} accounts do not fit depth {}",
        a.accounts,
        a.depth
    );
    let threads = rayon::current_num_threads();
    println!(
        "bench stf: {} accounts, depth {}, {} batches x {} transfers, {} threads",
        a.accounts, a.depth, a.batches, a.batch_size, threads
    );

    let pb = spinner("generating accounts");
    let (keys, sender_pks, accounts) = accounts(a.accounts, a.senders);
    pb.finish_and_clear();

    let pb = spinner(&format!("hashing a depth-{} tree of {} accounts", a.depth, a.accounts));
    let t = Instant::now();
    let genesis = State::from_accounts(config, BatchNumber(0), accounts)?;
    let build = t.elapsed();
    pb.finish_and_clear();
    println!(
        "  tree built in {:.1} s ({} stored nodes)",
        build.as_secs_f64(),
        genesis.tree().stored_node_count()
    );

    // Pre-signed batches: random senders among the keyed accounts, random recipients among all.
    let pb = spinner("signing transfers");
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut nonces = vec![0u64; a.senders as usize];
    let mut batches = Vec::with_capacity(a.batches);
    for b in 0..a.batches {
        let plan: Vec<(usize, u32, u64)> = (0..a.batch_size)
            .map(|_| {
                let from = rng.random_range(0..a.senders as usize);
                let to = rng.random_range(0..a.accounts);
                let nonce = nonces[from];
                nonces[from] += 1;
                (from, to, nonce)
            })
            .collect();
        let txs: Vec<Tx> = plan
            .par_iter()
            .map(|&(from, to, nonce)| {
                let body = Transfer {
                    from: AccountIndex(from as u32),
                    to: AccountIndex(to),
                    amount: Wei(1),
                    nonce,
                };
                Tx::Transfer(Signed::sign(body, chain_id, &keys[from]))
            })
            .collect();
        batches.push(Batch { chain_id, number: BatchNumber(b as u64 + 1), txs });
    }
    pb.finish_and_clear();

    let run = |state: &mut State| -> eyre::Result<Duration> {
        let t = Instant::now();
        for batch in &batches {
            execute_batch(state, batch)?;
        }
        Ok(t.elapsed())
    };
    let transfers = a.batches * a.batch_size;

    let pb = spinner(&format!("execute_batch on {threads} threads"));
    let mut state = genesis.clone();
    let all = run(&mut state)?;
    pb.finish_and_clear();
    let final_root = state.root();

    let pb = spinner("execute_batch on 1 thread (baseline)");
    let mut state = genesis;
    let one =
        rayon::ThreadPoolBuilder::new().num_threads(1).build()?.install(|| run(&mut state))?;
    pb.finish_and_clear();
    eyre::ensure!(state.root() == final_root, "thread count changed the result");

    // Micro figures, for reading the above: the hashes and signature checks a transfer costs.
    let n = 20_000;
    let t = Instant::now();
    let mut x = Fr::from(1u64);
    for _ in 0..n {
        x = hash([x, x]);
    }
    let poseidon2 = t.elapsed() / n;
    let sample = match &batches[0].txs[0] {
        Tx::Transfer(t) => *t,
        _ => unreachable!("the bench signs transfers"),
    };
    let pk = sender_pks[sample.body.from.0 as usize];
    let t = Instant::now();
    for _ in 0..200 {
        sample.verify(chain_id, &pk)?;
    }
    let verify = t.elapsed() / 200;
    std::hint::black_box(x);

    println!();
    println!("{:<44} {:>14} {:>14}", "figure", "measured", "baseline");
    println!(
        "{:<44} {:>14.0} {:>14.0}   baseline: same batches on 1 thread; target 5000",
        "STF transfers/s (execute_batch, witnesses)",
        per_sec(transfers, all),
        per_sec(transfers, one)
    );
    println!(
        "{:<44} {:>14.1} {:>14}",
        "Poseidon(2) µs/hash (light-poseidon)",
        poseidon2.as_secs_f64() * 1e6,
        "-"
    );
    println!("{:<44} {:>14.1} {:>14}", "EdDSA-Poseidon verify µs", verify.as_secs_f64() * 1e6, "-");
    println!("{:<44} {:>14.1} {:>14}", "tree build s", build.as_secs_f64(), "-");
    Ok(())
}
