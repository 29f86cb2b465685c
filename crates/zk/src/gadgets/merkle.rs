//! Merkle paths over the account tree ([`tribunal_stf::SparseMerkleTree`]): node
//! `Poseidon(left, right)`, siblings leaf-first, index bits little-endian (bit `l` set: the path
//! node is the right child at level `l`).

use ark_r1cs_std::boolean::Boolean;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use tribunal_primitives::Fr;

use super::{num::Num, poseidon::poseidon};

/// The root implied by `leaf` at the index with little-endian `bits`, and `siblings`
/// (leaf-first): `depth·241` constraints.
///
/// # Errors
/// [`SynthesisError`] from the constraint system.
pub fn root_from_path(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    leaf: &Num,
    siblings: &[Num],
) -> Result<Num, SynthesisError> {
    debug_assert_eq!(bits.len(), siblings.len());
    let mut cur = leaf.clone();
    for (bit, sib) in bits.iter().zip(siblings) {
        // bit = 0: (cur, sib); bit = 1: (sib, cur).
        let t = Num::from_bool(bit).mul(cs, &sib.sub(&cur))?;
        let left = cur.add(&t);
        let right = sib.sub(&t);
        cur = poseidon(cs, &[left, right])?;
    }
    Ok(cur)
}

/// Replaces one leaf: when `enabled`, enforces that `old_leaf` is at the index under `root` and
/// returns the root with `new_leaf` there; otherwise returns `root` unchanged and checks nothing.
///
/// `2·depth·241 + 2` constraints.
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
