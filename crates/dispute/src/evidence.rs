//! Proof on L1 that a posted blob is not in canonical form (`Inbox.proveNonCanonical`).
//!
//! Every leg reads a blob that is not exactly a batch's canonical encoding as carrying no records
//! (docs/stf.md, `tribunal_da::read_header`). The TEE and the native STF see that from the blob
//! itself; the ZK verifier and the dispute game read it from the `Inbox`, where anyone records it
//! with at most three KZG openings. An honest node records it as soon as it meets such a batch:
//! the TEE host when it follows the batch, the ZK prover before proving it, and both dispute
//! agents when they judge a claim on it, so always within the claim's first
//! `DisputeGame.EVIDENCE_SECONDS`, before which nobody can challenge it.

use alloy::signers::local::PrivateKeySigner;
use alloy_eips::eip4844::Blob;
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use tribunal_contracts::Inbox;
use tribunal_da::non_canonical_evidence;
use tribunal_l1::{L1, L1Tx, view};
use tribunal_primitives::{BatchNumber, ChainId};

use crate::agent::{AgentError, blob_element};

/// Records on L1 that batch `n`'s `blobs` (after its `messages` L1 messages) are not in canonical
/// form, if they are not and the `Inbox` does not hold it yet. Returns the transaction's gas, or
/// `None` when nothing was sent (a canonical blob, or already recorded).
///
/// # Errors
/// [`AgentError::L1`] when reading L1 or the transaction fails; [`AgentError::Da`] when an
/// opening cannot be computed.
pub async fn prove_non_canonical<L: L1>(
    l1: &L,
    sender: &PrivateKeySigner,
    inbox: Address,
    chain_id: ChainId,
    n: u64,
    blobs: &[Blob],
    messages: usize,
) -> Result<Option<u64>, AgentError> {
    let Some(elements) = non_canonical_evidence(blobs, messages, chain_id, BatchNumber(n)) else {
        return Ok(None);
    };
    if view(l1, inbox, Inbox::nonCanonicalCall { _batchNumber: n }).await? {
        return Ok(None);
    }
    let mut openings = Vec::with_capacity(elements.len());
    for &g in &elements {
        let e = blob_element(blobs, g)?;
        openings.push(Inbox::BlobElement {
            value: e.value,
            commitment: e.commitment,
            proof: e.proof,
        });
    }
    let call = Inbox::proveNonCanonicalCall {
        _batchNumber: n,
        _elements: elements.iter().map(|&g| U256::from(g)).collect(),
        _openings: openings,
    };
    let receipt = l1.send(sender, L1Tx::call(inbox, call.abi_encode())).await?;
    tracing::info!(batch = n, ?elements, gas = receipt.gas_used, "blob proven not canonical");
    Ok(Some(receipt.gas_used))
}
