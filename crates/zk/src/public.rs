//! The proof's two public inputs, and the blob challenge point, from a claim.
//!
//! Both the circuit and the Solidity verifier (`ZkClaimInput.sol`) compute:
//!
//! ```text
//! d  = sha256(chain_id:u64 ‖ batch_number:u64 ‖ parent_root ‖ post_root ‖ withdrawal_root
//!             ‖ data_commitment ‖ queue_before ‖ queue_after ‖ versioned_hash
//!             ‖ non_canonical:u8)                                                  241 bytes
//! z  = d mod 2^251                      the blob challenge point (a BLS12-381 scalar)
//! y  = p(z)                             the blob polynomial at z, 32 bytes big-endian, < r_BLS
//! pi = [ z + 2^251·(y >> 253),          the two public inputs, each below 2^253
//!        y mod 2^253 ]
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
//! Taiko's blob binding). The inputs carry `z` and all 255 bits of `y` (`y < r_BLS < 2^255`)
//! exactly, in two BN254 scalars: 251 + 2 and 253 bits. Until circuit v9 one SHA-256 of `d ‖ y`
//! folded them into one input: two more compressions in the circuit (45,276 constraints per
//! batch) against one more input on L1 (an `ecMul` and an `ecAdd`, about 7,300 gas per batch).

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

/// Bits of the challenge point `z`: the low bits of `d` kept.
pub const CHALLENGE_BITS: usize = 251;

/// Number of Groth16 public inputs.
pub const PUBLIC_INPUTS: usize = 2;

/// Clears the top 3 bits of a big-endian 256-bit value: `x mod 2^253`.
pub const fn mask_253(mut x: [u8; 32]) -> [u8; 32] {
    x[0] &= 0x1f;
    x
}

/// `z = d mod 2^251`: the point the blob polynomial is opened at, 32 bytes big-endian.
pub const fn challenge_point(digest: &[u8; 32]) -> [u8; 32] {
    let mut z = *digest;
    z[0] &= 0x07;
    z
}

/// The two Groth16 public inputs for claim digest `d` and blob value `y` (32 bytes big-endian,
/// `y < 2^255`, as every BLS12-381 scalar is): `[z + 2^251·(y >> 253), y mod 2^253]`. A `y` with
/// its top bit set is no BLS12-381 scalar; its top bit is ignored here, and the point-evaluation
/// precompile refuses it.
pub fn public_inputs(digest: &[u8; 32], y: &[u8; 32]) -> [Fr; PUBLIC_INPUTS] {
    debug_assert!(y[0] < 0x80, "y is a BLS12-381 scalar, below 2^255");
    let mut first = challenge_point(digest);
    first[0] |= (y[0] & 0x60) >> 2;
    [Fr::from_be_bytes_mod_order(&first), Fr::from_be_bytes_mod_order(&mask_253(*y))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, BigInteger};

    fn be(x: &Fr) -> Vec<u8> {
        let mut b = x.into_bigint().to_bytes_be();
        b.resize(32, 0);
        b
    }

    #[test]
    fn inputs_fit_bn254_and_carry_z_and_every_bit_of_y() {
        let d = [0xff; 32];
        let mut y = [0xff; 32];
        y[0] = 0x7f;
        let [a, b] = public_inputs(&d, &y);
        // z: 251 bits of d; then bits 253 and 254 of y at 251 and 252.
        assert_eq!(be(&a)[0], 0x1f);
        assert_eq!(be(&b)[0], 0x1f);
        assert_eq!(challenge_point(&d)[0], 0x07);
        let [a0, b0] = public_inputs(&d, &[0u8; 32]);
        assert_eq!(be(&a0)[0], 0x07);
        assert_eq!(b0, Fr::ZERO);
        // Each of y's 255 bits moves an input.
        for bit in 0..255 {
            let mut y1 = [0u8; 32];
            y1[31 - bit / 8] = 1 << (bit % 8);
            assert_ne!(public_inputs(&d, &y1), public_inputs(&d, &[0u8; 32]), "bit {bit}");
        }
        // And each of z's 251 bits.
        for bit in 0..CHALLENGE_BITS {
            let mut d1 = [0u8; 32];
            d1[31 - bit / 8] = 1 << (bit % 8);
            assert_ne!(public_inputs(&d1, &y), public_inputs(&[0u8; 32], &y), "bit {bit}");
        }
    }
}
