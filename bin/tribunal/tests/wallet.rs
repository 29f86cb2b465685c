//! `tribunal wallet` as a person uses it: keys, derivation, signing, and clear errors on bad input.

use std::process::{Command, Output};

fn tribunal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tribunal")).args(args).env("RUST_LOG", "off").output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = tribunal(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str], needle: &str) {
    let out = tribunal(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(needle), "{args:?}: expected {needle:?} in {err}");
}

/// `key` signs a transfer of `amount` from account 0 to account 1, nonce 0, offline.
fn sign_transfer(key: &str, amount: &str) -> String {
    ok(&[
        "wallet",
        "sign-transfer",
        "--key",
        key,
        "--from",
        "0",
        "--to",
        "1",
        "--amount",
        amount,
        "--nonce",
        "0",
    ])
}

const ETH_KEY: &str = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

#[test]
fn derive_show_and_sign() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("alice.json");
    let key = key.to_str().unwrap();
    let printed = ok(&["wallet", "derive", "--eth-key", ETH_KEY, "--chain-id", "901"]);
    ok(&["wallet", "derive", "--eth-key", ETH_KEY, "--chain-id", "901", "--out", key]);
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(key).unwrap()).unwrap();
    let printed: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(
        stored["packed_public_key"], printed["packed_public_key"],
        "derivation is deterministic"
    );
    assert_eq!(
        stored["eth_address"].as_str().unwrap().to_lowercase(),
        "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23"
    );

    let shown: serde_json::Value =
        serde_json::from_str(&ok(&["wallet", "show", "--key", key])).unwrap();
    assert_eq!(shown["private_key"], "(hidden)");
    assert_eq!(shown["packed_public_key"], stored["packed_public_key"]);

    let signed: serde_json::Value = serde_json::from_str(&sign_transfer(key, "0.5eth")).unwrap();
    assert_eq!(signed["amount_wei"], "500000000000000000");
    let encoded = signed["encoded"].as_str().unwrap();
    assert_eq!(encoded.len(), 2 + 2 * tribunal_transfer_bytes());
    ok(&[
        "wallet",
        "sign-withdraw",
        "--key",
        key,
        "--from",
        "0",
        "--to",
        "0x00000000000000000000000000000000000000aa",
        "--amount",
        "1gwei",
        "--nonce",
        "1",
    ]);
    ok(&["wallet", "new", "--chain-id", "901"]);
}

const fn tribunal_transfer_bytes() -> usize {
    97
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.json");
    let key = key.to_str().unwrap();
    ok(&["wallet", "new", "--chain-id", "901", "--out", key]);

    fails(&["wallet", "derive", "--eth-key", "0x1234"], "malformed ethereum private key");
    fails(&["wallet", "derive", "--eth-key", &"ff".repeat(32)], "malformed ethereum private key");
    fails(&["wallet", "derive", "--eth-key", ETH_KEY, "--chain-id", "0"], "chain id 0");
    fails(&["wallet", "new", "--out", key], "create");
    let transfer = |amount: &str, chain: &str| {
        vec![
            "wallet",
            "sign-transfer",
            "--key",
            key,
            "--chain-id",
            chain,
            "--from",
            "0",
            "--to",
            "1",
            "--amount",
            amount,
            "--nonce",
            "0",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    let run = |v: Vec<String>, needle: &str| {
        fails(&v.iter().map(String::as_str).collect::<Vec<_>>(), needle)
    };
    run(transfer("340282366920938463463374607431768211456", "901"), "not below 2^128");
    run(transfer("1000000000000000000000eth", "901"), "not below 2^128");
    run(transfer("a lot", "901"), "malformed amount");
    run(transfer("1", "902"), "wrong chain id");
    std::fs::write(key, "{\"chain_id\": 901}").unwrap();
    run(transfer("1", "901"), "key file");
}

/// Review findings: signing for a key file's own chain needed `--chain-id` again, and `wallet
/// deposit` called the node before reading its local inputs, so a typo in the amount or the ETH
/// key came back as an error naming a URL the user never typed.
#[test]
fn key_files_carry_their_chain_and_local_inputs_are_checked_first() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.json");
    let key = key.to_str().unwrap();
    ok(&["wallet", "new", "--chain-id", "5", "--out", key]);
    let signed = sign_transfer(key, "1gwei");
    let json: serde_json::Value = serde_json::from_str(&signed).unwrap();
    assert_eq!(json["chain_id"], 5, "{signed}");

    // Nothing listens on port 1: each refusal must come before any network call.
    let deposit = |amount: &str, eth_key: &str, key: &str| {
        let args = [
            "wallet",
            "deposit",
            "--rpc",
            "http://127.0.0.1:1",
            "--l1-rpc",
            "http://127.0.0.1:1",
            "--eth-key",
            eth_key,
            "--key",
            key,
            "--amount",
            amount,
        ];
        let out = tribunal(&args);
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = deposit("a lot", ETH_KEY, key);
    assert!(err.contains("malformed amount") && !err.contains("127.0.0.1"), "{err}");
    let err = deposit("1eth", "0x1234", key);
    assert!(
        err.contains("--eth-key") && err.contains("malformed") && !err.contains("127.0.0.1"),
        "{err}"
    );
    let missing = dir.path().join("missing.json");
    let err = deposit("1eth", ETH_KEY, missing.to_str().unwrap());
    assert!(err.contains("key file") && !err.contains("127.0.0.1"), "{err}");
    // With every input good, the failure names the endpoint and the way out.
    let err = deposit("1eth", ETH_KEY, key);
    assert!(err.contains("http://127.0.0.1:1") && err.contains("tribunal devnet --serve"), "{err}");
}

/// `wallet send` takes a transaction signed offline, and refuses what is not one before any
/// network call (nothing listens on port 1).
#[test]
fn send_checks_a_signed_transaction_before_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.json");
    let key = key.to_str().unwrap();
    ok(&["wallet", "new", "--out", key]);
    let signed = sign_transfer(key, "1gwei");
    let file = dir.path().join("signed.json");
    std::fs::write(&file, &signed).unwrap();
    let send = ["wallet", "send", "--rpc", "http://127.0.0.1:1"];
    let file = file.to_str().unwrap();
    fails(&[&send[..], &["--signed", file]].concat(), "http://127.0.0.1:1");
    let raw = |hex: &'static str| [&send[..], &["--raw", hex]].concat();
    fails(&raw("0x1234"), "not a canonically encoded transaction (2 bytes)");
    fails(&raw("zz"), "not hex");
    std::fs::write(file, "{}").unwrap();
    fails(&[&send[..], &["--signed", file]].concat(), "has no \"encoded\" field");
    let out = tribunal(&send);
    assert_eq!(out.status.code(), Some(2), "--raw or --signed is required");
}
