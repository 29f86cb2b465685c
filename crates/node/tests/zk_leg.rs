//! The ZK leg end to end on the embedded L1: real batches posted in blobs, proven with the
//! Groth16 circuit at production depths, verified by the generated `ZkVerifier` inside
//! `MultiProofFinality.proveZk`.

mod common;

use std::path::PathBuf;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolConstructor, SolEvent};
use common::{CHAIN, System, enclave, finality_error, run};
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_l1::{DevL1, L1Dev};
use tribunal_node::deploy::LegImpl;
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw,
};
use tribunal_stf::{BatchOutput, execute_batch};
use tribunal_zk::{
    config::CircuitConfig,
    keys::{Keys, load_or_dev_setup},
    prover::{BatchProof, prove, verify},
    witness::BatchWitness,
};

const ETH: u128 = 10u128.pow(18);

fn keys() -> Keys {
    // Production depths (32, 10), two slots: a small circuit of the production shape.
    keys_of(2)
}

fn keys_of(slots: usize) -> Keys {
    let config = CircuitConfig { account_depth: 32, withdrawal_depth: 10, batch_size: slots };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zk-keys");
    load_or_dev_setup(&dir, &config).expect("dev keys")
}

async fn prove_posted<L: L1Dev>(
    sys: &System<'_, L>,
    keys: &Keys,
    batch: &Batch,
    out: &BatchOutput,
) -> (u64, BatchProof) {
    let claim = sys.claim(out).await;
    let id = sys.propose(&claim).await.unwrap();
    let blob = &tribunal_da::encode_blobs(&batch.encode()).unwrap()[0];
    let witness = BatchWitness::new(&keys.config, batch, out, blob).unwrap();
    assert_eq!(witness.claim, claim, "the prover's claim is the one proposed from the inbox");
    (id, prove(keys, witness).unwrap())
}

#[test]
fn real_proofs_of_real_batches_are_accepted_and_record_zk_approval() {
    run(async {
        let keys = keys();
        let l1 = DevL1::new();
        let code = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
        let mut sys = System::deploy_with(&l1, LegImpl::Create(Box::new(move |_| code))).await;
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let bob = PrivateKey::from_bytes([0xb0; 32]);

        // Batch 1: two deposits from the L1 queue.
        let (b1, out1) = sys.deposit_batch(&[&alice, &bob]).await;
        let (id1, proof1) = prove_posted(&sys, &keys, &b1, &out1).await;

        // A tampered proof is refused on chain; the real one is accepted.
        let mut bad = proof1.to_bytes().to_vec();
        bad[40] ^= 1;
        let e = sys.prove_zk(id1, bad.into()).await.unwrap_err();
        assert!(matches!(
            finality_error(&e),
            MultiProofFinality::MultiProofFinalityErrors::Finality_InvalidProof(_)
        ));
        let r = sys.prove_zk(id1, proof1.to_bytes()).await.unwrap();
        eprintln!("gas proveZk (Groth16 + point evaluation + SHA-256): {}", r.gas_used);
        let status = sys
            .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id1) })
            .await;
        assert!(!status.isFinal, "ZK alone never finalizes");
        assert!(status.zk, "ZK approval is recorded");

        // The TEE agrees: final at once.
        let claim1 = sys.claim(&out1).await;
        sys.attest_tee(id1, sys.tee_signature(&enclave(0), &claim1)).await.unwrap();
        let status = sys
            .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id1) })
            .await;
        assert!(status.isFinal);

        // Batch 2: a transfer and a withdrawal, signed by real keys.
        let t = Signed::sign(
            Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(ETH / 4), nonce: 0 },
            CHAIN,
            &alice,
        );
        let w = Signed::sign(
            Withdraw {
                from: AccountIndex(1),
                to: Address::repeat_byte(0x77),
                amount: Wei(ETH / 2),
                nonce: 0,
            },
            CHAIN,
            &bob,
        );
        let b2 = Batch {
            chain_id: CHAIN,
            number: BatchNumber(2),
            txs: vec![Tx::Transfer(t), Tx::Withdraw(w)],
        };
        let out2 = execute_batch(&mut sys.state, &b2).unwrap();
        sys.post(&sys.sequencer, &b2, 2).await.unwrap();
        let (id2, proof2) = prove_posted(&sys, &keys, &b2, &out2).await;
        sys.prove_zk(id2, proof2.to_bytes()).await.unwrap();

        // The Rust verifier agrees with the contract: swapped public inputs and spliced proofs
        // are rejected.
        assert!(verify(&keys, &proof1.witness, &proof1.proof));
        assert!(!verify(&keys, &proof2.witness, &proof1.proof), "another public input");
        let mut spliced = proof1.proof.clone();
        spliced.c = proof2.proof.c;
        assert!(!verify(&keys, &proof1.witness, &spliced), "a tampered proof");
        // The proof of batch 2 does not prove batch 1's claim.
        let e = sys.prove_zk(id1, proof2.to_bytes()).await.unwrap_err();
        assert!(
            matches!(
                finality_error(&e),
                MultiProofFinality::MultiProofFinalityErrors::Finality_InvalidProof(_)
                    | MultiProofFinality::MultiProofFinalityErrors::Finality_AlreadyFinal(_)
            ),
            "{e}"
        );
    });
}

/// The ZK leg settled through the proof aggregation layer: the rollup's Groth16 proof is
/// aggregated in ONE `ProofAggregator.aggregate` call with proofs of three other circuits from
/// other provers (SP1's gnark wrapper, RISC Zero's, snarkjs), and `AggregatedZkVerifier` approves
/// the claim from a Merkle path to that batch's root; with the TEE it is final at once.
#[test]
fn the_zk_leg_settles_through_an_aggregated_proof_id() {
    use tribunal_aggregation::{
        Aggregator, Policy, Store,
        batch::Entry,
        contract::{self, AggregatorParams},
        groth16::{proof_words, vk_words},
        vector::TestVector,
    };
    use tribunal_contracts::AggregatedZkVerifier;
    run(async {
        let keys = keys();
        let l1 = std::sync::Arc::new(DevL1::new());
        let signers = tribunal_l1::dev_signers();
        let (operator, app) = (signers[8].clone(), signers[9].clone());
        let params = AggregatorParams::new(operator.address());
        let aggregator = contract::deploy(&*l1, &operator, params).await.unwrap();
        let circuit =
            contract::register(&*l1, &app, aggregator, &vk_words(keys.vk())).await.unwrap();
        let code = [
            AggregatedZkVerifier::BYTECODE.to_vec(),
            AggregatedZkVerifier::constructorCall { _aggregator: aggregator, _circuitId: circuit }
                .abi_encode(),
        ]
        .concat();
        let mut sys =
            System::deploy_with(&*l1, LegImpl::Create(Box::new(move |_| code.into()))).await;

        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let (b1, out1) = sys.deposit_batch(&[&alice]).await;
        let (id1, proof1) = prove_posted(&sys, &keys, &b1, &out1).await;
        let entry = Entry {
            circuit_id: circuit,
            proof: proof1.groth16_words(),
            inputs: proof1.public_input_words(),
        };
        assert_eq!(entry.proof(), proof_words(&proof1.proof));

        // The rollup's proof and three third-party proofs, submitted by their apps.
        contract::submit(&*l1, &app, aggregator, std::slice::from_ref(&entry)).await.unwrap();
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testing/fixtures/groth16");
        for name in [
            "sp1/sp1-v6.0.0-fibonacci.json",
            "risc0/risc0-v5.0-test-receipt.json",
            "snarkjs/snarkjs-poseidon3-preimage.json",
        ] {
            let v = TestVector::read(&dir.join(name)).unwrap();
            contract::register(&*l1, &app, aggregator, &v.vk).await.unwrap();
            contract::submit(&*l1, &app, aggregator, &[v.entry()]).await.unwrap();
        }
        let store_dir = tempfile::tempdir().unwrap();
        let store = Store::open(&store_dir.path().join("a.redb")).unwrap();
        let service = Aggregator::new(
            l1.clone(),
            operator,
            aggregator,
            store,
            Policy { max_proofs: 4, max_age_secs: 0 },
        )
        .await
        .unwrap();
        let posted = service.step().await.unwrap().posted.unwrap();
        assert_eq!(posted.proofs, 4, "one aggregate call for all four circuits");
        let (_, path) = service.store().inclusion(entry.proof_id()).unwrap().unwrap();

        // A wrong path is no approval; the right one is, and with the TEE the claim is final.
        let e =
            sys.prove_zk(id1, proof1.aggregated_seal(&[B256::repeat_byte(1)])).await.unwrap_err();
        assert!(matches!(
            finality_error(&e),
            MultiProofFinality::MultiProofFinalityErrors::Finality_InvalidProof(_)
        ));
        let r = sys.prove_zk(id1, proof1.aggregated_seal(&path)).await.unwrap();
        eprintln!(
            "gas proveZk through the aggregator (inclusion + point evaluation + SHA-256): {}",
            r.gas_used
        );
        let status = sys
            .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id1) })
            .await;
        assert!(status.zk && !status.isFinal);
        let claim1 = sys.claim(&out1).await;
        sys.attest_tee(id1, sys.tee_signature(&enclave(0), &claim1)).await.unwrap();
        let status = sys
            .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id1) })
            .await;
        assert!(status.isFinal, "ZK (aggregated) + TEE: final at once");
    });
}

/// docs/finality.md rule 5 and why INSECURE dev keys never go to a real network: whoever re-derives
/// the dev setup's toxic waste proves a wrong post root, `ZkVerifier` accepts both roots, and that
/// evidence freezes the ZK leg. Keys from a setup whose toxic waste was dropped cannot be forged.
#[test]
fn forged_proofs_under_dev_keys_are_evidence_that_freezes_the_zk_leg() {
    use ark_std::rand::{SeedableRng, rngs::StdRng};
    use tribunal_primitives::{Fr, StateRoot};
    use tribunal_zk::keys::DevTrapdoor;
    run(async {
        let keys = keys();
        let l1 = DevL1::new();
        let code = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
        let mut sys = System::deploy_with(&l1, LegImpl::Create(Box::new(move |_| code))).await;
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let (b1, out1) = sys.deposit_batch(&[&alice]).await;
        let (honest, proof) = prove_posted(&sys, &keys, &b1, &out1).await;
        sys.prove_zk(honest, proof.to_bytes()).await.unwrap();

        // The same batch and parent, another post root, and a proof made without a witness.
        let mut witness = proof.witness.clone();
        witness.claim.post_root = StateRoot(Fr::from(4242u64));
        let blob = &tribunal_da::encode_blobs(&b1.encode()).unwrap()[0];
        witness.open(blob).unwrap();
        let wrong = sys.propose(&witness.claim).await.unwrap();
        let trapdoor = DevTrapdoor::derive(&keys.config, keys.vk()).unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let forged = trapdoor.forge(keys.vk(), &witness.public_inputs(), &mut rng).unwrap();
        assert!(verify(&keys, &witness, &forged), "arkworks accepts the forgery");
        let forged = BatchProof { proof: forged, witness };

        // Submitted as an approval, the forgery is ZK's second result for the batch over that
        // parent: its own transaction freezes the leg, which counts as zero until the council
        // replaces it. The two proofs as evidence then find the leg frozen.
        let r = sys.prove_zk(wrong, forged.to_bytes()).await.unwrap();
        assert!(r.logs.iter().any(|l| MultiProofFinality::LegFrozen::decode_log(l).is_ok()));
        eprintln!(
            "gas proveZk of a second result, freezing ZK (real verification): {}",
            r.gas_used
        );
        let evidence = MultiProofFinality::proveSelfDisagreementCall {
            _leg: 0,
            _a: sys.proposed(honest).await,
            _b: sys.proposed(wrong).await,
            _evidenceA: proof.to_bytes(),
            _evidenceB: forged.to_bytes(),
        };
        let e = sys.send(&sys.stranger, sys.d.finality, evidence, U256::ZERO).await.unwrap_err();
        assert!(matches!(
            finality_error(&e),
            MultiProofFinality::MultiProofFinalityErrors::Finality_AlreadyFrozen(_)
        ));
        let s = sys
            .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(honest) })
            .await;
        assert!(!s.zk, "a frozen leg's approvals do not count");
        let open =
            sys.view(sys.d.finality, MultiProofFinality::instantUpgradeAllowedCall { _leg: 0 });
        assert!(open.await, "the council may replace the ZK verifier at once");

        // The trapdoor is the one of this key's seed: another configuration's does not fit.
        let other = CircuitConfig { batch_size: 3, ..keys.config };
        assert!(DevTrapdoor::derive(&other, keys.vk()).is_err());
    });
}

/// Posts `blob` as batch `number`, consuming the queue up to `queue_end`.
async fn post_blob<L: L1Dev>(
    sys: &System<'_, L>,
    blob: &alloy_eips::eip4844::Blob,
    number: u64,
    queue_end: u64,
) {
    use alloy_sol_types::SolCall;
    let sidecar = tribunal_da::sidecar_7594(vec![*blob]).unwrap();
    let acc =
        sys.view(sys.d.inbox, tribunal_contracts::Inbox::accAtCall { _index: queue_end }).await;
    let call = tribunal_contracts::Inbox::postBatchCall {
        _batchNumber: number,
        _queueEnd: queue_end,
        _queueAcc: acc,
    };
    let tx = tribunal_l1::L1Tx::call(sys.d.inbox, call.abi_encode()).with_sidecar(sidecar);
    sys.l1.send(&sys.sequencer, tx).await.unwrap();
}

/// Issue 21's last hole, closed: a poster who writes a blob that is not in canonical form (junk
/// after the last record, a top byte set, a header of another batch) used to send that batch,
/// and so every later one, onto the 7-day slow path, since the circuit binds only a canonical
/// blob. Now every leg reads such a blob as carrying no records; anyone proves it to the `Inbox`
/// with at most three KZG openings (never for a canonical blob), and the ZK leg proves the
/// batch's messages alone under that flag: ZK + TEE, final at once.
#[test]
fn a_blob_not_in_canonical_form_is_final_on_the_instant_path() {
    use tribunal_contracts::Inbox;
    use tribunal_dispute::evidence::prove_non_canonical;
    run(async {
        let keys = keys();
        let l1 = DevL1::new();
        let code = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
        let mut sys = System::deploy_with(&l1, LegImpl::Create(Box::new(move |_| code))).await;
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let bob = PrivateKey::from_bytes([0xb0; 32]);
        let (b1, out1) = sys.deposit_batch(&[&alice, &bob]).await;
        let (id1, proof1) = prove_posted(&sys, &keys, &b1, &out1).await;
        sys.prove_zk(id1, proof1.to_bytes()).await.unwrap();
        let claim1 = sys.claim(&out1).await;
        sys.attest_tee(id1, sys.tee_signature(&enclave(0), &claim1)).await.unwrap();

        // Batch 2: a valid transfer, then one junk byte far past it.
        let t = Signed::sign(
            Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(ETH / 4), nonce: 0 },
            CHAIN,
            &alice,
        );
        let posted = Batch { chain_id: CHAIN, number: BatchNumber(2), txs: vec![Tx::Transfer(t)] };
        // Blobs stay on the heap: a 128 KiB blob held across an await overflows the stack.
        let mut blobs2 = tribunal_da::encode_blobs(&posted.encode()).unwrap();
        blobs2[0].0[32 * 3000 + 31] = 0x5a;
        post_blob(&sys, &blobs2[0], 2, 2).await;
        let batch = tribunal_da::read_batch(&blobs2, &[], CHAIN, BatchNumber(2));
        assert!(batch.txs.is_empty(), "no records: the transfer does not apply");
        let out2 = execute_batch(&mut sys.state, &batch).unwrap();
        assert_eq!(out2.post_root, out1.post_root);
        let claim2 = sys.claim(&out2).await;
        let id2 = sys.propose(&claim2).await.unwrap();
        let witness = BatchWitness::new(&keys.config, &batch, &out2, &blobs2[0]).unwrap();
        assert!(witness.non_canonical && witness.claim == claim2);
        let proof2 = prove(&keys, witness).unwrap();

        // Until the Inbox holds the blob as not canonical, the proof binds the blob's opening,
        // which the circuit's own bytes do not match.
        let e = sys.prove_zk(id2, proof2.to_bytes()).await.unwrap_err();
        assert!(matches!(
            finality_error(&e),
            MultiProofFinality::MultiProofFinalityErrors::Finality_InvalidProof(_)
        ));

        // No evidence exists against a canonical blob, and openings must verify.
        let blobs1 = tribunal_da::encode_blobs(&b1.encode()).unwrap();
        let open = |blobs: &[alloy_eips::eip4844::Blob], g: usize| {
            let e = tribunal_dispute::agent::blob_element(blobs, g).unwrap();
            Inbox::BlobElement { value: e.value, commitment: e.commitment, proof: e.proof }
        };
        let attempt = |n: u64, elements: Vec<usize>, openings: Vec<Inbox::BlobElement>| {
            let call = Inbox::proveNonCanonicalCall {
                _batchNumber: n,
                _elements: elements.into_iter().map(U256::from).collect(),
                _openings: openings,
            };
            sys.send(&sys.stranger, sys.d.inbox, call, U256::ZERO)
        };
        for elements in [vec![5], vec![0, 1], vec![0, 1, 3000], vec![0, 1, 2]] {
            let openings = elements.iter().map(|&g| open(&blobs1, g)).collect();
            let e = attempt(1, elements.clone(), openings).await.unwrap_err();
            assert!(
                matches!(common::inbox_error(&e), Inbox::InboxErrors::Inbox_NotEvidence(_)),
                "evidence {elements:?} against a canonical blob: {e}"
            );
        }
        let mut forged = open(&blobs1, 3000);
        forged.value = U256::from(1);
        let e = attempt(1, vec![0, 1, 3000], vec![open(&blobs1, 0), open(&blobs1, 1), forged])
            .await
            .unwrap_err();
        assert!(matches!(common::inbox_error(&e), Inbox::InboxErrors::Inbox_BadBlobProof(_)));
        let e = attempt(9, vec![0], vec![open(&blobs1, 0)]).await.unwrap_err();
        assert!(matches!(common::inbox_error(&e), Inbox::InboxErrors::Inbox_NotPosted(_)));
        let canonical = prove_non_canonical(&l1, &sys.stranger, sys.d.inbox, CHAIN, 1, &blobs1, 2);
        assert_eq!(canonical.await.unwrap(), None, "nothing to prove for a canonical blob");

        // Anyone proves batch 2's junk; a second proof is a no-op.
        let gas = prove_non_canonical(&l1, &sys.stranger, sys.d.inbox, CHAIN, 2, &blobs2, 0);
        let gas = gas.await.unwrap().expect("sent");
        eprintln!("gas proveNonCanonical, header and one junk element (three openings): {gas}");
        assert!(sys.view(sys.d.inbox, Inbox::nonCanonicalCall { _batchNumber: 2 }).await);
        let again = attempt(2, vec![0], vec![open(&blobs2, 0)]).await.unwrap();
        assert!(again.logs.is_empty(), "already recorded: nothing changes");

        // Now the ZK leg proves the batch, and with the TEE it is final at once.
        let r = sys.prove_zk(id2, proof2.to_bytes()).await.unwrap();
        eprintln!("gas proveZk of a batch with no records (no point evaluation): {}", r.gas_used);
        sys.attest_tee(id2, sys.tee_signature(&enclave(0), &claim2)).await.unwrap();
        let status = sys
            .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id2) })
            .await;
        assert!(status.isFinal, "ZK + TEE: final at once");

        // The other two forms: a top byte set (one opening), another batch's header (two).
        let empty = Batch { chain_id: CHAIN, number: BatchNumber(3), txs: vec![] };
        let mut top = tribunal_da::encode_blobs(&empty.encode()).unwrap();
        top[0].0[32 * 7] = 0x01;
        post_blob(&sys, &top[0], 3, 2).await;
        let other = Batch { chain_id: CHAIN, number: BatchNumber(7), txs: vec![] };
        let header = tribunal_da::encode_blobs(&other.encode()).unwrap();
        post_blob(&sys, &header[0], 4, 2).await;
        for (n, blobs, elements) in [(3u64, top, vec![7usize]), (4, header, vec![0, 1])] {
            let got = tribunal_da::non_canonical_evidence(&blobs, 0, CHAIN, BatchNumber(n));
            assert_eq!(got, Some(elements));
            prove_non_canonical(&l1, &sys.stranger, sys.d.inbox, CHAIN, n, &blobs, 0)
                .await
                .unwrap()
                .expect("sent");
            assert!(sys.view(sys.d.inbox, Inbox::nonCanonicalCall { _batchNumber: n }).await);
        }
    });
}

/// Circuit sizes (issue 24): with a `ZkVerifierSet` of a 1-slot and a 2-slot circuit, the node's
/// ZK worker proves a batch of one transaction with the 1-slot circuit and a batch of two with
/// the 2-slot one, and both proofs are accepted through the set.
#[test]
fn the_worker_proves_each_batch_with_the_smallest_circuit_of_the_set() {
    use std::sync::Arc;
    use tribunal_contracts::ZkVerifierSet;
    use tribunal_l1::{L1, L1Tx, dev_signers};
    use tribunal_node::zk::{ZkOutcome, ZkProver};
    use tribunal_zk::sizes::CircuitSizes;
    run(async {
        let (small, large) = (Arc::new(keys_of(1)), Arc::new(keys()));
        let l1 = DevL1::new();
        let mut members = Vec::new();
        for k in [&small, &large] {
            let code = tribunal_zk::verifier::deploy_code(k.vk(), k.insecure).unwrap();
            let r = l1.send(&dev_signers()[9], L1Tx::create(code)).await.unwrap();
            members.push(r.contract_address.unwrap());
        }
        let args = ZkVerifierSet::constructorCall { _members: members }.abi_encode();
        let set: alloy_primitives::Bytes =
            [ZkVerifierSet::BYTECODE.as_ref(), &args].concat().into();
        let mut sys = System::deploy_with(&l1, LegImpl::Create(Box::new(move |_| set))).await;
        let genesis = sys.state.clone();
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let bob = PrivateKey::from_bytes([0xb0; 32]);

        // Batch 1: one deposit. Batch 2: a transfer and a withdrawal.
        let (_, out1) = sys.deposit_batch(&[&alice]).await;
        sys.propose(&sys.claim(&out1).await).await.unwrap();
        let call = Inbox::depositCall { _pubkey: bob.public_key().to_bytes().into() };
        let r = sys.send(&sys.stranger, sys.d.inbox, call, U256::from(ETH)).await.unwrap();
        let log = r.logs.iter().find_map(|l| Inbox::MessageQueued::decode_log(l).ok()).unwrap();
        let deposit = tribunal_primitives::batch::decode_tx_exact(&log.message).unwrap();
        let t = Signed::sign(
            Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(ETH / 4), nonce: 0 },
            CHAIN,
            &alice,
        );
        let b2 =
            Batch { chain_id: CHAIN, number: BatchNumber(2), txs: vec![deposit, Tx::Transfer(t)] };
        let out2 = execute_batch(&mut sys.state, &b2).unwrap();
        sys.post(&sys.sequencer, &b2, 2).await.unwrap();
        sys.propose(&sys.claim(&out2).await).await.unwrap();

        let circuits = CircuitSizes::new(vec![large.clone(), small.clone()]).unwrap();
        let (inbox, finality) = (sys.d.inbox, sys.d.finality);
        let mut worker =
            ZkProver::new(&l1, inbox, finality, dev_signers()[9].clone(), circuits, genesis);
        for (id, slots) in [(0u64, 1usize), (1, 2)] {
            let done = worker.poll().await.unwrap();
            match &done[..] {
                [(got, ZkOutcome::Proven { slots: used, gas, .. })] => {
                    assert_eq!((*got, *used), (id, slots), "claim {id}");
                    eprintln!("gas proveZk through the set, {slots}-slot circuit: {gas}");
                }
                other => panic!("claim {id}: {other:?}"),
            }
            let status =
                sys.view(finality, MultiProofFinality::statusOfCall { _id: U256::from(id) }).await;
            assert!(status.zk, "claim {id}: ZK approval recorded");
        }
    });
}

/// The ZK worker's proof lands, a reorg drops its block, and the node's re-send (what the ZK
/// service does after a reorg) sends the recorded proof again, once; the claim is approved again
/// by the real verifier. On the embedded L1 and on anvil (`anvil_reorg`).
async fn a_dropped_proof_is_sent_again_once<L: tribunal_l1::L1Dev>(l1: &L) {
    use std::sync::Arc;
    use tribunal_l1::dev_signers;
    use tribunal_node::{
        Store,
        follow::{Resent, resend_dropped},
        zk::{ZkOutcome, ZkProver},
    };
    use tribunal_zk::sizes::CircuitSizes;
    let keys = Arc::new(keys());
    let code = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
    let mut sys = System::deploy_with(l1, LegImpl::Create(Box::new(move |_| code))).await;
    let genesis = sys.state.clone();
    let (_, out1) = sys.deposit_batch(&[&PrivateKey::from_bytes([0xa1; 32])]).await;
    let id = sys.propose(&sys.claim(&out1).await).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("node.redb"), *genesis.config()).unwrap());
    let (inbox, finality, sender) = (sys.d.inbox, sys.d.finality, dev_signers()[9].clone());
    let circuits = CircuitSizes::new(vec![keys]).unwrap();
    let mut worker = ZkProver::new(l1, inbox, finality, sender.clone(), circuits, genesis)
        .with_sent_log(store.clone());
    let done = worker.poll().await.unwrap();
    assert!(matches!(&done[..], [(i, ZkOutcome::Proven { .. })] if *i == id), "{done:?}");
    let status =
        async || sys.view(finality, MultiProofFinality::statusOfCall { _id: U256::from(id) }).await;
    assert!(status().await.zk);

    let fork = l1.head().await.unwrap().number;
    l1.reorg(1, &[]).await.unwrap();
    assert!(!status().await.zk, "the proof is gone with its block");
    let needed: fn(&MultiProofFinality::Status) -> bool = |s| !(s.zk || s.isFinal);
    let resent = resend_dropped(l1, &store, "zk", &sender, finality, fork, needed).await;
    let resent = resent.unwrap();
    assert!(matches!(resent[..], [Resent::Again { claim, .. }] if claim == id), "{resent:?}");
    assert!(status().await.zk, "approved again");
    let again = resend_dropped(l1, &store, "zk", &sender, finality, fork, needed).await;
    assert!(again.unwrap().is_empty(), "and only once");
}

#[test]
fn a_dropped_proof_is_sent_again_once_on_both_backends() {
    use tribunal_l1::anvil::Anvil;
    run(async {
        a_dropped_proof_is_sent_again_once(&DevL1::with_reorg_window(8)).await;
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        a_dropped_proof_is_sent_again_once(&anvil.rpc().unwrap()).await;
    });
}

/// The other layouts: a plain `ZkVerifier` gets the largest circuit's bare proof, and a set none
/// of whose members has the worker's keys is an error on every poll (retried, never skipped).
#[test]
fn a_plain_verifier_gets_the_largest_circuit_and_unknown_set_members_are_an_error() {
    use std::sync::Arc;
    use tribunal_contracts::ZkVerifierSet;
    use tribunal_l1::{L1, L1Tx, dev_signers};
    use tribunal_node::zk::{ZkOutcome, ZkProver};
    use tribunal_zk::sizes::CircuitSizes;
    run(async {
        let (small, large) = (Arc::new(keys_of(1)), Arc::new(keys()));
        let circuits = CircuitSizes::new(vec![small.clone(), large.clone()]).unwrap();
        let alice = PrivateKey::from_bytes([0xa1; 32]);

        // A plain verifier of the 2-slot circuit: a 1-transaction batch is proven with 2 slots.
        let l1 = DevL1::new();
        let code = tribunal_zk::verifier::deploy_code(large.vk(), large.insecure).unwrap();
        let mut sys = System::deploy_with(&l1, LegImpl::Create(Box::new(move |_| code))).await;
        let genesis = sys.state.clone();
        let (_, out1) = sys.deposit_batch(&[&alice]).await;
        sys.propose(&sys.claim(&out1).await).await.unwrap();
        let (inbox, finality) = (sys.d.inbox, sys.d.finality);
        let signer = dev_signers()[9].clone();
        let mut worker =
            ZkProver::new(&l1, inbox, finality, signer.clone(), circuits.clone(), genesis.clone());
        let done = worker.poll().await.unwrap();
        assert!(matches!(&done[..], [(0, ZkOutcome::Proven { slots: 2, .. })]), "{done:?}");
        // A worker restarted before it recorded its progress proves nothing twice: ZK already
        // approves the claim, so no second proof goes to L1.
        let block = l1.head().await.unwrap().number;
        let mut restarted =
            ZkProver::new(&l1, inbox, finality, signer.clone(), circuits.clone(), genesis);
        let done = restarted.poll().await.unwrap();
        assert!(matches!(&done[..], [(0, ZkOutcome::Settled { .. })]), "{done:?}");
        assert_eq!(l1.head().await.unwrap().number, block, "no transaction sent");

        // A set whose only member is a circuit this worker has no keys for.
        let l1 = DevL1::new();
        let other = keys_of(4);
        let code = tribunal_zk::verifier::deploy_code(other.vk(), other.insecure).unwrap();
        let member = l1.send(&signer, L1Tx::create(code)).await.unwrap().contract_address.unwrap();
        let args = ZkVerifierSet::constructorCall { _members: vec![member] }.abi_encode();
        let set: alloy_primitives::Bytes =
            [ZkVerifierSet::BYTECODE.as_ref(), &args].concat().into();
        let mut sys = System::deploy_with(&l1, LegImpl::Create(Box::new(move |_| set))).await;
        let genesis = sys.state.clone();
        let (_, out1) = sys.deposit_batch(&[&alice]).await;
        sys.propose(&sys.claim(&out1).await).await.unwrap();
        let (inbox, finality) = (sys.d.inbox, sys.d.finality);
        let mut worker = ZkProver::new(&l1, inbox, finality, signer, circuits, genesis);
        for _ in 0..2 {
            let err = worker.poll().await.unwrap_err();
            assert!(err.to_string().contains("no member of the ZK verifier set"), "{err}");
        }
    });
}

/// A TEE signature held for the ZK prover goes into `proveAndAttest` only while TEE does not
/// approve the claim yet. When the claim got its TEE approval meanwhile (the worker's signature
/// sent alone after a failed bundle, or relayed by anyone), the prover sends its proof alone:
/// one TEE approval on chain, and the held signature is forgotten, not sent again later.
#[test]
fn a_held_signature_tee_already_approved_is_not_bundled_again() {
    use std::{sync::Arc, time::Duration};
    use tribunal_l1::{L1, dev_signers};
    use tribunal_node::{
        tee::{HeldAttestations, TeeOutcome, TeeProver},
        zk::{ZkOutcome, ZkProver},
    };
    use tribunal_stf::{State, StfConfig};
    use tribunal_tee::{DevEnclave, EnclaveConfig};
    use tribunal_zk::sizes::CircuitSizes;
    run(async {
        let keys = Arc::new(keys());
        let l1: &'static DevL1 = Box::leak(Box::new(DevL1::new()));
        let code = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
        let mut sys = System::deploy_with(l1, LegImpl::Create(Box::new(move |_| code))).await;
        let genesis = State::new(StfConfig::new(CHAIN)).unwrap();
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let (_, out1) = sys.deposit_batch(&[&alice]).await;
        let claim = sys.claim(&out1).await;
        let id = sys.propose(&claim).await.unwrap();
        let (inbox, finality) = (sys.d.inbox, sys.d.finality);

        // The node's TEE worker (the registered signer `enclave(0)`) holds its signature.
        let config =
            EnclaveConfig { stf: StfConfig::new(CHAIN), l1_chain_id: sys.l1_chain, finality };
        let dev = DevEnclave::new(config, enclave(0)).unwrap();
        let held = HeldAttestations::default();
        let mut tee =
            TeeProver::new(l1, dev, inbox, finality, sys.stranger.clone(), genesis.clone())
                .hold_for_zk(held.clone(), Duration::from_secs(3_600));
        let outcomes = tee.poll().await.unwrap();
        assert!(matches!(outcomes[..], [(i, TeeOutcome::Held { .. })] if i == id), "{outcomes:?}");

        // Meanwhile the same signature lands alone.
        sys.attest_tee(id, sys.tee_signature(&enclave(0), &claim)).await.unwrap();

        let circuits = CircuitSizes::new(vec![keys]).unwrap();
        let mut zk =
            ZkProver::new(l1, inbox, finality, dev_signers()[9].clone(), circuits, genesis)
                .with_tee_signatures(held.clone());
        let done = zk.poll().await.unwrap();
        assert!(matches!(done[..], [(i, ZkOutcome::Proven { .. })] if i == id), "{done:?}");
        let status = sys.view(finality, MultiProofFinality::statusOfCall { _id: U256::from(id) });
        assert!(status.await.isFinal, "ZK and TEE: final at once");
        let approvals = l1
            .logs(finality, 0)
            .await
            .unwrap()
            .iter()
            .filter_map(|l| MultiProofFinality::Approved::decode_log(&l.log).ok())
            .filter(|e| e.id == U256::from(id))
            .map(|e| e.leg)
            .collect::<Vec<_>>();
        let tee_leg = tribunal_contracts::leg::TEE;
        assert_eq!(approvals.iter().filter(|l| **l == tee_leg).count(), 1, "{approvals:?}");
        assert_eq!(
            held.take(id, &claim),
            None,
            "forgotten: the TEE worker has nothing to send again"
        );
    });
}

/// A settling node's parts over the deployment `sys` on `l1`, whose ZK verifier checks `keys`:
/// its store (in `dir`), a sequencer sealing up to 2 transactions a batch when asked, the
/// settlements table, and both validity workers reading it.
struct SettlingNode {
    dir: tempfile::TempDir,
    store: std::sync::Arc<tribunal_node::Store>,
    seq: tribunal_node::sequencer::Sequencer<std::sync::Arc<DevL1>>,
    settlements: tribunal_node::settle::Settlements,
    zk: tribunal_node::zk::ZkProver<std::sync::Arc<DevL1>>,
    tee: tribunal_node::tee::TeeProver<std::sync::Arc<DevL1>, tribunal_tee::DevEnclave>,
}

fn settling_node(
    l1: &std::sync::Arc<DevL1>,
    sys: &System<'_, DevL1>,
    keys: std::sync::Arc<Keys>,
) -> SettlingNode {
    use std::{sync::Arc, time::Duration};
    use tribunal_node::sequencer::{Sequencer, SequencerConfig};
    use tribunal_stf::{State, StfConfig};
    let (inbox, finality) = (sys.d.inbox, sys.d.finality);
    let genesis = State::new(StfConfig::new(CHAIN)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.redb");
    let store = Arc::new(tribunal_node::Store::open(&path, StfConfig::new(CHAIN)).unwrap());
    let config = SequencerConfig {
        max_batch_txs: 2,
        max_wait: Duration::from_secs(3_600),
        ..SequencerConfig::default()
    };
    let seq = Sequencer::new(l1.clone(), inbox, store.clone(), config).unwrap();
    let settlements = tribunal_node::settle::Settlements::default();
    let circuits = tribunal_zk::sizes::CircuitSizes::new(vec![keys]).unwrap();
    let zk_key = tribunal_l1::dev_signers()[9].clone();
    let zk = tribunal_node::zk::ZkProver::new(
        l1.clone(),
        inbox,
        finality,
        zk_key,
        circuits,
        genesis.clone(),
    )
    .with_settlements(settlements.clone());
    let config = tribunal_tee::EnclaveConfig {
        stf: StfConfig::new(CHAIN),
        l1_chain_id: sys.l1_chain,
        finality,
    };
    let dev = tribunal_tee::DevEnclave::new(config, enclave(0)).unwrap();
    let tee = tribunal_node::tee::TeeProver::new(
        l1.clone(),
        dev,
        inbox,
        finality,
        sys.stranger.clone(),
        genesis,
    )
    .with_settlements(settlements.clone());
    SettlingNode { dir, store, seq, settlements, zk, tee }
}

/// Issue 25: with both provers on the node, a posted batch's claim is offered to them before it
/// is proposed, and goes to L1 with their proof and signature in one `proposeAndSettle`, final at
/// once; afterwards neither worker sends anything for it. When the grace period passes before
/// both have approved (here the TEE worker is late), the claim is proposed alone, and the proof
/// made for the offer is sent by claim id, not made again.
#[test]
fn a_posted_batch_settles_in_its_proposal_and_a_late_leg_falls_back_to_its_own_transaction() {
    use std::{sync::Arc, time::Duration};
    use tribunal_l1::view;
    use tribunal_node::{
        proposer::{Proposed, Proposer},
        settle::Settlements,
        tee::TeeOutcome,
        zk::ZkOutcome,
    };
    run(async {
        let keys = Arc::new(keys());
        let l1 = Arc::new(DevL1::new());
        let code = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
        let sys = System::deploy_with(&*l1, LegImpl::Create(Box::new(move |_| code))).await;
        let (inbox, finality) = (sys.d.inbox, sys.d.finality);
        let SettlingNode { dir: _dir, store, seq, settlements, mut zk, mut tee } =
            settling_node(&l1, &sys, keys);
        let bond = view(&*l1, finality, MultiProofFinality::BOND_WEICall {}).await.unwrap();
        let proposer = |grace| {
            Proposer::new(l1.clone(), inbox, finality, store.clone(), sys.sequencer.clone(), bond)
                .settling_with(settlements.clone(), grace)
        };
        let claims = async || {
            view(&*l1, finality, MultiProofFinality::claimCountCall {}).await.unwrap().to::<u64>()
        };
        let status = async |id: u64| {
            let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
            view(&*l1, finality, call).await.unwrap()
        };
        let post_deposit = async |key: u8, queue_end: u64| {
            let call = Inbox::depositCall {
                _pubkey: PrivateKey::from_bytes([key; 32]).public_key().to_bytes().into(),
            };
            sys.send(&sys.stranger, inbox, call, U256::from(ETH)).await.unwrap();
            let sealed = seq.poll(true).await.unwrap().expect("a deposit pending");
            sys.post(&sys.sequencer, &sealed.batch, queue_end).await.unwrap();
        };

        // Batch 1: offered, approved by both legs, then proposed and settled in one transaction.
        post_deposit(0xa1, 1).await;
        let mut p = proposer(Duration::from_secs(3_600));
        assert_eq!(p.poll().await.unwrap(), vec![], "offered to the legs, not proposed");
        assert_eq!(claims().await, 0);
        assert_eq!(tee.poll().await.unwrap(), vec![], "signed for the offer");
        assert_eq!(zk.poll().await.unwrap(), vec![], "proven for the offer");
        let done = p.poll().await.unwrap();
        let [Proposed { claim: id, gas, settled: Some(settled), .. }] = done[..] else {
            panic!("one claim proposed and settled: {done:?}")
        };
        assert_eq!(settled.signer, enclave(0).address());
        assert!(status(id).await.isFinal, "final at once");
        println!("proposeAndSettle of batch 1, ZK (2 slots) and TEE: {gas} gas");
        let done = zk.poll().await.unwrap();
        assert!(matches!(done[..], [(i, ZkOutcome::Settled { .. })] if i == id), "{done:?}");
        let done = tee.poll().await.unwrap();
        assert!(matches!(done[..], [(i, TeeOutcome::AlreadyApproved)] if i == id), "{done:?}");
        assert_eq!(claims().await, 1);

        // Batch 2: the TEE worker is late. ZK proves the offer; the grace period passes, and the
        // claim is proposed alone.
        post_deposit(0xb0, 2).await;
        assert_eq!(p.poll().await.unwrap(), vec![]);
        assert_eq!(zk.poll().await.unwrap(), vec![], "proven for the offer");
        let mut p = proposer(Duration::ZERO);
        let done = p.poll().await.unwrap();
        let [Proposed { claim: id, settled: None, .. }] = done[..] else {
            panic!("one claim proposed alone: {done:?}")
        };
        assert!(!status(id).await.isFinal);
        let made = settlements.proof_for(&claim_from_sol(&*l1, finality, id).await).unwrap();
        let done = zk.poll().await.unwrap();
        let [(i, ZkOutcome::Proven { prove_secs, .. })] = done[..] else { panic!("{done:?}") };
        assert_eq!((i, prove_secs), (id, made.prove_secs), "the offer's proof, not a new one");
        let done = tee.poll().await.unwrap();
        assert!(matches!(done[..], [(i, TeeOutcome::Attested { .. })] if i == id), "{done:?}");
        assert!(status(id).await.isFinal, "ZK and TEE: final at once");

        // Batch 3 is proposed alone, then the node restarts: its offers are gone, and the claim
        // on L1 is left to the legs at once, not waited for nor proposed again.
        post_deposit(0xc0, 3).await;
        let done = p.poll().await.unwrap();
        assert!(matches!(done[..], [Proposed { settled: None, .. }]), "{done:?}");
        let fresh = Settlements::default();
        let mut p =
            Proposer::new(l1.clone(), inbox, finality, store.clone(), sys.sequencer.clone(), bond)
                .settling_with(fresh.clone(), Duration::from_secs(3_600));
        assert_eq!(p.poll().await.unwrap(), vec![]);
        assert_eq!(fresh.next_for_zk(), None, "left to the legs by claim id");
        assert_eq!(claims().await, 3, "nothing proposed twice");
    });
}

/// The primitives' claim `id` as proposed on L1.
async fn claim_from_sol<L: tribunal_l1::L1>(
    l1: &L,
    finality: Address,
    id: u64,
) -> tribunal_primitives::Claim {
    let raw = tribunal_dispute::claims::proposed_known(l1, finality, id).await.unwrap();
    tribunal_node::tee::claim_from_sol(id, &raw).unwrap()
}

/// Issue 25: with both provers on the node, the batcher offers a sealed batch whose parent is
/// final to them before posting it, and posts it with their proof and signature in one
/// `postAndSettle`, final as it is posted; neither worker then sends anything for it, and the
/// proposer proposes nothing. When a leg is late past the wait (here the TEE worker), the
/// batch is posted alone, and the proposer settles the same claim with the proof made for the
/// sealed batch, not a new one. When L1 refuses the settlement (the council revoked the enclave's
/// signer meanwhile), the batch is posted alone, the refused signature forgotten and the proof
/// kept.
#[test]
fn a_sealed_batch_is_posted_with_its_settlement_and_a_late_leg_posts_it_alone() {
    use alloy_sol_types::SolCall;
    use std::{sync::Arc, time::Duration};
    use tribunal_l1::view;
    use tribunal_node::{
        batcher::{Batcher, Posted},
        proposer::{Proposed, Proposer},
        tee::TeeOutcome,
        zk::ZkOutcome,
    };
    run(async {
        let keys = Arc::new(keys());
        let l1 = Arc::new(DevL1::new());
        let code = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
        let sys = System::deploy_with(&*l1, LegImpl::Create(Box::new(move |_| code))).await;
        let (inbox, finality) = (sys.d.inbox, sys.d.finality);
        let SettlingNode { dir: _dir, store, seq, settlements, mut zk, mut tee } =
            settling_node(&l1, &sys, keys);
        let batcher = |wait| {
            Batcher::new(l1.clone(), inbox, store.clone(), sys.sequencer.clone()).settling_with(
                settlements.clone(),
                finality,
                wait,
            )
        };
        let bond = view(&*l1, finality, MultiProofFinality::BOND_WEICall {}).await.unwrap();
        let mut proposer =
            Proposer::new(l1.clone(), inbox, finality, store.clone(), sys.sequencer.clone(), bond)
                .settling_with(settlements.clone(), Duration::from_secs(3_600));
        let claims = async || {
            view(&*l1, finality, MultiProofFinality::claimCountCall {}).await.unwrap().to::<u64>()
        };
        let latest = async || view(&*l1, inbox, Inbox::latestBatchCall {}).await.unwrap();
        let status = async |id: u64| {
            let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
            view(&*l1, finality, call).await.unwrap()
        };
        let seal_deposit = async |key: u8| {
            let call = Inbox::depositCall {
                _pubkey: PrivateKey::from_bytes([key; 32]).public_key().to_bytes().into(),
            };
            sys.send(&sys.stranger, inbox, call, U256::from(ETH)).await.unwrap();
            seq.poll(true).await.unwrap().expect("a deposit pending");
        };

        // Batch 1: offered sealed, proven and signed from the sealed blob, then posted and
        // settled in one transaction.
        seal_deposit(0xa1).await;
        let b = batcher(Duration::from_secs(3_600));
        assert_eq!(b.poll().await.unwrap(), vec![], "held for its legs, not posted");
        assert_eq!(latest().await, 0);
        assert_eq!(tee.poll().await.unwrap(), vec![], "signed for the sealed batch");
        assert_eq!(zk.poll().await.unwrap(), vec![], "proven for the sealed batch");
        let done = b.poll().await.unwrap();
        let [Posted { gas, settled: Some((id, settled)), .. }] = done[..] else {
            panic!("one batch posted and settled: {done:?}")
        };
        assert_eq!(settled.signer, enclave(0).address());
        assert!(status(id).await.isFinal, "final as it is posted");
        assert_eq!(latest().await, 1);
        println!("postAndSettle of batch 1, ZK (2 slots) and TEE: {gas} gas");
        assert_eq!(proposer.poll().await.unwrap(), vec![], "nothing left to propose");
        let done = zk.poll().await.unwrap();
        assert!(matches!(done[..], [(i, ZkOutcome::Settled { .. })] if i == id), "{done:?}");
        let done = tee.poll().await.unwrap();
        assert!(matches!(done[..], [(i, TeeOutcome::AlreadyApproved)] if i == id), "{done:?}");
        assert_eq!(claims().await, 1);
        // Final as posted, it keeps no context in the inbox: a replica replays it, its deposit
        // included, from its `BatchPosted` log, to the root it settled.
        let read = tribunal_dispute::batches::posted(&*l1, inbox, 1).await.unwrap().unwrap();
        assert!(read.settled_at_post && read.queue_end == 1, "{read:?}");
        let genesis = tribunal_stf::State::new(tribunal_stf::StfConfig::new(CHAIN)).unwrap();
        let mut replica = tribunal_dispute::Replica::new(genesis);
        let replayed = replica.state_after(&*l1, inbox, 1).await.unwrap().unwrap().root();
        assert_eq!(replayed, store.batch_record(BatchNumber(1)).unwrap().unwrap().post_root);

        // Batch 2: the TEE worker is late. ZK proves the sealed batch; the wait runs out, and the
        // batch is posted alone. The proposer then offers the same claim, the TEE worker signs
        // it, and the claim settles in its proposal with the proof made before posting.
        seal_deposit(0xb0).await;
        assert_eq!(b.poll().await.unwrap(), vec![]);
        assert_eq!(zk.poll().await.unwrap(), vec![], "proven for the sealed batch");
        let done = batcher(Duration::ZERO).poll().await.unwrap();
        assert!(matches!(done[..], [Posted { settled: None, .. }]), "posted alone: {done:?}");
        let post_gas = done[0].gas;
        assert_eq!(proposer.poll().await.unwrap(), vec![], "offered to the legs after posting");
        assert_eq!(tee.poll().await.unwrap(), vec![], "signed for the offer");
        let done = proposer.poll().await.unwrap();
        let [Proposed { claim: id, gas, settled: Some(s), .. }] = done[..] else {
            panic!("proposed and settled: {done:?}")
        };
        assert!(status(id).await.isFinal);
        let made = settlements.proof_for(&claim_from_sol(&*l1, finality, id).await);
        assert_eq!(made.map(|p| p.prove_secs), Some(s.prove_secs), "the sealed batch's proof");
        println!("postBatch + proposeAndSettle of batch 2: {post_gas} + {gas} gas");
        assert_eq!(claims().await, 2);

        // Batch 3: both legs done, then the council revokes the enclave's signer before the
        // batch goes out. `postAndSettle` is refused, and the batch is posted alone; the
        // signature L1 refused is forgotten, the proof kept for the claim's proposal.
        seal_deposit(0xc0).await;
        assert_eq!(b.poll().await.unwrap(), vec![]);
        let done = zk.poll().await.unwrap();
        assert!(matches!(done[..], [(1, ZkOutcome::Settled { .. })]), "{done:?}");
        assert_eq!(zk.poll().await.unwrap(), vec![], "proven for the sealed batch");
        let done = tee.poll().await.unwrap();
        assert!(matches!(done[..], [(1, TeeOutcome::AlreadyApproved)]), "{done:?}");
        assert_eq!(tee.poll().await.unwrap(), vec![], "signed for the sealed batch");
        let revoke =
            tribunal_contracts::TeeVerifier::revokeSignerCall { _signer: enclave(0).address() };
        sys.council(sys.d.tee_verifier, revoke.abi_encode()).await.unwrap();
        let done = b.poll().await.unwrap();
        assert!(matches!(done[..], [Posted { settled: None, .. }]), "posted alone: {done:?}");
        assert_eq!(latest().await, 3);
        let done = proposer.poll().await.unwrap();
        let [Proposed { claim: id, settled: None, .. }] = done[..] else {
            panic!("the TEE leg's signature was refused: proposed alone: {done:?}")
        };
        let claim = claim_from_sol(&*l1, finality, id).await;
        assert!(settlements.proof_for(&claim).is_some(), "the proof is kept");
        assert!(settlements.signature_for(&claim).is_none(), "the refused signature is not");
    });
}

/// The node's ZK worker settles through the aggregation layer. It sends each proof to the
/// aggregator's RPC with a fee voucher from its prepaid balance, waits for the batch, and approves
/// the claim with the inclusion path; the second claim's voucher continues the payer's chain.
/// While the aggregator does not batch: with a set that also holds a `ZkVerifier` of the same
/// circuit, the proof goes there whole (liveness over gas); with the `AggregatedZkVerifier`
/// alone, the poll fails on the wait and the claim stays next, proven once and sent when batched.
async fn settle_through_the_aggregator(with_whole_twin: bool) {
    use std::{sync::Arc, time::Duration};
    use tribunal_aggregation::{
        Aggregator, Policy, Store,
        client::{ClientError, Submitter},
        contract::{self, AggregatorParams},
        groth16::vk_words,
    };
    use tribunal_contracts::{AggregatedZkVerifier, ProofAggregator, ZkVerifierSet};
    use tribunal_l1::{L1, L1Tx, dev_signers, view};
    use tribunal_node::zk::{ZkOutcome, ZkProver, ZkProverError};
    use tribunal_zk::sizes::CircuitSizes;
    let keys = Arc::new(keys());
    let l1 = Arc::new(DevL1::new());
    let signers = dev_signers();
    let (operator, app, payer) = (&signers[8], &signers[9], &signers[7]);
    let params = AggregatorParams::new(operator.address());
    let aggregator = contract::deploy(&*l1, operator, params).await.unwrap();
    let circuit = contract::register(&*l1, app, aggregator, &vk_words(keys.vk())).await.unwrap();
    let args =
        AggregatedZkVerifier::constructorCall { _aggregator: aggregator, _circuitId: circuit };
    let aggregated: alloy_primitives::Bytes =
        [AggregatedZkVerifier::BYTECODE.as_ref(), &args.abi_encode()].concat().into();
    let verifier = if with_whole_twin {
        let whole = tribunal_zk::verifier::deploy_code(keys.vk(), keys.insecure).unwrap();
        let mut members = Vec::new();
        for code in [whole, aggregated] {
            let r = l1.send(app, L1Tx::create(code)).await.unwrap();
            members.push(r.contract_address.unwrap());
        }
        let args = ZkVerifierSet::constructorCall { _members: members }.abi_encode();
        [ZkVerifierSet::BYTECODE.as_ref(), &args].concat().into()
    } else {
        aggregated
    };
    let mut sys = System::deploy_with(&*l1, LegImpl::Create(Box::new(move |_| verifier))).await;
    let genesis = sys.state.clone();

    // The aggregator's service and RPC, batching every proof at once when stepped.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a.redb")).unwrap();
    let policy = Policy { max_proofs: 1, max_age_secs: 0 };
    let service = Aggregator::new(l1.clone(), operator.clone(), aggregator, store, policy);
    let service = Arc::new(service.await.unwrap());
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let (bound, _server) = tribunal_aggregation::rpc::serve(service.clone(), addr).await.unwrap();
    let fee = view(&*l1, aggregator, ProofAggregator::feePerProofCall {}).await.unwrap();
    contract::deposit(&*l1, payer, aggregator, fee * U256::from(2)).await.unwrap();
    let submitter = Submitter::new(&format!("http://{bound}"), payer.clone(), fee).unwrap();

    let (_, out1) = sys.deposit_batch(&[&PrivateKey::from_bytes([0xa1; 32])]).await;
    sys.propose(&sys.claim(&out1).await).await.unwrap();
    let circuits = CircuitSizes::new(vec![keys.clone()]).unwrap();
    let (inbox, finality) = (sys.d.inbox, sys.d.finality);
    let worker = |circuits| {
        ZkProver::new(&*l1, inbox, finality, signers[6].clone(), circuits, genesis.clone())
    };
    if !with_whole_twin {
        // Without an aggregator, a worker cannot use that verifier: an error on every poll,
        // never a whole proof it would refuse.
        let e = worker(circuits.clone()).poll().await.unwrap_err();
        assert!(e.to_string().contains("no aggregator RPC configured"), "{e}");
    }
    let mut worker = worker(circuits).with_aggregator(submitter, Duration::from_secs(1));

    // Nobody batches yet.
    let first = worker.poll().await;
    if with_whole_twin {
        match &first.unwrap()[..] {
            [(0, ZkOutcome::Proven { gas, .. })] => {
                eprintln!("gas proveZk of the whole proof, the aggregator silent: {gas}");
                assert!(*gas > 250_000, "the whole Groth16 verification");
            }
            other => panic!("claim 0: {other:?}"),
        }
    } else {
        let e = first.unwrap_err();
        assert!(matches!(e, ZkProverError::Aggregator(ClientError::Timeout { .. })), "{e}");
        assert_eq!(worker.next_claim(), 0);
    }

    let stepping = async {
        loop {
            if let Err(e) = service.step().await {
                eprintln!("aggregator step: {e}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let settle = async {
        let aggregated_gas = |done: &[(u64, ZkOutcome)], id: u64| match done {
            [(got, ZkOutcome::Proven { slots: 2, gas, .. })] if *got == id => {
                eprintln!("gas proveZk with the inclusion path (claim {id}): {gas}");
                assert!(*gas < 200_000, "an inclusion check, not a Groth16 verification");
            }
            other => panic!("claim {id}: {other:?}"),
        };
        if !with_whole_twin {
            aggregated_gas(&worker.poll().await.unwrap(), 0);
        }
        // A second claim: its voucher continues the chain the first charge left.
        let bob = PrivateKey::from_bytes([0xb0; 32]);
        let call = Inbox::depositCall { _pubkey: bob.public_key().to_bytes().into() };
        let r = sys.send(&sys.stranger, sys.d.inbox, call, U256::from(ETH)).await.unwrap();
        let log = r.logs.iter().find_map(|l| Inbox::MessageQueued::decode_log(l).ok());
        let deposit = tribunal_primitives::batch::decode_tx_exact(&log.unwrap().message);
        let b2 = Batch { chain_id: CHAIN, number: BatchNumber(2), txs: vec![deposit.unwrap()] };
        let out2 = execute_batch(&mut sys.state, &b2).unwrap();
        sys.post(&sys.sequencer, &b2, 2).await.unwrap();
        sys.propose(&sys.claim(&out2).await).await.unwrap();
        aggregated_gas(&worker.poll().await.unwrap(), 1);
        sys
    };
    let sys = tokio::select! {
        sys = settle => sys,
        () = stepping => unreachable!(),
    };
    for id in [0u64, 1] {
        let status =
            sys.view(finality, MultiProofFinality::statusOfCall { _id: U256::from(id) }).await;
        assert!(status.zk, "claim {id}: ZK approval recorded");
    }
    // Both proofs were aggregated and paid (the first one also when it went whole meanwhile).
    let balance =
        view(&*l1, aggregator, ProofAggregator::balanceOfCall { _submitter: payer.address() });
    assert_eq!(balance.await.unwrap(), U256::ZERO, "both proofs paid from the balance");
    assert_eq!(service.store().batch_count().unwrap(), 2, "one batch per proof");
}

#[test]
fn the_worker_settles_claims_through_the_aggregation_layer() {
    run(async {
        settle_through_the_aggregator(true).await;
        settle_through_the_aggregator(false).await;
    });
}
