//! R1CS gadgets over BN254's scalar field.

pub mod babyjubjub;
pub mod blob;
pub mod merkle;
pub mod num;
pub mod poseidon;
pub mod sha256;
