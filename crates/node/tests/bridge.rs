//! The bridge and forced inclusion, on both L1 backends: deposits credit L2, forced transactions
//! cannot be censored past their deadline, withdrawals pay out only from final batches, once.

mod common;

use std::time::Duration;

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolEvent, SolInterface};
use common::{DAY, System, inbox_error, run};
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_l1::{DevL1, L1Dev, L1Receipt, anvil::Anvil};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw,
    batch::decode_tx_exact, field::fr_to_be_bytes, queue::message_hash,
};
use tribunal_stf::{TxStatus, execute_batch, tree::WithdrawalTree};

const ETH: u128 = 10u128.pow(18);

/// The L1 messages a receipt enqueued, decoded, with the accumulator the contract computed
/// checked against the Rust Poseidon.
fn queued(receipt: &L1Receipt, acc: &mut tribunal_primitives::QueueAcc) -> Vec<Tx> {
    receipt
        .logs
        .iter()
        .filter_map(|log| Inbox::MessageQueued::decode_log(log).ok())
        .map(|e| {
            let tx = decode_tx_exact(&e.message).expect("the inbox emits canonical encodings");
            *acc = acc.push(message_hash(&tx).expect("an L1 message"));
            assert_eq!(e.acc.0, fr_to_be_bytes(&acc.0), "Solidity and Rust accumulators agree");
            tx
        })
        .collect()
}

fn gas(name: &str, r: &L1Receipt) {
    eprintln!("gas {name}: {}", r.gas_used);
}

async fn scenario(l1: &(impl L1Dev + 'static)) {
    let mut sys = System::deploy(l1).await;
    for (name, g) in &sys.d.gas {
        eprintln!("gas deploy {name}: {g}");
    }
    let (inbox, seq, stranger) = (sys.d.inbox, sys.sequencer.clone(), sys.stranger.clone());
    let alice = PrivateKey::from_bytes([0xa1; 32]);
    let bob = PrivateKey::from_bytes([0xb0; 32]);
    let mut acc = tribunal_primitives::QueueAcc::EMPTY;

    // Deposits: two new accounts, then a top-up; each becomes a Deposit the STF credits.
    let mut messages = Vec::new();
    for key in [&alice, &bob] {
        let call = Inbox::depositCall { _pubkey: key.public_key().to_bytes().into() };
        let r = sys.send(&stranger, inbox, call, U256::from(ETH)).await.unwrap();
        gas("deposit (new account)", &r);
        messages.extend(queued(&r, &mut acc));
    }
    let r = sys
        .send(&stranger, inbox, Inbox::depositToCall { _account: 0 }, U256::from(ETH / 2))
        .await
        .unwrap();
    gas("depositTo", &r);
    messages.extend(queued(&r, &mut acc));
    assert_eq!(messages.len(), 3);

    let b1 = Batch { chain_id: common::CHAIN, number: BatchNumber(1), txs: messages };
    let out1 = execute_batch(&mut sys.state, &b1).unwrap();
    assert_eq!(out1.queue_after, acc);
    assert_eq!(sys.state.account(AccountIndex(0)).unwrap().balance, Wei(ETH + ETH / 2));
    assert_eq!(sys.state.account(AccountIndex(1)).unwrap().balance, Wei(ETH));
    let r = sys.post(&seq, &b1, 3).await.unwrap();
    gas("postBatch (1 blob, 3 L1 messages)", &r);
    // A batch's record is two new slots: a third (the poster, as before Inbox 0.8.0) would cost
    // 22,100 gas more. Deterministic, so a bound.
    assert!(r.gas_used < 90_000, "postBatch: {} gas", r.gas_used);
    let (id1, claim1) = sys.finalize_instant(&out1).await;
    assert_eq!(claim1.queue_after, acc, "the claim binds the queue the batch consumed");

    // Batch 2: Alice withdraws to L1. The claim is refused while batch 2 is not final.
    let payee = Address::repeat_byte(0x77);
    let w = Withdraw { from: AccountIndex(0), to: payee, amount: Wei(ETH / 4), nonce: 0 };
    let b2 = Batch {
        chain_id: common::CHAIN,
        number: BatchNumber(2),
        txs: vec![Tx::Withdraw(Signed::sign(w, common::CHAIN, &alice))],
    };
    let out2 = execute_batch(&mut sys.state, &b2).unwrap();
    sys.post(&seq, &b2, 3).await.unwrap();
    let wtree = WithdrawalTree::from_leaves(
        10,
        out2.withdrawals.iter().map(|w| (w.index, w.withdrawal.leaf())),
    )
    .unwrap();
    let siblings: Vec<U256> =
        wtree.siblings(0).iter().map(|s| U256::from_be_bytes(fr_to_be_bytes(s))).collect();
    let claim_call = |index: u64, amount: u128, siblings: Vec<U256>| Inbox::claimWithdrawalCall {
        _batchNumber: 2,
        _index: index,
        _to: payee,
        _amount: amount,
        _siblings: siblings,
    };
    let err = sys
        .send(&stranger, inbox, claim_call(0, ETH / 4, siblings.clone()), U256::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_NotFinal(_)), "{err}");
    let claim2 = sys.claim(&out2).await;
    let id2 = sys.propose(&claim2).await.unwrap();
    sys.prove_zk(id2, System::<DevL1>::zk_proof(&claim2)).await.unwrap();
    let err = sys
        .send(&stranger, inbox, claim_call(0, ETH / 4, siblings.clone()), U256::ZERO)
        .await
        .unwrap_err();
    assert!(
        matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_NotFinal(_)),
        "ZK alone does not finalize: {err}"
    );
    let r = sys.attest_tee(id2, sys.tee_signature(&common::enclave(0), &claim2)).await.unwrap();
    gas("attestTee (finalizes at once)", &r);

    // Final now: a wrong amount or proof is refused, the right one pays once.
    let err = sys
        .send(&stranger, inbox, claim_call(0, ETH, siblings.clone()), U256::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BadWithdrawalProof(_)));
    let err = sys
        .send(&stranger, inbox, claim_call(0, ETH / 4, siblings[..9].to_vec()), U256::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BadWithdrawalProof(_)));
    let err = sys
        .send(&stranger, inbox, claim_call(1 << 10, ETH / 4, siblings.clone()), U256::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_IndexOutOfRange(_)));
    let before = l1.balance(payee).await.unwrap();
    let r = sys
        .send(&stranger, inbox, claim_call(0, ETH / 4, siblings.clone()), U256::ZERO)
        .await
        .unwrap();
    gas("claimWithdrawal (depth 10)", &r);
    assert_eq!(l1.balance(payee).await.unwrap() - before, U256::from(ETH / 4));
    let err =
        sys.send(&stranger, inbox, claim_call(0, ETH / 4, siblings), U256::ZERO).await.unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_AlreadyClaimed(_)), "{err}");
    let _ = (id1, MultiProofFinality::claimCountCall {});

    // Forced inclusion: Bob forces a transfer to Alice; the sequencer leaves it out.
    let t =
        Transfer { from: AccountIndex(1), to: AccountIndex(0), amount: Wei(ETH / 10), nonce: 0 };
    let forced = Signed::sign(t, common::CHAIN, &bob);
    let call = Inbox::forceTransferCall {
        _from: 1,
        _to: 0,
        _amount: t.amount.0,
        _nonce: 0,
        _signature: Bytes::copy_from_slice(&forced.signature),
    };
    let r = sys.send(&stranger, inbox, call.clone(), U256::ZERO).await.unwrap();
    gas("forceTransfer", &r);
    let forced_msgs = queued(&r, &mut acc);
    assert_eq!(forced_msgs, vec![Tx::ForcedTransfer(forced)]);
    let w = Withdraw { from: AccountIndex(1), to: payee, amount: Wei(1), nonce: 1 };
    let fw = Signed::sign(w, common::CHAIN, &bob);
    let call_w = Inbox::forceWithdrawCall {
        _from: 1,
        _to: payee,
        _amount: 1,
        _nonce: 1,
        _signature: Bytes::copy_from_slice(&fw.signature),
    };
    let r = sys.send(&stranger, inbox, call_w, U256::ZERO).await.unwrap();
    gas("forceWithdraw", &r);
    let forced_msgs = [forced_msgs, queued(&r, &mut acc)].concat();

    // Before the deadline the sequencer may leave them out, and nobody else may post.
    let t3 = Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(5), nonce: 1 };
    let b3 = Batch {
        chain_id: common::CHAIN,
        number: BatchNumber(3),
        txs: vec![Tx::Transfer(Signed::sign(t3, common::CHAIN, &alice))],
    };
    let err = sys.post(&stranger, &b3, 3).await.unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_NotSequencer(_)), "{err}");
    let r = sys.post(&seq, &b3, 3).await.unwrap();
    gas("postBatch (1 blob, no L1 message)", &r);
    execute_batch(&mut sys.state, &b3).unwrap();

    // Past the deadline the sequencer can no longer skip them…
    l1.increase_time(DAY + 1).await.unwrap();
    l1.mine().await.unwrap();
    let empty4 = Batch { chain_id: common::CHAIN, number: BatchNumber(4), txs: vec![] };
    let err = sys.post(&seq, &empty4, 3).await.unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_ForcedInclusionDue(_)), "{err}");
    let err = sys.post(&seq, &empty4, 4).await.unwrap_err();
    assert!(
        matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_ForcedInclusionDue(_)),
        "every overdue message must be in: {err}"
    );
    let err = sys.post(&stranger, &empty4, 3).await.unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_ForcedInclusionDue(_)));
    // …and anyone may post a batch that starts with the queue head.
    let b4 = Batch { chain_id: common::CHAIN, number: BatchNumber(4), txs: forced_msgs };
    let r = sys.post(&stranger, &b4, 5).await.unwrap();
    gas("postBatch (permissionless, 2 forced messages)", &r);
    let out4 = execute_batch(&mut sys.state, &b4).unwrap();
    assert!(out4.receipts.iter().all(|r| r.status == TxStatus::Applied));
    assert_eq!(out4.queue_after, acc);
    assert_eq!(sys.state.account(AccountIndex(1)).unwrap().balance, Wei(ETH - ETH / 10 + 5 - 1));
    let posted = r
        .logs
        .iter()
        .filter(|l| l.address == inbox)
        .find_map(|l| Inbox::BatchPosted::decode_log(l).ok())
        .unwrap();
    assert_eq!((posted.batchNumber, posted.poster), (4, stranger.address()));

    // Bad input: typed errors, nothing mined.
    let head = l1.head().await.unwrap().number;
    let key = PrivateKey::from_bytes([0x77; 32]).public_key().to_bytes();
    let err = sys
        .send(&stranger, inbox, Inbox::depositCall { _pubkey: key.into() }, U256::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BadAmount(_)));
    // Attack: a deposit to a key of low order (8·A = O) makes an account anyone can sign for,
    // and a key that is no point makes a deposit the L2 skips. Both are refused at the door.
    let mut no_point = [0u8; 32];
    no_point[0] = 2;
    let low_order = tribunal_primitives::eip2494::low_order_points()
        .map(|p| tribunal_primitives::eip2494::pack_point(&p));
    for bad in low_order.into_iter().chain([no_point, [0xff; 32]]) {
        let err = sys
            .send(&stranger, inbox, Inbox::depositCall { _pubkey: bad.into() }, U256::from(ETH))
            .await
            .unwrap_err();
        assert!(
            matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BadPublicKey(_)),
            "{bad:?}: {err}"
        );
    }
    let err = sys
        .send(&stranger, inbox, Inbox::depositToCall { _account: 9 }, U256::from(1))
        .await
        .unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_UnknownAccount(_)));
    let mut short = call;
    short._signature = Bytes::from(vec![0; 63]);
    let err = sys.send(&stranger, inbox, short, U256::ZERO).await.unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BadSignatureLength(_)));
    let b5 = Batch { chain_id: common::CHAIN, number: BatchNumber(5), txs: vec![] };
    let err = sys.post(&seq, &b5, 6).await.unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BadQueueEnd(_)));
    let err = sys.post(&seq, &b5, 4).await.unwrap_err();
    assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BadQueueEnd(_)));
    assert_eq!(l1.head().await.unwrap().number, head, "refused transactions are not mined");
    let err = inbox_error(&err);
    let _ = err.selector();
}

#[test]
fn bridge_and_forced_inclusion_on_embedded_chain() {
    run(async {
        let l1 = DevL1::new();
        scenario(&l1).await;
    });
}

#[test]
fn bridge_and_forced_inclusion_on_anvil() {
    run(async {
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        let l1 = anvil.rpc().unwrap();
        tokio::time::timeout(Duration::from_secs(300), scenario(&l1))
            .await
            .expect("scenario within 5 minutes");
    });
}

/// Attack (review finding): `claimWithdrawal` to an address that refuses ETH reverted for ever,
/// so the withdrawal was stuck in the bridge. Now the amount is owed to that address, which pulls
/// it to another address; anyone's claim of it still succeeds.
#[test]
fn a_withdrawal_to_an_address_that_refuses_eth_is_not_stuck() {
    use tribunal_contracts::test_fixtures::RejectingRecipient;
    use tribunal_l1::{L1, L1Tx};
    run(async {
        let l1 = DevL1::new();
        let mut sys = System::deploy(&l1).await;
        let r = l1
            .send(&sys.stranger, L1Tx::create(RejectingRecipient::BYTECODE.to_vec()))
            .await
            .unwrap();
        let wallet = r.contract_address.unwrap();
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let (_, out1) = sys.deposit_batch(&[&alice]).await;
        sys.finalize_instant(&out1).await;
        let w = Withdraw { from: AccountIndex(0), to: wallet, amount: Wei(ETH / 4), nonce: 0 };
        let b2 = Batch {
            chain_id: common::CHAIN,
            number: BatchNumber(2),
            txs: vec![Tx::Withdraw(Signed::sign(w, common::CHAIN, &alice))],
        };
        let out2 = execute_batch(&mut sys.state, &b2).unwrap();
        sys.post(&sys.sequencer, &b2, 1).await.unwrap();
        sys.finalize_instant(&out2).await;
        let wtree = WithdrawalTree::from_leaves(
            10,
            out2.withdrawals.iter().map(|w| (w.index, w.withdrawal.leaf())),
        )
        .unwrap();
        let siblings: Vec<U256> =
            wtree.siblings(0).iter().map(|s| U256::from_be_bytes(fr_to_be_bytes(s))).collect();
        let claim = Inbox::claimWithdrawalCall {
            _batchNumber: 2,
            _index: 0,
            _to: wallet,
            _amount: ETH / 4,
            _siblings: siblings,
        };
        let r = sys.send(&sys.stranger, sys.d.inbox, claim, U256::ZERO).await.unwrap();
        gas("claimWithdrawal to a refusing address (owed)", &r);
        assert!(r.logs.iter().any(|l| Inbox::WithdrawalOwed::decode_log(l).is_ok()));
        let owed = sys.view(sys.d.inbox, Inbox::owedCall(wallet)).await;
        assert_eq!(owed, U256::from(ETH / 4));
        // Nobody else can take it; the wallet pulls it to another address.
        let theft = Inbox::withdrawOwedCall { _recipient: sys.stranger.address() };
        let err = sys.send(&sys.stranger, sys.d.inbox, theft, U256::ZERO).await.unwrap_err();
        assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_NothingOwed(_)));
        let payee = Address::repeat_byte(0x55);
        let pull = RejectingRecipient::pullCall { _inbox: sys.d.inbox, _to: payee };
        sys.send(&sys.stranger, wallet, pull, U256::ZERO).await.unwrap();
        assert_eq!(l1.balance(payee).await.unwrap(), U256::from(ETH / 4));
        assert_eq!(sys.view(sys.d.inbox, Inbox::owedCall(wallet)).await, U256::ZERO);
    });
}

/// A batch executes at most `MAX_BATCH_TXS` transactions, L1 messages included (the ZK circuit's
/// slots): `postBatch` refuses to consume more messages, and a full batch of messages meets the
/// forced-inclusion duty even while more are overdue, so no queue, however long, can stall
/// posting or make a batch the circuit cannot prove.
#[test]
fn a_batch_consumes_at_most_max_batch_txs_messages() {
    use tribunal_primitives::batch::MAX_BATCH_TXS;
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let inbox = sys.d.inbox;
        let most = sys.view(inbox, Inbox::MAX_BATCH_TXSCall {}).await;
        assert_eq!(most, U256::from(MAX_BATCH_TXS));
        let queued = MAX_BATCH_TXS as u64 + 1;
        for i in 0..queued {
            let key = PrivateKey::from_bytes([i as u8 + 1; 32]).public_key().to_bytes();
            let call = Inbox::depositCall { _pubkey: key.into() };
            sys.send(&sys.stranger, inbox, call, U256::from(ETH)).await.unwrap();
        }
        let empty = |n: u64| Batch { chain_id: common::CHAIN, number: BatchNumber(n), txs: vec![] };
        let err = sys.post(&sys.sequencer, &empty(1), queued).await.unwrap_err();
        assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_TooManyMessages(_)), "{err}");

        // Every message overdue: a full batch is enough, and the next must take the rest.
        l1.increase_time(DAY + 1).await.unwrap();
        l1.mine().await.unwrap();
        let err = sys.post(&sys.sequencer, &empty(1), queued - 2).await.unwrap_err();
        assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_ForcedInclusionDue(_)));
        sys.post(&sys.sequencer, &empty(1), queued - 1).await.unwrap();
        let err = sys.post(&sys.sequencer, &empty(2), queued - 1).await.unwrap_err();
        assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_ForcedInclusionDue(_)));
        sys.post(&sys.stranger, &empty(2), queued).await.unwrap();
    });
}

/// Attack (issue 21): a deposit the STF skips strands its ETH in the bridge. Once keys are checked
/// at the door, a credit overflow is the last reason to skip one: two deposits to one account
/// that add up past 2^128 − 1 wei. The bridge caps its balance below 2^128, which bounds the L2's
/// total supply and so every balance: the second deposit is refused on L1, and the STF applies
/// every deposit the bridge accepted.
async fn bridge_cap(l1: &(impl L1Dev + 'static)) {
    use tribunal_primitives::tx::Deposit;
    use tribunal_stf::TxError;
    let mut sys = System::deploy(l1).await;
    let inbox = sys.d.inbox;
    let alice = PrivateKey::from_bytes([0xa1; 32]);
    let key = alice.public_key().to_bytes();

    // Without the cap, the STF must skip the overflowing credit: its ETH would stay here.
    let mut state = sys.state.clone();
    let overflowing = Batch {
        chain_id: common::CHAIN,
        number: BatchNumber(1),
        txs: [1, u128::MAX]
            .map(|wei| Tx::Deposit(Deposit { to: AccountIndex(0), pubkey: key, amount: Wei(wei) }))
            .to_vec(),
    };
    let out = execute_batch(&mut state, &overflowing).unwrap();
    assert!(matches!(out.receipts[1].status, TxStatus::Skipped(TxError::BalanceOverflow { .. })));

    // The bridge: up to 2^128 − 1 wei in total, and not one more.
    // Two parts: anvil refuses a single value near 2^128 (its funds check overflows).
    l1.set_balance(sys.stranger.address(), U256::from(1) << 130).await.unwrap();
    let held = l1.balance(inbox).await.unwrap();
    let most = U256::from(u128::MAX) - held;
    let half = U256::from(1) << 127;
    let mut acc = tribunal_primitives::QueueAcc::EMPTY;
    let call = Inbox::depositCall { _pubkey: key.into() };
    let mut messages = queued(&sys.send(&sys.stranger, inbox, call, half).await.unwrap(), &mut acc);
    for wei in [most - half - U256::from(1), U256::from(1)] {
        let r = sys.send(&sys.stranger, inbox, Inbox::depositToCall { _account: 0 }, wei);
        messages.extend(queued(&r.await.unwrap(), &mut acc));
    }
    assert_eq!(l1.balance(inbox).await.unwrap(), U256::from(u128::MAX));
    let bob = PrivateKey::from_bytes([0xb0; 32]).public_key().to_bytes();
    let one = U256::from(1);
    let refused = [
        sys.send(&sys.stranger, inbox, Inbox::depositToCall { _account: 0 }, one).await,
        sys.send(&sys.stranger, inbox, Inbox::depositCall { _pubkey: bob.into() }, one).await,
    ];
    for err in refused {
        let err = err.unwrap_err();
        assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_BridgeFull(_)), "{err}");
    }

    // Every accepted deposit is applied, and the batch settles on the instant path.
    let batch = Batch { chain_id: common::CHAIN, number: BatchNumber(1), txs: messages };
    let out = execute_batch(&mut sys.state, &batch).unwrap();
    assert!(out.receipts.iter().all(|r| r.status == TxStatus::Applied));
    let alice_balance = sys.state.account(AccountIndex(0)).unwrap().balance;
    assert_eq!(U256::from(alice_balance.0), most);
    sys.post(&sys.sequencer, &batch, 3).await.unwrap();
    sys.finalize_instant(&out).await;
}

#[test]
fn the_bridge_refuses_a_deposit_the_l2_could_not_credit_on_embedded_chain() {
    run(async { bridge_cap(&DevL1::new()).await });
}

#[test]
fn the_bridge_refuses_a_deposit_the_l2_could_not_credit_on_anvil() {
    run(async {
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        bridge_cap(&anvil.rpc().unwrap()).await;
    });
}
