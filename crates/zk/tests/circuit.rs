//! The batch circuit against the native STF: agreement on real batches, and a malicious prover
//! tried on every rule, both ways: claiming an application of a transaction that must be skipped,
//! and a skip of one that applies.

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use tribunal_primitives::{
    AccountIndex, Address, Batch, BatchNumber, ChainId, Fr, PrivateKey, Signed, Transfer, Tx,
    TxKind, Wei,
    error::SignatureError,
    tx::{Deposit, RawRecord},
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
        Tx::ForcedWithdraw(users[1].withdraw(CHAIN, Address::repeat_byte(0xbb), 1, 1)),
        Tx::Transfer(users[0].transfer(CHAIN, AccountIndex(1), 100, 0)),
        Tx::Transfer(users[2].transfer(CHAIN, AccountIndex(2), 7, 0)),
        Tx::Withdraw(users[3].withdraw(CHAIN, Address::repeat_byte(0xaa), 300, 0)),
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

/// A circuit of any size, not only a power of two: the withdrawal tree pads an odd level with the
/// empty subtree, so a withdrawal in the last slot has the native STF's root.
#[test]
fn circuits_of_sizes_that_are_not_powers_of_two_prove_the_native_withdrawal_root() {
    for size in [3usize, 5, 6, 7] {
        let (mut state, users, _) = setup();
        let stf = StfConfig::new(CHAIN).with_depths(6, 3);
        let cfg = CircuitConfig::for_stf(&stf, size);
        assert_eq!(cfg.validate(), Ok(()));
        let mut txs: Vec<Tx> = (0..size as u64 - 1).map(|i| transfer(&users, 0, 1, 1, i)).collect();
        txs.push(Tx::Withdraw(users[3].withdraw(CHAIN, Address::repeat_byte(0xaa), 300, 0)));
        let w = witness(&mut state, &cfg, txs).unwrap();
        let (ok, _, which) = check(cfg, Some(w));
        assert!(ok, "{size} slots unsatisfied: {which:?}");
    }
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

/// Records that hold no transaction: an unknown tag, an L1 tag (L1 messages come from the queue,
/// never from the blob), a transfer with non-zero padding, zeros.
fn garbage(users: &[User]) -> Vec<Tx> {
    let mut valid = Vec::new();
    tribunal_primitives::batch::encode_tx(&transfer(users, 0, 1, 10, 0), &mut valid);
    valid.resize(124, 0);
    let with = |i: usize, b: u8| {
        let mut r: [u8; 124] = valid.clone().try_into().unwrap();
        r[i] = b;
        Tx::Undecodable(RawRecord(r))
    };
    vec![
        with(0, 0x7f),
        with(0, TxKind::Deposit as u8),
        with(123, 1),
        Tx::Undecodable(RawRecord([0; 124])),
    ]
}

/// A blob record that holds no transaction is skipped: the circuit proves the skip, between
/// transactions that apply.
#[test]
fn undecodable_records_are_proven_skips() {
    let (mut state, users, cfg) = setup();
    let mut txs = vec![users[1].deposit(5), transfer(&users, 0, 1, 10, 0)];
    txs.extend(garbage(&users));
    txs.push(transfer(&users, 2, 3, 10, 0));
    let w = witness(&mut state, &cfg, txs).unwrap();
    let (ok, _, which) = check(cfg, Some(w));
    assert!(ok, "unsatisfied: {which:?}");
}

/// A malicious prover calls a valid transfer undecodable, to skip it: its bytes decode, so the
/// circuit refuses (the blob holds exactly those bytes).
#[test]
fn a_decodable_record_cannot_be_called_undecodable() {
    let (mut state, users, cfg) = setup();
    let mut valid = Vec::new();
    tribunal_primitives::batch::encode_tx(&transfer(&users, 0, 1, 10, 0), &mut valid);
    valid.resize(124, 0);
    let forged = Tx::Undecodable(RawRecord(valid.try_into().unwrap()));
    let w = witness(&mut state, &cfg, vec![forged]).unwrap();
    let (ok, _, which) = check(cfg, Some(w));
    println!("unsatisfied: {which:?}");
    assert!(!ok, "a decodable transfer claimed undecodable");
}

/// The queue's messages execute before the blob's records: a prover that slots a message after
/// a sequencer transaction (so it would run on another state) cannot satisfy the circuit.
#[test]
fn an_l1_message_after_a_blob_record_is_refused() {
    let (mut state, users, cfg) = setup();
    let txs = vec![transfer(&users, 0, 1, 10, 0), users[2].deposit(5)];
    let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs };
    let out = execute_batch(&mut state, &batch).unwrap();
    let blob = &tribunal_da::encode_blobs(&batch.encode()).unwrap()[0];
    let w = BatchWitness::new(&cfg, &batch, &out, blob).unwrap();
    let (ok, _, which) = check(cfg, Some(w));
    println!("unsatisfied: {which:?}");
    assert!(!ok, "a message after a record");
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

/// Both public inputs are constrained: the honest ones are those `tribunal_zk::public` computes,
/// and moving either by a power of two, at positions of `z` and of `y` (bits 253 and 254 of `y`
/// sit above `z` in the first), leaves the circuit unsatisfied. Bit by bit, the encoding is
/// checked against Solidity in `solidity_verifier.rs`.
#[test]
fn both_public_inputs_are_bound_to_the_rust_definition() {
    use ark_ff::Field;
    use tribunal_zk::public::{CHALLENGE_BITS, claim_digest, public_inputs};
    let (mut state, users, cfg) = setup();
    let honest = witness(&mut state, &cfg, mixed(&users)).unwrap();
    let d = claim_digest(&honest.claim, &honest.versioned_hash, honest.non_canonical);
    assert_eq!(honest.public_inputs, public_inputs(&d, &honest.y));
    let two = Fr::from(2u64);
    for (input, bits) in
        [(0, [0, 1, 100, CHALLENGE_BITS - 1, 251, 252]), (1, [0, 1, 100, 200, 251, 252])]
    {
        for bit in bits {
            let mut moved = honest.clone();
            moved.public_inputs[input] += two.pow([bit as u64]);
            assert!(!check(cfg, Some(moved)).0, "input {input}, bit {bit}");
        }
    }
    assert!(check(cfg, Some(honest)).0);
}

/// A blob that is not in canonical form (here: junk after its last record) carries no records:
/// the circuit proves its messages alone, with `non_canonical` in the claim digest. A malicious
/// prover can neither apply records under that flag, nor prove the junk blob without it.
#[test]
fn a_non_canonical_blob_is_proven_as_carrying_no_records() {
    let (mut state, users, cfg) = setup();
    let posted = Batch {
        chain_id: CHAIN,
        number: BatchNumber(1),
        txs: vec![users[1].deposit(5), transfer(&users, 0, 1, 10, 0)],
    };
    let mut junk = tribunal_da::encode_blobs(&posted.encode()).unwrap().remove(0);
    junk.0[32 * 300 + 31] = 1;
    let messages = [users[1].deposit(5)];
    let batch =
        tribunal_da::read_batch(std::slice::from_ref(&junk), &messages, CHAIN, BatchNumber(1));
    assert_eq!(batch.txs.len(), 1, "the STF reads no records");
    let mut honest_state = state.clone();
    let out = execute_batch(&mut honest_state, &batch).unwrap();
    let honest = BatchWitness::new(&cfg, &batch, &out, &junk).unwrap();
    assert!(honest.non_canonical);
    let (ok, _, which) = check(cfg, Some(honest.clone()));
    assert!(ok, "unsatisfied: {which:?}");

    // Without the flag, the circuit's blob (its own canonical bytes) is not the posted one.
    let mut unflagged = honest;
    unflagged.non_canonical = false;
    unflagged.open(&junk).unwrap();
    let (ok, _, which) = check(cfg, Some(unflagged));
    println!("unflagged junk blob, unsatisfied: {which:?}");
    assert!(!ok, "a non-canonical blob proven as canonical");

    // With the flag, records cannot be applied.
    let out = execute_batch(&mut state, &posted).unwrap();
    let canonical = &tribunal_da::encode_blobs(&posted.encode()).unwrap()[0];
    let mut flagged = BatchWitness::new(&cfg, &posted, &out, canonical).unwrap();
    assert!(!flagged.non_canonical);
    flagged.non_canonical = true;
    flagged.open(&junk).unwrap();
    let (ok, _, which) = check(cfg, Some(flagged));
    println!("records under the flag, unsatisfied: {which:?}");
    assert!(!ok, "records applied from a blob held non-canonical");

    assert!(
        matches!(
            BatchWitness::new(
                &cfg,
                &posted,
                &execute_batch(&mut setup().0, &posted).unwrap(),
                &junk
            ),
            Err(WitnessError::Blob(_))
        ),
        "the witness builder refuses records from a non-canonical blob"
    );
}

#[test]
fn a_batch_that_does_not_fit_is_a_typed_error() {
    let (mut state, users, cfg) = setup();
    let too_many = (0..9).map(|i| transfer(&users, 0, 1, 1, i)).collect();
    assert_eq!(
        witness(&mut state, &cfg, too_many).unwrap_err(),
        WitnessError::TooManyTransactions { got: 9, max: 8 }
    );
}

/// Issue 24's budgets: a transaction slot at production depth costs at most 30,000 constraints,
/// and what a batch costs besides its slots at most 126,000. Constraint counts are deterministic.
#[test]
fn a_transaction_slot_and_the_batch_stay_within_their_constraint_budgets() {
    use ark_relations::gr1cs::SynthesisMode;
    let constraints = |batch_size| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        let config = CircuitConfig { account_depth: 32, withdrawal_depth: 10, batch_size };
        BatchCircuit { config, witness: None }.generate_constraints(cs.clone()).unwrap();
        cs.num_constraints()
    };
    let per_slot = (constraints(4) - constraints(2)) / 2;
    println!("constraints per transaction slot at depth 32: {per_slot}");
    assert!(per_slot <= 30_000, "{per_slot} constraints per slot");
    let fixed = constraints(2) - 2 * per_slot;
    println!("constraints per batch besides its slots: {fixed}");
    assert!(fixed <= 126_000, "{fixed} fixed constraints per batch");
}

/// The devnet fills batches of 31 transactions because their circuit, with its instance
/// variables, fits Groth16's 2^20 evaluation domain at depth 32 (32 slots need 2^21, twice the
/// proving time). Constraint counts are deterministic: growth that breaks this is caught here.
#[test]
fn thirty_one_slots_fit_a_2_20_evaluation_domain() {
    use ark_relations::gr1cs::SynthesisMode;
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    let config = CircuitConfig { account_depth: 32, withdrawal_depth: 10, batch_size: 31 };
    BatchCircuit { config, witness: None }.generate_constraints(cs.clone()).unwrap();
    let size = cs.num_constraints() + cs.num_instance_variables();
    println!("31 slots at depth 32: {size} of 2^20 = {}", 1 << 20);
    assert!(size <= 1 << 20, "{size} > 2^20");
}

/// Every rule under which `execute_batch` skips a transaction, played by a malicious prover.
mod skips {
    use super::*;
    use tribunal_primitives::eip2494::{Scalar, pack_point, point_from_coordinates};
    use tribunal_stf::{TxError, TxStatus};

    /// Four users with 1,000 wei, except user 2 (2^128 − 6: one more wei credited overflows)
    /// and user 3 (its nonce is the last one); depths 6 and 3; 2 slots.
    fn setup() -> (State, Vec<User>, CircuitConfig) {
        let stf = StfConfig::new(CHAIN).with_depths(6, 3);
        let (state, users) = funded_state(stf, 4, 1_000);
        let accounts = state.accounts().map(|(i, a)| {
            let mut a = *a;
            match i.0 {
                2 => a.balance = Wei(u128::MAX - 5),
                3 => a.nonce = u64::MAX,
                _ => {}
            }
            (i, a)
        });
        let state =
            State::from_accounts(stf, BatchNumber(0), accounts.collect::<Vec<_>>()).unwrap();
        (state, users, CircuitConfig::for_stf(&stf, 2))
    }

    /// The blob, data commitment and witness of `posted`, with the accounts, roots and statuses
    /// of executing `executed` instead: what a prover who lies about one transaction's outcome
    /// must make the circuit accept.
    fn prove(executed: Tx, posted: Tx) -> (bool, Option<String>, Option<TxStatus>) {
        let (mut state, _, cfg) = setup();
        let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs: vec![executed] };
        let mut out = execute_batch(&mut state, &batch).unwrap();
        let status = out.receipts[0].status;
        let posted = Batch { txs: vec![posted], ..batch };
        out.data_commitment = tribunal_primitives::DataCommitment(posted.data_commitment());
        let blob = &tribunal_da::encode_blobs(&posted.encode()).unwrap()[0];
        let w = BatchWitness::new(&cfg, &posted, &out, blob).unwrap();
        let (ok, _, which) = check(cfg, Some(w));
        (ok, which, Some(status))
    }

    /// `good` applies and `bad` is skipped for `reason`: both are proven as they are, and a
    /// prover claiming the other outcome for either is refused.
    fn case(name: &str, good: Tx, bad: Tx, reason: impl Fn(&TxError) -> bool) {
        let (ok, which, status) = prove(good, good);
        assert!(ok, "{name}: the applied transaction is proven: {which:?}");
        assert_eq!(status, Some(TxStatus::Applied), "{name}");
        let (ok, which, status) = prove(bad, bad);
        assert!(ok, "{name}: the skipped transaction is proven: {which:?}");
        match status {
            Some(TxStatus::Skipped(e)) => assert!(reason(&e), "{name}: skipped for {e:?}"),
            other => panic!("{name}: {other:?}"),
        }
        // Claiming an application of the skipped transaction (the roots of `good`).
        let (ok, which, _) = prove(good, bad);
        assert!(!ok, "{name}: applying a transaction that must be skipped");
        println!("{name}: applying it fails at {}", which.unwrap_or_default());
        // Claiming a skip of the applied transaction (the roots of `bad`).
        let (ok, which, _) = prove(bad, good);
        assert!(!ok, "{name}: skipping a transaction that applies");
        println!("{name}: skipping the good one fails at {}", which.unwrap_or_default());
    }

    fn t(users: &[User], from: usize, to: u32, amount: u128, nonce: u64) -> Tx {
        Tx::Transfer(users[from].transfer(CHAIN, AccountIndex(to), amount, nonce))
    }

    fn with_signature(tx: Tx, f: impl FnOnce(&mut [u8; 64])) -> Tx {
        match tx {
            Tx::Transfer(mut t) => {
                f(&mut t.signature);
                Tx::Transfer(t)
            }
            other => other,
        }
    }

    fn deposit(to: u32, pubkey: [u8; 32], amount: u128) -> Tx {
        Tx::Deposit(Deposit { to: AccountIndex(to), pubkey, amount: Wei(amount) })
    }

    #[test]
    fn nonce_rules() {
        let (_, u, _) = setup();
        case("wrong nonce", t(&u, 0, 1, 10, 0), t(&u, 0, 1, 10, 1), |e| {
            matches!(e, TxError::BadNonce { .. })
        });
        case("last nonce", t(&u, 1, 0, 1, 0), t(&u, 3, 0, 1, u64::MAX), |e| {
            matches!(e, TxError::NonceExhausted { .. })
        });
    }

    #[test]
    fn balance_rules() {
        let (_, u, _) = setup();
        case("overdraft", t(&u, 0, 1, 10, 0), t(&u, 0, 1, 1_001, 0), |e| {
            matches!(e, TxError::InsufficientBalance { .. })
        });
        case("credit overflow", t(&u, 0, 2, 5, 0), t(&u, 0, 2, 6, 0), |e| {
            matches!(e, TxError::BalanceOverflow { .. })
        });
        let withdraw = |amount| {
            Tx::ForcedWithdraw(u[0].withdraw(CHAIN, Address::repeat_byte(0xee), amount, 0))
        };
        case("forced withdrawal overdraft", withdraw(10), withdraw(1_001), |e| {
            matches!(e, TxError::InsufficientBalance { .. })
        });
    }

    #[test]
    fn account_rules() {
        let (_, u, _) = setup();
        case("unknown recipient", t(&u, 0, 1, 10, 0), t(&u, 0, 5, 10, 0), |e| {
            matches!(e, TxError::UnknownAccount { .. })
        });
        let body =
            Transfer { from: AccountIndex(5), to: AccountIndex(1), amount: Wei(1), nonce: 0 };
        let from_nobody = Tx::Transfer(Signed::sign(body, CHAIN, &u[0].key));
        case("unknown sender", t(&u, 0, 1, 10, 0), from_nobody, |e| {
            matches!(e, TxError::UnknownAccount { .. })
        });
        case("index outside the tree", t(&u, 0, 1, 10, 0), t(&u, 0, 64, 10, 0), |e| {
            matches!(e, TxError::AccountOutOfRange { .. })
        });
    }

    #[test]
    fn signature_rules() {
        let (_, u, _) = setup();
        let good = t(&u, 0, 1, 10, 0);
        let mut no_point = [0u8; 32];
        no_point[0] = 2;
        case(
            "malformed R8",
            good,
            with_signature(good, |s| s[..32].copy_from_slice(&no_point)),
            |e| matches!(e, TxError::BadSignature { source: SignatureError::Malformed, .. }),
        );
        let s_plus_l = with_signature(good, |sig| {
            let l = ark_ff::BigInteger::to_bytes_le(&<Scalar as ark_ff::PrimeField>::MODULUS);
            let mut carry = 0u16;
            for i in 0..32 {
                let sum = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
                sig[32 + i] = sum as u8;
                carry = sum >> 8;
            }
        });
        case("S ≥ l", good, s_plus_l, |e| {
            matches!(e, TxError::BadSignature { source: SignatureError::ScalarOutOfRange, .. })
        });
        let body =
            Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(10), nonce: 0 };
        let forged = Tx::Transfer(Signed::sign(body, CHAIN, &u[1].key));
        case("signature by another key", good, forged, |e| {
            matches!(e, TxError::BadSignature { source: SignatureError::Invalid, .. })
        });
    }

    #[test]
    fn deposit_key_rules() {
        let (_, u, _) = setup();
        let fresh = PrivateKey::from_bytes([9; 32]).public_key().to_bytes();
        let mut no_point = [0u8; 32];
        no_point[0] = 2;
        case("malformed key", deposit(6, fresh, 5), deposit(6, no_point, 5), |e| {
            matches!(e, TxError::InvalidPublicKey { .. })
        });
        // (0, −1) has order 2: 8·A is the identity, so any signature would verify for it.
        let order_two =
            pack_point(&point_from_coordinates(Fr::from(0u64), -Fr::from(1u64)).unwrap());
        case("low-order key", deposit(6, fresh, 5), deposit(6, order_two, 5), |e| {
            matches!(e, TxError::InvalidPublicKey { .. })
        });
        let own = u[1].key.public_key().to_bytes();
        let other = u[0].key.public_key().to_bytes();
        case("top-up with another key", deposit(1, own, 5), deposit(1, other, 5), |e| {
            matches!(e, TxError::PublicKeyMismatch { .. })
        });
        let two = u[2].key.public_key().to_bytes();
        case("top-up overflow", deposit(2, two, 5), deposit(2, two, 6), |e| {
            matches!(e, TxError::BalanceOverflow { .. })
        });
    }
}

mod agreement {
    use super::*;
    use proptest::prelude::*;

    /// (kind, from, to, amount, nonce skew, corrupt signature): transfers and withdrawals of the
    /// 4 funded users (1,000 wei each), to accounts 0..8 (4..8 exist only once deposited),
    /// amounts up to 1,500 (overdrafts), stale or future nonces and forged signatures: a mix of
    /// transactions that apply and transactions the STF skips; kind 5 is a blob record that holds
    /// no transaction ([`garbage`]).
    fn arb_step() -> impl Strategy<Value = (u8, usize, u32, u128, u64, bool)> {
        (
            0u8..6,
            0usize..4,
            0u32..8,
            0u128..=1_500,
            prop_oneof![4 => Just(0u64), 1 => 1u64..3],
            prop::bool::weighted(0.15),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

        /// Whatever batch the STF executes, the circuit is satisfied by the witness read from
        /// that execution, and binds the STF's claim: applied and skipped transactions alike.
        #[test]
        fn circuit_and_stf_agree(steps in proptest::collection::vec(arb_step(), 0..=8)) {
            let (mut state, users, cfg) = setup();
            let mut nonces = [0u64; 4];
            let key = |i: u32| if i < 4 { users[i as usize].key.clone() } else { PrivateKey::from_bytes([i as u8 + 1; 32]) };
            let txs: Vec<Tx> = steps
                .into_iter()
                .map(|(kind, from, to, amount, skew, corrupt)| {
                    let nonce = nonces[from] + skew;
                    let mut tx = match kind {
                        0 | 1 => {
                            nonces[from] += 1;
                            let t = users[from].transfer(CHAIN, AccountIndex(to), amount, nonce);
                            if kind == 0 { Tx::Transfer(t) } else { Tx::ForcedTransfer(t) }
                        }
                        2 | 3 => {
                            nonces[from] += 1;
                            let w = users[from].withdraw(CHAIN, Address::repeat_byte(to as u8), amount, nonce);
                            if kind == 2 { Tx::Withdraw(w) } else { Tx::ForcedWithdraw(w) }
                        }
                        4 => Tx::Deposit(Deposit { to: AccountIndex(to), pubkey: key(to).public_key().to_bytes(), amount: Wei(amount) }),
                        _ => garbage(&users)[to as usize % 4],
                    };
                    if corrupt {
                        match &mut tx {
                            Tx::Transfer(t) | Tx::ForcedTransfer(t) => t.signature[40] ^= 1,
                            Tx::Withdraw(w) | Tx::ForcedWithdraw(w) => w.signature[40] ^= 1,
                            Tx::Deposit(d) => d.pubkey[0] ^= 1,
                            Tx::Undecodable(_) => {}
                        }
                    }
                    tx
                })
                .collect();
            // The L1 messages first, as the queue hands them to every batch.
            let mut txs = txs;
            txs.sort_by_key(|tx| !tx.kind().is_l1());
            let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs };
            let out = execute_batch(&mut state, &batch).unwrap();
            let blob = &tribunal_da::encode_blobs(&batch.encode()).unwrap()[0];
            let w = BatchWitness::new(&cfg, &batch, &out, blob).unwrap();
            prop_assert_eq!(w.claim.post_root, out.post_root);
            let (ok, _, which) = check(cfg, Some(w));
            prop_assert!(ok, "unsatisfied: {:?} ({} skipped)", which, out.skipped().count());
        }
    }
}

/// The R1CS of a small circuit, pinned to `CIRCUIT_VERSION`: a change to any constraint (a
/// gadget, `Num`, how synthesis runs) changes this digest, and must come with a new version, so
/// that no cached key of another circuit is ever loaded for it. Rows are compared as their
/// nonzero terms, sorted.
#[test]
fn the_constraint_system_is_pinned_to_its_circuit_version() {
    use ark_ff::{BigInteger, PrimeField};
    use ark_relations::gr1cs::{OptimizationGoal, R1CS_PREDICATE_LABEL, SynthesisMode};
    use sha2::{Digest, Sha256};

    let config = CircuitConfig { account_depth: 6, withdrawal_depth: 3, batch_size: 2 };
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    BatchCircuit { config, witness: None }.generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    let matrices = cs.to_matrices().unwrap().remove(R1CS_PREDICATE_LABEL).unwrap();
    let mut h = Sha256::new();
    for n in [cs.num_instance_variables(), cs.num_witness_variables(), cs.num_constraints()] {
        h.update((n as u64).to_le_bytes());
    }
    for matrix in &matrices {
        for row in matrix {
            let mut terms: Vec<_> = row.iter().filter(|(c, _)| *c != Fr::from(0u64)).collect();
            terms.sort_by_key(|(_, i)| *i);
            h.update((terms.len() as u64).to_le_bytes());
            for (c, i) in terms {
                h.update((*i as u64).to_le_bytes());
                h.update(c.into_bigint().to_bytes_le());
            }
        }
    }
    let digest = alloy_primitives::B256::from_slice(&h.finalize()).to_string();
    println!("v{} R1CS digest {digest}", tribunal_zk::config::CIRCUIT_VERSION);
    assert_eq!(
        (tribunal_zk::config::CIRCUIT_VERSION, digest.as_str()),
        (10, "0xc9e8d3362ab0e44b6b7ea54b648864fbced06ef47f404e8a7b4cb1509393bd0e"),
        "the circuit changed: bump CIRCUIT_VERSION and pin the new digest"
    );
}

/// A proof's witness synthesis builds no linear combination (`Num` keeps values only, and its
/// constants structurally): it must assign every variable exactly as the full constraint system
/// does, over every kind of record, undecodable ones included, and with empty slots.
#[test]
fn proving_synthesis_assigns_every_variable_as_the_full_system_does() {
    let (mut state, users, cfg) = setup();
    let keys = tribunal_zk::keys::dev_setup(&cfg).unwrap();
    let mut txs = mixed(&users);
    txs.push(garbage(&users).remove(0));
    for txs in [txs, garbage(&users)] {
        let w = witness(&mut state, &cfg, txs).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(ark_relations::gr1cs::OptimizationGoal::Constraints);
        BatchCircuit { config: cfg, witness: Some(w.clone()) }
            .generate_constraints(cs.clone())
            .unwrap();
        assert!(cs.is_satisfied().unwrap());
        let full = [cs.instance_assignment().unwrap(), cs.witness_assignment().unwrap()].concat();
        assert_eq!(tribunal_zk::prover::synthesize(&keys, &w).unwrap(), full);
    }
}

/// `prover::prove` computes the witness without building the constraint system and proves
/// against the R1CS matrices of a setup-mode synthesis, without re-randomization: its proof is
/// exactly the one arkworks builds from the full constraint system with `r = s = 0`, and a
/// witness that breaks a rule gets no proof.
#[test]
fn the_prover_matches_arkworks_and_refuses_an_unsatisfied_witness() {
    use ark_groth16::Groth16;
    use tribunal_zk::prover::{ProveError, prepare, prove};

    let (mut state, users, _) = setup();
    let stf = StfConfig::new(CHAIN).with_depths(6, 3);
    let cfg = CircuitConfig::for_stf(&stf, 2);
    let keys = tribunal_zk::keys::dev_setup(&cfg).unwrap();
    let txs = vec![
        transfer(&users, 0, 1, 5, 0),
        Tx::Withdraw(users[3].withdraw(CHAIN, Address::repeat_byte(0xaa), 300, 0)),
    ];
    let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs };
    let out = execute_batch(&mut state, &batch).unwrap();
    let blob = &tribunal_da::encode_blobs(&batch.encode()).unwrap()[0];
    let w = BatchWitness::new(&cfg, &batch, &out, blob).unwrap();

    let ours = prove(&keys, w.clone()).unwrap();
    let circuit = BatchCircuit { config: cfg, witness: Some(w.clone()) };
    let theirs =
        Groth16::<ark_bn254::Bn254>::create_proof_with_reduction_no_zk(circuit, &keys.pk).unwrap();
    assert_eq!(ours.proof, theirs);
    assert!(format!("{:?}", prepare(&keys).unwrap()).len() < 200, "Debug prints counts only");

    let mut wrong = w.clone();
    wrong.claim.post_root = tribunal_primitives::StateRoot(Fr::from(1u64));
    wrong.open(blob).unwrap();
    assert!(matches!(prove(&keys, wrong), Err(ProveError::Unsatisfied)));

    // Matrices kept for one circuit are never used for another's keys.
    let mut other = keys.clone();
    other.config.batch_size = 3;
    assert!(matches!(prepare(&other), Err(ProveError::Prover(_))));
    // A proving key that is not its verifying key's (a stale key file): a satisfied witness
    // whose proof does not verify is the keys' fault, not the batch's.
    let mut stale = keys;
    stale.pvk =
        tribunal_zk::keys::single_party_setup(&cfg, &mut ark_std::rand::thread_rng()).unwrap().pvk;
    assert!(matches!(prove(&stale, w), Err(ProveError::Prover(m)) if m.contains("stale")));
}
