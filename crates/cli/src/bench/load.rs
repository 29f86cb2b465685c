//! `tribunal bench load`: the node's JSON-RPC under load on 127.0.0.1.
//!
//! A node (sequencer and batcher, on the embedded L1) serves its JSON-RPC; concurrent HTTP
//! clients send `tribunal_sendTransaction` calls from funded accounts, valid and invalid mixed,
//! as fast as the node answers, while readers call `tribunal_getAccount` and
//! `tribunal_getClaim`. Then the run checks, from the node's store, that every accepted
//! transaction was sealed into a posted batch exactly once and no refused one was, and that
//! every refusal carried its typed error code. Finality is not part of it: proving tens of
//! thousands of transactions would take hours here.
//!
//! With `--max-mempool` below the valid calls and `--hold-sealing`, the mempool fills during
//! the load: past its bound every call is refused with the typed "mempool full" code, and the
//! run reports the resident memory when it filled and the most after, while the refusals went on.
//!
//! The finality explorer is served by the same node meanwhile, and `--explorer-readers` open its
//! pages (overview, batches, accounts, council) during the load: each must answer 200 with the
//! page asked for, and the overview must show the node's head once the load has drained.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256, Bytes, keccak256};
use clap::Args;
use jsonrpsee::{
    core::{ClientError, client::ClientT},
    http_client::HttpClientBuilder,
    rpc_params,
};
use rayon::prelude::*;
use tribunal_l1::{DevL1, dev_signers};
use tribunal_node::{
    Store, TxLocation,
    batcher::Batcher,
    deploy::{DeployConfig, deploy},
    rpc::{RpcApi, codes},
    sequencer::{Sequencer, SequencerConfig, tx_hash},
};
use tribunal_primitives::{
    AccountIndex, BatchNumber, ChainId, PrivateKey, Signed, Transfer, Tx, Wei,
    batch::{MAX_BATCH_TXS, encode_tx},
};
use tribunal_stf::{State, StfConfig};

use super::common::{accounts, peak_mib, spinner};

/// `tribunal bench load` arguments.
#[derive(Args, Debug, Clone)]
pub struct LoadBenchArgs {
    /// Funded accounts that send (each sends its own transactions in nonce order).
    #[arg(long, default_value_t = 1_000)]
    pub accounts: u32,
    /// `tribunal_sendTransaction` calls in all.
    #[arg(long, default_value_t = 50_000)]
    pub requests: usize,
    /// Share of the calls that are invalid, in percent: a forged signature, an overdraft, an
    /// unknown sender, a deposit (L1 only) and bytes that do not decode, in turn.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub invalid_percent: u32,
    /// Concurrent sending clients.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Concurrent readers (`getAccount`, `getClaim`) while the clients send.
    #[arg(long, default_value_t = 4)]
    pub readers: usize,
    /// Concurrent readers of the finality explorer's pages while the clients send.
    #[arg(long, default_value_t = 1)]
    pub explorer_readers: usize,
    /// The sequencer's mempool bound, in transactions (`[sequencer] max_mempool`).
    #[arg(long, default_value_t = SequencerConfig::default().max_mempool)]
    pub max_mempool: usize,
    /// Seal nothing until the clients are done, so that the mempool fills to `--max-mempool`
    /// when the valid calls are more: the run then shows the bound holding under load.
    #[arg(long)]
    pub hold_sealing: bool,
}

/// `GET path` on the explorer at `addr` over HTTP/1.1: the status code and the body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> eyre::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut out = String::new();
    s.read_to_string(&mut out).await?;
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// Opens explorer page `k` of a rotation (overview, a batch, an account, the council) and checks
/// that it is the page asked for.
async fn explorer_page(
    addr: std::net::SocketAddr,
    k: u64,
    head: u64,
    accounts: u32,
) -> eyre::Result<()> {
    let (path, want) = match k % 4 {
        0 => ("/".to_string(), "latest final batch".to_string()),
        1 if head > 0 => {
            let n = 1 + (k >> 8) % head;
            (format!("/batch/{n}"), format!("<h1>Batch {n}</h1>"))
        }
        2 | 1 => {
            let i = (k >> 8) as u32 % accounts;
            (format!("/account/{i}"), format!("<h1>Account {i}</h1>"))
        }
        _ => ("/council".to_string(), "L2BEAT requirements".to_string()),
    };
    let (code, body) = http_get(addr, &path).await?;
    eyre::ensure!(code == 200 && body.contains(&want), "explorer {path}: {code} {body}");
    Ok(())
}

/// What one call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Answer {
    /// Accepted, with the hash the node returned.
    Accepted(B256),
    /// Refused with this JSON-RPC error code.
    Refused(i32),
    /// Failed without a JSON-RPC error (transport, timeout).
    Failed,
}

/// One request a client sends: the bytes, what is expected, and the transaction's hash if valid.
struct Request {
    bytes: Bytes,
    valid: Option<B256>,
    expected_code: i32,
}

/// Latency percentile `p` (0–100) of sorted `samples`, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

/// The requests of each sender account, valid ones in nonce order with invalid ones between.
fn requests(args: &LoadBenchArgs, chain: ChainId, keys: &[PrivateKey]) -> Vec<Vec<Request>> {
    let n = keys.len();
    let per_account = args.requests.div_ceil(n);
    (0..n)
        .into_par_iter()
        .map(|a| {
            let (from, to) = (AccountIndex(a as u32), AccountIndex(((a + 1) % n) as u32));
            let mut nonce = 0;
            (0..per_account)
                .filter(|k| a * per_account + k < args.requests)
                .map(|k| {
                    let invalid = (a * per_account + k) % 100 < args.invalid_percent as usize;
                    let transfer = |amount: u128, nonce: u64, from: AccountIndex| Transfer {
                        from,
                        to,
                        amount: Wei(amount),
                        nonce,
                    };
                    let signed = |body: Transfer, key: &PrivateKey| {
                        let tx = Tx::Transfer(Signed::sign(body, chain, key));
                        let mut bytes = Vec::new();
                        encode_tx(&tx, &mut bytes);
                        (tx, Bytes::from(bytes))
                    };
                    if !invalid {
                        let (tx, bytes) =
                            signed(transfer(1_000 + k as u128, nonce, from), &keys[a]);
                        nonce += 1;
                        return Request { bytes, valid: Some(tx_hash(&tx)), expected_code: 0 };
                    }
                    let (bytes, expected_code) = match k % 5 {
                        // Signed by another account's key.
                        0 => (
                            signed(transfer(1, nonce, from), &keys[(a + 1) % n]).1,
                            codes::TX_REJECTED,
                        ),
                        // More than any balance.
                        1 => (
                            signed(transfer(u128::MAX, nonce, from), &keys[a]).1,
                            codes::TX_REJECTED,
                        ),
                        // A sender outside the funded accounts.
                        2 => {
                            let ghost = AccountIndex(n as u32 + 7);
                            (signed(transfer(1, 0, ghost), &keys[a]).1, codes::TX_REJECTED)
                        }
                        // A deposit: L1 only.
                        3 => {
                            let deposit = Tx::Deposit(tribunal_primitives::Deposit {
                                to: from,
                                pubkey: keys[a].public_key().to_bytes(),
                                amount: Wei(1),
                            });
                            let mut bytes = Vec::new();
                            encode_tx(&deposit, &mut bytes);
                            (Bytes::from(bytes), codes::TX_REJECTED)
                        }
                        // Not a transaction.
                        _ => (
                            Bytes::from(keccak256(k.to_le_bytes()).to_vec()),
                            codes::INVALID_PARAMS,
                        ),
                    };
                    Request { bytes, valid: None, expected_code }
                })
                .collect()
        })
        .collect()
}

/// Runs `bench load`.
///
/// # Errors
/// Setup failures, an accepted transaction not sealed exactly once, or a refusal without its
/// typed code.
pub(super) fn load(args: &LoadBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(args.accounts >= 2 && args.clients >= 1, "at least 2 accounts and 1 client");
    tribunal_l1::block_on_blob_threads(run(args.clone()))?
}

async fn run(args: LoadBenchArgs) -> eyre::Result<()> {
    let chain = ChainId(crate::DEVNET_CHAIN_ID);
    let stf = StfConfig::new(chain);
    let setup = spinner(&format!("funding {} accounts at genesis and deploying", args.accounts));
    let (keys, _, funded) = accounts(args.accounts, args.accounts);
    let genesis = State::from_accounts(stf, BatchNumber(0), funded)?;
    let l1 = Arc::new(DevL1::new());
    let signers = dev_signers();
    let council: Vec<Address> =
        (0..8u8).map(|i| Address::from_slice(&keccak256([i]).0[12..])).collect();
    let d = deploy(
        &*l1,
        &signers[3],
        DeployConfig::new(chain, signers[0].address(), genesis.root(), council),
    )
    .await?;
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Store::create_with_genesis(&dir.path().join("node.redb"), &genesis)?);
    let config = SequencerConfig {
        max_batch_txs: MAX_BATCH_TXS,
        max_wait: Duration::from_millis(200),
        max_mempool: args.max_mempool,
        ..SequencerConfig::default()
    };
    let sequencer = Arc::new(Sequencer::new(l1.clone(), d.inbox, store.clone(), config)?);
    let api = || {
        let seq = Some(sequencer.clone());
        RpcApi::new(l1.clone(), store.clone(), seq, d.inbox, d.finality, Address::ZERO)
    };
    let (explorer_addr, explorer) =
        tribunal_node::explorer::serve(Arc::new(api()), "127.0.0.1:0".parse()?).await?;
    let (addr, server) = api().serve("127.0.0.1:0".parse()?).await?;
    let plan = requests(&args, chain, &keys);
    // The baseline: the same valid transactions submitted in process, one caller, no RPC.
    let valid: Vec<Tx> = plan
        .iter()
        .flatten()
        .filter(|r| r.valid.is_some())
        .map(|r| tribunal_primitives::batch::decode_tx_exact(&r.bytes))
        .collect::<Result<_, _>>()?;
    let direct = {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(Store::create_with_genesis(&dir.path().join("node.redb"), &genesis)?);
        // Unbounded by `--max-mempool`: the baseline measures accepting, not refusing.
        let unbounded = SequencerConfig { max_mempool: valid.len().max(1), ..config };
        let sequencer = Sequencer::new(l1.clone(), d.inbox, store, unbounded)?;
        let started = Instant::now();
        for tx in &valid {
            sequencer.submit(*tx)?;
        }
        valid.len() as f64 / started.elapsed().as_secs_f64()
    };
    setup.finish_and_clear();

    // The node seals and posts as it would: its own loops, beside the RPC.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sending = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sealing = {
        let (sequencer, stop, sending) = (sequencer.clone(), stop.clone(), sending.clone());
        let hold = args.hold_sealing;
        tokio::spawn(async move {
            let mut batches = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if hold && sending.load(std::sync::atomic::Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                match sequencer.poll(false).await {
                    Ok(Some(_)) => batches += 1,
                    Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
                    Err(e) => return Err(eyre::eyre!("sealing: {e}")),
                }
            }
            Ok(batches)
        })
    };
    let posting = {
        let batcher = Batcher::new(l1.clone(), d.inbox, store.clone(), signers[0].clone());
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut posted = 0usize;
            loop {
                let done = stop.load(std::sync::atomic::Ordering::Relaxed);
                posted += batcher.poll().await.map_err(|e| eyre::eyre!("posting: {e}"))?.len();
                if done {
                    return Ok::<_, eyre::Report>(posted);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    // Clients: account a is sent by client a mod C, in order, so each account's nonces arrive in
    // order. Readers ask for random accounts and claims until the clients are done.
    let url = format!("http://{addr}");
    let mut lanes: Vec<Vec<Request>> = (0..args.clients).map(|_| Vec::new()).collect();
    let mut plan = plan;
    let longest = plan.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..longest {
        for (a, reqs) in plan.iter_mut().enumerate() {
            if k < reqs.len() {
                let r = std::mem::replace(
                    &mut reqs[k],
                    Request { bytes: Bytes::new(), valid: None, expected_code: 0 },
                );
                lanes[a % args.clients].push(r);
            }
        }
    }
    let bar = indicatif::ProgressBar::new(args.requests as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} calls [{elapsed}] {per_sec}")
            .expect("static template"),
    );
    let started = Instant::now();
    // Resident memory when the mempool first reached its bound, and the most after it.
    let memory = {
        let (store, sending, bound) = (store.clone(), sending.clone(), args.max_mempool);
        tokio::spawn(async move {
            let (mut at_bound, mut most_after) = (None, 0u64);
            while sending.load(std::sync::atomic::Ordering::Relaxed) {
                let rss = super::common::rss_mib().unwrap_or(0);
                if at_bound.is_none() && store.mempool_len()? >= bound {
                    at_bound = Some(rss);
                }
                if at_bound.is_some() {
                    most_after = most_after.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok::<_, eyre::Report>(at_bound.map(|m| (m, most_after)))
        })
    };
    let reading = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut readers = Vec::new();
    for r in 0..args.readers {
        let (url, reading) = (url.clone(), reading.clone());
        let accounts = args.accounts;
        readers.push(tokio::spawn(async move {
            let client = HttpClientBuilder::default().build(&url)?;
            let mut latencies = Vec::new();
            let mut k = r as u64;
            while reading.load(std::sync::atomic::Ordering::Relaxed) {
                k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let t = Instant::now();
                if k.is_multiple_of(2) {
                    let index = (k >> 33) as u32 % accounts;
                    let _: serde_json::Value =
                        client.request("tribunal_getAccount", rpc_params![index]).await?;
                } else {
                    // No claim is proposed in this run: each answer is a typed "not found".
                    let e = client
                        .request::<serde_json::Value, _>("tribunal_getClaim", rpc_params![k % 16])
                        .await;
                    if !matches!(e, Err(ClientError::Call(ref c)) if c.code() == codes::NOT_FOUND) {
                        eyre::bail!("getClaim answered {e:?}");
                    }
                }
                latencies.push(t.elapsed());
            }
            Ok::<_, eyre::Report>(latencies)
        }));
    }
    let mut page_readers = Vec::new();
    for r in 0..args.explorer_readers {
        let (reading, store) = (reading.clone(), store.clone());
        let accounts = args.accounts;
        page_readers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut k = 7 + r as u64;
            while reading.load(std::sync::atomic::Ordering::Relaxed) {
                k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let head = store.head()?.0;
                let t = Instant::now();
                explorer_page(explorer_addr, k >> 30, head, accounts).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, eyre::Report>(latencies)
        }));
    }
    let mut clients = Vec::new();
    for lane in lanes {
        let (url, bar) = (url.clone(), bar.clone());
        clients.push(tokio::spawn(async move {
            let client = HttpClientBuilder::default()
                .request_timeout(Duration::from_secs(60))
                .build(&url)?;
            let mut out = Vec::with_capacity(lane.len());
            for r in lane {
                let t = Instant::now();
                let answer = match client
                    .request::<B256, _>("tribunal_sendTransaction", rpc_params![r.bytes])
                    .await
                {
                    Ok(hash) => Answer::Accepted(hash),
                    Err(ClientError::Call(e)) => Answer::Refused(e.code()),
                    Err(_) => Answer::Failed,
                };
                out.push((t.elapsed(), answer, r.valid, r.expected_code));
                bar.inc(1);
            }
            Ok::<_, eyre::Report>(out)
        }));
    }
    let mut sends = Vec::new();
    for c in clients {
        sends.extend(c.await??);
    }
    let send_secs = started.elapsed().as_secs_f64();
    reading.store(false, std::sync::atomic::Ordering::Relaxed);
    sending.store(false, std::sync::atomic::Ordering::Relaxed);
    let memory = memory.await??;
    bar.finish_and_clear();
    let mut reads = Vec::new();
    for r in readers {
        reads.extend(r.await??);
    }
    let mut pages = Vec::new();
    for r in page_readers {
        pages.extend(r.await??);
    }
    pages.sort_unstable();
    // The reads' baseline: the same calls, one at a time, on the node once the load has stopped.
    let mut idle_reads = Vec::new();
    {
        let client = HttpClientBuilder::default().build(&url)?;
        for k in 0..1_000u32 {
            let t = Instant::now();
            let _: serde_json::Value =
                client.request("tribunal_getAccount", rpc_params![k % args.accounts]).await?;
            idle_reads.push(t.elapsed());
        }
        idle_reads.sort_unstable();
    }

    // Drain: everything accepted is sealed and posted.
    let drain = spinner("sealing and posting what was accepted");
    while store.mempool_len()? > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sealed_batches = sealing.await??;
    let posted = posting.await??;
    let head = store.head()?;
    drain.finish_and_clear();
    // The explorer after the load: the overview shows the head, and the same pages' baseline.
    let (code, overview) = http_get(explorer_addr, "/").await?;
    eyre::ensure!(
        code == 200 && overview.contains(&format!("id=\"head\">{}<", head.0)),
        "the explorer's overview does not show head batch {}",
        head.0
    );
    let mut idle_pages = Vec::new();
    for k in 0..200u64 {
        let t = Instant::now();
        explorer_page(
            explorer_addr,
            k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 30,
            head.0,
            args.accounts,
        )
        .await?;
        idle_pages.push(t.elapsed());
    }
    idle_pages.sort_unstable();
    explorer.stop().await;

    // Exactly once: every accepted hash is sealed once in a posted batch, no refused one is.
    let mut sealed: HashMap<B256, usize> = HashMap::new();
    for n in 1..=head.0 {
        let batch = store.batch(BatchNumber(n))?.ok_or_else(|| eyre::eyre!("batch {n} missing"))?;
        for tx in &batch.txs {
            *sealed.entry(tx_hash(tx)).or_default() += 1;
        }
    }
    let (mut accepted, mut refused, mut failed, mut wrong_code) = (0usize, 0usize, 0usize, 0usize);
    let mut full_refused = 0usize;
    let mut by_code: HashMap<i32, usize> = HashMap::new();
    for (_, answer, valid, code) in &sends {
        match (answer, valid) {
            (Answer::Accepted(hash), Some(expected)) => {
                eyre::ensure!(hash == expected, "the node returned another hash");
                eyre::ensure!(
                    sealed.get(hash) == Some(&1),
                    "accepted {hash} is sealed {} times",
                    sealed.get(hash).copied().unwrap_or(0)
                );
                eyre::ensure!(
                    matches!(store.tx_location(*hash)?, Some(TxLocation::Sealed { .. })),
                    "accepted {hash} is not recorded as sealed"
                );
                accepted += 1;
            }
            (Answer::Accepted(hash), None) => {
                eyre::bail!("an invalid transaction was accepted: {hash}")
            }
            (Answer::Refused(c), valid) => {
                refused += 1;
                *by_code.entry(*c).or_default() += 1;
                // A full mempool refuses every call first, valid or not.
                wrong_code += usize::from(*c != *code && *c != codes::MEMPOOL_FULL);
                if let Some(hash) = valid {
                    eyre::ensure!(!sealed.contains_key(hash), "refused {hash} was sealed");
                    full_refused += usize::from(*c == codes::MEMPOOL_FULL);
                }
            }
            (Answer::Failed, _) => failed += 1,
        }
    }
    let valid_refused = sends
        .iter()
        .filter(|(_, a, v, _)| {
            v.is_some() && !matches!(a, Answer::Accepted(_) | Answer::Refused(codes::MEMPOOL_FULL))
        })
        .count();
    eyre::ensure!(failed == 0, "{failed} calls failed without a JSON-RPC answer");
    eyre::ensure!(wrong_code == 0, "{wrong_code} refusals carried another code than expected");
    eyre::ensure!(valid_refused == 0, "{valid_refused} valid transactions were refused as invalid");

    let total_sealed: usize = sealed.values().sum();
    eyre::ensure!(total_sealed == accepted, "{total_sealed} sealed against {accepted} accepted");
    eyre::ensure!(posted as u64 == head.0, "{posted} of {} sealed batches posted", head.0);

    let mut send_lat: Vec<Duration> = sends.iter().map(|(t, ..)| *t).collect();
    send_lat.sort_unstable();
    reads.sort_unstable();
    let mut codes: Vec<_> = by_code.into_iter().collect();
    codes.sort_unstable();
    println!(
        "tribunal bench load: {} sendTransaction calls from {} accounts ({}% invalid), {} clients, {} readers, 127.0.0.1",
        sends.len(),
        args.accounts,
        args.invalid_percent,
        args.clients,
        args.readers
    );
    println!("{:<52} {:>16}   baseline", "figure", "measured");
    let row =
        |name: &str, value: String, baseline: &str| println!("{name:<52} {value:>16}   {baseline}");
    row(
        "accepted transactions/s (sendTransaction)",
        format!("{:.0}", accepted as f64 / send_secs),
        &format!("Sequencer::submit in process, one caller, no RPC: {direct:.0}"),
    );
    row(
        "calls answered/s (valid and invalid)",
        format!("{:.0}", sends.len() as f64 / send_secs),
        "",
    );
    row(
        "sendTransaction latency p50 / p99, ms",
        format!("{:.2} / {:.2}", percentile(&send_lat, 50.0), percentile(&send_lat, 99.0)),
        "",
    );
    row(
        "getAccount + getClaim latency p50 / p99, ms",
        format!("{:.2} / {:.2}", percentile(&reads, 50.0), percentile(&reads, 99.0)),
        &format!(
            "{} reads; getAccount on the idle node after the load: {:.2} / {:.2}",
            reads.len(),
            percentile(&idle_reads, 50.0),
            percentile(&idle_reads, 99.0)
        ),
    );
    row(
        "explorer page latency p50 / p99, ms (under the load)",
        format!("{:.2} / {:.2}", percentile(&pages, 50.0), percentile(&pages, 99.0)),
        &format!(
            "{} pages (overview, batch, account, council), all 200; after the load: {:.2} / {:.2}",
            pages.len(),
            percentile(&idle_pages, 50.0),
            percentile(&idle_pages, 99.0)
        ),
    );
    row("accepted / refused (by code)", format!("{accepted} / {refused}"), &format!("{codes:?}"));
    row(
        "sealed exactly once into posted batches",
        format!("{accepted} of {accepted}"),
        &format!("{sealed_batches} batches of up to {MAX_BATCH_TXS}, {posted} posted"),
    );
    row("peak RSS, MiB", peak_mib().map_or("?".into(), |m| m.to_string()), "");
    if let Some((at_bound, most_after)) = memory {
        row(
            "RSS when the mempool filled / most after, MiB",
            format!("{at_bound} / {most_after}"),
            &format!(
                "max_mempool {}; then {full_refused} valid calls refused \"mempool full\" (code {})",
                args.max_mempool,
                codes::MEMPOOL_FULL
            ),
        );
    }
    server.stop()?;
    Ok(())
}
