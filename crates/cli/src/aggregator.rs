//! `tribunal aggregator`: the proof aggregation service, on the embedded L1 or any node.
//!
//! It attaches to a `ProofAggregator` (or deploys one with 1 ETH of collateral), collects
//! submissions from the chain and from its JSON-RPC, and posts batches by size or age. With
//! `--demo` it also plays the applications: it registers the keys of the third-party Groth16
//! vectors (SP1 v4 and v6, RISC Zero v3 and v5, snarkjs) and of an arkworks sample circuit,
//! submits their proofs on chain and through the RPC with a signed fee voucher, submits one
//! must-fail proof, waits for the batch, and checks every inclusion on chain before exiting.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use clap::Args;
use eyre::{WrapErr, bail, ensure, eyre};
use tribunal_aggregation::{
    Aggregator, Policy, Store,
    batch::{FeeVoucher, submission_id},
    contract::{self, AggregatorParams},
    rpc::{self, AggregatorApiClient},
    sample::SampleCircuit,
    store::Status,
    vector::TestVector,
};
use tribunal_l1::{DevL1, L1, RpcL1, dev_signers};

/// Arguments of `tribunal aggregator`.
#[derive(Args, Debug)]
pub struct AggregatorArgs {
    /// L1 JSON-RPC URL; the embedded L1 when absent.
    #[arg(long)]
    pub l1_rpc: Option<String>,
    /// The `ProofAggregator`; a new one is deployed (aggregator: this key) when absent.
    #[arg(long)]
    pub contract: Option<Address>,
    /// The aggregator's L1 key (hex); dev key 8 when absent, for dev chains only.
    #[arg(long, env = "TRIBUNAL_AGGREGATOR_KEY", hide_env_values = true)]
    pub eth_key: Option<String>,
    /// The redb file; a temporary one when absent.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// JSON-RPC listen address (port 0 picks one).
    #[arg(long, default_value = "127.0.0.1:8547")]
    pub rpc_addr: SocketAddr,
    /// Post when this many proofs are pending; also the most per batch.
    #[arg(long, default_value_t = 32)]
    pub max_proofs: usize,
    /// Post when the oldest pending submission is this old, in L1 seconds.
    #[arg(long, default_value_t = 60)]
    pub max_age: u64,
    /// Milliseconds between steps.
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
    /// Play the applications (see the command's docs), check the outcome and exit.
    #[arg(long)]
    pub demo: bool,
    /// The `tribunal.groth16.bn254.v1` vectors `--demo` submits.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testing/fixtures/groth16"))]
    pub fixtures: PathBuf,
}

/// Runs `tribunal aggregator`.
///
/// # Errors
/// Bad arguments, an L1 or store failure, or (with `--demo`) an outcome other than expected.
pub fn run(args: AggregatorArgs) -> eyre::Result<()> {
    tribunal_l1::block_on_blob_threads(async move {
        match args.l1_rpc.clone() {
            Some(url) => serve(Arc::new(RpcL1::connect(&url)?), args).await,
            None => serve(Arc::new(DevL1::new()), args).await,
        }
    })?
}

async fn serve<L: L1 + 'static>(l1: Arc<L>, args: AggregatorArgs) -> eyre::Result<()> {
    let signer: PrivateKeySigner = match &args.eth_key {
        Some(k) => k.parse().wrap_err("--eth-key is not a private key")?,
        None => dev_signers()[8].clone(),
    };
    ensure!(args.max_proofs >= 1, "--max-proofs must be at least 1");
    let contract = match args.contract {
        Some(c) => c,
        None => {
            let c =
                contract::deploy(&*l1, &signer, AggregatorParams::new(signer.address())).await?;
            println!("deployed ProofAggregator at {c} (aggregator {})", signer.address());
            c
        }
    };
    let _tmp;
    let path = match &args.store {
        Some(p) => p.clone(),
        None => {
            _tmp = tempfile::tempdir()?;
            _tmp.path().join("aggregator.redb")
        }
    };
    let policy = if args.demo {
        Policy { max_proofs: DEMO_PROOFS, max_age_secs: 600 }
    } else {
        Policy { max_proofs: args.max_proofs, max_age_secs: args.max_age }
    };
    let store = Store::open(&path)?;
    let aggregator = Arc::new(Aggregator::new(l1.clone(), signer, contract, store, policy).await?);
    let (addr, handle) = rpc::serve(aggregator.clone(), args.rpc_addr).await?;
    println!("aggregator RPC on http://{addr}, store {}", path.display());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let service =
        tokio::spawn(aggregator.clone().run(Duration::from_millis(args.poll_ms), stopped));
    let outcome = if args.demo {
        demo(&*l1, contract, addr, &args.fixtures).await
    } else {
        tokio::signal::ctrl_c().await?;
        Ok(())
    };
    let _ = stop.send(true);
    let _ = service.await;
    let _ = handle.stop();
    outcome
}

/// Proofs the demo gets aggregated: five third-party, four arkworks.
const DEMO_PROOFS: usize = 9;

async fn demo<L: L1>(
    l1: &L,
    contract: Address,
    addr: SocketAddr,
    fixtures: &std::path::Path,
) -> eyre::Result<()> {
    let keys = dev_signers();
    let (app, payer, cheat) = (&keys[5], &keys[6], &keys[7]);
    let vectors = TestVector::read_dir(fixtures).wrap_err("reading the Groth16 vectors")?;
    let client =
        jsonrpsee::http_client::HttpClientBuilder::default().build(format!("http://{addr}"))?;
    let info = client.info().await?;

    // Third-party proofs on chain, one submission each; one must-fail copy from a cheater.
    let mut expected = Vec::new();
    for v in vectors.iter().filter(|v| v.valid) {
        let circuit = contract::register(l1, app, contract, &v.vk).await?;
        let (sub, r) = contract::submit(l1, app, contract, &[v.entry()]).await?;
        println!(
            "  {:<38} on chain   circuit {}  submit {:>7} gas",
            v.name,
            &circuit.to_string()[..12],
            r.gas_used
        );
        expected.push((v.name.clone(), sub.id, vec![v.entry()]));
    }
    let bad = vectors
        .iter()
        .find(|v| !v.valid)
        .ok_or_else(|| eyre!("no must-fail vector in {}", fixtures.display()))?;
    contract::register(l1, app, contract, &bad.vk).await?;
    let bad_id = contract::submit(l1, cheat, contract, &[bad.entry()]).await?.0.id;
    println!("  {:<38} on chain   (must fail)", bad.name);

    // Four arkworks proofs through the RPC, paid by a signed voucher from a prepaid balance.
    let sample = SampleCircuit::setup(7);
    let circuit = contract::register(l1, app, contract, &sample.vk()).await?;
    let entries: Vec<_> = (0..4).map(|i| sample.prove(i)).collect();
    let fee = info.fee_per_proof * U256::from(entries.len());
    contract::deposit(l1, payer, contract, fee).await?;
    let id = submission_id(&entries);
    // The payer's first voucher: its chain starts at zero and takes this submission.
    let voucher = FeeVoucher::sign(payer, Default::default(), id, fee, info.chain_id, contract);
    client.submit(entries.clone(), voucher).await?;
    println!(
        "  {:<38} via RPC    circuit {}  fee voucher {fee} wei",
        "arkworks sample x4",
        &circuit.to_string()[..12]
    );
    expected.push(("arkworks sample x4".into(), id, entries));

    // Wait for one batch holding all nine.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let mut done = true;
        for (_, id, _) in &expected {
            let s = client.get_submission(*id).await?.map(|s| s.status);
            done &= matches!(s, Some(Status::Aggregated { .. }));
        }
        if done {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the demo's submissions were not aggregated within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mut roots = std::collections::BTreeSet::new();
    for (name, _, entries) in &expected {
        for e in entries {
            let inc = client
                .get_inclusion(e.circuit_id, e.inputs.clone())
                .await?
                .ok_or_else(|| eyre!("{name}: no inclusion"))?;
            ensure!(
                contract::is_proof_verified(
                    l1,
                    contract,
                    e.circuit_id,
                    &e.inputs,
                    &inc.merkle_proof
                )
                .await?,
                "{name}: isProofVerified is false"
            );
            roots.insert(inc.root);
        }
    }
    ensure!(roots.len() == 1, "expected one batch, got {}", roots.len());
    let root = roots.first().expect("one root");
    let bad_status = client.get_submission(bad_id).await?.map(|s| s.status);
    ensure!(
        matches!(bad_status, Some(Status::Rejected { .. })),
        "the must-fail proof was not rejected: {bad_status:?}"
    );
    let info = client.info().await?;
    println!(
        "batch {root}: {DEMO_PROOFS} proofs of 5 circuits from 4 producers in one aggregate call; \
         isProofVerified true for each; must-fail submission rejected on chain; {} batch(es) posted",
        info.batches
    );
    Ok(())
}
