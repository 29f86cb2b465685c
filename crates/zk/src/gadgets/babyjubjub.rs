//! Baby Jubjub (EIP-2494, circomlib's twisted Edwards form `a·x² + y² = 1 + d·x²·y²`) and
//! EdDSA-Poseidon verification, as [`tribunal_primitives::eddsa`] and zk-kit's
//! `@zk-kit/eddsa-poseidon` define it: `S·B8 = R8 + (8·A)·Poseidon(R8, A, msg)`, with `S < l`.
//!
//! Costs: addition 6 constraints (complete, `d` is a non-square), doubling 5, a fixed-base
//! multiplication 10 per 3-bit window, a variable-base one 23 per 2-bit window.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::boolean::Boolean;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use tribunal_primitives::{
    Fr,
    eip2494::{BASE8, BabyJubjubConfig, Point, Scalar},
};

use super::{num::Num, poseidon::poseidon};
use ark_ec::twisted_edwards::TECurveConfig;

const A: Fr = <BabyJubjubConfig as TECurveConfig>::COEFF_A;
const D: Fr = <BabyJubjubConfig as TECurveConfig>::COEFF_D;

/// A curve point as two numbers. Points built by these gadgets from on-curve inputs are on the
/// curve; [`decompress`] enforces it for points read from bytes.
#[derive(Clone, Debug)]
pub struct PointVar {
    /// `x`.
    pub x: Num,
    /// `y`.
    pub y: Num,
}

impl PointVar {
    /// A constant point.
    pub fn constant(p: &Point) -> Self {
        Self { x: Num::constant(p.x), y: Num::constant(p.y) }
    }

    /// The identity `(0, 1)`.
    pub fn identity() -> Self {
        Self { x: Num::zero(), y: Num::constant(Fr::ONE) }
    }
}

fn div(n: Option<Fr>, d: Option<Fr>) -> Option<Fr> {
    // Denominators are never zero for points on the curve (`d` is a non-square); callers keep
    // disabled inputs on the curve too, so a zero here means an unsatisfiable witness anyway.
    n.zip(d).map(|(n, d)| n * d.inverse().unwrap_or(Fr::ZERO))
}

/// `p + q` (twisted Edwards unified addition): 6 constraints.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn add(
    cs: &ConstraintSystemRef<Fr>,
    p: &PointVar,
    q: &PointVar,
) -> Result<PointVar, SynthesisError> {
    let beta = p.x.mul(cs, &q.y)?;
    let gamma = p.y.mul(cs, &q.x)?;
    let delta = p.x.scale(-A).add(&p.y).mul(cs, &q.x.add(&q.y))?;
    let tau = beta.mul(cs, &gamma)?;
    let one = Num::constant(Fr::ONE);
    let den_x = one.add(&tau.scale(D));
    let den_y = one.sub(&tau.scale(D));
    let num_x = beta.add(&gamma);
    let num_y = delta.add(&beta.scale(A)).sub(&gamma);
    let x = Num::witness(cs, div(num_x.value, den_x.value))?;
    let y = Num::witness(cs, div(num_y.value, den_y.value))?;
    x.mul_equals(cs, &den_x, &num_x)?;
    y.mul_equals(cs, &den_y, &num_y)?;
    Ok(PointVar { x, y })
}

/// `2·p`: 5 constraints, for `p` on the curve.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn double(cs: &ConstraintSystemRef<Fr>, p: &PointVar) -> Result<PointVar, SynthesisError> {
    let xx = p.x.mul(cs, &p.x)?;
    let yy = p.y.mul(cs, &p.y)?;
    let xy = p.x.mul(cs, &p.y)?;
    // On the curve a·x² + y² = 1 + d·x²·y² ≠ 0 and 2 − a·x² − y² = 1 − d·x²·y² ≠ 0.
    let den_x = xx.scale(A).add(&yy);
    let den_y = Num::constant(Fr::from(2u64)).sub(&den_x);
    let num_x = xy.scale(Fr::from(2u64));
    let num_y = yy.sub(&xx.scale(A));
    let x = Num::witness(cs, div(num_x.value, den_x.value))?;
    let y = Num::witness(cs, div(num_y.value, den_y.value))?;
    x.mul_equals(cs, &den_x, &num_x)?;
    y.mul_equals(cs, &den_y, &num_y)?;
    Ok(PointVar { x, y })
}

/// Products of every subset of `bits` (2 or 3 bits): the monomials of a multilinear lookup.
fn monomials(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
) -> Result<Vec<Num>, SynthesisError> {
    // Index i of the result is the product of the bits set in i; index 0 is 1.
    let mut out = vec![Num::constant(Fr::ONE); 1 << bits.len()];
    for i in 1..out.len() {
        let low = i.trailing_zeros() as usize;
        let rest = i & (i - 1);
        let b = Num::from_bool(&bits[low]);
        out[i] = if rest == 0 { b } else { out[rest].mul(cs, &b)? };
    }
    Ok(out)
}

/// The coefficients of the multilinear polynomial through `values` (indexed by bit pattern),
/// over constants or numbers alike.
fn interpolate<T: Clone>(mut c: Vec<T>, sub: impl Fn(&T, &T) -> T) -> Vec<T> {
    let k = c.len().trailing_zeros();
    for bit in 0..k {
        for i in 0..c.len() {
            if i & (1 << bit) != 0 {
                c[i] = sub(&c[i], &c[i ^ (1 << bit)]);
            }
        }
    }
    c
}

/// `s·base` for a constant `base` and little-endian scalar bits, in 3-bit windows: 10
/// constraints per window (4 for the lookup monomials, 6 for the addition).
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn mul_fixed(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    base: &Point,
) -> Result<PointVar, SynthesisError> {
    let mut acc: Option<PointVar> = None;
    let mut window_base = base.into_group();
    for window in bits.chunks(3) {
        let table: Vec<Point> = (0..1u64 << window.len())
            .map(|v| (window_base * Scalar::from(v)).into_affine())
            .collect();
        let xs = interpolate(table.iter().map(|p| p.x).collect(), |a, b| *a - b);
        let ys = interpolate(table.iter().map(|p| p.y).collect(), |a, b| *a - b);
        let m = monomials(cs, window)?;
        let pick = |coeffs: &[Fr]| {
            m.iter().zip(coeffs).fold(Num::zero(), |acc, (mono, c)| acc.add(&mono.scale(*c)))
        };
        let entry = PointVar { x: pick(&xs), y: pick(&ys) };
        acc = Some(match acc {
            None => entry,
            Some(a) => add(cs, &a, &entry)?,
        });
        for _ in 0..window.len() {
            window_base.double_in_place();
        }
    }
    Ok(acc.unwrap_or_else(PointVar::identity))
}

/// `s·p` for a variable point `p` on the curve and little-endian scalar bits, in 2-bit windows
/// from the top: 23 constraints per window.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn mul_var(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    p: &PointVar,
) -> Result<PointVar, SynthesisError> {
    let p2 = double(cs, p)?;
    let p3 = add(cs, &p2, p)?;
    let table = [PointVar::identity(), p.clone(), p2, p3];
    let mut acc: Option<PointVar> = None;
    let windows: Vec<&[Boolean<Fr>]> = bits.chunks(2).collect();
    for window in windows.into_iter().rev() {
        if let Some(a) = acc.as_mut() {
            for _ in 0..window.len() {
                *a = double(cs, a)?;
            }
        }
        let m = monomials(cs, window)?;
        let entries = &table[..1 << window.len()];
        // Multilinear lookup with variable entries: one product per monomial and coordinate.
        let coord = |f: &dyn Fn(&PointVar) -> Num| -> Result<Num, SynthesisError> {
            let c = interpolate(entries.iter().map(f).collect(), Num::sub);
            let mut out = c[0].clone();
            for (mono, coeff) in m.iter().zip(&c).skip(1) {
                out = out.add(&mono.mul(cs, coeff)?);
            }
            Ok(out)
        };
        let entry = PointVar { x: coord(&|q| q.x.clone())?, y: coord(&|q| q.y.clone())? };
        acc = Some(match acc {
            None => entry,
            Some(a) => add(cs, &a, &entry)?,
        });
    }
    Ok(acc.unwrap_or_else(PointVar::identity))
}

/// A point from its packed form (circomlib `packPoint`: `y` little-endian in bits 0..254, bit
/// 255 set when `x > (r−1)/2`), given as canonical `y` bits (`< r` enforced by the caller) and
/// the sign bit. When `enabled`, enforces that the point is on the curve, that `x` has the
/// packed sign, and that a set sign bit has `x ≠ 0` — exactly when
/// [`tribunal_primitives::eip2494::unpack_point`] accepts. `x` is a witness.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn decompress(
    cs: &ConstraintSystemRef<Fr>,
    enabled: &Num,
    y: &Num,
    sign: &Boolean<Fr>,
    x_value: Option<Fr>,
) -> Result<PointVar, SynthesisError> {
    use ark_r1cs_std::fields::fp::FpVar;
    let x = Num::witness(cs, x_value)?;
    let xx = x.mul(cs, &x)?;
    let yy = y.mul(cs, y)?;
    let xxyy = xx.mul(cs, &yy)?;
    // a·x² + y² − 1 − d·x²·y² = 0
    let curve = xx.scale(A).add(&yy).add_constant(-Fr::ONE).sub(&xxyy.scale(D));
    curve.mul_equals(cs, enabled, &Num::zero())?;
    // |x| := sign ? −x : x must be ≤ (r−1)/2.
    let s = Num::from_bool(sign);
    let sx = s.mul(cs, &x)?;
    let abs = x.sub(&sx.scale(Fr::from(2u64)));
    FpVar::enforce_smaller_or_equal_than_mod_minus_one_div_two(&abs.to_fp(cs)?)?;
    // sign ⇒ x ≠ 0: x·inv = t, sign·(t − 1) = 0.
    let inv = Num::witness(cs, x_value.map(|v| v.inverse().unwrap_or(Fr::ZERO)))?;
    let t = x.mul(cs, &inv)?;
    t.add_constant(-Fr::ONE).mul_equals(cs, &s, &Num::zero())?;
    Ok(PointVar { x, y: y.clone() })
}

/// Verifies an EdDSA-Poseidon signature `(R8, S)` on `msg` under `a` when `enabled`; checks
/// nothing otherwise. `s_bits`: 251 little-endian bits of `S`; `S ≤ l − 1` is enforced here.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn verify(
    cs: &ConstraintSystemRef<Fr>,
    enabled: &Num,
    a: &PointVar,
    r8: &PointVar,
    s_bits: &[Boolean<Fr>],
    msg: &Num,
) -> Result<(), SynthesisError> {
    // l is odd, so l − 1 only clears its lowest bit.
    let mut l_minus_one = Scalar::MODULUS;
    l_minus_one.0[0] -= 1;
    Boolean::enforce_smaller_or_equal_than_le(s_bits, l_minus_one)?;
    let h = poseidon(cs, &[r8.x.clone(), r8.y.clone(), a.x.clone(), a.y.clone(), msg.clone()])?;
    let h_bits = h.to_bits_le_strict(cs)?;
    let a8 = double(cs, &double(cs, &double(cs, a)?)?)?;
    let right = add(cs, r8, &mul_var(cs, &h_bits, &a8)?)?;
    let left = mul_fixed(cs, s_bits, &BASE8)?;
    left.x.conditional_enforce_equal(cs, &right.x, enabled)?;
    left.y.conditional_enforce_equal(cs, &right.y, enabled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, UniformRand};
    use ark_relations::gr1cs::ConstraintSystem;
    use tribunal_primitives::{
        PrivateKey,
        eip2494::{pack_point, unpack_point},
        field::fr_from_le_bytes,
    };

    fn bits_of(cs: &ConstraintSystemRef<Fr>, bytes_le: &[u8], n: usize) -> Vec<Boolean<Fr>> {
        use ark_r1cs_std::alloc::AllocVar;
        (0..n)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok(bytes_le[i / 8] >> (i % 8) & 1 == 1)))
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn point_var(cs: &ConstraintSystemRef<Fr>, p: &Point) -> PointVar {
        PointVar {
            x: Num::witness(cs, Some(p.x)).unwrap(),
            y: Num::witness(cs, Some(p.y)).unwrap(),
        }
    }

    #[test]
    fn scalar_multiplications_match_arkworks() {
        let mut rng = ark_std::test_rng();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let s = Scalar::rand(&mut rng);
        let bytes = s.into_bigint().to_bytes_le();
        let bits = bits_of(&cs, &bytes, 251);
        let fixed = mul_fixed(&cs, &bits, &BASE8).unwrap();
        let expect = (BASE8 * s).into_affine();
        assert_eq!((fixed.x.value.unwrap(), fixed.y.value.unwrap()), (expect.x, expect.y));
        let p = (BASE8 * Scalar::from(12345u64)).into_affine();
        let pv = point_var(&cs, &p);
        let var = mul_var(&cs, &bits, &pv).unwrap();
        let expect = (p * s).into_affine();
        assert_eq!((var.x.value.unwrap(), var.y.value.unwrap()), (expect.x, expect.y));
        assert!(cs.is_satisfied().unwrap());
    }

    fn signature_circuit(tamper: impl FnOnce(&mut [u8; 64], &mut Fr)) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let key = PrivateKey::from_bytes([7; 32]);
        let mut msg = Fr::from(42u64);
        let mut sig = key.sign(&msg).to_bytes();
        tamper(&mut sig, &mut msg);
        let pk = key.public_key().0;
        let a = point_var(&cs, &pk);
        let packed: [u8; 32] = sig[..32].try_into().unwrap();
        let mut y_bytes = packed;
        y_bytes[31] &= 0x7f;
        let y = Num::witness(&cs, fr_from_le_bytes(&y_bytes).ok()).unwrap();
        y.to_bits_le_strict(&cs).unwrap();
        let sign = bits_of(&cs, &packed, 256).pop().unwrap();
        let x = unpack_point(&packed).map(|p| p.x).unwrap_or(Fr::ZERO);
        let one = Num::constant(Fr::ONE);
        let r8 = decompress(&cs, &one, &y, &sign, Some(x)).unwrap();
        let s_bits = bits_of(&cs, &sig[32..], 251);
        let m = Num::witness(&cs, Some(msg)).unwrap();
        verify(&cs, &one, &a, &r8, &s_bits, &m).unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints())
    }

    #[test]
    fn eddsa_accepts_a_zk_kit_signature_and_rejects_tampering() {
        let (ok, constraints) = signature_circuit(|_, _| {});
        assert!(ok);
        println!("EdDSA-Poseidon verification with R8 decompression: {constraints} constraints");
        assert!(!signature_circuit(|_, m| *m += Fr::ONE).0, "other message");
        assert!(!signature_circuit(|s, _| s[40] ^= 1).0, "other S");
        assert!(!signature_circuit(|s, _| s[31] ^= 0x80).0, "R8 with the other sign");
    }

    #[test]
    fn decompress_matches_unpack() {
        let p = (BASE8 * Scalar::from(99u64)).into_affine();
        let packed = pack_point(&p);
        assert_eq!(unpack_point(&packed).unwrap(), p);
    }
}
