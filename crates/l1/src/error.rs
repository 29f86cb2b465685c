//! Errors of the L1 backends.

use alloy_primitives::{B256, Bytes};

/// What an L1 backend can refuse or fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L1Error {
    /// The transaction or call reverted; the revert data decodes with the contract's `sol!`
    /// errors enum. Nothing was mined.
    #[error("reverted with {0}")]
    Revert(Bytes),
    /// The EVM halted (out of gas, invalid opcode…). Nothing was mined.
    #[error("halted: {0}")]
    Halted(String),
    /// The blob sidecar does not match its versioned hashes, or a KZG proof fails.
    #[error("invalid blob sidecar: {0}")]
    InvalidSidecar(String),
    /// The node refused the transaction (nonce, balance, fee, a blob transaction creating a
    /// contract, too many blobs…).
    #[error("invalid transaction: {0}")]
    InvalidTx(String),
    /// No blob with this versioned hash is known.
    #[error("blob {0} not found")]
    BlobNotFound(B256),
    /// The node could not be reached or answered malformed data; retrying may help.
    #[error("transport: {0}")]
    Transport(String),
}

impl L1Error {
    /// Whether retrying the same request may succeed.
    pub const fn is_temporary(&self) -> bool {
        matches!(self, Self::Transport(_))
    }

    /// The revert data, if the request reverted.
    pub const fn revert_data(&self) -> Option<&Bytes> {
        match self {
            Self::Revert(b) => Some(b),
            _ => None,
        }
    }
}

/// Result alias of this crate.
pub type L1Result<T> = Result<T, L1Error>;
