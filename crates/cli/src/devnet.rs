//! `tribunal devnet`: a whole rollup with 2-of-3 finality, from one command.
//!
//! It starts the embedded L1 (or uses `--l1-rpc`), deploys every contract (a 6-of-8 council of
//! dev keys, the `ZkVerifier` of the cached dev Groth16 setup, the dispute game, the dev TEE
//! signer registered by the council), starts the node's services (sequencer, batcher, proposer,
//! ZK prover, TEE prover, challenger, defender, finality watcher), and drives a workload of users
//! with real wallet keys: deposits, transfers, a withdrawal and forced transactions. It prints a
//! row per batch once it is final, and stops when every batch is.
//!
//! The last batch carries a forced transfer that cannot pay: the STF skips it, the circuit cannot
//! prove skips yet, so that batch is approved by the TEE alone and finalizes on the slow path
//! once the OP window has passed (time-travelled) and the dispute game favours it.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256, keccak256};
use alloy_sol_types::SolCall;
use clap::Args;
use eyre::WrapErr;
use tribunal_contracts::{Inbox, MultiProofFinality, TeeVerifier};
use tribunal_dispute::{Action, GameParams};
use tribunal_l1::{DevL1, L1, L1Dev, L1Tx, RpcL1, dev_signers, view};
use tribunal_node::{
    Event, Node, NodeConfig, NodeKeys, Services, council,
    deploy::{DeployConfig, LegImpl, deploy_with_game},
    sequencer::{Sequencer, SequencerConfig},
    tee::{TeeOutcome, register_call},
    watcher::FinalityPath,
    zk::ZkOutcome,
};
use tribunal_primitives::{
    AccountIndex, ChainId, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw, l2_key::EthKey,
};
use tribunal_stf::{State, StfConfig};
use tribunal_tee::{
    AttestationPolicy, DEFAULT_SIGNER_VALIDITY_SECS, DevEnclave, Enclave, EnclaveConfig,
};
use tribunal_zk::{
    config::CircuitConfig,
    keys::{default_key_dir, load_or_dev_setup},
};

/// Arguments of `tribunal devnet`.
#[derive(Args, Debug)]
pub struct DevnetArgs {
    /// Number of users.
    #[arg(long, default_value_t = 8)]
    pub users: u32,
    /// Batches of transfers after the deposit batch; the last one finalizes on the slow path.
    #[arg(long, default_value_t = 4)]
    pub batches: u64,
    /// Transfers per batch.
    #[arg(long, default_value_t = 16)]
    pub transfers: usize,
    /// Transaction slots of the ZK circuit, and the most transactions per batch.
    #[arg(long, default_value_t = 32)]
    pub zk_slots: usize,
    /// Data directory for the node's redb stores; a temporary directory when absent.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// L2 chain id.
    #[arg(long, default_value_t = crate::DEVNET_CHAIN_ID)]
    pub chain_id: u64,
    /// Use this L1 JSON-RPC endpoint (anvil, or any node with `evm_increaseTime`) instead of the
    /// embedded chain. Its dev accounts (anvil's) play the sequencer, the provers and the users.
    #[arg(long)]
    pub l1_rpc: Option<String>,
    /// Give up when nothing becomes final for this many seconds.
    #[arg(long, default_value_t = 900)]
    pub stall_secs: u64,
    /// Keep the rollup running once the workload is final, serving JSON-RPC (and metrics) until
    /// ctrl-c. With `--l1-rpc` and `--data-dir`, `tribunal node --config DATA_DIR/node.toml`
    /// resumes it after a stop.
    #[arg(long)]
    pub serve: bool,
    /// JSON-RPC listen address with `--serve`.
    #[arg(long, default_value = "127.0.0.1:8645")]
    pub rpc_addr: std::net::SocketAddr,
    /// Prometheus listen address with `--serve`.
    #[arg(long)]
    pub metrics_addr: Option<std::net::SocketAddr>,
}

impl DevnetArgs {
    /// A run on the embedded L1 of 8 users and `batches` batches of `transfers` transfers, with a
    /// ZK circuit of `zk_slots`; every other argument at its default.
    pub fn embedded(batches: u64, transfers: usize, zk_slots: usize) -> Self {
        Self {
            users: 8,
            batches,
            transfers,
            zk_slots,
            data_dir: None,
            chain_id: crate::DEVNET_CHAIN_ID,
            l1_rpc: None,
            stall_secs: 900,
            serve: false,
            rpc_addr: ([127, 0, 0, 1], 8645).into(),
            metrics_addr: None,
        }
    }
}

const ETH: u128 = 1_000_000_000_000_000_000;

/// What the devnet's defender key is funded with for claim and move bonds, in wei.
const DEFENDER_FUNDS_WEI: u128 = 100 * ETH;

/// The dev enclave's signing key: `keccak256("tribunal devnet enclave")`.
pub(crate) static DEV_ENCLAVE_KEY: std::sync::LazyLock<alloy_primitives::B256> =
    std::sync::LazyLock::new(|| keccak256("tribunal devnet enclave"));

/// What a run exercises: which services run, and whether the last batch carries a forced
/// transfer the circuit cannot prove (the devnet's slow-path batch).
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// The node's services.
    pub services: Services,
    /// End with an unprovable batch that finalizes on the slow path.
    pub slow_tail: bool,
    /// After the run, re-prove and re-attest the first instant batch and measure the bare
    /// `ZkVerifier.verify` and `TeeVerifier.recover` as transactions (`tribunal bench rollup`).
    pub bare_verifications: bool,
}

impl Plan {
    /// The devnet: every service, and a slow-path batch at the end.
    pub const DEVNET: Self =
        Self { services: Services::ALL, slow_tail: true, bare_verifications: false };
}

/// How one batch of a run became final.
#[derive(Clone, Debug)]
pub struct BatchReport {
    /// Batch number.
    pub batch: u64,
    /// How it became final.
    pub path: FinalityPath,
    /// Transactions, and of them sequencer transfers.
    pub txs: usize,
    /// Sequencer transfers.
    pub transfers: usize,
    /// Blobs carrying it.
    pub blobs: usize,
    /// Canonical batch bytes in its blobs.
    pub bytes: usize,
    /// Posting to final, wall-clock seconds of this process.
    pub wall_secs: f64,
    /// Posting to final, L1 seconds (time-travelled on the slow path).
    pub l1_secs: u64,
    /// Seconds the ZK prover spent proving it, if it did.
    pub prove_secs: Option<f64>,
    /// L1 gas: `postBatch`, `propose`, `proveZk`, `attestTee`, the OP game (create and
    /// resolve), and the watcher's `finalize` (0 when an approval finalized it).
    pub gas: LegGas,
}

/// L1 gas of one batch, by step.
#[derive(Clone, Copy, Debug, Default)]
pub struct LegGas {
    /// `Inbox.postBatch` (execution gas; blob gas is separate).
    pub post: u64,
    /// `MultiProofFinality.propose`.
    pub propose: u64,
    /// `MultiProofFinality.proveZk`.
    pub zk: u64,
    /// `MultiProofFinality.attestTee`.
    pub tee: u64,
    /// `DisputeGame.create` and `resolve`.
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
}

/// Runs the devnet.
///
/// # Errors
/// Invalid arguments, storage, L1 or deployment errors, or a batch that does not become final.
pub fn run(args: DevnetArgs) -> eyre::Result<()> {
    run_plan(args, Plan::DEVNET).map(|_| ())
}

/// Runs `plan` with `args` on the embedded L1 or `--l1-rpc`.
///
/// # Errors
/// As [`run`].
pub fn run_plan(args: DevnetArgs, plan: Plan) -> eyre::Result<Outcome> {
    tribunal_l1::block_on_blob_threads(async move {
        match args.l1_rpc.clone() {
            Some(url) => run_on(Arc::new(RpcL1::connect(&url)?), args, plan).await,
            None => run_on(Arc::new(DevL1::new()), args, plan).await,
        }
    })?
}

/// What the devnet learns about one batch from the node's events.
#[derive(Debug, Default)]
struct BatchRow {
    txs: usize,
    transfers: usize,
    l1_messages: usize,
    skipped: usize,
    blobs: usize,
    bytes: usize,
    posted: Option<Instant>,
    claim: Option<u64>,
    gas_post: u64,
    gas_propose: u64,
    gas_zk: u64,
    gas_tee: u64,
    gas_op: u64,
    gas_finalize: u64,
    zk: Option<ZkOutcome>,
    tee_approved: bool,
    game_created: bool,
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
                row.txs = s.batch.txs.len();
                row.transfers = s.batch.txs.iter().filter(|t| matches!(t, Tx::Transfer(_))).count();
                row.l1_messages = s.l1_messages;
                row.skipped = s.output.skipped().count();
            }
            Event::Posted(p) => {
                let row = self.rows.entry(p.batch.0).or_default();
                row.blobs = p.blobs;
                row.bytes = p.bytes;
                row.gas_post = p.gas;
                row.posted = Some(Instant::now());
            }
            Event::Proposed(p) => {
                self.claims.insert(p.claim, p.batch.0);
                let row = self.rows.entry(p.batch.0).or_default();
                row.claim = Some(p.claim);
                row.gas_propose = p.gas;
            }
            Event::Zk { claim, outcome } => {
                if let Some(row) = self.row_of_claim(claim) {
                    if let ZkOutcome::Proven { gas, .. } = &outcome {
                        row.gas_zk = *gas;
                    }
                    row.zk = Some(outcome);
                }
            }
            Event::Tee { claim, outcome } => {
                if let (Some(row), TeeOutcome::Attested { gas_used, .. }) =
                    (self.row_of_claim(claim), outcome)
                {
                    row.gas_tee = gas_used;
                    row.tee_approved = true;
                }
            }
            Event::Defender(Action::Created { claim, gas }) => {
                if let Some(row) = self.row_of_claim(claim) {
                    row.gas_op += gas;
                    row.game_created = true;
                }
            }
            Event::Defender(Action::Resolved { claim, gas }) => {
                if let Some(row) = self.row_of_claim(claim) {
                    row.gas_op += gas;
                }
            }
            Event::Defender(_) | Event::Challenger(_) => {}
            Event::Finalized(f) => {
                self.last_progress = Instant::now();
                if let Some(row) = self.rows.get_mut(&f.batch) {
                    row.final_path = Some(f.path);
                    row.final_after = row.posted.map(|t| t.elapsed());
                    row.final_at = f.final_at;
                    row.gas_finalize = f.gas;
                }
            }
            Event::Error { service, error } => {
                tracing::debug!(service, %error, "service will retry");
            }
        }
    }
}

struct User {
    index: AccountIndex,
    key: PrivateKey,
    nonce: u64,
}

/// A deployed devnet rollup: contracts, council, the services' keys, the ZK keys and the dev
/// enclave (registered).
pub(crate) struct Rollup {
    pub(crate) chain_id: ChainId,
    pub(crate) genesis: State,
    pub(crate) d: tribunal_node::deploy::Deployment,
    pub(crate) game: tribunal_dispute::GameDeployment,
    pub(crate) game_params: GameParams,
    pub(crate) council: Vec<PrivateKeySigner>,
    pub(crate) signers: Vec<PrivateKeySigner>,
    pub(crate) keys: NodeKeys,
    pub(crate) zk_keys: Arc<tribunal_zk::keys::Keys>,
    pub(crate) enclave: DevEnclave,
    pub(crate) bond: U256,
}

impl Rollup {
    /// The node configuration of this rollup.
    pub(crate) fn node_config(
        &self,
        data_dir: PathBuf,
        zk_slots: usize,
        services: Services,
    ) -> NodeConfig {
        NodeConfig {
            data_dir,
            inbox: self.d.inbox,
            finality: self.d.finality,
            game: self.game.game,
            bond_wei: self.bond,
            sequencer: SequencerConfig {
                max_batch_txs: zk_slots,
                max_wait: Duration::from_secs(2),
                ..Default::default()
            },
            poll_interval: Duration::from_millis(500),
            services,
        }
    }

    /// Has the first `members` council members authorize `data` on `target` (6 meet the
    /// threshold), submitted by dev account 9.
    pub(crate) async fn council_submit(
        &self,
        l1: &impl L1,
        members: usize,
        target: Address,
        data: Vec<u8>,
    ) -> Result<(u64, tribunal_l1::L1Receipt), tribunal_l1::L1Error> {
        council::submit(
            l1,
            &self.signers[9],
            self.d.council,
            &self.council[..members],
            target,
            data.into(),
        )
        .await
    }
}

/// Loads the ZK keys and deploys every contract on `l1`: the dev-key `ZkVerifier`, the dispute
/// game, a 6-of-8 council of dev keys, which registers the dev enclave.
pub(crate) async fn deploy_rollup<D: L1Dev + 'static>(
    l1: &D,
    args: &DevnetArgs,
) -> eyre::Result<Rollup> {
    let chain_id = crate::wallet::chain(args.chain_id)?;
    eyre::ensure!(args.users >= 2, "--users must be at least 2");
    eyre::ensure!(args.batches >= 2, "--batches must be at least 2 (instant, then slow)");
    eyre::ensure!(
        args.transfers + 2 <= args.zk_slots,
        "--transfers {} plus a withdrawal and a forced transfer must fit --zk-slots {}",
        args.transfers,
        args.zk_slots
    );
    let stf = StfConfig::new(chain_id);
    let genesis = State::new(stf)?;
    let l1_name = args.l1_rpc.as_deref().unwrap_or("embedded revm chain (Osaka)");
    println!(
        "tribunal devnet: L2 chain {}, account tree depth {}, L1 {l1_name}",
        chain_id.0, stf.account_depth
    );

    // The ZK leg's keys: the INSECURE deterministic dev setup, cached on disk by circuit shape.
    let circuit = CircuitConfig::for_stf(&stf, args.zk_slots);
    let key_dir = default_key_dir();
    let keys = tokio::task::spawn_blocking(move || load_or_dev_setup(&key_dir, &circuit))
        .await?
        .wrap_err("ZK dev setup")?;
    let keys = Arc::new(keys);
    println!(
        "ZK: Groth16 circuit {} ({} slots), INSECURE dev keys from {}",
        circuit.key_id(),
        circuit.batch_size,
        default_key_dir().display()
    );

    // Every contract, with the ZK verifier of those keys and the dispute game.
    let signers = dev_signers();
    let council: Vec<PrivateKeySigner> = (0..8u8)
        .map(|i| keccak256(format!("tribunal devnet council member {i}")))
        .map(|k| PrivateKeySigner::from_bytes(&k))
        .collect::<Result<_, _>>()?;
    let keys_node = NodeKeys {
        sequencer: signers[0].clone(),
        proposer: signers[4].clone(),
        zk: signers[5].clone(),
        tee: signers[6].clone(),
        challenger: signers[7].clone(),
        watcher: signers[8].clone(),
        // A third party's key, not the proposer's: the defender acts for every right claim.
        defender: PrivateKeySigner::from_bytes(&keccak256("tribunal devnet defender"))?,
    };
    let mut cfg = DeployConfig::new(
        chain_id,
        keys_node.sequencer.address(),
        genesis.root(),
        council.iter().map(PrivateKeySigner::address).collect(),
    );
    let verifier = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure)?;
    cfg.zk_verifier = LegImpl::Create(Box::new(move |_| verifier));
    let bond = cfg.bond_wei;
    let game_params = GameParams::default();
    let (d, game) = deploy_with_game(l1, &signers[3], &signers[2], cfg, game_params).await?;
    let fund = L1Tx {
        to: Some(keys_node.defender.address()),
        value: U256::from(DEFENDER_FUNDS_WEI),
        ..Default::default()
    };
    l1.send(&signers[3], fund).await.wrap_err("funding the defender")?;
    println!("L1 contracts (DESIGN.md §1 defaults, 6-of-8 Stage 2 council):");
    for (name, gas) in d.gas.iter().chain(&game.gas) {
        println!("  {name:<20} {gas:>9} gas");
    }
    println!(
        "  Inbox {} · MultiProofFinality {} · DisputeGame {} · SecurityCouncil {}",
        d.inbox, d.finality, game.game, d.council
    );

    // The TEE leg: the dev enclave attests, the council verifies and registers it at zero delay.
    let l1_chain = l1.chain_id().await?;
    let enclave = DevEnclave::new(
        EnclaveConfig { stf, l1_chain_id: l1_chain, finality: d.finality },
        PrivateKeySigner::from_bytes(&DEV_ENCLAVE_KEY)?,
    )?;
    let policy = AttestationPolicy { allow_insecure_dev: true, ..Default::default() };
    let attested =
        tribunal_tee::verify_attestation(&enclave.attestation()?, chain_id.0, &policy, 0)?;
    let allow =
        TeeVerifier::setMeasurementCall { _measurement: attested.measurement.0, _allowed: true };
    let members = &council[..6];
    let submitter = &signers[9];
    council::submit(l1, submitter, d.council, members, d.tee_verifier, allow.abi_encode().into())
        .await?;
    let expires = l1.head().await?.timestamp + DEFAULT_SIGNER_VALIDITY_SECS;
    let register = register_call(&attested, expires).abi_encode().into();
    council::submit(l1, submitter, d.council, members, d.tee_verifier, register).await?;
    println!(
        "TEE: dev enclave {} registered by the council (INSECURE: a software key, no hardware)\n",
        attested.signer
    );

    Ok(Rollup {
        chain_id,
        genesis,
        d,
        game,
        game_params,
        council,
        signers,
        keys: keys_node,
        zk_keys: keys,
        enclave,
        bond,
    })
}

async fn run_on<D: L1Dev + 'static>(
    l1: Arc<D>,
    args: DevnetArgs,
    plan: Plan,
) -> eyre::Result<Outcome> {
    let r = deploy_rollup(&*l1, &args).await?;
    let (chain_id, d, game_params) = (r.chain_id, &r.d, r.game_params);
    let user_l1 = r.signers[1].clone();
    let tmp;
    let dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_owned()
        }
    };

    // The node.
    let config = r.node_config(dir.clone(), args.zk_slots, plan.services);
    if let (Some(url), Some(data_dir)) = (&args.l1_rpc, &args.data_dir) {
        let file = node_file(url, data_dir, chain_id.0, &config, &r.keys, &args);
        std::fs::create_dir_all(data_dir)?;
        file.write(&data_dir.join("node.toml"))?;
        println!(
            "wrote {} (tribunal node --config resumes this rollup)\n",
            data_dir.join("node.toml").display()
        );
    }
    let mut node = Node::start(
        l1.clone(),
        config,
        r.keys.clone(),
        &r.genesis,
        Some(r.zk_keys.clone()),
        Some(r.enclave.clone()),
    )?;
    let sequencer = node.sequencer.clone().expect("the devnet runs the sequencer");
    let mut tracker =
        Tracker { rows: BTreeMap::new(), claims: BTreeMap::new(), last_progress: Instant::now() };
    let stall = Duration::from_secs(args.stall_secs);

    // Users derive their L2 keys from Ethereum keys, as a wallet does, and deposit on L1.
    let mut users = Vec::new();
    for i in 0..args.users {
        let eth = EthKey::from_bytes(&keccak256(format!("tribunal devnet user {i}")).0)?;
        let key = eth.derive_l2_key(chain_id)?;
        let index = deposit(&*l1, &user_l1, d.inbox, &key.public_key()).await?;
        users.push(User { index, key, nonce: 0 });
    }
    println!("{} users deposited 1 ETH each on L1\n", users.len());
    wait_until(&mut node, &mut tracker, stall, || {
        users.iter().all(|u| sequencer.with_state(|s| s.account(u.index).is_some()))
    })
    .await?;

    let n = users.len();
    let slow_round = args.batches;
    for round in 1..=args.batches {
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
        if plan.slow_tail && round == slow_round {
            // A forced transfer that cannot pay: skipped by the STF, not provable by the circuit.
            let f = round as usize % n;
            let body = Transfer {
                from: users[f].index,
                to: users[(f + 1) % n].index,
                amount: Wei(u128::MAX),
                nonce: users[f].nonce,
            };
            force(&*l1, &user_l1, d.inbox, chain_id, body, &users[f].key).await?;
        }
        for k in 0..args.transfers {
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
    let last = sequencer.head().0.0;

    println!(
        "{:>5} {:>4} {:>5} {:>3} {:>7} {:>5}  {:<17} {:>8} {:>9}  {:>7} {:>7} {:>7} {:>7} {:>7} {:>6}",
        "batch",
        "txs",
        "xfers",
        "l1",
        "skipped",
        "blobs",
        "path",
        "final s",
        "L1 s",
        "post",
        "propose",
        "zk",
        "tee",
        "op",
        "final"
    );
    let mut printed = 0u64;
    let mut reports = Vec::new();
    let mut travelled = false;
    let window = view(&*l1, d.finality, MultiProofFinality::OP_WINDOW_SECONDSCall {})
        .await?
        .max(game_params.window_secs);
    loop {
        while printed < last && tracker.rows.get(&(printed + 1)).is_some_and(BatchRow::complete) {
            printed += 1;
            reports.push(print_row(&*l1, d.inbox, printed, &tracker.rows[&printed]).await?);
        }
        if printed == last {
            break;
        }
        // The slow path: once the only batches left wait for the OP window, travel past it.
        let waiting_window = tracker.rows.range(printed + 1..).all(|(_, r)| {
            r.claim.is_some()
                && r.game_created
                && r.final_path.is_none()
                && r.tee_approved != matches!(r.zk, Some(ZkOutcome::Proven { .. }))
                && (r.zk.is_some() || !plan.services.zk)
        });
        if waiting_window && !travelled {
            println!(
                "… batches {}..={last} have one validity leg: time-travelling the {}-day OP window",
                printed + 1,
                window / 86_400
            );
            l1.increase_time(window + 60).await?;
            l1.mine().await?;
            travelled = true;
        }
        next_event(&mut node, &mut tracker, stall).await?;
    }
    let rows: Vec<&BatchRow> = tracker.rows.values().collect();
    let instant = rows.iter().filter(|r| r.final_path == Some(FinalityPath::Instant)).count();
    let slow = rows.len() - instant;
    let status = view(&*l1, d.finality, MultiProofFinality::latestFinalBatchCall {}).await?;
    println!(
        "\n{} batches final ({instant} instant, {slow} slow); MultiProofFinality.latestFinalBatch = {status}",
        rows.len()
    );
    eyre::ensure!(status == last, "L1 says batch {status} is the latest final, not {last}");
    let bare = match reports.iter().find(|b| b.path == FinalityPath::Instant) {
        Some(b) if plan.bare_verifications => Some(bare_verifications(&*l1, &r, b.batch).await?),
        _ => None,
    };
    let outcome = Outcome { batches: reports, bare };
    if args.serve {
        if args.l1_rpc.is_none() {
            println!("note: the L1 is embedded in this process: deposits and claims need --l1-rpc");
        }
        crate::node::serve(l1, node, args.rpc_addr, args.metrics_addr).await?;
    } else {
        node.stop().await;
    }
    Ok(outcome)
}

/// The `tribunal node` configuration of the rollup this devnet deployed.
fn node_file(
    l1_rpc: &str,
    data_dir: &std::path::Path,
    chain_id: u64,
    config: &NodeConfig,
    keys: &NodeKeys,
    args: &DevnetArgs,
) -> crate::node::NodeFile {
    use crate::node::{ContractsFile, KeysFile, ListenFile, NodeFile, TeeFile, ZkFile, key_hex};
    NodeFile {
        l1_rpc: l1_rpc.to_owned(),
        data_dir: data_dir.to_owned(),
        l2_chain_id: chain_id,
        poll_interval_ms: config.poll_interval.as_millis() as u64,
        contracts: ContractsFile {
            inbox: config.inbox,
            finality: config.finality,
            game: config.game,
        },
        keys: KeysFile {
            sequencer: key_hex(&keys.sequencer),
            proposer: key_hex(&keys.proposer),
            zk: key_hex(&keys.zk),
            tee: key_hex(&keys.tee),
            challenger: key_hex(&keys.challenger),
            watcher: key_hex(&keys.watcher),
            defender: Some(key_hex(&keys.defender)),
        },
        services: config.services.into(),
        sequencer: config.sequencer.into(),
        zk: ZkFile { slots: args.zk_slots, key_dir: Some(default_key_dir()) },
        tee: TeeFile { dev_enclave_key: Some(format!("0x{}", hex::encode(*DEV_ENCLAVE_KEY))) },
        rpc: ListenFile { addr: args.rpc_addr },
        metrics: args.metrics_addr.map(|addr| ListenFile { addr }),
    }
}

fn submit<L: L1>(sequencer: &Sequencer<L>, tx: Tx) -> eyre::Result<()> {
    sequencer.submit(tx).wrap_err("the sequencer refused a devnet transaction")?;
    Ok(())
}

/// `from` deposits 1 ETH on L1 for a new L2 account of `pubkey`; returns the account.
pub(crate) async fn deposit(
    l1: &impl L1,
    from: &PrivateKeySigner,
    inbox: Address,
    pubkey: &tribunal_primitives::PublicKey,
) -> eyre::Result<AccountIndex> {
    let call = Inbox::depositCall { _pubkey: pubkey.to_bytes().into() };
    let tx = L1Tx::call(inbox, call.abi_encode()).with_value(U256::from(ETH));
    let receipt = l1.send(from, tx).await?;
    receipt
        .logs
        .iter()
        .find_map(|l| {
            use alloy_sol_types::SolEvent;
            Inbox::MessageQueued::decode_log(l).ok()
        })
        .and_then(|e| tribunal_primitives::batch::decode_tx_exact(&e.message).ok())
        .and_then(|t| if let Tx::Deposit(d) = t { Some(d.to) } else { None })
        .ok_or_else(|| eyre::eyre!("deposit emitted no Deposit message"))
}

/// `key` forces `body` through the inbox (`forceTransfer`), sent by `from` on L1.
pub(crate) async fn force(
    l1: &impl L1,
    from: &PrivateKeySigner,
    inbox: Address,
    chain_id: ChainId,
    body: Transfer,
    key: &PrivateKey,
) -> eyre::Result<tribunal_l1::L1Receipt> {
    let signed = Signed::sign(body, chain_id, key);
    let call = Inbox::forceTransferCall {
        _from: body.from.0,
        _to: body.to.0,
        _amount: body.amount.0,
        _nonce: body.nonce,
        _signature: signed.signature.to_vec().into(),
    };
    Ok(l1.send(from, L1Tx::call(inbox, call.abi_encode())).await?)
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

/// Prints batch `n`'s row, and returns its report.
async fn print_row(
    l1: &impl L1,
    inbox: Address,
    n: u64,
    r: &BatchRow,
) -> eyre::Result<BatchReport> {
    let posted = view(l1, inbox, Inbox::postedByCall { _batchNumber: n }).await?;
    let path = r.final_path.ok_or_else(|| eyre::eyre!("batch {n} is not final"))?;
    println!(
        "{n:>5} {:>4} {:>5} {:>3} {:>7} {:>5}  {path:<17} {:>8.1} {:>9}  {:>7} {:>7} {:>7} {:>7} {:>7} {:>6}",
        r.txs,
        r.transfers,
        r.l1_messages,
        r.skipped,
        r.blobs,
        r.final_after.unwrap_or_default().as_secs_f64(),
        r.final_at.saturating_sub(posted.postedAt),
        r.gas_post,
        r.gas_propose,
        r.gas_zk,
        r.gas_tee,
        r.gas_op,
        r.gas_finalize,
    );
    Ok(BatchReport {
        batch: n,
        path,
        txs: r.txs,
        transfers: r.transfers,
        blobs: r.blobs,
        bytes: r.bytes,
        wall_secs: r.final_after.unwrap_or_default().as_secs_f64(),
        l1_secs: r.final_at.saturating_sub(posted.postedAt),
        prove_secs: match r.zk {
            Some(ZkOutcome::Proven { prove_secs, .. }) => Some(prove_secs),
            _ => None,
        },
        gas: LegGas {
            post: r.gas_post,
            propose: r.gas_propose,
            zk: r.gas_zk,
            tee: r.gas_tee,
            op: r.gas_op,
            finalize: r.gas_finalize,
        },
    })
}

/// Re-proves and re-attests final batch `n` and sends its proof to `ZkVerifier.verify` and its
/// signature to `TeeVerifier.recover`, each in a transaction of its own: the legs' verification
/// gas without the finality contract's bookkeeping.
async fn bare_verifications(l1: &impl L1, r: &Rollup, n: u64) -> eyre::Result<BareGas> {
    use tribunal_contracts::{TeeVerifier, ZkVerifier};
    let id =
        view(l1, r.d.finality, MultiProofFinality::finalClaimOfCall { _batchNumber: n }).await?.id;
    let raw = view(l1, r.d.finality, MultiProofFinality::claimOfCall { _id: id }).await?;
    let claim = tribunal_node::tee::claim_from_sol(id.to(), &raw)?;
    let hashes = view(l1, r.d.inbox, Inbox::blobHashesCall { _batchNumber: n }).await?;
    let blobs = l1.blobs(&hashes).await?;
    let batch = tribunal_da::decode_batch(&blobs)?;
    let mut replica = tribunal_dispute::Replica::new(r.genesis.clone());
    let parent = replica
        .state_after(l1, r.d.inbox, n - 1)
        .await?
        .cloned()
        .ok_or_else(|| eyre::eyre!("batch {} does not execute", n - 1))?;
    let out = tribunal_stf::execute_batch(&mut parent.clone(), &batch)?;
    let witness =
        tribunal_zk::witness::BatchWitness::new(&r.zk_keys.config, &batch, &out, &blobs[0])?;
    let keys = r.zk_keys.clone();
    let proof =
        tokio::task::spawn_blocking(move || tribunal_zk::prover::prove(&keys, witness)).await??;
    let sol_claim = ZkVerifier::Claim {
        l2ChainId: raw.l2ChainId,
        batchNumber: raw.batchNumber,
        parentRoot: raw.parentRoot,
        postRoot: raw.postRoot,
        withdrawalRoot: raw.withdrawalRoot,
        dataCommitment: raw.dataCommitment,
        blobsHash: raw.blobsHash,
        queueBefore: raw.queueBefore,
        queueAfter: raw.queueAfter,
    };
    let verify = ZkVerifier::verifyCall { _claim: sol_claim, _proof: proof.to_bytes() };
    let sender = &r.signers[9];
    let zk = l1.send(sender, L1Tx::call(r.d.zk_verifier, verify.abi_encode())).await?;

    let request = tribunal_tee::ProveRequest { parent: parent.witness_for(&batch), claim, blobs };
    let approval = r.enclave.prove(&request)?;
    let digest = view(l1, r.d.finality, MultiProofFinality::claimDigestCall { _id: id }).await?;
    let recover = TeeVerifier::recoverCall {
        _digest: digest,
        _signature: approval.signature.to_vec().into(),
    };
    let tee = l1.send(sender, L1Tx::call(r.d.tee_verifier, recover.abi_encode())).await?;
    Ok(BareGas { zk_verify: zk.gas_used, tee_recover: tee.gas_used })
}
