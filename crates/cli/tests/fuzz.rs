//! Every decoder of outside bytes, fuzzed: transactions, batches and the blobs that carry them,
//! Groth16 proofs and keys, TEE quotes,
//! collateral and attestations, the node's TOML configuration, the wallet's arguments, and raw
//! JSON-RPC requests to a live node. Each input gets a value or a typed error, never a panic,
//! and no refused input is stored. Random inputs are mixed with mutations of valid ones, which
//! reach past the first length check.
//!
//! Each property runs a short budget here ([`CI_CASES`] times its weight) and a long one in the
//! `--ignored` soak (`cargo test -p tribunal-cli --test fuzz -- --ignored`).

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use alloy_primitives::{Address, U256};
use proptest::{
    prelude::*,
    test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
};
use tribunal_aggregation::{
    groth16::{Circuit, proof_from_words, vk_from_words},
    vector::TestVector,
};
use tribunal_cli::{
    node::{EXAMPLE_CONFIG, NodeFile},
    wallet::{parse_amount, parse_key, parse_recipient},
};
use tribunal_primitives::{
    Wei,
    batch::{decode_tx_exact, encode_tx},
    test_utils::arb_tx,
};
use tribunal_tee::{
    Attestation, AttestationPolicy, DcapAttestation, DcapError, DcapPolicy,
    dcap::collateral_valid_until, verify_attestation,
};

/// Cases of a property of weight 1 in the short budget.
const CI_CASES: u32 = 256;
/// The soak's multiple of the short budget.
const SOAK: u32 = 100;

/// Runs `test` over `cases` values of `strategy`; a failure is shrunk and reported. The short
/// budget runs the same cases every time (a fixed seed), the soak new ones.
fn fuzz<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = if cases <= CI_CASES * 32 {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    } else {
        TestRunner::new(config)
    };
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

/// A short test and its `--ignored` soak, for the property `$body(cases)`.
macro_rules! fuzz_tests {
    ($($(#[$doc:meta])* $name:ident, $soak:ident, $weight:expr => $body:path;)*) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            $body(CI_CASES * $weight);
        }

        #[test]
        #[ignore = "soak: a long fuzzing budget"]
        fn $soak() {
            $body(CI_CASES * $weight * SOAK);
        }
    )*};
}

fuzz_tests! {
    /// Transactions: any bytes decode to a transaction or a typed error, and a decoded one
    /// has exactly one encoding (the bytes it came from), so its hash is not malleable.
    transaction_bytes_decode_canonically_or_not_at_all, transaction_bytes_soak, 32 => transactions;
    /// Batches and their blobs: batch bytes decode to the one batch they encode or a typed
    /// error; blob field elements of any value (top byte set, header and records mutated) read
    /// as a typed error, a batch, and either its record count or evidence that they are not in
    /// canonical form, never both.
    batch_and_blob_bytes_give_a_batch_or_a_typed_error, batch_and_blob_soak, 2 => batches_and_blobs;
    /// Groth16 proofs and keys in contract words: a typed error or a checked point, and a
    /// mutated valid proof never verifies.
    groth16_words_are_checked_and_mutations_never_verify, groth16_words_soak, 2 => groth16;
    /// DCAP quotes and their collateral (`tribunal tee verify`): mutations of dcap-qvl's real
    /// samples are refused with a `DcapError`, or attest exactly what the sample attests.
    tee_quotes_and_collateral_are_refused_with_typed_errors, tee_quotes_soak, 1 => tee_quotes;
    /// Attestation files (`tribunal tee verify --attestation`): any JSON is refused or verified.
    attestation_json_never_panics, attestation_json_soak, 8 => attestation_json;
    /// The node's TOML: mutations of the example load or give a `ConfigError`.
    node_config_mutations_give_config_errors, node_config_soak, 4 => node_config;
    /// The wallet's amounts, recipients and keys: parsed exactly or refused.
    wallet_arguments_parse_exactly_or_are_refused, wallet_arguments_soak, 16 => wallet_arguments;
    /// Raw JSON-RPC requests to a live node: each is answered, nothing is stored, and the node
    /// still serves afterwards.
    rpc_requests_are_answered_and_store_nothing, rpc_requests_soak, 4 => rpc_requests;
}

/// One byte string: random, or a valid encoding with a few bytes changed, cut or extended.
fn mutated(valid: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        (valid, edits, 0usize..3, any::<prop::sample::Index>()).prop_map(
            |(mut bytes, edits, how, at)| {
                if !bytes.is_empty() {
                    for (i, b) in edits {
                        let i = i.index(bytes.len());
                        bytes[i] ^= b.max(1);
                    }
                    match how {
                        0 => bytes.truncate(at.index(bytes.len())),
                        1 => bytes.push(at.index(256) as u8),
                        _ => {}
                    }
                }
                bytes
            }
        ),
    ]
}

fn transactions(cases: u32) {
    let valid = arb_tx().prop_map(|tx| {
        let mut bytes = Vec::new();
        encode_tx(&tx, &mut bytes);
        bytes
    });
    fuzz(cases, mutated(valid), |bytes| {
        if let Ok(tx) = decode_tx_exact(&bytes) {
            let mut again = Vec::new();
            encode_tx(&tx, &mut again);
            prop_assert_eq!(again, bytes, "one transaction, two encodings");
        }
        Ok(())
    });
}

fn batches_and_blobs(cases: u32) {
    use tribunal_da::{
        decode_batch, decode_blobs, encode_blobs, non_canonical_evidence, read_batch, read_header,
    };
    use tribunal_primitives::{Batch, BatchNumber, ChainId, test_utils::arb_batch};
    let valid = arb_batch().prop_map(|b| b.encode());
    // Mostly in the header and the first records, where the reader looks; anywhere too.
    let at = prop_oneof![3 => 0usize..32 * 48, 1 => 0usize..4096 * 32];
    let element_edits = prop::collection::vec((at, any::<u8>()), 0..4);
    fuzz(cases, (mutated(valid), element_edits), |(bytes, edits)| {
        let chain = ChainId(901);
        if let Ok(batch) = Batch::decode(&bytes, &[]) {
            prop_assert_eq!(batch.encode(), bytes.clone(), "one batch, two encodings");
        }
        let Ok(mut blobs) = encode_blobs(&bytes) else { return Ok(()) };
        for (at, value) in edits {
            blobs[0].0[at] = value;
        }
        let payload = decode_blobs(&blobs);
        let decoded = decode_batch(&blobs, &[]);
        prop_assert!(payload.is_ok() || decoded.is_err());
        for number in [BatchNumber(1), BatchNumber(u64::MAX)] {
            let header = read_header(&blobs, 0, chain, number);
            let evidence = non_canonical_evidence(&blobs, 0, chain, number);
            prop_assert_eq!(header.is_some(), evidence.is_none());
            let read = read_batch(&blobs, &[], chain, number);
            prop_assert_eq!(read.txs.len(), header.unwrap_or(0));
        }
        Ok(())
    });
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn groth16(cases: u32) {
    let vectors = TestVector::read_dir(&workspace().join("testing/fixtures/groth16")).unwrap();
    let valid: Vec<TestVector> = vectors.into_iter().filter(|v| v.valid).collect();
    assert!(valid.len() >= 4, "the third-party vectors are vendored");
    let circuits: Vec<Circuit> =
        valid.iter().map(|v| Circuit::new(v.vk.clone()).unwrap()).collect();
    let word = prop_oneof![
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
        (0u64..4).prop_map(U256::from),
        Just(U256::MAX),
    ];
    let strategy = (
        any::<prop::sample::Index>(),
        prop::collection::vec((0usize..8, word.clone()), 1..3),
        prop::collection::vec(word, 0..24),
    );
    fuzz(cases, strategy, |(which, edits, words)| {
        let i = which.index(valid.len());
        let (v, circuit) = (&valid[i], &circuits[i]);
        // A valid proof with some of its eight words replaced.
        let mut proof = v.proof.clone();
        for (at, w) in edits {
            match at {
                0 | 1 => proof.a[at] = w,
                2..=5 => proof.b[at - 2] = w,
                _ => proof.c[at - 6] = w,
            }
        }
        let changed = (proof.a, proof.b, proof.c) != (v.proof.a, v.proof.b, v.proof.c);
        let verified = circuit.verify(&proof, &v.inputs) == Ok(true);
        prop_assert!(!(changed && verified), "a changed proof verified");
        // Words as a proof and as a key: a checked value or a typed error.
        let at = |k: usize| words.get(k).copied().unwrap_or_default();
        let _ = proof_from_words(&tribunal_aggregation::groth16::Proof {
            a: [at(0), at(1)],
            b: [at(2), at(3), at(4), at(5)],
            c: [at(6), at(7)],
        });
        let mut vk = v.vk.clone();
        vk.ic = words.clone();
        if let Ok(c) = Circuit::new(vk.clone()) {
            let _ = c.verify(&v.proof, &v.inputs);
        }
        let _ = vk_from_words(&vk);
        Ok(())
    });
}

fn dcap_sample(name: &str) -> DcapAttestation {
    let dir = workspace().join("crates/tee/tests/dcap");
    let quote = std::fs::read(dir.join(name)).unwrap();
    let collateral = serde_json::from_slice(
        &std::fs::read(dir.join(format!("{name}_collateral.json"))).unwrap(),
    )
    .unwrap();
    DcapAttestation { signer: Address::repeat_byte(0x11), l2_chain_id: 901, quote, collateral }
}

fn tee_quotes(cases: u32) {
    let samples: Vec<DcapAttestation> =
        ["sgx_quote", "tdx_quote"].into_iter().map(dcap_sample).collect();
    let policy = DcapPolicy::default()
        .allow(dcap_qvl::TcbStatus::ConfigurationAndSWHardeningNeeded)
        .allow(dcap_qvl::TcbStatus::OutOfDate);
    let now = |a: &DcapAttestation| collateral_valid_until(&a.collateral).unwrap() - 3600;
    // What each sample attests: its report data, which is not a Tribunal signer's.
    let attested: Vec<String> = samples
        .iter()
        .map(|a| match a.verify(&policy, now(a)) {
            Err(DcapError::ReportDataMismatch { found, .. }) => found,
            other => panic!("the samples verify up to the binding: {other:?}"),
        })
        .collect();
    let strategy = (
        any::<prop::sample::Index>(),
        any::<bool>(),
        prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        (any::<bool>(), any::<prop::sample::Index>()),
    );
    fuzz(cases, strategy, |(which, in_collateral, edits, (cut, at))| {
        let i = which.index(samples.len());
        let mut a = samples[i].clone();
        if in_collateral {
            // The collateral as a PCCS serves it, as JSON text, with bytes changed.
            let mut text = serde_json::to_vec(&a.collateral).unwrap();
            for (at, x) in edits {
                let at = at.index(text.len());
                text[at] ^= x;
            }
            match serde_json::from_slice(&text) {
                Ok(c) => a.collateral = c,
                Err(_) => return Ok(()),
            }
        } else {
            for (at, x) in edits {
                let at = at.index(a.quote.len());
                a.quote[at] ^= x;
            }
            if cut {
                a.quote.truncate(at.index(a.quote.len()));
            }
        }
        let _ = a.report();
        match a.verify(&policy, now(&samples[i])) {
            Ok(signer) => prop_assert!(false, "a mutated sample attests {signer:?}"),
            // Unchanged where it counts: the same report data as the sample.
            Err(DcapError::ReportDataMismatch { found, .. }) => {
                prop_assert_eq!(&found, &attested[i])
            }
            Err(_) => {}
        }
        Ok(())
    });
}

/// Random JSON: scalars of every kind, and arrays and objects of them, a few levels deep.
fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-z_0-9x]{0,12}".prop_map(Value::from),
        prop::collection::vec(any::<u8>(), 0..70)
            .prop_map(|b| Value::from(format!("0x{}", hex::encode(b)))),
        prop::sample::select(vec!["dev", "dcap", "kind", "0x", "", "901"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "kind",
                    "signer",
                    "l2_chain_id",
                    "report_data",
                    "measurement",
                    "quote",
                    "collateral",
                    "mr_enclave",
                    "x",
                ])
                .prop_map(str::to_owned),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn attestation_json(cases: u32) {
    let policy = AttestationPolicy { allow_insecure_dev: true, ..AttestationPolicy::default() };
    fuzz(cases, arb_json(), |json| {
        if let Ok(a) = serde_json::from_value::<Attestation>(json) {
            let _ = verify_attestation(&a, 901, &policy, 1_800_000_000);
        }
        Ok(())
    });
}

fn node_config(cases: u32) {
    let lines: Vec<&str> = EXAMPLE_CONFIG.lines().collect();
    let values = prop::sample::select(vec![
        "0",
        "-1",
        "18446744073709551616",
        "\"\"",
        "\"0x\"",
        "[]",
        "{}",
        "true",
        "1e99",
        "\"env:\"",
        "\"127.0.0.1:0\"",
        "\"localhost\"",
        "4294967296",
        "65",
        "3600001",
        "nan",
    ]);
    let edit = (any::<prop::sample::Index>(), 0usize..4, values);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.toml");
    fuzz(cases, prop::collection::vec(edit, 1..4), |edits| {
        let mut text: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        for (at, how, value) in edits {
            let i = at.index(text.len());
            match how {
                // A setting's value replaced.
                0 => {
                    if let Some((key, _)) = text[i].split_once('=') {
                        text[i] = format!("{key}= {value}");
                    }
                }
                // A line removed, or doubled (a duplicate key or table).
                1 => {
                    text.remove(i);
                }
                2 => text.insert(i, text[i].clone()),
                // A comment opened into a setting.
                _ => text[i] = text[i].trim_start_matches("# ").to_owned(),
            }
            if text.is_empty() {
                break;
            }
        }
        std::fs::write(&path, text.join("\n")).unwrap();
        // Keys come from the environment, which this test does not set: loading stops with a
        // typed error at the latest there.
        let _ = NodeFile::load(&path);
        Ok(())
    });
}

fn wallet_arguments(cases: u32) {
    let text = prop_oneof![
        ".{0,40}",
        "[0-9]{0,40}(\\.[0-9]{0,20})?( ?(eth|ether|gwei|wei|ETH))?",
        "(0x|0X)?[0-9a-fA-F]{0,66}",
    ];
    fuzz(cases, (text, any::<u128>(), any::<bool>()), |(s, wei, zero)| {
        let _ = parse_recipient(&s);
        let _ = parse_key(&s);
        if let Ok(Wei(w)) = parse_amount(&s, zero) {
            prop_assert!(zero || w > 0);
        }
        // Exact: what is written is what is parsed, in every unit.
        prop_assert_eq!(parse_amount(&wei.to_string(), true).unwrap(), Wei(wei));
        let gwei = format!("{}.{:09}gwei", wei / 1_000_000_000, wei % 1_000_000_000);
        prop_assert_eq!(parse_amount(&gwei, true).unwrap(), Wei(wei));
        let eth = format!("{}.{:018}eth", wei / 10u128.pow(18), wei % 10u128.pow(18));
        prop_assert_eq!(parse_amount(&eth, true).unwrap(), Wei(wei));
        Ok(())
    });
}

/// A JSON-RPC request over plain HTTP/1.1; the status line and body of the answer.
fn post(port: u16, body: &[u8]) -> std::io::Result<(String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Ok((head.lines().next().unwrap_or_default().to_owned(), body.to_owned()))
}

fn rpc_requests(cases: u32) {
    use tribunal_node::{Store, rpc::RpcApi, sequencer::Sequencer};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let l1 = Arc::new(tribunal_l1::DevL1::new());
    // One funded account, so that refusals reach past "unknown account" to the signature, nonce
    // and balance checks.
    let chain = tribunal_primitives::ChainId(901);
    let alice = tribunal_primitives::PrivateKey::from_bytes([0xa1; 32]);
    let funded = tribunal_stf::Account {
        pubkey: alice.public_key(),
        balance: Wei(10u128.pow(18)),
        nonce: 0,
    };
    let genesis = tribunal_stf::State::from_accounts(
        tribunal_stf::StfConfig::new(chain),
        tribunal_primitives::BatchNumber(0),
        [(tribunal_primitives::AccountIndex(0), funded)],
    )
    .unwrap();
    let store =
        Arc::new(Store::create_with_genesis(&dir.path().join("node.redb"), &genesis).unwrap());
    let sequencer = Arc::new(
        Sequencer::new(l1.clone(), Address::ZERO, store.clone(), Default::default()).unwrap(),
    );
    let api = RpcApi::new(
        l1,
        store.clone(),
        Some(sequencer),
        Address::ZERO,
        Address::ZERO,
        Address::ZERO,
    );
    let (addr, server) = rt.block_on(api.serve("127.0.0.1:0".parse().unwrap())).unwrap();
    let methods = prop::sample::select(vec![
        "tribunal_chainInfo",
        "tribunal_sendTransaction",
        "tribunal_getTransaction",
        "tribunal_getAccount",
        "tribunal_getBatch",
        "tribunal_getBlobs",
        "tribunal_getClaim",
        "tribunal_getGame",
        "tribunal_getWithdrawalProof",
        "tribunal_getSafety",
        "eth_chainId",
        "",
    ]);
    // Alice's transfers, signed, then mostly mutated: only an intact one may be accepted.
    let signed = (any::<u128>(), 0u64..3).prop_map(move |(amount, nonce)| {
        let body = tribunal_primitives::Transfer {
            from: tribunal_primitives::AccountIndex(0),
            to: tribunal_primitives::AccountIndex(0),
            amount: Wei(amount % 10u128.pow(18)),
            nonce,
        };
        let tx = tribunal_primitives::Tx::Transfer(tribunal_primitives::Signed::sign(
            body, chain, &alice,
        ));
        let mut bytes = Vec::new();
        encode_tx(&tx, &mut bytes);
        bytes
    });
    let send = mutated(signed).prop_map(|bytes| {
        let params = [format!("0x{}", hex::encode(bytes))];
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tribunal_sendTransaction", "params": params})
            .to_string()
            .into_bytes()
    });
    let request = prop_oneof![
        send,
        prop::collection::vec(any::<u8>(), 0..200),
        (methods, arb_json(), any::<bool>()).prop_map(|(method, params, batch)| {
            let call =
                serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
            let v = if batch { serde_json::json!([call, call]) } else { call };
            v.to_string().into_bytes()
        }),
    ];
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    fuzz(cases, request, |body| {
        let (status, answer) = post(addr.port(), &body).expect("the node answers");
        prop_assert!(status.starts_with("HTTP/1.1 "), "{status}");
        if status.contains(" 200 ") {
            prop_assert!(answer.contains("\"error\"") || answer.contains("\"result\""), "{answer}");
        }
        // A 32-byte hash as the result: a transaction was accepted.
        if answer.contains("\"result\":\"0x") {
            accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    // What was refused is not stored; what was accepted is, once (a resent one is known).
    let stored = store.mempool_len().unwrap();
    assert!(stored <= accepted.into_inner(), "{stored} stored: only accepted ones are");
    let (_, answer) = post(
        addr.port(),
        br#"{"jsonrpc":"2.0","id":7,"method":"tribunal_getTransaction","params":["0x0000000000000000000000000000000000000000000000000000000000000000"]}"#,
    )
    .unwrap();
    assert!(answer.contains("\"result\":null"), "still serving: {answer}");
    server.stop().unwrap();
}
