//! Random event sequences against the invariants of docs/finality.md.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tribunal_finality::{
    Actor, ClaimStatus, Effect, Event, FinalPath, Finality, FinalityParams, GameStatus, Leg,
    test_utils::{self, is_council},
};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, Fr, StateRoot, WithdrawalRoot,
};

const T0: u64 = 1_000_000;
const DAY: u64 = 24 * 3600;

fn root(x: u64) -> StateRoot {
    StateRoot(Fr::from(x))
}

/// Claims over 3 batches with 2 candidate roots each; roots are `10 * batch + choice`, and the
/// parent of batch `b` is either candidate of `b - 1`.
/// `choice` 0 or 1: a post root; 2 and 3: choice 0's post root with another data commitment or
/// another withdrawal root.
fn claim(batch: u64, parent_choice: u64, choice: u64) -> Claim {
    let parent = if batch == 1 { 0 } else { 10 * (batch - 1) + parent_choice };
    let mut withdrawal_root = WithdrawalRoot::default();
    let mut data_commitment = DataCommitment(Fr::from(batch));
    match choice {
        2 => data_commitment.0 += Fr::from(100u64),
        3 => withdrawal_root.0 += Fr::from(1u64),
        _ => {}
    }
    Claim {
        chain_id: ChainId(901),
        batch_number: BatchNumber(batch),
        parent_root: root(parent),
        post_root: root(10 * batch + u64::from(choice == 1)),
        withdrawal_root,
        data_commitment,
        blobs_hash: Default::default(),
        queue_before: Default::default(),
        queue_after: Default::default(),
    }
}

fn event() -> impl Strategy<Value = Event> {
    test_utils::event(claim, T0)
}

/// A leg that is down for a whole run: its approvals never arrive, so the slow path is exercised.
#[derive(Clone, Copy, Debug)]
enum Outage {
    None,
    Zk,
    Tee,
}

fn outage() -> impl Strategy<Value = Outage> {
    prop_oneof![2 => Just(Outage::None), 1 => Just(Outage::Zk), 1 => Just(Outage::Tee)]
}

/// A council action that takes effect at zero delay: TEE signers, measurements, the verifier.
const fn tee_side(e: &Event) -> bool {
    matches!(
        e,
        Event::RegisterSigner { .. }
            | Event::RevokeSigner { .. }
            | Event::SetMeasurement { .. }
            | Event::SubmitUpgrade { leg: Leg::Tee, .. }
    )
}

fn check(outage: Outage, events: Vec<Event>) -> Result<(), TestCaseError> {
    let events: Vec<Event> = events
        .into_iter()
        .filter(|e| match outage {
            Outage::None => true,
            Outage::Zk => !matches!(e, Event::ZkProof { .. }),
            Outage::Tee => !matches!(e, Event::TeeSignature { .. }),
        })
        .collect();

    let mut f = Finality::new(FinalityParams::new(root(0), T0));
    f.apply(Event::SetMeasurement { by: Actor::Council, measurement: 1, allowed: true }).unwrap();
    f.apply(Event::RegisterSigner {
        by: Actor::Council,
        signer: 1,
        measurement: 1,
        expires_at: T0 + 60 * DAY,
    })
    .unwrap();
    let mut proposed_at: BTreeMap<u64, u64> = BTreeMap::new();
    let mut queued_at: BTreeMap<Leg, u64> = BTreeMap::new();
    let mut finals: BTreeMap<u64, (u64, FinalPath)> = BTreeMap::new();
    let mut approved: std::collections::BTreeSet<(u64, Leg)> = Default::default();
    for event in events {
        // Ticks in the strategy are relative; make them absolute.
        let event = match event {
            Event::Tick { now } => Event::Tick { now: f.now() + now },
            e => e,
        };
        let before = format!("{f:?}");
        // Claims ZK + OP would finalize now: nothing the council does at zero delay (the TEE
        // side) may stop them (rule 6: the council cannot manufacture a stall).
        let zk_op_finalizable: Vec<u64> = if tee_side(&event) {
            (0..f.claim_count())
                .filter(|&id| {
                    matches!(
                        f.status(id).unwrap(),
                        ClaimStatus::Pending { zk: true, op: GameStatus::ResolvedFor, .. }
                    ) && f.clone().apply(Event::Finalize { claim: id }).is_ok()
                })
                .collect()
        } else {
            Vec::new()
        };
        let result = f.apply(event.clone());
        let Ok(effects) = result else {
            prop_assert_eq!(format!("{f:?}"), before, "a refused event changed state");
            continue;
        };
        for &id in &zk_op_finalizable {
            let still = f.clone().apply(Event::Finalize { claim: id });
            prop_assert!(still.is_ok(), "{event:?} stopped ZK + OP claim {id}: {still:?}");
        }
        for effect in &effects {
            match *effect {
                Effect::Proposed { claim } => {
                    proposed_at.insert(claim, f.now());
                }
                Effect::Approved { claim, leg } => {
                    approved.insert((claim, leg));
                }
                Effect::GameResolved { claim, status: GameStatus::ResolvedFor } => {
                    approved.insert((claim, Leg::Op));
                }
                Effect::UpgradeQueued { leg, .. } => {
                    queued_at.insert(leg, f.now());
                }
                Effect::UpgradeExecuted { leg, instant: false } => {
                    // Rule 7: without evidence, only after the full timelock.
                    prop_assert!(leg != Leg::Tee);
                    prop_assert!(f.now() >= queued_at[&leg] + f.params().upgrade_delay_secs);
                }
                Effect::Finalized { claim, path, at } => {
                    // Rule 3: nothing the council does finalizes.
                    prop_assert!(!is_council(&event), "council event finalized: {event:?}");
                    let c = *f.claim(claim).unwrap();
                    // One final claim per batch, and final roots chain from genesis.
                    prop_assert!(!finals.contains_key(&c.batch_number.0));
                    if c.batch_number.0 > 1 {
                        let (parent, _) = finals
                            .get(&(c.batch_number.0 - 1))
                            .copied()
                            .expect("parent final first");
                        prop_assert_eq!(f.claim(parent).unwrap().post_root, c.parent_root);
                    } else {
                        prop_assert_eq!(c.parent_root, root(0));
                    }
                    match path {
                        // Rule 1 needs a ZK proof and a TEE signature on this very claim.
                        FinalPath::Instant => {
                            prop_assert!(
                                approved.contains(&(claim, Leg::Zk))
                                    && approved.contains(&(claim, Leg::Tee))
                            );
                            let by_approval_or_finalize = matches!(
                                event,
                                Event::ZkProof { .. }
                                    | Event::TeeSignature { .. }
                                    | Event::ProposeAndSettle { .. }
                                    | Event::Finalize { .. }
                            );
                            prop_assert!(by_approval_or_finalize);
                        }
                        // Rule 2: only after the window, and only by an explicit finalize.
                        FinalPath::Slow { with } => {
                            prop_assert!(with != Leg::Op);
                            prop_assert!(
                                approved.contains(&(claim, with))
                                    && approved.contains(&(claim, Leg::Op))
                            );
                            prop_assert!(at >= proposed_at[&claim] + 7 * DAY);
                            let is_finalize = matches!(event, Event::Finalize { .. });
                            prop_assert!(is_finalize);
                        }
                    }
                    // `FINALITY_COVERAGE=1 cargo test -p tribunal-finality -- --nocapture` counts the paths hit.
                    if std::env::var_os("FINALITY_COVERAGE").is_some() {
                        eprintln!("COVER {path:?}");
                    }
                    finals.insert(c.batch_number.0, (claim, path));
                }
                _ => {}
            }
        }
        // Rule 5 caught at approval: per input (batch, parent root), at most one claim counts
        // for ZK and one for TEE; this is what lets the contract's liveness check read two claims.
        let mut counting: std::collections::HashMap<(u64, StateRoot, bool), u64> =
            Default::default();
        for id in 0..f.claim_count() {
            if let ClaimStatus::Pending { zk, tee, .. } = f.status(id).unwrap() {
                let c = f.claim(id).unwrap();
                for (leg, counts) in [(true, zk), (false, tee)] {
                    if counts {
                        let n = counting.entry((c.batch_number.0, c.parent_root, leg)).or_default();
                        *n += 1;
                        prop_assert!(*n == 1, "two claims count for one leg over one input");
                    }
                }
            }
        }
        // Finality never reverts.
        for &(claim, path) in finals.values() {
            let is_final_still =
                matches!(f.status(claim).unwrap(), ClaimStatus::Final { path: p, .. } if p == path);
            prop_assert!(is_final_still);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn invariants(outage in outage(), events in prop::collection::vec(event(), 1..60)) {
        check(outage, events)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Soak: `cargo test -p tribunal-finality --test properties -- --ignored`.
    #[test]
    #[ignore = "soak test; run with --ignored"]
    fn invariants_soak(outage in outage(), events in prop::collection::vec(event(), 1..120)) {
        check(outage, events)?;
    }
}
