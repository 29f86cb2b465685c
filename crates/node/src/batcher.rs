//! The batcher: posts sealed batches to the inbox in blobs (EIP-4844, with EIP-7594 cell proofs).
//!
//! The inbox is the source of truth for what is posted: each poll reads `Inbox.latestBatch` and
//! posts the stored batches after it, in order. A restart therefore never double-posts, and a
//! post the inbox refuses (`Inbox_NotNextBatch`) is never retried blindly.
//!
//! When the node runs both validity provers ([`Batcher::settling_with`]), a batch whose parent
//! is final is first offered to them sealed ([`crate::settle::Settlements::offer_sealed`]); with
//! both the proof and the signature within the wait, it is posted and its claim settled in one
//! `MultiProofFinality.postAndSettle` transaction, final at once. A leg that declines, a wait
//! that runs out or a settlement L1 refuses posts the batch alone, as before, and the proposer
//! settles the same claim with the same results after posting.

use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use alloy_eips::eip7594::BlobTransactionSidecarEip7594;
use alloy_primitives::{Address, B256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_da::fees::{BlobSchedule, quote};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::{BatchNumber, ChainId, Claim, QueueAcc};

use crate::{
    Store, StoreError,
    settle::{Readiness, Sealed, Settlements},
};

/// A posted batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Posted {
    /// Batch number.
    pub batch: BatchNumber,
    /// Blobs carrying it.
    pub blobs: usize,
    /// Canonical batch bytes.
    pub bytes: usize,
    /// Gas of `postBatch` (execution gas; blob gas is `blobs × 131,072`).
    pub gas: u64,
    /// L1 block holding it.
    pub block: u64,
    /// Posted with its claim, proof and signature in one `postAndSettle` (then [`Self::gas`] is
    /// that transaction's): the claim's id and its legs, final at once.
    pub settled: Option<(u64, crate::proposer::Settled)>,
}

/// Posting a batch together with its claim's settlement ([`Batcher::settling_with`]).
#[derive(Debug)]
struct SettleAtPost {
    settlements: Settlements,
    finality: Address,
    /// The longest a batch waits for its legs before it is posted alone.
    wait: Duration,
}

/// What to do with a batch offered sealed.
enum Offered {
    /// Posted and settled.
    Settled(Posted),
    /// The legs are still on it: post nothing this poll.
    Wait,
    /// Post it alone.
    Post,
}

/// Why a post failed (retried on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum BatcherError {
    /// Reading or writing L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Blob encoding or fee quoting failed.
    #[error("blobs: {0}")]
    Blobs(String),
    /// Right before sending, batch `batch` was no longer what was read (the sequencer rewound
    /// it after an L1 reorg), or the inbox's queue no longer holds the messages it consumed:
    /// nothing was sent; the next poll posts what the store holds then.
    #[error("batch {batch} changed under the batcher (an L1 reorg rewound it); not posted")]
    Moved {
        /// The batch.
        batch: u64,
    },
    /// The inbox holds a batch this node did not seal: another poster (forced inclusion)
    /// posted it. The node must re-sync from L1.
    #[error("inbox is at batch {inbox}, beyond this node's head {head}")]
    Ahead {
        /// `Inbox.latestBatch`.
        inbox: u64,
        /// The store's head.
        head: u64,
    },
}

/// The batcher, posting from `sender` (the inbox's sequencer).
#[derive(Debug)]
pub struct Batcher<L> {
    l1: L,
    inbox: Address,
    store: std::sync::Arc<Store>,
    sender: PrivateKeySigner,
    settle: Option<SettleAtPost>,
    /// The last batch's sidecar, by batch number and bytes ([`Self::sidecar_of`]).
    sidecar: std::sync::Mutex<Option<((u64, B256), BlobTransactionSidecarEip7594)>>,
    /// `MultiProofFinality.L2_CHAIN_ID`, once read.
    chain_id: std::sync::OnceLock<ChainId>,
}

impl<L: L1> Batcher<L> {
    /// A batcher for `store`'s batches.
    pub const fn new(
        l1: L,
        inbox: Address,
        store: std::sync::Arc<Store>,
        sender: PrivateKeySigner,
    ) -> Self {
        Self {
            l1,
            inbox,
            store,
            sender,
            settle: None,
            sidecar: std::sync::Mutex::new(None),
            chain_id: std::sync::OnceLock::new(),
        }
    }

    /// Offers each batch whose parent is final to the node's validity legs through
    /// `settlements` before posting it, waiting up to `wait` for their proof and signature, and
    /// posts it with them in one `postAndSettle` on `finality` (module docs).
    #[must_use]
    pub fn settling_with(
        mut self,
        settlements: Settlements,
        finality: Address,
        wait: Duration,
    ) -> Self {
        self.settle = Some(SettleAtPost { settlements, finality, wait });
        self
    }

    /// Posts every stored batch the inbox does not have yet, in order.
    ///
    /// # Errors
    /// [`BatcherError`] for the first batch that could not be posted.
    pub async fn poll(&self) -> Result<Vec<Posted>, BatcherError> {
        let latest = view(&self.l1, self.inbox, Inbox::latestBatchCall {}).await?;
        let head = self.store.head()?.0;
        if latest > head {
            return Err(BatcherError::Ahead { inbox: latest, head });
        }
        let mut posted = Vec::new();
        for n in latest + 1..=head {
            match self.post(BatchNumber(n)).await? {
                Some(p) => posted.push(p),
                // Its legs are still on it, and the batches after it wait behind it.
                None => break,
            }
        }
        Ok(posted)
    }

    /// Posts batch `n`, or with its settlement; `None` while its legs are still on it.
    async fn post(&self, n: BatchNumber) -> Result<Option<Posted>, BatcherError> {
        let batch = self
            .store
            .batch(n)?
            .ok_or_else(|| StoreError::Corrupt(format!("batch {} missing", n.0)))?;
        let record = self
            .store
            .batch_record(n)?
            .ok_or_else(|| StoreError::Corrupt(format!("roots of batch {} missing", n.0)))?;
        let bytes = batch.encode();
        let head = self.l1.head().await?;
        let fee =
            quote(BlobSchedule::Osaka, head.excess_blob_gas, head.base_fee_per_gas, bytes.len(), 6)
                .map_err(|e| BatcherError::Blobs(e.to_string()))?;
        let sidecar = self.sidecar_of(n, &bytes).await?;
        let count = sidecar.blobs.len();
        // The sequencer may have rewound this batch meanwhile (a reorg dropped L1 messages it
        // consumed): post only the batch the store still holds, on the queue it was sealed on.
        let still = self.store.batch_record(n)?;
        // The queue is shorter than the batch's end (None): a reorg dropped its messages.
        let queue =
            crate::sequencer::queue_acc_at(&self.l1, self.inbox, record.queue_consumed).await?;
        let sealed_on = tribunal_primitives::field::fr_to_word(&record.queue_after.0);
        if still != Some(record) || queue != Some(sealed_on) {
            return Err(BatcherError::Moved { batch: n.0 });
        }
        if let Some(settle) = &self.settle {
            match self
                .offer(settle, n, bytes.len(), &record, &sidecar, fee.max_fee_per_blob_gas)
                .await?
            {
                Offered::Settled(p) => return Ok(Some(p)),
                Offered::Wait => return Ok(None),
                Offered::Post => {}
            }
        }
        let call = Inbox::postBatchCall {
            _batchNumber: n.0,
            _queueEnd: record.queue_consumed,
            _queueAcc: sealed_on,
        };
        let tx = L1Tx::call(self.inbox, call.abi_encode())
            .with_sidecar(sidecar)
            .with_max_fee_per_blob_gas(fee.max_fee_per_blob_gas);
        let receipt = self.l1.send(&self.sender, tx).await?;
        metrics::counter!("tribunal_batches_posted_total").increment(1);
        metrics::counter!("tribunal_l1_gas_total", "leg" => "batcher").increment(receipt.gas_used);
        tracing::info!(
            batch = n.0,
            blobs = count,
            bytes = bytes.len(),
            gas = receipt.gas_used,
            "posted batch"
        );
        Ok(Some(Posted {
            batch: n,
            blobs: count,
            bytes: bytes.len(),
            gas: receipt.gas_used,
            block: receipt.block_number,
            settled: None,
        }))
    }

    /// The claim of sealed batch `n` and its first queue index, when it can be settled at
    /// posting: one blob, its parent final. The claim is built as the contract builds it:
    /// the contract's chain id, the blob's versioned hash, the queue accumulators before and
    /// after the batch's messages.
    async fn sealed_claim(
        &self,
        settle: &SettleAtPost,
        n: BatchNumber,
        record: &crate::BatchRecord,
        sidecar: &BlobTransactionSidecarEip7594,
    ) -> Result<Option<(Claim, u64)>, BatcherError> {
        if sidecar.blobs.len() != 1 {
            return Ok(None);
        }
        let call = MultiProofFinality::latestFinalBatchCall {};
        if view(&self.l1, settle.finality, call).await? + 1 != n.0 {
            return Ok(None);
        }
        let chain_id = match self.chain_id.get() {
            Some(c) => *c,
            None => {
                let call = MultiProofFinality::L2_CHAIN_IDCall {};
                let c = ChainId(view(&self.l1, settle.finality, call).await?);
                *self.chain_id.get_or_init(|| c)
            }
        };
        let (queue_start, queue_before) = match n.0 {
            1 => (0, QueueAcc::default()),
            _ => {
                let previous = self.store.batch_record(BatchNumber(n.0 - 1))?.ok_or_else(|| {
                    StoreError::Corrupt(format!("roots of batch {} missing", n.0 - 1))
                })?;
                (previous.queue_consumed, previous.queue_after)
            }
        };
        let hashes: Vec<u8> = sidecar.versioned_hashes().flat_map(|h| h.0).collect();
        Ok(Some((record.claim(chain_id, n, keccak256(hashes), queue_before), queue_start)))
    }

    /// The EIP-7594 sidecar of batch `n`'s `bytes`: made once, and kept while the batch waits
    /// for its legs, since cells and their KZG proofs take a few hundred milliseconds (made off
    /// the async workers, so that the node's RPC keeps answering meanwhile).
    async fn sidecar_of(
        &self,
        n: BatchNumber,
        bytes: &[u8],
    ) -> Result<BlobTransactionSidecarEip7594, BatcherError> {
        let key = (n.0, keccak256(bytes));
        let kept = {
            let kept = self.sidecar.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            kept.as_ref().filter(|(k, _)| *k == key).map(|(_, sidecar)| sidecar.clone())
        };
        if let Some(sidecar) = kept {
            return Ok(sidecar);
        }
        let blobs =
            tribunal_da::encode_blobs(bytes).map_err(|e| BatcherError::Blobs(e.to_string()))?;
        let sidecar = tokio::task::spawn_blocking(move || tribunal_da::sidecar_7594(blobs))
            .await
            .map_err(|e| BatcherError::Blobs(e.to_string()))?
            .map_err(|e| BatcherError::Blobs(e.to_string()))?;
        *self.sidecar.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((key, sidecar.clone()));
        Ok(sidecar)
    }

    /// Offers sealed batch `n` (one blob, its parent final) to the legs and, with both results,
    /// posts it with them in one `postAndSettle`.
    async fn offer(
        &self,
        settle: &SettleAtPost,
        n: BatchNumber,
        bytes: usize,
        record: &crate::BatchRecord,
        sidecar: &BlobTransactionSidecarEip7594,
        max_fee_per_blob_gas: u128,
    ) -> Result<Offered, BatcherError> {
        // Settling is an optimization: what keeps it from starting never keeps the batch from
        // being posted.
        let (claim, queue_start) = match self.sealed_claim(settle, n, record, sidecar).await {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(Offered::Post),
            Err(e) => {
                tracing::warn!(batch = n.0, error = %e, "cannot offer the sealed batch: posting alone");
                return Ok(Offered::Post);
            }
        };
        let sealed = Sealed {
            blobs: std::sync::Arc::new(sidecar.blobs.clone()),
            queue_start,
            queue_end: record.queue_consumed,
        };
        // A later batch sealed behind this one: holding it would hold them all, so a batch still
        // waiting for its legs is posted at once.
        let backlog = self.store.head()?.0 > n.0;
        let (proof, signature) = match settle.settlements.offer_sealed(claim, sealed) {
            (Readiness::Ready(proof, signature), _) => (proof, signature),
            (Readiness::Waiting, opened) if !backlog && opened.elapsed() < settle.wait => {
                return Ok(Offered::Wait);
            }
            (Readiness::Waiting, _) => {
                let why = if backlog { "later batches sealed" } else { "the wait is over" };
                tracing::info!(batch = n.0, why, "legs not done: posting alone");
                return Ok(Offered::Post);
            }
            (Readiness::Declined { leg, reason }, _) => {
                tracing::info!(batch = n.0, leg, %reason, "a leg declined the sealed batch: posting alone");
                return Ok(Offered::Post);
            }
        };
        let call = MultiProofFinality::postAndSettleCall {
            _c: tribunal_dispute::claims::recast(&claim.to_sol()),
            _queueEnd: record.queue_consumed,
            _proof: proof.proof.clone(),
            _signature: signature.signature.clone(),
        };
        let tx = L1Tx::call(settle.finality, call.abi_encode())
            .with_sidecar(sidecar.clone())
            .with_max_fee_per_blob_gas(max_fee_per_blob_gas);
        let receipt = match self.l1.send(&self.sender, tx).await {
            Ok(r) => r,
            Err(e) if e.revert_data().is_some() => {
                // Refused: posted alone, and the proposer settles the claim after posting as it
                // can. Only a refused proof or signature is made again; any other reason (the
                // queue moved, a reorg took the parent's finality) leaves both as they are.
                tracing::warn!(batch = n.0, error = %e, "postAndSettle refused: posting alone");
                type F = MultiProofFinality::MultiProofFinalityErrors;
                match e.revert_data().and_then(|d| F::abi_decode(d).ok()) {
                    Some(F::Finality_InvalidProof(_)) => settle.settlements.forget_proof(&claim),
                    Some(F::Finality_InvalidSigner(_)) => {
                        settle.settlements.forget_signature(&claim);
                    }
                    _ => {}
                }
                return Ok(Offered::Post);
            }
            Err(e) => return Err(e.into()),
        };
        let id = receipt
            .logs
            .iter()
            .find_map(|l| MultiProofFinality::ClaimProposed::decode_log(l).ok())
            .map(|e| e.id.to::<u64>())
            .ok_or_else(|| L1Error::InvalidTx("postAndSettle's receipt logs no claim".into()))?;
        metrics::counter!("tribunal_batches_posted_total").increment(1);
        metrics::counter!("tribunal_claims_proposed_total").increment(1);
        metrics::counter!("tribunal_l1_gas_total", "leg" => "batcher").increment(receipt.gas_used);
        tracing::info!(
            batch = n.0,
            claim = id,
            gas = receipt.gas_used,
            "posted the batch and settled its claim with its ZK proof and TEE signature"
        );
        let settled = crate::proposer::Settled {
            slots: proof.slots,
            prove_secs: proof.prove_secs,
            signer: signature.signer,
        };
        Ok(Offered::Settled(Posted {
            batch: n,
            blobs: 1,
            bytes,
            gas: receipt.gas_used,
            block: receipt.block_number,
            settled: Some((id, settled)),
        }))
    }
}
