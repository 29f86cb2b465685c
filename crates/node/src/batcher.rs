//! The batcher: posts sealed batches to the inbox in blobs (EIP-4844, with EIP-7594 cell proofs).
//!
//! The inbox is the source of truth for what is posted: each poll reads `Inbox.latestBatch` and
//! posts the stored batches after it, in order. A restart therefore never double-posts, and a
//! post the inbox refuses (`Inbox_NotNextBatch`) is never retried blindly.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use tribunal_contracts::Inbox;
use tribunal_da::fees::{BlobSchedule, quote};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::BatchNumber;

use crate::{Store, StoreError};

/// A posted batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl<L: L1> Batcher<L> {
    /// A batcher for `store`'s batches.
    pub const fn new(
        l1: L,
        inbox: Address,
        store: std::sync::Arc<Store>,
        sender: PrivateKeySigner,
    ) -> Self {
        Self { l1, inbox, store, sender }
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
            posted.push(self.post(BatchNumber(n)).await?);
        }
        Ok(posted)
    }

    async fn post(&self, n: BatchNumber) -> Result<Posted, BatcherError> {
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
        let blobs =
            tribunal_da::encode_blobs(&bytes).map_err(|e| BatcherError::Blobs(e.to_string()))?;
        let count = blobs.len();
        // Cells and their KZG proofs take a few hundred milliseconds: off the async workers, so
        // that the node's RPC keeps answering meanwhile.
        let sidecar = tokio::task::spawn_blocking(move || tribunal_da::sidecar_7594(blobs))
            .await
            .map_err(|e| BatcherError::Blobs(e.to_string()))?
            .map_err(|e| BatcherError::Blobs(e.to_string()))?;
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
        Ok(Posted {
            batch: n,
            blobs: count,
            bytes: bytes.len(),
            gas: receipt.gas_used,
            block: receipt.block_number,
        })
    }
}
