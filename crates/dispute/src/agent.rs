//! The honest players: a [`Challenger`] that disputes every wrong claim to the end, and a
//! [`Defender`] that plays for its proposer's claims. Both are poll loops over L1 (plain tokio
//! tasks via `run`), keep their decisions in a [`DisputeStore`], and rebuild everything else
//! (replica states, traces) from L1 after a restart.

use std::{collections::BTreeMap, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_eips::eip4844::Blob;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use tribunal_contracts::{
    DisputeGame::{self, BlobElement},
    Inbox, MultiProofFinality, StfStep,
};
use tribunal_da::{decode_batch, open_element};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, Fr, QueueAcc, StateRoot, WithdrawalRoot,
    field::{fr_from_be_bytes, fr_to_be_bytes},
};
use tribunal_stf::{State, execute_batch};

use crate::{
    store::{ClaimMark, DisputeStore, StoreError},
    trace::{AccountLeaf, StepWitness, Trace, TraceError, Verdict},
};

/// `DisputeGame.Turn`.
mod turn {
    pub(super) const DEFENDER_BISECT: u8 = 0;
    pub(super) const CHALLENGER_CHOOSE: u8 = 1;
    pub(super) const CHALLENGER_STEP: u8 = 2;
    pub(super) const DONE: u8 = 3;
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
    /// The defender created its claim's game.
    Created {
        /// Claim id.
        claim: u64,
        /// Gas used.
        gas: u64,
    },
    /// The challenger opened a challenge.
    Opened {
        /// Claim id.
        claim: u64,
        /// Challenge id.
        challenge: u64,
        /// Gas used.
        gas: u64,
    },
    /// A bisection move: the defender's midpoint, or the challenger's attack or defend.
    Moved {
        /// Challenge id.
        challenge: u64,
        /// `bisect`, `attack` or `defend`.
        kind: &'static str,
        /// Gas used.
        gas: u64,
    },
    /// The one-step proof was submitted.
    Stepped {
        /// Challenge id.
        challenge: u64,
        /// Gas used.
        gas: u64,
    },
    /// A bad blob element was proven.
    ProvedBadElement {
        /// Challenge id.
        challenge: u64,
        /// The element.
        element: u64,
    },
    /// A challenge was decided by a timeout, or because the claim had lost.
    ResolvedChallenge {
        /// Challenge id.
        challenge: u64,
    },
    /// A game was resolved for the claim.
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
#[derive(Debug)]
pub struct Replica {
    states: BTreeMap<u64, State>,
    broken: Option<u64>,
}

/// States kept, most recent batches first.
const KEPT_STATES: usize = 64;

impl Replica {
    /// A replica at `genesis` (batch 0).
    pub fn new(genesis: State) -> Self {
        Self { states: BTreeMap::from([(genesis.head().0, genesis)]), broken: None }
    }

    /// The state after batch `n`, following posted batches up to it; `None` when a batch up to
    /// `n` cannot be executed, or `n` is older than the states kept.
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
            let blobs = blobs_of(l1, inbox, next).await?;
            let mut state = state.clone();
            match decode_batch(&blobs)
                .map_err(|e| e.to_string())
                .and_then(|b| execute_batch(&mut state, &b).map_err(|e| e.to_string()))
            {
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
        Ok(self.states.get(&n))
    }
}

async fn blobs_of<L: L1>(l1: &L, inbox: Address, n: u64) -> Result<Vec<Blob>, L1Error> {
    let hashes = view(l1, inbox, Inbox::blobHashesCall { _batchNumber: n }).await?;
    l1.blobs(&hashes).await
}

fn word(x: &Fr) -> B256 {
    B256::from(fr_to_be_bytes(x))
}

/// The primitives' claim from `MultiProofFinality.claimOf`; `None` when a root is not a field
/// element (no STF output is, so such a claim is wrong but cannot be re-executed).
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
        siblings: a.siblings.iter().map(word).collect(),
    }
}

/// A step witness as `StfStep.StepWitness`.
pub fn witness_sol(w: &StepWitness) -> StfStep::StepWitness {
    StfStep::StepWitness {
        pre: StfStep::TraceState {
            stateRoot: word(&w.pre.state_root),
            queueAcc: word(&w.pre.queue_acc),
            withdrawalRoot: word(&w.pre.withdrawal_root),
            dataAcc: word(&w.pre.data_acc),
        },
        sender: account_sol(&w.sender),
        recipient: account_sol(&w.recipient),
        withdrawalSiblings: w.withdrawal_siblings.iter().map(word).collect(),
        pointHint: U256::from_be_bytes(fr_to_be_bytes(&w.point_hint)),
    }
}

/// The `step` call of challenge `id` over transaction `k` of `trace`.
///
/// # Errors
/// [`AgentError`] when the witness or an opening cannot be built.
pub fn step_call(
    id: u64,
    trace: &Trace,
    blobs: &[Blob],
    k: usize,
) -> Result<DisputeGame::stepCall, AgentError> {
    let record = [0, 1, 2, 3].map(|j| blob_element(blobs, 2 + 4 * k + j));
    let [a, b, c, d] = record;
    Ok(DisputeGame::stepCall {
        _id: U256::from(id),
        _record: [a?, b?, c?, d?],
        _witness: witness_sol(&trace.step_witness(k)?),
    })
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

/// What both agents share: the L1, the contracts, the sender, the store and the replica.
#[derive(Debug)]
struct Player<L> {
    l1: L,
    contracts: Contracts,
    sender: PrivateKeySigner,
    store: DisputeStore,
    replica: Replica,
    traces: BTreeMap<u64, (Trace, Vec<Blob>)>,
}

impl<L: L1> Player<L> {
    fn new(
        l1: L,
        contracts: Contracts,
        sender: PrivateKeySigner,
        genesis: State,
        store: DisputeStore,
    ) -> Self {
        let replica = Replica::new(genesis);
        Self { l1, contracts, sender, store, replica, traces: BTreeMap::new() }
    }

    async fn send<C: SolCall>(&self, call: C, value: U256) -> Result<u64, L1Error> {
        let tx = L1Tx::call(self.contracts.game, call.abi_encode()).with_value(value);
        Ok(self.l1.send(&self.sender, tx).await?.gas_used)
    }

    async fn game_view<C: SolCall>(&self, call: C) -> Result<C::Return, L1Error> {
        view(&self.l1, self.contracts.game, call).await
    }

    /// The trace of claim `id` (cached), or `None` when the claim cannot be judged.
    async fn trace(&mut self, id: u64) -> Result<Option<&(Trace, Vec<Blob>)>, AgentError> {
        if !self.traces.contains_key(&id) {
            let raw = view(
                &self.l1,
                self.contracts.finality,
                MultiProofFinality::claimOfCall { _id: U256::from(id) },
            )
            .await?;
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
            let blobs = blobs_of(&self.l1, self.contracts.inbox, n).await?;
            let trace = Trace::build(&parent, &claim, &blobs)?;
            self.traces.insert(id, (trace, blobs));
        }
        Ok(self.traces.get(&id))
    }

    async fn bond(&self, depth: u8) -> Result<U256, L1Error> {
        self.game_view(DisputeGame::moveBondCall { _depth: U256::from(depth) }).await
    }

    async fn now(&self) -> Result<u64, L1Error> {
        Ok(self.l1.head().await?.timestamp)
    }

    /// Withdraws the credit of every settled game this agent has credit in.
    async fn collect(&self, claims: &[u64], out: &mut Vec<Action>) -> Result<(), AgentError> {
        let me = self.sender.address();
        let now = self.now().await?;
        let delay = self.game_view(DisputeGame::WITHDRAWAL_DELAY_SECONDSCall {}).await?;
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
                self.send(DisputeGame::claimCreditCall { _claimId: U256::from(claim) }, U256::ZERO)
                    .await?;
                out.push(Action::Claimed { claim, wei });
            }
            self.store.mark(claim, ClaimMark::Settled)?;
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
        Self { p: Player::new(l1, contracts, sender, genesis, store) }
    }

    /// One round: judge new claims, challenge wrong ones, play every open challenge, collect
    /// credit.
    ///
    /// # Errors
    /// [`AgentError`] for the first failure; the round is retried on the next poll.
    pub async fn poll(&mut self) -> Result<Vec<Action>, AgentError> {
        let mut out = Vec::new();
        let count =
            view(&self.p.l1, self.p.contracts.finality, MultiProofFinality::claimCountCall {})
                .await?
                .to::<u64>();
        let mut next = self.p.store.cursor("claims")?;
        while next < count {
            let verdict = self.p.trace(next).await?.map(|(t, _)| t.verdict.clone());
            let mark = match &verdict {
                None => ClaimMark::NotFollowed,
                Some(v) if v.is_right() => ClaimMark::Right,
                Some(v) => {
                    metrics::counter!("tribunal_dispute_wrong_claims_total").increment(1);
                    tracing::error!(claim = next, verdict = ?v, "wrong claim: challenging");
                    ClaimMark::Wrong
                }
            };
            self.p.store.mark(next, mark)?;
            out.push(Action::Judged { claim: next, verdict });
            next += 1;
            self.p.store.set_cursor("claims", next)?;
        }
        let playing: Vec<u64> = self.p.store.challenges()?.into_iter().map(|(_, c)| c).collect();
        for claim in self.p.store.marked(ClaimMark::Wrong)? {
            if !playing.contains(&claim) {
                self.open(claim, &mut out).await?;
            }
        }
        for (id, claim) in self.p.store.challenges()? {
            self.play(id, claim, &mut out).await?;
        }
        let mut settle = self.p.store.marked(ClaimMark::Wrong)?;
        settle.retain(|c| !self.p.store.challenges().is_ok_and(|v| v.iter().any(|(_, x)| x == c)));
        self.p.collect(&settle, &mut out).await?;
        Ok(out)
    }

    async fn open(&mut self, claim: u64, out: &mut Vec<Action>) -> Result<(), AgentError> {
        let game =
            self.p.game_view(DisputeGame::gameOfCall { _claimId: U256::from(claim) }).await?;
        if game.createdAt == 0 || game.status != IN_PROGRESS {
            return Ok(()); // not created yet, or already lost
        }
        let window = self.p.game_view(DisputeGame::WINDOW_SECONDSCall {}).await?;
        if self.p.now().await? >= game.createdAt + window {
            tracing::error!(claim, "window closed before the challenger could challenge");
            return Ok(());
        }
        let (_, blobs) = self.p.trace(claim).await?.expect("judged wrong, so traced");
        let header = if game.headerKnown {
            [0, 1].map(|_| BlobElement {
                value: U256::ZERO,
                commitment: Bytes::new(),
                proof: Bytes::new(),
            })
        } else {
            [blob_element(blobs, 0)?, blob_element(blobs, 1)?]
        };
        let id = self.p.game_view(DisputeGame::challengeCountCall {}).await?.to::<u64>();
        let bond = self.p.bond(0).await?;
        let gas = self
            .p
            .send(DisputeGame::challengeCall { _claimId: U256::from(claim), _header: header }, bond)
            .await?;
        self.p.store.add_challenge(id, claim)?;
        tracing::info!(claim, challenge = id, gas, "challenge opened");
        out.push(Action::Opened { claim, challenge: id, gas });
        Ok(())
    }

    async fn play(&mut self, id: u64, claim: u64, out: &mut Vec<Action>) -> Result<(), AgentError> {
        let ch = self.p.game_view(DisputeGame::challengeOfCall { _id: U256::from(id) }).await?;
        if ch.turn == turn::DONE {
            tracing::info!(challenge = id, won = ch.challengerWon, "challenge decided");
            if !ch.challengerWon {
                // Never re-open on a claim this agent lost a challenge over.
                tracing::error!(
                    claim,
                    challenge = id,
                    "lost a challenge against a claim judged wrong"
                );
                self.p.store.mark(claim, ClaimMark::Settled)?;
            }
            self.p.store.remove_challenge(id)?;
            return Ok(());
        }
        let game =
            self.p.game_view(DisputeGame::gameOfCall { _claimId: U256::from(claim) }).await?;
        let deadline =
            self.p.game_view(DisputeGame::deadlineOfCall { _id: U256::from(id) }).await?;
        let now = self.p.now().await?;
        if game.status != IN_PROGRESS || (ch.turn == turn::DEFENDER_BISECT && now > deadline) {
            self.p
                .send(DisputeGame::resolveChallengeCall { _id: U256::from(id) }, U256::ZERO)
                .await?;
            out.push(Action::ResolvedChallenge { challenge: id });
            return Ok(());
        }
        let (trace, blobs) = self.p.trace(claim).await?.expect("judged wrong, so traced");
        if let Verdict::BadElement(g) = trace.verdict {
            let call = DisputeGame::proveBadElementCall {
                _id: U256::from(id),
                _element: U256::from(g),
                _opening: blob_element(blobs, g)?,
            };
            self.p.send(call, U256::ZERO).await?;
            out.push(Action::ProvedBadElement { challenge: id, element: g as u64 });
            return Ok(());
        }
        match ch.turn {
            turn::CHALLENGER_CHOOSE => {
                let mid = (ch.lo as usize + ch.hi as usize) / 2;
                let agree = trace.at(mid).is_some_and(|t| t.hash() == ch.midHash);
                let bond = self.p.bond(ch.depth).await?;
                let (kind, gas) = if agree {
                    (
                        "defend",
                        self.p.send(DisputeGame::defendCall { _id: U256::from(id) }, bond).await?,
                    )
                } else {
                    (
                        "attack",
                        self.p.send(DisputeGame::attackCall { _id: U256::from(id) }, bond).await?,
                    )
                };
                out.push(Action::Moved { challenge: id, kind, gas });
            }
            turn::CHALLENGER_STEP => {
                let call = step_call(id, trace, blobs, ch.lo as usize)?;
                let gas = self.p.send(call, U256::ZERO).await?;
                tracing::info!(challenge = id, gas, "one-step proof submitted");
                out.push(Action::Stepped { challenge: id, gas });
            }
            _ => {} // the defender's move
        }
        Ok(())
    }

    /// Polls every `interval` until `shutdown` fires.
    pub async fn run(mut self, interval: Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
        every(interval, shutdown, "challenger", async || self.poll().await).await;
    }
}

/// The defender: creates the games of its proposer's claims and answers their challenges.
#[derive(Debug)]
pub struct Defender<L> {
    p: Player<L>,
}

impl<L: L1> Defender<L> {
    /// A defender for the claims proposed by `sender`, with its replica at `genesis`.
    pub fn new(
        l1: L,
        contracts: Contracts,
        sender: PrivateKeySigner,
        genesis: State,
        store: DisputeStore,
    ) -> Self {
        Self { p: Player::new(l1, contracts, sender, genesis, store) }
    }

    /// One round: create games for new own claims, answer challenges, resolve games whose window
    /// passed, collect credit.
    ///
    /// # Errors
    /// [`AgentError`] for the first failure; the round is retried on the next poll.
    pub async fn poll(&mut self) -> Result<Vec<Action>, AgentError> {
        let mut out = Vec::new();
        let me = self.p.sender.address();
        let count =
            view(&self.p.l1, self.p.contracts.finality, MultiProofFinality::claimCountCall {})
                .await?
                .to::<u64>();
        let mut next = self.p.store.cursor("claims")?;
        while next < count {
            let proposer = view(
                &self.p.l1,
                self.p.contracts.finality,
                MultiProofFinality::proposerOfCall { _id: U256::from(next) },
            )
            .await?;
            if proposer == me {
                self.p.store.mark(next, ClaimMark::Own)?;
            }
            next += 1;
            self.p.store.set_cursor("claims", next)?;
        }
        let own = self.p.store.marked(ClaimMark::Own)?;
        // New challenges on own claims.
        let challenges = self.p.game_view(DisputeGame::challengeCountCall {}).await?.to::<u64>();
        let mut seen = self.p.store.cursor("challenges")?;
        while seen < challenges {
            let ch =
                self.p.game_view(DisputeGame::challengeOfCall { _id: U256::from(seen) }).await?;
            let claim = ch.claimId.to::<u64>();
            if own.contains(&claim) {
                self.p.store.add_challenge(seen, claim)?;
            }
            seen += 1;
            self.p.store.set_cursor("challenges", seen)?;
        }
        let now = self.p.now().await?;
        let window = self.p.game_view(DisputeGame::WINDOW_SECONDSCall {}).await?;
        let bond = self.p.game_view(DisputeGame::CLAIM_BONDCall {}).await?;
        let mut settled = Vec::new();
        for &claim in &own {
            let game =
                self.p.game_view(DisputeGame::gameOfCall { _claimId: U256::from(claim) }).await?;
            if game.createdAt == 0 {
                // Only a claim the defender agrees with is defended; its trace must be right.
                let right = self.p.trace(claim).await?.is_some_and(|(t, _)| t.verdict.is_right());
                if right {
                    let gas = self
                        .p
                        .send(DisputeGame::createCall { _claimId: U256::from(claim) }, bond)
                        .await?;
                    tracing::info!(claim, gas, "dispute game created");
                    out.push(Action::Created { claim, gas });
                }
            } else if game.status == IN_PROGRESS
                && now >= game.createdAt + window
                && game.openChallenges == 0
            {
                let gas = self
                    .p
                    .send(DisputeGame::resolveCall { _claimId: U256::from(claim) }, U256::ZERO)
                    .await?;
                out.push(Action::Resolved { claim, gas });
            } else if game.status != IN_PROGRESS {
                settled.push(claim);
            }
        }
        for (id, claim) in self.p.store.challenges()? {
            self.play(id, claim, &mut out).await?;
        }
        let open: Vec<u64> = self.p.store.challenges()?.into_iter().map(|(_, c)| c).collect();
        settled.retain(|c| !open.contains(c));
        self.p.collect(&settled, &mut out).await?;
        Ok(out)
    }

    async fn play(&mut self, id: u64, claim: u64, out: &mut Vec<Action>) -> Result<(), AgentError> {
        let ch = self.p.game_view(DisputeGame::challengeOfCall { _id: U256::from(id) }).await?;
        if ch.turn == turn::DONE {
            tracing::info!(challenge = id, challenger_won = ch.challengerWon, "challenge decided");
            self.p.store.remove_challenge(id)?;
            return Ok(());
        }
        let deadline =
            self.p.game_view(DisputeGame::deadlineOfCall { _id: U256::from(id) }).await?;
        let now = self.p.now().await?;
        let challenger_to_move = ch.turn != turn::DEFENDER_BISECT;
        if challenger_to_move && now > deadline {
            self.p
                .send(DisputeGame::resolveChallengeCall { _id: U256::from(id) }, U256::ZERO)
                .await?;
            out.push(Action::ResolvedChallenge { challenge: id });
            return Ok(());
        }
        if ch.turn == turn::DEFENDER_BISECT {
            let Some((trace, _)) = self.p.trace(claim).await? else { return Ok(()) };
            let mid = (ch.lo as usize + ch.hi as usize) / 2;
            let Some(t) = trace.at(mid) else { return Ok(()) };
            let hash = t.hash();
            let bond = self.p.bond(ch.depth).await?;
            let gas = self
                .p
                .send(DisputeGame::bisectCall { _id: U256::from(id), _midHash: hash }, bond)
                .await?;
            out.push(Action::Moved { challenge: id, kind: "bisect", gas });
        }
        Ok(())
    }

    /// Polls every `interval` until `shutdown` fires.
    pub async fn run(mut self, interval: Duration, shutdown: tokio::sync::watch::Receiver<bool>) {
        every(interval, shutdown, "defender", async || self.poll().await).await;
    }
}
