//! [`Num`]: a field element as an explicit linear combination with its value.
//!
//! Additions and constant multiplications are free (they only grow the combination); a
//! multiplication of two variables allocates the product and costs one R1CS constraint. Keeping
//! the combination explicit, instead of arkworks' symbolic LCs, keeps synthesis of the
//! hash-heavy circuit fast and its matrices predictable.

use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::{
    boolean::Boolean,
    fields::fp::{AllocatedFp, FpVar},
};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use tribunal_primitives::Fr;

/// A field element as `Σ cᵢ·vᵢ` over the constraint system's variables, with its value (`None`
/// while generating keys).
#[derive(Clone, Debug)]
pub struct Num {
    /// The linear combination.
    pub lc: LinearCombination<Fr>,
    /// Its value, when witnesses are known.
    pub value: Option<Fr>,
}

/// Maps a missing value to arkworks' "no assignment" error.
pub(crate) fn known<T>(v: Option<T>) -> Result<T, SynthesisError> {
    v.ok_or(SynthesisError::AssignmentMissing)
}

impl Num {
    /// The constant `c`.
    pub fn constant(c: Fr) -> Self {
        Self { lc: LinearCombination::from_sum_coeff_vars(&[(c, Variable::One)]), value: Some(c) }
    }

    /// Zero.
    pub fn zero() -> Self {
        Self { lc: LinearCombination::new(), value: Some(Fr::ZERO) }
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
        Ok(Self { lc: LinearCombination::from_sum_coeff_vars(&[(Fr::ONE, v)]), value })
    }

    /// A Boolean as a number (0 or 1).
    pub fn from_bool(b: &Boolean<Fr>) -> Self {
        Self { lc: b.lc(), value: b.value().ok().map(Fr::from) }
    }

    /// `Σ 2^i·bᵢ` over little-endian bits (no constraint; callers bound the length).
    pub fn from_bits_le(bits: &[Boolean<Fr>]) -> Self {
        let mut out = Self::zero();
        let mut coeff = Fr::ONE;
        for b in bits {
            out = out.add(&Self::from_bool(b).scale(coeff));
            coeff.double_in_place();
        }
        out
    }

    /// An arkworks field variable with the same value (a symbolic LC, no constraint).
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn to_fp(&self, cs: &ConstraintSystemRef<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let lc = self.lc.clone();
        let v = cs.new_lc(|| lc)?;
        Ok(FpVar::Var(AllocatedFp::new(self.value, v, cs.clone())))
    }

    /// The number behind an arkworks field variable.
    pub fn from_fp(x: &FpVar<Fr>) -> Self {
        match x {
            FpVar::Constant(c) => Self::constant(*c),
            FpVar::Var(a) => Self {
                lc: LinearCombination::from_sum_coeff_vars(&[(Fr::ONE, a.variable)]),
                value: a.value().ok(),
            },
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Self) -> Self {
        let mut lc = self.lc.clone();
        lc.0.extend_from_slice(&other.lc.0);
        lc.compactify();
        Self { lc, value: self.value.zip(other.value).map(|(a, b)| a + b) }
    }

    /// `self - other`.
    pub fn sub(&self, other: &Self) -> Self {
        self.add(&other.scale(-Fr::ONE))
    }

    /// `c·self`.
    pub fn scale(&self, c: Fr) -> Self {
        let mut lc = self.lc.clone();
        for (coeff, _) in lc.0.iter_mut() {
            *coeff *= c;
        }
        Self { lc, value: self.value.map(|v| v * c) }
    }

    /// `self + c`.
    pub fn add_constant(&self, c: Fr) -> Self {
        self.add(&Self::constant(c))
    }

    /// The constant behind `self`, when its combination holds no variable.
    ///
    /// Decided by the combination alone, never by the value, so that setup and proving build the
    /// same constraints.
    pub fn as_constant(&self) -> Option<Fr> {
        self.lc
            .0
            .iter()
            .all(|(_, v)| *v == Variable::One)
            .then(|| self.lc.0.iter().map(|(c, _)| *c).sum())
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
        let (a, b, c) = (self.lc.clone(), other.lc.clone(), product.lc.clone());
        cs.enforce_r1cs_constraint(|| a, || b, || c)?;
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
        let (a, b, c) = (self.lc.clone(), other.lc.clone(), out.lc.clone());
        cs.enforce_r1cs_constraint(|| a, || b, || c)
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

    /// The canonical 254 little-endian bits of `self` (`< r` enforced).
    ///
    /// # Errors
    /// [`SynthesisError`] from the constraint system.
    pub fn to_bits_le_strict(
        &self,
        cs: &ConstraintSystemRef<Fr>,
    ) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
        let bits = self.to_bits_le(cs, Fr::MODULUS_BIT_SIZE as usize)?;
        Boolean::enforce_in_field_le(&bits)?;
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
/// 2^bits.len()`), as a 0/1 number: a comparison from the top bit down, one constraint per bit
/// below the first. Unlike an enforced range check, either answer is satisfiable, and only the
/// right one.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn less_than(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    bound: impl ark_ff::BigInteger,
) -> Result<Num, SynthesisError> {
    let bound_bits = bound.to_bits_le();
    debug_assert!(bound_bits.iter().skip(bits.len()).all(|b| !b), "bound fits the bits");
    // `equal`: the bits above this one equal the bound's (`None`: still the constant 1).
    let mut equal: Option<Num> = None;
    let mut less = Num::zero();
    for (i, bit) in bits.iter().enumerate().rev() {
        let b = Num::from_bool(bit);
        let before = equal.clone().unwrap_or_else(|| Num::constant(Fr::ONE));
        let both = match &equal {
            None => b,
            Some(e) => e.mul(cs, &b)?,
        };
        if bound_bits.get(i).copied().unwrap_or(false) {
            // A 0 where the bound has a 1 decides "less"; a 1 keeps them equal.
            less = less.add(&before.sub(&both));
            equal = Some(both);
        } else {
            // A 1 where the bound has a 0 decides "not less".
            equal = Some(before.sub(&both));
        }
    }
    Ok(less)
}
