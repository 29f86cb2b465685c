//! Accounts and the account tree.

use hashbrown::HashMap;
use tribunal_primitives::{
    AccountIndex, BatchNumber, ChainId, Fr, PublicKey, QueueAcc, StateRoot, Wei, poseidon::hash,
};

use crate::{
    error::{StfError, StfResult},
    tree::AccountTree,
};

/// Parameters of the state transition function.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StfConfig {
    /// L2 chain id, part of every signed message.
    pub chain_id: ChainId,
    /// Depth of the 4-ary account tree in index bits (even): up to `2^account_depth` accounts,
    /// `account_depth / 2` levels. 32 in production.
    pub account_depth: u8,
    /// Depth of each batch's withdrawal tree: up to `2^withdrawal_depth` withdrawals per batch.
    pub withdrawal_depth: u8,
}

impl StfConfig {
    /// Production depth of the account tree (docs/stf.md).
    pub const ACCOUNT_DEPTH: u8 = 32;
    /// Production depth of the withdrawal tree: 1024 withdrawals per batch.
    pub const WITHDRAWAL_DEPTH: u8 = 10;

    /// The production configuration for `chain_id`.
    pub const fn new(chain_id: ChainId) -> Self {
        Self {
            chain_id,
            account_depth: Self::ACCOUNT_DEPTH,
            withdrawal_depth: Self::WITHDRAWAL_DEPTH,
        }
    }

    /// The same configuration with smaller trees, for tests.
    pub const fn with_depths(self, account_depth: u8, withdrawal_depth: u8) -> Self {
        Self { account_depth, withdrawal_depth, ..self }
    }

    /// Checks the chain id and depths.
    ///
    /// # Errors
    /// [`StfError::ZeroChainId`], or [`StfError::InvalidDepth`] (the account depth must be even).
    pub const fn validate(&self) -> StfResult<()> {
        if self.chain_id.0 == 0 {
            return Err(StfError::ZeroChainId);
        }
        let max = crate::tree::MAX_DEPTH;
        if self.account_depth == 0
            || self.account_depth > max
            || !self.account_depth.is_multiple_of(2)
        {
            return Err(StfError::InvalidDepth { depth: self.account_depth, max });
        }
        if self.withdrawal_depth == 0 || self.withdrawal_depth > max {
            return Err(StfError::InvalidDepth { depth: self.withdrawal_depth, max });
        }
        Ok(())
    }
}

/// An L2 account.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Account {
    /// The owner's EdDSA-Poseidon key; fixed at creation.
    pub pubkey: PublicKey,
    /// Balance in wei.
    pub balance: Wei,
    /// Number of signed transactions applied so far; the next one must carry this nonce.
    pub nonce: u64,
}

impl Account {
    /// The account's leaf: `Poseidon(pubkey.x, pubkey.y, balance, nonce)` (docs/stf.md).
    pub fn leaf(&self) -> Fr {
        hash([self.pubkey.0.x, self.pubkey.0.y, self.balance.to_fr(), Fr::from(self.nonce)])
    }
}

/// The rollup state: accounts, their tree, and the last executed batch.
#[derive(Clone, Debug)]
pub struct State {
    pub(crate) config: StfConfig,
    pub(crate) head: BatchNumber,
    /// L1 message queue accumulator after the messages consumed so far, and their count.
    pub(crate) queue: (QueueAcc, u64),
    pub(crate) accounts: HashMap<AccountIndex, Account>,
    pub(crate) tree: AccountTree,
    pub(crate) journal: Option<Vec<(AccountIndex, Option<Account>)>>,
}

impl State {
    /// The empty genesis state (batch 0).
    ///
    /// # Errors
    /// [`StfError`] when the configuration is invalid.
    pub fn new(config: StfConfig) -> StfResult<Self> {
        config.validate()?;
        Ok(Self {
            tree: AccountTree::new(config.account_depth)?,
            config,
            head: BatchNumber(0),
            queue: (QueueAcc::EMPTY, 0),
            accounts: HashMap::new(),
            journal: None,
        })
    }

    /// Builds a state holding `accounts` after batch `head`, hashing the tree in one pass.
    ///
    /// # Errors
    /// [`StfError`] for an invalid configuration or an index outside the tree.
    pub fn from_accounts(
        config: StfConfig,
        head: BatchNumber,
        accounts: impl IntoIterator<Item = (AccountIndex, Account)>,
    ) -> StfResult<Self> {
        config.validate()?;
        let accounts: HashMap<AccountIndex, Account> = accounts.into_iter().collect();
        #[cfg(feature = "parallel")]
        let leaves: Vec<(u64, Fr)> = {
            use rayon::prelude::*;
            let list: Vec<_> = accounts.iter().collect();
            list.par_iter().map(|(i, a)| (u64::from(i.0), a.leaf())).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let leaves: Vec<(u64, Fr)> =
            accounts.iter().map(|(i, a)| (u64::from(i.0), a.leaf())).collect();
        let tree = AccountTree::from_leaves(config.account_depth, leaves)?;
        Ok(Self { config, head, queue: (QueueAcc::EMPTY, 0), accounts, tree, journal: None })
    }

    /// Rebuilds a state from stored accounts and tree nodes, without hashing.
    ///
    /// The caller vouches that the nodes belong to the accounts (compare [`Self::root`] with a
    /// stored root, or rebuild with [`Self::from_accounts`] to check).
    ///
    /// # Errors
    /// [`StfError`] for an invalid configuration.
    pub fn from_parts(
        config: StfConfig,
        head: BatchNumber,
        accounts: impl IntoIterator<Item = (AccountIndex, Account)>,
        nodes: impl IntoIterator<Item = (u8, u64, Fr)>,
    ) -> StfResult<Self> {
        let mut state = Self::new(config)?;
        state.head = head;
        state.accounts = accounts.into_iter().collect();
        for (l, i, v) in nodes {
            state.tree.load_node(l, i, v);
        }
        Ok(state)
    }

    /// The configuration.
    pub const fn config(&self) -> &StfConfig {
        &self.config
    }

    /// The L1 message queue consumed so far: its accumulator and the number of messages.
    pub const fn queue(&self) -> (QueueAcc, u64) {
        self.queue
    }

    /// Sets the consumed L1 message queue, when restoring a stored state or starting from a
    /// genesis whose queue is not empty.
    pub const fn set_queue(&mut self, acc: QueueAcc, consumed: u64) {
        self.queue = (acc, consumed);
    }

    /// The last executed batch (0 at genesis).
    pub const fn head(&self) -> BatchNumber {
        self.head
    }

    /// The state root.
    pub fn root(&self) -> StateRoot {
        StateRoot(self.tree.root())
    }

    /// The account tree.
    pub const fn tree(&self) -> &AccountTree {
        &self.tree
    }

    /// The account at `index`, if any.
    pub fn account(&self, index: AccountIndex) -> Option<&Account> {
        self.accounts.get(&index)
    }

    /// All accounts, in no particular order.
    pub fn accounts(&self) -> impl Iterator<Item = (AccountIndex, &Account)> + '_ {
        self.accounts.iter().map(|(i, a)| (*i, a))
    }

    /// Number of accounts.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// The sum of all balances, in wei, saturating at `u128::MAX`.
    pub fn total_supply(&self) -> u128 {
        self.accounts.values().fold(0u128, |acc, a| acc.saturating_add(a.balance.0))
    }

    /// The account at `index` with its Merkle siblings (leaf-first) against [`Self::root`].
    pub fn account_proof(&self, index: AccountIndex) -> (Option<Account>, Vec<Fr>) {
        (self.accounts.get(&index).copied(), self.tree.siblings(u64::from(index.0)))
    }

    /// Puts accounts back as they were after batch `head`, rehashing only their tree paths: each
    /// `(index, Some(account))` restores that account, each `(index, None)` removes it (its leaf
    /// becomes empty). The queue is left as it was: set it with [`Self::set_queue`].
    ///
    /// For a node undoing batches after an L1 reorg dropped messages they consumed; the caller
    /// compares [`Self::root`] with the root it recorded for `head`.
    ///
    /// # Errors
    /// [`StfError::IndexOutOfRange`] for an index outside the tree; nothing is changed then.
    pub fn restore(
        &mut self,
        head: BatchNumber,
        accounts: impl IntoIterator<Item = (AccountIndex, Option<Account>)>,
    ) -> StfResult<()> {
        let accounts: Vec<_> = accounts.into_iter().collect();
        for (index, _) in &accounts {
            self.tree.check_index(u64::from(index.0))?;
        }
        let mut leaves = Vec::with_capacity(accounts.len());
        for (index, account) in accounts {
            let leaf = match account {
                Some(a) => {
                    let leaf = a.leaf();
                    self.accounts.insert(index, a);
                    leaf
                }
                None => {
                    self.accounts.remove(&index);
                    Fr::from(0u64)
                }
            };
            leaves.push((u64::from(index.0), leaf));
        }
        self.tree.update(&leaves);
        self.head = head;
        Ok(())
    }

    pub(crate) fn set_account(&mut self, index: AccountIndex, account: Account) {
        let old = self.accounts.insert(index, account);
        if let Some(journal) = &mut self.journal {
            journal.push((index, old));
        }
    }

    pub(crate) fn begin(&mut self) {
        self.journal = Some(Vec::new());
    }

    pub(crate) fn commit(&mut self) {
        self.journal = None;
    }

    pub(crate) fn rollback(&mut self) {
        if let Some(journal) = self.journal.take() {
            for (index, old) in journal.into_iter().rev() {
                match old {
                    Some(a) => self.accounts.insert(index, a),
                    None => self.accounts.remove(&index),
                };
            }
        }
    }
}
