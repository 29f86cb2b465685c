//! Deploying the OP leg's contracts: the Poseidon libraries the one-step STF calls, `StfStep` and
//! `DisputeGame`.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolConstructor;
use tribunal_contracts::{
    DisputeGame,
    poseidon::{PoseidonT3, PoseidonT5, PoseidonT6, PoseidonT7},
    stf_step::StfStepContract,
};
use tribunal_l1::{L1, L1Error, L1Tx};
use tribunal_stf::StfConfig;

/// Seconds in a day.
const DAY: u64 = 24 * 3600;

/// The game's parameters. [`Default`] gives the default parameters of docs/finality.md.
///
/// Why an honest player's cost is covered: against a wrong claim the challenger side pays the
/// opening (~0.4 M gas), at most `⌈log₂ n⌉` answers (~0.19 M gas each, 10 for a full blob), one
/// step (up to 8.7 M gas at depth 32: 63 `Poseidon(4)` calls over the 4-ary account tree) and
/// the settling calls (~0.05 M each): about 12 M gas for a full blob, 1.2 ETH at 100 gwei, and
/// about 9.5 M for a game of one answer. Each position's bond goes to whoever countered it, so it
/// wins every bond of the liar's positions it answers (and the 1 ETH claim bond when it opened
/// the challenge), and gets its own back. A defender facing a frivolous challenge pays only its
/// bisections and wins the challenger's bonds, which grow by 5/4 per depth. The shortest games
/// are the tightest: a batch of one or two transactions gives about 1.0 – 1.16 ETH of bonds for
/// about 9.3 – 9.5 M gas, which covers gas prices up to about 105 – 120 gwei; a deployment on a
/// dearer chain raises `claim_bond`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GameParams {
    /// Window for challenges, in seconds (7 days).
    pub window_secs: u64,
    /// Each side's chess clock along a path of positions, in seconds (3.5 days).
    pub clock_secs: u64,
    /// Time a side is guaranteed when its turn starts, in seconds (3 hours).
    pub clock_extension_secs: u64,
    /// Delay between resolution and payouts, in seconds (3.5 days).
    pub withdrawal_delay_secs: u64,
    /// Time from the start of a claim's window (its proposal) before it can be challenged, in
    /// seconds (3 hours): the time whoever judges the claim has to prove its blob not canonical
    /// (`Inbox.proveNonCanonical`). Shorter than the window.
    pub evidence_secs: u64,
    /// The bond on a game's root (the claim's side), posted by whoever creates the game, in wei
    /// (1 ETH).
    pub claim_bond: U256,
    /// The bond of the root's challenge, in wei (0.1 ETH); a position at depth `d` posts
    /// `base·(5/4)^(d-1)`.
    pub base_bond: U256,
}

impl Default for GameParams {
    fn default() -> Self {
        Self {
            window_secs: 7 * DAY,
            clock_secs: 7 * DAY / 2,
            clock_extension_secs: 3 * 3600,
            withdrawal_delay_secs: 7 * DAY / 2,
            evidence_secs: 3 * 3600,
            claim_bond: U256::from(10u128.pow(18)),
            base_bond: U256::from(10u128.pow(17)),
        }
    }
}

/// What [`deploy_game`] deployed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GameDeployment {
    /// `DisputeGame`.
    pub game: Address,
    /// `StfStep`.
    pub stf_step: Address,
    /// Deployment gas per contract, in order.
    pub gas: Vec<(&'static str, u64)>,
}

/// Deploys Poseidon for 2, 4, 5 and 6 inputs, `StfStep` for `stf` and a `DisputeGame` over the
/// given finality contract and inbox (which may be deployed later, at predicted addresses).
///
/// # Errors
/// [`L1Error`] when a deployment fails.
pub async fn deploy_game(
    l1: &impl L1,
    deployer: &PrivateKeySigner,
    stf: StfConfig,
    finality: Address,
    inbox: Address,
    params: GameParams,
) -> Result<GameDeployment, L1Error> {
    let mut gas = Vec::new();
    let mut create = async |name: &'static str, init: Vec<u8>| -> Result<Address, L1Error> {
        let r = l1.send(deployer, L1Tx::create(init)).await?;
        gas.push((name, r.gas_used));
        r.contract_address.ok_or_else(|| L1Error::InvalidTx(format!("{name}: no address")))
    };
    let with = |code: &Bytes, args: Vec<u8>| [code.as_ref(), &args].concat();
    let poseidon = [
        create("PoseidonT3", PoseidonT3::BYTECODE.to_vec()).await?,
        create("PoseidonT5", PoseidonT5::BYTECODE.to_vec()).await?,
        create("PoseidonT6", PoseidonT6::BYTECODE.to_vec()).await?,
        create("PoseidonT7", PoseidonT7::BYTECODE.to_vec()).await?,
    ];
    let stf_step = create(
        "StfStep",
        with(
            &StfStepContract::BYTECODE,
            StfStepContract::constructorCall {
                _l2ChainId: stf.chain_id.0,
                _accountDepth: stf.account_depth,
                _withdrawalDepth: stf.withdrawal_depth,
                _poseidon: poseidon,
            }
            .abi_encode(),
        ),
    )
    .await?;
    let game = create(
        "DisputeGame",
        with(
            &DisputeGame::BYTECODE,
            DisputeGame::constructorCall {
                _finality: finality,
                _inbox: inbox,
                _stf: stf_step,
                _seconds: [
                    params.window_secs,
                    params.clock_secs,
                    params.clock_extension_secs,
                    params.withdrawal_delay_secs,
                    params.evidence_secs,
                ],
                _claimBond: params.claim_bond,
                _baseBond: params.base_bond,
            }
            .abi_encode(),
        ),
    )
    .await?;
    Ok(GameDeployment { game, stf_step, gas })
}
