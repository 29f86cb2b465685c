//! Restart safety and the wallet, with real processes on anvil from npm: `tribunal devnet
//! --serve` deploys a rollup and is killed (SIGKILL); `tribunal node --config` resumes it and is
//! killed again with a transfer just accepted, and again with a withdrawal just sealed. No
//! accepted transaction is lost, every batch has exactly one claim, every batch becomes final,
//! and the wallet deposits, transfers, withdraws and claims on L1 as a person would: the README's
//! quickstart, step by step (anvil account 1 pays, as the README says).

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Output},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_tribunal");
/// anvil's second dev account: pays the deposits and the claim.
const PAYER: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const RECIPIENT: &str = "0x2222222222222222222222222222222222222222";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A JSON-RPC call over plain HTTP/1.1: no client library of ours in the loop.
fn rpc(port: u16, method: &str, params: Value) -> Result<Value, String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    let json = text.split("\r\n\r\n").nth(1).ok_or("no HTTP body")?;
    let v: Value = serde_json::from_str(json).map_err(|e| format!("{e}: {json}"))?;
    match v.get("error") {
        Some(e) => Err(e.to_string()),
        None => Ok(v["result"].clone()),
    }
}

struct Proc(Child, &'static str);

impl Proc {
    fn spawn(name: &'static str, log: &Path, args: &[&str]) -> Self {
        let out = std::fs::File::create(log).unwrap();
        let child = Command::new(BIN)
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Self(child, name)
    }

    /// SIGKILL: no shutdown path runs.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }

    fn check_alive(&mut self, log: &Path) {
        if let Some(status) = self.0.try_wait().unwrap() {
            panic!("{} exited ({status}):\n{}", self.1, std::fs::read_to_string(log).unwrap());
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for<T>(
    what: &str,
    secs: u64,
    proc: &mut Proc,
    log: &Path,
    mut f: impl FnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        proc.check_alive(log);
        if let Some(t) = f() {
            return t;
        }
        assert!(
            start.elapsed().as_secs() < secs,
            "gave up waiting for {what}; log:\n{}",
            std::fs::read_to_string(log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn tribunal(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("RUST_LOG", "warn").output().unwrap()
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn anvil() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    assert!(p.exists(), "anvil from npm is missing: run `npm install` in crates/contracts");
    p
}

/// The node answers and its head is final on L1.
fn settled(port: u16) -> Option<Value> {
    let info = rpc(port, "tribunal_chainInfo", json!([])).ok()?;
    (info["head"].as_u64()? >= 1 && info["head"] == info["latestFinalBatch"]).then_some(info)
}

#[test]
fn killed_node_resumes_without_losing_or_repeating_anything() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    let (l1_port, rpc_port) = (free_port(), free_port());
    let l1_url = format!("http://127.0.0.1:{l1_port}");
    let rpc_url = format!("http://127.0.0.1:{rpc_port}");
    let mut anvil_proc = Command::new(anvil())
        .args(["--host", "127.0.0.1", "--port", &l1_port.to_string(), "--hardfork", "osaka"])
        .arg("--silent")
        .spawn()
        .unwrap();
    let anvil_guard = scopeguard(move || {
        let _ = anvil_proc.kill();
        let _ = anvil_proc.wait();
    });
    std::thread::sleep(Duration::from_secs(1));

    // 1. The devnet deploys, runs its workload to finality and serves; then it is killed.
    let log = d.join("devnet.log");
    let mut devnet = Proc::spawn(
        "devnet",
        &log,
        &[
            "devnet",
            "--l1-rpc",
            &l1_url,
            "--data-dir",
            data.to_str().unwrap(),
            "--serve",
            "--rpc-addr",
            &format!("127.0.0.1:{rpc_port}"),
            "--users",
            "2",
            "--batches",
            "2",
            "--transfers",
            "2",
            "--zk-slots",
            "4",
        ],
    );
    // The devnet serves from its first batch on: its own report marks the workload's end.
    wait_for("the devnet's workload to be final", 1200, &mut devnet, &log, || {
        let done = std::fs::read_to_string(&log)
            .is_ok_and(|l| l.contains("MultiProofFinality.latestFinalBatch = "));
        settled(rpc_port).filter(|i| done && i["head"].as_u64() >= Some(3))
    });
    devnet.kill();
    let config = data.join("node.toml");
    assert!(config.exists(), "the devnet wrote no node.toml");
    let start_node = |n: usize| {
        let log = d.join(format!("node{n}.log"));
        let mut p = Proc::spawn("node", &log, &["node", "--config", config.to_str().unwrap()]);
        wait_for("the node's RPC", 300, &mut p, &log, || {
            rpc(rpc_port, "tribunal_chainInfo", json!([])).ok()
        });
        (p, log)
    };

    // 2. Resume with `tribunal node`; a person deposits with the wallet.
    let (node, _) = start_node(1);
    let alice = d.join("alice.json");
    let bob = d.join("bob.json");
    for k in [&alice, &bob] {
        assert!(tribunal(&["wallet", "new", "--out", k.to_str().unwrap()]).status.success());
    }
    // The new account's index; with `wait`, once the deposit is sealed on L2.
    let deposit = |key: &Path, amount: &str, wait: bool| {
        let key = key.to_str().unwrap();
        let mut args = vec!["wallet", "deposit", "--rpc", &rpc_url, "--l1-rpc", &l1_url];
        args.extend(["--eth-key", PAYER, "--key", key, "--amount", amount]);
        if wait {
            args.push("--wait");
        }
        ok_json(&tribunal(&args))["account"].as_u64().unwrap()
    };
    let a = deposit(&alice, "1eth", true).to_string();
    let b = deposit(&bob, "0.5eth", true).to_string();

    // 3. A transfer is accepted, and the node is killed at once (before or while sealing).
    let sent = ok_json(&tribunal(&[
        "wallet",
        "transfer",
        "--rpc",
        &rpc_url,
        "--key",
        alice.to_str().unwrap(),
        "--from",
        &a,
        "--to",
        &b,
        "--amount",
        "0.1eth",
    ]));
    let transfer = sent["hash"].as_str().unwrap().to_owned();
    node.kill();
    let (node, _) = start_node(2);
    let status = ok_json(&tribunal(&[
        "wallet", "status", "--rpc", &rpc_url, "--tx", &transfer, "--wait", "final",
    ]));
    assert_eq!(status["status"]["status"], "sealed", "{status}");

    // Offline signing: Bob signs a transfer with no node at hand, and sends it later as it is.
    let signed = tribunal(&[
        "wallet",
        "sign-transfer",
        "--key",
        bob.to_str().unwrap(),
        "--from",
        &b,
        "--to",
        &a,
        "--amount",
        "0.01eth",
        "--nonce",
        "0",
    ]);
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let signed_file = d.join("signed.json");
    std::fs::write(&signed_file, &signed.stdout).unwrap();
    let sent = ok_json(&tribunal(&[
        "wallet",
        "send",
        "--rpc",
        &rpc_url,
        "--signed",
        signed_file.to_str().unwrap(),
        "--wait",
        "sealed",
    ]));
    assert_eq!(sent["status"]["status"], "sealed", "{sent}");
    let raw = ok_json(&signed)["encoded"].as_str().unwrap().to_owned();
    // Sending it again is idempotent: the same transaction, sealed once.
    let again = ok_json(&tribunal(&["wallet", "send", "--rpc", &rpc_url, "--raw", &raw]));
    assert_eq!((&again["hash"], &again["status"]), (&sent["hash"], &sent["status"]), "{again}");

    // 4. A withdrawal is sealed, and the node is killed while it is posted, proposed and proven.
    let sealed = ok_json(&tribunal(&[
        "wallet",
        "withdraw",
        "--rpc",
        &rpc_url,
        "--key",
        alice.to_str().unwrap(),
        "--from",
        &a,
        "--to",
        RECIPIENT,
        "--amount",
        "0.2eth",
        "--wait",
        "sealed",
    ]));
    let withdrawal = sealed["hash"].as_str().unwrap().to_owned();
    node.kill();
    let (mut node, log) = start_node(3);

    // 5. The wallet claims it on L1 once final; a second claim is refused.
    let claimed = ok_json(&tribunal(&[
        "wallet",
        "claim",
        "--rpc",
        &rpc_url,
        "--l1-rpc",
        &l1_url,
        "--eth-key",
        PAYER,
        "--tx",
        &withdrawal,
        "--wait",
    ]));
    assert_eq!(claimed["amount_wei"], "200000000000000000");
    let balance = rpc(l1_port, "eth_getBalance", json!([RECIPIENT, "latest"])).unwrap();
    assert_eq!(balance, "0x2c68af0bb140000", "0.2 ETH paid on L1");
    let again = tribunal(&[
        "wallet",
        "claim",
        "--rpc",
        &rpc_url,
        "--l1-rpc",
        &l1_url,
        "--eth-key",
        PAYER,
        "--tx",
        &withdrawal,
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already claimed"));

    // 6. Balances add up, and every batch has one claim, final.
    let account =
        |i: &str| rpc(rpc_port, "tribunal_getAccount", json!([i.parse::<u32>().unwrap()])).unwrap();
    assert_eq!(account(&b)["balance"], "0x83019dfc17b0000", "bob: 0.5 + 0.1 - 0.01 ETH");
    assert_eq!(account(&a)["balance"], "0x9da6d3cfe870000", "alice: 1 - 0.1 + 0.01 - 0.2 ETH");
    let info = wait_for("every batch final", 600, &mut node, &log, || settled(rpc_port));
    for n in 1..=info["head"].as_u64().unwrap() {
        let batch = rpc(rpc_port, "tribunal_getBatch", json!([n])).unwrap();
        assert_eq!(batch["claims"].as_array().unwrap().len(), 1, "batch {n}: {batch}");
        assert!(batch["finalClaim"].is_u64(), "batch {n}: {batch}");
        assert!(!batch["blobHashes"].as_array().unwrap().is_empty(), "batch {n} posted");
    }
    // Bad input gets typed errors.
    let code = |r: Result<Value, String>| -> i64 {
        serde_json::from_str::<Value>(&r.unwrap_err()).unwrap()["code"].as_i64().unwrap()
    };
    assert_eq!(code(rpc(rpc_port, "tribunal_sendTransaction", json!(["0x1234"]))), -32602);
    assert_eq!(code(rpc(rpc_port, "tribunal_getClaim", json!([999]))), 3);
    assert_eq!(code(rpc(rpc_port, "tribunal_getWithdrawalProof", json!([1, 7]))), 3);
    assert_eq!(code(rpc(rpc_port, "tribunal_getAccount", json!(["x"]))), -32602);
    let claim = rpc(rpc_port, "tribunal_getClaim", json!([0])).unwrap();
    assert!(claim["explanation"].as_str().unwrap().starts_with("final: ZK+TEE at"), "{claim}");
    assert!(info["head"].as_u64().unwrap() > 3);

    // 7. A crash loop: 20 times the node starts, takes a transfer (every fourth time a
    //    withdrawal too, every fifth a new account's deposit on L1) and is killed (SIGKILL) at a
    //    pseudo-random moment, sealing, posting, proposing or proving. Then it runs to the end.
    node.kill();
    let mut accepted = Vec::new();
    let mut deposited = Vec::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..20 {
        let (node, _) = start_node(10 + round);
        let (key, from, to) = if round % 2 == 0 { (&alice, &a, &b) } else { (&bob, &b, &a) };
        let key = key.to_str().unwrap();
        let mut send = |args: &[&str]| {
            let out = tribunal(
                &[&["wallet"], args, &["--rpc", &rpc_url, "--key", key, "--from", from]].concat(),
            );
            accepted.push(ok_json(&out)["hash"].as_str().unwrap().to_owned());
        };
        send(&["transfer", "--to", to, "--amount", "0.001eth"]);
        if round % 4 == 3 {
            send(&["withdraw", "--to", RECIPIENT, "--amount", "0.001eth"]);
        }
        if round % 5 == 2 {
            let key = d.join(format!("depositor{round}.json"));
            assert!(tribunal(&["wallet", "new", "--out", key.to_str().unwrap()]).status.success());
            deposited.push(deposit(&key, "0.01eth", false));
        }
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        std::thread::sleep(Duration::from_millis((seed >> 33) % 4_000));
        node.kill();
    }
    let (mut node, log) = start_node(40);
    let info = wait_for("every batch final after the crash loop", 900, &mut node, &log, || {
        settled(rpc_port).filter(|_| {
            accepted.iter().all(|h| {
                rpc(rpc_port, "tribunal_getTransaction", json!([h]))
                    .is_ok_and(|s| s["status"] == "sealed" && s["final"] == true)
            }) && deposited.iter().all(|i| {
                rpc(rpc_port, "tribunal_getAccount", json!([i]))
                    .is_ok_and(|a| !a["pubkey"].is_null())
            })
        })
    });
    // Every deposit made during the loop is credited once: 0.01 ETH, not twice that.
    assert_eq!(deposited.len(), 4);
    for i in &deposited {
        let account = rpc(rpc_port, "tribunal_getAccount", json!([i])).unwrap();
        assert_eq!(account["balance"], "0x2386f26fc10000", "account {i}: {account}");
    }
    // Every accepted transaction is in a final batch, once; every batch has one claim, final.
    let mut sealed: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for n in 1..=info["head"].as_u64().unwrap() {
        let batch = rpc(rpc_port, "tribunal_getBatch", json!([n])).unwrap();
        assert_eq!(batch["claims"].as_array().unwrap().len(), 1, "batch {n}: {batch}");
        assert!(batch["finalClaim"].is_u64(), "batch {n}: {batch}");
        for tx in batch["txs"].as_array().unwrap() {
            let bytes = hex_bytes(tx.as_str().unwrap());
            *sealed.entry(format!("{}", alloy_primitives::keccak256(bytes))).or_default() += 1;
        }
    }
    for h in &accepted {
        assert_eq!(sealed.get(h), Some(&1), "{h} is sealed {:?} times", sealed.get(h));
    }
    // No L1 transaction was sent twice: per batch one `postBatch` and one proposal (`propose`,
    // or `proposeAndSettle` with both legs), per claim one proof and one attestation, every one
    // of them successful (from the receipts).
    let mut sent: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    let latest = u64::from_str_radix(
        rpc(l1_port, "eth_blockNumber", json!([]))
            .unwrap()
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    // Each call, with what it does once per batch (`postBatch`, a proposal: keyed by the batch
    // number, the first word, or the claim's second) or per claim (keyed by the claim, the first
    // nine words): (kind, first word of the key, words).
    const CLAIM: &str = "(uint64,uint64,bytes32,bytes32,bytes32,bytes32,bytes32,bytes32,bytes32)";
    const BOTH: &[(&str, usize, usize)] = &[("ZK proof", 0, 9), ("TEE attestation", 0, 9)];
    const SETTLE: &[(&str, usize, usize)] =
        &[("proposal", 1, 1), ("ZK proof", 0, 9), ("TEE attestation", 0, 9)];
    let once = [
        ("postBatch(uint64,uint64,bytes32)".to_owned(), &[("post", 0, 1)][..]),
        ("propose(uint64,bytes32,bytes32,bytes32,bytes32)".to_owned(), &[("proposal", 0, 1)][..]),
        (format!("proveZk({CLAIM},bytes)"), &[("ZK proof", 0, 9)][..]),
        (format!("attestTee({CLAIM},bytes)"), &[("TEE attestation", 0, 9)][..]),
        (format!("proveAndAttest({CLAIM},bytes,bytes)"), BOTH),
        (format!("proposeAndSettle({CLAIM},bytes,bytes)"), SETTLE),
    ]
    .map(|(sig, kinds)| {
        let selector = hex_string(&alloy_primitives::keccak256(sig.as_bytes())[..4]);
        (format!("0x{selector}"), kinds)
    });
    for n in 0..=latest {
        let block =
            rpc(l1_port, "eth_getBlockByNumber", json!([format!("0x{n:x}"), true])).unwrap();
        for tx in block["transactions"].as_array().unwrap() {
            let input = tx["input"].as_str().unwrap_or_default();
            let Some((_, kinds)) = once.iter().find(|(sel, _)| input.starts_with(sel.as_str()))
            else {
                continue;
            };
            let receipt = rpc(l1_port, "eth_getTransactionReceipt", json!([tx["hash"]])).unwrap();
            assert_eq!(receipt["status"], "0x1", "a reverted {kinds:?}: {tx}");
            for (kind, at, words) in *kinds {
                let key = input.get(10 + 64 * at..10 + 64 * (at + words)).unwrap_or_default();
                *sent.entry(((*kind).to_owned(), key.to_owned())).or_default() += 1;
            }
        }
    }
    assert!(sent.len() > 20, "the chain's calls were read: {sent:?}");
    for ((kind, arg), count) in &sent {
        assert_eq!(*count, 1, "{kind} sent {count} times for 0x{arg}");
    }
    drop(node);
    drop(anvil_guard);
}

fn hex_bytes(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn bad_node_configs_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("node.toml");
    let base = r#"
l1_rpc = "http://127.0.0.1:1"
data_dir = "d"
l2_chain_id = 901
[contracts]
inbox = "0x0000000000000000000000000000000000000001"
finality = "0x0000000000000000000000000000000000000002"
[keys]
sequencer = "0x0101010101010101010101010101010101010101010101010101010101010101"
proposer = "0x0101010101010101010101010101010101010101010101010101010101010101"
zk = "0x0101010101010101010101010101010101010101010101010101010101010101"
tee = "0x0101010101010101010101010101010101010101010101010101010101010101"
challenger = "0x0101010101010101010101010101010101010101010101010101010101010101"
watcher = "env:TRIBUNAL_TEST_UNSET_KEY"
[rpc]
addr = "127.0.0.1:0"
"#;
    let refused = |text: &str, needle: &str| {
        std::fs::write(&file, text).unwrap();
        let out = tribunal(&["node", "--config", file.to_str().unwrap()]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{needle:?} not in {err}");
    };
    refused(base, "keys.watcher: environment variable TRIBUNAL_TEST_UNSET_KEY is not set");
    refused(&base.replace("l2_chain_id = 901", "l2_chain_id = 0"), "l2_chain_id");
    refused(&base.replace("[rpc]", "colour = 1\n[rpc]"), "is not a node configuration");
    refused(&base.replace("\"0x0101", "\"0x01"), "keys.sequencer");
    refused(
        &base.replace("[rpc]", "[sequencer]\nmax_batch_txs = 64\n[rpc]"),
        "must be between 1 and zk.slots 32",
    );
    let timeout = |t: &str| {
        base.replace("l2_chain_id = 901", &format!("l2_chain_id = 901\nl1_timeout_secs = {t}"))
    };
    refused(&timeout("0"), "l1_timeout_secs must be 1 to 600");
    refused(&timeout("601"), "l1_timeout_secs must be 1 to 600");
}

/// Runs `f` on drop.
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
