//! Proposing claims to `MultiProofFinality`: with the bond at posting (`propose`), or, when this
//! node runs both validity provers, together with their proof and signature in one
//! `proposeAndSettle` transaction ([`crate::settle`]).

use std::{collections::BTreeMap, time::Duration};

use crate::{
    Store, StoreError,
    follow::Reorgs,
    settle::{OfferedProof, OfferedSignature, Readiness, Settlements},
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, QueueAcc, StateRoot, WithdrawalRoot,
    field::{fr_from_be_bytes, fr_to_word},
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
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proposed {
    /// Batch number.
    pub batch: BatchNumber,
    /// Claim id on `MultiProofFinality`.
    pub claim: u64,
    /// Gas of `propose`, or of `proposeAndSettle` when [`Self::settled`].
    pub gas: u64,
    /// Proposed with its ZK proof and TEE signature in one `proposeAndSettle` transaction: final
    /// at once.
    pub settled: Option<Settled>,
}

/// The validity legs that went with a claim in its `proposeAndSettle` transaction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settled {
    /// Slots of the circuit the proof was made with.
    pub slots: usize,
    /// Seconds the ZK prover spent proving (wall clock).
    pub prove_secs: f64,
    /// The enclave signer.
    pub signer: Address,
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
    /// L1 holds a batch context word that is not a field element.
    #[error("batch {batch}: the inbox's queue accumulator is not a field element")]
    BadContext {
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
///
/// With [`Self::settling_with`], each claim is first offered to the node's ZK and TEE workers,
/// and sent with their proof and signature in one `proposeAndSettle` once both have them and the
/// parent batch is final; that call takes no bond, since it reverts unless the claim is final in
/// it. It is proposed alone, as above, when a leg declines it, when its parent
/// is not final (nothing makes it final at once then), when the settling transaction reverts, or
/// when the grace period passes first; a claim already on L1 is left to the legs. Batches are
/// proposed in order, so a later batch waits behind an earlier one while its legs already work
/// on it, and its grace period starts once it is at the front.
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
    /// The blobs hashes computed by `check_posted`, by batch, with keccak256 of the batch's
    /// bytes: the hash depends on nothing else, so a re-derived batch never meets a stale entry.
    blobs_hash: BTreeMap<u64, (B256, B256)>,
    /// Claims offered for settlement in one transaction, and how long to wait for them.
    settle: Option<(Settlements, Duration)>,
    /// `MultiProofFinality.L2_CHAIN_ID`, read once.
    chain_id: Option<ChainId>,
    /// The batch waiting for its legs at the front, and since when.
    front: Option<(u64, std::time::Instant)>,
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
            blobs_hash: BTreeMap::new(),
            settle: None,
            chain_id: None,
            front: None,
        }
    }

    /// Offers each claim to `settlements` for the node's ZK and TEE workers, and waits up to
    /// `grace` after offering it for both to approve it before proposing it alone.
    #[must_use]
    pub fn settling_with(mut self, settlements: Settlements, grace: Duration) -> Self {
        self.settle = Some((settlements, grace));
        self
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
        let mut out = Vec::new();
        match self.poll_into(&mut out).await {
            Ok(()) => Ok(out),
            // What landed is reported; the rest is retried at the next poll.
            Err(e) if !out.is_empty() => {
                tracing::warn!(error = %e, "proposer: will retry");
                Ok(out)
            }
            Err(e) => Err(e),
        }
    }

    async fn poll_into(&mut self, out: &mut Vec<Proposed>) -> Result<(), ProposerError> {
        if let Some((reorgs, seen)) = &mut self.reorgs
            && reorgs.since(seen).is_some()
        {
            self.next = None;
        }
        let mut final_batch = match (self.next, &self.settle) {
            (Some(_), None) => None,
            _ => Some(
                view(&self.l1, self.finality, MultiProofFinality::latestFinalBatchCall {}).await?,
            ),
        };
        // Settling reads the latest final batch at every poll: a batch final meanwhile (by
        // anyone's transaction, or by ours whose receipt was lost) is passed.
        let next = match (self.next, final_batch) {
            (Some(n), Some(f)) => n.max(f + 1),
            (Some(n), None) => n,
            (None, f) => f.unwrap_or_default() + 1,
        };
        if let (Some((settle, _)), Some(f)) = (&self.settle, final_batch) {
            settle.prune(f);
        }
        self.blobs_hash = self.blobs_hash.split_off(&next);
        let posted = view(&self.l1, self.inbox, Inbox::latestBatchCall {}).await?;
        // Waiting for an offered claim's legs: later batches are only offered.
        let mut waiting = false;
        for n in next..=posted.min(self.store.head()?.0) {
            let Some(r) = self.store.batch_record(BatchNumber(n))? else { break };
            let checked = self.check_posted(BatchNumber(n), r.queue_after).await;
            if matches!(checked, Ok(Some(_))) && self.foreign.is_some_and(|b| b <= n) {
                // Cleared only by the foreign batch itself, or a later one.
                self.foreign = None;
                metrics::gauge!("tribunal_proposer_foreign_batch").set(0.0);
            }
            let context = match checked {
                Ok(Some(OnL1::Context(context))) => context,
                Ok(Some(OnL1::FinalAtPost)) => {
                    // Posted with its settlement: nothing to propose, and its parent was final.
                    final_batch = Some(final_batch.unwrap_or_default().max(n));
                    if !waiting {
                        self.next = Some(n + 1);
                    }
                    continue;
                }
                // A reorg between the two reads took the post away: next poll.
                Ok(None) => {
                    if !waiting {
                        self.next = Some(n);
                    }
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
                    if !waiting {
                        self.next = Some(n);
                    }
                    return Err(e);
                }
            };
            if let Some((settle, grace)) = self.settle.clone() {
                let claim = self.claim_of(BatchNumber(n), &r, &context).await?;
                let (readiness, since) = settle.offer(claim);
                if waiting {
                    continue;
                }
                let parent_final = final_batch.is_some_and(|f| f + 1 == n);
                // The grace period runs from when the batch is at the front with a final parent,
                // so that batches queued behind a slow one get theirs in full.
                let front = match self.front {
                    Some((b, t)) if b == n => t,
                    _ => self.front.insert((n, std::time::Instant::now())).1,
                };
                let since = since.max(front);
                let on_l1 = match readiness {
                    Readiness::Ready(..) if parent_final => false,
                    _ => self.on_l1(&claim).await?,
                };
                if !on_l1 {
                    // A proposal that did not land (a failed send, or a reorg dropped it): the
                    // legs take the claim from here again.
                    settle.unpropose(n);
                }
                match readiness {
                    Readiness::Ready(proof, signature) if parent_final => {
                        match self.settle(&claim, &proof, &signature).await {
                            Ok(p) => {
                                settle.proposed(n);
                                out.push(p);
                                final_batch = Some(n);
                                self.next = Some(n + 1);
                                continue;
                            }
                            Err(ProposerError::L1(e)) if is_duplicate(&e) => {
                                // Final meanwhile: the batcher posted it with its settlement
                                // (`postAndSettle`) after this poll read the final batch.
                                settle.proposed(n);
                                final_batch = Some(n);
                                self.next = Some(n + 1);
                                continue;
                            }
                            Err(ProposerError::L1(e)) if e.revert_data().is_some() => {
                                tracing::warn!(batch = n, error = %e, "proposeAndSettle refused; proposing the claim alone");
                            }
                            Err(e) => {
                                self.next = Some(n);
                                return Err(e);
                            }
                        }
                    }
                    _ if on_l1 => {
                        // Proposed already (by this node before a restart, or by anyone): the
                        // legs settle it by its id.
                        settle.proposed(n);
                        self.next = Some(n + 1);
                        continue;
                    }
                    Readiness::Ready(..) | Readiness::Waiting
                        if parent_final && since.elapsed() < grace =>
                    {
                        self.next = Some(n);
                        waiting = true;
                        continue;
                    }
                    Readiness::Declined { leg, reason } => {
                        tracing::info!(batch = n, leg, %reason, "a validity leg declines the claim; proposing it alone");
                    }
                    Readiness::Ready(..) | Readiness::Waiting if !parent_final => {
                        // Not final at once whatever the legs do: its parent is on the slow path.
                        tracing::info!(
                            batch = n,
                            "parent batch not final; proposing the claim alone"
                        );
                    }
                    Readiness::Ready(..) | Readiness::Waiting => {
                        tracing::info!(
                            batch = n,
                            "settlement grace period over; proposing the claim alone"
                        );
                    }
                }
                settle.proposed(n);
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
                    out.push(Proposed {
                        batch: BatchNumber(n),
                        claim,
                        gas: receipt.gas_used,
                        settled: None,
                    });
                }
                Err(e) if is_duplicate(&e) => tracing::debug!(batch = n, "claim already proposed"),
                Err(e) => {
                    self.next = Some(n);
                    return Err(e.into());
                }
            }
            self.next = Some(n + 1);
        }
        Ok(())
    }

    /// Whether `claim` is proposed on L1 already, or its batch is final (a claim settled in its
    /// own proposal is not indexed: `idOf` does not find it).
    async fn on_l1(&self, claim: &Claim) -> Result<bool, ProposerError> {
        let call =
            MultiProofFinality::idOfCall { _c: tribunal_dispute::claims::recast(&claim.to_sol()) };
        if view(&self.l1, self.finality, call).await?.proposed {
            return Ok(true);
        }
        let call = MultiProofFinality::finalClaimOfCall { _batchNumber: claim.batch_number.0 };
        Ok(view(&self.l1, self.finality, call).await?.isFinal)
    }

    /// Sends `claim` with its proof and signature in one `proposeAndSettle` transaction.
    async fn settle(
        &mut self,
        claim: &Claim,
        proof: &OfferedProof,
        signature: &OfferedSignature,
    ) -> Result<Proposed, ProposerError> {
        let n = claim.batch_number;
        let call = MultiProofFinality::proposeAndSettleCall {
            _c: tribunal_dispute::claims::recast(&claim.to_sol()),
            _proof: proof.proof.clone(),
            _signature: signature.signature.clone(),
        };
        let count =
            view(&self.l1, self.finality, MultiProofFinality::claimCountCall {}).await?.to::<u64>();
        // No bond: the call reverts unless the claim is final in it.
        let tx = L1Tx::call(self.finality, call.abi_encode());
        let receipt = self.l1.send(&self.sender, tx).await?;
        // A claim proposed first by someone else is settled under its id.
        let id = receipt
            .logs
            .iter()
            .find_map(|l| {
                MultiProofFinality::ClaimProposed::decode_log(l)
                    .map(|e| e.id)
                    .or_else(|_| MultiProofFinality::Approved::decode_log(l).map(|e| e.id))
                    .ok()
            })
            .map_or(count, |id| id.to::<u64>());
        metrics::counter!("tribunal_claims_proposed_total").increment(1);
        metrics::counter!("tribunal_l1_gas_total", "leg" => "proposer").increment(receipt.gas_used);
        tracing::info!(
            batch = n.0,
            claim = id,
            gas = receipt.gas_used,
            "proposed and settled the claim with its ZK proof and TEE signature"
        );
        let settled =
            Settled { slots: proof.slots, prove_secs: proof.prove_secs, signer: signature.signer };
        Ok(Proposed { batch: n, claim: id, gas: receipt.gas_used, settled: Some(settled) })
    }

    /// The whole claim of stored batch `n` as `MultiProofFinality` builds it: the record's roots
    /// and L1's batch context (checked by `check_posted` to be the stored batch's).
    async fn claim_of(
        &mut self,
        n: BatchNumber,
        r: &crate::BatchRecord,
        context: &Inbox::batchContextReturn,
    ) -> Result<Claim, ProposerError> {
        let chain_id = match self.chain_id {
            Some(c) => c,
            None => {
                let c =
                    view(&self.l1, self.finality, MultiProofFinality::L2_CHAIN_IDCall {}).await?;
                *self.chain_id.insert(ChainId(c))
            }
        };
        let queue_before = fr_from_be_bytes(&context.queueBefore.0)
            .map_err(|_| ProposerError::BadContext { batch: n.0 })?;
        Ok(r.claim(chain_id, n, context.blobsHash, QueueAcc(queue_before)))
    }

    /// L1's context of batch `n` if it is the stored batch: its blobs hash and the queue
    /// accumulator after its L1 messages, or, for a batch posted with its settlement (which keeps
    /// no context in the `Inbox`), the same facts from its `BatchPosted` log. The stored batch is
    /// encoded into its blob as the batcher does, and committed to with KZG (off the async
    /// runtime, remembered for the batch's bytes while the batch is not proposed). `Ok(None)`: L1
    /// has no batch `n` (any more).
    ///
    /// # Errors
    /// [`ProposerError::NotOurBatch`] when L1's batch `n` is another; [`ProposerError::L1`] when
    /// a read fails.
    async fn check_posted(
        &mut self,
        n: BatchNumber,
        queue_after: QueueAcc,
    ) -> Result<Option<OnL1>, ProposerError> {
        let blobs_error = |reason: String| ProposerError::Blobs { batch: n.0, reason };
        let batch = self
            .store
            .batch(n)?
            .ok_or_else(|| StoreError::Corrupt(format!("batch {} missing", n.0)))?;
        let context =
            view(&self.l1, self.inbox, Inbox::batchContextCall { _batchNumber: n.0 }).await?;
        let (blobs_hash, queue_acc, on_l1) = if context.posted {
            (context.blobsHash, context.queueAfter, OnL1::Context(context))
        } else {
            match tribunal_dispute::batches::posted(&self.l1, self.inbox, n.0).await? {
                Some(b) if b.settled_at_post => {
                    let hashes: Vec<u8> = b.blob_hashes.iter().flat_map(|h| h.0).collect();
                    let call = Inbox::accAtCall { _index: b.queue_end };
                    let acc = view(&self.l1, self.inbox, call).await?;
                    (keccak256(hashes), acc, OnL1::FinalAtPost)
                }
                _ => return Ok(None),
            }
        };
        let bytes = batch.encode();
        let key = keccak256(&bytes);
        let ours = match self.blobs_hash.get(&n.0) {
            Some((k, h)) if *k == key => *h,
            _ => {
                let h = tokio::task::spawn_blocking(move || {
                    let blobs = tribunal_da::encode_blobs(&bytes).map_err(|e| e.to_string())?;
                    tribunal_da::blobs_hash(&blobs).map_err(|e| e.to_string())
                })
                .await
                .map_err(|e| blobs_error(e.to_string()))?
                .map_err(blobs_error)?;
                self.blobs_hash.insert(n.0, (key, h));
                h
            }
        };
        let acc = fr_to_word(&queue_after.0);
        if blobs_hash == ours && queue_acc == acc {
            return Ok(Some(on_l1));
        }
        Err(ProposerError::NotOurBatch { batch: n.0 })
    }
}

/// A stored batch as `check_posted` found it on L1.
enum OnL1 {
    /// Posted alone: its context, for its claim.
    Context(Inbox::batchContextReturn),
    /// Posted with its settlement: final, with nothing to propose.
    FinalAtPost,
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
