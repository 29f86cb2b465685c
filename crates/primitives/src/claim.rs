//! Claims: what the three proof legs approve or dispute (DESIGN.md §1).

use crate::{Fr, batch::BatchNumber, tx::ChainId};

/// Root of the account tree after some batch.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct StateRoot(pub Fr);

/// Root of a batch's withdrawal tree.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct WithdrawalRoot(pub Fr);

/// Commitment to a batch's bytes ([`crate::batch::data_commitment`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct DataCommitment(pub Fr);

/// A claim that executing batch `batch_number` on `parent_root` gives `post_root`.
///
/// `(chain_id, batch_number, parent_root, post_root, data_commitment)` is the claim of DESIGN.md
/// §1; the withdrawal root travels with it because withdrawals are proven against final claims.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Claim {
    /// L2 chain.
    pub chain_id: ChainId,
    /// The batch executed.
    pub batch_number: BatchNumber,
    /// State root the batch starts from.
    pub parent_root: StateRoot,
    /// State root after the batch.
    pub post_root: StateRoot,
    /// Root of the withdrawals the batch emitted.
    pub withdrawal_root: WithdrawalRoot,
    /// Commitment to the batch bytes.
    pub data_commitment: DataCommitment,
}
