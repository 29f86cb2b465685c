//! `l1-reorg`: L1 reorganizes under a running node. The node follows L1 by block hash
//! (`tribunal_node::follow`): it takes L1 messages only [`CONFIRMATIONS`] deep, sends again what a
//! reorg dropped, and raises a critical alert past [`MAX_REORG_DEPTH`].

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy_primitives::U256;
use alloy_sol_types::{SolCall, SolEvent};
use ark_std::rand::{Rng, SeedableRng, rngs::StdRng};
use tribunal_contracts::{DisputeGame, Inbox, MultiProofFinality, leg};
use tribunal_dispute::Action;
use tribunal_l1::{L1, L1Dev, L1Receipt, L1Tx, view};
use tribunal_node::{Event, Services, follow::Resent, rpc::TribunalApiServer, zk::ZkOutcome};
use tribunal_primitives::{PrivateKey, Tx};

use super::{World, narrate, say};

/// Blocks deep an L1 message must be before the node's sequencer takes it.
const CONFIRMATIONS: u64 = 4;
/// Deeper reorgs are a critical alert.
const MAX_REORG_DEPTH: u64 = 4;
/// Blocks deep a finalization must be before the node reports it.
const FINAL_DEPTH: u64 = 2;
/// Depth of the random reorgs: 1 to this, below [`CONFIRMATIONS`].
const RANDOM_DEPTH: u64 = 3;
/// Users depositing while L1 reorgs at random.
const RANDOM_USERS: u8 = 6;

/// `Inbox.deposit` of 1 ETH for `key`, from dev account 1; the receipt.
async fn deposit(w: &World, key: &PrivateKey) -> eyre::Result<L1Receipt> {
    let call = Inbox::depositCall { _pubkey: key.public_key().to_bytes().into() };
    let tx = L1Tx::call(w.r.d.inbox, call.abi_encode()).with_value(U256::from(super::ETH));
    Ok(w.l1.send(&w.r.signers[1], tx).await?)
}

/// The node's events for `d`, narrated.
async fn events_for(w: &mut World, d: Duration) -> eyre::Result<Vec<Event>> {
    let node = w.node.as_mut().ok_or_else(|| eyre::eyre!("no node runs"))?;
    let end = tokio::time::Instant::now() + d;
    let mut out = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout_at(end, node.events.recv()).await {
        narrate(&w.observe, &event);
        out.push(event);
    }
    Ok(out)
}

async fn mine(w: &World, blocks: u64) -> eyre::Result<()> {
    for _ in 0..blocks {
        w.l1.mine().await?;
    }
    Ok(())
}

async fn queue_length(w: &World) -> eyre::Result<u64> {
    Ok(view(&*w.l1, w.r.d.inbox, Inbox::queueLengthCall {}).await?)
}

/// Runs `l1-reorg` on `w` (deployed on an L1 that can reorg), with random reorgs `every` apart.
pub(super) async fn l1_reorg(w: &mut World, every: Duration) -> eyre::Result<()> {
    w.l1_depths = (CONFIRMATIONS, MAX_REORG_DEPTH, FINAL_DEPTH);
    w.start(Services::ALL).await?;
    say!(
        w,
        "the node runs every service; it takes L1 messages {CONFIRMATIONS} blocks deep, reports \
         finality {FINAL_DEPTH} blocks deep, and alerts on reorgs deeper than {MAX_REORG_DEPTH} \
         blocks"
    );
    events_for(w, Duration::from_millis(1_500)).await?;

    // 1. A deposit dropped before the sequencer takes it is never credited.
    let alice = deposit(w, &PrivateKey::from_bytes([0x61; 32])).await?;
    say!(w, "a user deposits 1 ETH for alice in block {}", alice.block_number);
    let seen = events_for(w, Duration::from_millis(1_500)).await?;
    eyre::ensure!(
        !seen.iter().any(|e| matches!(e, Event::Sealed(_))),
        "the sequencer took a deposit fewer than {CONFIRMATIONS} blocks deep"
    );
    eyre::ensure!(
        w.l1.head().await?.number == alice.block_number,
        "the idle node sent an L1 transaction"
    );
    w.l1.reorg(1, &[]).await?;
    say!(w, "L1 reorgs 1 block: the deposit is gone, and the new chain does not include it");
    let reorg = w
        .until("the follower's notice", |e| if let Event::Reorg(r) = e { Some(*r) } else { None })
        .await?;
    eyre::ensure!(reorg.depth == 1 && !reorg.critical, "expected a 1-block reorg: {reorg:?}");
    mine(w, CONFIRMATIONS + 1).await?;
    let seen = events_for(w, Duration::from_secs(2)).await?;
    eyre::ensure!(
        !seen.iter().any(|e| matches!(e, Event::Sealed(_))) && queue_length(w).await? == 0,
        "a dropped deposit was sealed"
    );
    say!(w, "{} blocks later nothing is sealed: alice is never credited", CONFIRMATIONS + 1);

    // 2. A deposit the new chain re-includes is credited once; its batch's post, then its
    // proof, are dropped by reorgs and sent again.
    let bob_key = PrivateKey::from_bytes([0x62; 32]);
    let bob = deposit(w, &bob_key).await?;
    events_for(w, Duration::from_millis(1_500)).await?;
    w.l1.reorg(1, &[bob.tx_hash]).await?;
    say!(w, "a deposit for bob, then a 1-block reorg whose new block includes it again");
    w.until("the follower's notice", |e| matches!(e, Event::Reorg(_)).then_some(())).await?;
    mine(w, CONFIRMATIONS).await?;
    let bob_pubkey = bob_key.public_key().to_bytes();
    let batch = w
        .until("bob's batch", |e| match e {
            Event::Sealed(s)
                if s.batch
                    .txs
                    .iter()
                    .any(|t| matches!(t, Tx::Deposit(d) if d.pubkey == bob_pubkey)) =>
            {
                Some(s.batch.number.0)
            }
            _ => None,
        })
        .await?;
    let posted = w
        .until("its post", |e| match e {
            Event::Posted(p) if p.batch.0 == batch => Some(p.block),
            _ => None,
        })
        .await?;
    let depth = w.l1.head().await?.number - posted + 1;
    w.l1.reorg(depth, &[]).await?;
    say!(w, "L1 reorgs {depth} blocks: batch {batch}'s post (block {posted}) is gone");
    w.until("the batch posted again", |e| match e {
        Event::Posted(p) if p.batch.0 == batch => Some(()),
        _ => None,
    })
    .await?;
    say!(w, "the batcher posts batch {batch} again: the inbox no longer had it");
    let claim = w
        .until("its claim proven", |e| match e {
            Event::Proposed(p) if p.batch.0 == batch => None,
            Event::Zk { claim, outcome: ZkOutcome::Proven { .. } } => Some(*claim),
            _ => None,
        })
        .await?;
    let proof = proof_block(w, claim).await?;
    eyre::ensure!(w.status(claim).await?.isFinal, "claim {claim} is not final on L1");
    let rpc = w.rpc()?;
    let info = rpc.get_claim(claim).await.map_err(|e| eyre::eyre!("{e:?}"))?;
    let deep = w.l1.head().await?.number >= proof + FINAL_DEPTH;
    eyre::ensure!(
        info.is_final == deep,
        "the RPC calls claim {claim} final: {}, {FINAL_DEPTH} blocks deep: {deep}",
        info.is_final
    );
    say!(w, "claim {claim} is final on L1 in block {proof}; the RPC says: {}", info.explanation);
    let depth = w.l1.head().await?.number - proof + 1;
    w.l1.reorg(depth, &[]).await?;
    say!(w, "L1 reorgs {depth} blocks: claim {claim}'s proof (block {proof}) is gone");
    eyre::ensure!(!w.status(claim).await?.zk, "the proof is still on L1");
    w.until("the proof sent again", |e| match e {
        Event::Resent { service: "zk", resent: Resent::Again { claim: c, .. } } if *c == claim => {
            Some(())
        }
        _ => None,
    })
    .await?;
    reported_final(w, claim).await?;
    let s = w.show("after the reorg", claim).await?;
    eyre::ensure!(s.isFinal && s.zk && s.tee, "claim {claim} is not final through ZK + TEE");
    let info = rpc.get_claim(claim).await.map_err(|e| eyre::eyre!("{e:?}"))?;
    eyre::ensure!(info.is_final, "the RPC does not call claim {claim} final: {}", info.explanation);
    say!(w, "{FINAL_DEPTH} blocks later the watcher and the RPC report it final");
    // The API holds the node's store open: closed before the node restarts.
    drop(rpc);

    // A dispute move dropped is made again. The provers pause, so that the batch stays open.
    w.start(Services { zk: false, tee: false, ..Services::ALL }).await?;
    say!(w, "the node restarts without its provers");
    deposit(w, &PrivateKey::from_bytes([0x63; 32])).await?;
    mine(w, CONFIRMATIONS).await?;
    let honest = w
        .until("the next claim", |e| if let Event::Proposed(p) = e { Some(p.claim) } else { None })
        .await?;
    let attacker = w.r.signers[2].clone();
    let wrong = super::faults::propose_wrong(w, &attacker, honest).await?;
    let challenge = w.challenge_of(wrong).await?;
    let moved = move_block(w, challenge).await?;
    let depth = w.l1.head().await?.number - moved + 1;
    w.l1.reorg(depth, &[]).await?;
    say!(w, "L1 reorgs {depth} blocks: the challenge of claim {wrong} (block {moved}) is gone");
    w.until("the challenge made again", |e| match e {
        Event::Challenger(Action::Opened { claim, .. }) if *claim == wrong => Some(()),
        _ => None,
    })
    .await?;
    let game = view(&*w.l1, w.r.game.game, DisputeGame::gameOfCall { _claimId: U256::from(wrong) })
        .await?;
    eyre::ensure!(game.windowStartsAt != 0, "claim {wrong} has no game on L1");
    say!(w, "the challenger challenges claim {wrong} again: its game is on L1");
    w.start(Services::ALL).await?;
    reported_final(w, honest).await?;
    say!(w, "with its provers back, the node makes claim {honest} final at once");

    // 3. A reorg deeper than max_reorg_depth is a critical alert.
    mine(w, MAX_REORG_DEPTH + 4).await?;
    events_for(w, Duration::from_millis(1_500)).await?;
    w.l1.reorg(MAX_REORG_DEPTH + 2, &[]).await?;
    let reorg = w
        .until("the follower's notice", |e| if let Event::Reorg(r) = e { Some(*r) } else { None })
        .await?;
    eyre::ensure!(reorg.critical, "a {}-block reorg is not critical: {reorg:?}", reorg.depth);
    say!(
        w,
        "a {}-block reorg raises the critical alert (max_reorg_depth {MAX_REORG_DEPTH})",
        reorg.depth
    );

    // 4. Random reorgs under deposits.
    random_reorgs(w, every, bob_key).await
}

/// Waits until the node reports claim `id` final, mining a block now and then: the report
/// waits for [`FINAL_DEPTH`] blocks, and a quiet dev chain mines none by itself.
async fn reported_final(w: &mut World, id: u64) -> eyre::Result<()> {
    let deadline = std::time::Instant::now() + super::PATIENCE;
    loop {
        let events = events_for(w, Duration::from_millis(300)).await?;
        if events.iter().any(|e| matches!(e, Event::Finalized(f) if f.claim == id)) {
            return Ok(());
        }
        let status = w.status(id).await?;
        eyre::ensure!(
            std::time::Instant::now() < deadline,
            "claim {id} was never reported final (on L1: {})",
            tribunal_node::rpc::model_status(&status)
        );
        if status.isFinal {
            w.l1.mine().await?;
        }
    }
}

/// The block of claim `id`'s ZK approval on the canonical chain.
async fn proof_block(w: &World, id: u64) -> eyre::Result<u64> {
    let logs = w.l1.logs(w.r.d.finality, 0).await?;
    logs.iter()
        .rev()
        .find(|l| {
            MultiProofFinality::Approved::decode_log(&l.log)
                .is_ok_and(|a| a.id == U256::from(id) && a.leg == leg::ZK)
        })
        .map(|l| l.block_number)
        .ok_or_else(|| eyre::eyre!("no ZK approval of claim {id} on L1"))
}

/// The block of game position `node`'s move on the canonical chain.
async fn move_block(w: &World, node: u64) -> eyre::Result<u64> {
    let logs = w.l1.logs(w.r.game.game, 0).await?;
    logs.iter()
        .rev()
        .find(|l| DisputeGame::Move::decode_log(&l.log).is_ok_and(|m| m.node == U256::from(node)))
        .map(|l| l.block_number)
        .ok_or_else(|| eyre::eyre!("no move of position {node} on L1"))
}

async fn random_reorgs(w: &mut World, every: Duration, bob: PrivateKey) -> eyre::Result<()> {
    let l1 = w.l1.clone();
    let user = w.r.signers[1].address();
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let reorger = {
        let (stop, count) = (stop.clone(), count.clone());
        tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(0x7e0e6);
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(every).await;
                let depth = rng.gen_range(1..=RANDOM_DEPTH);
                // Users' transactions come back, as from a real mempool; the node's in half of
                // the reorgs, racing its own re-sending.
                let node_too = rng.gen_bool(0.5);
                if l1.reorg_keeping(depth, |from| node_too || *from == user).is_ok() {
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    say!(
        w,
        "L1 now reorgs 1–{RANDOM_DEPTH} blocks every {} ms, re-including users' transactions \
         always and the node's in half of the reorgs, while {RANDOM_USERS} users deposit",
        every.as_millis()
    );
    let mut keys = vec![bob];
    for i in 0..RANDOM_USERS {
        let key = PrivateKey::from_bytes([0x70 + i; 32]);
        deposit(w, &key).await?;
        keys.push(key);
        events_for(w, every.mul_f64(0.7)).await?;
    }
    events_for(w, every * 3).await?;
    stop.store(true, Ordering::Relaxed);
    reorger.await?;
    let reorgs = count.load(Ordering::Relaxed);
    say!(w, "{reorgs} random reorgs; L1 stops reorganizing");
    mine(w, CONFIRMATIONS).await?;

    // Every message consumed, every batch posted and final.
    let deadline = std::time::Instant::now() + super::PATIENCE;
    let (inbox, finality) = (w.r.d.inbox, w.r.d.finality);
    let final_batch = loop {
        let posted = view(&*w.l1, inbox, Inbox::latestBatchCall {}).await?;
        let final_batch =
            view(&*w.l1, finality, MultiProofFinality::latestFinalBatchCall {}).await?;
        let consumed = view(&*w.l1, inbox, Inbox::queueHeadCall {}).await?;
        let queued = queue_length(w).await?;
        if posted > 0 && final_batch == posted && consumed == queued {
            break final_batch;
        }
        if std::time::Instant::now() >= deadline {
            let count = view(&*w.l1, finality, MultiProofFinality::claimCountCall {}).await?;
            let mut open = Vec::new();
            for id in count.to::<u64>().saturating_sub(4)..count.to::<u64>() {
                let status = tribunal_node::rpc::model_status(&w.status(id).await?);
                open.push(format!("claim {id}: {status}"));
            }
            eyre::bail!(
                "batches did not all finalize: {posted} posted, {final_batch} final, {consumed} \
                 of {queued} L1 messages consumed, L1 head {}; {}",
                w.l1.head().await?.number,
                open.join("; ")
            );
        }
        events_for(w, Duration::from_millis(500)).await?;
    };
    say!(w, "every batch is final, up to batch {final_batch}, and every L1 message consumed");

    // Every deposit credited once.
    let state = w.state_after(final_batch).await?;
    for key in &keys {
        let pubkey = key.public_key();
        let held: Vec<_> = state.accounts().filter(|(_, a)| a.pubkey == pubkey).collect();
        eyre::ensure!(
            held.len() == 1 && held[0].1.balance.0 == super::ETH,
            "a deposit is credited {} times",
            held.len()
        );
    }
    say!(w, "each of the {} deposits is credited once, 1 ETH each", keys.len());

    // No L1 transaction landed twice: per batch one post and one claim, per claim and leg
    // one approval.
    let mut posts = BTreeMap::<u64, u32>::new();
    for l in w.l1.logs(inbox, 0).await? {
        if let Ok(e) = Inbox::BatchPosted::decode_log(&l.log) {
            *posts.entry(e.batchNumber).or_default() += 1;
        }
    }
    let (mut claims, mut approvals) = (BTreeMap::new(), BTreeMap::new());
    for l in w.l1.logs(finality, 0).await? {
        if let Ok(e) = MultiProofFinality::ClaimProposed::decode_log(&l.log) {
            *claims.entry((e.batchNumber, e.claim.postRoot)).or_insert(0u32) += 1;
        } else if let Ok(e) = MultiProofFinality::Approved::decode_log(&l.log) {
            *approvals.entry((e.id, e.leg)).or_insert(0u32) += 1;
        }
    }
    eyre::ensure!(posts.len() as u64 == final_batch, "posts: {posts:?}");
    eyre::ensure!(posts.values().all(|n| *n == 1), "a batch's post landed twice: {posts:?}");
    eyre::ensure!(claims.values().all(|n| *n == 1), "a claim landed twice: {claims:?}");
    eyre::ensure!(approvals.values().all(|n| *n == 1), "an approval landed twice: {approvals:?}");
    say!(
        w,
        "on the canonical chain: {} posts, {} claims, {} approvals, none twice",
        posts.len(),
        claims.len(),
        approvals.len()
    );
    Ok(())
}
