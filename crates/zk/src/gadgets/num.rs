//! [`Num`]: a field element as an explicit linear combination with its value.
//!
//! Additions and constant multiplications are free (they only grow the combination); a
//! multiplication of two variables allocates the product and costs one R1CS constraint. Keeping
//! the combination explicit, instead of arkworks' symbolic LCs, keeps synthesis of the
//! hash-heavy circuit fast and its matrices predictable. When the constraint system builds no
//! matrices (a proof's witness synthesis), the combinations are left empty and only values are
//! computed; whether a number is a constant, which decides the constraints, is tracked
//! structurally in both modes.

use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::{
    boolean::Boolean,
    fields::fp::{AllocatedFp, FpVar},
};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use tribunal_primitives::Fr;

/// A field element `c₀ + Σ cᵢ·vᵢ` over the constraint system's variables, with its value
/// (`None` while generating keys).
#[derive(Clone, Debug)]
pub struct Num {
    /// `Σ cᵢ·vᵢ`, compacted, never holding `Variable::One`; empty when the constraint system
    /// builds no matrices.
    terms: LinearCombination<Fr>,
    /// The constant term `c₀`.
    offset: Fr,
    /// Whether no variable enters the combination: decided by how the number was built, never
    /// by its value, so that setup and proving build the same constraints.
    constant: bool,
    /// Its value, when witnesses are known.
    pub value: Option<Fr>,
}

/// Maps a missing value to arkworks' "no assignment" error.
pub(crate) fn known<T>(v: Option<T>) -> Result<T, SynthesisError> {
    v.ok_or(SynthesisError::AssignmentMissing)
}

/// Whether `cs` reads linear combinations: it turns them into matrix rows (setup, or a system
/// checked for satisfaction) or assigns symbolic ones; a proof's witness synthesis does neither.
fn builds_rows(cs: &ConstraintSystemRef<Fr>) -> bool {
    debug_assert!(!cs.is_none(), "a variable outside any constraint system");
    cs.borrow()
        .is_some_and(|cs| cs.should_construct_matrices() || cs.should_generate_lc_assignments())
}

impl Num {
    /// The constant `c`.
    pub fn constant(c: Fr) -> Self {
        Self { terms: LinearCombination::new(), offset: c, constant: true, value: Some(c) }
    }

    /// Zero.
    pub fn zero() -> Self {
        Self::constant(Fr::ZERO)
    }

    /// `1·v` for a variable of `cs`, with `value`.
    fn variable(cs: &ConstraintSystemRef<Fr>, v: Variable, value: Option<Fr>) -> Self {
        let terms = if builds_rows(cs) {
            LinearCombination::from_sum_coeff_vars(&[(Fr::ONE, v)])
        } else {
            LinearCombination::new()
        };
        Self { terms, offset: Fr::ZERO, constant: false, value }
    }

    /// A fresh witness variable (no constraint).
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn witness(
        cs: &ConstraintSystemRef<Fr>,
        value: Option<Fr>,
    ) -> Result<Self, SynthesisError> {
        let v = cs.new_witness_variable(|| known(value))?;
        Ok(Self::variable(cs, v, value))
    }

    /// A Boolean as a number (0 or 1).
    pub fn from_bool(b: &Boolean<Fr>) -> Self {
        match b {
            Boolean::Constant(b) => Self::constant(Fr::from(*b)),
            Boolean::Var(v) => Self::variable(&b.cs(), v.variable(), v.value().ok().map(Fr::from)),
        }
    }

    /// `Σ 2^i·bᵢ` over little-endian bits (no constraint; callers bound the length).
    pub fn from_bits_le(bits: &[Boolean<Fr>]) -> Self {
        let mut out = Self::zero();
        let mut terms = Vec::new();
        let mut coeff = Fr::ONE;
        for b in bits {
            match b {
                Boolean::Constant(true) => out.offset += coeff,
                Boolean::Constant(false) => {}
                Boolean::Var(v) => {
                    out.constant = false;
                    if builds_rows(&b.cs()) {
                        terms.push((coeff, v.variable()));
                    }
                }
            }
            out.value = out.value.zip(b.value().ok()).map(|(x, b)| if b { x + coeff } else { x });
            coeff.double_in_place();
        }
        out.terms = LinearCombination::from_sum_coeff_vars(&terms);
        out.terms.compactify();
        out
    }

    /// The combination, its constant term included.
    pub fn lc(&self) -> LinearCombination<Fr> {
        let mut lc = self.terms.clone();
        if self.offset != Fr::ZERO {
            lc.0.push((self.offset, Variable::One));
        }
        lc
    }

    /// An arkworks field variable with the same value (a symbolic LC, no constraint).
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn to_fp(&self, cs: &ConstraintSystemRef<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let v = cs.new_lc(|| self.lc())?;
        Ok(FpVar::Var(AllocatedFp::new(self.value, v, cs.clone())))
    }

    /// The number behind an arkworks field variable.
    pub fn from_fp(x: &FpVar<Fr>) -> Self {
        match x {
            FpVar::Constant(c) => Self::constant(*c),
            FpVar::Var(a) => Self::variable(&a.cs, a.variable, a.value().ok()),
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Self) -> Self {
        let terms = if other.terms.0.is_empty() {
            self.terms.clone()
        } else if self.terms.0.is_empty() {
            other.terms.clone()
        } else {
            let mut lc = self.terms.clone();
            lc.0.extend_from_slice(&other.terms.0);
            lc.compactify();
            lc
        };
        Self {
            terms,
            offset: self.offset + other.offset,
            constant: self.constant && other.constant,
            value: self.value.zip(other.value).map(|(a, b)| a + b),
        }
    }

    /// `self - other`.
    pub fn sub(&self, other: &Self) -> Self {
        self.add(&other.scale(-Fr::ONE))
    }

    /// `c·self`.
    pub fn scale(&self, c: Fr) -> Self {
        let mut terms = self.terms.clone();
        for (coeff, _) in terms.0.iter_mut() {
            *coeff *= c;
        }
        Self {
            terms,
            offset: self.offset * c,
            constant: self.constant,
            value: self.value.map(|v| v * c),
        }
    }

    /// `self + c`.
    pub fn add_constant(&self, c: Fr) -> Self {
        Self {
            terms: self.terms.clone(),
            offset: self.offset + c,
            constant: self.constant,
            value: self.value.map(|v| v + c),
        }
    }

    /// The constant behind `self`, when its combination holds no variable.
    ///
    /// Decided by how `self` was built, never by its value, so that setup and proving build the
    /// same constraints.
    pub fn as_constant(&self) -> Option<Fr> {
        self.constant.then_some(self.offset)
    }

    /// `self·other`: one constraint that allocates the product, or none when either factor is a
    /// constant (a scaling; for example a Poseidon S-box on a lane that is still constant).
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn mul(&self, cs: &ConstraintSystemRef<Fr>, other: &Self) -> Result<Self, SynthesisError> {
        if let Some(c) = self.as_constant() {
            return Ok(other.scale(c));
        }
        if let Some(c) = other.as_constant() {
            return Ok(self.scale(c));
        }
        let product = Self::witness(cs, self.value.zip(other.value).map(|(a, b)| a * b))?;
        cs.enforce_r1cs_constraint(|| self.lc(), || other.lc(), || product.lc())?;
        Ok(product)
    }

    /// Enforces `self·other = out`: one constraint.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn mul_equals(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        other: &Self,
        out: &Self,
    ) -> Result<(), SynthesisError> {
        cs.enforce_r1cs_constraint(|| self.lc(), || other.lc(), || out.lc())
    }

    /// Enforces `self = other`: one constraint.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn enforce_equal(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        other: &Self,
    ) -> Result<(), SynthesisError> {
        self.sub(other).mul_equals(cs, &Self::constant(Fr::ONE), &Self::zero())
    }

    /// Enforces `self = other` when `cond` holds: one constraint.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn conditional_enforce_equal(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        other: &Self,
        cond: &Self,
    ) -> Result<(), SynthesisError> {
        self.sub(other).mul_equals(cs, cond, &Self::zero())
    }

    /// `cond ? a : b` for a 0/1 `cond`: one constraint.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn select(
        cs: &ConstraintSystemRef<Fr>,
        cond: &Self,
        a: &Self,
        b: &Self,
    ) -> Result<Self, SynthesisError> {
        Ok(b.add(&cond.mul(cs, &a.sub(b))?))
    }

    /// Allocates the `n` little-endian bits of `self` and enforces that they recompose it:
    /// `n + 1` constraints. With `n ≤ 253` this is a range check `self < 2^n`.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system, or unsatisfiability when the value needs
    /// more bits.
    pub fn to_bits_le(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        n: usize,
    ) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
        let bits = alloc_bits(cs, self.value, n)?;
        Self::from_bits_le(&bits).enforce_equal(cs, self)?;
        Ok(bits)
    }

    /// `self == 0` as a 0/1 number: two constraints (`self·inv = 1 − z`, `self·z = 0`), which
    /// leave the prover no choice of `z`.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn is_zero(&self, cs: &ConstraintSystemRef<Fr>) -> Result<Self, SynthesisError> {
        let inv = Self::witness(cs, self.value.map(|v| v.inverse().unwrap_or(Fr::ZERO)))?;
        let z = Self::witness(cs, self.value.map(|v| Fr::from(v == Fr::ZERO)))?;
        self.mul_equals(cs, &inv, &Self::constant(Fr::ONE).sub(&z))?;
        self.mul_equals(cs, &z, &Self::zero())?;
        Ok(z)
    }

    /// `1 − self`, for a 0/1 number.
    pub fn not(&self) -> Self {
        Self::constant(Fr::ONE).sub(self)
    }

    /// The product of 0/1 numbers (their conjunction): one constraint per factor after the
    /// first.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn all(cs: &ConstraintSystemRef<Fr>, factors: &[Self]) -> Result<Self, SynthesisError> {
        let mut out = factors.first().cloned().unwrap_or_else(|| Self::constant(Fr::ONE));
        for f in factors.iter().skip(1) {
            out = out.mul(cs, f)?;
        }
        Ok(out)
    }

    /// The canonical 254 little-endian bits of `self`: a decomposition (255 constraints) and
    /// `bits < r` enforced through [`less_than`] (about 200 more).
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn to_bits_le_strict(
        &self,
        cs: &ConstraintSystemRef<Fr>,
    ) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
        let bits = self.to_bits_le(cs, Fr::MODULUS_BIT_SIZE as usize)?;
        less_than(cs, &bits, Fr::MODULUS)?.enforce_equal(cs, &Self::constant(Fr::ONE))?;
        Ok(bits)
    }
}

/// Allocates `n` Boolean witnesses holding the low `n` bits of `value`, little-endian.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn alloc_bits(
    cs: &ConstraintSystemRef<Fr>,
    value: Option<Fr>,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    use ark_ff::BigInteger;
    use ark_r1cs_std::alloc::AllocVar;
    let bits = value.map(|v| v.into_bigint().to_bits_le());
    (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                known(bits.as_ref()).map(|b| b.get(i).copied().unwrap_or(false))
            })
        })
        .collect()
}

/// Allocates the `n` low bits of the little-endian integer `bytes` (any value, not reduced modulo
/// the field), little-endian.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn alloc_bytes_bits(
    cs: &ConstraintSystemRef<Fr>,
    bytes: Option<&[u8]>,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    use ark_r1cs_std::alloc::AllocVar;
    (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                known(bytes).map(|b| b.get(i / 8).is_some_and(|byte| byte >> (i % 8) & 1 == 1))
            })
        })
        .collect()
}

/// Whether the integer with little-endian `bits` is below the constant `bound` (`bound <
/// 2^bits.len()`), as a 0/1 number. Unlike an enforced range check, either answer is
/// satisfiable, and only the right one.
///
/// A comparison from the top bit down, run by run of equal bits in `bound`: a run of up to
/// three bits costs one constraint per bit, a longer one three (whether all its bits match the
/// bound's is one zero test of their sum). For `r` that is 195 constraints over 254 bits.
///
/// # Panics
/// When `bound` does not fit the bits: a circuit-construction bug.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn less_than(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    bound: impl ark_ff::BigInteger,
) -> Result<Num, SynthesisError> {
    let bound_bits = bound.to_bits_le();
    assert!(bound_bits.iter().skip(bits.len()).all(|b| !b), "the bound must fit the bits");
    let bound_bit = |i: usize| bound_bits.get(i).copied().unwrap_or(false);
    // `equal`: the bits above the current ones equal the bound's (`None`: still the constant 1).
    let mut equal: Option<Num> = None;
    let mut less = Num::zero();
    // `e·m` for a 0/1 `m` that the bits below `equal` match the bound's.
    let and = |equal: &Option<Num>, m: Num| -> Result<Num, SynthesisError> {
        match equal {
            None => Ok(m),
            Some(e) => e.mul(cs, &m),
        }
    };
    let mut top = bits.len();
    while top > 0 {
        let one = bound_bit(top - 1);
        let mut start = top - 1;
        while start > 0 && bound_bit(start - 1) == one {
            start -= 1;
        }
        let run = &bits[start..top];
        let steps: Vec<Num> = if run.len() <= 3 {
            run.iter().rev().map(Num::from_bool).collect()
        } else {
            // The whole run at once: its bits all 1 (a run of ones) or all 0.
            let sum = run.iter().fold(Num::zero(), |a, b| a.add(&Num::from_bool(b)));
            let target = if one { run.len() as u64 } else { 0 };
            let all = sum.add_constant(-Fr::from(target)).is_zero(cs)?;
            // Stated as "the bits are ones", the step below treats it as one bit of the run.
            vec![if one { all } else { all.not() }]
        };
        for b in steps {
            let before = equal.clone().unwrap_or_else(|| Num::constant(Fr::ONE));
            let both = and(&equal, b)?;
            if one {
                // A 0 where the bound has a 1 decides "less"; a 1 keeps them equal.
                less = less.add(&before.sub(&both));
                equal = Some(both);
            } else {
                // A 1 where the bound has a 0 decides "not less".
                equal = Some(before.sub(&both));
            }
        }
        top = start;
    }
    Ok(less)
}

/// Products of every subset of `bits`: index `i` holds the product of the bits set in `i`
/// (index 0 is 1). `2^k − k − 1` constraints for `k` bits: the monomials of a multilinear
/// lookup.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn monomials(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
) -> Result<Vec<Num>, SynthesisError> {
    let mut out = vec![Num::constant(Fr::ONE); 1 << bits.len()];
    for i in 1..out.len() {
        let low = i.trailing_zeros() as usize;
        let rest = i & (i - 1);
        let b = Num::from_bool(&bits[low]);
        out[i] = if rest == 0 { b } else { out[rest].mul(cs, &b)? };
    }
    Ok(out)
}

/// The coefficients, over [`monomials`], of the multilinear polynomial through `values`
/// (indexed by bit pattern), over constants or numbers alike.
pub fn interpolate<T: Clone>(mut c: Vec<T>, sub: impl Fn(&T, &T) -> T) -> Vec<T> {
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

/// A scalar's little-endian bits cut into windows (the last may be shorter), each with its
/// [`monomials`]: what a windowed scalar multiplication looks up with, and what
/// [`Windows::less_than`] compares at no further cost per window.
#[derive(Clone, Debug)]
pub struct Windows {
    /// Per window, little-endian: the monomials of its bits. Private: only [`Windows::new`]
    /// builds them, as constrained products of the bits.
    monomials: Vec<Vec<Num>>,
}

impl Windows {
    /// `bits` in windows of `k`: `2^k − k − 1` constraints per full window.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn new(
        cs: &ConstraintSystemRef<Fr>,
        bits: &[Boolean<Fr>],
        k: usize,
    ) -> Result<Self, SynthesisError> {
        Ok(Self { monomials: bits.chunks(k).map(|w| monomials(cs, w)).collect::<Result<_, _>>()? })
    }

    /// Per window, little-endian: index `i` holds the product of the window's bits set in `i`.
    pub fn monomials(&self) -> &[Vec<Num>] {
        &self.monomials
    }

    /// Whether the scalar is below the constant `bound` (`bound < 2^bits`), as a 0/1 number;
    /// either answer is satisfiable, and only the right one. `m + 2` constraints for `m`
    /// windows.
    ///
    /// Window `j` compares with the bound's bits at the same place as `s_j ∈ {−1, 0, 1}`, a
    /// constant combination of its monomials. The first window from the top where they differ
    /// decides, and `S = Σ s_j·2^j` has its sign, since `|Σ_{i<j} s_i·2^i| < 2^j`; `S + 2^m`,
    /// in `[1, 2^(m+1))`, has bit `m` clear exactly when `S < 0`. (The weighted sum of window
    /// comparisons is circomlib's `CompConstant` idea, here over shared monomials.)
    ///
    /// # Panics
    /// When `bound` does not fit the windows' bits: a circuit-construction bug.
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn less_than(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        bound: impl ark_ff::BigInteger,
    ) -> Result<Num, SynthesisError> {
        let bound_bits = bound.to_bits_le();
        let mut offset = 0;
        let mut sum = Num::zero();
        let mut weight = Fr::ONE;
        for window in &self.monomials {
            let k = window.len().trailing_zeros() as usize;
            let c = (0..k)
                .filter(|j| bound_bits.get(offset + j).copied().unwrap_or(false))
                .fold(0usize, |acc, j| acc | 1 << j);
            let signs = (0..window.len())
                .map(|v| match v.cmp(&c) {
                    std::cmp::Ordering::Less => -Fr::ONE,
                    std::cmp::Ordering::Equal => Fr::ZERO,
                    std::cmp::Ordering::Greater => Fr::ONE,
                })
                .collect();
            for (mono, coeff) in window.iter().zip(interpolate(signs, |a, b| *a - b)) {
                sum = sum.add(&mono.scale(coeff * weight));
            }
            weight.double_in_place();
            offset += k;
        }
        assert!(bound_bits.iter().skip(offset).all(|b| !b), "the bound must fit the bits");
        let m = self.monomials.len();
        let bits = sum.add_constant(weight).to_bits_le(cs, m + 1)?;
        Ok(Num::from_bool(&bits[m]).not())
    }
}

#[cfg(test)]
mod tests {
    use ark_ff::{BigInteger, UniformRand};
    use ark_relations::gr1cs::ConstraintSystem;
    use tribunal_primitives::eip2494::Scalar;

    use super::*;

    /// Values around `bound` and random ones, as 256-bit little-endian bytes.
    fn values(bound: &[u8; 32]) -> Vec<[u8; 32]> {
        let shift = |delta: i64| {
            let mut v = num_bigint::BigInt::from_bytes_le(num_bigint::Sign::Plus, bound);
            v += delta;
            let (_, mut bytes) = v.to_bytes_le();
            bytes.resize(32, 0);
            <[u8; 32]>::try_from(bytes).unwrap()
        };
        let mut rng = ark_std::test_rng();
        let mut out: Vec<[u8; 32]> = [-2i64, -1, 0, 1, 2].into_iter().map(shift).collect();
        out.extend([[0u8; 32], [0xff; 32]]);
        for _ in 0..6 {
            let mut r = Fr::rand(&mut rng).into_bigint().to_bytes_le();
            r.resize(32, 0);
            out.push(r.try_into().unwrap());
        }
        out
    }

    /// Both comparators, over `n` bits of each value, answer as the integers compare, with a
    /// satisfied system whose answer cannot be flipped.
    fn compares(bound: impl BigInteger, n: usize) {
        let mut bound_bytes = bound.to_bytes_le();
        bound_bytes.resize(32, 0);
        let bound_bytes: [u8; 32] = bound_bytes.try_into().unwrap();
        for v in values(&bound_bytes) {
            let mut v = v;
            for i in n..256 {
                v[i / 8] &= !(1 << (i % 8));
            }
            let expect = num_bigint::BigUint::from_bytes_le(&v)
                < num_bigint::BigUint::from_bytes_le(&bound_bytes);
            for windowed in [None, Some(2), Some(3)] {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let bits = alloc_bytes_bits(&cs, Some(&v), n).unwrap();
                let less = match windowed {
                    None => less_than(&cs, &bits, bound),
                    Some(k) => Windows::new(&cs, &bits, k).unwrap().less_than(&cs, bound),
                }
                .unwrap();
                assert!(cs.is_satisfied().unwrap());
                assert_eq!(less.value.unwrap(), Fr::from(expect), "{v:?} windows {windowed:?}");
                // The other answer is unsatisfiable.
                less.enforce_equal(&cs, &Num::constant(Fr::from(!expect))).unwrap();
                assert!(!cs.is_satisfied().unwrap());
            }
        }
    }

    #[test]
    fn comparisons_with_a_constant_answer_as_the_integers_compare() {
        compares(Fr::MODULUS, 254);
        compares(Fr::MODULUS, 256);
        compares(Scalar::MODULUS, 251);
        compares(Fr::MODULUS_MINUS_ONE_DIV_TWO, 253);
        compares(ark_ff::BigInt::<4>::from(0xf0u64), 9);
        compares(ark_ff::BigInt::<4>::from(1u64 << 20), 21);
    }

    /// Run by run, `x < r` over 254 bits costs 195 constraints, and over shared 2-bit windows
    /// 129; the strict decomposition refuses `x + r` for the same residue.
    #[test]
    fn comparison_costs_and_a_strict_decomposition() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = alloc_bits(&cs, Some(Fr::from(5u64)), 254).unwrap();
        let before = cs.num_constraints();
        less_than(&cs, &bits, Fr::MODULUS).unwrap();
        assert_eq!(cs.num_constraints() - before, 195);
        let windows = Windows::new(&cs, &bits, 2).unwrap();
        let before = cs.num_constraints();
        windows.less_than(&cs, Fr::MODULUS).unwrap();
        assert_eq!(cs.num_constraints() - before, 129);

        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = Num::witness(&cs, Some(Fr::from(5u64))).unwrap();
        x.to_bits_le_strict(&cs).unwrap();
        assert!(cs.is_satisfied().unwrap());
        // The bits of 5 + r recompose to the same residue and are refused.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let mut wide = Fr::MODULUS;
        wide.add_with_carry(&5u64.into());
        let bits: Vec<Boolean<Fr>> = alloc_bytes_bits(&cs, Some(&wide.to_bytes_le()), 254).unwrap();
        Num::from_bits_le(&bits).enforce_equal(&cs, &Num::constant(Fr::from(5u64))).unwrap();
        assert!(cs.is_satisfied().unwrap());
        less_than(&cs, &bits, Fr::MODULUS)
            .unwrap()
            .enforce_equal(&cs, &Num::constant(Fr::ONE))
            .unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }
}
