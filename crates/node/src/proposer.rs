//! Proposing claims to `MultiProofFinality`.

use crate::{Store, StoreError, follow::Reorgs};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::{
    BatchNumber, DataCommitment, StateRoot, WithdrawalRoot, field::fr_to_word,
};

/// The `propose` call for a claim that executing `batch` on `parent` gives `post`. The bond
/// (`BOND_WEI`) goes as the call's value; the batch context is read by the contract.
pub fn propose_call(
    batch: BatchNumber,
    parent: StateRoot,
    post: StateRoot,
    withdrawal_root: WithdrawalRoot,
    data_commitment: DataCommitment,
) -> MultiProofFinality::proposeCall {
    MultiProofFinality::proposeCall {
        _batchNumber: batch.0,
        _parentRoot: fr_to_word(&parent.0),
        _postRoot: fr_to_word(&post.0),
        _withdrawalRoot: fr_to_word(&withdrawal_root.0),
        _dataCommitment: fr_to_word(&data_commitment.0),
    }
}

/// A proposed claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposed {
    /// Batch number.
    pub batch: BatchNumber,
    /// Claim id on `MultiProofFinality`.
    pub claim: u64,
    /// Gas of `propose`.
    pub gas: u64,
}

/// Why proposing failed (retried on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum ProposerError {
    /// Reading or writing L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Batch `batch` on L1 is not the one this node sealed: its blob or its L1 messages differ
    /// (another poster's batch, or this node's own post of a batch it re-derived after a reorg).
    /// Its claim would be wrong, so nothing is proposed from it on; the node cannot follow a
    /// batch it did not seal, and an operator must look.
    #[error("batch {batch} on L1 is not this node's batch: its blob or its L1 messages differ")]
    NotOurBatch {
        /// The batch.
        batch: u64,
    },
    /// Encoding the stored batch into blobs, or committing to them, failed.
    #[error("blobs of batch {batch}: {reason}")]
    Blobs {
        /// The batch.
        batch: u64,
        /// What failed.
        reason: String,
    },
}

/// The proposer: proposes, with the bond, the claim of every posted batch it has executed.
///
/// Before proposing batch n it checks that L1's batch n is the one it sealed: the same blob
/// (`Inbox.batchContext`'s blobs hash against the versioned hash of the stored batch's blob)
/// and the same L1 messages (the queue accumulator after them). Otherwise it proposes nothing
/// more ([`ProposerError::NotOurBatch`]): a claim of its own roots over another batch's data
/// would be wrong, and would lose its bond.
///
/// `MultiProofFinality` refuses an identical claim (`Finality_DuplicateClaim`), so the chain, not
/// this process, guarantees a claim is never proposed twice; after a restart the proposer resumes
/// at the batch after the latest final one and skips what it already proposed.
#[derive(Debug)]
pub struct Proposer<L> {
    l1: L,
    inbox: Address,
    finality: Address,
    store: std::sync::Arc<Store>,
    sender: PrivateKeySigner,
    bond: U256,
    next: Option<u64>,
    reorgs: Option<(Reorgs, usize)>,
    /// The batch last found not to be this node's ([`ProposerError::NotOurBatch`]), reported once.
    foreign: Option<u64>,
    /// The blobs hash last computed by `check_posted`, keyed by keccak256 of the batch's bytes:
    /// the hash depends on nothing else, so a re-derived batch never meets a stale entry.
    blobs_hash: Option<(B256, B256)>,
}

impl<L: L1> Proposer<L> {
    /// A proposer of `store`'s batches, bonding `bond` wei per claim from `sender`.
    pub const fn new(
        l1: L,
        inbox: Address,
        finality: Address,
        store: std::sync::Arc<Store>,
        sender: PrivateKeySigner,
        bond: U256,
    ) -> Self {
        Self {
            l1,
            inbox,
            finality,
            store,
            sender,
            bond,
            next: None,
            reorgs: None,
            foreign: None,
            blobs_hash: None,
        }
    }

    /// After each L1 reorg `reorgs` publishes, resumes at the batch after the latest final one
    /// again: a claim whose `propose` the reorg dropped is proposed again.
    #[must_use]
    pub fn with_reorgs(mut self, reorgs: Reorgs) -> Self {
        self.reorgs = Some((reorgs, 0));
        self
    }

    /// Proposes the claims of the posted batches not proposed yet, in order.
    ///
    /// # Errors
    /// [`ProposerError`] for the first claim that could not be proposed.
    pub async fn poll(&mut self) -> Result<Vec<Proposed>, ProposerError> {
        if let Some((reorgs, seen)) = &mut self.reorgs
            && reorgs.since(seen).is_some()
        {
            self.next = None;
        }
        let next = match self.next {
            Some(n) => n,
            None => {
                view(&self.l1, self.finality, MultiProofFinality::latestFinalBatchCall {}).await?
                    + 1
            }
        };
        let posted = view(&self.l1, self.inbox, Inbox::latestBatchCall {}).await?;
        let mut out = Vec::new();
        for n in next..=posted.min(self.store.head()?.0) {
            let Some(r) = self.store.batch_record(BatchNumber(n))? else { break };
            match self.check_posted(BatchNumber(n), r.queue_after).await {
                Ok(true) => {
                    self.foreign = None;
                    metrics::gauge!("tribunal_proposer_foreign_batch").set(0.0);
                }
                // A reorg between the two reads took the post away: next poll.
                Ok(false) => {
                    self.next = Some(n);
                    break;
                }
                Err(e) => {
                    if let ProposerError::NotOurBatch { batch } = e
                        && self.foreign != Some(batch)
                    {
                        self.foreign = Some(batch);
                        metrics::gauge!("tribunal_proposer_foreign_batch").set(1.0);
                        tracing::error!(
                            batch,
                            "CRITICAL: batch on L1 is not the one this node sealed; proposing nothing from it on"
                        );
                    }
                    self.next = Some(n);
                    return Err(e);
                }
            }
            let call = propose_call(
                BatchNumber(n),
                r.parent_root,
                r.post_root,
                r.withdrawal_root,
                r.data_commitment,
            );
            let id = view(&self.l1, self.finality, MultiProofFinality::claimCountCall {})
                .await?
                .to::<u64>();
            match self
                .l1
                .send(
                    &self.sender,
                    L1Tx::call(self.finality, call.abi_encode()).with_value(self.bond),
                )
                .await
            {
                Ok(receipt) => {
                    let claim = receipt
                        .logs
                        .iter()
                        .find_map(|l| MultiProofFinality::ClaimProposed::decode_log(l).ok())
                        .map_or(id, |e| e.id.to::<u64>());
                    metrics::counter!("tribunal_claims_proposed_total").increment(1);
                    metrics::counter!("tribunal_l1_gas_total", "leg" => "proposer")
                        .increment(receipt.gas_used);
                    tracing::info!(batch = n, claim, gas = receipt.gas_used, "proposed claim");
                    out.push(Proposed { batch: BatchNumber(n), claim, gas: receipt.gas_used });
                }
                Err(e) if is_duplicate(&e) => tracing::debug!(batch = n, "claim already proposed"),
                Err(e) => {
                    self.next = Some(n);
                    return Err(e.into());
                }
            }
            self.next = Some(n + 1);
        }
        Ok(out)
    }

    /// Whether L1's batch `n` is the stored one: its blobs hash and the queue accumulator after
    /// its L1 messages. The stored batch is encoded into its blob as the batcher does, and
    /// committed to with KZG (one commitment, off the async runtime, remembered for the batch's
    /// bytes while it is retried). `Ok(false)`: L1 has no batch `n` (any more).
    async fn check_posted(
        &mut self,
        n: BatchNumber,
        queue_after: tribunal_primitives::QueueAcc,
    ) -> Result<bool, ProposerError> {
        let blobs_error = |reason: String| ProposerError::Blobs { batch: n.0, reason };
        let batch = self
            .store
            .batch(n)?
            .ok_or_else(|| StoreError::Corrupt(format!("batch {} missing", n.0)))?;
        let context =
            view(&self.l1, self.inbox, Inbox::batchContextCall { _batchNumber: n.0 }).await?;
        if !context.posted {
            return Ok(false);
        }
        let bytes = batch.encode();
        let key = keccak256(&bytes);
        let ours = match self.blobs_hash {
            Some((k, h)) if k == key => h,
            _ => {
                let h = tokio::task::spawn_blocking(move || {
                    let blobs = tribunal_da::encode_blobs(&bytes).map_err(|e| e.to_string())?;
                    tribunal_da::blobs_hash(&blobs).map_err(|e| e.to_string())
                })
                .await
                .map_err(|e| blobs_error(e.to_string()))?
                .map_err(blobs_error)?;
                self.blobs_hash = Some((key, h));
                h
            }
        };
        let acc = fr_to_word(&queue_after.0);
        if context.blobsHash == ours && context.queueAfter == acc {
            return Ok(true);
        }
        Err(ProposerError::NotOurBatch { batch: n.0 })
    }
}

fn is_duplicate(e: &L1Error) -> bool {
    e.revert_data()
        .and_then(|d| MultiProofFinality::MultiProofFinalityErrors::abi_decode(d).ok())
        .is_some_and(|e| {
            matches!(
                e,
                MultiProofFinality::MultiProofFinalityErrors::Finality_DuplicateClaim(_)
                    | MultiProofFinality::MultiProofFinalityErrors::Finality_BatchAlreadyFinal(_)
            )
        })
}
