//! EIP-4844 blob evaluation in R1CS: the "proof of equivalence" that binds the circuit's batch
//! bytes to a blob's KZG commitment.
//!
//! The circuit proves `y = p(z)`, where `p` is the blob polynomial and `z` a Fiat–Shamir point
//! (typically a hash of the versioned hash and the circuit's own commitment to the bytes); L1
//! checks the same `(z, y)` against the blob's KZG commitment with the point-evaluation
//! precompile. The arithmetic is over
//! BLS12-381's scalar field (modulus `r`, about 2^254.86), emulated in BN254's scalar field
//! (modulus `p`, about 2^253.6).
//!
//! # The evaluation
//!
//! A blob holds 4096 field elements `e_i`, the evaluations of `p` over the 4096-th roots of
//! unity in bit-reversed order (consensus-specs `deneb/polynomial-commitments.md`:
//! `compute_roots_of_unity`, `bit_reversal_permutation`, primitive root 7). By the barycentric
//! formula (`evaluate_polynomial_in_evaluation_form`), with `N = 4096` and `ω_i` the `i`-th
//! bit-reversed root,
//!
//! ```text
//! p(z) = (z^N − 1)/N · Σ_i e_i·ω_i/(z − ω_i)        (z not a root of unity)
//! ```
//!
//! Indices `2m` and `2m+1` hold opposite roots, `ω_{2m+1} = −ω_{2m}` (bit reversal sends the low
//! index bit to the exponent's top bit, worth `ω^{2048} = −1`). The gadget therefore works on
//! pairs: with `ρ = ω_{2m}`, `Δ = e_{2m} − e_{2m+1}` and `Σ = e_{2m} + e_{2m+1}`,
//!
//! ```text
//! e_{2m}·ρ/(z − ρ) − e_{2m+1}·ρ/(z + ρ) = ρ·v_m,    v_m = (Δ·z + ρ·Σ)/(z² − ρ²)
//! ```
//!
//! so each pair costs one emulated check, `v_m·(z² − ρ²) ≡ Δ·z + ρ·Σ (mod r)`, sharing `z²`.
//! Elements not passed in are zero and cost nothing; an unpaired element is a pair whose other
//! half is the constant zero.
//!
//! # Emulated arithmetic
//!
//! An integer is a vector of 64-bit limbs (the elements' own limbs), each a BN254 linear
//! combination with a tracked integer range. A congruence `E ≡ 0 (mod r)` is proven as the
//! integer identity `E − q·r = 0`, with the quotient `q` witnessed and range-checked by its bits:
//! - a product of two limb vectors is witnessed coefficient by coefficient and checked by
//!   evaluating both sides at `2n − 1` small points (one R1CS constraint per coefficient);
//! - the identity's limbs are carried from the bottom in groups, each as long as the tracked
//!   ranges allow with no linear combination wrapping modulo `p` (one constraint and one
//!   range-checked carry per group). When the identity's magnitude is below `p·2^(64·K)`, only the
//!   lowest `K` limbs are carried and one more linear constraint checks the identity modulo `p`
//!   (CRT), which saves a carry.
//!
//! Residues are held in `[−2^254, 2^254)` (255 bits, not unique), which halves the magnitude of
//! products; only the output `y` is held in `[0, 2^255)` and checked `< r`. Every bit count is
//! derived from the tracked ranges, which depend only on the element indices: the constraint
//! system has the same shape with or without witness values.
//!
//! # Cost
//!
//! Measured in R1CS constraints of the gadget itself (asserted in the tests; the caller's
//! allocation of `z`'s bits and the elements' limbs is not included). It depends on the positions
//! only.
//! - Fixed: 9,000 with no elements. Twelve squarings (649 for `z²`, 653 each after: 7,832), the
//!   final product by `z^N − 1` (653), the check `y < r` (258), and the reduction of
//!   `Σ_m ρ_m·v_m/N` (257 with no pairs, 567–749 with some).
//! - Per pair: 662–663 when its constants `ρ²`, `ρ` are small (23% of pairs, e.g. `ρ = ±1, ±i`),
//!   729–731 otherwise.
//! - The circuit's layout: indices 0 and 1 (one pair) bring the total to 10,039; each run of four
//!   (two pairs) adds 1,326–1,527, about 1,430 on average (about 357 per element). A full blob
//!   (2,048 pairs) costs 1,473,040.
//!
//! # Roots of unity as `z`
//!
//! If `z = ±ρ` for a passed pair, `z² − ρ² = 0` and the pair's check reads `0 ≡ 2ρ·e`, where `e`
//! is the element at `z`: it is unsatisfiable when that element is non-zero, and otherwise the
//! output is still forced to `0 = p(z)` because the factor `z^N − 1` vanishes. For any other
//! root of unity the formula yields `0 = p(z)`. The case has negligible probability for a
//! Fiat–Shamir `z`.
//!
//! The same construction is used by Scroll's and Taiko's blob circuits ("proof of equivalence",
//! EIP-4844's rationale section); this is an independent implementation.

use std::{
    cmp::Ordering,
    collections::BTreeMap,
    ops::{Add, Mul, Neg, Sub},
    sync::OnceLock,
};

use alloy_eips::eip4844::FIELD_ELEMENTS_PER_BLOB;
use ark_bls12_381::Fr as BlsFr;
use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, PrimeField};
use ark_r1cs_std::{GR1CSVar, alloc::AllocVar, boolean::Boolean, fields::fp::FpVar, uint8::UInt8};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// Number of little-endian bits of the evaluation point `z` taken by [`evaluate_blob`]
/// (`z < 2^253 < r`, so every such `z` is a canonical BLS12-381 scalar).
pub const Z_BITS: usize = 253;

/// Blob size in field elements (EIP-4844 `FIELD_ELEMENTS_PER_BLOB`).
const N: usize = FIELD_ELEMENTS_PER_BLOB as usize;
/// `log2(N)`: the number of squarings from `z` to `z^N`.
const LOG_N: usize = 12;
/// Bits per limb of an emulated integer.
const LIMB_BITS: usize = 64;
/// Limb sizes of the 255 bits allocated for a residue mod `r` (see [`Repr`]).
const RESIDUE_LIMBS: [usize; 4] = [64, 64, 64, 63];
/// Limb sizes of `z` (`Z_BITS` bits).
const Z_LIMBS: [usize; 4] = [64, 64, 64, 61];
/// Limb sizes of a blob element passed in as [`BlobElementVar`] (`< 2^248`).
const ELEMENT_LIMBS: [usize; 4] = [64, 64, 64, 56];

/// A blob field element as four 64-bit little-endian limbs: `value = Σ limbs[j]·2^(64·j)`.
///
/// The caller must constrain each limb `< 2^64` and the top limb `< 2^56`, so `value < 2^248`
/// (31 payload bytes under a zero top byte, as a blob encoding does). [`evaluate_blob`] relies on
/// these bounds for soundness and does not re-check them.
#[derive(Clone, Debug)]
pub struct BlobElementVar<F: PrimeField> {
    /// Position in the blob, `0..4096` (EIP-4844 order: bit-reversed evaluation form).
    pub index: usize,
    /// Little-endian 64-bit limbs.
    pub limbs: [FpVar<F>; 4],
}

/// Evaluates the blob polynomial at `z` in R1CS: `y = p(z)` over BLS12-381's scalar field.
///
/// - `z_bits`: [`Z_BITS`] (253) little-endian bits of `z`.
/// - `elements`: the blob's non-zero field elements (every other element is zero), in any order;
///   elements sharing an index add up. Cost grows with the number of distinct index pairs
///   `(2m, 2m+1)` touched, not with the blob size.
///
/// Returns `y` as 32 big-endian bytes, canonical (`y < r`), the `y` of EIP-4844's
/// `compute_kzg_proof` / the point-evaluation precompile. Works in setup mode (no witness values);
/// the constraint system's shape depends only on the element indices.
///
/// Unsatisfiable when `z` is the root of unity of a passed element whose value is non-zero (see
/// the module docs); negligible for a Fiat–Shamir `z`.
///
/// # Errors
/// [`SynthesisError::Unsatisfiable`] when `z_bits` does not hold 253 bits or an index is
/// `≥ 4096`; [`SynthesisError::AssignmentMissing`] when proving without witness values; any
/// other [`SynthesisError`] from the constraint system.
pub fn evaluate_blob(
    cs: ConstraintSystemRef<Fr>,
    z_bits: &[Boolean<Fr>],
    elements: &[BlobElementVar<Fr>],
) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    evaluate_blob_with(&mut Synth::honest(cs), z_bits, elements)
}

/// [`evaluate_blob`] with the witness choices routed through `s` (tests play a cheating prover).
fn evaluate_blob_with(
    s: &mut Synth<'_>,
    z_bits: &[Boolean<Fr>],
    elements: &[BlobElementVar<Fr>],
) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    if z_bits.len() != Z_BITS {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut pairs: BTreeMap<usize, [Vec<BigVar>; 2]> = BTreeMap::new();
    for e in elements {
        if e.index >= N {
            return Err(SynthesisError::Unsatisfiable);
        }
        pairs.entry(e.index / 2).or_default()[e.index % 2].push(BigVar::from_element(e));
    }

    // z, z^2 and z^N (LOG_N squarings, each reduced).
    let z = BigVar::from_bits(z_bits, &Z_LIMBS);
    let mut powers = Vec::with_capacity(LOG_N);
    let mut acc = z.clone();
    for k in 1..=LOG_N {
        let square = s.mul(&acc, &acc)?;
        acc = s.reduce(&square, Repr::Centered, Site::Power(k))?.0;
        powers.push(acc.clone());
    }
    let z2 = &powers[0];
    let z_n = &powers[LOG_N - 1];

    // One check per pair: v·(z² − ρ²) ≡ Δ·z + ρ·Σ, accumulating Σ_m (ρ_m/N)·v_m.
    let n_inv = BlsFr::from(N as u64).inverse().expect("N is a unit mod r");
    let mut sum = BigVar::constant(&Int::zero());
    for (m, [even, odd]) in &pairs {
        let e_even = BigVar::sum(even);
        let e_odd = BigVar::sum(odd);
        let delta = &e_even - &e_odd;
        let sigma = &e_even + &e_odd;
        let rho = brp_roots()[2 * m];
        let alpha = rho.square();
        let v_value = match (z.value(), delta.value(), sigma.value()) {
            (Some(z), Some(d), Some(sg)) => {
                let z = z.to_bls();
                let num = d.to_bls() * z + rho * sg.to_bls();
                // z = ±ρ: no v satisfies the check unless the numerator vanishes too (module docs).
                let v = num * (z.square() - alpha).inverse().unwrap_or_default();
                Some(Repr::Centered.represent(&Int::from_bls(v)))
            }
            _ => None,
        };
        let v = s.alloc_residue(v_value, Repr::Centered, Site::Pair(*m))?.0;
        let lhs = s.mul(&v, z2)? - v.scale(&Int::centered(alpha));
        let rhs = s.mul(&delta, &z)? + sigma.scale(&Int::centered(rho));
        s.enforce_zero_mod_r(&(lhs - rhs))?;
        sum = sum + v.scale(&Int::centered(rho * n_inv));
    }
    let sum = s.reduce(&sum, Repr::Centered, Site::Sum)?.0;

    // y = (z^N − 1)·Σ_m (ρ_m/N)·v_m, canonical.
    let vanishing = z_n - &BigVar::constant(&Int::from(1u64));
    let product = s.mul(&vanishing, &sum)?;
    let (y, mut y_bits) = s.reduce(&product, Repr::Unsigned, Site::Output)?;
    s.enforce_canonical(&y)?;
    y_bits.push(Boolean::FALSE);
    Ok(y_bits.chunks(8).rev().map(UInt8::from_bits_le).collect())
}

/// Evaluates the blob polynomial at `z` natively: the witness-side twin of [`evaluate_blob`].
///
/// - `z`: 32 big-endian bytes, read modulo `r` (EIP-4844 callers pass a canonical `z < r`).
/// - `elements`: `(index, value)` pairs, `value` as 32 big-endian bytes read modulo `r`; absent
///   indices are zero and repeated indices add up.
///
/// Returns `y = p(z)` as 32 big-endian bytes, canonical; equals the `y` of c-kzg's
/// `compute_kzg_proof` for the blob holding these elements (consensus-specs
/// `evaluate_polynomial_in_evaluation_form`, including its `z = ω_i` case).
///
/// # Panics
/// If an index is `≥ 4096`.
pub fn evaluate_blob_native(z: &[u8; 32], elements: &[(usize, [u8; 32])]) -> [u8; 32] {
    let roots = brp_roots();
    let z = BlsFr::from_be_bytes_mod_order(z);
    let mut evals: BTreeMap<usize, BlsFr> = BTreeMap::new();
    for (index, value) in elements {
        assert!(*index < N, "blob index {index} out of range 0..{N}");
        *evals.entry(*index).or_default() += BlsFr::from_be_bytes_mod_order(value);
    }
    let y = if let Some(i) = roots.iter().position(|w| *w == z) {
        evals.get(&i).copied().unwrap_or_default()
    } else {
        let sum: BlsFr = evals
            .iter()
            .map(|(i, e)| *e * roots[*i] * (z - roots[*i]).inverse().expect("z is not a root"))
            .sum();
        let n_inv = BlsFr::from(N as u64).inverse().expect("N is a unit mod r");
        (z.pow([N as u64]) - BlsFr::ONE) * n_inv * sum
    };
    y.into_bigint().to_bytes_be().try_into().expect("a BLS12-381 scalar is 32 bytes")
}

/// The 4096-th roots of unity in bit-reversed order: `ω_i = ω^{rev12(i)}`, `ω = 7^((r−1)/4096)`
/// (consensus-specs `compute_roots_of_unity` and `bit_reversal_permutation`).
fn brp_roots() -> &'static [BlsFr] {
    static ROOTS: OnceLock<Vec<BlsFr>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut exp = BlsFr::MODULUS;
        exp.sub_with_borrow(&1u64.into());
        exp >>= LOG_N as u32;
        let omega = BlsFr::from(7u64).pow(exp);
        let mut powers = Vec::with_capacity(N);
        let mut acc = BlsFr::ONE;
        for _ in 0..N {
            powers.push(acc);
            acc *= omega;
        }
        (0..N).map(|i| powers[i.reverse_bits() >> (usize::BITS as usize - LOG_N)]).collect()
    })
}

/// BLS12-381's scalar modulus `r`.
fn modulus_r() -> &'static Int {
    static R: OnceLock<Int> = OnceLock::new();
    R.get_or_init(|| Int::from_limbs(&BlsFr::MODULUS.0))
}

/// BN254's scalar modulus `p` (the constraint field).
fn modulus_p() -> &'static Int {
    static P: OnceLock<Int> = OnceLock::new();
    P.get_or_init(|| Int::from_limbs(&Fr::MODULUS.0))
}

// ----------------------------------------------------------------------------------------------
// Synthesis
// ----------------------------------------------------------------------------------------------

/// Where the prover picks a witness value. Tests use it to play a cheating prover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Site {
    /// `z^(2^k)`, reduced.
    Power(usize),
    /// `v_m` of pair `m`.
    Pair(usize),
    /// `Σ_m (ρ_m/N)·v_m`, reduced.
    Sum,
    /// The output `y`.
    Output,
    /// The quotient of the `k`-th congruence check (in synthesis order).
    Quotient(usize),
}

/// A witness hook: may change the value chosen at a [`Site`] before it is allocated.
type Cheat<'a> = Box<dyn FnMut(Site, &mut Int) + 'a>;

/// Shared state of one synthesis: the constraint system and the witness hook.
struct Synth<'a> {
    cs: ConstraintSystemRef<Fr>,
    /// Lets tests change a witness value before it is allocated; the identity otherwise.
    cheat: Cheat<'a>,
    /// Congruence checks synthesized so far.
    checks: usize,
}

impl Synth<'_> {
    fn honest(cs: ConstraintSystemRef<Fr>) -> Self {
        Self { cs, cheat: Box::new(|_, _| {}), checks: 0 }
    }

    /// Applies the witness hook to `value` at `site`.
    fn choose(&mut self, site: Site, value: Option<Int>) -> Option<Int> {
        value.map(|mut v| {
            (self.cheat)(site, &mut v);
            v
        })
    }

    /// Allocates `value` as little-endian bits grouped into limbs of `limb_bits` bits each; every
    /// bit is boolean-constrained (one constraint per bit). A value outside
    /// `[0, 2^Σlimb_bits)` (only a cheating prover's) is wrapped, leaving later checks failing.
    fn alloc_uint(
        &mut self,
        value: Option<&Int>,
        limb_bits: &[usize],
    ) -> Result<(BigVar, Vec<Boolean<Fr>>), SynthesisError> {
        let total: usize = limb_bits.iter().sum();
        let value = value.map(|v| v.rem_euclid(&Int::pow2(total)));
        let bits = (0..total)
            .map(|i| {
                Boolean::new_witness(self.cs.clone(), || known(value.as_ref()).map(|v| v.bit(i)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((BigVar::from_bits(&bits, limb_bits), bits))
    }

    /// Allocates a residue mod `r` in the representation `repr` (255 bits, four limbs).
    fn alloc_residue(
        &mut self,
        value: Option<Int>,
        repr: Repr,
        site: Site,
    ) -> Result<(BigVar, Vec<Boolean<Fr>>), SynthesisError> {
        let value = self.choose(site, value);
        let base = repr.base();
        let (shifted, bits) =
            self.alloc_uint(value.map(|v| &v - &base).as_ref(), &RESIDUE_LIMBS)?;
        Ok((&shifted + &BigVar::constant(&base), bits))
    }

    /// The product of two emulated integers, as the coefficients of the limb polynomials'
    /// product: `a.len() + b.len() − 1` witnesses and as many constraints `a(x)·b(x) = c(x)` at
    /// `x = 0, 1, 2, …` (a polynomial of that degree agreeing at that many points is the product
    /// over `Fp`; the tracked ranges keep each coefficient's integer value below `p`).
    fn mul(&mut self, a: &BigVar, b: &BigVar) -> Result<BigVar, SynthesisError> {
        let len = a.limbs.len() + b.limbs.len() - 1;
        let mut limbs = Vec::with_capacity(len);
        for k in 0..len {
            let (mut lo, mut hi, mut val) = (Int::zero(), Int::zero(), Some(Int::zero()));
            for i in k.saturating_sub(b.limbs.len() - 1)..=k.min(a.limbs.len() - 1) {
                let (x, y) = (&a.limbs[i], &b.limbs[k - i]);
                let corners = [&x.lo * &y.lo, &x.lo * &y.hi, &x.hi * &y.lo, &x.hi * &y.hi];
                lo = &lo + corners.iter().min().expect("four corners");
                hi = &hi + corners.iter().max().expect("four corners");
                val = match (val, &x.val, &y.val) {
                    (Some(acc), Some(x), Some(y)) => Some(&acc + &(x * y)),
                    _ => None,
                };
            }
            let var = self.cs.new_witness_variable(|| known(val.as_ref()).map(|v| v.to_fr()))?;
            limbs.push(Limb { lc: var.into(), lo, hi, val });
        }
        let c = BigVar { limbs };
        for x in 0..len as u64 {
            let (ax, bx, cx) = (a.eval_lc(x), b.eval_lc(x), c.eval_lc(x));
            self.cs.enforce_r1cs_constraint(|| ax, || bx, || cx)?;
        }
        Ok(c)
    }

    /// Enforces `e ≡ 0 (mod r)`: witnesses the quotient `q = e/r`, range-checked to the
    /// smallest power-of-two interval around `e`'s range divided by `r`, and proves
    /// `e − q·r = 0`.
    fn enforce_zero_mod_r(&mut self, e: &BigVar) -> Result<(), SynthesisError> {
        let r = modulus_r();
        let (lo, hi) = e.range();
        let (base, width) = centered_interval(&lo.div_ceil(r), &hi.div_floor(r));
        let limb_bits: Vec<usize> = (0..width.div_ceil(LIMB_BITS))
            .map(|j| (width - j * LIMB_BITS).min(LIMB_BITS))
            .collect();
        let site = Site::Quotient(self.checks);
        self.checks += 1;
        let q = self.choose(site, e.value().map(|v| v.div_floor(r)));
        let (q_shifted, _) = self.alloc_uint(q.map(|q| &q - &base).as_ref(), &limb_bits)?;
        // q·r = q_shifted·r + base·r; the constant is kept whole (limbs < 2^64).
        let identity = e - &q_shifted.scale(r) - BigVar::constant(&(&base * r));
        self.enforce_zero(&identity)
    }

    /// Returns `x mod r` in the representation `repr`, with its 255 allocated bits (little-endian,
    /// of `x mod r − repr.base()`).
    fn reduce(
        &mut self,
        x: &BigVar,
        repr: Repr,
        site: Site,
    ) -> Result<(BigVar, Vec<Boolean<Fr>>), SynthesisError> {
        let value = x.value().map(|v| repr.represent(&v));
        let (res, bits) = self.alloc_residue(value, repr, site)?;
        self.enforce_zero_mod_r(&(x - &res))?;
        Ok((res, bits))
    }

    /// Enforces `x ≤ r − 1` for `x` in `[0, 2^255)`: `x + d = r − 1` with `d` in `[0, 2^255)`.
    fn enforce_canonical(&mut self, x: &BigVar) -> Result<(), SynthesisError> {
        let r_minus_1 = modulus_r() - &Int::from(1u64);
        let d = x.value().map(|v| &r_minus_1 - &v);
        let (d, _) = self.alloc_uint(d.as_ref(), &RESIDUE_LIMBS)?;
        self.enforce_zero(&(x + &d - BigVar::constant(&r_minus_1)))
    }

    /// Enforces that the integer `E = Σ_j e_j·2^(64·j)` is zero, by the cheaper of two plans:
    /// - carry through every limb, the top group equal to zero ([`plan_carries`]);
    /// - carry only the lowest `K` limbs, proving `E ≡ 0 (mod 2^(64·K))`, and add the single
    ///   linear constraint `E ≡ 0 (mod p)`; when `|E| < p·2^(64·K)` for every value the tracked
    ///   ranges allow, the two congruences give `E = 0` (CRT, `p` odd).
    ///
    /// # Errors
    /// [`SynthesisError::Unsatisfiable`] if a single limb's range is too wide to carry (not
    /// reachable with blob-sized inputs).
    fn enforce_zero(&mut self, e: &BigVar) -> Result<(), SynthesisError> {
        let len = e.limbs.len();
        let full = plan_carries(&e.limbs, len, false);
        let (lo, hi) = e.range();
        let magnitude = lo.abs().max(hi.abs());
        let crt = (1..len)
            .find(|k| magnitude < modulus_p() * &Int::pow2(LIMB_BITS * k))
            .and_then(|k| plan_carries(&e.limbs, k, true));
        let cost =
            |plan: &[Group]| plan.iter().map(|g| g.carry_bits().unwrap_or(0) + 1).sum::<usize>();
        let (plan, mod_p) = match (full, crt) {
            (Some(full), Some(crt)) if cost(&crt) + 1 < cost(&full) => (crt, true),
            (Some(full), _) => (full, false),
            (None, Some(crt)) => (crt, true),
            (None, None) => return Err(SynthesisError::Unsatisfiable),
        };

        let mut carry: Option<Limb> = None;
        for group in &plan {
            let mut sum = carry.take().unwrap_or_else(|| Limb::constant(Int::zero()));
            for (j, limb) in e.limbs[group.start..group.end].iter().enumerate() {
                sum = sum.add(&limb.scale(&Int::pow2(LIMB_BITS * j)));
            }
            let residue = match &group.carry {
                None => sum.lc,
                Some((base, bits)) => {
                    let shift = Int::pow2(LIMB_BITS * (group.end - group.start));
                    let c = sum.val.as_ref().map(|v| &v.div_floor(&shift) - base);
                    let (c, _) = self.alloc_uint(c.as_ref(), &[*bits])?;
                    let c = c.limbs[0].add(&Limb::constant(base.clone()));
                    let residue = &sum.lc - &c.scale(&shift).lc;
                    carry = Some(c);
                    residue
                }
            };
            self.cs.enforce_r1cs_constraint(
                || residue,
                || Variable::One.into(),
                LinearCombination::zero,
            )?;
        }
        if mod_p {
            let mut weight = Fr::ONE;
            let shift = Int::pow2(LIMB_BITS).to_fr();
            let mut lc = LinearCombination::zero();
            for limb in &e.limbs {
                lc = &lc + &(&limb.lc * weight);
                weight *= shift;
            }
            self.cs.enforce_r1cs_constraint(
                || lc,
                || Variable::One.into(),
                LinearCombination::zero,
            )?;
        }
        Ok(())
    }
}

/// How a residue mod `r` is held: 255 allocated bits `b`, the value being `b + base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repr {
    /// In `[−2^254, 2^254)`: halves the magnitude of products, so their quotients and carries
    /// are smaller. Not unique (residues below `2^254 − r` have two representatives).
    Centered,
    /// In `[0, 2^255)`; the output, which is then checked `< r`.
    Unsigned,
}

impl Repr {
    fn base(self) -> Int {
        match self {
            Self::Centered => -&Int::pow2(254),
            Self::Unsigned => Int::zero(),
        }
    }

    /// The honest representative of `x mod r`.
    fn represent(self, x: &Int) -> Int {
        let v = x.rem_euclid(modulus_r());
        match self {
            Self::Centered if v >= Int::pow2(254) => &v - modulus_r(),
            _ => v,
        }
    }
}

/// `(base, bits)` of the smallest interval `[base, base + 2^bits)` holding `[lo, hi]`, with the
/// slack split evenly on both sides (keeping magnitudes, hence the wrap-around margins, small).
fn centered_interval(lo: &Int, hi: &Int) -> (Int, usize) {
    if hi < lo {
        // Empty: no honest value exists; any range keeps the constraints failing.
        return (lo.clone(), 0);
    }
    let width = hi - lo;
    let bits = width.bits();
    let slack = &(&Int::pow2(bits) - &Int::from(1u64)) - &width;
    (lo - &slack.div_floor(&Int::from(2u64)), bits)
}

/// One group of a carry chain: limbs `start..end` plus the incoming carry equal
/// `carry_out·2^(64·(end − start))`, or zero when there is no outgoing carry.
#[derive(Clone, Debug)]
struct Group {
    start: usize,
    end: usize,
    /// The outgoing carry's interval `[base, base + 2^bits)`.
    carry: Option<(Int, usize)>,
}

impl Group {
    fn carry_bits(&self) -> Option<usize> {
        self.carry.as_ref().map(|(_, bits)| *bits)
    }
}

/// Plans the carry chain over `limbs[..end]`: greedy groups, each as long as its equation
/// `G − c·2^(64·g) = 0` cannot wrap modulo `p` for any values in the tracked ranges. The last
/// group ends in a carry when `carry_out`, and must equal zero otherwise. `None` when even a
/// one-limb group could wrap.
fn plan_carries(limbs: &[Limb], end: usize, carry_out: bool) -> Option<Vec<Group>> {
    let p = modulus_p();
    let fits = |lo: &Int, hi: &Int| lo.abs() < *p && hi.abs() < *p;
    let mut plan = Vec::new();
    let mut carry = (Int::zero(), Int::zero());
    let mut start = 0;
    while start < end {
        let mut best = None;
        for g in 1..=end - start {
            let (mut lo, mut hi) = carry.clone();
            for (j, limb) in limbs[start..start + g].iter().enumerate() {
                let shift = Int::pow2(LIMB_BITS * j);
                lo = &lo + &(&limb.lo * &shift);
                hi = &hi + &(&limb.hi * &shift);
            }
            let candidate = if start + g == end && !carry_out {
                fits(&lo, &hi).then_some(None)
            } else {
                let shift = Int::pow2(LIMB_BITS * g);
                let (base, bits) = centered_interval(&lo.div_ceil(&shift), &hi.div_floor(&shift));
                let top = &(&base + &Int::pow2(bits)) - &Int::from(1u64);
                fits(&(&lo - &(&top * &shift)), &(&hi - &(&base * &shift)))
                    .then_some(Some((base, bits)))
            };
            match candidate {
                Some(c) => best = Some((g, c)),
                None => break,
            }
        }
        let (g, out) = best?;
        if let Some((base, bits)) = &out {
            carry = (base.clone(), &(base + &Int::pow2(*bits)) - &Int::from(1u64));
        }
        plan.push(Group { start, end: start + g, carry: out });
        start += g;
    }
    Some(plan)
}

/// Maps a missing value to arkworks' "no assignment" error.
fn known<T: Clone>(v: Option<&T>) -> Result<T, SynthesisError> {
    v.cloned().ok_or(SynthesisError::AssignmentMissing)
}

// ----------------------------------------------------------------------------------------------
// Emulated integers
// ----------------------------------------------------------------------------------------------

/// One limb of an emulated integer: a linear combination whose integer value lies in
/// `[lo, hi]`, with that value when witnesses are known.
#[derive(Clone, Debug)]
struct Limb {
    lc: LinearCombination<Fr>,
    lo: Int,
    hi: Int,
    val: Option<Int>,
}

impl Limb {
    fn constant(c: Int) -> Self {
        let lc = if c.is_zero() {
            LinearCombination::zero()
        } else {
            LinearCombination::from((c.to_fr(), Variable::One))
        };
        Self { lc, lo: c.clone(), hi: c.clone(), val: Some(c) }
    }

    fn add(&self, other: &Self) -> Self {
        Self {
            lc: &self.lc + &other.lc,
            lo: &self.lo + &other.lo,
            hi: &self.hi + &other.hi,
            val: self.val.as_ref().zip(other.val.as_ref()).map(|(a, b)| a + b),
        }
    }

    fn neg(&self) -> Self {
        Self {
            lc: -self.lc.clone(),
            lo: -&self.hi,
            hi: -&self.lo,
            val: self.val.as_ref().map(|v| -v),
        }
    }

    fn scale(&self, c: &Int) -> Self {
        let (lo, hi) =
            if c.is_neg() { (c * &self.hi, c * &self.lo) } else { (c * &self.lo, c * &self.hi) };
        Self { lc: &self.lc * c.to_fr(), lo, hi, val: self.val.as_ref().map(|v| c * v) }
    }
}

/// An emulated integer `Σ_j limbs[j]·2^(64·j)`; limbs may be negative or exceed 64 bits (sums
/// and products are kept unreduced, with their ranges tracked).
#[derive(Clone, Debug)]
struct BigVar {
    limbs: Vec<Limb>,
}

impl BigVar {
    /// The constant `c`, as limbs `< 2^64` in absolute value carrying `c`'s sign.
    fn constant(c: &Int) -> Self {
        let mut limbs: Vec<Limb> = c
            .mag
            .iter()
            .map(|&w| {
                let w = Int::from(w);
                Limb::constant(if c.is_neg() { -&w } else { w })
            })
            .collect();
        if limbs.is_empty() {
            limbs.push(Limb::constant(Int::zero()));
        }
        Self { limbs }
    }

    /// Little-endian `bits` grouped into limbs of `limb_bits` bits each (free: no constraint).
    fn from_bits(bits: &[Boolean<Fr>], limb_bits: &[usize]) -> Self {
        let mut limbs = Vec::with_capacity(limb_bits.len());
        let mut offset = 0;
        for &n in limb_bits {
            let chunk = &bits[offset..offset + n];
            let terms: Vec<(Fr, Variable)> = chunk
                .iter()
                .enumerate()
                .map(|(k, b)| (Int::pow2(k).to_fr(), b.variable()))
                .filter(|(_, v)| *v != Variable::Zero)
                .collect();
            let val = chunk.iter().rev().try_fold(Int::zero(), |acc, b| {
                b.value().ok().map(|b| &(&acc + &acc) + &Int::from(u64::from(b)))
            });
            limbs.push(Limb {
                lc: LinearCombination::from_sum_coeff_vars(&terms),
                lo: Int::zero(),
                hi: &Int::pow2(n) - &Int::from(1u64),
                val,
            });
            offset += n;
        }
        Self { limbs }
    }

    /// A caller-supplied element with the ranges [`BlobElementVar`] promises.
    fn from_element(e: &BlobElementVar<Fr>) -> Self {
        let limbs = e
            .limbs
            .iter()
            .zip(ELEMENT_LIMBS)
            .map(|(limb, bits)| Limb {
                lc: match limb {
                    FpVar::Constant(c) => LinearCombination::from((*c, Variable::One)),
                    FpVar::Var(v) => v.variable.into(),
                },
                lo: Int::zero(),
                hi: &Int::pow2(bits) - &Int::from(1u64),
                val: limb.value().ok().map(|f| Int::from_limbs(&f.into_bigint().0)),
            })
            .collect();
        Self { limbs }
    }

    /// The sum of `terms` (zero when empty).
    fn sum(terms: &[Self]) -> Self {
        terms.iter().fold(Self::constant(&Int::zero()), |acc, t| &acc + t)
    }

    /// The product with the constant `c` (limb polynomial times `c`'s limb polynomial; free).
    fn scale(&self, c: &Int) -> Self {
        let c = Self::constant(c);
        let mut limbs = vec![Limb::constant(Int::zero()); self.limbs.len() + c.limbs.len() - 1];
        for (i, ci) in c.limbs.iter().enumerate() {
            let ci = ci.lo.clone();
            if ci.is_zero() {
                continue;
            }
            for (j, limb) in self.limbs.iter().enumerate() {
                limbs[i + j] = limbs[i + j].add(&limb.scale(&ci));
            }
        }
        Self { limbs }
    }

    /// The integer value, when witnesses are known.
    fn value(&self) -> Option<Int> {
        self.limbs.iter().rev().try_fold(Int::zero(), |acc, l| {
            l.val.as_ref().map(|v| &(&acc * &Int::pow2(LIMB_BITS)) + v)
        })
    }

    /// Bounds `(min, max)` of the integer value, from the limbs' ranges.
    fn range(&self) -> (Int, Int) {
        self.limbs.iter().rev().fold((Int::zero(), Int::zero()), |(lo, hi), l| {
            let shift = Int::pow2(LIMB_BITS);
            (&(&lo * &shift) + &l.lo, &(&hi * &shift) + &l.hi)
        })
    }

    /// The limb polynomial evaluated at `x`: `Σ_j x^j·limbs[j]` as a linear combination.
    fn eval_lc(&self, x: u64) -> LinearCombination<Fr> {
        let x = Fr::from(x);
        let mut power = Fr::ONE;
        let mut acc = LinearCombination::zero();
        for limb in &self.limbs {
            acc = &acc + &(&limb.lc * power);
            power *= x;
        }
        acc
    }
}

impl Add for &BigVar {
    type Output = BigVar;

    fn add(self, other: &BigVar) -> BigVar {
        let len = self.limbs.len().max(other.limbs.len());
        let zero = Limb::constant(Int::zero());
        let limbs = (0..len)
            .map(|j| self.limbs.get(j).unwrap_or(&zero).add(other.limbs.get(j).unwrap_or(&zero)))
            .collect();
        BigVar { limbs }
    }
}

impl Add for BigVar {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        &self + &other
    }
}

impl Neg for &BigVar {
    type Output = BigVar;

    fn neg(self) -> BigVar {
        BigVar { limbs: self.limbs.iter().map(Limb::neg).collect() }
    }
}

impl Sub for &BigVar {
    type Output = BigVar;

    fn sub(self, other: &BigVar) -> BigVar {
        self + &-other
    }
}

impl Sub for BigVar {
    type Output = Self;

    fn sub(self, other: Self) -> Self {
        &self - &other
    }
}

// ----------------------------------------------------------------------------------------------
// Native signed integers (witness values and range bookkeeping)
// ----------------------------------------------------------------------------------------------

/// A signed integer of any size: sign and little-endian 64-bit magnitude without leading zero
/// words (zero is non-negative and empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Int {
    neg: bool,
    mag: Vec<u64>,
}

impl Int {
    fn new(neg: bool, mut mag: Vec<u64>) -> Self {
        while mag.last() == Some(&0) {
            mag.pop();
        }
        Self { neg: neg && !mag.is_empty(), mag }
    }

    const fn zero() -> Self {
        Self { neg: false, mag: Vec::new() }
    }

    fn from_limbs(limbs: &[u64]) -> Self {
        Self::new(false, limbs.to_vec())
    }

    fn pow2(k: usize) -> Self {
        let mut mag = vec![0; k / 64 + 1];
        mag[k / 64] = 1 << (k % 64);
        Self::new(false, mag)
    }

    const fn is_neg(&self) -> bool {
        self.neg
    }

    fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }

    fn abs(&self) -> Self {
        Self { neg: false, mag: self.mag.clone() }
    }

    /// Bit length of the magnitude.
    fn bits(&self) -> usize {
        self.mag.last().map_or(0, |top| 64 * self.mag.len() - top.leading_zeros() as usize)
    }

    /// Bit `i` of the magnitude.
    fn bit(&self, i: usize) -> bool {
        self.mag.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }

    /// `⌊self/d⌋` for `d > 0`.
    fn div_floor(&self, d: &Self) -> Self {
        let (q, rem) = mag_divrem(&self.mag, &d.mag);
        let q = Self::new(self.neg, q);
        if self.neg && !rem.is_empty() { &q - &Self::from(1u64) } else { q }
    }

    /// `⌈self/d⌉` for `d > 0`.
    fn div_ceil(&self, d: &Self) -> Self {
        -&(-self).div_floor(d)
    }

    /// `self mod d` in `[0, d)` for `d > 0`.
    fn rem_euclid(&self, d: &Self) -> Self {
        self - &(d * &self.div_floor(d))
    }

    /// The value modulo BN254's `p`.
    fn to_fr(&self) -> Fr {
        let bytes: Vec<u8> = self.mag.iter().flat_map(|w| w.to_le_bytes()).collect();
        let x = Fr::from_le_bytes_mod_order(&bytes);
        if self.neg { -x } else { x }
    }

    fn from_bls(x: BlsFr) -> Self {
        Self::from_limbs(&x.into_bigint().0)
    }

    /// The representative of `x` in `(−r/2, r/2)`.
    fn centered(x: BlsFr) -> Self {
        let v = Self::from_bls(x);
        if &v + &v > *modulus_r() { &v - modulus_r() } else { v }
    }

    /// The value modulo BLS12-381's `r`.
    fn to_bls(&self) -> BlsFr {
        let bytes: Vec<u8> =
            self.rem_euclid(modulus_r()).mag.iter().flat_map(|w| w.to_le_bytes()).collect();
        BlsFr::from_le_bytes_mod_order(&bytes)
    }
}

impl From<u64> for Int {
    fn from(x: u64) -> Self {
        Self::new(false, vec![x])
    }
}

impl Ord for Int {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => mag_cmp(&self.mag, &other.mag),
            (true, true) => mag_cmp(&other.mag, &self.mag),
        }
    }
}

impl PartialOrd for Int {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Add for &Int {
    type Output = Int;

    fn add(self, other: &Int) -> Int {
        if self.neg == other.neg {
            return Int::new(self.neg, mag_add(&self.mag, &other.mag));
        }
        match mag_cmp(&self.mag, &other.mag) {
            Ordering::Less => Int::new(other.neg, mag_sub(&other.mag, &self.mag)),
            _ => Int::new(self.neg, mag_sub(&self.mag, &other.mag)),
        }
    }
}

impl Neg for &Int {
    type Output = Int;

    fn neg(self) -> Int {
        Int::new(!self.neg, self.mag.clone())
    }
}

impl Sub for &Int {
    type Output = Int;

    fn sub(self, other: &Int) -> Int {
        self + &-other
    }
}

impl Mul for &Int {
    type Output = Int;

    fn mul(self, other: &Int) -> Int {
        Int::new(self.neg != other.neg, mag_mul(&self.mag, &other.mag))
    }
}

fn mag_cmp(a: &[u64], b: &[u64]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

fn mag_add(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0u128;
    for i in 0..a.len().max(b.len()) {
        let s = u128::from(*a.get(i).unwrap_or(&0)) + u128::from(*b.get(i).unwrap_or(&0)) + carry;
        out.push(s as u64);
        carry = s >> 64;
    }
    out.push(carry as u64);
    out
}

/// `a − b` for `a ≥ b`.
fn mag_sub(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = false;
    for (i, &x) in a.iter().enumerate() {
        let (d, b1) = x.overflowing_sub(*b.get(i).unwrap_or(&0));
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        out.push(d);
        borrow = b1 || b2;
    }
    out
}

fn mag_mul(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = vec![0u64; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &y) in b.iter().enumerate() {
            let t = u128::from(x) * u128::from(y) + u128::from(out[i + j]) + carry;
            out[i + j] = t as u64;
            carry = t >> 64;
        }
        out[i + b.len()] = carry as u64;
    }
    out
}

/// Quotient and remainder of magnitudes (`b ≠ 0`), by binary long division; both trimmed.
fn mag_divrem(a: &[u64], b: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let mut q = vec![0u64; a.len()];
    let mut rem: Vec<u64> = Vec::new();
    let a_bits = Int::from_limbs(a).bits();
    for i in (0..a_bits).rev() {
        // rem = 2·rem + bit_i(a)
        let mut carry = (a[i / 64] >> (i % 64)) & 1;
        for w in rem.iter_mut() {
            let next = *w >> 63;
            *w = (*w << 1) | carry;
            carry = next;
        }
        if carry != 0 {
            rem.push(carry);
        }
        if mag_cmp(&rem, b) != Ordering::Less {
            rem = Int::new(false, mag_sub(&rem, b)).mag;
            q[i / 64] |= 1 << (i % 64);
        }
    }
    (Int::new(false, q).mag, rem)
}

#[cfg(test)]
mod tests {
    use alloy_eips::eip4844::env_settings::EnvKzgSettings;
    use ark_r1cs_std::fields::FieldVar;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
    use ark_std::rand::{Rng, SeedableRng, rngs::StdRng};
    use c_kzg::{Blob, Bytes32};
    use proptest::prelude::*;

    use super::*;

    type Elements = Vec<(usize, [u8; 32])>;

    /// The circuit's layout: indices 0 and 1, then `runs` runs `2+4k ..= 2+4k+3`.
    fn positions(runs: usize) -> Vec<usize> {
        let mut v = vec![0, 1];
        for k in 0..runs {
            v.extend(2 + 4 * k..2 + 4 * k + 4);
        }
        v
    }

    /// A random element below 2^248 (zero top byte).
    fn random_element(rng: &mut impl Rng) -> [u8; 32] {
        let mut b = [0u8; 32];
        rng.fill(&mut b[1..]);
        b
    }

    /// A random point below 2^253.
    fn random_z(rng: &mut impl Rng) -> [u8; 32] {
        let mut b = [0u8; 32];
        rng.fill(&mut b[..]);
        b[0] &= 0x1f;
        b
    }

    fn random_blob(rng: &mut impl Rng, runs: usize) -> Elements {
        positions(runs).into_iter().map(|i| (i, random_element(rng))).collect()
    }

    /// `y` from c-kzg's `compute_kzg_proof` over the mainnet trusted setup.
    fn kzg_y(elements: &[(usize, [u8; 32])], z: &[u8; 32]) -> [u8; 32] {
        let mut bytes = vec![0u8; c_kzg::BYTES_PER_BLOB];
        for (i, e) in elements {
            bytes[32 * i..32 * i + 32].copy_from_slice(e);
        }
        let blob = Blob::from_bytes(&bytes).unwrap();
        let (_, y) =
            EnvKzgSettings::Default.get().compute_kzg_proof(&blob, &Bytes32::from(*z)).unwrap();
        *y
    }

    /// Little-endian 64-bit limbs of a 32-byte big-endian value.
    fn limbs_of(value: &[u8; 32]) -> [u64; 4] {
        core::array::from_fn(|j| {
            u64::from_be_bytes(value[24 - 8 * j..32 - 8 * j].try_into().unwrap())
        })
    }

    /// Allocates `z` and the elements as witnesses (values withheld when `setup`) and runs the
    /// gadget with the witness hook `cheat`. Returns the system, the output's value and the
    /// number of constraints the gadget added.
    fn synthesize(
        z: &[u8; 32],
        elements: &[(usize, [u8; 32])],
        setup: bool,
        cheat: Cheat<'_>,
    ) -> (ConstraintSystemRef<Fr>, Option<[u8; 32]>, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        if setup {
            cs.set_mode(SynthesisMode::Setup);
        }
        let z_int = Int::from_limbs(&limbs_of(z));
        let z_bits: Vec<Boolean<Fr>> = (0..Z_BITS)
            .map(|i| {
                Boolean::new_witness(cs.clone(), || {
                    if setup { Err(SynthesisError::AssignmentMissing) } else { Ok(z_int.bit(i)) }
                })
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let elements: Vec<BlobElementVar<Fr>> = elements
            .iter()
            .map(|(index, value)| {
                let limbs = limbs_of(value).map(|l| {
                    FpVar::new_witness(cs.clone(), || {
                        if setup { Err(SynthesisError::AssignmentMissing) } else { Ok(Fr::from(l)) }
                    })
                    .unwrap()
                });
                BlobElementVar { index: *index, limbs }
            })
            .collect();
        let before = cs.num_constraints();
        let mut s = Synth { cs: cs.clone(), cheat, checks: 0 };
        let y = evaluate_blob_with(&mut s, &z_bits, &elements).unwrap();
        assert_eq!(y.len(), 32);
        let value = y.iter().map(|b| b.value().ok()).collect::<Option<Vec<u8>>>();
        (cs.clone(), value.map(|v| v.try_into().unwrap()), cs.num_constraints() - before)
    }

    fn honest(
        z: &[u8; 32],
        elements: &[(usize, [u8; 32])],
    ) -> (ConstraintSystemRef<Fr>, Option<[u8; 32]>) {
        let (cs, y, _) = synthesize(z, elements, false, Box::new(|_, _| {}));
        (cs, y)
    }

    fn assert_satisfied(cs: &ConstraintSystemRef<Fr>) {
        assert!(cs.is_satisfied().unwrap(), "unsatisfied: {:?}", cs.which_is_unsatisfied());
    }

    #[test]
    fn roots_follow_consensus_specs() {
        let roots = brp_roots();
        assert_eq!(roots.len(), N);
        assert_eq!(roots[0], BlsFr::ONE);
        assert_eq!(roots[1], -BlsFr::ONE);
        for m in 0..N / 2 {
            assert_eq!(roots[2 * m + 1], -roots[2 * m]);
        }
        // roots[2048] = ω^1 (bit reversal of 0b1000_0000_0000): primitive of order 4096.
        let omega = roots[N / 2];
        assert_eq!(omega.pow([N as u64]), BlsFr::ONE);
        assert_ne!(omega.pow([N as u64 / 2]), BlsFr::ONE);
        assert_eq!(omega, BlsFr::from(7u64).pow((BlsFr::MODULUS >> LOG_N as u32).0) * BlsFr::ONE);
    }

    #[test]
    fn int_arithmetic() {
        let r = modulus_r();
        let a = &(r * r) + &Int::from(12345u64);
        assert_eq!(a.div_floor(r), r.clone());
        assert_eq!(a.rem_euclid(r), Int::from(12345u64));
        let neg = -&a;
        assert_eq!(neg.div_floor(r), &(-r) - &Int::from(1u64));
        assert_eq!(neg.div_ceil(r), -r);
        assert_eq!(neg.rem_euclid(r), r - &Int::from(12345u64));
        assert_eq!(Int::pow2(200).bits(), 201);
        assert_eq!((&Int::pow2(200) - &Int::pow2(200)), Int::zero());
        assert_eq!(neg.to_fr(), -a.to_fr());
    }

    #[test]
    fn native_matches_c_kzg() {
        let mut rng = StdRng::seed_from_u64(4844);
        for runs in [0, 1, 3, 16] {
            let elements = random_blob(&mut rng, runs);
            for _ in 0..3 {
                let z = random_z(&mut rng);
                assert_eq!(
                    evaluate_blob_native(&z, &elements),
                    kzg_y(&elements, &z),
                    "runs {runs}"
                );
            }
        }
        // z on the domain: the element there, or zero where the blob is empty.
        let elements = random_blob(&mut rng, 2);
        for index in [0, 1, 5, 9, 100] {
            let z: [u8; 32] = brp_roots()[index].into_bigint().to_bytes_be().try_into().unwrap();
            let y = evaluate_blob_native(&z, &elements);
            assert_eq!(y, kzg_y(&elements, &z));
            let expected = elements.iter().find(|(i, _)| *i == index).map_or([0; 32], |(_, e)| *e);
            assert_eq!(y, expected);
        }
    }

    #[test]
    fn gadget_matches_c_kzg() {
        let mut rng = StdRng::seed_from_u64(7);
        let elements = random_blob(&mut rng, 3);
        for _ in 0..3 {
            let z = random_z(&mut rng);
            let (cs, y) = honest(&z, &elements);
            assert_satisfied(&cs);
            assert_eq!(y.unwrap(), kzg_y(&elements, &z));
            assert_eq!(y.unwrap(), evaluate_blob_native(&z, &elements));
        }
    }

    #[test]
    fn gadget_handles_empty_and_unpaired() {
        let mut rng = StdRng::seed_from_u64(8);
        let z = random_z(&mut rng);
        let (cs, y) = honest(&z, &[]);
        assert_satisfied(&cs);
        assert_eq!(y.unwrap(), [0; 32]);
        // Lone halves of pairs, an index near the end, and a repeated index (values add up).
        let elements = vec![
            (1, random_element(&mut rng)),
            (6, random_element(&mut rng)),
            (4095, random_element(&mut rng)),
            (6, random_element(&mut rng)),
        ];
        let (cs, y) = honest(&z, &elements);
        assert_satisfied(&cs);
        assert_eq!(y.unwrap(), evaluate_blob_native(&z, &elements));
        let summed = {
            let sum = BlsFr::from_be_bytes_mod_order(&elements[1].1)
                + BlsFr::from_be_bytes_mod_order(&elements[3].1);
            let sum: [u8; 32] = sum.into_bigint().to_bytes_be().try_into().unwrap();
            vec![elements[0], (6, sum), elements[2]]
        };
        assert_eq!(y.unwrap(), kzg_y(&summed, &z));
    }

    /// Elements as constants, `z` as public input bits or as constant bits.
    #[test]
    fn gadget_takes_constants_and_inputs() {
        let mut rng = StdRng::seed_from_u64(9);
        let elements = random_blob(&mut rng, 1);
        let z = random_z(&mut rng);
        let z_int = Int::from_limbs(&limbs_of(&z));
        for z_constant in [false, true] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let z_bits: Vec<Boolean<Fr>> = (0..Z_BITS)
                .map(|i| {
                    if z_constant {
                        Boolean::constant(z_int.bit(i))
                    } else {
                        Boolean::new_input(cs.clone(), || Ok(z_int.bit(i))).unwrap()
                    }
                })
                .collect();
            let vars: Vec<BlobElementVar<Fr>> = elements
                .iter()
                .map(|(index, value)| BlobElementVar {
                    index: *index,
                    limbs: limbs_of(value).map(|l| FpVar::constant(Fr::from(l))),
                })
                .collect();
            let y = evaluate_blob(cs.clone(), &z_bits, &vars).unwrap();
            assert_satisfied(&cs);
            let y: Vec<u8> = y.iter().map(|b| b.value().unwrap()).collect();
            assert_eq!(y, kzg_y(&elements, &z));
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let bits = vec![Boolean::FALSE; Z_BITS];
        assert_eq!(
            evaluate_blob(cs.clone(), &bits[1..], &[]).map(|_| ()),
            Err(SynthesisError::Unsatisfiable)
        );
        let element = BlobElementVar { index: N, limbs: core::array::from_fn(|_| FpVar::zero()) };
        assert_eq!(
            evaluate_blob(cs, &bits, &[element]).map(|_| ()),
            Err(SynthesisError::Unsatisfiable)
        );
    }

    #[test]
    fn setup_mode_has_the_same_shape() {
        let mut rng = StdRng::seed_from_u64(10);
        let elements = random_blob(&mut rng, 2);
        let z = random_z(&mut rng);
        let (prove, _) = honest(&z, &elements);
        let (setup, y, _) = synthesize(&z, &elements, true, Box::new(|_, _| {}));
        assert!(y.is_none());
        assert_eq!(setup.num_constraints(), prove.num_constraints());
        assert_eq!(setup.num_witness_variables(), prove.num_witness_variables());
        assert_eq!(setup.num_instance_variables(), prove.num_instance_variables());
    }

    /// Constraint counts of the gadget alone (deterministic: they depend only on the element
    /// indices). Counted in setup mode, which `setup_mode_has_the_same_shape` ties to proving.
    #[test]
    fn constraint_counts() {
        let count = |indices: &[usize]| {
            let elements: Elements = indices.iter().map(|&i| (i, [0; 32])).collect();
            synthesize(&[0; 32], &elements, true, Box::new(|_, _| {})).2
        };
        let fixed = count(&[]);
        assert_eq!(fixed, 9_000);
        let totals: Vec<usize> = [0, 1, 2, 3, 4, 8, 64].map(|runs| count(&positions(runs))).into();
        assert_eq!(totals, [10_039, 11_374, 12_770, 14_235, 15_762, 21_609, 101_913]);
        // Per run of four elements (two pairs): well under 2,500.
        let per_run: Vec<usize> = totals[..5].windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(per_run, [1_335, 1_396, 1_465, 1_527]);
        // A pair with small constants (ρ = i); the same pair half-empty (one quotient bit fewer);
        // a pair with large constants.
        assert_eq!(count(&[2, 3]) - fixed, 663 + (567 - 257));
        assert_eq!(count(&[3]), count(&[2, 3]) - 1);
        assert_eq!(count(&[10, 11]) - fixed, 1_116);
    }

    #[test]
    fn wrong_pair_value_is_unsatisfied() {
        let mut rng = StdRng::seed_from_u64(12);
        let elements = random_blob(&mut rng, 2);
        let z = random_z(&mut rng);
        for m in [0, 3] {
            let cheat = Box::new(move |site: Site, v: &mut Int| {
                if site == Site::Pair(m) {
                    *v = &*v + &Int::from(1u64);
                }
            });
            let (cs, y, _) = synthesize(&z, &elements, false, cheat);
            assert!(!cs.is_satisfied().unwrap(), "pair {m}");
            assert_ne!(y.unwrap(), kzg_y(&elements, &z));
        }
    }

    #[test]
    fn wrong_quotient_is_unsatisfied() {
        let mut rng = StdRng::seed_from_u64(13);
        let elements = random_blob(&mut rng, 1);
        let z = random_z(&mut rng);
        // 12 squarings, 3 pairs, the sum, the product: 17 checks.
        for k in [0, 5, 12, 14, 15, 16] {
            for delta in [Int::from(1u64), -&Int::from(1u64)] {
                let cheat = Box::new(move |site: Site, q: &mut Int| {
                    if site == Site::Quotient(k) {
                        *q = &*q + &delta;
                    }
                });
                let (cs, _, _) = synthesize(&z, &elements, false, cheat);
                assert!(!cs.is_satisfied().unwrap(), "check {k}");
            }
        }
    }

    #[test]
    fn wrong_output_is_unsatisfied() {
        let mut rng = StdRng::seed_from_u64(14);
        let elements = random_blob(&mut rng, 1);
        // A z whose y leaves room for y + r below 2^255: the congruence holds, only the
        // canonical check can reject it.
        let small = &Int::pow2(255) - modulus_r();
        let z = (0..)
            .map(|_| random_z(&mut rng))
            .find(|z| Int::from_limbs(&limbs_of(&evaluate_blob_native(z, &elements))) < small)
            .unwrap();
        for delta in [Int::from(1u64), modulus_r().clone()] {
            let cheat = Box::new(move |site: Site, y: &mut Int| {
                if site == Site::Output {
                    *y = &*y + &delta;
                }
            });
            let (cs, y, _) = synthesize(&z, &elements, false, cheat);
            assert!(!cs.is_satisfied().unwrap());
            assert_ne!(y.unwrap(), kzg_y(&elements, &z));
        }
    }

    #[test]
    fn tampered_element_is_unsatisfied() {
        let mut rng = StdRng::seed_from_u64(15);
        let mut elements = random_blob(&mut rng, 2);
        let z = random_z(&mut rng);
        let expected = kzg_y(&elements, &z);
        // Record the honest witness, then change one element's limb and replay it.
        let mut recorded = Vec::new();
        {
            let record = Box::new(|site: Site, v: &mut Int| recorded.push((site, v.clone())));
            let (cs, y, _) = synthesize(&z, &elements, false, record);
            assert_satisfied(&cs);
            assert_eq!(y.unwrap(), expected);
        }
        elements[4].1[20] ^= 1;
        let mut replay = recorded.into_iter();
        let cheat = Box::new(move |site: Site, v: &mut Int| {
            let (recorded_site, value) = replay.next().unwrap();
            assert_eq!(site, recorded_site);
            *v = value;
        });
        let (cs, y, _) = synthesize(&z, &elements, false, cheat);
        assert_eq!(y.unwrap(), expected);
        assert!(!cs.is_satisfied().unwrap());
    }

    /// A cheating prover shifts `v` and picks the quotient that keeps the low 256 bits of the
    /// pair's identity zero, so every carry passes: only the check modulo `p` (the CRT half of
    /// `enforce_zero`) can reject it.
    #[test]
    fn quotient_forged_below_2_256_is_unsatisfied() {
        let two_256 = Int::pow2(256);
        // r⁻¹ mod 2^256 (Newton: each step doubles the correct low bits).
        let r = modulus_r();
        let mut r_inv = Int::from(1u64);
        for _ in 0..8 {
            r_inv = (&r_inv * &(&Int::from(2u64) - &(r * &r_inv))).rem_euclid(&two_256);
        }
        assert_eq!((r * &r_inv).rem_euclid(&two_256), Int::from(1u64));
        // Pair 1 (indices 2, 3: ρ = i) has small constants, so its check uses the CRT plan.
        let alpha = Int::centered(brp_roots()[2].square());
        let mut rng = StdRng::seed_from_u64(16);
        let mut tried = 0;
        for _ in 0..8 {
            let elements = vec![(2, random_element(&mut rng)), (3, random_element(&mut rng))];
            let z = random_z(&mut rng);
            let z_sq = Repr::Centered
                .represent(&Int::from_bls(BlsFr::from_be_bytes_mod_order(&z).square()));
            // v + 1 moves the identity by d = z² − ρ²; the quotient moves by t ≡ d/r (mod 2^256).
            let d = &z_sq - &alpha;
            let mut t = (&d * &r_inv).rem_euclid(&two_256);
            if t >= Int::pow2(255) {
                t = &t - &two_256;
            }
            let in_range = std::cell::Cell::new(false);
            let cheat = Box::new(|site: Site, v: &mut Int| match site {
                Site::Pair(1) => *v = &*v + &Int::from(1u64),
                // The first check after the 12 squarings.
                Site::Quotient(12) => {
                    let honest = &*v - &d.div_floor(r);
                    *v = &honest + &t;
                    // Within the quotient's 255-bit interval, so its bits do not wrap.
                    in_range.set(v.bits() < 254);
                }
                _ => {}
            });
            let (cs, _, _) = synthesize(&z, &elements, false, cheat);
            if in_range.get() {
                tried += 1;
                assert!(!cs.is_satisfied().unwrap());
            }
        }
        assert!(tried > 0);
    }

    #[test]
    fn canonical_check_rejects_r() {
        for (value, ok) in [
            (modulus_r() - &Int::from(1u64), true),
            (modulus_r().clone(), false),
            (modulus_r() + &Int::from(7u64), false),
            (Int::zero(), true),
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let mut s = Synth::honest(cs.clone());
            let (x, _) = s.alloc_uint(Some(&value), &RESIDUE_LIMBS).unwrap();
            s.enforce_canonical(&x).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), ok, "{value:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4))]

        #[test]
        fn gadget_matches_c_kzg_prop(seed in any::<u64>(), runs in 0usize..5) {
            let mut rng = StdRng::seed_from_u64(seed);
            let elements = random_blob(&mut rng, runs);
            let z = random_z(&mut rng);
            let (cs, y) = honest(&z, &elements);
            prop_assert!(cs.is_satisfied().unwrap());
            prop_assert_eq!(y.unwrap(), kzg_y(&elements, &z));
        }
    }
}
