//! A devnet run: the node's services over a deployed [`Rollup`], a workload of users, and
//! finality tracked per batch.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, keccak256};
use alloy_sol_types::SolCall;
use eyre::WrapErr;
use tribunal_contracts::MultiProofFinality;
use tribunal_dispute::Action;
use tribunal_l1::{L1, L1Dev, L1Tx, view};
use tribunal_node::{
    Event, Node, Services, sequencer::Sequencer, tee::TeeOutcome, watcher::FinalityPath,
    zk::ZkOutcome,
};
use tribunal_primitives::{
    AccountIndex, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw, l2_key::EthKey,
};
use tribunal_tee::Enclave;

use crate::{
    DevnetConfig, Observer, Progress, Rollup,
    rollup::{ETH, deposit, force},
};

/// What a run exercises: which services run, and whether the last batch carries a forced
/// transfer that cannot pay.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// The node's services.
    pub services: Services,
    /// End with a batch carrying a forced transfer that cannot pay: the STF skips it, and every
    /// leg proves the skip, so the batch is as instant as the others.
    pub unpayable_tail: bool,
    /// After the run, re-prove and re-attest the first instant batch and measure the bare
    /// `ZkVerifier.verify` and `TeeVerifier.recover` as transactions (`tribunal bench rollup`).
    pub bare_verifications: bool,
    /// With both provers running, the proposer settles each claim with their proof and
    /// signature in one `proposeAndSettle` ([`tribunal_node::NodeConfig::settle_grace`]);
    /// `false`: each claim is proposed at posting and each leg sends its own transaction.
    pub settle: bool,
}

impl Plan {
    /// The devnet: every service, each claim settled in its proposal, and an unpayable forced
    /// transfer in the last batch.
    pub const DEVNET: Self = Self {
        services: Services::ALL,
        unpayable_tail: true,
        bare_verifications: false,
        settle: true,
    };
}

/// How one batch of a run became final.
#[derive(Clone, Debug)]
pub struct BatchReport {
    /// Batch number.
    pub batch: u64,
    /// How it became final.
    pub path: FinalityPath,
    /// Transactions.
    pub txs: usize,
    /// Of them sequencer transfers.
    pub transfers: usize,
    /// Of them L1 messages (deposits and forced transactions).
    pub l1_messages: usize,
    /// Of them skipped by the STF.
    pub skipped: usize,
    /// Blobs carrying it.
    pub blobs: usize,
    /// Canonical batch bytes in its blobs.
    pub bytes: usize,
    /// Sealing to final, wall-clock seconds of this process (from posting for a batch it did not
    /// see sealed): what a user waits once the batch holds its transaction, whether the legs
    /// work before posting (`postAndSettle`) or after.
    pub wall_secs: f64,
    /// Posting to final, L1 seconds (time-travelled on the slow path).
    pub l1_secs: u64,
    /// Seconds the ZK prover spent proving it, if it did.
    pub prove_secs: Option<f64>,
    /// L1 gas: `postBatch`, `propose`, `proveZk`, `attestTee`, the OP game (its `resolve` on the
    /// slow path; no game exists unless a claim is challenged), and the watcher's `finalize`
    /// (0 when an approval finalized it).
    pub gas: LegGas,
}

/// L1 gas of one batch, by step.
#[derive(Clone, Copy, Debug, Default)]
pub struct LegGas {
    /// `Inbox.postBatch` (execution gas; blob gas is separate).
    pub post: u64,
    /// `MultiProofFinality.propose`, or `proposeAndSettle` when the ZK proof and the TEE
    /// signature went with the claim (then `zk` and `tee` are 0).
    pub propose: u64,
    /// `MultiProofFinality.proveZk`, or `proveAndAttest` when the TEE's signature went with the
    /// proof (then `tee` is 0).
    pub zk: u64,
    /// `MultiProofFinality.attestTee` (0 when the signature went with the proof).
    pub tee: u64,
    /// `DisputeGame.resolve` (the defender's, on the slow path).
    pub op: u64,
    /// `MultiProofFinality.finalize`.
    pub finalize: u64,
}

impl LegGas {
    /// Every step's gas.
    pub const fn total(&self) -> u64 {
        self.post + self.propose + self.zk + self.tee + self.op + self.finalize
    }
}

/// Gas of each validity leg's verifier alone, called in its own transaction with the same proof
/// and signature as the run's first instant batch.
#[derive(Clone, Copy, Debug)]
pub struct BareGas {
    /// `ZkVerifier.verify(claim, proof)`.
    pub zk_verify: u64,
    /// `TeeVerifier.recover(digest, signature)`.
    pub tee_recover: u64,
}

/// What a run measured: every batch, in batch order, and the bare verifications if asked for.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Every batch.
    pub batches: Vec<BatchReport>,
    /// [`Plan::bare_verifications`].
    pub bare: Option<BareGas>,
    /// The aggregates posted by the aggregation layer the ZK leg settled through, in order
    /// ([`crate::DevnetConfig::aggregate_proofs`]; empty without it).
    pub aggregates: Vec<tribunal_aggregation::service::Posted>,
}

/// What the run learns about one batch from the node's events.
#[derive(Debug, Default)]
struct BatchRow {
    txs: usize,
    transfers: usize,
    l1_messages: usize,
    skipped: usize,
    blobs: usize,
    bytes: usize,
    sealed: Option<Instant>,
    posted: Option<Instant>,
    claim: Option<u64>,
    gas: LegGas,
    zk: Option<ZkOutcome>,
    tee_approved: bool,
    final_path: Option<FinalityPath>,
    final_after: Option<Duration>,
    final_at: u64,
}

impl BatchRow {
    /// Final, and every leg that approved it has reported.
    fn complete(&self) -> bool {
        match self.final_path {
            None => false,
            Some(FinalityPath::Instant) => self.zk.is_some() && self.tee_approved,
            Some(FinalityPath::SlowZk) => self.zk.is_some(),
            Some(FinalityPath::SlowTee) => self.tee_approved,
        }
    }
}

/// Finality per batch, from the node's events.
struct Tracker {
    rows: BTreeMap<u64, BatchRow>,
    claims: BTreeMap<u64, u64>,
    last_progress: Instant,
}

impl Tracker {
    fn row_of_claim(&mut self, claim: u64) -> Option<&mut BatchRow> {
        let batch = *self.claims.get(&claim)?;
        self.rows.get_mut(&batch)
    }

    fn apply(&mut self, event: Event) {
        match event {
            Event::Sealed(s) => {
                let row = self.rows.entry(s.batch.number.0).or_default();
                row.sealed = Some(Instant::now());
                row.txs = s.batch.txs.len();
                row.transfers = s.batch.txs.iter().filter(|t| matches!(t, Tx::Transfer(_))).count();
                row.l1_messages = s.l1_messages;
                row.skipped = s.output.skipped().count();
            }
            Event::Posted(p) => {
                let row = self.rows.entry(p.batch.0).or_default();
                row.blobs = p.blobs;
                row.bytes = p.bytes;
                row.gas.post = p.gas;
                row.posted = Some(Instant::now());
                if let Some((claim, s)) = p.settled {
                    // Posted and settled in one `postAndSettle`: both validity legs went with it.
                    row.claim = Some(claim);
                    let (slots, prove_secs) = (s.slots, s.prove_secs);
                    let with_tee = Some(s.signer);
                    row.zk = Some(ZkOutcome::Proven { slots, prove_secs, gas: 0, with_tee });
                    row.tee_approved = true;
                    self.claims.insert(claim, p.batch.0);
                    // The watcher may have reported it final first: final as it was posted.
                    if row.final_path.is_some() {
                        row.final_after.get_or_insert(Duration::ZERO);
                    }
                }
            }
            Event::Proposed(p) => {
                self.claims.insert(p.claim, p.batch.0);
                let row = self.rows.entry(p.batch.0).or_default();
                row.claim = Some(p.claim);
                row.gas.propose = p.gas;
                if let Some(s) = p.settled {
                    // Both validity legs went in the same `proposeAndSettle`.
                    let (slots, prove_secs) = (s.slots, s.prove_secs);
                    let with_tee = Some(s.signer);
                    row.zk = Some(ZkOutcome::Proven { slots, prove_secs, gas: 0, with_tee });
                    row.tee_approved = true;
                }
            }
            Event::Zk { claim, outcome } => {
                if let Some(row) = self.row_of_claim(claim) {
                    if let ZkOutcome::Proven { gas, with_tee, .. } = &outcome {
                        row.gas.zk = *gas;
                        row.tee_approved |= with_tee.is_some();
                    }
                    // A claim settled in its proposal reports nothing to send afterwards.
                    if !(matches!(outcome, ZkOutcome::Settled { .. }) && row.zk.is_some()) {
                        row.zk = Some(outcome);
                    }
                }
            }
            Event::Tee { claim, outcome } => {
                if let (Some(row), TeeOutcome::Attested { gas_used, .. }) =
                    (self.row_of_claim(claim), outcome)
                {
                    row.gas.tee = gas_used;
                    row.tee_approved = true;
                }
            }
            Event::Defender(Action::Resolved { claim, gas }) => {
                if let Some(row) = self.row_of_claim(claim) {
                    row.gas.op += gas;
                }
            }
            Event::Defender(_) | Event::Challenger(_) => {}
            Event::Finalized(f) => {
                self.last_progress = Instant::now();
                if let Some(row) = self.rows.get_mut(&f.batch) {
                    row.final_path = Some(f.path);
                    row.final_after = row.sealed.or(row.posted).map(|t| t.elapsed());
                    row.final_at = f.final_at;
                    row.gas.finalize = f.gas;
                }
            }
            Event::Error { service, error } => {
                tracing::debug!(service, %error, "service will retry");
            }
            Event::Reorg(_) | Event::Resent { .. } => {}
        }
    }
}

struct User {
    index: AccountIndex,
    key: PrivateKey,
    nonce: u64,
}

/// Runs `plan` over the deployed rollup `r`: [`start`]s the node on `data_dir`, then [`drive`]s
/// it. Returns the outcome and the still-running node (the caller stops it, or serves it).
///
/// # Errors
/// As [`start`] and [`drive`].
pub async fn run<D: L1Dev + 'static>(
    l1: Arc<D>,
    r: &Rollup,
    config: &DevnetConfig,
    plan: Plan,
    data_dir: PathBuf,
    observe: &Observer,
) -> eyre::Result<(Outcome, Node<D>)> {
    let node = start(l1.clone(), r, config, plan, data_dir)?;
    drive(l1, r, config, plan, node, observe).await
}

/// Starts the node of the deployed rollup `r` on `data_dir`, with the services `plan` runs. Serve
/// its JSON-RPC or explorer (`node.api`) before [`drive`] to watch the run as it goes.
///
/// # Errors
/// The node's stores cannot be opened, or its configuration is refused.
pub fn start<D: L1Dev + 'static>(
    l1: Arc<D>,
    r: &Rollup,
    config: &DevnetConfig,
    plan: Plan,
    data_dir: PathBuf,
) -> eyre::Result<Node<D>> {
    let mut node = r.node_config(data_dir, config.full_batch(), plan.services);
    if !plan.settle {
        node.settle_grace = None;
    }
    Ok(Node::start(
        l1,
        node,
        r.keys.clone(),
        &r.genesis,
        Some(r.zk.clone()),
        Some(r.enclave.clone()),
    )?)
}

/// Drives `plan` over the started `node` of rollup `r`: has the users deposit, transfer,
/// withdraw and force transfers, and waits until every batch is final, reporting each as
/// [`Progress::Final`]. Returns the outcome and the still-running node.
///
/// # Errors
/// Storage or L1 errors, a refused devnet transaction, nothing final for `config.stall`, or L1
/// disagreeing with the node about the latest final batch.
pub async fn drive<D: L1Dev + 'static>(
    l1: Arc<D>,
    r: &Rollup,
    config: &DevnetConfig,
    plan: Plan,
    mut node: Node<D>,
    observe: &Observer,
) -> eyre::Result<(Outcome, Node<D>)> {
    let (chain_id, d) = (r.chain_id, &r.d);
    let user_l1 = r.signers[1].clone();
    let sequencer = node.sequencer.clone().expect("the devnet runs the sequencer");
    let mut tracker =
        Tracker { rows: BTreeMap::new(), claims: BTreeMap::new(), last_progress: Instant::now() };
    let stall = config.stall;

    // Users derive their L2 keys from Ethereum keys, as a wallet does, and deposit on L1.
    let mut users = Vec::new();
    for i in 0..config.users {
        let eth = EthKey::from_bytes(&keccak256(format!("tribunal devnet user {i}")).0)?;
        let key = eth.derive_l2_key(chain_id)?;
        let index = deposit(&*l1, &user_l1, d.inbox, &key.public_key()).await?;
        users.push(User { index, key, nonce: 0 });
    }
    observe(Progress::Deposited { users: users.len() });
    wait_until(&mut node, &mut tracker, stall, || {
        users.iter().all(|u| sequencer.with_state(|s| s.account(u.index).is_some()))
    })
    .await?;

    let n = users.len();
    let unpayable_round = config.batches;
    for round in 1..=config.batches {
        let head = sequencer.head().0.0;
        // Forced transactions go through L1 first, so they are queued before the round's batch.
        if round == 1 {
            // A forced transfer the sequencer must include (censorship resistance).
            let (f, t) = (round as usize % n, (round as usize + 1) % n);
            let body = Transfer {
                from: users[f].index,
                to: users[t].index,
                amount: Wei(ETH / 100),
                nonce: users[f].nonce,
            };
            users[f].nonce += 1;
            force(&*l1, &user_l1, d.inbox, chain_id, body, &users[f].key).await?;
        }
        if plan.unpayable_tail && round == unpayable_round {
            // A forced transfer that cannot pay: the STF skips it, and the circuit proves the
            // skip (before, such a batch could only finalize on the slow path).
            let f = round as usize % n;
            let body = Transfer {
                from: users[f].index,
                to: users[(f + 1) % n].index,
                amount: Wei(u128::MAX),
                nonce: users[f].nonce,
            };
            force(&*l1, &user_l1, d.inbox, chain_id, body, &users[f].key).await?;
        }
        for k in 0..config.transfers {
            let (from, to) = ((round as usize + k) % n, (round as usize + 3 * k + 1) % n);
            let body = Transfer {
                from: users[from].index,
                to: users[to].index,
                amount: Wei(ETH / 1000 + k as u128),
                nonce: users[from].nonce,
            };
            users[from].nonce += 1;
            submit(&sequencer, Tx::Transfer(Signed::sign(body, chain_id, &users[from].key)))?;
        }
        if round == 1 {
            let w = (round as usize + 2) % n;
            let body = Withdraw {
                from: users[w].index,
                to: Address::repeat_byte(0x11),
                amount: Wei(ETH / 10),
                nonce: users[w].nonce,
            };
            users[w].nonce += 1;
            submit(&sequencer, Tx::Withdraw(Signed::sign(body, chain_id, &users[w].key)))?;
        }
        wait_until(&mut node, &mut tracker, stall, || sequencer.head().0.0 > head).await?;
    }
    // Sealing follows the prover's pace and fills its circuits, so a round's last transactions
    // may wait for the next batch: every accepted one is sealed before the run counts batches.
    let store = node.store.clone();
    wait_until(&mut node, &mut tracker, stall, || store.mempool().is_ok_and(|m| m.is_empty()))
        .await?;
    let last = sequencer.head().0.0;
    observe(Progress::Submitted { last_batch: last });

    let mut reported = 0u64;
    let mut reports = Vec::new();
    let mut travelled_past: Option<u64> = None;
    let window = view(&*l1, d.finality, MultiProofFinality::OP_WINDOW_SECONDSCall {})
        .await?
        .max(r.game_params.window_secs);
    loop {
        while reported < last && tracker.rows.get(&(reported + 1)).is_some_and(BatchRow::complete) {
            reported += 1;
            let report = batch_report(&*l1, d.inbox, reported, &tracker.rows[&reported]).await?;
            observe(Progress::Final(report.clone()));
            reports.push(report);
        }
        if reported == last {
            break;
        }
        // The slow path: once the only batches left wait for the OP window, travel past it.
        // Every batch left must have its claim on L1 (its row may still be in the event queue),
        // and a travel covers only the claims proposed before it: a later claim's game starts its
        // clock after the travel, so it needs another.
        let waiting_window = (reported + 1..=last).all(|n| {
            tracker.rows.get(&n).is_some_and(|r| {
                r.claim.is_some()
                    && r.final_path.is_none()
                    && r.tee_approved != matches!(r.zk, Some(ZkOutcome::Proven { .. }))
                    && (r.zk.is_some() || !plan.services.zk)
            })
        });
        let newest_claim = tracker.rows.range(reported + 1..).filter_map(|(_, r)| r.claim).max();
        if waiting_window && newest_claim > travelled_past {
            observe(Progress::Travelling { first: reported + 1, last, window_secs: window });
            l1.increase_time(window + 60).await?;
            l1.mine().await?;
            travelled_past = newest_claim;
        }
        next_event(&mut node, &mut tracker, stall).await?;
    }
    let instant = reports.iter().filter(|b| b.path == FinalityPath::Instant).count();
    let status = view(&*l1, d.finality, MultiProofFinality::latestFinalBatchCall {}).await?;
    observe(Progress::AllFinal { batches: reports.len(), instant, latest_final: status });
    eyre::ensure!(status == last, "L1 says batch {status} is the latest final, not {last}");
    let bare = match reports.iter().find(|b| b.path == FinalityPath::Instant) {
        Some(b) if plan.bare_verifications => Some(bare_verifications(&*l1, r, b.batch).await?),
        _ => None,
    };
    let aggregates = r.aggregation.as_ref().map(|a| a.aggregates()).unwrap_or_default();
    Ok((Outcome { batches: reports, bare, aggregates }, node))
}

fn submit<L: L1>(sequencer: &Sequencer<L>, tx: Tx) -> eyre::Result<()> {
    sequencer.submit(tx).wrap_err("the sequencer refused a devnet transaction")?;
    Ok(())
}

async fn next_event<L: L1 + 'static>(
    node: &mut Node<L>,
    tracker: &mut Tracker,
    stall: Duration,
) -> eyre::Result<()> {
    let left = stall.saturating_sub(tracker.last_progress.elapsed());
    match tokio::time::timeout(left, node.events.recv()).await {
        Ok(Some(e)) => {
            tracker.apply(e);
            Ok(())
        }
        Ok(None) => eyre::bail!("the node's services stopped"),
        Err(_) => eyre::bail!("nothing became final for {} s", stall.as_secs()),
    }
}

async fn wait_until<L: L1 + 'static>(
    node: &mut Node<L>,
    tracker: &mut Tracker,
    stall: Duration,
    mut done: impl FnMut() -> bool,
) -> eyre::Result<()> {
    tracker.last_progress = Instant::now();
    while !done() {
        next_event(node, tracker, stall).await?;
    }
    Ok(())
}

/// Batch `n`'s report, once final.
async fn batch_report(
    l1: &impl L1,
    inbox: Address,
    n: u64,
    r: &BatchRow,
) -> eyre::Result<BatchReport> {
    let posted_at = tribunal_dispute::batches::posted(l1, inbox, n)
        .await?
        .ok_or_else(|| eyre::eyre!("batch {n} is not posted"))?
        .posted_at;
    let path = r.final_path.ok_or_else(|| eyre::eyre!("batch {n} is not final"))?;
    Ok(BatchReport {
        batch: n,
        path,
        txs: r.txs,
        transfers: r.transfers,
        l1_messages: r.l1_messages,
        skipped: r.skipped,
        blobs: r.blobs,
        bytes: r.bytes,
        wall_secs: r.final_after.unwrap_or_default().as_secs_f64(),
        l1_secs: r.final_at.saturating_sub(posted_at),
        prove_secs: match r.zk {
            Some(ZkOutcome::Proven { prove_secs, .. }) => Some(prove_secs),
            _ => None,
        },
        gas: r.gas,
    })
}

/// Re-proves and re-attests final batch `n` and sends its proof to `ZkVerifier.verify` and its
/// signature to `TeeVerifier.recover`, each in a transaction of its own: the legs' verification
/// gas without the finality contract's bookkeeping.
async fn bare_verifications(l1: &impl L1, r: &Rollup, n: u64) -> eyre::Result<BareGas> {
    use tribunal_contracts::{TeeVerifier, ZkVerifier};
    eyre::ensure!(
        r.aggregation.is_none(),
        "bare verifications measure a verifier of whole proofs, not the aggregation layer's"
    );
    let id =
        view(l1, r.d.finality, MultiProofFinality::finalClaimOfCall { _batchNumber: n }).await?.id;
    let raw = tribunal_dispute::claims::proposed_known(l1, r.d.finality, id.to()).await?;
    let claim = tribunal_node::tee::claim_from_sol(id.to(), &raw)?;
    let (blobs, messages) = tribunal_dispute::batches::contents(l1, r.d.inbox, n).await?;
    let batch = tribunal_da::read_batch(&blobs, &messages, claim.chain_id, claim.batch_number);
    let mut replica = tribunal_dispute::Replica::new(r.genesis.clone());
    let parent = replica
        .state_after(l1, r.d.inbox, n - 1)
        .await?
        .cloned()
        .ok_or_else(|| eyre::eyre!("batch {} does not execute", n - 1))?;
    let out = tribunal_stf::execute_batch(&mut parent.clone(), &batch)?;
    // The circuit the node proves this batch with: the smallest that fits.
    let (member, keys) =
        r.zk.iter()
            .enumerate()
            .find(|(_, k)| k.config.batch_size >= batch.txs.len())
            .ok_or_else(|| eyre::eyre!("batch {n} fits no circuit"))?;
    let keys = if r.zk_set { keys.clone() } else { r.zk.largest().clone() };
    let witness = tribunal_zk::witness::BatchWitness::new(&keys.config, &batch, &out, &blobs[0])?;
    let proof =
        tokio::task::spawn_blocking(move || tribunal_zk::prover::prove(&keys, witness)).await??;
    let verify = ZkVerifier::verifyCall {
        _claim: tribunal_dispute::claims::recast(&raw),
        _nonCanonical: proof.witness.non_canonical,
        _proof: if r.zk_set {
            tribunal_zk::sizes::encode_set_proof(member as u8, &proof.to_bytes())
        } else {
            proof.to_bytes()
        },
    };
    let sender = &r.signers[9];
    let zk = l1.send(sender, L1Tx::call(r.d.zk_verifier, verify.abi_encode())).await?;

    let request =
        tribunal_tee::ProveRequest { parent: parent.witness_for(&batch), claim, blobs, messages };
    let approval = r.enclave.prove(&request)?;
    let digest = view(l1, r.d.finality, MultiProofFinality::claimDigestCall { _c: raw }).await?;
    let recover = TeeVerifier::recoverCall {
        _digest: digest,
        _signature: approval.signature.to_vec().into(),
    };
    let tee = l1.send(sender, L1Tx::call(r.d.tee_verifier, recover.abi_encode())).await?;
    Ok(BareGas { zk_verify: zk.gas_used, tee_recover: tee.gas_used })
}

/// Deploys a rollup on a fresh embedded L1 and runs `plan` on it with the node's stores in a
/// temporary directory, then stops the node.
///
/// # Errors
/// As [`deploy_rollup`](crate::deploy_rollup) and [`run`].
pub fn run_embedded(config: DevnetConfig, plan: Plan, observe: Observer) -> eyre::Result<Outcome> {
    tribunal_l1::block_on_blob_threads(async move {
        let l1 = Arc::new(tribunal_l1::DevL1::new());
        let r = crate::deploy_rollup(&l1, &config, &observe).await?;
        let dir = tempfile::tempdir()?;
        let (outcome, node) = run(l1, &r, &config, plan, dir.path().to_owned(), &observe).await?;
        node.stop().await;
        Ok(outcome)
    })?
}
