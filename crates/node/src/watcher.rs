//! The finality watcher: follows every claim's status on `MultiProofFinality`, calls `finalize`
//! for claims that can finalize (docs/finality.md rules 1–2), settles the claims that lost to a final
//! one (`settleRival`: their bonds, and `LegFaulty` for rule 4), and reports each final claim once.
//!
//! ZK and TEE approvals finalize a claim inside the approving transaction only when its parent is
//! already final; a claim approved earlier, and every slow-path claim, needs a `finalize` call,
//! which anyone may make. The watcher makes it.

use std::collections::BTreeSet;

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use tribunal_contracts::MultiProofFinality;
use tribunal_dispute::claims::proposed_known;
use tribunal_l1::{L1, L1Error, L1Tx, view};

use crate::follow::{Reorgs, claims_from};

/// How a claim became final (`MultiProofFinality.PATH_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinalityPath {
    /// ZK and TEE agreed (rule 1).
    Instant,
    /// ZK alone, with OP favouring it after the window (rule 2).
    SlowZk,
    /// TEE alone, with OP favouring it after the window (rule 2).
    SlowTee,
}

impl FinalityPath {
    /// From the contract's `path` (1, 2, 3).
    pub const fn from_u8(path: u8) -> Option<Self> {
        match path {
            1 => Some(Self::Instant),
            2 => Some(Self::SlowZk),
            3 => Some(Self::SlowTee),
            _ => None,
        }
    }
}

impl std::fmt::Display for FinalityPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Instant => "instant (ZK+TEE)",
            Self::SlowZk => "slow (ZK+OP)",
            Self::SlowTee => "slow (TEE+OP)",
        })
    }
}

/// A claim that became final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finalized {
    /// Claim id.
    pub claim: u64,
    /// Batch number.
    pub batch: u64,
    /// How.
    pub path: FinalityPath,
    /// L1 timestamp of finality, in seconds.
    pub final_at: u64,
    /// Gas of the watcher's `finalize` call (0 when an approval finalized it).
    pub gas: u64,
}

/// The watcher. Drive it with [`Self::poll`].
#[derive(Debug)]
pub struct Watcher<L> {
    l1: L,
    finality: Address,
    sender: PrivateKeySigner,
    /// Claims below this are final or superseded.
    first_open: u64,
    reported: BTreeSet<u64>,
    reorgs: Option<(Reorgs, usize)>,
    /// The first block of a reorg not handled yet.
    fork: Option<u64>,
    /// Blocks deep a claim must have been final before it is reported.
    final_depth: u64,
    /// The head block at which each claim not yet reported was first seen final.
    final_seen: std::collections::BTreeMap<u64, u64>,
}

impl<L: L1> Watcher<L> {
    /// A watcher finalizing from `sender`.
    pub const fn new(l1: L, finality: Address, sender: PrivateKeySigner) -> Self {
        Self {
            l1,
            finality,
            sender,
            first_open: 0,
            reported: BTreeSet::new(),
            reorgs: None,
            fork: None,
            final_depth: 0,
            final_seen: std::collections::BTreeMap::new(),
        }
    }

    /// Reports a claim final (its event, and `tribunal_claims_final_total`) only once it has been
    /// final for `blocks` L1 blocks: the head is `blocks` past the one where the watcher first
    /// saw it final, which is never before the block that finalized it.
    #[must_use]
    pub const fn with_final_depth(mut self, blocks: u64) -> Self {
        self.final_depth = blocks;
        self
    }

    /// After each L1 reorg `reorgs` publishes, reads every claim again from the first: a
    /// `finalize` the reorg dropped is sent again, and a claim reported final that no longer is
    /// is reported again once it is.
    #[must_use]
    pub fn with_reorgs(mut self, reorgs: Reorgs) -> Self {
        self.reorgs = Some((reorgs, 0));
        self
    }

    /// Finalizes what can be finalized, in claim order, and returns the claims that became
    /// final since the last poll.
    ///
    /// # Errors
    /// [`L1Error`] when reading L1 or a `finalize` call fails (retried next time).
    pub async fn poll(&mut self) -> Result<Vec<Finalized>, L1Error> {
        if let Some((reorgs, seen)) = &mut self.reorgs {
            self.fork = self.fork.into_iter().chain(reorgs.since(seen)).min();
        }
        if let Some(fork) = self.fork {
            // Claims proposed on the new chain may reuse the ids of dropped ones: those are
            // reported afresh.
            let from = claims_from(&self.l1, self.finality, fork).await?;
            self.reported.retain(|id| *id < from);
            self.first_open = 0;
            self.final_seen.clear();
            self.fork = None;
        }
        let head = if self.final_depth > 0 { self.l1.head().await?.number } else { 0 };
        let count =
            view(&self.l1, self.finality, MultiProofFinality::claimCountCall {}).await?.to::<u64>();
        let mut out = Vec::new();
        let mut pending = 0u64;
        let mut all_settled = true;
        for id in self.first_open..count {
            let status = view(
                &self.l1,
                self.finality,
                MultiProofFinality::statusOfCall { _id: U256::from(id) },
            )
            .await?;
            if !status.isFinal && self.reported.remove(&id) {
                tracing::warn!(claim = id, "an L1 reorg undid the claim's finality");
            }
            let mut gas = 0;
            let mut status_final = status.isFinal;
            if !status.isFinal && !status.superseded {
                let path = MultiProofFinality::finalizablePathCall { _id: U256::from(id) };
                if view(&self.l1, self.finality, path).await.is_ok() {
                    let claim = proposed_known(&self.l1, self.finality, id).await?;
                    let call = MultiProofFinality::finalizeCall { _c: claim };
                    let tx = L1Tx::call(self.finality, call.abi_encode());
                    let receipt = self.l1.send(&self.sender, tx).await?;
                    gas = receipt.gas_used;
                    // Depth counts from the block that finalized it.
                    self.final_seen.insert(id, receipt.block_number);
                    status_final = true;
                }
            }
            let mut deep = true;
            if status_final && !self.reported.contains(&id) {
                let seen = *self.final_seen.entry(id).or_insert(head);
                deep = self.final_depth == 0 || head >= seen + self.final_depth;
            }
            if status_final && deep && !self.reported.contains(&id) {
                self.final_seen.remove(&id);
                // Read again only when this poll finalized it.
                let s = if status.isFinal {
                    status.clone()
                } else {
                    let call = MultiProofFinality::statusOfCall { _id: U256::from(id) };
                    view(&self.l1, self.finality, call).await?
                };
                let call = MultiProofFinality::batchNumberOfCall { _id: U256::from(id) };
                let batch = view(&self.l1, self.finality, call).await?;
                let path = FinalityPath::from_u8(s.path).unwrap_or(FinalityPath::Instant);
                self.reported.insert(id);
                metrics::counter!("tribunal_claims_final_total", "path" => path.to_string())
                    .increment(1);
                metrics::counter!("tribunal_l1_gas_total", "leg" => "watcher").increment(gas);
                tracing::info!(claim = id, batch, %path, "claim final");
                out.push(Finalized { claim: id, batch, path, final_at: s.finalAt, gas });
            }
            if status.superseded && !status.isFinal {
                // A claim that lost to its batch's final claim: settle its bond and record the
                // legs that approved it (rule 4), once; finalization itself never loops over
                // rivals.
                let done = MultiProofFinality::rivalSettledCall(U256::from(id));
                if !view(&self.l1, self.finality, done).await? {
                    let call = MultiProofFinality::settleRivalCall { _id: U256::from(id) };
                    self.l1
                        .send(&self.sender, L1Tx::call(self.finality, call.abi_encode()))
                        .await?;
                }
            }
            // A final claim not yet reported holds the low-water mark until it is (`superseded`
            // is also true of the batch's final claim itself).
            let settled = (status_final && deep) || (status.superseded && !status.isFinal);
            if !settled {
                pending += 1;
            }
            all_settled &= settled;
            if all_settled {
                self.first_open = id + 1;
            }
        }
        metrics::gauge!("tribunal_claims_pending").set(pending as f64);
        Ok(out)
    }
}
