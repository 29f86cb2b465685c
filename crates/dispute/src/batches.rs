//! Posted batches as L1 holds them: the `Inbox`'s record of a batch, or, for a batch posted with
//! its settlement (`MultiProofFinality.postAndSettle`), its `BatchPosted` log.
//!
//! Such a batch is final as it is posted, so the `Inbox` keeps no record of it (`Inbox.postFor`):
//! its views answer as for a batch not posted. The log holds the same facts, and is found without
//! a scan: the batch's final claim was proposed in the same transaction
//! (`MultiProofFinality.proposalBlockOf`), and its proposal time is the post's.

use alloy_eips::eip4844::Blob;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_l1::{L1, L1Error, view};
use tribunal_primitives::Tx;

/// A posted batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedBatch {
    /// Versioned hashes of its blobs (EIP-4844), in blob order.
    pub blob_hashes: Vec<B256>,
    /// Queue index of its first L1 message.
    pub queue_start: u64,
    /// Queue index one past its last L1 message.
    pub queue_end: u64,
    /// Timestamp of the L1 block that posted it, in seconds.
    pub posted_at: u64,
    /// Whether it was posted with its settlement: final as posted, with no `Inbox` record.
    pub settled_at_post: bool,
}

/// Batch `n` as posted on the node's chain; `None` when it is not posted (or its post was just
/// reorged out).
///
/// # Errors
/// [`L1Error`] when a read fails; [`L1Error::Transport`] when a batch posted with its settlement
/// has no `BatchPosted` log where its final claim was proposed (the node answered views and logs
/// of two different chains, as during a reorg: retrying may help).
pub async fn posted<L: L1>(l1: &L, inbox: Address, n: u64) -> Result<Option<PostedBatch>, L1Error> {
    let posted_at = view(l1, inbox, Inbox::postedAtCall { _batchNumber: n }).await?;
    if posted_at != 0 {
        let blob_hashes = view(l1, inbox, Inbox::blobHashesCall { _batchNumber: n }).await?;
        let range = view(l1, inbox, Inbox::queueRangeCall { _batchNumber: n }).await?;
        return Ok(Some(PostedBatch {
            blob_hashes,
            queue_start: range.start,
            queue_end: range.end,
            posted_at,
            settled_at_post: false,
        }));
    }
    if n == 0 || n > view(l1, inbox, Inbox::latestBatchCall {}).await? {
        return Ok(None);
    }
    // Posted, with no record: posted with its settlement, so final.
    let finality = view(l1, inbox, Inbox::FINALITYCall {}).await?;
    let fin = view(l1, finality, MultiProofFinality::finalClaimOfCall { _batchNumber: n }).await?;
    if !fin.isFinal {
        return Ok(None);
    }
    let from = view(l1, finality, MultiProofFinality::proposalBlockOfCall { _id: fin.id }).await?;
    let posted_at =
        view(l1, finality, MultiProofFinality::proposedAtOfCall { _id: fin.id }).await?;
    // `postAndSettle` posted it in the transaction that proposed its final claim.
    let topic = B256::from(U256::from(n));
    let event = Inbox::BatchPosted::SIGNATURE_HASH;
    let logs = l1.logs_in_block(inbox, event, Some(topic), from).await?;
    let e =
        logs.iter().find_map(|l| Inbox::BatchPosted::decode_log(&l.log).ok()).ok_or_else(|| {
            L1Error::Transport(format!("no BatchPosted log for batch {n} in L1 block {from}"))
        })?;
    Ok(Some(PostedBatch {
        blob_hashes: e.data.blobHashes,
        queue_start: e.data.queueStart,
        queue_end: e.data.queueEnd,
        posted_at,
        settled_at_post: true,
    }))
}

/// The blobs and L1 messages of batch `n`, which must be posted (a claim of it exists, or a later
/// batch is posted), both read from one [`posted`] answer.
///
/// # Errors
/// [`L1Error::Transport`] when the node's chain has no batch `n` (a reorg took its post away:
/// retrying may help); as [`posted`], [`L1::blobs`] and [`crate::queue::messages`] otherwise.
pub async fn contents<L: L1>(
    l1: &L,
    inbox: Address,
    n: u64,
) -> Result<(Vec<Blob>, Vec<Tx>), L1Error> {
    let b = posted(l1, inbox, n).await?.ok_or_else(|| {
        L1Error::Transport(format!("batch {n} is not posted on the node's chain"))
    })?;
    let blobs = l1.blobs(&b.blob_hashes).await?;
    let messages = crate::queue::messages(l1, inbox, b.queue_start, b.queue_end).await?;
    Ok((blobs, messages))
}
