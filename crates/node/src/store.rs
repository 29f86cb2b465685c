//! Durable node state in redb: accounts, account-tree nodes, batches and their roots.
//!
//! Each executed batch is committed in **one** redb write transaction holding the batch bytes,
//! its roots, every account it touched, every tree node on those accounts' paths, and the new
//! head. redb commits are atomic and durable, so a crash or kill at any point leaves the store at
//! the last committed batch, never between two.
//!
//! Tables:
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | name | chain id, depths, head batch number |
//! | `accounts` | account index (`u32`) | packed pubkey (32) ‖ balance (16, BE) ‖ nonce (8, BE) |
//! | `nodes` | `level << 32 \| index` | node (32, BE); empty nodes are absent |
//! | `batches` | batch number | canonical batch encoding |
//! | `roots_v2` | batch number | parent ‖ post ‖ withdrawal root ‖ data commitment ‖ queue accumulator (5 × 32, BE) ‖ messages consumed (8, BE) |
//! | `mempool` | sequence number | canonical encoding of an accepted, not yet sealed, sequencer transaction |
//! | `txs` | transaction hash | batch number (8, BE) ‖ position (4, BE), the earliest for identical L1 messages; batch 0: dropped at sealing; all `0xff`: pending |
//! | `withdrawals` | batch number | per emitted withdrawal: leaf index (8, BE) ‖ L1 recipient (20) ‖ amount (16, BE) |
//! | `l1_blocks` | L1 block number | hash of the block the node followed there ([`crate::follow`]) |
//! | `sent` | (service, claim id) | L1 block number (8, BE) ‖ its hash (32) ‖ the calldata the service sent |
//! | `mempool_by_sender` | (account, sequence number) | (): the mempool's index by sender, written with it |
//! | `account_withdrawals` | (account, batch number, leaf index) | (): withdrawals by the account that made them |
//! | `l1_gas` | (L1 block number, transaction hash) | execution gas of a transaction the node sent |
//! | `undo` | batch number | the accounts the batch touched as they were before it (the last 256 batches), for [`Store::rewind_to`] |
//!
//! `meta` also keeps the provers' claim cursors (`cursor.zk`, `cursor.tee`): the next claim id
//! each has to look at, so a restart does not re-handle claims it already settled.
//!
//! A sealed batch removes its transactions from `mempool` in the same write transaction that
//! commits it, so an accepted transaction is either pending or in exactly one batch.

use std::path::{Path, PathBuf};

use alloy_primitives::{Address, B256};
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, ChainId, Claim, DataCommitment, Fr, PublicKey, QueueAcc,
    StateRoot, Tx, Wei, WithdrawalRoot,
    batch::{decode_tx_exact, encode_tx},
    field::{fr_from_be_bytes, fr_to_be_bytes},
};
use tribunal_stf::{Account, BatchOutput, State, StfConfig};

use crate::sequencer::tx_hash;

const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
const ACCOUNTS: TableDefinition<'_, u32, [u8; 56]> = TableDefinition::new("accounts");
const NODES: TableDefinition<'_, u64, [u8; 32]> = TableDefinition::new("nodes");
const BATCHES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("batches");
const ROOTS: TableDefinition<'_, u64, [u8; RECORD_BYTES]> = TableDefinition::new("roots_v2");
const MEMPOOL: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("mempool");
const TXS: TableDefinition<'_, [u8; 32], [u8; 12]> = TableDefinition::new("txs");
const WITHDRAWALS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("withdrawals");
/// The mempool by sender: (account, sequence number) → ().
const MEMPOOL_BY_SENDER: TableDefinition<'_, (u32, u64), ()> =
    TableDefinition::new("mempool_by_sender");
/// Withdrawals by the L2 account that made them: (account, batch, leaf index) → ().
const ACCOUNT_WITHDRAWALS: TableDefinition<'_, (u32, u64, u64), ()> =
    TableDefinition::new("account_withdrawals");
/// Per batch: its skipped transactions, one `position<TAB>reason` line each (UTF-8).
const SKIPPED: TableDefinition<'_, u64, &str> = TableDefinition::new("skipped");
/// L1 blocks the node has followed: number → hash.
const L1_BLOCKS: TableDefinition<'_, u64, [u8; 32]> = TableDefinition::new("l1_blocks");
/// L1 transactions a service sent for a claim: (service, claim id) → block number (8, BE) ‖
/// block hash (32) ‖ calldata.
const SENT: TableDefinition<'_, (&str, u64), &[u8]> = TableDefinition::new("sent");
/// Per batch: the accounts it touched as they were before it, for [`Store::rewind_to`]: per
/// account its index (4, BE), 1 if it existed (else 0), and its packed row (56; zeros if not).
/// Kept for the last [`UNDO_BATCHES`] batches.
const UNDO: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("undo");
/// Batches whose undo rows are kept.
pub const UNDO_BATCHES: u64 = 256;
const UNDO_ENTRY: usize = 4 + 1 + 56;
/// Gas used by the node's own L1 transactions, from their receipts: (block number, transaction
/// hash) → gas.
const L1_GAS: TableDefinition<'_, (u64, [u8; 32]), u64> = TableDefinition::new("l1_gas");

const CHAIN_ID: &str = "chain_id";
const ACCOUNT_DEPTH: &str = "account_depth";
const WITHDRAWAL_DEPTH: &str = "withdrawal_depth";
/// The account tree's arity; absent in stores written before the tree became 4-ary (binary).
const ACCOUNT_ARITY: &str = "account_arity";
/// The arity of [`tribunal_stf::AccountTree`], the only one this version reads.
const ARITY: u64 = 4;
const HEAD: &str = "head";
const NEXT_TX: &str = "next_tx";

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("open {path}: {source}")]
    Open {
        /// Database path.
        path: PathBuf,
        /// The cause.
        source: Box<redb::Error>,
    },
    /// A read or write failed.
    #[error("storage: {0}")]
    Db(#[from] Box<redb::Error>),
    /// The store was created for another chain or tree shape.
    #[error("store was created with {stored:?}, not {given:?}")]
    ConfigMismatch {
        /// Configuration in the store.
        stored: StfConfig,
        /// Configuration asked for.
        given: StfConfig,
    },
    /// The store's tree nodes are of another account-tree layout: a store written before the
    /// tree became 4-ary holds binary nodes. Nothing is read or changed; start a new store (the
    /// node re-derives its state from L1) or keep using the version that wrote it.
    #[error("store holds a {stored}-ary account tree; this version reads only the {ARITY}-ary one")]
    TreeLayout {
        /// The arity recorded in the store (2 when none is).
        stored: u64,
    },
    /// A batch was committed out of order.
    #[error("cannot commit batch {got:?} on top of head {head:?}")]
    NotNext {
        /// Stored head.
        head: BatchNumber,
        /// Batch offered.
        got: BatchNumber,
    },
    /// Stored data does not decode or does not agree with itself.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A rewind to before `batch` is not possible: its undo rows are gone (older than
    /// [`UNDO_BATCHES`], or written by a version that kept none).
    #[error("cannot rewind past batch {batch:?}: no undo rows")]
    NoUndo {
        /// The batch without undo rows.
        batch: BatchNumber,
    },
    /// The loaded tree's root differs from the root recorded for the head batch.
    #[error("root of loaded state differs from the root recorded for batch {batch:?}")]
    RootMismatch {
        /// Head batch.
        batch: BatchNumber,
    },
}

impl StoreError {
    fn db(e: impl Into<redb::Error>) -> Self {
        Self::Db(Box::new(e.into()))
    }
}

/// An L1 transaction a service sent for a claim ([`Store::record_sent`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentTx {
    /// The claim id.
    pub claim: u64,
    /// The L1 block that held it.
    pub block: u64,
    /// That block's hash.
    pub hash: B256,
    /// The calldata sent.
    pub calldata: Vec<u8>,
}

/// Where a transaction the sequencer accepted ended up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TxLocation {
    /// Still in the mempool.
    Pending,
    /// Sealed in `batch` at `position` (its withdrawal leaf index, if it is a withdrawal).
    Sealed {
        /// The batch.
        batch: BatchNumber,
        /// Its position in the batch.
        position: u32,
    },
    /// Dropped at sealing: the STF refused it (its nonce was taken, the balance went).
    Dropped,
}

/// A withdrawal a batch emitted, claimable on L1 once the batch is final.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StoredWithdrawal {
    /// Leaf index in the batch's withdrawal tree (the transaction's position).
    pub index: u64,
    /// L1 recipient.
    pub to: Address,
    /// Amount, in wei.
    pub amount: Wei,
}

impl StoredWithdrawal {
    /// Its withdrawal-tree leaf ([`tribunal_primitives::tx::withdrawal_leaf`]).
    pub fn leaf(&self) -> Fr {
        tribunal_primitives::tx::withdrawal_leaf(&self.to, self.amount)
    }
}

const WITHDRAWAL_BYTES: usize = 8 + 20 + 16;

/// `txs` value of an accepted transaction not sealed yet.
const TX_PENDING: [u8; 12] = [0xff; 12];
/// `txs` value of a transaction dropped at sealing.
const TX_DROPPED: [u8; 12] = [0; 12];

/// What the store keeps about an executed batch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BatchRecord {
    /// Root before the batch.
    pub parent_root: StateRoot,
    /// Root after the batch.
    pub post_root: StateRoot,
    /// Withdrawal root.
    pub withdrawal_root: WithdrawalRoot,
    /// Data commitment.
    pub data_commitment: DataCommitment,
    /// L1 message queue accumulator after the batch.
    pub queue_after: QueueAcc,
    /// L1 messages consumed through the batch.
    pub queue_consumed: u64,
}

/// Bytes of an encoded [`BatchRecord`]: five field elements and a `u64`.
const RECORD_BYTES: usize = 5 * 32 + 8;

impl BatchRecord {
    /// The claim of batch `n` with this record's roots, on chain `chain_id`, bound to L1's
    /// context of the batch: `blobs_hash` (keccak256 of its versioned hashes, in blob order) and
    /// the queue accumulator before its L1 messages (the record holds the one after).
    pub const fn claim(
        &self,
        chain_id: ChainId,
        n: BatchNumber,
        blobs_hash: B256,
        queue_before: QueueAcc,
    ) -> Claim {
        Claim {
            chain_id,
            batch_number: n,
            parent_root: self.parent_root,
            post_root: self.post_root,
            withdrawal_root: self.withdrawal_root,
            data_commitment: self.data_commitment,
            blobs_hash,
            queue_before,
            queue_after: self.queue_after,
        }
    }

    fn encode(&self) -> [u8; RECORD_BYTES] {
        let mut out = [0u8; RECORD_BYTES];
        for (i, x) in [
            self.parent_root.0,
            self.post_root.0,
            self.withdrawal_root.0,
            self.data_commitment.0,
            self.queue_after.0,
        ]
        .iter()
        .enumerate()
        {
            out[i * 32..(i + 1) * 32].copy_from_slice(&fr_to_be_bytes(x));
        }
        out[160..].copy_from_slice(&self.queue_consumed.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8; RECORD_BYTES]) -> Result<Self, StoreError> {
        let fr = |i: usize| -> Result<Fr, StoreError> {
            fr_from_be_bytes(bytes[i * 32..(i + 1) * 32].try_into().expect("32 bytes"))
                .map_err(|e| StoreError::Corrupt(format!("batch record: {e}")))
        };
        Ok(Self {
            parent_root: StateRoot(fr(0)?),
            post_root: StateRoot(fr(1)?),
            withdrawal_root: WithdrawalRoot(fr(2)?),
            data_commitment: DataCommitment(fr(3)?),
            queue_after: QueueAcc(fr(4)?),
            queue_consumed: u64::from_be_bytes(bytes[160..].try_into().expect("8 bytes")),
        })
    }
}

fn encode_account(a: &Account) -> [u8; 56] {
    let mut out = [0u8; 56];
    out[..32].copy_from_slice(&a.pubkey.to_bytes());
    out[32..48].copy_from_slice(&a.balance.0.to_be_bytes());
    out[48..].copy_from_slice(&a.nonce.to_be_bytes());
    out
}

fn decode_account(index: u32, bytes: &[u8; 56]) -> Result<Account, StoreError> {
    let pubkey = PublicKey::from_bytes(bytes[..32].try_into().expect("32 bytes"))
        .map_err(|e| StoreError::Corrupt(format!("account {index}: {e}")))?;
    Ok(Account {
        pubkey,
        balance: Wei(u128::from_be_bytes(bytes[32..48].try_into().expect("16 bytes"))),
        nonce: u64::from_be_bytes(bytes[48..].try_into().expect("8 bytes")),
    })
}

const fn node_key(level: u8, index: u64) -> u64 {
    ((level as u64) << 32) | index
}

/// Writes accounts `indices` of `state` (removing those it no longer has) and the tree nodes on
/// their paths (removing empty ones).
fn write_accounts(
    accounts: &mut redb::Table<'_, u32, [u8; 56]>,
    nodes: &mut redb::Table<'_, u64, [u8; 32]>,
    state: &State,
    indices: &[AccountIndex],
) -> Result<(), StoreError> {
    let empty = tribunal_stf::tree::empty_subtree_roots::<4>(state.config().account_depth);
    for &index in indices {
        match state.account(index) {
            Some(account) => {
                accounts.insert(index.0, encode_account(account)).map_err(StoreError::db)?;
            }
            None => {
                accounts.remove(index.0).map_err(StoreError::db)?;
            }
        }
        for (l, i, v) in state.tree().path_nodes(u64::from(index.0)) {
            if v == empty[l as usize] {
                nodes.remove(node_key(l, i)).map_err(StoreError::db)?;
            } else {
                nodes.insert(node_key(l, i), fr_to_be_bytes(&v)).map_err(StoreError::db)?;
            }
        }
    }
    Ok(())
}

/// What [`Store::rewind_to`] leaves: the state of the batch rewound to, and the undone batches'
/// sequencer transactions, now at the front of the mempool.
#[derive(Debug)]
pub struct Rewound {
    /// The state after the batch rewound to, its queue included.
    pub state: State,
    /// The undone sequencer transactions put back in the mempool, in batch order.
    pub requeued: Vec<Tx>,
    /// The sequencer transactions dropped (recorded as dropped) because they name an account an
    /// undone batch created: undone ones, then pending ones.
    pub dropped: Vec<Tx>,
}

/// The node's redb database.
#[derive(Debug)]
pub struct Store {
    db: Database,
    config: StfConfig,
}

impl Store {
    /// Opens the store at `path`, creating it with an empty genesis state if it does not exist.
    ///
    /// # Errors
    /// [`StoreError::Open`] when the file cannot be opened, [`StoreError::ConfigMismatch`] when it
    /// was created for another configuration, [`StoreError::TreeLayout`] when it holds a binary
    /// account tree.
    pub fn open(path: &Path, config: StfConfig) -> Result<Self, StoreError> {
        let open_err =
            |e: redb::Error| StoreError::Open { path: path.to_owned(), source: Box::new(e) };
        let db = Database::create(path).map_err(|e| open_err(e.into()))?;
        let store = Self { db, config };
        let stored = store.stored_config()?;
        match stored {
            Some(stored) if stored != config => {
                return Err(StoreError::ConfigMismatch { stored, given: config });
            }
            Some(_) => store.index_mempool()?,
            None => {
                store.init(&State::new(config).map_err(|e| StoreError::Corrupt(e.to_string()))?)?
            }
        }
        Ok(store)
    }

    /// Builds the mempool's index by sender for a store written before it was kept (once: the
    /// index table exists afterwards).
    fn index_mempool(&self) -> Result<(), StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        if read_table(&r, MEMPOOL_BY_SENDER)?.is_some() {
            return Ok(());
        }
        drop(r);
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mempool = w.open_table(MEMPOOL).map_err(StoreError::db)?;
            let mut by_sender = w.open_table(MEMPOOL_BY_SENDER).map_err(StoreError::db)?;
            for row in mempool.iter().map_err(StoreError::db)? {
                let (seq, bytes) = row.map_err(StoreError::db)?;
                if let Some(from) = sender(bytes.value()) {
                    by_sender.insert((from, seq.value()), ()).map_err(StoreError::db)?;
                }
            }
        }
        w.commit().map_err(StoreError::db)
    }

    /// Opens a new store whose genesis is `genesis` (batch 0 with these accounts).
    ///
    /// # Errors
    /// As [`Self::open`]; [`StoreError::Corrupt`] when the file already holds a chain.
    pub fn create_with_genesis(path: &Path, genesis: &State) -> Result<Self, StoreError> {
        let open_err =
            |e: redb::Error| StoreError::Open { path: path.to_owned(), source: Box::new(e) };
        let db = Database::create(path).map_err(|e| open_err(e.into()))?;
        let store = Self { db, config: *genesis.config() };
        if store.stored_config()?.is_some() {
            return Err(StoreError::Corrupt(format!("{} already holds a chain", path.display())));
        }
        store.init(genesis)?;
        Ok(store)
    }

    fn stored_config(&self) -> Result<Option<StfConfig>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::db)?;
        let Some(meta) = read_table(&tx, META)? else { return Ok(None) };
        let get = |k: &str| -> Result<Option<u64>, StoreError> {
            Ok(meta.get(k).map_err(StoreError::db)?.map(|v| v.value()))
        };
        let (Some(chain), Some(ad), Some(wd)) =
            (get(CHAIN_ID)?, get(ACCOUNT_DEPTH)?, get(WITHDRAWAL_DEPTH)?)
        else {
            return Ok(None);
        };
        let arity = get(ACCOUNT_ARITY)?.unwrap_or(2);
        if arity != ARITY {
            return Err(StoreError::TreeLayout { stored: arity });
        }
        let depth = |d: u64| u8::try_from(d).map_err(|_| StoreError::Corrupt(format!("depth {d}")));
        Ok(Some(StfConfig {
            chain_id: ChainId(chain),
            account_depth: depth(ad)?,
            withdrawal_depth: depth(wd)?,
        }))
    }

    fn init(&self, genesis: &State) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut meta = tx.open_table(META).map_err(StoreError::db)?;
            let c = genesis.config();
            meta.insert(CHAIN_ID, c.chain_id.0).map_err(StoreError::db)?;
            meta.insert(ACCOUNT_DEPTH, u64::from(c.account_depth)).map_err(StoreError::db)?;
            meta.insert(WITHDRAWAL_DEPTH, u64::from(c.withdrawal_depth)).map_err(StoreError::db)?;
            meta.insert(ACCOUNT_ARITY, ARITY).map_err(StoreError::db)?;
            meta.insert(HEAD, genesis.head().0).map_err(StoreError::db)?;
            let mut accounts = tx.open_table(ACCOUNTS).map_err(StoreError::db)?;
            for (i, a) in genesis.accounts() {
                accounts.insert(i.0, encode_account(a)).map_err(StoreError::db)?;
            }
            let mut nodes = tx.open_table(NODES).map_err(StoreError::db)?;
            for (l, i, v) in genesis.tree().stored_nodes() {
                nodes.insert(node_key(l, i), fr_to_be_bytes(&v)).map_err(StoreError::db)?;
            }
            tx.open_table(BATCHES).map_err(StoreError::db)?;
            let mut roots = tx.open_table(ROOTS).map_err(StoreError::db)?;
            let root = genesis.root();
            let record = BatchRecord {
                parent_root: root,
                post_root: root,
                withdrawal_root: WithdrawalRoot::default(),
                data_commitment: DataCommitment::default(),
                queue_after: genesis.queue().0,
                queue_consumed: genesis.queue().1,
            };
            roots.insert(genesis.head().0, record.encode()).map_err(StoreError::db)?;
        }
        tx.commit().map_err(StoreError::db)
    }

    /// The configuration the store was created with.
    pub const fn config(&self) -> &StfConfig {
        &self.config
    }

    /// The last committed batch number (0 before any batch).
    ///
    /// # Errors
    /// [`StoreError::Db`], or [`StoreError::Corrupt`] when the head is missing.
    pub fn head(&self) -> Result<BatchNumber, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::db)?;
        let meta = tx.open_table(META).map_err(StoreError::db)?;
        let head = meta
            .get(HEAD)
            .map_err(StoreError::db)?
            .ok_or_else(|| StoreError::Corrupt("no head".into()))?;
        Ok(BatchNumber(head.value()))
    }

    /// Loads the state at the head, checking its root against the recorded one.
    ///
    /// # Errors
    /// [`StoreError::RootMismatch`] when the stored tree does not give the recorded root;
    /// [`StoreError::Corrupt`] for undecodable rows.
    pub fn load_state(&self) -> Result<State, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::db)?;
        let meta = tx.open_table(META).map_err(StoreError::db)?;
        let head = BatchNumber(
            meta.get(HEAD)
                .map_err(StoreError::db)?
                .ok_or_else(|| StoreError::Corrupt("no head".into()))?
                .value(),
        );
        let accounts_table = tx.open_table(ACCOUNTS).map_err(StoreError::db)?;
        let mut accounts =
            Vec::with_capacity(accounts_table.len().map_err(StoreError::db)? as usize);
        for row in accounts_table.iter().map_err(StoreError::db)? {
            let (k, v) = row.map_err(StoreError::db)?;
            accounts.push((AccountIndex(k.value()), decode_account(k.value(), &v.value())?));
        }
        let nodes_table = tx.open_table(NODES).map_err(StoreError::db)?;
        let mut nodes = Vec::with_capacity(nodes_table.len().map_err(StoreError::db)? as usize);
        for row in nodes_table.iter().map_err(StoreError::db)? {
            let (k, v) = row.map_err(StoreError::db)?;
            let key = k.value();
            let value = fr_from_be_bytes(&v.value())
                .map_err(|e| StoreError::Corrupt(format!("node {key:#x}: {e}")))?;
            nodes.push(((key >> 32) as u8, key & 0xffff_ffff, value));
        }
        let mut state = State::from_parts(self.config, head, accounts, nodes)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let record = self
            .batch_record(head)?
            .ok_or_else(|| StoreError::Corrupt(format!("no roots for head {head:?}")))?;
        if state.root() != record.post_root {
            return Err(StoreError::RootMismatch { batch: head });
        }
        state.set_queue(record.queue_after, record.queue_consumed);
        Ok(state)
    }

    /// Commits an executed batch: `state` must be the state right after `execute_batch(batch)`
    /// returned `output`.
    ///
    /// # Errors
    /// [`StoreError::NotNext`] unless `batch` follows the stored head; [`StoreError::Db`] when the
    /// write fails, in which case nothing is written.
    pub fn commit_batch(
        &self,
        state: &State,
        batch: &Batch,
        output: &BatchOutput,
    ) -> Result<(), StoreError> {
        self.commit_sealed(state, batch, output, &[])
    }

    /// As [`Self::commit_batch`], also removing mempool entries `sealed` (the sequence numbers of
    /// the batch's sequencer transactions) in the same write transaction.
    ///
    /// # Errors
    /// As [`Self::commit_batch`].
    pub fn commit_sealed(
        &self,
        state: &State,
        batch: &Batch,
        output: &BatchOutput,
        sealed: &[u64],
    ) -> Result<(), StoreError> {
        let tx = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut mempool = tx.open_table(MEMPOOL).map_err(StoreError::db)?;
            let mut by_sender = tx.open_table(MEMPOOL_BY_SENDER).map_err(StoreError::db)?;
            for seq in sealed {
                if let Some(bytes) = mempool.remove(seq).map_err(StoreError::db)?
                    && let Some(from) = sender(bytes.value())
                {
                    by_sender.remove((from, *seq)).map_err(StoreError::db)?;
                }
            }
            let mut txs = tx.open_table(TXS).map_err(StoreError::db)?;
            for (position, t) in batch.txs.iter().enumerate() {
                let mut at = [0u8; 12];
                at[..8].copy_from_slice(&batch.number.0.to_be_bytes());
                at[8..].copy_from_slice(&(position as u32).to_be_bytes());
                // Identical L1 messages share a hash: the earliest sealed location stays, so
                // undoing a later twin (`rewind_to`) leaves the earlier one found.
                let hash = tx_hash(t).0;
                let sealed = txs
                    .get(hash)
                    .map_err(StoreError::db)?
                    .is_some_and(|v| !matches!(v.value(), TX_PENDING | TX_DROPPED));
                if !sealed {
                    txs.insert(hash, at).map_err(StoreError::db)?;
                }
            }
            let mut withdrawals = tx.open_table(WITHDRAWALS).map_err(StoreError::db)?;
            let mut leaves = Vec::with_capacity(output.withdrawals.len() * WITHDRAWAL_BYTES);
            for w in &output.withdrawals {
                leaves.extend_from_slice(&w.index.to_be_bytes());
                leaves.extend_from_slice(w.withdrawal.to.as_slice());
                leaves.extend_from_slice(&w.withdrawal.amount.0.to_be_bytes());
            }
            withdrawals.insert(batch.number.0, leaves.as_slice()).map_err(StoreError::db)?;
            let mut by_account = tx.open_table(ACCOUNT_WITHDRAWALS).map_err(StoreError::db)?;
            for w in &output.withdrawals {
                by_account
                    .insert((w.withdrawal.from.0, batch.number.0, w.index), ())
                    .map_err(StoreError::db)?;
            }
            let mut skipped = tx.open_table(SKIPPED).map_err(StoreError::db)?;
            let lines: String =
                output.skipped().map(|(position, why)| format!("{position}\t{why}\n")).collect();
            skipped.insert(batch.number.0, lines.as_str()).map_err(StoreError::db)?;
            let mut meta = tx.open_table(META).map_err(StoreError::db)?;
            let head =
                BatchNumber(meta.get(HEAD).map_err(StoreError::db)?.map_or(0, |v| v.value()));
            if batch.number.0 != head.0 + 1 || state.head() != batch.number {
                return Err(StoreError::NotNext { head, got: batch.number });
            }
            let mut accounts = tx.open_table(ACCOUNTS).map_err(StoreError::db)?;
            let mut nodes = tx.open_table(NODES).map_err(StoreError::db)?;
            let mut undo = tx.open_table(UNDO).map_err(StoreError::db)?;
            let mut before = Vec::new();
            for index in output.touched_accounts() {
                let prior = accounts.get(index.0).map_err(StoreError::db)?.map(|v| v.value());
                before.extend_from_slice(&index.0.to_be_bytes());
                before.push(u8::from(prior.is_some()));
                before.extend_from_slice(&prior.unwrap_or([0; 56]));
            }
            undo.insert(batch.number.0, before.as_slice()).map_err(StoreError::db)?;
            if let Some(old) = batch.number.0.checked_sub(UNDO_BATCHES) {
                undo.remove(old).map_err(StoreError::db)?;
            }
            write_accounts(&mut accounts, &mut nodes, state, &output.touched_accounts())?;
            let mut batches = tx.open_table(BATCHES).map_err(StoreError::db)?;
            batches
                .insert(batch.number.0, encode_batch(batch).as_slice())
                .map_err(StoreError::db)?;
            let mut roots = tx.open_table(ROOTS).map_err(StoreError::db)?;
            let record = BatchRecord {
                parent_root: output.parent_root,
                post_root: output.post_root,
                withdrawal_root: output.withdrawal_root,
                data_commitment: output.data_commitment,
                queue_after: output.queue_after,
                queue_consumed: output.queue_consumed,
            };
            roots.insert(batch.number.0, record.encode()).map_err(StoreError::db)?;
            meta.insert(HEAD, batch.number.0).map_err(StoreError::db)?;
        }
        tx.commit().map_err(StoreError::db)?;
        tracing::debug!(target: "tribunal::store", batch = batch.number.0, "committed batch");
        Ok(())
    }

    /// Rewinds the store to batch `to`, undoing every batch after it in one write transaction:
    /// their accounts (from the undo rows) and the tree paths above them, their batch, roots,
    /// withdrawals and skipped rows, and their transactions' locations. Their sequencer
    /// transactions go back to the front of the mempool, in batch order and before what was
    /// pending (renumbered), marked pending again; the sequencer re-checks them when it seals.
    /// A sequencer transaction naming an account an undone batch created, undone or pending, is
    /// dropped instead (recorded as dropped): on the new chain that index may go to another
    /// deposit, and a transfer to it would pay someone else. Returns batch `to`'s state and the
    /// requeued and dropped transactions.
    ///
    /// For a reorg that dropped L1 messages a sealed but unposted batch consumed: the batches
    /// after `to` are then re-derived from the new L1 queue. Only the undone accounts' paths are
    /// rehashed (one hash per tree level for each, shared ancestors once). Nothing is written on
    /// an error.
    ///
    /// # Errors
    /// [`StoreError::NotNext`] when `to` is past the head; [`StoreError::NoUndo`] when a batch
    /// after `to` has no undo rows; [`StoreError::RootMismatch`] when the undone accounts do not
    /// give batch `to`'s recorded root.
    pub fn rewind_to(&self, to: BatchNumber) -> Result<Rewound, StoreError> {
        let mut state = self.load_state()?;
        let head = state.head();
        if to.0 > head.0 {
            return Err(StoreError::NotNext { head, got: to });
        }
        let record = self
            .batch_record(to)?
            .ok_or_else(|| StoreError::Corrupt(format!("no roots for batch {}", to.0)))?;
        let w = self.db.begin_write().map_err(StoreError::db)?;
        let (requeued, dropped) = {
            // The undo rows, latest batch first: where an account repeats, the earliest batch's
            // row (the account as it was after `to`) comes last and wins.
            let mut undo = w.open_table(UNDO).map_err(StoreError::db)?;
            let mut prior = Vec::new();
            for n in (to.0 + 1..=head.0).rev() {
                let row = undo
                    .remove(n)
                    .map_err(StoreError::db)?
                    .ok_or(StoreError::NoUndo { batch: BatchNumber(n) })?;
                let row = row.value();
                if row.len() % UNDO_ENTRY != 0 {
                    return Err(StoreError::Corrupt(format!("undo row of batch {n}")));
                }
                for e in row.chunks_exact(UNDO_ENTRY) {
                    let index = u32::from_be_bytes(e[..4].try_into().expect("4 bytes"));
                    let account = match e[4] {
                        0 => None,
                        1 => Some(decode_account(index, e[5..].try_into().expect("56 bytes"))?),
                        _ => return Err(StoreError::Corrupt(format!("undo row of batch {n}"))),
                    };
                    prior.push((AccountIndex(index), account));
                }
            }
            let created: std::collections::HashSet<u32> =
                prior.iter().filter(|(_, a)| a.is_none()).map(|(i, _)| i.0).collect();
            let mut indices: Vec<AccountIndex> = prior.iter().map(|(i, _)| *i).collect();
            indices.sort_unstable();
            indices.dedup();
            state.restore(to, prior).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if state.root() != record.post_root {
                return Err(StoreError::RootMismatch { batch: to });
            }
            state.set_queue(record.queue_after, record.queue_consumed);
            let mut accounts = w.open_table(ACCOUNTS).map_err(StoreError::db)?;
            let mut nodes = w.open_table(NODES).map_err(StoreError::db)?;
            write_accounts(&mut accounts, &mut nodes, &state, &indices)?;
            // The undone batches' rows.
            let mut batches = w.open_table(BATCHES).map_err(StoreError::db)?;
            let mut txs = w.open_table(TXS).map_err(StoreError::db)?;
            let mut requeued = Vec::new();
            let mut dropped = Vec::new();
            // An account an undone batch created may belong to someone else on the new chain
            // (its index goes to whichever deposit comes first): a sequencer transaction naming
            // it, sealed or pending, is dropped, not sealed again.
            let names_created = |t: &Tx| match t {
                Tx::Transfer(s) => {
                    created.contains(&s.body.from.0) || created.contains(&s.body.to.0)
                }
                Tx::Withdraw(s) => created.contains(&s.body.from.0),
                _ => false,
            };
            for n in to.0 + 1..=head.0 {
                let Some(bytes) = batches.remove(n).map_err(StoreError::db)? else { continue };
                let batch = decode_batch(bytes.value())
                    .map_err(|e| StoreError::Corrupt(format!("batch {n}: {e}")))?;
                for t in batch.txs {
                    if names_created(&t) {
                        txs.insert(tx_hash(&t).0, TX_DROPPED).map_err(StoreError::db)?;
                        dropped.push(t);
                    } else if matches!(t, Tx::Transfer(_) | Tx::Withdraw(_)) {
                        txs.insert(tx_hash(&t).0, TX_PENDING).map_err(StoreError::db)?;
                        requeued.push(t);
                    } else {
                        // An L1 message's location, unless an identical message (same bytes, same
                        // hash) sealed at or before `to` holds it.
                        let hash = tx_hash(&t).0;
                        let at = txs.get(hash).map_err(StoreError::db)?.map(|v| v.value());
                        if at.is_some_and(|v| {
                            u64::from_be_bytes(v[..8].try_into().expect("8")) > to.0
                        }) {
                            txs.remove(hash).map_err(StoreError::db)?;
                        }
                    }
                }
            }
            let after = to.0 + 1..=head.0;
            let mut roots = w.open_table(ROOTS).map_err(StoreError::db)?;
            roots.retain_in(after.clone(), |_, _| false).map_err(StoreError::db)?;
            let mut withdrawals = w.open_table(WITHDRAWALS).map_err(StoreError::db)?;
            withdrawals.retain_in(after.clone(), |_, _| false).map_err(StoreError::db)?;
            let mut skipped = w.open_table(SKIPPED).map_err(StoreError::db)?;
            skipped.retain_in(after, |_, _| false).map_err(StoreError::db)?;
            let mut by_account = w.open_table(ACCOUNT_WITHDRAWALS).map_err(StoreError::db)?;
            by_account.retain(|(_, n, _), ()| n <= to.0).map_err(StoreError::db)?;
            // The mempool: the undone transactions first, then what was pending.
            let mut mempool = w.open_table(MEMPOOL).map_err(StoreError::db)?;
            let mut pending = Vec::new();
            for row in mempool.iter().map_err(StoreError::db)? {
                let bytes = row.map_err(StoreError::db)?.1.value().to_vec();
                match decode_tx_exact(&bytes) {
                    Ok(t) if names_created(&t) => {
                        txs.insert(tx_hash(&t).0, TX_DROPPED).map_err(StoreError::db)?;
                        dropped.push(t);
                    }
                    _ => pending.push(bytes),
                }
            }
            mempool.retain(|_, _| false).map_err(StoreError::db)?;
            let mut by_sender = w.open_table(MEMPOOL_BY_SENDER).map_err(StoreError::db)?;
            by_sender.retain(|_, ()| false).map_err(StoreError::db)?;
            let mut meta = w.open_table(META).map_err(StoreError::db)?;
            let mut seq = meta.get(NEXT_TX).map_err(StoreError::db)?.map_or(0, |v| v.value());
            let undone = requeued.iter().map(|t| {
                let mut bytes = Vec::new();
                encode_tx(t, &mut bytes);
                bytes
            });
            for bytes in undone.chain(pending) {
                mempool.insert(seq, bytes.as_slice()).map_err(StoreError::db)?;
                if let Some(from) = sender(&bytes) {
                    by_sender.insert((from, seq), ()).map_err(StoreError::db)?;
                }
                seq += 1;
            }
            meta.insert(NEXT_TX, seq).map_err(StoreError::db)?;
            meta.insert(HEAD, to.0).map_err(StoreError::db)?;
            (requeued, dropped)
        };
        w.commit().map_err(StoreError::db)?;
        tracing::warn!(target: "tribunal::store", from = head.0, to = to.0, "rewound the store");
        Ok(Rewound { state, requeued, dropped })
    }

    /// The stored batch `number`, if any.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the stored bytes do not decode.
    pub fn batch(&self, number: BatchNumber) -> Result<Option<Batch>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::db)?;
        let table = tx.open_table(BATCHES).map_err(StoreError::db)?;
        let Some(bytes) = table.get(number.0).map_err(StoreError::db)? else { return Ok(None) };
        decode_batch(bytes.value())
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("batch {}: {e}", number.0)))
    }

    /// The roots recorded for batch `number` (0 is genesis).
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the record does not decode.
    pub fn batch_record(&self, number: BatchNumber) -> Result<Option<BatchRecord>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::db)?;
        let table = tx.open_table(ROOTS).map_err(StoreError::db)?;
        table
            .get(number.0)
            .map_err(StoreError::db)?
            .map(|v| BatchRecord::decode(&v.value()))
            .transpose()
    }

    /// Adds an accepted sequencer transaction to the durable mempool; returns its sequence
    /// number. It is on disk when this returns.
    ///
    /// # Errors
    /// [`StoreError::Db`] when the write fails (then nothing is written).
    pub fn push_tx(&self, tx: &Tx) -> Result<u64, StoreError> {
        let mut bytes = Vec::new();
        encode_tx(tx, &mut bytes);
        let w = self.db.begin_write().map_err(StoreError::db)?;
        let seq = {
            let mut meta = w.open_table(META).map_err(StoreError::db)?;
            let seq = meta.get(NEXT_TX).map_err(StoreError::db)?.map_or(0, |v| v.value());
            meta.insert(NEXT_TX, seq + 1).map_err(StoreError::db)?;
            let mut mempool = w.open_table(MEMPOOL).map_err(StoreError::db)?;
            mempool.insert(seq, bytes.as_slice()).map_err(StoreError::db)?;
            if let Some(from) = sender(&bytes) {
                let mut by_sender = w.open_table(MEMPOOL_BY_SENDER).map_err(StoreError::db)?;
                by_sender.insert((from, seq), ()).map_err(StoreError::db)?;
            }
            let mut txs = w.open_table(TXS).map_err(StoreError::db)?;
            let hash = tx_hash(tx).0;
            if txs.get(hash).map_err(StoreError::db)?.is_none() {
                txs.insert(hash, TX_PENDING).map_err(StoreError::db)?;
            }
            seq
        };
        w.commit().map_err(StoreError::db)?;
        Ok(seq)
    }

    /// The pending sequencer transactions, in acceptance order.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when an entry does not decode.
    pub fn mempool(&self) -> Result<Vec<(u64, Tx)>, StoreError> {
        self.mempool_head(usize::MAX)
    }

    /// The first `limit` pending sequencer transactions, in acceptance order: what a batch can
    /// take, read without decoding the rest.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when an entry does not decode.
    pub fn mempool_head(&self, limit: usize) -> Result<Vec<(u64, Tx)>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, MEMPOOL)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for row in table.iter().map_err(StoreError::db)?.take(limit) {
            let (k, v) = row.map_err(StoreError::db)?;
            let tx = decode_tx_exact(v.value())
                .map_err(|e| StoreError::Corrupt(format!("mempool entry {}: {e}", k.value())))?;
            out.push((k.value(), tx));
        }
        Ok(out)
    }

    /// L2 account `account`'s pending sequencer transactions, in acceptance order, read through
    /// the mempool's index by sender (not a scan of the mempool).
    ///
    /// # Errors
    /// [`StoreError::Db`]; [`StoreError::Corrupt`] when an entry does not decode.
    pub fn mempool_of(&self, account: AccountIndex) -> Result<Vec<Tx>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let (Some(index), Some(mempool)) =
            (read_table(&r, MEMPOOL_BY_SENDER)?, read_table(&r, MEMPOOL)?)
        else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for row in index.range((account.0, 0)..=(account.0, u64::MAX)).map_err(StoreError::db)? {
            let seq = row.map_err(StoreError::db)?.0.value().1;
            let Some(bytes) = mempool.get(seq).map_err(StoreError::db)? else { continue };
            out.push(
                decode_tx_exact(bytes.value())
                    .map_err(|e| StoreError::Corrupt(format!("mempool entry {seq}: {e}")))?,
            );
        }
        Ok(out)
    }

    /// Number of pending sequencer transactions, in O(1) (redb keeps each table's length).
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn mempool_len(&self) -> Result<usize, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, MEMPOOL)? else { return Ok(0) };
        Ok(table.len().map_err(StoreError::db)? as usize)
    }

    /// Removes mempool entries `seqs` (transactions the STF refuses at sealing), recording them
    /// as dropped.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn drop_txs(&self, seqs: &[u64]) -> Result<(), StoreError> {
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut mempool = w.open_table(MEMPOOL).map_err(StoreError::db)?;
            let mut by_sender = w.open_table(MEMPOOL_BY_SENDER).map_err(StoreError::db)?;
            let mut txs = w.open_table(TXS).map_err(StoreError::db)?;
            for seq in seqs {
                let Some(bytes) = mempool.remove(seq).map_err(StoreError::db)? else { continue };
                if let Some(from) = sender(bytes.value()) {
                    by_sender.remove((from, *seq)).map_err(StoreError::db)?;
                }
                let tx = decode_tx_exact(bytes.value())
                    .map_err(|e| StoreError::Corrupt(format!("mempool entry {seq}: {e}")))?;
                let hash = tx_hash(&tx).0;
                // A copy of a sealed transaction stays sealed.
                if txs.get(hash).map_err(StoreError::db)?.is_none_or(|v| v.value() == TX_PENDING) {
                    txs.insert(hash, TX_DROPPED).map_err(StoreError::db)?;
                }
            }
        }
        w.commit().map_err(StoreError::db)
    }

    /// Where the transaction with hash `hash` is: pending, sealed (batch and position) or
    /// dropped; `None` when this node never accepted it.
    ///
    /// # Errors
    /// [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn tx_location(&self, hash: B256) -> Result<Option<TxLocation>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, TXS)? else { return Ok(None) };
        let Some(v) = table.get(hash.0).map_err(StoreError::db)? else { return Ok(None) };
        Ok(Some(match v.value() {
            TX_PENDING => TxLocation::Pending,
            TX_DROPPED => TxLocation::Dropped,
            v => TxLocation::Sealed {
                batch: BatchNumber(u64::from_be_bytes(v[..8].try_into().expect("8 bytes"))),
                position: u32::from_be_bytes(v[8..].try_into().expect("4 bytes")),
            },
        }))
    }

    /// The withdrawals batch `number` emitted, in leaf order (`None`: no such batch).
    ///
    /// # Errors
    /// [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn withdrawals(
        &self,
        number: BatchNumber,
    ) -> Result<Option<Vec<StoredWithdrawal>>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, WITHDRAWALS)? else { return Ok(None) };
        let Some(bytes) = table.get(number.0).map_err(StoreError::db)? else { return Ok(None) };
        let bytes = bytes.value();
        if bytes.len() % WITHDRAWAL_BYTES != 0 {
            return Err(StoreError::Corrupt(format!("withdrawals of batch {}", number.0)));
        }
        Ok(Some(
            bytes
                .chunks_exact(WITHDRAWAL_BYTES)
                .map(|c| StoredWithdrawal {
                    index: u64::from_be_bytes(c[..8].try_into().expect("8 bytes")),
                    to: Address::from_slice(&c[8..28]),
                    amount: Wei(u128::from_be_bytes(c[28..].try_into().expect("16 bytes"))),
                })
                .collect(),
        ))
    }

    /// The latest `limit` withdrawals L2 account `account` made, newest first: (batch, leaf
    /// index). Batches sealed by a node from before this index was kept are not listed.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn withdrawals_of(
        &self,
        account: AccountIndex,
        limit: usize,
    ) -> Result<Vec<(BatchNumber, u64)>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, ACCOUNT_WITHDRAWALS)? else { return Ok(Vec::new()) };
        let range = (account.0, 0, 0)..=(account.0, u64::MAX, u64::MAX);
        let mut out = Vec::new();
        for row in table.range(range).map_err(StoreError::db)?.rev().take(limit) {
            let (_, batch, index) = row.map_err(StoreError::db)?.0.value();
            out.push((BatchNumber(batch), index));
        }
        Ok(out)
    }

    /// The transactions batch `number` skipped, as (position, the STF's reason), in batch order
    /// (`None`: no such batch, or sealed by a node from before skips were recorded).
    ///
    /// # Errors
    /// [`StoreError::Db`], [`StoreError::Corrupt`].
    pub fn skipped(&self, number: BatchNumber) -> Result<Option<Vec<(u32, String)>>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, SKIPPED)? else { return Ok(None) };
        let Some(text) = table.get(number.0).map_err(StoreError::db)? else { return Ok(None) };
        let corrupt = || StoreError::Corrupt(format!("skipped transactions of batch {}", number.0));
        text.value()
            .lines()
            .map(|line| {
                let (position, why) = line.split_once('\t').ok_or_else(corrupt)?;
                Ok((position.parse().map_err(|_| corrupt())?, why.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A persisted cursor (`name` is a service's: `zk`, `tee`); 0 when never set.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn cursor(&self, name: &str) -> Result<u64, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let meta = r.open_table(META).map_err(StoreError::db)?;
        let key = format!("cursor.{name}");
        Ok(meta.get(key.as_str()).map_err(StoreError::db)?.map_or(0, |v| v.value()))
    }

    /// Persists a cursor.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn set_cursor(&self, name: &str, value: u64) -> Result<(), StoreError> {
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut meta = w.open_table(META).map_err(StoreError::db)?;
            meta.insert(format!("cursor.{name}").as_str(), value).map_err(StoreError::db)?;
        }
        w.commit().map_err(StoreError::db)
    }

    /// The first L1 block of the reorgs `service` has not handled yet, if any
    /// ([`crate::follow::Follower`] sets it; the service clears it once it has rewound), so
    /// that a restart between the two still rewinds.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn unhandled_fork(&self, service: &str) -> Result<Option<u64>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let meta = r.open_table(META).map_err(StoreError::db)?;
        let key = format!("fork.{service}");
        Ok(meta.get(key.as_str()).map_err(StoreError::db)?.map(|v| v.value()))
    }

    /// Records a reorg from block `fork` as not yet handled by each of `services` (keeping the
    /// lower of it and one already recorded).
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn add_unhandled_fork(&self, services: &[&str], fork: u64) -> Result<(), StoreError> {
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut meta = w.open_table(META).map_err(StoreError::db)?;
            for service in services {
                let key = format!("fork.{service}");
                let old = meta.get(key.as_str()).map_err(StoreError::db)?.map(|v| v.value());
                let fork = old.map_or(fork, |o| o.min(fork));
                meta.insert(key.as_str(), fork).map_err(StoreError::db)?;
            }
        }
        w.commit().map_err(StoreError::db)
    }

    /// `service` has handled the reorgs up to now.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn handled_fork(&self, service: &str) -> Result<(), StoreError> {
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut meta = w.open_table(META).map_err(StoreError::db)?;
            meta.remove(format!("fork.{service}").as_str()).map_err(StoreError::db)?;
        }
        w.commit().map_err(StoreError::db)
    }

    /// The L1 blocks the node followed (number → hash), oldest first.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn l1_blocks(&self) -> Result<std::collections::BTreeMap<u64, B256>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, L1_BLOCKS)? else { return Ok(Default::default()) };
        let mut out = std::collections::BTreeMap::new();
        for row in table.iter().map_err(StoreError::db)? {
            let (k, v) = row.map_err(StoreError::db)?;
            out.insert(k.value(), B256::from(v.value()));
        }
        Ok(out)
    }

    /// In one write: forgets the followed blocks above `keep_up_to` and below `prune_below`, and
    /// records `add`.
    ///
    /// # Errors
    /// [`StoreError::Db`]; nothing is written then.
    pub fn follow_l1_blocks(
        &self,
        keep_up_to: u64,
        prune_below: u64,
        add: &[(u64, B256)],
    ) -> Result<(), StoreError> {
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut table = w.open_table(L1_BLOCKS).map_err(StoreError::db)?;
            table.retain(|n, _| n <= keep_up_to && n >= prune_below).map_err(StoreError::db)?;
            for (n, hash) in add {
                table.insert(*n, hash.0).map_err(StoreError::db)?;
            }
        }
        w.commit().map_err(StoreError::db)
    }

    /// Records the gas each of the node's L1 transactions used: `(block number, transaction
    /// hash, gas)`, from its receipt; transactions of blocks below `prune_below` are forgotten.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn record_gas(&self, txs: &[(u64, B256, u64)], prune_below: u64) -> Result<(), StoreError> {
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut table = w.open_table(L1_GAS).map_err(StoreError::db)?;
            if prune_below > 0 {
                table.retain(|(n, _), _| n >= prune_below).map_err(StoreError::db)?;
            }
            for (n, tx, gas) in txs {
                table.insert((*n, tx.0), *gas).map_err(StoreError::db)?;
            }
        }
        w.commit().map_err(StoreError::db)
    }

    /// Gas used by transaction `tx` of L1 block `block`, if the node sent it (and has not pruned
    /// it).
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn gas_of(&self, block: u64, tx: B256) -> Result<Option<u64>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, L1_GAS)? else { return Ok(None) };
        Ok(table.get((block, tx.0)).map_err(StoreError::db)?.map(|v| v.value()))
    }

    /// Records that `service` sent `calldata` for `claim` in L1 block `block` (hash `hash`),
    /// replacing what it sent for that claim before.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn record_sent(
        &self,
        service: &str,
        claim: u64,
        block: u64,
        hash: B256,
        calldata: &[u8],
    ) -> Result<(), StoreError> {
        let mut value = Vec::with_capacity(40 + calldata.len());
        value.extend_from_slice(&block.to_be_bytes());
        value.extend_from_slice(hash.as_slice());
        value.extend_from_slice(calldata);
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut table = w.open_table(SENT).map_err(StoreError::db)?;
            table.insert((service, claim), value.as_slice()).map_err(StoreError::db)?;
        }
        w.commit().map_err(StoreError::db)
    }

    /// What `service` sent, per claim, by claim.
    ///
    /// # Errors
    /// [`StoreError::Db`]; [`StoreError::Corrupt`] for a row shorter than 40 bytes.
    pub fn sent(&self, service: &str) -> Result<Vec<SentTx>, StoreError> {
        let r = self.db.begin_read().map_err(StoreError::db)?;
        let Some(table) = read_table(&r, SENT)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for row in table.range((service, 0)..=(service, u64::MAX)).map_err(StoreError::db)? {
            let (k, v) = row.map_err(StoreError::db)?;
            let v = v.value();
            let (Some(block), Some(hash)) = (v.get(..8), v.get(8..40)) else {
                return Err(StoreError::Corrupt(format!("sent row of claim {}", k.value().1)));
            };
            let block = u64::from_be_bytes(block.try_into().expect("8 bytes"));
            out.push(SentTx {
                claim: k.value().1,
                block,
                hash: B256::from_slice(hash),
                calldata: v[40..].to_vec(),
            });
        }
        Ok(out)
    }

    /// Forgets what `service` sent in blocks below `block`: no reorg the node follows reaches
    /// them.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn prune_sent(&self, service: &str, block: u64) -> Result<(), StoreError> {
        let old: Vec<u64> =
            self.sent(service)?.into_iter().filter(|s| s.block < block).map(|s| s.claim).collect();
        self.forget_sent(service, &old)
    }

    /// Forgets what `service` sent for `claims`.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn forget_sent(&self, service: &str, claims: &[u64]) -> Result<(), StoreError> {
        let w = self.db.begin_write().map_err(StoreError::db)?;
        {
            let mut table = w.open_table(SENT).map_err(StoreError::db)?;
            for claim in claims {
                table.remove((service, *claim)).map_err(StoreError::db)?;
            }
        }
        w.commit().map_err(StoreError::db)
    }
}

/// A stored batch: its L1 messages (count: u32, then each as length: u8 ‖ canonical encoding),
/// then its blob payload ([`Batch::encode`]).
fn encode_batch(batch: &Batch) -> Vec<u8> {
    let messages = batch.messages();
    let mut out = (messages.len() as u32).to_be_bytes().to_vec();
    for m in messages {
        let mut bytes = Vec::new();
        tribunal_primitives::batch::encode_tx(m, &mut bytes);
        out.push(bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(&batch.encode());
    out
}

fn decode_batch(bytes: &[u8]) -> Result<Batch, String> {
    let (count, mut rest) = bytes.split_first_chunk::<4>().ok_or("truncated message count")?;
    let mut messages = Vec::new();
    for _ in 0..u32::from_be_bytes(*count) {
        let (&len, tail) = rest.split_first().ok_or("truncated message")?;
        let (message, tail) = tail.split_at_checked(len as usize).ok_or("truncated message")?;
        messages
            .push(tribunal_primitives::batch::decode_tx_exact(message).map_err(|e| e.to_string())?);
        rest = tail;
    }
    Batch::decode(rest, &messages).map_err(|e| e.to_string())
}

/// The L2 account that sent a mempool entry (a transfer or a withdrawal), from its canonical
/// encoding.
fn sender(bytes: &[u8]) -> Option<u32> {
    match decode_tx_exact(bytes).ok()? {
        Tx::Transfer(t) => Some(t.body.from.0),
        Tx::Withdraw(w) => Some(w.body.from.0),
        _ => None,
    }
}

/// `def` in read transaction `r`; `None` while the table was never written.
fn read_table<K: redb::Key + 'static, V: redb::Value + 'static>(
    r: &redb::ReadTransaction,
    def: TableDefinition<'_, K, V>,
) -> Result<Option<redb::ReadOnlyTable<K, V>>, StoreError> {
    match r.open_table(def) {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(StoreError::db(e)),
    }
}

#[cfg(test)]
mod tests {
    use tribunal_primitives::{ChainId, PrivateKey, Signed, Transfer, Wei};

    use super::*;

    /// A store written before the mempool's index by sender existed gets it at open.
    #[test]
    fn the_mempool_index_is_built_for_an_older_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.redb");
        let config = StfConfig::new(ChainId(901));
        let key = PrivateKey::from_bytes([0xa1; 32]);
        let tx = |from: u32, nonce: u64| {
            let body =
                Transfer { from: AccountIndex(from), to: AccountIndex(9), amount: Wei(1), nonce };
            Tx::Transfer(Signed::sign(body, ChainId(901), &key))
        };
        {
            let store = Store::open(&path, config).unwrap();
            for (from, nonce) in [(3, 0), (4, 0), (3, 1)] {
                store.push_tx(&tx(from, nonce)).unwrap();
            }
            let w = store.db.begin_write().unwrap();
            assert!(w.delete_table(MEMPOOL_BY_SENDER).unwrap(), "the index existed");
            w.commit().unwrap();
            assert!(store.mempool_of(AccountIndex(3)).unwrap().is_empty(), "as an older store");
        }
        let store = Store::open(&path, config).unwrap();
        assert_eq!(store.mempool_of(AccountIndex(3)).unwrap(), [tx(3, 0), tx(3, 1)]);
        assert_eq!(store.mempool_of(AccountIndex(4)).unwrap(), [tx(4, 0)]);
    }
}
