//! `tribunal tee`: attestations for TEE signer registration.
//!
//! `attest` prints the dev enclave's attestation (INSECURE, development chains only). `verify`
//! checks an attestation, or a DCAP quote with its collateral, the way a council member does
//! before signing, and prints the `TeeVerifier.registerSigner` call to put to the council.

use std::path::PathBuf;

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256};
use alloy_sol_types::SolCall;
use clap::{Args, Subcommand};
use eyre::WrapErr;
use tribunal_stf::StfConfig;
use tribunal_tee::{
    Attestation, AttestationError, AttestationPolicy, DEFAULT_SIGNER_VALIDITY_SECS,
    DcapAttestation, DevEnclave, Enclave, EnclaveConfig, verify_attestation,
};

/// `tribunal tee` subcommands.
#[derive(Subcommand, Debug)]
pub enum TeeCommand {
    /// Print the dev enclave's attestation (INSECURE: a software key).
    #[command(
        after_help = "Example:\n  tribunal tee attest --finality 0x… --l1-chain-id 31337 > att.json"
    )]
    Attest(AttestArgs),
    /// Verify an attestation or a DCAP quote and print the registration call.
    Verify(VerifyArgs),
}

/// Arguments of `tribunal tee attest`.
#[derive(Args, Debug)]
pub struct AttestArgs {
    /// The enclave's secp256k1 key, hex (default: a random key, printed to stderr).
    #[arg(long, env = "TRIBUNAL_TEE_KEY", hide_env_values = true)]
    pub enclave_key: Option<B256>,
    /// L2 chain id.
    #[arg(long, default_value_t = crate::DEVNET_CHAIN_ID)]
    pub chain_id: u64,
    /// L1 chain id of the signing domain (default: the dev L1's and anvil's, 31337).
    #[arg(long, default_value_t = tribunal_l1::dev::DEV_CHAIN_ID)]
    pub l1_chain_id: u64,
    /// The `MultiProofFinality` contract of the signing domain.
    #[arg(long)]
    pub finality: Address,
}

/// Longest registration `tee verify` prints, in days (two years); quotes must be renewed sooner.
pub const MAX_VALIDITY_DAYS: u64 = 730;

/// The TCB statuses `--allow-status` knows (dcap-qvl's `TcbStatus`, Intel's TCB info names).
pub const TCB_STATUSES: [&str; 9] = [
    "UpToDate",
    "SWHardeningNeeded",
    "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded",
    "OutOfDate",
    "OutOfDateConfigurationNeeded",
    "TDRelaunchAdvised",
    "TDRelaunchAdvisedConfigurationNeeded",
    "Revoked",
];

const VERIFY_HELP: &str = "\
Examples:
  tribunal tee verify --attestation att.json --allow-insecure-dev --finality 0x… --l1-chain-id 31337
  tribunal tee verify --quote quote.bin --collateral collateral.json --signer 0x… --chain-id 901

Prints the attested signer and the `TeeVerifier.registerSigner` calldata to put to the council
(the call goes to the TeeVerifier that the deployment's MultiProofFinality.teeVerifier() names).
A dev attestation carries its enclave configuration, so --finality and --l1-chain-id are checked
against it; a DCAP quote's report data binds only the signer and the L2 chain, and its enclave
configuration is part of its measurement.";

/// Arguments of `tribunal tee verify`.
#[derive(Args, Debug)]
#[command(after_long_help = VERIFY_HELP)]
pub struct VerifyArgs {
    /// An attestation JSON file (`tribunal tee attest` output, or a `dcap` attestation).
    #[arg(long, conflicts_with_all = ["quote", "collateral", "signer"])]
    pub attestation: Option<PathBuf>,
    /// A raw DCAP quote (with `--collateral` and `--signer`).
    #[arg(long, requires_all = ["collateral", "signer"])]
    pub quote: Option<PathBuf>,
    /// The quote's collateral, as a PCCS serves it (JSON).
    #[arg(long)]
    pub collateral: Option<PathBuf>,
    /// The enclave signer the quote's report data must commit to.
    #[arg(long)]
    pub signer: Option<Address>,
    /// L2 chain id the attestation must be bound to.
    #[arg(long, default_value_t = crate::DEVNET_CHAIN_ID)]
    pub chain_id: u64,
    /// Accept the INSECURE dev backend.
    #[arg(long)]
    pub allow_insecure_dev: bool,
    /// Accept this TCB status besides UpToDate (repeatable), e.g. SWHardeningNeeded.
    #[arg(long = "allow-status")]
    pub allow_status: Vec<String>,
    /// Verification time, unix seconds (default: now).
    #[arg(long)]
    pub now: Option<u64>,
    /// Validity of the registration, in days (1 to 730).
    #[arg(
        long,
        default_value_t = DEFAULT_SIGNER_VALIDITY_SECS / 86_400,
        value_parser = clap::value_parser!(u64).range(1..=MAX_VALIDITY_DAYS),
    )]
    pub validity_days: u64,
    /// The `MultiProofFinality` the signer is for: a dev attestation must be configured for it.
    #[arg(long)]
    pub finality: Option<Address>,
    /// The L1 chain id the signer is for: a dev attestation must be configured for it.
    #[arg(long)]
    pub l1_chain_id: Option<u64>,
}

/// Runs a `tribunal tee` subcommand.
///
/// # Errors
/// Unreadable files, and any refusal of the attestation, with its reason.
pub fn run(command: TeeCommand) -> eyre::Result<()> {
    match command {
        TeeCommand::Attest(a) => attest(a),
        TeeCommand::Verify(a) => verify(a),
    }
}

fn attest(args: AttestArgs) -> eyre::Result<()> {
    let key = match args.enclave_key {
        Some(k) => {
            PrivateKeySigner::from_bytes(&k).wrap_err("--enclave-key is not a secp256k1 key")?
        }
        None => {
            let k = PrivateKeySigner::random();
            eprintln!("random enclave key: {}", k.to_bytes());
            k
        }
    };
    let config = EnclaveConfig {
        stf: StfConfig::new(tribunal_primitives::ChainId(args.chain_id)),
        l1_chain_id: args.l1_chain_id,
        finality: args.finality,
    };
    let enclave = DevEnclave::new(config, key).wrap_err("measuring this binary")?;
    println!("{}", serde_json::to_string_pretty(&enclave.attestation()?)?);
    Ok(())
}

fn verify(args: VerifyArgs) -> eyre::Result<()> {
    let read = |p: &PathBuf| std::fs::read(p).wrap_err_with(|| format!("read {}", p.display()));
    let attestation = match (&args.attestation, &args.quote) {
        (Some(path), _) => serde_json::from_slice::<Attestation>(&read(path)?)
            .wrap_err_with(|| format!("{} is not an attestation", path.display()))?,
        (None, Some(quote)) => {
            let collateral = args.collateral.as_ref().expect("clap requires it");
            Attestation::Dcap(DcapAttestation {
                signer: args.signer.expect("clap requires it"),
                l2_chain_id: args.chain_id,
                quote: read(quote)?,
                collateral: serde_json::from_slice(&read(collateral)?)
                    .wrap_err_with(|| format!("{} is not DCAP collateral", collateral.display()))?,
            })
        }
        (None, None) => {
            eyre::bail!("give --attestation FILE, or --quote, --collateral and --signer")
        }
    };
    let mut policy =
        AttestationPolicy { allow_insecure_dev: args.allow_insecure_dev, ..Default::default() };
    for status in &args.allow_status {
        let s =
            serde_json::from_value(serde_json::Value::String(status.clone())).map_err(|_| {
                eyre::eyre!("unknown TCB status {status:?}; known: {}", TCB_STATUSES.join(", "))
            })?;
        policy.dcap = policy.dcap.allow(s);
    }
    let now = match args.now {
        Some(t) => t,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs(),
    };
    let attested = match verify_attestation(&attestation, args.chain_id, &policy, now) {
        Err(e @ AttestationError::InsecureNotAllowed) => {
            return Err(eyre::eyre!(e)
                .wrap_err("refused; on a development chain, accept it with --allow-insecure-dev"));
        }
        other => other?,
    };
    let deployment = check_deployment(&attestation, args.finality, args.l1_chain_id)?;
    let expires_at = args
        .validity_days
        .checked_mul(86_400)
        .and_then(|secs| now.checked_add(secs))
        .ok_or_else(|| eyre::eyre!("--now plus --validity-days overflows"))?;
    let call = tribunal_node::tee::register_call(&attested, expires_at);
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "attested": attested,
            "deployment": deployment,
            "expires_at": expires_at,
            "expires_at_utc": crate::iso8601(expires_at),
            "register_signer": {
                "to": "the TeeVerifier named by MultiProofFinality.teeVerifier()",
                "function": "registerSigner(address,bytes32,uint64,uint8,bytes32)",
            },
            "register_signer_calldata": format!("0x{}", hex::encode(call.abi_encode())),
        }))?
    );
    Ok(())
}

/// The deployment a dev attestation's enclave is configured for, checked against `--finality`
/// and `--l1-chain-id` when given; a DCAP quote does not carry it (`null`).
fn check_deployment(
    attestation: &Attestation,
    finality: Option<Address>,
    l1_chain_id: Option<u64>,
) -> eyre::Result<serde_json::Value> {
    let Attestation::Dev(dev) = attestation else { return Ok(serde_json::Value::Null) };
    let config = EnclaveConfig::decode(&dev.config)
        .ok_or_else(|| eyre::eyre!("the dev attestation's enclave config is malformed"))?;
    if let Some(f) = finality.filter(|&f| f != config.finality) {
        eyre::bail!(
            "the enclave signs for MultiProofFinality {}, not --finality {f}",
            config.finality
        );
    }
    if let Some(id) = l1_chain_id.filter(|&id| id != config.l1_chain_id) {
        eyre::bail!(
            "the enclave signs for L1 chain {}, not --l1-chain-id {id}",
            config.l1_chain_id
        );
    }
    Ok(serde_json::json!({ "finality": config.finality, "l1_chain_id": config.l1_chain_id }))
}
