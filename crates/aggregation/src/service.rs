//! The aggregator service: collects submissions from `ProofAggregator` events and from its RPC,
//! checks every proof natively, and posts batches by size or age.
//!
//! One [`Aggregator::step`] scans the contract's logs from the stored cursor, then posts a batch
//! if [`Policy`] says one is due. [`Aggregator::run`] repeats it. Every change of state is one
//! redb transaction ([`crate::store`]), so the service can be killed and restarted at any point.
//!
//! A proof that fails the native check never enters a batch: an on-chain submission holding one
//! is dropped with `rejectSubmission` (the fee pays for the check), an RPC submission is refused.
//! If a batch still reverts (`Aggregator_BatchInvalid`), each proof is verified singly to name
//! the bad one and its submitter ([`Aggregator::find_invalid`]).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use tribunal_contracts::ProofAggregator::{self, ProofAggregatorErrors};
use tribunal_l1::{L1, L1Error, L1Tx, view};

use crate::{
    batch::{self, Entry, FeeVoucher, PlanError, Source, Submission, next_chain, submission_id},
    groth16::{Circuit, EncodingError},
    store::{BatchRecord, Record, Status, Store, StoreError},
};

/// Most proofs in one submission (`ProofAggregator.MAX_SUBMISSION_PROOFS`).
pub const MAX_SUBMISSION_PROOFS: usize = 16;

/// When to post a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Post as soon as this many proofs are pending; also the most per batch (128 proofs of one
    /// key cost 8.8M gas, under the 2^24 transaction gas cap of EIP-7825).
    pub max_proofs: usize,
    /// Post once the oldest pending submission is this old, in L1 seconds. Whatever it is, a
    /// batch is also due once an on-chain submission is within [`DEADLINE_MARGIN_SECS`] of the
    /// deadline after which anyone could force it.
    pub max_age_secs: u64,
}

/// How close to an on-chain submission's deadline the service posts regardless of the policy,
/// in L1 seconds (25 slots of 12 seconds).
pub const DEADLINE_MARGIN_SECS: u64 = 300;

impl Default for Policy {
    /// 32 proofs or 60 seconds.
    fn default() -> Self {
        Self { max_proofs: 32, max_age_secs: 60 }
    }
}

/// Errors of the service's own work (not of a caller's input).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// L1 failed.
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The batch could not be planned.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The contract refused the batch; the submissions it named were dropped.
    #[error("aggregate refused: {0}")]
    Refused(String),
}

/// Why an RPC submission is refused. Nothing is stored for a refused submission.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// No proofs, or more than [`MAX_SUBMISSION_PROOFS`].
    #[error("a submission holds 1 to {MAX_SUBMISSION_PROOFS} proofs, not {0}")]
    BadLength(usize),
    /// The circuit is not registered.
    #[error("circuit {0} is not registered")]
    UnknownCircuit(B256),
    /// Proof `index` is malformed.
    #[error("proof {index}: {error}")]
    Malformed {
        /// Which proof.
        index: usize,
        /// What is wrong.
        error: EncodingError,
    },
    /// Proof `index` does not verify.
    #[error("proof {0} does not verify")]
    InvalidProof(usize),
    /// The signature is not the submitter's.
    #[error("the fee voucher is not signed by its submitter")]
    BadSignature,
    /// The voucher's chain is not the submitter's chain so far (its newest pending voucher's,
    /// or else its charged head, `chargedChainOf`) with this submission and fee linked on.
    #[error("voucher chain {got}, expected {expected}")]
    WrongChain {
        /// [`next_chain`] of the submitter's chain so far, this submission's id and the fee.
        expected: FixedBytes<20>,
        /// The voucher's.
        got: FixedBytes<20>,
    },
    /// The fee is above what a voucher link holds ([`batch::MAX_FEE`], 2^96 − 1 wei).
    #[error("fee {0} wei is above 2^96 - 1 wei")]
    FeeTooHigh(U256),
    /// The fee is below the posted fee of the proofs.
    #[error("fee {offered} wei is below {required} wei")]
    FeeTooLow {
        /// What the proofs cost.
        required: U256,
        /// The voucher's.
        offered: U256,
    },
    /// The prepaid balance, less requested withdrawals, does not cover the submitter's pending
    /// fees and this one.
    #[error("prepaid balance {available} wei does not cover {owed} wei")]
    InsufficientBalance {
        /// Free balance.
        available: U256,
        /// Pending fees and this one.
        owed: U256,
    },
    /// Already pending or settled.
    #[error("submission {0} is already known")]
    Duplicate(B256),
    /// The service failed; retry.
    #[error("unavailable: {0}")]
    Unavailable(#[from] ServiceError),
}

impl From<L1Error> for SubmitError {
    fn from(e: L1Error) -> Self {
        Self::Unavailable(e.into())
    }
}

impl From<StoreError> for SubmitError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.into())
    }
}

/// A batch the service posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    /// Its root.
    pub root: B256,
    /// Number of proofs.
    pub proofs: usize,
    /// Number of submissions.
    pub submissions: usize,
    /// Gas of the `aggregate` transaction.
    pub gas_used: u64,
}

/// What one [`Aggregator::step`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepReport {
    /// New on-chain submissions collected.
    pub collected: usize,
    /// On-chain submissions rejected for an invalid proof.
    pub rejected: usize,
    /// The batch posted, if one was due.
    pub posted: Option<Posted>,
}

/// A submission found to hold an invalid proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Culprit {
    /// The submission.
    pub submission: B256,
    /// Who submitted it.
    pub submitter: Address,
    /// The first bad proof in it.
    pub index: usize,
}

/// The aggregator.
#[derive(Debug)]
pub struct Aggregator<L> {
    l1: L,
    signer: PrivateKeySigner,
    contract: Address,
    chain_id: u64,
    store: Store,
    policy: Policy,
    circuits: Mutex<HashMap<B256, Circuit>>,
    /// Held while an RPC submission is checked against its submitter's chain and queued, so
    /// two of one submitter never extend the same link.
    admit: tokio::sync::Mutex<()>,
}

impl<L: L1> Aggregator<L> {
    /// An aggregator for the `ProofAggregator` at `contract`, sending as `signer` (which must be
    /// its `aggregator`). Finishes a batch left in flight by a crash.
    ///
    /// # Errors
    /// [`ServiceError`].
    pub async fn new(
        l1: L,
        signer: PrivateKeySigner,
        contract: Address,
        store: Store,
        policy: Policy,
    ) -> Result<Self, ServiceError> {
        let chain_id = l1.chain_id().await?;
        let this = Self {
            l1,
            signer,
            contract,
            chain_id,
            store,
            policy,
            circuits: Mutex::default(),
            admit: tokio::sync::Mutex::default(),
        };
        this.recover().await?;
        Ok(this)
    }

    /// The store.
    pub const fn store(&self) -> &Store {
        &self.store
    }

    /// The contract.
    pub const fn contract(&self) -> Address {
        self.contract
    }

    /// The L1 chain id.
    pub const fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The L1.
    pub const fn l1(&self) -> &L {
        &self.l1
    }

    async fn recover(&self) -> Result<(), ServiceError> {
        let Some((root, record)) = self.store.inflight()? else { return Ok(()) };
        let at = view(&self.l1, self.contract, ProofAggregator::verifiedAtCall(root)).await?;
        if at.is_zero() {
            tracing::warn!(%root, "batch in flight at the last stop never landed: its submissions stay pending");
            self.store.set_inflight(None)?;
        } else {
            tracing::info!(%root, "batch in flight at the last stop landed: recording it");
            self.store.commit_batch(root, &record)?;
        }
        Ok(())
    }

    /// A registered circuit, from the cache or the contract; `None` when not registered.
    ///
    /// # Errors
    /// [`ServiceError::L1`].
    pub async fn circuit(&self, id: B256) -> Result<Option<Circuit>, ServiceError> {
        if let Some(c) = self.circuits.lock().expect("not poisoned").get(&id) {
            return Ok(Some(c.clone()));
        }
        let words = match view(
            &self.l1,
            self.contract,
            ProofAggregator::verifyingKeyCall { _circuitId: id },
        )
        .await
        {
            Ok(w) => w,
            Err(L1Error::Revert(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // A registered key is canonical and on its curves; a G2 point outside the subgroup makes
        // every proof of it fail, which `verify` reports per proof.
        let Ok(circuit) = Circuit::new(words) else { return Ok(None) };
        self.circuits.lock().expect("not poisoned").insert(id, circuit.clone());
        Ok(Some(circuit))
    }

    /// Verifies every entry natively: `Ok(None)` when all do, else the first failing index.
    async fn first_invalid(&self, entries: &[Entry]) -> Result<Option<usize>, ServiceError> {
        for (i, e) in entries.iter().enumerate() {
            let ok = match self.circuit(e.circuit_id).await? {
                Some(c) => c.verify(&e.proof(), &e.inputs).unwrap_or(false),
                None => false,
            };
            if !ok {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// Verifies each pending submission's proofs singly and names those holding an invalid one
    /// with their submitters: how a reverted batch is explained off chain.
    ///
    /// # Errors
    /// [`ServiceError`].
    pub async fn find_invalid(
        &self,
        submissions: &[Submission],
    ) -> Result<Vec<Culprit>, ServiceError> {
        let mut out = Vec::new();
        for s in submissions {
            if let Some(index) = self.first_invalid(&s.entries).await? {
                out.push(Culprit { submission: s.id, submitter: s.submitter(), index });
            }
        }
        Ok(out)
    }

    /// Scans the contract's logs from the cursor: new on-chain submissions are checked and queued
    /// (or rejected on chain), and forced ones leave the queue.
    ///
    /// # Errors
    /// [`ServiceError`].
    pub async fn collect(&self) -> Result<(usize, usize), ServiceError> {
        let from = self.store.cursor()?;
        let logs = self.l1.logs(self.contract, from).await?;
        let head = self.l1.head().await?;
        let mut fresh = Vec::new();
        let mut forced = Vec::new();
        let mut next = from;
        for l in &logs {
            next = next.max(l.block_number + 1);
            if let Ok(ev) = ProofAggregator::Submitted::decode_log(&l.log) {
                let entries: Vec<Entry> = ev
                    .circuitIds
                    .iter()
                    .zip(&ev.proofs)
                    .zip(&ev.publicInputs)
                    .map(|((c, p), x)| Entry::new(*c, p, x.clone()))
                    .collect();
                let submission = Submission {
                    id: ev.submissionId,
                    source: Source::onchain(&ev.record),
                    entries,
                };
                fresh.push(Record {
                    submission,
                    received_at: head.timestamp,
                    status: Status::Pending,
                });
            } else if let Ok(ev) = ProofAggregator::SubmissionForced::decode_log(&l.log) {
                forced.push((ev.submissionId, Status::Forced));
            } else if let Ok(ev) = ProofAggregator::SubmissionVerifiedSingly::decode_log(&l.log) {
                forced.push((ev.submissionId, Status::Forced));
            }
        }
        // Which events open a new obligation: every id not pending on chain already. A settled or
        // rejected id submitted again is pending again (its submitter could force it), and an id
        // pending off chain becomes an on-chain obligation (its voucher is dropped, and with it
        // the submitter's later vouchers, which chain through it: they are refused on chain).
        let mut new: Vec<Record> = Vec::new();
        for r in fresh {
            let known = self.store.record(r.submission.id)?;
            let pending_onchain = known.as_ref().is_some_and(|k| {
                k.status == Status::Pending && matches!(k.submission.source, Source::Onchain { .. })
            }) || new.iter().any(|n| n.submission.id == r.submission.id);
            if pending_onchain {
                continue;
            }
            if let Some(k) = known.filter(|k| k.status == Status::Pending) {
                tracing::warn!(submission = %k.submission.id, "submitted on chain while pending off chain: its fee voucher is dropped");
            }
            new.push(r);
        }
        let mut rejected = Vec::new();
        for r in &mut new {
            if let Some(index) = self.first_invalid(&r.submission.entries).await? {
                r.status =
                    Status::Rejected { index: Some(index), reason: "proof does not verify".into() };
                rejected.push((r.submission.clone(), index));
            }
        }
        let collected = self.store.ingest(&new, Some(next))?;
        self.store.set_status(&forced)?;
        for (s, index) in &rejected {
            self.reject_on_chain(s, *index).await;
        }
        Ok((collected, rejected.len()))
    }

    async fn reject_on_chain(&self, s: &Submission, index: usize) {
        let Some(record) = s.record() else { return };
        let submitted = crate::contract::submit_call(&s.entries);
        let call = ProofAggregator::rejectSubmissionCall {
            _record: record,
            _circuitIds: submitted._circuitIds,
            _proofs: submitted._proofs,
            _publicInputs: submitted._publicInputs,
            _index: U256::from(index),
        };
        match self.l1.send(&self.signer, L1Tx::call(self.contract, call.abi_encode())).await {
            Ok(_) => {
                tracing::info!(submission = %s.id, index, "rejected a submission with an invalid proof")
            }
            Err(e) => {
                tracing::warn!(submission = %s.id, index, error = %e, "rejectSubmission failed")
            }
        }
    }

    /// Takes an RPC submission with its submitter's new voucher: checks both fully against the
    /// contract's state and the submitter's pending submissions, and queues it.
    ///
    /// The voucher must link this submission and its fee (at least the posted fee of its proofs)
    /// onto the submitter's chain so far: its newest pending voucher's head, or else its charged
    /// head (`chargedChainOf`). The prepaid balance, less requested withdrawals, must cover the
    /// fees of all its pending submissions and this one.
    ///
    /// # Errors
    /// [`SubmitError`]; nothing is stored then.
    pub async fn submit_offchain(
        &self,
        entries: Vec<Entry>,
        voucher: FeeVoucher,
    ) -> Result<B256, SubmitError> {
        if entries.is_empty() || entries.len() > MAX_SUBMISSION_PROOFS {
            return Err(SubmitError::BadLength(entries.len()));
        }
        let id = submission_id(&entries);
        if !voucher.is_signed(self.chain_id, self.contract) {
            return Err(SubmitError::BadSignature);
        }
        if voucher.fee > batch::MAX_FEE {
            return Err(SubmitError::FeeTooHigh(voucher.fee));
        }
        if self.known(id)? {
            return Err(SubmitError::Duplicate(id));
        }
        let c = self.contract;
        let who = voucher.submitter;
        // Before the proofs are verified (the expensive part): a balance that cannot pay even
        // this fee is refused at the price of two reads.
        let free = || async {
            let balance = view(&self.l1, c, ProofAggregator::balanceOfCall { _submitter: who });
            let withdrawing =
                view(&self.l1, c, ProofAggregator::withdrawalOfCall { _submitter: who });
            Ok::<_, L1Error>(balance.await?.saturating_sub(withdrawing.await?.amount))
        };
        let available = free().await?;
        if available < voucher.fee {
            return Err(SubmitError::InsufficientBalance { available, owed: voucher.fee });
        }
        for (index, e) in entries.iter().enumerate() {
            let c = self
                .circuit(e.circuit_id)
                .await?
                .ok_or(SubmitError::UnknownCircuit(e.circuit_id))?;
            match c.verify(&e.proof(), &e.inputs) {
                Ok(true) => {}
                Ok(false) => return Err(SubmitError::InvalidProof(index)),
                Err(error) => return Err(SubmitError::Malformed { index, error }),
            }
        }
        let fee = view(&self.l1, c, ProofAggregator::feePerProofCall {}).await?;
        let required = fee * U256::from(entries.len());
        if voucher.fee < required {
            return Err(SubmitError::FeeTooLow { required, offered: voucher.fee });
        }
        let _admit = self.admit.lock().await;
        if self.known(id)? {
            return Err(SubmitError::Duplicate(id));
        }
        let (mine, head) = self.chain_so_far(who).await?;
        let expected = next_chain(head, id, voucher.fee);
        if voucher.chain != expected {
            return Err(SubmitError::WrongChain { expected, got: voucher.chain });
        }
        let available = free().await?;
        let owed = mine.iter().fold(voucher.fee, |sum, v| sum.saturating_add(v.fee));
        if available < owed {
            return Err(SubmitError::InsufficientBalance { available, owed });
        }
        let received_at = self.l1.head().await?.timestamp;
        let submission = Submission { id, source: Source::Offchain(voucher), entries };
        self.store.ingest(&[Record { submission, received_at, status: Status::Pending }], None)?;
        Ok(id)
    }

    /// The head of `submitter`'s voucher chain so far, which its next voucher continues
    /// ([`FeeVoucher::sign`]): its newest pending voucher's chain, or else its charged head on L1
    /// (`chargedChainOf`, zero before its first charge).
    ///
    /// # Errors
    /// [`ServiceError`] when the store or L1 cannot be read.
    pub async fn chain_head(&self, submitter: Address) -> Result<FixedBytes<20>, ServiceError> {
        Ok(self.chain_so_far(submitter).await?.1)
    }

    /// `submitter`'s pending vouchers, oldest first, and its chain's head after them. Pending
    /// first, then L1: a batch landing in between only moves the charged head onto a pending
    /// voucher's, which the next one then continues.
    async fn chain_so_far(
        &self,
        submitter: Address,
    ) -> Result<(Vec<FeeVoucher>, FixedBytes<20>), ServiceError> {
        let mine: Vec<FeeVoucher> = self
            .store
            .pending()?
            .into_iter()
            .filter_map(|r| match r.submission.source {
                Source::Offchain(v) if v.submitter == submitter => Some(v),
                _ => None,
            })
            .collect();
        let head = match mine.last() {
            Some(v) => v.chain,
            None => {
                let call = ProofAggregator::chargedChainOfCall { _submitter: submitter };
                view(&self.l1, self.contract, call).await?
            }
        };
        Ok((mine, head))
    }

    /// Whether `id` is pending or settled: a rejected submission may come again (with valid
    /// proofs and a voucher that continues its submitter's chain).
    fn known(&self, id: B256) -> Result<bool, StoreError> {
        Ok(self.store.record(id)?.is_some_and(|r| !matches!(r.status, Status::Rejected { .. })))
    }

    /// Rejects the off-chain submissions whose voucher no longer continues its submitter's
    /// charged chain (`chargedChainOf`) through the pending ones before it: one before them left
    /// the queue (rejected, or taken over by an on-chain submission of the same id), so they can
    /// never be charged and would only make a batch revert. Returns the pending records left.
    async fn drop_broken_chains(&self, pending: Vec<Record>) -> Result<Vec<Record>, ServiceError> {
        let mut heads: HashMap<Address, Option<FixedBytes<20>>> = HashMap::new();
        let mut broken = Vec::new();
        let mut kept = Vec::with_capacity(pending.len());
        for r in pending {
            let Source::Offchain(v) = &r.submission.source else {
                kept.push(r);
                continue;
            };
            let head = match heads.get(&v.submitter) {
                Some(h) => *h,
                None => Some(
                    view(
                        &self.l1,
                        self.contract,
                        ProofAggregator::chargedChainOfCall { _submitter: v.submitter },
                    )
                    .await?,
                ),
            };
            match head {
                Some(h) if next_chain(h, r.submission.id, v.fee) == v.chain => {
                    heads.insert(v.submitter, Some(v.chain));
                    kept.push(r);
                }
                _ => {
                    tracing::warn!(submission = %r.submission.id, submitter = %v.submitter, "fee voucher chain broken by an earlier submission that left the queue: rejected");
                    heads.insert(v.submitter, None);
                    broken.push((
                        r.submission.id,
                        Status::Rejected {
                            index: None,
                            reason: "fee voucher chain broken: an earlier submission of this submitter left the queue; sign again from chargedChainOf".into(),
                        },
                    ));
                }
            }
        }
        if !broken.is_empty() {
            // Under `admit`, so no voucher is admitted onto a link being dropped.
            let _admit = self.admit.lock().await;
            self.store.set_status(&broken)?;
        }
        Ok(kept)
    }

    /// Posts a batch if one is due: enough proofs, the oldest old enough, or an on-chain
    /// submission near its deadline. The batch takes the oldest submissions first.
    ///
    /// # Errors
    /// [`ServiceError`].
    pub async fn post_due(&self) -> Result<Option<Posted>, ServiceError> {
        let pending = self.drop_broken_chains(self.store.pending()?).await?;
        let Some(oldest) = pending.first() else { return Ok(None) };
        let total: usize = pending.iter().map(|r| r.submission.entries.len()).sum();
        let now = self.l1.head().await?.timestamp;
        let near_deadline = pending.iter().any(|r| match r.submission.source {
            Source::Onchain { deadline, .. } => now + DEADLINE_MARGIN_SECS >= deadline,
            Source::Offchain(_) => false,
        });
        let old = now >= oldest.received_at.saturating_add(self.policy.max_age_secs);
        if total < self.policy.max_proofs && !old && !near_deadline {
            return Ok(None);
        }
        // Submissions near their deadline first (by deadline), then the rest oldest first.
        let deadline = |r: &Record| match r.submission.source {
            Source::Onchain { deadline, .. } if now + DEADLINE_MARGIN_SECS >= deadline => deadline,
            _ => u64::MAX,
        };
        let mut pending = pending;
        pending.sort_by_key(deadline);
        let mut take = Vec::new();
        let mut n = 0;
        for r in pending {
            let len = r.submission.entries.len();
            if n + len > self.policy.max_proofs && !take.is_empty() {
                break;
            }
            n += len;
            take.push(r.submission);
        }
        self.post(&take).await.map(Some)
    }

    /// Posts these submissions as one batch now.
    ///
    /// # Errors
    /// [`ServiceError::Refused`] when the contract refuses it (the submissions it blames are
    /// dropped, so the next batch goes through); other [`ServiceError`]s leave everything pending.
    pub async fn post(&self, submissions: &[Submission]) -> Result<Posted, ServiceError> {
        let plan = batch::plan(submissions)?;
        let mut record = BatchRecord {
            proof_ids: plan.proof_ids.clone(),
            submissions: plan.submissions.clone(),
            tx_hash: B256::ZERO,
            block_number: 0,
            gas_used: 0,
        };
        self.store.set_inflight(Some((plan.root, &record)))?;
        match self.l1.send(&self.signer, L1Tx::call(self.contract, plan.call.abi_encode())).await {
            Ok(receipt) => {
                record.tx_hash = receipt.tx_hash;
                record.block_number = receipt.block_number;
                record.gas_used = receipt.gas_used;
                self.store.commit_batch(plan.root, &record)?;
                tracing::info!(root = %plan.root, proofs = plan.proof_ids.len(), gas = receipt.gas_used, "batch verified");
                Ok(Posted {
                    root: plan.root,
                    proofs: plan.proof_ids.len(),
                    submissions: submissions.len(),
                    gas_used: receipt.gas_used,
                })
            }
            Err(L1Error::Revert(data)) => {
                self.store.set_inflight(None)?;
                let error = ProofAggregatorErrors::abi_decode(&data).ok();
                let reason =
                    error.as_ref().map_or_else(|| format!("revert {data}"), |e| format!("{e:?}"));
                let blamed: Vec<(B256, Status)> = match &error {
                    Some(ProofAggregatorErrors::Aggregator_BatchInvalid(_)) => {
                        let culprits = self.find_invalid(submissions).await?;
                        for c in &culprits {
                            tracing::warn!(submission = %c.submission, submitter = %c.submitter, index = c.index, "invalid proof in batch");
                            if let Some(s) = submissions.iter().find(|s| {
                                s.id == c.submission && matches!(s.source, Source::Onchain { .. })
                            }) {
                                self.reject_on_chain(s, c.index).await;
                            }
                        }
                        culprits
                            .iter()
                            .map(|c| {
                                (
                                    c.submission,
                                    Status::Rejected {
                                        index: Some(c.index),
                                        reason: reason.clone(),
                                    },
                                )
                            })
                            .collect()
                    }
                    Some(e) => blamed(e, submissions)
                        .into_iter()
                        .map(|id| (id, Status::Rejected { index: None, reason: reason.clone() }))
                        .collect(),
                    None => Vec::new(),
                };
                self.store.set_status(&blamed)?;
                Err(ServiceError::Refused(reason))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Collects, then posts if due.
    ///
    /// # Errors
    /// [`ServiceError`].
    pub async fn step(&self) -> Result<StepReport, ServiceError> {
        let (collected, rejected) = self.collect().await?;
        let posted = self.post_due().await?;
        Ok(StepReport { collected, rejected, posted })
    }

    /// Steps every `poll` until `shutdown` fires; errors are logged and retried.
    pub async fn run(
        self: Arc<Self>,
        poll: Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            match self.step().await {
                Ok(r) if r.collected > 0 || r.posted.is_some() => {
                    tracing::debug!(?r, "aggregator step")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "aggregator step failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// The submissions of `batch` a contract error blames: the one it names, or every off-chain
/// submission of the submitter it names.
fn blamed(e: &ProofAggregatorErrors, batch: &[Submission]) -> Vec<B256> {
    let of_submitter = |who: Address| {
        batch
            .iter()
            .filter(|s| matches!(&s.source, Source::Offchain(a) if a.submitter == who))
            .map(|s| s.id)
            .collect()
    };
    match e {
        ProofAggregatorErrors::Aggregator_UnknownSubmission(x) => vec![x.submissionId],
        ProofAggregatorErrors::Aggregator_SubmissionMismatch(x) => vec![x.submissionId],
        ProofAggregatorErrors::Aggregator_BadSignature(x) => of_submitter(x.submitter),
        ProofAggregatorErrors::Aggregator_MalformedCharge(x) => of_submitter(x.submitter),
        ProofAggregatorErrors::Aggregator_VoucherMismatch(x) => of_submitter(x.submitter),
        ProofAggregatorErrors::Aggregator_InsufficientBalance(x) => of_submitter(x.submitter),
        _ => Vec::new(),
    }
}
