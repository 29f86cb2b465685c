//! The L1 message queue: deposits and forced transactions, as the `Inbox` contract accumulates
//! them and as a batch must consume them.
//!
//! A message is the canonical encoding of its transaction ([`crate::batch::encode_tx`], kind tag
//! first: a deposit is 53 bytes, a forced transfer 97, a forced withdrawal 113), cut into four
//! 31-byte big-endian chunks (zero-padded on the right, as a blob record) and hashed with
//! circomlib Poseidon of 4 inputs. The queue folds the hashes into
//! `acc[i+1] = Poseidon(acc[i], hash_i)` from `acc[0] = 0`; claims bind the accumulator before
//! and after a batch's L1 messages, and the `Inbox` stores it at every position, so the dispute
//! game can authenticate any one message.

use crate::{
    Fr,
    batch::{BYTES_PER_CHUNK, chunk_to_fr, encode_tx},
    poseidon::hash,
    tx::Tx,
};

/// Queue accumulator after some number of L1 messages (a BN254 field element).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct QueueAcc(pub Fr);

impl QueueAcc {
    /// The accumulator of the empty queue.
    pub const EMPTY: Self = Self(ark_ff::MontFp!("0"));

    /// The accumulator after one more message with hash `message`.
    pub fn push(self, message: Fr) -> Self {
        Self(hash([self.0, message]))
    }
}

/// The queue hash of an L1 transaction; `None` for a sequencer transaction, which never enters
/// the queue.
pub fn message_hash(tx: &Tx) -> Option<Fr> {
    if !tx.kind().is_l1() {
        return None;
    }
    let mut bytes = Vec::with_capacity(4 * BYTES_PER_CHUNK);
    encode_tx(tx, &mut bytes);
    let mut chunks = bytes.chunks(BYTES_PER_CHUNK).map(chunk_to_fr);
    let mut next = || chunks.next().unwrap_or_default();
    Some(hash([next(), next(), next(), next()]))
}
