//! `tribunal bench aggregation`: what the proof aggregation layer costs on L1, beside verifying
//! the same proofs separately, measured on the embedded L1 (Osaka gas schedule).
//!
//! For each N, on a fresh chain: N real Groth16 proofs of a one-input arkworks circuit (the
//! rollup circuit's shape), each submitted on chain as its own submission; the service posts
//! them as one batch, the deployment's first. Then N more the same way: a later batch, which
//! no longer creates the batch counter's storage slot (what every batch after the first costs). Baselines from the same run: one transaction per proof calling
//! `Groth16.verify` with the key (the `Groth16Harness`), and the gas of `Groth16.verify` alone
//! metered inside it, the floor of any single-proof verifier. The inclusion check is
//! `isProofVerified` metered by a calling contract (cold account, cold slot). A last row
//! aggregates the eight third-party and arkworks proofs of five keys.

use std::{path::PathBuf, sync::Arc};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Bytes, FixedBytes, U256};
use alloy_sol_types::SolCall;
use clap::Args;
use eyre::ensure;
use tribunal_aggregation::{
    Aggregator, Policy, Store,
    batch::{Entry, FeeVoucher, submission_id},
    contract::{self, AggregatorParams},
    groth16::VerifyingKey,
    sample::SampleCircuit,
    vector::TestVector,
};
use tribunal_contracts::{ProofAggregator, test_fixtures::Groth16Harness};
use tribunal_l1::{DevL1, L1, L1Dev, L1Tx, dev_signers, view};

use super::common::spinner;

/// Arguments of `bench aggregation`.
#[derive(Args, Debug)]
pub struct AggregationBenchArgs {
    /// Batch sizes, in proofs.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32,128")]
    pub sizes: Vec<usize>,
    /// `tribunal.groth16.bn254.v1` vectors for the mixed-key row (skipped when absent).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testing/fixtures/groth16"))]
    pub fixtures: PathBuf,
}

/// One measured row.
#[derive(Debug)]
struct Row {
    label: String,
    n: usize,
    keys: usize,
    aggregate: u64,
    /// The later batch's aggregate transaction, if measured.
    aggregate_later: Option<u64>,
    submit: u64,
    separate_tx: u64,
    verify_alone: u64,
    inclusion: u64,
    path: usize,
}

/// Runs `bench aggregation`.
///
/// # Errors
/// A batch that does not verify, or an L1 failure.
pub(super) fn aggregation(args: &AggregationBenchArgs) -> eyre::Result<()> {
    ensure!(args.sizes.iter().all(|&n| (1..=128).contains(&n)), "sizes are 1 to 128 proofs");
    let sample = SampleCircuit::setup(42);
    let mut rows = Vec::new();
    for &n in &args.sizes {
        let sp = spinner(&format!("proving and aggregating {n} proofs"));
        let first: Vec<Entry> = (0..n as u64).map(|i| sample.prove(i)).collect();
        let later: Vec<Entry> = (0..n as u64).map(|i| sample.prove(10_000 + i)).collect();
        let rounds = vec![first, later];
        let keys = vec![sample.vk()];
        rows.push(measure(
            format!("{n} proofs, 1 key"),
            keys.clone(),
            rounds.clone(),
            Path::Onchain,
        )?);
        rows.push(measure(
            format!("{n} proofs, 1 key, via RPC"),
            keys.clone(),
            rounds.clone(),
            Path::Offchain,
        )?);
        if n > 1 {
            rows.push(measure(
                format!("{n} proofs, 1 key, via RPC, {n} payers"),
                keys,
                rounds,
                Path::OffchainPayers,
            )?);
        }
        sp.finish_and_clear();
    }
    if let Ok(vectors) = TestVector::read_dir(&args.fixtures) {
        let valid: Vec<_> = vectors.into_iter().filter(|v| v.valid).collect();
        if !valid.is_empty() {
            let mut keys: Vec<VerifyingKey> = valid.iter().map(|v| v.vk.clone()).collect();
            let mut entries: Vec<Entry> = valid.iter().map(TestVector::entry).collect();
            keys.push(sample.vk());
            entries.extend((1000..1003).map(|i| sample.prove(i)));
            let label =
                format!("{} proofs, 5 keys (SP1, RISC Zero, snarkjs, arkworks)", entries.len());
            // The third-party statements cannot be proven again: no later batch.
            rows.push(measure(label, keys, vec![entries], Path::Onchain)?);
        }
    }
    print(&rows);
    Ok(())
}

/// How the proofs reach the aggregator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// Each app calls `submit` (pays the fee on chain; can force after the deadline).
    Onchain,
    /// One app sends every proof to the RPC, each with a new signed fee voucher against its
    /// prepaid balance; the aggregate call checks the latest voucher and charges it once.
    Offchain,
    /// As `Offchain`, but every proof from its own app (a voucher checked and a balance charged
    /// per proof; in the first batch each payer is charged for the first time).
    OffchainPayers,
}

/// Measures one row on a fresh chain: each round of `rounds` (of equal size) is one batch, the
/// first the deployment's first; the baselines, `submit` and the inclusion check are of the
/// first round.
fn measure(
    label: String,
    keys: Vec<VerifyingKey>,
    rounds: Vec<Vec<Entry>>,
    path: Path,
) -> eyre::Result<Row> {
    tribunal_l1::block_on_blob_threads(async move {
        let l1 = Arc::new(DevL1::new());
        let signers = dev_signers();
        let (operator, app) = (signers[8].clone(), signers[9].clone());
        let at =
            contract::deploy(&*l1, &operator, AggregatorParams::new(operator.address())).await?;
        let mut distinct = std::collections::BTreeMap::new();
        for vk in &keys {
            distinct.insert(contract::register(&*l1, &app, at, vk).await?, vk.clone());
        }
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("bench.redb"))?;
        let entries = rounds[0].clone();
        let policy = Policy { max_proofs: entries.len(), max_age_secs: 0 };
        let agg = Aggregator::new(l1.clone(), operator, at, store, policy).await?;
        let fee = view(&*l1, at, ProofAggregator::feePerProofCall {}).await?;
        let chain_id = l1.chain_id().await?;
        let total = U256::from(rounds.len() * entries.len());
        // Off chain: who pays for each proof of a round, each with its chain's head.
        let mut payers: Vec<(PrivateKeySigner, FixedBytes<20>)> = Vec::new();
        match path {
            Path::Onchain => {}
            Path::Offchain => {
                contract::deposit(&*l1, &app, at, fee * total).await?;
                payers = vec![(app.clone(), FixedBytes::ZERO)];
            }
            Path::OffchainPayers => {
                for _ in &entries {
                    let payer = PrivateKeySigner::random();
                    l1.set_balance(payer.address(), U256::from(10u64.pow(18))).await?;
                    contract::deposit(&*l1, &payer, at, fee * U256::from(rounds.len())).await?;
                    payers.push((payer, FixedBytes::ZERO));
                }
            }
        }
        let mut submit = 0;
        let mut gas = Vec::new();
        for (round, batch) in rounds.iter().enumerate() {
            for (i, e) in batch.iter().enumerate() {
                if path == Path::Onchain {
                    let used =
                        contract::submit(&*l1, &app, at, std::slice::from_ref(e)).await?.1.gas_used;
                    if round == 0 {
                        submit += used;
                    }
                    continue;
                }
                let k = i % payers.len();
                let (payer, head) = &mut payers[k];
                let id = submission_id(std::slice::from_ref(e));
                let v = FeeVoucher::sign(payer, *head, id, fee, chain_id, at);
                *head = v.chain;
                agg.submit_offchain(vec![e.clone()], v).await.map_err(|e| eyre::eyre!("{e}"))?;
            }
            let posted = agg.step().await?.posted.ok_or_else(|| eyre::eyre!("no batch posted"))?;
            ensure!(
                posted.proofs == batch.len(),
                "batch of {} proofs, not {}",
                posted.proofs,
                batch.len()
            );
            gas.push(posted.gas_used);
        }

        // Baselines: each proof verified by its own transaction, and Groth16.verify alone.
        let harness = l1
            .send(&app, L1Tx::create(Groth16Harness::BYTECODE.clone()))
            .await?
            .contract_address
            .expect("created");
        let (mut separate_tx, mut verify_alone) = (0, 0);
        for e in &entries {
            let vk = &distinct[&e.circuit_id];
            let mut key = [U256::ZERO; 14];
            key[..2].copy_from_slice(&vk.alpha);
            key[2..6].copy_from_slice(&vk.beta);
            key[6..10].copy_from_slice(&vk.gamma);
            key[10..].copy_from_slice(&vk.delta);
            let call = Groth16Harness::verifyCall {
                _key: key,
                _ic: vk.ic.clone(),
                _proof: e.proof,
                _input: e.inputs.clone(),
            };
            let r = view(&*l1, harness, call.clone()).await?;
            ensure!(r.ok, "a proof of the batch fails Groth16.verify");
            verify_alone += r.gasUsed.to::<u64>();
            separate_tx += l1.send(&app, L1Tx::call(harness, call.abi_encode())).await?.gas_used;
        }

        // The inclusion check of the last proof (the longest path), metered from a contract.
        let last = entries.last().expect("at least one proof");
        let (_, path) =
            agg.store().inclusion(last.proof_id())?.ok_or_else(|| eyre::eyre!("no inclusion"))?;
        let check = ProofAggregator::isProofVerifiedCall {
            _circuitId: last.circuit_id,
            _publicInputs: last.inputs.clone(),
            _merkleProof: path.clone(),
        };
        let m = view(
            &*l1,
            harness,
            Groth16Harness::measureCall { _target: at, _data: Bytes::from(check.abi_encode()) },
        )
        .await?;
        ensure!(m.success && m.result.last() == Some(&1), "isProofVerified is not true");
        Ok(Row {
            label,
            n: entries.len(),
            keys: distinct.len(),
            aggregate: gas[0],
            aggregate_later: gas.get(1).copied(),
            submit,
            separate_tx,
            verify_alone,
            inclusion: m.gasUsed.to::<u64>(),
            path: path.len(),
        })
    })?
}

fn print(rows: &[Row]) {
    println!("Proof aggregation on the embedded L1 (revm, Osaka; gas per proof unless said)");
    println!();
    println!(
        "| batch | aggregate tx | aggregate / proof | aggregate / proof, a later batch | pairings (N + 3·keys) | submit / proof | submit + aggregate / proof | separate tx / proof (baseline) | Groth16.verify alone / proof | saving vs separate | inclusion check (path) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let n = r.n as u64;
        let per = r.aggregate / n;
        let submit = r.submit / n;
        let submit_cell = if r.submit == 0 { "0 (RPC)".to_owned() } else { submit.to_string() };
        let separate = r.separate_tx / n;
        let later = r.aggregate_later.map_or_else(|| "–".to_owned(), |g| (g / n).to_string());
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1}x | {} ({} siblings) |",
            r.label,
            r.aggregate,
            per,
            later,
            r.n + 3 * r.keys,
            submit_cell,
            per + submit,
            separate,
            r.verify_alone / n,
            separate as f64 / (per + submit) as f64,
            r.inclusion,
            r.path,
        );
    }
    println!();
    println!(
        "aggregate / proof: the aggregate transaction (21,000 base included) over N, for the deployment's \
         first batch; a later batch: the next N proofs on the same deployment, which no longer create the batch \
         counter's slot (what every batch after the first costs); submit: the app's own \
         submit transaction (fee escrow, proof checks, event), none via RPC (the aggregate call checks each \
         payer's latest fee voucher once and charges its prepaid balance once); saving: separate over submit + aggregate; separate: one transaction per proof with the key, \
         proof and input as calldata (Groth16Harness.verify); Groth16.verify alone: metered inside that call, \
         the floor of any single-proof verifier."
    );
}
