//! Batches and their canonical encoding: the bytes that go into blobs and that the data
//! commitment binds.
//!
//! A batch executes the L1 messages it consumes (deposits and forced transactions, read from the
//! `Inbox` queue, never from the blob) and then the sequencer's transactions, which are all the
//! blob carries. The encoding is cut into 31-byte chunks, the payload of one blob field element
//! each, and every sequencer transaction fills a fixed **record of four chunks**, so that the ZK
//! circuit finds record `j` at chunks `1 + 4j .. 5 + 4j` without decoding lengths. Layout
//! (integers big-endian):
//!
//! ```text
//! blob     = header ‖ record*                       (transfers and withdrawals only)
//! header   = version:u8 (=3) ‖ chain_id:u64 ‖ number:u64 ‖ tx_count:u32 ‖ 0^10       31 bytes
//! record   = tx ‖ 0^(124 − |tx|)                                                     124 bytes
//! transfer = 0x01 ‖ from:u32 ‖ to:u32 ‖ amount:u128 ‖ nonce:u64 ‖ signature:[u8;64]      97 bytes
//! withdraw = 0x02 ‖ from:u32 ‖ to:[u8;20] ‖ amount:u128 ‖ nonce:u64 ‖ signature:[u8;64] 113 bytes
//! deposit  = 0x03 ‖ to:u32 ‖ pubkey:[u8;32] ‖ amount:u128                               53 bytes
//! forced   = 0x04 ‖ <transfer body> | 0x05 ‖ <withdraw body>
//! ```
//!
//! Deposits and forced transactions use the same encodings as `Inbox` messages
//! ([`crate::queue`]). Decoding is strict: every byte is accounted for and padding must be zero,
//! so `decode(encode(b), messages) == b` and each batch has exactly one encoding.

use alloy_primitives::Address;

use crate::{
    Fr,
    error::DecodeError,
    poseidon::hash,
    tx::{AccountIndex, ChainId, Deposit, RawRecord, Signed, Transfer, Tx, TxKind, Wei, Withdraw},
};

/// Version byte written by this build.
pub const BATCH_VERSION: u8 = 3;
/// Header length in bytes: one chunk.
pub const HEADER_BYTES: usize = BYTES_PER_CHUNK;
/// Header bytes that carry fields; the rest of the header chunk is zero.
const HEADER_FIELD_BYTES: usize = 1 + 8 + 8 + 4;
/// Chunks per transaction record.
pub const CHUNKS_PER_RECORD: usize = 4;
/// Bytes per transaction record: every transaction, padded with zeros.
pub const RECORD_BYTES: usize = CHUNKS_PER_RECORD * BYTES_PER_CHUNK;
/// Encoded size of a transfer, tag included.
pub const TRANSFER_BYTES: usize = 1 + 4 + 4 + 16 + 8 + 64;
/// Encoded size of a withdrawal, tag included.
pub const WITHDRAW_BYTES: usize = 1 + 4 + 20 + 16 + 8 + 64;
/// Encoded size of a deposit, tag included.
pub const DEPOSIT_BYTES: usize = 1 + 4 + 32 + 16;
/// Bytes per field element when bytes are packed into field elements (as in blobs).
pub const BYTES_PER_CHUNK: usize = 31;
/// Most transactions a posted batch executes, L1 messages and blob records together: the ZK
/// circuit's slot count. `Inbox.postBatch` refuses to consume more messages
/// (`Inbox.MAX_BATCH_TXS`), and a blob whose header counts more records than the rest is not in
/// canonical form, so it carries none (`tribunal_da::read_header`).
pub const MAX_BATCH_TXS: usize = 32;

/// A sequence number of batches, starting at 1 (0 names the genesis state).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct BatchNumber(pub u64);

/// An ordered list of transactions for one chain: the L1 messages it consumes, then the
/// sequencer's transactions.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Batch {
    /// L2 chain the batch belongs to.
    pub chain_id: ChainId,
    /// Position in the chain of batches.
    pub number: BatchNumber,
    /// Transactions, in execution order: the L1 messages of the batch's `Inbox` range first.
    pub txs: Vec<Tx>,
}

impl Batch {
    /// Number of L1 messages the batch consumes: its leading transactions of an L1 kind.
    pub fn message_count(&self) -> usize {
        self.txs.iter().take_while(|tx| tx.kind().is_l1()).count()
    }

    /// The L1 messages, read from the `Inbox` queue.
    pub fn messages(&self) -> &[Tx] {
        &self.txs[..self.message_count()]
    }

    /// The sequencer's transactions: what the blob carries.
    pub fn records(&self) -> &[Tx] {
        &self.txs[self.message_count()..]
    }

    /// The canonical blob payload: the header and one record per sequencer transaction (the L1
    /// messages stay out; they are read from the queue).
    pub fn encode(&self) -> Vec<u8> {
        let records = self.records();
        let mut out = Vec::with_capacity(HEADER_BYTES + records.len() * RECORD_BYTES);
        out.push(BATCH_VERSION);
        out.extend_from_slice(&self.chain_id.0.to_be_bytes());
        out.extend_from_slice(&self.number.0.to_be_bytes());
        let count =
            u32::try_from(records.len()).expect("a batch holds fewer than 2^32 transactions");
        out.extend_from_slice(&count.to_be_bytes());
        debug_assert_eq!(out.len(), HEADER_FIELD_BYTES);
        out.resize(HEADER_BYTES, 0);
        for tx in records {
            let start = out.len();
            encode_tx(tx, &mut out);
            out.resize(start + RECORD_BYTES, 0);
        }
        out
    }

    /// Decodes a blob payload with a well-formed header, after the L1 messages the batch
    /// consumes (the `Inbox` range `[queueStart, queueEnd)`, in queue order). A record that holds
    /// no transfer or withdrawal is [`Tx::Undecodable`], as the STF reads it; a posted blob is read
    /// by `tribunal_da::read_batch`, which is total.
    ///
    /// # Errors
    /// [`DecodeError`] for a message of a sequencer kind, an empty input, an unknown version, a
    /// truncated header or record, a count that cannot fit, non-zero header padding, or trailing
    /// bytes.
    pub fn decode(bytes: &[u8], messages: &[Tx]) -> Result<Self, DecodeError> {
        if let Some(index) = messages.iter().position(|m| !m.kind().is_l1()) {
            return Err(DecodeError::NotAMessage { index });
        }
        let mut r = Reader { bytes, pos: 0 };
        let version = *bytes.first().ok_or(DecodeError::Empty)?;
        if version != BATCH_VERSION {
            return Err(DecodeError::UnsupportedVersion { got: version, expected: BATCH_VERSION });
        }
        r.pos = 1;
        let chain_id = ChainId(u64::from_be_bytes(r.array()?));
        let number = BatchNumber(u64::from_be_bytes(r.array()?));
        let count = u32::from_be_bytes(r.array()?);
        r.padding(HEADER_BYTES)?;
        let available = bytes.len() - r.pos;
        if count as usize > available / RECORD_BYTES {
            return Err(DecodeError::TxCountTooLarge { count, available });
        }
        let mut txs = Vec::with_capacity(messages.len() + count as usize);
        txs.extend_from_slice(messages);
        for _ in 0..count as usize {
            let record: [u8; RECORD_BYTES] = r.array()?;
            txs.push(read_record(&record));
        }
        if r.pos != bytes.len() {
            return Err(DecodeError::TrailingBytes { count: bytes.len() - r.pos });
        }
        Ok(Self { chain_id, number, txs })
    }

    /// The data commitment of this batch's blob payload ([`data_commitment`]).
    pub fn data_commitment(&self) -> Fr {
        data_commitment(&self.encode())
    }
}

/// Commits to a batch encoding the way the ZK circuit does: one Poseidon per record.
///
/// The bytes are cut into 31-byte chunks, each read big-endian as a field element (the blob
/// field-element packing), the last one zero-padded on the right. With `c₀` the header chunk and
/// `cᵢ` the rest: `h₀ = c₀` and `hₖ₊₁ = Poseidon(hₖ, c₄ₖ₊₁, c₄ₖ₊₂, c₄ₖ₊₃, c₄ₖ₊₄)`, missing
/// chunks being zero. The header fixes the transaction count, so on canonical encodings the
/// commitment is injective up to Poseidon collisions. `data_commitment(&[]) = 0`.
pub fn data_commitment(bytes: &[u8]) -> Fr {
    let (header, records) = bytes.split_at(bytes.len().min(HEADER_BYTES));
    let mut h = chunk_to_fr(header);
    for record in records.chunks(RECORD_BYTES) {
        let mut c = [Fr::from(0u64); CHUNKS_PER_RECORD];
        for (slot, chunk) in c.iter_mut().zip(record.chunks(BYTES_PER_CHUNK)) {
            *slot = chunk_to_fr(chunk);
        }
        h = hash([h, c[0], c[1], c[2], c[3]]);
    }
    h
}

/// A chunk of at most 31 bytes, right-padded with zeros, as a big-endian field element.
pub fn chunk_to_fr(chunk: &[u8]) -> Fr {
    use ark_ff::PrimeField;
    debug_assert!(chunk.len() <= BYTES_PER_CHUNK);
    let mut buf = [0u8; BYTES_PER_CHUNK];
    buf[..chunk.len()].copy_from_slice(chunk);
    Fr::from_be_bytes_mod_order(&buf)
}

fn encode_transfer(t: &Signed<Transfer>, out: &mut Vec<u8>) {
    out.extend_from_slice(&t.body.from.0.to_be_bytes());
    out.extend_from_slice(&t.body.to.0.to_be_bytes());
    out.extend_from_slice(&t.body.amount.0.to_be_bytes());
    out.extend_from_slice(&t.body.nonce.to_be_bytes());
    out.extend_from_slice(&t.signature);
}

fn encode_withdraw(w: &Signed<Withdraw>, out: &mut Vec<u8>) {
    out.extend_from_slice(&w.body.from.0.to_be_bytes());
    out.extend_from_slice(w.body.to.as_slice());
    out.extend_from_slice(&w.body.amount.0.to_be_bytes());
    out.extend_from_slice(&w.body.nonce.to_be_bytes());
    out.extend_from_slice(&w.signature);
}

/// Appends the canonical encoding of one transaction (of an undecodable record, its bytes).
pub fn encode_tx(tx: &Tx, out: &mut Vec<u8>) {
    if let Tx::Undecodable(raw) = tx {
        out.extend_from_slice(&raw.0);
        return;
    }
    out.push(tx.kind() as u8);
    match tx {
        Tx::Transfer(t) | Tx::ForcedTransfer(t) => encode_transfer(t, out),
        Tx::Withdraw(w) | Tx::ForcedWithdraw(w) => encode_withdraw(w, out),
        Tx::Deposit(d) => {
            out.extend_from_slice(&d.to.0.to_be_bytes());
            out.extend_from_slice(&d.pubkey);
            out.extend_from_slice(&d.amount.0.to_be_bytes());
        }
        Tx::Undecodable(_) => unreachable!("written above"),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    /// Skips zero bytes up to `end`.
    fn padding(&mut self, end: usize) -> Result<(), DecodeError> {
        let available = self.bytes.len() - self.pos;
        if self.bytes.len() < end {
            return Err(DecodeError::Truncated {
                offset: self.pos,
                needed: end - self.pos,
                available,
            });
        }
        if let Some(i) = self.bytes[self.pos..end].iter().position(|&b| b != 0) {
            return Err(DecodeError::NonZeroPadding { offset: self.pos + i });
        }
        self.pos = end;
        Ok(())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let available = self.bytes.len() - self.pos;
        if available < N {
            return Err(DecodeError::Truncated { offset: self.pos, needed: N, available });
        }
        let out = self.bytes[self.pos..self.pos + N].try_into().expect("length checked");
        self.pos += N;
        Ok(out)
    }

    fn transfer(&mut self) -> Result<Signed<Transfer>, DecodeError> {
        let from = AccountIndex(u32::from_be_bytes(self.array()?));
        let to = AccountIndex(u32::from_be_bytes(self.array()?));
        let amount = Wei(u128::from_be_bytes(self.array()?));
        let nonce = u64::from_be_bytes(self.array()?);
        let signature = self.array()?;
        Ok(Signed { body: Transfer { from, to, amount, nonce }, signature })
    }

    fn withdraw(&mut self) -> Result<Signed<Withdraw>, DecodeError> {
        let from = AccountIndex(u32::from_be_bytes(self.array()?));
        let to = Address::from(self.array::<20>()?);
        let amount = Wei(u128::from_be_bytes(self.array()?));
        let nonce = u64::from_be_bytes(self.array()?);
        let signature = self.array()?;
        Ok(Signed { body: Withdraw { from, to, amount, nonce }, signature })
    }
}

/// The transaction a blob record holds, as the STF reads it: [`decode_record`]'s transaction,
/// or [`Tx::Undecodable`] (skipped) when it holds none. Total: every 124 bytes are a record.
pub fn read_record(record: &[u8; RECORD_BYTES]) -> Tx {
    decode_record(record, 0).unwrap_or(Tx::Undecodable(RawRecord(*record)))
}

/// Decodes record `index` of a blob payload on its own: a transfer or withdrawal, then zero
/// padding to [`RECORD_BYTES`]. A payload decodes exactly when its header does and each of its
/// records does, which is how the dispute game's one-step proof reads a batch, one record at a
/// time.
///
/// # Errors
/// [`DecodeError::UnknownTxKind`] (an L1 kind included: those come from the queue) or
/// [`DecodeError::NonZeroPadding`] (offsets within the record).
pub fn decode_record(record: &[u8; RECORD_BYTES], index: usize) -> Result<Tx, DecodeError> {
    let mut r = Reader { bytes: record, pos: 0 };
    let tx = decode_sequencer_tx(&mut r, index)?;
    r.padding(RECORD_BYTES)?;
    Ok(tx)
}

/// Decodes exactly one transaction's canonical encoding (kind tag first), as the `Inbox` emits
/// an L1 message.
///
/// # Errors
/// [`DecodeError::Empty`], [`DecodeError::UnknownTxKind`], [`DecodeError::Truncated`], or
/// [`DecodeError::TrailingBytes`] when bytes remain.
pub fn decode_tx_exact(bytes: &[u8]) -> Result<Tx, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut r = Reader { bytes, pos: 0 };
    let tx = decode_tx(&mut r, 0)?;
    match bytes.len() - r.pos {
        0 => Ok(tx),
        count => Err(DecodeError::TrailingBytes { count }),
    }
}

/// A blob record's transaction: a transfer or a withdrawal.
fn decode_sequencer_tx(r: &mut Reader<'_>, index: usize) -> Result<Tx, DecodeError> {
    let tag = r.bytes.get(r.pos).copied();
    match tag.and_then(TxKind::from_tag) {
        Some(kind) if kind.is_l1() => {
            Err(DecodeError::UnknownTxKind { index, tag: tag.expect("tag read") })
        }
        _ => decode_tx(r, index),
    }
}

fn decode_tx(r: &mut Reader<'_>, index: usize) -> Result<Tx, DecodeError> {
    let [tag] = r.array::<1>()?;
    let kind = TxKind::from_tag(tag).ok_or(DecodeError::UnknownTxKind { index, tag })?;
    Ok(match kind {
        TxKind::Transfer => Tx::Transfer(r.transfer()?),
        TxKind::ForcedTransfer => Tx::ForcedTransfer(r.transfer()?),
        TxKind::Withdraw => Tx::Withdraw(r.withdraw()?),
        TxKind::ForcedWithdraw => Tx::ForcedWithdraw(r.withdraw()?),
        TxKind::Deposit => {
            let to = AccountIndex(u32::from_be_bytes(r.array()?));
            let pubkey = r.array()?;
            let amount = Wei(u128::from_be_bytes(r.array()?));
            Tx::Deposit(Deposit { to, pubkey, amount })
        }
        TxKind::Undecodable => return Err(DecodeError::UnknownTxKind { index, tag }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Batch {
        let t = Signed {
            body: Transfer { from: AccountIndex(1), to: AccountIndex(2), amount: Wei(5), nonce: 0 },
            signature: [9; 64],
        };
        let w = Signed {
            body: Withdraw {
                from: AccountIndex(2),
                to: Address::repeat_byte(0xaa),
                amount: Wei(u128::MAX),
                nonce: 7,
            },
            signature: [3; 64],
        };
        let d = Deposit { to: AccountIndex(3), pubkey: [1; 32], amount: Wei(10) };
        Batch {
            chain_id: ChainId(901),
            number: BatchNumber(4),
            txs: vec![
                Tx::Deposit(d),
                Tx::ForcedTransfer(t),
                Tx::ForcedWithdraw(w),
                Tx::Transfer(t),
                Tx::Withdraw(w),
            ],
        }
    }

    fn decode(bytes: &[u8]) -> Result<Batch, DecodeError> {
        Batch::decode(bytes, sample().messages())
    }

    #[test]
    fn sizes_match_the_layout() {
        let b = sample();
        assert_eq!(b.message_count(), 3);
        assert_eq!(b.encode().len(), HEADER_BYTES + 2 * RECORD_BYTES);
        assert_eq!(HEADER_FIELD_BYTES, 21);
        let mut out = Vec::new();
        for (tx, len) in b.txs.iter().zip([
            DEPOSIT_BYTES,
            TRANSFER_BYTES,
            WITHDRAW_BYTES,
            TRANSFER_BYTES,
            WITHDRAW_BYTES,
        ]) {
            out.clear();
            encode_tx(tx, &mut out);
            assert_eq!(out.len(), len);
            assert!(len <= RECORD_BYTES);
        }
    }

    #[test]
    fn bad_encodings_are_typed_errors() {
        let bytes = sample().encode();
        assert_eq!(decode(&[]), Err(DecodeError::Empty));
        let mut v2 = bytes.clone();
        v2[0] = 2;
        assert_eq!(decode(&v2), Err(DecodeError::UnsupportedVersion { got: 2, expected: 3 }));
        let mut header_pad = bytes.clone();
        header_pad[HEADER_BYTES - 1] = 1;
        assert_eq!(
            decode(&header_pad),
            Err(DecodeError::NonZeroPadding { offset: HEADER_BYTES - 1 })
        );
        assert!(matches!(decode(&bytes[..10]), Err(DecodeError::Truncated { .. })));
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1]),
            Err(DecodeError::TxCountTooLarge { .. })
        ));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(decode(&trailing), Err(DecodeError::TrailingBytes { count: 1 }));
        let mut huge = bytes.clone();
        huge[17..21].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(decode(&huge), Err(DecodeError::TxCountTooLarge { .. })));
        let sequencer = sample().txs[3];
        assert_eq!(Batch::decode(&bytes, &[sequencer]), Err(DecodeError::NotAMessage { index: 0 }));
    }

    /// A record that holds no transfer or withdrawal (padding, an unknown tag, an L1 kind, which
    /// comes from the queue) is an undecodable record, skipped by the STF; it keeps its bytes.
    #[test]
    fn bad_records_are_undecodable_not_errors() {
        let bytes = sample().encode();
        let record = |b: &[u8]| -> [u8; RECORD_BYTES] {
            b[HEADER_BYTES..HEADER_BYTES + RECORD_BYTES].try_into().unwrap()
        };
        let mut padding = bytes.clone();
        padding[HEADER_BYTES + RECORD_BYTES - 1] = 1;
        let mut unknown = bytes.clone();
        unknown[HEADER_BYTES] = 0x7f;
        let mut message = bytes.clone();
        message[HEADER_BYTES] = TxKind::Deposit as u8;
        let mut zero = bytes;
        zero[HEADER_BYTES..HEADER_BYTES + RECORD_BYTES].fill(0);
        for bad in [padding, unknown, message, zero] {
            let batch = decode(&bad).unwrap();
            assert_eq!(batch.txs[3], Tx::Undecodable(RawRecord(record(&bad))));
            assert_eq!(batch.txs[4], sample().txs[4]);
            assert_eq!(batch.encode(), bad, "the record's bytes are kept");
            assert_eq!(batch.data_commitment(), data_commitment(&bad));
        }
    }

    #[test]
    fn data_commitment_binds_length_and_content() {
        let a = sample().data_commitment();
        let mut other = sample();
        other.txs.pop();
        assert_ne!(a, other.data_commitment());
        // The messages are not in the blob: the queue accumulator binds them.
        let mut no_messages = sample();
        no_messages.txs.drain(..3);
        assert_eq!(a, no_messages.data_commitment());
        other.number = BatchNumber(5);
        assert_ne!(other.data_commitment(), sample().data_commitment());
        assert_eq!(data_commitment(&[]), Fr::from(0u64));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn roundtrip(batch in crate::test_utils::arb_batch()) {
            let bytes = batch.encode();
            prop_assert_eq!(Batch::decode(&bytes, batch.messages()).unwrap(), batch);
        }
    }
}
