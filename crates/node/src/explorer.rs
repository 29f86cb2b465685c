//! The finality explorer: server-rendered HTML pages where users, operators and council members
//! see where each batch and claim stands, served by the node with axum.
//!
//! Every figure comes from [`RpcApi`], the code behind the JSON-RPC: there is no second source of
//! truth. Pages update themselves in place every [`REFRESH_SECS`] seconds (short polling: the
//! page fetches itself and swaps in its new content; without JavaScript it reloads), so countdowns
//! and legs move without a manual reload. Bad input in a URL (a malformed number, an unknown
//! batch or claim) gives a 400 or 404 page, never a panic.
//!
//! Routes:
//! - `/`: chain, head and latest final batch, the recent batches with every claim's legs and the
//!   path it is on, and charts of their time to finality and of the L1 gas the node paid;
//! - `/batch/{n}`: a batch's transactions, blobs (and how full), roots, claims and L1
//!   transactions;
//! - `/claim/{id}`: one claim's legs (ZK proof, TEE signer with its measurement and kind, OP),
//!   clocks, the path it is on, its dispute game drawn as a bisection, and its L1 transactions;
//! - `/account/{index}` (and `/account?index=`): balance, nonce, pending transactions, and its
//!   withdrawals, each linked to its `claimWithdrawal` call once its batch is final;
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

use crate::rpc::{BatchInfo, ClaimInfo, GameInfo, L1TxInfo, RpcApi, TribunalApiServer, codes};

/// Seconds between a page's live updates.
pub const REFRESH_SECS: u32 = 3;

/// How many of the most recent batches the overview lists.
pub const RECENT_BATCHES: u64 = 12;

/// Bytes paid per blob (EIP-4844: 4,096 field elements of 32 bytes).
const BLOB_BYTES: u64 = 131_072;

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
    let now = api.l1_time().await?;
    let first = info.head.saturating_sub(RECENT_BATCHES - 1).max(1);
    let mut points = Vec::new();
    for n in (first..=info.head).rev() {
        let Some(b) = api.get_batch(n).await? else { continue };
        let mut status = match (b.posted_at, b.claims.is_empty()) {
            (0, _) => "<span class=\"badge pending\">sealed, not posted</span>".to_string(),
            (_, true) => "<span class=\"badge pending\">posted, no claim yet</span>".into(),
            (_, false) => "<span class=\"badge pending\">pending</span>".into(),
        };
        let (claims, errors) = claims_of(&api, &b).await;
        let mut chips = errors;
        let mut ttf = None;
        for c in &claims {
            let _ = write!(
                chips,
                "{} <span class=\"outlook\">{}</span><br>",
                claim_chip(c),
                esc(&outlook(c, &claims, now))
            );
            if b.final_claim == Some(c.id) {
                status = format!("<span class=\"badge final\">final</span> {}", esc(&path_of(c)));
                ttf = (b.posted_at > 0).then(|| c.final_at.saturating_sub(b.posted_at));
            }
        }
        points.push(ChartPoint { batch: n, ttf, gas: batch_gas(&b, &claims) });
        let _ = write!(
            body,
            "<tr><td><a href=\"/batch/{n}\">{n}</a></td><td>{}</td><td>{}</td><td>{chips}</td><td class=\"status\" id=\"batch-{n}\">{status}</td></tr>",
            b.txs.len(),
            posted(b.posted_at)
        );
    }
    body.push_str("</table>");
    points.reverse();
    body.push_str("<h2>Recent batches: time to finality and L1 gas</h2><div class=\"cards\">");
    body.push_str(&bar_chart(
        "chart-ttf",
        "posting → final, L1 seconds",
        &points.iter().map(|p| (p.batch, p.ttf)).collect::<Vec<_>>(),
    ));
    body.push_str(&bar_chart(
        "chart-gas",
        "L1 execution gas this node paid (post, propose, proofs, finalize; blob gas apart)",
        &points.iter().map(|p| (p.batch, p.gas)).collect::<Vec<_>>(),
    ));
    body.push_str("</div>");
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
    if !b.blob_hashes.is_empty() {
        let paid = b.blob_hashes.len() as u64 * BLOB_BYTES;
        let _ = write!(
            body,
            "<p id=\"blob-use\">{} bytes of payload in {} blob(s): {paid} bytes paid, {} used</p>",
            b.payload_bytes,
            b.blob_hashes.len(),
            match b.payload_bytes as f64 * 100.0 / paid as f64 {
                p if p < 1.0 => format!("{p:.2}%"),
                p => format!("{p:.1}%"),
            }
        );
    }
    let (claims, errors) = claims_of(&api, &b).await;
    claims_table(&claims, &errors, api.l1_time().await?, &mut body);
    for c in &claims {
        if let Ok(g) = api.get_game(c.id).await
            && !g.positions.is_empty()
        {
            let _ = write!(
                body,
                "<h3>The dispute game of <a href=\"/claim/{0}\">claim {0}</a>: {1}</h3>",
                c.id,
                esc(&g.status)
            );
            body.push_str(&bisection_svg(&g));
        }
    }
    body.push_str("<h2>L1 transactions</h2><table><tr><th>action</th><th>claim</th><th>by</th><th>block</th><th>transaction</th><th>gas</th></tr>");
    if let Some(t) = &b.post_tx {
        body.push_str(&tx_row(t, None));
    }
    for c in &claims {
        for t in &c.l1_txs {
            body.push_str(&tx_row(t, Some(c.id)));
        }
    }
    body.push_str("</table>");
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

/// The claims of batch `b` that could be read, and a note for those that could not.
async fn claims_of<L: L1 + 'static>(api: &RpcApi<L>, b: &BatchInfo) -> (Vec<ClaimInfo>, String) {
    let (mut claims, mut errors) = (Vec::new(), String::new());
    for &id in &b.claims {
        match api.get_claim(id).await {
            Ok(c) => claims.push(c),
            Err(e) => {
                let _ = write!(errors, "#{id}: {}<br>", esc(e.message()));
            }
        }
    }
    (claims, errors)
}

fn claims_table(claims: &[ClaimInfo], errors: &str, now: u64, body: &mut String) {
    body.push_str("<h2>Claims (rivals included)</h2><table><tr><th>claim</th><th>post root</th><th>ZK</th><th>TEE</th><th>OP</th><th>status</th><th>path</th></tr>");
    for c in claims {
        let _ = write!(
            body,
            "<tr><td><a href=\"/claim/{id}\">{id}</a></td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"outlook\">{}</td></tr>",
            c.post_root,
            leg(c.zk),
            leg(c.tee),
            esc(&c.op),
            esc(&c.explanation),
            esc(&outlook(c, claims, now)),
            id = c.id,
        );
    }
    if !errors.is_empty() {
        let _ = write!(body, "<tr><td colspan=\"7\">{errors}</td></tr>");
    }
    if claims.is_empty() && errors.is_empty() {
        body.push_str("<tr><td colspan=\"7\">no claim proposed yet</td></tr>");
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
    let now = api.l1_time().await?;
    let rivals = match api.get_batch(c.batch).await? {
        Some(b) => claims_of(&api, &b).await.0,
        None => Vec::new(),
    };
    let zk = match c.l1_txs.iter().rev().find(|t| t.action == "zk") {
        Some(t) if c.zk => format!(
            "<span class=\"badge final\">proof accepted</span> in L1 block {} (<span class=\"mono\">{}</span>)",
            t.block, t.tx
        ),
        Some(_) => {
            "a proof was accepted, under a verifier that no longer counts (upgraded or frozen)"
                .into()
        }
        None => match c.zk_prover.as_deref() {
            Some("proving") => "<span class=\"badge pending\">proving</span> by this node's ZK prover".into(),
            Some("queued") => "<span class=\"badge pending\">queued</span> behind earlier batches at this node's ZK prover".into(),
            Some(_) => "<span class=\"badge pending\">no proof</span>: this node's ZK prover is past this batch (it proved another claim of it, or found this one wrong)".into(),
            None => "<span class=\"badge pending\">no proof yet</span>".into(),
        },
    };
    let tee = match &c.tee_signer {
        Some(s) => {
            let kind = match s.kind.as_str() {
                "devInsecure" => "<span class=\"badge insecure\">dev key: INSECURE</span>",
                "sgx" => "<span class=\"badge final\">Intel SGX</span>",
                "tdx" => "<span class=\"badge final\">Intel TDX</span>",
                _ => {
                    "<span class=\"badge skipped\">not registered by the current TEE verifier</span>"
                }
            };
            let state = if s.kind == "unknown" {
                String::new()
            } else if s.revoked {
                " <span class=\"badge skipped\">revoked</span>".to_string()
            } else if s.expires_at <= now {
                " <span class=\"badge skipped\">expired</span>".to_string()
            } else {
                format!(", valid for {}", duration(s.expires_at - now))
            };
            format!(
                "{} by signer <span class=\"mono\">{}</span> {kind}{state}<br>measurement <span class=\"mono\" id=\"measurement\">{}</span>",
                if c.tee {
                    "<span class=\"badge final\">attested</span>"
                } else {
                    "signed, does not count"
                },
                s.address,
                s.measurement
            )
        }
        None => "<span class=\"badge pending\">no attestation yet</span>".into(),
    };
    let game = api.get_game(id).await;
    let window = if c.is_final {
        String::new()
    } else if c.window_ends_at > now {
        format!("; window ends in {}", duration(c.window_ends_at - now))
    } else {
        "; window passed".into()
    };
    let mut body = format!("<h1>Claim {id}</h1>");
    let _ = write!(
        body,
        "<p id=\"status\">{} <span>{}</span></p>\
         <p id=\"outlook\" class=\"outlook\">{}</p>\
         <table><tr><th>batch</th><td><a href=\"/batch/{b}\">{b}</a></td></tr>\
         <tr><th>proposer (bonded)</th><td class=\"mono\">{}</td></tr>\
         <tr><th>parent root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>post root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>withdrawal root</th><td class=\"mono\">{}</td></tr>\
         <tr><th>ZK leg</th><td id=\"zk\">{zk}</td></tr>\
         <tr><th>TEE leg</th><td id=\"tee\">{tee}</td></tr>\
         <tr><th>OP leg (dispute game)</th><td id=\"op\">{}; window ends at L1 time {}{window}</td></tr>\
         <tr><th>final at</th><td>{}</td></tr></table>",
        if c.is_final {
            "<span class=\"badge final\">final</span>"
        } else if c.explanation.starts_with("rejected") {
            "<span class=\"badge skipped\">rejected</span>"
        } else {
            "<span class=\"badge pending\">pending</span>"
        },
        esc(&c.explanation),
        esc(&outlook(&c, &rivals, now)),
        c.proposer,
        c.parent_root,
        c.post_root,
        c.withdrawal_root,
        esc(&op_label(&c)),
        c.window_ends_at,
        if c.final_at == 0 { "–".to_string() } else { format!("L1 time {}", c.final_at) },
        b = c.batch,
    );
    match &game {
        Ok(g) => game_section(g, now, &mut body),
        Err(e) => {
            // L1 or store failures: details (an RPC URL may hold a key) go to the log only.
            let message = if e.code() == codes::INTERNAL {
                tracing::warn!(error = e.message(), "explorer: reading the game failed");
                "The node could not read the dispute game."
            } else {
                e.message()
            };
            let _ = write!(body, "<h2>Dispute game</h2><p id=\"game\">{}</p>", esc(message));
        }
    }
    body.push_str("<h2>L1 transactions</h2><table><tr><th>action</th><th>claim</th><th>by</th><th>block</th><th>transaction</th><th>gas</th></tr>");
    for t in &c.l1_txs {
        body.push_str(&tx_row(t, Some(id)));
    }
    body.push_str("</table>");
    Ok(Html(layout(&format!("Claim {id}"), &body, true)))
}

/// The dispute game: its state, the bisection drawn over the trace, and every position.
fn game_section(g: &GameInfo, now: u64, body: &mut String) {
    body.push_str("<h2>Dispute game</h2>");
    if !g.exists {
        body.push_str("<p id=\"game\">No game: nobody has challenged this claim. A game is created by the first challenge (anyone may challenge, with a bond, during the window), or recorded by <span class=\"mono\">resolve</span> if the slow path needs OP.</p>");
        return;
    }
    let _ = write!(
        body,
        "<p id=\"game\">Game <b>{}</b>; created by <span class=\"mono\">{}</span>; window L1 time {} – {}{}; each side's chess clock {}.</p>",
        esc(&g.status),
        g.creator,
        g.window_starts_at,
        g.window_ends_at,
        if g.resolved_at > 0 {
            format!("; resolved at L1 time {}", g.resolved_at)
        } else {
            String::new()
        },
        duration(g.clock_secs)
    );
    if g.positions.is_empty() {
        body.push_str("<p>Unchallenged: no position posted.</p>");
        return;
    }
    body.push_str(&bisection_svg(g));
    body.push_str("<table id=\"positions\"><tr><th>position</th><th>answers</th><th>move</th><th>steps</th><th>hash at the upper end</th><th>by</th><th>bond (ETH)</th><th>clock used</th><th>deadline</th><th>state</th></tr>");
    for p in &g.positions {
        let state = if p.proven {
            "<span class=\"badge skipped\">proven</span>".to_string()
        } else if p.stepped {
            "<span class=\"badge final\">countered by a step</span>".to_string()
        } else if let Some(by) = p.countered_by {
            format!("countered by #{by}")
        } else if p.resolved {
            "stands (resolved)".to_string()
        } else {
            "open".to_string()
        };
        let deadline = if p.resolved || p.proven {
            "–".to_string()
        } else if p.deadline > now {
            format!("in {}", duration(p.deadline - now))
        } else {
            "passed".into()
        };
        let _ = write!(
            body,
            "<tr><td>#{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{deadline}</td><td>{state}</td></tr>",
            p.id,
            p.parent.map_or_else(|| "the claim".to_string(), |q| format!("#{q}")),
            esc(&p.kind),
            if p.kind == "midpoint" {
                format!("at {}", p.hi)
            } else {
                format!("{} – {}", p.lo, p.hi)
            },
            short(&p.hi_hash.to_string()),
            short(&p.claimant.to_string()),
            alloy_primitives::utils::format_ether(p.bond),
            duration(p.clock_used),
        );
    }
    body.push_str("</table>");
}

/// The bisection as SVG: one row per position in posting order, each drawn over the trace's
/// steps (claim side blue, challenger side red).
fn bisection_svg(g: &GameInfo) -> String {
    let span = g.positions.iter().map(|p| p.hi).max().unwrap_or(0).max(g.trace_len).max(1);
    let (left, width, row) = (150.0, 460.0, 22.0);
    let x = |v: u32| left + width * f64::from(v) / f64::from(span);
    let height = row * (g.positions.len() as f64 + 1.0);
    let mut svg = format!(
        "<svg id=\"bisection-{}\" class=\"chart\" width=\"640\" height=\"{height}\" role=\"img\" aria-label=\"bisection of the trace\">\
         <text x=\"{left}\" y=\"12\" class=\"axis\">step 0</text><text x=\"{}\" y=\"12\" class=\"axis\" text-anchor=\"end\">step {span}</text>",
        g.claim,
        left + width
    );
    for (i, p) in g.positions.iter().enumerate() {
        let y = row * (i as f64 + 1.0);
        let claim_side = matches!(p.kind.as_str(), "root" | "midpoint");
        let colour = if claim_side { "#0969da" } else { "#cf222e" };
        // A position that lost: countered, or a challenge countered by a step.
        let lost = p.countered_by.is_some() || p.stepped;
        let faded = if lost { " opacity=\"0.4\"" } else { "" };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"axis\">#{} {}</text>",
            4.0 + 8.0 * f64::from(p.depth.min(12)),
            y + 14.0,
            p.id,
            esc(&p.kind)
        );
        if p.kind == "root" || p.lo != p.hi {
            let (a, b) = if p.kind == "root" { (0, span) } else { (p.lo, p.hi) };
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"12\" fill=\"{colour}\"{faded}/>",
                x(a),
                y + 4.0,
                (x(b) - x(a)).max(2.0)
            );
        } else {
            let cx = x(p.hi);
            let _ = write!(
                svg,
                "<path d=\"M{:.1} {:.1}l6 6l-6 6l-6 -6z\" fill=\"{colour}\"{faded}/>",
                cx,
                y + 4.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A long hex string cut to its first 10 and last 4 characters, whole on hover.
fn short(hex: &str) -> String {
    match (hex.get(..10), hex.get(hex.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if hex.len() > 16 => {
            format!("<span title=\"{hex}\">{head}…{tail}</span>")
        }
        _ => hex.to_string(),
    }
}

/// One L1 transaction as a table row.
fn tx_row(t: &L1TxInfo, claim: Option<u64>) -> String {
    format!(
        "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
        esc(&t.action),
        claim.map_or_else(|| "–".to_string(), |id| format!("<a href=\"/claim/{id}\">{id}</a>")),
        if t.by == alloy_primitives::Address::ZERO { "–".to_string() } else { t.by.to_string() },
        t.block,
        t.tx,
        t.gas.map_or_else(|| "–".to_string(), |g| g.to_string())
    )
}

/// The path a pending claim is on and when it can become final; a final claim's path.
fn outlook(c: &ClaimInfo, batch: &[ClaimInfo], now: u64) -> String {
    if c.is_final {
        return format!("final via {}", path_of(c));
    }
    if c.explanation.starts_with("final") {
        return "final on L1; reported final once its finalization is deep enough".into();
    }
    if c.explanation.starts_with("rejected") {
        return "rejected: another claim of this batch is final".into();
    }
    if c.explanation.starts_with("waiting: parent not final") {
        return "waiting for the parent batch to be final".into();
    }
    let at = |t: u64| {
        if t > now {
            format!("L1 time {t} (in {})", duration(t - now))
        } else {
            format!("L1 time {t} (passed)")
        }
    };
    let same_input = |r: &&ClaimInfo| r.id != c.id && r.parent_root == c.parent_root;
    let conflict = batch.iter().filter(same_input).any(|r| (c.zk && r.tee) || (c.tee && r.zk));
    match (c.zk, c.tee) {
        _ if conflict => "conflict: ZK and TEE approve different results; OP decides".into(),
        (true, true) => "instant: ZK and TEE agree (final once its parent is)".into(),
        _ if c.op == "resolvedAgainst" => "stuck: OP resolved against it; needs ZK and TEE".into(),
        (false, true) => format!(
            "instant once ZK lands; otherwise via TEE+OP, from {} if OP favours it",
            at(c.window_ends_at)
        ),
        (true, false) => format!(
            "instant once TEE lands; otherwise via ZK+OP, from {} if OP favours it",
            at(c.window_ends_at)
        ),
        (false, false) => format!(
            "instant once ZK and TEE land; otherwise one of them and OP, from {}",
            at(c.window_ends_at)
        ),
    }
}

/// One batch of the overview's charts: its time to finality and the L1 gas this node paid.
struct ChartPoint {
    batch: u64,
    ttf: Option<u64>,
    gas: Option<u64>,
}

/// The L1 gas of batch `b` this node paid: its post and its claims' transactions, each counted
/// once (`proveAndAttest` approves twice in one transaction, `proposeAndSettle` proposes too,
/// `postAndSettle` posts as well);
/// `None` when it paid none.
fn batch_gas(b: &BatchInfo, claims: &[ClaimInfo]) -> Option<u64> {
    let mut seen = std::collections::BTreeMap::new();
    for t in b.post_tx.iter().chain(claims.iter().flat_map(|c| &c.l1_txs)) {
        if let Some(g) = t.gas {
            seen.insert(t.tx, g);
        }
    }
    (!seen.is_empty()).then(|| seen.values().sum())
}

/// A bar chart as SVG, one bar per batch (`None`: no bar, "–").
fn bar_chart(id: &str, title: &str, points: &[(u64, Option<u64>)]) -> String {
    let (w, h, top, bottom) = (420.0, 170.0, 22.0, 20.0);
    let max = points.iter().filter_map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let slot = (w - 20.0) / points.len().max(1) as f64;
    let mut svg = format!(
        "<div class=\"card\"><div class=\"label\">{}</div><svg id=\"{id}\" class=\"chart\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(title)
    );
    for (i, (batch, v)) in points.iter().enumerate() {
        let x = 10.0 + slot * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{batch}</text>",
            x + slot / 2.0,
            h - 6.0
        );
        match v {
            Some(v) => {
                let bar = (h - top - bottom) * (*v as f64) / max;
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#0969da\"><title>batch {batch}: {v}</title></rect>\
                     <text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                    x + 2.0,
                    h - bottom - bar,
                    (slot - 4.0).max(1.0),
                    bar,
                    x + slot / 2.0,
                    h - bottom - bar - 3.0,
                    compact(*v)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">–</text>",
                    x + slot / 2.0,
                    h - bottom - 3.0
                );
            }
        }
    }
    svg.push_str("</svg></div>");
    svg
}

/// 1234 → "1234"; 773242 → "773k"; 2615088 → "2.6M".
fn compact(v: u64) -> String {
    match v {
        v if v >= 1_000_000 => format!("{:.1}M", v as f64 / 1e6),
        v if v >= 10_000 => format!("{}k", v / 1_000),
        v => v.to_string(),
    }
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
        let health = match (&s.frozen_by[i], s.frozen[i]) {
            (_, false) => "<span class=\"ok\">counts</span>".to_string(),
            (Some(e), true) => format!(
                "<span class=\"badge skipped\">frozen</span> by self-disagreement evidence (rule 5): it approved <a href=\"/claim/{a}\">claim {a}</a> and <a href=\"/claim/{b}\">claim {b}</a>, two results for one input (L1 block {}, <span class=\"mono\">{}</span>); counts as zero; the council may replace it once, at once",
                e.tx.block,
                e.tx.tx,
                a = e.a,
                b = e.b,
            ),
            (None, true) => "<span class=\"badge skipped\">frozen</span> by self-disagreement evidence (rule 5): counts as zero; the council may replace it once, at once".to_string(),
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
    let mut body = format!(
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
    body.push_str("<h2>Pending transactions</h2><table id=\"pending\"><tr><th>kind</th><th>from</th><th>to</th><th>amount (wei)</th><th>nonce</th></tr>");
    for raw in &a.pending {
        let _ = write!(body, "<tr>{}</tr>", tx_cells(raw));
    }
    if a.pending.is_empty() {
        body.push_str("<tr><td colspan=\"5\">none</td></tr>");
    }
    body.push_str("</table><h2>Withdrawals</h2><table id=\"withdrawals\"><tr><th>batch</th><th>index</th><th>L1 recipient</th><th>amount (wei)</th><th>status</th></tr>");
    for w in &a.withdrawals {
        let status = if w.is_final {
            format!(
                "<a href=\"/withdrawal/{}/{}\">ready to claim: the claimWithdrawal call</a>",
                w.batch, w.index
            )
        } else {
            format!("waiting for batch {} to be final", w.batch)
        };
        let _ = write!(
            body,
            "<tr><td><a href=\"/batch/{b}\">{b}</a></td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{status}</td></tr>",
            w.index,
            w.to,
            w.amount,
            b = w.batch,
        );
    }
    if a.withdrawals.is_empty() {
        body.push_str("<tr><td colspan=\"5\">none</td></tr>");
    }
    body.push_str("</table>");
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

/// A claim as a chip: id and its three legs (ZK "proving" while this node's prover is on it).
fn claim_chip(c: &ClaimInfo) -> String {
    let zk = match c.zk_prover.as_deref() {
        Some(state @ ("proving" | "queued")) => format!("<span class=\"no\">{state}</span>"),
        _ => leg(c.zk).to_string(),
    };
    format!(
        "<a class=\"chip\" href=\"/claim/{0}\">#{0}: ZK {zk} · TEE {1} · OP {2}</a>",
        c.id,
        leg(c.tee),
        esc(&op_label(c))
    )
}

/// The OP leg in words. A final claim whose game is still open did not need it (the instant
/// path): "in progress" would read as pending.
fn op_label(c: &ClaimInfo) -> String {
    match c.op.as_str() {
        "inProgress" if c.is_final => "not needed".into(),
        "inProgress" => "open".into(),
        "resolvedFor" => "resolved for it".into(),
        "resolvedAgainst" => "resolved against it".into(),
        other => other.into(),
    }
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

fn layout(title: &str, body: &str, live: bool) -> String {
    let (head, nav, script) = if live {
        (
            format!(
                "<noscript><meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\"></noscript>"
            ),
            format!(" · <span id=\"live\" class=\"live\">updates every {REFRESH_SECS} s</span>"),
            format!(
                "<script>{}</script>",
                LIVE.replace("REFRESH_MS", &(REFRESH_SECS * 1000).to_string())
            ),
        )
    } else {
        (String::new(), String::new(), String::new())
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">{head}\
         <title>{} · Tribunal</title><style>{STYLE}</style></head>\
         <body><nav><a href=\"/\">Tribunal</a> · finality explorer · <a href=\"/council\">council and safety</a>{nav}</nav><main>{body}</main>{script}</body></html>",
        esc(title)
    )
}

/// Live updates by short polling: every `REFRESH_MS` the page fetches itself (given up after
/// three periods) and swaps in the new `<main>` in place, so scroll position and the page's state
/// survive. A 5xx answer (L1 or the store unreadable), an answer with no page, or none at all
/// keeps the last content and marks the page stale. While a form field has focus or text, or
/// text in the page is selected, the swap waits and says so. Without JavaScript, `<noscript>`
/// reloads.
const LIVE: &str = "(()=>{const live=document.getElementById('live');let busy=false;\
const say=(t,c)=>{live.textContent=t;live.className='live'+(c?' '+c:'');};\
async function tick(){if(busy)return;const m=document.querySelector('main');\
const a=document.activeElement;const sel=getSelection();\
if((a&&m.contains(a)&&/^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName))||\
[...m.querySelectorAll('input')].some(i=>i.value!=='')){say('paused while you type');return;}\
if(sel&&!sel.isCollapsed&&m.contains(sel.anchorNode)){say('paused while text is selected');return;}\
busy=true;try{const r=await fetch(location.href,{cache:'no-store',signal:AbortSignal.timeout(3*REFRESH_MS)});\
if(r.status>=500)throw new Error('status '+r.status);\
const d=new DOMParser().parseFromString(await r.text(),'text/html');const n=d.querySelector('main');\
if(!n)throw new Error('no page');\
if(n.innerHTML!==m.innerHTML){m.innerHTML=n.innerHTML;document.title=d.title;}\
say('updated '+new Date().toLocaleTimeString());}\
catch(e){say('stale ('+e.message+')','error');}\
finally{busy=false;}}setInterval(tick,REFRESH_MS);})();";

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}\
nav{background:#24292f;color:#fff;padding:10px 24px}nav a{color:#fff;font-weight:600}\
main{padding:16px 24px}table{border-collapse:collapse;background:#fff;margin:8px 0}\
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
.mono{font-family:ui-monospace,monospace;font-size:12px}.cards{display:flex;gap:12px}\
.card{background:#fff;border:1px solid #d0d7de;padding:8px 16px}.big{font-size:28px;font-weight:600}\
.label{color:#57606a}.badge{border-radius:10px;padding:1px 8px;color:#fff;font-size:12px}\
.final{background:#1a7f37}.skipped{background:#8c959f}.pending{background:#9a6700}.ok{color:#1a7f37}.no{color:#8c959f}\
.chip{display:inline-block;border:1px solid #d0d7de;border-radius:8px;padding:0 6px;margin:1px}\
.error{color:#cf222e}.wrap{white-space:pre-wrap;word-break:break-all;max-width:1000px}\
.insecure{background:#cf222e}.outlook{color:#57606a;font-size:13px}\
.live{color:#9be9a8;font-size:12px}nav .error{color:#ff8182}.chart{background:#fff}.axis{font-size:10px;fill:#57606a}";
