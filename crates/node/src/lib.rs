//! The Tribunal node. Today it owns the node's durable storage ([`store`]), the deployment of
//! the L1 contracts as one system ([`deploy`]), acting as the council ([`council`]) and the TEE
//! prover worker ([`tee`]); the sequencer, batcher, ZK prover worker, challenger, watcher and
//! JSON-RPC server will live here too (DESIGN.md §3).
//!
//! It composes the pure crates (`tribunal-stf`, `tribunal-primitives`) with I/O. It must not
//! re-implement a state-transition rule: every state change goes through
//! `tribunal_stf::execute_batch`.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod council;
pub mod deploy;
pub mod proposer;
pub mod store;
pub mod tee;

pub use store::{BatchRecord, Store, StoreError};
