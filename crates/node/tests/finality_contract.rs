//! The finality rules on the deployed contracts (embedded L1): each test tries to break one rule
//! of docs/finality.md and is refused. The same attempts against the Rust model are in
//! `crates/finality/tests/rules.rs`; the differential test holds the two together.

mod common;

use alloy_primitives::{Address, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use common::{DAY, System, enclave, finality_error, inbox_error, run};
use tribunal_contracts::{Inbox, MultiProofFinality, SecurityCouncil, TeeVerifier};
use tribunal_l1::{DevL1, L1, L1Dev, L1Error, L1Receipt};
use tribunal_primitives::{Batch, BatchNumber, Claim, Fr, StateRoot};

type F = MultiProofFinality::MultiProofFinalityErrors;
type Council = SecurityCouncil::SecurityCouncilErrors;

fn council_error(e: &L1Error) -> Council {
    Council::abi_decode(e.revert_data().expect("a revert")).unwrap()
}

fn gas(name: &str, r: &L1Receipt) {
    eprintln!("gas {name}: {}", r.gas_used);
}

/// Posts batches 1..=n (empty, one blob each) and returns their claim templates.
async fn posted(sys: &System<'_, DevL1>, n: u64) -> Vec<Claim> {
    let mut claims = Vec::new();
    for b in 1..=n {
        claims.push(posted_next(sys, b).await);
    }
    claims
}

/// Posts batch `n` (empty, one blob) and returns its claim template.
async fn posted_next(sys: &System<'_, DevL1>, n: u64) -> Claim {
    let batch = Batch { chain_id: common::CHAIN, number: BatchNumber(n), txs: vec![] };
    sys.post(&sys.sequencer, &batch, 0).await.unwrap();
    let mut c = sys.context(BatchNumber(n)).await;
    c.data_commitment.0 = Fr::from(n);
    c
}

/// `template` with parent `parent` and post root `post`.
fn with_roots(template: &Claim, parent: StateRoot, post: u64) -> Claim {
    Claim { parent_root: parent, post_root: StateRoot(Fr::from(post)), ..*template }
}

/// `proposeAndSettle` of `c` with a proof the test verifier accepts and enclave 0's signature.
fn settle_call(sys: &System<'_, DevL1>, c: &Claim) -> MultiProofFinality::proposeAndSettleCall {
    MultiProofFinality::proposeAndSettleCall {
        _c: tribunal_dispute::claims::recast(&c.to_sol()),
        _proof: System::<DevL1>::zk_proof(c),
        _signature: sys.tee_signature(&enclave(0), c),
    }
}

async fn status(sys: &System<'_, DevL1>, id: u64) -> MultiProofFinality::Status {
    sys.view(sys.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) }).await
}

async fn finalize(sys: &System<'_, DevL1>, id: u64) -> Result<L1Receipt, L1Error> {
    let call = MultiProofFinality::finalizeCall { _c: sys.proposed(id).await };
    sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await
}

async fn resolve(sys: &System<'_, DevL1>, id: u64, for_claim: bool) {
    let call = tribunal_contracts::test_fixtures::TestDisputeGame::resolveCall {
        _claimId: U256::from(id),
        _forClaim: for_claim,
    };
    sys.send(&sys.stranger, sys.d.dispute_game, call, U256::ZERO).await.unwrap();
}

/// Deploys a test fixture from its creation code and ABI-encoded constructor arguments.
async fn deploy_fixture(sys: &System<'_, DevL1>, code: &[u8], args: Vec<u8>) -> Address {
    let create = tribunal_l1::L1Tx::create([code, &args].concat());
    sys.l1.send(&sys.stranger, create).await.unwrap().contract_address.unwrap()
}

fn genesis(sys: &System<'_, DevL1>) -> StateRoot {
    sys.state.root()
}

/// Posts batch 1 and proposes two rival claims over it (post roots 11 and 66), with their ids.
async fn rivals(sys: &System<'_, DevL1>) -> (Claim, u64, Claim, u64) {
    let t = posted_next(sys, 1).await;
    let cx = with_roots(&t, genesis(sys), 11);
    let cy = with_roots(&t, genesis(sys), 66);
    let x = sys.propose(&cx).await.unwrap();
    let y = sys.propose(&cy).await.unwrap();
    (cx, x, cy, y)
}

/// The legs' numbers the node and its tools use (`tribunal_contracts::leg`) are the contracts'.
#[test]
fn the_leg_numbers_are_the_contracts() {
    use tribunal_contracts::leg;
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let (f, c) = (sys.d.finality, sys.d.council);
        assert_eq!(sys.view(f, MultiProofFinality::LEG_ZKCall {}).await, leg::ZK);
        assert_eq!(sys.view(f, MultiProofFinality::LEG_TEECall {}).await, leg::TEE);
        assert_eq!(sys.view(f, MultiProofFinality::LEG_OPCall {}).await, leg::OP);
        assert_eq!(sys.view(c, SecurityCouncil::LEG_ZKCall {}).await, leg::ZK);
        assert_eq!(sys.view(c, SecurityCouncil::LEG_TEECall {}).await, leg::TEE);
        assert_eq!(sys.view(c, SecurityCouncil::LEG_OPCall {}).await, leg::OP);
    });
}

#[test]
fn tee_alone_or_op_alone_never_finalizes() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 1).await;
        let cx = with_roots(&t[0], genesis(&sys), 11);
        let x = sys.propose(&cx).await.unwrap();
        let y = sys.propose(&with_roots(&t[0], genesis(&sys), 12)).await.unwrap();
        let r = sys.attest_tee(x, sys.tee_signature(&enclave(0), &cx)).await;
        gas("attestTee", &r.unwrap());
        let err = finalize(&sys, x).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_WindowNotPassed(_)), "{err}");
        l1.increase_time(30 * DAY).await.unwrap();
        let err = finalize(&sys, x).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_OpNotFavouring(_)), "{err}");
        resolve(&sys, x, false).await;
        let err = finalize(&sys, x).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_OpNotFavouring(_)));
        // OP alone: the game favours y, but neither ZK nor TEE approves it.
        resolve(&sys, y, true).await;
        let err = finalize(&sys, y).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NoValidityApproval(_)), "{err}");
        assert!(!status(&sys, x).await.isFinal && !status(&sys, y).await.isFinal);
    });
}

#[test]
fn the_council_cannot_finalize_take_funds_or_upgrade_early() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 1).await;
        let x = sys.propose(&with_roots(&t[0], genesis(&sys), 11)).await.unwrap();
        let finalize = MultiProofFinality::finalizeCall { _c: sys.proposed(x).await };
        // Finalizing, paying bonds or withdrawals, posting: none is on the council's allowlist.
        let attempts: Vec<(Address, Vec<u8>)> = vec![
            (sys.d.finality, finalize.abi_encode()),
            (sys.d.finality, MultiProofFinality::withdrawCreditCall {}.abi_encode()),
            (
                sys.d.inbox,
                Inbox::claimWithdrawalCall {
                    _batchNumber: 1,
                    _index: 0,
                    _to: Address::repeat_byte(1),
                    _amount: 1,
                    _siblings: vec![],
                }
                .abi_encode(),
            ),
            (
                sys.d.inbox,
                Inbox::postBatchCall {
                    _batchNumber: 2,
                    _queueEnd: 0,
                    _queueAcc: alloy_primitives::B256::ZERO,
                }
                .abi_encode(),
            ),
        ];
        for (target, data) in attempts {
            let err = sys.council(target, data).await.unwrap_err();
            assert!(matches!(council_error(&err), Council::Council_CallNotAllowed(_)), "{err}");
        }
        // Anyone but the council calling the leg setters directly is refused.
        let direct = MultiProofFinality::setZkVerifierCall { _verifier: Address::repeat_byte(9) };
        let err = sys.send(&sys.stranger, sys.d.finality, direct, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NotCouncil(_)));
        let direct = TeeVerifier::revokeSignerCall { _signer: enclave(0).address() };
        let err =
            sys.send(&sys.stranger, sys.d.tee_verifier, direct, U256::ZERO).await.unwrap_err();
        assert!(TeeVerifier::TeeVerifierErrors::abi_decode(err.revert_data().unwrap()).is_ok());

        // The ZK verifier changes only after the 45-day timelock.
        let data = MultiProofFinality::setZkVerifierCall { _verifier: Address::repeat_byte(9) }
            .abi_encode();
        let (id, r) = sys.council(sys.d.finality, data.clone()).await.unwrap();
        gas("council submit (queued)", &r);
        let execute = SecurityCouncil::executeCall {
            _id: U256::from(id),
            _target: sys.d.finality,
            _data: Bytes::from(data),
        };
        l1.increase_time(45 * DAY - 60).await.unwrap();
        let err =
            sys.send(&sys.stranger, sys.d.council, execute.clone(), U256::ZERO).await.unwrap_err();
        assert!(matches!(council_error(&err), Council::Council_Timelocked(_)), "{err}");
        let zk = sys.view(sys.d.finality, MultiProofFinality::zkVerifierCall {}).await;
        assert_eq!(zk, sys.d.zk_verifier, "not upgraded early");
        l1.increase_time(60).await.unwrap();
        let r = sys.send(&sys.stranger, sys.d.council, execute, U256::ZERO).await.unwrap();
        gas("council execute (after the timelock)", &r);
        let zk = sys.view(sys.d.finality, MultiProofFinality::zkVerifierCall {}).await;
        assert_eq!(zk, Address::repeat_byte(9));
        // TEE logic changes at once.
        let revoke = TeeVerifier::revokeSignerCall { _signer: enclave(0).address() }.abi_encode();
        let (_, r) = sys.council(sys.d.tee_verifier, revoke).await.unwrap();
        assert!(r.logs.iter().any(|l| SecurityCouncil::ActionExecuted::decode_log(l).is_ok()));
        assert!(!status(&sys, x).await.isFinal);
    });
}

#[test]
fn a_non_final_parent_blocks_its_child() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 2).await;
        let parent_claim = with_roots(&t[0], genesis(&sys), 11);
        let parent = sys.propose(&parent_claim).await.unwrap();
        let child_claim = with_roots(&t[1], parent_claim.post_root, 22);
        let child = sys.propose(&child_claim).await.unwrap();
        sys.prove_zk(child, System::<DevL1>::zk_proof(&child_claim)).await.unwrap();
        sys.attest_tee(child, sys.tee_signature(&enclave(0), &child_claim)).await.unwrap();
        assert!(!status(&sys, child).await.isFinal, "ZK + TEE but the parent is not final");
        let err = finalize(&sys, child).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_ParentNotFinal(_)), "{err}");
        let r = sys.prove_zk(parent, System::<DevL1>::zk_proof(&parent_claim)).await.unwrap();
        gas("proveZk", &r);
        sys.attest_tee(parent, sys.tee_signature(&enclave(0), &parent_claim)).await.unwrap();
        assert!(status(&sys, parent).await.isFinal);
        let r = finalize(&sys, child).await.unwrap();
        gas("finalize (instant path, by call)", &r);
        let s = status(&sys, child).await;
        assert!(s.isFinal && s.path == 1);
        // Bonds: each proposer gets its own back.
        let credit =
            sys.view(sys.d.finality, MultiProofFinality::creditCall(sys.sequencer.address())).await;
        assert_eq!(credit, U256::from(2 * 10u128.pow(17)));
        let r = sys
            .send(
                &sys.sequencer,
                sys.d.finality,
                MultiProofFinality::withdrawCreditCall {},
                U256::ZERO,
            )
            .await
            .unwrap();
        gas("withdrawCredit", &r);
    });
}

#[test]
fn zk_and_tee_conflict_is_resolved_by_op_after_the_window() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let (cx, x, cy, y) = rivals(&sys).await;
        sys.prove_zk(x, System::<DevL1>::zk_proof(&cx)).await.unwrap();
        sys.attest_tee(y, sys.tee_signature(&enclave(0), &cy)).await.unwrap();
        assert!(!status(&sys, x).await.isFinal && !status(&sys, y).await.isFinal);
        resolve(&sys, x, true).await;
        resolve(&sys, y, false).await;
        let err = finalize(&sys, x).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_WindowNotPassed(_)));
        l1.increase_time(7 * DAY).await.unwrap();
        let err = finalize(&sys, y).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_OpNotFavouring(_)));
        let r = finalize(&sys, x).await.unwrap();
        gas("finalize (slow path, one rival claim)", &r);
        let s = status(&sys, x).await;
        assert!(s.isFinal && s.path == 2, "final by ZK + OP");
        let err = finalize(&sys, y).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_BatchAlreadyFinal(_)));
        // Anyone settles the loser: the TEE approved the losing root, and the winner's proposer
        // takes the loser's bond; once.
        let settle = MultiProofFinality::settleRivalCall { _id: U256::from(y) };
        let r = sys.send(&sys.stranger, sys.d.finality, settle.clone(), U256::ZERO).await.unwrap();
        gas("settleRival", &r);
        let faulty: Vec<_> = r
            .logs
            .iter()
            .filter_map(|l| MultiProofFinality::LegFaulty::decode_log(l).ok())
            .map(|e| (e.leg, e.id.to::<u64>()))
            .collect();
        assert_eq!(faulty, vec![(1, y)], "the TEE approved the losing root");
        let credit =
            sys.view(sys.d.finality, MultiProofFinality::creditCall(sys.sequencer.address())).await;
        assert_eq!(credit, U256::from(2 * 10u128.pow(17)));
        let again = sys.send(&sys.stranger, sys.d.finality, settle, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&again), F::Finality_NotARival(_)));
        let winner = MultiProofFinality::settleRivalCall { _id: U256::from(x) };
        let err = sys.send(&sys.stranger, sys.d.finality, winner, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NotARival(_)));
    });
}

#[test]
fn self_disagreement_freezes_the_leg_and_opens_the_instant_upgrade() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let (cx, x, cy, y) = rivals(&sys).await;
        let (sx, sy) = (sys.proposed(x).await, sys.proposed(y).await);
        let prove =
            |leg: u8, a: &MultiProofFinality::Claim, b: &MultiProofFinality::Claim, ea, eb| {
                MultiProofFinality::proveSelfDisagreementCall {
                    _leg: leg,
                    _a: a.clone(),
                    _b: b.clone(),
                    _evidenceA: ea,
                    _evidenceB: eb,
                }
            };
        let (px, py) = (System::<DevL1>::zk_proof(&cx), System::<DevL1>::zk_proof(&cy));
        // Bad evidence: the same claim twice, a proof that does not verify.
        for call in [
            prove(0, &sx, &sx, px.clone(), px.clone()),
            prove(0, &sx, &sy, px.clone(), px.clone()),
            prove(2, &sx, &sy, Bytes::new(), Bytes::new()),
        ] {
            let err = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap_err();
            assert!(matches!(finality_error(&err), F::Finality_InvalidEvidence(_)), "{err}");
        }
        let open = |leg: u8| MultiProofFinality::instantUpgradeAllowedCall { _leg: leg };
        assert!(!sys.view(sys.d.finality, open(0)).await);
        let r = sys
            .send(&sys.stranger, sys.d.finality, prove(0, &sx, &sy, px, py.clone()), U256::ZERO)
            .await
            .unwrap();
        gas("proveSelfDisagreement (ZK)", &r);
        assert!(r.logs.iter().any(|l| MultiProofFinality::LegFrozen::decode_log(l).is_ok()));
        assert!(sys.view(sys.d.finality, open(0)).await);
        assert!(!sys.view(sys.d.finality, open(2)).await, "only the frozen leg opens");
        // The frozen ZK leg counts as zero: ZK + TEE on y is not instant.
        sys.prove_zk(y, py).await.unwrap();
        sys.attest_tee(y, sys.tee_signature(&enclave(0), &cy)).await.unwrap();
        assert!(!status(&sys, y).await.isFinal);
        // Attack (review finding): "replacing" the frozen verifier by itself unfroze it at once.
        let same =
            MultiProofFinality::setZkVerifierCall { _verifier: sys.d.zk_verifier }.abi_encode();
        let err = council_error(&sys.council(sys.d.finality, same).await.unwrap_err());
        let Council::Council_CallFailed(failed) = err else { panic!("{err:?}") };
        assert!(matches!(F::abi_decode(&failed.reason), Ok(F::Finality_SameImplementation(_))));
        // The council replaces the ZK verifier at once, by another contract.
        let code = &tribunal_contracts::test_fixtures::TestZkVerifier::BYTECODE;
        let fresh = deploy_fixture(&sys, code, Vec::new()).await;
        let data = MultiProofFinality::setZkVerifierCall { _verifier: fresh }.abi_encode();
        let (_, r) = sys.council(sys.d.finality, data).await.unwrap();
        gas("council submit (executed at once)", &r);
        assert!(r.logs.iter().any(|l| SecurityCouncil::ActionExecuted::decode_log(l).is_ok()));
        assert!(!sys.view(sys.d.finality, open(0)).await, "closed again by the upgrade");
        // Proofs under the old verifier no longer count; a new one finalizes y with the TEE.
        assert!(!status(&sys, y).await.zk);
        sys.prove_zk(y, System::<DevL1>::zk_proof(&cy)).await.unwrap();
        assert!(status(&sys, y).await.isFinal);

        // Two TEE signatures over different roots for the same input freeze the TEE leg.
        let t2 = posted_next(&sys, 2).await;
        let c1 = with_roots(&t2, cy.post_root, 21);
        let c2 = with_roots(&t2, cy.post_root, 22);
        let a = sys.propose(&c1).await.unwrap();
        let b = sys.propose(&c2).await.unwrap();
        let (sa, sb) = (sys.tee_signature(&enclave(0), &c1), sys.tee_signature(&enclave(0), &c2));
        let (ca, cb) = (sys.proposed(a).await, sys.proposed(b).await);
        sys.send(&sys.stranger, sys.d.finality, prove(1, &ca, &cb, sa, sb), U256::ZERO)
            .await
            .unwrap();
        assert!(sys.view(sys.d.finality, open(1)).await);
    });
}

#[test]
fn liveness_failure_opens_the_instant_upgrade() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let record = MultiProofFinality::recordLivenessFailureCall {};
        let err =
            sys.send(&sys.stranger, sys.d.finality, record.clone(), U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_ChainLive(_)), "nothing pending");
        let t = posted(&sys, 1).await;
        let r_prop = sys.propose(&with_roots(&t[0], genesis(&sys), 11)).await;
        r_prop.unwrap();
        let err =
            sys.send(&sys.stranger, sys.d.finality, record.clone(), U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_ChainLive(_)), "not stalled yet");
        l1.increase_time(7 * DAY).await.unwrap();
        let err =
            sys.send(&sys.stranger, sys.d.finality, record.clone(), U256::ZERO).await.unwrap_err();
        assert!(
            matches!(finality_error(&err), F::Finality_ChainLive(_)),
            "the OP window alone is not a stall: a slow-path claim may finalize just after it"
        );
        l1.increase_time(7 * DAY).await.unwrap();
        let r = sys.send(&sys.stranger, sys.d.finality, record.clone(), U256::ZERO).await.unwrap();
        gas("recordLivenessFailure", &r);
        let err = sys.send(&sys.stranger, sys.d.finality, record, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_LivenessAlreadyRecorded(_)));
        for leg in [0u8, 1, 2] {
            let open = MultiProofFinality::instantUpgradeAllowedCall { _leg: leg };
            assert!(sys.view(sys.d.finality, open).await);
        }
        let data =
            MultiProofFinality::setDisputeGameCall { _game: Address::repeat_byte(7) }.abi_encode();
        let (_, r) = sys.council(sys.d.finality, data).await.unwrap();
        assert!(r.logs.iter().any(|l| SecurityCouncil::ActionExecuted::decode_log(l).is_ok()));
    });
}

/// Attack (review finding): at zero delay the council installed a TEE verifier whose
/// `isValidSigner` reverts (or burns its gas, or answers garbage). `_finalizable` called it
/// before the OP check, so every `finalize` reverted, ZK + OP included, and a week later anyone
/// could record a liveness failure that opened every leg to the council. Now the TEE is read
/// with bounded gas, any failure is "no TEE approval", and the ZK + OP claim finalizes; no
/// liveness failure can be recorded while it is finalizable. Either order of the approvals: the
/// TEE signature that would complete the instant path does not finalize at once on a verifier
/// whose `recover` says valid while `isValidSigner` fails (review finding: a gas saving skipped
/// that second read).
#[test]
fn council_cannot_manufacture_a_liveness_failure() {
    use alloy_sol_types::SolConstructor;
    use tribunal_contracts::test_fixtures::HostileTeeVerifier;
    run(async {
        for (mode, zk_first) in (0..3u8).flat_map(|m| [(m, false), (m, true)]) {
            let l1 = DevL1::new();
            let sys = System::deploy(&l1).await;
            let t = posted(&sys, 1).await;
            let c = with_roots(&t[0], genesis(&sys), 11);
            let id = sys.propose(&c).await.unwrap();
            let args = HostileTeeVerifier::constructorCall { _mode: mode }.abi_encode();
            let hostile = deploy_fixture(&sys, &HostileTeeVerifier::BYTECODE, args).await;
            let swap = MultiProofFinality::setTeeVerifierCall { _verifier: hostile }.abi_encode();
            sys.council(sys.d.finality, swap).await.unwrap();
            // The hostile verifier "approves" the claim, so every read of the TEE leg hits it.
            let tee = async || sys.attest_tee(id, Bytes::from(vec![1; 65])).await.unwrap();
            let zk = async || sys.prove_zk(id, System::<DevL1>::zk_proof(&c)).await.unwrap();
            if zk_first {
                zk().await;
                tee().await;
            } else {
                tee().await;
                zk().await;
            }
            assert!(!status(&sys, id).await.isFinal, "mode {mode}: final at once");
            resolve(&sys, id, true).await;
            l1.increase_time(14 * DAY).await.unwrap();
            l1.mine().await.unwrap();
            let record = MultiProofFinality::recordLivenessFailureCall {};
            let err =
                sys.send(&sys.stranger, sys.d.finality, record, U256::ZERO).await.unwrap_err();
            assert!(
                matches!(finality_error(&err), F::Finality_ChainLive(_)),
                "mode {mode}: a liveness failure while a ZK + OP claim is finalizable"
            );
            let r = finalize(&sys, id).await.unwrap_or_else(|e| panic!("mode {mode}: {e}"));
            gas(&format!("finalize with a hostile TEE verifier (mode {mode})"), &r);
            let s = status(&sys, id).await;
            assert!(s.isFinal && s.path == 2, "mode {mode}: final through ZK + OP: {s:?}");
        }
    });
}

/// Attack (review finding): `propose` is permissionless and finalization looped over every
/// claim of the batch, so about 1,100 rival claims pushed `finalize`, `proveZk` and `attestTee`
/// past the 2^24 per-transaction gas cap (EIP-7825) and halted the chain. Now the right claim
/// finalizes for the same gas with 2,000 rivals as with none.
#[test]
fn finalizing_costs_the_same_with_2000_rival_claims() {
    run(async {
        let mut gas_used = Vec::new();
        for rivals in [0u64, 2_000] {
            let l1 = DevL1::new();
            let sys = System::deploy(&l1).await;
            let t = posted(&sys, 1).await;
            for k in 0..rivals {
                sys.propose(&with_roots(&t[0], genesis(&sys), 1_000 + k)).await.unwrap();
            }
            let c = with_roots(&t[0], genesis(&sys), 11);
            let id = sys.propose(&c).await.unwrap();
            sys.prove_zk(id, System::<DevL1>::zk_proof(&c)).await.unwrap();
            let r = sys.attest_tee(id, sys.tee_signature(&enclave(0), &c)).await.unwrap();
            assert!(status(&sys, id).await.isFinal, "final at once");
            gas(&format!("attestTee finalizing at once, {rivals} rival claims"), &r);
            gas_used.push(r.gas_used);
        }
        let (none, many) = (gas_used[0], gas_used[1]);
        assert!(many.abs_diff(none) < 5_000, "{none} gas with no rival, {many} with 2,000");
    });
}

/// Attack (review finding): a leg's two approved results for one input both counted until
/// someone submitted the evidence, and another data commitment for the same batch was another
/// input. Now the second approved result in an epoch freezes the leg in the same transaction,
/// whichever field differs.
#[test]
fn a_leg_approving_a_second_result_is_frozen_at_once() {
    run(async {
        for leg in [0u8, 1] {
            let l1 = DevL1::new();
            let sys = System::deploy(&l1).await;
            let t = posted_next(&sys, 1).await;
            let x = with_roots(&t, genesis(&sys), 11);
            let mut reread = x;
            reread.data_commitment.0 = Fr::from(4242u64);
            let (ix, iy) = (sys.propose(&x).await.unwrap(), sys.propose(&reread).await.unwrap());
            let approve = async |id: u64, c: &Claim| match leg {
                0 => sys.prove_zk(id, System::<DevL1>::zk_proof(c)).await.unwrap(),
                _ => sys.attest_tee(id, sys.tee_signature(&enclave(0), c)).await.unwrap(),
            };
            let frozen = MultiProofFinality::frozenCall(U256::from(leg));
            approve(ix, &x).await;
            approve(ix, &x).await;
            assert!(!sys.view(sys.d.finality, frozen.clone()).await, "leg {leg}: one result");
            let r = approve(iy, &reread).await;
            gas(&format!("approval freezing leg {leg}"), &r);
            let ev = r.logs.iter().find_map(|l| MultiProofFinality::LegFrozen::decode_log(l).ok());
            let ev = ev.unwrap_or_else(|| panic!("leg {leg}: no LegFrozen"));
            assert_eq!((ev.leg, ev.a, ev.b), (leg, U256::from(ix), U256::from(iy)));
            assert!(sys.view(sys.d.finality, frozen).await);
        }
    });
}

/// Attack on a gas saving: a call that finalizes a claim at once does not note its approvals
/// per input (a slot less on the instant path). A leg that then approves another result for the
/// same input, a rival proposed before the batch was final, must still be frozen at once (rule
/// 5), exactly as if the approval had been noted; approving the final claim again must not.
#[test]
fn a_second_result_after_an_instant_finalization_still_freezes_the_leg() {
    run(async {
        for (leg, rival) in [(0u8, false), (0, true), (1, false), (1, true)] {
            let l1 = DevL1::new();
            let sys = System::deploy(&l1).await;
            let t = posted_next(&sys, 1).await;
            let x = with_roots(&t, genesis(&sys), 11);
            let y = with_roots(&t, genesis(&sys), 66);
            let (ix, iy) = (sys.propose(&x).await.unwrap(), sys.propose(&y).await.unwrap());
            let bundle = MultiProofFinality::proveAndAttestCall {
                _c: sys.proposed(ix).await,
                _proof: System::<DevL1>::zk_proof(&x),
                _signature: sys.tee_signature(&enclave(0), &x),
            };
            sys.send(&sys.stranger, sys.d.finality, bundle, U256::ZERO).await.unwrap();
            assert!(status(&sys, ix).await.isFinal, "x is final at once");
            let (id, c) = if rival { (iy, &y) } else { (ix, &x) };
            let r = match leg {
                0 => sys.prove_zk(id, System::<DevL1>::zk_proof(c)).await.unwrap(),
                _ => sys.attest_tee(id, sys.tee_signature(&enclave(0), c)).await.unwrap(),
            };
            let ev = r.logs.iter().find_map(|l| MultiProofFinality::LegFrozen::decode_log(l).ok());
            let frozen = sys.view(sys.d.finality, MultiProofFinality::frozenCall(U256::from(leg)));
            if rival {
                let ev =
                    ev.unwrap_or_else(|| panic!("leg {leg}: y approved after x, no LegFrozen"));
                assert_eq!((ev.leg, ev.a, ev.b), (leg, U256::from(ix), U256::from(iy)));
                assert!(frozen.await, "leg {leg}");
            } else {
                assert!(ev.is_none() && !frozen.await, "leg {leg}: x approved again froze it");
            }
        }
    });
}

/// Attack (review finding): `recordLivenessFailure` and `instantUpgradeAllowed` read every claim
/// of the stalled batch, so an attacker who kept the chain stalled could propose about 1,500
/// junk claims (bonds only) and push the liveness escape past the 2^24 per-transaction gas cap
/// (EIP-7825): the council could never be let in to repair the chain. Now both read at most the
/// claims ZK and TEE approved last for the batch over its final parent (a leg that approved two
/// is frozen at once), so 2,000 junk claims cost the escape nothing.
#[test]
fn junk_claims_cannot_block_the_liveness_escape() {
    run(async {
        let mut gas_used = Vec::new();
        for junk in [0u64, 2_000] {
            let l1 = DevL1::new();
            let sys = System::deploy(&l1).await;
            let t = posted(&sys, 1).await;
            let honest = with_roots(&t[0], genesis(&sys), 11);
            sys.propose(&honest).await.unwrap();
            for k in 0..junk {
                sys.propose(&with_roots(&t[0], genesis(&sys), 1_000 + k)).await.unwrap();
            }
            l1.increase_time(14 * DAY).await.unwrap();
            let record = MultiProofFinality::recordLivenessFailureCall {};
            let r = sys
                .send(&sys.stranger, sys.d.finality, record, U256::ZERO)
                .await
                .unwrap_or_else(|e| panic!("{junk} junk claims: {e}"));
            gas(&format!("recordLivenessFailure, {junk} junk claims"), &r);
            // The council's instant replacement of a leg that approved nothing goes through.
            let data = MultiProofFinality::setDisputeGameCall { _game: Address::repeat_byte(7) }
                .abi_encode();
            let (_, c) = sys.council(sys.d.finality, data).await.unwrap();
            assert!(c.logs.iter().any(|l| SecurityCouncil::ActionExecuted::decode_log(l).is_ok()));
            gas_used.push((r.gas_used, c.gas_used));
        }
        let ((none, council_none), (many, council_many)) = (gas_used[0], gas_used[1]);
        assert!(many.abs_diff(none) < 5_000, "{none} gas with no junk, {many} with 2,000");
        assert!(
            council_many.abs_diff(council_none) < 5_000,
            "council upgrade: {council_none} gas with no junk, {council_many} with 2,000"
        );
    });
}

/// Attack (review of the O(1) escape): a game the council has queued can already resolve games
/// before it is installed; its resolutions were not recorded, so once installed it favoured the
/// stalled batch's claim while a liveness failure still opened the OP leg to an instant
/// replacement. Resolutions are now recorded for the game that reports them, and read for the
/// current game.
#[test]
fn a_game_that_resolved_before_it_was_installed_keeps_the_op_leg() {
    use alloy_sol_types::SolConstructor;
    use tribunal_contracts::test_fixtures::TestDisputeGame;
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 1).await;
        let x = sys.propose(&with_roots(&t[0], genesis(&sys), 11)).await.unwrap();
        let args = TestDisputeGame::constructorCall { _finality: sys.d.finality }.abi_encode();
        let next_game = deploy_fixture(&sys, &TestDisputeGame::BYTECODE, args).await;
        let data = MultiProofFinality::setDisputeGameCall { _game: next_game }.abi_encode();
        let (id, _) = sys.council(sys.d.finality, data.clone()).await.unwrap();
        // While queued, the next game resolves for the claim.
        let resolve = TestDisputeGame::resolveCall { _claimId: U256::from(x), _forClaim: true };
        sys.send(&sys.stranger, next_game, resolve, U256::ZERO).await.unwrap();
        l1.increase_time(45 * DAY).await.unwrap();
        let execute = SecurityCouncil::executeCall {
            _id: U256::from(id),
            _target: sys.d.finality,
            _data: data.into(),
        };
        sys.send(&sys.stranger, sys.d.council, execute, U256::ZERO).await.unwrap();
        assert_eq!(
            sys.view(sys.d.finality, MultiProofFinality::disputeGameCall {}).await,
            next_game
        );
        let record = MultiProofFinality::recordLivenessFailureCall {};
        sys.send(&sys.stranger, sys.d.finality, record, U256::ZERO).await.unwrap();
        let open = |leg: u8| MultiProofFinality::instantUpgradeAllowedCall { _leg: leg };
        assert!(!sys.view(sys.d.finality, open(2)).await, "the current game favours the claim");
        assert!(sys.view(sys.d.finality, open(0)).await, "ZK approved nothing");
    });
}

/// Attack (review finding): ZK and TEE approve different roots, both games resolve for their
/// claims, and the attacker bundles `resolve` and `finalize` of the TEE-backed rival: the first
/// caller broke the tie. Now neither finalizes until OP rules against the other, and OP favouring
/// both is OP self-disagreement.
#[test]
fn the_first_caller_cannot_break_a_zk_tee_tie() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let (cx, x, cy, y) = rivals(&sys).await;
        sys.prove_zk(x, System::<DevL1>::zk_proof(&cx)).await.unwrap();
        sys.attest_tee(y, sys.tee_signature(&enclave(0), &cy)).await.unwrap();
        l1.increase_time(7 * DAY).await.unwrap();
        resolve(&sys, y, true).await;
        let err = finalize(&sys, y).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_OpUndecided(_)), "TEE's rival first");
        resolve(&sys, x, true).await;
        let err = finalize(&sys, x).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_OpUndecided(_)), "nor ZK's");
        let call = MultiProofFinality::proveSelfDisagreementCall {
            _leg: 2,
            _a: sys.proposed(x).await,
            _b: sys.proposed(y).await,
            _evidenceA: Bytes::new(),
            _evidenceB: Bytes::new(),
        };
        sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
        assert!(sys.view(sys.d.finality, MultiProofFinality::frozenCall(U256::from(2))).await);
    });
}

/// Attack (review finding): a leg approving the same post root with two withdrawal roots was
/// never evidence, although the bridge pays against the withdrawal root. Nor with two data
/// commitments (two readings of the same posted data). The contract keeps neither field, so
/// two claims over one input are two results by their ids alone: each variant is evidence, and
/// the rival that lost is recorded faulty by `settleRival` (rule 4).
#[test]
fn two_withdrawal_roots_for_one_input_are_self_disagreement() {
    use tribunal_primitives::{DataCommitment, WithdrawalRoot};
    run(async {
        for (variant, settle) in [(0, false), (1, false), (0, true), (1, true)] {
            let l1 = DevL1::new();
            let sys = System::deploy(&l1).await;
            let t = posted_next(&sys, 1).await;
            let a = with_roots(&t, genesis(&sys), 11);
            let b = match variant {
                0 => Claim { withdrawal_root: WithdrawalRoot(Fr::from(999u64)), ..a },
                _ => Claim { data_commitment: DataCommitment(Fr::from(999u64)), ..a },
            };
            let (ia, ib) = (sys.propose(&a).await.unwrap(), sys.propose(&b).await.unwrap());
            if !settle {
                let call = MultiProofFinality::proveSelfDisagreementCall {
                    _leg: 0,
                    _a: sys.proposed(ia).await,
                    _b: sys.proposed(ib).await,
                    _evidenceA: System::<DevL1>::zk_proof(&a),
                    _evidenceB: System::<DevL1>::zk_proof(&b),
                };
                sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
                assert!(sys.view(sys.d.finality, MultiProofFinality::frozenCall(U256::ZERO)).await);
                continue;
            }
            // ZK approves `a` and TEE `b`; OP rules for `a`, which finalizes on the slow path:
            // `b` lost, and TEE, which approved it, is recorded faulty.
            sys.attest_tee(ib, sys.tee_signature(&enclave(0), &b)).await.unwrap();
            sys.prove_zk(ia, System::<DevL1>::zk_proof(&a)).await.unwrap();
            l1.increase_time(7 * DAY).await.unwrap();
            resolve(&sys, ia, true).await;
            resolve(&sys, ib, false).await;
            finalize(&sys, ia).await.unwrap();
            let call = MultiProofFinality::settleRivalCall { _id: U256::from(ib) };
            let r = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
            let faulty: Vec<u8> = r
                .logs
                .iter()
                .filter_map(|l| MultiProofFinality::LegFaulty::decode_log(l).ok())
                .map(|e| e.leg)
                .collect();
            assert_eq!(faulty, [1], "variant {variant}: TEE approved the losing result");
        }
    });
}

/// `proveAndAttest` settles both validity legs in one transaction: final at once, cheaper than the
/// two calls, and all or nothing (a bad signature leaves no ZK approval behind, and a proof for
/// another claim is refused as by `proveZk`).
#[test]
fn one_transaction_carries_both_validity_legs() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 1).await;
        let c1 = with_roots(&t[0], genesis(&sys), 11);
        let id1 = sys.propose(&c1).await.unwrap();
        let s1 = sys.proposed(id1).await;
        let bundle =
            |_: u64, proof: Bytes, signature: Bytes| MultiProofFinality::proveAndAttestCall {
                _c: s1.clone(),
                _proof: proof,
                _signature: signature,
            };
        let zk1 = System::<DevL1>::zk_proof(&c1);
        let sig1 = sys.tee_signature(&enclave(0), &c1);

        // All or nothing: an unregistered signer reverts the call, and ZK's approval with it.
        let forged = sys.tee_signature(&tribunal_l1::dev_signers()[9], &c1);
        let call = bundle(id1, zk1.clone(), forged);
        let err = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_InvalidSigner(_)), "{err}");
        assert!(!status(&sys, id1).await.zk, "the reverted call left a ZK approval");
        // A proof of another claim is refused, whatever signature rides with it.
        let other = with_roots(&t[0], genesis(&sys), 12);
        let call = bundle(id1, System::<DevL1>::zk_proof(&other), sig1.clone());
        let err = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_InvalidProof(_)), "{err}");

        let r = sys.send(&sys.stranger, sys.d.finality, bundle(id1, zk1, sig1), U256::ZERO).await;
        let bundled = r.unwrap();
        gas("proveAndAttest", &bundled);
        let s = status(&sys, id1).await;
        assert!(s.isFinal && s.path == 1, "final at once on the instant path");

        // The same settlement in two calls, on a fresh deployment in the same state, costs more.
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 1).await;
        let c1 = with_roots(&t[0], genesis(&sys), 11);
        let id1 = sys.propose(&c1).await.unwrap();
        let zk = sys.prove_zk(id1, System::<DevL1>::zk_proof(&c1)).await.unwrap();
        let tee = sys.attest_tee(id1, sys.tee_signature(&enclave(0), &c1)).await.unwrap();
        assert!(status(&sys, id1).await.isFinal);
        let separate = zk.gas_used + tee.gas_used;
        eprintln!("gas proveZk + attestTee: {separate}");
        assert!(
            bundled.gas_used + 21_000 < separate,
            "one transaction saves at least the second one's base cost: {} vs {separate}",
            bundled.gas_used
        );
    });
}

/// `proposeAndSettle` proposes and settles both validity legs in one transaction: final at once
/// and cheaper than `propose` + `proveAndAttest`; all or nothing (a signature that does not
/// count leaves no claim behind); a claim whose context is not the inbox's is refused; it takes
/// no bond; and a front-run (the identical claim proposed first) is settled as it stands, its
/// bond returned to its proposer.
#[test]
fn a_proposal_and_both_validity_legs_settle_in_one_transaction() {
    run(async {
        let bond = U256::from(10u128.pow(17));
        let settle =
            |c: &Claim, proof: Bytes, signature: Bytes| MultiProofFinality::proposeAndSettleCall {
                _c: tribunal_dispute::claims::recast(&c.to_sol()),
                _proof: proof,
                _signature: signature,
            };

        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 2).await;
        let c1 = with_roots(&t[0], genesis(&sys), 11);
        let (zk1, sig1) = (System::<DevL1>::zk_proof(&c1), sys.tee_signature(&enclave(0), &c1));

        // All or nothing: a signer that is not registered reverts the call, and no claim stays.
        let forged = sys.tee_signature(&tribunal_l1::dev_signers()[9], &c1);
        let call = settle(&c1, zk1.clone(), forged);
        let err = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_InvalidSigner(_)), "{err}");
        assert_eq!(
            sys.view(sys.d.finality, MultiProofFinality::claimCountCall {}).await,
            U256::ZERO,
            "the reverted call left a claim"
        );
        // A context the inbox does not hold (another queue accumulator) is refused.
        let mut wrong = c1;
        wrong.queue_after = tribunal_primitives::queue::QueueAcc(Fr::from(7u64));
        let call = settle(
            &wrong,
            System::<DevL1>::zk_proof(&wrong),
            sys.tee_signature(&enclave(0), &wrong),
        );
        let err = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_WrongContext(_)), "{err}");
        // A claim whose parent is not final would only be pending: refused as not instant.
        let c2 = with_roots(&t[1], StateRoot(Fr::from(11u64)), 12);
        let call = settle(&c2, System::<DevL1>::zk_proof(&c2), sys.tee_signature(&enclave(0), &c2));
        let err = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NotInstant(_)), "{err}");
        // No bond: a claim final at once has no game to pay for.
        let call = settle(&c1, zk1.clone(), sig1.clone());
        let err = sys.send(&sys.stranger, sys.d.finality, call, bond).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_WrongBond(_)), "{err}");

        let one = sys.send(&sys.stranger, sys.d.finality, settle(&c1, zk1, sig1), U256::ZERO).await;
        let one = one.unwrap();
        gas("proposeAndSettle", &one);
        let s = status(&sys, 0).await;
        assert!(s.isFinal && s.path == 1 && s.zk && s.tee, "final at once on the instant path");

        // Front-run: the identical claim of batch 2 proposed first is settled as it stands.
        let id2 = sys.propose(&c2).await.unwrap();
        let call = settle(&c2, System::<DevL1>::zk_proof(&c2), sys.tee_signature(&enclave(0), &c2));
        sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
        let s = status(&sys, id2).await;
        assert!(s.isFinal && s.path == 1);
        assert_eq!(
            sys.view(sys.d.finality, MultiProofFinality::claimCountCall {}).await,
            U256::from(2),
            "no second claim"
        );
        let credit = |a: Address| MultiProofFinality::creditCall(a);
        assert_eq!(
            sys.view(sys.d.finality, credit(sys.sequencer.address())).await,
            bond,
            "the front-runner's bond returns to it"
        );
        assert_eq!(
            sys.view(sys.d.finality, credit(sys.stranger.address())).await,
            U256::ZERO,
            "nothing was bonded by the settler"
        );

        // The same settlement as `propose` + `proveAndAttest`, on a fresh deployment in the same
        // state, costs more.
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 1).await;
        let c1 = with_roots(&t[0], genesis(&sys), 11);
        let call = common::claim_propose_call(&c1);
        let proposed = sys.send(&sys.stranger, sys.d.finality, call, bond).await.unwrap();
        let call = MultiProofFinality::proveAndAttestCall {
            _c: sys.proposed(0).await,
            _proof: System::<DevL1>::zk_proof(&c1),
            _signature: sys.tee_signature(&enclave(0), &c1),
        };
        let settled = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
        assert!(status(&sys, 0).await.isFinal);
        let separate = proposed.gas_used + settled.gas_used;
        eprintln!("gas propose + proveAndAttest: {separate}");
        assert!(
            one.gas_used + 90_000 < separate,
            "one transaction saves the second one's base cost, the record's cold reads, the parent root, the index and the bond: {} vs {separate}",
            one.gas_used
        );
    });
}

/// A claim settled in its own proposal on a batch with no other claim is recorded without its
/// parent root and claim index. Attack: use what is missing. Every read by id or batch still
/// finds it (status, final claim, withdrawal root, proposer, proposal block); a call that passes
/// it back is refused as not proposed, and so is another claim of its batch (the batch is
/// final), so no rule ever needs to compare a claim with it. The next batch builds on its post
/// root.
#[test]
fn a_claim_settled_alone_is_read_by_id_and_matched_by_nothing() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 2).await;
        let c1 = with_roots(&t[0], genesis(&sys), 11);
        let call = settle_call(&sys, &c1);
        let r = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
        gas("proposeAndSettle, alone", &r);
        let f = sys.d.finality;
        let s = status(&sys, 0).await;
        assert!(s.isFinal && s.path == 1 && s.zk && s.tee && s.parentFinal && s.superseded);
        let fin = sys.view(f, MultiProofFinality::finalClaimOfCall { _batchNumber: 1 }).await;
        assert!(fin.isFinal && fin.id == U256::ZERO);
        let w = sys.view(f, MultiProofFinality::finalWithdrawalRootCall { _batchNumber: 1 }).await;
        let sol: MultiProofFinality::Claim = tribunal_dispute::claims::recast(&c1.to_sol());
        assert!(w.isFinal && w.withdrawalRoot == sol.withdrawalRoot);
        let who = sys.view(f, MultiProofFinality::proposerOfCall { _id: U256::ZERO }).await;
        assert_eq!(who, Address::ZERO, "no bond, no stored proposer");
        let at = sys.view(f, MultiProofFinality::proposedAtOfCall { _id: U256::ZERO }).await;
        assert!(at != 0 && at == s.finalAt, "its batch's first proposal, when it finalized");
        let log = tribunal_dispute::claims::proposal(&l1, f, 0).await.unwrap().unwrap();
        assert_eq!(log.proposer, sys.stranger.address(), "its sender, in its log");
        assert_eq!(sys.proposed(0).await, sol, "its ClaimProposed log");
        let idx = sys.view(f, MultiProofFinality::idOfCall { _c: sys.proposed(0).await }).await;
        assert!(!idx.proposed, "not indexed");

        // Passing it back finds nothing.
        let err = sys.prove_zk(0, System::<DevL1>::zk_proof(&c1)).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NotProposed(_)), "{err}");
        let err = finalize(&sys, 0).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NotProposed(_)), "{err}");
        // Neither it again nor a rival can be proposed: the batch is final.
        for post in [11, 66] {
            let err = sys.propose(&with_roots(&t[0], genesis(&sys), post)).await.unwrap_err();
            assert!(matches!(finality_error(&err), F::Finality_BatchAlreadyFinal(_)), "{err}");
        }
        let c1b = with_roots(&t[0], genesis(&sys), 66);
        let call = settle_call(&sys, &c1b);
        let err = sys.send(&sys.stranger, f, call, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_BatchAlreadyFinal(_)), "{err}");
        // No game can be opened against it either.
        let settle_rival = MultiProofFinality::settleRivalCall { _id: U256::ZERO };
        let err = sys.send(&sys.stranger, f, settle_rival, U256::ZERO).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NotARival(_)), "{err}");

        // The next batch builds on it, by either path.
        let c2 = with_roots(&t[1], StateRoot(Fr::from(11u64)), 12);
        let id2 = sys.propose(&c2).await.unwrap();
        assert!(status(&sys, id2).await.parentFinal, "the parent of batch 2 is final");
        sys.prove_zk(id2, System::<DevL1>::zk_proof(&c2)).await.unwrap();
        sys.attest_tee(id2, sys.tee_signature(&enclave(0), &c2)).await.unwrap();
        assert!(status(&sys, id2).await.isFinal);
    });
}

/// Attack: front-run a settlement with a rival claim of the same batch, to take the cheap record
/// away (and, were the record still the cheap one, to leave the rules nothing to compare the
/// rival with). The settlement then records the claim whole: the rival is settled against it,
/// its bond goes to the settler, and a leg that approved the rival is recorded faulty (rule 4)
/// or frozen when it approves both (rule 5). The attacker loses its bond and its gas; the
/// settler pays the full record, measured here.
#[test]
fn a_rival_proposed_first_makes_the_settlement_record_the_claim_whole() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted_next(&sys, 1).await;
        let honest = with_roots(&t, genesis(&sys), 11);
        let junk = with_roots(&t, genesis(&sys), 66);
        let rival = sys.propose(&junk).await.unwrap();
        // The TEE signed the rival before (a compromised enclave, say).
        sys.attest_tee(rival, sys.tee_signature(&enclave(0), &junk)).await.unwrap();
        let call = settle_call(&sys, &honest);
        let r = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await;
        // TEE approved two results for one input in one epoch: frozen at once (rule 5), so the
        // claim is not final at once and the whole call reverts.
        let err = r.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_NotInstant(_)), "{err}");

        // Without the TEE's second result: the settlement records the claim whole.
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted_next(&sys, 1).await;
        let honest = with_roots(&t, genesis(&sys), 11);
        let rival = sys.propose(&with_roots(&t, genesis(&sys), 66)).await.unwrap();
        let call = settle_call(&sys, &honest);
        let whole = sys.send(&sys.stranger, sys.d.finality, call, U256::ZERO).await.unwrap();
        gas("proposeAndSettle, behind a rival", &whole);
        let id = rival + 1;
        assert!(status(&sys, id).await.isFinal);
        let f = sys.d.finality;
        let idx = sys.view(f, MultiProofFinality::idOfCall { _c: sys.proposed(id).await }).await;
        assert!(idx.proposed && idx.id == U256::from(id), "recorded whole, indexed");
        let settle_rival = MultiProofFinality::settleRivalCall { _id: U256::from(rival) };
        sys.send(&sys.sequencer, f, settle_rival, U256::ZERO).await.unwrap();
        let owed = sys.view(f, MultiProofFinality::creditCall(sys.stranger.address())).await;
        assert_eq!(owed, U256::from(10u128.pow(17)), "the rival's bond, and only that");
    });
}

/// Attack (review finding): two claims over an invented parent root are never challenged (no
/// challenger can trace a transition from a state nobody knows), so both games resolve for them;
/// that was taken as OP self-disagreement, which froze the OP leg and lifted its timelock for
/// the cost of two bonds. OP's evidence now counts only over the batch's final parent.
#[test]
fn unchallengeable_claims_over_an_invented_parent_do_not_freeze_op() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted_next(&sys, 1).await;
        let invented = StateRoot(Fr::from(424242u64));
        let a = sys.propose(&with_roots(&t, invented, 1)).await.unwrap();
        let b = sys.propose(&with_roots(&t, invented, 2)).await.unwrap();
        l1.increase_time(7 * DAY).await.unwrap();
        resolve(&sys, a, true).await;
        resolve(&sys, b, true).await;
        let evidence = |a: MultiProofFinality::Claim, b: MultiProofFinality::Claim| {
            MultiProofFinality::proveSelfDisagreementCall {
                _leg: 2,
                _a: a,
                _b: b,
                _evidenceA: Bytes::new(),
                _evidenceB: Bytes::new(),
            }
        };
        let (sa, sb) = (sys.proposed(a).await, sys.proposed(b).await);
        let e = sys.send(&sys.stranger, sys.d.finality, evidence(sa, sb), U256::ZERO).await;
        assert!(matches!(finality_error(&e.unwrap_err()), F::Finality_InvalidEvidence(_)));
        assert!(!sys.view(sys.d.finality, MultiProofFinality::frozenCall(U256::from(2))).await);
        let open = MultiProofFinality::instantUpgradeAllowedCall { _leg: 2 };
        assert!(!sys.view(sys.d.finality, open).await, "the OP timelock still holds");
        // Over the final parent (genesis), the same is evidence.
        let c = sys.propose(&with_roots(&t, genesis(&sys), 3)).await.unwrap();
        let d = sys.propose(&with_roots(&t, genesis(&sys), 4)).await.unwrap();
        l1.increase_time(7 * DAY).await.unwrap();
        resolve(&sys, c, true).await;
        resolve(&sys, d, true).await;
        let (sc, sd) = (sys.proposed(c).await, sys.proposed(d).await);
        sys.send(&sys.stranger, sys.d.finality, evidence(sc, sd), U256::ZERO).await.unwrap();
        assert!(sys.view(sys.d.finality, MultiProofFinality::frozenCall(U256::from(2))).await);
    });
}

/// Attack: a claim whose post root (or any root or commitment) is no BN254 field element can
/// never be proven, attested or traced, so the honest challenger could not dispute it: it would
/// stand through its window, OP would favour it beside the right claim, and that would read as
/// OP disagreeing with itself (a frozen leg, for the price of one bond). `propose` refuses it.
#[test]
fn a_claim_with_a_value_outside_the_field_is_refused() {
    use alloy_primitives::B256;
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted(&sys, 1).await;
        let good = with_roots(&t[0], genesis(&sys), 11);
        let modulus = sys.view(sys.d.finality, MultiProofFinality::FIELD_MODULUSCall {}).await;
        for (field, value) in [("parent", modulus), ("post", U256::MAX), ("withdrawal", modulus)]
            .into_iter()
            .chain([("data", modulus + U256::from(1))])
        {
            let mut call = common::claim_propose_call(&good);
            let word = B256::from(value);
            match field {
                "parent" => call._parentRoot = word,
                "post" => call._postRoot = word,
                "withdrawal" => call._withdrawalRoot = word,
                _ => call._dataCommitment = word,
            }
            let bond = U256::from(10u128.pow(17));
            let err = sys.send(&sys.sequencer, sys.d.finality, call, bond).await.unwrap_err();
            assert!(
                matches!(finality_error(&err), F::Finality_NotAFieldElement(_)),
                "{field} root {value}: {err}"
            );
        }
        let mut below = common::claim_propose_call(&good);
        below._postRoot = B256::from(modulus - U256::from(1));
        sys.send(&sys.sequencer, sys.d.finality, below, U256::from(10u128.pow(17))).await.unwrap();
    });
}

/// Attack: the calls that take a claim back (`proveZk`, `attestTee`, `proveAndAttest`,
/// `finalize`, `proveSelfDisagreement`) get every field from the caller. A claim with any field
/// changed, carrying a proof and a signature that are valid for the changed claim, must approve
/// nothing: the contract binds each whole claim to its id at `propose`. A `uint64` field with
/// dirty high bits must not pass for the clean one either.
#[test]
fn a_claim_passed_back_must_be_the_one_proposed() {
    use alloy_primitives::{B256, keccak256};
    use alloy_sol_types::SolValue;
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let t = posted_next(&sys, 1).await;
        let c = with_roots(&t, genesis(&sys), 11);
        let id = sys.propose(&c).await.unwrap();
        let real = sys.proposed(id).await;
        let one = B256::with_last_byte(0x77);
        let mut altered = Vec::new();
        for field in 0..9 {
            let mut a = real.clone();
            match field {
                0 => a.l2ChainId += 1,
                1 => a.batchNumber += 1,
                2 => a.parentRoot = one,
                3 => a.postRoot = one,
                4 => a.withdrawalRoot = one,
                5 => a.dataCommitment = one,
                6 => a.blobsHash = one,
                7 => a.queueBefore = one,
                _ => a.queueAfter = one,
            }
            assert_ne!(a, real, "field {field} is changed");
            altered.push(a);
        }
        // What a test verifier and a registered enclave accept for a claim in binding form.
        let proof = |c: &MultiProofFinality::Claim| Bytes::from(keccak256(c.abi_encode()).to_vec());
        let signature = |c: &MultiProofFinality::Claim| {
            use alloy::signers::SignerSync;
            let digest =
                sys.view(sys.d.finality, MultiProofFinality::claimDigestCall { _c: c.clone() });
            async move {
                let d = digest.await;
                Bytes::from(enclave(0).sign_hash_sync(&d).unwrap().as_bytes().to_vec())
            }
        };
        let not_proposed = |e: L1Error| {
            assert!(matches!(finality_error(&e), F::Finality_NotProposed(_)), "{e}");
        };
        for a in &altered {
            let (p, s) = (proof(a), signature(a).await);
            let calls: Vec<Vec<u8>> = vec![
                MultiProofFinality::proveZkCall { _c: a.clone(), _proof: p.clone() }.abi_encode(),
                MultiProofFinality::attestTeeCall { _c: a.clone(), _signature: s.clone() }
                    .abi_encode(),
                MultiProofFinality::proveAndAttestCall { _c: a.clone(), _proof: p, _signature: s }
                    .abi_encode(),
                MultiProofFinality::finalizeCall { _c: a.clone() }.abi_encode(),
                MultiProofFinality::proveSelfDisagreementCall {
                    _leg: 0,
                    _a: real.clone(),
                    _b: a.clone(),
                    _evidenceA: proof(&real),
                    _evidenceB: proof(a),
                }
                .abi_encode(),
            ];
            for (k, data) in calls.into_iter().enumerate() {
                let tx = tribunal_l1::L1Tx::call(sys.d.finality, data);
                let r = sys.l1.send(&sys.stranger, tx).await;
                let Err(e) = r else { panic!("call {k} with {a:?} went through") };
                not_proposed(e);
            }
        }
        let s = status(&sys, id).await;
        assert!(!s.zk && !s.tee && !s.isFinal, "nothing approved the proposed claim");
        let idof = |c: MultiProofFinality::Claim| {
            sys.view(sys.d.finality, MultiProofFinality::idOfCall { _c: c })
        };
        assert!(!idof(altered[3].clone()).await.proposed);
        let found = idof(real.clone()).await;
        assert!(found.proposed && found.id == U256::from(id));
        // Readers find the claim's log from its batch's first proposal, not from genesis.
        let from = MultiProofFinality::proposalBlockOfCall { _id: U256::from(id) };
        let from = sys.view(sys.d.finality, from).await;
        assert!(from > 0 && from <= l1.head().await.unwrap().number);
        let none = tribunal_dispute::claims::proposed(&l1, sys.d.finality, 99).await.unwrap();
        assert!(none.is_none(), "no claim 99");

        // Dirty high bits in `batchNumber` (word 1 of the claim): refused by the ABI decoder,
        // never read as the clean claim or another one.
        let clean = MultiProofFinality::proveZkCall { _c: real.clone(), _proof: proof(&real) };
        let mut data = clean.abi_encode();
        data[4 + 32 + 23] = 1;
        let tx = tribunal_l1::L1Tx::call(sys.d.finality, data);
        let e = sys.l1.send(&sys.stranger, tx).await.unwrap_err();
        assert!(e.revert_data().is_some_and(|d| d.is_empty()), "ABI decoding refuses it: {e}");
        assert!(!status(&sys, id).await.zk);

        // The claim as proposed goes through.
        sys.send(&sys.stranger, sys.d.finality, clean, U256::ZERO).await.unwrap();
        assert!(status(&sys, id).await.zk);
    });
}

/// A deployment the contracts cannot hold is refused before its first transaction: an odd
/// account depth (the 4-ary account tree takes two index bits per level) moves no nonce.
#[test]
fn an_odd_account_depth_is_refused_before_anything_is_deployed() {
    run(async {
        let l1 = DevL1::new();
        let deployer = &tribunal_l1::dev_signers()[3];
        let mut cfg = System::<DevL1>::config();
        cfg.account_depth = 31;
        let err = tribunal_node::deploy::deploy(&l1, deployer, cfg).await.unwrap_err();
        assert!(matches!(err, tribunal_node::deploy::DeployError::Config(_)), "{err}");
        assert_eq!(l1.nonce(deployer.address()).await.unwrap(), 0);
    });
}

/// `postAndSettle` of claim `c` about `batch` with this proof and signature, from `from`, with
/// `batch`'s one blob.
async fn post_and_settle(
    sys: &System<'_, DevL1>,
    from: &alloy::signers::local::PrivateKeySigner,
    batch: &Batch,
    queue_end: u64,
    c: &Claim,
    proof: Bytes,
    signature: Bytes,
) -> Result<L1Receipt, L1Error> {
    let call = MultiProofFinality::postAndSettleCall {
        _c: tribunal_dispute::claims::recast(&c.to_sol()),
        _queueEnd: queue_end,
        _proof: proof,
        _signature: signature,
    };
    let tx =
        tribunal_l1::L1Tx::call(sys.d.finality, call.abi_encode()).with_sidecar(sidecar(batch));
    sys.l1.send(from, tx).await
}

fn sidecar(batch: &Batch) -> alloy_eips::eip7594::BlobTransactionSidecarEip7594 {
    tribunal_da::sidecar_7594(tribunal_da::encode_blobs(&batch.encode()).unwrap()).unwrap()
}

/// The claim of unposted `batch` over the queue accumulators `before` and `after`, with parent
/// `parent` and post root `post`: what a sequencer proves and signs before posting.
fn unposted_claim(batch: &Batch, before: Fr, after: Fr, parent: StateRoot, post: u64) -> Claim {
    let hashes: Vec<alloy_primitives::B256> = sidecar(batch).versioned_hashes().collect();
    Claim {
        chain_id: common::CHAIN,
        batch_number: batch.number,
        parent_root: parent,
        post_root: StateRoot(Fr::from(post)),
        withdrawal_root: Default::default(),
        data_commitment: tribunal_primitives::DataCommitment(Fr::from(batch.number.0)),
        blobs_hash: alloy_primitives::keccak256(hashes[0]),
        queue_before: tribunal_primitives::queue::QueueAcc(before),
        queue_after: tribunal_primitives::queue::QueueAcc(after),
    }
}

/// A sequencer whose proof and signature are ready before posting posts the batch and settles
/// it in one transaction: final at once, the batch posted as by `postBatch`, and the chain goes
/// on from it. Cheaper than `postBatch` then `proposeAndSettle` in the same state by at least
/// the second transaction's base cost.
#[test]
fn a_batch_posted_and_settled_in_one_transaction_is_final_at_once() {
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let b1 = Batch { chain_id: common::CHAIN, number: BatchNumber(1), txs: vec![] };
        let c1 = unposted_claim(&b1, Fr::from(0u64), Fr::from(0u64), genesis(&sys), 11);
        let (zk, sig) = (System::<DevL1>::zk_proof(&c1), sys.tee_signature(&enclave(0), &c1));
        let one = post_and_settle(&sys, &sys.sequencer, &b1, 0, &c1, zk, sig).await.unwrap();
        gas("postAndSettle", &one);
        let s = status(&sys, 0).await;
        assert!(s.isFinal && s.path == 1 && s.zk && s.tee, "final at once on the instant path");
        assert_eq!(sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await, 1);
        let posted = one.logs.iter().find_map(|l| Inbox::BatchPosted::decode_log(l).ok()).unwrap();
        assert_eq!(posted.poster, sys.sequencer.address(), "posted for the sender");

        // Final as posted, the batch keeps no context in the inbox: its log holds it, found
        // from its final claim's block.
        let ctx = sys.view(sys.d.inbox, Inbox::batchContextCall { _batchNumber: 1 }).await;
        assert!(!ctx.posted, "no record: it takes no claim");
        assert_eq!(sys.view(sys.d.inbox, Inbox::postedAtCall { _batchNumber: 1 }).await, 0);
        let read = tribunal_dispute::batches::posted(&l1, sys.d.inbox, 1).await.unwrap().unwrap();
        assert!(read.settled_at_post);
        assert_eq!(read.blob_hashes, posted.blobHashes);
        let hashes: Vec<u8> = read.blob_hashes.iter().flat_map(|h| h.0).collect();
        assert_eq!(keccak256(hashes), c1.blobs_hash);
        assert_eq!((read.queue_start, read.queue_end), (0, 0));
        assert_eq!(read.posted_at, s.finalAt, "posted when it finalized");
        assert!(tribunal_dispute::batches::posted(&l1, sys.d.inbox, 2).await.unwrap().is_none());
        // No claim, and no evidence about its blob, can be made of it.
        let err = sys.propose(&with_roots(&c1, genesis(&sys), 66)).await.unwrap_err();
        assert!(matches!(finality_error(&err), F::Finality_BatchAlreadyFinal(_)), "{err}");
        let evidence = Inbox::proveNonCanonicalCall {
            _batchNumber: 1,
            _elements: vec![U256::ZERO],
            _openings: vec![Inbox::BlobElement {
                value: U256::ZERO,
                commitment: Bytes::new(),
                proof: Bytes::new(),
            }],
        };
        let err = sys.send(&sys.stranger, sys.d.inbox, evidence, U256::ZERO).await.unwrap_err();
        assert!(matches!(inbox_error(&err), Inbox::InboxErrors::Inbox_FinalAtPost(_)), "{err}");
        let fin = sys
            .view(sys.d.finality, MultiProofFinality::finalWithdrawalRootCall { _batchNumber: 1 })
            .await;
        assert!(fin.isFinal);

        // The next batch goes the usual way, on the root settled at posting.
        let c2 = with_roots(&posted_next(&sys, 2).await, StateRoot(Fr::from(11u64)), 12);
        sys.send(&sys.stranger, sys.d.finality, settle_call(&sys, &c2), U256::ZERO).await.unwrap();
        assert!(status(&sys, 1).await.isFinal);

        // The same batch and claim, posted then settled, on a fresh deployment.
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let post = sys.post(&sys.sequencer, &b1, 0).await.unwrap();
        let settle =
            sys.send(&sys.stranger, sys.d.finality, settle_call(&sys, &c1), U256::ZERO).await;
        let two = post.gas_used + settle.unwrap().gas_used;
        eprintln!("gas postBatch + proposeAndSettle: {two}");
        assert!(
            one.gas_used + 21_000 < two,
            "one transaction saves at least the second one's base cost: {} vs {two}",
            one.gas_used
        );
    });
}

/// `postAndSettle` posts for its sender. Attack: post as someone else, or post a batch whose
/// claim does not settle. The inbox's `postFor` answers the finality contract only; every rule
/// of `postBatch` holds for the sender (sequencer only until a message is overdue, then the
/// overdue messages first); and a claim that is not final at once, a proof or signature that
/// does not verify, or a context that is not the posted batch's reverts the post with it.
#[test]
fn post_and_settle_posts_only_what_posting_allows_and_only_what_settles() {
    use tribunal_primitives::PrivateKey;
    type I = Inbox::InboxErrors;
    run(async {
        let l1 = DevL1::new();
        let sys = System::deploy(&l1).await;
        let inbox_err = |e: &L1Error| common::inbox_error(e);
        let not_posted = async || sys.view(sys.d.inbox, Inbox::latestBatchCall {}).await == 0;
        let b1 = Batch { chain_id: common::CHAIN, number: BatchNumber(1), txs: vec![] };
        let c1 = unposted_claim(&b1, Fr::from(0u64), Fr::from(0u64), genesis(&sys), 11);
        let (zk, sig) = (System::<DevL1>::zk_proof(&c1), sys.tee_signature(&enclave(0), &c1));

        // The inbox's `postFor` is the finality contract's alone: nobody posts as the sequencer.
        let call = Inbox::postForCall {
            _poster: sys.sequencer.address(),
            _batchNumber: 1,
            _queueEnd: 0,
            _queueAcc: Default::default(),
        };
        let tx = tribunal_l1::L1Tx::call(sys.d.inbox, call.abi_encode()).with_sidecar(sidecar(&b1));
        let err = sys.l1.send(&sys.stranger, tx).await.unwrap_err();
        assert!(matches!(inbox_err(&err), I::Inbox_NotFinality(_)), "{err}");
        // Only the sequencer posts while no message is overdue.
        let err = post_and_settle(&sys, &sys.stranger, &b1, 0, &c1, zk.clone(), sig.clone()).await;
        assert!(matches!(inbox_err(&err.unwrap_err()), I::Inbox_NotSequencer(_)));
        // A proof or signature that does not verify reverts the post too.
        let bad = Bytes::from(vec![1u8; 32]);
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &c1, bad, sig.clone()).await;
        assert!(matches!(finality_error(&err.unwrap_err()), F::Finality_InvalidProof(_)));
        let forged = sys.tee_signature(&tribunal_l1::dev_signers()[9], &c1);
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &c1, zk.clone(), forged).await;
        assert!(matches!(finality_error(&err.unwrap_err()), F::Finality_InvalidSigner(_)));
        // A context that is not the posted batch's: another blob, another queue, another chain.
        let mut wrong = c1;
        wrong.blobs_hash = alloy_primitives::B256::repeat_byte(7);
        let call = |c: &Claim| (System::<DevL1>::zk_proof(c), sys.tee_signature(&enclave(0), c));
        let (p, s) = call(&wrong);
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &wrong, p, s).await;
        assert!(matches!(finality_error(&err.unwrap_err()), F::Finality_WrongContext(_)));
        let mut wrong = c1;
        wrong.queue_before.0 = Fr::from(5u64);
        let (p, s) = call(&wrong);
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &wrong, p, s).await;
        assert!(matches!(finality_error(&err.unwrap_err()), F::Finality_WrongContext(_)));
        let mut wrong = c1;
        wrong.queue_after.0 = Fr::from(5u64);
        let (p, s) = call(&wrong);
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &wrong, p, s).await;
        assert!(matches!(inbox_err(&err.unwrap_err()), I::Inbox_QueueMoved(..)));
        let mut wrong = c1;
        wrong.chain_id = tribunal_primitives::ChainId(wrong.chain_id.0 + 1);
        let (p, s) = call(&wrong);
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &wrong, p, s).await;
        assert!(matches!(finality_error(&err.unwrap_err()), F::Finality_WrongContext(_)));
        // A claim that would only be pending (its parent is not final) is not posted either.
        let mut pending = c1;
        pending.parent_root = StateRoot(Fr::from(99u64));
        let (p, s) = call(&pending);
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &pending, p, s).await;
        assert!(matches!(finality_error(&err.unwrap_err()), F::Finality_NotInstant(_)));
        // No value: there is no bond to pay.
        let call_v = MultiProofFinality::postAndSettleCall {
            _c: tribunal_dispute::claims::recast(&c1.to_sol()),
            _queueEnd: 0,
            _proof: zk.clone(),
            _signature: sig.clone(),
        };
        let tx = tribunal_l1::L1Tx::call(sys.d.finality, call_v.abi_encode())
            .with_sidecar(sidecar(&b1))
            .with_value(U256::from(1));
        assert!(sys.l1.send(&sys.sequencer, tx).await.is_err());
        assert!(not_posted().await, "nothing above was posted");

        // Forced inclusion holds: once a message is overdue, the sequencer's batch must carry it,
        // and anyone may post and settle a batch that does.
        let key = PrivateKey::from_bytes([0x77; 32]).public_key().to_bytes();
        let deposit = Inbox::depositCall { _pubkey: key.into() };
        sys.send(&sys.stranger, sys.d.inbox, deposit, U256::from(10u128.pow(18))).await.unwrap();
        l1.increase_time(DAY + 1).await.unwrap();
        l1.mine().await.unwrap();
        let err = post_and_settle(&sys, &sys.sequencer, &b1, 0, &c1, zk, sig).await;
        assert!(matches!(inbox_err(&err.unwrap_err()), I::Inbox_ForcedInclusionDue(..)));
        let acc = sys.view(sys.d.inbox, Inbox::accAtCall { _index: 1 }).await;
        let acc = tribunal_primitives::field::fr_from_be_bytes(&acc.0).unwrap();
        let c1 = unposted_claim(&b1, Fr::from(0u64), acc, genesis(&sys), 11);
        let (p, s) = call(&c1);
        post_and_settle(&sys, &sys.stranger, &b1, 1, &c1, p, s).await.unwrap();
        assert!(status(&sys, 0).await.isFinal, "anyone may post and settle the overdue message");
        assert_eq!(sys.view(sys.d.inbox, Inbox::queueHeadCall {}).await, 1);
    });
}
