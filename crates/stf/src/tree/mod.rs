//! Sparse Merkle trees over Poseidon, with a fixed depth and zero-valued empty leaves.
//!
//! A tree has arity `A` (4 for the account tree, 2 for a batch's withdrawal tree) and a depth in
//! index bits, a multiple of `log2(A)`: the account tree's 32 bits are 16 levels of 4. Level 0
//! holds the leaves, level `depth / log2(A)` the root. Node `i` at level `l + 1` is
//! `Poseidon(node(l, A·i), …, node(l, A·i + A − 1))` (circomlib `Poseidon(A)`). An empty leaf is
//! `0`, and an empty subtree at level `l` is `zeros[l] = Poseidon(zeros[l-1], …, zeros[l-1])`.
//! Only nodes that differ from their empty value are stored, so memory is proportional to the
//! occupied leaves.
//!
//! A leaf's siblings are listed leaf level first; at each level, the `A − 1` other children of
//! its parent in increasing position (the order of `@zk-kit/imt` proofs). For `A = 2` this is one
//! sibling per level.
//!
//! An account leaf and a node of the account tree are both `Poseidon(4)` outputs, so a path is
//! only meaningful at its full length: every verifier (the stateless witness, the circuit,
//! `StfStep`) requires exactly [`sibling_count`] siblings.
//!
//! Updates touch only the changed leaves' ancestors, reusing every stored sibling: a single leaf
//! update costs one hash per level, and leaves updated together share their common ancestors.

use hashbrown::HashMap;
use tribunal_primitives::{Fr, poseidon::hash};

use crate::error::StfError;

pub(crate) mod versions;

/// The largest supported depth, in index bits (leaf indices are `u32`).
pub const MAX_DEPTH: u8 = 32;

/// The account tree: 4-ary, so a 32-bit index is 16 levels of `Poseidon(4)` (docs/stf.md).
pub type AccountTree = SparseMerkleTree<4>;

/// A batch's withdrawal tree: binary, `Poseidon(2)` per node, as `Inbox.claimWithdrawal` folds it.
pub type WithdrawalTree = SparseMerkleTree<2>;

/// A sparse Merkle tree of arity `A` (2 or 4) and fixed depth.
#[derive(Clone, Debug)]
pub struct SparseMerkleTree<const A: usize> {
    /// Index bits.
    depth: u8,
    zeros: Vec<Fr>,
    /// `nodes[l]` maps an index at level `l` to its value, for non-empty nodes only.
    nodes: Vec<HashMap<u64, Fr>>,
}

/// Index bits per level of an arity-`A` tree.
const fn bits<const A: usize>() -> u32 {
    assert!(A == 2 || A == 4, "trees are binary or 4-ary");
    A.trailing_zeros()
}

/// Number of levels of an arity-`A` tree over `depth` index bits.
pub const fn levels<const A: usize>(depth: u8) -> usize {
    depth as usize / bits::<A>() as usize
}

/// Number of siblings in a path of an arity-`A` tree over `depth` index bits: `A − 1` per level.
pub const fn sibling_count<const A: usize>(depth: u8) -> usize {
    levels::<A>(depth) * (A - 1)
}

/// The value of an empty subtree at each level `0..=levels` of an arity-`A` tree over `depth`
/// index bits (`zeros[0] = 0`).
pub fn empty_subtree_roots<const A: usize>(depth: u8) -> Vec<Fr> {
    let mut zeros = Vec::with_capacity(levels::<A>(depth) + 1);
    zeros.push(Fr::from(0u64));
    for l in 0..levels::<A>(depth) {
        zeros.push(hash([zeros[l]; A]));
    }
    zeros
}

/// The children of the node above `index`'s path at `level`: `node` at the path's position,
/// `siblings` (`A − 1`, increasing position) at the others.
fn children<const A: usize>(index: u64, level: usize, node: Fr, siblings: &[Fr]) -> [Fr; A] {
    let digit = ((index >> (level as u32 * bits::<A>())) as usize) & (A - 1);
    let mut others = siblings.iter().copied();
    std::array::from_fn(|j| if j == digit { node } else { others.next().unwrap_or_default() })
}

/// Folds a leaf and its siblings (leaf level first, `A − 1` per level) into the root they imply.
///
/// Callers check the length against [`sibling_count`] (a debug assertion here).
pub fn root_from_path<const A: usize>(index: u64, leaf: Fr, siblings: &[Fr]) -> Fr {
    debug_assert_eq!(siblings.len() % (A - 1), 0, "whole levels of siblings");
    let mut acc = leaf;
    for (l, sibs) in siblings.chunks_exact(A - 1).enumerate() {
        acc = hash(children::<A>(index, l, acc, sibs));
    }
    acc
}

impl<const A: usize> SparseMerkleTree<A> {
    /// Index bits per level.
    const BITS: u32 = bits::<A>();

    /// An empty tree over `depth` index bits (`2^depth` leaves).
    ///
    /// # Errors
    /// [`StfError::InvalidDepth`] unless `1 <= depth <= 32` and `depth` is a multiple of
    /// `log2(A)` (even, for the 4-ary account tree).
    pub fn new(depth: u8) -> Result<Self, StfError> {
        if depth == 0 || depth > MAX_DEPTH || !u32::from(depth).is_multiple_of(Self::BITS) {
            return Err(StfError::InvalidDepth { depth, max: MAX_DEPTH });
        }
        Ok(Self {
            depth,
            zeros: empty_subtree_roots::<A>(depth),
            nodes: (0..=levels::<A>(depth)).map(|_| HashMap::new()).collect(),
        })
    }

    /// Builds a tree from `(index, leaf)` pairs in one bottom-up pass (`O(n)` hashes).
    ///
    /// With the `parallel` feature each level is hashed on rayon's pool.
    ///
    /// # Errors
    /// [`StfError::InvalidDepth`], or [`StfError::IndexOutOfRange`] for an index `>= 2^depth`.
    pub fn from_leaves(
        depth: u8,
        leaves: impl IntoIterator<Item = (u64, Fr)>,
    ) -> Result<Self, StfError> {
        let mut tree = Self::new(depth)?;
        let mut level: Vec<(u64, Fr)> = leaves.into_iter().collect();
        for &(i, _) in &level {
            tree.check_index(i)?;
        }
        level.sort_unstable_by_key(|&(i, _)| i);
        level.dedup_by_key(|&mut (i, _)| i);
        for l in 0..tree.levels() {
            let zero = tree.zeros[l];
            tree.nodes[l].extend(level.iter().copied().filter(|&(_, v)| v != zero));
            let mut parents: Vec<u64> = level.iter().map(|&(i, _)| i >> Self::BITS).collect();
            parents.dedup();
            let map = &tree.nodes[l];
            let node = |i: u64| map.get(&i).copied().unwrap_or(zero);
            let parent =
                |p: u64| (p, hash::<A>(std::array::from_fn(|j| node(A as u64 * p + j as u64))));
            #[cfg(feature = "parallel")]
            let next = {
                use rayon::prelude::*;
                parents.par_iter().map(|&p| parent(p)).collect()
            };
            #[cfg(not(feature = "parallel"))]
            let next = parents.iter().map(|&p| parent(p)).collect();
            level = next;
        }
        let top = tree.levels();
        let zero = tree.zeros[top];
        tree.nodes[top].extend(level.into_iter().filter(|&(_, v)| v != zero));
        Ok(tree)
    }

    /// Number of index bits: the tree holds `2^depth` leaves.
    pub const fn depth(&self) -> u8 {
        self.depth
    }

    /// Number of levels below the root: `depth / log2(A)`.
    pub const fn levels(&self) -> usize {
        levels::<A>(self.depth)
    }

    /// Number of leaves, `2^depth`.
    pub const fn capacity(&self) -> u64 {
        1u64 << self.depth
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.node(self.levels() as u8, 0)
    }

    /// The node at `level` (0 = leaves) and `index`.
    pub fn node(&self, level: u8, index: u64) -> Fr {
        self.nodes[level as usize].get(&index).copied().unwrap_or(self.zeros[level as usize])
    }

    /// The leaf at `index` (`0` when empty).
    pub fn leaf(&self, index: u64) -> Fr {
        self.node(0, index)
    }

    /// The siblings of leaf `index`: leaf level first, `A − 1` per level in increasing position
    /// ([`sibling_count`] elements).
    pub fn siblings(&self, index: u64) -> Vec<Fr> {
        sibling_positions::<A>(index, self.levels()).map(|(l, i)| self.node(l, i)).collect()
    }

    /// Checks `index < 2^depth`.
    ///
    /// # Errors
    /// [`StfError::IndexOutOfRange`].
    pub const fn check_index(&self, index: u64) -> Result<(), StfError> {
        if index >> self.depth != 0 {
            return Err(StfError::IndexOutOfRange { index, depth: self.depth });
        }
        Ok(())
    }

    /// Sets one node, keeping the map sparse. Callers keep the tree consistent.
    pub(crate) fn set_node(&mut self, level: u8, index: u64, value: Fr) {
        let map = &mut self.nodes[level as usize];
        if value == self.zeros[level as usize] {
            map.remove(&index);
        } else {
            map.insert(index, value);
        }
    }

    /// Sets leaves and recomputes their ancestors, each shared ancestor once.
    ///
    /// Indices must be `< 2^depth` (checked by callers; a debug assertion here). When an index
    /// repeats, the last value wins.
    pub fn update(&mut self, leaves: &[(u64, Fr)]) {
        let mut dirty: Vec<u64> = Vec::with_capacity(leaves.len());
        for &(i, v) in leaves {
            debug_assert!(self.check_index(i).is_ok());
            self.set_node(0, i, v);
            dirty.push(i);
        }
        for l in 0..self.levels() as u8 {
            for d in &mut dirty {
                *d >>= Self::BITS;
            }
            dirty.sort_unstable();
            dirty.dedup();
            for &p in &dirty {
                let v = hash::<A>(std::array::from_fn(|j| self.node(l, A as u64 * p + j as u64)));
                self.set_node(l + 1, p, v);
            }
        }
    }

    /// Every stored (non-empty) node as `(level, index, value)`.
    pub fn stored_nodes(&self) -> impl Iterator<Item = (u8, u64, Fr)> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .flat_map(|(l, m)| m.iter().map(move |(&i, &v)| (l as u8, i, v)))
    }

    /// The nodes on the path from leaf `index` to the root, as `(level, index, value)`, empty ones
    /// included: after an update, writing these to storage persists it.
    pub fn path_nodes(&self, index: u64) -> impl Iterator<Item = (u8, u64, Fr)> + '_ {
        (0..=self.levels() as u8).map(move |l| {
            let at = index >> (u32::from(l) * Self::BITS);
            (l, at, self.node(l, at))
        })
    }

    /// Loads a node read back from storage. Empty values and levels above the root are ignored.
    pub fn load_node(&mut self, level: u8, index: u64, value: Fr) {
        if (level as usize) <= self.levels() && value != self.zeros[level as usize] {
            self.nodes[level as usize].insert(index, value);
        }
    }

    /// Loads the path of leaf `index` holding `leaf`, opened by `siblings`: every node on it and
    /// every sibling. Returns the root the path implies; the caller compares it with the root it
    /// trusts. `siblings` must hold [`sibling_count`] elements (checked by callers).
    pub(crate) fn load_path(&mut self, index: u64, leaf: Fr, siblings: &[Fr]) -> Fr {
        let mut node = leaf;
        let mut positions = sibling_positions::<A>(index, self.levels());
        for (l, sibs) in siblings.chunks_exact(A - 1).enumerate() {
            self.load_node(l as u8, index >> (l as u32 * Self::BITS), node);
            for (&s, (level, at)) in sibs.iter().zip(positions.by_ref()) {
                self.load_node(level, at, s);
            }
            node = hash(children::<A>(index, l, node, sibs));
        }
        self.load_node(self.levels() as u8, 0, node);
        node
    }

    /// Number of stored (non-empty) nodes.
    pub fn stored_node_count(&self) -> usize {
        self.nodes.iter().map(HashMap::len).sum()
    }
}

/// The `(level, index)` of each sibling of leaf `index`, in path order.
fn sibling_positions<const A: usize>(index: u64, levels: usize) -> impl Iterator<Item = (u8, u64)> {
    (0..levels as u8).flat_map(move |l| {
        let at = index >> (u32::from(l) * bits::<A>());
        let first = at & !(A as u64 - 1);
        (first..first + A as u64).filter(move |&i| i != at).map(move |i| (l, i))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tribunal_primitives::field::{fr_to_decimal, parse_fr};

    #[test]
    fn empty_roots_golden() {
        // Poseidon(0, 0) and Poseidon(0, 0, 0, 0) as printed by circomlibjs.
        let zeros = empty_subtree_roots::<2>(32);
        assert_eq!(
            fr_to_decimal(&zeros[1]),
            "14744269619966411208579211824598458697587494354926760081771325075741142829156"
        );
        assert_eq!(WithdrawalTree::new(32).unwrap().root(), zeros[32]);
        let zeros = empty_subtree_roots::<4>(32);
        assert_eq!(zeros.len(), 17);
        assert_eq!(
            fr_to_decimal(&zeros[1]),
            "2351654555892372227640888372176282444150254868378439619268573230312091195718"
        );
        assert_eq!(AccountTree::new(32).unwrap().root(), zeros[16]);
    }

    fn update_matches_bulk_build_and_paths_verify<const A: usize>() {
        let leaves: Vec<(u64, Fr)> =
            (0..40u64).map(|i| (i * i * 7 % 256, Fr::from(i + 1))).collect();
        let mut inc = SparseMerkleTree::<A>::new(8).unwrap();
        for (i, v) in &leaves {
            inc.update(&[(*i, *v)]);
        }
        // from_leaves keeps the first of a duplicate index, update the last: compare on unique ones.
        let mut pair = SparseMerkleTree::<A>::new(8).unwrap();
        pair.update(&leaves);
        assert_eq!(inc.root(), pair.root());
        let uniq: std::collections::BTreeMap<u64, Fr> = leaves.iter().copied().collect();
        let bulk = SparseMerkleTree::<A>::from_leaves(8, uniq.clone()).unwrap();
        assert_eq!(bulk.root(), inc.root());
        for (&i, &v) in &uniq {
            let siblings = inc.siblings(i);
            assert_eq!(siblings.len(), sibling_count::<A>(8));
            assert_eq!(root_from_path::<A>(i, v, &siblings), inc.root());
            // A partial tree loaded from the path alone has the same root and path.
            let mut partial = SparseMerkleTree::<A>::new(8).unwrap();
            assert_eq!(partial.load_path(i, v, &siblings), inc.root());
            assert_eq!(partial.root(), inc.root());
            assert_eq!(partial.siblings(i), siblings);
            assert_eq!(
                partial.path_nodes(i).collect::<Vec<_>>(),
                inc.path_nodes(i).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn update_matches_bulk_build_and_paths_verify_binary() {
        update_matches_bulk_build_and_paths_verify::<2>();
    }

    #[test]
    fn update_matches_bulk_build_and_paths_verify_4ary() {
        update_matches_bulk_build_and_paths_verify::<4>();
    }

    #[test]
    fn a_4ary_path_lists_the_other_three_children_in_order() {
        // Leaf 6 = digits (2, 1): at level 0 the siblings are leaves 4, 5, 7; at level 1 nodes
        // 0, 2, 3 of level 1.
        let leaves: Vec<(u64, Fr)> = (0..16u64).map(|i| (i, Fr::from(100 + i))).collect();
        let t = AccountTree::from_leaves(4, leaves).unwrap();
        let expected = [(0, 4), (0, 5), (0, 7), (1, 0), (1, 2), (1, 3)].map(|(l, i)| t.node(l, i));
        assert_eq!(t.siblings(6), expected);
        let level1: [Fr; 4] = std::array::from_fn(|j| {
            hash::<4>(std::array::from_fn(|k| Fr::from(100 + 4 * j as u64 + k as u64)))
        });
        assert_eq!(t.root(), hash(level1));
    }

    #[test]
    fn golden_roots() {
        // Depth-4 binary tree with leaves 1 at index 0 and 2 at index 5; fixed so any change to
        // hashing, ordering or the empty value shows up.
        let t = WithdrawalTree::from_leaves(4, [(0, Fr::from(1u64)), (5, Fr::from(2u64))]).unwrap();
        let expected = root_from_path::<2>(5, Fr::from(2u64), &t.siblings(5));
        assert_eq!(t.root(), expected);
        assert_eq!(t.root(), parse_fr(GOLDEN_DEPTH4).unwrap(), "got {}", fr_to_decimal(&t.root()));
    }

    // Also in testing/vectors/tree.json, computed from scratch with poseidon-lite.
    const GOLDEN_DEPTH4: &str =
        "4226744499172202924926746124861989790203269977965186575554515907361911260963";

    #[test]
    fn bad_depth_and_index() {
        assert!(WithdrawalTree::new(0).is_err());
        assert!(WithdrawalTree::new(33).is_err());
        assert!(AccountTree::new(31).is_err(), "a 4-ary tree needs an even depth");
        assert!(AccountTree::new(32).is_ok());
        let t = AccountTree::new(4).unwrap();
        assert!(t.check_index(16).is_err());
        assert!(t.check_index(15).is_ok());
    }
}
