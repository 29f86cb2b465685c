//! The OP leg off chain (docs/finality.md, docs/architecture.md): execution traces of claims, the one-step proof's
//! witnesses, and the two honest players of `DisputeGame`, the [`Challenger`] and the
//! [`Defender`].
//!
//! `tribunal-dispute` owns how a claim is judged and played: [`trace::Trace`] re-executes a
//! claim's batch from its blobs with `tribunal_stf::execute_batch` and says where the claim is
//! wrong ([`trace::Verdict`]); the agents turn that into challenges, bisection moves and steps. It
//! must not re-implement a state-transition rule (every execution goes through `tribunal-stf`), and
//! it does not decide finality (that is `MultiProofFinality` and `tribunal-finality`).
//!
//! Game parameters and why an honest challenger's cost is covered: see `DisputeGame.sol` and
//! BENCHMARKS.md.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod agent;
pub mod batches;
pub mod claims;
pub mod deploy;
pub mod evidence;
pub mod queue;
pub mod store;
pub mod trace;

pub use agent::{Action, AgentError, Challenger, Contracts, Defender, Replica, StepCall};
pub use deploy::{GameDeployment, GameParams, deploy_game};
pub use store::{ClaimMark, DisputeStore, Resolved, StoreError};
pub use trace::{StepWitness, Trace, TraceError, TraceState, Verdict};
