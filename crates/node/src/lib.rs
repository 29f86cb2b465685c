//! The Tribunal node: the services of docs/architecture.md around the pure crates. It owns the durable
//! store ([`store`]: state, batches, mempool), the [`sequencer`], the [`batcher`], the
//! [`proposer`], the ZK and TEE prover workers ([`zk`], [`tee`]) and what they settle together
//! ([`settle`]), the finality [`watcher`], their
//! composition with the dispute agents ([`services`]), the JSON-RPC API ([`rpc`]) and the
//! finality explorer's web pages over it ([`explorer`]), the deployment of the L1 contracts as one
//! system ([`deploy`]) and acting as the council ([`council`]).
//!
//! It composes the pure crates (`tribunal-stf`, `tribunal-primitives`) with I/O. It must not
//! re-implement a state-transition rule: every state change goes through
//! `tribunal_stf::execute_batch`.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod batcher;
pub mod council;
pub mod deploy;
pub mod explorer;
pub mod follow;
pub mod proposer;
pub mod rpc;
pub mod sequencer;
pub mod services;
pub mod settle;
pub mod store;
pub mod tee;
pub mod watcher;
pub mod zk;

pub use services::{Event, Node, NodeConfig, NodeKeys, Services, ZkAggregator};
pub use store::{BatchRecord, Rewound, Store, StoreError, StoredWithdrawal, TxLocation};
