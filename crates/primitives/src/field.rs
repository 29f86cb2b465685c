//! The BN254 scalar field and its encodings.
//!
//! Every hash, tree node and account field in Tribunal lives in `Fr`, the scalar field of BN254
//! (`r = 21888242871839275222246405745257275088548364400416034343698204186575808495617`), which is
//! also the base field of Baby Jubjub (EIP-2494) and the field of the Groth16 circuit.

use ark_ff::{BigInteger, PrimeField};

pub use ark_bn254::Fr;

use crate::error::FieldError;

/// Size of a canonical field-element encoding, in bytes.
pub const FIELD_BYTES: usize = 32;

/// The modulus `r` as a 256-bit word: the bound every canonical field element in calldata stays
/// below (Poseidon on chain reduces its inputs by it, so `x` and `x + r` hash alike).
pub fn modulus_word() -> alloy_primitives::U256 {
    alloy_primitives::U256::from_limbs(Fr::MODULUS.0)
}

/// Encodes `x` as 32 bytes, big-endian (the EVM's `uint256` layout).
pub fn fr_to_be_bytes(x: &Fr) -> [u8; FIELD_BYTES] {
    let mut out = [0u8; FIELD_BYTES];
    out.copy_from_slice(&x.into_bigint().to_bytes_be());
    out
}

/// `x` as an EVM word (`bytes32`/`uint256`, big-endian): how roots, commitments and queue
/// accumulators appear in calldata and storage.
pub fn fr_to_word(x: &Fr) -> alloy_primitives::B256 {
    alloy_primitives::B256::from(fr_to_be_bytes(x))
}

/// Encodes `x` as 32 bytes, little-endian (circomlib's buffer layout).
pub fn fr_to_le_bytes(x: &Fr) -> [u8; FIELD_BYTES] {
    let mut out = [0u8; FIELD_BYTES];
    out.copy_from_slice(&x.into_bigint().to_bytes_le());
    out
}

/// Decodes a canonical 32-byte big-endian field element.
///
/// # Errors
/// [`FieldError::NonCanonical`] when the integer is `>= r`.
pub fn fr_from_be_bytes(bytes: &[u8; FIELD_BYTES]) -> Result<Fr, FieldError> {
    let x = Fr::from_be_bytes_mod_order(bytes);
    if fr_to_be_bytes(&x) == *bytes { Ok(x) } else { Err(FieldError::NonCanonical) }
}

/// Decodes a canonical 32-byte little-endian field element.
///
/// # Errors
/// [`FieldError::NonCanonical`] when the integer is `>= r`.
pub fn fr_from_le_bytes(bytes: &[u8; FIELD_BYTES]) -> Result<Fr, FieldError> {
    let x = Fr::from_le_bytes_mod_order(bytes);
    if fr_to_le_bytes(&x) == *bytes { Ok(x) } else { Err(FieldError::NonCanonical) }
}

/// Parses a field element from a decimal string or a `0x`-prefixed hex string.
///
/// # Errors
/// [`FieldError::Parse`] for anything that is not a number, and [`FieldError::NonCanonical`] for a
/// number `>= r`.
pub fn parse_fr(s: &str) -> Result<Fr, FieldError> {
    let s = s.trim();
    let bytes = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        let n = alloy_primitives::U256::from_str_radix(hex, 16).map_err(|_| FieldError::Parse)?;
        n.to_be_bytes::<32>()
    } else {
        let n = alloy_primitives::U256::from_str_radix(s, 10).map_err(|_| FieldError::Parse)?;
        n.to_be_bytes::<32>()
    };
    fr_from_be_bytes(&bytes)
}

/// Formats a field element as a decimal string, the format circomlibjs and snarkjs print.
pub fn fr_to_decimal(x: &Fr) -> String {
    x.into_bigint().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, One, Zero};

    #[test]
    fn be_le_roundtrip_and_canonicality() {
        let minus_one = -Fr::one();
        for x in [Fr::zero(), Fr::one(), minus_one, Fr::from(2u64).pow([200u64])] {
            assert_eq!(fr_from_be_bytes(&fr_to_be_bytes(&x)).unwrap(), x);
            assert_eq!(fr_from_le_bytes(&fr_to_le_bytes(&x)).unwrap(), x);
        }
        // r itself is not canonical.
        let mut r = fr_to_be_bytes(&minus_one);
        r[31] += 1;
        assert_eq!(fr_from_be_bytes(&r), Err(FieldError::NonCanonical));
        assert_eq!(fr_from_be_bytes(&[0xff; 32]), Err(FieldError::NonCanonical));
    }

    #[test]
    fn parse_decimal_and_hex() {
        assert_eq!(parse_fr("12").unwrap(), Fr::from(12u64));
        assert_eq!(parse_fr("0x0c").unwrap(), Fr::from(12u64));
        let r = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
        assert_eq!(parse_fr(r), Err(FieldError::NonCanonical));
        assert_eq!(parse_fr("twelve"), Err(FieldError::Parse));
        assert_eq!(
            fr_to_decimal(&-Fr::one()),
            "21888242871839275222246405745257275088548364400416034343698204186575808495616"
        );
    }
}
