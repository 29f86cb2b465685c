//! The sequencer: accepts signed L2 transactions into a durable mempool, and seals batches that
//! carry the L1 messages queued on the inbox first, then the mempool in acceptance order.
//!
//! Sealing executes the batch with `execute_batch` and commits it, with the removal of its
//! transactions from the mempool, in one redb write ([`Store::commit_sealed`]). A transaction the
//! STF refuses at sealing (its nonce was taken, the balance went) is dropped with a warning and
//! the batch is sealed without it. L1 messages are never refused: the STF skips the invalid ones.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256, keccak256};
use alloy_sol_types::SolEvent;
use tribunal_contracts::Inbox;
use tribunal_l1::{L1, L1Error, L1Head, view};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, Tx,
    batch::{MAX_BATCH_TXS, decode_tx_exact, encode_tx},
    field::fr_to_word,
};
use tribunal_stf::{BatchOutput, State, StfError, TxError, check_batch, check_tx, execute_batch};

use crate::{Rewound, Store, StoreError, follow::Reorgs};

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
    /// The sender has [`SequencerConfig::max_pending_per_sender`] transactions pending already:
    /// one account cannot fill the mempool for everyone.
    #[error("account {account} has {pending} transactions pending, the most per sender")]
    SenderFull {
        /// The sender.
        account: tribunal_primitives::AccountIndex,
        /// Its pending transactions.
        pending: usize,
    },
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
    /// After an L1 reorg deeper than `l1_confirmations`, the inbox's queue is shorter than the
    /// sealed batches consumed: the sequencer seals nothing while it waits, up to
    /// `SequencerConfig::rederive_after`, for the dropped messages to come back; then it
    /// re-derives the unposted batches. Retried at every poll.
    #[error(
        "waiting for the inbox's queue to hold the {consumed} messages the sealed batches consumed again, after an L1 reorg"
    )]
    QueueShort {
        /// L1 messages the sealed batches consumed.
        consumed: u64,
    },
    /// After an L1 reorg, the inbox's queue no longer holds the L1 messages the sealed batches
    /// consumed (the reorg went deeper than `l1_confirmations`), and the batches cannot be
    /// re-derived: a posted batch consumed them (L1 holds a batch this node would execute
    /// differently), or the store has no undo rows that far back. The sequencer stops sealing
    /// until an operator re-derives the batches. Unposted batches are re-derived instead.
    #[error(
        "CRITICAL: the inbox's queue accumulator after {consumed} messages is not the one the \
         sealed batches consumed; sealing stops until an operator re-derives the batches"
    )]
    QueueDiverged {
        /// L1 messages the sealed batches consumed.
        consumed: u64,
    },
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
    /// Most pending transactions of one sender: without it, one funded account could fill the
    /// mempool with transactions of future nonces, which cost nothing until sealing drops them.
    pub max_pending_per_sender: usize,
    /// While the node's ZK prover is still busy with an earlier batch ([`ProverPace`]), a batch
    /// that is due but not full waits up to this much longer past `max_wait`, so that pending
    /// transactions gather into the next batch instead of queueing behind the prover: the
    /// batch size follows the prover's pace. Zero never holds; so does a sequencer without a
    /// [`ProverPace`]. A full batch is never held.
    pub hold_for_prover: Duration,
    /// How deep an L1 message's block must be before a batch consumes it, in blocks (0: at the
    /// head). A reorg no deeper than this never drops a message a batch consumed. Anvil and
    /// the embedded chain mine a block per transaction, so a quiet dev chain would hold
    /// deposits back: the devnet uses 0; on Ethereum, 2–3 blocks or more.
    pub l1_confirmations: u64,
    /// After a reorg deeper than `l1_confirmations` left the inbox's queue shorter than the
    /// sealed batches consumed, how long to wait for the dropped messages to come back before
    /// re-deriving the unposted batches. A reorg's dropped transactions are usually included
    /// again: the same messages give the same accumulator, nothing is undone, and a post of the
    /// batches the reorg returned to the txpool lands as sealed. Re-deriving at once would let
    /// such a post land on L1 beside the re-derived batch. A queue that came back with other
    /// messages is re-derived at once (a stale post then reverts, `Inbox_QueueMoved`).
    pub rederive_after: Duration,
}

impl Default for SequencerConfig {
    /// 32 transactions, 2 seconds, 65,536 pending (64 per sender), held up to 60 seconds for the
    /// prover, L1 messages consumed at the head, a shortened queue awaited 120 seconds.
    fn default() -> Self {
        Self {
            max_batch_txs: 32,
            max_wait: Duration::from_secs(2),
            max_mempool: 1 << 16,
            max_pending_per_sender: 64,
            hold_for_prover: Duration::from_secs(60),
            l1_confirmations: 0,
            rederive_after: Duration::from_secs(120),
        }
    }
}

/// How far the node's ZK prover has got, and the circuit sizes it proves with. The pace is the
/// highest batch the prover has finished with (its proof built, or verified in the aggregation
/// layer when it settles through one, or the claim found wrong or unprovable): the ZK worker
/// advances it, and the sequencer holds sealing while the prover is
/// busy ([`SequencerConfig::hold_for_prover`]). The circuit sizes let the sequencer seal batches
/// that fill a circuit ([`Self::batch_size`]). Clones share one pace.
#[derive(Clone, Debug)]
pub struct ProverPace {
    done: Arc<AtomicU64>,
    sizes: Arc<[usize]>,
}

impl ProverPace {
    /// A pace that starts at batch `done`, with no circuit sizes. The node starts it at the
    /// sequencer's head, so a restarted prover that is in fact behind lets one batch through
    /// unheld, and never makes one wait for a batch it will not see again.
    pub fn new(done: BatchNumber) -> Self {
        Self { done: Arc::new(AtomicU64::new(done.0)), sizes: Arc::from([]) }
    }

    /// The prover's circuit sizes, in transaction slots.
    #[must_use]
    pub fn with_circuit_sizes(mut self, sizes: impl IntoIterator<Item = usize>) -> Self {
        let mut sizes: Vec<usize> = sizes.into_iter().filter(|s| *s > 0).collect();
        sizes.sort_unstable();
        sizes.dedup();
        self.sizes = sizes.into();
        self
    }

    /// Records that the prover finished with `batch`; the pace never moves back.
    pub fn finished(&self, batch: BatchNumber) {
        self.done.fetch_max(batch.0, Ordering::Relaxed);
    }

    /// The highest batch the prover finished with.
    pub fn done(&self) -> BatchNumber {
        BatchNumber(self.done.load(Ordering::Relaxed))
    }

    /// How many of `pending` transactions to seal, at most `max`: the largest circuit size that
    /// they fill, so that no proof pays for empty slots of a larger circuit (17 transactions
    /// with circuits of 8, 16 and 32 slots: 16 now, the 17th with the next batch). All of them
    /// when they fill no circuit, or without sizes. With a `max` that is not itself a circuit
    /// size (24 with circuits of 8, 16 and 32), a full batch takes the size below it (16). The
    /// sequencer never cuts the queued L1 messages this way, only its own transactions.
    pub fn batch_size(&self, pending: usize, max: usize) -> usize {
        let n = pending.min(max);
        self.sizes.iter().rev().copied().find(|s| *s <= n).unwrap_or(n)
    }
}

/// How far ahead of its forced-inclusion deadline an L1 message counts as overdue when sealing,
/// in seconds: posting follows sealing by a few L1 blocks at least.
pub const OVERDUE_MARGIN_SECS: u64 = 600;

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
    /// L1 messages seen and not yet sealed: queue index, message, L1 block, when first seen.
    queued: Vec<(u64, Tx, u64, Instant)>,
    /// Reorgs already handled.
    reorgs_seen: usize,
    /// After a reorg: the queue the sealed batches consumed must be checked against the inbox.
    check_queue: bool,
    /// Since when the inbox's queue has been shorter than the sealed batches consumed, after a
    /// reorg (`SequencerConfig::rederive_after`).
    short_since: Option<Instant>,
    /// Next L1 block to read inbox logs from; `None`: the block of the first unconsumed message
    /// (`Inbox.messageBlock`), looked up at the next poll (at start and after a rewind).
    from_block: Option<u64>,
    /// When the oldest mempool transaction was accepted (this process's clock).
    oldest: Option<Instant>,
    /// Pending mempool transactions per sender.
    pending: HashMap<AccountIndex, usize>,
}

impl Inner {
    /// Counts `txs` out of (`leaving`) or into the pending transactions of their senders.
    fn count<'a>(&mut self, txs: impl IntoIterator<Item = &'a Tx>, leaving: bool) {
        for sender in txs.into_iter().filter_map(sender) {
            let n = self.pending.entry(sender).or_default();
            if leaving {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.pending.remove(&sender);
                }
            } else {
                *n += 1;
            }
        }
    }
}

/// The signer of a sequencer transaction.
const fn sender(tx: &Tx) -> Option<AccountIndex> {
    match tx {
        Tx::Transfer(t) => Some(t.body.from),
        Tx::Withdraw(w) => Some(w.body.from),
        _ => None,
    }
}

/// The sequencer. Shared by the RPC (submit) and its seal loop.
pub struct Sequencer<L> {
    l1: L,
    inbox: Address,
    store: std::sync::Arc<Store>,
    config: SequencerConfig,
    pace: Option<ProverPace>,
    reorgs: Option<Reorgs>,
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
        let mempool = store.mempool()?;
        let oldest = (!mempool.is_empty()).then(Instant::now);
        let mut inner = Inner {
            state,
            queued: Vec::new(),
            from_block: None,
            short_since: None,
            reorgs_seen: 0,
            // A reorg noticed before a restart is checked after it.
            check_queue: store.unhandled_fork("sequencer")?.is_some(),
            oldest,
            pending: HashMap::new(),
        };
        inner.count(mempool.iter().map(|(_, tx)| tx), false);
        Ok(Self { l1, inbox, store, config, pace: None, reorgs: None, inner: Mutex::new(inner) })
    }

    /// Rewinds on the L1 reorgs `reorgs` publishes: forgets the L1 messages of dropped blocks,
    /// reads them again, and checks the queue the sealed batches consumed. When a reorg took
    /// messages they consumed, it waits for them to come back ([`SealError::QueueShort`]), then
    /// re-derives the unposted batches ([`Store::rewind_to`]), or halts when a posted batch's
    /// queue diverged ([`SealError::QueueDiverged`]).
    #[must_use]
    pub fn with_reorgs(mut self, reorgs: Reorgs) -> Self {
        self.reorgs = Some(reorgs);
        self
    }

    /// Holds due batches while `pace` shows the prover busy with an earlier batch, up to
    /// [`SequencerConfig::hold_for_prover`].
    #[must_use]
    pub fn with_prover_pace(mut self, pace: ProverPace) -> Self {
        self.pace = Some(pace);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The head batch number and state root.
    pub fn head(&self) -> (BatchNumber, tribunal_primitives::StateRoot) {
        let inner = self.lock();
        (inner.state.head(), inner.state.root())
    }

    /// How many of `account`'s transactions are pending in the mempool, in O(1).
    pub fn pending_of(&self, account: AccountIndex) -> usize {
        self.lock().pending.get(&account).copied().unwrap_or(0)
    }

    /// Runs `f` on the head state.
    pub fn with_state<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.lock().state)
    }

    /// Accepts a sequencer transaction (a transfer or a withdrawal) into the durable mempool.
    /// It is checked against the head state, except for its nonce, which may follow pending
    /// transactions of the same sender; a sender has at most `max_pending_per_sender` pending.
    /// Returns its hash.
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
        let pending = self.store.mempool_len()?;
        if pending >= self.config.max_mempool {
            return Err(SubmitError::Full(pending));
        }
        if let Some(account) = sender(&tx) {
            let mine = inner.pending.get(&account).copied().unwrap_or(0);
            if mine >= self.config.max_pending_per_sender {
                return Err(SubmitError::SenderFull { account, pending: mine });
            }
        }
        self.store.push_tx(&tx)?;
        inner.count([&tx], false);
        inner.oldest.get_or_insert_with(Instant::now);
        metrics::gauge!("tribunal_mempool_txs").set((pending + 1) as f64);
        Ok(tx_hash(&tx))
    }

    /// Forgets the queued L1 messages of blocks a reorg dropped, and reads from the fork again.
    fn rewind_on_reorg(&self) {
        let Some(reorgs) = &self.reorgs else { return };
        let mut inner = self.lock();
        let Some(fork) = reorgs.since(&mut inner.reorgs_seen) else { return };
        inner.queued.retain(|(_, _, block, _)| *block < fork);
        inner.from_block = inner.from_block.map(|from| from.min(fork));
        inner.check_queue = true;
    }

    /// After a reorg: the inbox's queue accumulator after the messages the sealed batches
    /// consumed must still be the sealed state's.
    async fn check_queue(&self) -> Result<(), SealError> {
        let (acc, consumed) = {
            let inner = self.lock();
            if !inner.check_queue {
                return Ok(());
            }
            inner.state.queue()
        };
        let on_l1 = queue_acc_at(&self.l1, self.inbox, consumed).await?;
        if on_l1.is_none() {
            // The dropped messages may come back as they were: wait before undoing anything.
            // The wait starts once; a re-derivation that fails after it is retried each poll.
            let since = *self.lock().short_since.get_or_insert_with(Instant::now);
            if since.elapsed() < self.config.rederive_after {
                metrics::gauge!("tribunal_sequencer_queue_short").set(1.0);
                return Err(SealError::QueueShort { consumed });
            }
        }
        metrics::gauge!("tribunal_sequencer_queue_short").set(0.0);
        if on_l1 != Some(fr_to_word(&acc.0)) {
            if let Some(to) = self.rederive_point().await? {
                match self.rewind_to(to) {
                    Ok(()) => {
                        self.lock().short_since = None;
                        metrics::gauge!("tribunal_sequencer_queue_diverged").set(0.0);
                        return Ok(());
                    }
                    // No undo rows that far back (batches sealed before they were kept), or a
                    // store that does not undo to the recorded root: the halt (the next poll
                    // looks again, in case L1 changed).
                    Err(e) => tracing::error!(to = to.0, error = %e, "cannot re-derive"),
                }
            }
            metrics::gauge!("tribunal_sequencer_queue_diverged").set(1.0);
            tracing::error!(
                consumed,
                "CRITICAL: a reorg dropped L1 messages the sealed batches consumed"
            );
            return Err(SealError::QueueDiverged { consumed });
        }
        {
            let mut inner = self.lock();
            inner.check_queue = false;
            inner.short_since = None;
        }
        metrics::gauge!("tribunal_sequencer_queue_diverged").set(0.0);
        self.store.handled_fork("sequencer")?;
        Ok(())
    }

    /// The last sealed batch whose consumed L1 queue prefix the inbox still has, when every batch
    /// after it is unposted: the batches after it can be sealed again on the new queue. `None`
    /// when a posted batch's queue diverged (L1 holds a batch this node can no longer execute:
    /// only a critical halt is left).
    async fn rederive_point(&self) -> Result<Option<BatchNumber>, SealError> {
        let posted = view(&self.l1, self.inbox, Inbox::latestBatchCall {}).await?;
        let head = self.lock().state.head();
        for n in (posted..=head.0).rev() {
            let record = self
                .store
                .batch_record(BatchNumber(n))?
                .ok_or_else(|| StoreError::Corrupt(format!("no record of sealed batch {n}")))?;
            let index = record.queue_consumed;
            let on_l1 = queue_acc_at(&self.l1, self.inbox, index).await?;
            if on_l1 == Some(fr_to_word(&record.queue_after.0)) {
                return Ok((n < head.0).then_some(BatchNumber(n)));
            }
        }
        Ok(None)
    }

    /// Rewinds to sealed batch `to` ([`Store::rewind_to`]): the state is `to`'s again, the L1
    /// messages are read again from the inbox, and the undone batches' sequencer transactions
    /// lead the mempool, to be sealed again (or dropped by the usual checks).
    fn rewind_to(&self, to: BatchNumber) -> Result<(), SealError> {
        let mut inner = self.lock();
        let from = inner.state.head();
        let Rewound { state, requeued, dropped } = self.store.rewind_to(to)?;
        inner.state = state;
        inner.queued.clear();
        inner.from_block = None;
        inner.pending.clear();
        let mempool = self.store.mempool()?;
        inner.count(mempool.iter().map(|(_, t)| t), false);
        inner.oldest = (!mempool.is_empty()).then(Instant::now);
        inner.check_queue = false;
        drop(inner);
        self.store.handled_fork("sequencer")?;
        metrics::counter!("tribunal_sequencer_rewinds_total").increment(1);
        tracing::warn!(
            from = from.0,
            to = to.0,
            requeued = requeued.len(),
            dropped = dropped.len(),
            "a reorg dropped L1 messages unposted batches consumed: re-deriving them"
        );
        Ok(())
    }

    /// The L1 block to read inbox logs from when none is known: the block of the first message
    /// the sealed batches did not consume (`Inbox.messageBlock`), or, with no such message yet,
    /// `l1_confirmations` below `head` (a later message lands after it). Not genesis: a long
    /// chain's logs are not read again at every start.
    async fn scan_start(&self, head: &L1Head) -> Result<u64, SealError> {
        let consumed = self.lock().state.queue().1;
        match view(&self.l1, self.inbox, Inbox::messageBlockCall { _index: consumed }).await {
            Ok(block) => Ok(block),
            Err(L1Error::Revert(_)) => Ok(head.number.saturating_sub(self.config.l1_confirmations)),
            Err(e) => Err(e.into()),
        }
    }

    /// How many queued L1 messages the next batch may carry: `max_batch_txs`, or the protocol's
    /// `MAX_BATCH_TXS` when the first message past `max_batch_txs` is overdue on L1, or will be
    /// within [`OVERDUE_MARGIN_SECS`]. The inbox refuses a batch that stops short of an overdue
    /// message unless it carries `MAX_BATCH_TXS` of them, so a smaller cap would leave the batch
    /// unpostable (and the ZK circuit's slot count is no reason to halt the chain: such a batch
    /// finalizes on the slow path). Reads L1 only when `max_batch_txs` is below `MAX_BATCH_TXS`.
    async fn l1_cap(&self, head: &L1Head) -> Result<usize, SealError> {
        let cap = self.config.max_batch_txs.min(MAX_BATCH_TXS);
        if cap == MAX_BATCH_TXS {
            return Ok(cap);
        }
        // Asked of L1, not of the messages this process has seen: after a restart it has seen
        // none yet, and those are exactly the ones that may be overdue.
        let next = self.lock().state.queue().1 + cap as u64;
        let length = view(&self.l1, self.inbox, Inbox::queueLengthCall {}).await?;
        if next >= length {
            return Ok(cap);
        }
        let enqueued = view(&self.l1, self.inbox, Inbox::enqueuedAtCall { _index: next }).await?;
        let delay =
            view(&self.l1, self.inbox, Inbox::FORCED_INCLUSION_DELAY_SECONDSCall {}).await?;
        let due = enqueued.saturating_add(delay);
        Ok(if head.timestamp.saturating_add(OVERDUE_MARGIN_SECS) >= due {
            tracing::warn!(
                index = next,
                due,
                "an L1 message is overdue: the batch carries up to MAX_BATCH_TXS"
            );
            MAX_BATCH_TXS
        } else {
            cap
        })
    }

    /// Reads new L1 messages, and seals a batch when the policy says so. `force` seals whatever is
    /// pending now.
    ///
    /// # Errors
    /// [`SealError`]; nothing is committed then.
    pub async fn poll(&self, force: bool) -> Result<Option<Sealed>, SealError> {
        self.rewind_on_reorg();
        self.check_queue().await?;
        let head = self.l1.head().await?;
        let located = self.lock().from_block;
        let from = match located {
            Some(from) => from,
            None => self.scan_start(&head).await?,
        };
        // Only messages `l1_confirmations` deep: a shallower reorg never drops one consumed.
        let safe = head.number.checked_sub(self.config.l1_confirmations);
        let logs = match safe {
            Some(safe) if from <= safe => {
                let queued = Inbox::MessageQueued::SIGNATURE_HASH;
                self.l1.logs_where(self.inbox, queued, None, from).await?
            }
            _ => Vec::new(),
        };
        let l1_cap = self.l1_cap(&head).await?;
        let mut inner = self.lock();
        let consumed = inner.state.queue().1;
        // Messages a sealed batch consumed are never queued again, whatever failed after it.
        inner.queued.retain(|(i, ..)| *i >= consumed);
        for l in logs.iter().filter(|l| safe.is_some_and(|s| l.block_number <= s)) {
            let Ok(e) = Inbox::MessageQueued::decode_log(&l.log) else { continue };
            if e.index < consumed || inner.queued.iter().any(|(i, ..)| *i == e.index) {
                continue;
            }
            let tx = decode_tx_exact(&e.message)
                .map_err(|err| SealError::BadMessage { index: e.index, reason: err.to_string() })?;
            inner.queued.push((e.index, tx, l.block_number, Instant::now()));
        }
        // Logs of blocks after `safe` are read again next time; queue indices deduplicate.
        if let Some(safe) = safe {
            inner.from_block = Some(inner.from_block.unwrap_or(from).max(safe + 1));
        }
        inner.queued.sort_by_key(|(i, ..)| *i);
        metrics::gauge!("tribunal_l1_queue_pending").set(inner.queued.len() as f64);

        let pending = self.store.mempool_len()?;
        let oldest = inner.queued.first().map(|(.., t)| *t).into_iter().chain(inner.oldest).min();
        let waited = oldest.map(|t| t.elapsed());
        let due = waited.is_some_and(|w| w >= self.config.max_wait);
        let full = inner.queued.len() + pending >= self.config.max_batch_txs;
        if !(force || due || full) || (inner.queued.is_empty() && pending == 0) {
            return Ok(None);
        }
        // The prover is still on an earlier batch: a batch sealed now would only queue behind
        // it, so let what is pending gather into a larger one, for a bounded time.
        let behind = self.pace.as_ref().is_some_and(|p| p.done() < inner.state.head());
        let hold_ends = self.config.max_wait + self.config.hold_for_prover;
        let held = !force && !full && behind && waited.is_some_and(|w| w < hold_ends);
        metrics::gauge!("tribunal_sequencer_held").set(f64::from(u8::from(held)));
        if held {
            return Ok(None);
        }
        // L1 messages must be consumed in queue order, without gaps.
        let mut l1_txs = Vec::new();
        for (i, tx, ..) in &inner.queued {
            if *i != consumed + l1_txs.len() as u64 || l1_txs.len() == l1_cap {
                break;
            }
            l1_txs.push(*tx);
        }
        // Filling a circuit never leaves a queued L1 message out: the inbox refuses a batch that
        // stops short of an overdue one, so only sequencer transactions make room.
        let max = match &self.pace {
            Some(p) if !force => p.batch_size(l1_txs.len() + pending, self.config.max_batch_txs),
            _ => self.config.max_batch_txs,
        }
        .max(l1_txs.len());
        let room = max - l1_txs.len();
        // Only the head of the mempool is read: sealing costs the same however much is pending.
        let mut picked: Vec<(u64, Tx)> = self.store.mempool_head(room)?;
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
            dropped.push((seq, tx));
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
        inner.count(picked.iter().map(|(_, t)| t), true);
        let l1_messages = l1_txs.len();
        inner.queued.drain(..l1_messages);
        if !dropped.is_empty() {
            // The batch is committed: a failure here leaves the dropped transactions pending,
            // to be dropped again at the next sealing, and must not fail the sealing.
            match self.store.drop_txs(&dropped.iter().map(|(s, _)| *s).collect::<Vec<_>>()) {
                Ok(()) => inner.count(dropped.iter().map(|(_, t)| t), true),
                Err(e) => {
                    tracing::warn!(error = %e, "dropping refused transactions failed; retried at the next batch")
                }
            }
        }
        inner.oldest = (self.store.mempool_len()? > 0).then(Instant::now);
        metrics::counter!("tribunal_batches_sealed_total").increment(1);
        tracing::info!(batch = number.0, txs = batch.txs.len(), l1_messages, "sealed batch");
        Ok(Some(Sealed {
            batch,
            output,
            l1_messages,
            dropped: dropped.iter().map(|(_, t)| tx_hash(t)).collect(),
        }))
    }
}

/// The inbox's queue accumulator after its first `index` L1 messages (`Inbox.accAt`), or `None`
/// when fewer are queued (the call reverts): a reorg dropped messages a batch consumed.
///
/// # Errors
/// [`L1Error`] when L1 cannot be read (any failure but a revert).
pub(crate) async fn queue_acc_at<L: L1>(
    l1: &L,
    inbox: Address,
    index: u64,
) -> Result<Option<B256>, L1Error> {
    match view(l1, inbox, Inbox::accAtCall { _index: index }).await {
        Ok(acc) => Ok(Some(acc)),
        Err(L1Error::Revert(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
