//! Claims as `MultiProofFinality` keeps them: four slots per claim, with the whole claim bound to
//! its id by the hash of its ABI encoding. A call that needs the whole claim (`proveZk`,
//! `attestTee`, `proveAndAttest`, `finalize`, `proveSelfDisagreement`, `DisputeGame.challenge`)
//! passes it back, exactly as proposed; readers take it from the claim's `ClaimProposed` log.
//! A claim settled alone (`proposeAndSettle` or `postAndSettle` on a batch with no other claim)
//! has two slots, no index and no bond (`proposerOf` is zero; its sender is in its log): it is
//! read by id and batch like any other, and no call passes it back.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolEvent, SolValue};
use tribunal_contracts::MultiProofFinality;
use tribunal_l1::{L1, L1Error, view};

/// The `ClaimProposed` log of claim `id` on the canonical chain: the claim with its batch
/// context, and who proposed it (the bonded proposer, or the sender of a claim settled alone);
/// `None` when there is none (no such claim, or its proposal was reorged out). The log is looked
/// for from `MultiProofFinality.proposalBlockOf(id)` (the block of its batch's first claim), so a
/// read costs the same however long the chain is.
///
/// # Errors
/// [`L1Error`] when the log query fails.
pub async fn proposal<L: L1>(
    l1: &L,
    finality: Address,
    id: u64,
) -> Result<Option<MultiProofFinality::ClaimProposed>, L1Error> {
    let from = MultiProofFinality::proposalBlockOfCall { _id: U256::from(id) };
    let from = match view(l1, finality, from).await {
        Ok(block) => block,
        // `Finality_UnknownClaim`: no such claim on this chain.
        Err(L1Error::Revert(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let event = MultiProofFinality::ClaimProposed::SIGNATURE_HASH;
    let topic = B256::from(U256::from(id));
    let logs = l1.logs_where(finality, event, Some(topic), from).await?;
    Ok(logs
        .iter()
        .rev()
        .find_map(|l| MultiProofFinality::ClaimProposed::decode_log(&l.log).ok())
        .map(|e| e.data))
}

/// The claim proposed as `id`, with its batch context: [`proposal`]'s claim.
///
/// # Errors
/// [`L1Error`] when the log query fails.
pub async fn proposed<L: L1>(
    l1: &L,
    finality: Address,
    id: u64,
) -> Result<Option<MultiProofFinality::Claim>, L1Error> {
    Ok(proposal(l1, finality, id).await?.map(|e| e.claim))
}

/// [`proposed`], for a claim that must exist: one whose id L1 already counts (`claimCount`).
///
/// # Errors
/// [`L1Error::Transport`] when its log is missing (the node answered a count and logs of two
/// different chains, as during a reorg: retrying may help); [`L1Error`] when the query fails.
pub async fn proposed_known<L: L1>(
    l1: &L,
    finality: Address,
    id: u64,
) -> Result<MultiProofFinality::Claim, L1Error> {
    proposed(l1, finality, id).await?.ok_or_else(|| {
        L1Error::Transport(format!("no ClaimProposed log for claim {id} on the node's chain"))
    })
}

/// A claim in another contract's binding of the same Solidity `Claim` struct (each `sol!`
/// binding, and `tribunal_primitives::claim::sol_claim`, has its own Rust type): the ABI
/// encoding is the same, so this never changes a field.
pub fn recast<
    A: SolValue,
    B: SolValue + From<<B::SolType as alloy_sol_types::SolType>::RustType>,
>(
    claim: &A,
) -> B {
    B::abi_decode(&claim.abi_encode()).expect("bindings of the same Solidity struct")
}
