//! The OP leg end to end: `DisputeGame` with `StfStep` on the embedded L1 (and anvil), the
//! honest challenger and defender agents, and scripted dishonest players.
//!
//! - `StfStep` agrees with `execute_batch` on every transaction kind, applied, skipped and refused;
//! - a wrong post root is challenged and loses through a real one-step proof; the challenger wins
//!   the bonds (also on anvil);
//! - a frivolous challenge of a correct claim loses, and the claim resolves for itself;
//! - an unchallenged claim resolves for itself after 7 days;
//! - a player who misses its clock loses;
//! - a claim over undecodable blob data loses;
//! - the agents survive a restart (redb).

mod common;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent};
use common::{CHAIN, DAY, System, run};
use tribunal_contracts::{DisputeGame, Inbox, MultiProofFinality, stf_step::StfStepContract};
use tribunal_dispute::{
    Action, Challenger, Contracts, Defender, DisputeStore, GameParams, Trace, TraceState, Verdict,
    agent::{blob_element, step_call, witness_sol},
};
use tribunal_l1::{DevL1, L1, L1Dev, L1Tx, anvil::Anvil};
use tribunal_primitives::{
    AccountIndex, Address as L2Address, Batch, BatchNumber, Claim, Fr, PrivateKey, Signed,
    StateRoot, Transfer, Tx, Wei, Withdraw, batch::decode_tx_exact,
};
use tribunal_stf::{BatchOutput, State, StfConfig, execute_batch};

const ETH: u128 = 10u128.pow(18);
const IN_PROGRESS: u8 = 0;
const DEFENDER_WINS: u8 = 1;
const CHALLENGER_WINS: u8 = 2;

/// The blobs of posted batch `n`, from the L1's blob store.
async fn posted_blobs<L: L1Dev>(sys: &System<'_, L>, n: u64) -> Vec<alloy_eips::eip4844::Blob> {
    let hashes = sys.view(sys.d.inbox, Inbox::blobHashesCall { _batchNumber: n }).await;
    sys.l1.blobs(&hashes).await.unwrap()
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

/// The proposer (the sequencer) creates claim `id`'s game with the claim bond.
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

/// `StfStep.step` on every transaction of `batch` (executed on `parent`) against the Rust trace.
async fn steps_agree(l1: &DevL1, stf: Address, parent: &State, claim: &Claim, batch: &Batch) {
    let blobs = blobs_of(batch);
    let trace = Trace::build(parent, claim, &blobs).unwrap();
    let last = match trace.verdict {
        Verdict::Refused(k) => k + 1,
        _ => trace.tx_count,
    };
    for k in 0..last {
        let chunks = [0, 1, 2, 3].map(|j| blob_element(&blobs, 2 + 4 * k + j).unwrap().value);
        let call = StfStepContract::stepCall {
            _index: U256::from(k),
            _chunks: chunks,
            _w: witness_sol_step(&trace, k),
        };
        let out = l1.call(Address::ZERO, stf, call.abi_encode().into()).await.unwrap();
        let ret = StfStepContract::stepCall::abi_decode_returns(&out).unwrap();
        match trace.at(k + 1) {
            Some(expected) => {
                assert!(ret.valid, "tx {k} ({:?}) is valid", trace.txs[k]);
                let got = TraceState {
                    state_root: fr(ret.post.stateRoot),
                    queue_acc: fr(ret.post.queueAcc),
                    withdrawal_root: fr(ret.post.withdrawalRoot),
                    data_acc: fr(ret.post.dataAcc),
                };
                assert_eq!(got, *expected, "tx {k} ({:?})", trace.txs[k]);
            }
            None => assert!(!ret.valid, "tx {k} refuses the batch"),
        }
    }
}

fn fr(b: B256) -> Fr {
    tribunal_primitives::field::fr_from_be_bytes(&b.0).unwrap()
}

/// The game's witness type as the standalone `StfStep` binding's (same ABI).
fn witness_sol_step(trace: &Trace, k: usize) -> tribunal_contracts::stf_step::StfStep::StepWitness {
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

        // Refused batches: a sequencer transfer with a wrong nonce, one from an empty account,
        // and an undecodable record; the step says so where the STF refuses.
        let (alice, _) = keys();
        let parent3 = sys.state.clone();
        let mut claim = sys.claim(&out2).await;
        claim.batch_number = BatchNumber(3);
        claim.parent_root = parent3.root();
        for bad in [transfer(&alice, 0, 1, 1, 99), transfer(&alice, 5, 1, 1, 0)] {
            let batch = Batch {
                chain_id: CHAIN,
                number: BatchNumber(3),
                txs: vec![transfer(&alice, 0, 1, 1, 4), bad],
            };
            let trace = Trace::build(&parent3, &claim, &blobs_of(&batch)).unwrap();
            assert_eq!(trace.verdict, Verdict::Refused(1));
            steps_agree(&l1, stf, &parent3, &claim, &batch).await;
        }
    });
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

    // The honest claim on batch 1 is right; the wrong one is judged wrong and challenged.
    let acted = challenger.poll().await.unwrap();
    assert!(acted.contains(&Action::Judged { claim: id1, verdict: Some(Verdict::Right) }));
    assert!(acted.contains(&Action::Judged { claim: id, verdict: Some(Verdict::WrongEnd) }));
    gas.extend(gas_of(&acted, "open").into_iter().map(|g| ("challenge (opening)".into(), g)));
    let cid = 0u64;

    // The dishonest defender's trace: right up to transaction 3, wrong after.
    let blobs2 = posted_blobs(&sys, 2).await;
    let truth = Trace::build(&parent, &wrong, &blobs2).unwrap();
    let lie = |k: usize| -> B256 {
        if k <= 3 { truth.at(k).unwrap().hash() } else { keccak256(k.to_be_bytes()) }
    };
    let mut rounds = 0;
    loop {
        let ch = sys.view(game, DisputeGame::challengeOfCall { _id: U256::from(cid) }).await;
        match ch.turn {
            0 => {
                let mid = (ch.lo as usize + ch.hi as usize) / 2;
                let b = sys
                    .view(game, DisputeGame::moveBondCall { _depth: U256::from(ch.depth) })
                    .await;
                let call = DisputeGame::bisectCall { _id: U256::from(cid), _midHash: lie(mid) };
                let r = sys.send(&sys.sequencer, game, call, b).await.unwrap();
                gas.push(("bisect".into(), r.gas_used));
                rounds += 1;
            }
            3 => {
                assert!(ch.challengerWon, "the challenger wins the step");
                assert_eq!((ch.lo, ch.hi), (3, 4), "the dispute narrowed to transaction 3");
                break;
            }
            _ => {
                let acted = challenger.poll().await.unwrap();
                for k in ["attack", "defend", "step"] {
                    gas.extend(gas_of(&acted, k).into_iter().map(|g| (k.to_string(), g)));
                }
            }
        }
        assert!(rounds < 10);
    }
    assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);
    let s =
        sys.view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) }).await;
    assert_eq!(s.op, CHALLENGER_WINS, "the finality contract sees the OP leg against the claim");

    // Payouts: the challenger's credit is the pot plus the claim bond, after the delay.
    let me = sys.stranger.address();
    let credit = sys.view(game, DisputeGame::creditCall { claimId: U256::from(id), _1: me }).await;
    assert!(credit > bond, "claim bond and pot");
    let early = sys
        .send(
            &sys.stranger,
            game,
            DisputeGame::claimCreditCall { _claimId: U256::from(id) },
            U256::ZERO,
        )
        .await;
    assert!(early.is_err(), "payouts wait for the withdrawal delay");
    warp(l1, 7 * DAY / 2 + 1).await;
    let before = l1.balance(me).await.unwrap();
    let acted = challenger.poll().await.unwrap();
    assert!(acted.iter().any(|a| matches!(a, Action::Claimed { wei, .. } if *wei == credit)));
    assert!(l1.balance(me).await.unwrap() > before + credit - U256::from(ETH / 100));
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
        assert!(step < 6_000_000, "step within a few million gas: {step}");
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
        let (mut challenger, mut defender) = agents(&sys, game, &dir);
        let (_, out1) = batch1(&mut sys).await;
        let id1 = sys.propose(&sys.claim(&out1).await).await.unwrap();
        let parent = sys.state.clone();
        let (_, out2) = batch2(&mut sys).await;
        let id2 = sys.propose(&sys.claim(&out2).await).await.unwrap();
        let acted = settle(&mut challenger, &mut defender).await;
        assert!(acted.iter().any(|a| matches!(a, Action::Created { claim, .. } if *claim == id1)));
        assert!(acted.iter().any(|a| matches!(a, Action::Created { claim, .. } if *claim == id2)));
        assert!(!acted.iter().any(|a| matches!(a, Action::Opened { .. })), "nothing to challenge");

        // A frivolous challenger (a scripted third party) disputes claim 2 and attacks every
        // midpoint; the defender agent answers; the step agrees with the defender.
        let troll = tribunal_l1::dev_signers()[2].clone();
        let blobs = posted_blobs(&sys, 2).await;
        let b0 = sys.view(game, DisputeGame::moveBondCall { _depth: U256::ZERO }).await;
        let header = [blob_element(&blobs, 0).unwrap(), blob_element(&blobs, 1).unwrap()];
        let open = DisputeGame::challengeCall { _claimId: U256::from(id2), _header: header };
        sys.send(&troll, game, open, b0).await.unwrap();
        let cid = 0u64;
        let trace = Trace::build(&parent, &sys.claim(&out2).await, &blobs).unwrap();
        loop {
            defender.poll().await.unwrap();
            let ch = sys.view(game, DisputeGame::challengeOfCall { _id: U256::from(cid) }).await;
            match ch.turn {
                1 => {
                    let b = sys
                        .view(game, DisputeGame::moveBondCall { _depth: U256::from(ch.depth) })
                        .await;
                    sys.send(&troll, game, DisputeGame::attackCall { _id: U256::from(cid) }, b)
                        .await
                        .unwrap();
                }
                2 => {
                    let call = step_call(cid, &trace, &blobs, ch.lo as usize).unwrap();
                    sys.send(&troll, game, call, U256::ZERO).await.unwrap();
                }
                3 => {
                    assert!(!ch.challengerWon, "the frivolous challenger loses the step");
                    break;
                }
                _ => panic!("the defender agent answers at once"),
            }
        }
        assert_eq!(game_status(&sys, game, id2).await, IN_PROGRESS, "the window is still open");

        // Unchallenged (claim 1) and defended (claim 2) claims resolve for themselves after 7
        // days, and the finality contract sees it.
        warp(&l1, 7 * DAY).await;
        let acted = settle(&mut challenger, &mut defender).await;
        assert!(acted.iter().any(|a| matches!(a, Action::Resolved { claim, .. } if *claim == id1)));
        assert!(acted.iter().any(|a| matches!(a, Action::Resolved { claim, .. } if *claim == id2)));
        for id in [id1, id2] {
            assert_eq!(game_status(&sys, game, id).await, DEFENDER_WINS);
            let s = sys
                .view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) })
                .await;
            assert_eq!(s.op, DEFENDER_WINS);
        }
        // The defender collects the claim bond and the troll's bonds after the delay.
        warp(&l1, 7 * DAY / 2 + 1).await;
        let acted = settle(&mut challenger, &mut defender).await;
        let claimed: Vec<_> =
            acted.iter().filter(|a| matches!(a, Action::Claimed { .. })).collect();
        assert_eq!(claimed.len(), 2, "{acted:?}");
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
        {
            let mut c = agents(&sys, game, &dir).0;
            let acted = c.poll().await.unwrap();
            assert!(acted.iter().any(|a| matches!(a, Action::Opened { .. })));
        } // the challenger stops; its store stays
        // The dishonest defender never bisects. Within its clock nobody can end the challenge.
        warp(&l1, DAY).await;
        let early = sys
            .send(
                &sys.stranger,
                game,
                DisputeGame::resolveChallengeCall { _id: U256::ZERO },
                U256::ZERO,
            )
            .await;
        assert!(early.is_err(), "the defender's clock is still running");
        warp(&l1, 5 * DAY / 2 + 1).await;
        // A restarted challenger picks up its challenge from redb, sees the clock ran out, and wins.
        let mut c = agents(&sys, game, &dir).0;
        let acted = c.poll().await.unwrap();
        assert!(acted.contains(&Action::ResolvedChallenge { challenge: 0 }), "{acted:?}");
        assert!(!acted.iter().any(|a| matches!(a, Action::Opened { .. })), "no second challenge");
        assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);
    });
}

#[test]
fn a_claim_over_undecodable_blob_data_loses() {
    run(async {
        let l1 = DevL1::new();
        let (mut sys, game) = System::deploy_with_game(&l1, GameParams::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let mut c = agents(&sys, game, &dir).0;
        let (_, out1) = batch1(&mut sys).await;
        sys.propose(&sys.claim(&out1).await).await.unwrap();
        // Batch 2: a valid transfer, then a record with an unknown kind tag.
        let (alice, _) = keys();
        let batch = Batch {
            chain_id: CHAIN,
            number: BatchNumber(2),
            txs: vec![transfer(&alice, 0, 1, 5, 0); 3],
        };
        let mut bytes = batch.encode();
        bytes[31 + 124] = 0x7f;
        let sidecar =
            tribunal_da::sidecar_7594(tribunal_da::encode_blobs(&bytes).unwrap()).unwrap();
        let call = Inbox::postBatchCall { _batchNumber: 2, _queueEnd: 2 };
        l1.send(&sys.sequencer, L1Tx::call(sys.d.inbox, call.abi_encode()).with_sidecar(sidecar))
            .await
            .unwrap();
        // Whatever roots the proposer claims, the claim loses.
        let mut claim = sys.context(BatchNumber(2)).await;
        claim.parent_root = out1.post_root;
        claim.post_root = out1.post_root;
        claim.data_commitment = tribunal_primitives::DataCommitment(
            tribunal_primitives::batch::data_commitment(&bytes),
        );
        let id = sys.propose(&claim).await.unwrap();
        create_game(&sys, game, id).await;
        let acted = c.poll().await.unwrap();
        assert!(acted.contains(&Action::Judged { claim: id, verdict: Some(Verdict::Refused(1)) }));
        // The scripted defender bisects with the trace of the decodable prefix and then
        // anything; the step at the bad record refuses the batch.
        let blobs2 = posted_blobs(&sys, 2).await;
        let prefix = Trace::build(&sys.state, &claim, &blobs2).unwrap();
        for _ in 0..8 {
            let ch = sys.view(game, DisputeGame::challengeOfCall { _id: U256::ZERO }).await;
            match ch.turn {
                0 => {
                    let b = sys
                        .view(game, DisputeGame::moveBondCall { _depth: U256::from(ch.depth) })
                        .await;
                    let mid = (ch.lo as usize + ch.hi as usize) / 2;
                    let hash = prefix.at(mid).map_or(B256::repeat_byte(1), TraceState::hash);
                    let call = DisputeGame::bisectCall { _id: U256::ZERO, _midHash: hash };
                    sys.send(&sys.sequencer, game, call, b).await.unwrap();
                }
                3 => break,
                _ => {
                    c.poll().await.unwrap();
                }
            }
        }
        let ch = sys.view(game, DisputeGame::challengeOfCall { _id: U256::ZERO }).await;
        assert!(ch.challengerWon);
        assert_eq!((ch.lo, ch.hi), (1, 2), "decided by the step over the undecodable record");
        assert_eq!(game_status(&sys, game, id).await, CHALLENGER_WINS);

        // A batch whose header names another batch number loses at the challenge's opening.
        let bad = Batch { chain_id: CHAIN, number: BatchNumber(9), txs: vec![] };
        let sidecar =
            tribunal_da::sidecar_7594(tribunal_da::encode_blobs(&bad.encode()).unwrap()).unwrap();
        let call = Inbox::postBatchCall { _batchNumber: 3, _queueEnd: 2 };
        l1.send(&sys.sequencer, L1Tx::call(sys.d.inbox, call.abi_encode()).with_sidecar(sidecar))
            .await
            .unwrap();
        let mut claim3 = sys.context(BatchNumber(3)).await;
        claim3.parent_root = out1.post_root;
        claim3.post_root = out1.post_root;
        let id3 = sys.propose(&claim3).await.unwrap();
        create_game(&sys, game, id3).await;
        // The challenger's replica stops at batch 2 (it does not execute): it judges claim 3
        // only when its parent is its state, so a scripted challenger shows the header rule.
        let blobs = posted_blobs(&sys, 3).await;
        let b0 = sys.view(game, DisputeGame::moveBondCall { _depth: U256::ZERO }).await;
        let header = [blob_element(&blobs, 0).unwrap(), blob_element(&blobs, 1).unwrap()];
        let open = DisputeGame::challengeCall { _claimId: U256::from(id3), _header: header };
        let r = sys.send(&sys.stranger, game, open, b0).await.unwrap();
        eprintln!("gas challenge (bad header): {}", r.gas_used);
        assert_eq!(game_status(&sys, game, id3).await, CHALLENGER_WINS);
    });
}
