//! EdDSA-Poseidon on Baby Jubjub, compatible with circomlib and `@zk-kit/eddsa-poseidon`.
//!
//! - Key: 32 secret bytes. `h = BLAKE-512(key)`; the secret scalar `s` is `h[0..32]` pruned
//!   (`h[0] &= 0xf8`, `h[31] &= 0x7f`, `h[31] |= 0x40`) read little-endian; the public key is
//!   `A = Base8 · (s >> 3)`.
//! - Sign `msg ∈ Fr`: `r = BLAKE-512(h[32..64] ‖ le32(msg)) mod l`, `R8 = Base8 · r`,
//!   `hm = Poseidon(R8.x, R8.y, A.x, A.y, msg)`, `S = (r + hm · s) mod l`.
//! - Verify: `S < l`, both points on the curve, and `Base8 · S = R8 + (8 · hm) · A`.
//!
//! Sources: circomlibjs `src/eddsa.js` (`prv2pub`, `signPoseidon`, `verifyPoseidon`); zk-kit
//! `packages/eddsa-poseidon`; EIP-2494. BLAKE-512 is the original BLAKE (SHA-3 finalist), as in
//! circomlibjs, not BLAKE2b.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use blake_hash::Digest;

use crate::{
    Fr,
    eip2494::{BASE8, Point, Scalar, fr_to_scalar, is_low_order, pack_point, unpack_point},
    error::SignatureError,
    field::fr_to_le_bytes,
    poseidon::hash,
};

/// Length of a packed signature: packed `R8` then `S` little-endian, as zk-kit's `packSignature`.
pub const SIGNATURE_BYTES: usize = 64;

/// An EdDSA-Poseidon secret key: 32 bytes from which the signing scalar and nonce key are derived.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey([u8; 32]);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

/// A Baby Jubjub public key `A = Base8 · (s >> 3)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PublicKey(pub Point);

/// A signature `(R8, S)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Signature {
    /// The nonce point `Base8 · r`.
    pub r8: Point,
    /// The response `S = r + hm · s (mod l)`.
    pub s: Scalar,
}

fn blake512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = blake_hash::Blake512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

impl PrivateKey {
    /// Wraps 32 secret bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The secret bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Generates a key from a cryptographic RNG.
    #[cfg(feature = "test-utils")]
    pub fn random(rng: &mut impl rand::RngCore) -> Self {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        Self(b)
    }

    fn expand(&self) -> [u8; 64] {
        blake512(&[&self.0])
    }

    /// The pruned secret scalar `s` as an integer (before the `>> 3` of the public key).
    fn pruned(h: &[u8; 64]) -> [u8; 32] {
        let mut s = [0u8; 32];
        s.copy_from_slice(&h[..32]);
        s[0] &= 0xf8;
        s[31] &= 0x7f;
        s[31] |= 0x40;
        s
    }

    /// zk-kit's `deriveSecretScalar`: the pruned scalar shifted right by 3, reduced mod `l`.
    pub fn secret_scalar(&self) -> Scalar {
        let pruned = alloy_primitives::U256::from_le_bytes(Self::pruned(&self.expand()));
        Scalar::from_le_bytes_mod_order(&(pruned >> 3usize).to_le_bytes::<32>())
    }

    /// The public key `Base8 · (s >> 3)`.
    pub fn public_key(&self) -> PublicKey {
        PublicKey((BASE8 * self.secret_scalar()).into_affine())
    }

    /// Signs a message field element.
    pub fn sign(&self, msg: &Fr) -> Signature {
        let h = self.expand();
        let a = self.public_key();
        let r_bytes = blake512(&[&h[32..], &fr_to_le_bytes(msg)]);
        let r = Scalar::from_le_bytes_mod_order(&r_bytes);
        let r8 = (BASE8 * r).into_affine();
        let hm = challenge(&r8, &a.0, msg);
        let s = Scalar::from_le_bytes_mod_order(&Self::pruned(&h));
        Signature { r8, s: r + fr_to_scalar(&hm) * s }
    }
}

/// `Poseidon(R8.x, R8.y, A.x, A.y, msg)`, the challenge of circomlib's `signPoseidon`.
fn challenge(r8: &Point, a: &Point, msg: &Fr) -> Fr {
    hash([r8.x, r8.y, a.x, a.y, *msg])
}

impl PublicKey {
    /// Packs the key into 32 bytes ([`pack_point`]).
    pub fn to_bytes(&self) -> [u8; 32] {
        pack_point(&self.0)
    }

    /// Unpacks a key packed by [`Self::to_bytes`].
    ///
    /// # Errors
    /// [`crate::error::PointError`] when the bytes are not a canonical curve point, or
    /// [`crate::error::PointError::LowOrder`] for a point of the 8-torsion: verification
    /// multiplies the key by the cofactor, so every signature would verify for such a key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, crate::error::PointError> {
        let p = unpack_point(bytes)?;
        if is_low_order(&p) {
            return Err(crate::error::PointError::LowOrder);
        }
        Ok(Self(p))
    }

    /// Verifies `sig` over `msg`.
    ///
    /// # Errors
    /// [`SignatureError::Invalid`] when the verification equation fails, or a point is off the
    /// curve.
    pub fn verify(&self, msg: &Fr, sig: &Signature) -> Result<(), SignatureError> {
        if !self.0.is_on_curve() || !sig.r8.is_on_curve() {
            return Err(SignatureError::Invalid);
        }
        let hm = challenge(&sig.r8, &self.0, msg);
        let lhs = BASE8 * sig.s;
        let rhs = sig.r8.into_group() + self.0.mul_by_cofactor_to_group() * fr_to_scalar(&hm);
        if lhs == rhs { Ok(()) } else { Err(SignatureError::Invalid) }
    }
}

impl Signature {
    /// Packs as zk-kit's `packSignature`: packed `R8` (32 bytes) then `S` (32 bytes, little-endian).
    pub fn to_bytes(&self) -> [u8; SIGNATURE_BYTES] {
        let mut out = [0u8; SIGNATURE_BYTES];
        out[..32].copy_from_slice(&pack_point(&self.r8));
        out[32..].copy_from_slice(&self.s.into_bigint().to_bytes_le());
        out
    }

    /// Unpacks a signature packed by [`Self::to_bytes`].
    ///
    /// # Errors
    /// [`SignatureError::Malformed`] when `R8` is not a canonical curve point, and
    /// [`SignatureError::ScalarOutOfRange`] when `S >= l`.
    pub fn from_bytes(bytes: &[u8; SIGNATURE_BYTES]) -> Result<Self, SignatureError> {
        let r8 = unpack_point(bytes[..32].try_into().expect("32 bytes"))
            .map_err(|_| SignatureError::Malformed)?;
        let s_bytes: [u8; 32] = bytes[32..].try_into().expect("32 bytes");
        let s = Scalar::from_le_bytes_mod_order(&s_bytes);
        if s.into_bigint().to_bytes_le() != s_bytes {
            return Err(SignatureError::ScalarOutOfRange);
        }
        Ok(Self { r8, s })
    }

    /// Builds a signature from integers, rejecting `S >= l` as circomlib's `verifyPoseidon` does.
    ///
    /// # Errors
    /// [`SignatureError::ScalarOutOfRange`] when `S >= l`; [`SignatureError::Malformed`] when `R8`
    /// is off the curve.
    pub fn from_parts(r8x: Fr, r8y: Fr, s_le: [u8; 32]) -> Result<Self, SignatureError> {
        let r8 = crate::eip2494::point_from_coordinates(r8x, r8y)
            .map_err(|_| SignatureError::Malformed)?;
        let s = Scalar::from_le_bytes_mod_order(&s_le);
        if s.into_bigint().to_bytes_le() != s_le {
            return Err(SignatureError::ScalarOutOfRange);
        }
        Ok(Self { r8, s })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_roundtrip_and_tamper() {
        let key = PrivateKey::from_bytes([7u8; 32]);
        let pk = key.public_key();
        let msg = Fr::from(42u64);
        let sig = key.sign(&msg);
        pk.verify(&msg, &sig).unwrap();
        assert_eq!(Signature::from_bytes(&sig.to_bytes()).unwrap(), sig);
        assert_eq!(pk.verify(&Fr::from(43u64), &sig), Err(SignatureError::Invalid));
        let other = PrivateKey::from_bytes([8u8; 32]).public_key();
        assert_eq!(other.verify(&msg, &sig), Err(SignatureError::Invalid));
        let bumped = Signature { s: sig.s + Scalar::from(1u64), ..sig };
        assert_eq!(pk.verify(&msg, &bumped), Err(SignatureError::Invalid));
    }

    #[test]
    fn s_out_of_range_is_rejected() {
        let key = PrivateKey::from_bytes([1u8; 32]);
        let mut bytes = key.sign(&Fr::from(1u64)).to_bytes();
        bytes[32..].copy_from_slice(&[0xff; 32]);
        assert_eq!(Signature::from_bytes(&bytes), Err(SignatureError::ScalarOutOfRange));
    }
}
