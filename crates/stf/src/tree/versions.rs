//! Hashing a whole batch of leaf updates at once, keeping every intermediate version.
//!
//! A batch writes leaves at times `t = 0, 1, …` (one time per transaction). The tree after each
//! `t` is needed for the intermediate roots and witnesses, but hashing one path per transaction in
//! order leaves the second core idle. Instead, levels are processed bottom-up: every node that
//! transaction `t` dirties at level `l + 1` is the `Poseidon` of its children's latest
//! versions at time `≤ t`, and those only depend on level `l`, so each level is hashed in
//! parallel. The number of hashes is the same as sequential updates: each transaction hashes the
//! union of its leaves' paths once.

use hashbrown::HashMap;
use tribunal_primitives::{Fr, poseidon::hash};

use super::{AccountTree, sibling_positions};

/// Every version, per level and position, of the nodes a batch changed.
#[derive(Debug)]
pub(crate) struct Versions<'a> {
    base: &'a AccountTree,
    /// `levels[l][pos]` = `(t, value)` in increasing `t`.
    levels: Vec<HashMap<u64, Vec<(u32, Fr)>>>,
}

impl<'a> Versions<'a> {
    /// Hashes `writes[t]`, the leaf writes of transaction `t`, on top of `base`.
    ///
    /// Within one transaction a repeated index keeps the last value.
    pub(crate) fn compute(base: &'a AccountTree, writes: &[Vec<(u64, Fr)>]) -> Self {
        let height = base.levels() as u8;
        let mut levels: Vec<HashMap<u64, Vec<(u32, Fr)>>> = Vec::with_capacity(height as usize + 1);
        let mut leaves: HashMap<u64, Vec<(u32, Fr)>> = HashMap::new();
        // Dirty positions per transaction at the current level.
        let mut dirty: Vec<(u32, Vec<u64>)> = Vec::with_capacity(writes.len());
        for (t, w) in writes.iter().enumerate() {
            let t = t as u32;
            for &(i, v) in w {
                let h = leaves.entry(i).or_default();
                match h.last_mut() {
                    Some(last) if last.0 == t => last.1 = v,
                    _ => h.push((t, v)),
                }
            }
            if !w.is_empty() {
                dirty.push((t, w.iter().map(|&(i, _)| i).collect()));
            }
        }
        levels.push(leaves);
        for l in 0..height {
            let mut tasks: Vec<(u32, u64)> = Vec::new();
            for (t, positions) in &mut dirty {
                for p in positions.iter_mut() {
                    *p >>= 2;
                }
                positions.sort_unstable();
                positions.dedup();
                tasks.extend(positions.iter().map(|&q| (*t, q)));
            }
            let below = Lookup { base, level: l, versions: &levels[l as usize] };
            let hash_one = |&(t, q): &(u32, u64)| {
                hash(std::array::from_fn::<_, 4, _>(|j| below.at(4 * q + j as u64, t)))
            };
            #[cfg(feature = "parallel")]
            let values: Vec<Fr> = {
                use rayon::prelude::*;
                tasks.par_iter().with_min_len(32).map(hash_one).collect()
            };
            #[cfg(not(feature = "parallel"))]
            let values: Vec<Fr> = tasks.iter().map(hash_one).collect();
            let mut next: HashMap<u64, Vec<(u32, Fr)>> = HashMap::with_capacity(tasks.len());
            for (&(t, q), v) in tasks.iter().zip(values) {
                next.entry(q).or_default().push((t, v));
            }
            levels.push(next);
        }
        Self { base, levels }
    }

    /// The node at `level`/`pos` after transaction `t` (`None`: before the batch).
    pub(crate) fn node(&self, level: u8, pos: u64, t: Option<u32>) -> Fr {
        match t {
            Some(t) => {
                Lookup { base: self.base, level, versions: &self.levels[level as usize] }.at(pos, t)
            }
            None => self.base.node(level, pos),
        }
    }

    /// The root after transaction `t`.
    pub(crate) fn root(&self, t: u32) -> Fr {
        self.node(self.base.levels() as u8, 0, Some(t))
    }

    /// Siblings of leaf `index` after transaction `t` (`None`: before the batch), leaf-first.
    pub(crate) fn siblings(&self, index: u64, t: Option<u32>) -> Vec<Fr> {
        sibling_positions::<4>(index, self.base.levels()).map(|(l, i)| self.node(l, i, t)).collect()
    }

    /// The last version of every changed node, as `(level, index, value)`.
    pub(crate) fn into_final(self) -> Vec<(u8, u64, Fr)> {
        self.levels
            .into_iter()
            .enumerate()
            .flat_map(|(l, m)| {
                m.into_iter()
                    .map(move |(i, v)| (l as u8, i, v.last().expect("versions are never empty").1))
            })
            .collect()
    }
}

struct Lookup<'a> {
    base: &'a AccountTree,
    level: u8,
    versions: &'a HashMap<u64, Vec<(u32, Fr)>>,
}

impl Lookup<'_> {
    /// The latest version at time `≤ t`, else the base tree's node.
    fn at(&self, pos: u64, t: u32) -> Fr {
        if let Some(h) = self.versions.get(&pos) {
            let n = h.partition_point(|&(vt, _)| vt <= t);
            if n > 0 {
                return h[n - 1].1;
            }
        }
        self.base.node(self.level, pos)
    }
}
