//! The Merkle tree over proof ids that `ProofAggregator` records for each batch and submission.
//!
//! - `leaf = keccak256(proofId)`: a 32-byte preimage, so an inner node (a 64-byte preimage) can
//!   never pass for a leaf;
//! - a node is `keccak256(min(a, b) ‖ max(a, b))` (OpenZeppelin `Hashes.commutativeKeccak256`),
//!   so a path is only the siblings, and `MerkleProof.processProof` folds it;
//! - at each level an odd last node is carried up unchanged (it has no sibling there).

use alloy_primitives::{B256, keccak256};

/// `keccak256(proof_id)`.
pub fn leaf(proof_id: B256) -> B256 {
    keccak256(proof_id)
}

/// `keccak256(min ‖ max)`.
pub fn node(a: B256, b: B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(lo.as_slice());
    buf[32..].copy_from_slice(hi.as_slice());
    keccak256(buf)
}

/// The root over `proof_ids` in order; `B256::ZERO` for none (the contract never records that).
pub fn root(proof_ids: &[B256]) -> B256 {
    let mut level: Vec<B256> = proof_ids.iter().copied().map(leaf).collect();
    if level.is_empty() {
        return B256::ZERO;
    }
    while level.len() > 1 {
        level = next_level(&level);
    }
    level[0]
}

fn next_level(level: &[B256]) -> Vec<B256> {
    level.chunks(2).map(|c| if c.len() == 2 { node(c[0], c[1]) } else { c[0] }).collect()
}

/// The siblings from leaf `index` up to the root, as `isProofVerified` takes them; `None` when
/// `index` is out of range.
pub fn path(proof_ids: &[B256], index: usize) -> Option<Vec<B256>> {
    if index >= proof_ids.len() {
        return None;
    }
    let mut level: Vec<B256> = proof_ids.iter().copied().map(leaf).collect();
    let mut at = index;
    let mut siblings = Vec::new();
    while level.len() > 1 {
        let sibling = at ^ 1;
        if sibling < level.len() {
            siblings.push(level[sibling]);
        }
        level = next_level(&level);
        at /= 2;
    }
    Some(siblings)
}

/// Folds `path` from `leaf` to the root it leads to (`MerkleProof.processProof`).
pub fn process(leaf: B256, path: &[B256]) -> B256 {
    path.iter().fold(leaf, |acc, s| node(acc, *s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_path_leads_to_the_root(n in 1usize..70, seed in any::<u64>()) {
            let ids: Vec<B256> =
                (0..n as u64).map(|i| keccak256([seed.to_be_bytes(), i.to_be_bytes()].concat())).collect();
            let r = root(&ids);
            for (i, id) in ids.iter().enumerate() {
                let p = path(&ids, i).unwrap();
                prop_assert!(p.len() <= (usize::BITS - (n - 1).leading_zeros()) as usize);
                prop_assert_eq!(process(leaf(*id), &p), r);
            }
            prop_assert!(path(&ids, n).is_none());
        }
    }

    #[test]
    fn one_leaf_is_its_own_root_and_a_node_is_no_leaf() {
        let id = B256::repeat_byte(7);
        assert_eq!(root(&[id]), leaf(id));
        assert!(path(&[id], 0).unwrap().is_empty());
        // An inner node taken as a proof id hashes to a different leaf.
        let (a, b) = (B256::repeat_byte(1), B256::repeat_byte(2));
        let r = root(&[a, b]);
        assert_ne!(root(&[node(leaf(a), leaf(b))]), r);
    }
}
