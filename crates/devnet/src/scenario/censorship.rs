//! Forced inclusion (the README's scenarios).
//! - `censoring-sequencer`: the sequencer keeps posting batches but leaves a user's forced
//!   transfer out; past the deadline the inbox refuses its batches, and the user posts a
//!   permissionless batch that includes it and finalizes like any other.
//! - `poisoned-batch`: past the deadline a stranger posts a batch of garbage records with an
//!   unpayable forced transfer in the queue; every leg skips what does not apply, that batch is
//!   final at once, and so is the sequencer's next one.

use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use tribunal_contracts::Inbox;
use tribunal_l1::{L1, L1Tx, view};
use tribunal_node::{Event, Services, proposer::propose_call, watcher::FinalityPath};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, PrivateKey, Signed, Transfer, Tx, Wei, eip2494, tx::RawRecord,
};
use tribunal_stf::execute_batch;

use super::{ETH, World, expect_refused, say};
use crate::rollup::force;

/// Runs the scenario on `w`.
pub(super) async fn censoring_sequencer(w: &mut World) -> eyre::Result<()> {
    let chain = w.r.chain_id;
    let (alice, bob) = users();
    let (a, b) = deposited(w, &alice, &bob).await?;

    // From now on the sequencer censors bob. The node's provers, challenger and watcher run on.
    w.start(Services { sequencer: false, ..Services::ALL }).await?;
    let inbox = w.r.d.inbox;
    let user = w.r.signers[1].clone();
    let forced = Transfer { from: b, to: a, amount: Wei(ETH / 4), nonce: 0 };
    let (index, message) = forced_message(w, &user, forced, &bob).await?;
    let delay = view(&*w.l1, inbox, Inbox::FORCED_INCLUSION_DELAY_SECONDSCall {}).await?;
    say!(
        w,
        "bob forces a 0.25 ETH transfer to alice through L1 (queue index {index}); the sequencer must include it within {} hours",
        delay / 3_600
    );

    // Inside the deadline the sequencer may leave it out, and its batch is final as usual.
    let sequencer = w.r.keys.sequencer.clone();
    let n = latest_batch(w).await? + 1;
    let paid = Transfer { from: a, to: b, amount: Wei(ETH / 100), nonce: 0 };
    let batch = Batch {
        chain_id: chain,
        number: BatchNumber(n),
        txs: vec![Tx::Transfer(Signed::sign(paid, chain, &alice))],
    };
    let own = Batch { chain_id: chain, number: BatchNumber(n), txs: vec![message] };
    let early = w.post(&user, &own, index + 1).await?;
    expect_refused(
        w,
        "bob posting a batch himself before the deadline",
        &inbox_error(early),
        "Inbox_NotSequencer",
    )?;
    w.post(&sequencer, &batch, index).await??;
    settle(w, &w.r.keys.proposer.clone(), &batch).await?;
    say!(w, "the sequencer posts batch {n} without bob's transfer (allowed for now); it is final");

    // Past the deadline the sequencer's batches must include it; bob posts one that does.
    w.travel(delay + 60).await?;
    let skip = Batch { number: BatchNumber(n + 1), ..batch.clone() };
    let censored = w.post(&sequencer, &skip, index).await?;
    expect_refused(
        w,
        "the sequencer's next batch without it",
        &inbox_error(censored),
        "Inbox_ForcedInclusionDue",
    )?;
    let permissionless = Batch { number: BatchNumber(n + 1), ..own };
    let receipt = w.post(&user, &permissionless, index + 1).await??;
    let posted = receipt
        .logs
        .iter()
        .filter(|l| l.address == inbox)
        .find_map(|l| Inbox::BatchPosted::decode_log(l).ok());
    eyre::ensure!(
        posted.is_some_and(|e| e.batchNumber == n + 1 && e.poster == user.address()),
        "batch {} was not bob's",
        n + 1
    );
    say!(w, "bob posts batch {} himself (permissionless, his forced transfer only)", n + 1);
    settle(w, &user, &permissionless).await?;

    let state = w.state_after(n + 1).await?;
    let (alice_now, bob_now) = (
        state.account(a).map(|x| x.balance.0).unwrap_or_default(),
        state.account(b).map(|x| x.balance.0).unwrap_or_default(),
    );
    eyre::ensure!(
        alice_now == ETH - ETH / 100 + ETH / 4 && bob_now == ETH + ETH / 100 - ETH / 4,
        "the forced transfer did not apply: alice {alice_now}, bob {bob_now}"
    );
    say!(
        w,
        "final L2 balances: alice {alice_now} wei, bob {bob_now} wei: the forced transfer is in"
    );
    Ok(())
}

/// Runs `poisoned-batch` on `w`.
pub(super) async fn poisoned_batch(w: &mut World) -> eyre::Result<()> {
    let chain = w.r.chain_id;
    let (alice, bob) = users();
    let (a, b) = deposited(w, &alice, &bob).await?;

    // A deposit to a key of low order (anyone could sign for it) never enters the queue.
    let inbox = w.r.d.inbox;
    let stranger = w.r.signers[3].clone();
    let low = eip2494::pack_point(&eip2494::low_order_points()[1]);
    let call = Inbox::depositCall { _pubkey: low.into() };
    let tx = L1Tx::call(inbox, call.abi_encode()).with_value(alloy_primitives::U256::from(ETH));
    let refused = w.l1.send(&stranger, tx).await;
    expect_refused(w, "a deposit to a low-order key", &inbox_error(refused), "Inbox_BadPublicKey")?;

    // The sequencer goes quiet; bob forces a transfer he cannot pay.
    w.start(Services { sequencer: false, ..Services::ALL }).await?;
    let user = w.r.signers[1].clone();
    let unpayable = Transfer { from: b, to: a, amount: Wei(100 * ETH), nonce: 0 };
    let (index, message) = forced_message(w, &user, unpayable, &bob).await?;
    let delay = view(&*w.l1, inbox, Inbox::FORCED_INCLUSION_DELAY_SECONDSCall {}).await?;
    w.travel(delay + 60).await?;
    say!(
        w,
        "bob forces a 100 ETH transfer he cannot pay; the sequencer leaves it out past the deadline"
    );

    // A stranger posts the next batch: the overdue message, and records that hold nothing.
    let n = latest_batch(w).await? + 1;
    let mut padded = [0u8; 124];
    padded[0] = 0x01;
    padded[123] = 0x5a;
    let mut l1_kind = [0u8; 124];
    l1_kind[0] = 0x03;
    // Three records: with the message, the scenario's circuit slots exactly.
    let garbage = [[0x7f; 124], padded, l1_kind].map(|r| Tx::Undecodable(RawRecord(r)));
    let mut txs = vec![message];
    txs.extend(garbage);
    let poisoned = Batch { chain_id: chain, number: BatchNumber(n), txs };
    let before = w.state_after(n - 1).await?;
    w.post(&stranger, &poisoned, index + 1).await??;
    say!(
        w,
        "a stranger posts batch {n}: bob's forced transfer (queue index {}) and 3 records that decode as nothing (tag 0x7f, a transfer with padding, an L1 tag)",
        index
    );
    settle(w, &stranger, &poisoned).await?;
    let after = w.state_after(n).await?;
    eyre::ensure!(after.root() == before.root(), "batch {n} changed the state");
    eyre::ensure!(after.queue().1 == index + 1, "batch {n} did not consume bob's message");
    say!(
        w,
        "batch {n} is final at once: every leg skipped the 4 transactions; the state is unchanged and the message consumed"
    );

    // The sequencer posts again (its key, scripted as in `censoring-sequencer`), and the chain
    // goes on at once.
    let paid = Transfer { from: a, to: b, amount: Wei(ETH / 100), nonce: 0 };
    let next = Batch {
        chain_id: chain,
        number: BatchNumber(n + 1),
        txs: vec![Tx::Transfer(Signed::sign(paid, chain, &alice))],
    };
    w.post(&w.r.keys.sequencer.clone(), &next, index + 1).await??;
    settle(w, &w.r.keys.proposer.clone(), &next).await?;
    say!(w, "the sequencer's batch {} after it is final at once too", n + 1);

    // The sequencer's key posts a blob that is not in canonical form: a valid transfer, then a
    // junk byte far past it. Every leg reads it as carrying no records; the node proves that to
    // the Inbox with three KZG openings, and the batch is final at once.
    let m = n + 2;
    let again = Transfer { from: a, to: b, amount: Wei(ETH / 100), nonce: 1 };
    let written = Batch {
        chain_id: chain,
        number: BatchNumber(m),
        txs: vec![Tx::Transfer(Signed::sign(again, chain, &alice))],
    };
    let mut blobs = tribunal_da::encode_blobs(&written.encode())?;
    blobs[0].0[32 * 4000 + 31] = 0x5a;
    let read = tribunal_da::read_batch(&blobs, &[], chain, BatchNumber(m));
    eyre::ensure!(read.txs.is_empty(), "a non-canonical blob carries records");
    w.post_blobs(&w.r.keys.sequencer.clone(), m, blobs, index + 1).await??;
    say!(
        w,
        "the sequencer posts batch {m}: a transfer, then a junk byte in field element 4000 (not canonical: no records)"
    );
    settle(w, &w.r.keys.proposer.clone(), &read).await?;
    eyre::ensure!(
        view(&*w.l1, inbox, Inbox::nonCanonicalCall { _batchNumber: m }).await?,
        "the Inbox does not hold batch {m} as not canonical"
    );
    say!(
        w,
        "batch {m} is final at once (ZK under the Inbox's non-canonical flag, and TEE): the transfer did not apply"
    );
    Ok(())
}

/// `from` forces `body`, signed with `key`, through the inbox; returns its queue index and the
/// message as queued.
async fn forced_message(
    w: &World,
    from: &alloy::signers::local::PrivateKeySigner,
    body: Transfer,
    key: &PrivateKey,
) -> eyre::Result<(u64, Tx)> {
    let receipt = force(&*w.l1, from, w.r.d.inbox, w.r.chain_id, body, key).await?;
    let queued = receipt
        .logs
        .iter()
        .find_map(|l| Inbox::MessageQueued::decode_log(l).ok())
        .ok_or_else(|| eyre::eyre!("forceTransfer queued nothing"))?;
    Ok((queued.index, tribunal_primitives::batch::decode_tx_exact(&queued.message)?))
}

/// Alice's and bob's L2 keys.
fn users() -> (PrivateKey, PrivateKey) {
    (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]))
}

/// An honest start: both users deposit and their batch is final (the node stopped after it).
async fn deposited(
    w: &mut World,
    alice: &PrivateKey,
    bob: &PrivateKey,
) -> eyre::Result<(AccountIndex, AccountIndex)> {
    w.start(Services::ALL).await?;
    let a = w.deposit(alice).await?;
    let b = w.deposit(bob).await?;
    loop {
        let n = w
            .until("the deposits' finality", |e| match e {
                Event::Finalized(f) => Some(f.batch),
                _ => None,
            })
            .await?;
        if w.state_after(n).await?.account(b).is_some() {
            break;
        }
    }
    w.stop().await;
    say!(w, "alice (account {}) and bob (account {}) deposited; their batch is final", a.0, b.0);
    Ok((a, b))
}

/// `proposer` proposes the claim of posted `batch`, and waits for the node's provers to make it
/// final at once (ZK + TEE).
async fn settle(
    w: &mut World,
    proposer: &alloy::signers::local::PrivateKeySigner,
    batch: &Batch,
) -> eyre::Result<()> {
    let n = batch.number.0;
    let mut state = w.state_after(n - 1).await?;
    let parent = state.root();
    let out = execute_batch(&mut state, batch)?;
    let call =
        propose_call(batch.number, parent, out.post_root, out.withdrawal_root, out.data_commitment);
    let id = w.propose(proposer, call).await?;
    let path = w
        .until("the claim's finality", |e| match e {
            Event::Finalized(f) if f.claim == id => Some(f.path),
            _ => None,
        })
        .await?;
    eyre::ensure!(path == FinalityPath::Instant, "batch {n} finalized {path}, not at once");
    Ok(())
}

async fn latest_batch(w: &World) -> eyre::Result<u64> {
    Ok(view(&*w.l1, w.r.d.inbox, Inbox::latestBatchCall {}).await?)
}

/// The inbox error a refused transaction reverted with, by name.
fn inbox_error<T: std::fmt::Debug>(result: Result<T, tribunal_l1::L1Error>) -> String {
    match result {
        Ok(ok) => format!("went through: {ok:?}"),
        Err(e) => e
            .revert_data()
            .and_then(|d| Inbox::InboxErrors::abi_decode(d).ok())
            .map_or_else(|| e.to_string(), |e| format!("{e:?}")),
    }
}
