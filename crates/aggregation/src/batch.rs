//! Submissions and the `ProofAggregator.aggregate` call that verifies a batch of them.
//!
//! A batch lists its proofs grouped by circuit (each group costs 3 pairings on top of one per
//! proof); positions count through the groups in order, and the batch root is the Merkle root
//! ([`crate::merkle`]) of the proof ids in that order. Each submission is aggregated whole and
//! names its proofs by position, in its own order, so the contract can rebuild its id.

use std::collections::HashMap;

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use alloy_sol_types::{Eip712Domain, SolStruct, eip712_domain};
use serde::{Deserialize, Serialize};
use tribunal_contracts::ProofAggregator;

use crate::{
    groth16::{self, Proof},
    merkle,
};

/// One proof: its circuit, the proof as the 8 EIP-197 words (`A.x A.y B.x_im B.x_re B.y_im
/// B.y_re C.x C.y`, `A` not negated: FORMAT.md's `proof_evm_words`), and its public inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The registered circuit.
    pub circuit_id: B256,
    /// The proof's words.
    pub proof: [U256; 8],
    /// The public inputs, each below r.
    pub inputs: Vec<U256>,
}

impl Entry {
    /// An entry of a proof in contract layout.
    pub fn new(circuit_id: B256, proof: &Proof, inputs: Vec<U256>) -> Self {
        let mut w = [U256::ZERO; 8];
        w[..2].copy_from_slice(&proof.a);
        w[2..6].copy_from_slice(&proof.b);
        w[6..].copy_from_slice(&proof.c);
        Self { circuit_id, proof: w, inputs }
    }

    /// The proof in contract layout.
    pub fn proof(&self) -> Proof {
        let w = &self.proof;
        Proof { a: [w[0], w[1]], b: [w[2], w[3], w[4], w[5]], c: [w[6], w[7]] }
    }

    /// Its proof id.
    pub fn proof_id(&self) -> B256 {
        groth16::proof_id(self.circuit_id, &self.inputs)
    }
}

/// The id of a submission of `entries`: the Merkle root of their proof ids, in order.
pub fn submission_id(entries: &[Entry]) -> B256 {
    merkle::root(&entries.iter().map(Entry::proof_id).collect::<Vec<_>>())
}

/// The largest fee a voucher link holds, in wei: the contract's uint96 (more than all ether).
pub const MAX_FEE: U256 = U256::from_limbs([u64::MAX, u32::MAX as u64, 0, 0]);

/// The flag on a packed submission's count byte (`ProofAggregator.OffchainCharge.submissions`)
/// that says its fee repeats the previous submission's of the same charge, and its 12 bytes are
/// left out. 12 bytes of calldata, about 100 gas, saved per submission after a submitter's first
/// in a batch.
pub const REPEATED_FEE: u8 = 0x80;

/// The next head of a submitter's voucher chain (`ProofAggregator.FeeVoucher`): the high 20
/// bytes of `keccak256(chain ‖ submission_id ‖ fee)`, the fee in wei as 12 big-endian bytes (at
/// most [`MAX_FEE`]; the service refuses a larger one). The chain starts at zero.
pub fn next_chain(chain: FixedBytes<20>, submission_id: B256, fee: U256) -> FixedBytes<20> {
    let fee: [u8; 32] = fee.to_be_bytes();
    let h = alloy_primitives::keccak256(
        [chain.as_slice(), submission_id.as_slice(), &fee[20..]].concat(),
    );
    FixedBytes::from_slice(&h[..20])
}

/// An off-chain submitter's fee voucher for one submission (`ProofAggregator.FeeVoucher`,
/// EIP-712): the fee it pays for this submission, and the head of its chain with this
/// submission's link ([`next_chain`]) added. Only `submitter` and `chain` are signed; the
/// chain binds the fee.
///
/// The submitter signs a new voucher with each submission. A batch charges each submitter once,
/// by the latest voucher it covers, for every link since the last charge; those submissions
/// must all be in the batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeVoucher {
    /// Who pays, from its prepaid balance.
    pub submitter: Address,
    /// The chain's head, this submission's link included.
    pub chain: FixedBytes<20>,
    /// This submission's fee, in wei (below 2^96).
    pub fee: U256,
    /// 65-byte ECDSA signature (r ‖ s ‖ v) of [`FeeVoucher::digest`].
    pub signature: Bytes,
}

impl FeeVoucher {
    /// The contract's struct, without the fee and signature.
    pub const fn sol(&self) -> ProofAggregator::FeeVoucher {
        ProofAggregator::FeeVoucher { submitter: self.submitter, chain: self.chain }
    }

    /// The EIP-712 digest the submitter signs (`ProofAggregator.feeVoucherDigest`).
    pub fn digest(&self, l1_chain_id: u64, contract: Address) -> B256 {
        self.sol().eip712_signing_hash(&domain(l1_chain_id, contract))
    }

    /// Signs the voucher that adds `submission_id` at `fee` wei to the chain ending at `head`.
    ///
    /// # Panics
    /// Never for a local key.
    pub fn sign(
        signer: &PrivateKeySigner,
        head: FixedBytes<20>,
        submission_id: B256,
        fee: U256,
        l1_chain_id: u64,
        contract: Address,
    ) -> Self {
        let chain = next_chain(head, submission_id, fee);
        let mut v = Self { submitter: signer.address(), chain, fee, signature: Bytes::new() };
        let sig = signer.sign_hash_sync(&v.digest(l1_chain_id, contract)).expect("local keys sign");
        v.signature = sig.as_bytes().to_vec().into();
        v
    }

    /// The signature, if well formed.
    fn parsed(&self) -> Option<alloy_primitives::Signature> {
        alloy_primitives::Signature::try_from(self.signature.as_ref()).ok()
    }

    /// Whether the signature is the submitter's.
    pub fn is_signed(&self, l1_chain_id: u64, contract: Address) -> bool {
        self.parsed()
            .and_then(|s| s.recover_address_from_prehash(&self.digest(l1_chain_id, contract)).ok())
            == Some(self.submitter)
    }

    /// The signature in EIP-2098 compact form `(r, y_parity · 2^255 | s)`, as `OffchainCharge`
    /// takes it, with `s` normalized to the lower half of the curve order (BIP 62, as
    /// OpenZeppelin's `ECDSA` requires): a high-`s` signature, which [`Self::is_signed`] accepts
    /// (it recovers the same signer), is sent as its low-`s` twin. Zero words for a malformed
    /// signature (which the contract refuses).
    pub fn compact(&self) -> (B256, B256) {
        self.parsed().map_or((B256::ZERO, B256::ZERO), |s| {
            let c = s.as_erc2098();
            (B256::from_slice(&c[..32]), B256::from_slice(&c[32..]))
        })
    }
}

/// `ProofAggregator`'s EIP-712 domain.
pub fn domain(l1_chain_id: u64, contract: Address) -> Eip712Domain {
    eip712_domain! {
        name: "Tribunal ProofAggregator",
        version: "1",
        chain_id: l1_chain_id,
        verifying_contract: contract,
    }
}

/// Where a submission came from, and so how its batch pays for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// `ProofAggregator.submit`: the fee is escrowed on chain; it can be forced after `deadline`.
    Onchain {
        /// Who submitted.
        submitter: Address,
        /// When it can be forced, in L1 seconds.
        deadline: u64,
        /// The escrowed fee, in wei.
        fee: U256,
        /// keccak256 of the ABI-encoded proofs (`Submitted`'s record).
        proofs_hash: B256,
    },
    /// The aggregator's RPC, paid by the submitter's voucher signed with it.
    Offchain(FeeVoucher),
}

impl Source {
    /// The source of an on-chain submission, from the record `Submitted` emitted.
    pub const fn onchain(record: &ProofAggregator::Submission) -> Self {
        Self::Onchain {
            submitter: record.submitter,
            deadline: record.deadline,
            fee: record.fee,
            proofs_hash: record.proofsHash,
        }
    }
}

impl Submission {
    /// The on-chain record `Submitted` emitted (`ProofAggregator.Submission`), which settling the
    /// submission passes back; `None` for an off-chain submission.
    pub fn record(&self) -> Option<ProofAggregator::Submission> {
        match &self.source {
            Source::Onchain { submitter, deadline, fee, proofs_hash } => {
                Some(ProofAggregator::Submission {
                    submitter: *submitter,
                    deadline: *deadline,
                    proofCount: self.entries.len() as u16,
                    fee: *fee,
                    proofsHash: *proofs_hash,
                })
            }
            Source::Offchain(_) => None,
        }
    }

    /// Who submitted it.
    pub const fn submitter(&self) -> Address {
        match &self.source {
            Source::Onchain { submitter, .. } => *submitter,
            Source::Offchain(a) => a.submitter,
        }
    }
}

/// A submission: its proofs, in the submitter's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Its id ([`submission_id`] of `entries`).
    pub id: B256,
    /// How it pays.
    pub source: Source,
    /// Its proofs.
    pub entries: Vec<Entry>,
}

/// Why submissions do not make a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No proofs.
    #[error("a batch needs at least one proof")]
    Empty,
    /// More proofs than positions can name.
    #[error("{0} proofs: a batch holds at most {max}", max = u16::MAX)]
    TooLarge(usize),
    /// A submission of no proofs or of more than
    /// [`MAX_SUBMISSION_PROOFS`](crate::service::MAX_SUBMISSION_PROOFS) (its packed count byte
    /// holds 1 to 16; the contract would refuse the batch).
    #[error("submission {submission}: {proofs} proofs, not 1 to {max}", max = crate::service::MAX_SUBMISSION_PROOFS)]
    SubmissionSize {
        /// The submission.
        submission: B256,
        /// Its proofs.
        proofs: usize,
    },
    /// Proofs of one circuit with different numbers of public inputs: the batch's flat input
    /// array of the circuit would be misaligned (the contract would refuse the batch).
    #[error("circuit {circuit}: proofs with {first} and {other} public inputs")]
    InputCount {
        /// The circuit.
        circuit: B256,
        /// Inputs of its first proof in the batch.
        first: usize,
        /// Inputs of a later one.
        other: usize,
    },
}

/// A batch ready to post.
#[derive(Clone, Debug)]
pub struct BatchPlan {
    /// The call.
    pub call: ProofAggregator::aggregateCall,
    /// Proof ids in batch order.
    pub proof_ids: Vec<B256>,
    /// Their Merkle root, which the contract records.
    pub root: B256,
    /// The submission ids, in the order given.
    pub submissions: Vec<B256>,
}

/// The `aggregate` call for `submissions`: proofs grouped by circuit in order of first
/// appearance, every submission whole.
///
/// Off-chain submissions make one `OffchainCharge` per submitter, charged by its last voucher
/// here. The contract accepts it only if the submitter's submissions here are, in order, every
/// one since its last charge (`chargedChainOf`): the service passes them oldest first.
///
/// # Errors
/// [`PlanError`].
pub fn plan(submissions: &[Submission]) -> Result<BatchPlan, PlanError> {
    let total: usize = submissions.iter().map(|s| s.entries.len()).sum();
    if total == 0 {
        return Err(PlanError::Empty);
    }
    if total > usize::from(u16::MAX) {
        return Err(PlanError::TooLarge(total));
    }
    if let Some(s) = submissions
        .iter()
        .find(|s| s.entries.is_empty() || s.entries.len() > crate::service::MAX_SUBMISSION_PROOFS)
    {
        return Err(PlanError::SubmissionSize { submission: s.id, proofs: s.entries.len() });
    }
    let mut order: Vec<B256> = Vec::new();
    let mut by_circuit: HashMap<B256, Vec<(usize, usize)>> = HashMap::new();
    for (s, sub) in submissions.iter().enumerate() {
        for (e, entry) in sub.entries.iter().enumerate() {
            let slot = by_circuit.entry(entry.circuit_id).or_insert_with(|| {
                order.push(entry.circuit_id);
                Vec::new()
            });
            slot.push((s, e));
        }
    }
    let mut groups = Vec::with_capacity(order.len());
    let mut positions: Vec<Vec<u16>> =
        submissions.iter().map(|s| vec![0; s.entries.len()]).collect();
    let mut proof_ids = Vec::with_capacity(total);
    for circuit in &order {
        let mut group = ProofAggregator::Group {
            circuitId: *circuit,
            proofs: Vec::new(),
            publicInputs: Vec::new(),
        };
        let mut width = None;
        for &(s, e) in &by_circuit[circuit] {
            let entry = &submissions[s].entries[e];
            let (first, other) = (*width.get_or_insert(entry.inputs.len()), entry.inputs.len());
            if first != other {
                return Err(PlanError::InputCount { circuit: *circuit, first, other });
            }
            positions[s][e] = proof_ids.len() as u16;
            proof_ids.push(entry.proof_id());
            group.proofs.push(entry.proof());
            group.publicInputs.extend_from_slice(&entry.inputs);
        }
        groups.push(group);
    }
    let mut onchain = Vec::new();
    // One charge per off-chain submitter, in order of its first submission; each of its
    // submissions appends its packed positions, and its latest voucher is the one charged.
    let mut payers: Vec<Address> = Vec::new();
    let mut charges: HashMap<Address, (FeeVoucher, Vec<u8>)> = HashMap::new();
    for (sub, positions) in submissions.iter().zip(positions) {
        match (&sub.source, sub.record()) {
            (Source::Onchain { .. }, Some(record)) => onchain
                .push(ProofAggregator::SubmissionRef { submissionId: sub.id, record, positions }),
            (Source::Offchain(v), _) => {
                let (voucher, packed) = charges.entry(v.submitter).or_insert_with(|| {
                    payers.push(v.submitter);
                    (v.clone(), Vec::new())
                });
                // The fee is left out when it repeats the previous submission's.
                let repeat = !packed.is_empty() && voucher.fee == v.fee;
                *voucher = v.clone();
                packed.push(positions.len() as u8 | if repeat { REPEATED_FEE } else { 0 });
                packed.extend(positions.iter().flat_map(|p| p.to_be_bytes()));
                if !repeat {
                    packed.extend_from_slice(&v.fee.to_be_bytes::<32>()[20..]);
                }
            }
            (Source::Onchain { .. }, None) => unreachable!("an on-chain submission has a record"),
        }
    }
    let offchain = payers
        .iter()
        .map(|who| {
            let (voucher, packed) = charges.remove(who).expect("every payer has a charge");
            let (r, vs) = voucher.compact();
            ProofAggregator::OffchainCharge {
                voucher: voucher.sol(),
                r,
                vs,
                submissions: packed.into(),
            }
        })
        .collect();
    Ok(BatchPlan {
        call: ProofAggregator::aggregateCall {
            _groups: groups,
            _onchain: onchain,
            _offchain: offchain,
        },
        root: merkle::root(&proof_ids),
        proof_ids,
        submissions: submissions.iter().map(|s| s.id).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onchain(entries: Vec<Entry>) -> Submission {
        let source = Source::Onchain {
            submitter: Address::ZERO,
            deadline: 0,
            fee: U256::ZERO,
            proofs_hash: B256::ZERO,
        };
        Submission { id: submission_id(&entries), source, entries }
    }

    #[test]
    fn proofs_of_one_circuit_with_different_input_counts_make_no_batch() {
        let circuit = B256::repeat_byte(7);
        let entry = |inputs: usize| Entry {
            circuit_id: circuit,
            proof: [U256::from(1); 8],
            inputs: vec![U256::from(inputs); inputs],
        };
        let ok = plan(&[onchain(vec![entry(2)]), onchain(vec![entry(2)])]).unwrap();
        assert_eq!(ok.call._groups[0].publicInputs.len(), 4, "one flat array: 2 proofs × 2");
        let e = plan(&[onchain(vec![entry(2)]), onchain(vec![entry(3)])]).unwrap_err();
        assert_eq!(e, PlanError::InputCount { circuit, first: 2, other: 3 });
    }
}
