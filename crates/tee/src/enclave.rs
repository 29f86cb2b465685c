//! The enclave boundary: what goes in (a claim, its blobs, a parent state witness), what every
//! enclave checks before signing ([`reexecute`]), and what comes out (a [`TeeApproval`]).

use alloy_eips::eip4844::Blob;
use alloy_primitives::{Address, B256};
use tribunal_primitives::{AccountIndex, BatchNumber, ChainId, Claim, Tx, field::fr_to_word};
use tribunal_stf::{BatchOutput, State, StateWitness, StfConfig, StfError, execute_batch};

use crate::{Attestation, Measurement};

/// What an enclave is configured with; part of its measurement.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EnclaveConfig {
    /// The L2's STF parameters (chain id, tree depths).
    pub stf: StfConfig,
    /// The L1 chain id of the EIP-712 domain it signs under.
    pub l1_chain_id: u64,
    /// The `MultiProofFinality` contract of the EIP-712 domain it signs under.
    pub finality: Address,
}

impl EnclaveConfig {
    /// A canonical encoding, hashed into the dev measurement: chain id (8 bytes), account and
    /// withdrawal depths (1 byte each), L1 chain id (8 bytes), finality address (20 bytes).
    pub fn encode(&self) -> Vec<u8> {
        [
            &self.stf.chain_id.0.to_be_bytes()[..],
            &[self.stf.account_depth, self.stf.withdrawal_depth],
            &self.l1_chain_id.to_be_bytes(),
            self.finality.as_slice(),
        ]
        .concat()
    }

    /// The inverse of [`EnclaveConfig::encode`]: `None` unless `bytes` is exactly 38 bytes.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; 38] = bytes.try_into().ok()?;
        let u64_at = |i: usize| u64::from_be_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        Some(Self {
            stf: StfConfig {
                chain_id: ChainId(u64_at(0)),
                account_depth: bytes[8],
                withdrawal_depth: bytes[9],
            },
            l1_chain_id: u64_at(10),
            finality: Address::from_slice(&bytes[18..]),
        })
    }
}

/// A claim to approve, with what the enclave needs to re-execute it.
#[derive(Clone, Debug)]
pub struct ProveRequest {
    /// The claim, as proposed on L1 (with the batch's blobs hash and L1 queue context).
    pub claim: Claim,
    /// The batch's blobs, in order.
    pub blobs: Vec<Blob>,
    /// The L1 messages the batch consumes (its `Inbox` range, in queue order), as the host read
    /// them from L1. Not trusted: their hashes must chain the claim's `queue_before` to its
    /// `queue_after` (check 5), which L1 binds to the `Inbox`.
    pub messages: Vec<Tx>,
    /// Every account the batch names, proven against `claim.parent_root`.
    pub parent: StateWitness,
}

/// A claim an enclave re-executed and signed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TeeApproval {
    /// The claim.
    pub claim: Claim,
    /// The enclave signer.
    pub signer: Address,
    /// `r ‖ s ‖ v` (v = 27 or 28, low s) over [`Claim::tee_signing_hash`].
    pub signature: [u8; 65],
}

/// Why an enclave did not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeeError {
    /// The claim is for another L2 chain than the enclave's.
    #[error("claim is for chain {claim:?}, the enclave serves {enclave:?}")]
    WrongChain {
        /// The claim's chain.
        claim: ChainId,
        /// The enclave's.
        enclave: ChainId,
    },
    /// The blobs given are not the ones the claim was posted with.
    #[error("blobs hash {computed} is not the claim's {claimed}")]
    BlobsMismatch {
        /// The claim's `blobs_hash`.
        claimed: B256,
        /// keccak256 of the given blobs' versioned hashes.
        computed: B256,
    },
    /// The blobs do not hold a batch.
    #[error("batch data: {0}")]
    Data(#[from] tribunal_da::DaError),
    /// The claim names batch 0, the genesis state, which no blob holds.
    #[error("no blobs hold batch {batch:?}; the claim is for {claim:?}")]
    WrongBatch {
        /// The claim's batch number.
        claim: BatchNumber,
        /// The decoded batch's.
        batch: BatchNumber,
    },
    /// The parent state witness does not prove an account the batch names.
    #[error("the parent state witness does not prove account {0:?}")]
    MissingWitness(AccountIndex),
    /// The parent state witness does not open to the claim's parent root.
    #[error("parent state witness: {0}")]
    Witness(StfError),
    /// The STF refuses the batch (another chain, or not the replica's next batch): no post root
    /// exists.
    #[error("the STF refuses the batch: {0}")]
    Execution(StfError),
    /// Re-execution gives another value than the claim's.
    #[error("re-execution disagrees on the {field}: claimed {claimed}, computed {computed}")]
    Disagree {
        /// `data_commitment`, `post_root`, `withdrawal_root` or `queue_after`.
        field: &'static str,
        /// The claim's value, big-endian.
        claimed: B256,
        /// The enclave's.
        computed: B256,
    },
    /// The attestation or signing backend failed.
    #[error("enclave backend: {0}")]
    Backend(String),
}

impl TeeError {
    /// Whether the claim itself is wrong (its data or its roots), as opposed to the prover's
    /// inputs or backend. A wrong claim is what the TEE prover alerts on.
    pub const fn is_wrong_claim(&self) -> bool {
        matches!(
            self,
            Self::WrongChain { .. }
                | Self::BlobsMismatch { .. }
                | Self::Data(_)
                | Self::WrongBatch { .. }
                | Self::Execution(_)
                | Self::Disagree { .. }
        )
    }
}

/// An enclave: it holds a secp256k1 key that never leaves it, can attest to that key, and signs
/// a claim only after re-executing it ([`reexecute`]).
///
/// [`crate::DevEnclave`] runs in-process with a software key. An SGX or TDX build implements the
/// same trait across the enclave boundary (an ECALL, or a vsock service inside the TD) and
/// attests with a DCAP quote whose report data is [`crate::report_data`].
pub trait Enclave: Send + Sync {
    /// The enclave's configuration.
    fn config(&self) -> &EnclaveConfig;
    /// The measurement of the code it runs.
    fn measurement(&self) -> Measurement;
    /// The address of its signing key.
    fn signer(&self) -> Address;
    /// Evidence binding [`Self::signer`] and the L2 chain to [`Self::measurement`].
    ///
    /// # Errors
    /// [`TeeError::Backend`] when the platform cannot produce a quote.
    fn attestation(&self) -> Result<Attestation, TeeError>;
    /// Re-executes `request` and signs its claim's EIP-712 digest if everything agrees.
    ///
    /// # Errors
    /// [`TeeError`] for the first check that fails; nothing is signed then.
    fn prove(&self, request: &ProveRequest) -> Result<TeeApproval, TeeError>;
}

/// The checks an enclave runs before signing `request.claim`, in order:
/// 1. the claim is for `config`'s chain;
/// 2. keccak256 of the blobs' versioned hashes (EIP-4844, from their KZG commitments) is the
///    claim's `blobs_hash`;
/// 3. the batch the blobs hold, read as every leg reads them (`tribunal_da::read_batch`: total,
///    bad bytes are skipped records) after the request's L1 messages, has the claim's data
///    commitment;
/// 4. the witness proves every account the batch names against the claim's `parent_root`;
/// 5. `execute_batch` from there, with the claim's `queue_before`, gives the claim's post root,
///    withdrawal root and `queue_after` (so the messages are the queue's).
///
/// # Errors
/// [`TeeError`] naming the first check that fails.
pub fn reexecute(config: &StfConfig, request: &ProveRequest) -> Result<BatchOutput, TeeError> {
    let claim = &request.claim;
    if claim.chain_id != config.chain_id {
        return Err(TeeError::WrongChain { claim: claim.chain_id, enclave: config.chain_id });
    }
    let computed = tribunal_da::blobs_hash(&request.blobs)?;
    if computed != claim.blobs_hash {
        return Err(TeeError::BlobsMismatch { claimed: claim.blobs_hash, computed });
    }
    if claim.batch_number.0 == 0 {
        return Err(TeeError::WrongBatch { claim: claim.batch_number, batch: claim.batch_number });
    }
    let batch = tribunal_da::read_batch(
        &request.blobs,
        &request.messages,
        claim.chain_id,
        claim.batch_number,
    );
    let commitment = batch.data_commitment();
    if commitment != claim.data_commitment.0 {
        return Err(TeeError::Disagree {
            field: "data_commitment",
            claimed: fr_to_word(&claim.data_commitment.0),
            computed: fr_to_word(&commitment),
        });
    }
    request.parent.covers(&batch).map_err(TeeError::MissingWitness)?;
    let head = BatchNumber(batch.number.0 - 1);
    let mut state = State::from_witness(*config, head, claim.parent_root, &request.parent)
        .map_err(TeeError::Witness)?;
    state.set_queue(claim.queue_before, 0);
    let out = execute_batch(&mut state, &batch).map_err(TeeError::Execution)?;
    for (field, claimed, computed) in [
        ("post_root", claim.post_root.0, out.post_root.0),
        ("withdrawal_root", claim.withdrawal_root.0, out.withdrawal_root.0),
        ("queue_after", claim.queue_after.0, out.queue_after.0),
    ] {
        if claimed != computed {
            return Err(TeeError::Disagree {
                field,
                claimed: fr_to_word(&claimed),
                computed: fr_to_word(&computed),
            });
        }
    }
    Ok(out)
}
