//! Settling a posted batch in one transaction: `MultiProofFinality.proposeAndSettle`.
//!
//! When one node runs the proposer and both validity provers, the proposer need not propose a
//! batch's claim at posting and leave the proof and the signature to later transactions. It
//! offers the claim here first ([`Settlements::offer`]); the ZK prover proves it and the TEE
//! worker has its enclave sign it, each after its own re-execution from L1, as for a proposed
//! claim; and the proposer sends claim, proof and signature in one transaction, final at once.
//! If a leg declines the claim, or the grace period passes first, the proposer proposes it as
//! before and the legs settle it by claim id, reusing the proof and signature made here.
//!
//! The batcher may go further: when a sealed batch's parent is final, it offers the batch's
//! claim before posting, with the batch's blob and queue range ([`Sealed`]), so that the legs
//! read those instead of L1; with both results it posts the batch and settles the claim in one
//! `postAndSettle` transaction, and otherwise posts it as before.
//!
//! This module holds only the shared, in-memory table. It owns no L1 access and no rule: what
//! is offered, proven or signed is decided by the proposer and the two workers. After a restart
//! the table is empty and the legs redo their work, which costs time, never correctness.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use alloy_primitives::{Address, Bytes};
use tribunal_primitives::Claim;

/// A ZK proof made for an offered claim.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferedProof {
    /// The proof as `MultiProofFinality` takes it (prefixed with the set member's index when the
    /// ZK verifier is a `ZkVerifierSet`).
    pub proof: Bytes,
    /// Slots of the circuit it was proven with.
    pub slots: usize,
    /// Seconds spent proving (wall clock).
    pub prove_secs: f64,
}

/// An enclave signature over an offered claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferedSignature {
    /// The enclave signer.
    pub signer: Address,
    /// 65-byte `r ‖ s ‖ v` over the claim's EIP-712 digest.
    pub signature: Bytes,
}

/// A batch sealed but not posted yet, offered by the batcher: what the legs read instead of L1.
/// Nothing here is trusted: the claim binds the blob's versioned hash and the queue
/// accumulators, which `postAndSettle` checks against what the transaction posts.
#[derive(Clone, Debug)]
pub struct Sealed {
    /// The batch's blobs, as the batcher posts them.
    pub blobs: Arc<Vec<alloy_eips::eip4844::Blob>>,
    /// Queue index of its first L1 message.
    pub queue_start: u64,
    /// Queue index one past its last.
    pub queue_end: u64,
}

/// Where one leg is on an offered claim.
#[derive(Clone, Debug, PartialEq)]
enum Leg<T> {
    /// Not started.
    Open,
    /// A worker is on it.
    Working,
    /// Done.
    Done(T),
    /// The worker will not approve it (the claim disagrees with its re-execution, or it cannot
    /// prove or judge it).
    Declined(String),
}

#[derive(Debug)]
struct Entry {
    claim: Claim,
    /// The batch's data, when offered before posting.
    sealed: Option<Sealed>,
    opened: Instant,
    /// Proposed on the slow path: the workers take it by claim id from now on.
    proposed: bool,
    zk: Leg<OfferedProof>,
    tee: Leg<OfferedSignature>,
}

/// What the proposer can do with an offered claim.
#[derive(Clone, Debug, PartialEq)]
pub enum Readiness {
    /// Both legs approve it: send `proposeAndSettle`.
    Ready(OfferedProof, OfferedSignature),
    /// A leg is still on it.
    Waiting,
    /// A leg declined it: propose it on the slow path now.
    Declined {
        /// `zk` or `tee`.
        leg: &'static str,
        /// The worker's reason.
        reason: String,
    },
}

/// The claims offered for settlement in one transaction, by batch number. Shared by the
/// proposer and the two workers (cheap to clone); in memory only.
#[derive(Clone, Debug, Default)]
pub struct Settlements {
    entries: Arc<Mutex<BTreeMap<u64, Entry>>>,
}

impl Settlements {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Entry>> {
        // A poisoned lock only means a worker panicked mid-update; the table is still valid.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Offers `claim` (the proposer, for a posted batch it has checked is its own) and returns
    /// where its legs are, with when it was first offered. A different claim offered for the
    /// same batch (the batch re-derived after an L1 reorg) replaces the old one and starts over.
    pub fn offer(&self, claim: Claim) -> (Readiness, Instant) {
        self.offer_with(claim, None)
    }

    /// Offers the claim of a batch sealed but not posted (the batcher, for a batch whose parent
    /// is final), with the batch's data: as [`Self::offer`], and the legs read `sealed` instead
    /// of L1 for it.
    pub fn offer_sealed(&self, claim: Claim, sealed: Sealed) -> (Readiness, Instant) {
        self.offer_with(claim, Some(sealed))
    }

    fn offer_with(&self, claim: Claim, sealed: Option<Sealed>) -> (Readiness, Instant) {
        let mut entries = self.lock();
        let entry = entries.entry(claim.batch_number.0).or_insert_with(|| Entry::new(claim));
        if entry.claim != claim {
            *entry = Entry::new(claim);
        }
        // Offered by the proposer, the batch is posted: the legs read it from L1 from now on
        // (a blob not in canonical form is then recorded there and proven).
        if sealed.is_none() || entry.sealed.is_none() {
            entry.sealed = sealed;
        }
        let readiness = match (&entry.zk, &entry.tee) {
            (Leg::Declined(reason), _) => Readiness::Declined { leg: "zk", reason: reason.clone() },
            (_, Leg::Declined(reason)) => {
                Readiness::Declined { leg: "tee", reason: reason.clone() }
            }
            (Leg::Done(proof), Leg::Done(signature)) => {
                Readiness::Ready(proof.clone(), signature.clone())
            }
            _ => Readiness::Waiting,
        };
        (readiness, entry.opened)
    }

    /// The proposer proposed batch `batch`'s claim on the slow path (or settled it): the ZK
    /// prover no longer takes it from here, but a proof still being made is kept for it to send
    /// by claim id. The TEE worker still signs it here, in batch order.
    pub fn proposed(&self, batch: u64) {
        if let Some(e) = self.lock().get_mut(&batch) {
            e.proposed = true;
        }
    }

    /// Batch `batch`'s claim is not on L1 after all (its proposal failed, or an L1 reorg dropped
    /// it): the workers take it from here again.
    pub fn unpropose(&self, batch: u64) {
        if let Some(e) = self.lock().get_mut(&batch) {
            e.proposed = false;
        }
    }

    /// Forgets every claim of batch `final_batch` and earlier (they are final).
    pub fn prune(&self, final_batch: u64) {
        let mut entries = self.lock();
        *entries = entries.split_off(&(final_batch + 1));
    }

    /// The lowest-numbered offered claim not proposed yet that the ZK prover has not started,
    /// marked as being worked on. Follow with [`Self::zk_done`].
    pub fn next_for_zk(&self) -> Option<Claim> {
        self.next(|e| &mut e.zk, true)
    }

    /// The lowest-numbered offered claim the TEE worker has not started, proposed or not, marked
    /// as being worked on. Follow with [`Self::tee_done`].
    pub fn next_for_tee(&self) -> Option<Claim> {
        self.next(|e| &mut e.tee, false)
    }

    fn next<T>(
        &self,
        leg: impl Fn(&mut Entry) -> &mut Leg<T>,
        skip_proposed: bool,
    ) -> Option<Claim> {
        let mut entries = self.lock();
        entries.values_mut().find_map(|e| {
            if (skip_proposed && e.proposed) || !matches!(leg(e), Leg::Open) {
                return None;
            }
            *leg(e) = Leg::Working;
            Some(e.claim)
        })
    }

    /// The ZK prover's result for `claim`: its proof, or why it declines. Ignored when the
    /// batch's offer is now another claim.
    pub fn zk_done(&self, claim: &Claim, result: Result<OfferedProof, String>) {
        self.done(claim, |e| &mut e.zk, result);
    }

    /// The TEE worker's result for `claim`: its signature, or why it declines. Ignored when the
    /// batch's offer is now another claim.
    pub fn tee_done(&self, claim: &Claim, result: Result<OfferedSignature, String>) {
        self.done(claim, |e| &mut e.tee, result);
    }

    /// The worker could not finish `claim` (L1 did not answer): it is open again.
    pub fn zk_retry(&self, claim: &Claim) {
        self.reopen(claim, |e| &mut e.zk);
    }

    /// The worker could not finish `claim` (L1 did not answer): it is open again.
    pub fn tee_retry(&self, claim: &Claim) {
        self.reopen(claim, |e| &mut e.tee);
    }

    fn done<T>(
        &self,
        claim: &Claim,
        leg: impl Fn(&mut Entry) -> &mut Leg<T>,
        result: Result<T, String>,
    ) {
        self.with_entry(claim, |e| *leg(e) = result.map_or_else(Leg::Declined, Leg::Done));
    }

    /// Applies `f` to the entry of `claim`'s batch if it still offers exactly `claim`.
    fn with_entry(&self, claim: &Claim, f: impl FnOnce(&mut Entry)) {
        if let Some(e) = self.lock().get_mut(&claim.batch_number.0).filter(|e| e.claim == *claim) {
            f(e);
        }
    }

    fn reopen<T>(&self, claim: &Claim, leg: impl Fn(&mut Entry) -> &mut Leg<T>) {
        self.with_entry(claim, |e| {
            let l = leg(e);
            if matches!(l, Leg::Working) {
                *l = Leg::Open;
            }
        });
    }

    /// L1 refused the proof made for `claim` (its ZK verifier changed): forgotten, so that the
    /// ZK prover proves the claim again.
    pub fn forget_proof(&self, claim: &Claim) {
        self.with_entry(claim, |e| e.zk = Leg::Open);
    }

    /// L1 refused the signature made for `claim` (its signer is no longer valid): forgotten.
    pub fn forget_signature(&self, claim: &Claim) {
        self.with_entry(claim, |e| e.tee = Leg::Declined("its signature was refused".into()));
    }

    /// The proof made for exactly `claim`, if any: the ZK prover sends it by claim id instead
    /// of proving again.
    pub fn proof_for(&self, claim: &Claim) -> Option<OfferedProof> {
        match &self.lock().get(&claim.batch_number.0).filter(|e| e.claim == *claim)?.zk {
            Leg::Done(p) => Some(p.clone()),
            _ => None,
        }
    }

    /// The data of `claim`'s batch, when the batcher offered exactly `claim` before posting.
    pub fn sealed(&self, claim: &Claim) -> Option<Sealed> {
        self.lock().get(&claim.batch_number.0).filter(|e| e.claim == *claim)?.sealed.clone()
    }

    /// The signature made for exactly `claim`, if any: the TEE worker sends it by claim id
    /// instead of re-executing again.
    pub fn signature_for(&self, claim: &Claim) -> Option<OfferedSignature> {
        match &self.lock().get(&claim.batch_number.0).filter(|e| e.claim == *claim)?.tee {
            Leg::Done(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl Entry {
    fn new(claim: Claim) -> Self {
        Self {
            claim,
            sealed: None,
            opened: Instant::now(),
            proposed: false,
            zk: Leg::Open,
            tee: Leg::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tribunal_primitives::{BatchNumber, ChainId, Fr, StateRoot};

    fn claim(batch: u64, post: u64) -> Claim {
        Claim {
            chain_id: ChainId(7),
            batch_number: BatchNumber(batch),
            parent_root: StateRoot(Fr::from(1u64)),
            post_root: StateRoot(Fr::from(post)),
            withdrawal_root: Default::default(),
            data_commitment: Default::default(),
            blobs_hash: Default::default(),
            queue_before: Default::default(),
            queue_after: Default::default(),
        }
    }

    fn proof() -> OfferedProof {
        OfferedProof { proof: Bytes::from_static(b"p"), slots: 4, prove_secs: 1.0 }
    }

    fn signature() -> OfferedSignature {
        OfferedSignature { signer: Address::repeat_byte(1), signature: Bytes::from_static(b"s") }
    }

    #[test]
    fn a_claim_is_ready_once_both_legs_approve_it() {
        let s = Settlements::default();
        assert_eq!(s.offer(claim(1, 2)).0, Readiness::Waiting);
        assert_eq!(s.next_for_zk(), Some(claim(1, 2)));
        assert_eq!(s.next_for_zk(), None, "taken once");
        assert_eq!(s.next_for_tee(), Some(claim(1, 2)));
        s.zk_done(&claim(1, 2), Ok(proof()));
        assert_eq!(s.offer(claim(1, 2)).0, Readiness::Waiting);
        s.tee_done(&claim(1, 2), Ok(signature()));
        assert_eq!(s.offer(claim(1, 2)).0, Readiness::Ready(proof(), signature()));
    }

    #[test]
    fn a_declined_or_replaced_claim_is_never_settled() {
        let s = Settlements::default();
        s.offer(claim(1, 2));
        s.next_for_zk();
        s.zk_done(&claim(1, 2), Err("post root differs".into()));
        assert!(matches!(s.offer(claim(1, 2)).0, Readiness::Declined { leg: "zk", .. }));

        // A re-derived batch: the old claim's results do not carry over.
        s.offer(claim(2, 3));
        s.next_for_zk();
        s.zk_done(&claim(2, 3), Ok(proof()));
        assert_eq!(s.offer(claim(2, 4)).0, Readiness::Waiting);
        assert_eq!(s.proof_for(&claim(2, 3)), None);
        s.zk_done(&claim(2, 3), Ok(proof()));
        assert_eq!(s.proof_for(&claim(2, 4)), None, "a late result for the old claim is ignored");
    }

    #[test]
    fn a_sealed_batch_keeps_its_data_until_posted_and_for_its_claim_only() {
        let s = Settlements::default();
        let sealed = Sealed { blobs: Arc::new(Vec::new()), queue_start: 3, queue_end: 5 };
        assert_eq!(s.offer_sealed(claim(1, 2), sealed).0, Readiness::Waiting);
        assert_eq!(s.sealed(&claim(1, 2)).map(|d| (d.queue_start, d.queue_end)), Some((3, 5)));
        // Posted after all, the same claim offered by the proposer keeps its results, and the
        // legs read the batch from L1.
        s.next_for_zk();
        s.zk_done(&claim(1, 2), Ok(proof()));
        s.offer(claim(1, 2));
        assert!(s.sealed(&claim(1, 2)).is_none());
        assert_eq!(s.proof_for(&claim(1, 2)), Some(proof()));
        // Another claim of the batch has none of it.
        s.offer(claim(1, 3));
        assert!(s.sealed(&claim(1, 2)).is_none() && s.sealed(&claim(1, 3)).is_none());
    }

    #[test]
    fn proposed_claims_keep_their_results_until_final() {
        let s = Settlements::default();
        s.offer(claim(1, 2));
        s.offer(claim(2, 3));
        s.proposed(1);
        assert_eq!(s.next_for_zk(), Some(claim(2, 3)), "the ZK prover skips a proposed claim");
        assert_eq!(s.next_for_tee(), Some(claim(1, 2)), "the TEE worker signs in batch order");
        assert_eq!(s.next_for_tee(), Some(claim(2, 3)));
        s.tee_retry(&claim(2, 3));
        assert_eq!(s.next_for_tee(), Some(claim(2, 3)), "a failed try is open again");
        s.tee_done(&claim(2, 3), Ok(signature()));
        assert_eq!(s.signature_for(&claim(2, 3)), Some(signature()));
        s.prune(2);
        assert_eq!(s.signature_for(&claim(2, 3)), None);
    }
}
