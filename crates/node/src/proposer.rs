//! Proposing claims to `MultiProofFinality`.

use alloy_primitives::B256;
use tribunal_contracts::MultiProofFinality;
use tribunal_primitives::{
    BatchNumber, DataCommitment, StateRoot, WithdrawalRoot, field::fr_to_be_bytes,
};

/// The `propose` call for a claim that executing `batch` on `parent` gives `post`. The bond
/// (`BOND_WEI`) goes as the call's value; the batch context is read by the contract.
pub fn propose_call(
    batch: BatchNumber,
    parent: StateRoot,
    post: StateRoot,
    withdrawal_root: WithdrawalRoot,
    data_commitment: DataCommitment,
) -> MultiProofFinality::proposeCall {
    let word = |x| B256::from(fr_to_be_bytes(x));
    MultiProofFinality::proposeCall {
        _batchNumber: batch.0,
        _parentRoot: word(&parent.0),
        _postRoot: word(&post.0),
        _withdrawalRoot: word(&withdrawal_root.0),
        _dataCommitment: word(&data_commitment.0),
    }
}
