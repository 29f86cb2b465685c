//! `tribunal bench rollup`: the whole rollup's figures (issue 8, BENCHMARKS.md), each beside a
//! baseline measured in the same run.
//!
//! 1. A devnet run at real sizes (circuits of 11, 20, 31 and 32 slots, batches of at most 31,
//!    16 transfers per batch, the last batch slow):
//!    time to finality, L1 gas by leg, proving rate, blob bytes. The first instant batch is then
//!    re-proven and re-attested, and its proof and signature sent to the bare verifiers. Two
//!    shorter runs give baselines: the TEE leg down (the slow path), and each claim proposed at
//!    posting with the legs in their own transaction (the instant path before `proposeAndSettle`).
//!    A fourth run settles the ZK leg through the proof aggregation layer, in aggregates of
//!    `--aggregate-proofs` (the rollup's proof and other applications'), and counts the rollup's
//!    share of each aggregate's gas.
//! 2. The sequencer alone (accepting into the redb mempool, then sealing) against native
//!    `execute_batch` of the same batches.

use std::{sync::Arc, time::Instant};

use alloy_primitives::{Address, keccak256};
use clap::Args;
use tribunal_l1::{DevL1, dev_signers};
use tribunal_node::{
    Store,
    deploy::{DeployConfig, deploy},
    sequencer::{Sequencer, SequencerConfig},
    watcher::FinalityPath,
};
use tribunal_primitives::{Batch, ChainId, PrivateKey, Signed, Transfer, Tx, Wei};
use tribunal_stf::{State, StfConfig, execute_batch};

use tribunal_devnet::{BatchReport, DevnetConfig, Plan, rollup::deposit, run::run_embedded};

use crate::progress::printer;

/// Arguments of `bench rollup`.
#[derive(Args, Debug)]
pub struct RollupBenchArgs {
    /// Batches of transfers in the devnet run (all instant; a second run with the TEE leg down
    /// measures the slow path).
    #[arg(long, default_value_t = 4)]
    pub batches: u64,
    /// Transfers per batch in the devnet run.
    #[arg(long, default_value_t = 16)]
    pub transfers: usize,
    /// The ZK circuits' sizes (as `tribunal devnet`).
    #[command(flatten)]
    pub zk: crate::devnet::ZkSizesArgs,
    /// Transfers pushed through the sequencer alone.
    #[arg(long, default_value_t = 1024)]
    pub sequencer_transfers: usize,
    /// Senders of those transfers.
    #[arg(long, default_value_t = 64)]
    pub senders: u32,
    /// Proofs per aggregate in the run through the aggregation layer (the rollup's one and
    /// other applications'); 0 skips that run.
    #[arg(long, default_value_t = 32)]
    pub aggregate_proofs: usize,
}

/// One printed figure.
struct Figure {
    name: &'static str,
    value: String,
    baseline: String,
}

/// Runs `bench rollup`.
///
/// # Errors
/// A failing devnet run, or a sequencer or L1 error.
pub(super) fn rollup(args: &RollupBenchArgs) -> eyre::Result<()> {
    let most = tribunal_devnet::aggregation::MAX_AGGREGATE_PROOFS;
    eyre::ensure!(
        args.aggregate_proofs <= most,
        "--aggregate-proofs {} must be 0 (no such run) to {most}",
        args.aggregate_proofs
    );
    let devnet = DevnetConfig {
        zk_sizes: args.zk.sizes(),
        max_batch_txs: args.zk.max_batch_txs,
        ..DevnetConfig::embedded(args.batches, args.transfers, 0)
    };
    let plan = Plan { bare_verifications: true, ..Plan::DEVNET };
    let (slots, sizes) = (devnet.zk_slots(), devnet.zk_sizes.clone());
    let run = run_embedded(devnet.clone(), plan, printer())?;
    // The slow path, with a leg down: ZK alone approves, and OP decides after the window.
    let tee_down = Plan {
        services: tribunal_node::Services { tee: false, ..Plan::DEVNET.services },
        bare_verifications: false,
        ..Plan::DEVNET
    };
    let slow_run =
        run_embedded(DevnetConfig { batches: 2, ..devnet.clone() }, tee_down, printer())?;
    // The baseline of the instant path's gas: each claim proposed at posting, and the legs'
    // own transaction (`proveAndAttest`).
    let separate = Plan { settle: false, ..Plan::DEVNET };
    let separate_run =
        run_embedded(DevnetConfig { batches: 2, ..devnet.clone() }, separate, printer())?;
    // The ZK leg through the aggregation layer: the same instant path, with an inclusion path in
    // place of the Groth16 verification, plus the rollup's share of each aggregate.
    let aggregated_run = match args.aggregate_proofs {
        0 => None,
        n => Some(run_embedded(
            DevnetConfig { aggregate_proofs: Some(n), ..devnet },
            Plan::DEVNET,
            printer(),
        )?),
    };
    let seq = tribunal_l1::block_on_blob_threads(sequencer_rate(
        slots,
        args.sequencer_transfers,
        args.senders,
    ))??;

    let instant: Vec<&BatchReport> =
        run.batches.iter().filter(|b| b.path == FinalityPath::Instant).collect();
    let instant_separate: Vec<&BatchReport> =
        separate_run.batches.iter().filter(|b| b.path == FinalityPath::Instant).collect();
    let slow: Vec<&BatchReport> =
        slow_run.batches.iter().filter(|b| b.path != FinalityPath::Instant).collect();
    eyre::ensure!(
        !instant.is_empty() && !slow.is_empty() && !instant_separate.is_empty(),
        "the runs need instant and slow batches"
    );
    let mean = |xs: &[&BatchReport], f: &dyn Fn(&BatchReport) -> f64| {
        xs.iter().map(|b| f(b)).sum::<f64>() / xs.len() as f64
    };
    let gas = |f: &dyn Fn(&BatchReport) -> u64| mean(&instant, &|b| f(b) as f64);
    let bare = run.bare.ok_or_else(|| eyre::eyre!("no bare verification measured"))?;
    let separate = bare.zk_verify + bare.tee_recover;
    let proven: Vec<&BatchReport> = run.batches.iter().filter(|b| b.prove_secs.is_some()).collect();
    let prove_rate = proven.iter().map(|b| b.txs as f64).sum::<f64>()
        / proven.iter().filter_map(|b| b.prove_secs).sum::<f64>();
    let txs: usize = run.batches.iter().map(|b| b.txs).sum();
    let payload: usize = run.batches.iter().map(|b| b.bytes).sum();
    let paid: usize = run.batches.iter().map(|b| b.blobs * 131_072).sum();

    let aggregated = aggregated_run.as_ref().map(|run| {
        let instant: Vec<&BatchReport> =
            run.batches.iter().filter(|b| b.path == FinalityPath::Instant).collect();
        let at_post = instant.iter().filter(|b| b.gas.propose + b.gas.zk + b.gas.tee == 0);
        let at_post: Vec<&BatchReport> = at_post.copied().collect();
        let share = run.aggregates.iter().map(|a| a.gas_used as f64 / a.proofs as f64).sum::<f64>()
            / run.aggregates.len().max(1) as f64;
        let proofs = run.aggregates.iter().map(|a| a.proofs).max().unwrap_or(0);
        (instant, at_post, share, proofs, run.aggregates.len())
    });
    let whole_at_post: Vec<&BatchReport> =
        instant.iter().filter(|b| b.gas.propose + b.gas.zk + b.gas.tee == 0).copied().collect();
    let mut figures = vec![
        Figure {
            name: "time to finality, instant path (sealed → final wall, posted → final L1)",
            value: format!(
                "{:.1} s wall min (no proof queue), {:.1} mean; {:.0} s L1",
                instant.iter().map(|b| b.wall_secs).fold(f64::INFINITY, f64::min),
                mean(&instant, &|b| b.wall_secs),
                mean(&instant, &|b| b.l1_secs as f64)
            ),
            baseline: format!(
                "slow path (TEE down, second run): {:.1} days L1",
                mean(&slow, &|b| b.l1_secs as f64) / 86_400.0
            ),
        },
        Figure {
            name: "L1 gas per instant batch: proveAndAttest / proveZk",
            value: format!("{:.0}", gas(&|b| b.gas.zk)),
            baseline: format!("bare ZkVerifier.verify tx: {}", bare.zk_verify),
        },
        Figure {
            name: "L1 gas per instant batch: attestTee (0 if sent with the proof)",
            value: format!("{:.0}", gas(&|b| b.gas.tee)),
            baseline: format!("bare TeeVerifier.recover tx: {}", bare.tee_recover),
        },
        Figure {
            name: "L1 gas per instant batch: both validity legs",
            value: format!("{:.0}", gas(&|b| b.gas.zk + b.gas.tee)),
            baseline: format!("sum of the separate verifications: {separate}"),
        },
        Figure {
            name: "L1 gas per instant batch: OP game",
            value: format!("{:.0}", gas(&|b| b.gas.op)),
            baseline: "no game unless a claim is challenged".into(),
        },
        Figure {
            name: "L1 gas per instant batch: post + propose + finalize",
            value: format!(
                "{:.0} + {:.0} + {:.0}",
                gas(&|b| b.gas.post),
                gas(&|b| b.gas.propose),
                gas(&|b| b.gas.finalize)
            ),
            baseline: format!(
                "both legs in postAndSettle (post) in {}, in proposeAndSettle (propose) in {} of {} instant batches",
                instant.iter().filter(|b| b.gas.propose + b.gas.zk + b.gas.tee == 0).count(),
                instant.iter().filter(|b| b.gas.propose > 0 && b.gas.zk + b.gas.tee == 0).count(),
                instant.len()
            ),
        },
        Figure {
            name: "L1 gas per instant batch: total",
            value: format!("{:.0}", gas(&|b| b.gas.total())),
            baseline: format!(
                "per transaction: {:.0}; each leg its own tx (third run): {:.0} ({:.0} + {:.0} + {:.0})",
                instant.iter().map(|b| b.gas.total()).sum::<u64>() as f64
                    / instant.iter().map(|b| b.txs).sum::<usize>() as f64,
                mean(&instant_separate, &|b| b.gas.total() as f64),
                mean(&instant_separate, &|b| b.gas.post as f64),
                mean(&instant_separate, &|b| b.gas.propose as f64),
                mean(&instant_separate, &|b| (b.gas.zk + b.gas.tee) as f64),
            ),
        },
        Figure {
            name: "sequencer transfers/s (accept into redb, seal)",
            value: format!("{:.0} ({:.0} accept only)", seq.sequencer, seq.accept),
            baseline: format!("native execute_batch, same batches: {:.0}", seq.native),
        },
        Figure {
            name: "proving transactions/s",
            value: format!("{prove_rate:.2}"),
            baseline: format!("native execute_batch: {:.0}", seq.native),
        },
        Figure {
            name: "blob bytes per transaction (batch payload)",
            value: format!("{:.0}", payload as f64 / txs as f64),
            baseline: format!(
                "blob space paid per transaction: {:.0} ({} blobs)",
                paid as f64 / txs as f64,
                paid / 131_072
            ),
        },
    ];
    if let Some((agg_instant, agg_at_post, share, proofs, aggregates)) = &aggregated {
        // Batches posted with their settlement where any were: the path a running chain takes.
        let own = |all: &[&BatchReport], at_post: &[&BatchReport]| {
            let xs = if at_post.is_empty() { all } else { at_post };
            mean(xs, &|b| b.gas.total() as f64)
        };
        let batch = own(agg_instant, agg_at_post);
        figures.push(Figure {
            name: "L1 gas per instant batch through the aggregation layer",
            value: format!("{:.0} ({batch:.0} + {share:.0} share)", batch + share),
            baseline: format!(
                "whole proof on L1: {:.0} ({} of {} batches posted with their settlement; \
                 aggregated run: {} of {}; share: mean gas per proof of {aggregates} aggregates \
                 of {proofs} proofs)",
                own(&instant, &whole_at_post),
                whole_at_post.len(),
                instant.len(),
                agg_at_post.len(),
                agg_instant.len(),
            ),
        });
    }
    println!(
        "\ntribunal bench rollup: circuits of {:?} slots, {} transfers per batch, {} batches; sequencer: {} transfers from {} senders",
        sizes, args.transfers, args.batches, args.sequencer_transfers, args.senders
    );
    println!("{:<52} {:>28}   baseline", "figure", "measured");
    for f in &figures {
        println!("{:<52} {:>28}   {}", f.name, f.value, f.baseline);
    }
    Ok(())
}

/// Transfers per second through the sequencer, and of native execution of the same batches.
struct SequencerRate {
    accept: f64,
    sequencer: f64,
    native: f64,
}

/// `transfers` from `senders` accounts through a sequencer sealing batches of `slots`.
async fn sequencer_rate(
    slots: usize,
    transfers: usize,
    senders: u32,
) -> eyre::Result<SequencerRate> {
    let l1 = Arc::new(DevL1::new());
    let signers = dev_signers();
    let chain = ChainId(crate::DEVNET_CHAIN_ID);
    let stf = StfConfig::new(chain);
    let genesis = State::new(stf)?;
    let council: Vec<Address> =
        (0..8u8).map(|i| Address::from_slice(&keccak256([i]).0[12..])).collect();
    let cfg = DeployConfig::new(chain, signers[0].address(), genesis.root(), council);
    let d = deploy(&*l1, &signers[3], cfg).await?;
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Store::open(&dir.path().join("node.redb"), stf)?);
    let config = SequencerConfig { max_batch_txs: slots, ..SequencerConfig::default() };
    let seq = Sequencer::new(l1.clone(), d.inbox, store, config)?;

    // Senders deposit on L1, and the sequencer seals their deposits.
    let keys: Vec<PrivateKey> = (0..senders)
        .map(|i| PrivateKey::from_bytes(keccak256(format!("bench sender {i}")).0))
        .collect();
    let mut accounts = Vec::new();
    for key in &keys {
        accounts.push(deposit(&*l1, &signers[1], d.inbox, &key.public_key()).await?);
    }
    while seq.with_state(|s| s.account(*accounts.last().expect("senders")).is_none()) {
        seq.poll(true).await?;
    }

    // Signed ahead, as wallets do; the sequencer checks every signature.
    let n = accounts.len();
    let txs: Vec<Tx> = (0..transfers)
        .map(|k| {
            let from = k % n;
            let body = Transfer {
                from: accounts[from],
                to: accounts[(from + 1) % n],
                amount: Wei(1_000 + k as u128),
                nonce: (k / n) as u64,
            };
            Tx::Transfer(Signed::sign(body, chain, &keys[from]))
        })
        .collect();
    let before = seq.with_state(State::clone);
    let started = Instant::now();
    for tx in &txs {
        seq.submit(*tx)?;
    }
    let accepted = started.elapsed().as_secs_f64();
    let mut batches: Vec<Batch> = Vec::new();
    while let Some(sealed) = seq.poll(true).await? {
        batches.push(sealed.batch);
    }
    let sealed = started.elapsed().as_secs_f64();
    let count: usize = batches.iter().map(|b| b.txs.len()).sum();
    eyre::ensure!(count == txs.len(), "the sequencer sealed {count} of {} transfers", txs.len());

    let mut state = before;
    let started = Instant::now();
    for b in &batches {
        execute_batch(&mut state, b)?;
    }
    let native = started.elapsed().as_secs_f64();
    Ok(SequencerRate {
        accept: count as f64 / accepted,
        sequencer: count as f64 / sealed,
        native: count as f64 / native,
    })
}
