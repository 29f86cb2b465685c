//! Deployment of a whole rollup with dev keys, and the L1 actions of its users.

use std::{path::PathBuf, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use eyre::WrapErr;
use tribunal_contracts::{Inbox, TeeVerifier, ZkVerifierSet};
use tribunal_dispute::GameParams;
use tribunal_l1::{L1, L1Dev, L1Tx, dev_signers};
use tribunal_node::{
    NodeConfig, NodeKeys, Services, council,
    deploy::{DeployConfig, Deployment, LegImpl, deploy_with_game},
    sequencer::SequencerConfig,
    tee::register_call,
};
use tribunal_primitives::{AccountIndex, ChainId, PrivateKey, PublicKey, Signed, Transfer, Tx};
use tribunal_stf::{State, StfConfig};
use tribunal_tee::{
    AttestationPolicy, DEFAULT_SIGNER_VALIDITY_SECS, DevEnclave, Enclave, EnclaveConfig,
};
use tribunal_zk::{
    keys::default_key_dir,
    sizes::{CircuitSizes, check_sizes, load_or_dev_setup_sizes},
};

use crate::{Observer, Progress};

/// Chain id of the devnet's L2.
pub const DEVNET_CHAIN_ID: u64 = 901;

/// One ether, in wei.
pub(crate) const ETH: u128 = 1_000_000_000_000_000_000;

/// What the devnet's defender key is funded with for claim and move bonds, in wei.
const DEFENDER_FUNDS_WEI: u128 = 100 * ETH;

/// The dev enclave's signing key: `keccak256("tribunal devnet enclave")`.
pub static DEV_ENCLAVE_KEY: std::sync::LazyLock<B256> =
    std::sync::LazyLock::new(|| keccak256("tribunal devnet enclave"));

/// The shape of a devnet run.
#[derive(Clone, Debug)]
pub struct DevnetConfig {
    /// Number of users (at least 2).
    pub users: u32,
    /// Batches of transfers after the deposit batch (at least 2).
    pub batches: u64,
    /// Transfers per batch; with a withdrawal and a forced transfer they fit the largest circuit.
    pub transfers: usize,
    /// Transaction slots of each ZK circuit, smallest first; the largest is the most transactions
    /// per batch. The devnet keeps keys for each, deploys a `ZkVerifierSet` of their verifiers
    /// (a plain `ZkVerifier` for one size) and proves each batch with the smallest that fits.
    /// Sizes need not be powers of two (the devnet's 11, 20, 31 and 32; BENCHMARKS.md). Checked
    /// by `tribunal_zk::sizes::check_sizes`.
    pub zk_sizes: Vec<usize>,
    /// Most transactions the sequencer puts in a batch it fills (`SequencerConfig::max_batch_txs`),
    /// at most the largest circuit (see [`Self::full_batch`]); a batch carries more, up to the
    /// largest circuit, only when an L1 message is overdue.
    pub max_batch_txs: usize,
    /// L2 chain id (not 0).
    pub chain_id: u64,
    /// The L1's description in [`Progress::Starting`].
    pub l1_name: String,
    /// Give up when nothing becomes final for this long.
    pub stall: Duration,
    /// Settle the ZK leg through the proof aggregation layer ([`crate::aggregation`]), in
    /// aggregates of this many proofs: the rollup's one and other applications' (1 to
    /// [`crate::aggregation::MAX_AGGREGATE_PROOFS`]). `None`: each proof is verified on L1 whole.
    pub aggregate_proofs: Option<usize>,
}

impl DevnetConfig {
    /// A run on the embedded L1 of 8 users and `batches` batches of `transfers` transfers, with a
    /// ZK circuit of `zk_slots` (one size), on chain [`DEVNET_CHAIN_ID`], giving up after 900 s
    /// without progress.
    pub fn embedded(batches: u64, transfers: usize, zk_slots: usize) -> Self {
        Self {
            users: 8,
            batches,
            transfers,
            zk_sizes: vec![zk_slots],
            max_batch_txs: zk_slots,
            chain_id: DEVNET_CHAIN_ID,
            l1_name: "embedded revm chain (Osaka)".into(),
            stall: Duration::from_secs(900),
            aggregate_proofs: None,
        }
    }

    /// The largest circuit's slots: the most transactions per batch (0 for no sizes, which
    /// [`deploy_rollup`] refuses).
    pub fn zk_slots(&self) -> usize {
        self.zk_sizes.iter().copied().max().unwrap_or(0)
    }

    /// Most transactions in a batch the sequencer fills: `max_batch_txs`, at most
    /// [`Self::zk_slots`].
    pub fn full_batch(&self) -> usize {
        self.max_batch_txs.min(self.zk_slots())
    }
}

/// A deployed devnet rollup: contracts, council, the services' keys, the ZK keys and the dev
/// enclave (registered).
pub struct Rollup {
    /// L2 chain id.
    pub chain_id: ChainId,
    /// The L2 genesis state.
    pub genesis: State,
    /// The finality system's contracts.
    pub d: Deployment,
    /// The dispute game and its one-step proof.
    pub game: tribunal_dispute::GameDeployment,
    /// The game's parameters.
    pub game_params: GameParams,
    /// The council's 8 dev members.
    pub council: Vec<PrivateKeySigner>,
    /// anvil's 10 dev accounts: 0 sequencer, 1 users' L1 account, 2 game deployer (and the
    /// scenarios' attacker), 3 deployer, 4–8 the node's services, 9 anyone.
    pub signers: Vec<PrivateKeySigner>,
    /// The node's keys.
    pub keys: NodeKeys,
    /// The ZK leg's INSECURE dev keys, one per circuit size, smallest first.
    pub zk: CircuitSizes,
    /// Whether the ZK verifier is a `ZkVerifierSet` whose members are `zk`'s circuits in order
    /// (then a proof is prefixed with its member's index); otherwise a `ZkVerifier` of the
    /// largest. Through the aggregation layer, the members (or the verifier) are
    /// `AggregatedZkVerifier`s instead.
    pub zk_set: bool,
    /// The INSECURE software enclave.
    pub enclave: DevEnclave,
    /// Bond per claim, in wei.
    pub bond: U256,
    /// The aggregation layer the ZK leg settles through, running ([`DevnetConfig::aggregate_proofs`]).
    pub aggregation: Option<crate::aggregation::AggregationLayer>,
}

impl std::fmt::Debug for Rollup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rollup")
            .field("chain_id", &self.chain_id)
            .field("inbox", &self.d.inbox)
            .field("finality", &self.d.finality)
            .field("game", &self.game.game)
            .field("council", &self.d.council)
            .finish_non_exhaustive()
    }
}

impl Rollup {
    /// The node configuration of this rollup: batches of up to `max_batch_txs` transactions sealed
    /// within 2 s, every service polling L1 every 500 ms, and the TEE's signature held up to
    /// 5 min for the ZK proof, so that both legs settle in one transaction.
    pub fn node_config(
        &self,
        data_dir: PathBuf,
        max_batch_txs: usize,
        services: Services,
    ) -> NodeConfig {
        NodeConfig {
            data_dir,
            inbox: self.d.inbox,
            finality: self.d.finality,
            game: self.game.game,
            bond_wei: self.bond,
            sequencer: SequencerConfig {
                max_batch_txs,
                max_wait: Duration::from_secs(2),
                ..Default::default()
            },
            poll_interval: Duration::from_millis(500),
            services,
            tee_hold_for_zk: Some(Duration::from_secs(300)),
            settle_grace: Some(Duration::from_secs(300)),
            settle_at_post: Some(Duration::from_secs(60)),
            max_reorg_depth: 2,
            final_depth: 0,
            move_depth: tribunal_node::services::DEFAULT_MOVE_DEPTH,
            zk_aggregator: self.aggregation.as_ref().map(|a| tribunal_node::ZkAggregator {
                url: a.url.clone(),
                wait: Duration::from_secs(600),
                max_fee_per_proof: U256::from(crate::aggregation::MAX_FEE_PER_PROOF_WEI),
            }),
        }
    }

    /// Has the first `members` council members authorize `data` on `target` (6 meet the
    /// threshold), submitted by dev account 9; returns the action id and the receipt.
    ///
    /// # Errors
    /// The council's revert (`Council_*`), or L1 errors.
    pub async fn council_submit(
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

/// Loads (or sets up and caches) the ZK keys and deploys every contract on `l1`: the dev-key
/// `ZkVerifier`, the dispute game, a 6-of-8 council of dev keys, which registers the dev enclave.
/// The node's defender gets a key of its own, funded with 100 ETH for bonds. With
/// [`DevnetConfig::aggregate_proofs`], the aggregation layer is deployed and started too, and
/// the ZK verifier takes inclusion paths in it.
///
/// # Errors
/// A config out of range (users, batches, slots, chain id, aggregate size), the ZK setup, or L1
/// errors.
pub async fn deploy_rollup<D: L1Dev + 'static>(
    l1_arc: &Arc<D>,
    config: &DevnetConfig,
    observe: &Observer,
) -> eyre::Result<Rollup> {
    let l1: &D = l1_arc;
    eyre::ensure!(config.chain_id != 0, "the L2 chain id must not be 0");
    let chain_id = ChainId(config.chain_id);
    eyre::ensure!(config.users >= 2, "--users must be at least 2");
    eyre::ensure!(config.batches >= 2, "--batches must be at least 2");
    eyre::ensure!(
        config.transfers + 2 <= config.full_batch(),
        "--transfers {} plus a withdrawal and a forced transfer must fit a full batch, {} \
         transactions",
        config.transfers,
        config.full_batch()
    );
    let stf = StfConfig::new(chain_id);
    let genesis = State::new(stf)?;
    observe(Progress::Starting {
        chain_id,
        account_depth: stf.account_depth,
        l1: config.l1_name.clone(),
    });

    // The ZK leg's keys: the INSECURE deterministic dev setup, cached on disk by circuit shape.
    let sizes = check_sizes(&config.zk_sizes)?;
    let key_dir = default_key_dir();
    let keys = tokio::task::spawn_blocking(move || load_or_dev_setup_sizes(&key_dir, &stf, &sizes))
        .await?
        .wrap_err("ZK dev setup")?;
    observe(Progress::ZkKeys {
        key_ids: keys.iter().map(|k| k.config.key_id()).collect(),
        dir: default_key_dir(),
    });

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
    let zk_set = keys.iter().count() > 1;
    let mut aggregation = None;
    let verifier = if let Some(proofs) = config.aggregate_proofs {
        let (layer, code) =
            crate::aggregation::start(l1_arc.clone(), &signers[3], &keys_node.zk, &keys, proofs)
                .await?;
        observe(Progress::Note(format!(
            "aggregation layer: ProofAggregator {}, RPC {}, aggregates of {proofs} proofs (the \
             rollup's and {} of other applications)",
            layer.contract,
            layer.url,
            proofs - 1
        )));
        aggregation = Some(layer);
        code
    } else if zk_set {
        let mut members = Vec::new();
        for k in keys.iter() {
            let code = tribunal_zk::verifier::deploy_code(k.vk(), k.insecure)?;
            let r = l1.send(&signers[3], L1Tx::create(code)).await.wrap_err("a ZK verifier")?;
            members.push(r.contract_address.ok_or_else(|| eyre::eyre!("no contract created"))?);
        }
        let args = ZkVerifierSet::constructorCall { _members: members }.abi_encode();
        [ZkVerifierSet::BYTECODE.as_ref(), &args].concat().into()
    } else {
        let largest = keys.largest();
        tribunal_zk::verifier::deploy_code(largest.vk(), largest.insecure)?
    };
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
    observe(Progress::Deployed {
        gas: d.gas.iter().chain(&game.gas).copied().collect(),
        inbox: d.inbox,
        finality: d.finality,
        game: game.game,
        council: d.council,
    });

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
    observe(Progress::EnclaveRegistered { signer: attested.signer });

    Ok(Rollup {
        chain_id,
        genesis,
        d,
        game,
        game_params,
        council,
        signers,
        keys: keys_node,
        zk: keys,
        zk_set,
        enclave,
        bond,
        aggregation,
    })
}

/// `from` deposits 1 ETH on L1 for a new L2 account of `pubkey` (`Inbox.deposit`); returns the
/// account.
///
/// # Errors
/// L1 errors, or a receipt without the `Deposit` message.
pub async fn deposit(
    l1: &impl L1,
    from: &PrivateKeySigner,
    inbox: Address,
    pubkey: &PublicKey,
) -> eyre::Result<AccountIndex> {
    let call = Inbox::depositCall { _pubkey: pubkey.to_bytes().into() };
    let tx = L1Tx::call(inbox, call.abi_encode()).with_value(U256::from(ETH));
    let receipt = l1.send(from, tx).await?;
    receipt
        .logs
        .iter()
        .find_map(|l| Inbox::MessageQueued::decode_log(l).ok())
        .and_then(|e| tribunal_primitives::batch::decode_tx_exact(&e.message).ok())
        .and_then(|t| if let Tx::Deposit(d) = t { Some(d.to) } else { None })
        .ok_or_else(|| eyre::eyre!("deposit emitted no Deposit message"))
}

/// `key` forces `body` through the inbox (`Inbox.forceTransfer`), sent by `from` on L1.
///
/// # Errors
/// L1 errors (the inbox's revert included).
pub async fn force(
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
