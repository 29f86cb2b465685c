//! A sparse Merkle tree over Poseidon, with a fixed depth and zero-valued empty leaves.
//!
//! Level 0 holds the leaves, level `depth` the root. Node `i` at level `l + 1` is
//! `Poseidon(node(l, 2i), node(l, 2i + 1))` (circomlib `Poseidon(2)`). An empty leaf is `0`, and
//! an empty subtree at level `l` is `zeros[l] = Poseidon(zeros[l-1], zeros[l-1])`. Only nodes that
//! differ from their empty value are stored, so memory is proportional to the occupied leaves.
//!
//! Updates touch only the changed leaves' ancestors, reusing every stored sibling: a single leaf
//! update costs `depth` hashes, and two leaves updated together share their common ancestors.

use hashbrown::HashMap;
use tribunal_primitives::{Fr, poseidon::hash};

use crate::error::StfError;

pub(crate) mod versions;

/// The largest supported depth (leaf indices are `u32`).
pub const MAX_DEPTH: u8 = 32;

/// A sparse Merkle tree of fixed depth.
#[derive(Clone, Debug)]
pub struct SparseMerkleTree {
    depth: u8,
    zeros: Vec<Fr>,
    /// `nodes[l]` maps an index at level `l` to its value, for non-empty nodes only.
    nodes: Vec<HashMap<u64, Fr>>,
}

/// The value of an empty subtree at each level `0..=depth` (`zeros[0] = 0`).
pub fn empty_subtree_roots(depth: u8) -> Vec<Fr> {
    let mut zeros = Vec::with_capacity(depth as usize + 1);
    zeros.push(Fr::from(0u64));
    for l in 0..depth as usize {
        zeros.push(hash([zeros[l], zeros[l]]));
    }
    zeros
}

/// Folds a leaf and its siblings (leaf-first) into the root they imply.
pub fn root_from_path(index: u64, leaf: Fr, siblings: &[Fr]) -> Fr {
    let mut acc = leaf;
    for (l, sib) in siblings.iter().enumerate() {
        acc = if (index >> l) & 1 == 0 { hash([acc, *sib]) } else { hash([*sib, acc]) };
    }
    acc
}

impl SparseMerkleTree {
    /// An empty tree of `depth` levels (`2^depth` leaves).
    ///
    /// # Errors
    /// [`StfError::InvalidDepth`] unless `1 <= depth <= 32`.
    pub fn new(depth: u8) -> Result<Self, StfError> {
        if depth == 0 || depth > MAX_DEPTH {
            return Err(StfError::InvalidDepth { depth, max: MAX_DEPTH });
        }
        Ok(Self {
            depth,
            zeros: empty_subtree_roots(depth),
            nodes: (0..=depth).map(|_| HashMap::new()).collect(),
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
        for l in 0..depth {
            let zero = tree.zeros[l as usize];
            tree.nodes[l as usize].extend(level.iter().copied().filter(|&(_, v)| v != zero));
            let mut parents: Vec<u64> = level.iter().map(|&(i, _)| i >> 1).collect();
            parents.dedup();
            let map = &tree.nodes[l as usize];
            let node = |i: u64| map.get(&i).copied().unwrap_or(zero);
            let parent = |p: u64| (p, hash([node(2 * p), node(2 * p + 1)]));
            #[cfg(feature = "parallel")]
            let next = {
                use rayon::prelude::*;
                parents.par_iter().map(|&p| parent(p)).collect()
            };
            #[cfg(not(feature = "parallel"))]
            let next = parents.iter().map(|&p| parent(p)).collect();
            level = next;
        }
        let zero = tree.zeros[depth as usize];
        tree.nodes[depth as usize].extend(level.into_iter().filter(|&(_, v)| v != zero));
        Ok(tree)
    }

    /// Number of levels below the root.
    pub const fn depth(&self) -> u8 {
        self.depth
    }

    /// Number of leaves, `2^depth`.
    pub const fn capacity(&self) -> u64 {
        1u64 << self.depth
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.node(self.depth, 0)
    }

    /// The node at `level` (0 = leaves) and `index`.
    pub fn node(&self, level: u8, index: u64) -> Fr {
        self.nodes[level as usize].get(&index).copied().unwrap_or(self.zeros[level as usize])
    }

    /// The leaf at `index` (`0` when empty).
    pub fn leaf(&self, index: u64) -> Fr {
        self.node(0, index)
    }

    /// The siblings of leaf `index`, leaf-first (`depth` elements).
    pub fn siblings(&self, index: u64) -> Vec<Fr> {
        (0..self.depth).map(|l| self.node(l, (index >> l) ^ 1)).collect()
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
        for l in 0..self.depth {
            for d in &mut dirty {
                *d >>= 1;
            }
            dirty.sort_unstable();
            dirty.dedup();
            for &p in &dirty {
                let v = hash([self.node(l, 2 * p), self.node(l, 2 * p + 1)]);
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
        (0..=self.depth).map(move |l| (l, index >> l, self.node(l, index >> l)))
    }

    /// Loads a node read back from storage. Empty values are ignored.
    pub fn load_node(&mut self, level: u8, index: u64, value: Fr) {
        if level <= self.depth && value != self.zeros[level as usize] {
            self.nodes[level as usize].insert(index, value);
        }
    }

    /// Number of stored (non-empty) nodes.
    pub fn stored_node_count(&self) -> usize {
        self.nodes.iter().map(HashMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tribunal_primitives::field::{fr_to_decimal, parse_fr};

    #[test]
    fn empty_roots_golden() {
        let zeros = empty_subtree_roots(32);
        // Poseidon(0, 0) as printed by circomlibjs.
        assert_eq!(
            fr_to_decimal(&zeros[1]),
            "14744269619966411208579211824598458697587494354926760081771325075741142829156"
        );
        assert_eq!(SparseMerkleTree::new(32).unwrap().root(), zeros[32]);
    }

    #[test]
    fn update_matches_bulk_build_and_paths_verify() {
        let leaves: Vec<(u64, Fr)> =
            (0..40u64).map(|i| (i * i * 7 % 256, Fr::from(i + 1))).collect();
        let bulk = SparseMerkleTree::from_leaves(8, leaves.clone()).unwrap();
        let mut inc = SparseMerkleTree::new(8).unwrap();
        for (i, v) in &leaves {
            inc.update(&[(*i, *v)]);
        }
        // from_leaves keeps the first of a duplicate index, update the last: compare on unique ones.
        let mut pair = SparseMerkleTree::new(8).unwrap();
        pair.update(&leaves);
        assert_eq!(inc.root(), pair.root());
        let uniq: std::collections::BTreeMap<u64, Fr> = leaves.iter().copied().collect();
        let bulk2 = SparseMerkleTree::from_leaves(8, uniq.clone()).unwrap();
        assert_eq!(bulk2.root(), inc.root());
        let _ = bulk;
        for (&i, &v) in &uniq {
            assert_eq!(root_from_path(i, v, &inc.siblings(i)), inc.root());
        }
    }

    #[test]
    fn golden_roots() {
        // Depth-4 tree with leaves 1 at index 0 and 2 at index 5; fixed so any change to hashing,
        // ordering or the empty value shows up.
        let t =
            SparseMerkleTree::from_leaves(4, [(0, Fr::from(1u64)), (5, Fr::from(2u64))]).unwrap();
        let expected = root_from_path(5, Fr::from(2u64), &t.siblings(5));
        assert_eq!(t.root(), expected);
        assert_eq!(t.root(), parse_fr(GOLDEN_DEPTH4).unwrap(), "got {}", fr_to_decimal(&t.root()));
    }

    // Also in testing/vectors/tree.json, computed from scratch with poseidon-lite.
    const GOLDEN_DEPTH4: &str =
        "4226744499172202924926746124861989790203269977965186575554515907361911260963";

    #[test]
    fn bad_depth_and_index() {
        assert!(SparseMerkleTree::new(0).is_err());
        assert!(SparseMerkleTree::new(33).is_err());
        let t = SparseMerkleTree::new(4).unwrap();
        assert!(t.check_index(16).is_err());
        assert!(t.check_index(15).is_ok());
    }
}
