//! The sequencer: accepts signed L2 transactions into a durable mempool, and seals batches that
//! carry the L1 messages queued on the inbox first, then the mempool in acceptance order.
//!
//! Sealing executes the batch with `execute_batch` and commits it, with the removal of its
//! transactions from the mempool, in one redb write ([`Store::commit_sealed`]). A transaction the
//! STF refuses at sealing (its nonce was taken, the balance went) is dropped with a warning and
//! the batch is sealed without it. L1 messages are never refused: the STF skips the invalid ones.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256, keccak256};
use alloy_sol_types::SolEvent;
use tribunal_contracts::Inbox;
use tribunal_l1::{L1, L1Error};
use tribunal_primitives::{
    Batch, BatchNumber, Tx,
    batch::{decode_tx_exact, encode_tx},
};
use tribunal_stf::{BatchOutput, State, StfError, TxError, check_batch, check_tx, execute_batch};

use crate::{Store, StoreError};

/// The hash users track a transaction by: keccak-256 of its canonical encoding.
pub fn tx_hash(tx: &Tx) -> B256 {
    let mut bytes = Vec::new();
    encode_tx(tx, &mut bytes);
    keccak256(bytes)
}

/// Why a transaction was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Deposits and forced transactions enter through the L1 inbox, not the sequencer.
    #[error("{0} transactions enter through the L1 inbox, not the sequencer")]
    L1Only(&'static str),
    /// The transaction is invalid against the sequencer's head state.
    #[error("invalid transaction: {0}")]
    Invalid(#[from] TxError),
    /// The mempool is full.
    #[error("mempool is full ({0} transactions)")]
    Full(usize),
    /// The store could not persist it; it was not accepted.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why sealing failed (nothing was committed).
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// Reading the inbox's queue failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// An L1 message does not decode (the inbox emitted something the STF cannot read).
    #[error("L1 message {index}: {reason}")]
    BadMessage {
        /// Queue index.
        index: u64,
        /// Why.
        reason: String,
    },
    /// The STF refused the batch: it does not follow the state's head (a bug; transactions
    /// never refuse a batch).
    #[error(transparent)]
    Stf(#[from] StfError),
    /// The commit failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sequencing policy.
#[derive(Clone, Copy, Debug)]
pub struct SequencerConfig {
    /// Most transactions per batch, L1 messages included (the ZK circuit's slot count).
    pub max_batch_txs: usize,
    /// Seal once the oldest pending transaction or L1 message has waited this long.
    pub max_wait: Duration,
    /// Most pending transactions accepted.
    pub max_mempool: usize,
}

impl Default for SequencerConfig {
    /// 32 transactions, 2 seconds, 65,536 pending.
    fn default() -> Self {
        Self { max_batch_txs: 32, max_wait: Duration::from_secs(2), max_mempool: 1 << 16 }
    }
}

/// A sealed batch.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The batch.
    pub batch: Batch,
    /// Its STF output.
    pub output: BatchOutput,
    /// L1 messages it carries.
    pub l1_messages: usize,
    /// Hashes of mempool transactions dropped as invalid.
    pub dropped: Vec<B256>,
}

struct Inner {
    state: State,
    /// L1 messages seen and not yet sealed, by queue index, with when they were first seen.
    queued: Vec<(u64, Tx, Instant)>,
    /// Next L1 block to read inbox logs from.
    from_block: u64,
    /// When the oldest mempool transaction was accepted (this process's clock).
    oldest: Option<Instant>,
}

/// The sequencer. Shared by the RPC (submit) and its seal loop.
pub struct Sequencer<L> {
    l1: L,
    inbox: Address,
    store: std::sync::Arc<Store>,
    config: SequencerConfig,
    inner: Mutex<Inner>,
}

impl<L> std::fmt::Debug for Sequencer<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequencer").field("inbox", &self.inbox).finish_non_exhaustive()
    }
}

impl<L: L1> Sequencer<L> {
    /// A sequencer on `store` (resuming at its head), reading L1 messages from `inbox`.
    ///
    /// # Errors
    /// [`StoreError`] when the head state cannot be loaded.
    pub fn new(
        l1: L,
        inbox: Address,
        store: std::sync::Arc<Store>,
        config: SequencerConfig,
    ) -> Result<Self, StoreError> {
        let state = store.load_state()?;
        let oldest = (!store.mempool()?.is_empty()).then(Instant::now);
        let inner = Inner { state, queued: Vec::new(), from_block: 0, oldest };
        Ok(Self { l1, inbox, store, config, inner: Mutex::new(inner) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The head batch number and state root.
    pub fn head(&self) -> (BatchNumber, tribunal_primitives::StateRoot) {
        let inner = self.lock();
        (inner.state.head(), inner.state.root())
    }

    /// Runs `f` on the head state.
    pub fn with_state<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.lock().state)
    }

    /// Accepts a sequencer transaction (a transfer or a withdrawal) into the durable mempool.
    /// It is checked against the head state, except for its nonce, which may follow pending
    /// transactions of the same sender. Returns its hash.
    ///
    /// # Errors
    /// [`SubmitError`]; nothing is stored then.
    pub fn submit(&self, tx: Tx) -> Result<B256, SubmitError> {
        match &tx {
            Tx::Deposit(_) => return Err(SubmitError::L1Only("deposit")),
            Tx::ForcedTransfer(_) | Tx::ForcedWithdraw(_) => {
                return Err(SubmitError::L1Only("forced"));
            }
            Tx::Undecodable(_) => return Err(SubmitError::Invalid(TxError::Undecodable)),
            Tx::Transfer(_) | Tx::Withdraw(_) => {}
        }
        let mut inner = self.lock();
        match check_tx(&inner.state, &tx) {
            Ok(()) | Err(TxError::BadNonce { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        let pending = self.store.mempool()?.len();
        if pending >= self.config.max_mempool {
            return Err(SubmitError::Full(pending));
        }
        self.store.push_tx(&tx)?;
        inner.oldest.get_or_insert_with(Instant::now);
        metrics::gauge!("tribunal_mempool_txs").set((pending + 1) as f64);
        Ok(tx_hash(&tx))
    }

    /// Reads new L1 messages, and seals a batch when the policy says so. `force` seals whatever is
    /// pending now.
    ///
    /// # Errors
    /// [`SealError`]; nothing is committed then.
    pub async fn poll(&self, force: bool) -> Result<Option<Sealed>, SealError> {
        let from = self.lock().from_block;
        let head = self.l1.head().await?;
        let logs = self.l1.logs(self.inbox, from).await?;
        let mut inner = self.lock();
        let consumed = inner.state.queue().1;
        for l in &logs {
            let Ok(e) = Inbox::MessageQueued::decode_log(&l.log) else { continue };
            if e.index < consumed || inner.queued.iter().any(|(i, ..)| *i == e.index) {
                continue;
            }
            let tx = decode_tx_exact(&e.message)
                .map_err(|err| SealError::BadMessage { index: e.index, reason: err.to_string() })?;
            inner.queued.push((e.index, tx, Instant::now()));
        }
        // Logs of blocks after `head` may be read again next time; queue indices deduplicate.
        inner.from_block = inner.from_block.max(head.number + 1);
        inner.queued.sort_by_key(|(i, ..)| *i);
        metrics::gauge!("tribunal_l1_queue_pending").set(inner.queued.len() as f64);

        let mempool = self.store.mempool()?;
        let oldest = inner.queued.first().map(|(.., t)| *t).into_iter().chain(inner.oldest).min();
        let due = oldest.is_some_and(|t| t.elapsed() >= self.config.max_wait);
        let full = inner.queued.len() + mempool.len() >= self.config.max_batch_txs;
        if !(force || due || full) || (inner.queued.is_empty() && mempool.is_empty()) {
            return Ok(None);
        }
        // L1 messages must be consumed in queue order, without gaps.
        let mut l1_txs = Vec::new();
        for (i, tx, _) in &inner.queued {
            if *i != consumed + l1_txs.len() as u64 || l1_txs.len() == self.config.max_batch_txs {
                break;
            }
            l1_txs.push(*tx);
        }
        let room = self.config.max_batch_txs - l1_txs.len();
        let mut picked: Vec<(u64, Tx)> = mempool.into_iter().take(room).collect();
        let mut dropped = Vec::new();
        let number = BatchNumber(inner.state.head().0 + 1);
        let chain_id = inner.state.config().chain_id;
        // A sequencer transaction the STF would skip only wastes blob space: leave it out.
        loop {
            let txs: Vec<Tx> =
                l1_txs.iter().copied().chain(picked.iter().map(|(_, t)| *t)).collect();
            let Some((index, source)) = check_batch(&mut inner.state, &txs)
                .into_iter()
                .enumerate()
                .skip(l1_txs.len())
                .find_map(|(i, r)| r.err().map(|e| (i, e)))
            else {
                break;
            };
            let (seq, tx) = picked.remove(index - l1_txs.len());
            tracing::warn!(seq, hash = %tx_hash(&tx), error = %source, "sequencer drops a transaction the STF would skip");
            dropped.push((seq, tx_hash(&tx)));
        }
        let txs = l1_txs.iter().copied().chain(picked.iter().map(|(_, t)| *t)).collect();
        let batch = Batch { chain_id, number, txs };
        let output = execute_batch(&mut inner.state, &batch)?;
        let seqs: Vec<u64> = picked.iter().map(|(s, _)| *s).collect();
        if let Err(e) = self.store.commit_sealed(&inner.state, &batch, &output, &seqs) {
            // Roll the in-memory state back to what is stored.
            inner.state = self.store.load_state()?;
            return Err(e.into());
        }
        if !dropped.is_empty() {
            self.store.drop_txs(&dropped.iter().map(|(s, _)| *s).collect::<Vec<_>>())?;
        }
        let l1_messages = l1_txs.len();
        inner.queued.drain(..l1_messages);
        inner.oldest = (!self.store.mempool()?.is_empty()).then(Instant::now);
        metrics::counter!("tribunal_batches_sealed_total").increment(1);
        tracing::info!(batch = number.0, txs = batch.txs.len(), l1_messages, "sealed batch");
        Ok(Some(Sealed {
            batch,
            output,
            l1_messages,
            dropped: dropped.into_iter().map(|(_, h)| h).collect(),
        }))
    }
}
