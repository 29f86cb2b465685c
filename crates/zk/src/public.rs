//! The proof's one public input, and the blob challenge point, from a claim.
//!
//! Both the circuit and the Solidity verifier (`ZkVerifier.sol`) compute, with SHA-256 (cheap on
//! L1, and a standard gadget in R1CS):
//!
//! ```text
//! d  = sha256(chain_id:u64 ‖ batch_number:u64 ‖ parent_root ‖ post_root ‖ withdrawal_root
//!             ‖ data_commitment ‖ queue_before ‖ queue_after ‖ versioned_hash
//!             ‖ non_canonical:u8)                                                  241 bytes
//! z  = d mod 2^253                      the blob challenge point (a BLS12-381 scalar)
//! y  = p(z)                             the blob polynomial at z, 32 bytes big-endian, < r_BLS
//! pi = sha256(d ‖ y) mod 2^253          the one public input (a BN254 scalar)
//! ```
//!
//! `non_canonical` is 1 when L1 holds proof that the blob is not in canonical form
//! (`Inbox.nonCanonical`, docs/stf.md), and 0 otherwise. With 1 the circuit proves a batch of no
//! records, and `y` binds nothing: the verifier does not open the blob, whose bytes the batch does
//! not read.
//!
//! Integers are big-endian; field elements are their 32-byte big-endian encoding. `z` hashes the
//! versioned hash and the circuit's data commitment together, so the prover cannot choose the
//! data after the point (the Fiat–Shamir step of the proof of equivalence, as in Scroll's and
//! Taiko's blob binding). Masking to 253 bits keeps both `z` and `pi` below both scalar fields.

use alloy_primitives::B256;
use ark_ff::PrimeField;
use sha2::{Digest, Sha256};
use tribunal_primitives::{Claim, Fr, field::fr_to_be_bytes};

/// Bytes hashed into the claim digest `d`.
pub const DIGEST_PREIMAGE_BYTES: usize = 8 + 8 + 7 * 32 + 1;

/// The claim digest's preimage: every claim field the proof binds, the blob's versioned hash, and
/// whether L1 holds the blob as not in canonical form.
pub fn digest_preimage(
    claim: &Claim,
    versioned_hash: &B256,
    non_canonical: bool,
) -> [u8; DIGEST_PREIMAGE_BYTES] {
    let mut out = [0u8; DIGEST_PREIMAGE_BYTES];
    out[0..8].copy_from_slice(&claim.chain_id.0.to_be_bytes());
    out[8..16].copy_from_slice(&claim.batch_number.0.to_be_bytes());
    let words = [
        fr_to_be_bytes(&claim.parent_root.0),
        fr_to_be_bytes(&claim.post_root.0),
        fr_to_be_bytes(&claim.withdrawal_root.0),
        fr_to_be_bytes(&claim.data_commitment.0),
        fr_to_be_bytes(&claim.queue_before.0),
        fr_to_be_bytes(&claim.queue_after.0),
        versioned_hash.0,
    ];
    for (i, w) in words.iter().enumerate() {
        out[16 + 32 * i..48 + 32 * i].copy_from_slice(w);
    }
    out[DIGEST_PREIMAGE_BYTES - 1] = u8::from(non_canonical);
    out
}

/// `d`: SHA-256 of [`digest_preimage`].
pub fn claim_digest(claim: &Claim, versioned_hash: &B256, non_canonical: bool) -> [u8; 32] {
    Sha256::digest(digest_preimage(claim, versioned_hash, non_canonical)).into()
}

/// Clears the top 3 bits of a big-endian 256-bit value: `x mod 2^253`.
pub const fn mask_253(mut x: [u8; 32]) -> [u8; 32] {
    x[0] &= 0x1f;
    x
}

/// `z = d mod 2^253`: the point the blob polynomial is opened at, 32 bytes big-endian.
pub const fn challenge_point(digest: &[u8; 32]) -> [u8; 32] {
    mask_253(*digest)
}

/// `pi = sha256(d ‖ y) mod 2^253`: the Groth16 public input.
pub fn public_input(digest: &[u8; 32], y: &[u8; 32]) -> Fr {
    let mut h = Sha256::new();
    h.update(digest);
    h.update(y);
    let pi = mask_253(h.finalize().into());
    Fr::from_be_bytes_mod_order(&pi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::BigInteger;

    #[test]
    fn masked_values_fit_both_fields() {
        let pi = public_input(&[0xff; 32], &[0xff; 32]);
        let bytes = pi.into_bigint().to_bytes_be();
        assert!(bytes[0] < 0x20);
        assert_eq!(challenge_point(&[0xff; 32])[0], 0x1f);
    }
}
