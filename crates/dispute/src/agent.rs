//! The honest players: a [`Challenger`] that disputes every wrong claim to the end, and a
//! [`Defender`] that defends every right claim, whoever proposed it. Both play `DisputeGame`'s
//! tree of positions: they answer every position of their side's games that the truth calls for
//! (whoever posted the rest), step one-transaction challenges, settle positions bottom-up and
//! collect their bonds. Both are poll loops over L1 (plain tokio tasks via `run`), keep their
//! decisions in a [`DisputeStore`], and rebuild everything else (replica states, traces) from L1
//! after a restart.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_eips::eip4844::Blob;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolEvent};
use tribunal_contracts::{
    DisputeGame::{self, BlobElement},
    MultiProofFinality, StfStep,
};
use tribunal_da::{open_element, read_batch};
use tribunal_l1::{L1, L1Error, L1Receipt, L1Tx, view};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, QueueAcc, StateRoot, WithdrawalRoot,
    field::{fr_from_be_bytes, fr_to_be_bytes, fr_to_word},
};
use tribunal_stf::{State, execute_batch};

use crate::{
    store::{ClaimMark, DisputeStore, Resolved, StoreError},
    trace::{AccountLeaf, StepWitness, Trace, TraceError, TraceState, Verdict, message_chunks},
};

/// `DisputeGame.Kind`.
mod kind {
    pub(super) const ROOT: u8 = 0;
    pub(super) const CHALLENGE: u8 = 1;
    pub(super) const MIDPOINT: u8 = 2;
}

/// The key `DisputeGame.answerOf` takes for an attack (1) or a defence (2) of a midpoint.
fn variant(v: u8) -> B256 {
    B256::with_last_byte(v)
}

/// `GameStatus.IN_PROGRESS`.
const IN_PROGRESS: u8 = 0;

/// The contracts an agent talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contracts {
    /// `Inbox`.
    pub inbox: Address,
    /// `MultiProofFinality`.
    pub finality: Address,
    /// `DisputeGame`.
    pub game: Address,
}

/// Why an agent's poll stopped (it retries on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// An L1 call failed, or a transaction reverted.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be built.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// A KZG opening could not be computed.
    #[error(transparent)]
    Da(#[from] tribunal_da::DaError),
}

/// What an agent did in one poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A claim was judged.
    Judged {
        /// Claim id.
        claim: u64,
        /// The verdict (`None`: not followed).
        verdict: Option<Verdict>,
    },
    /// The challenger challenged a claim (the root of its game).
    Opened {
        /// Claim id.
        claim: u64,
        /// The challenge's position id.
        challenge: u64,
        /// Gas used.
        gas: u64,
    },
    /// A bisection move answering position `node`: the defender's midpoint (`bisect`), or the
    /// challenger's `attack` or `defend`.
    Moved {
        /// The answered position.
        node: u64,
        /// `bisect`, `attack` or `defend`.
        kind: &'static str,
        /// Gas used.
        gas: u64,
    },
    /// A one-transaction challenge was stepped on chain.
    Stepped {
        /// The challenge's position id.
        challenge: u64,
        /// Whether the step countered it (the defender's step) or proved it (the challenger's).
        countered: bool,
        /// Gas used.
        gas: u64,
    },
    /// A position was settled and its bond paid.
    ResolvedNode {
        /// The position.
        node: u64,
        /// Gas used.
        gas: u64,
    },
    /// A game was resolved.
    Resolved {
        /// Claim id.
        claim: u64,
        /// Gas used.
        gas: u64,
    },
    /// Credit was withdrawn.
    Claimed {
        /// Claim id.
        claim: u64,
        /// Amount, in wei.
        wei: U256,
    },
}

/// The L2 state after each posted batch, followed from the blobs on L1.
///
/// It keeps the states of the last `KEPT_STATES` batches; an older one (a claim on a batch that
/// waits for the slow path behind many later ones, which an attacker may choose to dispute) is
/// re-executed from genesis on demand, so no claim goes unjudged for its age.
#[derive(Debug)]
pub struct Replica {
    genesis: State,
    states: BTreeMap<u64, State>,
    /// The last state re-executed from genesis, older than `states` keeps.
    replayed: Option<State>,
    broken: Option<u64>,
}

/// States kept, most recent batches first.
const KEPT_STATES: usize = 64;

impl Replica {
    /// A replica at `genesis` (batch 0).
    pub fn new(genesis: State) -> Self {
        Self {
            states: BTreeMap::from([(genesis.head().0, genesis.clone())]),
            genesis,
            replayed: None,
            broken: None,
        }
    }

    /// The state after the latest batch followed.
    pub fn latest(&self) -> &State {
        self.states.last_key_value().expect("never empty").1
    }

    /// The state after batch `n`, following posted batches up to it; `None` when a batch up to
    /// `n` cannot be executed. A state older than those kept is re-executed from genesis (slow:
    /// one blob read per batch).
    ///
    /// # Errors
    /// [`AgentError::L1`] when reading L1 fails.
    pub async fn state_after<L: L1>(
        &mut self,
        l1: &L,
        inbox: Address,
        n: u64,
    ) -> Result<Option<&State>, AgentError> {
        loop {
            let (&head, state) = self.states.last_key_value().expect("never empty");
            if head >= n || self.broken.is_some() {
                break;
            }
            let next = head + 1;
            let (blobs, messages) = crate::batches::contents(l1, inbox, next).await?;
            let mut state = state.clone();
            let batch = read_batch(&blobs, &messages, state.config().chain_id, BatchNumber(next));
            match execute_batch(&mut state, &batch).map_err(|e| e.to_string()) {
                Ok(_) => {
                    self.states.insert(next, state);
                    if self.states.len() > KEPT_STATES {
                        self.states.pop_first();
                    }
                }
                Err(reason) => {
                    tracing::warn!(batch = next, %reason, "replica stops: posted batch cannot be executed");
                    self.broken = Some(next);
                }
            }
        }
        let oldest = *self.states.first_key_value().expect("never empty").0;
        if n >= oldest || self.broken.is_some_and(|b| b <= n) {
            return Ok(self.states.get(&n));
        }
        if self.replayed.as_ref().is_none_or(|s| s.head().0 != n) {
            // From the last replayed state when it is not past `n`, else from genesis.
            let mut state = match self.replayed.take() {
                Some(s) if s.head().0 < n => s,
                _ => self.genesis.clone(),
            };
            tracing::info!(batch = n, from = state.head().0, "re-executing an old batch");
            for b in state.head().0 + 1..=n {
                let (blobs, messages) = crate::batches::contents(l1, inbox, b).await?;
                let batch = read_batch(&blobs, &messages, state.config().chain_id, BatchNumber(b));
                if execute_batch(&mut state, &batch).is_err() {
                    return Ok(None);
                }
            }
            self.replayed = Some(state);
        }
        Ok(self.replayed.as_ref())
    }
}

/// The primitives' claim from its `ClaimProposed` log ([`crate::claims::proposed`]); `None` when
/// a root is not a field element (no STF output is, so such a claim is wrong but cannot be
/// re-executed).
pub fn claim_from_sol(c: &MultiProofFinality::Claim) -> Option<Claim> {
    let fr = |b: B256| fr_from_be_bytes(&b.0).ok();
    Some(Claim {
        chain_id: ChainId(c.l2ChainId),
        batch_number: BatchNumber(c.batchNumber),
        parent_root: StateRoot(fr(c.parentRoot)?),
        post_root: StateRoot(fr(c.postRoot)?),
        withdrawal_root: WithdrawalRoot(fr(c.withdrawalRoot)?),
        data_commitment: DataCommitment(fr(c.dataCommitment)?),
        blobs_hash: c.blobsHash,
        queue_before: QueueAcc(fr(c.queueBefore)?),
        queue_after: QueueAcc(fr(c.queueAfter)?),
    })
}

/// The KZG opening of element `g` (across `blobs`) as the game takes it.
///
/// # Errors
/// [`tribunal_da::DaError`] when the opening cannot be computed.
pub fn blob_element(blobs: &[Blob], g: usize) -> Result<BlobElement, tribunal_da::DaError> {
    let blob = blobs.get(g / 4096).ok_or_else(|| {
        tribunal_da::DaError::Sidecar(format!("element {g} is past the batch's blobs"))
    })?;
    let o = open_element(blob, g % 4096)?;
    Ok(BlobElement {
        value: U256::from_be_bytes(o.value),
        commitment: Bytes::copy_from_slice(&o.commitment),
        proof: Bytes::copy_from_slice(&o.proof),
    })
}

fn account_sol(a: &AccountLeaf) -> StfStep::AccountWitness {
    let (exists, x, y, balance, nonce) = match &a.account {
        Some(acc) => (
            true,
            U256::from_be_bytes(fr_to_be_bytes(&acc.pubkey.0.x)),
            U256::from_be_bytes(fr_to_be_bytes(&acc.pubkey.0.y)),
            U256::from(acc.balance.0),
            U256::from(acc.nonce),
        ),
        None => (false, U256::ZERO, U256::ZERO, U256::ZERO, U256::ZERO),
    };
    StfStep::AccountWitness {
        exists,
        x,
        y,
        balance,
        nonce,
        siblings: a.siblings.iter().map(fr_to_word).collect(),
    }
}

/// A step witness as `StfStep.StepWitness`.
pub fn witness_sol(w: &StepWitness) -> StfStep::StepWitness {
    StfStep::StepWitness {
        pre: StfStep::TraceState {
            stateRoot: fr_to_word(&w.pre.state_root),
            queueAcc: fr_to_word(&w.pre.queue_acc),
            withdrawalRoot: fr_to_word(&w.pre.withdrawal_root),
            dataAcc: fr_to_word(&w.pre.data_acc),
        },
        sender: account_sol(&w.sender),
        recipient: account_sol(&w.recipient),
        withdrawalSiblings: w.withdrawal_siblings.iter().map(fr_to_word).collect(),
        pointHint: U256::from_be_bytes(fr_to_be_bytes(&w.point_hint)),
    }
}

/// A one-step proof: `DisputeGame.step` over a blob record, or `stepMessage` over an L1 message.
#[derive(Clone, Debug)]
pub enum StepCall {
    /// Over a blob record, its elements opened against the blobs.
    Record(Box<DisputeGame::stepCall>),
    /// Over an L1 message, its chunks as the queue holds them.
    Message(Box<DisputeGame::stepMessageCall>),
}

impl StepCall {
    /// The witness the step carries.
    pub const fn witness_mut(&mut self) -> &mut StfStep::StepWitness {
        match self {
            Self::Record(c) => &mut c._witness,
            Self::Message(c) => &mut c._witness,
        }
    }

    /// The calldata.
    pub fn abi_encode(&self) -> Vec<u8> {
        match self {
            Self::Record(c) => c.abi_encode(),
            Self::Message(c) => c.abi_encode(),
        }
    }
}

/// The step of challenge `id` over transaction `k` of `trace`: `stepMessage` for one of its L1
/// messages (`k < trace.messages`), `step` with record `k − messages`'s openings otherwise.
///
/// # Errors
/// [`AgentError`] when the witness or an opening cannot be built.
pub fn step_call(id: u64, trace: &Trace, blobs: &[Blob], k: usize) -> Result<StepCall, AgentError> {
    let witness = witness_sol(&trace.step_witness(k)?);
    if k < trace.messages {
        return Ok(StepCall::Message(Box::new(DisputeGame::stepMessageCall {
            _id: U256::from(id),
            _chunks: message_chunks(&trace.txs[k]),
            _witness: witness,
        })));
    }
    let j = k - trace.messages;
    let record = [0, 1, 2, 3].map(|c| blob_element(blobs, 2 + 4 * j + c));
    let [a, b, c, d] = record;
    Ok(StepCall::Record(Box::new(DisputeGame::stepCall {
        _id: U256::from(id),
        _record: [a?, b?, c?, d?],
        _witness: witness,
    })))
}

/// Calls `poll` every `interval` until `shutdown` fires, logging failures (retried next time).
async fn every<F: AsyncFnMut() -> Result<Vec<Action>, AgentError>>(
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    who: &'static str,
    mut poll: F,
) {
    loop {
        if let Err(e) = poll().await {
            tracing::warn!(error = %e, agent = who, "dispute agent: will retry");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Which side of the games an agent plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// For right claims: create, bisect, step to counter.
    Claim,
    /// Against wrong claims: challenge, attack or defend, step to prove.
    Challenger,
}

/// Blocks deep a resolution must be before an agent stops watching it, unless set with
/// `with_confirmations` (the node's `move_confirmations`).
pub const DEFAULT_CONFIRMATIONS: u64 = 2;

/// What both agents share: the L1, the contracts, the sender, the store and the replica.
#[derive(Debug)]
struct Player<L> {
    side: Side,
    l1: L,
    contracts: Contracts,
    sender: PrivateKeySigner,
    store: DisputeStore,
    replica: Replica,
    /// Claim id → its trace, its blobs and the claim as proposed (what `challenge` passes back:
    /// the claim judged, never one read later).
    traces: BTreeMap<u64, Arc<(Trace, Vec<Blob>, MultiProofFinality::Claim)>>,
    /// Blocks deep a resolution must be before the agent stops watching what it resolved.
    confirmations: u64,
}

impl<L: L1> Player<L> {
    fn new(
        side: Side,
        l1: L,
        contracts: Contracts,
        sender: PrivateKeySigner,
        genesis: State,
        store: DisputeStore,
    ) -> Self {
        let replica = Replica::new(genesis);
        Self {
            side,
            l1,
            contracts,
            sender,
            store,
            replica,
            traces: BTreeMap::new(),
            confirmations: DEFAULT_CONFIRMATIONS,
        }
    }

    /// The claims this side plays.
    const fn mark(&self) -> ClaimMark {
        match self.side {
            Side::Claim => ClaimMark::Right,
            Side::Challenger => ClaimMark::Wrong,
        }
    }

    async fn send<C: SolCall>(&self, call: C, value: U256) -> Result<u64, L1Error> {
        self.send_data(call.abi_encode(), value).await
    }

    async fn send_data(&self, data: Vec<u8>, value: U256) -> Result<u64, L1Error> {
        Ok(self.send_receipt(data, value).await?.gas_used)
    }

    async fn send_receipt(&self, data: Vec<u8>, value: U256) -> Result<L1Receipt, L1Error> {
        let tx = L1Tx::call(self.contracts.game, data).with_value(value);
        self.l1.send(&self.sender, tx).await
    }

    async fn game_view<C: SolCall>(&self, call: C) -> Result<C::Return, L1Error> {
        view(&self.l1, self.contracts.game, call).await
    }

    /// The trace of claim `id` and its blobs (cached), or `None` when the claim cannot be judged.
    async fn trace(
        &mut self,
        id: u64,
    ) -> Result<Option<Arc<(Trace, Vec<Blob>, MultiProofFinality::Claim)>>, AgentError> {
        if !self.traces.contains_key(&id) {
            let raw = crate::claims::proposed_known(&self.l1, self.contracts.finality, id).await?;
            let Some(claim) = claim_from_sol(&raw) else { return Ok(None) };
            let n = claim.batch_number.0;
            let Some(parent) =
                self.replica.state_after(&self.l1, self.contracts.inbox, n - 1).await?.cloned()
            else {
                return Ok(None);
            };
            if parent.root() != claim.parent_root {
                return Ok(None);
            }
            let (blobs, messages) =
                crate::batches::contents(&self.l1, self.contracts.inbox, n).await?;
            let trace = Trace::build(&parent, &claim, &messages, &blobs)?;
            self.traces.insert(id, Arc::new((trace, blobs, raw)));
        }
        Ok(self.traces.get(&id).cloned())
    }

    /// Records claim `claim`'s blob on L1 as not canonical when it is not and the `Inbox` does
    /// not hold it yet ([`crate::evidence::prove_non_canonical`]); nothing for a claim that
    /// cannot be traced.
    async fn record_non_canonical(&mut self, claim: u64) -> Result<(), AgentError> {
        if let Some(t) = self.trace(claim).await? {
            crate::evidence::prove_non_canonical(
                &self.l1,
                &self.sender,
                self.contracts.inbox,
                t.0.chain_id(),
                t.0.batch_number(),
                &t.1,
                t.0.messages,
            )
            .await?;
        }
        Ok(())
    }

    async fn bond(&self, depth: u8) -> Result<U256, L1Error> {
        self.game_view(DisputeGame::moveBondCall { _depth: U256::from(depth) }).await
    }

    async fn now(&self) -> Result<u64, L1Error> {
        Ok(self.l1.head().await?.timestamp)
    }

    /// Whether `what` `id`, resolved on L1 now, has been seen resolved since a block at least
    /// `confirmations` deep that is still canonical. The first sight is recorded with the head's
    /// hash; a sighting whose block a reorg replaced counts again from now, so a resolution that
    /// a reorg dropped and the new chain included again later is counted from its new block.
    async fn resolved_deep(&self, what: Resolved, id: u64) -> Result<bool, AgentError> {
        if self.confirmations == 0 {
            return Ok(true);
        }
        let head = self.l1.head().await?;
        if let Some((number, hash)) = self.store.sighting(what, id)?
            && self.l1.block_hash(number).await? == Some(B256::from(hash))
        {
            if head.number >= number.saturating_add(self.confirmations) {
                self.store.unresolved(what, id)?;
                return Ok(true);
            }
            return Ok(false);
        }
        self.store.sight(what, id, head.number, head.hash.0)?;
        Ok(false)
    }

    async fn node(&self, id: u64) -> Result<DisputeGame::Node, L1Error> {
        self.game_view(DisputeGame::nodeOfCall { _id: U256::from(id) }).await
    }

    async fn answered(&self, parent: u64, kind: u8, key: B256) -> Result<bool, L1Error> {
        let call =
            DisputeGame::answerOfCall { _parent: U256::from(parent), _kind: kind, _hash: key };
        Ok(self.game_view(call).await?.posted)
    }

    /// Rewinds after a reorg from block `fork`: to the lowest claim and position created at or
    /// after it on the new chain (they may reuse dropped ids), or to the counts.
    async fn rewind(&mut self, fork: u64) -> Result<(), AgentError> {
        let count = view(&self.l1, self.contracts.finality, MultiProofFinality::claimCountCall {})
            .await?
            .to::<u64>();
        let event = MultiProofFinality::ClaimProposed::SIGNATURE_HASH;
        let proposed = self
            .l1
            .logs_where(self.contracts.finality, event, None, fork)
            .await?
            .into_iter()
            .filter_map(|l| {
                MultiProofFinality::ClaimProposed::decode_log(&l.log).ok().map(|e| e.id.to::<u64>())
            });
        let claims = proposed.chain([count]).min().unwrap_or(count);
        let count = self.game_view(DisputeGame::nodeCountCall {}).await?.to::<u64>();
        // A game's root is written with its first challenge, whose move names it as parent.
        let event = DisputeGame::Move::SIGNATURE_HASH;
        let moved = self
            .l1
            .logs_where(self.contracts.game, event, None, fork)
            .await?
            .into_iter()
            .filter_map(|l| {
                DisputeGame::Move::decode_log(&l.log).ok().map(|m| {
                    let node = m.node.to::<u64>();
                    if m.kind == kind::CHALLENGE { m.parent.to::<u64>().min(node) } else { node }
                })
            });
        let nodes = moved.chain([count]).min().unwrap_or(count);
        self.store.rewind(claims, nodes)?;
        // A claim judged again is traced again: a reorg may have put another claim under its id.
        self.traces.retain(|id, _| *id < claims);
        // A `claimCredit` the reorg dropped: the claim is collected again where still owed.
        let again = self.store.uncollect_since(fork, self.mark())?;
        if !again.is_empty() {
            tracing::warn!(?again, "credit withdrawals dropped by a reorg: collecting again");
        }
        Ok(())
    }

    /// One round: judge new claims, follow new positions of this side's games, play each game
    /// and each open position (newest first, so answers settle before what they answer),
    /// collect credit.
    async fn poll(&mut self) -> Result<Vec<Action>, AgentError> {
        let mut out = Vec::new();
        self.judge(&mut out).await?;
        let claims = self.store.marked(self.mark())?;
        let count = self.game_view(DisputeGame::nodeCountCall {}).await?.to::<u64>();
        let mut next = self.store.cursor("nodes")?;
        while next < count {
            let claim = self.node(next).await?.claimId;
            if claims.contains(&claim) {
                self.store.add_node(next, claim)?;
            }
            next += 1;
            self.store.set_cursor("nodes", next)?;
        }
        for &claim in &claims {
            self.game(claim, &mut out).await?;
        }
        for (id, claim) in self.store.nodes()?.into_iter().rev() {
            self.position(id, claim, &mut out).await?;
        }
        self.collect(&claims, &mut out).await?;
        Ok(out)
    }

    /// Judges every claim proposed since the last round.
    async fn judge(&mut self, out: &mut Vec<Action>) -> Result<(), AgentError> {
        let count = view(&self.l1, self.contracts.finality, MultiProofFinality::claimCountCall {})
            .await?
            .to::<u64>();
        let mut next = self.store.cursor("claims")?;
        while next < count {
            let verdict = self.trace(next).await?.map(|t| t.0.verdict.clone());
            // Whoever judges a claim records a blob that is not canonical at once, well within
            // the claim's evidence period, so its game reads the blob as every leg. Retried by
            // `game` through that period: a failure here never holds up the other games.
            if let Err(e) = self.record_non_canonical(next).await {
                tracing::warn!(claim = next, error = %e, "recording a non-canonical blob failed; retrying");
            }
            let mark = match &verdict {
                None => ClaimMark::NotFollowed,
                Some(v) if v.is_right() => ClaimMark::Right,
                Some(v) => {
                    if self.side == Side::Challenger {
                        metrics::counter!("tribunal_dispute_wrong_claims_total").increment(1);
                        tracing::error!(claim = next, verdict = ?v, "wrong claim: challenging");
                    }
                    ClaimMark::Wrong
                }
            };
            self.store.mark(next, mark)?;
            out.push(Action::Judged { claim: next, verdict });
            next += 1;
            self.store.set_cursor("claims", next)?;
        }
        Ok(())
    }

    /// The game of `claim`: the challenger challenges its root (creating the game if nobody
    /// has), and either side resolves it once it can be. Nothing needs a game before a
    /// challenge: the window runs from the claim's proposal.
    async fn game(&mut self, claim: u64, out: &mut Vec<Action>) -> Result<(), AgentError> {
        let game = self.game_view(DisputeGame::gameOfCall { _claimId: U256::from(claim) }).await?;
        let exists = game.windowStartsAt != 0;
        if exists && game.status != IN_PROGRESS {
            return Ok(());
        }
        let starts_at = if exists {
            game.windowStartsAt
        } else {
            let call = MultiProofFinality::windowStartOfCall { _id: U256::from(claim) };
            view(&self.l1, self.contracts.finality, call).await?
        };
        let window = self.game_view(DisputeGame::WINDOW_SECONDSCall {}).await?;
        let now = self.now().await?;
        let root_id = u64::from(game.root).checked_sub(1);
        let challenged = match root_id {
            Some(root) => self.answered(root, kind::CHALLENGE, variant(0)).await?,
            None => false,
        };
        let evidence = self.game_view(DisputeGame::EVIDENCE_SECONDSCall {}).await?;
        if now < starts_at + evidence {
            // Nobody can challenge or resolve yet: keep trying to record a blob that is not
            // canonical, in case judging could not.
            if let Err(e) = self.record_non_canonical(claim).await {
                tracing::warn!(claim, error = %e, "recording a non-canonical blob failed; retrying");
            }
            return Ok(());
        }
        if self.side == Side::Challenger && !challenged && now < starts_at + window {
            // The challenger disputes a wrong claim; a game nobody opened it opens in the same
            // call, so OP rules against the claim (rule 4) and the root bond is the
            // challenger's to win back.
            let Some(traced) = self.trace(claim).await? else {
                tracing::error!(claim, "a wrong claim can no longer be traced: not challenged");
                return Ok(());
            };
            // A claim final in its own proposal (`proposeAndSettle` on a batch with no other
            // claim) is not indexed: no game can be opened against it, and it is final anyway.
            let call = MultiProofFinality::idOfCall { _c: crate::claims::recast(&traced.2) };
            if !view(&self.l1, self.contracts.finality, call).await?.proposed {
                tracing::error!(
                    claim,
                    "a wrong claim was settled final in its proposal by ZK and TEE: no game can challenge it"
                );
                self.store.mark(claim, ClaimMark::Settled)?;
                return Ok(());
            }
            // The game reads the blob as the Inbox holds it.
            self.record_non_canonical(claim).await?;
            let header = [blob_element(&traced.1, 0)?, blob_element(&traced.1, 1)?];
            let count = self.game_view(DisputeGame::nodeCountCall {}).await?.to::<u64>();
            let mut value = self.bond(1).await?;
            if !exists {
                value += self.game_view(DisputeGame::CLAIM_BONDCall {}).await?;
            }
            // The root position is written with the challenge, just before it.
            let challenge = count + 1;
            // The claim judged: if a reorg put another under this id, the game refuses it.
            let call = DisputeGame::challengeCall {
                _claim: crate::claims::recast(&traced.2),
                _header: header,
            };
            let gas = self.send(call, value).await?;
            tracing::info!(claim, challenge, gas, "claim challenged");
            out.push(Action::Opened { claim, challenge, gas });
            return Ok(());
        }
        // An unchallenged game has no root position yet.
        let (lost, open) = match root_id {
            Some(root) => {
                let root = self.node(root).await?;
                (root.counteredBy != 0, root.openAnswers)
            }
            None => (false, 0),
        };
        if !lost && (now < starts_at + window || open != 0) {
            return Ok(());
        }
        if !exists {
            // Unchallenged through its window. The challenger never resolves for a wrong claim;
            // the defender resolves a right one only if it still needs OP (not final yet).
            let call = MultiProofFinality::statusOfCall { _id: U256::from(claim) };
            let settled = self.side == Side::Challenger
                || view(&self.l1, self.contracts.finality, call).await?.isFinal;
            if settled {
                if self.resolved_deep(Resolved::Claim, claim).await? {
                    self.store.mark(claim, ClaimMark::Settled)?;
                }
                return Ok(());
            }
            self.store.unresolved(Resolved::Claim, claim)?;
        }
        let gas =
            self.send(DisputeGame::resolveCall { _claimId: U256::from(claim) }, U256::ZERO).await?;
        tracing::info!(claim, lost, gas, "dispute game resolved");
        out.push(Action::Resolved { claim, gas });
        Ok(())
    }

    /// Position `id` of `claim`'s game: settles it once nothing can change it, or answers it
    /// when the truth calls for this side's answer and nobody posted it yet.
    async fn position(
        &mut self,
        id: u64,
        claim: u64,
        out: &mut Vec<Action>,
    ) -> Result<(), AgentError> {
        let n = self.node(id).await?;
        if n.resolved {
            // Watched until its resolution is deep enough that no reorg within the
            // confirmations drops it.
            if self.resolved_deep(Resolved::Position, id).await? {
                self.store.remove_node(id)?;
            }
            return Ok(());
        }
        self.store.unresolved(Resolved::Position, id)?;
        if n.kind == kind::ROOT {
            return Ok(());
        }
        let now = self.now().await?;
        let deadline = self.game_view(DisputeGame::deadlineOfCall { _id: U256::from(id) }).await?;
        if n.proven || (n.openAnswers == 0 && (n.stepped || now > deadline)) {
            let gas =
                self.send(DisputeGame::resolveNodeCall { _id: U256::from(id) }, U256::ZERO).await?;
            out.push(Action::ResolvedNode { node: id, gas });
            return Ok(());
        }
        let game = self.game_view(DisputeGame::gameOfCall { _claimId: U256::from(claim) }).await?;
        if now > deadline || n.stepped || game.status != IN_PROGRESS {
            return Ok(()); // waits for its answers to settle
        }
        let Some(traced) = self.trace(claim).await? else { return Ok(()) };
        let (trace, blobs) = (&traced.0, &traced.1);
        let truth = |k: u32| trace.at(k as usize).map(TraceState::hash);
        let right_challenge =
            |c: &DisputeGame::Node| truth(c.lo) == Some(c.loHash) && truth(c.hi) != Some(c.hiHash);
        match (self.side, n.kind) {
            (Side::Claim, kind::CHALLENGE) => {
                // Only a challenge of two true hashes needs the claim side's answer; any other
                // is itself the right answer to a wrong midpoint.
                if truth(n.lo) != Some(n.loHash) || truth(n.hi) != Some(n.hiHash) {
                    return Ok(());
                }
                if n.hi - n.lo >= 2 {
                    let hash = truth((n.lo + n.hi) / 2).expect("inside the trace");
                    if !self.answered(id, kind::MIDPOINT, hash).await? {
                        let bond = self.bond(n.depth + 1).await?;
                        let call = DisputeGame::bisectCall { _id: U256::from(id), _midHash: hash };
                        let gas = self.send(call, bond).await?;
                        out.push(Action::Moved { node: id, kind: "bisect", gas });
                    }
                } else {
                    let call = step_call(id, trace, blobs, n.lo as usize)?;
                    let gas = self.send_data(call.abi_encode(), U256::ZERO).await?;
                    tracing::info!(challenge = id, gas, "one-step proof countered a challenge");
                    out.push(Action::Stepped { challenge: id, countered: true, gas });
                }
            }
            (Side::Challenger, kind::CHALLENGE) if right_challenge(&n) && n.hi - n.lo == 1 => {
                let call = step_call(id, trace, blobs, n.lo as usize)?;
                let gas = self.send_data(call.abi_encode(), U256::ZERO).await?;
                tracing::info!(challenge = id, gas, "one-step proof proved a challenge");
                out.push(Action::Stepped { challenge: id, countered: false, gas });
            }
            (Side::Challenger, kind::MIDPOINT) => {
                let agree = truth(n.lo) == Some(n.hiHash);
                let parent = self.node(u64::from(n.parent) - 1).await?;
                if truth(parent.lo) != Some(parent.loHash)
                    || truth(parent.hi) == Some(parent.hiHash)
                {
                    return Ok(()); // not a challenge the truth stands by
                }
                let (v, name) = if agree { (2, "defend") } else { (1, "attack") };
                if !self.answered(id, kind::CHALLENGE, variant(v)).await? {
                    let bond = self.bond(n.depth + 1).await?;
                    let gas = if agree {
                        self.send(DisputeGame::defendCall { _id: U256::from(id) }, bond).await?
                    } else {
                        self.send(DisputeGame::attackCall { _id: U256::from(id) }, bond).await?
                    };
                    out.push(Action::Moved { node: id, kind: name, gas });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Withdraws this agent's credit in every resolved game of `claims`; a claim is settled
    /// once its game resolved and none of its positions is open.
    async fn collect(&self, claims: &[u64], out: &mut Vec<Action>) -> Result<(), AgentError> {
        let me = self.sender.address();
        let now = self.now().await?;
        let delay = self.game_view(DisputeGame::WITHDRAWAL_DELAY_SECONDSCall {}).await?;
        let open: Vec<u64> = self.store.nodes()?.into_iter().map(|(_, c)| c).collect();
        for &claim in claims {
            let game =
                self.game_view(DisputeGame::gameOfCall { _claimId: U256::from(claim) }).await?;
            if game.resolvedAt == 0 || now < game.resolvedAt + delay {
                continue;
            }
            let wei = self
                .game_view(DisputeGame::creditCall { claimId: U256::from(claim), _1: me })
                .await?;
            if !wei.is_zero() {
                let call = DisputeGame::claimCreditCall { _claimId: U256::from(claim) };
                let r = self.send_receipt(call.abi_encode(), U256::ZERO).await?;
                // Where it landed: a reorg that drops it makes the claim collectable again.
                self.store.collected(claim, r.block_number)?;
                out.push(Action::Claimed { claim, wei });
            } else if self.store.to_confirm(claim)? {
                // Nothing owed after a reorg dropped the withdrawal: the new chain holds it, at or
                // before the head read now.
                let head = self.l1.head().await?.number;
                self.store.collected(claim, head)?;
            }
            if !open.contains(&claim) {
                self.store.mark(claim, ClaimMark::Settled)?;
            }
        }
        Ok(())
    }
}

/// The challenger: re-executes every claim and disputes each wrong one to the end.
#[derive(Debug)]
pub struct Challenger<L> {
    p: Player<L>,
}

impl<L: L1> Challenger<L> {
    /// A challenger sending from `sender`, with its replica at `genesis` and its state in `store`.
    pub fn new(
        l1: L,
        contracts: Contracts,
        sender: PrivateKeySigner,
        genesis: State,
        store: DisputeStore,
    ) -> Self {
        Self { p: Player::new(Side::Challenger, l1, contracts, sender, genesis, store) }
    }

    /// Watches a position, or an unchallenged claim, until its resolution is `blocks` deep on
    /// L1 ([`DEFAULT_CONFIRMATIONS`] unless set): a reorg no deeper than that which drops the
    /// resolution (`resolveNode`, or the claim's finality) finds it still watched, and it is made
    /// again. Moves need no depth: a position's answers are read from the chain at every poll,
    /// so a dropped move is made again while its clock runs.
    #[must_use]
    pub const fn with_confirmations(mut self, blocks: u64) -> Self {
        self.p.confirmations = blocks;
        self
    }

    /// One round: judge new claims, challenge wrong ones, answer every midpoint of their games
    /// (attack a wrong one, defend a right one), step one-transaction challenges, settle
    /// positions and games, collect credit.
    ///
    /// # Errors
    /// [`AgentError`] for the first failure; the round is retried on the next poll.
    pub async fn poll(&mut self) -> Result<Vec<Action>, AgentError> {
        self.p.poll().await
    }

    /// Polls every `interval` until `shutdown` fires.
    pub async fn run(mut self, interval: Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
        every(interval, shutdown, "challenger", async || self.poll().await).await;
    }
    /// After an L1 reorg from block `fork`: forgets what it judged and followed from the lowest
    /// claim and position created at or after `fork` on the new chain, and past the counts
    /// ([`DisputeStore::rewind`]). A move of its own that the reorg dropped is made again on the
    /// next poll, since it answers every position the chain shows unanswered.
    ///
    /// # Errors
    /// [`AgentError`] when L1 or the store fails.
    pub async fn rewind(&mut self, fork: u64) -> Result<(), AgentError> {
        self.p.rewind(fork).await
    }
}

/// The defender: answers every challenge of every right claim, whoever proposed it, and resolves
/// an unchallenged one that is not final by its window's end (no game exists before a challenge).
#[derive(Debug)]
pub struct Defender<L> {
    p: Player<L>,
}

impl<L: L1> Defender<L> {
    /// A defender sending from `sender` (which posts the bonds), with its replica at `genesis`.
    pub fn new(
        l1: L,
        contracts: Contracts,
        sender: PrivateKeySigner,
        genesis: State,
        store: DisputeStore,
    ) -> Self {
        Self { p: Player::new(Side::Claim, l1, contracts, sender, genesis, store) }
    }

    /// Watches a position, or an unchallenged claim, until its resolution is `blocks` deep on
    /// L1 ([`DEFAULT_CONFIRMATIONS`] unless set): a reorg no deeper than that which drops the
    /// resolution (`resolveNode`, or the claim's finality) finds it still watched, and it is made
    /// again. Moves need no depth: a position's answers are read from the chain at every poll,
    /// so a dropped move is made again while its clock runs.
    #[must_use]
    pub const fn with_confirmations(mut self, blocks: u64) -> Self {
        self.p.confirmations = blocks;
        self
    }

    /// One round: judge new claims, bisect every challenge of two true hashes, step
    /// one-transaction ones, settle positions, resolve games whose window passed (an unchallenged
    /// right claim's only if it is not final), collect credit.
    ///
    /// # Errors
    /// [`AgentError`] for the first failure; the round is retried on the next poll.
    pub async fn poll(&mut self) -> Result<Vec<Action>, AgentError> {
        self.p.poll().await
    }

    /// Polls every `interval` until `shutdown` fires.
    pub async fn run(mut self, interval: Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
        every(interval, shutdown, "defender", async || self.poll().await).await;
    }
    /// After an L1 reorg from block `fork`: forgets what it judged and followed from the lowest
    /// claim and position created at or after `fork` on the new chain, and past the counts
    /// ([`DisputeStore::rewind`]). A move of its own that the reorg dropped is made again on the
    /// next poll, since it answers every position the chain shows unanswered.
    ///
    /// # Errors
    /// [`AgentError`] when L1 or the store fails.
    pub async fn rewind(&mut self, fork: u64) -> Result<(), AgentError> {
        self.p.rewind(fork).await
    }
}
