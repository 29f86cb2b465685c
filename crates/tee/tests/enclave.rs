//! The dev enclave re-executes real batches from their blobs and a parent state witness, signs
//! only claims it agrees with, and attests only where the insecure backend is allowed.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, Signature, keccak256};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, ChainId, Claim, Fr, QueueAcc, StateRoot, Tx,
};
use tribunal_stf::{State, StfConfig, execute_batch, test_utils::funded_state};
use tribunal_tee::{
    Attestation, AttestationError, AttestationPolicy, DevEnclave, Enclave, EnclaveConfig,
    ProveRequest, TeeError, TeeKind, verify_attestation,
};

const CHAIN: ChainId = ChainId(901);

fn config() -> EnclaveConfig {
    EnclaveConfig {
        stf: StfConfig::new(CHAIN).with_depths(8, 4),
        l1_chain_id: 1337,
        finality: Address::repeat_byte(0xf1),
    }
}

fn enclave() -> DevEnclave {
    DevEnclave::new(config(), PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap()).unwrap()
}

/// A funded parent state, a batch of a transfer, a withdrawal and a deposit, and the honest
/// request for it.
fn request() -> (State, ProveRequest) {
    let (state, users) = funded_state(config().stf, 4, 1_000);
    let txs = vec![
        users[3].deposit(7),
        Tx::Transfer(users[0].transfer(CHAIN, AccountIndex(1), 10, 0)),
        Tx::Withdraw(users[2].withdraw(CHAIN, Address::repeat_byte(9), 5, 0)),
    ];
    let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs };
    let blobs = tribunal_da::encode_blobs(&batch.encode()).unwrap();
    let hashes = tribunal_da::versioned_hashes(&blobs).unwrap();
    let parent = state.witness_for(&batch);
    let out = execute_batch(&mut state.clone(), &batch).unwrap();
    let claim = Claim {
        chain_id: CHAIN,
        batch_number: BatchNumber(1),
        parent_root: out.parent_root,
        post_root: out.post_root,
        withdrawal_root: out.withdrawal_root,
        data_commitment: out.data_commitment,
        blobs_hash: keccak256(hashes.concat()),
        queue_before: QueueAcc::EMPTY,
        queue_after: out.queue_after,
    };
    (state, ProveRequest { claim, blobs, messages: batch.messages().to_vec(), parent })
}

/// The host hands the enclave the batch's L1 messages; one it alters, drops or makes up does not
/// chain the claim's queue accumulators, so the enclave refuses to sign.
#[test]
fn a_host_cannot_choose_the_l1_messages() {
    let (_, honest) = request();
    enclave().prove(&honest).unwrap();
    let mut altered = honest.clone();
    let Tx::Deposit(d) = &mut altered.messages[0] else { panic!("a deposit") };
    d.amount.0 += 1;
    let mut dropped = honest;
    dropped.messages.clear();
    for bad in [altered, dropped] {
        let err = enclave().prove(&bad).unwrap_err();
        assert!(matches!(err, TeeError::Disagree { .. }), "{err}");
    }
}

#[test]
fn an_honest_claim_is_signed_by_the_enclave_key() {
    let (_, req) = request();
    let e = enclave();
    let approval = e.prove(&req).unwrap();
    assert_eq!(approval.signer, e.signer());
    let digest = req.claim.tee_signing_hash(1337, Address::repeat_byte(0xf1));
    let sig = Signature::try_from(&approval.signature[..]).unwrap();
    assert_eq!(sig.recover_address_from_prehash(&digest).unwrap(), e.signer());
    assert!(approval.signature[64] == 27 || approval.signature[64] == 28);
}

#[test]
fn the_enclave_refuses_what_its_re_execution_disagrees_with() {
    let (_, honest) = request();
    let e = enclave();
    let refuse = |edit: &dyn Fn(&mut ProveRequest)| {
        let mut req = honest.clone();
        edit(&mut req);
        e.prove(&req).unwrap_err()
    };
    let wrong = StateRoot(Fr::from(66u64));
    assert!(matches!(
        refuse(&|r| r.claim.post_root = wrong),
        TeeError::Disagree { field: "post_root", .. }
    ));
    assert!(matches!(
        refuse(&|r| r.claim.withdrawal_root.0 = Fr::from(1u64)),
        TeeError::Disagree { field: "withdrawal_root", .. }
    ));
    assert!(matches!(
        refuse(&|r| r.claim.queue_after.0 = Fr::from(1u64)),
        TeeError::Disagree { field: "queue_after", .. }
    ));
    assert!(matches!(
        refuse(&|r| r.claim.data_commitment.0 = Fr::from(1u64)),
        TeeError::Disagree { field: "data_commitment", .. }
    ));
    assert!(matches!(refuse(&|r| r.claim.blobs_hash = B256::ZERO), TeeError::BlobsMismatch { .. }));
    assert!(matches!(refuse(&|r| r.claim.chain_id = ChainId(902)), TeeError::WrongChain { .. }));
    // The blobs hold batch 1's header: read as batch 2, they hold no records.
    assert!(matches!(
        refuse(&|r| r.claim.batch_number = BatchNumber(2)),
        TeeError::Disagree { field: "data_commitment", .. }
    ));
    assert!(matches!(
        refuse(&|r| r.claim.batch_number = BatchNumber(0)),
        TeeError::WrongBatch { .. }
    ));
    // Another batch's blobs, re-hashed into the claim: the data commitment no longer matches.
    let other = Batch { chain_id: CHAIN, number: BatchNumber(1), txs: vec![] };
    let blobs = tribunal_da::encode_blobs(&other.encode()).unwrap();
    let hash = keccak256(tribunal_da::versioned_hashes(&blobs).unwrap().concat());
    assert!(matches!(
        refuse(&|r| {
            r.blobs = blobs.clone();
            r.claim.blobs_hash = hash;
        }),
        TeeError::Disagree { field: "data_commitment", .. }
    ));
    // Blobs that hold no batch read as one without records, not as the claim's.
    let junk = tribunal_da::encode_blobs(b"not a batch").unwrap();
    let hash = keccak256(tribunal_da::versioned_hashes(&junk).unwrap().concat());
    assert!(matches!(
        refuse(&|r| {
            r.blobs = junk.clone();
            r.claim.blobs_hash = hash;
        }),
        TeeError::Disagree { field: "data_commitment", .. }
    ));
    // A claim on another parent root: the witness does not open to it.
    assert!(matches!(refuse(&|r| r.claim.parent_root = wrong), TeeError::Witness(_)));
    // A witness that leaves out an account, or lies about one.
    assert_eq!(
        refuse(&|r| {
            r.parent.accounts.pop();
        }),
        TeeError::MissingWitness(AccountIndex(3))
    );
    assert!(matches!(
        refuse(&|r| r.parent.accounts[0].account.as_mut().unwrap().balance.0 += 1),
        TeeError::Witness(_)
    ));
    // Every refusal about the claim itself is an alert; a bad witness is the host's fault.
    assert!(refuse(&|r| r.claim.post_root = wrong).is_wrong_claim());
    assert!(
        !refuse(&|r| {
            r.parent.accounts.pop();
        })
        .is_wrong_claim()
    );
}

#[test]
fn dev_attestations_bind_signer_chain_and_measurement_and_are_refused_unless_allowed() {
    let e = enclave();
    let att = e.attestation().unwrap();
    let strict = AttestationPolicy::default();
    assert_eq!(
        verify_attestation(&att, CHAIN.0, &strict, 0).unwrap_err(),
        AttestationError::InsecureNotAllowed
    );
    let dev = AttestationPolicy { allow_insecure_dev: true, ..Default::default() };
    let signer = verify_attestation(&att, CHAIN.0, &dev, 0).unwrap();
    assert_eq!(signer.kind, TeeKind::DevInsecure);
    assert_eq!(signer.signer, e.signer());
    assert_eq!(signer.measurement, e.measurement());
    assert_eq!(
        verify_attestation(&att, 902, &dev, 0).unwrap_err(),
        AttestationError::WrongChain { expected: 902, got: CHAIN.0 }
    );
    // The JSON form round-trips, and a re-pointed signer no longer matches its report data.
    let json = serde_json::to_string(&att).unwrap();
    assert!(json.contains("INSECURE"));
    let Attestation::Dev(mut forged) = serde_json::from_str(&json).unwrap() else { panic!() };
    forged.signer = Address::repeat_byte(0x66);
    assert_eq!(
        verify_attestation(&Attestation::Dev(forged), CHAIN.0, &dev, 0).unwrap_err(),
        AttestationError::DevReportData
    );
    // The measurement covers the configuration: another finality contract, another measurement.
    let other = DevEnclave::new(
        EnclaveConfig { finality: Address::repeat_byte(0xf2), ..config() },
        PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap(),
    )
    .unwrap();
    assert_ne!(other.measurement(), e.measurement());
}

#[test]
fn enclave_config_decodes_what_it_encodes() {
    let config = config();
    assert_eq!(EnclaveConfig::decode(&config.encode()), Some(config));
    assert_eq!(EnclaveConfig::decode(&config.encode()[1..]), None);
}
