//! The OP leg end to end: `DisputeGame` with `StfStep` on the embedded L1 (and anvil), the
//! honest challenger and defender agents, and scripted dishonest players.
//!
//! - `StfStep` agrees with `execute_batch` on every transaction kind, applied and skipped (a
//!   failing sequencer transaction is skipped, never a refusal of the batch);
//! - a wrong post root is challenged and loses through a real one-step proof; the challenger wins
//!   the bonds (also on anvil);
//! - a frivolous challenge of a correct claim loses, and the claim resolves for itself;
//! - an unchallenged claim resolves for itself after 7 days;
//! - a player who misses its clock loses;
//! - a move or resolution a reorg drops is made again (also on anvil);
//! - a claim over undecodable blob data loses;
//! - the agents survive a restart (redb).

mod common;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use common::{CHAIN, DAY, System, run};
use proptest::prelude::*;
use tribunal_contracts::{DisputeGame, Inbox, MultiProofFinality, stf_step::StfStepContract};
use tribunal_dispute::{
    Action, Challenger, Contracts, Defender, DisputeStore, GameParams, Trace, TraceState, Verdict,
    agent::{blob_element, witness_sol},
    trace::message_chunks,
};
use tribunal_l1::{DevL1, L1, L1Dev, L1Tx, anvil::Anvil};
use tribunal_primitives::{
    AccountIndex, Address as L2Address, Batch, BatchNumber, Claim, Fr, PrivateKey, Signed,
    StateRoot, Transfer, Tx, Wei, Withdraw, batch::decode_tx_exact,
};
use tribunal_stf::{BatchOutput, State, StfConfig, TxStatus, execute_batch};

const ETH: u128 = 10u128.pow(18);
const IN_PROGRESS: u8 = 0;
const DEFENDER_WINS: u8 = 1;
const CHALLENGER_WINS: u8 = 2;

/// The blobs of posted batch `n`, from the L1's blob store.
async fn posted_blobs<L: L1Dev>(sys: &System<'_, L>, n: u64) -> Vec<alloy_eips::eip4844::Blob> {
    let hashes = sys.view(sys.d.inbox, Inbox::blobHashesCall { _batchNumber: n }).await;
    sys.l1.blobs(&hashes).await.unwrap()
}

/// The L1 messages posted batch `n` consumes, from the inbox's queue.
async fn posted_messages<L: L1Dev>(sys: &System<'_, L>, n: u64) -> Vec<Tx> {
    tribunal_dispute::queue::batch_messages(sys.l1, sys.d.inbox, n).await.unwrap()
}

/// A reorg drops the challenger's challenge of a wrong claim: after its rewind (what the node's
/// challenger service does on the follower's notice) it challenges again, within the window,
/// and the canonical chain holds the challenge once. Then a reorg drops its withdrawal of the
/// won bonds (`claimCredit`): it withdraws again, once.
async fn a_dropped_challenge_is_made_again<L: L1Dev>(
    l1: &L,
    include_again: Option<&(dyn Fn() -> tribunal_l1::L1Result<()> + Sync)>,
) {
    let (mut sys, game) = System::deploy_with_game(l1, GameParams::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut challenger = agents(&sys, game, &dir).0;
    let (_, out1) = batch1(&mut sys).await;
    let wrong = Claim { post_root: StateRoot(Fr::from(4242u64)), ..sys.claim(&out1).await };
    let id = sys.propose(&wrong).await.unwrap();
    create_game(&sys, game, id).await;
    past_evidence_period(&sys, game, id).await;
    let opened = |acted: &[Action]| {
        acted.iter().any(|a| matches!(a, Action::Opened { claim, .. } if *claim == id))
    };
    let acted = challenger.poll().await.unwrap();
    assert!(opened(&acted), "{acted:?}");
    let root = |g: DisputeGame::Game| g.root;
    let gid = U256::from(id);
    assert_ne!(root(sys.view(game, DisputeGame::gameOfCall { _claimId: gid }).await), 0);

    // From the challenge's block: on a loaded machine anvil's clock may have let the same round
    // do more after it.
    let logs = l1.logs(game, 0).await.unwrap();
    let fork = logs
        .iter()
        .find(|l| DisputeGame::Move::decode_log(&l.log).is_ok_and(|m| m.claimId == gid))
        .expect("the challenge's move")
        .block_number;
    l1.reorg(l1.head().await.unwrap().number - fork + 1, &[]).await.unwrap();
    assert_eq!(
        root(sys.view(game, DisputeGame::gameOfCall { _claimId: gid }).await),
        0,
        "the challenge is gone with its block"
    );
    challenger.rewind(fork).await.unwrap();
    let acted = challenger.poll().await.unwrap();
    assert!(opened(&acted), "challenged again: {acted:?}");
    let g = sys.view(game, DisputeGame::gameOfCall { _claimId: gid }).await;
    let challenge =
        DisputeGame::answerOfCall { _parent: U256::from(g.root - 1), _kind: 1, _hash: B256::ZERO };
    assert!(sys.view(game, challenge).await.posted, "one challenge on the canonical chain");
    let acted = challenger.poll().await.unwrap();
    assert!(!opened(&acted), "and not twice: {acted:?}");

    // Nobody answers: the clocks run out, the challenger wins and withdraws.
    let claimed = |acted: &[Action]| {
        acted.iter().any(|a| matches!(a, Action::Claimed { claim, .. } if *claim == id))
    };
    let mut withdrawn = false;
    for _ in 0..16 {
        warp(l1, 7 * DAY / 2 + 1).await;
        if claimed(&challenger.poll().await.unwrap()) {
            withdrawn = true;
            break;
        }
    }
    assert!(withdrawn, "the challenger withdrew its credit");
    let me = sys.stranger.address();
    let credit = async || sys.view(game, DisputeGame::creditCall { claimId: gid, _1: me }).await;
    assert_eq!(credit().await, U256::ZERO);
    // The withdrawal was the last transaction: the reorg drops it, and the credit is owed again.
    let fork = l1.head().await.unwrap().number;
    l1.reorg(1, &[]).await.unwrap();
    let owed = credit().await;
    assert!(owed > U256::ZERO, "owed again on the new chain");
    challenger.rewind(fork).await.unwrap();
    assert!(claimed(&challenger.poll().await.unwrap()), "withdrawn again");
    assert_eq!(credit().await, U256::ZERO);
    assert!(!claimed(&challenger.poll().await.unwrap()), "and not twice");

    // A reorg whose new chain includes the withdrawal again, then one that drops it for good:
    // the agent follows it to its new block, and withdraws again (CI finding: it forgot it).
    let Some(include_again) = include_again else { return };
    let fork = l1.head().await.unwrap().number;
    include_again().unwrap();
    assert_eq!(credit().await, U256::ZERO, "included again");
    challenger.rewind(fork).await.unwrap();
    assert!(!claimed(&challenger.poll().await.unwrap()), "nothing owed");
    l1.mine().await.unwrap();
    l1.reorg(2, &[]).await.unwrap();
    assert!(credit().await > U256::ZERO, "owed again");
    challenger.rewind(fork).await.unwrap();
    assert!(claimed(&challenger.poll().await.unwrap()), "withdrawn a third time");
    assert_eq!(credit().await, U256::ZERO);
}

#[test]
fn a_dropped_challenge_is_made_again_on_both_backends() {
    run(async {
        let l1 = DevL1::with_reorg_window(8);
        // The last block holds only the withdrawal: the new one includes it again.
        a_dropped_challenge_is_made_again(&l1, Some(&|| l1.reorg_keeping(1, |_| true))).await;
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        a_dropped_challenge_is_made_again(&anvil.rpc().unwrap(), None).await;
    });
}

/// A reorg drops the challenger's move in a bisection (its attack or defence of a midpoint): it
/// makes the move again, once, before that position's clock runs out. Then a reorg drops its
/// `resolveNode` and the game's `resolve`, after it had seen them land: it keeps watching a
/// position until its resolution is `CONFIRMATIONS` blocks deep, so it resolves both again and
/// the game ends. (Before, it forgot a position at the first sight of its resolution, and a
/// reorg that dropped it left the game open for good.)
async fn dropped_moves_and_resolutions_are_made_again<L: L1Dev>(l1: &L) {
    const CONFIRMATIONS: u64 = 3;
    let (mut sys, game) = System::deploy_with_game(l1, GameParams::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut challenger = agents(&sys, game, &dir).0.with_confirmations(CONFIRMATIONS);
    let (_, out1) = batch1(&mut sys).await;
    sys.propose(&sys.claim(&out1).await).await.unwrap();
    let parent = sys.state.clone();
    let (_, out2) = batch2(&mut sys).await;
    let wrong = Claim { post_root: StateRoot(Fr::from(4242u64)), ..sys.claim(&out2).await };
    let id = sys.propose(&wrong).await.unwrap();
    create_game(&sys, game, id).await;
    past_evidence_period(&sys, game, id).await;
    challenger.poll().await.unwrap();

    // The liar bisects; the challenger answers; a reorg drops the answer.
    let truth = Trace::build(
        &parent,
        &wrong,
        &posted_messages(&sys, 2).await,
        &posted_blobs(&sys, 2).await,
    )
    .unwrap();
    let lie = |k: usize| -> B256 {
        if k <= 3 { truth.at(k).unwrap().hash() } else { keccak256(k.to_be_bytes()) }
    };
    bisect_all(&sys, game, id, &sys.sequencer, lie).await;
    let moved = |acted: &[Action]| {
        acted.iter().find_map(|a| match a {
            Action::Moved { node, .. } => Some(*node),
            _ => None,
        })
    };
    let fork = l1.head().await.unwrap().number + 1;
    let midpoint = moved(&challenger.poll().await.unwrap()).expect("the challenger answers");
    let answers = async || {
        sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(midpoint) }).await.openAnswers
    };
    assert_eq!(answers().await, 1);
    l1.reorg(l1.head().await.unwrap().number - fork + 1, &[]).await.unwrap();
    assert_eq!(answers().await, 0, "the answer is gone with its block");
    challenger.rewind(fork).await.unwrap();
    assert_eq!(moved(&challenger.poll().await.unwrap()), Some(midpoint), "answered again");
    let deadline = sys.view(game, DisputeGame::deadlineOfCall { _id: U256::from(midpoint) }).await;
    assert!(l1.head().await.unwrap().timestamp <= deadline, "before its clock ran out");
    assert_eq!(answers().await, 1, "once");
    assert_eq!(moved(&challenger.poll().await.unwrap()), None, "and not twice");

    // Nobody answers the challenger: it wins as the clocks run out. A reorg then drops the
    // resolutions it had sent and seen land.
    let resolved = |acted: &[Action]| {
        acted.iter().any(|a| matches!(a, Action::Resolved { claim, .. } if *claim == id))
    };
    let mut fork = None;
    for _ in 0..16 {
        warp(l1, 7 * DAY / 2 + 1).await;
        let head = l1.head().await.unwrap().number;
        let acted = challenger.poll().await.unwrap();
        if acted.iter().any(|a| matches!(a, Action::ResolvedNode { .. })) {
            fork.get_or_insert(head + 1);
        }
        if resolved(&acted) {
            break;
        }
    }
    assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);
    challenger.poll().await.unwrap(); // sees every resolution land
    let fork = fork.expect("positions resolved");
    l1.reorg(l1.head().await.unwrap().number - fork + 1, &[]).await.unwrap();
    assert_eq!(game_status(&sys, game, id).await, IN_PROGRESS, "the resolutions are gone");
    challenger.rewind(fork).await.unwrap();
    let mut again = Vec::new();
    for _ in 0..8 {
        again.extend(challenger.poll().await.unwrap());
        if resolved(&again) {
            break;
        }
    }
    assert!(resolved(&again), "resolved again: {again:?}");
    assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);
}

#[test]
fn dropped_moves_and_resolutions_are_made_again_on_both_backends() {
    run(async {
        dropped_moves_and_resolutions_are_made_again(&DevL1::with_reorg_window(16)).await;
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        dropped_moves_and_resolutions_are_made_again(&anvil.rpc().unwrap()).await;
    });
}

/// Both agents of a system, with their stores in `dir`.
fn agents<'a, L: L1Dev>(
    sys: &System<'a, L>,
    game: Address,
    dir: &tempfile::TempDir,
) -> (Challenger<&'a L>, Defender<&'a L>) {
    let c = Challenger::new(
        sys.l1,
        contracts(sys, game),
        sys.stranger.clone(),
        genesis(),
        store(dir, "c"),
    );
    let d = Defender::new(
        sys.l1,
        contracts(sys, game),
        sys.sequencer.clone(),
        genesis(),
        store(dir, "d"),
    );
    (c, d)
}

/// Moves L1 time forward and mines a block at the new time.
async fn warp<L: L1Dev>(l1: &L, seconds: u64) {
    l1.increase_time(seconds).await.unwrap();
    l1.mine().await.unwrap();
}

fn genesis() -> State {
    State::new(StfConfig::new(CHAIN)).unwrap()
}

fn keys() -> (PrivateKey, PrivateKey) {
    (PrivateKey::from_bytes([0xa1; 32]), PrivateKey::from_bytes([0xb0; 32]))
}

/// Batch 1: deposits creating alice (#0) and bob (#1), 1 ETH each.
async fn batch1<L: L1Dev>(sys: &mut System<'_, L>) -> (Batch, BatchOutput) {
    let (alice, bob) = keys();
    sys.deposit_batch(&[&alice, &bob]).await
}

/// The sequencer creates claim `id`'s game with the claim bond.
/// Returns the bond and the gas used.
async fn create_game<L: L1Dev>(sys: &System<'_, L>, game: Address, id: u64) -> (U256, u64) {
    let bond = sys.view(game, DisputeGame::CLAIM_BONDCall {}).await;
    let call = DisputeGame::createCall { _claimId: U256::from(id) };
    (bond, sys.send(&sys.sequencer, game, call, bond).await.unwrap().gas_used)
}

fn transfer(key: &PrivateKey, from: u32, to: u32, amount: u128, nonce: u64) -> Tx {
    let body =
        Transfer { from: AccountIndex(from), to: AccountIndex(to), amount: Wei(amount), nonce };
    Tx::Transfer(Signed::sign(body, CHAIN, key))
}

/// Batch 2's transactions: every kind, with a skipped forced transfer (bad signature), a
/// deposit to an existing account, a self-transfer and a withdrawal. Enqueues its L1 messages.
async fn batch2_txs<L: L1Dev>(sys: &System<'_, L>) -> Vec<Tx> {
    let (alice, bob) = keys();
    let mut txs = Vec::new();
    let r = sys
        .send(&sys.stranger, sys.d.inbox, Inbox::depositToCall { _account: 1 }, U256::from(5u64))
        .await
        .unwrap();
    let log = r.logs.iter().find_map(|l| Inbox::MessageQueued::decode_log(l).ok()).unwrap();
    txs.push(decode_tx_exact(&log.message).unwrap());
    let forced = Inbox::forceTransferCall {
        _from: 0,
        _to: 1,
        _amount: 3,
        _nonce: 0,
        _signature: Bytes::from(vec![0x11; 64]),
    };
    let r = sys.send(&sys.stranger, sys.d.inbox, forced, U256::ZERO).await.unwrap();
    let log = r.logs.iter().find_map(|l| Inbox::MessageQueued::decode_log(l).ok()).unwrap();
    txs.push(decode_tx_exact(&log.message).unwrap());
    txs.push(transfer(&alice, 0, 1, 1000, 0));
    txs.push(transfer(&bob, 1, 0, 500, 0));
    let w = Withdraw {
        from: AccountIndex(0),
        to: L2Address::repeat_byte(0x77),
        amount: Wei(100),
        nonce: 1,
    };
    txs.push(Tx::Withdraw(Signed::sign(w, CHAIN, &alice)));
    txs.push(transfer(&alice, 0, 0, 10, 2));
    txs.push(transfer(&bob, 1, 0, 1, 1));
    txs.push(transfer(&alice, 0, 1, 7, 3));
    txs
}

/// Posts batch 2 and executes it on the system's state.
async fn batch2<L: L1Dev>(sys: &mut System<'_, L>) -> (Batch, BatchOutput) {
    let txs = batch2_txs(sys).await;
    let batch = Batch { chain_id: CHAIN, number: BatchNumber(2), txs };
    let out = execute_batch(&mut sys.state, &batch).unwrap();
    sys.post(&sys.sequencer, &batch, 4).await.unwrap();
    (batch, out)
}

async fn game_status<L: L1Dev>(sys: &System<'_, L>, game: Address, id: u64) -> u8 {
    sys.view(game, DisputeGame::statusCall { _claimId: U256::from(id) }).await
}

fn contracts<L>(sys: &System<'_, L>, game: Address) -> Contracts {
    Contracts { inbox: sys.d.inbox, finality: sys.d.finality, game }
}

fn store(dir: &tempfile::TempDir, name: &str) -> DisputeStore {
    DisputeStore::open(dir.path().join(name)).unwrap()
}

/// Polls both agents until neither acts.
async fn settle<L: tribunal_l1::L1>(c: &mut Challenger<L>, d: &mut Defender<L>) -> Vec<Action> {
    let mut all = Vec::new();
    for _ in 0..64 {
        let mut acted = c.poll().await.unwrap();
        acted.extend(d.poll().await.unwrap());
        let busy = acted.iter().any(|a| !matches!(a, Action::Judged { .. }));
        all.extend(acted);
        if !busy {
            break;
        }
    }
    all
}

fn gas_of(actions: &[Action], what: &str) -> Vec<u64> {
    actions
        .iter()
        .filter_map(|a| match (a, what) {
            (Action::Opened { gas, .. }, "open") => Some(*gas),
            (Action::Moved { gas, kind, .. }, k) if *kind == k => Some(*gas),
            (Action::Stepped { gas, .. }, "step") => Some(*gas),
            _ => None,
        })
        .collect()
}

/// The blobs of `batch` as the inbox would hold them.
fn blobs_of(batch: &Batch) -> Vec<alloy_eips::eip4844::Blob> {
    tribunal_da::encode_blobs(&batch.encode()).unwrap()
}

/// The transactions of a trace the step can be run on: all of them, or up to the refused one.
fn steppable(trace: &Trace) -> usize {
    trace.tx_count
}

/// `StfStep.step` over transaction `k` with witness `w`: `None` for a refused batch, the post
/// state otherwise; `Err` when the call reverts.
/// `StfStep.step` over transaction `k` of `trace`.
fn step_call(
    trace: &Trace,
    blobs: &[alloy_eips::eip4844::Blob],
    k: usize,
    w: StfWitness,
) -> StfStepContract::stepCall {
    let message = k < trace.messages;
    let chunks = if message {
        message_chunks(&trace.txs[k])
    } else {
        let j = k - trace.messages;
        [0, 1, 2, 3].map(|c| blob_element(blobs, 2 + 4 * j + c).unwrap().value)
    };
    StfStepContract::stepCall { _index: U256::from(k), _message: message, _chunks: chunks, _w: w }
}

async fn step_on_chain(
    l1: &DevL1,
    stf: Address,
    trace: &Trace,
    blobs: &[alloy_eips::eip4844::Blob],
    k: usize,
    w: StfWitness,
) -> Result<Option<TraceState>, tribunal_l1::L1Error> {
    let call = step_call(trace, blobs, k, w);
    let out = l1.call(Address::ZERO, stf, call.abi_encode().into()).await?;
    let ret = StfStepContract::stepCall::abi_decode_returns(&out).unwrap();
    Ok(ret.valid.then(|| TraceState {
        state_root: fr(ret.post.stateRoot),
        queue_acc: fr(ret.post.queueAcc),
        withdrawal_root: fr(ret.post.withdrawalRoot),
        data_acc: fr(ret.post.dataAcc),
    }))
}

/// `StfStep.step` on every transaction of `batch` (executed on `parent`) against the Rust trace.
async fn steps_agree(l1: &DevL1, stf: Address, parent: &State, claim: &Claim, batch: &Batch) {
    let blobs = blobs_of(batch);
    let trace = Trace::build(parent, claim, batch.messages(), &blobs).unwrap();
    for k in 0..steppable(&trace) {
        let got =
            step_on_chain(l1, stf, &trace, &blobs, k, witness_sol_step(&trace, k)).await.unwrap();
        assert_eq!(got.as_ref(), trace.at(k + 1), "tx {k} ({:?})", trace.txs.get(k));
    }
}

fn fr(b: B256) -> Fr {
    tribunal_primitives::field::fr_from_be_bytes(&b.0).unwrap()
}

type StfWitness = tribunal_contracts::stf_step::StfStep::StepWitness;

/// The game's witness type as the standalone `StfStep` binding's (same ABI).
fn witness_sol_step(trace: &Trace, k: usize) -> StfWitness {
    let w = witness_sol(&trace.step_witness(k).unwrap());
    let acc = |a: tribunal_contracts::StfStep::AccountWitness| {
        tribunal_contracts::stf_step::StfStep::AccountWitness {
            exists: a.exists,
            x: a.x,
            y: a.y,
            balance: a.balance,
            nonce: a.nonce,
            siblings: a.siblings,
        }
    };
    tribunal_contracts::stf_step::StfStep::StepWitness {
        pre: tribunal_contracts::stf_step::StfStep::TraceState {
            stateRoot: w.pre.stateRoot,
            queueAcc: w.pre.queueAcc,
            withdrawalRoot: w.pre.withdrawalRoot,
            dataAcc: w.pre.dataAcc,
        },
        sender: acc(w.sender),
        recipient: acc(w.recipient),
        withdrawalSiblings: w.withdrawalSiblings,
        pointHint: w.pointHint,
    }
}

#[test]
fn stf_step_on_chain_matches_execute_batch() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let stf = sys.view(game, DisputeGame::STFCall {}).await;
        let parent1 = sys.state.clone();
        let (b1, out1) = batch1(&mut sys).await;
        steps_agree(&l1, stf, &parent1, &sys.claim(&out1).await, &b1).await;
        let parent2 = sys.state.clone();
        let (b2, out2) = batch2(&mut sys).await;
        assert_eq!(out2.skipped().count(), 1, "the forced transfer with a bad signature");
        steps_agree(&l1, stf, &parent2, &sys.claim(&out2).await, &b2).await;

        // A sequencer transfer with a wrong nonce, and one from an empty account: before, the STF
        // refused such a batch (no claim could be right, so finality halted); now each is skipped,
        // and the on-chain step skips it too.
        let (alice, _) = keys();
        let parent3 = sys.state.clone();
        // And deposits the STF skips: a key of low order (anyone could sign for it), no point.
        let deposit = |pubkey| {
            Tx::Deposit(tribunal_primitives::tx::Deposit {
                to: AccountIndex(9),
                pubkey,
                amount: tribunal_primitives::Wei(5),
            })
        };
        let order_two = tribunal_primitives::eip2494::pack_point(
            &tribunal_primitives::eip2494::low_order_points()[4],
        );
        let mut no_point = [0u8; 32];
        no_point[0] = 2;
        for bad in [
            transfer(&alice, 0, 1, 1, 99),
            transfer(&alice, 5, 1, 1, 0),
            deposit(order_two),
            deposit(no_point),
        ] {
            // An L1 message comes first, as the queue hands it to the batch.
            let mut txs = vec![transfer(&alice, 0, 1, 1, 4), bad];
            txs.sort_by_key(|tx| !tx.kind().is_l1());
            let skipped = txs.iter().position(|tx| *tx == bad).unwrap();
            let batch = Batch { chain_id: CHAIN, number: BatchNumber(3), txs };
            let out = execute_batch(&mut parent3.clone(), &batch).unwrap();
            assert!(matches!(out.receipts[skipped].status, TxStatus::Skipped(_)));
            let claim = claim_of(&sys.claim(&out2).await, &out);
            let trace =
                Trace::build(&parent3, &claim, batch.messages(), &blobs_of(&batch)).unwrap();
            assert_eq!(trace.verdict, Verdict::Right);
            steps_agree(&l1, stf, &parent3, &claim, &batch).await;
        }

        // The costliest step: a transfer between the tree's first and last accounts, whose paths
        // meet only at the root (every level's node of the sender is recomputed for the
        // recipient's path). Sent as a transaction, it must fit well inside one block and the
        // 2^24 transaction gas cap of EIP-7825.
        let last = u32::MAX;
        let txs = vec![
            Tx::Deposit(tribunal_primitives::tx::Deposit {
                to: AccountIndex(last),
                pubkey: alice.public_key().to_bytes(),
                amount: tribunal_primitives::Wei(5),
            }),
            transfer(&alice, 0, last, 1, 4),
        ];
        let batch = Batch { chain_id: CHAIN, number: BatchNumber(3), txs };
        let out = execute_batch(&mut parent3.clone(), &batch).unwrap();
        assert!(out.skipped().count() == 0, "both apply");
        let claim = claim_of(&sys.claim(&out2).await, &out);
        steps_agree(&l1, stf, &parent3, &claim, &batch).await;
        let blobs = blobs_of(&batch);
        let trace = Trace::build(&parent3, &claim, batch.messages(), &blobs).unwrap();
        let call = step_call(&trace, &blobs, 1, witness_sol_step(&trace, 1));
        let gas = sys.send(&sys.stranger, stf, call, U256::ZERO).await.unwrap().gas_used;
        eprintln!("gas step, transfer from the first account to the last: {gas}");
        assert!(gas < 10_000_000, "the costliest step: {gas}");

        // The recipient's sibling the sender's new path replaces sits at each of the three
        // positions among its siblings, at the leaf level, the next and a middle one (level 8):
        // (sender, recipient) digits where the paths part are (3, 0), (1, 2), (2, 1), (3, 0),
        // (3, 2) and (2, 3).
        let (mid2, mid3) = (2 << 16, 3 << 16);
        let pairs = [(3, 0), (6, 9), (9, 6), (12, 0), (mid3, mid2), (mid2, mid3)];
        let mut txs: Vec<Tx> = [3, 6, 9, 12, mid2, mid3]
            .map(|to| {
                Tx::Deposit(tribunal_primitives::tx::Deposit {
                    to: AccountIndex(to),
                    pubkey: alice.public_key().to_bytes(),
                    amount: tribunal_primitives::Wei(5),
                })
            })
            .into();
        txs.extend(pairs.map(|(from, to)| transfer(&alice, from, to, 1, 0)));
        let batch = Batch { chain_id: CHAIN, number: BatchNumber(3), txs };
        let out = execute_batch(&mut parent3.clone(), &batch).unwrap();
        assert!(out.skipped().count() == 0, "every deposit and transfer applies");
        steps_agree(&l1, stf, &parent3, &claim_of(&sys.claim(&out2).await, &out), &batch).await;
    });
}

/// `template` (a claim of the same chain) with the roots, commitment and queue of `out`.
fn claim_of(template: &Claim, out: &BatchOutput) -> Claim {
    Claim {
        batch_number: out.batch_number,
        parent_root: out.parent_root,
        post_root: out.post_root,
        withdrawal_root: out.withdrawal_root,
        data_commitment: out.data_commitment,
        queue_before: out.queue_before,
        queue_after: out.queue_after,
        ..*template
    }
}

/// `DisputeGame.Kind`.
const CHALLENGE: u8 = 1;
const MIDPOINT: u8 = 2;

/// A scripted claim-side player: answers every open challenge of claim `id` over two or more
/// transactions with `hash(mid)` at its midpoint, unless that midpoint is posted. Returns the gas
/// of each bisection.
async fn bisect_all<L: L1Dev>(
    sys: &System<'_, L>,
    game: Address,
    id: u64,
    who: &alloy::signers::local::PrivateKeySigner,
    hash: impl Fn(usize) -> B256,
) -> Vec<u64> {
    let mut gas = Vec::new();
    let count = sys.view(game, DisputeGame::nodeCountCall {}).await.to::<u64>();
    for n in 0..count {
        let node = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(n) }).await;
        if node.claimId != id || node.kind != CHALLENGE || node.proven || node.hi - node.lo < 2 {
            continue;
        }
        let h = hash((node.lo as usize + node.hi as usize) / 2);
        let answer =
            DisputeGame::answerOfCall { _parent: U256::from(n), _kind: MIDPOINT, _hash: h };
        if sys.view(game, answer).await.posted {
            continue;
        }
        let bond =
            sys.view(game, DisputeGame::moveBondCall { _depth: U256::from(node.depth + 1) }).await;
        let call = DisputeGame::bisectCall { _id: U256::from(n), _midHash: h };
        gas.push(sys.send(who, game, call, bond).await.unwrap().gas_used);
    }
    gas
}

/// The midpoint of claim `id`'s game at `position`: its node id and depth.
async fn midpoint_at<L: L1Dev>(
    sys: &System<'_, L>,
    game: Address,
    id: u64,
    position: u32,
) -> (u64, u8) {
    let count = sys.view(game, DisputeGame::nodeCountCall {}).await.to::<u64>();
    for n in (0..count).rev() {
        let node = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(n) }).await;
        if node.claimId == id && node.kind == MIDPOINT && node.lo == position {
            return (n, node.depth);
        }
    }
    panic!("no midpoint at {position}")
}

/// The one-transaction challenges of claim `id`'s game.
async fn leaves<L: L1Dev>(sys: &System<'_, L>, game: Address, id: u64) -> Vec<DisputeGame::Node> {
    let count = sys.view(game, DisputeGame::nodeCountCall {}).await.to::<u64>();
    let mut out = Vec::new();
    for n in 0..count {
        let node = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(n) }).await;
        if node.claimId == id && node.kind == CHALLENGE && node.hi - node.lo == 1 {
            out.push(node);
        }
    }
    out
}

/// The challenge call of claim `id` (posted as batch `batch`) with its header openings, and the
/// value it takes: `moveBond(1)`, plus `CLAIM_BOND` when the call creates the game. Travels past
/// the batch's evidence period first, when needed: no claim is challengeable before.
async fn challenge_call<L: L1Dev>(
    sys: &System<'_, L>,
    game: Address,
    id: u64,
    batch: u64,
) -> (DisputeGame::challengeCall, U256) {
    past_evidence_period(sys, game, id).await;
    let blobs = posted_blobs(sys, batch).await;
    let mut bond = sys.view(game, DisputeGame::moveBondCall { _depth: U256::from(1) }).await;
    let g = sys.view(game, DisputeGame::gameOfCall { _claimId: U256::from(id) }).await;
    if g.windowStartsAt == 0 {
        bond += sys.view(game, DisputeGame::CLAIM_BONDCall {}).await;
    }
    let header = [blob_element(&blobs, 0).unwrap(), blob_element(&blobs, 1).unwrap()];
    let claim = tribunal_dispute::claims::recast(&sys.proposed(id).await);
    (DisputeGame::challengeCall { _claim: claim, _header: header }, bond)
}

/// Travels to the end of claim `id`'s evidence period (`DisputeGame.EVIDENCE_SECONDS` into its
/// window), if not there yet.
async fn past_evidence_period<L: L1Dev>(sys: &System<'_, L>, game: Address, id: u64) {
    let starts = MultiProofFinality::windowStartOfCall { _id: U256::from(id) };
    let starts = sys.view(sys.d.finality, starts).await;
    let evidence = sys.view(game, DisputeGame::EVIDENCE_SECONDSCall {}).await;
    let now = sys.l1.head().await.unwrap().timestamp;
    if now < starts + evidence {
        warp(sys.l1, starts + evidence - now).await;
    }
}

/// What the agent withdrew from claim `id`'s game, in wei.
fn withdrawn(acted: &[Action], id: u64) -> U256 {
    acted
        .iter()
        .filter_map(|a| match a {
            Action::Claimed { claim, wei } if *claim == id => Some(*wei),
            _ => None,
        })
        .sum()
}

/// Lets every clock run out (the positions become settleable), then polls with `$poll` until it
/// stops acting; evaluates to everything it did. (A macro: async closures borrowing the agents
/// are not `Send` here.)
macro_rules! run_out_clocks {
    ($l1:expr, $poll:expr) => {{
        let mut all: Vec<Action> = Vec::new();
        for _ in 0..16 {
            warp($l1, 7 * DAY / 2 + 1).await;
            let acted: Vec<Action> = $poll;
            let busy = acted.iter().any(|a| !matches!(a, Action::Judged { .. }));
            all.extend(acted);
            if !busy {
                break;
            }
        }
        all
    }};
}

/// A dishonest proposer's claim on batch 2 with a wrong post root: the challenger agent
/// disputes it, a scripted defender bisects with a trace that goes wrong after transaction 3,
/// and the one-step proof decides. Returns the gas of create, moves and step.
async fn wrong_root_loses<L: L1Dev>(l1: &L) -> Vec<(String, u64)> {
    let (mut sys, game) = System::deploy_with_game(l1, GameParams::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut challenger = agents(&sys, game, &dir).0;
    let (_, out1) = batch1(&mut sys).await;
    let id1 = sys.propose(&sys.claim(&out1).await).await.unwrap();
    let parent = sys.state.clone();
    let (_, out2) = batch2(&mut sys).await;
    let honest = sys.claim(&out2).await;
    let wrong = Claim { post_root: StateRoot(Fr::from(4242u64)), ..honest };
    let id = sys.propose(&wrong).await.unwrap();
    let (bond, create) = create_game(&sys, game, id).await;
    let mut gas = vec![("create".to_string(), create)];
    past_evidence_period(&sys, game, id).await;

    // The honest claim on batch 1 is right; the wrong one is judged wrong and challenged.
    let acted = challenger.poll().await.unwrap();
    assert!(acted.contains(&Action::Judged { claim: id1, verdict: Some(Verdict::Right) }));
    assert!(acted.contains(&Action::Judged { claim: id, verdict: Some(Verdict::WrongEnd) }));
    gas.extend(gas_of(&acted, "open").into_iter().map(|g| ("challenge (opening)".into(), g)));

    // The dishonest defender's trace: right up to transaction 3, wrong after.
    let blobs2 = posted_blobs(&sys, 2).await;
    let truth = Trace::build(&parent, &wrong, &posted_messages(&sys, 2).await, &blobs2).unwrap();
    let lie = |k: usize| -> B256 {
        if k <= 3 { truth.at(k).unwrap().hash() } else { keccak256(k.to_be_bytes()) }
    };
    let mut rounds = 0;
    let leaf = loop {
        let bisected = bisect_all(&sys, game, id, &sys.sequencer, lie).await;
        gas.extend(bisected.into_iter().map(|g| ("bisect".to_string(), g)));
        let acted = challenger.poll().await.unwrap();
        for k in ["attack", "defend", "step"] {
            gas.extend(gas_of(&acted, k).into_iter().map(|g| (k.to_string(), g)));
        }
        if let Some(leaf) = leaves(&sys, game, id).await.into_iter().find(|n| n.proven) {
            break leaf;
        }
        rounds += 1;
        assert!(rounds < 10);
    };
    assert_eq!((leaf.lo, leaf.hi), (3, 4), "the dispute narrowed to transaction 3");
    assert_eq!(game_status(&sys, game, id).await, IN_PROGRESS, "settles as the clocks run out");
    let acted = run_out_clocks!(l1, challenger.poll().await.unwrap());
    gas.extend(acted.iter().filter_map(|a| match a {
        Action::ResolvedNode { gas, .. } => Some(("resolveNode".to_string(), *gas)),
        Action::Resolved { gas, .. } => Some(("resolve".to_string(), *gas)),
        _ => None,
    }));
    assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);
    let s =
        sys.view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) }).await;
    assert_eq!(s.op, CHALLENGER_WINS, "the finality contract sees the OP leg against the claim");

    // Payouts: the challenger took the claim bond, the liar's midpoint bonds and its own back;
    // the run above waited out the withdrawal delay, so it has withdrawn them.
    let me = sys.stranger.address();
    let paid = withdrawn(&acted, id);
    assert!(paid > bond, "claim bond and the liar's bonds: {paid}");
    let left = sys.view(game, DisputeGame::creditCall { claimId: U256::from(id), _1: me }).await;
    assert_eq!(left, U256::ZERO);
    gas
}

#[test]
fn a_wrong_post_root_loses_through_a_real_one_step_proof() {
    run(async {
        let l1 = DevL1::new();
        let gas = wrong_root_loses(&l1).await;
        for (what, g) in &gas {
            eprintln!("gas {what}: {g}");
        }
        let step = gas.iter().find(|(w, _)| w == "step").expect("a step").1;
        // A transfer between neighbours: its paths meet at level 1 (the costliest step, between
        // the first and the last account, is measured in `stf_step_on_chain_matches_execute_batch`).
        assert!(step < 8_000_000, "step within a few million gas: {step}");
    });
}

#[test]
fn a_wrong_post_root_loses_on_anvil() {
    run(async {
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        let l1 = anvil.rpc().unwrap();
        wrong_root_loses(&l1).await;
    });
}

#[test]
fn honest_claims_win_frivolous_challenges_and_resolve_after_the_window() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let dir = tempfile::tempdir().unwrap();
        // The defender agent sends from a third party's key: it defends claims it did not propose.
        let (mut challenger, _) = agents(&sys, game, &dir);
        let guardian = tribunal_l1::dev_signers()[5].clone();
        let mut defender = Defender::new(
            sys.l1,
            contracts(&sys, game),
            guardian.clone(),
            genesis(),
            store(&dir, "guardian"),
        );
        let (_, out1) = batch1(&mut sys).await;
        let id1 = sys.propose(&sys.claim(&out1).await).await.unwrap();
        let parent = sys.state.clone();
        let (_, out2) = batch2(&mut sys).await;
        let id2 = sys.propose(&sys.claim(&out2).await).await.unwrap();
        let acted = settle(&mut challenger, &mut defender).await;
        assert!(!acted.iter().any(|a| matches!(a, Action::Opened { .. })), "nothing to challenge");
        for id in [id1, id2] {
            let g = sys.view(game, DisputeGame::gameOfCall { _claimId: U256::from(id) }).await;
            assert_eq!(g.windowStartsAt, 0, "no game is created before a challenge");
        }

        // A frivolous challenger (a scripted third party) disputes claim 2, which creates its
        // game (the troll posts the root's bond too, and gets it back as the root stands), and
        // attacks every midpoint; the defender agent answers each; its steps counter the
        // troll's leaves.
        let troll = tribunal_l1::dev_signers()[2].clone();
        let blobs = posted_blobs(&sys, 2).await;
        let (open, value) = challenge_call(&sys, game, id2, 2).await;
        sys.send(&troll, game, open, value).await.unwrap();
        let b1 = sys.view(game, DisputeGame::moveBondCall { _depth: U256::from(1) }).await;
        let g = sys.view(game, DisputeGame::gameOfCall { _claimId: U256::from(id2) }).await;
        let proposed = MultiProofFinality::proposedAtOfCall { _id: U256::from(id2) };
        assert_eq!(g.windowStartsAt, sys.view(sys.d.finality, proposed).await);
        assert_eq!(g.creator, troll.address(), "the challenge created the game");
        let root = u64::from(
            sys.view(game, DisputeGame::gameOfCall { _claimId: U256::from(id2) }).await.root,
        ) - 1;
        let messages = posted_messages(&sys, 2).await;
        let trace = Trace::build(&parent, &sys.claim(&out2).await, &messages, &blobs).unwrap();
        let mut troll_bonds = b1;
        for _ in 0..12 {
            let acted = defender.poll().await.unwrap();
            let count = sys.view(game, DisputeGame::nodeCountCall {}).await.to::<u64>();
            for n in root + 1..count {
                let node = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(n) }).await;
                let attacked = DisputeGame::answerOfCall {
                    _parent: U256::from(n),
                    _kind: CHALLENGE,
                    _hash: B256::with_last_byte(1),
                };
                if node.kind == MIDPOINT && !sys.view(game, attacked).await.posted {
                    let b = sys
                        .view(
                            game,
                            DisputeGame::moveBondCall { _depth: U256::from(node.depth + 1) },
                        )
                        .await;
                    sys.send(&troll, game, DisputeGame::attackCall { _id: U256::from(n) }, b)
                        .await
                        .unwrap();
                    troll_bonds += b;
                }
            }
            if acted.iter().any(|a| matches!(a, Action::Stepped { countered: true, .. })) {
                break;
            }
        }
        let leaf = leaves(&sys, game, id2).await.pop().expect("the troll reached one transaction");
        assert!(leaf.stepped && !leaf.proven, "the defender's step counters the troll's leaf");
        // Even the troll's own step cannot prove a challenge of the true trace.
        assert_eq!(trace.verdict, Verdict::Right);
        assert_eq!(game_status(&sys, game, id2).await, IN_PROGRESS, "the window is still open");

        // Unchallenged (claim 1, with no game) and defended (claim 2) claims resolve for
        // themselves after 7 days and the clocks, and the finality contract sees it; the
        // defender collects its bonds and the troll's after the delay.
        let acted = run_out_clocks!(&l1, settle(&mut challenger, &mut defender).await);
        assert!(acted.iter().any(|a| matches!(a, Action::Resolved { claim, .. } if *claim == id1)));
        assert!(acted.iter().any(|a| matches!(a, Action::Resolved { claim, .. } if *claim == id2)));
        for a in &acted {
            if let Action::Resolved { claim, gas } = a {
                eprintln!(
                    "gas resolve for the claim ({}): {gas}",
                    ["unchallenged", "defended"][usize::from(*claim == id2)]
                );
            }
        }
        for id in [id1, id2] {
            assert_eq!(game_status(&sys, game, id).await, DEFENDER_WINS);
            let s = sys
                .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) })
                .await;
            assert_eq!(s.op, DEFENDER_WINS);
        }
        let paid = withdrawn(&acted, id2);
        assert!(
            paid > troll_bonds,
            "the defender is paid its own bonds and the troll's {troll_bonds}: {paid}"
        );
        let g = sys.view(game, DisputeGame::gameOfCall { _claimId: U256::from(id1) }).await;
        assert_eq!(g.creator, Address::ZERO, "claim 1 was resolved with no game and no bond");

        // Rule 6: the game told the finality contract that it resolved for a claim of batch 1
        // over its final parent, so the liveness failure recorded once nothing is finalizable
        // (no ZK or TEE here) never opens the OP leg; ZK, which approved nothing, opens.
        warp(&l1, 14 * 24 * 3600).await;
        let record = MultiProofFinality::recordLivenessFailureCall {};
        sys.send(&sys.stranger, sys.d.finality, record, U256::ZERO).await.unwrap();
        let open = |leg: u8| MultiProofFinality::instantUpgradeAllowedCall { _leg: leg };
        assert!(!sys.view(sys.d.finality, open(2)).await, "OP resolved for the claim");
        assert!(sys.view(sys.d.finality, open(0)).await, "ZK approved nothing");
    });
}

/// The game's error a refused call reverted with.
fn refused(
    r: Result<tribunal_l1::L1Receipt, tribunal_l1::L1Error>,
) -> DisputeGame::DisputeGameErrors {
    let e = r.expect_err("refused");
    DisputeGame::DisputeGameErrors::abi_decode(e.revert_data().expect("a revert")).unwrap()
}

/// The window runs from the claim's proposal, whoever creates the game and whenever: creating it
/// late neither extends the window (a late challenge is refused) nor is needed to resolve.
#[test]
fn the_window_runs_from_the_proposal_with_or_without_a_game() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let (_, out1) = batch1(&mut sys).await;
        let claim = sys.claim(&out1).await;
        let id = sys.propose(&claim).await.unwrap();
        let wrong = sys.propose(&Claim { post_root: StateRoot(Fr::from(9u64)), ..claim }).await;
        let wrong = wrong.unwrap();
        let resolve = |id: u64| DisputeGame::resolveCall { _claimId: U256::from(id) };
        let early = sys.send(&sys.stranger, game, resolve(id), U256::ZERO).await;
        assert!(matches!(refused(early), DisputeGame::DisputeGameErrors::Game_NotResolvable(_)));
        let unknown = sys.send(&sys.stranger, game, resolve(99), U256::ZERO).await;
        assert!(matches!(refused(unknown), DisputeGame::DisputeGameErrors::Game_UnknownClaim(_)));

        // A day before the window closes, the wrong claim's proposer creates its game, hoping
        // for seven more days; once the proposal's window is over, the challenge is refused.
        warp(&l1, 6 * DAY).await;
        create_game(&sys, game, wrong).await;
        warp(&l1, DAY).await;
        let (open, value) = challenge_call(&sys, game, wrong, 1).await;
        let late = sys.send(&sys.stranger, game, open, value).await;
        assert!(matches!(refused(late), DisputeGame::DisputeGameErrors::Game_WindowClosed(_)));

        // Both resolve at once: the created one returns its creator's bond; the other was never
        // created and is recorded with no bond.
        for id in [id, wrong] {
            sys.send(&sys.stranger, game, resolve(id), U256::ZERO).await.unwrap();
            assert_eq!(game_status(&sys, game, id).await, DEFENDER_WINS);
        }
        let g = sys.view(game, DisputeGame::gameOfCall { _claimId: U256::from(id) }).await;
        assert_eq!(g.creator, Address::ZERO);
        let again = sys.send(&sys.stranger, game, resolve(id), U256::ZERO).await;
        assert!(matches!(refused(again), DisputeGame::DisputeGameErrors::Game_Resolved(_)));
    });
}

/// Attack (review finding): with windows counted from the proposal, a game the council installs
/// later ruled at once for every claim older than the window, challenge-proof, so anyone could
/// resolve two such claims and freeze the OP leg. A game creates games only while it is the
/// current one, and a claim older than the game gets a full window from its installation.
#[test]
fn a_game_installed_later_gives_older_claims_a_full_window() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, _) = System::deploy_with_game(&l1, GameParams::default()).await;
        let (_, out1) = batch1(&mut sys).await;
        let honest = sys.claim(&out1).await;
        let wrong = sys.propose(&Claim { post_root: StateRoot(Fr::from(5u64)), ..honest }).await;
        let wrong = wrong.unwrap();
        let deployer = tribunal_l1::dev_signers()[7].clone();
        let stf = *sys.state.config();
        let next = tribunal_dispute::deploy::deploy_game(
            &l1,
            &deployer,
            stf,
            sys.d.finality,
            sys.d.inbox,
            GameParams::default(),
        )
        .await
        .unwrap()
        .game;
        let resolve = DisputeGame::resolveCall { _claimId: U256::from(wrong) };
        // Queued, not current: it creates no game and resolves nothing.
        let early = sys.send(&sys.stranger, next, resolve.clone(), U256::ZERO).await;
        assert!(matches!(refused(early), DisputeGame::DisputeGameErrors::Game_NotCurrent(_)));
        let data = MultiProofFinality::setDisputeGameCall { _game: next }.abi_encode();
        let (id, _) = sys.council(sys.d.finality, data.clone()).await.unwrap();
        l1.increase_time(45 * DAY).await.unwrap();
        let execute = tribunal_contracts::SecurityCouncil::executeCall {
            _id: U256::from(id),
            _target: sys.d.finality,
            _data: data.into(),
        };
        sys.send(&sys.stranger, sys.d.council, execute, U256::ZERO).await.unwrap();
        // Installed: the 45-day-old wrong claim has a full window from now, and is challenged.
        let now = sys.send(&sys.stranger, next, resolve, U256::ZERO).await;
        assert!(matches!(refused(now), DisputeGame::DisputeGameErrors::Game_NotResolvable(_)));
        let (open, value) = challenge_call(&sys, next, wrong, 1).await;
        sys.send(&sys.stranger, next, open, value).await.unwrap();
        let since = sys.view(sys.d.finality, MultiProofFinality::disputeGameSinceCall {}).await;
        let g = sys.view(next, DisputeGame::gameOfCall { _claimId: U256::from(wrong) }).await;
        assert_eq!(g.windowStartsAt, since);
    });
}

#[test]
fn a_player_who_misses_its_clock_loses_and_agents_survive_a_restart() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let (_, out1) = batch1(&mut sys).await;
        let honest = sys.claim(&out1).await;
        let wrong = Claim { post_root: StateRoot(Fr::from(7u64)), ..honest };
        let id = sys.propose(&wrong).await.unwrap();
        create_game(&sys, game, id).await;
        past_evidence_period(&sys, game, id).await;
        let challenge = {
            let mut c = agents(&sys, game, &dir).0;
            let acted = c.poll().await.unwrap();
            acted
                .iter()
                .find_map(|a| match a {
                    Action::Opened { challenge, .. } => Some(*challenge),
                    _ => None,
                })
                .expect("challenged")
        }; // the challenger stops; its store stays
        // The dishonest defender never bisects. Within its clock nobody can settle the challenge.
        warp(&l1, DAY).await;
        let early = sys
            .send(
                &sys.stranger,
                game,
                DisputeGame::resolveNodeCall { _id: U256::from(challenge) },
                U256::ZERO,
            )
            .await;
        assert!(early.is_err(), "the defender's clock is still running");
        warp(&l1, 5 * DAY / 2 + 1).await;
        // A restarted challenger picks up the game from redb, sees the clock ran out, settles
        // the unanswered challenge and the game.
        let mut c = agents(&sys, game, &dir).0;
        let acted = c.poll().await.unwrap();
        assert!(
            acted
                .iter()
                .any(|a| matches!(a, Action::ResolvedNode { node, .. } if *node == challenge)),
            "{acted:?}"
        );
        let acted = c.poll().await.unwrap();
        assert!(
            acted.iter().any(|a| matches!(a, Action::Resolved { claim, .. } if *claim == id)),
            "{acted:?}"
        );
        assert!(!acted.iter().any(|a| matches!(a, Action::Opened { .. })), "no second challenge");
        assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);
    });
}

/// Attack: the one-step proof over an L1 message takes the message from its caller, so a
/// dishonest player could step a message the queue never held (a bigger deposit, another
/// forced transfer). `stepMessage` authenticates the chunks against the `Inbox`'s stored
/// accumulators: a forged message reverts with `Game_NotQueuedMessage`, `step` cannot be used at
/// a message position, and the queue's message decides.
#[test]
fn a_step_cannot_substitute_an_l1_message() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let (_, out1) = batch1(&mut sys).await;
        sys.propose(&sys.claim(&out1).await).await.unwrap();
        let parent = sys.state.clone();
        let (batch, out2) = batch2(&mut sys).await;
        assert_eq!(batch.message_count(), 2);
        let wrong = Claim { post_root: StateRoot(Fr::from(4242u64)), ..sys.claim(&out2).await };
        let id = sys.propose(&wrong).await.unwrap();
        create_game(&sys, game, id).await;
        let (open, b1) = challenge_call(&sys, game, id, 2).await;
        sys.send(&sys.stranger, game, open, b1).await.unwrap();
        // The claim side agrees with nothing after the first message: the challenger attacks
        // down to the first message.
        let blobs = posted_blobs(&sys, 2).await;
        let truth = Trace::build(&parent, &wrong, &posted_messages(&sys, 2).await, &blobs).unwrap();
        let lie = |k: usize| {
            if k == 0 { truth.at(0).unwrap().hash() } else { keccak256(k.to_be_bytes()) }
        };
        let leaf = loop {
            bisect_all(&sys, game, id, &sys.sequencer, lie).await;
            if let Some(leaf) = leaves(&sys, game, id).await.pop() {
                break leaf;
            }
            let mid = sys.view(game, DisputeGame::nodeCountCall {}).await.to::<u64>() - 1;
            let node = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(mid) }).await;
            assert_eq!(node.kind, MIDPOINT);
            let bond = sys
                .view(game, DisputeGame::moveBondCall { _depth: U256::from(node.depth + 1) })
                .await;
            sys.send(&sys.stranger, game, DisputeGame::attackCall { _id: U256::from(mid) }, bond)
                .await
                .unwrap();
        };
        assert_eq!((leaf.lo, leaf.hi), (0, 1));
        let leaf_id = {
            let count = sys.view(game, DisputeGame::nodeCountCall {}).await.to::<u64>();
            let mut found = None;
            for n in 0..count {
                let node = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(n) }).await;
                if node.claimId == id && node.kind == CHALLENGE && node.hi - node.lo == 1 {
                    found = Some(n);
                }
            }
            found.unwrap()
        };
        let tribunal_dispute::StepCall::Message(honest) =
            tribunal_dispute::agent::step_call(leaf_id, &truth, &blobs, 0).unwrap()
        else {
            panic!("position 0 is an L1 message")
        };
        // A forged message: the deposit's amount raised.
        let mut forged = honest.clone();
        forged._chunks[1] += U256::from(1u64) << 72; // the amount's last byte, chunk-relative 21
        let err = sys.send(&sys.sequencer, game, *forged, U256::ZERO).await.unwrap_err();
        let data = err.revert_data().expect("a revert");
        assert!(
            matches!(
                DisputeGame::DisputeGameErrors::abi_decode(data),
                Ok(DisputeGame::DisputeGameErrors::Game_NotQueuedMessage(_))
            ),
            "reverted with {data}"
        );
        // `step` reads blob records: it refuses a message position.
        let record = DisputeGame::stepCall {
            _id: U256::from(leaf_id),
            _record: [0, 1, 2, 3].map(|c| blob_element(&blobs, 2 + c).unwrap()),
            _witness: honest._witness.clone(),
        };
        let err = sys.send(&sys.sequencer, game, record, U256::ZERO).await.unwrap_err();
        assert!(matches!(
            DisputeGame::DisputeGameErrors::abi_decode(err.revert_data().unwrap()),
            Ok(DisputeGame::DisputeGameErrors::Game_InvalidMove(_))
        ));
        // The queue's message proves the challenge: the claim's state after it is not the trace's.
        sys.send(&sys.stranger, game, *honest, U256::ZERO).await.unwrap();
        let leaf = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(leaf_id) }).await;
        assert!(leaf.proven && !leaf.stepped);
    });
}

/// Attack (review finding "a chain that halts on one bad batch"): posted bytes that hold no
/// transaction used to make every claim of their batch lose, so the chain could never finalize
/// past them. Now a record that does not decode is skipped and a header that does not decode
/// means no records: the right claim is the one over the skip, it wins its game, and a claim
/// that refuses the bytes loses.
#[test]
fn posted_garbage_is_skipped_and_the_right_claim_wins() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let stf = sys.view(game, DisputeGame::STFCall {}).await;
        let dir = tempfile::tempdir().unwrap();
        let (mut c, mut d) = agents(&sys, game, &dir);
        let (_, out1) = batch1(&mut sys).await;
        sys.propose(&sys.claim(&out1).await).await.unwrap();
        // Batch 2: transfers around a record with an unknown kind tag.
        let (alice, _) = keys();
        let txs = (0..3).map(|n| transfer(&alice, 0, 1, 5, n)).collect();
        let batch = Batch { chain_id: CHAIN, number: BatchNumber(2), txs };
        let mut bytes = batch.encode();
        bytes[31 + 124] = 0x7f;
        let sidecar =
            tribunal_da::sidecar_7594(tribunal_da::encode_blobs(&bytes).unwrap()).unwrap();
        let acc = sys.view(sys.d.inbox, Inbox::accAtCall { _index: 2 }).await;
        let call = Inbox::postBatchCall { _batchNumber: 2, _queueEnd: 2, _queueAcc: acc };
        l1.send(&sys.sequencer, L1Tx::call(sys.d.inbox, call.abi_encode()).with_sidecar(sidecar))
            .await
            .unwrap();
        let blobs2 = posted_blobs(&sys, 2).await;
        let posted = tribunal_da::read_batch(&blobs2, &[], CHAIN, BatchNumber(2));
        assert!(matches!(posted.txs[1], Tx::Undecodable(_)));
        let parent = sys.state.clone();
        let out2 = execute_batch(&mut sys.state, &posted).unwrap();
        assert_eq!(
            out2.skipped().map(|(k, _)| k).collect::<Vec<_>>(),
            vec![1, 2],
            "the record, then the nonce gap"
        );
        let right = sys.claim(&out2).await;
        steps_agree(&l1, stf, &parent, &right, &posted).await;

        // The claim that refuses the record ("nothing happened") loses; the right one stands.
        let refusing = Claim { post_root: out1.post_root, ..right };
        let wrong = sys.propose(&refusing).await.unwrap();
        let id = sys.propose(&right).await.unwrap();
        create_game(&sys, game, wrong).await;
        create_game(&sys, game, id).await;
        past_evidence_period(&sys, game, wrong).await;
        let acted = c.poll().await.unwrap();
        assert!(acted.contains(&Action::Judged { claim: id, verdict: Some(Verdict::Right) }));
        assert!(acted.contains(&Action::Judged { claim: wrong, verdict: Some(Verdict::WrongEnd) }));
        // The refusing claim's scripted defender is right up to the record and wrong after it:
        // the challenger's step over the undecodable record proves its challenge.
        let truth = Trace::build(&parent, &refusing, &[], &blobs2).unwrap();
        let lie = |k: usize| {
            if k <= 1 { truth.at(k).unwrap().hash() } else { keccak256(k.to_be_bytes()) }
        };
        for _ in 0..8 {
            bisect_all(&sys, game, wrong, &sys.sequencer, lie).await;
            c.poll().await.unwrap();
            if leaves(&sys, game, wrong).await.iter().any(|n| n.proven) {
                break;
            }
        }
        let leaf = leaves(&sys, game, wrong).await.into_iter().find(|n| n.proven).unwrap();
        assert_eq!((leaf.lo, leaf.hi), (1, 2), "decided by the step over the undecodable record");
        // A troll challenges the right claim and steers the bisection onto the record: the
        // defender's step over it counters the troll.
        let (open, b1) = challenge_call(&sys, game, id, 2).await;
        sys.send(&sys.stranger, game, open, b1).await.unwrap();
        for (position, answer) in [(1u32, 2u8), (2, 1)] {
            d.poll().await.unwrap();
            let midpoint = midpoint_at(&sys, game, id, position).await;
            let bond = sys
                .view(game, DisputeGame::moveBondCall { _depth: U256::from(midpoint.1 + 1) })
                .await;
            let id = U256::from(midpoint.0);
            if answer == 2 {
                sys.send(&sys.stranger, game, DisputeGame::defendCall { _id: id }, bond)
                    .await
                    .unwrap();
            } else {
                sys.send(&sys.stranger, game, DisputeGame::attackCall { _id: id }, bond)
                    .await
                    .unwrap();
            }
        }
        let acted = d.poll().await.unwrap();
        assert!(
            acted.iter().any(|a| matches!(a, Action::Stepped { countered: true, .. })),
            "{acted:?}"
        );
        let leaf = leaves(&sys, game, id).await.into_iter().find(|n| n.stepped).unwrap();
        assert_eq!((leaf.lo, leaf.hi), (1, 2), "the defender stepped the undecodable record");
        run_out_clocks!(&l1, {
            let mut a = c.poll().await.unwrap();
            a.extend(d.poll().await.unwrap());
            a
        });
        assert_eq!(game_status(&sys, game, wrong).await, CHALLENGER_WINS);
        assert_eq!(game_status(&sys, game, id).await, DEFENDER_WINS);

        // Batch 3's header names another batch: it has no records, only its L1 messages (none).
        let bad = Batch { chain_id: CHAIN, number: BatchNumber(9), txs: vec![] };
        let sidecar =
            tribunal_da::sidecar_7594(tribunal_da::encode_blobs(&bad.encode()).unwrap()).unwrap();
        let acc = sys.view(sys.d.inbox, Inbox::accAtCall { _index: 2 }).await;
        let call = Inbox::postBatchCall { _batchNumber: 3, _queueEnd: 2, _queueAcc: acc };
        l1.send(&sys.sequencer, L1Tx::call(sys.d.inbox, call.abi_encode()).with_sidecar(sidecar))
            .await
            .unwrap();
        let blobs3 = posted_blobs(&sys, 3).await;
        let empty = tribunal_da::read_batch(&blobs3, &[], CHAIN, BatchNumber(3));
        assert!(empty.txs.is_empty());
        let out3 = execute_batch(&mut sys.state.clone(), &empty).unwrap();
        let right3 = sys.claim(&out3).await;
        assert_eq!(
            Trace::build(&sys.state, &right3, &[], &blobs3).unwrap().verdict,
            Verdict::Right
        );
        let id3 = sys.propose(&right3).await.unwrap();
        create_game(&sys, game, id3).await;
        let (open, b1) = challenge_call(&sys, game, id3, 3).await;
        let err = sys.send(&sys.stranger, game, open, b1).await.unwrap_err();
        assert!(
            format!("{err:?}").contains("Game_NothingToDispute") || err.revert_data().is_some()
        );
        // Another post state over no transactions loses at the challenge's opening.
        let wrong3 =
            sys.propose(&Claim { post_root: StateRoot(Fr::from(7u64)), ..right3 }).await.unwrap();
        create_game(&sys, game, wrong3).await;
        let (open, b1) = challenge_call(&sys, game, wrong3, 3).await;
        let cid = sys.view(game, DisputeGame::nodeCountCall {}).await + U256::ONE;
        sys.send(&sys.stranger, game, open, b1).await.unwrap();
        assert!(sys.view(game, DisputeGame::nodeOfCall { _id: cid }).await.proven);
    });
}

/// Attack (review finding): a front-runner proposes the right claim first (the honest proposal
/// is then a duplicate) and never creates its game, which only the proposer could create: the OP
/// path of that root was blocked. Now no game is needed before a challenge, anyone creates any
/// game, and the defender agent defends and resolves every right claim, whoever proposed it.
#[test]
fn a_squatted_claim_is_still_defended_and_resolved() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let (_, out1) = batch1(&mut sys).await;
        let claim = sys.claim(&out1).await;
        let squatter = tribunal_l1::dev_signers()[6].clone();
        let call = common::claim_propose_call(&claim);
        let bond = sys.view(sys.d.finality, MultiProofFinality::BOND_WEICall {}).await;
        sys.send(&squatter, sys.d.finality, call, bond).await.unwrap();
        let dup = sys.propose(&claim).await;
        assert!(dup.is_err(), "the honest proposal is a duplicate");
        let id = 0;
        let guardian = tribunal_l1::dev_signers()[5].clone();
        let mut defender =
            Defender::new(sys.l1, contracts(&sys, game), guardian, genesis(), store(&dir, "g"));
        let acted = defender.poll().await.unwrap();
        assert!(acted.iter().all(|a| matches!(a, Action::Judged { .. })), "{acted:?}");
        warp(&l1, 7 * DAY).await;
        let acted = defender.poll().await.unwrap();
        assert!(acted.iter().any(|a| matches!(a, Action::Resolved { claim, .. } if *claim == id)));
        assert_eq!(game_status(&sys, game, id).await, DEFENDER_WINS);
    });
}

/// Attack (review finding): a wrong claim's proposer had an accomplice challenge first and let
/// that challenge win fast, so the accomplice took the claim bond while the honest challenger's
/// challenge was stalled. Now there is one challenge per claim, open to everyone's answers, and
/// every position's bond goes to whoever counters it: the honest challenger, answering the
/// liar's midpoints in the accomplice's challenge, is paid more than it posted.
#[test]
fn the_honest_challenger_is_paid_for_every_position_it_counters() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let mut challenger = agents(&sys, game, &dir).0;
        let (_, out1) = batch1(&mut sys).await;
        sys.propose(&sys.claim(&out1).await).await.unwrap();
        let parent = sys.state.clone();
        let (_, out2) = batch2(&mut sys).await;
        let wrong = Claim { post_root: StateRoot(Fr::from(99u64)), ..sys.claim(&out2).await };
        let id = sys.propose(&wrong).await.unwrap();
        create_game(&sys, game, id).await;
        // The accomplice challenges in the proposal's wake, before the honest challenger.
        let accomplice = tribunal_l1::dev_signers()[7].clone();
        let blobs = posted_blobs(&sys, 2).await;
        let (open, b1) = challenge_call(&sys, game, id, 2).await;
        sys.send(&accomplice, game, open, b1).await.unwrap();
        // The proposer answers with lies; the honest challenger answers every one.
        let truth = Trace::build(&parent, &wrong, &posted_messages(&sys, 2).await, &blobs).unwrap();
        let lie = |k: usize| {
            if k <= 1 { truth.at(k).unwrap().hash() } else { keccak256(k.to_be_bytes()) }
        };
        let mut posted = U256::ZERO;
        for _ in 0..10 {
            bisect_all(&sys, game, id, &sys.sequencer, lie).await;
            for a in challenger.poll().await.unwrap() {
                if let Action::Moved { node, .. } = a {
                    let n = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(node) }).await;
                    posted += sys
                        .view(game, DisputeGame::moveBondCall { _depth: U256::from(n.depth + 1) })
                        .await;
                }
            }
            if leaves(&sys, game, id).await.iter().any(|n| n.proven) {
                break;
            }
        }
        assert!(!posted.is_zero(), "the honest challenger answered the liar");
        let acted = run_out_clocks!(&l1, challenger.poll().await.unwrap());
        assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);
        let paid = withdrawn(&acted, id);
        assert!(paid > posted, "the honest challenger posted {posted} wei and was paid {paid}");
    });
}

// ---------------------------------------------------------------- canonical one-step witnesses

fn modulus() -> U256 {
    tribunal_primitives::field::modulus_word()
}

/// The chain and the traces the witness tests step through: batch 1 (deposits creating
/// accounts), batch 2 (every kind, a skipped forced transfer, a self-transfer, a withdrawal) and
/// three batch 3s whose second transfer is skipped (wrong nonce, empty sender, overdraft).
struct StepFixture {
    l1: &'static DevL1,
    stf: Address,
    traces: Vec<(Trace, Vec<alloy_eips::eip4844::Blob>)>,
    /// The state after batch 2, and batch 2's claim: the parent of random batch 3s.
    parent: State,
    claim2: Claim,
}

fn step_fixture() -> &'static StepFixture {
    static FIXTURE: std::sync::OnceLock<StepFixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        tribunal_l1::block_on_blob_threads(async {
            let l1: &'static DevL1 = Box::leak(Box::new(DevL1::new()));
            let (mut sys, game) = System::deploy_with_game(l1, GameParams::default()).await;
            let stf = sys.view(game, DisputeGame::STFCall {}).await;
            let mut traces = Vec::new();
            let parent = sys.state.clone();
            let (b1, out1) = batch1(&mut sys).await;
            let blobs = blobs_of(&b1);
            let claim1 = sys.claim(&out1).await;
            traces.push((Trace::build(&parent, &claim1, b1.messages(), &blobs).unwrap(), blobs));
            let parent = sys.state.clone();
            let (b2, out2) = batch2(&mut sys).await;
            let blobs = blobs_of(&b2);
            let claim2 = sys.claim(&out2).await;
            traces.push((Trace::build(&parent, &claim2, b2.messages(), &blobs).unwrap(), blobs));
            let (alice, _) = keys();
            let parent = sys.state.clone();
            for bad in [
                transfer(&alice, 0, 1, 1, 99),
                transfer(&alice, 5, 1, 1, 0),
                transfer(&alice, 0, 1, 100 * ETH, 5),
            ] {
                let txs = vec![transfer(&alice, 0, 1, 1, 4), bad];
                let batch = Batch { chain_id: CHAIN, number: BatchNumber(3), txs };
                let out = execute_batch(&mut parent.clone(), &batch).unwrap();
                let claim = claim_of(&claim2, &out);
                let blobs = blobs_of(&batch);
                let trace = Trace::build(&parent, &claim, &[], &blobs).unwrap();
                assert_eq!(trace.verdict, Verdict::Right);
                assert!(matches!(out.receipts[1].status, TxStatus::Skipped(_)));
                traces.push((trace, blobs));
            }
            StepFixture { l1, stf, traces, parent, claim2 }
        })
        .unwrap()
    })
}

/// Steps transaction `k` of fixture trace `t` with the honest witness changed by `mutate`.
fn step_mutated(
    t: usize,
    k: usize,
    mutate: impl FnOnce(&mut StfWitness),
) -> (Result<Option<TraceState>, tribunal_l1::L1Error>, Option<TraceState>) {
    let f = step_fixture();
    let (trace, blobs) = &f.traces[t];
    let mut w = witness_sol_step(trace, k);
    mutate(&mut w);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    (rt.block_on(step_on_chain(f.l1, f.stf, trace, blobs, k, w)), trace.at(k + 1).copied())
}

fn assert_non_canonical(got: &Result<Option<TraceState>, tribunal_l1::L1Error>) {
    let err = got.as_ref().expect_err("a non-canonical witness must revert");
    let data = err.revert_data().expect("a revert");
    assert!(
        matches!(
            StfStepContract::StfStepContractErrors::abi_decode(data),
            Ok(StfStepContract::StfStepContractErrors::Step_NonCanonicalWitness(_))
        ),
        "reverted with {data}"
    );
}

/// Attack (review finding): `nonce + p` hashes to the same leaf, so the Merkle check passed while
/// `nonce ==` saw another number. A challenger could make an honest transfer look refused and win
/// a challenge against a correct claim.
#[test]
fn an_aliased_nonce_cannot_refuse_an_honest_transfer() {
    // Batch 2, transaction 2: alice's first transfer, applied.
    let (got, expected) = step_mutated(1, 2, |w| w.sender.nonce += modulus());
    assert!(expected.is_some(), "the honest transfer applies");
    assert_non_canonical(&got);
}

/// Attack (review finding): `balance + p` covered an overdraft that the STF skips, so a
/// colluding defender could make the overdraft step as applied and keep a wrong claim alive.
#[test]
fn an_aliased_balance_cannot_apply_an_overdraft() {
    // The third batch 3: alice transfers 100 ETH out of about 1 ETH; the STF skips it.
    let (got, expected) = step_mutated(4, 1, |w| w.sender.balance += modulus());
    let trace = &step_fixture().traces[4].0;
    assert_eq!(expected.map(|t| t.state_root), trace.at(1).map(|t| t.state_root), "skipped");
    assert_non_canonical(&got);
}

/// One witness field to mutate.
#[derive(Clone, Copy, Debug)]
enum Field {
    Exists,
    X,
    Y,
    Balance,
    Nonce,
    Sibling(usize),
}

/// How to mutate it.
#[derive(Clone, Debug)]
enum Mutation {
    /// An account's field (sender when `sender`, else recipient).
    Account { sender: bool, field: Field, op: Op },
    /// Swap two of an account's siblings.
    SwapSiblings { sender: bool, a: usize, b: usize },
    /// A withdrawal-tree sibling.
    WithdrawalSibling { i: usize, op: Op },
    /// One of the pre-state's four fields, moved out of the field by `+ p`.
    Pre { i: usize },
    /// The point hint.
    Hint { op: Op },
}

#[derive(Clone, Debug)]
enum Op {
    AddModulus,
    Add(U256),
    Set(U256),
    Xor(U256),
}

impl Op {
    fn apply(&self, v: U256) -> U256 {
        match self {
            Self::AddModulus => v.wrapping_add(modulus()),
            Self::Add(x) => v.wrapping_add(*x),
            Self::Set(x) => *x,
            Self::Xor(x) => v ^ *x,
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let word = any::<[u8; 32]>().prop_map(U256::from_be_bytes);
    prop_oneof![
        Just(Op::AddModulus),
        Just(Op::Add(U256::ONE << 128)),
        Just(Op::Add(U256::ONE << 64)),
        Just(Op::Add(U256::ONE)),
        word.clone().prop_map(Op::Set),
        (0..256usize).prop_map(|b| Op::Xor(U256::ONE << b)),
        word.prop_map(Op::Xor),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let field = prop_oneof![
        Just(Field::Exists),
        Just(Field::X),
        Just(Field::Y),
        Just(Field::Balance),
        Just(Field::Nonce),
        (0..32usize).prop_map(Field::Sibling),
    ];
    prop_oneof![
        4 => (any::<bool>(), field, op()).prop_map(|(sender, field, op)| Mutation::Account { sender, field, op }),
        1 => (any::<bool>(), 0..32usize, 0..32usize).prop_map(|(sender, a, b)| Mutation::SwapSiblings { sender, a, b }),
        1 => (0..16usize, op()).prop_map(|(i, op)| Mutation::WithdrawalSibling { i, op }),
        1 => (0..4usize).prop_map(|i| Mutation::Pre { i }),
        1 => op().prop_map(|op| Mutation::Hint { op }),
    ]
}

impl Mutation {
    fn apply(&self, w: &mut StfWitness) {
        let word = |b: B256| U256::from_be_bytes(b.0);
        let bytes = |v: U256| B256::from(v.to_be_bytes::<32>());
        let mutate_at = |v: &mut Vec<B256>, i: usize, op: &Op| {
            if let Some(s) = v.get_mut(i) {
                *s = bytes(op.apply(word(*s)));
            }
        };
        match self {
            Self::Account { sender, field, op } => {
                let a = if *sender { &mut w.sender } else { &mut w.recipient };
                match field {
                    Field::Exists => a.exists = !a.exists,
                    Field::X => a.x = op.apply(a.x),
                    Field::Y => a.y = op.apply(a.y),
                    Field::Balance => a.balance = op.apply(a.balance),
                    Field::Nonce => a.nonce = op.apply(a.nonce),
                    Field::Sibling(i) => mutate_at(&mut a.siblings, *i, op),
                }
            }
            Self::SwapSiblings { sender, a, b } => {
                let acc = if *sender { &mut w.sender } else { &mut w.recipient };
                if *a < acc.siblings.len() && *b < acc.siblings.len() {
                    acc.siblings.swap(*a, *b);
                }
            }
            Self::WithdrawalSibling { i, op } => mutate_at(&mut w.withdrawalSiblings, *i, op),
            Self::Pre { i } => {
                let f = [
                    &mut w.pre.stateRoot,
                    &mut w.pre.queueAcc,
                    &mut w.pre.withdrawalRoot,
                    &mut w.pre.dataAcc,
                ];
                let target = f.into_iter().nth(*i).unwrap();
                *target = bytes(Op::AddModulus.apply(word(*target)));
            }
            Self::Hint { op } => w.pointHint = op.apply(w.pointHint),
        }
    }
}

/// A fixture transaction: (trace, transaction index).
fn fixture_tx() -> impl Strategy<Value = (usize, usize)> {
    let f = step_fixture();
    let all: Vec<(usize, usize)> = f
        .traces
        .iter()
        .enumerate()
        .flat_map(|(t, (trace, _))| (0..steppable(trace)).map(move |k| (t, k)))
        .collect();
    prop::sample::select(all)
}

/// Whatever one witness field is changed to, `step` either reverts or returns exactly the
/// native trace's verdict and post state: no caller can steer the one-step proof. The pre-state
/// is bound by the game to the agreed hash before `step` runs, so it is only moved out of the
/// field (`+ p`), which must revert.
fn witness_mutation_case(t: usize, k: usize, m: &Mutation) -> Result<(), TestCaseError> {
    let (got, expected) = step_mutated(t, k, |w| m.apply(w));
    match (m, got) {
        (Mutation::Pre { .. }, got) => prop_assert!(got.is_err(), "{:?} stepped: {:?}", m, got),
        (_, Ok(got)) => prop_assert_eq!(got, expected, "trace {} tx {} with {:?}", t, k, m),
        (_, Err(_)) => {}
    }
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    #[test]
    fn a_mutated_witness_reverts_or_steps_as_the_native_trace((t, k) in fixture_tx(), m in mutation()) {
        witness_mutation_case(t, k, &m)?;
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]

    /// Soak: `cargo test -p tribunal-node --test dispute_leg -- --ignored`.
    #[test]
    #[ignore = "soak test; run with --ignored"]
    fn a_mutated_witness_reverts_or_steps_as_the_native_trace_soak((t, k) in fixture_tx(), m in mutation()) {
        witness_mutation_case(t, k, &m)?;
    }
}

// ---------------------------------------------------------------- every leg on random batches

/// One random transaction after batch 2: (kind, signer, recipient, amount in 1/1000 ETH, nonce
/// skew, corrupt). Signers 0 (alice) and 1 (bob) exist, 2..4 do not; amounts reach twice a
/// balance; nonces may be stale or early; a corrupt transaction has a flipped signature byte
/// (or, for a deposit, a key that is no point or of low order). Kind 5 is a blob record that
/// holds no transaction: an unknown tag, an L1 tag, non-zero padding, or zeros (by recipient).
fn random_tx() -> impl Strategy<Value = (u8, u32, u32, u128, u64, u8)> {
    (
        0u8..6,
        prop_oneof![4 => 0u32..2, 1 => 2u32..4],
        0u32..4,
        0u128..2_000,
        prop_oneof![4 => Just(0u64), 1 => 1u64..3],
        prop_oneof![5 => Just(0u8), 1 => 1u8..3],
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Native `execute_batch`, the TEE's re-execution (`reexecute`, from a witness of the parent
    /// state) and `StfStep` on chain agree on random batches that mix transactions that apply
    /// with transactions every rule skips; none refuses the batch. The circuit's side of the
    /// same agreement is `tribunal-zk`'s `circuit_and_stf_agree`.
    #[test]
    fn every_leg_agrees_on_random_batches(ops in proptest::collection::vec(random_tx(), 1..7)) {
        let f = step_fixture();
        let (alice, bob) = keys();
        let mut nonces: Vec<u64> =
            (0..2).map(|i| f.parent.account(AccountIndex(i)).unwrap().nonce).collect();
        let txs: Vec<Tx> = ops
            .iter()
            .map(|&(kind, from, to, milli, skew, corrupt)| {
                let key = if from == 1 { &bob } else { &alice };
                let nonce = nonces.get(from as usize).copied().unwrap_or(0) + skew;
                if let Some(n) = nonces.get_mut(from as usize) {
                    *n += 1;
                }
                let amount = milli * ETH / 1000;
                let mut tx = match kind {
                    0 | 1 => {
                        let body = Transfer { from: AccountIndex(from), to: AccountIndex(to), amount: Wei(amount), nonce };
                        let t = Signed::sign(body, CHAIN, key);
                        if kind == 0 { Tx::Transfer(t) } else { Tx::ForcedTransfer(t) }
                    }
                    2 | 3 => {
                        let body = tribunal_primitives::Withdraw { from: AccountIndex(from), to: L2Address::repeat_byte(0xcd), amount: Wei(amount), nonce };
                        let w = Signed::sign(body, CHAIN, key);
                        if kind == 2 { Tx::Withdraw(w) } else { Tx::ForcedWithdraw(w) }
                    }
                    5 => {
                        let body = Transfer { from: AccountIndex(from), to: AccountIndex(to), amount: Wei(amount), nonce };
                        let mut raw = [0u8; 124];
                        let mut bytes = Vec::new();
                        tribunal_primitives::batch::encode_tx(&Tx::Transfer(Signed::sign(body, CHAIN, key)), &mut bytes);
                        raw[..bytes.len()].copy_from_slice(&bytes);
                        match to {
                            0 => raw[0] = 0x7f,
                            1 => raw[0] = 0x03,
                            2 => raw[123] = 1,
                            _ => raw = [0; 124],
                        }
                        Tx::Undecodable(tribunal_primitives::tx::RawRecord(raw))
                    }
                    _ => {
                        let owner = PrivateKey::from_bytes([to as u8 + 0x40; 32]);
                        Tx::Deposit(tribunal_primitives::tx::Deposit { to: AccountIndex(to + 2), pubkey: owner.public_key().to_bytes(), amount: Wei(amount) })
                    }
                };
                match (&mut tx, corrupt) {
                    (_, 0) | (Tx::Undecodable(_), _) => {}
                    (Tx::Transfer(t) | Tx::ForcedTransfer(t), _) => t.signature[40] ^= 1,
                    (Tx::Withdraw(w) | Tx::ForcedWithdraw(w), _) => w.signature[40] ^= 1,
                    (Tx::Deposit(d), 1) => d.pubkey = [2; 32],
                    (Tx::Deposit(d), _) => {
                        d.pubkey = tribunal_primitives::eip2494::pack_point(
                            &tribunal_primitives::eip2494::low_order_points()[3],
                        )
                    }
                }
                tx
            })
            .collect::<Vec<_>>();
        // L1 messages come first, as the queue hands them to every batch.
        let mut txs = txs;
        txs.sort_by_key(|tx| !tx.kind().is_l1());
        let batch = Batch { chain_id: CHAIN, number: BatchNumber(3), txs };
        let out = execute_batch(&mut f.parent.clone(), &batch);
        prop_assert!(out.is_ok(), "the STF refused a batch: {:?}", out);
        let out = out.unwrap();
        let claim = claim_of(&f.claim2, &out);
        let blobs = blobs_of(&batch);

        // TEE: re-execution from a witness of the parent state reaches the same output.
        let mut claim_tee = claim;
        claim_tee.blobs_hash = keccak256(tribunal_da::versioned_hashes(&blobs).unwrap().concat());
        let request = tribunal_tee::ProveRequest {
            claim: claim_tee,
            blobs: blobs.clone(),
            messages: batch.messages().to_vec(),
            parent: f.parent.witness_for(&batch),
        };
        let tee = tribunal_tee::reexecute(f.parent.config(), &request);
        prop_assert!(tee.is_ok(), "TEE: {:?}", tee.err());
        let tee = tee.unwrap();
        prop_assert_eq!(
            (tee.post_root, tee.withdrawal_root, tee.queue_after, &tee.receipts),
            (out.post_root, out.withdrawal_root, out.queue_after, &out.receipts)
        );

        // OP: the trace ends at the claim, and each on-chain step reaches the native state.
        let trace = Trace::build(&f.parent, &claim, batch.messages(), &blobs).unwrap();
        prop_assert_eq!(&trace.verdict, &Verdict::Right);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        for k in 0..trace.tx_count {
            let w = witness_sol_step(&trace, k);
            let got = rt.block_on(step_on_chain(f.l1, f.stf, &trace, &blobs, k, w));
            let got = got.ok().flatten();
            prop_assert_eq!(got.as_ref(), trace.at(k + 1), "step {} ({:?})", k, batch.txs[k]);
        }
    }
}

/// A deployment with the default game, batch 1 posted and its right claim proposed, and a
/// challenger agent (whose store lives in the returned directory).
async fn batch1_proposed(
    l1: &DevL1,
) -> (System<'_, DevL1>, Address, tempfile::TempDir, Challenger<&DevL1>) {
    let (mut sys, game) = System::deploy_with_game(l1, GameParams::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = agents(&sys, game, &dir);
    let (_, out1) = batch1(&mut sys).await;
    sys.propose(&sys.claim(&out1).await).await.unwrap();
    (sys, game, dir, c)
}

/// A blob that is not in canonical form (here: junk after its one record) carries no records,
/// and the game reads it so once the `Inbox` holds the proof. Nobody can challenge a claim before
/// its evidence period ends (so a proposer cannot bundle a challenge of its own claim ahead of
/// the proof); every agent that judges the claim records the proof at once. The claim that applies
/// the record loses to the data alone, and the right claim has nothing to dispute.
#[test]
fn a_blob_not_in_canonical_form_is_read_with_no_records_by_the_game() {
    run(async {
        let l1 = DevL1::new();
        let (sys, game, _dir, mut c) = batch1_proposed(&l1).await;
        let (alice, _) = keys();
        let applied = Batch {
            chain_id: CHAIN,
            number: BatchNumber(2),
            txs: vec![transfer(&alice, 0, 1, 5, 0)],
        };
        let mut blobs = tribunal_da::encode_blobs(&applied.encode()).unwrap();
        blobs[0].0[32 * 2000 + 31] = 1;
        let sidecar = tribunal_da::sidecar_7594(blobs.clone()).unwrap();
        let acc = sys.view(sys.d.inbox, Inbox::accAtCall { _index: 2 }).await;
        let call = Inbox::postBatchCall { _batchNumber: 2, _queueEnd: 2, _queueAcc: acc };
        l1.send(&sys.sequencer, L1Tx::call(sys.d.inbox, call.abi_encode()).with_sidecar(sidecar))
            .await
            .unwrap();
        let posted = tribunal_da::read_batch(&blobs, &[], CHAIN, BatchNumber(2));
        assert!(posted.txs.is_empty());
        let out2 = execute_batch(&mut sys.state.clone(), &posted).unwrap();
        let right = sys.claim(&out2).await;
        let out_applied = execute_batch(&mut sys.state.clone(), &applied).unwrap();
        let wrong = sys.claim(&out_applied).await;
        assert_ne!(right.post_root, wrong.post_root);
        let right_id = sys.propose(&right).await.unwrap();
        let wrong_id = sys.propose(&wrong).await.unwrap();

        // Right after the proposal, nobody challenges: the proposer's race is refused.
        let blob_header = [blob_element(&blobs, 0).unwrap(), blob_element(&blobs, 1).unwrap()];
        let bond = sys.view(game, DisputeGame::CLAIM_BONDCall {}).await
            + sys.view(game, DisputeGame::moveBondCall { _depth: U256::from(1) }).await;
        let early = DisputeGame::challengeCall {
            _claim: tribunal_dispute::claims::recast(&sys.proposed(wrong_id).await),
            _header: blob_header.clone(),
        };
        let e = sys.send(&sys.stranger, game, early, bond).await.unwrap_err();
        let e = DisputeGame::DisputeGameErrors::abi_decode(e.revert_data().unwrap()).unwrap();
        assert!(matches!(e, DisputeGame::DisputeGameErrors::Game_EvidencePeriod(_)), "{e:?}");
        // A claim the challenger made up (here: the wrong claim's post root on the right claim)
        // names no claim: refused, with no game opened for either.
        let mut made_up: DisputeGame::Claim = tribunal_dispute::claims::recast(&right.to_sol());
        made_up.postRoot = tribunal_primitives::field::fr_to_word(&wrong.post_root.0);
        let call = DisputeGame::challengeCall { _claim: made_up, _header: blob_header };
        let e = sys.send(&sys.stranger, game, call, bond).await.unwrap_err();
        let e = DisputeGame::DisputeGameErrors::abi_decode(e.revert_data().unwrap()).unwrap();
        assert!(matches!(e, DisputeGame::DisputeGameErrors::Game_NotProposed(_)), "{e:?}");

        // The challenger records the proof as it judges the claims, and waits.
        let acted = c.poll().await.unwrap();
        assert!(
            acted.contains(&Action::Judged { claim: wrong_id, verdict: Some(Verdict::WrongEnd) })
        );
        assert!(!acted.iter().any(|a| matches!(a, Action::Opened { .. })));
        assert!(sys.view(sys.d.inbox, Inbox::nonCanonicalCall { _batchNumber: 2 }).await);

        // After the period: the game reads no records, so the record-applying claim is proven
        // wrong by the data alone, and the right claim has nothing to dispute.
        past_evidence_period(&sys, game, wrong_id).await;
        let acted = c.poll().await.unwrap();
        let challenge = acted
            .iter()
            .find_map(|a| match a {
                Action::Opened { claim, challenge, .. } if *claim == wrong_id => Some(*challenge),
                _ => None,
            })
            .expect("the wrong claim is challenged");
        let node = sys.view(game, DisputeGame::nodeOfCall { _id: U256::from(challenge) }).await;
        assert!(node.proven && node.hi == 0, "no records: proven by the data");
        let (open, value) = challenge_call(&sys, game, right_id, 2).await;
        let e = sys.send(&sys.stranger, game, open, value).await.unwrap_err();
        let e = DisputeGame::DisputeGameErrors::abi_decode(e.revert_data().unwrap()).unwrap();
        assert!(matches!(e, DisputeGame::DisputeGameErrors::Game_NothingToDispute(_)), "{e:?}");
    });
}

/// Attack: batch 2 waits for the slow path while 70 later batches are posted; then a wrong claim
/// on batch 2 is proposed. The challenger's replica keeps only the latest states, so it used to
/// leave such a claim unjudged ("not followed") and unchallenged: it would stand, and OP would
/// favour two results of batch 2. Now the replica re-executes the old state from genesis, and
/// the claim is judged wrong and challenged.
#[test]
fn a_wrong_claim_on_an_old_batch_is_still_judged_and_challenged() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game, _dir, mut c) = batch1_proposed(&l1).await;
        let queue = sys.view(sys.d.inbox, Inbox::queueLengthCall {}).await;
        let mut outputs = Vec::new();
        for n in 2..=72u64 {
            let batch = Batch { chain_id: CHAIN, number: BatchNumber(n), txs: vec![] };
            outputs.push(execute_batch(&mut sys.state, &batch).unwrap());
            sys.post(&sys.sequencer, &batch, queue).await.unwrap();
        }
        // The challenger follows up to batch 72 through a right claim on it.
        let last = sys.propose(&sys.claim(outputs.last().unwrap()).await).await.unwrap();
        let acted = c.poll().await.unwrap();
        assert!(acted.contains(&Action::Judged { claim: last, verdict: Some(Verdict::Right) }));

        let right = sys.claim(&outputs[0]).await;
        let wrong = sys.propose(&Claim { post_root: StateRoot(Fr::from(99u64)), ..right }).await;
        let wrong = wrong.unwrap();
        let acted = c.poll().await.unwrap();
        assert!(
            acted.contains(&Action::Judged { claim: wrong, verdict: Some(Verdict::WrongEnd) }),
            "{acted:?}"
        );
        past_evidence_period(&sys, game, wrong).await;
        let acted = c.poll().await.unwrap();
        assert!(
            acted.iter().any(|a| matches!(a, Action::Opened { claim, .. } if *claim == wrong)),
            "the old wrong claim is challenged: {acted:?}"
        );
    });
}

/// A wrong claim that ZK and TEE both approved, settled final in its own proposal on a batch
/// with no other claim, is not indexed, so no game can challenge it (`Game_NotProposed`). The
/// challenger judges it wrong, says so, and goes on: before, its challenge reverted at every
/// poll and the error stopped the poll, so every later game went unplayed.
#[test]
fn a_wrong_claim_final_in_its_proposal_does_not_stall_the_challenger() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let mut challenger = agents(&sys, game, &dir).0;
        let (_, out1) = batch1(&mut sys).await;
        let wrong = Claim { post_root: StateRoot(Fr::from(4242u64)), ..sys.claim(&out1).await };
        let call = MultiProofFinality::proposeAndSettleCall {
            _c: tribunal_dispute::claims::recast(&wrong.to_sol()),
            _proof: System::<DevL1>::zk_proof(&wrong),
            _signature: sys.tee_signature(&common::enclave(0), &wrong),
        };
        sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
        let s =
            sys.view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::ZERO }).await;
        assert!(s.isFinal, "both validity legs approved it: final at once");
        past_evidence_period(&sys, game, 0).await;

        let acted = challenger.poll().await.expect("the poll goes on");
        assert!(acted.contains(&Action::Judged { claim: 0, verdict: Some(Verdict::WrongEnd) }));
        assert!(gas_of(&acted, "open").is_empty(), "no challenge was sent: {acted:?}");
        let again = challenger.poll().await.expect("and again");
        assert!(gas_of(&again, "open").is_empty(), "{again:?}");
        assert_eq!(game_status(&sys, game, 0).await, IN_PROGRESS);
    });
}
