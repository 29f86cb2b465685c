//! `tribunal devnet`: a whole rollup with 2-of-3 finality, from one command, over the
//! `tribunal-devnet` harness.
//!
//! It starts the embedded L1 (or uses `--l1-rpc`), deploys every contract (a 6-of-8 council of
//! dev keys, the `ZkVerifier` of the cached dev Groth16 setup, the dispute game, the dev TEE
//! signer registered by the council), starts the node's services (sequencer, batcher, proposer,
//! ZK prover, TEE prover, challenger, defender, finality watcher), and drives a workload of users
//! with real wallet keys: deposits, transfers, a withdrawal and forced transactions. It prints a
//! row per batch once it is final, and stops when every batch is.
//!
//! The last batch carries a forced transfer that cannot pay: the STF skips it, the circuit and the
//! TEE prove the skip, and that batch is final at once like the others. Scenarios `tee-down` and
//! `zk-down` show the slow path (one leg, then OP after the window).

use std::{path::PathBuf, sync::Arc, time::Duration};

use clap::Args;
use tribunal_devnet::{DEV_ENCLAVE_KEY, DevnetConfig, Plan, deploy_rollup};
use tribunal_l1::{DevL1, L1Dev, RpcL1};
use tribunal_zk::keys::default_key_dir;

use crate::progress::printer;

/// Arguments of `tribunal devnet`.
#[derive(Args, Debug)]
pub struct DevnetArgs {
    /// Number of users.
    #[arg(long, default_value_t = 8)]
    pub users: u32,
    /// Batches of transfers after the deposit batch; the last one carries a forced transfer
    /// that cannot pay (skipped, and proven skipped).
    #[arg(long, default_value_t = 4)]
    pub batches: u64,
    /// Transfers per batch.
    #[arg(long, default_value_t = 16)]
    pub transfers: usize,
    /// The ZK circuits' sizes.
    #[command(flatten)]
    pub zk: ZkSizesArgs,
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
    /// Serve the finality explorer (and metrics) from the first batch on; once the workload is
    /// final, keep the rollup running and serve JSON-RPC too, until ctrl-c. With `--l1-rpc` and
    /// `--data-dir`, `tribunal node --config DATA_DIR/node.toml` resumes it after a stop.
    #[arg(long)]
    pub serve: bool,
    /// JSON-RPC listen address with `--serve`.
    #[arg(long, default_value = "127.0.0.1:8645")]
    pub rpc_addr: std::net::SocketAddr,
    /// Prometheus listen address with `--serve`.
    #[arg(long)]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Finality explorer listen address with `--serve` (web pages of every batch and claim).
    #[arg(long, default_value = "127.0.0.1:8646")]
    pub explorer_addr: std::net::SocketAddr,
}

/// The ZK circuit sizes of a devnet run (`tribunal devnet`, `tribunal bench rollup`).
#[derive(Args, Clone, Debug)]
pub struct ZkSizesArgs {
    /// Transaction slots of each ZK circuit, comma-separated; the largest is the most
    /// transactions per batch. Keys for each, a `ZkVerifierSet` of their verifiers, and each
    /// batch proven with the smallest that fits. At depth 32, 11 slots fill Groth16's 2^19
    /// evaluation domain; 20 hold a devnet round of 16 transfers in one 2^20 proof; 31 fill
    /// 2^20; 32, the protocol's most transactions per batch, need 2^21.
    #[arg(long, value_delimiter = ',', default_value = "11,20,31,32", conflicts_with = "zk_slots")]
    pub zk_sizes: Vec<usize>,
    /// One circuit of this many slots instead of `--zk-sizes` (a test size such as 4).
    #[arg(long)]
    pub zk_slots: Option<usize>,
    /// Most transactions the sequencer puts in a batch it fills, at most the largest circuit's
    /// slots. The default fills the 31-slot circuit: the 32-slot one takes twice as long to
    /// prove, and is kept for a batch that must carry an overdue L1 message.
    #[arg(long, default_value_t = 31)]
    pub max_batch_txs: usize,
    /// Settle the ZK leg through the proof aggregation layer, in aggregates of this many
    /// proofs: each of the rollup's and the rest from other applications (a sample circuit,
    /// simulated). A `ProofAggregator` and its service run beside the devnet, and the ZK
    /// verifier takes inclusion paths in it. 1 to 128.
    #[arg(long)]
    pub zk_aggregate_proofs: Option<usize>,
}

impl ZkSizesArgs {
    /// The sizes asked for, as given (checked when the devnet deploys).
    pub fn sizes(&self) -> Vec<usize> {
        self.zk_slots.map_or_else(|| self.zk_sizes.clone(), |s| vec![s])
    }
}

impl DevnetArgs {
    /// The harness's configuration of these arguments.
    pub fn config(&self) -> DevnetConfig {
        DevnetConfig {
            users: self.users,
            batches: self.batches,
            transfers: self.transfers,
            zk_sizes: self.zk.sizes(),
            max_batch_txs: self.zk.max_batch_txs,
            chain_id: self.chain_id,
            l1_name: self.l1_rpc.clone().unwrap_or_else(|| "embedded revm chain (Osaka)".into()),
            stall: Duration::from_secs(self.stall_secs),
            aggregate_proofs: self.zk.zk_aggregate_proofs,
        }
    }
}

/// Runs the devnet.
///
/// # Errors
/// Invalid arguments, storage, L1 or deployment errors, or a batch that does not become final.
pub fn run(args: DevnetArgs) -> eyre::Result<()> {
    tribunal_l1::block_on_blob_threads(async move {
        match args.l1_rpc.clone() {
            Some(url) => run_on(Arc::new(RpcL1::connect(&url)?), args).await,
            None => run_on(Arc::new(DevL1::new()), args).await,
        }
    })?
}

async fn run_on<D: L1Dev + 'static>(l1: Arc<D>, args: DevnetArgs) -> eyre::Result<()> {
    let (config, observe) = (args.config(), printer());
    let r = deploy_rollup(&l1, &config, &observe).await?;
    let tmp;
    let dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_owned()
        }
    };
    if let (Some(url), Some(data_dir)) = (&args.l1_rpc, &args.data_dir) {
        let node = r.node_config(dir.clone(), config.full_batch(), Plan::DEVNET.services);
        let file = node_file(url, data_dir, r.chain_id.0, &node, &r.keys, &args);
        std::fs::create_dir_all(data_dir)?;
        file.write(&data_dir.join("node.toml"))?;
        println!(
            "wrote {} (tribunal node --config resumes this rollup)\n",
            data_dir.join("node.toml").display()
        );
    }
    let node = tribunal_devnet::run::start(l1.clone(), &r, &config, Plan::DEVNET, dir)?;
    // With --serve, the explorer (read-only) is up from the first batch on, so the run can be
    // watched as it finalizes; the JSON-RPC, which takes transactions, only once the workload
    // is final (the devnet users' keys are public).
    let explorer = if args.serve {
        let readers = crate::node::listen_readers(
            l1.clone(),
            &node,
            args.metrics_addr,
            Some(args.explorer_addr),
        )
        .await;
        match readers {
            Ok(explorer) => explorer,
            Err(e) => {
                node.stop().await;
                return Err(e);
            }
        }
    } else {
        None
    };
    let driven =
        tribunal_devnet::run::drive(l1.clone(), &r, &config, Plan::DEVNET, node, &observe).await;
    let node = match driven {
        Ok((_, node)) => node,
        Err(e) => {
            if let Some(explorer) = explorer {
                explorer.stop().await;
            }
            return Err(e);
        }
    };
    if !args.serve {
        node.stop().await;
        return Ok(());
    }
    if args.l1_rpc.is_none() {
        println!("note: the L1 is embedded in this process: deposits and claims need --l1-rpc");
    }
    crate::node::serve_rpc_until_stopped(l1, node, explorer, args.rpc_addr).await?;
    Ok(())
}

/// The `tribunal node` configuration of the rollup this devnet deployed.
fn node_file(
    l1_rpc: &str,
    data_dir: &std::path::Path,
    chain_id: u64,
    config: &tribunal_node::NodeConfig,
    keys: &tribunal_node::NodeKeys,
    args: &DevnetArgs,
) -> crate::node::NodeFile {
    use crate::node::{
        ContractsFile, KeysFile, ListenFile, NodeFile, ProposerFile, TeeFile, ZkFile, key_hex,
    };
    NodeFile {
        l1_rpc: l1_rpc.to_owned(),
        data_dir: data_dir.to_owned(),
        l2_chain_id: chain_id,
        poll_interval_ms: config.poll_interval.as_millis() as u64,
        l1_timeout_secs: tribunal_l1::RpcL1::DEFAULT_TIMEOUT.as_secs(),
        max_reorg_depth: config.max_reorg_depth,
        final_confirmations: config.final_depth,
        move_confirmations: config.move_depth,
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
        proposer: ProposerFile {
            settle_grace_secs: config.settle_grace.map_or(0, |d| d.as_secs()),
            settle_at_post_secs: config.settle_at_post.map_or(0, |d| d.as_secs()),
        },
        zk: ZkFile {
            slots: args.config().zk_slots(),
            min_slots: None,
            sizes: Some(args.zk.sizes()),
            key_dir: Some(default_key_dir()),
            aggregator_rpc: config.zk_aggregator.as_ref().map(|a| a.url.clone()),
            aggregator_wait_secs: config.zk_aggregator.as_ref().map_or(600, |a| a.wait.as_secs()),
            aggregator_max_fee_wei: config
                .zk_aggregator
                .as_ref()
                .map_or(1_000_000_000_000_000, |a| a.max_fee_per_proof.saturating_to()),
        },
        tee: TeeFile {
            dev_enclave_key: Some(format!("0x{}", hex::encode(*DEV_ENCLAVE_KEY))),
            hold_for_zk_secs: config.tee_hold_for_zk.map_or(0, |d| d.as_secs()),
        },
        rpc: ListenFile { addr: args.rpc_addr },
        metrics: args.metrics_addr.map(|addr| ListenFile { addr }),
        explorer: Some(ListenFile { addr: args.explorer_addr }),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::{Cli, Command};

    fn config(args: &[&str]) -> Result<tribunal_devnet::DevnetConfig, clap::Error> {
        let cli = Cli::try_parse_from(["tribunal", "devnet"].iter().chain(args))?;
        let Command::Devnet(a) = cli.command else { unreachable!("parsed as devnet") };
        Ok(a.config())
    }

    fn sizes(args: &[&str]) -> Result<Vec<usize>, clap::Error> {
        config(args).map(|c| c.zk_sizes)
    }

    /// The devnet's circuits fill their Groth16 domains by default; `--zk-slots` is one size.
    #[test]
    fn circuit_sizes_come_from_one_flag_or_the_other() {
        assert_eq!(sizes(&[]).unwrap(), vec![11, 20, 31, 32]);
        assert_eq!(sizes(&["--zk-sizes", "4,8"]).unwrap(), vec![4, 8]);
        assert_eq!(sizes(&["--zk-slots", "4"]).unwrap(), vec![4]);
        assert!(sizes(&["--zk-sizes", "4", "--zk-slots", "4"]).is_err());
    }

    /// A full batch fills the 31-slot circuit (2^20), not the 32-slot one (2^21), by default,
    /// and never more than the largest circuit.
    #[test]
    fn a_full_batch_fills_31_slots_by_default() {
        assert_eq!(config(&[]).unwrap().full_batch(), 31);
        assert_eq!(config(&["--max-batch-txs", "32"]).unwrap().full_batch(), 32);
        assert_eq!(config(&["--zk-slots", "4"]).unwrap().full_batch(), 4);
        assert_eq!(config(&["--zk-sizes", "4,8"]).unwrap().full_batch(), 8);
    }
}
