//! `tribunal scenario NAME`: runs the rollup end to end on the embedded L1 with one part changed
//! or hostile, and checks the outcome docs/finality.md and the README's scenarios require (the `tribunal-devnet`
//! harness's scenarios).

use clap::{Args, ValueEnum};
use tribunal_devnet::scenario::{self, Passed, Scenario};

use crate::progress::printer;

/// The scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScenarioName {
    /// Every service runs: every batch is final at once (ZK + TEE).
    Honest,
    /// The TEE prover is down: every batch is final through ZK + OP after the window.
    TeeDown,
    /// The ZK prover is down: every batch is final through TEE + OP after the window.
    ZkDown,
    /// A compromised enclave key signs a wrong root while ZK proves the right one: neither is
    /// instant, OP settles the conflict for the right root after the window, and the TEE fault
    /// is recorded.
    TeeLies,
    /// The ZK verifier (INSECURE dev keys, trapdoor re-derived) accepts two post roots for one
    /// batch: the evidence freezes the ZK leg and the council replaces the verifier at once.
    ZkSelfDisagrees,
    /// A wrong claim is bisected down to one transaction by a lying defender and loses the
    /// one-step proof; its bond goes to the challenger. The right root's game is defended by a
    /// third party's key against a frivolous challenge.
    WrongClaim,
    /// The sequencer leaves a forced transaction out past its deadline: its own batches are
    /// refused and the user's permissionless batch includes it and finalizes.
    CensoringSequencer,
    /// Past the forced-inclusion deadline a stranger posts a batch of garbage records with an
    /// unpayable forced transfer: every transaction is skipped, and that batch and the next are
    /// final at once; so is a later blob with junk past its last record (no records).
    PoisonedBatch,
    /// The proposer proposes, then goes silent with the provers down: after 7 days with nothing
    /// final, the liveness failure is recorded and the council's ZK upgrade runs at once.
    SilentProposer,
    /// The council (6 of 8 signing) tries to finalize, to move funds and to upgrade the ZK leg
    /// early: all refused; the upgrade runs only after its 45-day timelock.
    RogueCouncil,
    /// L1 reorganizes under the node: dropped deposits are never credited, dropped posts and
    /// proofs are sent again, a deep reorg raises the critical alert; then random reorgs of 1–3
    /// blocks (`--reorg-every-ms`) under deposits: all final, all credited once, nothing twice.
    L1Reorg,
}

impl From<ScenarioName> for Scenario {
    fn from(name: ScenarioName) -> Self {
        match name {
            ScenarioName::Honest => Self::Honest,
            ScenarioName::TeeDown => Self::TeeDown,
            ScenarioName::ZkDown => Self::ZkDown,
            ScenarioName::TeeLies => Self::TeeLies,
            ScenarioName::ZkSelfDisagrees => Self::ZkSelfDisagrees,
            ScenarioName::WrongClaim => Self::WrongClaim,
            ScenarioName::CensoringSequencer => Self::CensoringSequencer,
            ScenarioName::PoisonedBatch => Self::PoisonedBatch,
            ScenarioName::SilentProposer => Self::SilentProposer,
            ScenarioName::RogueCouncil => Self::RogueCouncil,
            ScenarioName::L1Reorg => Self::L1Reorg { every_ms: scenario::DEFAULT_REORG_EVERY_MS },
        }
    }
}

/// Arguments of `tribunal scenario`.
#[derive(Args, Debug)]
pub struct ScenarioArgs {
    /// The scenario.
    #[arg(value_enum)]
    pub name: ScenarioName,
    /// Batches of transfers after the deposit batch (honest, tee-down, zk-down).
    #[arg(long, default_value_t = 2)]
    pub batches: u64,
    /// Transfers per batch (honest, tee-down, zk-down).
    #[arg(long, default_value_t = 16)]
    pub transfers: usize,
    /// Milliseconds between random L1 reorgs (l1-reorg).
    #[arg(long, default_value_t = scenario::DEFAULT_REORG_EVERY_MS,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub reorg_every_ms: u64,
    /// After the checks, keep the scenario's chain and node up and serve the finality explorer
    /// on `--explorer-addr` until ctrl-c, e.g. to see `tee-lies`' conflict or `wrong-claim`'s
    /// bisection.
    #[arg(long)]
    pub serve: bool,
    /// Finality explorer listen address with `--serve`.
    #[arg(long, default_value = "127.0.0.1:8646")]
    pub explorer_addr: std::net::SocketAddr,
}

/// Runs a scenario and checks its outcome.
///
/// # Errors
/// A run that fails, or an outcome other than the scenario's.
pub fn run(args: ScenarioArgs) -> eyre::Result<()> {
    let name = args.name;
    let scenario = match name {
        ScenarioName::L1Reorg => Scenario::L1Reorg { every_ms: args.reorg_every_ms },
        name => name.into(),
    };
    let serve = args.serve.then_some(args.explorer_addr);
    match scenario::run(scenario, args.batches, args.transfers, printer(), serve)? {
        Passed::Batches { count, path } => {
            println!("scenario {name:?} passed: {count} batches, every one final {path}");
        }
        Passed::Checks => println!("scenario {name:?} passed"),
    }
    Ok(())
}
