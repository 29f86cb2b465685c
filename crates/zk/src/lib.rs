//! The ZK leg: a Groth16 (BN254) circuit of the reference STF, its keys, the prover, and the
//! encodings the Solidity verifier reads.
//!
//! What a proof says: executing the batch whose canonical bytes are in the blob with versioned
//! hash `vh`, on the account tree with root `parent_root`, gives `post_root` and the withdrawal
//! root, consuming the L1 messages between `queue_before` and `queue_after`. The circuit proves
//! the same rules as [`tribunal_stf::execute_batch`], and its witness is read from that
//! function's output: there is no second implementation of the rules here.
//!
//! This crate owns the circuit, its gadgets, the keys and the proof encoding. It must not talk to
//! L1 (that is `tribunal-l1`) nor decide when to prove (that is the node).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod circuit;
pub mod config;
pub mod gadgets;
pub mod keys;
mod progress;
pub mod prover;
pub mod public;
pub mod verifier;
pub mod witness;
