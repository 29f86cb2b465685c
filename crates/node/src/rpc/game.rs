//! `tribunal_getGame`: a claim's dispute game, every position of its bisection with its clock and
//! bond, read from `DisputeGame` (its `Move` events name the positions, `nodeOf` gives each one's
//! state).

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use serde::{Deserialize, Serialize};
use tribunal_contracts::DisputeGame;
use tribunal_l1::{L1, view};

/// A claim's dispute game (OP Stack terms: claim, bisection, step, clock, bond, resolve).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GameInfo {
    /// The claim.
    pub claim: u64,
    /// The game contract.
    pub game: Address,
    /// Whether a game exists: one is created by its first challenge (or by `create`), or
    /// recorded by `resolve` when an unchallenged claim needs OP.
    pub exists: bool,
    /// `inProgress`, `resolvedFor` or `resolvedAgainst`.
    pub status: String,
    /// Start of the challenge window, L1 seconds (0: no game yet).
    pub window_starts_at: u64,
    /// End of the challenge window, L1 seconds (0: no game yet).
    pub window_ends_at: u64,
    /// When it resolved, L1 seconds (0: not yet).
    pub resolved_at: u64,
    /// Who created it and bonded the root.
    pub creator: Address,
    /// Each side's chess clock along a path, seconds.
    pub clock_secs: u64,
    /// Steps the trace has: the batch's L1 messages plus its records (0 until a challenge read
    /// the batch header).
    pub trace_len: u32,
    /// Every position, in posting order (the root first), at most [`MAX_POSITIONS`].
    pub positions: Vec<Position>,
    /// Whether the game has more positions than [`MAX_POSITIONS`] (the first are returned).
    #[serde(default)]
    pub truncated: bool,
}

/// Most positions `tribunal_getGame` reads and returns: anyone may post positions (each with its
/// bond), and an honest game of a 2^16-step trace needs about 34.
pub const MAX_POSITIONS: usize = 256;

/// One position of a game's bisection.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    /// Its id in the game contract.
    pub id: u64,
    /// The position it answers (`None`: the root).
    pub parent: Option<u64>,
    /// 0 for the root, 1 for its challenge, and so on.
    pub depth: u8,
    /// `root` (the claim), `challenge`, `attack`, `defend` (challenges of a midpoint's lower or
    /// upper half) or `midpoint` (a bisection).
    pub kind: String,
    /// Lower end of the disputed interval, in trace steps (a midpoint: its position; the root:
    /// 0).
    pub lo: u32,
    /// Upper end (a midpoint: its position; the root: the trace's length).
    pub hi: u32,
    /// Trace hash asserted (root, midpoint) or disputed (challenge) at `hi`.
    pub hi_hash: B256,
    /// Who posted it.
    pub claimant: Address,
    /// Its bond, in wei.
    pub bond: U256,
    /// When it was posted, L1 seconds.
    pub created_at: u64,
    /// Clock its side has used along its path, this move included, seconds.
    pub clock_used: u64,
    /// Until when it can be answered (a one-step challenge: stepped), L1 seconds.
    pub deadline: u64,
    /// The first answer known to stand against it.
    pub countered_by: Option<u64>,
    /// Settled (`resolveNode`, or `resolve` for the root).
    pub resolved: bool,
    /// A challenge decided for good by the blob data or a step.
    pub proven: bool,
    /// A one-step challenge countered by a step.
    pub stepped: bool,
}

/// The game of claim `claim` in `game`: its `Move` events (filtered by claim on the node), then
/// each position's state, for at most [`MAX_POSITIONS`].
///
/// # Errors
/// L1 could not be read.
pub(crate) async fn read<L: L1>(
    l1: &L,
    game: Address,
    claim: u64,
) -> tribunal_l1::L1Result<GameInfo> {
    let id = U256::from(claim);
    let g = view(l1, game, DisputeGame::gameOfCall { _claimId: id }).await?;
    let window = view(l1, game, DisputeGame::WINDOW_SECONDSCall {}).await?;
    let clock_secs = view(l1, game, DisputeGame::CLOCK_SECONDSCall {}).await?;
    let exists = g.windowStartsAt != 0;
    let trace_len = g.messages + g.txCount;
    let mut ids = Vec::new();
    if g.root != 0 {
        ids.push(u64::from(g.root) - 1);
        let moved = DisputeGame::Move::SIGNATURE_HASH;
        for l in l1.logs_where(game, moved, Some(B256::from(id)), 0).await? {
            if let Ok(m) = DisputeGame::Move::decode_log(&l.log)
                && m.claimId == id
            {
                ids.push(m.node.to::<u64>());
            }
        }
    }
    let truncated = ids.len() > MAX_POSITIONS;
    ids.truncate(MAX_POSITIONS);
    let mut positions: Vec<Position> = Vec::with_capacity(ids.len());
    let mut kinds = std::collections::HashMap::new();
    for n in ids {
        let p = view(l1, game, DisputeGame::nodeOfCall { _id: U256::from(n) }).await?;
        let deadline = view(l1, game, DisputeGame::deadlineOfCall { _id: U256::from(n) }).await?;
        let parent = (p.parent != 0).then(|| u64::from(p.parent) - 1);
        let kind = match p.kind {
            0 => "root",
            2 => "midpoint",
            _ => match parent.and_then(|q| kinds.get(&q)) {
                Some(&("midpoint", hi)) if p.hi == hi => "attack",
                Some(&("midpoint", _)) => "defend",
                _ => "challenge",
            },
        };
        kinds.insert(n, (kind, p.hi));
        positions.push(Position {
            id: n,
            parent,
            depth: p.depth,
            kind: kind.into(),
            lo: if p.kind == 0 { 0 } else { p.lo },
            hi: if p.kind == 0 { trace_len } else { p.hi },
            hi_hash: p.hiHash,
            claimant: p.claimant,
            bond: U256::from(p.bond),
            created_at: p.createdAt,
            clock_used: p.clock,
            deadline,
            countered_by: (p.counteredBy != 0).then(|| u64::from(p.counteredBy) - 1),
            resolved: p.resolved,
            proven: p.proven,
            stepped: p.stepped,
        });
    }
    Ok(GameInfo {
        claim,
        game,
        exists,
        status: super::op_name(super::game_status(g.status)).into(),
        window_starts_at: g.windowStartsAt,
        window_ends_at: if exists { g.windowStartsAt + window } else { 0 },
        resolved_at: g.resolvedAt,
        creator: g.creator,
        clock_secs,
        trace_len,
        positions,
        truncated,
    })
}
