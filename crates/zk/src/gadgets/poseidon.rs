//! circomlib's Poseidon (`circuits/poseidon.circom`) as R1CS: `x^5` S-boxes, 8 full rounds and
//! the width's partial rounds, with the same constants as [`tribunal_primitives::poseidon`]
//! (`light-poseidon`'s circom parameter set).
//!
//! Cost: three constraints per S-box, so `3·(8·t + partial_rounds)`, less the S-boxes whose
//! input is still a constant (the capacity lane of round 0, and any constant input's lane):
//! 240 for two variable inputs.

use std::sync::OnceLock;

use ark_ff::Field;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use light_poseidon::{PoseidonParameters, parameters::bn254_x5::get_poseidon_parameters};
use tribunal_primitives::{Fr, poseidon::MAX_INPUTS};

use super::num::Num;

fn parameters(width: usize) -> &'static PoseidonParameters<Fr> {
    static PARAMS: [OnceLock<PoseidonParameters<Fr>>; MAX_INPUTS] =
        [const { OnceLock::new() }; MAX_INPUTS];
    PARAMS[width - 2].get_or_init(|| {
        get_poseidon_parameters::<Fr>(width as u8).expect("widths 2..=13 have circom parameters")
    })
}

/// The S-box `x^5`: 3 constraints, none for a constant `x`.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn sbox(cs: &ConstraintSystemRef<Fr>, x: &Num) -> Result<Num, SynthesisError> {
    let x2 = x.mul(cs, x)?;
    let x4 = x2.mul(cs, &x2)?;
    x4.mul(cs, x)
}

/// Round 0's constant of input `i` (lane `i + 1`) of circomlib `Poseidon(n)`.
pub fn first_round_constant(n: usize, i: usize) -> Fr {
    parameters(n + 1).ark[i + 1]
}

/// circomlib `Poseidon(n)` of `1..=12` inputs.
///
/// # Panics
/// When `inputs` is empty or longer than 12: a circuit-construction bug, not an input error.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn poseidon(cs: &ConstraintSystemRef<Fr>, inputs: &[Num]) -> Result<Num, SynthesisError> {
    assert!((1..=MAX_INPUTS).contains(&inputs.len()), "Poseidon takes 1..=12 inputs");
    let first: Vec<Num> = inputs
        .iter()
        .enumerate()
        .map(|(i, x)| sbox(cs, &x.add_constant(first_round_constant(inputs.len(), i))))
        .collect::<Result<_, _>>()?;
    poseidon_after_first_sbox(cs, &first)
}

/// circomlib `Poseidon(n)` given its inputs' lanes after round 0's constants and S-boxes,
/// `(xᵢ + cᵢ)^5` with `cᵢ` from [`first_round_constant`]; the capacity lane is the constant.
/// This lets paths that share inputs share those S-boxes.
///
/// # Panics
/// When `first` is empty or longer than 12: a circuit-construction bug, not an input error.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn poseidon_after_first_sbox(
    cs: &ConstraintSystemRef<Fr>,
    first: &[Num],
) -> Result<Num, SynthesisError> {
    assert!((1..=MAX_INPUTS).contains(&first.len()), "Poseidon takes 1..=12 inputs");
    let width = first.len() + 1;
    let p = parameters(width);
    let capacity = Num::constant(p.ark[0].pow([5]));
    let mut state: Vec<Num> = std::iter::once(capacity).chain(first.iter().cloned()).collect();
    let half = p.full_rounds / 2;
    for round in 0..p.full_rounds + p.partial_rounds {
        if round > 0 {
            for (i, s) in state.iter_mut().enumerate() {
                *s = s.add_constant(p.ark[round * width + i]);
            }
            if round < half || round >= half + p.partial_rounds {
                for s in state.iter_mut() {
                    *s = sbox(cs, s)?;
                }
            } else {
                state[0] = sbox(cs, &state[0])?;
            }
        }
        state = (0..width)
            .map(|i| {
                state.iter().zip(&p.mds[i]).fold(Num::zero(), |acc, (s, m)| acc.add(&s.scale(*m)))
            })
            .collect();
    }
    Ok(state.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;
    use tribunal_primitives::poseidon::poseidon as native;

    #[test]
    fn matches_native_poseidon_and_costs_three_constraints_per_sbox() {
        for n in [1usize, 2, 4, 5, 6] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let inputs: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i * 7 + 3)).collect();
            let vars: Vec<Num> =
                inputs.iter().map(|x| Num::witness(&cs, Some(*x)).unwrap()).collect();
            let out = poseidon(&cs, &vars).unwrap();
            assert_eq!(out.value.unwrap(), native(&inputs).unwrap());
            assert!(cs.is_satisfied().unwrap());
            let p = parameters(n + 1);
            // Round 0's S-box on the capacity lane reads a constant: free.
            assert_eq!(cs.num_constraints(), 3 * (p.full_rounds * (n + 1) + p.partial_rounds - 1));
        }
    }
}
