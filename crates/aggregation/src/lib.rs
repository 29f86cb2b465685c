//! Tribunal's proof aggregation layer, off chain: the ids and Merkle trees `ProofAggregator`
//! records, the batches it verifies, and the aggregator service that collects submissions and
//! posts them.
//!
//! # How a proof gets verified
//!
//! 1. An application registers its Groth16 (BN254) key: `circuitId = keccak256(abi.encode(vk))`
//!    ([`groth16::circuit_id`]).
//! 2. It submits proofs on chain (`ProofAggregator.submit`, paying the posted fee per proof) or
//!    to the aggregator's RPC against a prepaid balance, each with a new EIP-712 fee voucher
//!    ([`batch::FeeVoucher`]) signing the head of a hash chain over its submissions, each link an
//!    id and its fee. A batch charges each submitter once, by its latest voucher.
//!    `proofId = keccak256(circuitId ‖ inputs)`; the submission id is the Merkle root of its
//!    proof ids ([`merkle`]).
//! 3. The [`service::Aggregator`] checks each proof natively (so one bad proof never sinks a
//!    batch, and its submitter is known), batches by size or age ([`service::Policy`]), and posts
//!    `aggregate` ([`batch::plan`]): one pairing check for the whole batch, N + 3 pairings per key.
//! 4. The application calls `isProofVerified(circuitId, inputs, merklePath)`, with the path from
//!    the RPC ([`rpc`]; [`client::Submitter`] submits and waits for it).
//! 5. A submission left past its deadline can be forced by anyone: verified singly, refunded from
//!    the aggregator's collateral.
//!
//! The rollup's own ZK leg settles this way through `AggregatedZkVerifier`: the same
//! `IZkVerifier` to the finality contract, with a Merkle path in place of the Groth16 proof.
//!
//! # Backends: batch verification now, a recursive proof later
//!
//! What applications see is `IProofAggregator` (`isProofVerified`, `proofId`): a root is
//! recorded as verified, and a proof is verified when a Merkle path leads from its leaf to such
//! a root. How a root comes to be verified is the backend's business:
//!
//! - **Now: batch verification** ([`batch`]): the contract checks every proof of the batch in
//!   one random-linear-combination pairing product. Gas grows with N (about one pairing and two
//!   scalar multiplications per proof), still a fraction of N separate verifications.
//! - **Later: a recursive aggregate proof.** An outer circuit verifies the N Groth16 proofs
//!   in-circuit (BN254 inside a BN254-friendly cycle or via non-native arithmetic, as NEBRA UPA's
//!   Halo2 aggregation does) and exposes the batch root as its public input. The contract then
//!   verifies ONE proof per batch, at constant gas, and records the same root. To switch: a new
//!   `aggregate` entry point taking `(root, outerProof, submissions)`, and a new
//!   [`service::Policy`]-driven prover in the service. Proof ids, the Merkle tree, submissions,
//!   fees, the censorship path and `isProofVerified` stay as they are, so no application
//!   changes. The off-chain [`groth16::Circuit::verify`] check stays in front of either backend.
//!
//! This crate owns the aggregation layer's encodings, batching, store and service. It must not
//! touch the rollup's finality rules or its circuit (it aggregates their proofs like any other
//! application's), and it talks to L1 only through `tribunal-l1`.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod batch;
pub mod client;
pub mod contract;
pub mod groth16;
pub mod merkle;
pub mod rpc;
pub mod sample;
pub mod service;
pub mod store;
pub mod vector;

pub use service::{Aggregator, Policy};
pub use store::Store;
