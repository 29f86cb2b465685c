//! `ProofAggregator` and the aggregator service on the embedded L1, with Groth16 proofs from four
//! independent producers: gnark (SP1 v4 and v6), RISC Zero's wrapper (v3 and v5 receipts),
//! snarkjs, and arkworks (this repository's sample circuit).

use std::{path::Path, sync::Arc};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use tribunal_aggregation::{
    Aggregator, Policy, Store,
    batch::{self, Entry, FeeVoucher, Submission},
    client::{ClientError, Submitter},
    contract::{self, AggregatorParams},
    groth16::circuit_id,
    merkle,
    rpc::{self, AggregatorApiClient, codes},
    sample::SampleCircuit,
    store::Status,
    vector::TestVector,
};
use tribunal_contracts::ProofAggregator::{self, ProofAggregatorErrors};
use tribunal_l1::{DevL1, L1, L1Dev, L1Error, L1Tx, dev_signers, view};

fn run(f: impl std::future::Future<Output = ()> + Send + 'static) {
    tribunal_l1::block_on_blob_threads(f).unwrap();
}

fn vectors() -> Vec<TestVector> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testing/fixtures/groth16");
    TestVector::read_dir(&dir).unwrap()
}

fn aggregator_error(e: &L1Error) -> ProofAggregatorErrors {
    ProofAggregatorErrors::abi_decode(e.revert_data().expect("a revert"))
        .expect("an aggregator error")
}

struct Env {
    l1: Arc<DevL1>,
    keys: Vec<PrivateKeySigner>,
    contract: Address,
    params: AggregatorParams,
}

impl Env {
    async fn new() -> Self {
        let l1 = Arc::new(DevL1::new());
        let keys = dev_signers();
        let params = AggregatorParams::new(keys[0].address());
        let contract = contract::deploy(&*l1, &keys[0], params).await.unwrap();
        Self { l1, keys, contract, params }
    }

    async fn service(&self, store: Store, policy: Policy) -> Aggregator<Arc<DevL1>> {
        Aggregator::new(self.l1.clone(), self.keys[0].clone(), self.contract, store, policy)
            .await
            .unwrap()
    }

    async fn register(&self, vk: &tribunal_aggregation::groth16::VerifyingKey) -> B256 {
        contract::register(&*self.l1, &self.keys[9], self.contract, vk).await.unwrap()
    }

    /// The sample circuit of `seed`, registered, and a payer (key 8) that has prepaid 10^15 wei:
    /// `(circuit, payer, deposit, chain id, fee per submission of 1,000 wei)`.
    async fn prepaid_payer(
        &self,
        seed: u64,
    ) -> (SampleCircuit, &PrivateKeySigner, U256, u64, U256) {
        let sample = SampleCircuit::setup(seed);
        self.register(&sample.vk()).await;
        let payer = &self.keys[8];
        let deposit = U256::from(10u64.pow(15));
        contract::deposit(&*self.l1, payer, self.contract, deposit).await.unwrap();
        let chain_id = self.l1.chain_id().await.unwrap();
        (sample, payer, deposit, chain_id, U256::from(1_000u64))
    }

    async fn verified(&self, e: &Entry, path: &[B256]) -> bool {
        contract::is_proof_verified(&*self.l1, self.contract, e.circuit_id, &e.inputs, path)
            .await
            .unwrap()
    }

    /// Asserts that the aggregator's batch `plan` reverts with `Aggregator_BatchInvalid` and
    /// records nothing.
    async fn batch_is_refused(&self, plan: &batch::BatchPlan, what: &str) {
        let call = L1Tx::call(self.contract, plan.call.abi_encode());
        let e = self.l1.send(&self.keys[0], call).await.unwrap_err();
        assert!(
            matches!(aggregator_error(&e), ProofAggregatorErrors::Aggregator_BatchInvalid(_)),
            "{what}"
        );
        let at = view(&*self.l1, self.contract, ProofAggregator::verifiedAtCall(plan.root));
        assert!(at.await.unwrap().is_zero(), "{what}: nothing recorded");
    }

    async fn travel(&self, seconds: u64) {
        self.l1.increase_time(seconds).await.unwrap();
        self.l1.mine().await.unwrap();
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("aggregator.redb")).unwrap();
    (dir, store)
}

/// Post as soon as anything is pending.
const NOW: Policy = Policy { max_proofs: 128, max_age_secs: 0 };
/// Post only when a deadline comes near.
const HOLD: Policy = Policy { max_proofs: 1_000, max_age_secs: u64::MAX / 2 };

#[test]
fn proofs_of_five_circuits_from_four_producers_verify_in_one_call() {
    run(async {
        let env = Env::new().await;
        let vectors = vectors();
        let valid: Vec<&TestVector> = vectors.iter().filter(|v| v.valid).collect();
        assert_eq!(valid.len(), 5, "SP1 v4, SP1 v6, RISC Zero v3 and v5, snarkjs");

        // Keys register under the id the Rust side computes; RISC Zero's two receipts share one.
        let mut circuits = std::collections::BTreeSet::new();
        for v in &valid {
            let id = env.register(&v.vk).await;
            assert_eq!(id, circuit_id(&v.vk), "{}", v.name);
            assert!(
                v.circuit().unwrap().verify(&v.proof, &v.inputs).unwrap(),
                "{} verifies natively",
                v.name
            );
            circuits.insert(id);
        }
        let sample = SampleCircuit::setup(1);
        circuits.insert(env.register(&sample.vk()).await);
        assert_eq!(circuits.len(), 5);

        // Each third-party proof is its own on-chain submission; three arkworks proofs are one.
        let mut submitted = Vec::new();
        for (i, v) in valid.iter().enumerate() {
            let from = &env.keys[1 + i % 3];
            let (sub, _) =
                contract::submit(&*env.l1, from, env.contract, &[v.entry()]).await.unwrap();
            submitted.push((sub.id, vec![v.entry()]));
        }
        let mine: Vec<Entry> = (0..3).map(|i| sample.prove(i)).collect();
        let (sub, r) = contract::submit(&*env.l1, &env.keys[4], env.contract, &mine).await.unwrap();
        let id = sub.id;
        assert_eq!(id, batch::submission_id(&mine));
        eprintln!("submit of 3 proofs: {} gas", r.gas_used);
        submitted.push((id, mine));

        let (_dir, store) = store();
        let agg = env.service(store, NOW).await;
        let report = agg.step().await.unwrap();
        assert_eq!(report.collected, 6);
        let posted = report.posted.expect("one batch");
        assert_eq!(
            (posted.proofs, posted.submissions),
            (8, 6),
            "every proof in ONE aggregate call"
        );
        eprintln!("aggregate of 8 proofs under 5 keys (8 + 15 pairings): {} gas", posted.gas_used);
        // Eight separate verification transactions cost about 8 × 230k (BENCHMARKS.md).
        assert!(posted.gas_used < 8 * 200_000, "cheaper than verifying each: {}", posted.gas_used);

        // The contract recorded the root the Rust side computed, and every proof is verified
        // with the path the store serves; a changed input is not.
        let at = view(&*env.l1, env.contract, ProofAggregator::verifiedAtCall(posted.root))
            .await
            .unwrap();
        assert!(!at.is_zero());
        for (sub, entries) in &submitted {
            assert_eq!(
                agg.store().record(*sub).unwrap().unwrap().status,
                Status::Aggregated { root: posted.root }
            );
            for e in entries {
                let (root, path) = agg.store().inclusion(e.proof_id()).unwrap().unwrap();
                assert_eq!(root, posted.root);
                assert!(env.verified(e, &path).await);
                let mut other = e.clone();
                other.inputs[0] ^= U256::from(1);
                assert!(!env.verified(&other, &path).await);
            }
        }
        // The fees were earned: 8 proofs at the posted fee.
        let earned = view(&*env.l1, env.contract, ProofAggregator::earningsCall {}).await.unwrap();
        assert_eq!(U256::from(earned), env.params.fee_per_proof * U256::from(8));
    });
}

#[test]
fn every_must_fail_vector_is_refused_and_a_bad_proof_sinks_its_batch_and_is_named() {
    run(async {
        let env = Env::new().await;
        let vectors = vectors();
        let bad: Vec<&TestVector> = vectors.iter().filter(|v| !v.valid).collect();
        assert_eq!(bad.len(), 5);
        let sample = SampleCircuit::setup(2);
        env.register(&sample.vk()).await;
        let (_dir, store) = store();
        let agg = env.service(store, HOLD).await;
        let cheat = &env.keys[5];

        for (k, v) in bad.iter().enumerate() {
            env.register(&v.vk).await;
            assert!(
                !v.circuit().unwrap().verify(&v.proof, &v.inputs).unwrap(),
                "{} fails natively",
                v.name
            );
            // Well-formed, so `submit` takes it (it checks no pairing) ...
            let honest = sample.prove(k as u64);
            let (good, _) =
                contract::submit(&*env.l1, &env.keys[1], env.contract, &[honest]).await.unwrap();
            let (bad_sub, _) =
                contract::submit(&*env.l1, cheat, env.contract, &[v.entry()]).await.unwrap();
            let bad_id = bad_sub.id;
            let subs = [good, bad_sub];
            // ... but a batch holding it reverts whole, and nothing is recorded.
            env.batch_is_refused(&batch::plan(&subs).unwrap(), v.name.as_str()).await;
            // Off chain, verifying each singly names the bad submission and its submitter.
            let culprits = agg.find_invalid(&subs).await.unwrap();
            assert_eq!(culprits.len(), 1, "{}", v.name);
            assert_eq!(
                (culprits[0].submission, culprits[0].submitter, culprits[0].index),
                (bad_id, cheat.address(), 0)
            );
            // Forcing it after the deadline fails too: it is not a valid proof.
            env.travel(env.params.aggregation_deadline + 1).await;
            let e = contract::force(&*env.l1, cheat, env.contract, &subs[1]).await.unwrap_err();
            assert!(matches!(
                aggregator_error(&e),
                ProofAggregatorErrors::Aggregator_InvalidProof(_)
            ));
        }

        // The service rejects every bad submission on chain (keeping the fee) and, the honest ones
        // being past their deadlines, batches them at once whatever its policy says.
        let report = agg.step().await.unwrap();
        assert_eq!((report.collected, report.rejected), (10, 5));
        assert_eq!(report.posted.expect("due: deadlines passed").proofs, 5);
        for v in &bad {
            let id = batch::submission_id(&[v.entry()]);
            assert!(matches!(
                agg.store().record(id).unwrap().unwrap().status,
                Status::Rejected { index: Some(0), .. }
            ));
            let pending =
                view(&*env.l1, env.contract, ProofAggregator::submissionsCall(id)).await.unwrap();
            assert_eq!(pending, B256::ZERO, "dropped on chain");
        }
    });
}

#[test]
fn a_censored_submission_is_forced_singly_and_refunded_from_collateral() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(3);
        env.register(&sample.vk()).await;
        let entries: Vec<Entry> = (10..12).map(|i| sample.prove(i)).collect();
        let alice = &env.keys[6];
        let (sub, _) = contract::submit(&*env.l1, alice, env.contract, &entries).await.unwrap();
        let id = sub.id;

        // Too early: the aggregator still has time.
        let e = contract::force(&*env.l1, &env.keys[7], env.contract, &sub).await.unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_DeadlineNotPassed(_)
        ));

        // The aggregator censors it; after the deadline a stranger forces it for alice.
        env.travel(env.params.aggregation_deadline + 1).await;
        let before = env.l1.balance(alice.address()).await.unwrap();
        let r = contract::force(&*env.l1, &env.keys[7], env.contract, &sub).await.unwrap();
        eprintln!("forceVerify of 2 proofs: {} gas", r.gas_used);
        let refund = env.params.fee_per_proof * U256::from(2)
            + env.params.censorship_penalty * U256::from(2);
        assert_eq!(
            env.l1.balance(alice.address()).await.unwrap(),
            before + refund,
            "fee back plus the penalty"
        );
        let collateral =
            view(&*env.l1, env.contract, ProofAggregator::collateralCall {}).await.unwrap();
        assert_eq!(
            collateral,
            env.params.collateral - env.params.censorship_penalty * U256::from(2)
        );

        // The submission's own root is now verified: apps use its Merkle paths.
        let ids: Vec<B256> = entries.iter().map(Entry::proof_id).collect();
        for (i, e) in entries.iter().enumerate() {
            assert!(env.verified(e, &merkle::path(&ids, i).unwrap()).await);
        }
        // Forcing twice finds nothing pending; the service sees it forced and never batches it.
        let e = contract::force(&*env.l1, &env.keys[7], env.contract, &sub).await.unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_UnknownSubmission(_)
        ));
        let (_dir, store) = store();
        let agg = env.service(store, NOW).await;
        let report = agg.step().await.unwrap();
        assert_eq!(agg.store().record(id).unwrap().unwrap().status, Status::Forced);
        assert!(report.posted.is_none());
    });
}

#[test]
fn offchain_submissions_pay_by_signed_voucher_and_bad_ones_get_typed_errors() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(4);
        let circuit = env.register(&sample.vk()).await;
        let bob = &env.keys[8];
        contract::deposit(&*env.l1, bob, env.contract, U256::from(10u64.pow(15))).await.unwrap();
        let (_dir, store) = store();
        let agg = Arc::new(env.service(store, HOLD).await);
        let (addr, handle) = rpc::serve(agg.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let client = jsonrpsee::http_client::HttpClientBuilder::default()
            .build(format!("http://{addr}"))
            .unwrap();
        let info = client.info().await.unwrap();
        assert_eq!(info.contract, env.contract);

        let chain_id = info.chain_id;
        let fee = info.fee_per_proof;
        let two = fee * U256::from(2);
        let entries = vec![sample.prove(1), sample.prove(2)];
        let id = batch::submission_id(&entries);
        let zero = FixedBytes::<20>::ZERO;
        let sign = |signer: &PrivateKeySigner, head, id, fee| {
            FeeVoucher::sign(signer, head, id, fee, chain_id, env.contract)
        };
        // The digest is the contract's.
        let v = sign(bob, zero, id, two);
        let onchain = view(
            &*env.l1,
            env.contract,
            ProofAggregator::feeVoucherDigestCall { _voucher: v.sol() },
        )
        .await
        .unwrap();
        assert_eq!(onchain, v.digest(chain_id, env.contract));

        let code = |r: Result<B256, jsonrpsee::core::ClientError>| match r.unwrap_err() {
            jsonrpsee::core::ClientError::Call(e) => e.code(),
            e => panic!("{e}"),
        };
        let mut forged = v.clone();
        forged.submitter = env.keys[7].address();
        assert_eq!(code(client.submit(entries.clone(), forged).await), codes::BAD_VOUCHER);
        assert_eq!(
            code(client.submit(entries.clone(), sign(bob, zero, id, fee)).await),
            codes::BAD_VOUCHER,
            "fee of one proof"
        );
        let mut cheaper = v.clone();
        cheaper.fee -= U256::from(1);
        assert_eq!(
            code(client.submit(entries.clone(), cheaper).await),
            codes::BAD_VOUCHER,
            "a fee other than the one its chain links"
        );
        assert_eq!(
            code(client.submit(entries.clone(), sign(bob, v.chain, id, two)).await),
            codes::BAD_VOUCHER,
            "a chain that does not start at the charged head"
        );
        assert_eq!(
            code(client.submit(entries[..1].to_vec(), v.clone()).await),
            codes::BAD_VOUCHER,
            "a voucher for other proofs"
        );
        let mut wrong = entries.clone();
        wrong[1].inputs[0] += U256::from(1);
        let wrong_id = batch::submission_id(&wrong);
        assert_eq!(
            code(client.submit(wrong, sign(bob, zero, wrong_id, two)).await),
            codes::INVALID_PROOF
        );
        let rich = sign(bob, zero, id, U256::from(10u64.pow(16)));
        assert_eq!(
            code(client.submit(entries.clone(), rich).await),
            codes::BAD_VOUCHER,
            "more than the balance"
        );
        assert!(agg.store().pending().unwrap().is_empty(), "nothing refused was stored");

        assert_eq!(client.submit(entries.clone(), v.clone()).await.unwrap(), id);
        assert_eq!(code(client.submit(entries.clone(), v.clone()).await), codes::DUPLICATE);
        assert_eq!(client.get_chain_head(bob.address()).await.unwrap(), v.chain, "pending head");
        // The next voucher continues the pending one's chain.
        let third = vec![sample.prove(3)];
        let id3 = batch::submission_id(&third);
        assert_eq!(
            code(client.submit(third.clone(), sign(bob, zero, id3, fee)).await),
            codes::BAD_VOUCHER,
            "a chain that skips the pending submission"
        );
        let v3 = sign(bob, v.chain, id3, fee);
        assert_eq!(client.submit(third.clone(), v3.clone()).await.unwrap(), id3);

        let pending: Vec<_> =
            agg.store().pending().unwrap().into_iter().map(|r| r.submission).collect();
        let posted = agg.post(&pending).await.unwrap();
        assert_eq!(posted.proofs, 3);
        let balance = view(
            &*env.l1,
            env.contract,
            ProofAggregator::balanceOfCall { _submitter: bob.address() },
        );
        assert_eq!(balance.await.unwrap(), U256::from(10u64.pow(15)) - fee * U256::from(3));
        let head = view(
            &*env.l1,
            env.contract,
            ProofAggregator::chargedChainOfCall { _submitter: bob.address() },
        );
        assert_eq!(head.await.unwrap(), v3.chain);
        let status = client.get_submission(id).await.unwrap().unwrap();
        assert_eq!(status.status, Status::Aggregated { root: posted.root });

        for e in entries.iter().chain(&third) {
            let inc = client.get_inclusion(circuit, e.inputs.clone()).await.unwrap().unwrap();
            assert_eq!(inc.root, posted.root);
            assert!(env.verified(e, &inc.merkle_proof).await);
        }
        assert!(client.get_inclusion(circuit, vec![U256::from(7)]).await.unwrap().is_none());
        assert_eq!(client.get_chain_head(bob.address()).await.unwrap(), v3.chain, "charged head");

        // `client::Submitter` signs on from that head. A payer with no balance is refused,
        // typed, with nothing stored; a retry of a held submission is no error.
        let url = format!("http://{addr}");
        let cap = U256::from(10u64.pow(15));
        let broke = Submitter::new(&url, env.keys[7].clone(), cap).unwrap();
        match broke.submit(&*env.l1, env.contract, vec![sample.prove(4)]).await {
            Err(e @ ClientError::Refused { code, .. }) => {
                assert_eq!(code, codes::BAD_VOUCHER);
                assert!(!e.is_temporary());
            }
            other => panic!("{other:?}"),
        }
        assert!(agg.store().pending().unwrap().is_empty());
        let bobs = Submitter::new(&url, bob.clone(), cap).unwrap();
        let e5 = sample.prove(5);
        let id5 = bobs.submit(&*env.l1, env.contract, vec![e5.clone()]).await.unwrap();
        let again = bobs.submit(&*env.l1, env.contract, vec![e5.clone()]).await.unwrap();
        assert_eq!(again, id5, "a retry");
        let wait = std::time::Duration::from_millis(10);
        let e = bobs.verified(&*env.l1, env.contract, e5.clone(), wait, wait).await.unwrap_err();
        assert!(matches!(e, ClientError::Timeout { id, .. } if id == id5), "{e}");
        let pending: Vec<_> =
            agg.store().pending().unwrap().into_iter().map(|r| r.submission).collect();
        assert_eq!(pending.len(), 1, "submitted once");
        agg.post(&pending).await.unwrap();
        // Charged now: whatever the aggregator says of it, it is not signed or sent again.
        let e = bobs.submit(&*env.l1, env.contract, vec![e5.clone()]).await.unwrap_err();
        assert!(matches!(e, ClientError::AlreadyCharged { id } if id == id5), "{e}");
        let inc = bobs.verified(&*env.l1, env.contract, e5.clone(), wait, wait).await.unwrap();
        assert!(env.verified(&e5, &inc.merkle_proof).await);
        handle.stop().unwrap();
    });
}

/// The aggregator writes the `aggregate` call, so it chooses which vouchers, positions and
/// fees it names: it must not charge for a submission it leaves out, charge a voucher twice,
/// change a fee, or pass malformed positions.
#[test]
fn an_aggregator_charges_a_voucher_only_for_every_submission_it_covers_and_only_once() {
    run(async {
        let owned = Env::new().await;
        let env = &owned;
        let (sample, bob, deposit, chain_id, fee) = env.prepaid_payer(6).await;
        let entries: Vec<Entry> = (10..13).map(|i| sample.prove(i)).collect();
        let ids: Vec<B256> =
            entries.iter().map(|e| batch::submission_id(std::slice::from_ref(e))).collect();
        let mut head = FixedBytes::<20>::ZERO;
        let v: Vec<FeeVoucher> = ids
            .iter()
            .map(|id| {
                let v = FeeVoucher::sign(bob, head, *id, fee, chain_id, env.contract);
                head = v.chain;
                v
            })
            .collect();
        let sub = |i: usize, voucher: FeeVoucher| Submission {
            id: ids[i],
            source: batch::Source::Offchain(voucher),
            entries: vec![entries[i].clone()],
        };
        let send = |call: ProofAggregator::aggregateCall| {
            let tx = L1Tx::call(env.contract, call.abi_encode());
            async move { env.l1.send(&env.keys[0], tx).await }
        };
        let refused = |subs: Vec<Submission>| {
            let call = batch::plan(&subs).unwrap().call;
            async move { aggregator_error(&send(call).await.unwrap_err()) }
        };
        let mismatch = |e: ProofAggregatorErrors| matches!(e, ProofAggregatorErrors::Aggregator_VoucherMismatch(x) if x.submitter == bob.address());
        let balance = || {
            view(
                &*env.l1,
                env.contract,
                ProofAggregator::balanceOfCall { _submitter: bob.address() },
            )
        };

        // The latest voucher with a submission left out: charging it would take the fee of
        // one that was never verified.
        assert!(mismatch(refused(vec![sub(0, v[0].clone()), sub(2, v[2].clone())]).await));
        // Out of order.
        assert!(mismatch(refused(vec![sub(1, v[1].clone()), sub(0, v[0].clone())]).await));
        // A fee other than signed: the chain links each fee.
        let mut higher = v[1].clone();
        higher.fee += U256::from(1);
        assert!(mismatch(refused(vec![sub(0, v[0].clone()), sub(1, higher)]).await));
        // Another submitter's voucher, or a changed signature.
        let mut forged = v[1].clone();
        forged.signature =
            FeeVoucher::sign(&env.keys[7], v[0].chain, ids[1], fee, chain_id, env.contract)
                .signature;
        assert!(matches!(
            refused(vec![sub(0, v[0].clone()), sub(1, forged)]).await,
            ProofAggregatorErrors::Aggregator_BadSignature(_)
        ));
        // A fee marked as repeated where the signed one differs: the flag is only an encoding,
        // the chain still links the fee signed.
        let dearer =
            FeeVoucher::sign(bob, v[0].chain, ids[1], fee + U256::from(1), chain_id, env.contract);
        let mut call = batch::plan(&[sub(0, v[0].clone()), sub(1, dearer)]).unwrap().call;
        let honest = call._offchain[0].submissions.to_vec();
        assert_eq!(honest.len(), 30, "fees differ: both written out");
        let mut flagged = honest[..15].to_vec();
        flagged.extend_from_slice(&[honest[15] | batch::REPEATED_FEE, honest[16], honest[17]]);
        call._offchain[0].submissions = flagged.into();
        assert!(mismatch(aggregator_error(&send(call).await.unwrap_err())));
        // Malformed packed submissions: none, a proof count of zero or above 16, positions or fee
        // cut short, a repeated fee on the first submission (there is none to repeat).
        let plan = batch::plan(&[sub(0, v[0].clone())]).unwrap();
        for packed in [
            vec![],
            vec![0u8],
            vec![1u8, 0],
            vec![1u8, 0, 0, 0, 0],
            vec![0x81u8, 0, 0],
            vec![0x41u8, 0, 0],
            vec![0x82u8, 0, 0, 0, 0],
        ] {
            let mut call = plan.call.clone();
            call._offchain[0].submissions = packed.into();
            let e = aggregator_error(&send(call).await.unwrap_err());
            assert!(matches!(e, ProofAggregatorErrors::Aggregator_MalformedCharge(_)), "{e:?}");
        }
        assert_eq!(balance().await.unwrap(), deposit, "nothing charged");

        // The first two, honestly: charged once, for both.
        send(batch::plan(&[sub(0, v[0].clone()), sub(1, v[1].clone())]).unwrap().call)
            .await
            .unwrap();
        assert_eq!(balance().await.unwrap(), deposit - fee * U256::from(2));
        // Replayed: the charged head has moved on.
        assert!(mismatch(refused(vec![sub(0, v[0].clone()), sub(1, v[1].clone())]).await));
        assert!(mismatch(refused(vec![sub(1, v[1].clone())]).await));
        // The third, signed with a high s (its malleable twin, which the service accepts: it
        // recovers the same signer): the charge sends the low-s form the contract takes.
        let mut high = v[2].clone();
        let low: alloy_primitives::Signature = high.signature.as_ref().try_into().unwrap();
        let n = U256::from_str_radix(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
            16,
        )
        .unwrap();
        let twin = alloy_primitives::Signature::new(low.r(), n - low.s(), !low.v());
        high.signature = twin.as_bytes().to_vec().into();
        assert_ne!(high.signature, v[2].signature);
        assert!(high.is_signed(chain_id, env.contract));
        send(batch::plan(&[sub(2, high)]).unwrap().call).await.unwrap();
        assert_eq!(balance().await.unwrap(), deposit - fee * U256::from(3));
    });
}

/// A submission that leaves the queue (here its batch refused it; it may also be taken over by
/// an on-chain submission of the same id) breaks its submitter's chain: the vouchers after it
/// can never be charged. They are rejected before the next batch, which goes through, and the
/// submitter sends them again with vouchers from its charged head.
#[test]
fn a_broken_voucher_chain_costs_only_the_submissions_after_the_break_and_they_can_come_again() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(8);
        env.register(&sample.vk()).await;
        let (bob, carol) = (&env.keys[8], &env.keys[7]);
        for who in [bob, carol] {
            contract::deposit(&*env.l1, who, env.contract, U256::from(10u64.pow(15)))
                .await
                .unwrap();
        }
        let (_dir, store) = store();
        let agg = env.service(store, NOW).await;
        let chain_id = env.l1.chain_id().await.unwrap();
        let fee = env.params.fee_per_proof;
        let send = |who: &PrivateKeySigner, head, e: &Entry| {
            let id = batch::submission_id(std::slice::from_ref(e));
            let v = FeeVoucher::sign(who, head, id, fee, chain_id, env.contract);
            let (agg, e) = (&agg, e.clone());
            async move { (agg.submit_offchain(vec![e], v.clone()).await.unwrap(), v.chain) }
        };
        let entries: Vec<Entry> = (20..24).map(|i| sample.prove(i)).collect();
        let (b0, h0) = send(bob, FixedBytes::ZERO, &entries[0]).await;
        let (b1, h1) = send(bob, h0, &entries[1]).await;
        let (b2, _) = send(bob, h1, &entries[2]).await;
        let (c0, _) = send(carol, FixedBytes::ZERO, &entries[3]).await;
        // Bob's second submission leaves the queue.
        let gone = Status::Rejected { index: None, reason: "test".into() };
        agg.store().set_status(&[(b1, gone)]).unwrap();

        let posted = agg.post_due().await.unwrap().unwrap();
        assert_eq!(posted.proofs, 2, "bob's first, and carol's, in one batch");
        let status = |id| agg.store().record(id).unwrap().unwrap().status;
        assert!(matches!(status(b0), Status::Aggregated { .. }));
        assert!(matches!(status(c0), Status::Aggregated { .. }));
        assert!(matches!(status(b2), Status::Rejected { .. }), "after the break");

        // Sent again from the charged head, both go through.
        let head = view(
            &*env.l1,
            env.contract,
            ProofAggregator::chargedChainOfCall { _submitter: bob.address() },
        )
        .await
        .unwrap();
        assert_eq!(head, h0);
        let (again1, h1) = send(bob, head, &entries[1]).await;
        let (again2, _) = send(bob, h1, &entries[2]).await;
        assert_eq!((again1, again2), (b1, b2));
        assert_eq!(agg.post_due().await.unwrap().unwrap().proofs, 2);
        assert!(matches!(status(b2), Status::Aggregated { .. }));
    });
}

#[test]
fn the_service_survives_restarts_and_settles_each_submission_once() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(5);
        env.register(&sample.vk()).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aggregator.redb");
        for i in 0..3 {
            contract::submit(&*env.l1, &env.keys[1], env.contract, &[sample.prove(i)])
                .await
                .unwrap();
        }
        // Collect, stop before posting.
        {
            let agg = env.service(Store::open(&path).unwrap(), HOLD).await;
            assert_eq!(agg.step().await.unwrap().collected, 3);
        }
        // A crash mid-send: the batch was written as in flight and landed on chain, but the
        // service died before recording it.
        let submissions: Vec<Submission> = {
            let store = Store::open(&path).unwrap();
            let pending: Vec<_> =
                store.pending().unwrap().into_iter().map(|r| r.submission).collect();
            assert_eq!(pending.len(), 3, "pending survived the restart");
            let plan = batch::plan(&pending[..2]).unwrap();
            let record = tribunal_aggregation::store::BatchRecord {
                proof_ids: plan.proof_ids.clone(),
                submissions: plan.submissions.clone(),
                tx_hash: B256::ZERO,
                block_number: 0,
                gas_used: 0,
            };
            store.set_inflight(Some((plan.root, &record))).unwrap();
            env.l1
                .send(&env.keys[0], L1Tx::call(env.contract, plan.call.abi_encode()))
                .await
                .unwrap();
            pending
        };
        // Restart: the landed batch is recorded, the third submission is still pending, a rescan
        // finds nothing new, and the next batch holds only the third.
        let agg = env.service(Store::open(&path).unwrap(), NOW).await;
        for s in &submissions[..2] {
            assert!(matches!(
                agg.store().record(s.id).unwrap().unwrap().status,
                Status::Aggregated { .. }
            ));
            let (_, p) = agg.store().inclusion(s.entries[0].proof_id()).unwrap().unwrap();
            assert!(env.verified(&s.entries[0], &p).await);
        }
        let report = agg.step().await.unwrap();
        assert_eq!(report.collected, 0);
        assert_eq!(report.posted.unwrap().proofs, 1);
        assert!(agg.store().pending().unwrap().is_empty());
        assert_eq!(agg.store().batch_count().unwrap(), 2);
    });
}

#[test]
fn an_inner_node_never_passes_for_a_proof() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(6);
        env.register(&sample.vk()).await;
        let entries: Vec<Entry> = (0..4).map(|i| sample.prove(i)).collect();
        contract::submit(&*env.l1, &env.keys[1], env.contract, &entries).await.unwrap();
        let (_dir, store) = store();
        let posted = env.service(store, NOW).await.step().await.unwrap().posted.unwrap();
        let ids: Vec<B256> = entries.iter().map(Entry::proof_id).collect();
        // The node over leaves 0 and 1, offered as (circuitId, [input]) = its two children.
        let (l0, l1) = (merkle::leaf(ids[0]), merkle::leaf(ids[1]));
        let (lo, hi) = if l0 <= l1 { (l0, l1) } else { (l1, l0) };
        let upper = merkle::node(merkle::leaf(ids[2]), merkle::leaf(ids[3]));
        assert_eq!(merkle::process(merkle::node(l0, l1), &[upper]), posted.root);
        let forged = contract::is_proof_verified(
            &*env.l1,
            env.contract,
            lo,
            &[U256::from_be_bytes(hi.0)],
            &[upper],
        )
        .await
        .unwrap();
        assert!(!forged);
    });
}

/// What the aggregator must not get away with, and what a submitter must not replay: rejecting
/// a valid submission by showing another (bad) proof of its statements, withdrawing the
/// collateral that backs pending penalties, and a settled id submitted again.
#[test]
fn the_aggregator_cannot_reject_valid_proofs_or_free_reserved_collateral_and_ids_do_not_replay() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(8);
        env.register(&sample.vk()).await;
        let alice = &env.keys[6];
        let good = sample.prove(1);
        let (sub, _) = contract::submit(&*env.l1, alice, env.contract, std::slice::from_ref(&good))
            .await
            .unwrap();
        let record = sub.record().unwrap();
        let reject = |entry: &Entry, index: u64| ProofAggregator::rejectSubmissionCall {
            _circuitIds: vec![entry.circuit_id],
            _proofs: vec![entry.proof()],
            _publicInputs: vec![entry.inputs.clone()],
            _record: record.clone(),
            _index: U256::from(index),
        };
        // A bad proof of the same statement is not the submitted one.
        let mut forged = good.clone();
        forged.proof[6..].copy_from_slice(&good.proof[..2]);
        let e = env
            .l1
            .send(&env.keys[0], L1Tx::call(env.contract, reject(&forged, 0).abi_encode()))
            .await
            .unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_UnknownSubmission(_)
        ));
        let e = env
            .l1
            .send(&env.keys[0], L1Tx::call(env.contract, reject(&good, 0).abi_encode()))
            .await
            .unwrap_err();
        assert!(matches!(aggregator_error(&e), ProofAggregatorErrors::Aggregator_ProofValid(_)));

        // The penalty of the pending proof is reserved: only the rest of the collateral leaves.
        let reserved =
            view(&*env.l1, env.contract, ProofAggregator::reservedCollateralCall {}).await.unwrap();
        assert_eq!(reserved, env.params.censorship_penalty);
        let withdraw =
            |wei: U256| ProofAggregator::withdrawCollateralCall { _amount: wei }.abi_encode();
        let e = env
            .l1
            .send(&env.keys[0], L1Tx::call(env.contract, withdraw(env.params.collateral)))
            .await
            .unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_InsufficientCollateral(_)
        ));
        env.l1
            .send(
                &env.keys[0],
                L1Tx::call(env.contract, withdraw(env.params.collateral - reserved)),
            )
            .await
            .unwrap();
        // With no free collateral left, a new submission is still taken, with no penalty
        // reserved for it: it can be forced, for its fee back.
        let (late, _) =
            contract::submit(&*env.l1, alice, env.contract, &[sample.prove(2)]).await.unwrap();
        let shortfall = ProofAggregator::penaltyShortfallCall(late.id);
        assert_eq!(
            view(&*env.l1, env.contract, shortfall).await.unwrap(),
            env.params.censorship_penalty
        );

        // Aggregated (with the late one), the id is settled: submitting it again is refused, so
        // it cannot be resubmitted to be forced for a penalty.
        let (_dir, store) = store();
        let agg = env.service(store, NOW).await;
        assert_eq!(agg.step().await.unwrap().posted.unwrap().proofs, 2);
        assert!(
            view(&*env.l1, env.contract, ProofAggregator::reservedCollateralCall {})
                .await
                .unwrap()
                .is_zero()
        );
        let e = contract::submit(&*env.l1, alice, env.contract, &[good]).await.unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_DuplicateSubmission(_)
        ));
    });
}

/// Anyone can reserve the aggregator's free collateral with valid proofs of a cheap circuit of
/// their own, at the fee per proof (a hundredth of the penalty it reserves). The honest
/// submitter after them is still taken, with what penalty is left, and can be forced.
#[test]
fn a_collateral_hog_cannot_lock_out_honest_submitters() {
    run(async {
        let env = Env::new().await;
        let penalty = env.params.censorship_penalty;
        // The aggregator keeps collateral for 16 proofs' penalties.
        let keep = penalty * U256::from(16);
        let withdraw =
            ProofAggregator::withdrawCollateralCall { _amount: env.params.collateral - keep };
        env.l1.send(&env.keys[0], L1Tx::call(env.contract, withdraw.abi_encode())).await.unwrap();

        // The hog registers a circuit of its own and reserves all of it with 16 valid proofs.
        let hog = &env.keys[8];
        let cheap = SampleCircuit::setup(21);
        env.register(&cheap.vk()).await;
        let hogged: Vec<Entry> = (0..16).map(|i| cheap.prove(100 + i)).collect();
        contract::submit(&*env.l1, hog, env.contract, &hogged).await.unwrap();
        let reserved = ProofAggregator::reservedCollateralCall {};
        assert_eq!(view(&*env.l1, env.contract, reserved.clone()).await.unwrap(), keep);

        // Alice's submission is taken all the same, with its shortfall on record.
        let alice = &env.keys[6];
        let sample = SampleCircuit::setup(22);
        env.register(&sample.vk()).await;
        let mine: Vec<Entry> = (0..2).map(|i| sample.prove(i)).collect();
        let (sub, _) = contract::submit(&*env.l1, alice, env.contract, &mine).await.unwrap();
        let shortfall = ProofAggregator::penaltyShortfallCall(sub.id);
        assert_eq!(
            view(&*env.l1, env.contract, shortfall.clone()).await.unwrap(),
            penalty * U256::from(2)
        );

        // Censored, it is forced after the deadline: the fee comes back, and no collateral the
        // hog's submission reserved is paid out for it.
        env.travel(env.params.aggregation_deadline + 1).await;
        let before = env.l1.balance(alice.address()).await.unwrap();
        contract::force(&*env.l1, &env.keys[7], env.contract, &sub).await.unwrap();
        let refund = env.params.fee_per_proof * U256::from(2);
        assert_eq!(env.l1.balance(alice.address()).await.unwrap(), before + refund);
        assert_eq!(view(&*env.l1, env.contract, reserved.clone()).await.unwrap(), keep);
        assert!(view(&*env.l1, env.contract, shortfall).await.unwrap().is_zero());
        for (i, e) in mine.iter().enumerate() {
            let ids: Vec<B256> = mine.iter().map(Entry::proof_id).collect();
            assert!(env.verified(e, &merkle::path(&ids, i).unwrap()).await);
        }

        // The hog's proofs are aggregated, which frees the collateral again.
        let (_dir, store) = store();
        let agg = env.service(store, NOW).await;
        assert_eq!(agg.step().await.unwrap().posted.unwrap().proofs, 16);
        assert!(view(&*env.l1, env.contract, reserved).await.unwrap().is_zero());
    });
}

/// A front-runner who sees a statement coming submits it first with an invalid proof: the
/// honest submission is a duplicate of a pending one and is refused. The honest submitter then
/// verifies the statement at once, singly, against the front-runner's pending record.
#[test]
fn a_front_runner_with_an_invalid_proof_cannot_hold_up_a_statement() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(23);
        env.register(&sample.vk()).await;
        let good = sample.prove(7);
        let mut bad = good.clone();
        bad.proof[6..].copy_from_slice(&good.proof[..2]);
        let (runner, alice) = (&env.keys[8], &env.keys[6]);
        let (pending, _) =
            contract::submit(&*env.l1, runner, env.contract, &[bad.clone()]).await.unwrap();
        let e = contract::submit(&*env.l1, alice, env.contract, std::slice::from_ref(&good))
            .await
            .unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_DuplicateSubmission(_)
        ));

        // The front-runner's own proof does not verify; alice's does, and settles it now.
        let e = contract::verify_pending(&*env.l1, alice, env.contract, &pending, &[bad])
            .await
            .unwrap_err();
        assert!(matches!(aggregator_error(&e), ProofAggregatorErrors::Aggregator_InvalidProof(_)));
        let r = contract::verify_pending(
            &*env.l1,
            alice,
            env.contract,
            &pending,
            std::slice::from_ref(&good),
        )
        .await
        .unwrap();
        eprintln!("verifyPending of 1 proof: {} gas", r.gas_used);
        assert!(env.verified(&good, &merkle::path(&[good.proof_id()], 0).unwrap()).await);
        let credited = view(
            &*env.l1,
            env.contract,
            ProofAggregator::balanceOfCall { _submitter: runner.address() },
        )
        .await;
        assert_eq!(credited.unwrap(), env.params.fee_per_proof, "the fee is a credit, not a push");
        let reserved = ProofAggregator::reservedCollateralCall {};
        assert!(view(&*env.l1, env.contract, reserved).await.unwrap().is_zero());

        // The aggregator had it in a batch on its way: the batch still lands, and pays nothing
        // for it (else anyone could sink a batch by settling one of its submissions first).
        let (_dir, store) = store();
        let agg = env.service(store, NOW).await;
        let valid = Submission { entries: vec![good.clone()], ..pending.clone() };
        let posted = agg.post(&[valid]).await.unwrap();
        assert_eq!(posted.proofs, 1);
        assert!(
            view(&*env.l1, env.contract, ProofAggregator::earningsCall {}).await.unwrap().is_zero()
        );

        // Settled: neither can submit it again, and the service never batches it.
        let e = contract::submit(&*env.l1, alice, env.contract, &[good]).await.unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_DuplicateSubmission(_)
        ));
        assert!(agg.step().await.unwrap().posted.is_none());
        assert_eq!(agg.store().record(pending.id).unwrap().unwrap().status, Status::Forced);
    });
}

/// A rejected id may come back with a valid proof of the same statement: the service takes it as
/// a new obligation and batches it (else its submitter could force it for a penalty).
#[test]
fn a_rejected_statement_resubmitted_with_a_valid_proof_is_batched() {
    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(9);
        env.register(&sample.vk()).await;
        let good = sample.prove(5);
        let mut bad = good.clone();
        bad.proof[6..].copy_from_slice(&good.proof[..2]);
        let (_dir, store) = store();
        let agg = env.service(store, HOLD).await;
        let (sub, _) =
            contract::submit(&*env.l1, &env.keys[6], env.contract, &[bad]).await.unwrap();
        assert_eq!(agg.step().await.unwrap().rejected, 1);
        let (again, _) =
            contract::submit(&*env.l1, &env.keys[6], env.contract, std::slice::from_ref(&good))
                .await
                .unwrap();
        assert_eq!(again.id, sub.id, "same statement, same id");
        let report = agg.step().await.unwrap();
        assert_eq!((report.collected, report.rejected), (1, 0));
        let posted = agg.post(&[again]).await.unwrap();
        let (root, path) = agg.store().inclusion(good.proof_id()).unwrap().unwrap();
        assert_eq!(root, posted.root);
        assert!(env.verified(&good, &path).await);
    });
}

/// The batch test's coefficients are the powers ρ^i of one challenge, so the first is 1 (which
/// saves two ecMul). Two proofs tampered so that their errors cancel under equal coefficients
/// (C + G in one, C − G in the other) would pass a check that fixed both; under 1 and ρ they sink
/// the batch, in either order.
#[test]
fn two_invalid_proofs_whose_errors_cancel_under_equal_coefficients_sink_the_batch() {
    use ark_bn254::{Bn254, Fr, G1Affine};
    use ark_ec::{AffineRepr, CurveGroup, pairing::Pairing};
    use ark_ff::{PrimeField, Zero};
    use tribunal_aggregation::groth16::{self, g1_words};

    run(async {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(11);
        env.register(&sample.vk()).await;
        let shift = G1Affine::generator();
        let tamper = |e: &Entry, sign: bool| {
            let mut p = groth16::proof_from_words(&e.proof()).unwrap();
            p.c = if sign { (p.c + shift).into_affine() } else { (p.c - shift).into_affine() };
            let mut t = e.clone();
            t.proof[6..].copy_from_slice(&g1_words(&p.c));
            t
        };
        let (bad0, bad1) = (tamper(&sample.prove(0), true), tamper(&sample.prove(1), false));

        // Each fails alone, but with both coefficients 1 the errors cancel: the attack is real.
        let circuit = groth16::Circuit::new(sample.vk()).unwrap();
        for bad in [&bad0, &bad1] {
            assert!(!circuit.verify(&bad.proof(), &bad.inputs).unwrap());
        }
        let vk = groth16::vk_from_words(&sample.vk()).unwrap();
        let pvk = ark_groth16::prepare_verifying_key(&vk);
        let input_point = |e: &Entry| {
            let x: Vec<Fr> = e
                .inputs
                .iter()
                .map(|u| Fr::from_be_bytes_mod_order(&u.to_be_bytes::<32>()))
                .collect();
            ark_groth16::Groth16::<Bn254>::prepare_inputs(&pvk, &x).unwrap()
        };
        let (p0, p1) = (
            groth16::proof_from_words(&bad0.proof()).unwrap(),
            groth16::proof_from_words(&bad1.proof()).unwrap(),
        );
        let unit = Bn254::multi_pairing(
            [
                -p0.a,
                -p1.a,
                (vk.alpha_g1 + vk.alpha_g1).into_affine(),
                (input_point(&bad0) + input_point(&bad1)).into_affine(),
                (p0.c + p1.c).into_affine(),
            ],
            [p0.b, p1.b, vk.beta_g2, vk.gamma_g2, vk.delta_g2],
        );
        assert!(unit.is_zero(), "unit coefficients accept the tampered pair");

        let (a, _) = contract::submit(&*env.l1, &env.keys[1], env.contract, &[bad0]).await.unwrap();
        let (b, _) = contract::submit(&*env.l1, &env.keys[2], env.contract, &[bad1]).await.unwrap();
        for subs in [[a.clone(), b.clone()], [b.clone(), a.clone()]] {
            env.batch_is_refused(&batch::plan(&subs).unwrap(), "tampered pair").await;
        }
        // Nor with each proof in a group of its own under the same key, which the contract
        // takes: a rule fixing the first coefficient of each group would accept this batch.
        let mut plan = batch::plan(&[a, b]).unwrap();
        let g = plan.call._groups.remove(0);
        for (proof, input) in g.proofs.iter().zip(&g.publicInputs) {
            plan.call._groups.push(ProofAggregator::Group {
                circuitId: g.circuitId,
                proofs: vec![proof.clone()],
                publicInputs: vec![*input],
            });
        }
        env.batch_is_refused(&plan, "one group per tampered proof").await;
    });
}

#[test]
fn a_batch_refuses_non_canonical_encodings_of_valid_proofs_at_any_position() {
    // The batch leaves the point checks to the precompiles (EIP-196 and EIP-197 fail on a
    // coordinate of P or more) and checks only the one value none of them reads: the y of the
    // first proof's A, which it negates itself. Each encoding below is of a valid proof's own
    // point, so only the canonicality rule refuses it.
    use ark_ff::PrimeField;
    let p = U256::from_limbs(ark_bn254::Fq::MODULUS.0);
    let r = U256::from_limbs(ark_bn254::Fr::MODULUS.0);
    run(async move {
        let env = Env::new().await;
        let sample = SampleCircuit::setup(2);
        env.register(&sample.vk()).await;
        let mut subs = Vec::new();
        for k in 0..3 {
            let (s, _) = contract::submit(&*env.l1, &env.keys[1], env.contract, &[sample.prove(k)])
                .await
                .unwrap();
            subs.push(s);
        }
        let honest = batch::plan(&subs).unwrap();
        type Tamper = fn(&mut ProofAggregator::Group, U256);
        let cases: [(&str, Tamper); 7] = [
            ("first A, y + P", |g, p| g.proofs[0].a[1] += p),
            ("first A, x + P", |g, p| g.proofs[0].a[0] += p),
            ("first C, y + P", |g, p| g.proofs[0].c[1] += p),
            ("second A, y + P", |g, p| g.proofs[1].a[1] += p),
            ("second C, x + P", |g, p| g.proofs[1].c[0] += p),
            ("second B, x_re + P", |g, p| g.proofs[1].b[1] += p),
            ("third B, y_im + P", |g, p| g.proofs[2].b[2] += p),
        ];
        for (what, tamper) in cases {
            let mut plan = honest.clone();
            tamper(&mut plan.call._groups[0], p);
            env.batch_is_refused(&plan, what).await;
        }
        // An input of r or more (the same statement, mod r) is named, not taken.
        let mut plan = honest.clone();
        plan.call._groups[0].publicInputs[1] += r;
        let call = L1Tx::call(env.contract, plan.call.abi_encode());
        let e = env.l1.send(&env.keys[0], call).await.unwrap_err();
        assert!(matches!(
            aggregator_error(&e),
            ProofAggregatorErrors::Aggregator_InputNotInField(x) if x.index == U256::from(1)
        ));
        // The honest encoding goes through.
        let call = L1Tx::call(env.contract, honest.call.abi_encode());
        env.l1.send(&env.keys[0], call).await.unwrap();
        let at = view(&*env.l1, env.contract, ProofAggregator::verifiedAtCall(honest.root));
        assert!(!at.await.unwrap().is_zero());
    });
}

#[test]
fn repeated_fees_are_packed_once_and_charged_for_every_submission() {
    run(async {
        let env = Env::new().await;
        let (sample, bob, deposit, chain_id, fee) = env.prepaid_payer(8).await;
        // One proof, two proofs, one proof, all at the same fee per submission: the second
        // takes the contract's general path, the third its one-proof path, both with the fee
        // left out.
        let parts: Vec<Vec<Entry>> = vec![
            vec![sample.prove(20)],
            vec![sample.prove(21), sample.prove(22)],
            vec![sample.prove(23)],
        ];
        let mut head = FixedBytes::<20>::ZERO;
        let subs: Vec<Submission> = parts
            .into_iter()
            .map(|entries| {
                let id = batch::submission_id(&entries);
                let v = FeeVoucher::sign(bob, head, id, fee, chain_id, env.contract);
                head = v.chain;
                Submission { id, source: batch::Source::Offchain(v), entries }
            })
            .collect();
        let plan = batch::plan(&subs).unwrap();
        let packed = plan.call._offchain[0].submissions.to_vec();
        assert_eq!(packed.len(), 15 + 5 + 3, "the fee written once");
        assert_eq!((packed[15], packed[20]), (2 | batch::REPEATED_FEE, 1 | batch::REPEATED_FEE));
        env.l1.send(&env.keys[0], L1Tx::call(env.contract, plan.call.abi_encode())).await.unwrap();
        let balance = ProofAggregator::balanceOfCall { _submitter: bob.address() };
        assert_eq!(
            view(&*env.l1, env.contract, balance).await.unwrap(),
            deposit - fee * U256::from(3)
        );
        let charged = ProofAggregator::chargedChainOfCall { _submitter: bob.address() };
        assert_eq!(view(&*env.l1, env.contract, charged).await.unwrap(), head);
    });
}

/// An aggregator answers the RPC, so it could lie to a submitter: a fee per proof far above the
/// contract's, a chain head with a link of its own (any submission, any fee) for the submitter's
/// next voucher to sign, "unknown" for a submission it holds (so that the submitter signs it
/// again, on top of its own link, and both get charged), and a Merkle path that proves nothing.
/// `client::Submitter` takes none of it: the fee comes from the contract and is capped, the head
/// from `chargedChainOf` and its own links (the aggregator's head only when it is one of those),
/// a submission sent again carries the same voucher, and a path counts only once
/// `isProofVerified` accepts it on L1. A fee raised past the cap by
/// the aggregator's operator (`setFee`) gets nothing signed.
#[test]
fn a_lying_aggregator_cannot_steer_what_a_submitter_signs() {
    use jsonrpsee::core::{RpcResult, async_trait};
    use std::{sync::Mutex, time::Duration};
    use tribunal_aggregation::rpc::{AggregatorApiServer, Inclusion, Info, SubmissionInfo};

    struct Liar {
        contract: Address,
        fake_head: FixedBytes<20>,
        signed: Arc<Mutex<Vec<(B256, FeeVoucher)>>>,
    }
    #[async_trait]
    impl AggregatorApiServer for Liar {
        async fn info(&self) -> RpcResult<Info> {
            Ok(Info {
                contract: self.contract,
                chain_id: 7,
                fee_per_proof: U256::from(10u64.pow(18)),
                pending_proofs: 0,
                batches: 0,
            })
        }
        async fn submit(&self, entries: Vec<Entry>, voucher: FeeVoucher) -> RpcResult<B256> {
            let id = batch::submission_id(&entries);
            self.signed.lock().unwrap().push((id, voucher));
            Ok(id)
        }
        async fn get_submission(&self, _: B256) -> RpcResult<Option<SubmissionInfo>> {
            Ok(None)
        }
        async fn get_inclusion(
            &self,
            circuit: B256,
            inputs: Vec<U256>,
        ) -> RpcResult<Option<Inclusion>> {
            Ok(Some(Inclusion {
                proof_id: tribunal_aggregation::groth16::proof_id(circuit, &inputs),
                root: B256::repeat_byte(9),
                merkle_proof: vec![B256::repeat_byte(8)],
            }))
        }
        async fn get_chain_head(&self, _: Address) -> RpcResult<FixedBytes<20>> {
            Ok(self.fake_head)
        }
    }

    run(async {
        let env = Env::new().await;
        let (sample, payer, _, chain_id, _) = env.prepaid_payer(11).await;
        let fee = view(&*env.l1, env.contract, ProofAggregator::feePerProofCall {}).await.unwrap();
        // The link the liar wants signed: its own submission at 0.1 ETH.
        let theirs = batch::submission_id(&[sample.prove(100)]);
        let fake_head = batch::next_chain(FixedBytes::ZERO, theirs, U256::from(10u64.pow(17)));
        let signed = Arc::new(Mutex::new(Vec::new()));
        let liar = Liar { contract: env.contract, fake_head, signed: signed.clone() };
        let server = jsonrpsee::server::Server::builder().build("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        let handle = server.start(liar.into_rpc());

        let cap = fee * U256::from(10);
        let submitter = Submitter::new(&format!("http://{addr}"), payer.clone(), cap).unwrap();
        let (first, second) = (sample.prove(1), vec![sample.prove(2), sample.prove(3)]);
        // `verified` of the first proof: the liar says it knows nothing of it and serves a path
        // of nothing; the submitter sends it on every poll, and waits out its time.
        let wait = Duration::from_millis(300);
        let every = Duration::from_millis(50);
        let e = submitter.verified(&*env.l1, env.contract, first.clone(), wait, every).await;
        assert!(matches!(e, Err(ClientError::Timeout { .. })), "{e:?}");
        let id2 = submitter.submit(&*env.l1, env.contract, second.clone()).await.unwrap();
        let signed = signed.lock().unwrap().clone();
        assert!(signed.len() >= 3, "sent on several polls: {}", signed.len());
        let id1 = batch::submission_id(std::slice::from_ref(&first));
        let (ones, twos): (Vec<_>, Vec<_>) = signed.iter().partition(|(id, _)| *id == id1);
        let v1 = &ones[0].1;
        assert!(ones.iter().all(|(_, v)| v == v1), "one voucher for the first, whatever the polls");
        let [(got, v2)] = &twos[..] else { panic!("{twos:?}") };
        assert_eq!(*got, id2);
        assert_eq!((v1.fee, v2.fee), (fee, fee * U256::from(2)), "the contract's fee");
        let head1 = batch::next_chain(FixedBytes::ZERO, id1, fee);
        assert_eq!(v1.chain, head1, "from the charged head, not the liar's");
        // The liar's head is none of the payer's links: the second goes from the charged head
        // too (a sibling of the first: a charge can take one of them, never both).
        let head2 = batch::next_chain(FixedBytes::ZERO, id2, v2.fee);
        assert_eq!(v2.chain, head2, "not from the liar's head");
        assert!(v1.is_signed(chain_id, env.contract) && v2.is_signed(chain_id, env.contract));

        // The operator raises the fee past the cap: nothing is signed.
        let raise = ProofAggregator::setFeeCall { _feePerProof: cap + U256::from(1) };
        env.l1.send(&env.keys[0], L1Tx::call(env.contract, raise.abi_encode())).await.unwrap();
        let e = submitter.submit(&*env.l1, env.contract, vec![sample.prove(4)]).await;
        assert!(matches!(e, Err(ClientError::FeeAboveCap { .. })), "{e:?}");
        handle.stop().unwrap();
    });
}
