//! Claims: what the three proof legs approve or dispute (docs/finality.md).

use alloy_primitives::{Address, B256};
use alloy_sol_types::{SolStruct, eip712_domain};

use crate::{Fr, batch::BatchNumber, field::fr_to_word, queue::QueueAcc, tx::ChainId};

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
/// `(chain_id, batch_number, parent_root, post_root, data_commitment)` is the claim of
/// docs/finality.md. The withdrawal root travels with it because withdrawals are proven against final claims.
/// `blobs_hash`, `queue_before` and `queue_after` are the batch's context on L1: the finality
/// contract reads them from the `Inbox` when the claim is proposed, so every leg approves the
/// roots together with exactly the blobs and L1 messages that were posted.
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
    /// keccak256 of the batch's blob versioned hashes, concatenated in blob order.
    pub blobs_hash: B256,
    /// L1 message queue accumulator before the batch's L1 messages.
    pub queue_before: QueueAcc,
    /// Accumulator after them.
    pub queue_after: QueueAcc,
}

/// The Solidity `Claim` struct of `interfaces/Types.sol`, also the EIP-712 type TEE signers sign.
pub mod sol_claim {
    alloy_sol_types::sol! {
        /// A claim with its batch context; field elements are big-endian `bytes32`.
        #[derive(Debug, PartialEq, Eq)]
        struct Claim {
            uint64 l2ChainId;
            uint64 batchNumber;
            bytes32 parentRoot;
            bytes32 postRoot;
            bytes32 withdrawalRoot;
            bytes32 dataCommitment;
            bytes32 blobsHash;
            bytes32 queueBefore;
            bytes32 queueAfter;
        }
    }
}

impl Claim {
    /// The claim as the Solidity `Claim` struct.
    pub fn to_sol(&self) -> sol_claim::Claim {
        sol_claim::Claim {
            l2ChainId: self.chain_id.0,
            batchNumber: self.batch_number.0,
            parentRoot: fr_to_word(&self.parent_root.0),
            postRoot: fr_to_word(&self.post_root.0),
            withdrawalRoot: fr_to_word(&self.withdrawal_root.0),
            dataCommitment: fr_to_word(&self.data_commitment.0),
            blobsHash: self.blobs_hash,
            queueBefore: fr_to_word(&self.queue_before.0),
            queueAfter: fr_to_word(&self.queue_after.0),
        }
    }

    /// The EIP-712 digest a TEE signer signs for this claim: domain `{name: "TribunalFinality",
    /// version: "1", chainId: l1_chain_id, verifyingContract: finality}`, primary type `Claim`
    /// as in `MultiProofFinality.CLAIM_TYPEHASH`.
    pub fn tee_signing_hash(&self, l1_chain_id: u64, finality: Address) -> B256 {
        let domain = eip712_domain! {
            name: "TribunalFinality",
            version: "1",
            chain_id: l1_chain_id,
            verifying_contract: finality,
        };
        self.to_sol().eip712_signing_hash(&domain)
    }
}
