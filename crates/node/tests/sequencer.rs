//! The sequencer, batcher and proposer on the embedded L1: bad transactions get typed errors and
//! change nothing; accepted transactions survive a restart and are sealed exactly once; L1
//! messages come first; a restarted batcher or proposer never posts or proposes twice.

mod common;

use std::{sync::Arc, time::Duration};

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolCall;
use common::{CHAIN, System, run};
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_l1::{DevL1, L1, L1Tx};
use tribunal_node::{
    Store, TxLocation,
    batcher::Batcher,
    proposer::{Proposer, ProposerError},
    sequencer::{ProverPace, Sequencer, SequencerConfig, SubmitError},
};
use tribunal_primitives::{
    AccountIndex, BatchNumber, Deposit, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw,
};
use tribunal_stf::{StfConfig, TxError};

const ETH: u128 = 10u128.pow(18);

fn transfer(key: &PrivateKey, from: u32, to: u32, amount: u128, nonce: u64) -> Tx {
    let body =
        Transfer { from: AccountIndex(from), to: AccountIndex(to), amount: Wei(amount), nonce };
    Tx::Transfer(Signed::sign(body, CHAIN, key))
}

fn config() -> SequencerConfig {
    SequencerConfig {
        max_batch_txs: 8,
        max_wait: Duration::from_secs(3600),
        max_mempool: 4,
        // The reorg tests re-derive at once unless they test the wait.
        rederive_after: Duration::ZERO,
        ..SequencerConfig::default()
    }
}

/// An empty node store in a new temporary directory (kept alive by the returned guard).
fn temp_store() -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(Store::open(&dir.path().join("node.redb"), StfConfig::new(CHAIN)).unwrap());
    (dir, store)
}

/// Queues a 1 ETH deposit on L1 for each key, in order (account indices 0, 1, …).
/// A proposer of `store`'s batches on `sys`'s contracts, bonding 0.1 ETH from the sequencer key.
fn proposer<L: L1>(l1: &Arc<L>, sys: &System<'_, L>, store: &Arc<Store>) -> Proposer<Arc<L>> {
    let bond = U256::from(10u128.pow(17));
    Proposer::new(
        l1.clone(),
        sys.d.inbox,
        sys.d.finality,
        store.clone(),
        sys.sequencer.clone(),
        bond,
    )
}

async fn deposit_all<L: tribunal_l1::L1Dev>(sys: &System<'_, L>, keys: &[&PrivateKey]) {
    for key in keys {
        let call = Inbox::depositCall { _pubkey: key.public_key().to_bytes().into() };
        sys.send(&sys.stranger, sys.d.inbox, call, U256::from(ETH)).await.unwrap();
    }
}

#[test]
fn transactions_survive_a_restart_and_are_sealed_once_after_the_l1_messages() {
    run(async {
        let l1 = Arc::new(DevL1::new());
        let sys = System::deploy(&*l1).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.redb");
        let open = || Arc::new(Store::open(&path, StfConfig::new(CHAIN)).unwrap());
        let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));
        deposit_all(&sys, &[&alice, &bob]).await;

        // Batch 1: the two deposits, read from the inbox's logs.
        let store = open();
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config()).unwrap();
        assert!(seq.poll(false).await.unwrap().is_none(), "not due, not full");
        let b1 = seq.poll(true).await.unwrap().expect("two L1 messages pending");
        assert_eq!(b1.l1_messages, 2);
        assert!(matches!(b1.batch.txs[..], [Tx::Deposit(_), Tx::Deposit(_)]));

        // Bad input: typed errors, nothing stored.
        let deposit = Deposit {
            to: AccountIndex(5),
            pubkey: alice.public_key().to_bytes(),
            amount: Wei(ETH),
        };
        let e = seq.submit(Tx::Deposit(deposit)).unwrap_err();
        assert!(matches!(e, SubmitError::L1Only("deposit")), "{e}");
        let forged = transfer(&bob, 0, 1, 1, 0);
        let e = seq.submit(forged).unwrap_err();
        assert!(matches!(e, SubmitError::Invalid(TxError::BadSignature { .. })), "{e}");
        let e = seq.submit(transfer(&alice, 0, 1, 2 * ETH, 0)).unwrap_err();
        assert!(matches!(e, SubmitError::Invalid(TxError::InsufficientBalance { .. })), "{e}");
        let e = seq.submit(transfer(&alice, 7, 1, 1, 0)).unwrap_err();
        assert!(matches!(e, SubmitError::Invalid(TxError::UnknownAccount { .. })), "{e}");
        assert!(store.mempool().unwrap().is_empty());

        // Accepted: alice pays twice with nonce 0 (the second will fail at sealing), then nonce 1.
        let first = seq.submit(transfer(&alice, 0, 1, ETH / 10, 0)).unwrap();
        let replay = seq.submit(transfer(&alice, 0, 1, ETH / 5, 0)).unwrap();
        seq.submit(transfer(&alice, 0, 1, ETH / 20, 1)).unwrap();
        seq.submit(transfer(&bob, 1, 0, ETH / 50, 0)).unwrap();
        assert_eq!(store.tx_location(first).unwrap(), Some(TxLocation::Pending));
        assert_eq!(store.tx_location(B256::repeat_byte(1)).unwrap(), None);
        let e = seq.submit(transfer(&bob, 1, 0, 1, 1)).unwrap_err();
        assert!(matches!(e, SubmitError::Full(4)), "{e}");

        // A crash: the sequencer and the store go away; the mempool is on disk.
        drop(seq);
        drop(store);
        let store = open();
        assert_eq!(store.mempool().unwrap().len(), 4, "no accepted transaction is lost");
        assert_eq!(store.mempool_len().unwrap(), 4);
        let head = store.mempool_head(3).unwrap();
        assert_eq!(head, store.mempool().unwrap()[..3], "the head, in acceptance order");
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config()).unwrap();
        assert_eq!(seq.head().0, BatchNumber(1));

        // A forced transfer queued on L1 goes first and takes bob's nonce 0, so his pending
        // transfer with nonce 0 is dropped, like alice's replayed nonce.
        let forced =
            Transfer { from: AccountIndex(1), to: AccountIndex(0), amount: Wei(1), nonce: 0 };
        let signed = Signed::sign(forced, CHAIN, &bob);
        let call = Inbox::forceTransferCall {
            _from: 1,
            _to: 0,
            _amount: 1,
            _nonce: 0,
            _signature: signed.signature.to_vec().into(),
        };
        sys.send(&sys.stranger, sys.d.inbox, call, U256::ZERO).await.unwrap();
        let b2 = seq.poll(true).await.unwrap().unwrap();
        assert_eq!(b2.l1_messages, 1);
        assert!(matches!(b2.batch.txs[0], Tx::ForcedTransfer(_)));
        assert_eq!(b2.batch.txs.len(), 3, "the forced transfer and alice's nonces 0 and 1");
        assert_eq!(b2.dropped.len(), 2);
        assert!(b2.output.skipped().next().is_none(), "the forced transfer is valid");
        assert!(store.mempool().unwrap().is_empty(), "sealed or dropped, none left");
        let sealed = TxLocation::Sealed { batch: BatchNumber(2), position: 1 };
        assert_eq!(store.tx_location(first).unwrap(), Some(sealed));
        assert_eq!(store.tx_location(replay).unwrap(), Some(TxLocation::Dropped));
        assert_eq!(store.withdrawals(BatchNumber(2)).unwrap(), Some(vec![]));
        assert_eq!(store.withdrawals(BatchNumber(9)).unwrap(), None);
        assert!(seq.poll(true).await.unwrap().is_none(), "nothing left to seal");

        // The batcher posts both; a restarted batcher posts nothing twice.
        let batcher = Batcher::new(l1.clone(), sys.d.inbox, store.clone(), sys.sequencer.clone());
        let posted = batcher.poll().await.unwrap();
        assert_eq!(posted.iter().map(|p| p.batch.0).collect::<Vec<_>>(), [1, 2]);
        let again = Batcher::new(l1.clone(), sys.d.inbox, store.clone(), sys.sequencer.clone());
        assert!(again.poll().await.unwrap().is_empty());

        // The proposer proposes both; a restarted one proposes nothing twice.
        let proposed = proposer(&l1, &sys, &store).poll().await.unwrap();
        assert_eq!(proposed.iter().map(|p| p.claim).collect::<Vec<_>>(), [0, 1]);
        assert!(proposer(&l1, &sys, &store).poll().await.unwrap().is_empty());
        let count = sys.view(sys.d.finality, MultiProofFinality::claimCountCall {}).await;
        assert_eq!(count, U256::from(2));

        // The claims are the store's roots.
        let claim = sys.proposed(1).await;
        let record = store.batch_record(BatchNumber(2)).unwrap().unwrap();
        assert_eq!(
            claim.postRoot.0,
            tribunal_primitives::field::fr_to_be_bytes(&record.post_root.0)
        );

        // A batch the inbox refuses to take twice: posting batch 2 again reverts.
        let again = Inbox::postBatchCall { _batchNumber: 2, _queueEnd: 3, _queueAcc: B256::ZERO };
        let blobs = tribunal_da::encode_blobs(&[0u8; 10]).unwrap();
        let tx = L1Tx::call(sys.d.inbox, again.abi_encode())
            .with_sidecar(tribunal_da::sidecar_7594(blobs).unwrap());
        assert!(l1.send(&sys.sequencer, tx).await.is_err());
    });
}

/// A batch on L1 that is not the one the node sealed (another poster's, or the node's own post
/// of a batch it re-derived after a reorg) is never proposed: its claim would state the node's
/// roots over other data, and lose the bond. Either difference is caught: another blob over the
/// same L1 messages, or the same blob over other messages.
#[test]
fn the_proposer_refuses_a_posted_batch_that_is_not_the_nodes() {
    run(async {
        for other_blob in [true, false] {
            let l1 = Arc::new(DevL1::new());
            let sys = System::deploy(&*l1).await;
            let (_dir, store) = temp_store();
            let alice = PrivateKey::from_bytes([0xa1; 32]);
            deposit_all(&sys, &[&alice]).await;
            let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config()).unwrap();
            let sealed = seq.poll(true).await.unwrap().expect("batch 1");
            assert_eq!(sealed.l1_messages, 1);
            let (posted, queue_end) = if other_blob {
                let mut other = sealed.batch.clone();
                other.txs.push(transfer(&alice, 0, 0, 1, 0));
                (other, 1)
            } else {
                (sealed.batch.clone(), 0)
            };
            sys.post(&sys.sequencer, &posted, queue_end).await.unwrap();
            let mut proposer = proposer(&l1, &sys, &store);
            for _ in 0..2 {
                let e = proposer.poll().await.unwrap_err();
                assert!(matches!(e, ProposerError::NotOurBatch { batch: 1 }), "{e}");
            }
            let claims = sys.view(sys.d.finality, MultiProofFinality::claimCountCall {}).await;
            assert_eq!(claims, U256::ZERO, "other blob: {other_blob}");
        }
    });
}

/// The batch size follows the prover's pace: while the node's ZK prover is still on an earlier
/// batch, a due batch is held so that pending transactions gather into the next one, instead of
/// each queueing behind the prover. The hold is bounded, a full batch is never held, and a
/// sequencer without a pace never holds. Batches fill the prover's circuit sizes.
#[test]
fn batches_follow_the_provers_pace_and_fill_its_circuits() {
    run(async {
        let l1 = Arc::new(DevL1::new());
        let sys = System::deploy(&*l1).await;
        let (_dir, store) = temp_store();
        let alice = PrivateKey::from_bytes([0xa1; 32]);
        let others = [PrivateKey::from_bytes([0xb1; 32]), PrivateKey::from_bytes([0xc1; 32])];
        deposit_all(&sys, &[&alice, &others[0], &others[1]]).await;
        let hold = Duration::from_millis(400);
        let config = SequencerConfig {
            max_batch_txs: 4,
            max_wait: Duration::ZERO,
            max_mempool: 64,
            hold_for_prover: hold,
            ..SequencerConfig::default()
        };
        let pace = ProverPace::new(BatchNumber(0)).with_circuit_sizes([1, 2, 4]);
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config)
            .unwrap()
            .with_prover_pace(pace.clone());

        // The prover has nothing to do: batch 1 is sealed as soon as it is due, with all three
        // deposits. Filling a circuit (2 slots) never leaves a queued L1 message out: the inbox
        // refuses a batch that stops short of an overdue one.
        let b1 = seq.poll(false).await.unwrap().expect("due, and the prover is idle");
        assert_eq!((b1.batch.number, b1.l1_messages), (BatchNumber(1), 3));

        // The prover is on batch 1: a due transfer waits for it, then goes once it is done.
        let mut nonce = 0;
        let mut pay = |seq: &Sequencer<_>| {
            seq.submit(transfer(&alice, 0, 0, 1, nonce)).unwrap();
            nonce += 1;
        };
        pay(&seq);
        assert!(seq.poll(false).await.unwrap().is_none(), "held while the prover is behind");
        assert!(seq.poll(false).await.unwrap().is_none(), "still held");
        pay(&seq);
        pace.finished(BatchNumber(1));
        let b2 = seq.poll(false).await.unwrap().expect("the prover caught up");
        assert_eq!(b2.batch.txs.len(), 2, "what waited went into one batch");

        // The prover is on batch 2: a full batch is sealed at once all the same.
        for _ in 0..4 {
            pay(&seq);
        }
        let b3 = seq.poll(false).await.unwrap().expect("a full batch is never held");
        assert_eq!(b3.batch.txs.len(), 4);

        // A prover that never catches up holds a due batch for `hold_for_prover` at most.
        pay(&seq);
        assert!(seq.poll(false).await.unwrap().is_none());
        tokio::time::sleep(hold + Duration::from_millis(50)).await;
        let b4 = seq.poll(false).await.unwrap().expect("the hold is bounded");
        assert_eq!((b4.batch.number, pace.done()), (BatchNumber(4), BatchNumber(1)));

        // Batches fill the prover's circuits: of three pending transactions, two go now (a
        // 2-slot circuit instead of half of a 4-slot one) and the third with the next batch.
        pace.finished(BatchNumber(4));
        for _ in 0..3 {
            pay(&seq);
        }
        let b5 = seq.poll(false).await.unwrap().unwrap();
        assert_eq!(b5.batch.txs.len(), 2);
        pace.finished(BatchNumber(5));
        let b6 = seq.poll(false).await.unwrap().unwrap();
        assert_eq!(b6.batch.txs.len(), 1, "the one left over");
        assert_eq!(pace.batch_size(9, 4), 4, "never past max_batch_txs");

        // `force` and a sequencer without a pace never hold.
        pay(&seq);
        assert!(seq.poll(true).await.unwrap().is_some(), "forced");
        drop(seq);
        let free = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config).unwrap();
        free.submit(transfer(&alice, 0, 0, 1, nonce)).unwrap();
        assert!(free.poll(false).await.unwrap().is_some(), "no pace: sealed when due");
        pace.finished(BatchNumber(0));
        assert_eq!(pace.done(), BatchNumber(5), "the pace never moves back");
    });
}

/// A sequencer whose batches are smaller than the protocol's `MAX_BATCH_TXS` (a small circuit)
/// still posts once L1 messages are overdue: the inbox refuses a batch that stops short of an
/// overdue message unless it carries `MAX_BATCH_TXS` of them, so the sequencer takes them all.
/// Before, it sealed `max_batch_txs` of them and the batcher retried a refused post forever.
#[test]
fn overdue_l1_messages_are_never_left_out_by_a_small_batch() {
    use tribunal_l1::L1Dev;
    run(async {
        let l1 = Arc::new(DevL1::new());
        let sys = System::deploy(&*l1).await;
        let (_dir, store) = temp_store();
        let keys: Vec<PrivateKey> = (1..=5u8).map(|k| PrivateKey::from_bytes([k; 32])).collect();
        deposit_all(&sys, &keys.iter().collect::<Vec<_>>()).await;
        let config = SequencerConfig { max_batch_txs: 2, max_wait: Duration::ZERO, ..config() };
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config).unwrap();
        let batcher = Batcher::new(l1.clone(), sys.d.inbox, store.clone(), sys.sequencer.clone());

        // Not due yet: two messages, as configured, and the inbox takes the batch.
        assert_eq!(seq.poll(false).await.unwrap().unwrap().l1_messages, 2);
        assert_eq!(batcher.poll().await.unwrap().len(), 1);

        // A day later the three left are overdue, and the node restarts (it has seen none of
        // them yet): one batch carries them all, and posts.
        let delay = sys.view(sys.d.inbox, Inbox::FORCED_INCLUSION_DELAY_SECONDSCall {}).await;
        l1.increase_time(delay + 1).await.unwrap();
        l1.mine().await.unwrap();
        drop(seq);
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config).unwrap();
        let sealed = seq.poll(false).await.unwrap().unwrap();
        assert_eq!(sealed.l1_messages, 3, "every overdue message, past max_batch_txs");
        let posted = batcher.poll().await.expect("the inbox takes the batch");
        assert_eq!(posted.iter().map(|p| p.batch.0).collect::<Vec<_>>(), [2]);
    });
}

/// One funded account cannot fill the mempool for everyone: transactions of future nonces cost
/// nothing until sealing drops them, so each sender has at most `max_pending_per_sender`
/// pending. The count survives a restart and falls as batches are sealed.
#[test]
fn one_sender_cannot_fill_the_mempool() {
    run(async {
        let l1 = Arc::new(DevL1::new());
        let sys = System::deploy(&*l1).await;
        let (_dir, store) = temp_store();
        let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));
        deposit_all(&sys, &[&alice, &bob]).await;
        let config = SequencerConfig { max_pending_per_sender: 2, max_mempool: 64, ..config() };
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config).unwrap();
        seq.poll(true).await.unwrap().expect("the deposits");

        // Alice spams nonces far ahead: two are taken, the third is refused, bob still gets in.
        seq.submit(transfer(&alice, 0, 1, 1, 0)).unwrap();
        seq.submit(transfer(&alice, 0, 1, 1, 1_000)).unwrap();
        let e = seq.submit(transfer(&alice, 0, 1, 1, 1_001)).unwrap_err();
        assert!(
            matches!(e, SubmitError::SenderFull { account: AccountIndex(0), pending: 2 }),
            "{e}"
        );
        let to = alloy_primitives::Address::repeat_byte(0xb0);
        let body = Withdraw { from: AccountIndex(1), to, amount: Wei(7), nonce: 0 };
        seq.submit(Tx::Withdraw(Signed::sign(body, CHAIN, &bob))).unwrap();
        assert_eq!((seq.pending_of(AccountIndex(0)), seq.pending_of(AccountIndex(1))), (2, 1));
        // The mempool by sender: each account's own transactions, in order.
        let nonces = |a: u32| -> Vec<u64> {
            let txs = store.mempool_of(AccountIndex(a)).unwrap();
            txs.iter()
                .map(|t| match t {
                    Tx::Transfer(t) => t.body.nonce,
                    Tx::Withdraw(w) => w.body.nonce,
                    _ => u64::MAX,
                })
                .collect()
        };
        assert_eq!((nonces(0), nonces(1), nonces(2)), (vec![0, 1_000], vec![0], vec![]));

        // A restart counts the stored mempool again.
        drop(seq);
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config).unwrap();
        assert_eq!(seq.pending_of(AccountIndex(0)), 2);
        assert!(seq.submit(transfer(&alice, 0, 1, 1, 1_002)).is_err());

        // Sealing takes alice's nonce 0 and drops her nonce 1,000: she has room again.
        let sealed = seq.poll(true).await.unwrap().unwrap();
        assert_eq!((sealed.batch.txs.len(), sealed.dropped.len()), (2, 1));
        assert_eq!(seq.pending_of(AccountIndex(0)), 0);
        // Sealed and dropped entries leave the index; bob's withdrawal is listed as his.
        assert!(store.mempool_of(AccountIndex(0)).unwrap().is_empty());
        assert!(store.mempool_of(AccountIndex(1)).unwrap().is_empty());
        let n = sealed.batch.number;
        assert_eq!(store.withdrawals_of(AccountIndex(1), 8).unwrap(), [(n, 1)]);
        assert!(store.withdrawals_of(AccountIndex(0), 8).unwrap().is_empty());
        seq.submit(transfer(&alice, 0, 1, 1, 1)).unwrap();
        assert_eq!(nonces(0), [1]);
    });
}

/// L1 messages are taken only `l1_confirmations` deep, so a shallow reorg that drops a deposit
/// leaves nothing sealed; a reorg deeper than that, which drops a deposit an unposted batch
/// consumed, rewinds the sequencer to the batch before, and the batch is sealed again on the new
/// queue, after a restart too.
#[test]
fn deposits_are_taken_confirmed_and_a_deeper_reorg_re_derives_the_batch() {
    use tribunal_l1::L1Dev;
    use tribunal_node::follow::Reorgs;
    run(async {
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let sys = System::deploy(&*l1).await;
        let (_dir, store) = temp_store();
        let config = SequencerConfig { l1_confirmations: 2, max_wait: Duration::ZERO, ..config() };
        let reorgs = Reorgs::default();
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config)
            .unwrap()
            .with_reorgs(reorgs.clone());
        let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));

        // Alice's deposit, one block deep, then dropped: never sealed.
        deposit_all(&sys, &[&alice]).await;
        l1.mine().await.unwrap();
        assert!(seq.poll(true).await.unwrap().is_none(), "one block deep: not taken");
        let head = l1.head().await.unwrap().number;
        l1.reorg(2, &[]).await.unwrap();
        reorgs.publish(head - 1);
        l1.mine().await.unwrap();
        l1.mine().await.unwrap();
        assert!(seq.poll(true).await.unwrap().is_none(), "a dropped deposit is never sealed");

        // Bob's, two blocks deep: sealed.
        deposit_all(&sys, &[&bob]).await;
        assert!(seq.poll(true).await.unwrap().is_none());
        l1.mine().await.unwrap();
        l1.mine().await.unwrap();
        let sealed = seq.poll(true).await.unwrap().expect("bob's deposit, 2 deep");
        let Tx::Deposit(d) = sealed.batch.txs[0] else { panic!("{:?}", sealed.batch.txs) };
        assert_eq!(d.pubkey, bob.public_key().to_bytes());

        // A 4-block reorg drops bob's deposit after it was sealed, before batch 1 was posted:
        // the sequencer rewinds to genesis, and seals batch 1 again on what L1 now holds.
        let head = l1.head().await.unwrap().number;
        l1.reorg(4, &[]).await.unwrap();
        reorgs.publish(head - 3);
        assert!(seq.poll(true).await.unwrap().is_none(), "nothing left to seal");
        assert_eq!(store.head().unwrap(), BatchNumber(0), "batch 1 undone");
        assert_eq!(seq.head().0, BatchNumber(0));
        let (alice_again, carol) = (alice, PrivateKey::from_bytes([0xc0; 32]));
        deposit_all(&sys, &[&carol, &alice_again]).await;
        l1.mine().await.unwrap();
        l1.mine().await.unwrap();
        let sealed = seq.poll(true).await.unwrap().expect("batch 1 again");
        assert_eq!(sealed.batch.number, BatchNumber(1));
        let Tx::Deposit(d) = sealed.batch.txs[0] else { panic!("{:?}", sealed.batch.txs) };
        assert_eq!(d.pubkey, carol.public_key().to_bytes(), "the new queue's first message");

        // A restart in the middle of a reorg rewinds too: the follower kept it as unhandled.
        let head = l1.head().await.unwrap().number;
        l1.reorg(5, &[]).await.unwrap();
        store.add_unhandled_fork(&["sequencer"], head - 4).unwrap();
        drop(seq);
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config).unwrap();
        assert!(seq.poll(true).await.unwrap().is_none());
        assert_eq!(store.head().unwrap(), BatchNumber(0), "after a restart too");
    });
}

/// A post sent before a reorg never lands on another queue: bob's deposit dropped, carol's and
/// the post replayed after it, the post names the accumulator its batch was sealed on and
/// reverts (`Inbox_QueueMoved`) instead of consuming carol's deposit. Nothing is posted, so the
/// sequencer re-derives batch 1 on carol's deposit.
#[test]
fn a_post_sent_before_a_reorg_never_lands_on_another_queue() {
    use tribunal_l1::L1Dev;
    use tribunal_node::follow::Reorgs;
    run(async {
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let sys = System::deploy(&*l1).await;
        let (_dir, store) = temp_store();
        let config = SequencerConfig { l1_confirmations: 0, max_wait: Duration::ZERO, ..config() };
        let reorgs = Reorgs::default();
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config)
            .unwrap()
            .with_reorgs(reorgs.clone());
        let (bob, carol) = (PrivateKey::from_bytes([0xb0; 32]), PrivateKey::from_bytes([0xc0; 32]));
        deposit_all(&sys, &[&bob]).await;
        let sealed = seq.poll(true).await.unwrap().expect("bob's deposit");
        let post = sys.post(&sys.sequencer, &sealed.batch, 1).await.unwrap();
        let call = Inbox::depositCall { _pubkey: carol.public_key().to_bytes().into() };
        let carols = sys.send(&sys.stranger, sys.d.inbox, call, U256::from(ETH)).await.unwrap();
        let fork = post.block_number - 1;
        l1.reorg(3, &[carols.tx_hash, post.tx_hash]).await.unwrap();
        reorgs.publish(fork);
        let latest: u64 = sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await;
        assert_eq!(latest, 0, "the replayed post reverted on carol's queue");

        let sealed = seq.poll(true).await.unwrap().expect("batch 1 again");
        assert_eq!(store.head().unwrap(), BatchNumber(1));
        let Tx::Deposit(d) = sealed.batch.txs[0] else { panic!("{:?}", sealed.batch.txs) };
        assert_eq!(d.pubkey, carol.public_key().to_bytes());
    });
}

/// A deep reorg drops a deposit a posted batch consumed, and the post: the queue is shorter
/// than the sealed batch consumed, and the sequencer waits (`QueueShort`) instead of undoing the
/// batch. The deposit comes back as it was (same message, same accumulator), and so does the
/// post: nothing is undone, and L1's batch 1 is the node's. Re-deriving at once would have let
/// the returning post land beside a re-derived batch 1.
#[test]
fn a_queue_that_comes_back_as_it_was_undoes_nothing() {
    use tribunal_l1::L1Dev;
    use tribunal_node::{follow::Reorgs, sequencer::SealError};
    run(async {
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let sys = System::deploy(&*l1).await;
        let (_dir, store) = temp_store();
        let config = SequencerConfig {
            l1_confirmations: 0,
            max_wait: Duration::ZERO,
            rederive_after: Duration::from_secs(3600),
            ..config()
        };
        let reorgs = Reorgs::default();
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config)
            .unwrap()
            .with_reorgs(reorgs.clone());
        let bob = PrivateKey::from_bytes([0xb0; 32]);
        let call = Inbox::depositCall { _pubkey: bob.public_key().to_bytes().into() };
        let deposit = sys.send(&sys.stranger, sys.d.inbox, call, U256::from(10u128.pow(18))).await;
        let deposit = deposit.unwrap();
        let sealed = seq.poll(true).await.unwrap().expect("bob's deposit");
        let batcher = Batcher::new(l1.clone(), sys.d.inbox, store.clone(), sys.sequencer.clone());
        let post = batcher.poll().await.unwrap();
        assert_eq!(post.len(), 1);
        let depth = l1.head().await.unwrap().number - deposit.block_number + 1;

        // Both dropped: the sequencer waits, and undoes nothing.
        l1.reorg(depth, &[]).await.unwrap();
        reorgs.publish(deposit.block_number);
        let latest = async || -> u64 { sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await };
        assert_eq!(latest().await, 0);
        let err = seq.poll(true).await.unwrap_err();
        assert!(matches!(err, SealError::QueueShort { consumed: 1 }), "{err}");
        assert_eq!(store.head().unwrap(), BatchNumber(1), "nothing undone");

        // Both come back as they were, as a reorg's dropped transactions usually do from the
        // txpool: the same deposit (the same message at the same index), then the same post.
        let call = Inbox::depositCall { _pubkey: bob.public_key().to_bytes().into() };
        sys.send(&sys.stranger, sys.d.inbox, call, U256::from(10u128.pow(18))).await.unwrap();
        sys.post(&sys.sequencer, &sealed.batch, 1).await.unwrap();
        assert_eq!(latest().await, 1, "the returning post landed");
        assert!(seq.poll(true).await.unwrap().is_none(), "nothing to seal, nothing undone");
        assert_eq!(store.head().unwrap(), BatchNumber(1));
        assert_eq!(store.batch(BatchNumber(1)).unwrap().unwrap(), sealed.batch, "L1's batch 1");
        assert!(batcher.poll().await.unwrap().is_empty(), "posted once");
    });
}

/// The batcher never posts a batch on a queue L1 no longer holds: between a reorg and the
/// sequencer's rewind, the batch that consumed a dropped deposit is refused before sending
/// (`BatcherError::Moved`), and nothing reaches the inbox.
#[test]
fn the_batcher_does_not_post_a_batch_whose_messages_a_reorg_dropped() {
    use tribunal_l1::L1Dev;
    use tribunal_node::batcher::BatcherError;
    run(async {
        let l1 = Arc::new(DevL1::with_reorg_window(16));
        let sys = System::deploy(&*l1).await;
        let (_dir, store) = temp_store();
        let config = SequencerConfig { l1_confirmations: 0, max_wait: Duration::ZERO, ..config() };
        let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config).unwrap();
        deposit_all(&sys, &[&PrivateKey::from_bytes([0xb0; 32])]).await;
        seq.poll(true).await.unwrap().expect("the deposit");
        l1.reorg(1, &[]).await.unwrap();
        let batcher = Batcher::new(l1.clone(), sys.d.inbox, store.clone(), sys.sequencer.clone());
        let err = batcher.poll().await.unwrap_err();
        assert!(matches!(err, BatcherError::Moved { batch: 1 }), "{err}");
        let latest: u64 = sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await;
        assert_eq!(latest, 0);
    });
}

/// A deposit a reorg drops before the sequencer takes it is never sealed; a batch whose post a
/// reorg drops is posted again by the batcher, which reads what the inbox lacks; and a reorg that
/// drops both the post and the deposit the batch consumed makes the sequencer re-derive the batch
/// on the new queue, which the batcher posts once; a dropped proposal is proposed again, once.
/// The follower notices each reorg. On the embedded L1 and on anvil (`anvil_reorg`).
async fn dropped_deposits_and_posts<L>(l1: Arc<L>)
where
    L: tribunal_l1::L1Dev + Send + Sync + 'static,
{
    use tribunal_node::follow::{Follower, Reorgs};
    let sys = System::deploy(&*l1).await;
    let (_dir, store) = temp_store();
    let reorgs = Reorgs::default();
    let config = SequencerConfig { l1_confirmations: 1, max_wait: Duration::ZERO, ..config() };
    let seq = Sequencer::new(l1.clone(), sys.d.inbox, store.clone(), config)
        .unwrap()
        .with_reorgs(reorgs.clone());
    let batcher = Batcher::new(l1.clone(), sys.d.inbox, store.clone(), sys.sequencer.clone());
    let mut follower = Follower::new(l1.clone(), store.clone(), 2, reorgs.clone()).unwrap();
    follower.poll().await.unwrap();
    let (alice, bob) = (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]));

    deposit_all(&sys, &[&alice]).await;
    follower.poll().await.unwrap();
    assert!(seq.poll(true).await.unwrap().is_none(), "not confirmed yet");
    l1.reorg(1, &[]).await.unwrap();
    let r = follower.poll().await.unwrap().expect("the follower notices");
    assert_eq!((r.depth, r.critical), (1, false));
    l1.mine().await.unwrap();
    l1.mine().await.unwrap();
    assert!(seq.poll(true).await.unwrap().is_none(), "the dropped deposit is never sealed");

    deposit_all(&sys, &[&bob]).await;
    l1.mine().await.unwrap();
    let sealed = seq.poll(true).await.unwrap().expect("bob's deposit, confirmed");
    assert_eq!(sealed.l1_messages, 1);
    let posted = batcher.poll().await.unwrap();
    assert_eq!(posted.len(), 1);
    follower.poll().await.unwrap();
    let depth = l1.head().await.unwrap().number - posted[0].block + 1;
    l1.reorg(depth, &[]).await.unwrap();
    assert!(follower.poll().await.unwrap().is_some());
    assert_eq!(sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await, 0, "the post is gone");
    let again = batcher.poll().await.unwrap();
    assert_eq!(again.iter().map(|p| p.batch.0).collect::<Vec<_>>(), [1]);
    assert_eq!(sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await, 1);
    assert!(batcher.poll().await.unwrap().is_empty(), "and only once");

    // A reorg from bob's deposit's block drops it and the post: batch 1 is re-derived.
    let bobs: u64 = sys.view(sys.d.inbox, Inbox::messageBlockCall { _index: 0 }).await;
    let depth = l1.head().await.unwrap().number - bobs + 1;
    l1.reorg(depth, &[]).await.unwrap();
    assert!(follower.poll().await.unwrap().is_some());
    assert!(seq.poll(true).await.unwrap().is_none(), "the queue is empty now");
    assert_eq!(store.head().unwrap(), BatchNumber(0), "batch 1 undone");
    let carol = PrivateKey::from_bytes([0xc0; 32]);
    deposit_all(&sys, &[&carol]).await;
    l1.mine().await.unwrap();
    let sealed = seq.poll(true).await.unwrap().expect("batch 1 again");
    assert_eq!(sealed.batch.number, BatchNumber(1));
    let Tx::Deposit(d) = sealed.batch.txs[0] else { panic!("{:?}", sealed.batch.txs) };
    assert_eq!(d.pubkey, carol.public_key().to_bytes());
    assert_eq!(batcher.poll().await.unwrap().len(), 1);
    assert_eq!(sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await, 1);
    assert!(batcher.poll().await.unwrap().is_empty(), "and only once");

    // A dropped proposal is proposed again, once.
    let mut proposer = proposer(&l1, &sys, &store).with_reorgs(reorgs.clone());
    let claims = async || sys.view(sys.d.finality, MultiProofFinality::claimCountCall {}).await;
    assert_eq!(proposer.poll().await.unwrap().len(), 1);
    assert_eq!(claims().await, U256::from(1));
    follower.poll().await.unwrap();
    l1.reorg(1, &[]).await.unwrap();
    assert!(follower.poll().await.unwrap().is_some());
    assert_eq!(claims().await, U256::ZERO, "the proposal is gone");
    assert_eq!(proposer.poll().await.unwrap().len(), 1, "proposed again");
    assert_eq!(claims().await, U256::from(1));
    assert!(proposer.poll().await.unwrap().is_empty(), "and only once");
}

#[test]
fn dropped_deposits_and_posts_on_both_backends() {
    use tribunal_l1::anvil::Anvil;
    run(async {
        dropped_deposits_and_posts(Arc::new(DevL1::with_reorg_window(16))).await;
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        dropped_deposits_and_posts(Arc::new(anvil.rpc().unwrap())).await;
    });
}
