//! Baby Jubjub, the twisted Edwards curve of EIP-2494, over the BN254 scalar field.
//!
//! `a·x² + y² = 1 + d·x²·y²` with `a = 168700`, `d = 168696`, exactly as circomlib and zk-kit use
//! it. `ark-ed-on-bn254` models the same group in the isomorphic `a = 1` form, whose coordinates
//! differ; so this module keeps its field types and states the EIP-2494 form as its own
//! [`TECurveConfig`]. Points therefore hash, pack and sign bit for bit as circomlib's do.
//!
//! Source: EIP-2494; circomlib `src/babyjub.js` (`packPoint`, `unpackPoint`).

use ark_ec::{
    CurveConfig,
    twisted_edwards::{Affine, MontCurveConfig, Projective, TECurveConfig},
};
use ark_ff::{BigInteger, Field, MontFp, PrimeField, Zero};

use crate::{
    Fr,
    error::PointError,
    field::{FIELD_BYTES, fr_from_le_bytes, fr_to_le_bytes},
};

/// The prime-order subgroup's scalar field: `l = 2736030358979909402780800718157159386076813972158567259200215660948447373041`.
pub use ark_ed_on_bn254::Fr as Scalar;

/// Baby Jubjub in its EIP-2494 form.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct BabyJubjubConfig;

/// An affine Baby Jubjub point (`x`, `y` in the BN254 scalar field).
pub type Point = Affine<BabyJubjubConfig>;

/// A projective Baby Jubjub point, for arithmetic.
pub type PointProjective = Projective<BabyJubjubConfig>;

impl CurveConfig for BabyJubjubConfig {
    type BaseField = Fr;
    type ScalarField = Scalar;

    /// The curve order is `8·l`.
    const COFACTOR: &'static [u64] = &[8];

    /// `8⁻¹ mod l`.
    const COFACTOR_INV: Scalar =
        MontFp!("2394026564107420727433200628387514462817212225638746351800188703329891451411");
}

impl TECurveConfig for BabyJubjubConfig {
    const COEFF_A: Fr = MontFp!("168700");
    const COEFF_D: Fr = MontFp!("168696");
    /// `Base8`, the generator of the prime-order subgroup that circomlib signs with.
    const GENERATOR: Point = Point::new_unchecked(BASE8_X, BASE8_Y);

    type MontCurveConfig = Self;
}

impl MontCurveConfig for BabyJubjubConfig {
    /// `A = 2(a + d)/(a - d) = 168698`.
    const COEFF_A: Fr = MontFp!("168698");
    /// `B = 4/(a - d) = 1`.
    const COEFF_B: Fr = MontFp!("1");

    type TECurveConfig = Self;
}

/// x-coordinate of `Base8` (EIP-2494 "B").
pub const BASE8_X: Fr =
    MontFp!("5299619240641551281634865583518297030282874472190772894086521144482721001553");
/// y-coordinate of `Base8` (EIP-2494 "B").
pub const BASE8_Y: Fr =
    MontFp!("16950150798460657717958625567821834550301663161624707787222815936182638968203");

/// `Base8`, the generator of the prime-order subgroup.
pub const BASE8: Point = Point::new_unchecked(BASE8_X, BASE8_Y);

/// Whether `x` counts as "negative" in circomlib's sign convention: `x > (r - 1)/2`.
fn is_negative(x: &Fr) -> bool {
    x.into_bigint() > Fr::MODULUS_MINUS_ONE_DIV_TWO
}

/// Packs a point into 32 bytes: `y` little-endian, with bit 255 set when `x` is negative.
///
/// This is circomlib's `babyJub.packPoint` and zk-kit's `packPoint` as bytes.
pub fn pack_point(p: &Point) -> [u8; FIELD_BYTES] {
    let mut out = fr_to_le_bytes(&p.y);
    if is_negative(&p.x) {
        out[31] |= 0x80;
    }
    out
}

/// Unpacks a point packed by [`pack_point`], checking that it lies on the curve.
///
/// # Errors
/// [`PointError::NonCanonical`] when `y >= r`, [`PointError::NotOnCurve`] when no `x` exists for
/// that `y`.
pub fn unpack_point(bytes: &[u8; FIELD_BYTES]) -> Result<Point, PointError> {
    let sign = bytes[31] & 0x80 != 0;
    let mut y_bytes = *bytes;
    y_bytes[31] &= 0x7f;
    let y = fr_from_le_bytes(&y_bytes).map_err(|_| PointError::NonCanonical)?;
    let y2 = y.square();
    // x² = (1 - y²) / (a - d·y²)
    let den = <BabyJubjubConfig as TECurveConfig>::COEFF_A
        - <BabyJubjubConfig as TECurveConfig>::COEFF_D * y2;
    let x2 = (Fr::ONE - y2) * den.inverse().ok_or(PointError::NotOnCurve)?;
    let mut x = x2.sqrt().ok_or(PointError::NotOnCurve)?;
    if is_negative(&x) {
        x = -x;
    }
    if sign {
        if x.is_zero() {
            // circomlib would return (0, y) here too, but that packing is never produced.
            return Err(PointError::NonCanonical);
        }
        x = -x;
    }
    let p = Point::new_unchecked(x, y);
    debug_assert!(p.is_on_curve());
    Ok(p)
}

/// Checks that a point given by raw coordinates is on the curve.
///
/// # Errors
/// [`PointError::NotOnCurve`].
pub fn point_from_coordinates(x: Fr, y: Fr) -> Result<Point, PointError> {
    let p = Point::new_unchecked(x, y);
    if p.is_on_curve() { Ok(p) } else { Err(PointError::NotOnCurve) }
}

/// Reduces a BN254 field element (as an integer) modulo the subgroup order `l`.
pub fn fr_to_scalar(x: &Fr) -> Scalar {
    Scalar::from_le_bytes_mod_order(&x.into_bigint().to_bytes_le())
}

/// Whether `p` is in the 8-torsion (`8·p` is the identity): the identity, `(0, −1)` of order 2,
/// the two points `(±1/√a, 0)` of order 4, and the four points of order 8. No public key may be
/// one of them ([`crate::PublicKey::from_bytes`]).
pub fn is_low_order(p: &Point) -> bool {
    use ark_ec::AffineRepr;
    p.mul_by_cofactor().is_zero()
}

/// The eight points `P` with `8·P = O` (the identity included), as the multiples of `l·G` for
/// EIP-2494's generator `G` of full order `8·l`. Test vectors for [`is_low_order`].
pub fn low_order_points() -> [Point; 8] {
    use ark_ec::{AffineRepr, CurveGroup};
    let g = point_from_coordinates(
        MontFp!("995203441582195749578291179787384436505546430278305826713579947235728471134"),
        MontFp!("5472060717959818805561601436314318772137091100104008585924551046643952123905"),
    )
    .expect("EIP-2494's generator is on the curve");
    let t = g.mul_bigint(Scalar::MODULUS);
    std::array::from_fn(|k| (t * Scalar::from(k as u64)).into_affine())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};

    #[test]
    fn base8_is_on_curve_and_of_order_l() {
        assert!(BASE8.is_on_curve());
        assert!(BASE8.is_in_correct_subgroup_assuming_on_curve());
        let g = PointProjective::generator();
        assert_eq!(g.into_affine(), BASE8);
        // EIP-2494's generator G is a point of full order 8·l with 8·G = Base8.
        let gen_full = point_from_coordinates(
            MontFp!("995203441582195749578291179787384436505546430278305826713579947235728471134"),
            MontFp!("5472060717959818805561601436314318772137091100104008585924551046643952123905"),
        )
        .unwrap();
        assert_eq!(gen_full.mul_by_cofactor(), BASE8);
    }

    #[test]
    fn pack_unpack_roundtrip() {
        let mut p = PointProjective::generator();
        for i in 1..50u64 {
            let a = p.into_affine();
            assert_eq!(unpack_point(&pack_point(&a)).unwrap(), a, "point {i}");
            assert_eq!(unpack_point(&pack_point(&-a)).unwrap(), -a, "point -{i}");
            p += BASE8.into_group() * Scalar::from(i * 7919);
        }
    }

    #[test]
    fn the_8_torsion_is_low_order_and_nothing_else_is() {
        let points = low_order_points();
        let distinct: std::collections::HashSet<_> = points.iter().map(pack_point).collect();
        assert_eq!(distinct.len(), 8);
        for p in &points {
            assert!(p.is_on_curve() && is_low_order(p), "{p:?}");
            assert_eq!(unpack_point(&pack_point(p)).unwrap(), *p);
        }
        // Their y values: 1, −1, 0 (order 4) and ±y8 (order 8), as `Inbox` and `StfStep` list them.
        let ys: std::collections::BTreeSet<String> =
            points.iter().map(|p| p.y.into_bigint().to_string()).collect();
        assert_eq!(ys.len(), 5, "{ys:?}");
        println!("8-torsion y values: {ys:?}");
        assert!(!is_low_order(&BASE8));
        assert!(!is_low_order(&(BASE8.into_group() + points[1]).into_affine()));
    }

    #[test]
    fn unpack_rejects_bad_bytes() {
        assert_eq!(unpack_point(&[0xff; 32]), Err(PointError::NonCanonical));
        // y = 2 has no x on the curve.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        assert!(unpack_point(&bytes).is_err());
    }
}
