//! `tribunal stage`: grades a deployment against the L2BEAT Stages framework.
//!
//! The configuration comes from a deployed system (`--l1-rpc` and `--finality`), from a JSON
//! file (`--config`, the fields of `tribunal_finality::stage::DeploymentConfig`), or, with
//! neither, from the embedded defaults with both trustless legs deployed.

use std::path::PathBuf;

use alloy_primitives::Address;
use clap::Args;
use eyre::WrapErr;
use tribunal_finality::stage::{DeploymentConfig, grade};
use tribunal_l1::RpcL1;

/// Arguments of `tribunal stage`.
#[derive(Args, Debug)]
#[command(after_long_help = STAGE_HELP)]
pub struct StageArgs {
    /// A JSON file with the deployment's configuration (schema below, under `--help`).
    #[arg(long, conflicts_with_all = ["l1_rpc", "finality"])]
    pub config: Option<PathBuf>,
    /// L1 JSON-RPC endpoint of a deployed system (with `--finality`).
    #[arg(long, requires = "finality")]
    pub l1_rpc: Option<String>,
    /// Address of the deployed `MultiProofFinality` (with `--l1-rpc`).
    #[arg(long, requires = "l1_rpc")]
    pub finality: Option<Address>,
    /// Print the grade as JSON.
    #[arg(long)]
    pub json: bool,
}

const STAGE_HELP: &str = "\
Examples:
  tribunal stage                                   grade the embedded defaults
  tribunal stage --config deployment.json --json   grade a planned deployment
  tribunal stage --l1-rpc http://127.0.0.1:8545 --finality 0x…   grade a deployed system

The --config file is one JSON object; unknown fields are refused, durations are seconds (at most
10 years), and the council needs 1 <= council_threshold <= council_members:
  {
    \"zk_verifier\": true,                   a ZK verifier is set
    \"dispute_game\": true,                  a dispute game is set
    \"council_members\": 8,
    \"council_threshold\": 6,
    \"upgrade_delay_secs\": 3888000,         timelock on ZK and OP upgrades (45 days)
    \"forced_inclusion_delay_secs\": 86400,  deadline for overdue L1 messages (1 day)
    \"op_window_secs\": 604800,              OP window (7 days; not 0)
    \"liveness_grace_secs\": 604800,         optional, default 7 days
    \"upgrade_expiry_secs\": 1209600         optional, default 14 days
  }";

/// Reads the configuration, grades it and prints the grade with every requirement.
///
/// # Errors
/// An unreadable config file, one with unknown fields or impossible values
/// ([`tribunal_finality::stage::ConfigError`]), or an L1 that does not answer as a Tribunal
/// deployment.
pub fn run(args: StageArgs) -> eyre::Result<()> {
    let (source, config) = match (&args.config, &args.l1_rpc, args.finality) {
        (Some(path), _, _) => {
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("read {}", path.display()))?;
            let config: DeploymentConfig = serde_json::from_str(&text)
                .wrap_err_with(|| format!("{} is not a deployment config", path.display()))?;
            (path.display().to_string(), config)
        }
        (None, Some(url), Some(finality)) => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let config = runtime.block_on(async {
                let l1 = RpcL1::connect(url)?;
                tribunal_node::deploy::read_stage_config(&l1, finality)
                    .await
                    .wrap_err_with(|| format!("reading the deployment at {finality}"))
            })?;
            (format!("{finality} on {url}"), config)
        }
        _ => ("the embedded defaults".to_owned(), DeploymentConfig::DEFAULT),
    };
    config.validate().wrap_err_with(|| format!("{source}: not a possible deployment"))?;
    let g = grade(&config);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "config": config, "grade": g }))?
        );
    } else {
        println!("deployment: {source}");
        println!("{}", serde_json::to_string(&config)?);
        print!("{g}");
    }
    Ok(())
}
