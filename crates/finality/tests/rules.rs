//! Each rule of docs/finality.md, and an attempt to break it.

use tribunal_finality::{
    Actor, ClaimStatus, Effect, Event, FinalPath, Finality, FinalityError, FinalityParams, Leg,
};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, Fr, StateRoot, WithdrawalRoot,
};

const T0: u64 = 1_000_000;
const DAY: u64 = 24 * 3600;
const SIGNER: u32 = 1;
const MEASUREMENT: u32 = 7;

fn root(x: u64) -> StateRoot {
    StateRoot(Fr::from(x))
}

fn claim(batch: u64, parent: u64, post: u64) -> Claim {
    Claim {
        chain_id: ChainId(901),
        batch_number: BatchNumber(batch),
        parent_root: root(parent),
        post_root: root(post),
        withdrawal_root: WithdrawalRoot::default(),
        data_commitment: DataCommitment(Fr::from(batch * 1000)),
        blobs_hash: Default::default(),
        queue_before: Default::default(),
        queue_after: Default::default(),
    }
}

fn model() -> Finality {
    let mut f = Finality::new(FinalityParams::new(root(0), T0));
    f.apply(Event::SetMeasurement { by: Actor::Council, measurement: MEASUREMENT, allowed: true })
        .unwrap();
    f.apply(Event::RegisterSigner {
        by: Actor::Council,
        signer: SIGNER,
        measurement: MEASUREMENT,
        expires_at: T0 + 90 * DAY,
    })
    .unwrap();
    f
}

fn propose(f: &mut Finality, c: Claim) -> u64 {
    match f.apply(Event::Propose { claim: c }).unwrap()[..] {
        [Effect::Proposed { claim }] => claim,
        ref other => panic!("{other:?}"),
    }
}

fn tick(f: &mut Finality, by: u64) {
    let now = f.now() + by;
    f.apply(Event::Tick { now }).unwrap();
}

fn finalized(effects: &[Effect]) -> Option<FinalPath> {
    effects.iter().find_map(|e| match e {
        Effect::Finalized { path, .. } => Some(*path),
        _ => None,
    })
}

#[test]
fn zk_and_tee_together_are_final_at_once() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    assert_eq!(finalized(&f.apply(Event::ZkProof { claim: id, valid: true }).unwrap()), None);
    let effects = f.apply(Event::TeeSignature { claim: id, signer: SIGNER }).unwrap();
    assert_eq!(finalized(&effects), Some(FinalPath::Instant));
    assert_eq!(f.final_claim(BatchNumber(1)).unwrap().0, id);
    assert_eq!(
        f.status(id).unwrap().to_string(),
        format!("final: ZK+TEE at {T0} (1970-01-12T13:46:40Z)")
    );
}

/// `proposeAndSettle` is the proposal and both approvals at once, all or nothing: final at
/// once, or refused with nothing left behind (no claim, no approval), and an identical claim
/// proposed first (a front-run) is settled as it stands.
#[test]
fn a_proposal_settled_in_one_call_is_final_at_once_or_leaves_nothing() {
    let settle = |c, valid, signer| Event::ProposeAndSettle { claim: c, valid, signer };
    let mut f = model();
    let effects = f.apply(settle(claim(1, 0, 11), true, SIGNER)).unwrap();
    assert_eq!(finalized(&effects), Some(FinalPath::Instant));
    assert_eq!(f.final_claim(BatchNumber(1)).unwrap().0, 0);

    // An invalid proof, an unknown signer, or a parent that is not final: refused, unchanged.
    for (c, valid, signer, err) in [
        (claim(2, 11, 12), false, SIGNER, FinalityError::InvalidProof),
        (claim(2, 11, 12), true, 9, FinalityError::InvalidSigner(9)),
        (claim(3, 12, 13), true, SIGNER, FinalityError::NotInstant(1)),
        // Batch 1 is final: a second result for it is refused before any approval.
        (claim(1, 0, 99), true, SIGNER, FinalityError::BatchAlreadyFinal(BatchNumber(1))),
    ] {
        let before = format!("{f:?}");
        assert_eq!(f.apply(settle(c, valid, signer)), Err(err));
        assert_eq!(format!("{f:?}"), before, "{err}");
    }
    assert_eq!(f.claim_count(), 1);

    // Front-run: the same claim proposed first is settled, not proposed again.
    let id = propose(&mut f, claim(2, 11, 12));
    let effects = f.apply(settle(claim(2, 11, 12), true, SIGNER)).unwrap();
    assert_eq!(finalized(&effects), Some(FinalPath::Instant));
    assert_eq!((f.claim_count(), f.final_claim(BatchNumber(2)).unwrap().0), (2, id));
    // Settling a final claim again is refused: it would not become final in the call.
    assert_eq!(f.apply(settle(claim(2, 11, 12), true, SIGNER)), Err(FinalityError::NotInstant(id)));

    // Batch 1's claim, settled on a batch with no other claim, is found by id only: calls that
    // pass it back do not find it, and it cannot be settled again (its batch is final).
    assert!(matches!(f.status(0), Ok(ClaimStatus::Final { path: FinalPath::Instant, .. })));
    assert_eq!(
        f.apply(Event::ZkProof { claim: 0, valid: true }),
        Err(FinalityError::UnknownClaim(0))
    );
    assert_eq!(f.apply(Event::Finalize { claim: 0 }), Err(FinalityError::UnknownClaim(0)));
    assert_eq!(
        f.apply(settle(claim(1, 0, 11), true, SIGNER)),
        Err(FinalityError::BatchAlreadyFinal(BatchNumber(1)))
    );
}

#[test]
fn tee_alone_never_finalizes() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    f.apply(Event::TeeSignature { claim: id, signer: SIGNER }).unwrap();
    assert_eq!(
        f.apply(Event::Finalize { claim: id }),
        Err(FinalityError::WindowNotPassed { claim: id, ends_at: T0 + 7 * DAY })
    );
    tick(&mut f, 30 * DAY);
    assert_eq!(f.apply(Event::Finalize { claim: id }), Err(FinalityError::OpNotFavouring(id)));
    f.apply(Event::GameResolved { claim: id, for_claim: false }).unwrap();
    assert_eq!(f.apply(Event::Finalize { claim: id }), Err(FinalityError::OpNotFavouring(id)));
    assert!(matches!(f.status(id).unwrap(), ClaimStatus::Pending { .. }));
}

#[test]
fn op_alone_never_finalizes() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    f.apply(Event::GameResolved { claim: id, for_claim: true }).unwrap();
    tick(&mut f, 8 * DAY);
    assert_eq!(f.apply(Event::Finalize { claim: id }), Err(FinalityError::NoValidityApproval(id)));
}

#[test]
fn one_validity_leg_plus_op_is_final_after_the_window() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    f.apply(Event::ZkProof { claim: id, valid: true }).unwrap();
    f.apply(Event::GameResolved { claim: id, for_claim: true }).unwrap();
    tick(&mut f, 7 * DAY - 1);
    assert!(matches!(
        f.apply(Event::Finalize { claim: id }),
        Err(FinalityError::WindowNotPassed { .. })
    ));
    tick(&mut f, 1);
    let effects = f.apply(Event::Finalize { claim: id }).unwrap();
    assert_eq!(finalized(&effects), Some(FinalPath::Slow { with: Leg::Zk }));
}

#[test]
fn the_council_never_finalizes() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    f.apply(Event::TeeSignature { claim: id, signer: SIGNER }).unwrap();
    // Everything the council can do, in every order it likes: none of it finalizes.
    let council = [
        Event::RegisterSigner {
            by: Actor::Council,
            signer: 2,
            measurement: MEASUREMENT,
            expires_at: T0 + DAY,
        },
        Event::SetMeasurement { by: Actor::Council, measurement: 99, allowed: true },
        Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 1 },
        Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Op, implementation: 1 },
        Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Tee, implementation: 1 },
        Event::RevokeSigner { by: Actor::Council, signer: 2 },
    ];
    for e in council {
        let effects = f.apply(e).unwrap();
        assert_eq!(finalized(&effects), None);
    }
    tick(&mut f, 46 * DAY);
    for leg in [Leg::Zk, Leg::Op] {
        assert_eq!(finalized(&f.apply(Event::ExecuteUpgrade { leg }).unwrap()), None);
    }
    assert!(f.final_claim(BatchNumber(1)).is_none());
    // Its TEE upgrade also voided the TEE approval made under the old logic.
    assert_eq!(f.apply(Event::Finalize { claim: id }), Err(FinalityError::NoValidityApproval(id)));
}

#[test]
fn the_council_cannot_upgrade_zk_or_op_early() {
    let mut f = model();
    for leg in [Leg::Zk, Leg::Op] {
        assert_eq!(
            f.apply(Event::ExecuteUpgrade { leg }),
            Err(FinalityError::NoUpgradeQueued(leg))
        );
        assert_eq!(
            f.apply(Event::SubmitUpgrade { by: Actor::Anyone, leg, implementation: 1 }),
            Err(FinalityError::NotCouncil)
        );
        assert_eq!(
            f.apply(Event::SubmitUpgrade { by: Actor::Council, leg, implementation: 1 }).unwrap(),
            vec![Effect::UpgradeQueued { leg, eta: T0 + 45 * DAY }]
        );
    }
    tick(&mut f, 45 * DAY - 1);
    for leg in [Leg::Zk, Leg::Op] {
        assert_eq!(
            f.apply(Event::ExecuteUpgrade { leg }),
            Err(FinalityError::TimelockNotExpired { leg, eta: T0 + 45 * DAY })
        );
    }
    tick(&mut f, 1);
    for leg in [Leg::Zk, Leg::Op] {
        assert_eq!(
            f.apply(Event::ExecuteUpgrade { leg }).unwrap(),
            vec![Effect::UpgradeExecuted { leg, instant: false }]
        );
        assert_eq!(
            f.apply(Event::ExecuteUpgrade { leg }),
            Err(FinalityError::NoUpgradeQueued(leg))
        );
    }
    // TEE logic changes at once and is never queued; only the council changes it.
    assert_eq!(
        f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Tee, implementation: 1 })
            .unwrap(),
        vec![Effect::UpgradeExecuted { leg: Leg::Tee, instant: true }]
    );
    assert_eq!(
        f.apply(Event::ExecuteUpgrade { leg: Leg::Tee }),
        Err(FinalityError::NoUpgradeQueued(Leg::Tee))
    );
    assert_eq!(
        f.apply(Event::SubmitUpgrade { by: Actor::Anyone, leg: Leg::Tee, implementation: 1 }),
        Err(FinalityError::NotCouncil)
    );
}

#[test]
fn a_non_final_parent_blocks_its_child() {
    let mut f = model();
    let parent = propose(&mut f, claim(1, 0, 11));
    let child = propose(&mut f, claim(2, 11, 22));
    f.apply(Event::ZkProof { claim: child, valid: true }).unwrap();
    let effects = f.apply(Event::TeeSignature { claim: child, signer: SIGNER }).unwrap();
    assert_eq!(finalized(&effects), None);
    assert_eq!(
        f.apply(Event::Finalize { claim: child }),
        Err(FinalityError::ParentNotFinal(child))
    );
    assert_eq!(f.status(child).unwrap().to_string(), "waiting: parent not final");
    f.apply(Event::ZkProof { claim: parent, valid: true }).unwrap();
    f.apply(Event::TeeSignature { claim: parent, signer: SIGNER }).unwrap();
    assert_eq!(
        finalized(&f.apply(Event::Finalize { claim: child }).unwrap()),
        Some(FinalPath::Instant)
    );
    // A child built on a root that did not win stays blocked.
    let orphan = propose(&mut f, claim(3, 99, 33));
    f.apply(Event::ZkProof { claim: orphan, valid: true }).unwrap();
    f.apply(Event::TeeSignature { claim: orphan, signer: SIGNER }).unwrap();
    assert_eq!(
        f.apply(Event::Finalize { claim: orphan }),
        Err(FinalityError::ParentNotFinal(orphan))
    );
}

#[test]
fn zk_and_tee_conflict_is_resolved_by_op_after_the_window() {
    let mut f = model();
    let x = propose(&mut f, claim(1, 0, 11));
    let y = propose(&mut f, claim(1, 0, 66));
    assert_eq!(finalized(&f.apply(Event::ZkProof { claim: x, valid: true }).unwrap()), None);
    assert_eq!(
        finalized(&f.apply(Event::TeeSignature { claim: y, signer: SIGNER }).unwrap()),
        None
    );
    f.apply(Event::GameResolved { claim: x, for_claim: true }).unwrap();
    f.apply(Event::GameResolved { claim: y, for_claim: false }).unwrap();
    assert!(matches!(
        f.apply(Event::Finalize { claim: x }),
        Err(FinalityError::WindowNotPassed { .. })
    ));
    tick(&mut f, 7 * DAY);
    assert_eq!(f.apply(Event::Finalize { claim: y }), Err(FinalityError::OpNotFavouring(y)));
    let effects = f.apply(Event::Finalize { claim: x }).unwrap();
    assert_eq!(finalized(&effects), Some(FinalPath::Slow { with: Leg::Zk }));
    assert!(effects.contains(&Effect::LegFaulty { leg: Leg::Tee, claim: y }));
    assert_eq!(f.faulty().collect::<Vec<_>>(), vec![(Leg::Tee, y)]);
    assert_eq!(
        f.apply(Event::Finalize { claim: y }),
        Err(FinalityError::BatchAlreadyFinal(BatchNumber(1)))
    );
}

/// Attack (review finding): ZK approves X, TEE approves Y, and OP would favour both (both games
/// unchallenged). The attacker bundles `resolve(Y)` and `finalize(Y)`, so the TEE broke the tie
/// against ZK by coming first. Now neither finalizes on the slow path until OP has ruled
/// against the other; OP favouring both is OP self-disagreement.
#[test]
fn the_first_caller_cannot_break_a_zk_tee_tie() {
    let mut f = model();
    let x = propose(&mut f, claim(1, 0, 11));
    let y = propose(&mut f, claim(1, 0, 66));
    f.apply(Event::ZkProof { claim: x, valid: true }).unwrap();
    f.apply(Event::TeeSignature { claim: y, signer: SIGNER }).unwrap();
    tick(&mut f, 7 * DAY);
    f.apply(Event::GameResolved { claim: y, for_claim: true }).unwrap();
    assert_eq!(
        f.apply(Event::Finalize { claim: y }),
        Err(FinalityError::OpUndecided { claim: y, rival: x })
    );
    f.apply(Event::GameResolved { claim: x, for_claim: true }).unwrap();
    assert_eq!(
        f.apply(Event::Finalize { claim: x }),
        Err(FinalityError::OpUndecided { claim: x, rival: y })
    );
    let effects =
        f.apply(Event::ProveSelfDisagreement { leg: Leg::Op, a: x, b: y, verifies: true }).unwrap();
    assert_eq!(effects, vec![Effect::LegFrozen { leg: Leg::Op }]);
}

/// Attack (review finding): two claims over an invented parent cannot be challenged, so both
/// games resolve for them; that must not count as OP disagreeing with itself (it would freeze OP
/// and lift its timelock for the price of two bonds).
#[test]
fn unchallengeable_claims_over_an_invented_parent_do_not_freeze_op() {
    let mut f = model();
    let x = propose(&mut f, claim(1, 4242, 1));
    let y = propose(&mut f, claim(1, 4242, 2));
    tick(&mut f, 7 * DAY);
    for c in [x, y] {
        f.apply(Event::GameResolved { claim: c, for_claim: true }).unwrap();
    }
    assert_eq!(
        f.apply(Event::ProveSelfDisagreement { leg: Leg::Op, a: x, b: y, verifies: true }),
        Err(FinalityError::InvalidEvidence(Leg::Op))
    );
}

/// Attack (review finding): a leg approving two claims with the same post root but different
/// withdrawal roots was never evidence, although the bridge pays against the withdrawal root.
#[test]
fn two_withdrawal_roots_for_one_input_are_self_disagreement() {
    let mut f = model();
    let x = propose(&mut f, claim(1, 0, 11));
    let mut other = claim(1, 0, 11);
    other.withdrawal_root = WithdrawalRoot(Fr::from(999u64));
    let y = propose(&mut f, other);
    // Two proofs, neither submitted as an approval: anyone submits them as evidence.
    let effects =
        f.apply(Event::ProveSelfDisagreement { leg: Leg::Zk, a: x, b: y, verifies: true }).unwrap();
    assert_eq!(effects, vec![Effect::LegFrozen { leg: Leg::Zk }]);
}

/// Attack (review finding): a leg could approve two results for one input and both approvals
/// counted until someone submitted the evidence; and a second reading of the same batch data
/// (another data commitment) was a separate input, never evidence. Now a second approved result
/// in the same epoch freezes the leg at once, whichever field differs, so each leg has at most
/// one counting claim per input (what keeps the liveness check O(1)).
#[test]
fn a_leg_approving_a_second_result_is_frozen_at_once() {
    for leg in [Leg::Zk, Leg::Tee] {
        let approve = |claim| match leg {
            Leg::Zk => Event::ZkProof { claim, valid: true },
            _ => Event::TeeSignature { claim, signer: SIGNER },
        };
        let mut f = model();
        let x = propose(&mut f, claim(1, 0, 11));
        let mut reread = claim(1, 0, 11);
        reread.data_commitment = DataCommitment(Fr::from(4242u64));
        let y = propose(&mut f, reread);
        f.apply(approve(x)).unwrap();
        assert_eq!(f.apply(approve(x)).unwrap(), vec![Effect::Approved { claim: x, leg }]);
        assert_eq!(
            f.apply(approve(y)).unwrap(),
            vec![Effect::Approved { claim: y, leg }, Effect::LegFrozen { leg }],
            "{leg:?}"
        );
        assert!(f.is_frozen(leg) && f.instant_upgrade_allowed(leg));
        assert_eq!(
            f.apply(Event::ProveSelfDisagreement { leg, a: x, b: y, verifies: true }),
            Err(FinalityError::AlreadyFrozen(leg))
        );
        // After a replacement (a new epoch), one approval of the other result is not evidence.
        f.apply(Event::SubmitUpgrade { by: Actor::Council, leg, implementation: 1 }).unwrap();
        assert!(!f.is_frozen(leg));
        assert_eq!(f.apply(approve(x)).unwrap(), vec![Effect::Approved { claim: x, leg }]);
        // A claim over another parent is another input.
        let other_parent = propose(&mut f, claim(1, 5, 11));
        f.apply(approve(other_parent)).unwrap();
        assert!(!f.is_frozen(leg));
    }
}

#[test]
fn self_disagreement_freezes_the_leg_and_opens_the_instant_upgrade() {
    let mut f = model();
    let x = propose(&mut f, claim(1, 0, 11));
    let y = propose(&mut f, claim(1, 0, 66));
    f.apply(Event::ZkProof { claim: x, valid: true }).unwrap();
    // Two valid ZK proofs for the same input and different roots: anyone submits them.
    assert!(!f.instant_upgrade_allowed(Leg::Zk));
    let effects =
        f.apply(Event::ProveSelfDisagreement { leg: Leg::Zk, a: x, b: y, verifies: true }).unwrap();
    assert_eq!(effects, vec![Effect::LegFrozen { leg: Leg::Zk }]);
    assert!(f.is_frozen(Leg::Zk) && f.instant_upgrade_allowed(Leg::Zk));
    assert!(!f.instant_upgrade_allowed(Leg::Op), "only the frozen leg opens");
    // The frozen leg's approvals no longer count: ZK + TEE on x is not instant.
    let effects = f.apply(Event::TeeSignature { claim: x, signer: SIGNER }).unwrap();
    assert_eq!(finalized(&effects), None);
    // The council replaces the ZK verifier at once, without the timelock.
    assert_eq!(
        f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 1 })
            .unwrap(),
        vec![Effect::UpgradeExecuted { leg: Leg::Zk, instant: true }]
    );
    assert!(!f.is_frozen(Leg::Zk));
    // Proofs under the replaced verifier do not count; a proof under the new one does.
    assert_eq!(
        f.apply(Event::Finalize { claim: x }),
        Err(FinalityError::WindowNotPassed { claim: x, ends_at: T0 + 7 * DAY })
    );
    let effects = f.apply(Event::ZkProof { claim: x, valid: true }).unwrap();
    assert_eq!(finalized(&effects), Some(FinalPath::Instant));
}

#[test]
fn submitted_evidence_freezes_tee_and_bad_evidence_is_refused() {
    let mut f = model();
    let x = propose(&mut f, claim(1, 0, 11));
    let y = propose(&mut f, claim(1, 0, 66));
    let other_batch = propose(&mut f, claim(2, 11, 22));
    let prove = |a, b, verifies| Event::ProveSelfDisagreement { leg: Leg::Tee, a, b, verifies };
    assert_eq!(f.apply(prove(x, y, false)), Err(FinalityError::InvalidEvidence(Leg::Tee)));
    assert_eq!(f.apply(prove(x, x, true)), Err(FinalityError::InvalidEvidence(Leg::Tee)));
    assert_eq!(f.apply(prove(x, other_batch, true)), Err(FinalityError::InvalidEvidence(Leg::Tee)));
    assert_eq!(f.apply(prove(x, y, true)).unwrap(), vec![Effect::LegFrozen { leg: Leg::Tee }]);
    assert_eq!(f.apply(prove(x, y, true)), Err(FinalityError::AlreadyFrozen(Leg::Tee)));
    // OP evidence is the recorded games.
    assert_eq!(
        f.apply(Event::ProveSelfDisagreement { leg: Leg::Op, a: x, b: y, verifies: true }),
        Err(FinalityError::InvalidEvidence(Leg::Op))
    );
    f.apply(Event::GameResolved { claim: x, for_claim: true }).unwrap();
    f.apply(Event::GameResolved { claim: y, for_claim: true }).unwrap();
    assert_eq!(
        f.apply(Event::ProveSelfDisagreement { leg: Leg::Op, a: x, b: y, verifies: false })
            .unwrap(),
        vec![Effect::LegFrozen { leg: Leg::Op }]
    );
    // A replaced game starts afresh: its outcomes under the old game are gone.
    f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Op, implementation: 1 }).unwrap();
    assert!(matches!(
        f.status(x).unwrap(),
        ClaimStatus::Pending { op: tribunal_finality::GameStatus::InProgress, .. }
    ));
    f.apply(Event::GameResolved { claim: x, for_claim: false }).unwrap();
}

#[test]
fn liveness_failure_opens_the_instant_upgrade() {
    let mut f = model();
    assert_eq!(f.apply(Event::RecordLivenessFailure), Err(FinalityError::ChainLive));
    let id = propose(&mut f, claim(1, 0, 11));
    // The OP window alone is not a stall: a slow-path claim may finalize just after it.
    tick(&mut f, 14 * DAY - 1);
    assert_eq!(f.apply(Event::RecordLivenessFailure), Err(FinalityError::ChainLive));
    assert_eq!(
        f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Op, implementation: 1 })
            .unwrap(),
        vec![Effect::UpgradeQueued { leg: Leg::Op, eta: T0 + 59 * DAY - 1 }]
    );
    assert_eq!(
        f.apply(Event::ExecuteUpgrade { leg: Leg::Op }),
        Err(FinalityError::TimelockNotExpired { leg: Leg::Op, eta: T0 + 59 * DAY - 1 })
    );
    tick(&mut f, 1);
    assert_eq!(
        f.apply(Event::RecordLivenessFailure).unwrap(),
        vec![Effect::LivenessFailure { at: T0 + 14 * DAY }]
    );
    assert_eq!(f.apply(Event::RecordLivenessFailure), Err(FinalityError::LivenessAlreadyRecorded));
    // One replacement, of a leg that approved no claim of the stalled batch: the queued OP
    // upgrade may run now; after it, the timelock is back for the other legs.
    assert!(f.instant_upgrade_allowed(Leg::Op) && f.instant_upgrade_allowed(Leg::Zk));
    assert_eq!(
        f.apply(Event::ExecuteUpgrade { leg: Leg::Op }).unwrap(),
        vec![Effect::UpgradeExecuted { leg: Leg::Op, instant: true }]
    );
    assert!(matches!(
        f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 1 })
            .unwrap()[..],
        [Effect::UpgradeQueued { .. }]
    ));
    // A finalization ends the failure: the timelock is back.
    f.apply(Event::ZkProof { claim: id, valid: true }).unwrap();
    f.apply(Event::TeeSignature { claim: id, signer: SIGNER }).unwrap();
    assert!(!f.liveness_failed());
    assert!(matches!(
        f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 1 })
            .unwrap()[..],
        [Effect::UpgradeQueued { .. }]
    ));
}

/// Attack (review finding): a liveness failure opened every leg to the council, for any number
/// of replacements. Now it opens one replacement, of a leg that approved no claim of the stalled
/// batch: a leg that was working is never handed over.
#[test]
fn a_liveness_failure_opens_only_a_leg_that_approved_nothing_once() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    f.apply(Event::TeeSignature { claim: id, signer: SIGNER }).unwrap();
    tick(&mut f, 14 * DAY);
    f.apply(Event::RecordLivenessFailure).unwrap();
    assert!(!f.instant_upgrade_allowed(Leg::Tee), "the TEE approved a claim of the batch");
    assert!(f.instant_upgrade_allowed(Leg::Zk) && f.instant_upgrade_allowed(Leg::Op));
    f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 1 }).unwrap();
    assert!(!f.instant_upgrade_allowed(Leg::Op), "one replacement per liveness failure");
}

/// Rule 6 looks at the stalled batch over its final parent: approvals of claims over another
/// parent (which can never be final) neither block the liveness failure nor keep a leg from
/// being replaced; a game resolved for the right claim keeps OP, under any game.
#[test]
fn the_liveness_escape_reads_the_batch_over_its_final_parent() {
    let mut f = model();
    let right = propose(&mut f, claim(1, 0, 11));
    let elsewhere = propose(&mut f, claim(1, 5, 66));
    f.apply(Event::ZkProof { claim: elsewhere, valid: true }).unwrap();
    f.apply(Event::GameResolved { claim: right, for_claim: true }).unwrap();
    tick(&mut f, 14 * DAY);
    f.apply(Event::RecordLivenessFailure).unwrap();
    assert!(f.instant_upgrade_allowed(Leg::Zk), "ZK proved only a claim over another parent");
    assert!(!f.instant_upgrade_allowed(Leg::Op), "OP resolved for the right claim");
}

/// Attack (review finding): a frozen leg "replaced" by the same contract was unfrozen at once.
#[test]
fn a_frozen_leg_is_not_unfrozen_by_the_same_contract() {
    let mut f = model();
    let x = propose(&mut f, claim(1, 0, 11));
    let y = propose(&mut f, claim(1, 0, 66));
    f.apply(Event::ProveSelfDisagreement { leg: Leg::Zk, a: x, b: y, verifies: true }).unwrap();
    assert_eq!(
        f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 0 }),
        Err(FinalityError::SameImplementation(Leg::Zk))
    );
    assert!(f.is_frozen(Leg::Zk));
    f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 1 }).unwrap();
    assert!(!f.is_frozen(Leg::Zk) && !f.instant_upgrade_allowed(Leg::Zk), "one replacement");
}

/// Attack (review finding): a queued action could be neither cancelled nor expire, so a stale
/// upgrade could be executed by anyone long after. Now the council cancels it, and it expires
/// 14 days after it matures.
#[test]
fn a_queued_upgrade_can_be_cancelled_and_expires() {
    let mut f = model();
    f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Zk, implementation: 1 }).unwrap();
    assert_eq!(
        f.apply(Event::CancelUpgrade { by: Actor::Anyone, leg: Leg::Zk }),
        Err(FinalityError::NotCouncil)
    );
    assert_eq!(
        f.apply(Event::CancelUpgrade { by: Actor::Council, leg: Leg::Zk }).unwrap(),
        vec![Effect::UpgradeCancelled { leg: Leg::Zk }]
    );
    tick(&mut f, 31 * DAY);
    assert_eq!(
        f.apply(Event::ExecuteUpgrade { leg: Leg::Zk }),
        Err(FinalityError::NoUpgradeQueued(Leg::Zk))
    );
    f.apply(Event::SubmitUpgrade { by: Actor::Council, leg: Leg::Op, implementation: 1 }).unwrap();
    tick(&mut f, 59 * DAY + 1);
    assert_eq!(
        f.apply(Event::ExecuteUpgrade { leg: Leg::Op }),
        Err(FinalityError::UpgradeExpired { leg: Leg::Op, expired_at: T0 + 90 * DAY })
    );
}

/// Rule 6 never fires while a claim of the oldest unfinalized batch is finalizable: here one
/// is approved by ZK and favoured by OP after the window, but nobody has called `finalize`.
#[test]
fn liveness_cannot_be_recorded_while_a_claim_is_finalizable() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    f.apply(Event::ZkProof { claim: id, valid: true }).unwrap();
    f.apply(Event::GameResolved { claim: id, for_claim: true }).unwrap();
    tick(&mut f, 30 * DAY);
    assert_eq!(f.apply(Event::RecordLivenessFailure), Err(FinalityError::ChainLive));
    f.apply(Event::Finalize { claim: id }).unwrap();
}

#[test]
fn tee_signers_are_checked_now_and_hot_fixed_at_zero_delay() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    assert_eq!(
        f.apply(Event::TeeSignature { claim: id, signer: 5 }),
        Err(FinalityError::InvalidSigner(5))
    );
    f.apply(Event::TeeSignature { claim: id, signer: SIGNER }).unwrap();
    f.apply(Event::ZkProof { claim: id, valid: true }).ok();
    assert!(f.final_claim(BatchNumber(1)).is_some());

    let next = propose(&mut f, claim(2, 11, 22));
    f.apply(Event::TeeSignature { claim: next, signer: SIGNER }).unwrap();
    // Removing the measurement takes effect at once: the signature stops counting, new ones are refused.
    f.apply(Event::SetMeasurement { by: Actor::Council, measurement: MEASUREMENT, allowed: false })
        .unwrap();
    assert_eq!(
        f.apply(Event::TeeSignature { claim: next, signer: SIGNER }),
        Err(FinalityError::InvalidSigner(SIGNER))
    );
    let effects = f.apply(Event::ZkProof { claim: next, valid: true }).unwrap();
    assert_eq!(finalized(&effects), None);
    // Allowed again but the signer expires: still refused.
    f.apply(Event::SetMeasurement { by: Actor::Council, measurement: MEASUREMENT, allowed: true })
        .unwrap();
    tick(&mut f, 90 * DAY);
    assert_eq!(
        f.apply(Event::TeeSignature { claim: next, signer: SIGNER }),
        Err(FinalityError::InvalidSigner(SIGNER))
    );
    f.apply(Event::RegisterSigner {
        by: Actor::Council,
        signer: 3,
        measurement: MEASUREMENT,
        expires_at: f.now() + DAY,
    })
    .unwrap();
    f.apply(Event::RevokeSigner { by: Actor::Council, signer: 3 }).unwrap();
    assert_eq!(
        f.apply(Event::TeeSignature { claim: next, signer: 3 }),
        Err(FinalityError::InvalidSigner(3))
    );
    assert_eq!(
        f.apply(Event::RegisterSigner {
            by: Actor::Anyone,
            signer: 4,
            measurement: MEASUREMENT,
            expires_at: u64::MAX
        }),
        Err(FinalityError::NotCouncil)
    );
}

#[test]
fn bad_events_are_typed_and_change_nothing() {
    let mut f = model();
    let id = propose(&mut f, claim(1, 0, 11));
    let before = format!("{f:?}");
    assert_eq!(
        f.apply(Event::Propose { claim: claim(1, 0, 11) }),
        Err(FinalityError::DuplicateClaim(id))
    );
    assert_eq!(f.apply(Event::Propose { claim: claim(0, 0, 1) }), Err(FinalityError::GenesisBatch));
    assert_eq!(
        f.apply(Event::ZkProof { claim: 9, valid: true }),
        Err(FinalityError::UnknownClaim(9))
    );
    assert_eq!(
        f.apply(Event::ZkProof { claim: id, valid: false }),
        Err(FinalityError::InvalidProof)
    );
    assert_eq!(
        f.apply(Event::Tick { now: T0 - 1 }),
        Err(FinalityError::TimeWentBackwards { now: T0, to: T0 - 1 })
    );
    assert_eq!(format!("{f:?}"), before, "refused events change nothing");
    f.apply(Event::GameResolved { claim: id, for_claim: false }).unwrap();
    assert_eq!(
        f.apply(Event::GameResolved { claim: id, for_claim: true }),
        Err(FinalityError::GameAlreadyResolved(id))
    );
}
