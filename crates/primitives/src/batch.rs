//! Batches and their canonical encoding: the bytes that go into blobs and that the data
//! commitment binds.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! batch    = version:u8 (=1) ‖ chain_id:u64 ‖ number:u64 ‖ tx_count:u32 ‖ tx*
//! transfer = 0x01 ‖ from:u32 ‖ to:u32 ‖ amount:u128 ‖ nonce:u64 ‖ signature:[u8;64]      97 bytes
//! withdraw = 0x02 ‖ from:u32 ‖ to:[u8;20] ‖ amount:u128 ‖ nonce:u64 ‖ signature:[u8;64] 113 bytes
//! deposit  = 0x03 ‖ to:u32 ‖ pubkey:[u8;32] ‖ amount:u128                               53 bytes
//! forced   = 0x04 ‖ <transfer body> | 0x05 ‖ <withdraw body>
//! ```
//!
//! Decoding is strict: every byte is accounted for, so `decode(encode(b)) == b` and each batch
//! has exactly one encoding.

use alloy_primitives::Address;

use crate::{
    Fr,
    error::DecodeError,
    poseidon::hash,
    tx::{AccountIndex, ChainId, Deposit, Signed, Transfer, Tx, TxKind, Wei, Withdraw},
};

/// Version byte written by this build.
pub const BATCH_VERSION: u8 = 1;
/// Header length in bytes.
pub const HEADER_BYTES: usize = 1 + 8 + 8 + 4;
/// Encoded size of a transfer, tag included.
pub const TRANSFER_BYTES: usize = 1 + 4 + 4 + 16 + 8 + 64;
/// Encoded size of a withdrawal, tag included.
pub const WITHDRAW_BYTES: usize = 1 + 4 + 20 + 16 + 8 + 64;
/// Encoded size of a deposit, tag included.
pub const DEPOSIT_BYTES: usize = 1 + 4 + 32 + 16;
/// Bytes per field element when bytes are packed into field elements (as in blobs).
pub const BYTES_PER_CHUNK: usize = 31;

/// A sequence number of batches, starting at 1 (0 names the genesis state).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct BatchNumber(pub u64);

/// An ordered list of transactions for one chain.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Batch {
    /// L2 chain the batch belongs to.
    pub chain_id: ChainId,
    /// Position in the chain of batches.
    pub number: BatchNumber,
    /// Transactions, in execution order.
    pub txs: Vec<Tx>,
}

impl Batch {
    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_BYTES + self.txs.len() * WITHDRAW_BYTES);
        out.push(BATCH_VERSION);
        out.extend_from_slice(&self.chain_id.0.to_be_bytes());
        out.extend_from_slice(&self.number.0.to_be_bytes());
        let count =
            u32::try_from(self.txs.len()).expect("a batch holds fewer than 2^32 transactions");
        out.extend_from_slice(&count.to_be_bytes());
        for tx in &self.txs {
            encode_tx(tx, &mut out);
        }
        out
    }

    /// Decodes a canonical encoding.
    ///
    /// # Errors
    /// [`DecodeError`] for an empty input, an unknown version, a truncated field, an unknown
    /// transaction kind, a count that cannot fit, or trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = *bytes.first().ok_or(DecodeError::Empty)?;
        if version != BATCH_VERSION {
            return Err(DecodeError::UnsupportedVersion { got: version, expected: BATCH_VERSION });
        }
        r.pos = 1;
        let chain_id = ChainId(u64::from_be_bytes(r.array()?));
        let number = BatchNumber(u64::from_be_bytes(r.array()?));
        let count = u32::from_be_bytes(r.array()?);
        let available = bytes.len() - r.pos;
        if count as usize > available / DEPOSIT_BYTES {
            return Err(DecodeError::TxCountTooLarge { count, available });
        }
        let mut txs = Vec::with_capacity(count as usize);
        for index in 0..count as usize {
            txs.push(decode_tx(&mut r, index)?);
        }
        if r.pos != bytes.len() {
            return Err(DecodeError::TrailingBytes { count: bytes.len() - r.pos });
        }
        Ok(Self { chain_id, number, txs })
    }

    /// The data commitment of this batch's canonical encoding ([`data_commitment`]).
    pub fn data_commitment(&self) -> Fr {
        data_commitment(&self.encode())
    }
}

/// Commits to a byte string the way the ZK circuit does.
///
/// The bytes are cut into 31-byte chunks, each read big-endian as a field element (the blob
/// field-element packing); the last chunk is zero-padded on the right. Then
/// `h₀ = len(bytes)` and `hᵢ₊₁ = Poseidon(hᵢ, c₄ᵢ, c₄ᵢ₊₁, c₄ᵢ₊₂, c₄ᵢ₊₃)`, missing chunks
/// being zero. Binding the length makes the padding unambiguous.
pub fn data_commitment(bytes: &[u8]) -> Fr {
    let mut h = Fr::from(bytes.len() as u64);
    for group in bytes.chunks(4 * BYTES_PER_CHUNK) {
        let mut c = [Fr::from(0u64); 4];
        for (slot, chunk) in c.iter_mut().zip(group.chunks(BYTES_PER_CHUNK)) {
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

/// Appends the canonical encoding of one transaction.
pub fn encode_tx(tx: &Tx, out: &mut Vec<u8>) {
    out.push(tx.kind() as u8);
    match tx {
        Tx::Transfer(t) | Tx::ForcedTransfer(t) => encode_transfer(t, out),
        Tx::Withdraw(w) | Tx::ForcedWithdraw(w) => encode_withdraw(w, out),
        Tx::Deposit(d) => {
            out.extend_from_slice(&d.to.0.to_be_bytes());
            out.extend_from_slice(&d.pubkey);
            out.extend_from_slice(&d.amount.0.to_be_bytes());
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
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
                Tx::Transfer(t),
                Tx::Withdraw(w),
                Tx::Deposit(d),
                Tx::ForcedTransfer(t),
                Tx::ForcedWithdraw(w),
            ],
        }
    }

    #[test]
    fn sizes_match_the_layout() {
        let b = sample();
        assert_eq!(
            b.encode().len(),
            HEADER_BYTES + 2 * TRANSFER_BYTES + 2 * WITHDRAW_BYTES + DEPOSIT_BYTES
        );
    }

    #[test]
    fn bad_encodings_are_typed_errors() {
        let bytes = sample().encode();
        assert_eq!(Batch::decode(&[]), Err(DecodeError::Empty));
        let mut v2 = bytes.clone();
        v2[0] = 2;
        assert_eq!(
            Batch::decode(&v2),
            Err(DecodeError::UnsupportedVersion { got: 2, expected: 1 })
        );
        assert!(matches!(
            Batch::decode(&bytes[..bytes.len() - 1]),
            Err(DecodeError::Truncated { .. })
        ));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(Batch::decode(&trailing), Err(DecodeError::TrailingBytes { count: 1 }));
        let mut unknown = bytes.clone();
        unknown[HEADER_BYTES] = 0x7f;
        assert_eq!(
            Batch::decode(&unknown),
            Err(DecodeError::UnknownTxKind { index: 0, tag: 0x7f })
        );
        let mut huge = bytes;
        huge[17..21].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(Batch::decode(&huge), Err(DecodeError::TxCountTooLarge { .. })));
    }

    #[test]
    fn data_commitment_binds_length_and_content() {
        let a = data_commitment(&[1, 2, 3]);
        assert_ne!(a, data_commitment(&[1, 2, 3, 0]));
        assert_ne!(a, data_commitment(&[1, 2, 4]));
        assert_eq!(data_commitment(&[]), Fr::from(0u64));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Batch::decode(&bytes);
        }

        #[test]
        fn roundtrip(batch in crate::test_utils::arb_batch()) {
            let bytes = batch.encode();
            prop_assert_eq!(Batch::decode(&bytes).unwrap(), batch);
        }
    }
}
