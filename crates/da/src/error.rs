//! Errors of the data-availability layer.

use tribunal_primitives::error::DecodeError;

/// Blobs that do not hold a payload in Tribunal's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// No blob was given.
    #[error("no blobs")]
    NoBlobs,
    /// There is no payload to put in blobs.
    #[error("empty payload")]
    EmptyPayload,
    /// A field element's top byte is not zero: not the 31-bytes-per-element layout, and possibly
    /// not below the BLS12-381 modulus.
    #[error("blob {blob}, field element {index}: top byte is {byte:#04x}, expected 0x00")]
    NonCanonicalFieldElement {
        /// Blob position.
        blob: usize,
        /// Field element position within the blob.
        index: usize,
        /// The byte found.
        byte: u8,
    },
    /// The length header is malformed (its padding is not zero) or declares no bytes.
    #[error("malformed length header")]
    BadHeader,
    /// The header declares more bytes than the blobs hold.
    #[error("truncated: header declares {declared} bytes, blobs hold at most {available}")]
    Truncated {
        /// Declared payload length in bytes.
        declared: u64,
        /// Capacity of the given blobs after the header.
        available: u64,
    },
    /// Bytes after the payload are not zero, so the encoding is not canonical.
    #[error("blob {blob}, field element {index}: nonzero bytes after the payload")]
    TrailingData {
        /// Blob position.
        blob: usize,
        /// Field element position within the blob.
        index: usize,
    },
    /// The payload needs more blobs than one transaction may carry.
    #[error("payload needs {needed} blobs, at most {max} fit in one transaction")]
    TooManyBlobs {
        /// Blobs needed.
        needed: u64,
        /// Blobs allowed per transaction.
        max: u64,
    },
}

/// Errors of `tribunal-da`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DaError {
    /// The blobs are not in Tribunal's layout.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The payload decoded from blobs is not a valid batch.
    #[error("blob payload is not a batch: {0}")]
    Batch(#[from] DecodeError),
    /// c-kzg refused the input (non-canonical field element, bad commitment or proof).
    #[error("kzg: {0}")]
    Kzg(String),
    /// A sidecar does not match the versioned hashes it must carry, or a proof fails.
    #[error("sidecar does not verify against its versioned hashes: {0}")]
    Sidecar(String),
}

impl From<c_kzg::Error> for DaError {
    fn from(e: c_kzg::Error) -> Self {
        Self::Kzg(format!("{e:?}"))
    }
}
