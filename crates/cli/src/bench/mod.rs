//! `tribunal bench`: measured figures, each printed beside its baseline from the same run.
//!
//! Each target is a module; their shared helpers sit in the leaf module `common`.

mod aggregation;
mod common;
mod load;
mod rollup;
mod stf;
mod tee;
mod zk;

use clap::Subcommand;

pub use aggregation::AggregationBenchArgs;
pub use load::LoadBenchArgs;
pub use rollup::RollupBenchArgs;
pub use stf::StfBenchArgs;
pub use tee::TeeBenchArgs;
pub use zk::ZkBenchArgs;

/// `tribunal bench` targets.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Native STF throughput: signed transfers through `execute_batch` on a large account tree.
    #[command(
        after_help = "Example:\n  tribunal bench stf                       1M accounts, depth 32"
    )]
    Stf(StfBenchArgs),
    /// The Groth16 circuit: constraints, setup and proving time, peak memory.
    #[command(
        after_help = "Example:\n  tribunal bench zk --batch-size 16        Groth16 at depth 32 (keys cached in --key-dir)"
    )]
    Zk(ZkBenchArgs),
    /// The TEE leg: stateless re-execution and signing of a full blob, DCAP quote verification.
    #[command(after_help = "Example:\n  tribunal bench tee")]
    Tee(TeeBenchArgs),
    /// The whole rollup: time to finality, L1 gas by leg against the bare verifications,
    /// sequencer and proving rates, blob bytes per transfer.
    #[command(
        after_help = "Example:\n  tribunal bench rollup                    the devnet, measured; then with the TEE down"
    )]
    Rollup(RollupBenchArgs),
    /// The proof aggregation layer: L1 gas per proof aggregated at N = 1, 8, 32, 128, against
    /// separate verification, and the inclusion check.
    #[command(after_help = "Example:\n  tribunal bench aggregation")]
    Aggregation(AggregationBenchArgs),
    /// The node's JSON-RPC under load: accepted transactions per second, latency percentiles and
    /// peak memory, with every accepted transaction checked sealed exactly once.
    #[command(
        after_help = "Example:\n  tribunal bench load                      50,000 calls from 1,000 accounts, 20% invalid"
    )]
    Load(LoadBenchArgs),
}

/// Runs a bench command.
///
/// # Errors
/// Invalid arguments.
pub fn run(cmd: BenchCommand) -> eyre::Result<()> {
    match cmd {
        BenchCommand::Stf(a) => stf::stf(&a),
        BenchCommand::Zk(a) => zk::zk(&a),
        BenchCommand::Tee(a) => tee::tee(&a),
        BenchCommand::Rollup(a) => rollup::rollup(&a),
        BenchCommand::Aggregation(a) => aggregation::aggregation(&a),
        BenchCommand::Load(a) => load::load(&a),
    }
}
