//! A batch's L1 messages, read from the `Inbox` queue: what every leg executes before the blob's
//! records.
//!
//! `Inbox.queueRange(n)` (or, for a batch posted with its settlement, its `BatchPosted` log:
//! [`crate::batches`]) names the range `[start, end)` batch `n` consumes, `Inbox.messageBlock`
//! the L1 block of the first one's `MessageQueued` log; the messages are those logs' bytes,
//! decoded as canonical transactions. Nothing here is trusted further: the claim binds the queue
//! accumulator after the range, so a wrong message only makes the reader's own claim wrong.

use alloy_primitives::Address;
use alloy_sol_types::SolEvent;
use tribunal_contracts::Inbox;
use tribunal_l1::{L1, L1Error, view};
use tribunal_primitives::{Tx, batch::decode_tx_exact};

/// The L1 messages batch `batch` consumes, in queue order (empty for a batch not posted).
///
/// # Errors
/// [`L1Error`] when reading L1 fails, and [`L1Error::InvalidTx`] when the logs do not hold every
/// message of the range, or one does not decode (neither happens with a real `Inbox`).
pub async fn batch_messages<L: L1>(l1: &L, inbox: Address, batch: u64) -> Result<Vec<Tx>, L1Error> {
    match crate::batches::posted(l1, inbox, batch).await? {
        Some(b) => messages(l1, inbox, b.queue_start, b.queue_end).await,
        None => Ok(Vec::new()),
    }
}

/// The L1 messages at queue indices `[start, end)`, in queue order.
///
/// # Errors
/// As [`batch_messages`].
pub async fn messages<L: L1>(
    l1: &L,
    inbox: Address,
    start: u64,
    end: u64,
) -> Result<Vec<Tx>, L1Error> {
    if start >= end {
        return Ok(Vec::new());
    }
    let from = view(l1, inbox, Inbox::messageBlockCall { _index: start }).await?;
    let mut out = Vec::with_capacity((end - start) as usize);
    let queued = Inbox::MessageQueued::SIGNATURE_HASH;
    for log in l1.logs_where(inbox, queued, None, from).await? {
        let Ok(e) = Inbox::MessageQueued::decode_log(&log.log) else { continue };
        let expected = start + out.len() as u64;
        if e.index < expected || e.index >= end {
            continue;
        }
        if e.index != expected {
            return Err(L1Error::InvalidTx(format!(
                "queue message {expected} missing from the logs"
            )));
        }
        let tx = decode_tx_exact(&e.message).map_err(|err| {
            L1Error::InvalidTx(format!("queue message {} does not decode: {err}", e.index))
        })?;
        out.push(tx);
        if out.len() as u64 == end - start {
            return Ok(out);
        }
    }
    Err(L1Error::InvalidTx(format!(
        "queue messages {}..{end} missing from the logs",
        start + out.len() as u64
    )))
}
