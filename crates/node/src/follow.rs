//! Following L1 by block hash: noticing a reorg, how deep it went, and what it dropped.
//!
//! The [`Follower`] records the hash of every L1 block it sees (the last [`KEPT_BLOCKS`]) in the
//! node's store, so a reorg that happened while the node was down is noticed at restart. When the
//! last block it saw is no longer canonical, it walks back to the newest block it saw that still
//! is, and publishes the first block that changed on [`Reorgs`]. The services that derive from L1
//! rewind from there:
//! - the sequencer forgets L1 messages of dropped blocks, and checks that the messages its batches
//!   consumed are still the inbox's (it consumes only messages `l1_confirmations` deep);
//! - the proposer and the watcher read L1 again from their low-water marks;
//! - the provers re-send each proof or attestation whose block was dropped, from the calldata
//!   they recorded with its block hash ([`resend_dropped`]), unless the chain already has it.
//!
//! The batcher needs nothing: it posts what `Inbox.latestBatch` says is missing.
//!
//! A reorg deeper than `max_reorg_depth` is a critical alert ([`Reorg::critical`]): logged at
//! error level and counted in `tribunal_l1_deep_reorgs_total`. The node follows the new chain all
//! the same (it is the canonical one), but an operator must look: what the sequencer consumed may
//! be gone.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use alloy::signers::local::PrivateKeySigner;
use alloy_eips::eip4844::Blob;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolEvent;
use tribunal_contracts::MultiProofFinality;
use tribunal_l1::{L1, L1Error, L1Head, L1Log, L1Receipt, L1Result, L1Tx, view};

use crate::{Store, StoreError};

/// How many of the latest L1 blocks the follower remembers: the deepest reorg it can measure.
/// Deeper ones are reported as deeper than this, and critical.
pub const KEPT_BLOCKS: u64 = 256;

/// The services whose rewinds must survive a restart ([`Store::unhandled_fork`]): what they
/// keep (sealed batches, sent records, dispute marks) outlives the process.
pub const REWINDING: [&str; 5] = ["sequencer", "zk", "tee", "challenger", "defender"];

/// The services that record what they send ([`Store::record_sent`]).
pub const SENT_BY: [&str; 2] = ["zk", "tee"];

/// How many blocks the gas of the node's own L1 transactions is kept ([`Store::gas_of`]):
/// 14 days of 12-second blocks, past a slow-path batch's 7-day window.
pub const GAS_KEPT_BLOCKS: u64 = 100_800;

/// A reorg the follower noticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reorg {
    /// The first block number whose block changed.
    pub fork: u64,
    /// How many blocks the node had seen that were dropped (at least this many when the fork is
    /// older than [`KEPT_BLOCKS`]).
    pub depth: u64,
    /// Deeper than the configured `max_reorg_depth`.
    pub critical: bool,
}

/// The forks seen so far, shared by the follower and the services that rewind, and the blocks
/// the services' own transactions landed in, which the follower checks like those it saw itself
/// (a reorg of a block the follower never polled would otherwise go unnoticed). Clones share
/// them.
#[derive(Clone, Debug, Default)]
pub struct Reorgs(Arc<Mutex<Shared>>);

#[derive(Debug, Default)]
struct Shared {
    forks: Vec<u64>,
    landed: Vec<(u64, B256)>,
    /// Receipts not recorded yet: block number, transaction hash, gas.
    gas: Vec<(u64, B256, u64)>,
}

impl Reorgs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Publishes a reorg whose first changed block is `fork`.
    pub fn publish(&self, fork: u64) {
        self.lock().forks.push(fork);
    }

    /// The lowest first changed block among the reorgs published after the first `seen`, if any;
    /// moves `seen` past them.
    pub fn since(&self, seen: &mut usize) -> Option<u64> {
        let shared = self.lock();
        let lowest = shared.forks.get(*seen..).and_then(|f| f.iter().min().copied());
        *seen = shared.forks.len();
        lowest
    }

    /// A transaction of the node landed in block `number`, of hash `hash`.
    pub fn landed(&self, number: u64, hash: B256) {
        self.lock().landed.push((number, hash));
    }

    fn take_landed(&self) -> Vec<(u64, B256)> {
        std::mem::take(&mut self.lock().landed)
    }

    /// One of the node's transactions landed: its block is checked as [`Self::landed`], and its
    /// gas is recorded.
    fn receipt(&self, r: &L1Receipt) {
        let mut shared = self.lock();
        shared.landed.push((r.block_number, r.block_hash));
        shared.gas.push((r.block_number, r.tx_hash, r.gas_used));
    }
}

/// An L1 whose every receipt is reported to the [`Follower`] ([`Reorgs::landed`]): the node's
/// services send through it, so a reorg that drops one of their transactions is noticed even
/// when it happens before the follower's next poll.
#[derive(Debug)]
pub struct Reported<L> {
    l1: L,
    reorgs: Reorgs,
}

impl<L> Reported<L> {
    /// `l1`, reporting receipts to `reorgs`.
    pub const fn new(l1: L, reorgs: Reorgs) -> Self {
        Self { l1, reorgs }
    }
}

impl<L: L1> L1 for Reported<L> {
    async fn chain_id(&self) -> L1Result<u64> {
        self.l1.chain_id().await
    }
    async fn head(&self) -> L1Result<L1Head> {
        self.l1.head().await
    }
    async fn block_hash(&self, number: u64) -> L1Result<Option<B256>> {
        self.l1.block_hash(number).await
    }
    async fn nonce(&self, address: Address) -> L1Result<u64> {
        self.l1.nonce(address).await
    }
    async fn balance(&self, address: Address) -> L1Result<U256> {
        self.l1.balance(address).await
    }
    async fn call(&self, from: Address, to: Address, input: Bytes) -> L1Result<Bytes> {
        self.l1.call(from, to, input).await
    }
    async fn send(&self, signer: &PrivateKeySigner, tx: L1Tx) -> L1Result<L1Receipt> {
        let receipt = self.l1.send(signer, tx).await?;
        self.reorgs.receipt(&receipt);
        Ok(receipt)
    }
    async fn blobs(&self, versioned_hashes: &[B256]) -> L1Result<Vec<Blob>> {
        self.l1.blobs(versioned_hashes).await
    }
    async fn logs(&self, address: Address, from_block: u64) -> L1Result<Vec<L1Log>> {
        self.l1.logs(address, from_block).await
    }
    async fn logs_where(
        &self,
        address: Address,
        event: B256,
        topic1: Option<B256>,
        from_block: u64,
    ) -> L1Result<Vec<L1Log>> {
        self.l1.logs_where(address, event, topic1, from_block).await
    }
    async fn logs_in_block(
        &self,
        address: Address,
        event: B256,
        topic1: Option<B256>,
        block: u64,
    ) -> L1Result<Vec<L1Log>> {
        self.l1.logs_in_block(address, event, topic1, block).await
    }
}

/// Follows L1 by block hash. Drive it with [`Self::poll`].
#[derive(Debug)]
pub struct Follower<L> {
    l1: L,
    store: Arc<Store>,
    max_depth: u64,
    reorgs: Reorgs,
    seen: BTreeMap<u64, B256>,
    /// The head at which the provers' sent records were last pruned.
    pruned_at: u64,
    /// The block at which the recorded gas was last pruned.
    gas_pruned_at: u64,
}

/// Why a follower's poll failed (retried on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// Reading L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<L: L1> Follower<L> {
    /// A follower resuming from the blocks `store` recorded (those it followed, and those of the
    /// provers' recorded transactions), alerting on reorgs deeper than `max_depth` blocks,
    /// publishing on `reorgs`.
    ///
    /// # Errors
    /// [`StoreError`] when the recorded blocks cannot be read.
    pub fn new(
        l1: L,
        store: Arc<Store>,
        max_depth: u64,
        reorgs: Reorgs,
    ) -> Result<Self, StoreError> {
        let mut seen = store.l1_blocks()?;
        for service in SENT_BY {
            for sent in store.sent(service)? {
                seen.insert(sent.block, sent.hash);
            }
        }
        Ok(Self { l1, store, max_depth, reorgs, seen, pruned_at: 0, gas_pruned_at: 0 })
    }

    /// Reads the head; when the last block seen is no longer canonical, returns (and publishes)
    /// the reorg.
    ///
    /// # Errors
    /// [`FollowError`]; nothing is recorded then.
    pub async fn poll(&mut self) -> Result<Option<Reorg>, FollowError> {
        let landed = self.reorgs.take_landed();
        if let Err(e) = self.store.follow_l1_blocks(u64::MAX, 0, &landed) {
            // Kept for the next poll.
            for (n, hash) in landed {
                self.reorgs.landed(n, hash);
            }
            return Err(e.into());
        }
        if self.seen.is_empty() {
            // Nothing polled yet to compare them with: they are the first blocks seen.
            self.seen.extend(landed.iter().copied());
        }
        let gas = std::mem::take(&mut self.reorgs.lock().gas);
        if let Some(newest) = gas.iter().map(|g| g.0).max() {
            // Pruned every KEPT_BLOCKS blocks: a scan of the table, not one per receipt.
            let prune = newest >= self.gas_pruned_at + KEPT_BLOCKS;
            let below = if prune { newest.saturating_sub(GAS_KEPT_BLOCKS) } else { 0 };
            match self.store.record_gas(&gas, below) {
                Ok(()) if prune => self.gas_pruned_at = newest,
                Ok(()) => {}
                // Only figures for the explorer: kept for the next poll, never in the way of
                // following L1.
                Err(e) => {
                    tracing::warn!(error = %e, "recording the gas of the node's transactions");
                    self.reorgs.lock().gas.extend(gas);
                }
            }
        }
        let head = self.l1.head().await?;
        let Some((&polled_tip, _)) = self.seen.last_key_value() else {
            self.record(head.number, head.number, &[(head.number, head.hash)])?;
            return Ok(None);
        };
        let mut tip = polled_tip;
        if tip == head.number && self.seen.get(&tip) == Some(&head.hash) && landed.is_empty() {
            return Ok(None);
        }
        if head.number < tip && self.l1.block_hash(tip).await? == self.seen.get(&tip).copied() {
            // A lagging endpoint (a load balancer's stale node), not a shorter chain.
            return Ok(None);
        }
        // The newest block polled that is still canonical. Landed blocks are not taken as seen
        // here: the node's own transactions landing on a new chain, at the dropped heights or
        // above, would otherwise hide the reorg that dropped what was polled there.
        let mut ancestor = None;
        for (&n, &hash) in self.seen.iter().rev() {
            if n <= head.number && self.l1.block_hash(n).await? == Some(hash) {
                ancestor = Some(n);
                break;
            }
        }
        // Then below any landed block that is not canonical: a block only a service saw may
        // have been replaced before this poll.
        for (n, hash) in landed {
            if self.l1.block_hash(n).await? != Some(hash) {
                if ancestor.is_some_and(|a| n <= a) {
                    ancestor = n.checked_sub(1);
                }
                tip = tip.max(n);
            }
        }
        let first = *self.seen.keys().next().expect("not empty");
        let reorg = match ancestor {
            Some(a) if a == tip => None,
            Some(a) => Some((a + 1, tip - a)),
            None => Some((first, tip - first + 1)),
        }
        .map(|(fork, depth)| Reorg { fork, depth, critical: depth > self.max_depth });
        // Record the blocks from the fork (or after the tip) to the head, the last KEPT_BLOCKS.
        let from = reorg.map_or(tip + 1, |r| r.fork).max(head.number.saturating_sub(KEPT_BLOCKS));
        let mut add = Vec::new();
        for n in from..head.number {
            if let Some(hash) = self.l1.block_hash(n).await? {
                add.push((n, hash));
            }
        }
        add.push((head.number, head.hash));
        self.record(from.saturating_sub(1), head.number, &add)?;
        if head.number >= self.pruned_at + KEPT_BLOCKS / 4 {
            // The provers' records of what they sent, past any reorg followed, go.
            for service in SENT_BY {
                self.store.prune_sent(service, head.number.saturating_sub(KEPT_BLOCKS))?;
            }
            self.pruned_at = head.number;
        }
        if let Some(r) = reorg {
            // Persisted first: a restart before a service has rewound still rewinds it.
            self.store.add_unhandled_fork(&REWINDING, r.fork)?;
            self.reorgs.publish(r.fork);
            metrics::counter!("tribunal_l1_reorgs_total").increment(1);
            if r.critical {
                metrics::counter!("tribunal_l1_deep_reorgs_total").increment(1);
                tracing::error!(
                    fork = r.fork,
                    depth = r.depth,
                    max = self.max_depth,
                    "CRITICAL: an L1 reorg deeper than max_reorg_depth; the node follows the new \
                     chain, but what it consumed from the dropped blocks may be gone"
                );
            } else {
                tracing::warn!(fork = r.fork, depth = r.depth, "L1 reorg: services rewind");
            }
        }
        Ok(reorg)
    }

    fn record(
        &mut self,
        keep_up_to: u64,
        head: u64,
        add: &[(u64, B256)],
    ) -> Result<(), StoreError> {
        let prune_below = head.saturating_sub(KEPT_BLOCKS);
        self.store.follow_l1_blocks(keep_up_to, prune_below, add)?;
        self.seen.retain(|&n, _| n <= keep_up_to && n >= prune_below);
        self.seen.extend(add.iter().copied());
        Ok(())
    }
}

/// The claim id a claim cursor moves back to after a reorg from block `fork`: the lowest id
/// proposed at or after `fork` on the new chain (it may reuse a dropped claim's id), or the claim
/// count (the ids of dropped claims, taken by the next proposals).
///
/// # Errors
/// [`L1Error`] when L1 cannot be read.
pub async fn claims_from<L: L1>(l1: &L, finality: Address, fork: u64) -> Result<u64, L1Error> {
    let count = view(l1, finality, MultiProofFinality::claimCountCall {}).await?.to::<u64>();
    let event = MultiProofFinality::ClaimProposed::SIGNATURE_HASH;
    let proposed = l1.logs_where(finality, event, None, fork).await?.into_iter().filter_map(|l| {
        MultiProofFinality::ClaimProposed::decode_log(&l.log).ok().map(|e| e.id.to::<u64>())
    });
    Ok(proposed.chain([count]).min().unwrap_or(count))
}

/// What [`resend_dropped`] did for one claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resent {
    /// The transaction's block was dropped and it went again, into block `block`.
    Again {
        /// The claim.
        claim: u64,
        /// The block that holds it now.
        block: u64,
    },
    /// The transaction's block was dropped, but the chain has what it did (another transaction
    /// did it, or the claim is settled): nothing to send.
    NotNeeded {
        /// The claim.
        claim: u64,
    },
    /// The transaction's block was dropped and L1 now refuses it (the claim its calldata carries
    /// is not proposed on the new chain, `Finality_NotProposed`; another claim may hold the id):
    /// forgotten; the prover handles the new claim afresh.
    Refused {
        /// The claim.
        claim: u64,
    },
    /// The transaction's block was dropped with its claim's proposal, which is not back yet:
    /// kept, and tried again at the next poll (the same claim proposed again takes the same
    /// signature and proof, which bind the claim, not its id).
    Waiting {
        /// The claim.
        claim: u64,
    },
}

/// Re-sends, from `sender` to `finality` (`MultiProofFinality`), the transactions `service`
/// recorded in `store` (with [`Store::record_sent`]) whose blocks are at or after `fork` and no
/// longer canonical, for each claim whose status `needed` says still needs it. A record the
/// claim no longer needs follows the approval the new chain holds to its block (often the same
/// transaction, included again), or is forgotten when there is none. Forgets records older than
/// [`KEPT_BLOCKS`] below the head.
///
/// # Errors
/// The first [`FollowError`]; what was re-sent before it stays recorded with its new block.
pub async fn resend_dropped<L: L1>(
    l1: &L,
    store: &Store,
    service: &str,
    sender: &PrivateKeySigner,
    finality: Address,
    fork: u64,
    needed: fn(&MultiProofFinality::Status) -> bool,
) -> Result<Vec<Resent>, FollowError> {
    let head = l1.head().await?.number;
    let mut out = Vec::new();
    let mut old = Vec::new();
    for crate::store::SentTx { claim, block, hash, calldata } in store.sent(service)? {
        if block + KEPT_BLOCKS < head {
            old.push(claim);
            continue;
        }
        if block < fork || l1.block_hash(block).await? == Some(hash) {
            continue;
        }
        let status = MultiProofFinality::statusOfCall { _id: U256::from(claim) };
        let status = match view(l1, finality, status).await {
            Ok(status) => status,
            // No such claim (yet): its proposal was dropped too.
            Err(L1Error::Revert(_)) => {
                out.push(Resent::Waiting { claim });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if !needed(&status) {
            // The new chain has the approval, often this very transaction included again in
            // another block: followed there, so that a later reorg that drops it is noticed.
            match approval_block(l1, finality, service, claim, fork).await? {
                Some((block, hash)) => store.record_sent(service, claim, block, hash, &calldata)?,
                None => store.forget_sent(service, &[claim])?,
            }
            out.push(Resent::NotNeeded { claim });
            continue;
        }
        let receipt = match l1.send(sender, L1Tx::call(finality, calldata.clone())).await {
            Ok(receipt) => receipt,
            Err(L1Error::Revert(_)) => {
                tracing::warn!(service, claim, "a transaction a reorg dropped is refused now");
                store.forget_sent(service, &[claim])?;
                out.push(Resent::Refused { claim });
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        store.record_sent(service, claim, receipt.block_number, receipt.block_hash, &calldata)?;
        tracing::warn!(service, claim, block = receipt.block_number, "re-sent after an L1 reorg");
        metrics::counter!("tribunal_l1_resent_total", "service" => service.to_owned()).increment(1);
        out.push(Resent::Again { claim, block: receipt.block_number });
    }
    store.forget_sent(service, &old)?;
    Ok(out)
}

/// The block (number and hash) of the latest `Approved` event of claim `claim` by the leg whose
/// transactions `service` records ("zk" or "tee"), at or after block `from`; `None` when there
/// is none, or `service` is no leg.
async fn approval_block<L: L1>(
    l1: &L,
    finality: Address,
    service: &str,
    claim: u64,
    from: u64,
) -> Result<Option<(u64, B256)>, FollowError> {
    let leg = match service {
        "zk" => tribunal_contracts::leg::ZK,
        "tee" => tribunal_contracts::leg::TEE,
        _ => return Ok(None),
    };
    let event = MultiProofFinality::Approved::SIGNATURE_HASH;
    let id = B256::from(U256::from(claim));
    let logs = l1.logs_where(finality, event, Some(id), from).await?;
    // The hash the log names: read again, it could be a later chain's block.
    Ok(logs
        .iter()
        .rev()
        .find(|l| MultiProofFinality::Approved::decode_log(&l.log).is_ok_and(|e| e.leg == leg))
        .map(|l| (l.block_number, l.block_hash)))
}

#[cfg(test)]
mod tests {
    use tribunal_l1::{DevL1, L1Dev, dev_signers};
    use tribunal_primitives::ChainId;
    use tribunal_stf::StfConfig;

    use super::*;

    fn store(dir: &tempfile::TempDir) -> Arc<Store> {
        let path = dir.path().join("node.redb");
        Arc::new(Store::open(&path, StfConfig::new(ChainId(901))).unwrap())
    }

    async fn pay(l1: &impl L1) -> L1Receipt {
        let tx = L1Tx::call(Address::repeat_byte(7), Bytes::new()).with_value(U256::from(1));
        l1.send(&dev_signers()[3], tx).await.unwrap()
    }

    /// A reorg is measured from the newest block still canonical; one deeper than the bound is
    /// critical; a restart notices a reorg that happened while the node was down.
    #[tokio::test]
    async fn reorgs_are_measured_alerted_and_noticed_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let reorgs = Reorgs::default();
        let mut follower = Follower::new(l1.clone(), store(&dir), 2, reorgs.clone()).unwrap();
        assert_eq!(follower.poll().await.unwrap(), None, "the first poll only records");
        for _ in 0..3 {
            pay(&*l1).await;
            assert_eq!(follower.poll().await.unwrap(), None);
        }
        let head = l1.head().await.unwrap().number;
        l1.reorg(2, &[]).await.unwrap();
        let r = follower.poll().await.unwrap().expect("a reorg");
        assert_eq!(r, Reorg { fork: head - 1, depth: 2, critical: false });
        let mut seen = 0;
        assert_eq!(reorgs.since(&mut seen), Some(head - 1));
        assert_eq!(reorgs.since(&mut seen), None, "each notice is read once");
        assert_eq!(follower.poll().await.unwrap(), None, "the new chain is followed");

        l1.reorg(3, &[]).await.unwrap();
        let r = follower.poll().await.unwrap().expect("a reorg");
        assert!(r.critical && r.depth == 3, "{r:?}");

        // Down: blocks land and a reorg drops them; the restarted follower notices.
        pay(&*l1).await;
        follower.poll().await.unwrap();
        drop(follower);
        l1.reorg(1, &[]).await.unwrap();
        let mut restarted = Follower::new(l1.clone(), store(&dir), 2, Reorgs::default()).unwrap();
        let r = restarted.poll().await.unwrap().expect("the reorg while down");
        assert_eq!((r.depth, r.critical), (1, false));
    }

    /// The gas of every transaction sent through [`Reported`] is recorded from its receipt, by
    /// block and hash; what others sent is not; old records are pruned.
    #[tokio::test]
    async fn the_gas_of_the_nodes_transactions_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let (l1, store) = (Arc::new(DevL1::new()), store(&dir));
        let reorgs = Reorgs::default();
        let mut follower = Follower::new(l1.clone(), store.clone(), 2, reorgs.clone()).unwrap();
        let mine = pay(&Reported::new(l1.clone(), reorgs)).await;
        let theirs = pay(&*l1).await;
        follower.poll().await.unwrap();
        assert_eq!(store.gas_of(mine.block_number, mine.tx_hash).unwrap(), Some(mine.gas_used));
        assert_eq!(store.gas_of(theirs.block_number, theirs.tx_hash).unwrap(), None);
        assert_eq!(store.gas_of(mine.block_number + 1, mine.tx_hash).unwrap(), None);
        store.record_gas(&[(GAS_KEPT_BLOCKS + 10, B256::ZERO, 1)], 10).unwrap();
        assert_eq!(store.gas_of(mine.block_number, mine.tx_hash).unwrap(), None, "pruned");
        assert_eq!(store.gas_of(GAS_KEPT_BLOCKS + 10, B256::ZERO).unwrap(), Some(1));
    }

    /// A transaction sent through [`Reported`] lands in a block the follower never polled; a
    /// reorg drops that block before the next poll: the follower notices all the same.
    #[tokio::test]
    async fn a_reorg_of_a_block_only_a_service_saw_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let reorgs = Reorgs::default();
        let mut follower = Follower::new(l1.clone(), store(&dir), 2, reorgs.clone()).unwrap();
        follower.poll().await.unwrap();
        let sends = Reported::new(l1.clone(), reorgs.clone());
        let receipt = pay(&sends).await;
        l1.reorg(1, &[]).await.unwrap();
        let r = follower.poll().await.unwrap().expect("the dropped block is noticed");
        assert_eq!((r.fork, r.depth), (receipt.block_number, 1));
        // Without the report, the same reorg would look like a chain that just grew.
        let mut blind =
            Follower::new(l1.clone(), store(&tempfile::tempdir().unwrap()), 2, Reorgs::default())
                .unwrap();
        blind.poll().await.unwrap();
        pay(&*l1).await;
        l1.reorg(1, &[]).await.unwrap();
        assert_eq!(blind.poll().await.unwrap(), None);
    }

    /// A reorg replaces the follower's newest blocks, and the node's own transactions land on
    /// the new chain, at the same heights and above, before the next poll: the blocks they
    /// report are canonical, yet the ones the follower saw there were dropped. It notices.
    #[tokio::test]
    async fn a_reorg_is_noticed_when_the_nodes_own_blocks_replace_the_dropped_ones() {
        let dir = tempfile::tempdir().unwrap();
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let reorgs = Reorgs::default();
        let mut follower = Follower::new(l1.clone(), store(&dir), 8, reorgs.clone()).unwrap();
        follower.poll().await.unwrap();
        for _ in 0..2 {
            pay(&*l1).await;
        }
        follower.poll().await.unwrap();
        let tip = l1.head().await.unwrap().number;
        l1.reorg(2, &[]).await.unwrap();
        let sends = Reported::new(l1.clone(), reorgs.clone());
        for _ in 0..3 {
            pay(&sends).await;
        }
        let r = follower.poll().await.unwrap().expect("the dropped blocks are noticed");
        assert_eq!((r.fork, r.depth), (tip - 1, 2));
        assert_eq!(follower.poll().await.unwrap(), None, "the new chain is followed");
    }

    /// A block a service reports after the follower has moved past it, with a hash the chain no
    /// longer has, is a reorg from that block; the fork is kept in the store until each service
    /// has handled it.
    #[tokio::test]
    async fn landed_blocks_below_the_tip_are_checked_and_unhandled_forks_persist() {
        let dir = tempfile::tempdir().unwrap();
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let reorgs = Reorgs::default();
        let store = store(&dir);
        let mut follower = Follower::new(l1.clone(), store.clone(), 8, reorgs.clone()).unwrap();
        follower.poll().await.unwrap();
        // The service's block, reported late with a hash the chain no longer has.
        let receipt = pay(&*l1).await;
        pay(&*l1).await;
        follower.poll().await.unwrap();
        reorgs.landed(receipt.block_number, B256::repeat_byte(1));
        let r = follower.poll().await.unwrap().expect("the landed block is not canonical");
        assert_eq!(r.fork, receipt.block_number);
        assert_eq!(store.unhandled_fork("zk").unwrap(), Some(receipt.block_number));
        store.handled_fork("zk").unwrap();
        assert_eq!(store.unhandled_fork("zk").unwrap(), None);
    }
}
