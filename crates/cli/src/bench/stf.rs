//! `tribunal bench stf`: native STF throughput on a large account tree.

use std::time::{Duration, Instant};

use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, ChainId, Fr, Signed, Transfer, Tx, Wei, poseidon::hash,
};
use tribunal_stf::{State, StfConfig, execute_batch};

use super::common::{accounts, spinner};

/// Arguments of `bench stf`.
#[derive(Args, Debug)]
pub struct StfBenchArgs {
    /// Accounts in the tree.
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: u32,
    /// Account tree depth in index bits, even (the tree is 4-ary).
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

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

pub(super) fn stf(a: &StfBenchArgs) -> eyre::Result<()> {
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
        x = hash([x, x, x, x]);
    }
    let poseidon4 = t.elapsed() / n;
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
        "Poseidon(4) µs/hash (a level of the account tree)",
        poseidon4.as_secs_f64() * 1e6,
        "-"
    );
    println!("{:<44} {:>14.1} {:>14}", "EdDSA-Poseidon verify µs", verify.as_secs_f64() * 1e6, "-");
    println!("{:<44} {:>14.1} {:>14}", "tree build s", build.as_secs_f64(), "-");
    Ok(())
}
