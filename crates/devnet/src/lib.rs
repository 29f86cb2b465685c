//! The rollup harness: a whole Tribunal rollup on one L1, for `tribunal devnet`, its scenarios,
//! `tribunal bench rollup` and any integration test that wants every part running.
//!
//! It owns:
//! - [`aggregation`]: the proof aggregation layer the ZK leg may settle through, with other
//!   applications' proofs filling each aggregate;
//! - [`rollup`]: deployment of the whole system with the dev council (6 of 8) and the dev
//!   enclave (registered by the council), and the L1 actions of users (deposits, forced
//!   transfers);
//! - [`run`]: composing the node's services, the workload of users, and tracking finality per
//!   batch into typed [`run::BatchReport`]s;
//! - [`scenario`]: the scenarios' hostile parts (a compromised enclave key, a wrong claim's
//!   liar, a censoring sequencer, a rogue council) and the checks of DESIGN-level rules they
//!   make.
//!
//! It never prints: what happens is reported as [`Progress`] to the caller's [`Observer`], and
//! results are returned typed. It takes no command-line types. It must not hold rules: the
//! finality rules are the contracts' and `tribunal-finality`'s, the STF is `tribunal-stf`'s, and
//! the services are `tribunal-node`'s. Every key here is a public dev key: never use this crate
//! against a real network.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod aggregation;
pub mod rollup;
pub mod run;
pub mod scenario;

use std::{path::PathBuf, sync::Arc};

use alloy_primitives::Address;
use tribunal_primitives::ChainId;

pub use rollup::{DEV_ENCLAVE_KEY, DEVNET_CHAIN_ID, DevnetConfig, Rollup, deploy_rollup};
pub use run::{BareGas, BatchReport, LegGas, Outcome, Plan};

/// What a run reports as it goes, in order.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Progress {
    /// Deployment starts.
    Starting {
        /// L2 chain id.
        chain_id: ChainId,
        /// Depth of the account tree.
        account_depth: u8,
        /// The L1's description (its RPC URL, or the embedded chain).
        l1: String,
    },
    /// The ZK leg's Groth16 keys are loaded (or were set up and cached).
    ZkKeys {
        /// The key id (shape) of each circuit size, smallest first.
        key_ids: Vec<String>,
        /// The key cache.
        dir: PathBuf,
    },
    /// Every contract is deployed.
    Deployed {
        /// Deployment gas per contract, in deployment order.
        gas: Vec<(&'static str, u64)>,
        /// `Inbox`.
        inbox: Address,
        /// `MultiProofFinality`.
        finality: Address,
        /// `DisputeGame`.
        game: Address,
        /// `SecurityCouncil`.
        council: Address,
    },
    /// The council registered the dev enclave's signer.
    EnclaveRegistered {
        /// The enclave's signer.
        signer: Address,
    },
    /// The users deposited on L1.
    Deposited {
        /// Users.
        users: usize,
    },
    /// The workload is submitted; batch reports follow.
    Submitted {
        /// The last batch of the workload.
        last_batch: u64,
    },
    /// The only batches left wait for the OP window, which the L1 time-travels.
    Travelling {
        /// The first batch waiting.
        first: u64,
        /// The last batch waiting.
        last: u64,
        /// The window, in seconds.
        window_secs: u64,
    },
    /// A batch is final (batch order).
    Final(BatchReport),
    /// Every batch is final.
    AllFinal {
        /// Batches.
        batches: usize,
        /// Of them final on the instant path.
        instant: usize,
        /// `MultiProofFinality.latestFinalBatch`.
        latest_final: u64,
    },
    /// A scenario's narration: what the node or a hostile party did, or what a check found, as
    /// one line (indented by nesting).
    Note(String),
}

/// Where [`Progress`] goes: the CLI prints it, a test may collect or drop it.
pub type Observer = Arc<dyn Fn(Progress) + Send + Sync>;

/// An observer that drops everything.
pub fn silent() -> Observer {
    Arc::new(|_| {})
}
