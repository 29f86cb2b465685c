//! The finality explorer: server-rendered HTML pages where users, operators and council members
//! see where each batch and claim stands, served by the node with axum.
//!
//! Every figure comes from [`RpcApi`], the code behind the JSON-RPC: there is no second source of
//! truth. Pages reload themselves every [`REFRESH_SECS`] seconds, so countdowns and legs move
//! without a manual reload. Bad input in a URL (a malformed number, an unknown batch or claim)
//! gives a 400 or 404 page, never a panic.
//!
//! Routes:
//! - `/`: chain, head and latest final batch, and the recent batches with every claim's legs;
//! - `/batch/{n}`: a batch's transactions, blobs, roots and claims;
//! - `/claim/{id}`: one claim's legs (ZK, TEE, OP), clocks and the reference model's status;
//! - `/account/{index}` (and `/account?index=`): balance, nonce, pending transactions;
//! - `/withdrawal/{batch}/{index}`: a withdrawal of a final batch, whether it was paid, and the
//!   exact `Inbox.claimWithdrawal` call that pays it;
//! - `/council`: members and threshold, every action with its timelock countdown and expiry,
//!   frozen legs and liveness, and the deployment's L2BEAT stage with every requirement.

use std::{fmt::Write as _, net::SocketAddr, sync::Arc};

use alloy_primitives::U256;
use axum::{
    Router,
    extract::{
        Path, Query, State,
        rejection::{PathRejection, QueryRejection},
    },
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use jsonrpsee::types::ErrorObjectOwned;
use tribunal_l1::L1;
use tribunal_primitives::{Tx, batch::decode_tx_exact};

use crate::rpc::{BatchInfo, ClaimInfo, RpcApi, TribunalApiServer, codes};

/// Seconds between a page's automatic reloads.
pub const REFRESH_SECS: u32 = 3;

/// How many of the most recent batches the overview lists.
pub const RECENT_BATCHES: u64 = 12;

/// The explorer's router over `api`.
pub fn router<L: L1 + 'static>(api: Arc<RpcApi<L>>) -> Router {
    Router::new()
        .route("/", get(overview::<L>))
        .route("/batch/{n}", get(batch::<L>))
        .route("/claim/{id}", get(claim::<L>))
        .route("/council", get(council::<L>))
        .route("/withdrawal/{batch}/{index}", get(withdrawal::<L>))
        .route("/account", get(account_query))
        .route("/account/{index}", get(account::<L>))
        .fallback(|| async { PageError::new(StatusCode::NOT_FOUND, "No such page.") })
        .with_state(api)
}

/// A running explorer: [`Self::stop`] closes its listener and open connections.
#[derive(Debug)]
pub struct ExplorerHandle {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl ExplorerHandle {
    /// Stops serving and waits for the server to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Serves the explorer on `addr` (port 0: any free port) on the current tokio runtime. Returns
/// the bound address and the server's handle.
///
/// # Errors
/// The address cannot be bound.
pub async fn serve<L: L1 + 'static>(
    api: Arc<RpcApi<L>>,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, ExplorerHandle)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = router(api);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(error = %e, "explorer stopped");
        }
    });
    Ok((bound, ExplorerHandle { stop, task }))
}

type Api<L> = State<Arc<RpcApi<L>>>;

type Page = Result<Html<String>, PageError>;

/// An error page: 400 for bad input, 404 for unknown items, 502 when L1 or the store failed.
#[derive(Debug)]
struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }
}

impl From<ErrorObjectOwned> for PageError {
    fn from(e: ErrorObjectOwned) -> Self {
        match e.code() {
            codes::INVALID_PARAMS => Self::new(StatusCode::BAD_REQUEST, e.message()),
            codes::NOT_FOUND => Self::new(StatusCode::NOT_FOUND, e.message()),
            codes::NOT_FINAL => Self::new(StatusCode::CONFLICT, e.message()),
            // L1 or store failures: details (an RPC URL may hold a key) go to the log only.
            _ => {
                tracing::warn!(error = e.message(), "explorer: reading the node failed");
                Self::new(StatusCode::BAD_GATEWAY, "The node could not read L1 or its store.")
            }
        }
    }
}

impl From<PathRejection> for PageError {
    fn from(e: PathRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, e.body_text())
    }
}

impl From<QueryRejection> for PageError {
    fn from(e: QueryRejection) -> Self {
        Self::new(StatusCode::BAD_REQUEST, e.body_text())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let s = self.status;
        let body = format!(
            "<h1>{} {}</h1><p class=\"error\">{}</p><p><a href=\"/\">Back to the overview</a></p>",
            s.as_u16(),
            s.canonical_reason().unwrap_or(""),
            esc(&self.message)
        );
        (s, Html(layout("Error", &body, false))).into_response()
    }
}

/// A number from a URL segment, or the 400 page.
fn number<T: std::str::FromStr>(what: &str, raw: &str) -> Result<T, PageError> {
    raw.parse().map_err(|_| {
        PageError::new(StatusCode::BAD_REQUEST, format!("{what} {raw:?} is not a number."))
    })
}

async fn overview<L: L1 + 'static>(State(api): Api<L>) -> Page {
    let info = api.chain_info().await?;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Tribunal finality explorer</h1>\
         <div class=\"cards\">\
         <div class=\"card\"><div class=\"label\">head batch</div><div class=\"big\" id=\"head\">{}</div></div>\
         <div class=\"card\"><div class=\"label\">latest final batch</div><div class=\"big\" id=\"final\">{}</div></div>\
         <div class=\"card\"><div class=\"label\">L2 chain</div><div class=\"big\">{}</div><div>on L1 chain {}</div></div>\
         </div>\
         <form action=\"/account\" method=\"get\">Account <input name=\"index\" size=\"10\" placeholder=\"index\"> <button>look up</button></form>\
         <h2>Recent batches</h2>\
         <table><tr><th>batch</th><th>txs</th><th>posted (L1 s)</th><th>claims: ZK · TEE · OP</th><th>status</th></tr>",
        info.head, info.latest_final_batch, info.l2_chain_id, info.l1_chain_id
    );
    let first = info.head.saturating_sub(RECENT_BATCHES - 1).max(1);
    for n in (first..=info.head).rev() {
        let Some(b) = api.get_batch(n).await? else { continue };
        let mut claims = String::new();
        let mut status = match (b.posted_at, b.claims.is_empty()) {
            (0, _) => "<span class=\"badge pending\">sealed, not posted</span>".to_string(),
            (_, true) => "<span class=\"badge pending\">posted, no claim yet</span>".into(),
            (_, false) => "<span class=\"badge pending\">pending</span>".into(),
        };
        for &id in &b.claims {
            match api.get_claim(id).await {
                Ok(c) => {
                    let _ = write!(claims, "{} ", claim_chip(&c));
                    if b.final_claim == Some(id) {
                        status = format!(
                            "<span class=\"badge final\">final</span> {}",
                            esc(&path_of(&c))
                        );
                    }
                }
                Err(e) => {
                    let _ = write!(claims, "#{id}: {} ", esc(e.message()));
                }
            }
        }
        let _ = write!(
            body,
            "<tr><td><a href=\"/batch/{n}\">{n}</a></td><td>{}</td><td>{}</td><td>{claims}</td><td class=\"status\" id=\"batch-{n}\">{status}</td></tr>",
            b.txs.len(),
            posted(b.posted_at)
        );
    }
    body.push_str("</table>");
    let _ = write!(
        body,
        "<h2>Contracts</h2><table>\
         <tr><th>Inbox</th><td class=\"mono\">{}</td></tr>\
         <tr><th>MultiProofFinality</th><td class=\"mono\">{}</td></tr>\
         <tr><th>DisputeGame</th><td class=\"mono\">{}</td></tr></table>",
        info.inbox, info.finality, info.game
    );
    Ok(Html(layout("Overview", &body, true)))
}

async fn batch<L: L1 + 'static>(
    State(api): Api<L>,
    raw: Result<Path<String>, PathRejection>,
) -> Page {
    let Path(raw) = raw?;
    let n: u64 = number("batch", &raw)?;
    let b = api.get_batch(n).await?.ok_or_else(|| {
        PageError::new(StatusCode::NOT_FOUND, format!("Batch {n} is not known here."))
    })?;
    let mut body = format!("<h1>Batch {n}</h1>");
    let _ = write!(
        body,
        "<table><tr><th>status</th><td id=\"status\">{}</td></tr>\
         <tr><th>posted</th><td>{}</td></tr>\
         <tr><th>L1 messages consumed through it</th><td>{}</td></tr>\
         <tr><th>parent root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>post root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>withdrawal root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>data commitment</th><td class=\"mono\">{}</td></tr></table>",
        match b.final_claim {
            Some(id) => format!(
                "<span class=\"badge final\">final</span> by <a href=\"/claim/{id}\">claim {id}</a>"
            ),
            None => "<span class=\"badge pending\">pending</span>".into(),
        },
        posted(b.posted_at),
        b.queue_consumed,
        b.parent_root,
        b.post_root,
        b.withdrawal_root,
        b.data_commitment
    );
    body.push_str("<h2>Blobs (EIP-4844 versioned hashes)</h2><ul>");
    for h in &b.blob_hashes {
        let _ = write!(body, "<li class=\"mono\">{h}</li>");
    }
    if b.blob_hashes.is_empty() {
        body.push_str("<li>not posted yet</li>");
    }
    body.push_str("</ul>");
    claims_table(&api, &b, &mut body).await;
    body.push_str(
        "<h2>Transactions</h2><table><tr><th>#</th><th>kind</th><th>from</th><th>to</th><th>amount (wei)</th><th>nonce</th><th>outcome</th></tr>",
    );
    for (i, raw) in b.txs.iter().enumerate() {
        let outcome = match b.skipped.as_ref().map(|s| s.iter().find(|s| s.position as usize == i))
        {
            Some(Some(s)) => {
                format!("<span class=\"badge skipped\">skipped</span> {}", esc(&s.reason))
            }
            Some(None) => "<span class=\"ok\">applied</span>".into(),
            None => "not recorded (sealed by an older node)".into(),
        };
        let applied = matches!(
            b.skipped.as_ref().map(|s| s.iter().any(|s| s.position as usize == i)),
            Some(false)
        );
        let is_withdrawal = decode_tx_exact(raw)
            .is_ok_and(|t| matches!(t, Tx::Withdraw(_) | Tx::ForcedWithdraw(_)));
        let outcome = if applied && is_withdrawal && b.final_claim.is_some() {
            format!("{outcome} · <a href=\"/withdrawal/{n}/{i}\">claim on L1</a>")
        } else {
            outcome
        };
        let _ = write!(body, "<tr><td>{i}</td>{}<td>{outcome}</td></tr>", tx_cells(raw));
    }
    body.push_str("</table>");
    Ok(Html(layout(&format!("Batch {n}"), &body, true)))
}

async fn claims_table<L: L1 + 'static>(api: &RpcApi<L>, b: &BatchInfo, body: &mut String) {
    body.push_str("<h2>Claims (rivals included)</h2><table><tr><th>claim</th><th>post root</th><th>ZK</th><th>TEE</th><th>OP</th><th>status</th></tr>");
    for &id in &b.claims {
        match api.get_claim(id).await {
            Ok(c) => {
                let _ = write!(
                    body,
                    "<tr><td><a href=\"/claim/{id}\">{id}</a></td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    c.post_root,
                    leg(c.zk),
                    leg(c.tee),
                    esc(&c.op),
                    esc(&c.explanation)
                );
            }
            Err(e) => {
                let _ = write!(
                    body,
                    "<tr><td>{id}</td><td colspan=\"5\">{}</td></tr>",
                    esc(e.message())
                );
            }
        }
    }
    if b.claims.is_empty() {
        body.push_str("<tr><td colspan=\"6\">no claim proposed yet</td></tr>");
    }
    body.push_str("</table>");
}

async fn claim<L: L1 + 'static>(
    State(api): Api<L>,
    raw: Result<Path<String>, PathRejection>,
) -> Page {
    let Path(raw) = raw?;
    let id: u64 = number("claim", &raw)?;
    let c = api.get_claim(id).await?;
    let mut body = format!("<h1>Claim {id}</h1>");
    let _ = write!(
        body,
        "<p id=\"status\">{} <span>{}</span></p>\
         <table><tr><th>batch</th><td><a href=\"/batch/{b}\">{b}</a></td></tr>\
         <tr><th>proposer (bonded)</th><td class=\"mono\">{}</td></tr>\
         <tr><th>parent root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>post root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>withdrawal root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>ZK leg</th><td>{}</td></tr>\
         <tr><th>TEE leg</th><td>{}</td></tr>\
         <tr><th>OP leg (dispute game)</th><td>{}; window ends at L1 time {}</td></tr>\
         <tr><th>final at</th><td>{}</td></tr></table>",
        if c.is_final {
            "<span class=\"badge final\">final</span>"
        } else {
            "<span class=\"badge pending\">pending</span>"
        },
        esc(&c.explanation),
        c.proposer,
        c.parent_root,
        c.post_root,
        c.withdrawal_root,
        leg(c.zk),
        leg(c.tee),
        esc(&c.op),
        c.window_ends_at,
        if c.final_at == 0 { "–".to_string() } else { format!("L1 time {}", c.final_at) },
        b = c.batch,
    );
    Ok(Html(layout(&format!("Claim {id}"), &body, true)))
}

async fn withdrawal<L: L1 + 'static>(
    State(api): Api<L>,
    raw: Result<Path<(String, String)>, PathRejection>,
) -> Page {
    let Path((batch, index)) = raw?;
    let (batch, index): (u64, u64) =
        (number("batch", &batch)?, number("withdrawal index", &index)?);
    let w = api.get_withdrawal_proof(batch, index).await?;
    let inbox = api.chain_info().await?.inbox;
    let amount = u128::try_from(w.amount).unwrap_or(u128::MAX);
    let call = tribunal_contracts::Inbox::claimWithdrawalCall {
        _batchNumber: batch,
        _index: index,
        _to: w.to,
        _amount: amount,
        _siblings: w.siblings.clone(),
    };
    let siblings: Vec<String> = w.siblings.iter().map(|s| format!("{s:#x}")).collect();
    let body = format!(
        "<h1>Withdrawal {index} of batch <a href=\"/batch/{batch}\">{batch}</a></h1>\
         <table><tr><th>status</th><td id=\"status\">{}</td></tr>\
         <tr><th>L1 recipient</th><td class=\"mono\">{}</td></tr>\
         <tr><th>amount (wei)</th><td>{}</td></tr>\
         <tr><th>final withdrawal root</th><td class=\"mono\">{}</td></tr></table>\
         <h2>The call that pays it (anyone may send it)</h2>\
         <p>To <span class=\"mono\">Inbox</span> at <span class=\"mono\">{inbox}</span>:</p>\
         <pre class=\"mono wrap\">cast send {inbox} \"claimWithdrawal(uint64,uint64,address,uint128,uint256[])\" {batch} {index} {} {amount} \"[{}]\"</pre>\
         <p>Calldata:</p><pre class=\"mono wrap\" id=\"calldata\">0x{}</pre>",
        if w.claimed {
            "<span class=\"badge final\">paid</span>"
        } else {
            "<span class=\"badge pending\">ready to claim</span>"
        },
        w.to,
        w.amount,
        w.withdrawal_root,
        w.to,
        siblings.join(","),
        alloy_primitives::hex::encode(alloy_sol_types::SolCall::abi_encode(&call)),
    );
    Ok(Html(layout(&format!("Withdrawal {index} of batch {batch}"), &body, true)))
}

async fn council<L: L1 + 'static>(State(api): Api<L>) -> Page {
    let s = api.get_safety().await?;
    let mut body = format!(
        "<h1>Council and safety</h1>\
         <div class=\"cards\">\
         <div class=\"card\"><div class=\"label\">L2BEAT stage</div><div class=\"big\" id=\"stage\">Stage {}</div></div>\
         <div class=\"card\"><div class=\"label\">council threshold</div><div class=\"big\">{} of {}</div></div>\
         <div class=\"card\"><div class=\"label\">timelock on ZK and OP</div><div class=\"big\">{}</div><div>actions expire {} after</div></div>\
         </div>",
        s.stage,
        s.threshold,
        s.members.len(),
        duration(s.upgrade_delay_secs),
        duration(s.expiry_secs)
    );
    body.push_str("<h2>Legs</h2><table><tr><th>leg</th><th>verifier</th><th>health</th></tr>");
    for (i, name) in ["ZK", "TEE", "OP (dispute game)"].iter().enumerate() {
        let health = if s.frozen[i] {
            "<span class=\"badge skipped\">frozen</span> by self-disagreement evidence (rule 5): counts as zero; the council may replace it once, at once"
        } else {
            "<span class=\"ok\">counts</span>"
        };
        let _ = write!(
            body,
            "<tr><td>{name}</td><td class=\"mono\">{}</td><td id=\"leg-{i}\">{health}</td></tr>",
            s.verifiers[i]
        );
    }
    let liveness = match (s.liveness_failed, s.liveness_used) {
        (false, _) => "<span class=\"ok\">live</span>: no liveness failure recorded (rule 6)",
        (true, false) => {
            "<span class=\"badge pending\">liveness failure</span> recorded (rule 6): one leg that approved nothing may be replaced at once, until the next finalization"
        }
        (true, true) => "liveness failure recorded; its one replacement was made",
    };
    let _ = write!(body, "</table><p id=\"liveness\">{liveness}</p>");
    body.push_str("<h2>Actions</h2><table><tr><th>id</th><th>leg</th><th>target</th><th>state</th><th>executable at (L1 s)</th><th>countdown</th><th>expires at</th></tr>");
    for a in &s.actions {
        let countdown = if a.state != "queued" {
            "–".to_string()
        } else if a.eta > s.l1_time {
            format!("in {}", duration(a.eta - s.l1_time))
        } else if a.expires_at > s.l1_time {
            format!("executable now, {} left", duration(a.expires_at - s.l1_time))
        } else {
            "expired".into()
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{countdown}</td><td>{}</td></tr>",
            a.id,
            esc(&a.leg),
            a.target,
            esc(&a.state),
            a.eta,
            if a.state == "queued" { a.expires_at.to_string() } else { "–".into() }
        );
    }
    if s.actions.is_empty() {
        body.push_str("<tr><td colspan=\"7\">none</td></tr>");
    }
    body.push_str("</table><h2>Members</h2><ul>");
    for m in &s.members {
        let _ = write!(body, "<li class=\"mono\">{m}</li>");
    }
    body.push_str("</ul><h2>L2BEAT requirements</h2><table><tr><th>stage</th><th>requirement</th><th></th><th>why</th></tr>");
    for r in &s.requirements {
        let met = if r.met {
            "<span class=\"ok\">meets</span>"
        } else {
            "<span class=\"error\">misses</span>"
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{met}</td><td>{}</td></tr>",
            r.stage,
            esc(&r.name),
            esc(&r.reason)
        );
    }
    body.push_str("</table>");
    Ok(Html(layout("Council and safety", &body, true)))
}

/// Seconds as days, hours or minutes.
fn duration(secs: u64) -> String {
    match secs {
        s if s >= 86_400 => format!("{:.1} days", s as f64 / 86_400.0),
        s if s >= 3_600 => format!("{:.1} h", s as f64 / 3_600.0),
        s => format!("{} min", s.div_ceil(60)),
    }
}

#[derive(serde::Deserialize)]
struct AccountQuery {
    #[serde(default)]
    index: String,
}

async fn account_query(
    q: Result<Query<AccountQuery>, QueryRejection>,
) -> Result<Redirect, PageError> {
    let Query(q) = q?;
    let i: u32 = number("account index", q.index.trim())?;
    Ok(Redirect::to(&format!("/account/{i}")))
}

async fn account<L: L1 + 'static>(
    State(api): Api<L>,
    raw: Result<Path<String>, PathRejection>,
) -> Page {
    let Path(raw) = raw?;
    let index: u32 = number("account index", &raw)?;
    let a = api.get_account(index).await?;
    let body = format!(
        "<h1>Account {index}</h1>\
         <table><tr><th>key</th><td class=\"mono\">{}</td></tr>\
         <tr><th>balance (wei)</th><td id=\"balance\">{}</td></tr>\
         <tr><th>nonce</th><td>{}</td></tr>\
         <tr><th>next nonce (with pending transactions)</th><td>{}</td></tr>\
         <tr><th>as of batch</th><td><a href=\"/batch/{b}\">{b}</a> (state root <span class=\"mono\">{}</span>)</td></tr></table>",
        a.pubkey.map_or_else(|| "empty leaf: no account".to_string(), |k| k.to_string()),
        a.balance,
        a.nonce,
        a.pending_nonce,
        a.state_root,
        b = a.batch,
    );
    Ok(Html(layout(&format!("Account {index}"), &body, true)))
}

/// Cells of one transaction: kind, from, to, amount, nonce.
fn tx_cells(raw: &[u8]) -> String {
    let Ok(tx) = decode_tx_exact(raw) else {
        return "<td colspan=\"5\">does not decode</td>".into();
    };
    let (kind, from, to, amount, nonce) = match &tx {
        Tx::Transfer(t) | Tx::ForcedTransfer(t) => (
            if matches!(tx, Tx::Transfer(_)) { "transfer" } else { "forced transfer" },
            t.body.from.0.to_string(),
            format!("<a href=\"/account/{0}\">{0}</a>", t.body.to.0),
            t.body.amount.0,
            t.body.nonce.to_string(),
        ),
        Tx::Withdraw(w) | Tx::ForcedWithdraw(w) => (
            if matches!(tx, Tx::Withdraw(_)) { "withdrawal" } else { "forced withdrawal" },
            w.body.from.0.to_string(),
            format!("L1 <span class=\"mono\">{}</span>", w.body.to),
            w.body.amount.0,
            w.body.nonce.to_string(),
        ),
        Tx::Deposit(d) => (
            "deposit (L1)",
            "L1".into(),
            format!("<a href=\"/account/{0}\">{0}</a>", d.to.0),
            d.amount.0,
            "–".into(),
        ),
        Tx::Undecodable(_) => (
            "record that decodes as no transaction (skipped)",
            "–".into(),
            "–".into(),
            0,
            "–".into(),
        ),
    };
    let from = if from.parse::<u32>().is_ok() {
        format!("<a href=\"/account/{from}\">{from}</a>")
    } else {
        from
    };
    format!(
        "<td>{kind}</td><td>{from}</td><td>{to}</td><td>{}</td><td>{nonce}</td>",
        U256::from(amount)
    )
}

/// A claim as a chip: id and its three legs.
fn claim_chip(c: &ClaimInfo) -> String {
    format!(
        "<a class=\"chip\" href=\"/claim/{0}\">#{0}: ZK {1} · TEE {2} · OP {3}</a>",
        c.id,
        leg(c.zk),
        leg(c.tee),
        esc(&c.op)
    )
}

/// The path a final claim took, from the model's explanation ("final: ZK+TEE at …").
fn path_of(c: &ClaimInfo) -> String {
    c.explanation
        .strip_prefix("final: ")
        .unwrap_or(&c.explanation)
        .split(" at ")
        .next()
        .unwrap_or("")
        .to_string()
}

fn leg(approved: bool) -> &'static str {
    if approved { "<span class=\"ok\">✓</span>" } else { "<span class=\"no\">–</span>" }
}

fn posted(at: u64) -> String {
    if at == 0 { "not yet".into() } else { at.to_string() }
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, body: &str, refresh: bool) -> String {
    let refresh = if refresh {
        format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">")
    } else {
        String::new()
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">{refresh}\
         <title>{} · Tribunal</title><style>{STYLE}</style></head>\
         <body><nav><a href=\"/\">Tribunal</a> · finality explorer · <a href=\"/council\">council and safety</a></nav><main>{body}</main></body></html>",
        esc(title)
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}\
nav{background:#24292f;color:#fff;padding:10px 24px}nav a{color:#fff;font-weight:600}\
main{padding:16px 24px}table{border-collapse:collapse;background:#fff;margin:8px 0}\
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
.mono{font-family:ui-monospace,monospace;font-size:12px}.cards{display:flex;gap:12px}\
.card{background:#fff;border:1px solid #d0d7de;padding:8px 16px}.big{font-size:28px;font-weight:600}\
.label{color:#57606a}.badge{border-radius:10px;padding:1px 8px;color:#fff;font-size:12px}\
.final{background:#1a7f37}.skipped{background:#8c959f}.pending{background:#9a6700}.ok{color:#1a7f37}.no{color:#8c959f}\
.chip{display:inline-block;border:1px solid #d0d7de;border-radius:8px;padding:0 6px;margin:1px}\
.error{color:#cf222e}.wrap{white-space:pre-wrap;word-break:break-all;max-width:1000px}";
