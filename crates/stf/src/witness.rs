//! Stateless execution: a batch executed against the accounts it touches, each proven against
//! the parent root, instead of the whole state.
//!
//! This is what a TEE prover (or any verifier without the full state) is given. A [`StateWitness`]
//! holds one [`AccountProof`] per account the batch names; [`State::from_witness`] checks every
//! proof against the claimed parent root and loads the proven leaves and siblings into a partial
//! tree. Every path it holds is exact, so executing the batch on it yields the same roots as on
//! the full state, provided the batch touches only proven accounts ([`StateWitness::covers`]).

use tribunal_primitives::{AccountIndex, Batch, BatchNumber, Fr, StateRoot};

use crate::{
    error::{StfError, StfResult},
    state::{Account, State, StfConfig},
    tree::sibling_count,
};

/// An account (or an empty leaf) with its Merkle siblings, leaf-first, against a state root.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccountProof {
    /// The account's index.
    pub index: AccountIndex,
    /// The account (`None`: empty leaf).
    pub account: Option<Account>,
    /// The account tree's siblings: leaf level first, three per level (16 levels for the
    /// production depth of 32 bits; [`crate::tree::sibling_count`]).
    pub siblings: Vec<Fr>,
}

impl AccountProof {
    /// The leaf the proof opens: [`Account::leaf`], or 0 for an empty leaf.
    pub fn leaf(&self) -> Fr {
        self.account.as_ref().map_or(Fr::from(0u64), Account::leaf)
    }
}

/// The accounts a batch reads or writes, proven against one state root.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct StateWitness {
    /// One proof per account, in any order.
    pub accounts: Vec<AccountProof>,
}

impl StateWitness {
    /// Whether every account `batch` names is proven.
    pub fn covers(&self, batch: &Batch) -> Result<(), AccountIndex> {
        let proven: hashbrown::HashSet<AccountIndex> =
            self.accounts.iter().map(|p| p.index).collect();
        match batch.txs.iter().flat_map(|tx| tx.accounts()).flatten().find(|i| !proven.contains(i))
        {
            Some(missing) => Err(missing),
            None => Ok(()),
        }
    }
}

impl State {
    /// The witness for executing `batch` on this state: a proof of every account it names.
    pub fn witness_for(&self, batch: &Batch) -> StateWitness {
        let mut indices: Vec<AccountIndex> =
            batch.txs.iter().flat_map(|tx| tx.accounts()).flatten().collect();
        indices.sort_unstable();
        indices.dedup();
        let accounts = indices
            .into_iter()
            .map(|index| {
                let (account, siblings) = self.account_proof(index);
                AccountProof { index, account, siblings }
            })
            .collect();
        StateWitness { accounts }
    }

    /// A partial state after batch `head` with root `root`, holding only the witness's accounts.
    ///
    /// Every proof is checked against `root`; the proven leaves, their siblings and the nodes on
    /// their paths are loaded. The L1 queue is empty; set it with [`State::set_queue`].
    ///
    /// # Errors
    /// [`StfError::InvalidDepth`] or [`StfError::ZeroChainId`] for the configuration,
    /// [`StfError::IndexOutOfRange`] for an index outside the tree, and
    /// [`StfError::WitnessMismatch`] for a proof of the wrong length or one that does not open to
    /// `root`.
    pub fn from_witness(
        config: StfConfig,
        head: BatchNumber,
        root: StateRoot,
        witness: &StateWitness,
    ) -> StfResult<Self> {
        let mut state = Self::new(config)?;
        state.head = head;
        let depth = config.account_depth;
        let siblings = sibling_count::<4>(depth);
        for proof in &witness.accounts {
            let index = u64::from(proof.index.0);
            if index >> depth != 0 {
                return Err(StfError::IndexOutOfRange { index, depth });
            }
            if proof.siblings.len() != siblings {
                return Err(StfError::WitnessMismatch { index: proof.index });
            }
            // Hash the path once, loading every node and sibling; a proof that does not end at
            // `root` refuses the whole witness.
            if state.tree.load_path(index, proof.leaf(), &proof.siblings) != root.0 {
                return Err(StfError::WitnessMismatch { index: proof.index });
            }
            if let Some(account) = proof.account {
                state.accounts.insert(proof.index, account);
            }
        }
        if witness.accounts.is_empty() {
            // An empty batch touches nothing; the root is still the claimed one.
            state.tree.load_node(state.tree.levels() as u8, 0, root.0);
        }
        Ok(state)
    }
}
