//! Batches through blobs and sidecars, bad blobs, and real mainnet blobs from another rollup.

use std::path::Path;

use alloy_eips::eip4844::Blob;
use alloy_primitives::B256;
use proptest::prelude::*;
use tribunal_da::{
    BlobError, DaError, decode_batch, encode_blobs, sidecar_4844, sidecar_7594,
    verify_sidecar_7594, versioned_hashes,
};
use tribunal_primitives::{
    Batch,
    batch::{BYTES_PER_CHUNK, chunk_to_fr},
    error::DecodeError,
    field::fr_to_be_bytes,
    test_utils::arb_batch,
};

fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(64 << 20).spawn(f).unwrap().join().unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn batches_roundtrip_through_blobs(batch in arb_batch()) {
        let bytes = batch.encode();
        let blobs = encode_blobs(&bytes).unwrap();
        prop_assert_eq!(decode_batch(&blobs, batch.messages()).unwrap(), batch);
        // Payload chunk i is field element i + 1: the chunks the data commitment hashes.
        for (i, chunk) in bytes.chunks(BYTES_PER_CHUNK).enumerate() {
            let fe = &blobs[(i + 1) / 4096].0[((i + 1) % 4096) * 32..][..32];
            prop_assert_eq!(&fr_to_be_bytes(&chunk_to_fr(chunk))[1..], &fe[1..]);
        }
    }
}

#[test]
fn sidecar_verifies_and_rejects_tampering() {
    with_big_stack(|| {
        let batch = Batch { txs: vec![], ..sample_batch() };
        let blobs = encode_blobs(&batch.encode()).unwrap();
        let sidecar = sidecar_7594(blobs.clone()).unwrap();
        let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
        assert_eq!(hashes.len(), 1);
        assert_eq!(hashes[0][0], 0x01, "KZG version byte");
        verify_sidecar_7594(&sidecar, &hashes).unwrap();
        // The 4844 form commits to the same blobs.
        assert_eq!(sidecar_4844(blobs).unwrap().versioned_hashes().collect::<Vec<_>>(), hashes);

        let mut bad_proof = sidecar.clone();
        bad_proof.cell_proofs[5] = bad_proof.cell_proofs[6];
        assert!(matches!(verify_sidecar_7594(&bad_proof, &hashes), Err(DaError::Sidecar(_))));
        let mut bad_blob = sidecar.clone();
        bad_blob.blobs[0].0[32 * 9 + 4] ^= 1;
        assert!(matches!(verify_sidecar_7594(&bad_blob, &hashes), Err(DaError::Sidecar(_))));
        assert!(matches!(
            verify_sidecar_7594(&sidecar, &[B256::repeat_byte(1)]),
            Err(DaError::Sidecar(_))
        ));
        assert!(matches!(verify_sidecar_7594(&sidecar, &[]), Err(DaError::Sidecar(_))));
    });
}

fn sample_batch() -> Batch {
    Batch {
        chain_id: tribunal_primitives::ChainId(901),
        number: tribunal_primitives::BatchNumber(3),
        txs: vec![],
    }
}

#[test]
fn blob_payloads_that_are_not_batches_are_typed_errors() {
    let mut v1 = sample_batch().encode();
    v1[0] = 1;
    assert_eq!(
        decode_batch(&encode_blobs(&v1).unwrap(), &[]),
        Err(DaError::Batch(DecodeError::UnsupportedVersion { got: 1, expected: 3 }))
    );
    let bytes = sample_batch().encode();
    assert!(matches!(
        decode_batch(&encode_blobs(&bytes[..bytes.len() - 2]).unwrap(), &[]),
        Err(DaError::Batch(DecodeError::Truncated { .. }))
    ));
    let mut blobs = encode_blobs(&bytes).unwrap();
    blobs[0].0[64] = 0x80;
    assert_eq!(
        decode_batch(&blobs, &[]),
        Err(DaError::Blob(BlobError::NonCanonicalFieldElement { blob: 0, index: 2, byte: 0x80 }))
    );
}

/// Three real mainnet blobs posted by Unichain's batcher (`testing/fixtures/blobs`): our KZG
/// path reproduces their versioned hashes, and our decoder refuses them with a typed error.
#[test]
fn real_mainnet_blobs() {
    with_big_stack(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testing/fixtures/blobs");
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("blobs.json")).unwrap())
                .unwrap();
        let mut blobs = Vec::new();
        let mut expected = Vec::new();
        for entry in manifest["blobs"].as_array().unwrap() {
            let raw = std::fs::read(dir.join(entry["file"].as_str().unwrap())).unwrap();
            blobs.push(Blob::try_from(raw.as_slice()).unwrap());
            expected.push(entry["versioned_hash"].as_str().unwrap().parse::<B256>().unwrap());
        }
        let sidecar = sidecar_4844(blobs.clone()).unwrap();
        assert_eq!(sidecar.versioned_hashes().collect::<Vec<_>>(), expected);
        assert_eq!(versioned_hashes(&blobs).unwrap(), expected);
        let cells = sidecar_7594(blobs.clone()).unwrap();
        verify_sidecar_7594(&cells, &expected).unwrap();
        assert!(decode_batch(&blobs, &[]).is_err(), "an OP Stack channel is not a Tribunal batch");
    });
}

/// `read_batch` is total and reads a posted blob as docs/stf.md says: a blob in canonical form
/// gives its records (one that holds no transaction is `Tx::Undecodable`); any other blob (a top
/// byte set, junk after the last record, another batch's header, too many transactions) gives
/// none, and `non_canonical_evidence` names the elements that prove it on L1.
#[test]
fn read_batch_is_total() {
    use tribunal_da::non_canonical_evidence as evidence;
    use tribunal_primitives::{BatchNumber, ChainId, Tx, batch::MAX_BATCH_TXS, tx::RawRecord};
    let (chain, number) = (ChainId(901), BatchNumber(3));
    let record = |tag: u8| {
        let mut r = [0u8; 124];
        r[0] = tag;
        Tx::Undecodable(RawRecord(r))
    };
    let batch = Batch { chain_id: chain, number, txs: vec![record(0x7f), record(0x03)] };
    let blobs = encode_blobs(&batch.encode()).unwrap();
    assert_eq!(tribunal_da::read_batch(&blobs, &[], chain, number), batch);
    assert_eq!(evidence(&blobs, 0, chain, number), None);
    let records = |b: &[Blob], messages: usize, n: BatchNumber| {
        tribunal_da::read_header(b, messages, chain, n)
    };
    assert_eq!(records(&blobs, MAX_BATCH_TXS - 2, number), Some(2));

    // A top byte anywhere: the header's, a record's, or an element past the records.
    for g in [0usize, 1, 2, 9, 20, 4095] {
        let mut top = blobs.clone();
        top[0].0[32 * g] = 0x42;
        assert_eq!(records(&top, 0, number), None, "top byte of element {g}");
        assert!(tribunal_da::read_batch(&top, &[], chain, number).txs.is_empty());
        assert_eq!(evidence(&top, 0, chain, number), Some(vec![g]));
    }
    // Junk after the last record (elements 2..=9 hold the two records).
    for g in [10usize, 11, 4095] {
        let mut junk = blobs.clone();
        junk[0].0[32 * g + 31] = 9;
        assert_eq!(records(&junk, 0, number), None, "junk in element {g}");
        assert_eq!(evidence(&junk, 0, chain, number), Some(vec![0, 1, g]));
    }
    // Another batch's or chain's header, a count past the blob, too many transactions.
    assert_eq!(records(&blobs, 0, BatchNumber(4)), None);
    assert_eq!(evidence(&blobs, 0, chain, BatchNumber(4)), Some(vec![0, 1]));
    assert_eq!(tribunal_da::read_header(&blobs, 0, ChainId(902), number), None);
    let mut long = blobs.clone();
    long[0].0[32 + 19..32 + 23].copy_from_slice(&5000u32.to_be_bytes());
    assert_eq!(records(&long, 0, number), None);
    assert_eq!(records(&blobs, MAX_BATCH_TXS - 1, number), None);
    assert_eq!(evidence(&blobs, MAX_BATCH_TXS - 1, chain, number), Some(vec![0, 1]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any blob bytes read as some batch, never a panic.
    #[test]
    fn read_batch_never_fails(seed in any::<u64>(), records in 0u32..40, tweak in any::<(u16, u8)>()) {
        use tribunal_primitives::{BatchNumber, ChainId};
        let mut header = vec![3u8];
        header.extend_from_slice(&901u64.to_be_bytes());
        header.extend_from_slice(&1u64.to_be_bytes());
        header.extend_from_slice(&records.to_be_bytes());
        header.resize(31, 0);
        let mut bytes = header;
        let mut x = seed;
        for _ in 0..records as usize * 124 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            bytes.push((x >> 56) as u8);
        }
        let mut blobs = encode_blobs(&bytes).unwrap();
        let (at, value) = tweak;
        blobs[0].0[at as usize % 4096 * 32] = value;
        let batch = tribunal_da::read_batch(&blobs, &[], ChainId(901), BatchNumber(1));
        let evidence = tribunal_da::non_canonical_evidence(&blobs, 0, ChainId(901), BatchNumber(1));
        let header = tribunal_da::read_header(&blobs, 0, ChainId(901), BatchNumber(1));
        prop_assert!(batch.txs.len() == records as usize || batch.txs.is_empty());
        prop_assert_eq!(evidence.is_none(), header.is_some());
    }
}
