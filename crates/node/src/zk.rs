//! The ZK prover worker: proves every claim it agrees with and submits the proof with
//! `MultiProofFinality.proveZk`, or with `proveAndAttest` when the node's TEE worker holds its
//! signature over the claim ([`HeldAttestations`]): both validity legs in one transaction.
//!
//! It follows the posted batches with its own replica of the L2 state (read from the blobs on L1,
//! not from the sequencer), re-executes each claim's batch with `execute_batch`, and proves only
//! claims whose roots it reproduces, and only while the claim is open: a claim that is final, or
//! that ZK already approves (a restart after the proof landed), gets no second proof. Proving runs on the blocking pool; it takes seconds to
//! minutes (BENCHMARKS.md).
//!
//! With [`ZkProver::with_settlements`], the worker also proves the claims the node's proposer
//! offers before proposing them ([`crate::settle`]), when no proposed claim waits, and sends the
//! proof it made that way when the claim is proposed after all. The batcher may offer a claim
//! before its batch is posted: the worker then reads the batch's blob from the offer (checked
//! against the claim's blobs hash) and its L1 messages from the queue on L1.
//!
//! Circuit sizes: when the finality contract's ZK verifier is a `ZkVerifierSet`, the worker
//! matches each member's `VERIFYING_KEY_HASH` with its own keys and proves every batch with the
//! smallest member circuit that fits it. Any other verifier gets proofs of the largest circuit.
//!
//! Through the aggregation layer ([`ZkProver::with_aggregator`]): a member that is an
//! `AggregatedZkVerifier` of a circuit the worker holds keys for, posting to the aggregator the
//! worker submits to, takes the proof's inclusion path instead of the proof. The worker sends the
//! Groth16 proof to the aggregator's RPC (paid by a fee voucher from its prepaid balance), waits
//! until a verified batch holds it, and settles the claim with the path: one share of a batched
//! pairing check instead of a whole Groth16 verification on L1. Of two members of one size, the
//! aggregated one is used, and the whole one takes the proof when the aggregation layer does not
//! verify it within the wait.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use tribunal_aggregation::{
    batch::Entry,
    client::{ClientError, Submitter},
    groth16::{circuit_id, vk_words},
};
use tribunal_contracts::{AggregatedZkVerifier, MultiProofFinality, ZkVerifier, ZkVerifierSet};
use tribunal_dispute::{AgentError, Replica, queue::messages};
use tribunal_l1::{L1, L1Error, L1Tx, view};
use tribunal_primitives::{BatchNumber, Claim};
use tribunal_stf::{State, execute_batch};
use tribunal_zk::{
    keys::Keys,
    prover::{BatchProof, prove},
    sizes::{CircuitSizes, encode_set_proof, key_hash},
    witness::BatchWitness,
};

use crate::{
    sequencer::ProverPace,
    settle::{OfferedProof, Settlements},
    tee::{HeldAttestations, claim_from_sol},
};

/// What the worker did with one claim.
#[derive(Clone, Debug, PartialEq)]
pub enum ZkOutcome {
    /// Proven and accepted by `proveZk`, or by `proveAndAttest` with the TEE's signature.
    Proven {
        /// Slots of the circuit it was proven with (the smallest of the set that fits).
        slots: usize,
        /// Seconds spent proving (wall clock).
        prove_secs: f64,
        /// Gas of the transaction (`proveZk`, or `proveAndAttest` for both legs).
        gas: u64,
        /// The enclave signer whose signature went in the same transaction, if any.
        with_tee: Option<Address>,
    },
    /// The claim disagrees with the worker's re-execution: not proven (alerted).
    Wrong {
        /// What differs.
        reason: String,
    },
    /// The claim is right but this circuit cannot prove it (more transactions than slots, or a
    /// blob other than the batch's one): it finalizes through the slow path.
    NotProvable {
        /// Why.
        reason: String,
    },
    /// The worker cannot judge the claim (its parent is not a state the worker followed).
    NotFollowed {
        /// Why.
        reason: String,
    },
    /// Nothing to send: the claim is final, another claim of its batch is, or ZK already
    /// approves it under the current verifier (a restart after the proof landed). Nothing is
    /// proven, so no proof goes to L1 twice.
    Settled {
        /// Which.
        reason: String,
    },
}

/// Why the worker stopped on a claim (retried on the next poll).
#[derive(Debug, thiserror::Error)]
pub enum ZkProverError {
    /// Reading L1 or submitting failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// Following the posted batches failed.
    #[error(transparent)]
    Replica(#[from] AgentError),
    /// The prover failed (wrong keys, or the proof does not verify).
    #[error("prover: {0}")]
    Prove(String),
    /// The aggregation layer did not verify the proof (yet): the proof is kept, and the next
    /// poll tries again for it ([`ZkProver::with_aggregator`]).
    #[error("aggregation layer: {0}")]
    Aggregator(#[from] ClientError),
}

/// The ZK prover worker. Drive it with [`Self::poll`].
pub struct ZkProver<L> {
    l1: L,
    inbox: Address,
    finality: Address,
    sender: PrivateKeySigner,
    circuits: CircuitSizes,
    /// The ZK verifier last read from the finality contract, and how it takes proofs.
    layout: Option<(Address, Layout)>,
    replica: Replica,
    next_claim: u64,
    held: Option<HeldAttestations>,
    pace: Option<ProverPace>,
    /// The batch of the claim being handled.
    handling: Option<BatchNumber>,
    /// Where each sent proof (and a TEE signature sent along) is recorded with its block.
    sent: Option<std::sync::Arc<crate::Store>>,
    /// Claims the proposer offers before proposing them.
    settle: Option<Settlements>,
    /// The aggregation layer's RPC, and how long one poll waits for a proof's batch.
    aggregator: Option<(Submitter, Duration)>,
    /// A proof sent to the aggregator and not verified yet, kept across polls so that it is
    /// not proven again.
    aggregating: Option<Aggregating>,
}

/// A proof waiting in the aggregation layer.
struct Aggregating {
    claim: Claim,
    /// The ZK verifier it was made for.
    verifier: Address,
    proof: BatchProof,
    member: Option<u8>,
    circuit: B256,
    /// The `ProofAggregator` the member reads.
    aggregator: Address,
    /// A member of the set that verifies the same circuit's proofs whole: where the proof goes
    /// when the aggregation layer does not verify it in time.
    direct: Option<u8>,
    slots: usize,
    prove_secs: f64,
}

impl<L> std::fmt::Debug for ZkProver<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZkProver")
            .field("circuits", &self.circuits.iter().map(|k| k.config).collect::<Vec<_>>())
            .field("next_claim", &self.next_claim)
            .finish_non_exhaustive()
    }
}

impl<L: L1> ZkProver<L> {
    /// A worker proving with the keys of `circuits`, submitting from `sender`, whose replica
    /// starts at `genesis`.
    pub fn new(
        l1: L,
        inbox: Address,
        finality: Address,
        sender: PrivateKeySigner,
        circuits: CircuitSizes,
        genesis: State,
    ) -> Self {
        Self {
            l1,
            inbox,
            finality,
            sender,
            circuits,
            layout: None,
            replica: Replica::new(genesis),
            next_claim: 0,
            held: None,
            pace: None,
            handling: None,
            sent: None,
            settle: None,
            aggregator: None,
            aggregating: None,
        }
    }

    /// Settles claims through the aggregation layer where the ZK verifier takes a proof's
    /// inclusion path (an `AggregatedZkVerifier`, alone or as a member of a `ZkVerifierSet`):
    /// each proof goes to `submitter`, with vouchers for the member's `AGGREGATOR`, and one poll
    /// waits at most `wait` for a path that contract accepts. Where the set also has a member
    /// verifying the same circuit's proofs whole, a proof not verified in time goes there
    /// instead (its fee may still be charged when it is aggregated later); otherwise the next
    /// poll tries again without proving again. The payer's prepaid balance must cover the fee
    /// per proof, which `submitter` caps. An aggregator at `submitter`'s URL that posts to
    /// another contract gets its vouchers refused (their EIP-712 domain names the member's).
    #[must_use]
    pub fn with_aggregator(mut self, submitter: Submitter, wait: Duration) -> Self {
        self.aggregator = Some((submitter, wait));
        self
    }

    /// Proves the claims `settlements` offers, when no proposed claim waits, for the proposer to
    /// send with the TEE's signature in one `proposeAndSettle`; a proof made so is sent as is if
    /// the claim is proposed alone instead.
    #[must_use]
    pub fn with_settlements(mut self, settlements: Settlements) -> Self {
        self.settle = Some(settlements);
        self
    }

    /// Records each proof sent in `store` ([`crate::Store::record_sent`], service `zk`) with the
    /// hash of the block holding it, as `proveZk` calldata; a TEE signature sent along goes under
    /// service `tee` as `attestTee` calldata. After an L1 reorg drops the block, each leg's
    /// transaction is sent again alone ([`crate::follow::resend_dropped`]).
    #[must_use]
    pub fn with_sent_log(mut self, store: std::sync::Arc<crate::Store>) -> Self {
        self.sent = Some(store);
        self
    }

    /// Advances `pace` as each claim's batch is done with: once its proof is built (so that the
    /// sequencer seals the next batch while this proof goes to L1; through the aggregation
    /// layer, once it is verified there or sent whole instead), or once the claim is found
    /// wrong or unprovable.
    #[must_use]
    pub fn with_pace(mut self, pace: ProverPace) -> Self {
        self.pace = Some(pace);
        self
    }

    /// Sends each proof with the TEE signature `held` keeps for its claim, if any, in one
    /// `proveAndAttest` transaction.
    #[must_use]
    pub fn with_tee_signatures(mut self, held: HeldAttestations) -> Self {
        self.held = Some(held);
        self
    }

    /// Moves back to claim `to` if it is past it: after an L1 reorg dropped claims, `to` is the
    /// claim count, and the claims proposed again take the ids from there.
    pub fn rewind(&mut self, to: u64) {
        self.next_claim = self.next_claim.min(to);
    }

    /// The next claim id the worker will look at.
    pub const fn next_claim(&self) -> u64 {
        self.next_claim
    }

    /// Resumes at claim `next_claim` (a restart: the claims before it were handled).
    #[must_use]
    pub const fn resume_at(mut self, next_claim: u64) -> Self {
        self.next_claim = next_claim;
        self
    }

    /// Handles the next claim not handled yet, if any: one per poll, since proving takes long
    /// and each outcome should be reported as soon as it is known. With no proposed claim
    /// waiting, proves the lowest offered claim instead ([`Self::with_settlements`]); its outcome
    /// goes to the proposer, not into the returned list.
    ///
    /// # Errors
    /// [`ZkProverError`] when the claim could not be handled; it is retried next time.
    pub async fn poll(&mut self) -> Result<Vec<(u64, ZkOutcome)>, ZkProverError> {
        let count =
            view(&self.l1, self.finality, MultiProofFinality::claimCountCall {}).await?.to::<u64>();
        let mut done = Vec::new();
        if self.next_claim < count {
            let id = self.next_claim;
            self.handling = None;
            let outcome = self.handle(id).await?;
            if let (Some(pace), Some(batch)) = (&self.pace, self.handling) {
                pace.finished(batch);
            }
            match &outcome {
                ZkOutcome::Wrong { reason } => {
                    metrics::counter!("tribunal_zk_wrong_claims_total").increment(1);
                    tracing::error!(claim = id, %reason, "ZK prover refuses a wrong claim");
                }
                ZkOutcome::NotProvable { reason } | ZkOutcome::NotFollowed { reason } => {
                    tracing::warn!(claim = id, %reason, "ZK prover does not prove the claim");
                }
                ZkOutcome::Settled { reason } => {
                    tracing::info!(claim = id, %reason, "ZK prover has nothing to send");
                }
                ZkOutcome::Proven { .. } => {}
            }
            if let (false, Some(held)) = (matches!(outcome, ZkOutcome::Proven { .. }), &self.held) {
                held.release(id);
            }
            done.push((id, outcome));
            self.next_claim += 1;
        } else if let Some(claim) = self.settle.as_ref().and_then(Settlements::next_for_zk) {
            self.prove_offered(&claim).await?;
        }
        Ok(done)
    }

    /// Proves offered `claim` and hands the result to the proposer.
    async fn prove_offered(
        &mut self,
        claim: &tribunal_primitives::Claim,
    ) -> Result<(), ZkProverError> {
        let Some(settle) = self.settle.clone() else { return Ok(()) };
        let n = claim.batch_number;
        let result = match self.prove_claim(claim, None).await {
            Ok(r) => r,
            Err(e) => {
                settle.zk_retry(claim);
                return Err(e);
            }
        };
        if let Some(pace) = &self.pace {
            pace.finished(n);
        }
        match result {
            Ok(proof) => {
                tracing::info!(
                    batch = n.0,
                    prove_secs = proof.prove_secs,
                    "ZK proof of the offered claim ready"
                );
                settle.zk_done(claim, Ok(proof));
            }
            Err(outcome) => {
                let reason = match outcome {
                    ZkOutcome::Wrong { reason }
                    | ZkOutcome::NotProvable { reason }
                    | ZkOutcome::NotFollowed { reason }
                    | ZkOutcome::Settled { reason } => reason,
                    ZkOutcome::Proven { .. } => "proven".into(),
                };
                tracing::warn!(batch = n.0, %reason, "ZK prover declines the offered claim");
                settle.zk_done(claim, Err(reason));
            }
        }
        Ok(())
    }

    async fn handle(&mut self, id: u64) -> Result<ZkOutcome, ZkProverError> {
        let raw = tribunal_dispute::claims::proposed_known(&self.l1, self.finality, id).await?;
        let claim = match claim_from_sol(id, &raw) {
            Ok(c) => c,
            Err(e) => return Ok(ZkOutcome::Wrong { reason: e.to_string() }),
        };
        let n = claim.batch_number.0;
        self.handling = Some(claim.batch_number);
        let status =
            view(&self.l1, self.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) })
                .await?;
        if status.isFinal || status.superseded || status.zk {
            let reason = if status.isFinal {
                "the claim is final"
            } else if status.superseded {
                "another claim of the batch is final"
            } else {
                "ZK already approves it"
            };
            return Ok(ZkOutcome::Settled { reason: reason.into() });
        }
        if let Some(made) = self.settle.as_ref().and_then(|s| s.proof_for(&claim)) {
            tracing::info!(claim = id, batch = n, "sending the proof made for the offered claim");
            let sent = self.submit(id, &claim, &raw, made).await;
            if let (Err(ZkProverError::L1(e)), Some(settle)) = (&sent, &self.settle)
                && e.revert_data().is_some()
            {
                // Refused (the ZK verifier changed since): proven again at the next poll.
                settle.forget_proof(&claim);
            }
            return sent;
        }
        match self.prove_claim(&claim, Some(id)).await? {
            Ok(made) => self.submit(id, &claim, &raw, made).await,
            Err(outcome) => Ok(outcome),
        }
    }

    /// Re-executes `claim`'s batch from L1 (its blob from the batcher's offer, when sealed and
    /// not posted yet) and, when it gives the claim, proves it with the
    /// smallest circuit that fits. `Ok(Err(outcome))`: not proven, and why. `id`: the claim's id
    /// when proposed (for the logs).
    async fn prove_claim(
        &mut self,
        claim: &Claim,
        id: Option<u64>,
    ) -> Result<Result<OfferedProof, ZkOutcome>, ZkProverError> {
        let n = claim.batch_number.0;
        let Some(parent) = self.replica.state_after(&self.l1, self.inbox, n - 1).await? else {
            return Ok(Err(ZkOutcome::NotFollowed {
                reason: format!("no followed state after batch {}", n - 1),
            }));
        };
        if parent.root() != claim.parent_root {
            return Ok(Err(ZkOutcome::Wrong {
                reason: "parent root is not the posted chain's".into(),
            }));
        }
        let mut state = parent.clone();
        // A batch the batcher offered before posting is read from its offer, and must be the
        // blob the claim binds (`postAndSettle` posts exactly that one).
        let sealed = self.settle.as_ref().and_then(|s| s.sealed(claim));
        let (blobs, messages) = match &sealed {
            Some(s) => {
                let blobs = s.blobs.to_vec();
                if tribunal_da::blobs_hash(&blobs).ok() != Some(claim.blobs_hash) {
                    return Ok(Err(ZkOutcome::Wrong {
                        reason: "the offered blob is not the one the claim binds".into(),
                    }));
                }
                (blobs, messages(&self.l1, self.inbox, s.queue_start, s.queue_end).await?)
            }
            None => tribunal_dispute::batches::contents(&self.l1, self.inbox, n).await?,
        };
        let batch = tribunal_da::read_batch(&blobs, &messages, claim.chain_id, claim.batch_number);
        let out = match execute_batch(&mut state, &batch) {
            Ok(out) => out,
            Err(e) => {
                return Ok(Err(ZkOutcome::Wrong { reason: format!("the STF refuses it: {e}") }));
            }
        };
        if let Some(field) = differs(claim, &out) {
            return Ok(Err(ZkOutcome::Wrong {
                reason: format!("{field} differs from re-execution"),
            }));
        }
        if blobs.len() != 1 {
            return Ok(Err(ZkOutcome::NotProvable {
                reason: format!("{} blobs; the circuit reads one", blobs.len()),
            }));
        }
        if self.aggregating.as_ref().is_some_and(|a| a.claim == *claim) {
            // Kept for the verifier it was made for: after an upgrade it is proven again.
            let verifier = view(&self.l1, self.finality, MultiProofFinality::zkVerifierCall {});
            let verifier = verifier.await?;
            if let Some(waiting) = self.aggregating.take_if(|a| a.verifier == verifier) {
                return self.aggregated(waiting).await.map(Ok);
            }
        }
        let Some((keys, member, route)) = self.circuit_for(batch.txs.len()).await? else {
            return Ok(Err(ZkOutcome::NotProvable {
                reason: format!(
                    "{} transactions; no circuit of the verifier set with local keys has as many \
                     slots",
                    batch.txs.len()
                ),
            }));
        };
        let witness = match BatchWitness::new(&keys.config, &batch, &out, &blobs[0]) {
            Ok(w) => w,
            Err(e) => return Ok(Err(ZkOutcome::NotProvable { reason: e.to_string() })),
        };
        if witness.non_canonical && sealed.is_some() {
            return Ok(Err(ZkOutcome::NotProvable {
                reason: "a blob not in canonical form is proven after it is posted".into(),
            }));
        }
        if witness.non_canonical {
            // The verifier reads "no records" from the Inbox: record it there first.
            tribunal_dispute::evidence::prove_non_canonical(
                &self.l1,
                &self.sender,
                self.inbox,
                claim.chain_id,
                n,
                &blobs,
                messages.len(),
            )
            .await?;
        }
        let slots = keys.config.batch_size;
        let start = Instant::now();
        tracing::info!(claim = ?id, batch = n, slots, "proving");
        let direct = match route {
            Route::Aggregated(..) => self.direct_twin(&keys),
            Route::Direct => None,
        };
        let proof = tokio::task::spawn_blocking(move || prove(&keys, witness))
            .await
            .map_err(|e| ZkProverError::Prove(e.to_string()))?
            .map_err(|e| ZkProverError::Prove(e.to_string()))?;
        // Through the aggregation layer, the proof is done with once it is verified there.
        if let (Some(pace), Route::Direct) = (&self.pace, route) {
            pace.finished(BatchNumber(n));
        }
        let prove_secs = start.elapsed().as_secs_f64();
        metrics::histogram!("tribunal_zk_prove_seconds").record(prove_secs);
        if let Route::Aggregated(circuit, aggregator) = route {
            let verifier = self.layout.as_ref().map(|(address, _)| *address).unwrap_or_default();
            let waiting = Aggregating {
                claim: *claim,
                verifier,
                proof,
                member,
                circuit,
                aggregator,
                direct,
                slots,
                prove_secs,
            };
            return self.aggregated(waiting).await.map(Ok);
        }
        let proof = match member {
            Some(index) => encode_set_proof(index, &proof.to_bytes()),
            None => proof.to_bytes(),
        };
        Ok(Ok(OfferedProof { proof, slots, prove_secs }))
    }

    /// The index of a set member that verifies `keys`' proofs whole, if any.
    fn direct_twin(&self, keys: &Arc<Keys>) -> Option<u8> {
        match &self.layout {
            Some((_, Layout::Set(members))) => members
                .iter()
                .find(|(_, k, route)| *route == Route::Direct && Arc::ptr_eq(k, keys))
                .map(|(index, ..)| *index),
            _ => None,
        }
    }

    /// Sends `waiting`'s proof to the aggregation layer (unless it is there already) and waits
    /// for its batch. When that fails (the wait ran out, the aggregator refused it, the fee is
    /// above the cap, or L1 failed for good) and the set has a member verifying the same
    /// circuit whole, the proof goes to that member instead; otherwise it stays kept for the
    /// next poll, which tries again without proving again.
    async fn aggregated(&mut self, waiting: Aggregating) -> Result<OfferedProof, ZkProverError> {
        let (submitter, wait) = self.aggregator.clone().ok_or_else(|| {
            ZkProverError::Prove("an aggregated verifier member, and no aggregator".into())
        })?;
        let entry = Entry {
            circuit_id: waiting.circuit,
            proof: waiting.proof.groth16_words(),
            inputs: waiting.proof.public_input_words(),
        };
        let batch = waiting.claim.batch_number.0;
        tracing::info!(batch, proof_id = %entry.proof_id(), "ZK proof sent to the aggregation layer");
        let every = Duration::from_millis(500);
        let inclusion = match submitter
            .verified(&self.l1, waiting.aggregator, entry, wait, every)
            .await
        {
            Ok(inclusion) => inclusion,
            Err(e) => {
                if let Some(index) = waiting.direct {
                    tracing::warn!(batch, error = %e, member = index, "not verified in the aggregation layer: the proof goes to L1 whole");
                    if let Some(pace) = &self.pace {
                        pace.finished(waiting.claim.batch_number);
                    }
                    return Ok(OfferedProof {
                        proof: encode_set_proof(index, &waiting.proof.to_bytes()),
                        slots: waiting.slots,
                        prove_secs: waiting.prove_secs,
                    });
                }
                self.aggregating = Some(waiting);
                return Err(e.into());
            }
        };
        let depth = inclusion.merkle_proof.len();
        tracing::info!(
            batch,
            depth,
            "ZK proof verified in an aggregated batch (path checked on L1)"
        );
        if let Some(pace) = &self.pace {
            pace.finished(waiting.claim.batch_number);
        }
        let seal = waiting.proof.aggregated_seal(&inclusion.merkle_proof);
        let proof = match waiting.member {
            Some(index) => encode_set_proof(index, &seal),
            None => seal,
        };
        Ok(OfferedProof { proof, slots: waiting.slots, prove_secs: waiting.prove_secs })
    }

    /// Sends `proof` of proposed claim `id` (`raw` as L1 has it): with the TEE signature held
    /// for it in one `proveAndAttest`, or alone with `proveZk`.
    async fn submit(
        &mut self,
        id: u64,
        claim: &Claim,
        raw: &MultiProofFinality::Claim,
        made: OfferedProof,
    ) -> Result<ZkOutcome, ZkProverError> {
        let n = claim.batch_number.0;
        let OfferedProof { proof, slots, prove_secs } = made;
        let mut tee = self.held.as_ref().and_then(|held| held.take(id, claim));
        if tee.is_some() {
            // A signature the TEE worker sent alone meanwhile (after a failed bundle, or a
            // rewind) is not sent a second time.
            let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
            match view(&self.l1, self.finality, call).await {
                Ok(status) if !status.tee => {}
                status => {
                    // Approved already: forgotten; unknown: left held, as it was.
                    if let (Some(held), Some(_)) = (&self.held, tee.take()) {
                        if status.is_ok() { held.sent(id) } else { held.put_back(id) }
                    }
                }
            }
        }
        let receipt = match &tee {
            Some(t) => {
                let both = MultiProofFinality::proveAndAttestCall {
                    _c: raw.clone(),
                    _proof: proof.clone(),
                    _signature: t.signature.clone(),
                };
                match self.l1.send(&self.sender, L1Tx::call(self.finality, both.abi_encode())).await
                {
                    Ok(r) => Some(r),
                    Err(e) => {
                        // Not lost: the TEE worker sends its signature alone, and the proof
                        // goes alone below.
                        tracing::warn!(claim = id, error = %e, "proveAndAttest failed; sending the proof alone");
                        if let (Some(held), Some(_)) = (&self.held, tee.take()) {
                            held.give_back(id);
                        }
                        None
                    }
                }
            }
            None => None,
        };
        let receipt = match receipt {
            Some(r) => r,
            None => {
                // A `proveAndAttest` that reported a failure may have landed all the same (a
                // receipt that timed out): the proof goes again only if ZK does not approve yet.
                let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
                let status = view(&self.l1, self.finality, call).await?;
                if status.zk || status.isFinal || status.superseded {
                    return Ok(ZkOutcome::Settled { reason: "the proof has landed".into() });
                }
                let alone =
                    MultiProofFinality::proveZkCall { _c: raw.clone(), _proof: proof.clone() };
                self.l1.send(&self.sender, L1Tx::call(self.finality, alone.abi_encode())).await?
            }
        };
        if let Some(store) = &self.sent {
            let alone = MultiProofFinality::proveZkCall { _c: raw.clone(), _proof: proof };
            let (block, hash) = (receipt.block_number, receipt.block_hash);
            let mut record = vec![("zk", alone.abi_encode())];
            if let Some(t) = &tee {
                let call = MultiProofFinality::attestTeeCall {
                    _c: raw.clone(),
                    _signature: t.signature.clone(),
                };
                record.push(("tee", call.abi_encode()));
            }
            for (service, calldata) in record {
                // Sent all the same: without the record, only a reorg would need it.
                if let Err(e) = store.record_sent(service, id, block, hash, &calldata) {
                    tracing::warn!(claim = id, error = %e, "recording the proof failed");
                }
            }
        }
        if let (Some(held), Some(_)) = (&self.held, &tee) {
            held.sent(id);
        }
        let with_tee = tee.map(|t| t.signer);
        metrics::counter!("tribunal_proofs_total", "leg" => "zk").increment(1);
        metrics::counter!("tribunal_l1_gas_total", "leg" => "zk").increment(receipt.gas_used);
        tracing::info!(
            claim = id,
            batch = n,
            prove_secs,
            gas = receipt.gas_used,
            ?with_tee,
            "ZK proof accepted"
        );
        Ok(ZkOutcome::Proven { slots, prove_secs, gas: receipt.gas_used, with_tee })
    }

    /// The keys to prove a batch of `txs` transactions with, the member index to prefix the
    /// proof with (for a `ZkVerifierSet`), and how the member takes it; `None` when no member
    /// with local keys fits.
    async fn circuit_for(
        &mut self,
        txs: usize,
    ) -> Result<Option<(Arc<Keys>, Option<u8>, Route)>, ZkProverError> {
        let verifier = view(&self.l1, self.finality, MultiProofFinality::zkVerifierCall {}).await?;
        let layout = match &self.layout {
            Some((address, layout)) if *address == verifier => layout,
            _ => {
                let layout = self.read_layout(verifier).await?;
                tracing::info!(%verifier, ?layout, "ZK verifier layout");
                &self.layout.insert((verifier, layout)).1
            }
        };
        Ok(match layout {
            Layout::Single => Some((self.circuits.largest().clone(), None, Route::Direct)),
            Layout::Aggregated(keys, route) => {
                (keys.config.batch_size >= txs).then(|| (keys.clone(), None, *route))
            }
            Layout::Set(members) => members
                .iter()
                .find(|(_, keys, _)| keys.config.batch_size >= txs)
                .map(|(index, keys, route)| (keys.clone(), Some(*index), *route)),
        })
    }

    /// How `verifier` takes proofs when it is an `AggregatedZkVerifier`: `None` when it is
    /// not one; `Some(Err(why))` when it is one this worker cannot use (no aggregator configured,
    /// or no keys of its circuit); else the keys and the route.
    async fn aggregated_member(
        &self,
        verifier: Address,
    ) -> Result<Option<Result<(Arc<Keys>, Route), String>>, ZkProverError> {
        let circuit = match view(&self.l1, verifier, AggregatedZkVerifier::CIRCUIT_IDCall {}).await
        {
            Ok(circuit) => circuit,
            Err(e) if !e.is_temporary() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let aggregator = view(&self.l1, verifier, AggregatedZkVerifier::AGGREGATORCall {}).await?;
        if self.aggregator.is_none() {
            return Ok(Some(Err(format!(
                "{verifier} verifies through the aggregation layer ({aggregator}), and this \
                 worker has no aggregator RPC configured"
            ))));
        }
        let keys = self.circuits.iter().find(|k| circuit_id(&vk_words(k.vk())) == circuit);
        Ok(Some(match keys {
            Some(k) => Ok((k.clone(), Route::Aggregated(circuit, aggregator))),
            None => Err(format!("no keys of circuit {circuit}, which {verifier} takes")),
        }))
    }

    async fn read_layout(&self, verifier: Address) -> Result<Layout, ZkProverError> {
        let members = match view(&self.l1, verifier, ZkVerifierSet::membersCall {}).await {
            Ok(members) => members,
            // Not a set: no such function. Nodes report that revert in different shapes (with or
            // without revert data), so anything but a transport failure means "not a set".
            Err(e) if !e.is_temporary() => {
                return match self.aggregated_member(verifier).await? {
                    None => Ok(Layout::Single),
                    Some(Ok((keys, route))) => Ok(Layout::Aggregated(keys, route)),
                    // Loud, and retried: whole proofs would never verify there.
                    Some(Err(why)) => Err(ZkProverError::Prove(why)),
                };
            }
            Err(e) => return Err(e.into()),
        };
        let mut ours = Vec::new();
        for (index, member) in members.into_iter().enumerate() {
            let Ok(index) = u8::try_from(index) else { continue };
            let hash = match view(&self.l1, member, ZkVerifier::VERIFYING_KEY_HASHCall {}).await {
                Ok(hash) => hash,
                // A member of another kind: an `AggregatedZkVerifier` is ours to prove for when
                // an aggregator is configured and we hold its circuit's keys.
                Err(e) if !e.is_temporary() => {
                    match self.aggregated_member(member).await? {
                        Some(Ok((keys, route))) => ours.push((index, keys, route)),
                        Some(Err(why)) => tracing::debug!(%member, %why, "member not used"),
                        None => {}
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let keys = self.circuits.iter().find(|k| key_hash(k).is_ok_and(|h| h == hash));
            if let Some(keys) = keys {
                ours.push((index, keys.clone(), Route::Direct));
            }
        }
        if ours.is_empty() {
            // Wrong key directory or another setup: loud, and retried, never skipped.
            return Err(ZkProverError::Prove(format!(
                "no member of the ZK verifier set {verifier} has a verifying key this worker \
                 holds ({} circuit sizes loaded)",
                self.circuits.iter().count()
            )));
        }
        // Smallest circuit first; of one size, the aggregated member first.
        ours.sort_by_key(|(_, keys, route)| (keys.config.batch_size, *route == Route::Direct));
        Ok(Layout::Set(ours))
    }
}

/// How a verifier takes a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// The Groth16 proof itself.
    Direct,
    /// Its inclusion path in the aggregation layer: this circuit id in this `ProofAggregator`
    /// (the member's `CIRCUIT_ID` and `AGGREGATOR`).
    Aggregated(B256, Address),
}

/// How the ZK verifier takes proofs.
enum Layout {
    /// A single verifier: the bare proof of the largest circuit.
    Single,
    /// A single `AggregatedZkVerifier` of the circuit of these keys.
    Aggregated(Arc<Keys>, Route),
    /// A `ZkVerifierSet`: the members whose keys this worker holds, smallest circuit first.
    Set(Vec<(u8, Arc<Keys>, Route)>),
}

impl std::fmt::Debug for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Single => f.write_str("single verifier"),
            Self::Aggregated(keys, _) => {
                write!(f, "aggregated verifier of {} slots", keys.config.batch_size)
            }
            Self::Set(members) => f
                .debug_map()
                .entries(members.iter().map(|(i, k, r)| {
                    let via = if *r == Route::Direct { "direct" } else { "aggregated" };
                    (i, (k.config.batch_size, via))
                }))
                .finish(),
        }
    }
}

/// The first claim field that differs from an execution's output.
fn differs(claim: &Claim, out: &tribunal_stf::BatchOutput) -> Option<&'static str> {
    if claim.post_root != out.post_root {
        Some("post root")
    } else if claim.withdrawal_root != out.withdrawal_root {
        Some("withdrawal root")
    } else if claim.data_commitment != out.data_commitment {
        Some("data commitment")
    } else if claim.queue_after != out.queue_after {
        Some("queue accumulator")
    } else {
        None
    }
}
