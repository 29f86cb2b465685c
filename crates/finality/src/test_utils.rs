//! Random event sequences for property and differential tests (feature `test-utils`).

use proptest::prelude::*;
use tribunal_primitives::Claim;

use crate::{Actor, Event, Leg};

/// Seconds in a day.
pub const DAY: u64 = 24 * 3600;

/// Any leg.
pub fn leg() -> impl Strategy<Value = Leg> {
    prop_oneof![Just(Leg::Zk), Just(Leg::Tee), Just(Leg::Op)]
}

/// Mostly the council, sometimes anyone (whose council actions must be refused).
pub fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![4 => Just(Actor::Council), 1 => Just(Actor::Anyone)]
}

/// One event, weighted toward sequences that finalize so both paths are exercised.
///
/// Claims come from `claim(batch, parent_choice, choice)` over batches 1..=3 with two candidate
/// roots each: `choice` 0 or 1 picks the post root, and the rarer 2 and 3 are choice 0's post
/// root with another data commitment or another withdrawal root (other results for the same
/// input). Claim ids are 0..5, TEE signers 1..=2 (1 is the usual one), measurements 0..3.
/// `Tick { now }` is **relative** (seconds to add); `expires_at` is relative to `t0`.
pub fn event(claim: fn(u64, u64, u64) -> Claim, t0: u64) -> impl Strategy<Value = Event> {
    let id = 0u64..5;
    let signer = prop_oneof![5 => Just(1u32), 1 => Just(2u32)];
    prop_oneof![
        4 => (1u64..4, prop::bool::weighted(0.2), prop_oneof![14 => Just(0u64), 6 => Just(1), 1 => Just(2), 1 => Just(3)])
            .prop_map(move |(b, p, c)| Event::Propose { claim: claim(b, u64::from(p), c) }),
        2 => (1u64..4, prop::bool::weighted(0.2), prop_oneof![6 => Just(0u64), 2 => Just(1), 1 => Just(2)], prop::bool::weighted(0.9), signer.clone())
            .prop_map(move |(b, p, c, valid, signer)| Event::ProposeAndSettle { claim: claim(b, u64::from(p), c), valid, signer }),
        4 => (id.clone(), prop::bool::weighted(0.9)).prop_map(|(claim, valid)| Event::ZkProof { claim, valid }),
        4 => (id.clone(), signer).prop_map(|(claim, signer)| Event::TeeSignature { claim, signer }),
        3 => (id.clone(), prop::bool::weighted(0.8)).prop_map(|(claim, for_claim)| Event::GameResolved { claim, for_claim }),
        6 => id.clone().prop_map(|claim| Event::Finalize { claim }),
        1 => (leg(), id.clone(), id, any::<bool>()).prop_map(|(leg, a, b, verifies)| Event::ProveSelfDisagreement { leg, a, b, verifies }),
        1 => Just(Event::RecordLivenessFailure),
        4 => prop_oneof![1 => Just(DAY), 1 => Just(3 * DAY), 3 => Just(8 * DAY), 1 => Just(31 * DAY), 1 => Just(3600), 1 => Just(7 * DAY - 3)].prop_map(|d| Event::Tick { now: d }),
        1 => (actor(), leg(), 0u32..3).prop_map(|(by, leg, implementation)| Event::SubmitUpgrade { by, leg, implementation }),
        1 => (actor(), leg()).prop_map(|(by, leg)| Event::CancelUpgrade { by, leg }),
        1 => leg().prop_map(|leg| Event::ExecuteUpgrade { leg }),
        1 => (actor(), 0u32..3, prop::bool::weighted(0.7)).prop_map(|(by, measurement, allowed)| Event::SetMeasurement { by, measurement, allowed }),
        1 => (actor(), 1u32..3).prop_map(|(by, signer)| Event::RevokeSigner { by, signer }),
        1 => (actor(), 1u32..3, 0u32..3).prop_map(move |(by, signer, measurement)| Event::RegisterSigner { by, signer, measurement, expires_at: t0 + 60 * DAY }),
    ]
}

/// Whether the event is a council action (or the execution of one).
pub const fn is_council(e: &Event) -> bool {
    matches!(
        e,
        Event::SubmitUpgrade { .. }
            | Event::CancelUpgrade { .. }
            | Event::ExecuteUpgrade { .. }
            | Event::SetMeasurement { .. }
            | Event::RevokeSigner { .. }
            | Event::RegisterSigner { .. }
    )
}
