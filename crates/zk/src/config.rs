//! The circuit's shape: tree depths and batch size.

use tribunal_stf::StfConfig;

/// Bumped whenever the circuit's constraints change, so cached keys of an older circuit are
/// never reused.
pub const CIRCUIT_VERSION: u32 = 10;

/// The most slots a circuit has: the protocol's most transactions per batch
/// ([`tribunal_primitives::batch::MAX_BATCH_TXS`]). A larger circuit would prove records of a blob
/// that counts more, which the STF reads as carrying none.
pub const MAX_BATCH_SIZE: usize = tribunal_primitives::batch::MAX_BATCH_TXS;

/// The parameters a circuit (and so its keys) is built for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CircuitConfig {
    /// Depth of the 4-ary account tree in index bits, even; the STF's `account_depth` (32 in
    /// production: 16 levels).
    pub account_depth: u8,
    /// Depth of each batch's withdrawal tree; the STF's `withdrawal_depth` (10 in production).
    pub withdrawal_depth: u8,
    /// Transaction slots per proof. Batches with fewer transactions are padded. Any size up to
    /// [`MAX_BATCH_SIZE`]: the best fill Groth16's evaluation domain (a power of two above the
    /// constraint count), such as 11 (2^19) and 28 (2^20) at depth 32.
    pub batch_size: usize,
}

/// A circuit configuration that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A depth outside `1..=32`, or an odd account depth (the 4-ary account tree takes two
    /// index bits per level).
    #[error("tree depth {0} is outside 1..=32, or odd for the 4-ary account tree")]
    Depth(u8),
    /// The batch size is zero, above `MAX_BATCH_SIZE`, or above the withdrawal tree's leaves (a
    /// withdrawal's leaf is its transaction's position).
    #[error(
        "batch size {size} must be 1 to {MAX_BATCH_SIZE} (the protocol's most transactions per \
         batch) and at most 2^withdrawal_depth = {withdrawal_leaves}"
    )]
    BatchSize {
        /// Requested size.
        size: usize,
        /// Leaves of the withdrawal tree.
        withdrawal_leaves: u64,
    },
}

impl CircuitConfig {
    /// The production shape for `stf` with `batch_size` slots.
    pub const fn for_stf(stf: &StfConfig, batch_size: usize) -> Self {
        Self {
            account_depth: stf.account_depth,
            withdrawal_depth: stf.withdrawal_depth,
            batch_size,
        }
    }

    /// Checks the depths and the batch size.
    ///
    /// # Errors
    /// [`ConfigError`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        for depth in [self.account_depth, self.withdrawal_depth] {
            if depth == 0 || depth > 32 {
                return Err(ConfigError::Depth(depth));
            }
        }
        if !self.account_depth.is_multiple_of(2) {
            return Err(ConfigError::Depth(self.account_depth));
        }
        let withdrawal_leaves = 1u64 << self.withdrawal_depth;
        let size = self.batch_size;
        if size == 0 || size > MAX_BATCH_SIZE || size as u64 > withdrawal_leaves {
            return Err(ConfigError::BatchSize { size, withdrawal_leaves });
        }
        Ok(())
    }

    /// A stable name for keys built for this shape, e.g. `v3-d32-w10-b16`.
    pub fn key_id(&self) -> String {
        format!(
            "v{CIRCUIT_VERSION}-d{}-w{}-b{}",
            self.account_depth, self.withdrawal_depth, self.batch_size
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        let ok = CircuitConfig { account_depth: 32, withdrawal_depth: 10, batch_size: 16 };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(ok.key_id(), format!("v{CIRCUIT_VERSION}-d32-w10-b16"));
        let bad = |f: fn(&mut CircuitConfig)| {
            let mut c = ok;
            f(&mut c);
            c.validate().is_err()
        };
        assert!(!bad(|c| c.batch_size = 20), "any size up to the protocol's most");
        assert!(bad(|c| c.batch_size = 0));
        assert!(bad(|c| c.batch_size = 64));
        assert!(bad(|c| c.account_depth = 33));
        assert!(bad(|c| c.account_depth = 31));
        assert!(bad(|c| {
            c.withdrawal_depth = 3;
            c.batch_size = 16;
        }));
    }
}
