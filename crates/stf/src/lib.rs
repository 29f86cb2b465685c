//! The reference rollup's state transition function (docs/stf.md): the account tree, transaction
//! rules and [`execute_batch`].
//!
//! `tribunal-stf` owns `execute_batch` and the account tree. It is the one source of truth for
//! all three proof legs: the ZK witness, the TEE re-execution and the dispute game's one-step
//! witnesses are all built from its [`BatchOutput`]. It does no I/O, reads no clock and knows
//! nothing of L1, storage or revm.
//!
//! Features: `parallel` (default) verifies signatures and hashes tree levels on rayon's pool,
//! with identical results; `test-utils` exposes generators of funded states and signed batches.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod error;
pub mod execute;
pub mod state;
pub mod tree;
pub mod witness;

#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;

pub use error::{StfError, StfResult, TxError};
pub use execute::{
    AccountWitness, BatchOutput, TxReceipt, TxStatus, TxWitness, WithdrawalLeaf, check_batch,
    check_tx, execute_batch, execute_encoded_batch,
};
pub use state::{Account, State, StfConfig};
pub use tree::{AccountTree, SparseMerkleTree, WithdrawalTree};
pub use witness::{AccountProof, StateWitness};
