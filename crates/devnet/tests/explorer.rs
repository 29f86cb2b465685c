//! The finality explorer on a real devnet: a small rollup (4-slot circuit at depth 32) is served
//! from its first batch on, and one headless Chromium tab (Debian's `chromium`), opened before
//! anything is final and never reloaded, watches the overview update itself until a batch shows
//! final on the instant path. Then every page is read over HTTP and rendered in Chromium,
//! asserting on what a person sees, and screenshots are saved.
//!
//! Without a browser (`chromium` not on the machine) the HTTP half still runs and the browser half
//! is skipped with a note, unless `TRIBUNAL_REQUIRE_BROWSER` is set (`.ci/run` sets it after
//! installing Chromium).

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tribunal_devnet::{
    DevnetConfig, deploy_rollup,
    run::{Plan, drive, start},
    silent,
};
use tribunal_l1::DevL1;
use tribunal_node::explorer;

/// `GET path` over HTTP/1.1: (status code, body).
async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("TRIBUNAL_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    path.exists().then_some(path)
}

/// Headless Chromium's flags (as root, on a closed network: from the machine's notes).
const FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// Runs headless Chromium with `args`, killed after 60 s; returns its stdout.
async fn browser(bin: &PathBuf, profile: &Path, args: &[String]) -> String {
    let mut c = tokio::process::Command::new(bin);
    c.kill_on_drop(true)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args);
    let out = tokio::time::timeout(Duration::from_secs(60), c.output())
        .await
        .expect("chromium within 60 s")
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One Chromium tab kept open and driven over the Chrome DevTools Protocol on
/// `--remote-debugging-pipe`: JSON messages, each ended by a NUL byte, read by the browser on fd 3
/// and written on fd 4 (a shell moves the pipes there). Every call gives up after 30 s.
struct Tab {
    child: Child,
    _profile: tempfile::TempDir,
    to: ChildStdin,
    from: mpsc::Receiver<Value>,
    session: Option<String>,
    next: u64,
}

impl Tab {
    fn open(bin: &Path, url: &str) -> Result<Self, String> {
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 </dev/null >/dev/null")
            .arg(bin)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(["--remote-debugging-pipe", url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromium: {e}"))?;
        let (to, out) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
        // Messages are read on a thread of their own, so that a silent browser is a timeout.
        let (tx, from) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(out);
            loop {
                let mut buf = Vec::new();
                match out.read_until(0, &mut buf) {
                    Ok(n) if n > 0 && buf.pop() == Some(0) => {}
                    _ => return,
                }
                let Ok(msg) = serde_json::from_slice(&buf) else { return };
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        let mut tab = Self { child, _profile: profile, to, from, session: None, next: 0 };
        let start = Instant::now();
        let target = loop {
            let targets = tab.call("Target.getTargets", json!({}))?;
            let page = targets["targetInfos"].as_array().and_then(|ts| {
                ts.iter().find(|t| t["type"] == "page").and_then(|t| t["targetId"].as_str())
            });
            if let Some(id) = page {
                break id.to_owned();
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err("chromium opened no page".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let attached =
            tab.call("Target.attachToTarget", json!({ "targetId": target, "flatten": true }))?;
        tab.session = Some(attached["sessionId"].as_str().ok_or("no session")?.to_owned());
        Ok(tab)
    }

    /// Sends `method` (to the tab once attached) and returns its result, skipping events.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next += 1;
        let mut msg = json!({ "id": self.next, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).and_then(|()| self.to.flush()).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = self.from.recv_timeout(left).map_err(|e| format!("{method}: {e}"))?;
            if reply["id"] == self.next {
                return match reply.get("error") {
                    Some(e) => Err(format!("{method}: {e}")),
                    None => Ok(reply["result"].clone()),
                };
            }
        }
    }

    /// Evaluates `js` in the page and returns its value.
    fn eval(&mut self, js: &str) -> Result<Value, String> {
        let r =
            self.call("Runtime.evaluate", json!({ "expression": js, "returnByValue": true }))?;
        Ok(r["result"]["value"].clone())
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the watching tab saw: the latest final batch at first, and the status cell it saw final
/// on the instant path, with the page never reloaded in between, and its live-update mark.
#[derive(Debug)]
struct Watched {
    first_final: String,
    seen: String,
    live: String,
}

/// Opens the overview at `url` in one tab, reports on `loaded` once it shows, and watches it,
/// without reloading, until a batch shows final on the instant path; gives up 120 s after
/// `run_done` is set. Returns what it saw and the tab, still open.
fn watch_overview(
    bin: &Path,
    url: &str,
    loaded: mpsc::Sender<()>,
    run_done: &AtomicBool,
) -> Result<(Watched, Tab), String> {
    let mut tab = Tab::open(bin, url)?;
    let start = Instant::now();
    let first_final = loop {
        // The probe is a property of this document: a reload would drop it. An error while the
        // first navigation runs means "not yet".
        let v = tab.eval(
            "document.readyState === 'complete' && document.getElementById('final') \
             ? (window.tribunalProbe = 'kept', document.getElementById('final').textContent) : null",
        );
        if let Ok(Value::String(v)) = v {
            break v;
        }
        if start.elapsed() > Duration::from_secs(60) {
            return Err(format!("the overview never loaded: {v:?}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = loaded.send(());
    let mut done_at = None;
    loop {
        let v = tab.eval(
            "[window.tribunalProbe, [...document.querySelectorAll('td.status')]\
             .map(e => e.innerText).find(t => t.includes('final') && t.includes('ZK+TEE')) || '',\
             document.getElementById('live').textContent]",
        )?;
        if v[0] != "kept" {
            return Err(format!("the page was reloaded: {v}"));
        }
        let seen = v[1].as_str().unwrap_or_default();
        if !seen.is_empty() {
            let live = v[2].as_str().unwrap_or_default().to_owned();
            return Ok((Watched { first_final, seen: seen.to_owned(), live }, tab));
        }
        if run_done.load(Ordering::Relaxed) {
            let at = *done_at.get_or_insert_with(Instant::now);
            if at.elapsed() > Duration::from_secs(120) {
                let text = tab.eval("document.body.innerText");
                return Err(format!("no batch final on the instant path; the page shows {text:?}"));
            }
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn the_explorer_shows_a_devnet_final_on_the_instant_path_in_a_real_browser() {
    tribunal_l1::block_on_blob_threads(async {
        let l1 = Arc::new(DevL1::new());
        let config = DevnetConfig { users: 2, ..DevnetConfig::embedded(2, 2, 4) };
        let observe = silent();
        let r = deploy_rollup(&l1, &config, &observe).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let node = start(l1.clone(), &r, &config, Plan::DEVNET, dir.path().to_owned()).unwrap();
        // Served before the first batch, as `tribunal devnet --serve` does.
        let api = node.api(l1.clone());
        let (addr, explorer) =
            explorer::serve(Arc::new(api), "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let bin = chromium();
        if bin.is_none() {
            assert!(
                std::env::var_os("TRIBUNAL_REQUIRE_BROWSER").is_none(),
                "TRIBUNAL_REQUIRE_BROWSER is set but chromium is not installed"
            );
            eprintln!("skipped the browser half: no chromium (apt-get install chromium)");
        }
        // One tab, opened now and never reloaded, watches the run finalize: the run starts once
        // the tab shows the overview.
        let (watched_tx, watched) = tokio::sync::oneshot::channel();
        let run_done = Arc::new(AtomicBool::new(false));
        if let Some(bin) = bin.clone() {
            let url = format!("http://{addr}/");
            let (loaded_tx, loaded) = mpsc::channel();
            let done = run_done.clone();
            std::thread::spawn(move || {
                let _ = watched_tx.send(watch_overview(&bin, &url, loaded_tx, &done));
            });
            tokio::task::spawn_blocking(move || loaded.recv_timeout(Duration::from_secs(120)))
                .await
                .unwrap()
                .expect("the tab shows the overview within 2 min");
        }
        let driven = drive(l1.clone(), &r, &config, Plan::DEVNET, node, &observe).await;
        run_done.store(true, Ordering::Relaxed);
        let (outcome, node) = driven.unwrap();
        let batches = outcome.batches.len() as u64;
        assert!(batches >= 3, "a deposit batch and two of transfers");
        let mut tab = None;
        if bin.is_some() {
            let (w, t) = tokio::time::timeout(Duration::from_secs(240), watched)
                .await
                .expect("the watching tab reports within 4 min of the run's end")
                .unwrap()
                .unwrap();
            tab = Some(t);
            assert_eq!(w.first_final, "0", "the tab was opened before anything was final");
            assert!(w.seen.starts_with("final") && w.seen.contains("ZK+TEE"), "{w:?}");
            assert!(w.live.starts_with("updated "), "the page says when it last updated: {w:?}");
            eprintln!("the open tab updated itself to: {}", w.seen);
        }

        // Over HTTP: every page, and bad input as 400 and 404 pages. The gas of the node's own
        // transactions is recorded from their receipts at the L1 follower's next poll, so the
        // last batch's may show a moment after it is final (it has one transaction when posted
        // with its settlement).
        let gas_bars = |home: &str| {
            let svg = home.split("id=\"chart-gas\"").nth(1).unwrap_or_default();
            svg.split("</svg>").next().unwrap_or_default().matches("<rect").count() as u64
        };
        let (mut code, mut home) = get(addr, "/").await;
        for _ in 0..20 {
            if gas_bars(&home) >= batches {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            (code, home) = get(addr, "/").await;
        }
        assert_eq!(code, 200);
        assert!(home.contains(&format!("id=\"final\">{batches}<")), "latest final batch shown");
        assert!(home.contains("ZK+TEE"), "the instant path is named");
        assert!(home.contains("id=\"live\"") && home.contains("fetch(location.href"), "live");
        assert!(home.contains("<noscript><meta http-equiv=\"refresh\""), "reloads without JS");
        assert!(home.contains("final via ZK+TEE"), "each claim's path: {home}");
        // The charts: a bar per final batch, and the gas this node paid per batch.
        for chart in ["chart-ttf", "chart-gas"] {
            let svg = home.split(&format!("id=\"{chart}\"")).nth(1).expect(chart);
            let svg = svg.split("</svg>").next().unwrap();
            let bars = svg.matches("<rect").count() as u64;
            assert!(bars >= batches, "{chart}: {bars} bars for {batches} final batches");
        }
        let (code, b1) = get(addr, "/batch/1").await;
        assert_eq!(code, 200);
        assert!(b1.contains("deposit (L1)") && b1.contains("0x01"), "transactions and blobs");
        // The last batch's unpayable forced transfer: skipped, and why.
        let (code, last) = get(addr, &format!("/batch/{batches}")).await;
        assert_eq!(code, 200);
        assert!(last.contains("badge skipped") && last.contains("forced transfer"), "{last}");
        let (code, c0) = get(addr, "/claim/0").await;
        assert_eq!(code, 200);
        assert!(c0.contains("badge final") && c0.contains("ZK leg"));
        // Each leg: the proof accepted, the enclave signer's kind and measurement, no game.
        assert!(c0.contains("proof accepted") && c0.contains("dev key: INSECURE"), "{c0}");
        assert!(c0.contains("id=\"measurement\">0x") && c0.contains("No game"), "{c0}");
        // Its L1 transactions, with the gas of those the node sent.
        let txs = c0.split("<h2>L1 transactions</h2>").nth(1).expect("a transactions table");
        assert!(txs.contains("<td>propose</td>") && txs.contains("<td>zk</td>"), "{txs}");
        assert!(!txs.contains("<td>–</td></tr>"), "the node sent all of them, gas known: {txs}");
        let (_, b1) = get(addr, "/batch/1").await;
        assert!(b1.contains("id=\"blob-use\"") && b1.contains("<td>post</td>"), "{b1}");
        // Batch 2's withdrawal: a link from the batch page to the exact claimWithdrawal call.
        let (_, b2) = get(addr, "/batch/2").await;
        let link = b2.split("href=\"/withdrawal/2/").nth(1).expect("a withdrawal link on batch 2");
        let index: u64 = link.split('"').next().unwrap().parse().unwrap();
        // The same link from its sender's account page.
        let tx = b2.split(&format!("<tr><td>{index}</td>")).nth(1).unwrap();
        let sender = tx.split("href=\"/account/").nth(1).unwrap().split('"').next().unwrap();
        let (_, account) = get(addr, &format!("/account/{sender}")).await;
        let list = account.split("id=\"withdrawals\"").nth(1).expect("a withdrawals table");
        assert!(list.contains(&format!("href=\"/withdrawal/2/{index}\"")), "{account}");
        let (code, w) = get(addr, &format!("/withdrawal/2/{index}")).await;
        assert_eq!(code, 200, "{w}");
        assert!(w.contains("ready to claim") && w.contains("claimWithdrawal(uint64,uint64"), "{w}");
        // The page's calldata pays the withdrawal on L1, as written.
        let hex = w.split("id=\"calldata\">0x").nth(1).unwrap().split('<').next().unwrap();
        let calldata = alloy_primitives::hex::decode(hex).unwrap();
        let (inbox, _, _) = node.contracts();
        let tx = tribunal_l1::L1Tx::call(inbox, calldata);
        tribunal_l1::L1::send(&*l1, &r.signers[9], tx).await.unwrap();
        let (_, w) = get(addr, &format!("/withdrawal/2/{index}")).await;
        assert!(w.contains("badge final\">paid<"), "{w}");
        for (path, want) in [
            (format!("/withdrawal/2/{}", index + 100), 404),
            ("/withdrawal/x/1".to_string(), 400),
            ("/withdrawal/2".to_string(), 404),
        ] {
            assert_eq!(get(addr, &path).await.0, want, "{path}");
        }

        // The council registered the dev enclave (two TEE actions, at once); Stage 2 defaults.
        // A ZK upgrade it queues waits out the timelock, with its countdown shown.
        let upgrade = tribunal_contracts::MultiProofFinality::setZkVerifierCall {
            _verifier: alloy_primitives::Address::repeat_byte(0xba),
        };
        let data = alloy_sol_types::SolCall::abi_encode(&upgrade);
        let (action, _) = r.council_submit(&*l1, 6, r.d.finality, data).await.unwrap();
        let (code, council) = get(addr, "/council").await;
        let row = council.split(&format!("<tr><td>{action}</td>")).nth(1).expect("the action");
        let row = row.split("</tr>").next().unwrap();
        assert!(row.contains("<td>zk</td><td") && row.contains("<td>queued</td>"), "{row}");
        assert!(row.contains("<td>in ") && row.contains(" days</td>"), "a countdown: {row}");
        assert_eq!(code, 200);
        assert!(council.contains("id=\"stage\">Stage 2<"), "{council}");
        assert!(council.contains("<td>tee</td>") && council.contains("<td>executed</td>"));
        assert!(council.contains("6 of 8") && council.contains("live</span>"));
        let (code, a0) = get(addr, "/account/0").await;
        assert_eq!(code, 200);
        assert!(a0.contains("id=\"balance\""));
        for (path, want) in [
            ("/batch/999", 404),
            ("/batch/abc", 400),
            ("/batch/-1", 400),
            ("/claim/99999", 404),
            ("/claim/1e9", 400),
            ("/account/4294967296", 400),
            ("/account?index=x", 400),
            ("/account", 400),
            ("/batch/%FF", 400),
            ("/account?index=1&index=2", 400),
            ("/nowhere", 404),
        ] {
            let (code, body) = get(addr, path).await;
            assert_eq!(code, want, "{path}: {body}");
            assert!(body.contains("class=\"error\""), "{path}: an error page");
        }
        let (code, _) = get(addr, "/account?index=1").await;
        assert_eq!(code, 303, "the lookup form redirects to the account page");

        // In Chromium: the rendered DOM, and a screenshot of each page.
        match bin {
            None => {}
            Some(bin) => {
                let profile = tempfile::tempdir().unwrap();
                let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explorer");
                std::fs::create_dir_all(&shots).unwrap();
                for (name, path, sees) in [
                    ("overview", "/", "latest final batch"),
                    ("batch", &format!("/batch/{batches}"), "skipped"),
                    ("claim", "/claim/0", "OP leg (dispute game)"),
                    ("account", "/account/0", "next nonce"),
                    ("council", "/council", &format!("<td>{action}</td><td>zk</td>")),
                    ("withdrawal", &format!("/withdrawal/2/{index}"), "The call that pays it"),
                    ("not-found", "/batch/999", "404 Not Found"),
                ] {
                    let url = format!("http://{addr}{path}");
                    let dom =
                        browser(&bin, profile.path(), &["--dump-dom".into(), url.clone()]).await;
                    assert!(dom.contains(sees), "{name}: Chromium shows {sees:?}; got {dom}");
                    let file = shots.join(format!("{name}.png"));
                    let _ = std::fs::remove_file(&file);
                    let shot = format!("--screenshot={}", file.display());
                    browser(&bin, profile.path(), &[shot, url]).await;
                    assert!(file.exists(), "{name}: no screenshot");
                    eprintln!("screenshot: {}", file.display());
                }
            }
        }
        explorer.stop().await;
        // The tab still open says so when the node no longer answers, and keeps what it showed.
        if let Some(mut tab) = tab {
            let seen = tokio::task::spawn_blocking(move || {
                let start = Instant::now();
                loop {
                    let v = tab.eval(
                        "[document.getElementById('live').textContent, \
                         document.getElementById('final').textContent]",
                    );
                    match v {
                        Ok(v) if v[0].as_str().is_some_and(|l| l.starts_with("stale")) => {
                            return Ok(v);
                        }
                        other if start.elapsed() > Duration::from_secs(30) => return Err(other),
                        _ => std::thread::sleep(Duration::from_millis(500)),
                    }
                }
            })
            .await
            .unwrap()
            .expect("the open tab marks itself stale once the explorer stops");
            assert_eq!(seen[1], batches.to_string(), "the last content is kept: {seen}");
        }
        tokio::time::timeout(Duration::from_secs(60), node.stop()).await.unwrap();
    })
    .unwrap();
}
