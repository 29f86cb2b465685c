//! The proof aggregation layer a devnet rollup's ZK leg may settle through
//! ([`crate::DevnetConfig::aggregate_proofs`]): a `ProofAggregator`, its operator's service and
//! JSON-RPC in this process, and other applications' proofs that share each aggregate with the
//! rollup's.
//!
//! The rollup's verifier is then a `ZkVerifierSet` of `AggregatedZkVerifier`s, one per circuit
//! size (a single one for one size), each of a circuit registered in the aggregator; the node's
//! ZK prover sends its proofs to the RPC, paid from the ZK key's prepaid balance, and settles
//! each claim with its proof's inclusion path.
//!
//! Other applications are simulated: whenever the rollup's proof waits in the queue, proofs of a
//! small sample circuit (`tribunal_aggregation::sample`, INSECURE seeded keys) from another
//! payer fill the aggregate to its size, submitted through the same RPC with fee vouchers. That
//! is the load that makes an aggregate of N proofs, and what `tribunal bench rollup` counts the
//! rollup's share of L1 gas against.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, Bytes, U256, keccak256};
use alloy_sol_types::SolConstructor;
use eyre::WrapErr;
use tribunal_aggregation::{
    Aggregator, Policy, Store,
    batch::Source,
    client::Submitter,
    contract::{self, AggregatorParams},
    groth16::vk_words,
    sample::SampleCircuit,
    service::{MAX_SUBMISSION_PROOFS, Posted},
};
use tribunal_contracts::{AggregatedZkVerifier, ProofAggregator, ZkVerifierSet};
use tribunal_l1::{L1, L1Tx, view};
use tribunal_zk::sizes::CircuitSizes;

/// The most proofs in one aggregate (`Policy::max_proofs`; 128 proofs of one key cost 8.8M gas).
pub const MAX_AGGREGATE_PROOFS: usize = 128;

/// What each payer prepays in the aggregator at a time, in wei (10,000 proofs at the default
/// fee); the other applications prepay again when their balance falls below a tenth of it.
const PREPAID_WEI: u128 = 1_000_000_000_000_000_000;

/// What each payer's account is funded with on L1, in wei.
const FUNDED_WEI: u128 = 100 * PREPAID_WEI;

/// The most the devnet's payers sign for per proof, in wei: ten times the default fee.
pub const MAX_FEE_PER_PROOF_WEI: u64 = 1_000_000_000_000_000;

/// A running aggregation layer: stops when dropped.
pub struct AggregationLayer {
    /// The `ProofAggregator`.
    pub contract: Address,
    /// Its JSON-RPC, `http://127.0.0.1:port`.
    pub url: String,
    /// Proofs per aggregate.
    pub proofs: usize,
    posted: Arc<Mutex<Vec<Posted>>>,
    server: jsonrpsee::server::ServerHandle,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for AggregationLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregationLayer")
            .field("contract", &self.contract)
            .field("url", &self.url)
            .field("proofs", &self.proofs)
            .finish_non_exhaustive()
    }
}

impl Drop for AggregationLayer {
    fn drop(&mut self) {
        self.task.abort();
        // Already stopped is fine.
        let _ = self.server.stop();
    }
}

impl AggregationLayer {
    /// Every aggregate posted so far, in order.
    pub fn aggregates(&self) -> Vec<Posted> {
        self.posted.lock().expect("not poisoned").clone()
    }
}

/// Deploys a `ProofAggregator` operated by a dev key of its own, registers each circuit of
/// `keys`, prepays `rollup_payer`'s fees, and starts the service and its RPC with aggregates of
/// `proofs` (1 to [`MAX_AGGREGATE_PROOFS`]), filled by other applications. `deployer` pays the
/// collateral and funds the operator. Returns the layer and the creation code of the rollup's ZK
/// verifier over it.
///
/// # Errors
/// `proofs` out of range, L1 errors, or the RPC server not binding.
pub async fn start<L: L1 + 'static>(
    l1: Arc<L>,
    deployer: &PrivateKeySigner,
    rollup_payer: &PrivateKeySigner,
    keys: &CircuitSizes,
    proofs: usize,
) -> eyre::Result<(AggregationLayer, Bytes)> {
    eyre::ensure!(
        (1..=MAX_AGGREGATE_PROOFS).contains(&proofs),
        "an aggregate holds 1 to {MAX_AGGREGATE_PROOFS} proofs, not {proofs}"
    );
    let key = |name: &str| PrivateKeySigner::from_bytes(&keccak256(name));
    let operator = key("tribunal devnet aggregator")?;
    let others = key("tribunal devnet other applications")?;
    for who in [&operator, &others] {
        let fund =
            L1Tx { to: Some(who.address()), value: U256::from(FUNDED_WEI), ..Default::default() };
        l1.send(deployer, fund).await.wrap_err("funding the aggregator's accounts")?;
    }
    let contract = contract::deploy(&*l1, deployer, AggregatorParams::new(operator.address()))
        .await
        .wrap_err("deploying the ProofAggregator")?;
    let mut codes = Vec::new();
    for k in keys.iter() {
        let circuit = contract::register(&*l1, deployer, contract, &vk_words(k.vk())).await?;
        let args =
            AggregatedZkVerifier::constructorCall { _aggregator: contract, _circuitId: circuit };
        codes.push(Bytes::from(
            [AggregatedZkVerifier::BYTECODE.as_ref(), &args.abi_encode()].concat(),
        ));
    }
    // One size: the AggregatedZkVerifier itself; more: a set of them, smallest first.
    let verifier = if let [code] = &codes[..] {
        code.clone()
    } else {
        let mut members = Vec::new();
        for code in codes {
            let r =
                l1.send(deployer, L1Tx::create(code)).await.wrap_err("an AggregatedZkVerifier")?;
            members.push(r.contract_address.ok_or_else(|| eyre::eyre!("no contract created"))?);
        }
        let args = ZkVerifierSet::constructorCall { _members: members }.abi_encode();
        [ZkVerifierSet::BYTECODE.as_ref(), &args].concat().into()
    };
    for payer in [rollup_payer, &others] {
        contract::deposit(&*l1, payer, contract, U256::from(PREPAID_WEI)).await?;
    }
    let sample = SampleCircuit::setup(0x0a11);
    contract::register(&*l1, deployer, contract, &sample.vk()).await?;

    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("aggregator.redb"))?;
    // Posted when full; the age limit (well under the node's wait) only bounds a wait that
    // filling should never leave.
    let policy = Policy { max_proofs: proofs, max_age_secs: 30 };
    let service = Arc::new(Aggregator::new(l1, operator, contract, store, policy).await?);
    let (addr, server) =
        tribunal_aggregation::rpc::serve(service.clone(), ([127, 0, 0, 1], 0).into()).await?;
    let url = format!("http://{addr}");
    let submitter = Submitter::new(&url, others.clone(), U256::from(MAX_FEE_PER_PROOF_WEI))?;
    let posted = Arc::new(Mutex::new(Vec::new()));
    let log = posted.clone();
    let rollup = rollup_payer.address();
    let sample = Arc::new(sample);
    let task = tokio::spawn(async move {
        let mut apps = OtherApps { submitter, payer: others, sample, next: 0, contract };
        let (mut failing, mut step_failing) = (false, false);
        loop {
            match apps.fill(&service, rollup, proofs).await {
                Ok(()) => failing = false,
                Err(e) if !failing => {
                    tracing::warn!(error = %e, "other applications' proofs (retried quietly)");
                    failing = true;
                }
                Err(_) => {}
            }
            match service.step().await {
                Ok(report) => {
                    step_failing = false;
                    if let Some(p) = report.posted {
                        tracing::info!(proofs = p.proofs, gas = p.gas_used, root = %p.root, "aggregate posted");
                        log.lock().expect("not poisoned").push(p);
                    }
                }
                Err(e) if !step_failing => {
                    tracing::warn!(error = %e, "aggregator step failed (retried quietly)");
                    step_failing = true;
                }
                Err(_) => {}
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let layer = AggregationLayer { contract, url, proofs, posted, server, task, _dir: dir };
    Ok((layer, verifier))
}

/// The simulated other applications: one payer, the sample circuit.
struct OtherApps {
    submitter: Submitter,
    payer: PrivateKeySigner,
    sample: Arc<SampleCircuit>,
    /// The next sample statement (each proof id is new).
    next: u64,
    contract: Address,
}

impl OtherApps {
    /// When a proof of `rollup`'s waits, tops the queue up to `proofs` with sample proofs,
    /// prepaying first when the balance runs low.
    async fn fill<L: L1 + 'static>(
        &mut self,
        service: &Aggregator<L>,
        rollup: Address,
        proofs: usize,
    ) -> eyre::Result<()> {
        let pending = service.store().pending()?;
        let waiting = pending
            .iter()
            .any(|r| matches!(&r.submission.source, Source::Offchain(v) if v.submitter == rollup));
        let queued: usize = pending.iter().map(|r| r.submission.entries.len()).sum();
        if !waiting || queued >= proofs {
            return Ok(());
        }
        let l1 = service.l1();
        let who = self.payer.address();
        let balance =
            view(l1, self.contract, ProofAggregator::balanceOfCall { _submitter: who }).await?;
        if balance < U256::from(PREPAID_WEI / 10) {
            contract::deposit(l1, &self.payer, self.contract, U256::from(PREPAID_WEI)).await?;
        }
        let mut missing = proofs - queued;
        while missing > 0 {
            let n = missing.min(MAX_SUBMISSION_PROOFS);
            let (from, sample) = (self.next, self.sample.clone());
            let entries = tokio::task::spawn_blocking(move || {
                (from..from + n as u64).map(|i| sample.prove(i)).collect::<Vec<_>>()
            })
            .await?;
            self.next += n as u64;
            self.submitter.submit(l1, self.contract, entries).await?;
            missing -= n;
        }
        Ok(())
    }
}
