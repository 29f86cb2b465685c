//! The TEE leg end to end on the embedded L1: a dev enclave attests, the council registers it at
//! zero delay, the prover worker re-executes real posted batches and approves them through
//! `MultiProofFinality.attestTee`; wrong claims, revoked, expired and disallowed signers are
//! refused, and two signatures over different roots for the same input freeze the leg.

mod common;

use std::time::Duration;

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolEvent};
use common::{CHAIN, DAY, System, finality_error, run};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use tribunal_contracts::{MultiProofFinality, TeeVerifier};
use tribunal_l1::{DevL1, L1, L1Dev};
use tribunal_node::tee::{
    HeldAttestations, RETRY_AFTER, TeeOutcome, TeeProver, claim_from_sol, register_call,
};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, Claim, Fr, PrivateKey, Signed, StateRoot, Transfer, Tx, Wei,
};
use tribunal_stf::{BatchOutput, StfConfig, execute_batch};
use tribunal_tee::{
    AttestationPolicy, DEFAULT_SIGNER_VALIDITY_SECS, DevEnclave, Enclave, EnclaveConfig, TeeError,
    TeeKind, verify_attestation,
};

type F = MultiProofFinality::MultiProofFinalityErrors;
const ETH: u128 = 10u128.pow(18);

fn metrics() -> &'static Snapshotter {
    static SNAPSHOTTER: std::sync::OnceLock<Snapshotter> = std::sync::OnceLock::new();
    SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder.install().unwrap();
        snapshotter
    })
}

fn wrong_claims_counted(field: &str) -> u64 {
    metrics()
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(k, ..)| {
            k.key().name() == "tribunal_tee_wrong_claims_total"
                && k.key().labels().any(|l| l.key() == "field" && l.value() == field)
        })
        .map(|(.., v)| match v {
            DebugValue::Counter(n) => n,
            other => panic!("{other:?}"),
        })
        .sum()
}

fn dev_enclave<L: L1Dev>(sys: &System<'_, L>, seed: u8) -> DevEnclave {
    let config = EnclaveConfig {
        stf: StfConfig::new(CHAIN),
        l1_chain_id: sys.l1_chain,
        finality: sys.d.finality,
    };
    DevEnclave::new(config, PrivateKeySigner::from_bytes(&B256::repeat_byte(seed)).unwrap())
        .unwrap()
}

/// Verifies the enclave's attestation (dev allowed) and has the council allow its measurement
/// and register it for the default 90 days, both at zero delay.
async fn register<L: L1Dev>(sys: &System<'_, L>, enclave: &DevEnclave) -> u64 {
    let policy = AttestationPolicy { allow_insecure_dev: true, ..Default::default() };
    let attested =
        verify_attestation(&enclave.attestation().unwrap(), CHAIN.0, &policy, 0).unwrap();
    assert_eq!(attested.kind, TeeKind::DevInsecure);
    let allow =
        TeeVerifier::setMeasurementCall { _measurement: attested.measurement.0, _allowed: true };
    sys.council(sys.d.tee_verifier, allow.abi_encode()).await.unwrap();
    let now = sys.l1.head().await.unwrap().timestamp;
    let expires_at = now + DEFAULT_SIGNER_VALIDITY_SECS;
    let (_, r) = sys
        .council(sys.d.tee_verifier, register_call(&attested, expires_at).abi_encode())
        .await
        .unwrap();
    eprintln!("gas council submit(registerSigner): {}", r.gas_used);
    let event = r.logs.iter().find_map(|l| TeeVerifier::SignerRegistered::decode_log(l).ok());
    let event = event.expect("SignerRegistered");
    assert_eq!((event.signer, event.kind), (enclave.signer(), 0), "recorded as DevInsecure");
    assert_eq!(event.evidenceHash, attested.evidence_hash);
    let insecure = sys
        .view(sys.d.tee_verifier, TeeVerifier::isInsecureCall { _signer: enclave.signer() })
        .await;
    assert!(insecure, "the registry says the signer is INSECURE");
    expires_at
}

async fn status<L: L1Dev>(sys: &System<'_, L>, id: u64) -> MultiProofFinality::Status {
    sys.view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) }).await
}

fn signed_by(sys: &System<'_, DevL1>, key: &PrivateKeySigner, claim: &Claim) -> Bytes {
    let digest = claim.tee_signing_hash(sys.l1_chain, sys.d.finality);
    key.sign_hash_sync(&digest).unwrap().as_bytes().to_vec().into()
}

/// A fresh deployment on a leaked embedded L1 (so the worker can run as a spawned service next
/// to the test's own handle), with dev enclave `seed` registered and its prover worker at
/// genesis.
async fn deployed_with_worker(
    seed: u8,
) -> (System<'static, DevL1>, TeeProver<&'static DevL1, DevEnclave>) {
    deployed_with_worker_on(DevL1::new(), seed).await
}

/// [`deployed_with_worker`] on `l1`.
async fn deployed_with_worker_on(
    l1: DevL1,
    seed: u8,
) -> (System<'static, DevL1>, TeeProver<&'static DevL1, DevEnclave>) {
    let l1: &'static DevL1 = Box::leak(Box::new(l1));
    let sys = System::deploy(l1).await;
    let enclave = dev_enclave(&sys, seed);
    register(&sys, &enclave).await;
    let genesis = tribunal_stf::State::new(StfConfig::new(CHAIN)).unwrap();
    let worker =
        TeeProver::new(l1, enclave, sys.d.inbox, sys.d.finality, sys.stranger.clone(), genesis);
    (sys, worker)
}

#[test]
fn the_prover_worker_approves_real_claims_and_refuses_wrong_ones() {
    run(async {
        metrics();
        let (mut sys, mut worker) = deployed_with_worker(0x41).await;

        // Batch 1: two deposits. The honest claim is approved; a rival with a wrong post root is
        // refused, alerted, and never approved.
        let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));
        let (_, out1) = sys.deposit_batch(&[&alice, &bob]).await;
        let honest = sys.claim(&out1).await;
        let id1 = sys.propose(&honest).await.unwrap();
        let wrong = Claim { post_root: StateRoot(Fr::from(66u64)), ..honest };
        let id_wrong = sys.propose(&wrong).await.unwrap();
        let before = wrong_claims_counted("post_root");
        let outcomes = worker.poll().await.unwrap();
        assert_eq!(outcomes.len(), 2);
        let signer = dev_enclave(&sys, 0x41).signer();
        assert!(
            matches!(outcomes[0], (id, TeeOutcome::Attested { signer: s, gas_used }) if id == id1 && s == signer && gas_used > 0)
        );
        eprintln!("gas attestTee: {outcomes:?}");
        assert!(matches!(
            &outcomes[1],
            (id, TeeOutcome::Refused(TeeError::Disagree { field: "post_root", .. })) if *id == id_wrong
        ));
        assert_eq!(
            wrong_claims_counted("post_root"),
            before + 1,
            "the mismatch raises the alert metric"
        );
        let s1 = status(&sys, id1).await;
        assert!(s1.tee && !s1.isFinal, "TEE alone approves but never finalizes");
        assert!(!status(&sys, id_wrong).await.tee);
        // Nothing new: a second poll does nothing.
        assert!(worker.poll().await.unwrap().is_empty());

        // ZK agrees: final at once (rule 1).
        sys.prove_zk(id1, System::<DevL1>::zk_proof(&honest)).await.unwrap();
        assert!(status(&sys, id1).await.isFinal);

        // Batch 2: a transfer. The worker follows batch 1 from its blobs and approves batch 2.
        let t = Signed::sign(
            Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(ETH / 4), nonce: 0 },
            CHAIN,
            &alice,
        );
        let b2 = Batch { chain_id: CHAIN, number: BatchNumber(2), txs: vec![Tx::Transfer(t)] };
        let out2 = execute_batch(&mut sys.state, &b2).unwrap();
        sys.post(&sys.sequencer, &b2, 2).await.unwrap();
        let claim2 = sys.claim(&out2).await;
        let id2 = sys.propose(&claim2).await.unwrap();
        // A claim over the right roots with another data commitment is refused too.
        let id2_bad_data = sys
            .propose(&Claim {
                data_commitment: tribunal_primitives::DataCommitment(Fr::from(5u64)),
                ..claim2
            })
            .await
            .unwrap();
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[0], (id, TeeOutcome::Attested { .. }) if id == id2));
        assert!(matches!(
            &outcomes[1],
            (_, TeeOutcome::Refused(TeeError::Disagree { field: "data_commitment", .. }))
        ));
        assert_eq!(worker.state().root(), out1.post_root, "the replica followed batch 1");
        assert!(status(&sys, id2).await.tee);
        assert!(!status(&sys, id2_bad_data).await.tee);

        // A signature over batch 2's claim does not approve the wrong rival of batch 1: it
        // recovers to another address, which is not a registered signer.
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x41)).unwrap();
        let e = sys.attest_tee(id_wrong, signed_by(&sys, &key, &claim2)).await.unwrap_err();
        assert!(matches!(finality_error(&e), F::Finality_InvalidSigner(_)), "{e}");

        // The worker as a service: it picks up a claim within its polling interval, then stops.
        let b3 = Batch { chain_id: CHAIN, number: BatchNumber(3), txs: vec![] };
        let out3 = execute_batch(&mut sys.state, &b3).unwrap();
        sys.post(&sys.sequencer, &b3, 2).await.unwrap();
        let id3 = sys.propose(&sys.claim(&out3).await).await.unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let service = tokio::spawn(async move {
            worker.run(std::time::Duration::from_millis(20), shutdown).await;
        });
        let mut approved = false;
        for _ in 0..500 {
            if status(&sys, id3).await.tee {
                approved = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        stop.send(true).unwrap();
        service.await.unwrap();
        assert!(approved, "the running worker approved batch 3");
    });
}

/// On anvil, with its `anvil_reorg`: the worker's attestation lands, a reorg drops its block,
/// and the node's re-send (what the TEE service does after a reorg) sends it again, once; a
/// reorg deeper than `max_reorg_depth` is reported critical.
#[test]
fn on_anvil_a_dropped_attestation_is_sent_again_once() {
    use tribunal_l1::anvil::Anvil;
    use tribunal_node::{
        Store,
        follow::{Follower, Reorgs, Resent, resend_dropped},
    };
    run(async {
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        let l1: &'static tribunal_l1::RpcL1 = Box::leak(Box::new(anvil.rpc().unwrap()));
        let mut sys = System::deploy(l1).await;
        let enclave = dev_enclave(&sys, 0x42);
        register(&sys, &enclave).await;
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(
            Store::open(&dir.path().join("node.redb"), StfConfig::new(CHAIN)).unwrap(),
        );
        let genesis = tribunal_stf::State::new(StfConfig::new(CHAIN)).unwrap();
        let sender = sys.stranger.clone();
        let mut worker =
            TeeProver::new(l1, enclave, sys.d.inbox, sys.d.finality, sender.clone(), genesis)
                .with_sent_log(store.clone());
        let reorgs = Reorgs::default();
        let mut follower = Follower::new(l1, store.clone(), 2, reorgs).unwrap();
        follower.poll().await.unwrap();

        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let (_, out) = sys.deposit_batch(&[&alice]).await;
        let id = sys.propose(&sys.claim(&out).await).await.unwrap();
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(i, TeeOutcome::Attested { .. })] if i == id));
        assert!(status(&sys, id).await.tee);
        follower.poll().await.unwrap();

        l1.reorg(1, &[]).await.unwrap();
        let r = follower.poll().await.unwrap().expect("the follower notices");
        assert_eq!((r.depth, r.critical), (1, false));
        assert!(!status(&sys, id).await.tee, "the attestation is gone with its block");
        let needed: fn(&MultiProofFinality::Status) -> bool = |s| !(s.tee || s.isFinal);
        let f = sys.d.finality;
        let resent = resend_dropped(l1, &store, "tee", &sender, f, r.fork, needed).await.unwrap();
        assert!(matches!(resent[..], [Resent::Again { claim, .. }] if claim == id), "{resent:?}");
        assert!(status(&sys, id).await.tee, "approved again");
        let again = resend_dropped(l1, &store, "tee", &sender, f, r.fork, needed).await.unwrap();
        assert!(again.is_empty(), "and only once: {again:?}");
        let approvals = l1
            .logs(f, 0)
            .await
            .unwrap()
            .iter()
            .filter_map(|l| MultiProofFinality::Approved::decode_log(&l.log).ok())
            .filter(|e| e.id == U256::from(id) && e.leg == 1)
            .count();
        assert_eq!(approvals, 1, "one attestation on the canonical chain");

        // Deeper than max_reorg_depth (2): critical.
        for _ in 0..4 {
            l1.mine().await.unwrap();
        }
        follower.poll().await.unwrap();
        l1.reorg(4, &[]).await.unwrap();
        let r = follower.poll().await.unwrap().expect("the deep reorg");
        assert_eq!((r.depth, r.critical), (4, true));
    });
}

/// Attack (review finding): the sequencer, or anyone once forced inclusion is due, posts a batch
/// with one transfer that fails a rule (a forged signature, a replayed nonce). The STF refused
/// such a batch, so the TEE could approve no claim of it, ZK could not prove it, every challenge
/// won, and every later batch waited for it as its parent: finality halted for good. Now the
/// failing transfer is skipped; the TEE approves the batch and the one after it.
#[test]
fn a_batch_with_failing_sequencer_transactions_is_still_approved() {
    run(async {
        let (mut sys, mut worker) = deployed_with_worker(0x42).await;
        let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));
        let (_, out1) = sys.deposit_batch(&[&alice, &bob]).await;
        let id1 = sys.propose(&sys.claim(&out1).await).await.unwrap();

        let transfer = |key: &PrivateKey, amount: u128, nonce: u64| {
            let body =
                Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(amount), nonce };
            Tx::Transfer(Signed::sign(body, CHAIN, key))
        };
        let good = transfer(&alice, ETH / 4, 0);
        let forged = transfer(&bob, ETH / 4, 1);
        let replayed = good;
        let b2 =
            Batch { chain_id: CHAIN, number: BatchNumber(2), txs: vec![good, forged, replayed] };
        let out2 = execute_batch(&mut sys.state, &b2).expect("the batch has a post state");
        assert_eq!(out2.skipped().map(|(i, _)| i).collect::<Vec<_>>(), [1, 2]);
        sys.post(&sys.sequencer, &b2, 2).await.unwrap();
        let id2 = sys.propose(&sys.claim(&out2).await).await.unwrap();
        let b3 =
            Batch { chain_id: CHAIN, number: BatchNumber(3), txs: vec![transfer(&alice, 1, 1)] };
        let out3 = execute_batch(&mut sys.state, &b3).unwrap();
        assert!(out3.skipped().next().is_none());
        sys.post(&sys.sequencer, &b3, 2).await.unwrap();
        let id3 = sys.propose(&sys.claim(&out3).await).await.unwrap();

        let outcomes = worker.poll().await.unwrap();
        for id in [id1, id2, id3] {
            assert!(
                outcomes.iter().any(|(i, o)| *i == id && matches!(o, TeeOutcome::Attested { .. })),
                "claim {id} approved: {outcomes:?}"
            );
            assert!(status(&sys, id).await.tee);
        }
    });
}

#[test]
fn revoked_expired_and_disallowed_signers_are_refused_and_self_disagreement_freezes_the_leg() {
    run(async {
        let l1 = DevL1::new();
        let mut sys = System::deploy(&l1).await;
        let (a, b) = (dev_enclave(&sys, 0x51), dev_enclave(&sys, 0x52));
        let expires_a = register(&sys, &a).await;
        register(&sys, &b).await;
        let key = |seed| PrivateKeySigner::from_bytes(&B256::repeat_byte(seed)).unwrap();
        let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));
        let (batch1, out1) = sys.deposit_batch(&[&alice, &bob]).await;
        let claim = sys.claim(&out1).await;
        let id = sys.propose(&claim).await.unwrap();
        let blobs = tribunal_da::encode_blobs(&batch1.encode()).unwrap();
        let genesis = tribunal_stf::State::new(StfConfig::new(CHAIN)).unwrap();
        let request = tribunal_tee::ProveRequest {
            claim,
            blobs,
            messages: batch1.messages().to_vec(),
            parent: genesis.witness_for(&batch1),
        };
        let sig_a: Bytes = a.prove(&request).unwrap().signature.to_vec().into();
        let sig_b: Bytes = b.prove(&request).unwrap().signature.to_vec().into();

        // Revoked: refused from the next transaction on, and its approval stops counting.
        sys.attest_tee(id, sig_a.clone()).await.unwrap();
        assert!(status(&sys, id).await.tee);
        let revoke = TeeVerifier::revokeSignerCall { _signer: a.signer() };
        sys.council(sys.d.tee_verifier, revoke.abi_encode()).await.unwrap();
        assert!(!status(&sys, id).await.tee, "a revoked signer's approvals stop counting");
        let e = sys.attest_tee(id, sig_a.clone()).await.unwrap_err();
        assert!(
            matches!(finality_error(&e), F::Finality_InvalidSigner(s) if s.signer == a.signer())
        );

        // Measurement removed by the council at zero delay: B is refused from the next block.
        sys.attest_tee(id, sig_b.clone()).await.unwrap();
        assert!(status(&sys, id).await.tee);
        let remove =
            TeeVerifier::setMeasurementCall { _measurement: b.measurement().0, _allowed: false };
        let (_, r) = sys.council(sys.d.tee_verifier, remove.abi_encode()).await.unwrap();
        let e = sys.attest_tee(id, sig_b.clone()).await.unwrap_err();
        assert!(matches!(finality_error(&e), F::Finality_InvalidSigner(_)));
        assert!(!status(&sys, id).await.tee);
        assert!(
            sys.l1.head().await.unwrap().number == r.block_number,
            "refused in the very next block"
        );
        let allow =
            TeeVerifier::setMeasurementCall { _measurement: b.measurement().0, _allowed: true };
        sys.council(sys.d.tee_verifier, allow.abi_encode()).await.unwrap();
        assert!(status(&sys, id).await.tee, "allowed again at zero delay");

        // Expired: a signer registered for 90 days is refused after them.
        let c = dev_enclave(&sys, 0x53);
        register(&sys, &c).await;
        let sig_c: Bytes = c.prove(&request).unwrap().signature.to_vec().into();
        let now = sys.l1.head().await.unwrap().timestamp;
        assert!(expires_a > now + 89 * DAY);
        sys.l1.increase_time(DEFAULT_SIGNER_VALIDITY_SECS + 1).await.unwrap();
        sys.l1.mine().await.unwrap();
        let e = sys.attest_tee(id, sig_c).await.unwrap_err();
        assert!(matches!(finality_error(&e), F::Finality_InvalidSigner(_)), "expired");
        assert!(!status(&sys, id).await.tee, "expired signers' approvals stop counting too");

        // Re-register B and C for another 90 days, then let them disagree with each other: B (a
        // compromised enclave, its key used outside the re-execution) signs a wrong root for the
        // same input that the TEE leg approved already. That approval itself freezes the leg
        // (rule 5 at approval); the same signatures as evidence find it frozen.
        register(&sys, &b).await;
        register(&sys, &c).await;
        let honest_id = id;
        let wrong = Claim { post_root: StateRoot(Fr::from(66u64)), ..claim };
        let wrong_id = sys.propose(&wrong).await.unwrap();
        let honest_sig: Bytes = c.prove(&request).unwrap().signature.to_vec().into();
        let wrong_sig = signed_by(&sys, &key(0x52), &wrong);
        let r = sys.attest_tee(wrong_id, wrong_sig.clone()).await.unwrap();
        assert!(r.logs.iter().any(|l| MultiProofFinality::LegFrozen::decode_log(l).is_ok()));
        assert!(sys.view(sys.d.finality, MultiProofFinality::frozenCall(U256::from(1))).await);
        let call = MultiProofFinality::proveSelfDisagreementCall {
            _leg: 1,
            _a: sys.proposed(honest_id).await,
            _b: sys.proposed(wrong_id).await,
            _evidenceA: honest_sig.clone(),
            _evidenceB: wrong_sig,
        };
        let e = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&e), F::Finality_AlreadyFrozen(_)), "{e}");
        // From then on the TEE leg counts as zero, even for the honest claim.
        sys.attest_tee(honest_id, honest_sig).await.unwrap();
        assert!(!status(&sys, honest_id).await.tee, "a frozen leg counts as zero");
        assert!(
            sys.view(sys.d.finality, MultiProofFinality::instantUpgradeAllowedCall { _leg: 1 })
                .await,
            "the council may replace the TEE verifier at once"
        );
    });
}

/// A worker of dev enclave `seed`, on an L1 that can reorg 4 blocks, that holds its signatures
/// for the ZK prover for an hour (refused ones retried after `retry_after`), and the output of
/// batch 1, posted: deposits for alice (`0xa1…`) and bob (`0xb0…`).
async fn holding_worker(
    seed: u8,
    retry_after: Duration,
) -> (System<'static, DevL1>, TeeProver<&'static DevL1, DevEnclave>, HeldAttestations, BatchOutput)
{
    let (mut sys, worker) = deployed_with_worker_on(DevL1::with_reorg_window(4), seed).await;
    let held = HeldAttestations::with_retry_after(retry_after);
    let worker = worker.hold_for_zk(held.clone(), Duration::from_secs(3_600));
    let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));
    let (_, out) = sys.deposit_batch(&[&alice, &bob]).await;
    (sys, worker, held, out)
}

/// Batch 2 after [`holding_worker`]'s batch 1, one transfer of 10 wei from alice to bob: executed,
/// posted and proposed. Returns its claim's id.
async fn propose_batch_2(sys: &mut System<'static, DevL1>) -> u64 {
    let alice = PrivateKey::from_bytes([0xa1; 32]);
    let t = Signed::sign(
        Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(10), nonce: 0 },
        CHAIN,
        &alice,
    );
    let b2 = Batch { chain_id: CHAIN, number: BatchNumber(2), txs: vec![Tx::Transfer(t)] };
    let out2 = execute_batch(&mut sys.state, &b2).unwrap();
    sys.post(&sys.sequencer, &b2, 2).await.unwrap();
    sys.propose(&sys.claim(&out2).await).await.unwrap()
}

/// The claim with id `id` on L1.
async fn claim_of(sys: &System<'static, DevL1>, id: u64) -> Claim {
    claim_from_sol(id, &sys.proposed(id).await).unwrap()
}

/// A signature held for the ZK prover is sent by `proveAndAttest` when the ZK prover takes it,
/// and alone by the TEE worker when it is released (the ZK prover will not prove the claim) or
/// its hold runs out; never twice, and not at all once the claim is final.
#[test]
fn a_held_signature_goes_with_the_proof_or_alone_never_lost() {
    run(async {
        let (mut sys, mut worker, held, out1) = holding_worker(0x42, RETRY_AFTER).await;
        let c1 = sys.claim(&out1).await;
        let id1 = sys.propose(&c1).await.unwrap();
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(id, TeeOutcome::Held { .. })] if id == id1));
        assert_eq!(held.lowest(), Some(id1));
        assert!(!status(&sys, id1).await.tee, "held, not sent");

        // The ZK prover takes it and sends both in one transaction: final at once. Taken, it is
        // in flight: the TEE worker does not send it too.
        let h = held.take(id1, &c1).expect("held");
        assert_eq!(held.take(id1, &c1), None, "in flight");
        let call = MultiProofFinality::proveAndAttestCall {
            _c: sys.proposed(id1).await,
            _proof: System::<DevL1>::zk_proof(&c1),
            _signature: h.signature.clone(),
        };
        sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
        assert!(status(&sys, id1).await.isFinal);
        assert!(worker.poll().await.unwrap().is_empty(), "nothing to send while in flight");
        assert_eq!(held.lowest(), Some(id1), "kept until the sender says it landed");
        // The sender saw an error although its transaction landed, and gives it back: the TEE
        // worker sees the claim final and sends nothing.
        held.give_back(id1);
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(_, TeeOutcome::AlreadyApproved)]), "{outcomes:?}");
        assert_eq!(held.lowest(), None);

        // Released by the ZK prover (it will not prove this one): the TEE sends it alone.
        let id2 = propose_batch_2(&mut sys).await;
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(id, TeeOutcome::Held { .. })] if id == id2));
        held.release(id2);
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(id, TeeOutcome::Attested { .. })] if id == id2));
        assert!(status(&sys, id2).await.tee && held.lowest().is_none());
    });
}

/// Review finding: a held signature that L1 refuses for good (its signer revoked meanwhile) was
/// retried before every new claim, so the worker stopped attesting. It is retried without
/// blocking new claims, and given up after `MAX_SEND_ATTEMPTS`.
#[test]
fn a_refused_held_signature_never_blocks_new_claims() {
    run(async {
        let (mut sys, mut worker, held, out1) = holding_worker(0x43, Duration::ZERO).await;
        let id1 = sys.propose(&sys.claim(&out1).await).await.unwrap();
        assert!(matches!(worker.poll().await.unwrap()[..], [(_, TeeOutcome::Held { .. })]));
        // The council revokes the signer (zero delay); ZK will not prove the claim.
        let signer = dev_enclave(&sys, 0x43).signer();
        let revoke = TeeVerifier::revokeSignerCall { _signer: signer };
        sys.council(sys.d.tee_verifier, revoke.abi_encode()).await.unwrap();
        held.release(id1);
        // A new claim arrives: every poll handles it, whatever happens to the dead signature.
        let b2 = Batch { chain_id: CHAIN, number: BatchNumber(2), txs: vec![] };
        let out2 = execute_batch(&mut sys.state, &b2).unwrap();
        sys.post(&sys.sequencer, &b2, 2).await.unwrap();
        let id2 = sys.propose(&sys.claim(&out2).await).await.unwrap();
        let first = worker.poll().await.expect("a refused signature is no error of the poll");
        assert!(first.iter().any(|(id, o)| *id == id2 && matches!(o, TeeOutcome::Held { .. })));
        let mut gave_up = false;
        for _ in 0..tribunal_node::tee::MAX_SEND_ATTEMPTS {
            let outcomes = worker.poll().await.unwrap();
            gave_up |= outcomes
                .iter()
                .any(|(id, o)| *id == id1 && matches!(o, TeeOutcome::NotSent { .. }));
        }
        assert!(gave_up, "dropped after {} refusals", tribunal_node::tee::MAX_SEND_ATTEMPTS);
        assert_eq!(held.lowest(), Some(id2), "the dead signature no longer holds the cursor");
        assert!(!status(&sys, id1).await.tee);
    });
}

/// CI finding (`l1-reorg`): a bundle that failed gave its signature back, the TEE worker sent it
/// alone, and a rewind made the worker sign the claim again and hold the new signature, which
/// the ZK prover then sent with its proof: a second TEE approval of one claim. A claim TEE
/// already approves is never held again.
#[test]
fn a_claim_signed_again_after_a_rewind_gets_no_second_approval() {
    run(async {
        let (sys, mut worker, held, out1) = holding_worker(0x44, RETRY_AFTER).await;
        let c1 = sys.claim(&out1).await;
        let id1 = sys.propose(&c1).await.unwrap();
        assert!(matches!(worker.poll().await.unwrap()[..], [(_, TeeOutcome::Held { .. })]));
        // The ZK prover's `proveAndAttest` fails: the signature goes alone.
        held.take(id1, &c1).expect("held");
        held.give_back(id1);
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(id, TeeOutcome::Attested { .. })] if id == id1));
        // A reorg rewinds the worker to the claim, which L1 keeps: signed again, not held.
        worker.rewind(id1);
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(_, TeeOutcome::AlreadyApproved)]), "{outcomes:?}");
        assert_eq!(held.take(id1, &c1), None, "nothing for the ZK prover to send again");
    });
}

/// Review finding: a rewind once forgot the held signatures of the claims it went back over,
/// counting on signing them again while the worker could not (it kept only its head state). The
/// signatures stay held, for the ZK prover or to go alone, and the claim is signed again.
#[test]
fn held_signatures_survive_a_rewind() {
    run(async {
        let (mut sys, mut worker, held, out1) = holding_worker(0x46, RETRY_AFTER).await;
        let id1 = sys.propose(&sys.claim(&out1).await).await.unwrap();
        let id2 = propose_batch_2(&mut sys).await;
        let outcomes = worker.poll().await.unwrap();
        assert!(outcomes.iter().all(|(_, o)| matches!(o, TeeOutcome::Held { .. })), "{outcomes:?}");
        worker.rewind(id1);
        let outcomes = worker.poll().await.unwrap();
        assert!(
            matches!(outcomes[0], (id, TeeOutcome::Held { .. }) if id == id1),
            "the worker's replica keeps the state before batch 1: {outcomes:?}"
        );
        for id in [id1, id2] {
            assert!(held.take(id, &claim_of(&sys, id).await).is_some(), "claim {id} is still held");
        }
    });
}

/// Review finding (issue 25): the worker kept only its head state, so a claim of batch 2
/// handled first (anyone may propose it before batch 1's claim, or the node's proposer may still
/// be waiting on batch 1) moved it past batch 1, whose claim it then could not judge: batch 1
/// lost its TEE approval, and every batch after it the instant path. Claims in any order are
/// judged.
#[test]
fn claims_proposed_out_of_batch_order_are_all_approved() {
    run(async {
        let (mut sys, mut worker) = deployed_with_worker(0x47).await;
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let bob = PrivateKey::from_bytes([0xb0; 32]);
        let (_, out1) = sys.deposit_batch(&[&alice, &bob]).await;
        let c1 = sys.claim(&out1).await;
        let id2 = propose_batch_2(&mut sys).await;
        let id1 = sys.propose(&c1).await.unwrap();
        let outcomes = worker.poll().await.unwrap();
        assert!(
            matches!(
                outcomes[..],
                [(a, TeeOutcome::Attested { .. }), (b, TeeOutcome::Attested { .. })]
                    if a == id2 && b == id1
            ),
            "{outcomes:?}"
        );
        assert!(status(&sys, id1).await.tee && status(&sys, id2).await.tee);
    });
}

/// CI finding (`l1-reorg`): a reorg whose new chain included the attestation again, in another
/// block, made the re-sender forget it (the chain had it); a second reorg that dropped that block
/// then lost the approval for good, and finality stopped at the claim. The record follows the
/// approval to its new block.
#[test]
fn an_attestation_a_reorg_included_again_is_sent_again_when_a_later_reorg_drops_it() {
    use tribunal_node::{
        Store,
        follow::{Follower, Reorgs, Resent, resend_dropped},
    };
    run(async {
        let (mut sys, worker) = deployed_with_worker_on(DevL1::with_reorg_window(16), 0x45).await;
        let l1 = sys.l1;
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(
            Store::open(&dir.path().join("node.redb"), StfConfig::new(CHAIN)).unwrap(),
        );
        let mut worker = worker.with_sent_log(store.clone());
        let mut follower = Follower::new(l1, store.clone(), 8, Reorgs::default()).unwrap();
        follower.poll().await.unwrap();
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let (_, out) = sys.deposit_batch(&[&alice]).await;
        let id = sys.propose(&sys.claim(&out).await).await.unwrap();
        let outcomes = worker.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(i, TeeOutcome::Attested { .. })] if i == id));
        follower.poll().await.unwrap();
        let needed: fn(&MultiProofFinality::Status) -> bool = |s| !(s.tee || s.isFinal);
        let (f, sender) = (sys.d.finality, sys.stranger.clone());

        // The attestation's block is dropped, and the new chain includes it again.
        l1.reorg_keeping(1, |_| true).unwrap();
        let r = follower.poll().await.unwrap().expect("the follower notices");
        assert!(status(&sys, id).await.tee, "included again");
        let resent = resend_dropped(l1, &store, "tee", &sender, f, r.fork, needed).await.unwrap();
        assert!(matches!(resent[..], [Resent::NotNeeded { claim }] if claim == id), "{resent:?}");

        // A second reorg drops it for good: sent again.
        l1.mine().await.unwrap();
        follower.poll().await.unwrap();
        l1.reorg(2, &[]).await.unwrap();
        let r = follower.poll().await.unwrap().expect("the second reorg");
        assert!(!status(&sys, id).await.tee, "gone with its block");
        let resent = resend_dropped(l1, &store, "tee", &sender, f, r.fork, needed).await.unwrap();
        assert!(matches!(resent[..], [Resent::Again { claim, .. }] if claim == id), "{resent:?}");
        assert!(status(&sys, id).await.tee, "approved again");
    });
}

/// Review finding: held signatures were keyed by claim id alone. After an L1 reorg drops a
/// proposal, the id may come back with another claim, which the held signature does not sign:
/// bundled with the ZK proof or sent alone, L1 would refuse it (gas for nothing, and up to
/// `MAX_SEND_ATTEMPTS` tries). The ZK prover does not get it, and the TEE worker drops it.
#[test]
fn a_held_signature_over_a_claim_a_reorg_replaced_is_dropped() {
    run(async {
        for release in [false, true] {
            let (sys, mut worker, held, out1) = holding_worker(0x47, RETRY_AFTER).await;
            let c1 = sys.claim(&out1).await;
            let id1 = sys.propose(&c1).await.unwrap();
            assert!(matches!(worker.poll().await.unwrap()[..], [(_, TeeOutcome::Held { .. })]));
            // A reorg drops the proposal, and another claim of batch 1 takes its id.
            sys.l1.reorg(1, &[]).await.unwrap();
            let mut other = c1;
            other.post_root = other.parent_root;
            assert_eq!(sys.propose(&other).await.unwrap(), id1, "the id is reused");
            assert_eq!(claim_of(&sys, id1).await, other);
            if release {
                // The ZK prover will not prove it: due, the TEE worker drops it instead of sending.
                held.release(id1);
                let outcomes = worker.poll().await.unwrap();
                assert!(
                    matches!(&outcomes[..], [(id, TeeOutcome::NotSent { reason })]
                        if *id == id1 && reason.contains("reorg")),
                    "{outcomes:?}"
                );
            } else {
                assert_eq!(held.take(id1, &other), None, "not for the ZK prover's new claim");
            }
            assert_eq!(held.lowest(), None, "dropped");
            assert!(!status(&sys, id1).await.tee);
        }
    });
}
