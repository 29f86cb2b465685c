//! Poseidon over BN254 with circomlib's parameters.
//!
//! This is the `x^5` Poseidon of circomlib (`circuits/poseidon.circom`, constants from
//! `poseidon_constants.json`): width `t = n + 1` for `n` inputs, 8 full rounds, and
//! `[56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65]` partial rounds for `n = 1..=12`, with a zero
//! capacity element. The permutation itself is `light-poseidon`'s `new_circom`, which matches
//! circomlibjs and poseidon-lite bit for bit (checked against vectors in `testing/vectors`).

use std::cell::RefCell;

use light_poseidon::{Poseidon, PoseidonHasher};

use crate::{Fr, error::PoseidonError};

/// The largest number of inputs supported (width 13); circomlib goes to 16, `light-poseidon` to 12.
pub const MAX_INPUTS: usize = 12;

thread_local! {
    /// One hasher per input count, built lazily: building one parses its round constants.
    static HASHERS: RefCell<[Option<Poseidon<Fr>>; MAX_INPUTS]> = RefCell::new(Default::default());
}

/// Hashes `1..=12` field elements with circomlib's `Poseidon(n)`.
///
/// # Errors
/// [`PoseidonError::Arity`] when `inputs` is empty or longer than [`MAX_INPUTS`].
pub fn poseidon(inputs: &[Fr]) -> Result<Fr, PoseidonError> {
    let n = inputs.len();
    if n == 0 || n > MAX_INPUTS {
        return Err(PoseidonError::Arity { got: n, max: MAX_INPUTS });
    }
    HASHERS.with(|cell| {
        let mut hashers = cell.borrow_mut();
        let hasher = match &mut hashers[n - 1] {
            Some(h) => h,
            slot @ None => slot.insert(
                Poseidon::<Fr>::new_circom(n)
                    .expect("1..=12 inputs is within light-poseidon's range"),
            ),
        };
        Ok(hasher.hash(inputs).expect("input count matches the hasher's width"))
    })
}

/// Hashes exactly `N` field elements, with `N` checked at compile time.
///
/// This is the form used on hot paths: tree nodes (`N = 2`), leaves (`N = 4`) and signature
/// challenges (`N = 5`).
#[inline]
pub fn hash<const N: usize>(inputs: [Fr; N]) -> Fr {
    const { assert!(N >= 1 && N <= MAX_INPUTS, "circomlib Poseidon takes 1..=12 inputs here") };
    poseidon(&inputs).expect("arity checked at compile time")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::parse_fr;

    #[test]
    fn circomlib_known_answers() {
        // circomlibjs `poseidon([1, 2])` and `poseidon([1, 2, 3, 4])`, the values quoted in
        // circomlib's own test suite (test/poseidoncircuit.js).
        let h2 = hash([Fr::from(1u64), Fr::from(2u64)]);
        assert_eq!(
            h2,
            parse_fr(
                "7853200120776062878684798364095072458815029376092732009249414926327459813530"
            )
            .unwrap()
        );
        let h4 = hash([1u64, 2, 3, 4].map(Fr::from));
        assert_eq!(
            h4,
            parse_fr(
                "18821383157269793795438455681495246036402687001665670618754263018637548127333"
            )
            .unwrap()
        );
    }

    #[test]
    fn arity_is_checked() {
        assert_eq!(poseidon(&[]), Err(PoseidonError::Arity { got: 0, max: 12 }));
        assert_eq!(poseidon(&[Fr::from(0u64); 13]), Err(PoseidonError::Arity { got: 13, max: 12 }));
    }
}
