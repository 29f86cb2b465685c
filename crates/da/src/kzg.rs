//! KZG commitments, proofs and sidecars over blobs, with the embedded mainnet trusted setup.
//!
//! Osaka nodes accept the EIP-7594 sidecar (`wrapper_version = 1`: one commitment and 128 cell
//! proofs per blob); [`sidecar_4844`] keeps the pre-Osaka form (one blob proof per blob) for
//! chains that have not forked.

use alloy_eips::{
    eip4844::{Blob, BlobTransactionSidecar, env_settings::EnvKzgSettings, kzg_to_versioned_hash},
    eip7594::BlobTransactionSidecarEip7594,
};
use alloy_primitives::{B256, U256, uint};

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

/// The blobs hash a claim binds: keccak256 of the versioned hashes of `blobs`, concatenated in
/// blob order (what `Inbox.batchContext` answers for a posted batch).
///
/// # Errors
/// [`DaError::Kzg`], as [`versioned_hashes`].
pub fn blobs_hash(blobs: &[Blob]) -> Result<B256, DaError> {
    Ok(alloy_primitives::keccak256(versioned_hashes(blobs)?.concat()))
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

/// The BLS12-381 scalar field modulus, the bound on a blob field element (EIP-4844
/// `BLS_MODULUS`).
pub const BLS_MODULUS: U256 =
    uint!(0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001_U256);

/// A primitive 4096th root of unity modulo [`BLS_MODULUS`]: `7^((BLS_MODULUS - 1) / 4096)`
/// (consensus specs, `compute_roots_of_unity`).
pub const ROOT_OF_UNITY: U256 =
    uint!(0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306_U256);

/// One blob field element with its KZG opening: what the point-evaluation precompile (EIP-4844,
/// address `0x0a`) checks against the blob's versioned hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElementOpening {
    /// The element, big-endian (below [`BLS_MODULUS`]).
    pub value: [u8; 32],
    /// Its evaluation point `z = ω^bitrev(index)`, big-endian.
    pub z: [u8; 32],
    /// The blob's KZG commitment (48 bytes).
    pub commitment: [u8; 48],
    /// The KZG proof of `p(z) = value` (48 bytes).
    pub proof: [u8; 48],
}

/// The evaluation point of field element `index` of a blob: blobs are in evaluation form over the
/// 4096th roots of unity in bit-reversed order (EIP-4844), so element `i` is `p(ω^bitrev₁₂(i))`.
///
/// # Panics
/// When `index >= 4096`.
pub fn evaluation_point(index: usize) -> U256 {
    assert!(index < crate::blob::FIELD_ELEMENTS, "a blob has 4096 field elements");
    let reversed = (index as u64).reverse_bits() >> (64 - 12);
    ROOT_OF_UNITY.pow_mod(U256::from(reversed), BLS_MODULUS)
}

/// Opens field element `index` of `blob` with a KZG proof (c-kzg `compute_kzg_proof`).
///
/// # Errors
/// [`DaError::Kzg`] when the blob holds an element not below [`BLS_MODULUS`], or
/// [`DaError::Sidecar`] when `index >= 4096`.
pub fn open_element(blob: &Blob, index: usize) -> Result<ElementOpening, DaError> {
    if index >= crate::blob::FIELD_ELEMENTS {
        return Err(DaError::Sidecar(format!("field element {index} is not in a blob")));
    }
    let settings = EnvKzgSettings::Default.get();
    let blob = c_kzg::Blob::new(blob.0);
    let commitment = settings.blob_to_kzg_commitment(&blob)?;
    let z = evaluation_point(index).to_be_bytes::<32>();
    let (proof, y) = settings.compute_kzg_proof(&blob, &c_kzg::Bytes32::new(z))?;
    let mut out = ElementOpening { value: *y, z, commitment: [0; 48], proof: [0; 48] };
    out.commitment.copy_from_slice(commitment.to_bytes().as_slice());
    out.proof.copy_from_slice(proof.to_bytes().as_slice());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openings_are_the_blob_elements() {
        let payload: Vec<u8> = (0..5000u32).map(|i| (i * 13 + 7) as u8).collect();
        let blobs = crate::encode_blobs(&payload).unwrap();
        for index in [0usize, 1, 2, 100, 161, 4095] {
            let o = open_element(&blobs[0], index).unwrap();
            assert_eq!(o.value[..], blobs[0].0[32 * index..32 * index + 32], "element {index}");
            let settings = EnvKzgSettings::Default.get();
            let ok = settings
                .verify_kzg_proof(
                    &c_kzg::Bytes48::new(o.commitment),
                    &c_kzg::Bytes32::new(o.z),
                    &c_kzg::Bytes32::new(o.value),
                    &c_kzg::Bytes48::new(o.proof),
                )
                .unwrap();
            assert!(ok);
        }
        assert_eq!(ROOT_OF_UNITY.pow_mod(U256::from(4096), BLS_MODULUS), U256::from(1));
        assert_ne!(ROOT_OF_UNITY.pow_mod(U256::from(2048), BLS_MODULUS), U256::from(1));
        assert!(open_element(&blobs[0], 4096).is_err());
    }
}
