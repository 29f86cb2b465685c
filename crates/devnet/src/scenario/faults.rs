//! A leg fails: `tee-lies` (docs/finality.md rule 4), `zk-self-disagrees` (rule 5) and
//! `wrong-claim` (the OP leg's bisection, one-step proof and bonds).

use std::time::Duration;

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{B256, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use ark_std::rand::{SeedableRng, rngs::StdRng};
use tribunal_contracts::{
    DisputeGame, MultiProofFinality, leg, stf_step::StfStepContract as StfStep,
};
use tribunal_dispute::{
    Action,
    agent::{blob_element, step_call},
    claims::{proposed_known, recast},
    trace::Trace,
};
use tribunal_l1::{L1, L1Tx, view};
use tribunal_node::{
    Event, Services, proposer::propose_call, tee::TeeOutcome, watcher::FinalityPath, zk::ZkOutcome,
};
use tribunal_primitives::{
    PrivateKey, StateRoot,
    field::{fr_from_be_bytes, modulus_word},
};
use tribunal_stf::execute_batch;
use tribunal_zk::{
    keys::{DevTrapdoor, single_party_setup},
    prover::{BatchProof, prove},
    witness::BatchWitness,
};

use super::{World, expect_refused, say, wrong_root};
use crate::DEV_ENCLAVE_KEY;

const CHALLENGER_WINS: u8 = 2;

/// Deposits for `users` new L2 keys and waits for the node's claim of the first batch holding
/// at least `min_txs` of them. Returns the claim and its batch number.
async fn honest_claim(w: &mut World, users: u8, min_txs: usize) -> eyre::Result<(u64, u64)> {
    for i in 0..users {
        w.deposit(&PrivateKey::from_bytes([0x50 + i; 32])).await?;
    }
    let mut sizes = std::collections::BTreeMap::new();
    w.until("the node's claim", |e| match e {
        Event::Sealed(s) => {
            sizes.insert(s.batch.number.0, s.batch.txs.len());
            None
        }
        Event::Proposed(p) if sizes.get(&p.batch.0).is_some_and(|n| *n >= min_txs) => {
            Some((p.claim, p.batch.0))
        }
        _ => None,
    })
    .await
}

/// `from` proposes claim `honest` with `post_root` swapped for a wrong one and bonds it, as a
/// proposer hoping nobody challenges would (its window runs from now; no game is needed).
pub(super) async fn propose_wrong(
    w: &World,
    from: &PrivateKeySigner,
    honest: u64,
) -> eyre::Result<u64> {
    let c = proposed_known(&*w.l1, w.r.d.finality, honest).await?;
    let call = MultiProofFinality::proposeCall {
        _batchNumber: c.batchNumber,
        _parentRoot: c.parentRoot,
        _postRoot: wrong_root(),
        _withdrawalRoot: c.withdrawalRoot,
        _dataCommitment: c.dataCommitment,
    };
    let id = w.propose(from, call).await?;
    say!(
        w,
        "{} proposes claim {id}: batch {} with a wrong post root, bonded",
        from.address(),
        c.batchNumber
    );
    // Claims become challengeable once their batch's evidence period has passed.
    let evidence = view(&*w.l1, w.r.game.game, DisputeGame::EVIDENCE_SECONDSCall {}).await?;
    w.travel(evidence).await?;
    say!(
        w,
        "time-travelling {} hours: the batch's evidence period (anyone may prove its blob not canonical), after which games read its header",
        evidence / 3600
    );
    Ok(id)
}

/// docs/finality.md rule 4: ZK approves root X and TEE root Y. Neither is instant; OP finalizes the
/// right one after the window and the TEE is recorded faulty.
pub(super) async fn tee_lies(w: &mut World) -> eyre::Result<()> {
    w.start(Services { tee: false, ..Services::ALL }).await?;
    say!(w, "the node runs every service but the TEE prover; the enclave's key is compromised");
    let (honest, _) = honest_claim(w, 2, 1).await?;
    let attacker = w.r.signers[2].clone();
    let wrong = propose_wrong(w, &attacker, honest).await?;

    // The compromised enclave key signs the wrong claim's EIP-712 digest.
    let f = w.r.d.finality;
    let claim = proposed_known(&*w.l1, f, wrong).await?;
    let digest = view(&*w.l1, f, MultiProofFinality::claimDigestCall { _c: claim.clone() }).await?;
    let enclave = PrivateKeySigner::from_bytes(&DEV_ENCLAVE_KEY)?;
    let signature = enclave.sign_hash_sync(&digest)?.as_bytes().to_vec();
    let call = MultiProofFinality::attestTeeCall { _c: claim, _signature: signature.into() };
    w.l1.send(&attacker, L1Tx::call(f, call.abi_encode())).await?;
    say!(w, "the compromised TEE signer {} attests claim {wrong}", enclave.address());

    // ZK proves the right root and refuses the wrong one; the challenger opens a dispute.
    let (mut proven, mut refused, mut opened) = (false, false, false);
    w.until("ZK's verdicts and the challenge", |e| {
        match e {
            Event::Zk { claim, outcome: ZkOutcome::Proven { .. } } if *claim == honest => {
                proven = true;
            }
            Event::Zk { claim, outcome: ZkOutcome::Wrong { .. } } if *claim == wrong => {
                refused = true;
            }
            Event::Challenger(Action::Opened { claim, .. }) if *claim == wrong => opened = true,
            _ => {}
        }
        (proven && refused && opened).then_some(())
    })
    .await?;
    say!(w, "the legs conflict (rule 4): ZK approves the right root, TEE a wrong one");
    let s = w.show("right root", honest).await?;
    eyre::ensure!(s.zk && !s.tee && !s.isFinal, "the right claim: ZK only, not final");
    let s = w.show("wrong root", wrong).await?;
    eyre::ensure!(s.tee && !s.zk && !s.isFinal, "the wrong claim: TEE only, not final");
    expect_refused(
        w,
        "instant finality of the right root",
        &w.finalize_refused(honest).await?,
        "Finality_WindowNotPassed",
    )?;
    expect_refused(
        w,
        "instant finality of the wrong root",
        &w.finalize_refused(wrong).await?,
        "Finality_WindowNotPassed",
    )?;

    // The attacker never answers in the game; after the window OP decides.
    let window = op_window(w).await?;
    say!(w, "time-travelling the {}-day OP window", window / 86_400);
    w.travel(window + 60).await?;
    let path = w
        .until("the right root's finality", |e| match e {
            Event::Finalized(f) if f.claim == honest => Some(f.path),
            _ => None,
        })
        .await?;
    eyre::ensure!(path == FinalityPath::SlowZk, "the right root finalized {path}, not ZK + OP");
    wait_for_game(w, wrong, CHALLENGER_WINS).await?;
    w.show("right root", honest).await?;
    let s = w.show("wrong root", wrong).await?;
    eyre::ensure!(!s.isFinal && s.op == CHALLENGER_WINS, "the wrong claim lost its game");
    let faults = w.leg_faults_of(wrong).await?;
    eyre::ensure!(
        faults.contains(&(leg::TEE, wrong)),
        "no LegFaulty(TEE) for claim {wrong}: {faults:?}"
    );
    say!(w, "LegFaulty(TEE, claim {wrong}) recorded on L1: the council may now revoke the signer");
    Ok(())
}

/// docs/finality.md rule 5: the ZK verifier accepts two post roots for one batch. The second
/// approval freezes the ZK leg at once (it counts as zero); the council replaces the verifier with
/// no timelock.
pub(super) async fn zk_self_disagrees(w: &mut World) -> eyre::Result<()> {
    w.start(Services { tee: false, ..Services::ALL }).await?;
    say!(w, "the ZK verifier runs INSECURE dev keys, whose trapdoor anyone can re-derive");
    let (honest, n) = honest_claim(w, 1, 1).await?;
    w.until("the ZK proof of the right root", |e| match e {
        Event::Zk { claim, outcome: ZkOutcome::Proven { .. } } if *claim == honest => Some(()),
        _ => None,
    })
    .await?;

    // The attacker forges a proof of another post root for the same batch.
    let keys = w.r.zk.largest().clone();
    let blobs = blobs_of(w, n).await?;
    let number = tribunal_primitives::BatchNumber(n);
    let batch = tribunal_da::read_batch(&blobs, &messages_of(w, n).await?, w.r.chain_id, number);
    let out = execute_batch(&mut w.state_after(n - 1).await?, &batch)?;
    let right = BatchWitness::new(&keys.config, &batch, &out, &blobs[0])?;
    let mut lie = right;
    lie.claim.post_root = StateRoot(fr_from_be_bytes(&wrong_root().0)?);
    lie.open(&blobs[0])?;
    let attacker = w.r.signers[2].clone();
    let c = &lie.claim;
    let call = propose_call(
        c.batch_number,
        c.parent_root,
        c.post_root,
        c.withdrawal_root,
        c.data_commitment,
    );
    let wrong = w.propose(&attacker, call).await?;
    let trapdoor = DevTrapdoor::derive(&keys.config, keys.vk())?;
    let forged = trapdoor.forge(keys.vk(), &lie.public_inputs(), &mut StdRng::from_entropy())?;
    let forged = BatchProof { proof: forged, witness: lie }.to_bytes();
    let forged = if w.r.zk_set {
        let largest = w.r.zk.iter().count() - 1;
        tribunal_zk::sizes::encode_set_proof(largest as u8, &forged)
    } else {
        forged
    };
    let f = w.r.d.finality;
    let wrong_claim = proposed_known(&*w.l1, f, wrong).await?;
    let call = MultiProofFinality::proveZkCall { _c: wrong_claim.clone(), _proof: forged.clone() };
    let receipt = w.l1.send(&attacker, L1Tx::call(f, call.abi_encode())).await?;
    say!(w, "claim {wrong}: a wrong root for batch {n}, with a forged proof the verifier accepts");
    // ZK already approved the right root of the same batch over the same parent: a second result
    // in one epoch is rule 5 evidence, so the forgery's own transaction freezes the leg.
    eyre::ensure!(
        receipt.logs.iter().any(|l| MultiProofFinality::LegFrozen::decode_log(l).is_ok()),
        "no LegFrozen"
    );
    say!(
        w,
        "ZK approved two results for one batch (rule 5): LegFrozen(ZK) in the forger's own transaction, {} gas",
        receipt.gas_used
    );
    w.show("right root", honest).await?;
    w.show("wrong root", wrong).await?;
    w.stop().await;

    // The TEE approves the right root, but a frozen ZK leg does not count: no instant path.
    w.start(Services { sequencer: false, zk: false, ..Services::ALL }).await?;
    w.until("the TEE's attestation", |e| match e {
        Event::Tee { claim, outcome: TeeOutcome::Attested { .. } } if *claim == honest => Some(()),
        _ => None,
    })
    .await?;
    let s = w.show("right root", honest).await?;
    eyre::ensure!(!s.isFinal && !s.zk, "a frozen ZK leg still counted");
    // The node's safety view names the evidence: the two claims ZK approved.
    let safety = {
        use tribunal_node::rpc::TribunalApiServer;
        w.rpc()?.get_safety().await.map_err(|e| eyre::eyre!("getSafety: {}", e.message()))?
    };
    let evidence = safety.frozen_by[0].as_ref().map(|e| (e.a, e.b, e.tx.tx));
    eyre::ensure!(
        safety.frozen[0] && evidence == Some((honest, wrong, receipt.tx_hash)),
        "tribunal_getSafety does not name the evidence that froze ZK: {evidence:?}"
    );
    say!(
        w,
        "tribunal_getSafety (and the explorer's council page) name it: claims {honest} and {wrong}"
    );
    expect_refused(
        w,
        "instant finality with ZK frozen",
        &w.finalize_refused(honest).await?,
        "Finality_WindowNotPassed",
    )?;

    // The council replaces the verifier at once with one from a fresh setup (single-party here,
    // so still flagged INSECURE on chain: a real deployment would run a ceremony).
    let open =
        view(&*w.l1, f, MultiProofFinality::instantUpgradeAllowedCall { _leg: leg::ZK }).await?;
    eyre::ensure!(open, "the instant upgrade is not open");
    let config = keys.config;
    let fresh = tokio::task::spawn_blocking(move || {
        single_party_setup(&config, &mut StdRng::from_entropy())
    })
    .await??;
    let code = tribunal_zk::verifier::deploy_code(fresh.vk(), fresh.insecure)?;
    let deployed = w.l1.send(&w.r.signers[9], L1Tx::create(code)).await?;
    let verifier = deployed.contract_address.ok_or_else(|| eyre::eyre!("no verifier deployed"))?;
    let upgrade = MultiProofFinality::setZkVerifierCall { _verifier: verifier }.abi_encode();
    w.r.council_submit(&*w.l1, 6, f, upgrade).await?;
    eyre::ensure!(view(&*w.l1, f, MultiProofFinality::zkVerifierCall {}).await? == verifier);
    say!(
        w,
        "the council (6 of 8) replaces the ZK verifier at once: {verifier}, keys from a fresh single-party setup"
    );

    // The forgery no longer verifies; the right root, proven under the new keys, is final at once.
    let again = MultiProofFinality::proveZkCall { _c: wrong_claim, _proof: forged };
    let refused = w.l1.send(&attacker, L1Tx::call(f, again.abi_encode())).await;
    let refused = refused.err().and_then(|e| e.revert_data().cloned()).unwrap_or_default();
    eyre::ensure!(
        refused.starts_with(&MultiProofFinality::Finality_InvalidProof::SELECTOR),
        "the old forgery was not refused as Finality_InvalidProof"
    );
    eyre::ensure!(
        DevTrapdoor::derive(&config, fresh.vk()).is_err(),
        "the new keys have a known trapdoor"
    );
    say!(w, "  refused: the forged proof under the new verifier");
    let honest_witness = BatchWitness::new(&config, &batch, &out, &blobs[0])?;
    let proof = tokio::task::spawn_blocking(move || prove(&fresh, honest_witness)).await??;
    let honest_claim = proposed_known(&*w.l1, f, honest).await?;
    let call = MultiProofFinality::proveZkCall { _c: honest_claim, _proof: proof.to_bytes() };
    let receipt = w.l1.send(&w.r.keys.zk, L1Tx::call(f, call.abi_encode())).await?;
    let path = receipt
        .logs
        .iter()
        .find_map(|l| MultiProofFinality::Finalized::decode_log(l).ok())
        .map(|e| e.path);
    eyre::ensure!(path == Some(1), "the re-proven right root is not final at once: {path:?}");
    w.show("right root", honest).await?;
    let faults = w.leg_faults_of(wrong).await?;
    eyre::ensure!(
        faults.contains(&(leg::ZK, wrong)),
        "no LegFaulty(ZK) for claim {wrong}: {faults:?}"
    );
    say!(
        w,
        "re-proven under the new verifier: final at once (ZK + TEE); LegFaulty(ZK, claim {wrong})"
    );
    Ok(())
}

/// A wrong claim's proposer defends it with a trace that is right up to one transaction, then
/// lies, and tries to counter the one-transaction challenge with an aliased witness. The
/// challenger bisects to that transaction, the aliased step is refused, the challenger's step
/// proves the challenge, and the challenger takes the bonds.
pub(super) async fn wrong_claim(w: &mut World) -> eyre::Result<()> {
    w.start(Services { zk: false, ..Services::ALL }).await?;
    say!(w, "the node runs every service but the ZK prover: the right root waits for OP");
    let (honest, n) = honest_claim(w, 4, 2).await?;
    let attacker = w.r.signers[2].clone();
    let wrong = propose_wrong(w, &attacker, honest).await?;
    let game = w.r.game.game;

    // Nobody creates a game before a challenge. The attacker challenges the right root too,
    // which creates its game: it posts the root's bond with its challenge bond, and gets the
    // root's back when the root stands. The node's defender, a third party's key, answers.
    let defender = w.r.keys.defender.address();
    eyre::ensure!(defender != w.r.keys.proposer.address(), "the defender is the proposer");
    let g = view(&*w.l1, game, DisputeGame::gameOfCall { _claimId: U256::from(honest) }).await?;
    eyre::ensure!(g.windowStartsAt == 0, "the right root has a game before any challenge");
    let blobs = blobs_of(w, n).await?;
    let header = [blob_element(&blobs, 0)?, blob_element(&blobs, 1)?];
    let frivolous = view(&*w.l1, game, DisputeGame::moveBondCall { _depth: U256::from(1) }).await?;
    let root_bond = view(&*w.l1, game, DisputeGame::CLAIM_BONDCall {}).await?;
    let claim = recast(&proposed_known(&*w.l1, w.r.d.finality, honest).await?);
    let open = DisputeGame::challengeCall { _claim: claim, _header: header };
    w.l1.send(&attacker, L1Tx::call(game, open.abi_encode()).with_value(root_bond + frivolous))
        .await?;
    say!(
        w,
        "no game exists before a challenge; the attacker's challenge of the right root creates it ({frivolous} wei challenge bond, {root_bond} wei root bond)"
    );

    let challenge = w.challenge_of(wrong).await?;

    // The attacker's trace: the true one for the first transaction, made up after it.
    let raw = proposed_known(&*w.l1, w.r.d.finality, wrong).await?;
    let claim = tribunal_dispute::agent::claim_from_sol(&raw)
        .ok_or_else(|| eyre::eyre!("claim {wrong} does not decode"))?;
    let truth =
        Trace::build(&w.state_after(n - 1).await?, &claim, &messages_of(w, n).await?, &blobs)?;
    let lie = |k: usize| -> eyre::Result<B256> {
        if k <= 1 {
            Ok(truth.at(k).ok_or_else(|| eyre::eyre!("no trace state {k}"))?.hash())
        } else {
            Ok(keccak256(format!("made-up trace state {k}")))
        }
    };
    let mut bisections = 0;
    let mut defender_bonds = U256::ZERO;
    let mut aliased_tried = false;
    let deadline = std::time::Instant::now() + super::PATIENCE;
    // The attacker plays the claim's side of every challenge of its claim the challenger posts.
    let leaf = loop {
        w.drain();
        let count = view(&*w.l1, game, DisputeGame::nodeCountCall {}).await?.to::<u64>();
        let mut leaf = None;
        for id in challenge..count {
            let node = view(&*w.l1, game, DisputeGame::nodeOfCall { _id: U256::from(id) }).await?;
            if node.claimId != wrong || node.kind != 1 {
                continue;
            }
            if node.hi - node.lo == 1 {
                leaf = Some((id, node));
                continue;
            }
            let mid = (node.lo as usize + node.hi as usize) / 2;
            let hash = lie(mid)?;
            let posted = view(
                &*w.l1,
                game,
                DisputeGame::answerOfCall { _parent: U256::from(id), _kind: 2, _hash: hash },
            )
            .await?
            .posted;
            if !posted {
                let bond = view(
                    &*w.l1,
                    game,
                    DisputeGame::moveBondCall { _depth: U256::from(node.depth + 1) },
                )
                .await?;
                let call = DisputeGame::bisectCall { _id: U256::from(id), _midHash: hash };
                w.l1.send(&attacker, L1Tx::call(game, call.abi_encode()).with_value(bond)).await?;
                bisections += 1;
                defender_bonds += bond;
                say!(
                    w,
                    "    · the wrong claim's defender bisects challenge {id} at transaction {mid} (lo {}, hi {})",
                    node.lo,
                    node.hi
                );
            }
        }
        if let Some((id, node)) = &leaf {
            if !aliased_tried {
                // The attacker counters the one-transaction challenge with its own step, the
                // sender's nonce aliased by the field modulus so the Merkle check still passes.
                let mut call = step_call(*id, &truth, &blobs, node.lo as usize)?;
                call.witness_mut().sender.nonce += modulus_word();
                let refused = w.l1.send(&attacker, L1Tx::call(game, call.abi_encode())).await;
                let data = refused.err().and_then(|e| e.revert_data().cloned()).unwrap_or_default();
                eyre::ensure!(
                    data.starts_with(&StfStep::Step_NonCanonicalWitness::SELECTOR),
                    "the aliased witness was not refused as Step_NonCanonicalWitness"
                );
                say!(
                    w,
                    "  refused: the attacker's step with an aliased nonce (Step_NonCanonicalWitness)"
                );
                aliased_tried = true;
            }
            if node.proven {
                break leaf.expect("set");
            }
        }
        eyre::ensure!(std::time::Instant::now() < deadline, "the bisection does not end");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (leaf_id, decided) = leaf;
    eyre::ensure!(
        bisections >= 1 && (decided.lo, decided.hi) == (1, 2),
        "the dispute did not narrow to transaction 1 by bisection ({bisections} bisections, lo {}, hi {})",
        decided.lo,
        decided.hi
    );
    say!(
        w,
        "challenge {leaf_id} proven by the challenger's one-step proof of transaction {} after {bisections} bisections",
        decided.lo
    );
    shows_the_bisection(w, wrong, leaf_id, bisections).await?;

    // After the window: the right root is final (TEE + OP), the wrong claim's game is lost, and
    // the challenger withdraws the claim bond and the defender's move bonds once the game's
    // withdrawal delay has passed.
    let challenger = w.r.keys.challenger.address();
    let before = w.l1.balance(challenger).await?;
    let claim_bond = view(&*w.l1, game, DisputeGame::CLAIM_BONDCall {}).await?;
    let window = op_window(w).await?;
    say!(w, "time-travelling the {}-day OP window", window / 86_400);
    w.travel(window + 60).await?;
    // What the node reports: the right root's path, the challenger's and the defender's payouts.
    let mut seen: (Option<FinalityPath>, Option<U256>, Option<U256>) = (None, None, None);
    let watch = |e: &Event, seen: &mut (Option<FinalityPath>, Option<U256>, Option<U256>)| match e {
        Event::Finalized(f) if f.claim == honest => seen.0 = Some(f.path),
        Event::Challenger(Action::Claimed { claim, wei }) if *claim == wrong => seen.1 = Some(*wei),
        Event::Defender(Action::Claimed { claim, wei }) if *claim == honest => seen.2 = Some(*wei),
        _ => {}
    };
    w.until("the right root's finality", |e| {
        watch(e, &mut seen);
        seen.0.map(|_| ())
    })
    .await?;
    let path = seen.0;
    eyre::ensure!(path == Some(FinalityPath::SlowTee), "the right root finalized {path:?}");
    wait_for_game(w, wrong, CHALLENGER_WINS).await?;
    let s = w.show("wrong root", wrong).await?;
    eyre::ensure!(!s.isFinal, "the wrong claim is final");
    if seen.1.is_none() || seen.2.is_none() {
        let delay = view(&*w.l1, game, DisputeGame::WITHDRAWAL_DELAY_SECONDSCall {}).await?;
        say!(w, "time-travelling the {}-hour withdrawal delay", delay / 3_600);
        w.travel(delay + 60).await?;
        w.until("the challenger's and the defender's payouts", |e| {
            watch(e, &mut seen);
            (seen.1.is_some() && seen.2.is_some()).then_some(())
        })
        .await?;
    }
    let (paid, defended) = (seen.1, seen.2.unwrap_or_default());
    eyre::ensure!(
        defended >= frivolous,
        "the defender was paid {defended} wei, not the attacker's challenge bond {frivolous}"
    );
    say!(
        w,
        "the defender withdrew {defended} wei from the right root's game: its own move bond and the attacker's challenge bond"
    );
    let paid = paid.unwrap_or_default();
    let after = w.l1.balance(challenger).await?;
    eyre::ensure!(
        paid >= claim_bond + defender_bonds && after > before + claim_bond,
        "the challenger was paid {paid} wei, not the claim bond {claim_bond} and more"
    );
    let proposer_credit =
        view(&*w.l1, w.r.d.finality, MultiProofFinality::creditCall(w.r.keys.proposer.address()))
            .await?;
    eyre::ensure!(
        proposer_credit >= w.r.bond * U256::from(2),
        "the right root's proposer is owed {proposer_credit} wei, not its bond and the wrong claim's"
    );
    say!(
        w,
        "the challenger withdrew {paid} wei: the claim bond ({claim_bond}) and the challenge's move bonds (its own back, and the lying defender's)"
    );
    say!(
        w,
        "the right root's proposer is owed {proposer_credit} wei of finality bonds: its own and the wrong claim's"
    );
    Ok(())
}

/// What the node's JSON-RPC (`tribunal_getGame`) and the explorer's claim page show of the wrong
/// claim's game: every bisection, and the proven one-step challenge.
async fn shows_the_bisection(
    w: &World,
    claim: u64,
    leaf: u64,
    bisections: usize,
) -> eyre::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tribunal_node::rpc::TribunalApiServer;
    let api = std::sync::Arc::new(w.rpc()?);
    let g = api.get_game(claim).await.map_err(|e| eyre::eyre!("getGame: {}", e.message()))?;
    let midpoints = g.positions.iter().filter(|p| p.kind == "midpoint").count();
    let step = g.positions.iter().find(|p| p.id == leaf);
    eyre::ensure!(
        g.positions.first().is_some_and(|p| p.kind == "root")
            && midpoints >= bisections
            && step.is_some_and(|p| p.proven && p.hi - p.lo == 1),
        "tribunal_getGame: no root, {midpoints} midpoints for {bisections} bisections, or no proven one-step challenge {leaf}: {g:?}"
    );
    let (addr, explorer) =
        tribunal_node::explorer::serve(api, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .await?;
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    let req = format!("GET /claim/{claim} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tcp.write_all(req.as_bytes()).await?;
    let mut page = String::new();
    tcp.read_to_string(&mut page).await?;
    explorer.stop().await;
    eyre::ensure!(
        page.contains(&format!("id=\"bisection-{claim}\""))
            && page.contains(&format!("<td>#{leaf}</td>"))
            && page.contains("badge skipped\">proven<"),
        "the explorer's claim page does not draw the bisection: {page}"
    );
    say!(
        w,
        "tribunal_getGame and the explorer show the game: {} positions, {midpoints} midpoints, challenge {leaf} proven",
        g.positions.len()
    );
    Ok(())
}

async fn op_window(w: &World) -> eyre::Result<u64> {
    let f = view(&*w.l1, w.r.d.finality, MultiProofFinality::OP_WINDOW_SECONDSCall {}).await?;
    Ok(f.max(w.r.game_params.window_secs))
}

async fn blobs_of(w: &World, n: u64) -> eyre::Result<Vec<alloy_eips::eip4844::Blob>> {
    let posted = tribunal_dispute::batches::posted(&*w.l1, w.r.d.inbox, n).await?;
    Ok(w.l1.blobs(&posted.map(|b| b.blob_hashes).unwrap_or_default()).await?)
}

/// Batch `n`'s L1 messages, from the `Inbox` queue.
async fn messages_of(w: &World, n: u64) -> eyre::Result<Vec<tribunal_primitives::Tx>> {
    Ok(tribunal_dispute::queue::batch_messages(&*w.l1, w.r.d.inbox, n).await?)
}

/// Waits, narrating the node, until claim `id`'s game has `status`.
async fn wait_for_game(w: &mut World, id: u64, status: u8) -> eyre::Result<()> {
    for _ in 0..600 {
        let now = view(&*w.l1, w.r.game.game, DisputeGame::statusCall { _claimId: U256::from(id) })
            .await?;
        if now == status {
            return Ok(());
        }
        w.drain();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eyre::bail!("claim {id}'s game did not reach status {status}")
}
