//! SHA-256 (FIPS 180-4) as R1CS, over bits.
//!
//! A word is 32 Booleans, little-endian (bit `i` weighs `2^i`). The costs per bit: a three-way
//! XOR (`Σ`, `σ`) 2 constraints, `Ch` 1, `Maj` 2; a sum of `k` words modulo `2^32` is one
//! decomposition of the integer sum into `32 + ⌈log₂ k⌉` bits (one constraint per bit, plus
//! one). About 26,000 constraints per compression, against about 37,000 for
//! `ark-crypto-primitives`' `Sha256Gadget`, whose bytes this gadget's output equals.
//!
//! Constants fold: a bit known at synthesis costs nothing, so the schedule of a block of
//! padding alone, and round 0 of the first block (whose state is the IV), are nearly free. What
//! is constant is decided by the circuit's shape, never by witness values, so setup and proving
//! build the same constraints.

use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::{boolean::Boolean, convert::ToBitsGadget, uint8::UInt8};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use tribunal_primitives::Fr;

use super::num::Num;

/// A 32-bit word, little-endian bits.
type Word = [Boolean<Fr>; 32];

/// FIPS 180-4 §4.2.2: the round constants.
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// FIPS 180-4 §5.3.3: the initial hash value.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

fn constant_word(w: u32) -> Word {
    std::array::from_fn(|i| Boolean::constant(w >> i & 1 == 1))
}

fn rotr(w: &Word, n: usize) -> Word {
    std::array::from_fn(|i| w[(i + n) % 32].clone())
}

fn shr(w: &Word, n: usize) -> Word {
    std::array::from_fn(|i| w.get(i + n).cloned().unwrap_or(Boolean::FALSE))
}

fn xor3(a: &Word, b: &Word, c: &Word) -> Word {
    let mut out = Vec::with_capacity(32);
    for i in 0..32 {
        out.push(&(&a[i] ^ &b[i]) ^ &c[i]);
    }
    out.try_into().expect("32 bits")
}

/// A word as the number `Σ 2^i·bᵢ` (free).
fn value(w: &Word) -> Num {
    Num::from_bits_le(w)
}

/// `Ch(e, f, g) = g + e·(f − g)` per bit, as a number: 32 constraints.
fn ch(cs: &ConstraintSystemRef<Fr>, e: &Word, f: &Word, g: &Word) -> Result<Num, SynthesisError> {
    let mut out = Num::zero();
    let mut weight = Fr::ONE;
    for i in 0..32 {
        let (e, f, g) = (Num::from_bool(&e[i]), Num::from_bool(&f[i]), Num::from_bool(&g[i]));
        out = out.add(&g.add(&e.mul(cs, &f.sub(&g))?).scale(weight));
        weight.double_in_place();
    }
    Ok(out)
}

/// `Maj(a, b, c) = b·c + a·(b + c − 2·b·c)` per bit, as a number: 64 constraints.
fn maj(cs: &ConstraintSystemRef<Fr>, a: &Word, b: &Word, c: &Word) -> Result<Num, SynthesisError> {
    let mut out = Num::zero();
    let mut weight = Fr::ONE;
    for i in 0..32 {
        let (a, b, c) = (Num::from_bool(&a[i]), Num::from_bool(&b[i]), Num::from_bool(&c[i]));
        let bc = b.mul(cs, &c)?;
        let either = b.add(&c).sub(&bc.scale(Fr::from(2u64)));
        out = out.add(&bc.add(&a.mul(cs, &either)?).scale(weight));
        weight.double_in_place();
    }
    Ok(out)
}

/// `Σ terms mod 2^32`, for terms that are each below `2^32` (a word, `Ch`, `Maj` or a
/// constant): the sum's `32 + ⌈log₂ terms⌉` bits, of which the low 32 are the word. A constant
/// sum costs nothing.
fn add_mod(cs: &ConstraintSystemRef<Fr>, terms: &[Num]) -> Result<Word, SynthesisError> {
    let sum = terms.iter().fold(Num::zero(), |acc, t| acc.add(t));
    if let Some(c) = sum.as_constant() {
        use ark_ff::{BigInteger, PrimeField};
        let bits = c.into_bigint().to_bits_le();
        return Ok(std::array::from_fn(|i| Boolean::constant(bits[i])));
    }
    let carry_bits = usize::BITS - (terms.len() - 1).leading_zeros();
    let mut bits = sum.to_bits_le(cs, 32 + carry_bits as usize)?;
    bits.truncate(32);
    Ok(bits.try_into().expect("32 bits"))
}

/// One compression (FIPS 180-4 §6.2.2) of the 16-word block into `state`.
fn compress(
    cs: &ConstraintSystemRef<Fr>,
    state: &[Word; 8],
    block: &[Word],
) -> Result<[Word; 8], SynthesisError> {
    let mut w: Vec<Word> = block.to_vec();
    for t in 16..64 {
        let s0 = xor3(&rotr(&w[t - 15], 7), &rotr(&w[t - 15], 18), &shr(&w[t - 15], 3));
        let s1 = xor3(&rotr(&w[t - 2], 17), &rotr(&w[t - 2], 19), &shr(&w[t - 2], 10));
        let next = add_mod(cs, &[value(&s1), value(&w[t - 7]), value(&s0), value(&w[t - 16])])?;
        w.push(next);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state.clone();
    for t in 0..64 {
        let big_s1 = xor3(&rotr(&e, 6), &rotr(&e, 11), &rotr(&e, 25));
        let big_s0 = xor3(&rotr(&a, 2), &rotr(&a, 13), &rotr(&a, 22));
        let t1 = [
            value(&h),
            value(&big_s1),
            ch(cs, &e, &f, &g)?,
            Num::constant(Fr::from(K[t])),
            value(&w[t]),
        ];
        let t2 = [value(&big_s0), maj(cs, &a, &b, &c)?];
        let new_e = add_mod(cs, &[&t1[..], &[value(&d)]].concat())?;
        let new_a = add_mod(cs, &[&t1[..], &t2[..]].concat())?;
        (h, g, f, e, d, c, b, a) = (g, f, e, new_e, c, b, a, new_a);
    }
    let working = [a, b, c, d, e, f, g, h];
    let mut out = Vec::with_capacity(8);
    for (s, v) in state.iter().zip(&working) {
        out.push(add_mod(cs, &[value(s), value(v)])?);
    }
    Ok(out.try_into().expect("8 words"))
}

/// SHA-256 of `message` (bytes), as the 32 digest bytes.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn sha256(
    cs: &ConstraintSystemRef<Fr>,
    message: &[UInt8<Fr>],
) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    // FIPS 180-4 §5.1.1: 0x80, zeros to 56 mod 64, the bit length as a big-endian u64.
    let mut bytes = message.to_vec();
    bytes.push(UInt8::constant(0x80));
    while bytes.len() % 64 != 56 {
        bytes.push(UInt8::constant(0));
    }
    bytes.extend((8 * message.len() as u64).to_be_bytes().map(UInt8::constant));

    let mut words = Vec::with_capacity(bytes.len() / 4);
    for chunk in bytes.chunks(4) {
        // Big-endian bytes: the last byte holds bits 0..8.
        let mut bits = Vec::with_capacity(32);
        for byte in chunk.iter().rev() {
            bits.extend(byte.to_bits_le()?);
        }
        words.push(Word::try_from(bits).expect("32 bits"));
    }
    let mut state = IV.map(constant_word);
    for block in words.chunks(16) {
        state = compress(cs, &state, block)?;
    }
    let mut digest = Vec::with_capacity(32);
    for word in &state {
        for byte in word.chunks(8).rev() {
            digest.push(UInt8::from_bits_le(byte));
        }
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::{GR1CSVar, alloc::AllocVar};
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};
    use sha2::Digest;

    /// The gadget's digest, its (constraints, witness variables), and whether it is satisfied.
    fn digest_of(message: &[u8]) -> (Vec<u8>, (usize, usize), bool) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = UInt8::new_witness_vec(cs.clone(), message).unwrap();
        let (before, vars_before) = (cs.num_constraints(), cs.num_witness_variables());
        let out = sha256(&cs, &vars).unwrap();
        let bytes = out.iter().map(|b| b.value().unwrap()).collect();
        let cost = (cs.num_constraints() - before, cs.num_witness_variables() - vars_before);
        (bytes, cost, cs.is_satisfied().unwrap())
    }

    #[test]
    fn matches_sha2_on_every_padding_shape() {
        // Lengths around the block and padding boundaries: 55 fits one block, 56..=63 spill
        // the length into a second, 64 is a whole block plus a padding block.
        let mut rng = ark_std::test_rng();
        for len in [0usize, 1, 3, 31, 32, 55, 56, 57, 63, 64, 65, 119, 120, 128, 241, 300] {
            let mut message = vec![0u8; len];
            ark_std::rand::RngCore::fill_bytes(&mut rng, &mut message);
            let (got, _, satisfied) = digest_of(&message);
            assert!(satisfied, "len {len}");
            assert_eq!(got, sha2::Sha256::digest(&message).to_vec(), "len {len}");
        }
    }

    #[test]
    fn equals_arkworks_gadget_and_costs_less() {
        use ark_crypto_primitives::crh::sha256::constraints::Sha256Gadget;
        let message = [0x5au8; 64];
        let (ours, (cost, _), _) = digest_of(&message);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars = UInt8::new_witness_vec(cs.clone(), &message).unwrap();
        let before = cs.num_constraints();
        let theirs = Sha256Gadget::digest(&vars).unwrap().0;
        let theirs_cost = cs.num_constraints() - before;
        assert_eq!(ours, theirs.iter().map(|b| b.value().unwrap()).collect::<Vec<_>>());
        // Deterministic counts: a whole block plus a block of padding alone, whose schedule
        // folds to constants.
        assert_eq!(cost, 45_280, "ours");
        assert!(cost * 3 < theirs_cost * 2, "ours {cost}, arkworks {theirs_cost}");
    }

    #[test]
    fn setup_and_proving_build_the_same_constraints() {
        let message = [1u8; 100];
        let (_, proving, _) = digest_of(&message);
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let vars: Vec<UInt8<Fr>> = (0..message.len())
            .map(|_| {
                UInt8::new_witness(cs.clone(), || Err::<u8, _>(SynthesisError::AssignmentMissing))
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let (before, vars_before) = (cs.num_constraints(), cs.num_witness_variables());
        sha256(&cs, &vars).unwrap();
        assert_eq!(cs.num_constraints() - before, proving.0);
        assert_eq!(cs.num_witness_variables() - vars_before, proving.1);
    }
}
