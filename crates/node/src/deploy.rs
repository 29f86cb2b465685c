//! Deploying Tribunal's L1 contracts as one system.
//!
//! The contracts point at each other (the inbox asks the finality contract for final roots, the
//! finality contract reads batches from the inbox, the council is the only writer of both
//! verifiers), so every address is predicted from the deployer's nonce (`CREATE`) before the first
//! deployment, and checked against each receipt.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use tribunal_contracts::{
    Inbox, MultiProofFinality, SecurityCouncil, TeeVerifier,
    poseidon::{PoseidonT3, PoseidonT5},
};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::{ChainId, StateRoot, field::fr_to_word};

/// Seconds in a day.
pub const DAY_SECONDS: u64 = 24 * 3600;

/// How strictly the council's membership is checked (`SecurityCouncil.Mode`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CouncilMode {
    /// At least 8 members and a threshold of at least 75% (L2BEAT Stage 2).
    Stage2 = 0,
    /// Anything else, reported as such.
    Permissive = 1,
}

/// Where a leg's logic comes from.
pub enum LegImpl {
    /// No implementation yet: the leg approves nothing until the council sets one.
    Absent,
    /// An already deployed contract.
    Existing(Address),
    /// Deployed with the system: init code given the finality contract's address.
    Create(Box<dyn FnOnce(Address) -> Bytes + Send>),
}

impl std::fmt::Debug for LegImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Absent => f.write_str("Absent"),
            Self::Existing(a) => write!(f, "Existing({a})"),
            Self::Create(_) => f.write_str("Create(..)"),
        }
    }
}

/// Everything a deployment is configured with. [`DeployConfig::new`] gives default parameters of docs/finality.md.
#[derive(Debug)]
pub struct DeployConfig {
    /// L2 chain id.
    pub l2_chain_id: ChainId,
    /// The sequencer's L1 account.
    pub sequencer: Address,
    /// Depth of the L2 account tree.
    pub account_depth: u8,
    /// Depth of each batch's withdrawal tree.
    pub withdrawal_depth: u8,
    /// Deadline for L1 messages, in seconds (24 hours).
    pub forced_inclusion_delay_secs: u64,
    /// State root batch 1 builds on.
    pub genesis_root: StateRoot,
    /// Bond per claim, in wei (0.1 ETH).
    pub bond_wei: U256,
    /// OP window, in seconds (7 days).
    pub op_window_secs: u64,
    /// Liveness grace after the OP window, in seconds (7 days): the oldest unfinalized batch's
    /// first claim must wait the window plus this before a liveness failure can be recorded.
    pub liveness_grace_secs: u64,
    /// Timelock on ZK and OP changes, in seconds (45 days: a 37-day exit window, Stage 2).
    pub upgrade_delay_secs: u64,
    /// How long a matured council action stays executable, in seconds (14 days).
    pub upgrade_expiry_secs: u64,
    /// Council members.
    pub council_members: Vec<Address>,
    /// Signatures the council needs.
    pub council_threshold: u64,
    /// Membership rules the council contract enforces.
    pub council_mode: CouncilMode,
    /// The ZK verifier.
    pub zk_verifier: LegImpl,
    /// The dispute game.
    pub dispute_game: LegImpl,
}

impl DeployConfig {
    /// default parameters of docs/finality.md: 24-hour forced inclusion, 7-day OP window and liveness grace,
    /// 45-day timelock, a Stage 2 council of `members` with a 75% threshold (6 of 8), depths 32
    /// and 10, a 0.1 ETH bond. No ZK verifier or dispute game until they are given.
    pub fn new(
        l2_chain_id: ChainId,
        sequencer: Address,
        genesis_root: StateRoot,
        council_members: Vec<Address>,
    ) -> Self {
        let threshold = (council_members.len() as u64 * 3).div_ceil(4);
        Self {
            l2_chain_id,
            sequencer,
            account_depth: 32,
            withdrawal_depth: 10,
            forced_inclusion_delay_secs: DAY_SECONDS,
            genesis_root,
            bond_wei: U256::from(10u128.pow(17)),
            op_window_secs: 7 * DAY_SECONDS,
            liveness_grace_secs: 7 * DAY_SECONDS,
            upgrade_delay_secs: 45 * DAY_SECONDS,
            upgrade_expiry_secs: 14 * DAY_SECONDS,
            council_members,
            council_threshold: threshold,
            council_mode: CouncilMode::Stage2,
            zk_verifier: LegImpl::Absent,
            dispute_game: LegImpl::Absent,
        }
    }
}

/// The deployed system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// `Inbox`: batches, L1 message queue, bridge.
    pub inbox: Address,
    /// `MultiProofFinality`.
    pub finality: Address,
    /// `SecurityCouncil`.
    pub council: Address,
    /// `TeeVerifier`.
    pub tee_verifier: Address,
    /// The ZK verifier (zero when absent).
    pub zk_verifier: Address,
    /// The dispute game (zero when absent).
    pub dispute_game: Address,
    /// poseidon-solidity `PoseidonT3`.
    pub poseidon2: Address,
    /// poseidon-solidity `PoseidonT5`.
    pub poseidon4: Address,
    /// Deployment gas per contract, in deployment order.
    pub gas: Vec<(&'static str, u64)>,
}

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The L1 refused or failed a deployment.
    #[error("deploying {contract}: {source}")]
    L1 {
        /// The contract being deployed.
        contract: &'static str,
        /// The cause.
        source: L1Error,
    },
    /// A contract landed at another address than predicted (another transaction from the
    /// deployer interleaved).
    #[error(
        "{contract} deployed at {got}, expected {expected}: was the deployer used concurrently?"
    )]
    AddressMismatch {
        /// The contract.
        contract: &'static str,
        /// Predicted address.
        expected: Address,
        /// Actual address.
        got: Address,
    },
    /// The configuration cannot be deployed.
    #[error("invalid deployment config: {0}")]
    Config(String),
}

fn sel(s: [u8; 4]) -> FixedBytes<4> {
    FixedBytes(s)
}

/// The council's allowlist: `(target, selector, leg)` with legs 0 = ZK, 1 = TEE, 2 = OP.
/// Nothing else (finalization, the inbox, bonds) is callable by the council.
pub fn council_allowlist(finality: Address, tee: Address) -> Vec<(Address, FixedBytes<4>, u8)> {
    vec![
        (finality, sel(MultiProofFinality::setZkVerifierCall::SELECTOR), 0),
        (finality, sel(MultiProofFinality::setDisputeGameCall::SELECTOR), 2),
        (finality, sel(MultiProofFinality::setTeeVerifierCall::SELECTOR), 1),
        (tee, sel(TeeVerifier::registerSignerCall::SELECTOR), 1),
        (tee, sel(TeeVerifier::revokeSignerCall::SELECTOR), 1),
        (tee, sel(TeeVerifier::setMeasurementCall::SELECTOR), 1),
    ]
}

/// Deploys the whole system from `deployer`, which must send nothing else meanwhile.
///
/// # Errors
/// [`DeployError::Config`] for depths over 32, an odd account depth or an empty council, [`DeployError::L1`] when a
/// deployment fails, [`DeployError::AddressMismatch`] when the deployer's nonce moved under us.
pub async fn deploy(
    l1: &impl L1,
    deployer: &PrivateKeySigner,
    config: DeployConfig,
) -> Result<Deployment, DeployError> {
    if config.account_depth > 32 || config.withdrawal_depth > 32 {
        return Err(DeployError::Config("tree depths are at most 32".into()));
    }
    if !config.account_depth.is_multiple_of(2) {
        // `StfStep` would refuse it, after the Inbox and the Poseidon contracts were deployed.
        return Err(DeployError::Config("the 4-ary account tree needs an even depth".into()));
    }
    if config.council_members.is_empty() || config.council_threshold == 0 {
        return Err(DeployError::Config("the council needs members and a threshold".into()));
    }
    let from = deployer.address();
    let nonce =
        l1.nonce(from).await.map_err(|source| DeployError::L1 { contract: "(nonce)", source })?;
    let creates = |leg: &LegImpl| u64::from(matches!(leg, LegImpl::Create(_)));
    let k = creates(&config.zk_verifier) + creates(&config.dispute_game);
    let at = |i: u64| from.create(nonce + i);
    let (tee, inbox, finality, council) = (at(2 + k), at(3 + k), at(4 + k), at(5 + k));

    let mut d = Deployment {
        inbox,
        finality,
        council,
        tee_verifier: tee,
        zk_verifier: Address::ZERO,
        dispute_game: Address::ZERO,
        poseidon2: at(0),
        poseidon4: at(1),
        gas: Vec::new(),
    };
    let mut next = 0u64;
    let mut create = async |name: &'static str, init: Vec<u8>, gas: &mut Vec<_>| {
        let expected = at(next);
        next += 1;
        let receipt = l1
            .send(deployer, L1Tx::create(init))
            .await
            .map_err(|source| DeployError::L1 { contract: name, source })?;
        let got = receipt.contract_address.unwrap_or_default();
        if got != expected {
            return Err(DeployError::AddressMismatch { contract: name, expected, got });
        }
        gas.push((name, receipt.gas_used));
        Ok(got)
    };
    let with_args = |code: &Bytes, args: Vec<u8>| [code.as_ref(), &args].concat();

    create("PoseidonT3", PoseidonT3::BYTECODE.to_vec(), &mut d.gas).await?;
    create("PoseidonT5", PoseidonT5::BYTECODE.to_vec(), &mut d.gas).await?;
    for (leg, slot, name) in [
        (config.zk_verifier, &mut d.zk_verifier, "ZK verifier"),
        (config.dispute_game, &mut d.dispute_game, "dispute game"),
    ] {
        *slot = match leg {
            LegImpl::Absent => Address::ZERO,
            LegImpl::Existing(a) => a,
            LegImpl::Create(init) => create(name, init(finality).to_vec(), &mut d.gas).await?,
        };
    }
    let tee_init = with_args(
        &TeeVerifier::BYTECODE,
        TeeVerifier::constructorCall { _council: council }.abi_encode(),
    );
    create("TeeVerifier", tee_init, &mut d.gas).await?;
    let inbox_init = with_args(
        &Inbox::BYTECODE,
        Inbox::constructorCall {
            _sequencer: config.sequencer,
            _l2ChainId: config.l2_chain_id.0,
            _accountDepth: config.account_depth,
            _withdrawalDepth: config.withdrawal_depth,
            _forcedInclusionDelaySeconds: config.forced_inclusion_delay_secs,
            _finality: finality,
            _poseidon2: d.poseidon2,
            _poseidon4: d.poseidon4,
        }
        .abi_encode(),
    );
    create("Inbox", inbox_init, &mut d.gas).await?;
    let finality_init = with_args(
        &MultiProofFinality::BYTECODE,
        MultiProofFinality::constructorCall {
            _l2ChainId: config.l2_chain_id.0,
            _inbox: inbox,
            _council: council,
            _genesisRoot: fr_to_word(&config.genesis_root.0),
            _bondWei: config.bond_wei,
            _opWindowSeconds: config.op_window_secs,
            _livenessGraceSeconds: config.liveness_grace_secs,
            _zkVerifier: d.zk_verifier,
            _teeVerifier: tee,
            _disputeGame: d.dispute_game,
        }
        .abi_encode(),
    );
    create("MultiProofFinality", finality_init, &mut d.gas).await?;
    let allow = council_allowlist(finality, tee);
    let council_init = with_args(
        &SecurityCouncil::BYTECODE,
        SecurityCouncil::constructorCall {
            _members: config.council_members,
            _threshold: U256::from(config.council_threshold),
            _mode: config.council_mode as u8,
            _upgradeDelaySeconds: config.upgrade_delay_secs,
            _expirySeconds: config.upgrade_expiry_secs,
            _evidence: finality,
            _targets: allow.iter().map(|a| a.0).collect(),
            _selectors: allow.iter().map(|a| a.1).collect(),
            _legs: allow.iter().map(|a| a.2).collect(),
        }
        .abi_encode(),
    );
    create("SecurityCouncil", council_init, &mut d.gas).await?;
    Ok(d)
}

/// Deploys the dispute game (with its `StfStep` and Poseidon contracts) from `game_deployer`,
/// then the system from `deployer` with that game as its OP leg. The game is built for the
/// inbox and finality addresses predicted from `deployer`'s nonce, and `deploy` checks them.
///
/// # Errors
/// As [`deploy`]; [`DeployError::L1`] when the game cannot be deployed.
pub async fn deploy_with_game(
    l1: &impl L1,
    deployer: &PrivateKeySigner,
    game_deployer: &PrivateKeySigner,
    mut config: DeployConfig,
    params: tribunal_dispute::GameParams,
) -> Result<(Deployment, tribunal_dispute::GameDeployment), DeployError> {
    let from = deployer.address();
    let nonce =
        l1.nonce(from).await.map_err(|source| DeployError::L1 { contract: "(nonce)", source })?;
    // PoseidonT3, PoseidonT5, [ZK verifier], TeeVerifier, Inbox, MultiProofFinality.
    let k = u64::from(matches!(config.zk_verifier, LegImpl::Create(_)));
    let (inbox, finality) = (from.create(nonce + 3 + k), from.create(nonce + 4 + k));
    let stf = tribunal_stf::StfConfig {
        chain_id: config.l2_chain_id,
        account_depth: config.account_depth,
        withdrawal_depth: config.withdrawal_depth,
    };
    let game = tribunal_dispute::deploy_game(l1, game_deployer, stf, finality, inbox, params)
        .await
        .map_err(|source| DeployError::L1 { contract: "DisputeGame", source })?;
    config.dispute_game = LegImpl::Existing(game.game);
    let d = deploy(l1, deployer, config).await?;
    if (d.inbox, d.finality) != (inbox, finality) {
        return Err(DeployError::AddressMismatch {
            contract: "MultiProofFinality",
            expected: finality,
            got: d.finality,
        });
    }
    Ok((d, game))
}

/// Reads what L2BEAT grading needs from a deployed system, starting from its finality contract.
///
/// # Errors
/// [`L1Error`] when a call fails or returns something undecodable (not a Tribunal deployment).
pub async fn read_stage_config(
    l1: &impl L1,
    finality: Address,
) -> Result<tribunal_finality::stage::DeploymentConfig, L1Error> {
    let council = view(l1, finality, MultiProofFinality::COUNCILCall {}).await?;
    let inbox = view(l1, finality, MultiProofFinality::INBOXCall {}).await?;
    Ok(tribunal_finality::stage::DeploymentConfig {
        zk_verifier: view(l1, finality, MultiProofFinality::zkVerifierCall {}).await?
            != Address::ZERO,
        dispute_game: view(l1, finality, MultiProofFinality::disputeGameCall {}).await?
            != Address::ZERO,
        council_members: view(l1, council, SecurityCouncil::getMembersCall {}).await?.len() as u64,
        council_threshold: view(l1, council, SecurityCouncil::THRESHOLDCall {}).await?.to::<u64>(),
        upgrade_delay_secs: view(l1, council, SecurityCouncil::UPGRADE_DELAY_SECONDSCall {})
            .await?,
        forced_inclusion_delay_secs: view(l1, inbox, Inbox::FORCED_INCLUSION_DELAY_SECONDSCall {})
            .await?,
        op_window_secs: view(l1, finality, MultiProofFinality::OP_WINDOW_SECONDSCall {}).await?,
        liveness_grace_secs: view(l1, finality, MultiProofFinality::LIVENESS_GRACE_SECONDSCall {})
            .await?,
        upgrade_expiry_secs: view(l1, council, SecurityCouncil::EXPIRY_SECONDSCall {}).await?,
    })
}
