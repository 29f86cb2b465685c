//! The reference model of Tribunal's finality rule (docs/finality.md), as a pure state machine:
//! [`Finality::apply`] takes one [`Event`] at a time and returns the [`Effect`]s it causes, or
//! the [`FinalityError`] the contract would revert with.
//!
//! `tribunal-finality` owns the rules: when a claim is final, which leg counts, what the security
//! council may do and when. The `MultiProofFinality` contract implements the same rules and is
//! differential-tested against this model; the node uses it to predict and explain finality.
//! It depends only on `tribunal-primitives`, does no I/O and reads no clock: time arrives as
//! [`Event::Tick`].
//!
//! # The rules, as modelled
//!
//! 1. ZK and TEE (both counting) approve a claim whose parent is final: it is final at once.
//! 2. Exactly one of ZK or TEE approves: final once the OP window since the proposal has passed
//!    and the claim's dispute game resolved for it.
//! 3. No other combination finalizes: not OP alone, TEE alone, nor anything the council does.
//! 4. A claim's input is `(batch, parent_root)`; a different post root, withdrawal root or data
//!    commitment over it is another result. When a claim finalizes, every leg that approved
//!    another result for its input is recorded faulty ([`Effect::LegFaulty`]).
//! 5. Two approvals by one leg of different results for the same input are evidence. ZK or TEE
//!    approving a second result in the same epoch freezes the leg at once; otherwise anyone may
//!    submit it ([`Event::ProveSelfDisagreement`]): two proofs or two signatures that verify
//!    now, or two games resolved for different results. The leg then counts as zero, and the
//!    council may replace its verifier at once. Approvals made by a frozen leg, or under a
//!    replaced verifier or game, no longer count for claims that are not yet final; final
//!    claims stay final.
//! 6. The oldest unfinalized batch's first claim has waited the OP window plus the liveness grace
//!    (7 + 7 days) and none of its claims is finalizable: anyone may record a liveness failure,
//!    which opens one instant replacement, of a leg that never approved a claim of that batch
//!    over its final parent (ZK, TEE: in any epoch; OP: the current game), until the next
//!    finalization. A TEE approval is the latest valid
//!    signature on the claim; the contract reads the TEE verifier with bounded gas, so a
//!    verifier that reverts or burns gas is "no TEE approval" and never blocks ZK + OP. The
//!    model checks every claim; the contract reads only each leg's latest approval of the
//!    input, which rule 5 makes equivalent.
//! 7. The council changes TEE logic at once, and the ZK verifier or OP game through the upgrade
//!    timelock, or at once under rule 5 evidence for that leg or a recorded liveness failure
//!    ([`Event::SubmitUpgrade`], [`Event::ExecuteUpgrade`], as `SecurityCouncil` does). It has
//!    no event that finalizes, reverts or moves funds.
//! 8. [`Finality::final_claim`] is what withdrawals are proven against.
//!
//! [`stage`] grades a deployment's configuration against the L2BEAT Stages framework.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod model;
pub mod stage;
#[cfg(feature = "test-utils")]
pub mod test_utils;

pub use model::{
    Actor, ClaimId, ClaimStatus, Effect, Event, FinalPath, Finality, FinalityError, FinalityParams,
    GameStatus, Leg,
};
