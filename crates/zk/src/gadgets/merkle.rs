//! Merkle paths over the 4-ary account tree ([`tribunal_stf::AccountTree`]): node
//! `Poseidon(c0, c1, c2, c3)`, siblings leaf level first and three per level in increasing
//! position, index bits little-endian (bits `2l` and `2l + 1` are the path's position at level
//! `l`).

use ark_r1cs_std::boolean::Boolean;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use tribunal_primitives::Fr;

use super::{num::Num, poseidon::poseidon};

/// The four children of one level: `cur` at position `b0 + 2·b1`, the siblings `s` in increasing
/// position at the others. 4 constraints.
fn place(
    cs: &ConstraintSystemRef<Fr>,
    b0: &Boolean<Fr>,
    b1: &Boolean<Fr>,
    cur: &Num,
    s: &[Num],
) -> Result<[Num; 4], SynthesisError> {
    let (b0, b1) = (Num::from_bool(b0), Num::from_bool(b1));
    let both = b0.mul(cs, &b1)?;
    // Position 0 holds `cur` only at digit 0, position 3 only at digit 3.
    let x0 = cur.add(&b0.add(&b1).sub(&both).mul(cs, &s[0].sub(cur))?);
    let x3 = s[2].add(&both.mul(cs, &cur.sub(&s[2]))?);
    // Positions 0 and 1 hold `cur` and s0 below digit 2, s0 and s1 from it; the four positions
    // always hold `cur` and the three siblings.
    let x01 = cur.add(&s[0]).add(&b1.mul(cs, &s[1].sub(cur))?);
    let x1 = x01.sub(&x0);
    let x2 = cur.add(&s[0]).add(&s[1]).add(&s[2]).sub(&x01).sub(&x3);
    Ok([x0, x1, x2, x3])
}

/// The root implied by `leaf` at the index with little-endian `bits` (two per level), and
/// `siblings` (three per level, leaf level first): `levels·(4 + 297)` constraints.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn root_from_path(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    leaf: &Num,
    siblings: &[Num],
) -> Result<Num, SynthesisError> {
    debug_assert_eq!(bits.len() % 2, 0);
    debug_assert_eq!(bits.len() / 2 * 3, siblings.len());
    let mut cur = leaf.clone();
    for (digit, sibs) in bits.chunks_exact(2).zip(siblings.chunks_exact(3)) {
        let children = place(cs, &digit[0], &digit[1], &cur, sibs)?;
        cur = poseidon(cs, &children)?;
    }
    Ok(cur)
}

/// Replaces one leaf: when `enabled`, enforces that `old_leaf` is at the index under `root` and
/// returns the root with `new_leaf` there; otherwise returns `root` unchanged and checks nothing.
///
/// `2·levels·301 + 2` constraints.
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
    let old_root = root_from_path(cs, bits, old_leaf, siblings)?;
    old_root.conditional_enforce_equal(cs, root, enabled)?;
    let new_root = root_from_path(cs, bits, new_leaf, siblings)?;
    Num::select(cs, enabled, &new_root, root)
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
}
