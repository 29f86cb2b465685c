//! `tribunal node --config node.toml`: the long-running node against a real L1, serving JSON-RPC
//! and Prometheus metrics.
//!
//! The node resumes from its redb files in `data_dir` after any stop, a kill included: the
//! sequencer's state and mempool, the provers' claim cursors and the dispute agents' decisions
//! are on disk, and what is on L1 (posted batches, claims, approvals) is read back from L1.
//! `tribunal devnet --serve --data-dir D` writes `D/node.toml` for the rollup it deployed;
//! `tribunal node init` writes a commented example ([`EXAMPLE_CONFIG`]), and docs/node.md is the
//! reference of every field.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use clap::Args;
use eyre::WrapErr;
use serde::{Deserialize, Serialize};
use tribunal_contracts::MultiProofFinality;
use tribunal_l1::{L1, RpcL1, view};
use tribunal_node::{Event, Node, NodeConfig, NodeKeys, Services, sequencer::SequencerConfig};
use tribunal_stf::{State, StfConfig};
use tribunal_tee::{DevEnclave, EnclaveConfig};
use tribunal_zk::{
    keys::default_key_dir,
    sizes::{check_sizes, load_or_dev_setup_sizes, sizes_between},
};

/// Arguments of `tribunal node`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NodeArgs {
    /// The node's TOML configuration (`tribunal node init` writes an example).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Other actions.
    #[command(subcommand)]
    pub action: Option<NodeAction>,
}

/// `tribunal node` actions besides running.
#[derive(clap::Subcommand, Debug)]
pub enum NodeAction {
    /// Write a commented example configuration to edit (never over an existing file).
    #[command(after_help = "Example:\n  tribunal node init --out node.toml && $EDITOR node.toml")]
    Init {
        /// Where to write it.
        #[arg(long, default_value = "node.toml")]
        out: PathBuf,
    },
}

/// A commented example of the node's configuration: every field, optional ones marked, keys
/// read from the environment. `tribunal node init` writes it; docs/node.md explains each field.
pub const EXAMPLE_CONFIG: &str = r#"# tribunal node configuration. Reference: docs/node.md.
# Fill in the contract addresses of your deployment (`tribunal devnet --serve --data-dir D`
# writes D/node.toml with them), then run `tribunal node --config node.toml`.

l1_rpc = "http://127.0.0.1:8545"      # L1 JSON-RPC endpoint
data_dir = "./tribunal-data"          # redb files: sequencer state, mempool, provers, agents
l2_chain_id = 901                     # the chain id the contracts were deployed for
poll_interval_ms = 500                # optional: how often each service reads L1
l1_timeout_secs = 10                  # optional: give up on one L1 call after this long
max_reorg_depth = 2                   # optional: an L1 reorg deeper than this is a critical alert
final_confirmations = 0               # optional: blocks deep a finalization must be before it is reported (Ethereum: 2+, or 64)
move_confirmations = 2                # optional: blocks deep a dispute resolution must be before the agents stop watching it

[contracts]                           # from the deployment
inbox = "0x0000000000000000000000000000000000000000"
finality = "0x0000000000000000000000000000000000000000"
game = "0x0000000000000000000000000000000000000000"     # optional: no dispute agents without it

[keys]                                # L1 private keys: hex, or "env:VAR" to read one from VAR
sequencer = "env:TRIBUNAL_SEQUENCER_KEY"   # the Inbox's sequencer: posts batches
proposer = "env:TRIBUNAL_PROPOSER_KEY"     # proposes claims, with their bonds
zk = "env:TRIBUNAL_ZK_KEY"                 # submits ZK proofs
tee = "env:TRIBUNAL_TEE_KEY"               # submits TEE attestations
challenger = "env:TRIBUNAL_CHALLENGER_KEY" # challenges wrong claims, with bonds
watcher = "env:TRIBUNAL_WATCHER_KEY"       # calls finalize
# defender = "env:TRIBUNAL_DEFENDER_KEY"   # optional: defends right claims; the proposer's key without it

[services]                            # optional: all true
sequencer = true                      # sequencer, batcher and proposer
zk = true
tee = true
dispute = true                        # challenger and defender
watcher = true

[sequencer]                           # optional
max_batch_txs = 32                    # at most zk.slots
max_wait_ms = 2000                    # seal once the oldest pending transaction waited this long
max_mempool = 65536
max_pending_per_sender = 64           # one account cannot fill the mempool
hold_for_prover_ms = 60000            # with the ZK prover here: hold a due batch while it is busy (0: never)
l1_confirmations = 2                  # blocks deep an L1 message must be before a batch takes it (at least max_reorg_depth)
rederive_after_secs = 120             # after a deeper reorg: wait this long for dropped L1 messages to return before re-deriving

[proposer]                            # optional
settle_grace_secs = 300               # with both provers here: wait this long to settle a claim with its proof and signature in one tx (0: propose at once)
settle_at_post_secs = 60              # and hold a batch whose parent is final this long, to post it with them in one tx (0: post at once)

[zk]                                  # optional
slots = 32                            # the largest circuit size the deployed verifier checks
# sizes = [11, 20, 31, 32]            # optional: keys for each size (a ZkVerifierSet of them), the largest = slots;
                                      # 31 fill 2^20 (32 need 2^21): with them, sequencer.max_batch_txs = 31
# key_dir = "/var/cache/tribunal/zk"  # optional: TRIBUNAL_ZK_KEYS or the user cache without it
# aggregator_rpc = "http://127.0.0.1:8547"  # optional: settle through the aggregation layer where the verifier
                                      # takes an inclusion path (AggregatedZkVerifier); keys.zk pays from its
                                      # prepaid balance there (ProofAggregator.deposit)
# aggregator_wait_secs = 600          # optional: how long one proof waits for its batch (then: whole, or a retry)
# aggregator_max_fee_wei = 1000000000000000  # optional: the most keys.zk signs for per proof (0.001 ETH)

[tee]                                 # the only backend here is the INSECURE software enclave
# dev_enclave_key = "env:TRIBUNAL_ENCLAVE_KEY"
# hold_for_zk_secs = 300              # optional: with the ZK prover here, both legs go in one tx

[rpc]
addr = "127.0.0.1:8645"               # the node's JSON-RPC

# [metrics]                           # optional: no Prometheus exporter without it
# addr = "127.0.0.1:9645"

# [explorer]                          # optional: the finality explorer's web pages
# addr = "127.0.0.1:8646"
"#;

/// Writes [`EXAMPLE_CONFIG`] to `out`, refusing to replace an existing file.
///
/// # Errors
/// An existing `out`, or an I/O error.
pub fn init(out: &Path) -> eyre::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            eyre::eyre!("{} exists; not replacing it (remove it or pass --out)", out.display())
        }
        _ => eyre::eyre!("create {}: {e}", out.display()),
    })?;
    f.write_all(EXAMPLE_CONFIG.as_bytes())?;
    Ok(())
}

/// The node's configuration file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    /// L1 JSON-RPC endpoint.
    pub l1_rpc: String,
    /// Directory of the redb files.
    pub data_dir: PathBuf,
    /// L2 chain id.
    pub l2_chain_id: u64,
    /// How often each service polls L1, in milliseconds.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    /// Connect and request timeout of each L1 call, in seconds (1 to 600).
    #[serde(default = "default_l1_timeout_secs")]
    pub l1_timeout_secs: u64,
    /// An L1 reorg deeper than this many blocks is a critical alert (0 to 256).
    #[serde(default = "default_max_reorg_depth")]
    pub max_reorg_depth: u64,
    /// Blocks deep a claim's finalization must be before the node reports it final, in RPC,
    /// metrics and the explorer (0 to 256; 0: at the head).
    #[serde(default)]
    pub final_confirmations: u64,
    /// Blocks deep a dispute position's resolution, or an unchallenged claim's settlement, must
    /// be before the challenger and defender stop watching it; a reorg that drops one sooner
    /// finds it watched, and it is resolved again (0 to 256).
    #[serde(default = "default_move_confirmations")]
    pub move_confirmations: u64,
    /// The L1 contracts.
    pub contracts: ContractsFile,
    /// The services' L1 keys.
    pub keys: KeysFile,
    /// Which services run.
    #[serde(default)]
    pub services: ServicesFile,
    /// Sequencing policy.
    #[serde(default)]
    pub sequencer: SequencerFile,
    /// The proposer.
    #[serde(default)]
    pub proposer: ProposerFile,
    /// The ZK prover.
    #[serde(default)]
    pub zk: ZkFile,
    /// The TEE prover.
    #[serde(default)]
    pub tee: TeeFile,
    /// JSON-RPC.
    pub rpc: ListenFile,
    /// Prometheus metrics.
    #[serde(default)]
    pub metrics: Option<ListenFile>,
    /// The finality explorer (HTML pages over the same API as the JSON-RPC).
    #[serde(default)]
    pub explorer: Option<ListenFile>,
}

const fn default_poll_ms() -> u64 {
    500
}

const fn default_max_reorg_depth() -> u64 {
    2
}

const fn default_move_confirmations() -> u64 {
    tribunal_node::services::DEFAULT_MOVE_DEPTH
}

const fn default_l1_timeout_secs() -> u64 {
    tribunal_l1::RpcL1::DEFAULT_TIMEOUT.as_secs()
}

/// `[contracts]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractsFile {
    /// `Inbox`.
    pub inbox: Address,
    /// `MultiProofFinality`.
    pub finality: Address,
    /// `DisputeGame`.
    #[serde(default)]
    pub game: Address,
}

/// `[keys]`: hex private keys, or `env:VAR`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysFile {
    /// The inbox's sequencer (posts batches).
    pub sequencer: String,
    /// Proposes claims (bonds).
    pub proposer: String,
    /// Submits ZK proofs.
    pub zk: String,
    /// Submits TEE attestations.
    pub tee: String,
    /// Challenges wrong claims.
    pub challenger: String,
    /// Calls `finalize`.
    pub watcher: String,
    /// Defends the dispute game of every right claim when challenged; `None`: the proposer's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defender: Option<String>,
}

/// `[services]`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicesFile {
    /// Sequencer, batcher and proposer.
    pub sequencer: bool,
    /// ZK prover.
    pub zk: bool,
    /// TEE prover.
    pub tee: bool,
    /// Challenger and defender.
    pub dispute: bool,
    /// Finality watcher.
    pub watcher: bool,
}

impl Default for ServicesFile {
    fn default() -> Self {
        Services::ALL.into()
    }
}

impl From<Services> for ServicesFile {
    fn from(s: Services) -> Self {
        Self {
            sequencer: s.sequencer,
            zk: s.zk,
            tee: s.tee,
            dispute: s.dispute,
            watcher: s.watcher,
        }
    }
}

impl From<ServicesFile> for Services {
    fn from(s: ServicesFile) -> Self {
        Self {
            sequencer: s.sequencer,
            zk: s.zk,
            tee: s.tee,
            dispute: s.dispute,
            watcher: s.watcher,
        }
    }
}

/// `[sequencer]`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SequencerFile {
    /// Most transactions per batch (at most the ZK circuit's slots).
    pub max_batch_txs: usize,
    /// Seal once the oldest pending transaction waited this long, in milliseconds.
    pub max_wait_ms: u64,
    /// Most pending transactions.
    pub max_mempool: usize,
    /// Most pending transactions of one sender.
    pub max_pending_per_sender: usize,
    /// With the ZK prover on this node: how much longer a due batch may wait while the prover is
    /// busy with an earlier one, in milliseconds (0: never held).
    pub hold_for_prover_ms: u64,
    /// Blocks deep an L1 message must be before a batch consumes it (0 to 256).
    pub l1_confirmations: u64,
    /// After a reorg left the inbox's queue shorter than the sealed batches consumed, how long
    /// to wait for the dropped messages to come back before re-deriving the unposted batches,
    /// in seconds (0 to 3600).
    pub rederive_after_secs: u64,
}

impl Default for SequencerFile {
    /// [`SequencerConfig::default`], except that a node's file takes L1 messages 2 blocks deep
    /// (the library and the devnet, on chains that mine only when sent to, take them at once).
    fn default() -> Self {
        Self { l1_confirmations: 2, ..SequencerConfig::default().into() }
    }
}

impl From<SequencerConfig> for SequencerFile {
    fn from(c: SequencerConfig) -> Self {
        Self {
            max_batch_txs: c.max_batch_txs,
            max_wait_ms: c.max_wait.as_millis() as u64,
            max_mempool: c.max_mempool,
            max_pending_per_sender: c.max_pending_per_sender,
            hold_for_prover_ms: c.hold_for_prover.as_millis() as u64,
            l1_confirmations: c.l1_confirmations,
            rederive_after_secs: c.rederive_after.as_secs(),
        }
    }
}

impl From<SequencerFile> for SequencerConfig {
    fn from(f: SequencerFile) -> Self {
        Self {
            max_batch_txs: f.max_batch_txs,
            max_wait: Duration::from_millis(f.max_wait_ms),
            max_mempool: f.max_mempool,
            max_pending_per_sender: f.max_pending_per_sender,
            hold_for_prover: Duration::from_millis(f.hold_for_prover_ms),
            l1_confirmations: f.l1_confirmations,
            rederive_after: Duration::from_secs(f.rederive_after_secs),
        }
    }
}

/// `[zk]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ZkFile {
    /// Transaction slots of the largest circuit: the deployed verifier's, or its set's largest.
    pub slots: usize,
    /// Slots of the smallest circuit to keep keys for (default: `slots`). With a `ZkVerifierSet`
    /// deployed, the prover holds keys for every power of two from this to `slots` and proves
    /// each batch with the smallest member circuit that fits it.
    pub min_slots: Option<usize>,
    /// The circuit sizes to keep keys for, instead of `min_slots`' powers of two: any sizes up
    /// to the protocol's 32, at most 6, the largest equal to `slots` (for example 11, 20, 31
    /// and 32: 11 fill Groth16's 2^19 evaluation domain, 31 fill 2^20). The deployed `ZkVerifierSet` holds their
    /// verifiers in the same order, smallest first.
    pub sizes: Option<Vec<usize>>,
    /// Where the Groth16 keys are cached (default: `TRIBUNAL_ZK_KEYS` or the user cache).
    pub key_dir: Option<PathBuf>,
    /// The aggregation layer's JSON-RPC (`http://host:port`): where the ZK verifier (or a
    /// member of its set) is an `AggregatedZkVerifier`, proofs go there and claims settle with
    /// their inclusion path (`tribunal_node::ZkAggregator`).
    pub aggregator_rpc: Option<String>,
    /// Seconds one proof waits for its aggregated batch (1 to 3,600; default 600); then it
    /// goes whole to a set member of the same circuit, if there is one, or is tried again.
    pub aggregator_wait_secs: u64,
    /// The most the ZK key signs for per proof, in wei (default 10^15, 0.001 ETH): the
    /// aggregator's operator may raise `feePerProof` at any time.
    pub aggregator_max_fee_wei: u64,
}

impl ZkFile {
    /// The circuit sizes to keep keys for, smallest first: `sizes`, the powers of two from
    /// `min_slots` to `slots`, or `slots` alone.
    ///
    /// # Errors
    /// A message naming the field: `sizes` with `min_slots`, a bad list
    /// ([`tribunal_zk::sizes::check_sizes`]), a largest size other than `slots`, or a bad range.
    pub fn circuit_sizes(&self) -> Result<Vec<usize>, String> {
        match (&self.sizes, self.min_slots) {
            (Some(_), Some(_)) => Err("zk.sizes and zk.min_slots: give one of them".into()),
            (Some(sizes), None) => {
                let sizes = check_sizes(sizes).map_err(|e| format!("zk.sizes: {e}"))?;
                if sizes.last() != Some(&self.slots) {
                    return Err(format!(
                        "zk.sizes {sizes:?}: the largest must be zk.slots {}",
                        self.slots
                    ));
                }
                Ok(sizes)
            }
            (None, None) => check_sizes(&[self.slots]).map_err(|e| format!("zk.slots: {e}")),
            (None, Some(min)) => {
                sizes_between(min, self.slots).map_err(|e| format!("zk.min_slots: {e}"))
            }
        }
    }
}

impl Default for ZkFile {
    fn default() -> Self {
        Self {
            slots: 32,
            min_slots: None,
            sizes: None,
            key_dir: None,
            aggregator_rpc: None,
            aggregator_wait_secs: 600,
            aggregator_max_fee_wei: 1_000_000_000_000_000,
        }
    }
}

/// `[proposer]`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposerFile {
    /// When the ZK and TEE provers run here too: seconds the proposer waits after a batch is
    /// posted for both legs to approve its claim, to send claim, proof and signature in one
    /// `proposeAndSettle` transaction (0 to 3,600; 0 proposes each claim alone at once).
    /// Default 300.
    #[serde(default = "default_settle_grace_secs")]
    pub settle_grace_secs: u64,
    /// With `settle_grace_secs`: seconds the batcher holds a sealed batch whose parent is final
    /// for both legs, to post it and settle its claim in one `postAndSettle` transaction (0 to
    /// 3,600; 0 posts each batch at once and settles it after posting). Default 60.
    #[serde(default = "default_settle_at_post_secs")]
    pub settle_at_post_secs: u64,
}

impl Default for ProposerFile {
    fn default() -> Self {
        Self {
            settle_grace_secs: default_settle_grace_secs(),
            settle_at_post_secs: default_settle_at_post_secs(),
        }
    }
}

const fn default_settle_grace_secs() -> u64 {
    300
}

const fn default_settle_at_post_secs() -> u64 {
    60
}

/// `[tee]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeeFile {
    /// Key of the INSECURE software enclave (hex or `env:VAR`). No hardware backend runs here.
    pub dev_enclave_key: Option<String>,
    /// When the ZK prover runs here too: seconds the TEE worker holds its signature for the ZK
    /// prover to send with its proof in one `proveAndAttest` transaction (0 to 3,600; 0 sends
    /// each leg's own transaction at once). Default 300.
    #[serde(default = "default_hold_for_zk_secs")]
    pub hold_for_zk_secs: u64,
}

impl Default for TeeFile {
    fn default() -> Self {
        Self { dev_enclave_key: None, hold_for_zk_secs: default_hold_for_zk_secs() }
    }
}

const fn default_hold_for_zk_secs() -> u64 {
    300
}

/// `[rpc]`, `[metrics]`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenFile {
    /// Listen address.
    pub addr: SocketAddr,
}

/// Why a configuration is refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a node configuration.
    #[error("{path} is not a node configuration: {reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line.
        reason: String,
    },
    /// A key is neither hex nor a set `env:VAR`.
    #[error("keys.{name}: {reason}")]
    Key {
        /// Which key.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A value out of range.
    #[error("{0}")]
    Invalid(String),
}

impl NodeFile {
    /// Reads and checks a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`].
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        let file: Self = toml::from_str(&text)
            .map_err(|e| ConfigError::Parse { path: path.to_owned(), reason: e.to_string() })?;
        crate::wallet::chain(file.l2_chain_id)
            .map_err(|e| ConfigError::Invalid(format!("l2_chain_id: {e}")))?;
        let most = tribunal_primitives::batch::MAX_BATCH_TXS;
        if file.zk.slots == 0 || file.zk.slots > most {
            return Err(ConfigError::Invalid(format!(
                "zk.slots {} must be 1 to {most} (the protocol's most transactions per batch)",
                file.zk.slots
            )));
        }
        file.zk.circuit_sizes().map_err(ConfigError::Invalid)?;
        if !(1..=3_600).contains(&file.zk.aggregator_wait_secs) {
            return Err(ConfigError::Invalid(format!(
                "zk.aggregator_wait_secs {} must be 1 to 3600",
                file.zk.aggregator_wait_secs
            )));
        }
        if file.zk.aggregator_max_fee_wei == 0 {
            return Err(ConfigError::Invalid(
                "zk.aggregator_max_fee_wei 0 would sign no fee: give the most per proof, in wei"
                    .into(),
            ));
        }
        if let Some(url) = &file.zk.aggregator_rpc
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid(format!(
                "zk.aggregator_rpc {url:?} must be an http:// or https:// URL"
            )));
        }
        if file.sequencer.max_batch_txs == 0 || file.sequencer.max_batch_txs > file.zk.slots {
            return Err(ConfigError::Invalid(format!(
                "sequencer.max_batch_txs {} must be between 1 and zk.slots {}",
                file.sequencer.max_batch_txs, file.zk.slots
            )));
        }
        if file.poll_interval_ms == 0 {
            return Err(ConfigError::Invalid("poll_interval_ms must be above 0".into()));
        }
        if !(1..=600).contains(&file.l1_timeout_secs) {
            return Err(ConfigError::Invalid("l1_timeout_secs must be 1 to 600".into()));
        }
        if file.tee.hold_for_zk_secs > 3_600 {
            return Err(ConfigError::Invalid("tee.hold_for_zk_secs must be 0 to 3600".into()));
        }
        if file.proposer.settle_grace_secs > 3_600 {
            return Err(ConfigError::Invalid(
                "proposer.settle_grace_secs must be 0 to 3600".into(),
            ));
        }
        if file.proposer.settle_at_post_secs > 3_600 {
            return Err(ConfigError::Invalid(
                "proposer.settle_at_post_secs must be 0 to 3600".into(),
            ));
        }
        if file.sequencer.max_pending_per_sender == 0 {
            return Err(ConfigError::Invalid(
                "sequencer.max_pending_per_sender must be above 0".into(),
            ));
        }
        if file.sequencer.rederive_after_secs > 3_600 {
            return Err(ConfigError::Invalid(
                "sequencer.rederive_after_secs must be 0 to 3600".into(),
            ));
        }
        if file.sequencer.hold_for_prover_ms > 3_600_000 {
            return Err(ConfigError::Invalid(
                "sequencer.hold_for_prover_ms must be 0 to 3600000".into(),
            ));
        }
        let kept = tribunal_node::follow::KEPT_BLOCKS;
        if [
            file.max_reorg_depth,
            file.sequencer.l1_confirmations,
            file.final_confirmations,
            file.move_confirmations,
        ]
        .iter()
        .any(|d| *d > kept)
        {
            return Err(ConfigError::Invalid(format!(
                "max_reorg_depth, final_confirmations, move_confirmations and \
                 sequencer.l1_confirmations must be 0 to {kept}"
            )));
        }
        file.node_keys()?;
        Ok(file)
    }

    /// The services' signers.
    ///
    /// # Errors
    /// [`ConfigError::Key`].
    pub fn node_keys(&self) -> Result<NodeKeys, ConfigError> {
        let k = &self.keys;
        Ok(NodeKeys {
            sequencer: signer("sequencer", &k.sequencer)?,
            proposer: signer("proposer", &k.proposer)?,
            zk: signer("zk", &k.zk)?,
            tee: signer("tee", &k.tee)?,
            challenger: signer("challenger", &k.challenger)?,
            watcher: signer("watcher", &k.watcher)?,
            defender: signer("defender", k.defender.as_ref().unwrap_or(&k.proposer))?,
        })
    }

    /// Writes the file (mode 0600: it holds keys).
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, path: &Path) -> eyre::Result<()> {
        use std::io::Write;
        let text = toml::to_string_pretty(self)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(path).wrap_err_with(|| format!("create {}", path.display()))?;
        f.write_all(b"# tribunal node configuration (holds L1 keys: keep it private)\n")?;
        f.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// A key from its config value: hex, or `env:VAR`.
fn signer(name: &'static str, value: &str) -> Result<PrivateKeySigner, ConfigError> {
    let bad = |reason: String| ConfigError::Key { name, reason };
    let hex = match value.strip_prefix("env:") {
        Some(var) => {
            std::env::var(var).map_err(|_| bad(format!("environment variable {var} is not set")))?
        }
        None => value.to_owned(),
    };
    let bytes = crate::wallet::parse_key(&hex).map_err(|e| bad(e.to_string()))?;
    PrivateKeySigner::from_bytes(&bytes.into()).map_err(|e| bad(e.to_string()))
}

/// Hex of a signer's key, for config files the devnet writes.
pub fn key_hex(signer: &PrivateKeySigner) -> String {
    format!("0x{}", hex::encode(signer.to_bytes()))
}

/// Runs `tribunal node`.
///
/// # Errors
/// A bad configuration, an unreachable L1, a store that does not open, or an address in use.
pub fn run(args: NodeArgs) -> eyre::Result<()> {
    if let Some(NodeAction::Init { out }) = args.action {
        init(&out)?;
        println!(
            "wrote {}: fill in [contracts] and the keys, then run `tribunal node --config {}`",
            out.display(),
            out.display()
        );
        return Ok(());
    }
    let Some(config) = args.config else {
        eyre::bail!("pass --config FILE (`tribunal node init` writes an example)");
    };
    let file = NodeFile::load(&config)?;
    tribunal_l1::block_on_blob_threads(async move {
        let timeout = Duration::from_secs(file.l1_timeout_secs);
        let l1 = Arc::new(RpcL1::connect_with_timeout(&file.l1_rpc, timeout)?);
        let chain_id = crate::wallet::chain(file.l2_chain_id)?;
        let stf = StfConfig::new(chain_id);
        let genesis = State::new(stf)?;
        if file.zk.slots < tribunal_primitives::batch::MAX_BATCH_TXS {
            tracing::warn!(
                slots = file.zk.slots,
                most = tribunal_primitives::batch::MAX_BATCH_TXS,
                "a circuit smaller than the protocol's batches (a test size): a posted batch of \
                 more transactions cannot be ZK-proven and takes the slow path"
            );
        }
        let keys = if file.services.zk {
            let sizes = file.zk.circuit_sizes().map_err(|e| eyre::eyre!(e))?;
            let dir = file.zk.key_dir.clone().unwrap_or_else(default_key_dir);
            let keys =
                tokio::task::spawn_blocking(move || load_or_dev_setup_sizes(&dir, &stf, &sizes))
                    .await?
                    .wrap_err("ZK keys")?;
            Some(keys)
        } else {
            None
        };
        let enclave = match (&file.tee.dev_enclave_key, file.services.tee) {
            (Some(key), true) => Some(DevEnclave::new(
                EnclaveConfig {
                    stf,
                    l1_chain_id: l1.chain_id().await?,
                    finality: file.contracts.finality,
                },
                signer("tee.dev_enclave_key", key)?,
            )?),
            (None, true) => eyre::bail!(
                "services.tee is on but tee.dev_enclave_key is not set (the only TEE backend here)"
            ),
            _ => None,
        };
        let config = NodeConfig {
            data_dir: file.data_dir.clone(),
            inbox: file.contracts.inbox,
            finality: file.contracts.finality,
            game: file.contracts.game,
            bond_wei: view(&*l1, file.contracts.finality, MultiProofFinality::BOND_WEICall {})
                .await?,
            sequencer: file.sequencer.into(),
            poll_interval: Duration::from_millis(file.poll_interval_ms),
            services: file.services.into(),
            tee_hold_for_zk: (file.tee.hold_for_zk_secs > 0)
                .then(|| Duration::from_secs(file.tee.hold_for_zk_secs)),
            settle_grace: (file.proposer.settle_grace_secs > 0)
                .then(|| Duration::from_secs(file.proposer.settle_grace_secs)),
            settle_at_post: (file.proposer.settle_at_post_secs > 0)
                .then(|| Duration::from_secs(file.proposer.settle_at_post_secs)),
            max_reorg_depth: file.max_reorg_depth,
            final_depth: file.final_confirmations,
            move_depth: file.move_confirmations,
            zk_aggregator: file.zk.aggregator_rpc.clone().map(|url| tribunal_node::ZkAggregator {
                url,
                wait: Duration::from_secs(file.zk.aggregator_wait_secs),
                max_fee_per_proof: alloy_primitives::U256::from(file.zk.aggregator_max_fee_wei),
            }),
        };
        let node = Node::start(l1.clone(), config, file.node_keys()?, &genesis, keys, enclave)?;
        println!(
            "tribunal node: L2 chain {}, data {}, L1 {}",
            chain_id.0,
            file.data_dir.display(),
            file.l1_rpc
        );
        let listen = Listen {
            rpc: file.rpc.addr,
            metrics: file.metrics.map(|m| m.addr),
            explorer: file.explorer.map(|m| m.addr),
        };
        serve(l1, node, listen).await
    })?
}

/// Installs the Prometheus exporter on `addr` (`GET /metrics`).
///
/// # Errors
/// The address cannot be bound, or a recorder is already installed.
pub fn install_metrics(addr: SocketAddr) -> eyre::Result<()> {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .wrap_err_with(|| format!("metrics exporter on {addr}"))
}

/// Where a served node listens.
#[derive(Clone, Copy, Debug)]
pub struct Listen {
    /// JSON-RPC.
    pub rpc: SocketAddr,
    /// Prometheus metrics, if any.
    pub metrics: Option<SocketAddr>,
    /// The finality explorer, if any.
    pub explorer: Option<SocketAddr>,
}

/// The servers started for a node; [`Self::stop`] closes them.
#[derive(Debug)]
pub struct Served {
    rpc: jsonrpsee::server::ServerHandle,
    explorer: Option<tribunal_node::explorer::ExplorerHandle>,
}

impl Served {
    /// Stops the JSON-RPC server and the explorer, and waits until both have stopped.
    pub async fn stop(self) {
        if self.rpc.stop().is_ok() {
            self.rpc.stopped().await;
        }
        if let Some(explorer) = self.explorer {
            explorer.stop().await;
        }
    }
}

/// Starts a started node's read-only servers: Prometheus metrics and the finality explorer, each
/// if asked, printing their addresses. They read the node's store and L1 as it runs.
///
/// # Errors
/// An address cannot be bound, or the metrics recorder cannot be installed.
pub async fn listen_readers<L: L1 + 'static>(
    l1: Arc<L>,
    node: &Node<L>,
    metrics: Option<SocketAddr>,
    explorer: Option<SocketAddr>,
) -> eyre::Result<Option<tribunal_node::explorer::ExplorerHandle>> {
    if let Some(addr) = metrics {
        install_metrics(addr)?;
        println!("metrics: http://{addr}/metrics");
    }
    let Some(addr) = explorer else { return Ok(None) };
    let (bound, task) = tribunal_node::explorer::serve(Arc::new(node.api(l1)), addr)
        .await
        .wrap_err_with(|| format!("explorer on {addr}"))?;
    println!("explorer: http://{bound}/");
    Ok(Some(task))
}

/// Starts a started node's JSON-RPC on `addr`, printing its address.
///
/// # Errors
/// The address cannot be bound.
pub async fn listen_rpc<L: L1 + 'static>(
    l1: Arc<L>,
    node: &Node<L>,
    addr: SocketAddr,
) -> eyre::Result<jsonrpsee::server::ServerHandle> {
    let (bound, handle) =
        node.api(l1).serve(addr).await.wrap_err_with(|| format!("JSON-RPC on {addr}"))?;
    println!("JSON-RPC: http://{bound} (namespace tribunal); ctrl-c stops");
    Ok(handle)
}

/// Serves a started node's JSON-RPC (and metrics and the explorer, when asked) until ctrl-c or
/// SIGTERM, logging its events, then stops it.
///
/// # Errors
/// As [`listen_readers`] and [`listen_rpc`] (the node is stopped then), or the signal handlers
/// cannot be installed.
pub async fn serve<L: L1 + 'static>(l1: Arc<L>, node: Node<L>, to: Listen) -> eyre::Result<()> {
    let explorer = match listen_readers(l1.clone(), &node, to.metrics, to.explorer).await {
        Ok(explorer) => explorer,
        Err(e) => {
            node.stop().await;
            return Err(e);
        }
    };
    serve_rpc_until_stopped(l1, node, explorer, to.rpc).await
}

/// Starts a started node's JSON-RPC on `rpc`, then serves it and `explorer` until ctrl-c or
/// SIGTERM ([`serve_until_stopped`]).
///
/// # Errors
/// As [`listen_rpc`] (the explorer and the node are stopped then), or the signal handlers cannot
/// be installed.
pub async fn serve_rpc_until_stopped<L: L1 + 'static>(
    l1: Arc<L>,
    node: Node<L>,
    explorer: Option<tribunal_node::explorer::ExplorerHandle>,
    rpc: SocketAddr,
) -> eyre::Result<()> {
    let rpc = match listen_rpc(l1, &node, rpc).await {
        Ok(rpc) => rpc,
        Err(e) => {
            if let Some(explorer) = explorer {
                explorer.stop().await;
            }
            node.stop().await;
            return Err(e);
        }
    };
    serve_until_stopped(node, Served { rpc, explorer }).await
}

/// Logs a node's events until ctrl-c or SIGTERM, then stops `served` and the node.
///
/// # Errors
/// The signal handlers cannot be installed.
pub async fn serve_until_stopped<L: L1 + 'static>(
    mut node: Node<L>,
    served: Served,
) -> eyre::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            e = node.events.recv() => match e {
                Some(e) => log_event(&e),
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    println!("stopping");
    served.stop().await;
    node.stop().await;
    Ok(())
}

fn log_event(e: &Event) {
    match e {
        Event::Sealed(s) => {
            tracing::info!(batch = s.batch.number.0, txs = s.batch.txs.len(), "sealed")
        }
        Event::Posted(p) => {
            tracing::info!(batch = p.batch.0, blobs = p.blobs, gas = p.gas, "posted")
        }
        Event::Proposed(p) => {
            tracing::info!(
                batch = p.batch.0,
                claim = p.claim,
                settled = p.settled.is_some(),
                "proposed"
            );
        }
        Event::Zk { claim, outcome } => tracing::info!(claim, ?outcome, "zk"),
        Event::Tee { claim, outcome } => tracing::info!(claim, ?outcome, "tee"),
        Event::Challenger(a) => tracing::info!(?a, "challenger"),
        Event::Defender(a) => tracing::info!(?a, "defender"),
        Event::Finalized(f) => {
            tracing::info!(batch = f.batch, claim = f.claim, path = %f.path, "final");
        }
        Event::Error { service, error } => tracing::warn!(service, %error, "will retry"),
        Event::Reorg(r) if r.critical => {
            tracing::error!(fork = r.fork, depth = r.depth, "CRITICAL: deep L1 reorg")
        }
        Event::Reorg(r) => tracing::warn!(fork = r.fork, depth = r.depth, "L1 reorg"),
        Event::Resent { service, resent } => tracing::warn!(service, ?resent, "re-sent"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example `tribunal node init` writes is a valid configuration whose optional sections
    /// say the defaults the code has.
    #[test]
    fn the_example_config_parses_with_the_code_defaults() {
        let file: NodeFile = toml::from_str(EXAMPLE_CONFIG).unwrap();
        assert_eq!(file.poll_interval_ms, default_poll_ms());
        assert_eq!(file.l1_timeout_secs, default_l1_timeout_secs());
        let seq = SequencerFile::default();
        let f = &file.sequencer;
        assert_eq!(
            (f.max_batch_txs, f.max_wait_ms, f.max_mempool, f.hold_for_prover_ms),
            (seq.max_batch_txs, seq.max_wait_ms, seq.max_mempool, seq.hold_for_prover_ms)
        );
        assert_eq!(f.max_pending_per_sender, seq.max_pending_per_sender);
        assert_eq!(f.l1_confirmations, seq.l1_confirmations);
        assert_eq!(f.rederive_after_secs, seq.rederive_after_secs);
        assert_eq!(file.max_reorg_depth, default_max_reorg_depth());
        assert_eq!(file.final_confirmations, 0);
        assert_eq!(file.move_confirmations, default_move_confirmations());
        assert_eq!(file.zk.slots, ZkFile::default().slots);
        assert_eq!(Services::from(file.services), Services::ALL);
        assert!(file.metrics.is_none() && file.tee.dev_enclave_key.is_none());
        let k = &file.keys;
        for key in [&k.sequencer, &k.proposer, &k.zk, &k.tee, &k.challenger, &k.watcher] {
            assert!(key.starts_with("env:"), "no key is written into the example: {key}");
        }
    }

    /// A circuit or batch size past the protocol's most transactions per batch is a typed error:
    /// its batches' blobs would not be in canonical form, and would carry no records.
    #[test]
    fn batch_sizes_past_the_protocol_limit_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.toml");
        let sizes = "# sizes = [11, 20, 31, 32]";
        for (from, to, field) in [
            ("slots = 32", "slots = 64", "zk.slots"),
            (sizes, "sizes = [8, 20]", "zk.sizes"),
            (sizes, "sizes = [8, 8, 32]", "zk.sizes"),
            (sizes, "sizes = [8, 20, 32]\nmin_slots = 8", "zk.min_slots"),
            (sizes, "min_slots = 12", "zk.min_slots"),
        ] {
            std::fs::write(&path, EXAMPLE_CONFIG.replace(from, to)).unwrap();
            let e = NodeFile::load(&path).unwrap_err();
            assert!(matches!(&e, ConfigError::Invalid(m) if m.contains(field)), "{to}: {e}");
        }
        // Sizes need not be powers of two: each may fill its Groth16 domain.
        let slots_24 = EXAMPLE_CONFIG
            .replace("slots = 32", "slots = 24")
            .replace("max_batch_txs = 32", "max_batch_txs = 24");
        for (config, to) in [
            (slots_24, "slots = 24"),
            (EXAMPLE_CONFIG.replace(sizes, "sizes = [8, 20, 32]"), "sizes = [8, 20, 32]"),
        ] {
            std::fs::write(&path, config).unwrap();
            let e = NodeFile::load(&path).unwrap_err();
            assert!(!matches!(&e, ConfigError::Invalid(m) if m.contains("zk.")), "{to}: {e}");
        }
        // A confirmation depth past the blocks the follower keeps could never be reached.
        let deep = EXAMPLE_CONFIG.replace("move_confirmations = 2", "move_confirmations = 257");
        std::fs::write(&path, deep).unwrap();
        let e = NodeFile::load(&path).unwrap_err();
        assert!(matches!(&e, ConfigError::Invalid(m) if m.contains("move_confirmations")), "{e}");
        // A hold past an hour is a typo, not a policy.
        let hold =
            EXAMPLE_CONFIG.replace("hold_for_prover_ms = 60000", "hold_for_prover_ms = 3600001");
        std::fs::write(&path, hold).unwrap();
        let e = NodeFile::load(&path).unwrap_err();
        assert!(matches!(&e, ConfigError::Invalid(m) if m.contains("hold_for_prover_ms")), "{e}");
        let grace = EXAMPLE_CONFIG.replace("settle_grace_secs = 300", "settle_grace_secs = 3601");
        std::fs::write(&path, grace).unwrap();
        let e = NodeFile::load(&path).unwrap_err();
        assert!(matches!(&e, ConfigError::Invalid(m) if m.contains("settle_grace_secs")), "{e}");
        // The aggregation layer's endpoint and wait are checked too.
        let rpc = "# aggregator_rpc = \"http://127.0.0.1:8547\"";
        let wait = "# aggregator_wait_secs = 600";
        assert!(EXAMPLE_CONFIG.contains(rpc) && EXAMPLE_CONFIG.contains(wait));
        for (from, to, field) in [
            (rpc, "aggregator_rpc = \"127.0.0.1:8547\"", "zk.aggregator_rpc"),
            (wait, "aggregator_wait_secs = 0", "zk.aggregator_wait_secs"),
            (
                "# aggregator_max_fee_wei = 1000000000000000",
                "aggregator_max_fee_wei = 0",
                "zk.aggregator_max_fee_wei",
            ),
        ] {
            std::fs::write(&path, EXAMPLE_CONFIG.replace(from, to)).unwrap();
            let e = NodeFile::load(&path).unwrap_err();
            assert!(matches!(&e, ConfigError::Invalid(m) if m.contains(field)), "{to}: {e}");
        }
        let on = EXAMPLE_CONFIG.replace(rpc, "aggregator_rpc = \"http://127.0.0.1:8547\"");
        std::fs::write(&path, on).unwrap();
        let e = NodeFile::load(&path).unwrap_err();
        assert!(!matches!(&e, ConfigError::Invalid(m) if m.contains("zk.")), "{e}");
        // The example passes this check (it fails later, on its keys from the environment).
        std::fs::write(&path, EXAMPLE_CONFIG).unwrap();
        let e = NodeFile::load(&path).unwrap_err();
        assert!(!matches!(&e, ConfigError::Invalid(m) if m.contains("zk.slots")), "{e}");
    }
}
