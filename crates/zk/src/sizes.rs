//! Several circuit sizes of one shape: a batch is proven with the smallest circuit that fits it,
//! so proving time follows the batch, not the largest size. On L1, `ZkVerifierSet` holds one
//! verifier per size and takes the member's index as the first byte of the proof
//! ([`encode_set_proof`]).

use std::{path::Path, sync::Arc};

use alloy_primitives::{B256, Bytes};
use tribunal_stf::StfConfig;

use crate::{
    config::{CircuitConfig, MAX_BATCH_SIZE},
    keys::{KeyError, Keys, load_or_dev_setup},
    verifier::{VerifierError, verifying_key_hash, verifying_key_words},
};

/// The most members of a `ZkVerifierSet` (`MAX_MEMBERS`), such as sizes 1, 2, 4, 8, 16 and 32.
pub const MAX_SET_MEMBERS: usize = 6;

/// The keys of one or more circuit sizes with the same depths, smallest first.
#[derive(Clone, Debug)]
pub struct CircuitSizes {
    keys: Vec<Arc<Keys>>,
}

/// Keys that do not form a set of sizes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SizesError {
    /// No keys, or more than [`MAX_SET_MEMBERS`].
    #[error("{0} circuit sizes; a set holds 1 to {MAX_SET_MEMBERS}")]
    Count(usize),
    /// Two keys for one size, or keys for other tree depths.
    #[error("circuit {0} repeats a size or differs in depths from {1}")]
    Mismatch(String, String),
    /// A range of sizes whose ends are not powers of two with `min <= max <= MAX_BATCH_SIZE`.
    #[error(
        "circuit sizes {min} to {max}: both must be powers of two, min <= max <= {MAX_BATCH_SIZE}"
    )]
    Range {
        /// Smallest size asked for.
        min: usize,
        /// Largest size asked for.
        max: usize,
    },
    /// A list of sizes with one outside `1..=MAX_BATCH_SIZE`, or one repeated.
    #[error("circuit sizes {0:?}: each must be 1 to {MAX_BATCH_SIZE}, none repeated")]
    List(Vec<usize>),
}

impl CircuitSizes {
    /// A set of `keys`, sorted by slots.
    ///
    /// # Errors
    /// [`SizesError`] when `keys` is empty or too long, repeats a size, or mixes depths.
    pub fn new(mut keys: Vec<Arc<Keys>>) -> Result<Self, SizesError> {
        if keys.is_empty() || keys.len() > MAX_SET_MEMBERS {
            return Err(SizesError::Count(keys.len()));
        }
        keys.sort_by_key(|k| k.config.batch_size);
        for pair in keys.windows(2) {
            let (a, b) = (&pair[0].config, &pair[1].config);
            if a.batch_size == b.batch_size
                || (a.account_depth, a.withdrawal_depth) != (b.account_depth, b.withdrawal_depth)
            {
                return Err(SizesError::Mismatch(b.key_id(), a.key_id()));
            }
        }
        Ok(Self { keys })
    }

    /// The keys, smallest circuit first.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Keys>> {
        self.keys.iter()
    }

    /// The largest circuit's keys: the one every batch of the protocol fits when it has
    /// `MAX_BATCH_TXS` slots.
    pub fn largest(&self) -> &Arc<Keys> {
        self.keys.last().expect("never empty")
    }

    /// The smallest circuit with at least `txs` slots, if any.
    pub fn smallest_fitting(&self, txs: usize) -> Option<&Arc<Keys>> {
        self.keys.iter().find(|k| k.config.batch_size >= txs)
    }
}

impl From<Keys> for CircuitSizes {
    fn from(keys: Keys) -> Self {
        Self { keys: vec![Arc::new(keys)] }
    }
}

/// The powers of two from `min` to `max` slots, both included: the sizes a prover keeps keys for.
///
/// # Errors
/// [`SizesError::Range`] when `min` or `max` is not a power of two, `min > max`, or `max` is
/// above [`MAX_BATCH_SIZE`].
pub fn sizes_between(min: usize, max: usize) -> Result<Vec<usize>, SizesError> {
    let power = |s: usize| s.is_power_of_two() && s <= MAX_BATCH_SIZE;
    if !power(min) || !power(max) || min > max {
        return Err(SizesError::Range { min, max });
    }
    Ok(std::iter::successors(Some(min), |s| Some(s * 2)).take_while(|s| *s <= max).collect())
}

/// An explicit list of circuit sizes, sorted: each `1..=MAX_BATCH_SIZE`, none repeated, at most
/// [`MAX_SET_MEMBERS`]. Sizes need not be powers of two; the best fill Groth16's evaluation
/// domain (11 slots fill 2^19 at depth 32, 29 fill 2^20; BENCHMARKS.md).
///
/// # Errors
/// [`SizesError::Count`] for an empty or too long list; [`SizesError::List`] for a size out of
/// range or repeated.
pub fn check_sizes(sizes: &[usize]) -> Result<Vec<usize>, SizesError> {
    if sizes.is_empty() || sizes.len() > MAX_SET_MEMBERS {
        return Err(SizesError::Count(sizes.len()));
    }
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    let repeated = sorted.windows(2).any(|p| p[0] == p[1]);
    if repeated || sorted.iter().any(|s| !(1..=MAX_BATCH_SIZE).contains(s)) {
        return Err(SizesError::List(sizes.to_vec()));
    }
    Ok(sorted)
}

/// Loads (or builds and caches in `dir`) the INSECURE dev keys of each of `sizes` for `stf`'s
/// depths, one after another (each shows its progress).
///
/// # Errors
/// [`KeyError`] of the first size that fails, or [`KeyError::Config`] for a bad size.
pub fn load_or_dev_setup_sizes(
    dir: &Path,
    stf: &StfConfig,
    sizes: &[usize],
) -> Result<CircuitSizes, KeyError> {
    let keys = sizes
        .iter()
        .map(|&s| load_or_dev_setup(dir, &CircuitConfig::for_stf(stf, s)).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CircuitSizes::new(keys)?)
}

/// `VERIFYING_KEY_HASH` of the `ZkVerifier` of `keys`, to match keys against deployed members.
///
/// # Errors
/// As [`verifying_key_words`].
pub fn key_hash(keys: &Keys) -> Result<B256, VerifierError> {
    Ok(verifying_key_hash(&verifying_key_words(keys.vk())?))
}

/// The bytes `ZkVerifierSet.verify` takes: the member's index, then that member's proof bytes.
pub fn encode_set_proof(member: u8, proof: &[u8]) -> Bytes {
    [&[member][..], proof].concat().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_the_powers_of_two_between() {
        assert_eq!(sizes_between(8, 32).unwrap(), vec![8, 16, 32]);
        assert_eq!(sizes_between(4, 4).unwrap(), vec![4]);
        assert!(sizes_between(6, 32).is_err());
        assert!(sizes_between(16, 8).is_err());
        assert!(sizes_between(8, 64).is_err());
        assert!(sizes_between(0, 8).is_err());
    }

    #[test]
    fn a_list_of_sizes_is_sorted_and_bounded() {
        assert_eq!(check_sizes(&[32, 8, 20]).unwrap(), vec![8, 20, 32]);
        assert_eq!(check_sizes(&[8, 8]), Err(SizesError::List(vec![8, 8])));
        assert_eq!(check_sizes(&[0, 8]), Err(SizesError::List(vec![0, 8])));
        assert_eq!(check_sizes(&[8, 64]), Err(SizesError::List(vec![8, 64])));
        assert_eq!(check_sizes(&[]), Err(SizesError::Count(0)));
        assert_eq!(check_sizes(&[1, 2, 3, 4, 5, 6, 7]), Err(SizesError::Count(7)));
    }

    #[test]
    fn set_proofs_lead_with_the_member() {
        assert_eq!(encode_set_proof(2, &[9, 9]).as_ref(), &[2, 9, 9]);
    }
}
