//! The ZK leg: a Groth16 (BN254) circuit of the reference STF, its keys, the prover, and the
//! encodings the Solidity verifier reads.
//!
//! What a proof says: executing the L1 messages between `queue_before` and `queue_after`, then
//! the records in the blob with versioned hash `vh` (in its canonical form; none when L1 holds
//! the blob as not canonical, the public `non_canonical` flag), on the account tree with root
//! `parent_root`, gives `post_root` and the withdrawal root. The circuit proves
//! the same rules as [`tribunal_stf::execute_batch`], and its witness is read from that
//! function's output: there is no second implementation of the rules here.
//!
//! The flow: [`witness::BatchWitness::new`] reads a batch, its STF output and its blob;
//! [`keys::load_or_dev_setup`] gives the keys for a [`config::CircuitConfig`];
//! [`prover::prove`] proves and checks the proof; [`prover::BatchProof::to_bytes`] is what
//! `MultiProofFinality.proveZk` forwards to `ZkVerifier.verify` ([`verifier`]). A prover with
//! keys of several sizes ([`sizes::CircuitSizes`]) proves each batch with the smallest circuit
//! that fits it, for a `ZkVerifierSet` of one verifier per size. Sizes need not be powers of
//! two: proving time follows Groth16's evaluation domain (the next power of two above the
//! constraint count), so the best sizes fill it (11 slots fill 2^19 at depth 32, 29 fill 2^20).
//!
//! The two public inputs ([`public`]) carry `z`, the low 251 bits of `sha256(claim ‖ versioned
//! hash)`, and `y`, the blob's value at the challenge point `z`: the proof
//! binds the claim and, through the EIP-4844 point-evaluation precompile, the posted blob
//! (the "proof of equivalence" of Scroll and Taiko). No claim field is trusted from the prover.
//!
//! Limits, each a typed [`witness::WitnessError`]: a batch must fit the circuit's slots (at most
//! the protocol's `MAX_BATCH_TXS`, so every batch fits the largest circuit). Every blob is
//! provable: a canonical one with its records, any other as carrying none.
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
pub mod sizes;
pub mod verifier;
pub mod witness;
