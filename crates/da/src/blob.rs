//! A payload in blobs, in alloy-eips' `SimpleCoder` layout, decoded strictly.
//!
//! Every 32-byte field element starts with a zero byte and carries 31 payload bytes. Field element
//! 0 of the first blob is the header: the payload length as a big-endian `u64` in bytes 1..9, the
//! rest zero. The payload follows from field element 1, right-padded with zeros. Payload chunk `i`
//! is therefore field element `i + 1`, the same 31-byte chunks that
//! [`tribunal_primitives::batch::data_commitment`] hashes.
//!
//! alloy's decoder returns `None` for any problem; [`decode_blobs`] names the problem instead, and
//! also refuses non-zero padding, so each payload has exactly one encoding.
//!
//! A *posted* batch is read with [`read_batch`], which is total (docs/stf.md): a blob not in
//! canonical form ([`read_header`]: a top byte set, a header that does not decode or counts too
//! many records, or anything after the last record) carries no records, and a record that holds
//! no transfer or withdrawal is [`Tx::Undecodable`]. Every leg (ZK, TEE, OP) reads blobs this way,
//! so no posted bytes can refuse a batch, and every posted blob can be proven by every leg.

use alloy_eips::eip4844::{
    Blob, FIELD_ELEMENTS_PER_BLOB, builder::SidecarBuilder, builder::SimpleCoder,
};
use tribunal_primitives::{
    Batch, BatchNumber, ChainId, Tx,
    batch::{BATCH_VERSION, MAX_BATCH_TXS, RECORD_BYTES, read_record},
};

use crate::error::{BlobError, DaError};

/// Payload bytes per field element.
pub const BYTES_PER_FIELD_ELEMENT: usize = 31;
/// Field elements per blob (EIP-4844).
pub const FIELD_ELEMENTS: usize = FIELD_ELEMENTS_PER_BLOB as usize;

/// Blobs needed for a payload of `len` bytes: one header element plus `⌈len / 31⌉` elements.
pub const fn blobs_needed(len: usize) -> u64 {
    let elements = 1 + len.div_ceil(BYTES_PER_FIELD_ELEMENT);
    elements.div_ceil(FIELD_ELEMENTS) as u64
}

/// Encodes a payload into blobs (alloy-eips `SidecarBuilder<SimpleCoder>`).
///
/// # Errors
/// [`BlobError::EmptyPayload`] for an empty payload.
pub fn encode_blobs(payload: &[u8]) -> Result<Vec<Blob>, BlobError> {
    if payload.is_empty() {
        return Err(BlobError::EmptyPayload);
    }
    let blobs = SidecarBuilder::<SimpleCoder>::from_slice(payload).take();
    debug_assert_eq!(blobs.len() as u64, blobs_needed(payload.len()));
    Ok(blobs)
}

/// Decodes the payload of blobs written by [`encode_blobs`].
///
/// # Errors
/// [`BlobError`]: no blobs, a field element whose top byte is set, a bad header, a declared length
/// beyond the blobs, or non-zero bytes after the payload.
pub fn decode_blobs(blobs: &[Blob]) -> Result<Vec<u8>, BlobError> {
    if blobs.is_empty() {
        return Err(BlobError::NoBlobs);
    }
    let elements = || {
        blobs
            .iter()
            .enumerate()
            .flat_map(|(b, blob)| blob.chunks_exact(32).enumerate().map(move |(i, fe)| (b, i, fe)))
    };
    for (blob, index, fe) in elements() {
        if fe[0] != 0 {
            return Err(BlobError::NonCanonicalFieldElement { blob, index, byte: fe[0] });
        }
    }
    let mut fes = elements();
    let (_, _, header) = fes.next().expect("a blob has 4096 field elements");
    if header[9..].iter().any(|&b| b != 0) {
        return Err(BlobError::BadHeader);
    }
    let declared = u64::from_be_bytes(header[1..9].try_into().expect("8 bytes"));
    if declared == 0 {
        return Err(BlobError::BadHeader);
    }
    let available = (blobs.len() * FIELD_ELEMENTS - 1) as u64 * BYTES_PER_FIELD_ELEMENT as u64;
    if declared > available {
        return Err(BlobError::Truncated { declared, available });
    }
    let mut remaining = declared as usize;
    let mut payload = Vec::with_capacity(remaining);
    for (blob, index, fe) in fes {
        let take = remaining.min(BYTES_PER_FIELD_ELEMENT);
        payload.extend_from_slice(&fe[1..1 + take]);
        remaining -= take;
        if fe[1 + take..].iter().any(|&b| b != 0) {
            return Err(BlobError::TrailingData { blob, index });
        }
    }
    Ok(payload)
}

/// Decodes a batch from its blobs and the L1 messages it consumes (the `Inbox` range, in queue
/// order; [`Batch::decode`]).
///
/// # Errors
/// [`DaError::Blob`] for blobs not in the layout, [`DaError::Batch`] for a payload that is not a
/// canonical batch (wrong version, truncated, trailing bytes…).
pub fn decode_batch(blobs: &[Blob], messages: &[Tx]) -> Result<Batch, DaError> {
    Ok(Batch::decode(&decode_blobs(blobs)?, messages)?)
}

/// Element `g` of `blobs` (counted across them) as 32 bytes; zeros past the last blob.
fn element(blobs: &[Blob], g: usize) -> [u8; 32] {
    blobs.get(g / FIELD_ELEMENTS).map_or([0; 32], |b| {
        let i = g % FIELD_ELEMENTS;
        b.0[32 * i..32 * i + 32].try_into().expect("32 bytes")
    })
}

/// The record count of batch `number` of `chain_id` when `blobs` hold it in canonical form, after
/// `messages` L1 messages; `None` when they do not, and then the batch has no records
/// (docs/stf.md). Canonical form, every clause checked by the circuit or provable on L1 with at
/// most three KZG openings ([`non_canonical_evidence`], `Inbox.proveNonCanonical`):
/// - every field element's top byte is zero;
/// - element 0 is `length: u64` in bytes 1..9, zeros after; element 1 is `version ‖ chain_id ‖
///   number ‖ count: u32 ‖ 0^10` in bytes 1..32, with `length = 31 + 124·count` within the blobs;
/// - `messages + count` is at most [`MAX_BATCH_TXS`];
/// - every element after the last record (from `2 + 4·count`) is zero.
pub fn read_header(
    blobs: &[Blob],
    messages: usize,
    chain_id: ChainId,
    number: BatchNumber,
) -> Option<usize> {
    if first_top_byte(blobs).is_some() {
        return None;
    }
    let count = header_count(blobs, messages, chain_id, number)?;
    first_junk(blobs, count).is_none().then_some(count)
}

/// The first element (across `blobs`) whose top byte is set.
fn first_top_byte(blobs: &[Blob]) -> Option<usize> {
    (0..blobs.len() * FIELD_ELEMENTS).find(|&g| element(blobs, g)[0] != 0)
}

/// The first non-zero element after `count` records.
fn first_junk(blobs: &[Blob], count: usize) -> Option<usize> {
    (2 + 4 * count..blobs.len() * FIELD_ELEMENTS).find(|&g| element(blobs, g) != [0; 32])
}

/// The header rule alone (elements 0 and 1, top bytes included in "non-zero padding").
fn header_count(
    blobs: &[Blob],
    messages: usize,
    chain_id: ChainId,
    number: BatchNumber,
) -> Option<usize> {
    let length_word = element(blobs, 0);
    let header = element(blobs, 1);
    if length_word[0] != 0
        || header[0] != 0
        || length_word[9..].iter().any(|&b| b != 0)
        || header[22..].iter().any(|&b| b != 0)
    {
        return None;
    }
    let length = u64::from_be_bytes(length_word[1..9].try_into().expect("8 bytes"));
    let available = (blobs.len() * FIELD_ELEMENTS).saturating_sub(1) * BYTES_PER_FIELD_ELEMENT;
    let chain = u64::from_be_bytes(header[2..10].try_into().expect("8 bytes"));
    let batch = u64::from_be_bytes(header[10..18].try_into().expect("8 bytes"));
    let count = u32::from_be_bytes(header[18..22].try_into().expect("4 bytes")) as usize;
    let expected = (BYTES_PER_FIELD_ELEMENT + RECORD_BYTES * count) as u64;
    (header[1] == BATCH_VERSION
        && chain == chain_id.0
        && batch == number.0
        && length == expected
        && length <= available as u64
        && messages.saturating_add(count) <= MAX_BATCH_TXS)
        .then_some(count)
}

/// The field elements (indices counted across `blobs`) whose KZG openings prove on L1 that
/// `blobs` do not hold batch `number` in canonical form ([`read_header`]); `None` when they do.
/// One of, in this order of preference:
/// - `[g]`: element `g`'s top byte is not zero;
/// - `[0, 1]`: elements 0 and 1 are not the header of a batch of at most
///   `MAX_BATCH_TXS − messages` records;
/// - `[0, 1, g]`: `g` is past the last record the header counts and not zero.
///
/// `Inbox.proveNonCanonical` checks exactly these three forms.
pub fn non_canonical_evidence(
    blobs: &[Blob],
    messages: usize,
    chain_id: ChainId,
    number: BatchNumber,
) -> Option<Vec<usize>> {
    if let Some(g) = first_top_byte(blobs) {
        return Some(vec![g]);
    }
    let Some(count) = header_count(blobs, messages, chain_id, number) else {
        return Some(vec![0, 1]);
    };
    first_junk(blobs, count).map(|g| vec![0, 1, g])
}

/// Record `j`'s 124 bytes: the low 31 bytes of elements `2 + 4j ..= 5 + 4j`.
pub fn record_bytes(blobs: &[Blob], j: usize) -> [u8; RECORD_BYTES] {
    let mut record = [0u8; RECORD_BYTES];
    for c in 0..4 {
        record[31 * c..31 * c + 31].copy_from_slice(&element(blobs, 2 + 4 * j + c)[1..]);
    }
    record
}

/// Batch `number` of `chain_id` as every leg executes it: its L1 `messages` (the `Inbox` range,
/// in queue order), then the records `blobs` hold in canonical form ([`read_header`],
/// [`read_record`]): none when they are not in it. Total: any bytes give a batch.
pub fn read_batch(
    blobs: &[Blob],
    messages: &[Tx],
    chain_id: ChainId,
    number: BatchNumber,
) -> Batch {
    let records = read_header(blobs, messages.len(), chain_id, number).unwrap_or(0);
    let mut txs = messages.to_vec();
    txs.extend((0..records).map(|j| read_record(&record_bytes(blobs, j))));
    Batch { chain_id, number, txs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_boundaries() {
        let one_blob = (FIELD_ELEMENTS - 1) * BYTES_PER_FIELD_ELEMENT;
        assert_eq!(blobs_needed(1), 1);
        assert_eq!(blobs_needed(one_blob), 1);
        assert_eq!(blobs_needed(one_blob + 1), 2);
        for len in [1, 30, 31, 32, one_blob, one_blob + 1, 3 * one_blob] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            let blobs = encode_blobs(&payload).unwrap();
            assert_eq!(blobs.len() as u64, blobs_needed(len), "len {len}");
            assert_eq!(decode_blobs(&blobs).unwrap(), payload, "len {len}");
        }
    }

    #[test]
    fn bad_blobs_are_typed_errors() {
        assert_eq!(decode_blobs(&[]), Err(BlobError::NoBlobs));
        assert_eq!(encode_blobs(&[]), Err(BlobError::EmptyPayload));
        let payload = vec![0xab; 100];
        let good = encode_blobs(&payload).unwrap();

        let mut high = good.clone();
        high[0].0[32 * 7] = 0x73;
        assert_eq!(
            decode_blobs(&high),
            Err(BlobError::NonCanonicalFieldElement { blob: 0, index: 7, byte: 0x73 })
        );
        let mut long = good.clone();
        long[0].0[1..9].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(matches!(decode_blobs(&long), Err(BlobError::Truncated { .. })));
        let mut header = good.clone();
        header[0].0[20] = 1;
        assert_eq!(decode_blobs(&header), Err(BlobError::BadHeader));
        let mut zero = good.clone();
        zero[0].0[1..9].copy_from_slice(&0u64.to_be_bytes());
        assert_eq!(decode_blobs(&zero), Err(BlobError::BadHeader));
        let mut trailing = good;
        trailing[0].0[32 * 100 + 5] = 1;
        assert_eq!(decode_blobs(&trailing), Err(BlobError::TrailingData { blob: 0, index: 100 }));
    }
}
