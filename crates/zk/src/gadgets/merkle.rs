//! Merkle paths over the 4-ary account tree ([`tribunal_stf::AccountTree`]): node
//! `Poseidon(c0, c1, c2, c3)`, siblings leaf level first and three per level in increasing
//! position, index bits little-endian (bits `2l` and `2l + 1` are the path's position at level
//! `l`).

use ark_ff::Field;
use ark_r1cs_std::boolean::Boolean;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use tribunal_primitives::Fr;

use super::{
    num::Num,
    poseidon::{first_round_constant, poseidon_after_first_sbox, sbox},
};

/// One level's position, digit `b0 + 2·b1`, with the product `b0·b1` that placing a node at
/// it needs (one constraint, shared by every path through the same index).
struct Digit {
    b0: Num,
    b1: Num,
    both: Num,
}

fn digits(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
) -> Result<Vec<Digit>, SynthesisError> {
    debug_assert_eq!(bits.len() % 2, 0);
    bits.chunks_exact(2)
        .map(|d| {
            let (b0, b1) = (Num::from_bool(&d[0]), Num::from_bool(&d[1]));
            let both = b0.mul(cs, &b1)?;
            Ok(Digit { b0, b1, both })
        })
        .collect()
}

/// The four children of one level: `cur` at the digit's position, the siblings `s` in
/// increasing position at the others. 3 constraints.
fn place(
    cs: &ConstraintSystemRef<Fr>,
    d: &Digit,
    cur: &Num,
    s: &[Num],
) -> Result<[Num; 4], SynthesisError> {
    // Position 0 holds `cur` only at digit 0, position 3 only at digit 3.
    let x0 = cur.add(&d.b0.add(&d.b1).sub(&d.both).mul(cs, &s[0].sub(cur))?);
    let x3 = s[2].add(&d.both.mul(cs, &cur.sub(&s[2]))?);
    // Positions 0 and 1 hold `cur` and s0 below digit 2, s0 and s1 from it; the four positions
    // always hold `cur` and the three siblings.
    let x01 = cur.add(&s[0]).add(&d.b1.mul(cs, &s[1].sub(cur))?);
    let x1 = x01.sub(&x0);
    let x2 = cur.add(&s[0]).add(&s[1]).add(&s[2]).sub(&x01).sub(&x3);
    Ok([x0, x1, x2, x3])
}

/// Round 0's constant of position `k` of a node's `Poseidon(4)`.
fn c(k: usize) -> Fr {
    first_round_constant(4, k)
}

/// The parents of `curs` (nodes at the digit's position, one per path) over the same siblings:
/// Poseidon's first S-box of a sibling depends only on the sibling and its position, so the
/// paths share those three (9 constraints), and each path pays its node's S-box (3), the
/// placement of the S-boxed lanes (3) and the remaining rounds (285).
fn parents(
    cs: &ConstraintSystemRef<Fr>,
    d: &Digit,
    curs: &[Num],
    s: &[Num],
) -> Result<Vec<Num>, SynthesisError> {
    // Whether the digit is 0, 1, 2, 3: linear in b0, b1 and their product.
    let is = [
        Num::constant(Fr::ONE).sub(&d.b0).sub(&d.b1).add(&d.both),
        d.b0.sub(&d.both),
        d.b1.sub(&d.both),
        d.both.clone(),
    ];
    // s0 sits at position 1 on digit 0, else 0; s1 at 1 from digit 2, else 2; s2 at 2 on digit
    // 3, else 3. The position's constant is a linear selection.
    let at = |lo: usize, move_to: &Num, to: usize| {
        Num::constant(c(lo)).add(&move_to.scale(c(to) - c(lo)))
    };
    let sibs = [
        sbox(cs, &s[0].add(&at(0, &is[0], 1)))?,
        sbox(cs, &s[1].add(&at(2, &d.b1, 1)))?,
        sbox(cs, &s[2].add(&at(3, &d.both, 2)))?,
    ];
    // The node's position constant, the same for every path.
    let constant = is.iter().enumerate().fold(Num::zero(), |acc, (k, i)| acc.add(&i.scale(c(k))));
    curs.iter()
        .map(|cur| {
            let node = sbox(cs, &cur.add(&constant))?;
            poseidon_after_first_sbox(cs, &place(cs, d, &node, &sibs)?)
        })
        .collect()
}

/// The roots of `leaves` (one per path) at the same index, over the same siblings.
fn fold(
    cs: &ConstraintSystemRef<Fr>,
    digits: &[Digit],
    leaves: &[&Num],
    siblings: &[Num],
) -> Result<Vec<Num>, SynthesisError> {
    debug_assert_eq!(digits.len() * 3, siblings.len());
    let mut curs: Vec<Num> = leaves.iter().map(|l| (*l).clone()).collect();
    for (digit, sibs) in digits.iter().zip(siblings.chunks_exact(3)) {
        curs = parents(cs, digit, &curs, sibs)?;
    }
    Ok(curs)
}

/// The root implied by `leaf` at the index with little-endian `bits` (two per level), and
/// `siblings` (three per level, leaf level first): `levels·301` constraints.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn root_from_path(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    leaf: &Num,
    siblings: &[Num],
) -> Result<Num, SynthesisError> {
    Ok(fold(cs, &digits(cs, bits)?, &[leaf], siblings)?.remove(0))
}

/// Replaces one leaf: when `enabled`, enforces that `old_leaf` is at the index under `root` and
/// returns the root with `new_leaf` there; otherwise returns `root` unchanged and checks nothing.
///
/// `levels·592 + 2` constraints: the two paths share the index's digits and their siblings'
/// first S-boxes.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn update_leaf(
    cs: &ConstraintSystemRef<Fr>,
    enabled: &Num,
    bits: &[Boolean<Fr>],
    siblings: &[Num],
    old_leaf: &Num,
    new_leaf: &Num,
    root: &Num,
) -> Result<Num, SynthesisError> {
    let roots = fold(cs, &digits(cs, bits)?, &[old_leaf, new_leaf], siblings)?;
    roots[0].conditional_enforce_equal(cs, root, enabled)?;
    Num::select(cs, enabled, &roots[1], root)
}

#[cfg(test)]
mod tests {
    use ark_r1cs_std::alloc::AllocVar;
    use ark_relations::gr1cs::ConstraintSystem;
    use tribunal_stf::AccountTree;

    use super::*;

    /// The gadget's root equals the native tree's for a leaf at every position of two levels, and
    /// a wrong sibling order is not satisfied.
    #[test]
    fn the_gadget_folds_as_the_native_tree() {
        let leaves: Vec<(u64, Fr)> = (0..16u64).map(|i| (i, Fr::from(7 * i + 3))).collect();
        let tree = AccountTree::from_leaves(4, leaves).unwrap();
        for index in 0..16u64 {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits: Vec<Boolean<Fr>> = (0..4)
                .map(|b| Boolean::new_witness(cs.clone(), || Ok((index >> b) & 1 == 1)).unwrap())
                .collect();
            let leaf = Num::witness(&cs, Some(tree.leaf(index))).unwrap();
            let siblings: Vec<Num> =
                tree.siblings(index).iter().map(|s| Num::witness(&cs, Some(*s)).unwrap()).collect();
            let root = root_from_path(&cs, &bits, &leaf, &siblings).unwrap();
            root.enforce_equal(&cs, &Num::constant(tree.root())).unwrap();
            assert!(cs.is_satisfied().unwrap(), "index {index}");

            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits: Vec<Boolean<Fr>> = (0..4)
                .map(|b| Boolean::new_witness(cs.clone(), || Ok((index >> b) & 1 == 1)).unwrap())
                .collect();
            let leaf = Num::witness(&cs, Some(tree.leaf(index))).unwrap();
            let mut swapped = tree.siblings(index);
            swapped.swap(0, 1);
            let siblings: Vec<Num> =
                swapped.iter().map(|s| Num::witness(&cs, Some(*s)).unwrap()).collect();
            let root = root_from_path(&cs, &bits, &leaf, &siblings).unwrap();
            root.enforce_equal(&cs, &Num::constant(tree.root())).unwrap();
            assert!(!cs.is_satisfied().unwrap(), "index {index}: swapped siblings");
        }
    }

    /// Both paths of an update share their siblings' first S-boxes: the old root is checked and
    /// the new root equals the native tree's after the write, at every position of two levels;
    /// a wrong old leaf is refused, and a disabled update keeps the root and checks nothing.
    #[test]
    fn an_update_writes_as_the_native_tree() {
        let leaves: Vec<(u64, Fr)> = (0..16u64).map(|i| (i, Fr::from(7 * i + 3))).collect();
        let tree = AccountTree::from_leaves(4, leaves).unwrap();
        let new = Fr::from(1_000u64);
        for index in 0..16u64 {
            let mut written = tree.clone();
            written.update(&[(index, new)]);
            for (old, enabled, satisfied) in [
                (tree.leaf(index), true, true),
                (tree.leaf(index) + Fr::ONE, true, false),
                (tree.leaf(index) + Fr::ONE, false, true),
            ] {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let bits: Vec<Boolean<Fr>> = (0..4)
                    .map(|b| {
                        Boolean::new_witness(cs.clone(), || Ok((index >> b) & 1 == 1)).unwrap()
                    })
                    .collect();
                let w = |x: Fr| Num::witness(&cs, Some(x)).unwrap();
                let siblings: Vec<Num> = tree.siblings(index).into_iter().map(w).collect();
                let root = update_leaf(
                    &cs,
                    &Num::constant(Fr::from(enabled)),
                    &bits,
                    &siblings,
                    &w(old),
                    &w(new),
                    &w(tree.root()),
                )
                .unwrap();
                let expect = if enabled { written.root() } else { tree.root() };
                assert_eq!(root.value.unwrap(), expect, "index {index}");
                assert_eq!(cs.is_satisfied().unwrap(), satisfied, "index {index}, old {old}");
            }
        }
    }
}
