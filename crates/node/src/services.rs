//! The node's services, composed: sequencer, batcher, proposer, ZK prover, TEE prover, challenger,
//! defender and finality watcher, each a tokio task polling L1 (docs/architecture.md).
//!
//! Every service reports what it did as an [`Event`] on one channel, which the devnet prints and
//! the metrics count. Each service sends from its own L1 account, so no two race for a nonce.
//! State that must survive a restart is in redb under the data directory: `node.redb` (batches,
//! state, mempool), `challenger.redb` and `defender.redb` (dispute decisions). What is on L1
//! (posted batches, claims, approvals) is read back from L1, never assumed.

use std::{path::PathBuf, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
};
use tribunal_contracts::MultiProofFinality::Status;
use tribunal_dispute::{Action, Challenger, Contracts, Defender, DisputeStore};
use tribunal_l1::L1;
use tribunal_stf::State;
use tribunal_tee::Enclave;
use tribunal_zk::sizes::CircuitSizes;

use crate::{
    Store, StoreError,
    batcher::{Batcher, Posted},
    follow::{Follower, Reorg, Reorgs, Reported, Resent, claims_from, resend_dropped},
    proposer::{Proposed, Proposer},
    sequencer::{ProverPace, Sealed, Sequencer, SequencerConfig},
    settle::Settlements,
    tee::{HeldAttestations, TeeOutcome, TeeProver},
    watcher::{Finalized, Watcher},
    zk::{ZkOutcome, ZkProver},
};

/// What a service did.
#[derive(Debug, Clone)]
pub enum Event {
    /// The sequencer sealed a batch.
    Sealed(Box<Sealed>),
    /// The batcher posted a batch.
    Posted(Posted),
    /// The proposer proposed a claim.
    Proposed(Proposed),
    /// The ZK prover handled a claim.
    Zk {
        /// Claim id.
        claim: u64,
        /// What it did.
        outcome: ZkOutcome,
    },
    /// The TEE prover handled a claim.
    Tee {
        /// Claim id.
        claim: u64,
        /// What it did.
        outcome: TeeOutcome,
    },
    /// The challenger acted.
    Challenger(Action),
    /// The defender acted.
    Defender(Action),
    /// A claim became final.
    Finalized(Finalized),
    /// L1 reorganized: the services rewind from `fork`; `critical` when deeper than
    /// `max_reorg_depth`.
    Reorg(Reorg),
    /// After a reorg, a prover sent a dropped proof or attestation again, or found it no longer
    /// needed.
    Resent {
        /// `zk` or `tee`.
        service: &'static str,
        /// What it did.
        resent: Resent,
    },
    /// A service's poll failed; it retries.
    Error {
        /// The service.
        service: &'static str,
        /// The error.
        error: String,
    },
}

/// The L1 accounts the services send from.
#[derive(Clone, Debug)]
pub struct NodeKeys {
    /// The inbox's sequencer: the batcher posts from it.
    pub sequencer: PrivateKeySigner,
    /// The proposer, which bonds claims.
    pub proposer: PrivateKeySigner,
    /// The defender: defends the dispute game of every right claim when challenged, whoever
    /// proposed it (it posts the move bonds), and resolves unchallenged ones the slow path needs.
    pub defender: PrivateKeySigner,
    /// Submits ZK proofs.
    pub zk: PrivateKeySigner,
    /// Submits TEE attestations.
    pub tee: PrivateKeySigner,
    /// Challenges wrong claims.
    pub challenger: PrivateKeySigner,
    /// Calls `finalize`.
    pub watcher: PrivateKeySigner,
}

/// Which services run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Services {
    /// Sequencer, batcher and proposer.
    pub sequencer: bool,
    /// The ZK prover (needs keys).
    pub zk: bool,
    /// The TEE prover (needs an enclave).
    pub tee: bool,
    /// Challenger and defender (need a dispute game).
    pub dispute: bool,
    /// The finality watcher.
    pub watcher: bool,
}

impl Services {
    /// Every service.
    pub const ALL: Self =
        Self { sequencer: true, zk: true, tee: true, dispute: true, watcher: true };
}

/// The default of [`NodeConfig::move_depth`], in L1 blocks.
pub const DEFAULT_MOVE_DEPTH: u64 = tribunal_dispute::agent::DEFAULT_CONFIRMATIONS;

/// The node's configuration.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Directory of the redb files.
    pub data_dir: PathBuf,
    /// `Inbox`.
    pub inbox: Address,
    /// `MultiProofFinality`.
    pub finality: Address,
    /// `DisputeGame` (zero: no dispute agents).
    pub game: Address,
    /// Bond per claim, in wei (`MultiProofFinality.BOND_WEI`).
    pub bond_wei: U256,
    /// Sequencing policy.
    pub sequencer: SequencerConfig,
    /// How often each service polls L1.
    pub poll_interval: Duration,
    /// Which services run.
    pub services: Services,
    /// When both provers run here: how long the TEE worker holds its signature for the ZK
    /// prover to send with its proof in one `proveAndAttest` transaction, before sending it
    /// alone (`None`: each leg sends its own transaction).
    pub tee_hold_for_zk: Option<Duration>,
    /// When the sequencer (with its proposer) and both provers run here: how long the proposer
    /// waits, after a batch is posted, for the ZK proof and the TEE signature of its claim, to
    /// send all three in one `proposeAndSettle` transaction, final at once ([`crate::settle`]).
    /// Past it, or once a leg declines, the claim is proposed alone. `None`: proposed at once.
    pub settle_grace: Option<Duration>,
    /// With [`Self::settle_grace`]: how long the batcher holds a sealed batch whose parent is
    /// final for its ZK proof and TEE signature, to post it and settle its claim in one
    /// `postAndSettle` transaction ([`crate::batcher`]). Past it, or once a leg declines, the
    /// batch is posted alone and settled after posting. `None`: posted at once.
    pub settle_at_post: Option<Duration>,
    /// A reorg deeper than this many L1 blocks is a critical alert ([`Reorg::critical`]). Keep
    /// it at or below the sequencer's `l1_confirmations`, which bounds what a reorg can take
    /// from the sealed batches.
    pub max_reorg_depth: u64,
    /// Blocks deep a claim's finalization must be before the node reports it final (the
    /// watcher's events and metrics; the RPC through [`crate::rpc::RpcApi::with_final_depth`]).
    /// 0: at the head.
    pub final_depth: u64,
    /// Blocks deep the dispute agents' resolutions (a position's `resolveNode`, an unchallenged
    /// claim's settlement) must be before they stop watching them
    /// (`Challenger::with_confirmations`); a reorg no deeper drops nothing they forgot.
    pub move_depth: u64,
    /// The aggregation layer the ZK prover settles through, where the ZK verifier takes an
    /// inclusion path (an `AggregatedZkVerifier` member); `None`: every proof goes to L1 whole.
    pub zk_aggregator: Option<ZkAggregator>,
}

/// The aggregation layer's RPC, for the ZK prover ([`crate::zk::ZkProver::with_aggregator`]).
/// Its fee vouchers are signed by the ZK key ([`NodeKeys::zk`]), which pays from its prepaid
/// balance in the `ProofAggregator` (`deposit`).
#[derive(Clone, Debug)]
pub struct ZkAggregator {
    /// The aggregator's JSON-RPC endpoint, `http://host:port`.
    pub url: String,
    /// How long one poll of the ZK prover waits for a proof's batch; then the proof goes whole
    /// to a set member of the same circuit, if there is one, or the next poll tries again.
    pub wait: Duration,
    /// The most the ZK key signs for per proof, in wei; a higher `feePerProof` (the
    /// aggregator's operator sets it) gets nothing signed.
    pub max_fee_per_proof: U256,
}

/// A prover's poll failed, or its cursor could not be persisted.
#[derive(Debug, thiserror::Error)]
enum ServiceError {
    #[error(transparent)]
    Zk(#[from] crate::zk::ZkProverError),
    #[error(transparent)]
    Tee(#[from] crate::tee::TeeProverError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Follow(#[from] crate::follow::FollowError),
    #[error(transparent)]
    L1(#[from] tribunal_l1::L1Error),
    #[error(transparent)]
    Agent(#[from] tribunal_dispute::AgentError),
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A dispute store could not be opened.
    #[error(transparent)]
    DisputeStore(#[from] tribunal_dispute::StoreError),
    /// The data directory could not be created.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The aggregator's URL is not an HTTP URL ([`NodeConfig::zk_aggregator`]).
    #[error(transparent)]
    Aggregator(#[from] tribunal_aggregation::client::ClientError),
}

/// A running node: its services' tasks, the shared sequencer, and the event stream.
pub struct Node<L> {
    /// The sequencer, for submitting transactions (`None` when it does not run here).
    pub sequencer: Option<Arc<Sequencer<Arc<L>>>>,
    /// The node's store.
    pub store: Arc<Store>,
    /// Everything the services do.
    pub events: mpsc::UnboundedReceiver<Event>,
    contracts: (Address, Address, Address),
    reorgs: Reorgs,
    final_depth: u64,
    pace: Option<ProverPace>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl<L> std::fmt::Debug for Node<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node").field("tasks", &self.tasks.len()).finish_non_exhaustive()
    }
}

/// Polls `f` every `interval` until shutdown, sending its events, or its error as
/// [`Event::Error`].
async fn drive<F, E>(
    service: &'static str,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
    events: mpsc::UnboundedSender<Event>,
    mut f: F,
) where
    F: AsyncFnMut() -> Result<Vec<Event>, E>,
    E: std::fmt::Display,
{
    loop {
        match f().await {
            Ok(done) => {
                for e in done {
                    let _ = events.send(e);
                }
            }
            Err(e) => {
                tracing::warn!(service, error = %e, "will retry");
                let _ = events.send(Event::Error { service, error: e.to_string() });
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}

impl<L: L1 + 'static> Node<L> {
    /// Starts the services `config.services` names. `genesis` is the L2 genesis state the
    /// provers' and agents' replicas start from; `zk_keys` and `enclave` are needed by the ZK and
    /// TEE provers.
    ///
    /// # Errors
    /// [`NodeError`] when a store cannot be opened.
    pub fn start<E: Enclave + 'static>(
        l1: Arc<L>,
        config: NodeConfig,
        keys: NodeKeys,
        genesis: &State,
        zk_keys: Option<CircuitSizes>,
        enclave: Option<E>,
    ) -> Result<Self, NodeError> {
        let dir = &config.data_dir;
        std::fs::create_dir_all(dir)
            .map_err(|source| NodeError::DataDir { path: dir.clone(), source })?;
        let store = Arc::new(Store::open(&dir.join("node.redb"), *genesis.config())?);
        let (tx, events) = mpsc::unbounded_channel();
        let (shutdown, stop) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let every = config.poll_interval;
        let s = config.services;
        let both = s.zk && zk_keys.is_some() && s.tee && enclave.is_some();
        let settle = config
            .settle_grace
            .filter(|_| both && s.sequencer)
            .map(|grace| (Settlements::default(), grace));
        let mut sequencer = None;
        // With the ZK prover here, the sequencer's batch size follows its pace.
        let mut pace = None;
        // Every service that derives from L1 rewinds on the reorgs the follower publishes.
        let reorgs = Reorgs::default();
        let mut follower =
            Follower::new(l1.clone(), store.clone(), config.max_reorg_depth, reorgs.clone())?;
        // The services send through `sends`, which reports where each transaction landed.
        let sends = Arc::new(Reported::new(l1.clone(), reorgs.clone()));
        tasks.spawn(drive("l1 follower", every, stop.clone(), tx.clone(), async move || {
            Ok::<_, crate::follow::FollowError>(
                follower.poll().await?.map(Event::Reorg).into_iter().collect(),
            )
        }));

        if s.sequencer {
            let mut seq = Sequencer::new(l1, config.inbox, store.clone(), config.sequencer)?
                .with_reorgs(reorgs.clone());
            if let (true, Some(keys)) = (s.zk, &zk_keys) {
                let sizes = keys.iter().map(|k| k.config.batch_size);
                let p = ProverPace::new(seq.head().0).with_circuit_sizes(sizes);
                seq = seq.with_prover_pace(p.clone());
                pace = Some(p);
            }
            let seq = Arc::new(seq);
            sequencer = Some(seq.clone());
            let tick = config.sequencer.max_wait.min(every) / 2;
            tasks.spawn(drive("sequencer", tick, stop.clone(), tx.clone(), async move || {
                Ok::<_, crate::sequencer::SealError>(
                    seq.poll(false)
                        .await?
                        .map(|b| Event::Sealed(Box::new(b)))
                        .into_iter()
                        .collect(),
                )
            }));
            let mut batcher =
                Batcher::new(sends.clone(), config.inbox, store.clone(), keys.sequencer);
            match (&settle, config.settle_at_post) {
                (Some((settlements, _)), Some(wait)) => {
                    batcher = batcher.settling_with(settlements.clone(), config.finality, wait);
                }
                (None, Some(_)) => tracing::warn!(
                    "settle_at_post is set, but batches are posted at once: it needs both provers \
                     here and settle_grace"
                ),
                _ => {}
            }
            tasks.spawn(drive("batcher", every, stop.clone(), tx.clone(), async move || {
                Ok::<_, crate::batcher::BatcherError>(
                    batcher.poll().await?.into_iter().map(Event::Posted).collect(),
                )
            }));
            let mut proposer = Proposer::new(
                sends.clone(),
                config.inbox,
                config.finality,
                store.clone(),
                keys.proposer.clone(),
                config.bond_wei,
            )
            .with_reorgs(reorgs.clone());
            if let Some((settlements, grace)) = &settle {
                proposer = proposer.settling_with(settlements.clone(), *grace);
            }
            tasks.spawn(drive("proposer", every, stop.clone(), tx.clone(), async move || {
                Ok::<_, crate::proposer::ProposerError>(
                    proposer.poll().await?.into_iter().map(Event::Proposed).collect(),
                )
            }));
        }
        let held =
            config.tee_hold_for_zk.filter(|_| both).map(|wait| (HeldAttestations::default(), wait));
        if let (true, Some(zk_keys)) = (s.zk, zk_keys) {
            // Each circuit's R1CS matrices, built in the background from the smallest up, so
            // that no batch's proof waits for them (a proof needing them first waits instead of
            // building them twice). With the sequencer here, a circuit larger than the batches
            // it fills proves only a batch that must carry an overdue L1 message: it builds its
            // matrices at that proof, and holds no memory until then.
            let circuits = zk_keys.clone();
            let most = if s.sequencer { config.sequencer.max_batch_txs } else { usize::MAX };
            tokio::task::spawn_blocking(move || {
                for keys in circuits.iter().filter(|k| k.config.batch_size <= most) {
                    if let Err(e) = tribunal_zk::prover::prepare(keys) {
                        tracing::error!(key = %keys.config.key_id(), error = %e, "R1CS matrices");
                    }
                }
            });
            let mut zk = ZkProver::new(
                sends.clone(),
                config.inbox,
                config.finality,
                keys.zk.clone(),
                zk_keys,
                genesis.clone(),
            )
            .resume_at(store.cursor("zk")?)
            .with_sent_log(store.clone());
            if let Some((held, _)) = &held {
                zk = zk.with_tee_signatures(held.clone());
            }
            if let Some(pace) = pace.clone() {
                zk = zk.with_pace(pace);
            }
            if let Some((settlements, _)) = &settle {
                zk = zk.with_settlements(settlements.clone());
            }
            if let Some(a) = &config.zk_aggregator {
                let submitter = tribunal_aggregation::client::Submitter::new(
                    &a.url,
                    keys.zk.clone(),
                    a.max_fee_per_proof,
                )?;
                zk = zk.with_aggregator(submitter, a.wait);
            }
            let cursor = store.clone();
            let (l1, sender, finality, reorgs) =
                (sends.clone(), keys.zk.clone(), config.finality, reorgs.clone());
            // A reorg noticed before a restart, and not handled then, is handled now.
            let (mut seen, mut pending) = (0, store.unhandled_fork("zk")?);
            let mut rewound = false;
            tasks.spawn(drive("zk prover", every, stop.clone(), tx.clone(), async move || {
                let mut events = Vec::new();
                // Kept until the re-sending succeeds: a failed one is retried at the next poll.
                let fresh = reorgs.since(&mut seen);
                rewound &= fresh.is_none();
                pending = pending.into_iter().chain(fresh).min();
                if let Some(fork) = pending {
                    let needed = |s: &Status| !(s.zk || s.isFinal || s.superseded);
                    // Once per reorg: while a re-sent proof waits for its claim, the prover
                    // goes on from where the rewind put it.
                    let (again, rewind_to, waiting) =
                        after_reorg(&*l1, &cursor, "zk", &sender, finality, fork, needed, !rewound)
                            .await?;
                    events.extend(again);
                    if let Some(rewind_to) = rewind_to {
                        zk.rewind(rewind_to);
                        cursor.set_cursor("zk", zk.next_claim())?;
                        rewound = true;
                    }
                    if !waiting {
                        // Recorded first: a failed write keeps the fork pending, retried.
                        cursor.handled_fork("zk")?;
                        (pending, rewound) = (None, false);
                    }
                }
                let done = zk.poll().await?;
                if let Some((claim, _)) = done.last() {
                    cursor.set_cursor("zk", claim + 1)?;
                }
                events
                    .extend(done.into_iter().map(|(claim, outcome)| Event::Zk { claim, outcome }));
                Ok::<_, ServiceError>(events)
            }));
        }
        if let (true, Some(enclave)) = (s.tee, enclave) {
            let mut tee = TeeProver::new(
                sends.clone(),
                enclave,
                config.inbox,
                config.finality,
                keys.tee.clone(),
                genesis.clone(),
            )
            .resume_at(store.cursor("tee")?)
            .with_sent_log(store.clone());
            if let Some((held, wait)) = &held {
                tee = tee.hold_for_zk(held.clone(), *wait);
            }
            if let Some((settlements, _)) = &settle {
                tee = tee.with_settlements(settlements.clone());
            }
            let cursor = store.clone();
            let held = held.map(|(h, _)| h);
            let (l1, sender, finality, reorgs) =
                (sends.clone(), keys.tee.clone(), config.finality, reorgs.clone());
            // A reorg noticed before a restart, and not handled then, is handled now.
            let (mut seen, mut pending) = (0, store.unhandled_fork("tee")?);
            let mut rewound = false;
            tasks.spawn(drive("tee prover", every, stop.clone(), tx.clone(), async move || {
                let mut events = Vec::new();
                // Kept until the re-sending succeeds: a failed one is retried at the next poll.
                let fresh = reorgs.since(&mut seen);
                rewound &= fresh.is_none();
                pending = pending.into_iter().chain(fresh).min();
                // A signature the ZK prover is sending with its proof lands (or not) first: a
                // re-sent attestation must not race it.
                let bundling = held.as_ref().is_some_and(HeldAttestations::sending);
                if let (Some(fork), false) = (pending, bundling) {
                    let needed = |s: &Status| !(s.tee || s.isFinal || s.superseded);
                    // Once per reorg: while a re-sent attestation waits for its claim, the
                    // worker goes on from where the rewind put it.
                    let (again, rewind_to, waiting) = after_reorg(
                        &*l1, &cursor, "tee", &sender, finality, fork, needed, !rewound,
                    )
                    .await?;
                    events.extend(again);
                    if let Some(rewind_to) = rewind_to {
                        tee.rewind(rewind_to);
                        let next = tee.next_claim();
                        let lowest = held.as_ref().and_then(HeldAttestations::lowest);
                        cursor.set_cursor("tee", lowest.map_or(next, |h| h.min(next)))?;
                        rewound = true;
                    }
                    if !waiting {
                        // Recorded first: a failed write keeps the fork pending, retried.
                        cursor.handled_fork("tee")?;
                        (pending, rewound) = (None, false);
                    }
                }
                let done = tee.poll().await?;
                // A held signature lives in memory: the cursor stays at the lowest held claim,
                // so a restart signs it again.
                let next = tee.next_claim();
                let next =
                    held.as_ref().and_then(HeldAttestations::lowest).map_or(next, |h| h.min(next));
                if !done.is_empty() {
                    cursor.set_cursor("tee", next)?;
                }
                events
                    .extend(done.into_iter().map(|(claim, outcome)| Event::Tee { claim, outcome }));
                Ok::<_, ServiceError>(events)
            }));
        }
        if s.dispute && config.game != Address::ZERO {
            let contracts =
                Contracts { inbox: config.inbox, finality: config.finality, game: config.game };
            let mut challenger = Challenger::new(
                sends.clone(),
                contracts,
                keys.challenger,
                genesis.clone(),
                DisputeStore::open(dir.join("challenger.redb"))?,
            )
            .with_confirmations(config.move_depth);
            // A reorg noticed before a restart, and not handled then, is handled now.
            let (notices, mut seen, mut pending) =
                (reorgs.clone(), 0, store.unhandled_fork("challenger")?);
            let marks = store.clone();
            tasks.spawn(drive("challenger", every, stop.clone(), tx.clone(), async move || {
                // Kept until the rewind succeeds: a failed one is retried at the next poll.
                pending = pending.into_iter().chain(notices.since(&mut seen)).min();
                if let Some(fork) = pending {
                    challenger.rewind(fork).await?;
                    marks.handled_fork("challenger")?;
                    pending = None;
                }
                Ok::<_, ServiceError>(
                    challenger
                        .poll()
                        .await?
                        .into_iter()
                        .filter(|a| !matches!(a, Action::Judged { .. }))
                        .map(Event::Challenger)
                        .collect(),
                )
            }));
            let mut defender = Defender::new(
                sends.clone(),
                contracts,
                keys.defender,
                genesis.clone(),
                DisputeStore::open(dir.join("defender.redb"))?,
            )
            .with_confirmations(config.move_depth);
            // A reorg noticed before a restart, and not handled then, is handled now.
            let (notices, mut seen, mut pending) =
                (reorgs.clone(), 0, store.unhandled_fork("defender")?);
            let marks = store.clone();
            tasks.spawn(drive("defender", every, stop.clone(), tx.clone(), async move || {
                // Kept until the rewind succeeds: a failed one is retried at the next poll.
                pending = pending.into_iter().chain(notices.since(&mut seen)).min();
                if let Some(fork) = pending {
                    defender.rewind(fork).await?;
                    marks.handled_fork("defender")?;
                    pending = None;
                }
                Ok::<_, ServiceError>(
                    defender
                        .poll()
                        .await?
                        .into_iter()
                        .filter(|a| !matches!(a, Action::Judged { .. }))
                        .map(Event::Defender)
                        .collect(),
                )
            }));
        }
        if s.watcher {
            let mut watcher = Watcher::new(sends, config.finality, keys.watcher)
                .with_reorgs(reorgs.clone())
                .with_final_depth(config.final_depth);
            tasks.spawn(drive("watcher", every, stop, tx, async move || {
                Ok::<_, tribunal_l1::L1Error>(
                    watcher.poll().await?.into_iter().map(Event::Finalized).collect(),
                )
            }));
        }
        let contracts = (config.inbox, config.finality, config.game);
        let final_depth = config.final_depth;
        Ok(Self { sequencer, store, events, contracts, reorgs, final_depth, pace, shutdown, tasks })
    }

    /// The JSON-RPC API over this node (and its explorer's source): its store, sequencer and
    /// contracts on `l1`, reporting finality `final_depth` deep, re-reading after the reorgs its
    /// follower notices, and naming the claims its own ZK prover is on.
    pub fn api(&self, l1: Arc<L>) -> crate::rpc::RpcApi<L>
    where
        L: L1 + 'static,
    {
        let (inbox, finality, game) = self.contracts;
        let api = crate::rpc::RpcApi::new(
            l1,
            self.store.clone(),
            self.sequencer.clone(),
            inbox,
            finality,
            game,
        )
        .with_final_depth(self.final_depth)
        .with_reorgs(self.reorgs.clone());
        match &self.pace {
            Some(pace) => api.with_prover_pace(pace.clone()),
            None => api,
        }
    }

    /// The L1 reorgs the node's follower noticed: for an RPC API over this node
    /// ([`crate::rpc::RpcApi::with_reorgs`]).
    pub fn reorgs(&self) -> Reorgs {
        self.reorgs.clone()
    }

    /// [`NodeConfig::final_depth`]: for an RPC API over this node
    /// ([`crate::rpc::RpcApi::with_final_depth`]).
    pub const fn final_depth(&self) -> u64 {
        self.final_depth
    }

    /// The node's `Inbox`, `MultiProofFinality` and `DisputeGame` (zero when none).
    pub const fn contracts(&self) -> (Address, Address, Address) {
        self.contracts
    }

    /// Stops every service after its current poll, and waits for them.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// A prover's part after a reorg from block `fork`: re-sends what the reorg dropped
/// ([`resend_dropped`]). Returns the events to report, the claim its cursor moves back to
/// ([`claims_from`]; read only when `rewind`), and whether a dropped transaction still waits for
/// its claim's proposal.
#[allow(clippy::too_many_arguments)]
async fn after_reorg<L: L1>(
    l1: &L,
    store: &Store,
    service: &'static str,
    sender: &PrivateKeySigner,
    finality: Address,
    fork: u64,
    needed: fn(&Status) -> bool,
    rewind: bool,
) -> Result<(Vec<Event>, Option<u64>, bool), ServiceError> {
    let again = resend_dropped(l1, store, service, sender, finality, fork, needed).await?;
    let waiting = again.iter().any(|r| matches!(r, Resent::Waiting { .. }));
    let events = again
        .into_iter()
        .filter(|r| !matches!(r, Resent::Waiting { .. }))
        .map(|resent| Event::Resent { service, resent })
        .collect();
    let rewind_to = if rewind { Some(claims_from(l1, finality, fork).await?) } else { None };
    Ok((events, rewind_to, waiting))
}
