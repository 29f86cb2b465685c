//! Batch data availability on Ethereum blobs.
//!
//! `tribunal-da` owns the mapping between a batch's canonical bytes and EIP-4844 blobs, their KZG
//! commitments, blob proofs and EIP-7594 cell proofs, versioned hashes, and the blob fee model the
//! batcher prices blobs with. KZG uses c-kzg with the Ethereum mainnet trusted setup embedded in
//! the crate; sidecars are alloy-eips' types.
//!
//! It is pure: no I/O, no clock, no L1 client. It must not decide what a batch means (that is
//! `tribunal-stf`) nor how it reaches L1 (that is `tribunal-l1`).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod blob;
pub mod error;
pub mod fees;
pub mod kzg;

pub use blob::{
    blobs_needed, decode_batch, decode_blobs, encode_blobs, non_canonical_evidence, read_batch,
    read_header,
};
pub use error::{BlobError, DaError};
pub use fees::{BlobFeeQuote, BlobSchedule};
pub use kzg::{
    ElementOpening, blobs_hash, open_element, sidecar_4844, sidecar_7594, verify_sidecar_7594,
    versioned_hashes,
};
