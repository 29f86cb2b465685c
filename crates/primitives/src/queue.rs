//! The L1 message queue: deposits and forced transactions, as the `Inbox` contract accumulates
//! them and as a batch must consume them.
//!
//! A message is the canonical encoding of its transaction ([`crate::batch::encode_tx`], kind tag
//! first), cut into 31-byte big-endian chunks (the last zero-padded on the right) and hashed with
//! circomlib Poseidon of that many inputs: 2 chunks for a deposit (53 bytes; the cheaper
//! PoseidonT3 on L1, for the common message), 4 for a forced transfer (97 bytes) or forced
//! withdrawal (113 bytes). The queue folds the hashes into
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
    Some(match tx {
        Tx::Deposit(_) => hash([next(), next()]),
        _ => hash([next(), next(), next(), next()]),
    })
}
