//! Baby Jubjub (EIP-2494, circomlib's twisted Edwards form `a·x² + y² = 1 + d·x²·y²`) and
//! EdDSA-Poseidon verification, as [`tribunal_primitives::eddsa`] and zk-kit's
//! `@zk-kit/eddsa-poseidon` define it: `S·B8 = R8 + (8·A)·Poseidon(R8, A, msg)`, with `S < l`.
//!
//! Costs: addition 6 constraints (complete, `d` is a non-square), doubling 5, a fixed-base
//! multiplication 10 per 3-bit window, a variable-base one 23 per 2-bit window (each counting
//! its window's monomials, which a range check of the same scalar shares).

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::boolean::Boolean;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use tribunal_primitives::{
    Fr,
    eip2494::{BASE8, BabyJubjubConfig, Point, Scalar},
};

use super::{
    num::{Num, Windows, interpolate, known, less_than},
    poseidon::poseidon,
};
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

/// `s·base` for a constant `base`, the scalar given in 3-bit [`Windows`] (little-endian): 6
/// constraints per window for the addition (the window's monomials are counted by
/// [`Windows::new`]: 4 each).
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn mul_fixed(
    cs: &ConstraintSystemRef<Fr>,
    scalar: &Windows,
    base: &Point,
) -> Result<PointVar, SynthesisError> {
    let mut acc: Option<PointVar> = None;
    let mut window_base = base.into_group();
    for m in scalar.monomials() {
        let table: Vec<Point> =
            (0..m.len() as u64).map(|v| (window_base * Scalar::from(v)).into_affine()).collect();
        let xs = interpolate(table.iter().map(|p| p.x).collect(), |a, b| *a - b);
        let ys = interpolate(table.iter().map(|p| p.y).collect(), |a, b| *a - b);
        let pick = |coeffs: &[Fr]| {
            m.iter().zip(coeffs).fold(Num::zero(), |acc, (mono, c)| acc.add(&mono.scale(*c)))
        };
        let entry = PointVar { x: pick(&xs), y: pick(&ys) };
        acc = Some(match acc {
            None => entry,
            Some(a) => add(cs, &a, &entry)?,
        });
        for _ in 0..m.len().trailing_zeros() {
            window_base.double_in_place();
        }
    }
    Ok(acc.unwrap_or_else(PointVar::identity))
}

/// `s·p` for a variable point `p` on the curve, the scalar given in 2-bit [`Windows`]
/// (little-endian), processed from the top: 22 constraints per window (two doublings, a lookup
/// of 6 and an addition; the window's monomial is counted by [`Windows::new`]).
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn mul_var(
    cs: &ConstraintSystemRef<Fr>,
    scalar: &Windows,
    p: &PointVar,
) -> Result<PointVar, SynthesisError> {
    let p2 = double(cs, p)?;
    let p3 = add(cs, &p2, p)?;
    let table = [PointVar::identity(), p.clone(), p2, p3];
    let mut acc: Option<PointVar> = None;
    for m in scalar.monomials().iter().rev() {
        if let Some(a) = acc.as_mut() {
            for _ in 0..m.len().trailing_zeros() {
                *a = double(cs, a)?;
            }
        }
        let entries = &table[..m.len()];
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

/// A point from its packed form (circomlib `packPoint`: `y` little-endian in bits 0..255, bit
/// 255 set when `x > (r−1)/2`), given `y` (any 255-bit value, reduced into the field), whether
/// it is canonical (`y < r`, the caller's comparison) and the sign bit.
///
/// Returns the point and `valid`, 1 exactly when
/// [`tribunal_primitives::eip2494::unpack_point`] accepts the bytes: `y` canonical, a point with
/// this `y` on the curve, and no sign bit on `x = 0`. An invalid packing yields the identity,
/// so later curve gadgets always see a point of the curve. Both answers are proven: a point by
/// its `x` (`v·x² = u` with `u = 1 − y²`, `v = a − d·y²`, and `x`'s sign), its absence by a
/// `w` with `v·w² = g·u` for the non-square `g` (then `u/v` is not a square) and `u ≠ 0`.
/// About 470 constraints; the sign check (a 253-bit decomposition and a comparison) takes 449.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn decompress(
    cs: &ConstraintSystemRef<Fr>,
    y: &Num,
    canonical: &Num,
    sign: &Boolean<Fr>,
) -> Result<(PointVar, Num), SynthesisError> {
    use ark_r1cs_std::alloc::AllocVar;
    let g = <Fr as ark_ff::FftField>::GENERATOR;
    // (on the curve, x, w), from the values.
    let hint = y.value.zip(ark_r1cs_std::GR1CSVar::value(sign).ok()).map(|(y, negative)| {
        let yy = y * y;
        let (u, v) = (Fr::ONE - yy, A - D * yy);
        let v_inv = v.inverse().unwrap_or(Fr::ZERO);
        match (u * v_inv).sqrt() {
            Some(r) => {
                let r_negative = r.into_bigint() > Fr::MODULUS_MINUS_ONE_DIV_TWO;
                (true, if r_negative == negative { r } else { -r }, Fr::ZERO)
            }
            None => (false, Fr::ZERO, (g * u * v_inv).sqrt().unwrap_or(Fr::ZERO)),
        }
    });
    let on = Num::from_bool(&Boolean::new_witness(cs.clone(), || known(hint).map(|h| h.0))?);
    let x = Num::witness(cs, hint.map(|h| h.1))?;
    let w = Num::witness(cs, hint.map(|h| h.2))?;
    let yy = y.mul(cs, y)?;
    let u = Num::constant(Fr::ONE).sub(&yy);
    let v = Num::constant(A).sub(&yy.scale(D));
    // On the curve: v·x² = u.
    let vxx = v.mul(cs, &x.mul(cs, &x)?)?;
    vxx.sub(&u).mul_equals(cs, &on, &Num::zero())?;
    // Off the curve: v·w² = g·u, and u ≠ 0 (u = 0 has the point x = 0).
    let vww = v.mul(cs, &w.mul(cs, &w)?)?;
    vww.sub(&u.scale(g)).mul_equals(cs, &on.not(), &Num::zero())?;
    let u_inv = Num::witness(cs, u.value.map(|u| u.inverse().unwrap_or(Fr::ZERO)))?;
    u.mul(cs, &u_inv)?.add_constant(-Fr::ONE).mul_equals(cs, &on.not(), &Num::zero())?;
    // |x| := sign ? −x : x must be ≤ (r−1)/2 (x = 0 off the curve): 253 bits (below 2^253, a
    // bound above (r−1)/2) and below (r+1)/2.
    let s = Num::from_bool(sign);
    let abs = x.sub(&s.mul(cs, &x)?.scale(Fr::from(2u64)));
    let mut half_up = Fr::MODULUS_MINUS_ONE_DIV_TWO;
    ark_ff::BigInteger::add_with_carry(&mut half_up, &1u64.into());
    let abs_bits = abs.to_bits_le(cs, 253)?;
    less_than(cs, &abs_bits, half_up)?.enforce_equal(cs, &Num::constant(Fr::ONE))?;
    // A sign bit on x = 0 is not canonical.
    let signed_zero = s.mul(cs, &x.is_zero(cs)?)?;
    let valid = Num::all(cs, &[canonical.clone(), on, signed_zero.not()])?;
    let point =
        PointVar { x: valid.mul(cs, &x)?, y: Num::select(cs, &valid, y, &Num::constant(Fr::ONE))? };
    Ok((point, valid))
}

/// Whether `p` (a point of the curve) has low order: `8·p` is the identity, which for a point of
/// the curve means its `x` is 0 (no point has order 16). 17 constraints.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn is_low_order(cs: &ConstraintSystemRef<Fr>, p: &PointVar) -> Result<Num, SynthesisError> {
    let p8 = double(cs, &double(cs, &double(cs, p)?)?)?;
    p8.x.is_zero(cs)
}

/// Whether `(R8, S)` is an EdDSA-Poseidon signature on `msg` under `a`, as a 0/1 number: `S < l`
/// and `S·B8 = R8 + (8·a)·Poseidon(R8, a, msg)`. `a` and `r8` must be points of the curve (the
/// caller substitutes the identity for a missing key or an invalid `R8`). `s_bits`: the 256
/// little-endian bits of `S` as packed.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn verify(
    cs: &ConstraintSystemRef<Fr>,
    a: &PointVar,
    r8: &PointVar,
    s_bits: &[Boolean<Fr>],
    msg: &Num,
) -> Result<Num, SynthesisError> {
    debug_assert_eq!(s_bits.len(), 256);
    let one = Num::constant(Fr::ONE);
    // S < l < 2^251: bits 251.. are zero and the low 251 bits are below l, compared over the
    // windows that S·B8 looks up with. When S ≥ l the answer is 0, whatever S·B8 gives.
    let s_windows = Windows::new(cs, &s_bits[..251], 3)?;
    let high = s_bits[251..].iter().fold(Num::zero(), |acc, b| acc.add(&Num::from_bool(b)));
    let in_range = high.is_zero(cs)?.mul(cs, &s_windows.less_than(cs, Scalar::MODULUS)?)?;
    let h = poseidon(cs, &[r8.x.clone(), r8.y.clone(), a.x.clone(), a.y.clone(), msg.clone()])?;
    // h's canonical bits (h < r, so that the prover cannot use h + r), compared over the
    // windows that h·8A looks up with.
    let h_bits = h.to_bits_le(cs, Fr::MODULUS_BIT_SIZE as usize)?;
    let h_windows = Windows::new(cs, &h_bits, 2)?;
    h_windows.less_than(cs, Fr::MODULUS)?.enforce_equal(cs, &one)?;
    let a8 = double(cs, &double(cs, &double(cs, a)?)?)?;
    let right = add(cs, r8, &mul_var(cs, &h_windows, &a8)?)?;
    let left = mul_fixed(cs, &s_windows, &BASE8)?;
    let same_x = left.x.sub(&right.x).is_zero(cs)?;
    let same_y = left.y.sub(&right.y).is_zero(cs)?;
    Num::all(cs, &[in_range, same_x, same_y])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AffineRepr;
    use ark_ff::{BigInteger, UniformRand};
    use ark_relations::gr1cs::ConstraintSystem;
    use tribunal_primitives::{
        PrivateKey, Signature,
        eip2494::{pack_point, unpack_point},
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
        let fixed = mul_fixed(&cs, &Windows::new(&cs, &bits, 3).unwrap(), &BASE8).unwrap();
        let expect = (BASE8 * s).into_affine();
        assert_eq!((fixed.x.value.unwrap(), fixed.y.value.unwrap()), (expect.x, expect.y));
        let p = (BASE8 * Scalar::from(12345u64)).into_affine();
        let pv = point_var(&cs, &p);
        let var = mul_var(&cs, &Windows::new(&cs, &bits, 2).unwrap(), &pv).unwrap();
        let expect = (p * s).into_affine();
        assert_eq!((var.x.value.unwrap(), var.y.value.unwrap()), (expect.x, expect.y));
        assert!(cs.is_satisfied().unwrap());
    }

    /// Decompresses `packed` and verifies `(packed ‖ s)` over `msg` under `pk` in a circuit;
    /// returns (satisfied, valid point, signature verifies, constraints).
    fn signature_circuit(
        packed: [u8; 32],
        s: [u8; 32],
        pk: Point,
        msg: Fr,
    ) -> (bool, Fr, Fr, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = crate::gadgets::num::alloc_bytes_bits(&cs, Some(&packed), 256).unwrap();
        let canonical = crate::gadgets::num::less_than(&cs, &bits[..255], Fr::MODULUS).unwrap();
        let y = Num::from_bits_le(&bits[..255]);
        let (r8, valid) = decompress(&cs, &y, &canonical, &bits[255]).unwrap();
        let s_bits = crate::gadgets::num::alloc_bytes_bits(&cs, Some(&s), 256).unwrap();
        let a = point_var(&cs, &pk);
        let m = Num::witness(&cs, Some(msg)).unwrap();
        let ok = verify(&cs, &a, &r8, &s_bits, &m).unwrap();
        (cs.is_satisfied().unwrap(), valid.value.unwrap(), ok.value.unwrap(), cs.num_constraints())
    }

    #[test]
    fn eddsa_accepts_a_zk_kit_signature_and_answers_no_to_tampering() {
        let key = PrivateKey::from_bytes([7; 32]);
        let msg = Fr::from(42u64);
        let sig = key.sign(&msg).to_bytes();
        let pk = key.public_key().0;
        let r8: [u8; 32] = sig[..32].try_into().unwrap();
        let s: [u8; 32] = sig[32..].try_into().unwrap();
        let (ok, valid, verifies, constraints) = signature_circuit(r8, s, pk, msg);
        assert!(ok && valid == Fr::ONE && verifies == Fr::ONE);
        println!("EdDSA-Poseidon verification with R8 decompression: {constraints} constraints");
        // Every tampering is satisfiable and answers "no", as the native code refuses it.
        let no = |packed: [u8; 32], s: [u8; 32], msg: Fr| {
            let (ok, _, verifies, _) = signature_circuit(packed, s, pk, msg);
            assert!(ok, "satisfiable");
            assert_eq!(verifies, Fr::ZERO);
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&packed);
            sig[32..].copy_from_slice(&s);
            assert!(
                Signature::from_bytes(&sig)
                    .and_then(|sig| key.public_key().verify(&msg, &sig))
                    .is_err()
            );
        };
        no(r8, s, msg + Fr::ONE);
        let mut other_s = s;
        other_s[5] ^= 1;
        no(r8, other_s, msg);
        let mut flipped = r8;
        flipped[31] ^= 0x80;
        no(flipped, s, msg);
        // S ≥ l: S + l has the same residue, and must still be refused.
        let l = Scalar::MODULUS.to_bytes_le();
        let mut s_plus_l = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(s[i]) + u16::from(l[i]) + carry;
            s_plus_l[i] = sum as u8;
            carry = sum >> 8;
        }
        no(r8, s_plus_l, msg);
        no(r8, [0xff; 32], msg);
    }

    #[test]
    fn malformed_and_low_order_points_are_answered_not_refused() {
        let key = PrivateKey::from_bytes([7; 32]);
        let pk = key.public_key().0;
        let valid_of = |packed: [u8; 32]| {
            let (ok, valid, ..) = signature_circuit(packed, [0; 32], pk, Fr::ONE);
            assert!(ok, "satisfiable for {packed:?}");
            valid
        };
        // y ≥ r, y with bit 254 set, a y with no point, a sign on x = 0, all-ones.
        let mut non_canonical = [0u8; 32];
        non_canonical.copy_from_slice(&Fr::MODULUS.to_bytes_le());
        let mut no_point = [0u8; 32];
        no_point[0] = 2;
        let mut signed_zero = [0u8; 32];
        signed_zero[0] = 1;
        signed_zero[31] = 0x80;
        let mut top = [0u8; 32];
        top[31] = 0x40;
        for bad in [non_canonical, no_point, signed_zero, top, [0xff; 32]] {
            assert!(unpack_point(&bad).is_err());
            assert_eq!(valid_of(bad), Fr::ZERO, "{bad:?}");
        }
        assert_eq!(valid_of(pack_point(&pk)), Fr::ONE);
        // Low order: the circuit's answer matches the native one on the 8-torsion and a key.
        let g = (BASE8 * Scalar::from(3u64)).into_affine();
        let t = tribunal_primitives::eip2494::point_from_coordinates(Fr::ZERO, -Fr::ONE).unwrap();
        for p in [pk, g, t, Point::zero(), (g.into_group() + t).into_affine()] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let low = is_low_order(&cs, &point_var(&cs, &p)).unwrap();
            assert!(cs.is_satisfied().unwrap());
            assert_eq!(
                low.value.unwrap() == Fr::ONE,
                tribunal_primitives::eip2494::is_low_order(&p),
                "{p:?}"
            );
        }
    }

    #[test]
    fn decompress_matches_unpack() {
        let p = (BASE8 * Scalar::from(99u64)).into_affine();
        let packed = pack_point(&p);
        assert_eq!(unpack_point(&packed).unwrap(), p);
    }
}
