//! The scenarios: the rollup end to end on the embedded L1 with one part changed or hostile,
//! checked against the outcome the finality rules require (`tribunal scenario NAME`).
//!
//! The node runs its real services; the hostile parts (a compromised enclave key, a proposer of
//! wrong claims, a lying defender, a censoring sequencer) are scripted around it in `faults` and
//! `censorship`, and the council's in `council`.

mod censorship;
mod council;
mod faults;
mod reorg;

use std::{sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{B256, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use tribunal_contracts::{Inbox, MultiProofFinality, SecurityCouncil};
use tribunal_l1::{DevL1, L1, L1Dev, L1Error, L1Receipt, L1Tx, view};
use tribunal_node::{Event, Node, Services, follow::Resent, watcher::FinalityPath};
use tribunal_primitives::{AccountIndex, Batch, PrivateKey};
use tribunal_stf::State;

use crate::{DevnetConfig, Observer, Plan, Progress, Rollup, deploy_rollup, run::run_embedded};

/// The scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Every service runs: every batch is final at once (ZK + TEE).
    Honest,
    /// The TEE prover is down: every batch is final through ZK + OP after the window.
    TeeDown,
    /// The ZK prover is down: every batch is final through TEE + OP after the window.
    ZkDown,
    /// A compromised enclave key signs a wrong root while ZK proves the right one: neither is
    /// instant, OP settles the conflict for the right root after the window, and the TEE fault
    /// is recorded.
    TeeLies,
    /// The ZK verifier (INSECURE dev keys, trapdoor re-derived) accepts two post roots for one
    /// batch: the evidence freezes the ZK leg and the council replaces the verifier at once.
    ZkSelfDisagrees,
    /// A wrong claim is bisected down to one transaction by a lying defender and loses the
    /// one-step proof; its bond goes to the challenger. The right root's game is defended by a
    /// third party's key against a frivolous challenge.
    WrongClaim,
    /// The sequencer leaves a forced transaction out past its deadline: its own batches are
    /// refused and the user's permissionless batch includes it and finalizes.
    CensoringSequencer,
    /// Past the forced-inclusion deadline a stranger posts a batch of garbage records with an
    /// unpayable forced transfer: every transaction is skipped, the batch is final at once, and
    /// so is the next; so is a later blob with junk past its last record, which carries no
    /// records.
    PoisonedBatch,
    /// The proposer proposes, then goes silent with the provers down: after 7 days with nothing
    /// final, the liveness failure is recorded and the council's ZK upgrade runs at once.
    SilentProposer,
    /// The council (6 of 8 signing) tries to finalize, to move funds and to upgrade the ZK leg
    /// early: all refused; the upgrade runs only after its 45-day timelock.
    RogueCouncil,
    /// L1 reorganizes under the node: a deposit dropped before the sequencer takes it is never
    /// credited, a dropped post and a dropped proof are sent again, a reorg deeper than
    /// `max_reorg_depth` raises the critical alert, and then L1 reorgs 1–3 blocks every
    /// `every_ms` milliseconds under a workload of deposits: every batch is final, every
    /// deposit credited once, and no L1 transaction lands twice.
    L1Reorg {
        /// Milliseconds between the random reorgs.
        every_ms: u64,
    },
}

/// Milliseconds between the random reorgs of [`Scenario::L1Reorg`] by default.
pub const DEFAULT_REORG_EVERY_MS: u64 = 2_000;

/// Circuit slots of the scenarios built around single batches: small, so that proving (and
/// `zk-self-disagrees`'s fresh setup) takes seconds.
const FAULT_SLOTS: usize = 4;

/// What a passed scenario found.
#[derive(Clone, Debug)]
pub enum Passed {
    /// Every batch of the run became final on `path`.
    Batches {
        /// Batches.
        count: usize,
        /// Their path.
        path: FinalityPath,
    },
    /// The scenario's checks held (narrated as [`Progress::Note`]).
    Checks,
}

/// Runs `scenario` and checks its outcome; `batches` and `transfers` shape the runs of
/// `Honest`, `TeeDown` and `ZkDown`. With `serve`, the finality explorer then serves the
/// scenario's chain on that address (its node still running) until ctrl-c or SIGTERM, whether the
/// checks passed or not (a run that fails before its checks leaves nothing to serve), so every
/// state a scenario reaches can be looked at.
///
/// # Errors
/// A run that fails, an outcome other than the scenario's, or an explorer address that cannot be
/// bound.
pub fn run(
    scenario: Scenario,
    batches: u64,
    transfers: usize,
    observe: Observer,
    serve: Option<std::net::SocketAddr>,
) -> eyre::Result<Passed> {
    let mut devnet = DevnetConfig::embedded(batches, transfers, 32);
    let (services, expected) = match scenario {
        Scenario::Honest => (Services::ALL, FinalityPath::Instant),
        Scenario::TeeDown => (Services { tee: false, ..Services::ALL }, FinalityPath::SlowZk),
        Scenario::ZkDown => (Services { zk: false, ..Services::ALL }, FinalityPath::SlowTee),
        name => {
            if !matches!(name, Scenario::RogueCouncil | Scenario::SilentProposer) {
                (devnet.zk_sizes, devnet.transfers) = (vec![FAULT_SLOTS], FAULT_SLOTS - 2);
            }
            tribunal_l1::block_on_blob_threads(async move {
                let window = if matches!(name, Scenario::L1Reorg { .. }) { 64 } else { 0 };
                let mut w = World::deploy(&devnet, observe, window).await?;
                let outcome = match name {
                    Scenario::RogueCouncil => {
                        let claim = pending_claim(&mut w).await?;
                        council::rogue_council(&w, claim).await
                    }
                    Scenario::SilentProposer => {
                        pending_claim(&mut w).await?;
                        council::silent_proposer(&w).await
                    }
                    Scenario::TeeLies => faults::tee_lies(&mut w).await,
                    Scenario::ZkSelfDisagrees => faults::zk_self_disagrees(&mut w).await,
                    Scenario::WrongClaim => faults::wrong_claim(&mut w).await,
                    Scenario::CensoringSequencer => censorship::censoring_sequencer(&mut w).await,
                    Scenario::PoisonedBatch => censorship::poisoned_batch(&mut w).await,
                    Scenario::L1Reorg { every_ms } => {
                        reorg::l1_reorg(&mut w, Duration::from_millis(every_ms)).await
                    }
                    Scenario::Honest | Scenario::TeeDown | Scenario::ZkDown => {
                        unreachable!("run by run_embedded")
                    }
                };
                if let Some(addr) = serve {
                    if let Err(e) = &outcome {
                        say!(w, "the checks failed ({e}); the explorer shows where it stands");
                    }
                    let served = async {
                        if w.node.is_none() {
                            let none = Services {
                                sequencer: false,
                                zk: false,
                                tee: false,
                                dispute: false,
                                watcher: false,
                            };
                            w.start(none).await?;
                        }
                        serve_until_stopped(w.rpc()?, addr, &w.observe).await
                    }
                    .await;
                    if let Err(e) = served {
                        w.stop().await;
                        return Err(e);
                    }
                }
                w.stop().await;
                outcome
            })??;
            return Ok(Passed::Checks);
        }
    };
    let plan = Plan { services, unpayable_tail: false, ..Plan::DEVNET };
    let outcome = match serve {
        None => run_embedded(devnet, plan, observe)?,
        Some(addr) => tribunal_l1::block_on_blob_threads(async move {
            let l1 = Arc::new(DevL1::new());
            let r = deploy_rollup(&l1, &devnet, &observe).await?;
            let dir = tempfile::tempdir()?;
            let (outcome, node) =
                crate::run::run(l1.clone(), &r, &devnet, plan, dir.path().to_owned(), &observe)
                    .await?;
            let served = serve_until_stopped(node.api(l1), addr, &observe).await;
            node.stop().await;
            served?;
            Ok::<_, eyre::Report>(outcome)
        })??,
    };
    let outcome: Vec<FinalityPath> = outcome.batches.iter().map(|b| b.path).collect();
    eyre::ensure!(
        !outcome.is_empty() && outcome.iter().all(|p| *p == expected),
        "scenario {scenario:?}: expected every batch {expected}, got {outcome:?}"
    );
    Ok(Passed::Batches { count: outcome.len(), path: expected })
}

/// Serves the finality explorer over `api` on `addr` until ctrl-c or SIGTERM.
async fn serve_until_stopped(
    api: tribunal_node::rpc::RpcApi<DevL1>,
    addr: std::net::SocketAddr,
    observe: &Observer,
) -> eyre::Result<()> {
    let (bound, explorer) = tribunal_node::explorer::serve(Arc::new(api), addr)
        .await
        .map_err(|e| eyre::eyre!("explorer on {addr}: {e}"))?;
    observe(Progress::Note(format!(
        "explorer: http://{bound}/ (the scenario's chain; ctrl-c stops)"
    )));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    explorer.stop().await;
    Ok(())
}

/// How long a scenario waits for the node to do the next thing it expects.
const PATIENCE: Duration = Duration::from_secs(600);

/// A rollup deployed on the embedded L1, the node (when running) and its data directory.
pub(super) struct World {
    pub(super) l1: Arc<DevL1>,
    pub(super) r: Rollup,
    node: Option<Node<DevL1>>,
    dir: tempfile::TempDir,
    /// The sequencer's `max_batch_txs`.
    max_batch_txs: usize,
    observe: Observer,
    /// The node's `l1_confirmations`, `max_reorg_depth` and `final_depth`.
    l1_depths: (u64, u64, u64),
}

/// Narrates a line of the scenario in `w` (as [`Progress::Note`]).
macro_rules! say {
    ($w:expr, $($fmt:tt)*) => {
        $w.say(format!($($fmt)*))
    };
}
pub(super) use say;

impl World {
    /// Deploys on an embedded L1 that can reorg `reorg_window` blocks deep (0: never).
    async fn deploy(
        config: &DevnetConfig,
        observe: Observer,
        reorg_window: usize,
    ) -> eyre::Result<Self> {
        let l1 = Arc::new(DevL1::with_reorg_window(reorg_window));
        let r = deploy_rollup(&l1, config, &observe).await?;
        let dir = tempfile::tempdir()?;
        let max_batch_txs = config.full_batch();
        Ok(Self { l1, r, node: None, dir, max_batch_txs, observe, l1_depths: (0, 2, 0) })
    }

    /// The node's JSON-RPC API over the running node's store, without a server.
    ///
    /// # Errors
    /// No node running.
    pub(super) fn rpc(&self) -> eyre::Result<tribunal_node::rpc::RpcApi<DevL1>> {
        let node = self.node.as_ref().ok_or_else(|| eyre::eyre!("no node runs"))?;
        Ok(node.api(self.l1.clone()))
    }

    /// Narrates `line`.
    pub(super) fn say(&self, line: String) {
        (self.observe)(Progress::Note(line));
    }

    /// (Re)starts the node with `services`, on the same data directory.
    pub(super) async fn start(&mut self, services: Services) -> eyre::Result<()> {
        self.stop().await;
        let mut config =
            self.r.node_config(self.dir.path().to_owned(), self.max_batch_txs, services);
        (config.sequencer.l1_confirmations, config.max_reorg_depth, config.final_depth) =
            self.l1_depths;
        // These scenarios watch each leg's own transaction on a claim proposed at posting.
        config.settle_grace = None;
        self.node = Some(Node::start(
            self.l1.clone(),
            config,
            self.r.keys.clone(),
            &self.r.genesis,
            Some(self.r.zk.clone()),
            Some(self.r.enclave.clone()),
        )?);
        Ok(())
    }

    pub(super) async fn stop(&mut self) {
        if let Some(node) = self.node.take() {
            node.stop().await;
        }
    }

    /// Waits for the node's events until `f` returns a value, narrating them; at most
    /// [`PATIENCE`] in all.
    ///
    /// # Errors
    /// No node running, the node stopped, or nothing for [`PATIENCE`].
    pub(super) async fn until<T>(
        &mut self,
        what: &str,
        mut f: impl FnMut(&Event) -> Option<T>,
    ) -> eyre::Result<T> {
        let node = self.node.as_mut().ok_or_else(|| eyre::eyre!("no node runs"))?;
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let event = tokio::time::timeout_at(deadline, node.events.recv())
                .await
                .map_err(|_| eyre::eyre!("waited {} s for {what}", PATIENCE.as_secs()))?
                .ok_or_else(|| eyre::eyre!("the node stopped while waiting for {what}"))?;
            narrate(&self.observe, &event);
            if let Some(t) = f(&event) {
                return Ok(t);
            }
        }
    }

    /// Waits for the node's challenger to challenge claim `claim`; returns the challenge's
    /// position.
    ///
    /// # Errors
    /// As [`Self::until`].
    pub(super) async fn challenge_of(&mut self, claim: u64) -> eyre::Result<u64> {
        self.until("the challenge", |e| match e {
            Event::Challenger(tribunal_dispute::Action::Opened { claim: c, challenge, .. })
                if *c == claim =>
            {
                Some(*challenge)
            }
            _ => None,
        })
        .await
    }

    /// The node's events so far, narrated, without waiting.
    pub(super) fn drain(&mut self) {
        if let Some(node) = self.node.as_mut() {
            while let Ok(event) = node.events.try_recv() {
                narrate(&self.observe, &event);
            }
        }
    }

    /// A user deposits 1 ETH on L1 (from dev account 1) for `key`; returns the L2 account.
    pub(super) async fn deposit(&self, key: &PrivateKey) -> eyre::Result<AccountIndex> {
        let pubkey = key.public_key();
        crate::rollup::deposit(&*self.l1, &self.r.signers[1], self.r.d.inbox, &pubkey).await
    }

    /// Moves L1 time `seconds` forward and mines a block there.
    pub(super) async fn travel(&self, seconds: u64) -> eyre::Result<()> {
        self.l1.increase_time(seconds).await?;
        self.l1.mine().await?;
        Ok(())
    }

    /// The L2 state after posted batch `n`, re-executed from genesis out of the blobs on L1.
    pub(super) async fn state_after(&self, n: u64) -> eyre::Result<State> {
        let mut replica = tribunal_dispute::Replica::new(self.r.genesis.clone());
        replica
            .state_after(&*self.l1, self.r.d.inbox, n)
            .await?
            .cloned()
            .ok_or_else(|| eyre::eyre!("posted batches up to {n} do not execute"))
    }

    /// Posts `batch` in blobs from `from`, consuming L1 messages up to `queue_end`.
    pub(super) async fn post(
        &self,
        from: &PrivateKeySigner,
        batch: &Batch,
        queue_end: u64,
    ) -> eyre::Result<Result<L1Receipt, L1Error>> {
        let blobs = tribunal_da::encode_blobs(&batch.encode())?;
        self.post_blobs(from, batch.number.0, blobs, queue_end).await
    }

    /// Posts `blobs` as they are (canonical or not) as batch `number`, consuming the queue up
    /// to `queue_end`.
    pub(super) async fn post_blobs(
        &self,
        from: &PrivateKeySigner,
        number: u64,
        blobs: Vec<alloy_eips::eip4844::Blob>,
        queue_end: u64,
    ) -> eyre::Result<Result<L1Receipt, L1Error>> {
        let sidecar = tribunal_da::sidecar_7594(blobs)?;
        // The accumulator the batch is posted on; past the queue (a post the inbox refuses for
        // its queue end), none.
        let at = Inbox::accAtCall { _index: queue_end };
        let acc = match tribunal_l1::view(&*self.l1, self.r.d.inbox, at).await {
            Err(L1Error::Revert(_)) => alloy_primitives::B256::ZERO,
            acc => acc?,
        };
        let call =
            Inbox::postBatchCall { _batchNumber: number, _queueEnd: queue_end, _queueAcc: acc };
        let tx = L1Tx::call(self.r.d.inbox, call.abi_encode()).with_sidecar(sidecar);
        Ok(self.l1.send(from, tx).await)
    }

    /// Proposes `call` from `from` with the bond; returns the claim id.
    pub(super) async fn propose(
        &self,
        from: &PrivateKeySigner,
        call: MultiProofFinality::proposeCall,
    ) -> eyre::Result<u64> {
        let tx = L1Tx::call(self.r.d.finality, call.abi_encode()).with_value(self.r.bond);
        let receipt = self.l1.send(from, tx).await?;
        let proposed = receipt
            .logs
            .iter()
            .find_map(|l| MultiProofFinality::ClaimProposed::decode_log(l).ok())
            .ok_or_else(|| eyre::eyre!("propose emitted no ClaimProposed"))?;
        Ok(proposed.id.to())
    }

    pub(super) async fn status(&self, id: u64) -> eyre::Result<MultiProofFinality::Status> {
        let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
        Ok(view(&*self.l1, self.r.d.finality, call).await?)
    }

    /// Prints claim `id`'s status with the reference model's explanation.
    pub(super) async fn show(
        &self,
        label: &str,
        id: u64,
    ) -> eyre::Result<MultiProofFinality::Status> {
        let s = self.status(id).await?;
        say!(self, "  claim {id} ({label}): {}", tribunal_node::rpc::model_status(&s));
        Ok(s)
    }

    /// The error `finalize(id)` is refused with, decoded; an error if it would go through.
    pub(super) async fn finalize_refused(&self, id: u64) -> eyre::Result<String> {
        let call = MultiProofFinality::finalizablePathCall { _id: U256::from(id) };
        let result = view(&*self.l1, self.r.d.finality, call).await;
        let data = match result {
            Ok(path) => eyre::bail!("claim {id} is finalizable now (path {path})"),
            Err(e) => e.revert_data().cloned().ok_or_else(|| eyre::eyre!("not a revert: {e}"))?,
        };
        Ok(MultiProofFinality::MultiProofFinalityErrors::abi_decode(&data)
            .map_or_else(|_| format!("undecoded revert {data}"), |e| format!("{e:?}")))
    }

    /// Every `LegFaulty` the finality contract emitted: (leg, claim).
    /// The legs recorded faulty, once the node's watcher has settled the losing claim `rival`
    /// (`settleRival` records them; finalization itself does not).
    pub(super) async fn leg_faults_of(&mut self, rival: u64) -> eyre::Result<Vec<(u8, u64)>> {
        let deadline = std::time::Instant::now() + PATIENCE;
        let settled = MultiProofFinality::rivalSettledCall(U256::from(rival));
        while !view(&*self.l1, self.r.d.finality, settled.clone()).await? {
            eyre::ensure!(
                std::time::Instant::now() < deadline,
                "the watcher did not settle claim {rival}"
            );
            self.drain();
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        self.leg_faults().await
    }

    pub(super) async fn leg_faults(&self) -> eyre::Result<Vec<(u8, u64)>> {
        Ok(self
            .l1
            .logs(self.r.d.finality, 0)
            .await?
            .iter()
            .filter_map(|l| MultiProofFinality::LegFaulty::decode_log(&l.log).ok())
            .map(|e| (e.leg, e.id.to()))
            .collect())
    }
}

const ETH: u128 = 10u128.pow(18);

/// One line per node event worth a reader's attention.
fn narrate(observe: &Observer, event: &Event) {
    use tribunal_dispute::Action;
    use tribunal_node::{tee::TeeOutcome, zk::ZkOutcome};
    let line = match event {
        Event::Sealed(s) => {
            format!("sequencer sealed batch {} ({} txs)", s.batch.number.0, s.batch.txs.len())
        }
        Event::Posted(p) => format!("batcher posted batch {}", p.batch.0),
        Event::Proposed(p) if p.settled.is_some() => format!(
            "proposer proposed claim {} for batch {} with its ZK proof and TEE signature: final \
             at once",
            p.claim, p.batch.0
        ),
        Event::Proposed(p) => {
            format!("proposer proposed claim {} for batch {}", p.claim, p.batch.0)
        }
        Event::Zk { claim, outcome: ZkOutcome::Proven { prove_secs, with_tee, .. } } => {
            let with = if with_tee.is_some() { ", sent with the TEE's signature" } else { "" };
            format!("ZK prover proved claim {claim} ({prove_secs:.1} s{with})")
        }
        Event::Zk { claim, outcome: ZkOutcome::Wrong { reason } } => {
            format!("ZK prover refuses claim {claim}: {reason}")
        }
        Event::Tee { claim, outcome: TeeOutcome::Attested { .. } } => {
            format!("TEE prover attested claim {claim}")
        }
        Event::Tee { claim, outcome: TeeOutcome::Held { .. } } => {
            format!("TEE prover approved claim {claim}; its signature waits for the ZK proof")
        }
        Event::Tee { claim, outcome: TeeOutcome::Refused(e) } => {
            format!("TEE prover refuses claim {claim}: {e}")
        }
        Event::Challenger(Action::Opened { claim, challenge, .. }) => {
            format!("challenger opened challenge {challenge} against claim {claim}")
        }
        Event::Challenger(Action::Stepped { challenge, gas, .. }) => {
            format!("challenger's one-step proof proves challenge {challenge} ({gas} gas)")
        }
        Event::Challenger(Action::Moved { node, kind, .. }) => {
            format!("challenger answers position {node} ({kind})")
        }
        Event::Defender(Action::Moved { node, kind, .. }) => {
            format!("defender answers position {node} ({kind})")
        }
        Event::Defender(Action::Stepped { challenge, gas, .. }) => {
            format!("defender's one-step proof counters challenge {challenge} ({gas} gas)")
        }
        Event::Challenger(Action::Claimed { claim, wei })
        | Event::Defender(Action::Claimed { claim, wei }) => {
            format!("bond credit of claim {claim} withdrawn: {wei} wei")
        }
        Event::Finalized(f) => format!("claim {} final: batch {}, {}", f.claim, f.batch, f.path),
        Event::Reorg(r) => format!(
            "L1 reorg noticed: {} blocks from block {}{}",
            r.depth,
            r.fork,
            if r.critical { ", deeper than max_reorg_depth: CRITICAL alert" } else { "" }
        ),
        Event::Resent { service, resent: Resent::Again { claim, block } } => {
            format!(
                "{service} prover re-sent claim {claim}'s transaction a reorg dropped (block {block})"
            )
        }
        Event::Error { service, error } => {
            tracing::debug!(service, %error, "service retries");
            return;
        }
        _ => return,
    };
    observe(Progress::Note(format!("    · {line}")));
}

/// A claim proposed by the node with no prover running: a user deposits, the sequencer seals,
/// posts and proposes, and the node stops. Returns the claim id.
async fn pending_claim(w: &mut World) -> eyre::Result<u64> {
    w.start(Services { sequencer: true, zk: false, tee: false, dispute: false, watcher: false })
        .await?;
    w.deposit(&PrivateKey::from_bytes([7; 32])).await?;
    let claim = w.until("a proposed claim", |e| match e {
        Event::Proposed(p) => Some(p.claim),
        _ => None,
    });
    let claim = claim.await?;
    w.stop().await;
    say!(w, "claim {claim} proposed; no ZK or TEE prover runs");
    Ok(claim)
}

/// The word of a field element that no honest execution gives: a wrong post root.
pub(super) fn wrong_root() -> B256 {
    tribunal_primitives::field::fr_to_word(&tribunal_primitives::Fr::from(0xbadu64))
}

/// The council's typed error, from a revert (unwrapping `Council_CallFailed`).
pub(super) fn council_error(result: Result<impl std::fmt::Debug, L1Error>) -> eyre::Result<String> {
    let data = match result {
        Ok(ok) => eyre::bail!("the council's action went through: {ok:?}"),
        Err(e) => e.revert_data().cloned().ok_or_else(|| eyre::eyre!("not a revert: {e}"))?,
    };
    Ok(match SecurityCouncil::SecurityCouncilErrors::abi_decode(&data) {
        Ok(SecurityCouncil::SecurityCouncilErrors::Council_CallFailed(f)) => {
            match MultiProofFinality::MultiProofFinalityErrors::abi_decode(&f.reason) {
                Ok(inner) => format!("Council_CallFailed({inner:?})"),
                Err(_) => format!("Council_CallFailed({})", f.reason),
            }
        }
        Ok(e) => format!("{e:?}"),
        Err(_) => format!("undecoded revert {data}"),
    })
}

pub(super) fn expect_refused(w: &World, what: &str, error: &str, name: &str) -> eyre::Result<()> {
    eyre::ensure!(error.contains(name), "{what}: expected {name}, got {error}");
    say!(w, "  refused: {what:<46} {name}");
    Ok(())
}

pub(super) async fn latest_final(l1: &impl L1, r: &Rollup) -> eyre::Result<u64> {
    Ok(view(l1, r.d.finality, MultiProofFinality::latestFinalBatchCall {}).await?)
}
