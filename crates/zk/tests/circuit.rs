//! The batch circuit against the native STF: agreement on real batches, and every rule tried
//! and refused.

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use tribunal_primitives::{
    AccountIndex, Address, Batch, BatchNumber, ChainId, Fr, PrivateKey, Signed, Transfer, Tx, Wei,
    tx::Deposit,
};
use tribunal_stf::{
    State, StfConfig, execute_batch,
    test_utils::{User, funded_state},
};
use tribunal_zk::{
    circuit::BatchCircuit,
    config::CircuitConfig,
    witness::{BatchWitness, WitnessError},
};

const CHAIN: ChainId = ChainId(901);

fn setup() -> (State, Vec<User>, CircuitConfig) {
    let stf = StfConfig::new(CHAIN).with_depths(6, 3);
    let (state, users) = funded_state(stf, 4, 1_000);
    (state, users, CircuitConfig::for_stf(&stf, 8))
}

fn witness(
    state: &mut State,
    cfg: &CircuitConfig,
    txs: Vec<Tx>,
) -> Result<BatchWitness, WitnessError> {
    let batch = Batch { chain_id: CHAIN, number: BatchNumber(state.head().0 + 1), txs };
    let output = execute_batch(state, &batch).expect("a valid batch");
    let blobs = tribunal_da::encode_blobs(&batch.encode()).unwrap();
    BatchWitness::new(cfg, &batch, &output, &blobs[0])
}

/// Synthesizes the circuit and reports whether it is satisfied, and its size.
fn check(cfg: CircuitConfig, w: Option<BatchWitness>) -> (bool, usize, Option<String>) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    BatchCircuit { config: cfg, witness: w }.generate_constraints(cs.clone()).unwrap();
    let ok = cs.is_satisfied().unwrap();
    let which = if ok { None } else { cs.which_is_unsatisfied().unwrap() };
    (ok, cs.num_constraints(), which)
}

fn mixed(users: &[User]) -> Vec<Tx> {
    let newcomer = PrivateKey::from_bytes([9; 32]);
    vec![
        Tx::Deposit(Deposit {
            to: AccountIndex(7),
            pubkey: newcomer.public_key().to_bytes(),
            amount: Wei(50),
        }),
        users[0].deposit(5),
        Tx::ForcedTransfer(users[1].transfer(CHAIN, AccountIndex(2), 10, 0)),
        Tx::Transfer(users[0].transfer(CHAIN, AccountIndex(1), 100, 0)),
        Tx::Transfer(users[2].transfer(CHAIN, AccountIndex(2), 7, 0)),
        Tx::Withdraw(users[3].withdraw(CHAIN, Address::repeat_byte(0xaa), 300, 0)),
        Tx::ForcedWithdraw(users[1].withdraw(CHAIN, Address::repeat_byte(0xbb), 1, 1)),
    ]
}

#[test]
fn a_mixed_batch_satisfies_the_circuit() {
    let (mut state, users, cfg) = setup();
    let w = witness(&mut state, &cfg, mixed(&users)).unwrap();
    let (ok, n, which) = check(cfg, Some(w));
    println!("{} constraints for {} slots", n, cfg.batch_size);
    assert!(ok, "unsatisfied: {which:?}");
}

/// Executes `txs` honestly, then lets `forge` rewrite the posted batch. The witness keeps the
/// STF's account witnesses and roots but carries the forged bytes (data commitment and blob
/// re-derived from them), so the rule under test is what must refuse it.
fn forged(txs: impl FnOnce(&[User]) -> Vec<Tx>, forge: impl FnOnce(&mut Batch, &[User])) -> bool {
    let (mut state, users, cfg) = setup();
    let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs: txs(&users) };
    let mut out = execute_batch(&mut state, &batch).unwrap();
    let mut forged = batch.clone();
    forge(&mut forged, &users);
    out.data_commitment = tribunal_primitives::DataCommitment(forged.data_commitment());
    let blob = &tribunal_da::encode_blobs(&forged.encode()).unwrap()[0];
    let w = BatchWitness::new(&cfg, &forged, &out, blob).unwrap();
    check(cfg, Some(w)).0
}

fn transfer(users: &[User], from: usize, to: u32, amount: u128, nonce: u64) -> Tx {
    Tx::Transfer(users[from].transfer(CHAIN, AccountIndex(to), amount, nonce))
}

#[test]
fn the_forging_harness_accepts_an_unforged_batch() {
    assert!(forged(|u| vec![transfer(u, 0, 1, 10, 0)], |_, _| {}));
}

#[test]
fn a_forged_signature_is_refused() {
    assert!(!forged(
        |u| vec![transfer(u, 0, 1, 10, 0)],
        |b, u| {
            // User 3 signs user 0's transfer.
            let body =
                Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(10), nonce: 0 };
            b.txs[0] = Tx::Transfer(Signed::sign(body, CHAIN, &u[3].key));
        }
    ));
}

#[test]
fn an_overdraft_is_refused() {
    assert!(!forged(
        |u| vec![transfer(u, 0, 1, 10, 0)],
        |b, u| b.txs[0] = transfer(u, 0, 1, 1_001, 0)
    ));
}

#[test]
fn a_replayed_nonce_is_refused() {
    assert!(!forged(
        |u| vec![transfer(u, 0, 1, 10, 0), transfer(u, 0, 2, 10, 1)],
        |b, u| b.txs[1] = transfer(u, 0, 1, 10, 0)
    ));
}

#[test]
fn a_wrong_post_root_or_a_mismatched_blob_is_refused() {
    let (mut state, users, cfg) = setup();
    let txs = mixed(&users);
    let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs };
    let out = execute_batch(&mut state, &batch).unwrap();
    let blob = &tribunal_da::encode_blobs(&batch.encode()).unwrap()[0];
    let honest = BatchWitness::new(&cfg, &batch, &out, blob).unwrap();

    let mut wrong_root = honest.clone();
    wrong_root.claim.post_root = tribunal_primitives::StateRoot(Fr::from(1u64));
    wrong_root.open(blob).unwrap();
    assert!(!check(cfg, Some(wrong_root)).0, "a wrong post root");

    let mut wrong_withdrawals = honest.clone();
    wrong_withdrawals.claim.withdrawal_root = tribunal_primitives::WithdrawalRoot(Fr::from(1u64));
    wrong_withdrawals.open(blob).unwrap();
    assert!(!check(cfg, Some(wrong_withdrawals)).0, "a wrong withdrawal root");

    let other = Batch { chain_id: CHAIN, number: BatchNumber(1), txs: vec![] };
    let other_blob = &tribunal_da::encode_blobs(&other.encode()).unwrap()[0];
    let mut mismatched = honest.clone();
    mismatched.open(other_blob).unwrap();
    assert!(!check(cfg, Some(mismatched)).0, "another blob");

    assert!(
        matches!(BatchWitness::new(&cfg, &batch, &out, other_blob), Err(WitnessError::Blob(_))),
        "the witness builder names a blob that does not hold the batch"
    );
    assert!(check(cfg, Some(honest)).0);
}

#[test]
fn skipped_l1_transactions_are_a_typed_error() {
    let (mut state, users, cfg) = setup();
    // A forced transfer that overdraws: the STF skips it.
    let txs = vec![Tx::ForcedTransfer(users[1].transfer(CHAIN, AccountIndex(2), 5_000, 0))];
    assert_eq!(
        witness(&mut state, &cfg, txs).unwrap_err(),
        WitnessError::SkippedL1Transaction { index: 0 }
    );
    let (mut state, users, cfg) = setup();
    let too_many = (0..9).map(|i| transfer(&users, 0, 1, 1, i)).collect();
    assert_eq!(
        witness(&mut state, &cfg, too_many).unwrap_err(),
        WitnessError::TooManyTransactions { got: 9, max: 8 }
    );
}

mod agreement {
    use super::*;
    use proptest::prelude::*;

    /// A valid transaction for the 4 funded users (balances 1,000, amounts ≤ 100, 8 per batch,
    /// so no overdraft) or a deposit to accounts 4..8.
    fn arb_step() -> impl Strategy<Value = (u8, usize, u32, u128)> {
        (0u8..5, 0usize..4, 0u32..8, 0u128..=100)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

        /// Whatever valid batch the STF executes, the circuit is satisfied by the witness read
        /// from that execution, and binds the STF's claim.
        #[test]
        fn circuit_and_stf_agree(steps in proptest::collection::vec(arb_step(), 0..=8)) {
            let (mut state, users, cfg) = setup();
            let mut nonces = [0u64; 4];
            let key = |i: u32| if i < 4 { users[i as usize].key.clone() } else { PrivateKey::from_bytes([i as u8 + 1; 32]) };
            let txs: Vec<Tx> = steps
                .into_iter()
                .map(|(kind, from, to, amount)| {
                    let nonce = nonces[from];
                    match kind {
                        0 | 1 => {
                            nonces[from] += 1;
                            let t = users[from].transfer(CHAIN, AccountIndex(to % 4), amount, nonce);
                            if kind == 0 { Tx::Transfer(t) } else { Tx::ForcedTransfer(t) }
                        }
                        2 | 3 => {
                            nonces[from] += 1;
                            let w = users[from].withdraw(CHAIN, Address::repeat_byte(to as u8), amount, nonce);
                            if kind == 2 { Tx::Withdraw(w) } else { Tx::ForcedWithdraw(w) }
                        }
                        _ => Tx::Deposit(Deposit { to: AccountIndex(to), pubkey: key(to).public_key().to_bytes(), amount: Wei(amount) }),
                    }
                })
                .collect();
            let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs };
            let out = execute_batch(&mut state, &batch).unwrap();
            let blob = &tribunal_da::encode_blobs(&batch.encode()).unwrap()[0];
            let w = BatchWitness::new(&cfg, &batch, &out, blob).unwrap();
            prop_assert_eq!(w.claim.post_root, out.post_root);
            let (ok, _, which) = check(cfg, Some(w));
            prop_assert!(ok, "unsatisfied: {:?}", which);
        }
    }
}
