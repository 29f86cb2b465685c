//! Behaviour of `execute_batch`: rules, witnesses, typed errors, atomicity.

use tribunal_primitives::{
    AccountIndex, Address, Batch, BatchNumber, ChainId, Fr, PrivateKey, Tx, Wei,
    error::{DecodeError, SignatureError},
    tx::Deposit,
};
use tribunal_stf::{
    State, StfConfig, StfError, TxError, TxStatus, check_batch, check_tx, execute_batch,
    execute_encoded_batch,
    test_utils::{User, funded_state},
    tree::root_from_path,
};

const CHAIN: ChainId = ChainId(901);

fn config() -> StfConfig {
    StfConfig::new(CHAIN).with_depths(8, 2)
}

fn setup() -> (State, Vec<User>) {
    funded_state(config(), 4, 1_000)
}

fn batch(state: &State, txs: Vec<Tx>) -> Batch {
    Batch { chain_id: CHAIN, number: BatchNumber(state.head().0 + 1), txs }
}

fn run(state: &mut State, txs: Vec<Tx>) -> Result<tribunal_stf::BatchOutput, StfError> {
    let b = batch(state, txs);
    execute_batch(state, &b)
}

/// Executes a one-transaction batch whose transaction must be skipped: the batch executes, the
/// accounts and root are unchanged, and `check_tx` gives the same reason.
fn refused(state: &mut State, tx: Tx) -> TxError {
    let root = state.root();
    let accounts: Vec<_> = {
        let mut v: Vec<_> = state.accounts().map(|(i, a)| (i, *a)).collect();
        v.sort_by_key(|(i, _)| *i);
        v
    };
    let head = state.head();
    let expected = check_tx(state, &tx).expect_err("check_tx must refuse it too");
    assert_eq!(check_batch(state, &[tx]), vec![Err(expected)], "check_batch agrees");
    let out = run(state, vec![tx]).expect("a failing transaction never refuses the batch");
    assert_eq!(out.receipts[0].status, TxStatus::Skipped(expected));
    assert_eq!(state.root(), root, "root unchanged");
    assert_eq!(out.post_root, root);
    assert_eq!(state.head().0, head.0 + 1, "the batch is executed");
    let mut after: Vec<_> = state.accounts().map(|(i, a)| (i, *a)).collect();
    after.sort_by_key(|(i, _)| *i);
    assert_eq!(after, accounts, "accounts unchanged");
    expected
}

#[test]
fn transfer_moves_value_and_witnesses_verify() {
    let (mut state, users) = setup();
    let parent = state.root();
    let tx = users[0].transfer(CHAIN, users[1].index, 300, 0);
    let out = run(&mut state, vec![Tx::Transfer(tx)]).unwrap();
    assert_eq!(state.account(users[0].index).unwrap().balance, Wei(700));
    assert_eq!(state.account(users[0].index).unwrap().nonce, 1);
    assert_eq!(state.account(users[1].index).unwrap().balance, Wei(1_300));
    assert_eq!(out.parent_root, parent);
    assert_eq!(out.post_root, state.root());
    assert_eq!(out.receipts[0].post_root, state.root());

    // The witnesses chain parent -> (sender updated) -> post, as the circuit will check.
    let w = &out.receipts[0].witness;
    let s = w.sender.as_ref().unwrap();
    let r = w.recipient.as_ref().unwrap();
    let si = u64::from(s.index.0);
    let ri = u64::from(r.index.0);
    assert_eq!(root_from_path::<4>(si, s.before.unwrap().leaf(), &s.siblings), parent.0);
    let mid = root_from_path::<4>(si, s.after.unwrap().leaf(), &s.siblings);
    assert_eq!(root_from_path::<4>(ri, r.before.unwrap().leaf(), &r.siblings), mid);
    assert_eq!(root_from_path::<4>(ri, r.after.unwrap().leaf(), &r.siblings), out.post_root.0);
}

#[test]
fn self_transfer_only_bumps_nonce() {
    let (mut state, users) = setup();
    let tx = users[2].transfer(CHAIN, users[2].index, 10, 0);
    let out = run(&mut state, vec![Tx::Transfer(tx)]).unwrap();
    let a = state.account(users[2].index).unwrap();
    assert_eq!((a.balance, a.nonce), (Wei(1_000), 1));
    let w = &out.receipts[0].witness;
    let (s, r) = (w.sender.as_ref().unwrap(), w.recipient.as_ref().unwrap());
    let mid = root_from_path::<4>(2, s.after.unwrap().leaf(), &s.siblings);
    assert_eq!(root_from_path::<4>(2, r.before.unwrap().leaf(), &r.siblings), mid);
    assert_eq!(root_from_path::<4>(2, r.after.unwrap().leaf(), &r.siblings), out.post_root.0);
}

#[test]
fn invalid_sequencer_transactions_are_typed_and_change_nothing() {
    let (mut state, users) = setup();
    let (a, b) = (&users[0], &users[1]);

    let forged = {
        let mut t = a.transfer(CHAIN, b.index, 1, 0);
        t.signature = users[3].transfer(CHAIN, b.index, 1, 0).signature;
        t
    };
    assert!(matches!(
        refused(&mut state, Tx::Transfer(forged)),
        TxError::BadSignature { source: SignatureError::Invalid, .. }
    ));
    let mut garbage = a.transfer(CHAIN, b.index, 1, 0);
    garbage.signature = [0xff; 64];
    assert!(matches!(refused(&mut state, Tx::Transfer(garbage)), TxError::BadSignature { .. }));
    // Signed for another chain.
    let other_chain = a.transfer(ChainId(902), b.index, 1, 0);
    assert!(matches!(refused(&mut state, Tx::Transfer(other_chain)), TxError::BadSignature { .. }));
    assert_eq!(
        refused(&mut state, Tx::Transfer(a.transfer(CHAIN, b.index, 1, 5))),
        TxError::BadNonce { account: a.index, got: 5, expected: 0 }
    );
    assert_eq!(
        refused(&mut state, Tx::Transfer(a.transfer(CHAIN, b.index, 1_001, 0))),
        TxError::InsufficientBalance { account: a.index, balance: Wei(1_000), amount: Wei(1_001) }
    );
    assert_eq!(
        refused(&mut state, Tx::Transfer(a.transfer(CHAIN, AccountIndex(77), 1, 0))),
        TxError::UnknownAccount { account: AccountIndex(77) }
    );
    assert_eq!(
        refused(&mut state, Tx::Transfer(a.transfer(CHAIN, AccountIndex(256), 1, 0))),
        TxError::AccountOutOfRange { account: AccountIndex(256), depth: 8 }
    );
    assert_eq!(
        refused(&mut state, Tx::Withdraw(a.withdraw(CHAIN, Address::ZERO, 5_000, 0))),
        TxError::InsufficientBalance { account: a.index, balance: Wei(1_000), amount: Wei(5_000) }
    );
}

#[test]
fn a_bad_sequencer_transaction_is_skipped_and_the_batch_goes_on() {
    // Attack: a poster puts one transaction with a stale nonce among good ones. Before, the STF
    // refused the whole batch, which then had no valid claim and halted finality for good.
    let (mut state, users) = setup();
    let txs = vec![
        Tx::Transfer(users[0].transfer(CHAIN, users[1].index, 5, 0)),
        users[2].deposit(7),
        Tx::Transfer(users[1].transfer(CHAIN, users[0].index, 5, 9)),
        Tx::Transfer(users[1].transfer(CHAIN, users[0].index, 6, 0)),
    ];
    let mut dry = state.clone();
    let checks = check_batch(&mut dry, &txs);
    assert_eq!(dry.root(), state.root(), "check_batch changes nothing");
    let out = run(&mut state, txs).unwrap();
    assert_eq!(checks.iter().filter(|c| c.is_err()).count(), 1);
    assert!(matches!(
        out.receipts[2].status,
        TxStatus::Skipped(TxError::BadNonce { got: 9, expected: 0, .. })
    ));
    assert_eq!(
        checks[2],
        Err(match out.receipts[2].status {
            TxStatus::Skipped(e) => e,
            TxStatus::Applied => unreachable!(),
        })
    );
    assert_eq!(out.receipts[2].post_root, out.receipts[1].post_root);
    assert_eq!(out.receipts[3].status, TxStatus::Applied);
    // 1000 - 5 + 6 for users[0]; users[1]'s nonce moved once.
    assert_eq!(state.account(users[0].index).unwrap().balance, Wei(1_001));
    assert_eq!(state.account(users[1].index).unwrap().nonce, 1);
    assert_eq!(state.account(users[2].index).unwrap().balance, Wei(1_007));
    // A from-scratch rebuild of the accounts gives the same root.
    let rebuilt =
        State::from_accounts(config(), BatchNumber(1), state.accounts().map(|(i, a)| (i, *a)))
            .unwrap();
    assert_eq!(rebuilt.root(), state.root());
}

/// Attack: a poster puts bytes that hold no transaction among good records. Before, the batch
/// did not decode and had no post state; now each such record is skipped and the rest applies.
#[test]
fn an_undecodable_record_is_skipped_and_the_batch_goes_on() {
    let (mut state, users) = setup();
    let mut junk = [0u8; 124];
    junk[0] = 0x7f;
    let txs = vec![
        Tx::Undecodable(tribunal_primitives::tx::RawRecord(junk)),
        Tx::Transfer(users[0].transfer(CHAIN, users[1].index, 5, 0)),
        Tx::Undecodable(tribunal_primitives::tx::RawRecord([0; 124])),
    ];
    let before = state.root();
    let out = run(&mut state, txs).unwrap();
    assert_eq!(out.receipts[0].status, TxStatus::Skipped(TxError::Undecodable));
    assert_eq!(out.receipts[0].post_root, before);
    assert_eq!(out.receipts[1].status, TxStatus::Applied);
    assert_eq!(out.receipts[2].status, TxStatus::Skipped(TxError::Undecodable));
    assert_eq!(state.account(users[1].index).unwrap().balance, Wei(1_005));
}

#[test]
fn invalid_forced_transactions_are_skipped_and_recorded() {
    let (mut state, users) = setup();
    let (a, b) = (&users[0], &users[1]);
    let overdraft = a.transfer(CHAIN, b.index, 10_000, 0);
    let mut bad_sig = a.withdraw(CHAIN, Address::repeat_byte(1), 1, 0);
    bad_sig.signature[40] ^= 1;
    let good = a.transfer(CHAIN, b.index, 1, 0);
    let txs =
        vec![Tx::ForcedTransfer(overdraft), Tx::ForcedWithdraw(bad_sig), Tx::ForcedTransfer(good)];
    let parent = state.root();
    let out = run(&mut state, txs).unwrap();
    let skipped: Vec<_> = out.skipped().collect();
    assert_eq!(skipped.len(), 2);
    assert!(matches!(skipped[0], (0, TxError::InsufficientBalance { .. })));
    assert!(matches!(skipped[1], (1, TxError::BadSignature { .. })));
    assert_eq!(out.receipts[0].post_root, parent);
    assert_eq!(out.receipts[1].post_root, parent);
    assert_eq!(out.receipts[2].status, TxStatus::Applied);
    assert_eq!(state.account(a.index).unwrap().nonce, 1);
    // The skipped transaction's witness still proves the sender against the parent root.
    let s = out.receipts[0].witness.sender.as_ref().unwrap();
    assert_eq!(root_from_path::<4>(0, s.before.unwrap().leaf(), &s.siblings), parent.0);
}

#[test]
fn deposits_create_credit_and_check_the_key() {
    let (mut state, users) = setup();
    let newcomer = User { index: AccountIndex(9), key: PrivateKey::from_bytes([42; 32]) };
    let txs = vec![
        newcomer.deposit(50),
        newcomer.deposit(25),
        // Wrong key for an existing account.
        Tx::Deposit(Deposit {
            to: users[0].index,
            pubkey: newcomer.key.public_key().to_bytes(),
            amount: Wei(1),
        }),
        // Not a curve point (y >= p).
        Tx::Deposit(Deposit { to: AccountIndex(10), pubkey: [0xff; 32], amount: Wei(1) }),
        Tx::Deposit(Deposit {
            to: AccountIndex(300),
            pubkey: newcomer.key.public_key().to_bytes(),
            amount: Wei(1),
        }),
        // The new account can spend in the same batch.
        Tx::Transfer(newcomer.transfer(CHAIN, users[0].index, 70, 0)),
    ];
    let out = run(&mut state, txs).unwrap();
    let skipped: Vec<_> = out.skipped().collect();
    assert_eq!(
        skipped,
        vec![
            (2, TxError::PublicKeyMismatch { account: users[0].index }),
            (3, TxError::InvalidPublicKey { account: AccountIndex(10) }),
            (4, TxError::AccountOutOfRange { account: AccountIndex(300), depth: 8 }),
        ]
    );
    assert_eq!(state.account(newcomer.index).unwrap().balance, Wei(5));
    assert_eq!(state.account(users[0].index).unwrap().balance, Wei(1_070));
}

#[test]
fn deposit_overflow_is_skipped() {
    let (mut state, users) = funded_state(config(), 1, u128::MAX - 1);
    let out = run(&mut state, vec![users[0].deposit(2)]).unwrap();
    assert!(matches!(out.skipped().next(), Some((0, TxError::BalanceOverflow { .. }))));
}

#[test]
fn withdrawals_fill_the_withdrawal_tree_in_order() {
    let (mut state, users) = setup();
    let to = Address::repeat_byte(0xab);
    let txs: Vec<Tx> = (0..4).map(|n| Tx::Withdraw(users[0].withdraw(CHAIN, to, 10, n))).collect();
    let out = run(&mut state, txs).unwrap();
    assert_eq!(out.withdrawals.len(), 4);
    assert_eq!(out.receipts[3].witness.withdrawal_index, Some(3));
    let leaves: Vec<(u64, Fr)> =
        out.withdrawals.iter().map(|w| (w.index, w.withdrawal.leaf())).collect();
    let tree = tribunal_stf::WithdrawalTree::from_leaves(2, leaves).unwrap();
    assert_eq!(out.withdrawal_root.0, tree.root());
    assert_eq!(state.account(users[0].index).unwrap().balance, Wei(960));

    // Depth 2 holds 4 withdrawals: a fifth is skipped, from the sequencer or forced.
    let mut probe = state.clone();
    let txs: Vec<Tx> = (4..9).map(|n| Tx::Withdraw(users[0].withdraw(CHAIN, to, 1, n))).collect();
    let out = run(&mut probe, txs).unwrap();
    assert!(matches!(out.skipped().next(), Some((4, TxError::WithdrawalTreeFull { capacity: 4 }))));
    let mut txs: Vec<Tx> =
        (4..8).map(|n| Tx::Withdraw(users[0].withdraw(CHAIN, to, 1, n))).collect();
    txs.push(Tx::ForcedWithdraw(users[0].withdraw(CHAIN, to, 1, 8)));
    let out = run(&mut state, txs).unwrap();
    assert!(matches!(out.skipped().next(), Some((4, TxError::WithdrawalTreeFull { .. }))));
}

#[test]
fn batch_header_is_checked() {
    let (mut state, users) = setup();
    let tx = Tx::Transfer(users[0].transfer(CHAIN, users[1].index, 1, 0));
    let mut b = batch(&state, vec![tx]);
    b.chain_id = ChainId(5);
    assert!(matches!(execute_batch(&mut state, &b), Err(StfError::WrongChain { .. })));
    let mut b = batch(&state, vec![tx]);
    b.number = BatchNumber(3);
    assert!(matches!(execute_batch(&mut state, &b), Err(StfError::WrongBatchNumber { .. })));
    assert!(matches!(
        execute_encoded_batch(&mut state, &[9, 9], &[]),
        Err(StfError::Decode(DecodeError::UnsupportedVersion { got: 9, .. }))
    ));
    let ok = batch(&state, vec![tx]);
    let out = execute_encoded_batch(&mut state, &ok.encode(), ok.messages()).unwrap();
    assert_eq!(out.data_commitment.0, ok.data_commitment());
    assert_eq!(state.head(), BatchNumber(1));
}

#[test]
fn replaying_a_signed_transaction_fails() {
    let (mut state, users) = setup();
    let tx = Tx::Transfer(users[0].transfer(CHAIN, users[1].index, 1, 0));
    run(&mut state, vec![tx]).unwrap();
    assert_eq!(
        refused(&mut state, tx),
        TxError::BadNonce { account: users[0].index, got: 0, expected: 1 }
    );
    // Forced replay: skipped, not applied.
    let Tx::Transfer(signed) = tx else { unreachable!() };
    let out = run(&mut state, vec![Tx::ForcedTransfer(signed)]).unwrap();
    assert!(matches!(out.skipped().next(), Some((0, TxError::BadNonce { .. }))));
}

#[test]
fn config_is_validated() {
    assert_eq!(State::new(StfConfig::new(ChainId(0))).unwrap_err(), StfError::ZeroChainId);
    assert!(matches!(State::new(config().with_depths(33, 2)), Err(StfError::InvalidDepth { .. })));
    assert!(matches!(State::new(config().with_depths(8, 0)), Err(StfError::InvalidDepth { .. })));
}
