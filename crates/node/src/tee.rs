//! The TEE leg in the node: the prover worker that has an enclave approve proposed claims, and
//! the council's side of signer registration.
//!
//! The worker is the enclave's host. It follows the posted batches with its own replica of the L2
//! state, and for each new claim on `MultiProofFinality` it hands the enclave the claim, the
//! batch's blobs (read from L1) and a witness of the parent state; the enclave re-executes and
//! signs only when it agrees, and the worker submits the signature with `attestTee`. A claim the
//! enclave disagrees with is logged at error level and counted in the
//! `tribunal_tee_wrong_claims_total` metric, labelled by what disagreed: that is the alert.
//!
//! When the node also runs the ZK prover, the worker can hand its signatures to it instead
//! ([`HeldAttestations`]): the ZK prover sends proof and signature in one transaction
//! (`proveAndAttest`), which saves the second transaction and its reads. A signature the ZK prover
//! has not taken within the hold time, or gives back, is sent alone with `attestTee`.
//!
//! A claim the batcher offers before its batch is posted ([`crate::settle::Sealed`]) is judged
//! on the offered blob instead; the enclave checks that blob against the claim's blobs hash as it
//! checks one read from L1.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use tribunal_contracts::{MultiProofFinality, TeeVerifier};
use tribunal_dispute::{
    Replica,
    claims::{proposed, proposed_known, recast},
};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, QueueAcc, StateRoot, WithdrawalRoot,
    field::fr_from_be_bytes,
};
use tribunal_stf::State;
use tribunal_tee::{AttestedSigner, Enclave, ProveRequest, TeeError};

use crate::settle::{OfferedSignature, Settlements};

/// What the worker did with one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TeeOutcome {
    /// The enclave agreed and its signature was accepted by `attestTee`.
    Attested {
        /// The enclave signer.
        signer: Address,
        /// Gas used by `attestTee`.
        gas_used: u64,
    },
    /// The enclave agreed, and its signature is held for the ZK prover to send with its proof
    /// ([`HeldAttestations`]); it is sent alone if the ZK prover does not take it in time.
    Held {
        /// The enclave signer.
        signer: Address,
    },
    /// The claim was final, or had this leg's counting approval, before the worker submitted a
    /// signature: nothing to add.
    AlreadyApproved,
    /// The enclave approved, but `attestTee` refused the signature [`MAX_SEND_ATTEMPTS`] times
    /// (its signer was revoked or expired meanwhile, or the TEE verifier replaced): this node
    /// gives up on it, and the claim has no TEE approval from it.
    NotSent {
        /// The last refusal.
        reason: String,
    },
    /// The enclave refused: the claim is wrong (alerted).
    Refused(TeeError),
    /// The worker cannot judge the claim: its parent root is not the posted chain's state after
    /// the previous batch (another fork), a posted batch before it cannot be executed, or a root
    /// is not a field element.
    NotFollowed {
        /// Why.
        reason: String,
    },
}

/// Why the worker stopped on a claim (it retries it on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum TeeProverError {
    /// An L1 call failed, or `attestTee` reverted.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// A claim holds a value that is not a field element ([`claim_from_sol`]).
    #[error("claim {id}: {what} is not a BN254 field element")]
    BadClaim {
        /// Claim id.
        id: u64,
        /// Which field.
        what: &'static str,
    },
    /// Following the posted batches failed.
    #[error(transparent)]
    Replica(#[from] tribunal_dispute::AgentError),
    /// The enclave's backend failed, or gave a witness-level error on the worker's own witness.
    #[error("enclave: {0}")]
    Enclave(TeeError),
}

/// Times the worker tries to submit a held signature before it gives up on it.
pub const MAX_SEND_ATTEMPTS: u32 = 5;
/// Default wait between two attempts to submit a held signature.
pub const RETRY_AFTER: Duration = Duration::from_secs(10);

/// An enclave signature over a claim, held for the ZK prover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSignature {
    /// The claim it signs. After an L1 reorg the same claim id may hold another claim, which
    /// this signature does not approve.
    pub claim: Claim,
    /// The enclave signer.
    pub signer: Address,
    /// 65-byte `r ‖ s ‖ v` over the claim's EIP-712 digest.
    pub signature: Bytes,
    /// When the TEE worker sends it alone if nobody took it.
    due: Instant,
    /// A worker is sending it now.
    in_flight: bool,
    /// Failed attempts to submit it alone.
    attempts: u32,
}

/// TEE signatures the TEE worker holds for the ZK prover of the same node, by claim id, so that
/// both legs settle in one `proveAndAttest` transaction. Shared by the two workers (cheap to
/// clone). A signature stays here until a transaction carrying it lands ([`Self::sent`]), or the
/// TEE worker gives up on it; held signatures live in memory only, so the TEE worker's persisted
/// cursor never passes a held claim and a restart signs it again.
#[derive(Clone, Debug)]
pub struct HeldAttestations {
    held: Arc<Mutex<BTreeMap<u64, HeldSignature>>>,
    retry_after: Duration,
}

impl Default for HeldAttestations {
    fn default() -> Self {
        Self::with_retry_after(RETRY_AFTER)
    }
}

impl HeldAttestations {
    /// An empty set whose refused signatures are retried after `retry_after` ([`RETRY_AFTER`]
    /// by default).
    pub fn with_retry_after(retry_after: Duration) -> Self {
        Self { held: Arc::default(), retry_after }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, HeldSignature>> {
        // A poisoned lock only means a worker panicked mid-update; the map is still valid.
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The signature held for claim id `id` over `claim`, marked in flight (the ZK prover, about
    /// to send it with its proof); `None` when there is none or it is being sent. A signature
    /// held for `id` over another claim (an L1 reorg reused the id) is dropped: L1 would refuse
    /// it. Follow with [`Self::sent`] or [`Self::give_back`].
    pub fn take(&self, id: u64, claim: &Claim) -> Option<HeldSignature> {
        let mut held = self.lock();
        let h = held.get_mut(&id).filter(|h| !h.in_flight)?;
        if h.claim != *claim {
            tracing::info!(
                claim = id,
                "held TEE signature is over a claim a reorg replaced; dropped"
            );
            held.remove(&id);
            return None;
        }
        h.in_flight = true;
        Some(h.clone())
    }

    /// A transaction carrying `claim`'s signature landed: forget it.
    pub fn sent(&self, claim: u64) {
        self.lock().remove(&claim);
    }

    /// The taker could not use `claim`'s signature (its transaction failed): the TEE worker sends
    /// it alone at its next poll.
    pub fn give_back(&self, claim: u64) {
        if let Some(h) = self.lock().get_mut(&claim) {
            h.in_flight = false;
            h.due = Instant::now();
        }
    }

    /// Asks the TEE worker to send `claim`'s signature alone at its next poll (the ZK prover
    /// will not prove the claim).
    pub fn release(&self, claim: u64) {
        if let Some(h) = self.lock().get_mut(&claim) {
            h.due = Instant::now();
        }
    }

    /// The lowest claim id held (in flight or not), if any.
    pub fn lowest(&self) -> Option<u64> {
        self.lock().keys().next().copied()
    }

    /// Holds `signature` for `claim`. A signature of the same claim id already in flight stays
    /// in flight, with the new one in its place: its taker settles it ([`Self::sent`] or
    /// [`Self::give_back`]), so that no second transaction carries the claim's signature.
    fn hold(&self, id: u64, claim: Claim, signer: Address, signature: Bytes, wait: Duration) {
        let due = Instant::now() + wait;
        let mut held = self.lock();
        let in_flight = held.get(&id).is_some_and(|h| h.in_flight);
        let h = HeldSignature { claim, signer, signature, due, in_flight, attempts: 0 };
        held.insert(id, h);
    }

    /// Whether some taker is sending a signature now (taken, and not yet settled).
    pub fn sending(&self) -> bool {
        self.lock().values().any(|h| h.in_flight)
    }

    /// The taker could not tell whether to use `claim`'s signature (L1 did not answer): it may
    /// take it again, and the TEE worker sends it alone when its hold runs out, as before.
    pub fn put_back(&self, claim: u64) {
        if let Some(h) = self.lock().get_mut(&claim) {
            h.in_flight = false;
        }
    }

    /// The signatures due, marked in flight.
    fn take_due(&self) -> Vec<(u64, HeldSignature)> {
        let now = Instant::now();
        let mut held = self.lock();
        let mut due = Vec::new();
        for (id, h) in held.iter_mut().filter(|(_, h)| !h.in_flight && h.due <= now) {
            h.in_flight = true;
            due.push((*id, h.clone()));
        }
        due
    }

    /// A failed attempt to send `claim`'s signature alone: retried after a while. A refusal by
    /// L1 (`refused`: the call reverted) counts towards [`MAX_SEND_ATTEMPTS`], after which the
    /// signature is dropped; an unreachable L1 does not. Returns whether it is kept.
    fn failed(&self, claim: u64, refused: bool) -> bool {
        let mut held = self.lock();
        let Some(h) = held.get_mut(&claim) else { return false };
        h.attempts += u32::from(refused);
        h.in_flight = false;
        h.due = Instant::now() + self.retry_after;
        let keep = h.attempts < MAX_SEND_ATTEMPTS;
        if !keep {
            held.remove(&claim);
        }
        keep
    }
}

/// The TEE prover worker. Create it with the L2 genesis state; drive it with [`Self::poll`] or
/// [`Self::run`].
#[derive(Debug)]
pub struct TeeProver<L, E> {
    l1: L,
    enclave: E,
    inbox: Address,
    finality: Address,
    sender: PrivateKeySigner,
    /// The posted chain's states, followed from L1 (recent ones kept, older ones re-executed on
    /// demand), so that a claim is judged whatever order the claims come in.
    replica: Replica,
    chain_id: ChainId,
    next_claim: u64,
    bundle: Option<(HeldAttestations, Duration)>,
    /// Where each sent attestation is recorded with its block.
    sent: Option<std::sync::Arc<crate::Store>>,
    /// Claims the proposer offers before proposing them.
    settle: Option<Settlements>,
}

impl<L: L1, E: Enclave> TeeProver<L, E> {
    /// A worker submitting from `sender`, whose L2 replica starts at `genesis`.
    pub fn new(
        l1: L,
        enclave: E,
        inbox: Address,
        finality: Address,
        sender: PrivateKeySigner,
        genesis: State,
    ) -> Self {
        Self {
            l1,
            enclave,
            inbox,
            finality,
            sender,
            chain_id: genesis.config().chain_id,
            replica: Replica::new(genesis),
            next_claim: 0,
            bundle: None,
            sent: None,
            settle: None,
        }
    }

    /// Has the enclave sign the claims `settlements` offers, after the proposed claims of each
    /// poll, for the proposer to send with the ZK proof in one `proposeAndSettle`; a signature
    /// made so is used as is if the claim is proposed alone instead, and a proposed claim already
    /// final or TEE-approved is not judged again.
    #[must_use]
    pub fn with_settlements(mut self, settlements: Settlements) -> Self {
        self.settle = Some(settlements);
        self
    }

    /// Records each attestation sent in `store` ([`crate::Store::record_sent`], service `tee`)
    /// with the hash of the block holding it, so that it is sent again if an L1 reorg drops
    /// that block ([`crate::follow::resend_dropped`]).
    #[must_use]
    pub fn with_sent_log(mut self, store: std::sync::Arc<crate::Store>) -> Self {
        self.sent = Some(store);
        self
    }

    /// Holds each signature in `held` for up to `wait` for the node's ZK prover to send with its
    /// proof (`proveAndAttest`), instead of sending it at once.
    #[must_use]
    pub fn hold_for_zk(mut self, held: HeldAttestations, wait: Duration) -> Self {
        self.bundle = Some((held, wait));
        self
    }

    /// Resumes at claim `next_claim` (a restart: the claims before it were handled). The replica
    /// catches up from the posted blobs when it handles that claim.
    #[must_use]
    pub fn resume_at(mut self, next_claim: u64) -> Self {
        self.next_claim = next_claim;
        self
    }

    /// The worker's L2 replica after the latest batch it followed.
    pub fn state(&self) -> &State {
        self.replica.latest()
    }

    /// Moves back to claim `to` if it is past it: after an L1 reorg dropped claims, `to` is the
    /// claim count, and the claims from there are judged again.
    pub fn rewind(&mut self, to: u64) {
        self.next_claim = self.next_claim.min(to);
    }

    /// The next claim id the worker will look at.
    pub const fn next_claim(&self) -> u64 {
        self.next_claim
    }

    /// Handles every claim proposed since the last poll, in order.
    ///
    /// # Errors
    /// [`TeeProverError`] for the first claim that could not be handled; it is retried next time.
    pub async fn poll(&mut self) -> Result<Vec<(u64, TeeOutcome)>, TeeProverError> {
        let mut done = Vec::new();
        if let Some((held, _)) = self.bundle.clone() {
            // A refused signature is retried later, never in the way of new claims.
            for (id, h) in held.take_due() {
                // An L1 reorg may have put another claim under this id: its signature would be
                // refused, so it is dropped rather than sent.
                // (A failed read is no verdict: the send below meets the same L1.)
                if let Ok(Some(now)) = proposed(&self.l1, self.finality, id).await
                    && claim_from_sol(id, &now).ok() != Some(h.claim)
                {
                    held.sent(id);
                    let reason = "the claim id now holds another claim (an L1 reorg)".to_string();
                    tracing::info!(claim = id, "held TEE signature dropped: {reason}");
                    done.push((id, TeeOutcome::NotSent { reason }));
                    continue;
                }
                match self.submit(id, &recast(&h.claim.to_sol()), h.signer, &h.signature).await {
                    Ok(outcome) => {
                        held.sent(id);
                        done.push((id, outcome));
                    }
                    Err(e) if held.failed(id, is_revert(&e)) => {
                        tracing::warn!(claim = id, error = %e, "TEE signature not accepted; will retry");
                    }
                    Err(e) => {
                        tracing::error!(claim = id, error = %e, "TEE signature refused {MAX_SEND_ATTEMPTS} times; giving up on it");
                        done.push((id, TeeOutcome::NotSent { reason: e.to_string() }));
                    }
                }
            }
        }
        // Offered claims first: the proposer waits for them.
        while let Some(claim) = self.settle.as_ref().and_then(Settlements::next_for_tee) {
            if let Err(e) = self.sign_offered(claim).await {
                if done.is_empty() {
                    return Err(e);
                }
                tracing::warn!(error = %e, "TEE prover: will retry");
                return Ok(done);
            }
        }
        let count = view(&self.l1, self.finality, MultiProofFinality::claimCountCall {}).await?;
        while U256::from(self.next_claim) < count {
            let id = self.next_claim;
            let outcome = match self.handle(id).await {
                Ok(outcome) => outcome,
                Err(e) if done.is_empty() => return Err(e),
                Err(e) => {
                    tracing::warn!(claim = id, error = %e, "TEE prover: will retry");
                    break;
                }
            };
            done.push((id, outcome));
            self.next_claim += 1;
        }
        Ok(done)
    }

    /// Polls every `interval` until `shutdown` fires, logging each outcome and error.
    pub async fn run(
        mut self,
        interval: Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(e) = self.poll().await {
                tracing::warn!(error = %e, claim = self.next_claim, "TEE prover: will retry");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    async fn handle(&mut self, id: u64) -> Result<TeeOutcome, TeeProverError> {
        let raw = proposed_known(&self.l1, self.finality, id).await?;
        let claim = match claim_from_sol(id, &raw) {
            Ok(c) => c,
            // No STF root is outside the field: the claim is wrong, but nothing can be re-executed.
            Err(e) => return Ok(self.not_followed(Some(id), e.to_string())),
        };
        let n = claim.batch_number.0;
        let made = self.settle.as_ref().and_then(|s| s.signature_for(&claim));
        let reused = made.is_some();
        let (signer, signature) = match made {
            Some(made) => (made.signer, made.signature),
            None if self.settle.is_some() && self.settled(id).await? => {
                // Settled with `proposeAndSettle` (or otherwise): nothing to judge or add.
                return Ok(TeeOutcome::AlreadyApproved);
            }
            None => match self.judge(claim, Some(id)).await? {
                Ok(approval) => approval,
                Err(outcome) => return Ok(outcome),
            },
        };
        if let Some((held, wait)) = &self.bundle {
            // Held only while ZK has not approved yet; otherwise the signature alone
            // makes the claim final now. A claim TEE already approves (a rewind, or a
            // restart, signs it again) gets no second approval.
            let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
            let status = view(&self.l1, self.finality, call).await?;
            if status.isFinal || status.tee {
                return Ok(TeeOutcome::AlreadyApproved);
            }
            if status.zk {
                return self.submit(id, &raw, signer, &signature).await;
            }
            held.hold(id, claim, signer, signature, *wait);
            tracing::info!(claim = id, batch = n, %signer, "TEE approved; held for the ZK proof");
            return Ok(TeeOutcome::Held { signer });
        }
        let sent = self.submit(id, &raw, signer, &signature).await;
        if let (true, Err(e), Some(settle)) = (reused, &sent, &self.settle)
            && is_revert(e)
        {
            // Refused (its signer revoked or expired since): not reused; the claim is judged
            // again at the next poll, and signed by the enclave's current signer.
            settle.forget_signature(&claim);
        }
        sent
    }

    /// Whether claim `id` is final, or already has a counting TEE approval.
    async fn settled(&self, id: u64) -> Result<bool, TeeProverError> {
        let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
        let status = view(&self.l1, self.finality, call).await?;
        Ok(status.isFinal || status.tee)
    }

    /// Has the enclave re-execute `claim`'s batch on the worker's state after the previous
    /// batch (following the posted batches up to it first). `Ok(Ok((signer, signature)))` when
    /// it agrees; `Ok(Err(outcome))` when it refuses or the worker cannot judge the claim.
    /// `id`: the claim's id when proposed (for the logs).
    async fn judge(
        &mut self,
        claim: Claim,
        id: Option<u64>,
    ) -> Result<Result<(Address, Bytes), TeeOutcome>, TeeProverError> {
        let n = claim.batch_number.0;
        // A batch the batcher offered before posting is read from its offer; the enclave checks
        // its blob against the claim as it checks one read from L1.
        let sealed = self.settle.as_ref().and_then(|s| s.sealed(&claim));
        let (blobs, messages) = match &sealed {
            Some(s) => (
                s.blobs.to_vec(),
                tribunal_dispute::queue::messages(&self.l1, self.inbox, s.queue_start, s.queue_end)
                    .await?,
            ),
            None => tribunal_dispute::batches::contents(&self.l1, self.inbox, n).await?,
        };
        // The ZK verifier and the game read a blob that is not canonical from the Inbox: the
        // host records it before the batch is judged (not before it is posted). Best effort:
        // the TEE reads the blob itself, so a failure here never holds up attestations (the
        // agents retry).
        if sealed.is_none()
            && let Err(e) = tribunal_dispute::evidence::prove_non_canonical(
                &self.l1,
                &self.sender,
                self.inbox,
                self.chain_id,
                n,
                &blobs,
                messages.len(),
            )
            .await
        {
            tracing::warn!(batch = n, error = %e, "recording a non-canonical blob failed");
        }
        let batch = tribunal_da::read_batch(&blobs, &messages, claim.chain_id, claim.batch_number);
        let parent = match self.replica.state_after(&self.l1, self.inbox, n - 1).await? {
            Some(state) if state.root() == claim.parent_root => state.witness_for(&batch),
            Some(_) => {
                let reason =
                    format!("its parent root is not the posted chain's after batch {}", n - 1);
                return Ok(Err(self.not_followed(id, reason)));
            }
            None => {
                let reason = format!("a posted batch up to {} cannot be executed", n - 1);
                return Ok(Err(self.not_followed(id, reason)));
            }
        };
        let request = ProveRequest { claim, blobs, messages, parent };
        match self.enclave.prove(&request) {
            Ok(approval) => Ok(Ok((approval.signer, Bytes::copy_from_slice(&approval.signature)))),
            Err(e) if e.is_wrong_claim() => {
                let field: &'static str = match &e {
                    TeeError::Disagree { field, .. } => field,
                    TeeError::BlobsMismatch { .. } => "blobs",
                    TeeError::Data(_) => "data",
                    TeeError::Execution(_) => "execution",
                    _ => "claim",
                };
                metrics::counter!("tribunal_tee_wrong_claims_total", "field" => field).increment(1);
                tracing::error!(claim = ?id, batch = n, error = %e, "TEE refused a wrong claim: its re-execution disagrees");
                Ok(Err(TeeOutcome::Refused(e)))
            }
            Err(e) => Err(TeeProverError::Enclave(e)),
        }
    }

    /// Has the enclave judge offered `claim` and hands the result to the proposer.
    async fn sign_offered(&mut self, claim: Claim) -> Result<(), TeeProverError> {
        let Some(settle) = self.settle.clone() else { return Ok(()) };
        match self.judge(claim, None).await {
            Ok(Ok((signer, signature))) => {
                tracing::info!(batch = claim.batch_number.0, %signer, "TEE signed the offered claim");
                settle.tee_done(&claim, Ok(OfferedSignature { signer, signature }));
            }
            Ok(Err(outcome)) => {
                let reason = match outcome {
                    TeeOutcome::Refused(e) => e.to_string(),
                    TeeOutcome::NotFollowed { reason } => reason,
                    other => format!("{other:?}"),
                };
                settle.tee_done(&claim, Err(reason));
            }
            Err(e) => {
                settle.tee_retry(&claim);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Sends `signature` with `attestTee`, unless the claim is final or already has a counting
    /// TEE approval (a restart re-signs claims it may have sent).
    async fn submit(
        &self,
        id: u64,
        claim: &MultiProofFinality::Claim,
        signer: Address,
        signature: &Bytes,
    ) -> Result<TeeOutcome, TeeProverError> {
        let status =
            view(&self.l1, self.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) })
                .await?;
        if status.isFinal || status.tee {
            return Ok(TeeOutcome::AlreadyApproved);
        }
        let call =
            MultiProofFinality::attestTeeCall { _c: claim.clone(), _signature: signature.clone() };
        let calldata = call.abi_encode();
        let receipt =
            self.l1.send(&self.sender, L1Tx::call(self.finality, calldata.clone())).await?;
        if let Some(store) = &self.sent {
            // Sent all the same: without the record, only a reorg would need it.
            if let Err(e) =
                store.record_sent("tee", id, receipt.block_number, receipt.block_hash, &calldata)
            {
                tracing::warn!(claim = id, error = %e, "recording the attestation failed");
            }
        }
        tracing::info!(claim = id, %signer, gas = receipt.gas_used, "TEE approved");
        Ok(TeeOutcome::Attested { signer, gas_used: receipt.gas_used })
    }

    fn not_followed(&self, id: Option<u64>, reason: String) -> TeeOutcome {
        tracing::warn!(claim = ?id, %reason, "TEE prover does not judge the claim");
        TeeOutcome::NotFollowed { reason }
    }
}

/// Whether L1 refused the call (it reverted), as opposed to not answering.
fn is_revert(e: &TeeProverError) -> bool {
    matches!(e, TeeProverError::L1(l1) if l1.revert_data().is_some())
}

/// The primitives' claim from its `ClaimProposed` log ([`tribunal_dispute::claims::proposed`]).
///
/// # Errors
/// [`TeeProverError::BadClaim`] for a root that is not a field element.
pub fn claim_from_sol(id: u64, c: &MultiProofFinality::Claim) -> Result<Claim, TeeProverError> {
    let fr =
        |b: B256, what| fr_from_be_bytes(&b.0).map_err(|_| TeeProverError::BadClaim { id, what });
    Ok(Claim {
        chain_id: ChainId(c.l2ChainId),
        batch_number: BatchNumber(c.batchNumber),
        parent_root: StateRoot(fr(c.parentRoot, "parent root")?),
        post_root: StateRoot(fr(c.postRoot, "post root")?),
        withdrawal_root: WithdrawalRoot(fr(c.withdrawalRoot, "withdrawal root")?),
        data_commitment: DataCommitment(fr(c.dataCommitment, "data commitment")?),
        blobs_hash: c.blobsHash,
        queue_before: QueueAcc(fr(c.queueBefore, "queue before")?),
        queue_after: QueueAcc(fr(c.queueAfter, "queue after")?),
    })
}

/// The `TeeVerifier.registerSigner` call for a verified attestation, valid until `expires_at`
/// (unix seconds; [`tribunal_tee::DEFAULT_SIGNER_VALIDITY_SECS`] after now by default). The
/// council submits it at zero delay.
pub fn register_call(signer: &AttestedSigner, expires_at: u64) -> TeeVerifier::registerSignerCall {
    TeeVerifier::registerSignerCall {
        _signer: signer.signer,
        _measurement: signer.measurement.0,
        _expiresAt: expires_at,
        _kind: signer.kind as u8,
        _evidenceHash: signer.evidence_hash,
    }
}
