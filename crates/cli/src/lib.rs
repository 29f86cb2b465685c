//! The `tribunal` command line: `devnet`, `node`, `scenario`, `wallet`, `tee`, `stage`,
//! `aggregator` and `bench`.
//!
//! It owns process concerns only: argument parsing, logging, printing, progress bars and exit
//! codes, over calls into the library crates. Rules live in those crates, and the rollup harness
//! that `devnet`, `scenario` and `bench rollup` drive is `tribunal-devnet`: neither belongs here.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod aggregator;
pub mod bench;
pub mod devnet;
pub mod node;
mod progress;
pub mod scenario;
pub mod stage;
pub mod tee;
pub mod wallet;

use clap::{Parser, Subcommand};

/// Chain id of the embedded devnet.
pub use tribunal_devnet::DEVNET_CHAIN_ID;

/// `secs` (Unix seconds) as ISO-8601 UTC (RFC 3339), e.g. `2026-12-04T16:22:15Z`, printed beside
/// the seconds; a time past year 262143 prints as `out of range`.
pub fn iso8601(secs: u64) -> String {
    i64::try_from(secs).ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0)).map_or_else(
        || "out of range".to_owned(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// Tribunal: rollup settlement with 2-of-3 finality (optimistic game, ZK proof, TEE attestation).
#[derive(Parser, Debug)]
#[command(
    name = "tribunal",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("TRIBUNAL_COMMIT"), ")"),
    about
)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the rollup end to end on embedded defaults, to 2-of-3 finality.
    #[command(after_help = "Examples:
  tribunal devnet                                          embedded L1, real circuit sizes
  tribunal devnet --l1-rpc http://127.0.0.1:8545 --data-dir d --serve   anvil as L1, then serve")]
    Devnet(devnet::DevnetArgs),
    /// Run the node against a real L1 from a TOML config: services, JSON-RPC, metrics.
    #[command(after_help = "Examples:
  tribunal node init --out node.toml      a commented example to edit (docs/node.md)
  tribunal node --config d/node.toml      run, or resume, the node a devnet wrote")]
    Node(node::NodeArgs),
    /// Run the rollup with one part changed (a leg down, …) and check the outcome.
    #[command(after_help = "Examples:
  tribunal scenario tee-down              the TEE prover is down: every batch final via ZK + OP
  tribunal scenario poisoned-batch        garbage and unpayable messages are skipped by every leg
  tribunal scenario l1-reorg --reorg-every-ms 500   L1 reorgs under the node; nothing lost or sent twice")]
    Scenario(scenario::ScenarioArgs),
    /// L2 keys and signed transactions.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// TEE signer attestations: print the dev enclave's, verify one for registration.
    #[command(subcommand)]
    Tee(tee::TeeCommand),
    /// Grade a deployment against the L2BEAT Stages framework.
    Stage(stage::StageArgs),
    /// The proof aggregation service: collects Groth16 proofs of any app, verifies them in
    /// batches on L1, serves inclusion paths.
    #[command(after_help = "Examples:
  tribunal aggregator --demo                               third-party proofs aggregated in one call
  tribunal aggregator --l1-rpc URL --contract 0x… --store a.redb   the service, RPC on :8547")]
    Aggregator(aggregator::AggregatorArgs),
    /// Measured figures beside their baselines.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Print a shell completion script (`tribunal completions bash > /etc/bash_completion.d/tribunal`).
    #[command(after_help = "Examples:
  tribunal completions bash > ~/.local/share/bash-completion/completions/tribunal
  tribunal completions zsh > ~/.zfunc/_tribunal")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Parses the command line and runs it.
///
/// # Errors
/// Whatever the command returns.
pub fn run() -> eyre::Result<()> {
    // arkworks instruments every gadget call at `info` under target `gr1cs`, formatting its
    // arguments (whole constraint systems): with those spans on, synthesizing the batch circuit
    // allocates gigabytes of strings. They stay off whatever RUST_LOG says.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info".into())
        .add_directive("gr1cs=off".parse().expect("a valid directive"));
    // Colours only for a terminal: logs piped to a file or another program stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    match Cli::parse().command {
        Command::Devnet(a) => devnet::run(a),
        Command::Node(a) => node::run(a),
        Command::Scenario(a) => scenario::run(a),
        Command::Wallet(c) => wallet::run(c),
        Command::Tee(c) => tee::run(c),
        Command::Stage(a) => stage::run(a),
        Command::Aggregator(a) => aggregator::run(a),
        Command::Bench(c) => bench::run(c),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "tribunal", &mut std::io::stdout());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Review finding: a newcomer found no example in any `--help`. Every command that runs has
    /// one (groups that only hold subcommands excepted).
    #[test]
    fn every_command_has_an_example() {
        fn walk(c: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", c.get_name()).trim().to_owned();
            let runs = !c.is_subcommand_required_set();
            if runs && c.get_after_help().is_none() && c.get_after_long_help().is_none() {
                missing.push(path.clone());
            }
            for s in c.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(s, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no example in --help of: {missing:?}");
    }
}
