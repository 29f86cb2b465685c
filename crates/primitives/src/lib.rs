//! Tribunal's primitive types: the BN254 field, circomlib Poseidon, EdDSA-Poseidon on Baby Jubjub
//! (EIP-2494), L2 transactions, batches with their canonical encoding and data commitment, and
//! claims.
//!
//! This crate owns encodings and hashes that every other crate, the circuit and the contracts must
//! reproduce bit for bit. It performs no I/O, reads no clock and holds no state. It must not know
//! about execution rules (that is `tribunal-stf`) or about L1.
//!
//! Feature `test-utils`: proptest strategies and random key generation ([`test_utils`]).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod batch;
pub mod claim;
pub mod eddsa;
pub mod eip2494;
pub mod error;
pub mod field;
pub mod l2_key;
pub mod poseidon;
pub mod queue;
pub mod tx;

#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;

pub use alloy_primitives::Address;
pub use batch::{Batch, BatchNumber};
pub use claim::{Claim, DataCommitment, StateRoot, WithdrawalRoot};
pub use eddsa::{PrivateKey, PublicKey, Signature};
pub use field::Fr;
pub use queue::QueueAcc;
pub use tx::{AccountIndex, ChainId, Deposit, Signed, Transfer, Tx, TxKind, Wei, Withdraw};
