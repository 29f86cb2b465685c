//! KZG commitments, proofs and sidecars over blobs, with the embedded mainnet trusted setup.
//!
//! Osaka nodes accept the EIP-7594 sidecar (`wrapper_version = 1`: one commitment and 128 cell
//! proofs per blob); [`sidecar_4844`] keeps the pre-Osaka form (one blob proof per blob) for
//! chains that have not forked.

use alloy_eips::{
    eip4844::{Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings, kzg_to_versioned_hash},
    eip7594::BlobTransactionSidecarEip7594,
};
use alloy_primitives::B256;

use crate::error::DaError;

/// The EIP-7594 sidecar of `blobs`: commitments and cell proofs, computed with c-kzg.
///
/// # Errors
/// [`DaError::Kzg`] when a blob holds a field element not below the BLS12-381 modulus.
pub fn sidecar_7594(blobs: Vec<Blob>) -> Result<BlobTransactionSidecarEip7594, DaError> {
    Ok(BlobTransactionSidecarEip7594::try_from_blobs_with_settings(
        blobs,
        EnvKzgSettings::Default.get(),
    )?)
}

/// The EIP-4844 sidecar of `blobs`: commitments and blob proofs, computed with c-kzg.
///
/// # Errors
/// [`DaError::Kzg`] when a blob holds a field element not below the BLS12-381 modulus.
pub fn sidecar_4844(blobs: Vec<Blob>) -> Result<BlobTransactionSidecar, DaError> {
    Ok(BlobTransactionSidecar::try_from_blobs_with_settings(blobs, EnvKzgSettings::Default.get())?)
}

/// The versioned hashes of `blobs` (EIP-4844: `0x01 ‖ sha256(commitment)[1..]`), in order, from
/// their KZG commitments alone (no proofs): what a verifier holding the blobs checks them with.
///
/// # Errors
/// [`DaError::Kzg`] when a blob holds a field element not below the BLS12-381 modulus.
pub fn versioned_hashes(blobs: &[Blob]) -> Result<Vec<B256>, DaError> {
    let settings = EnvKzgSettings::Default.get();
    blobs
        .iter()
        .map(|blob| {
            let commitment = settings.blob_to_kzg_commitment(&c_kzg::Blob::new(blob.0))?;
            Ok(kzg_to_versioned_hash(commitment.to_bytes().as_slice()))
        })
        .collect()
}

/// Checks an EIP-7594 sidecar: it carries exactly `versioned_hashes`, in order, and every cell
/// proof verifies (what an Osaka node checks before accepting a blob transaction).
///
/// # Errors
/// [`DaError::Sidecar`] naming the mismatch or the failed verification.
pub fn verify_sidecar_7594(
    sidecar: &BlobTransactionSidecarEip7594,
    versioned_hashes: &[B256],
) -> Result<(), DaError> {
    sidecar
        .validate(versioned_hashes, EnvKzgSettings::Default.get())
        .map_err(|e| DaError::Sidecar(e.to_string()))
}
