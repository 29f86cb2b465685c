//! The finality state machine.

use std::collections::{BTreeMap, BTreeSet};

use tribunal_primitives::{BatchNumber, Claim, StateRoot};

/// Identifier of a proposed claim: its position in proposal order, from 0.
pub type ClaimId = u64;

/// One of the three proof legs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Leg {
    /// The Groth16 validity proof.
    Zk,
    /// The TEE attestation.
    Tee,
    /// The optimistic dispute game.
    Op,
}

/// Who sends an event. Council actions are refused from anyone else.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Actor {
    /// Any account.
    Anyone,
    /// The security council, after its threshold of signatures.
    Council,
}

/// Where a claim's dispute game stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum GameStatus {
    /// Not resolved yet.
    #[default]
    InProgress,
    /// Resolved for the claim: unchallenged through the window, or every challenge defeated.
    ResolvedFor,
    /// Resolved against the claim.
    ResolvedAgainst,
}

/// Parameters, with default parameters of docs/finality.md.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FinalityParams {
    /// Root the first batch builds on.
    pub genesis_root: StateRoot,
    /// Time the model starts at, in seconds: the finality contract's deployment.
    pub genesis_time: u64,
    /// The OP window, in seconds (7 days).
    pub op_window_secs: u64,
    /// The timelock on ZK and OP upgrades, in seconds (45 days).
    pub upgrade_delay_secs: u64,
    /// How long a matured upgrade stays executable, in seconds (14 days).
    pub upgrade_expiry_secs: u64,
    /// How long past its OP window the oldest unfinalized batch's first claim may wait before a
    /// liveness failure can be recorded, in seconds (7 days).
    pub liveness_grace_secs: u64,
}

impl FinalityParams {
    /// Seven days, in seconds.
    pub const SEVEN_DAYS: u64 = 7 * 24 * 3600;
    /// Thirty days, in seconds.
    pub const THIRTY_DAYS: u64 = 30 * 24 * 3600;
    /// Forty-five days, in seconds: the default timelock (a 37-day exit window, Stage 2).
    pub const FORTY_FIVE_DAYS: u64 = 45 * 24 * 3600;

    /// The defaults for a chain starting at `genesis_root` at `genesis_time`.
    pub const fn new(genesis_root: StateRoot, genesis_time: u64) -> Self {
        Self {
            genesis_root,
            genesis_time,
            op_window_secs: Self::SEVEN_DAYS,
            upgrade_delay_secs: Self::FORTY_FIVE_DAYS,
            upgrade_expiry_secs: 2 * Self::SEVEN_DAYS,
            liveness_grace_secs: Self::SEVEN_DAYS,
        }
    }
}

/// An input to the model; each mirrors one call on the contracts.
// Events are built and applied one at a time; boxing the claim would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Time moves to `now` (seconds); it never goes back.
    Tick {
        /// New time.
        now: u64,
    },
    /// A claim is proposed (with its bond).
    Propose {
        /// The claim.
        claim: Claim,
    },
    /// A Groth16 proof for a claim is submitted; `valid` is whether it verifies under the current
    /// ZK verifier.
    ZkProof {
        /// Claim proven.
        claim: ClaimId,
        /// Whether the proof verifies.
        valid: bool,
    },
    /// A TEE signer's signature over a claim is submitted.
    TeeSignature {
        /// Claim signed.
        claim: ClaimId,
        /// The signer.
        signer: u32,
    },
    /// A claim is proposed (with no bond) and settled by both validity legs in one call
    /// (`MultiProofFinality.proposeAndSettle`): the proposal (skipped when the same claim is
    /// already proposed), then the ZK proof, then the TEE signature, all or nothing: refused
    /// unless the claim becomes final in it. A claim settled so on a batch that had no claim is
    /// then found by id only: calls that pass it back get [`FinalityError::UnknownClaim`].
    ProposeAndSettle {
        /// The claim.
        claim: Claim,
        /// Whether the proof verifies.
        valid: bool,
        /// The TEE signer.
        signer: u32,
    },
    /// The claim's dispute game resolved.
    GameResolved {
        /// Claim of the game.
        claim: ClaimId,
        /// Whether it resolved for the claim.
        for_claim: bool,
    },
    /// Anyone asks to finalize a claim.
    Finalize {
        /// The claim.
        claim: ClaimId,
    },
    /// Anyone submits evidence that `leg` approved two claims over the same input (batch and
    /// parent root) with different results: post root, withdrawal root or data commitment (rule
    /// 5). For ZK and TEE the evidence is two proofs or two signatures, which need not have been
    /// submitted as approvals (two submitted in one epoch freeze the leg at once); `verifies` is
    /// whether both check out now. For OP it is the two recorded game outcomes.
    ProveSelfDisagreement {
        /// The leg accused.
        leg: Leg,
        /// One claim it approved.
        a: ClaimId,
        /// Another claim it approved.
        b: ClaimId,
        /// Whether the submitted ZK proofs or TEE signatures verify.
        verifies: bool,
    },
    /// Anyone records that the chain stalled (rule 6): the oldest unfinalized batch's first claim
    /// is older than the OP window plus the grace period, and none of its claims is finalizable.
    RecordLivenessFailure,
    /// An upgrade of a leg's logic (`SecurityCouncil.submit`, or a direct call when `by` is
    /// not the council). TEE upgrades, and ZK/OP upgrades the evidence opens
    /// ([`Finality::instant_upgrade_allowed`]), execute at once; other ZK/OP upgrades are queued
    /// behind the timelock, replacing any earlier queued one for the leg. A frozen leg is never
    /// "replaced" by the contract in place.
    SubmitUpgrade {
        /// Sender.
        by: Actor,
        /// Leg to upgrade.
        leg: Leg,
        /// Which contract the leg's logic becomes (0: the one deployed at genesis); a frozen leg
        /// refuses the contract in place.
        implementation: u32,
    },
    /// The council cancels the leg's queued upgrade (`SecurityCouncil.cancel`, zero delay).
    CancelUpgrade {
        /// Sender.
        by: Actor,
        /// Leg whose queued upgrade is cancelled.
        leg: Leg,
    },
    /// Anyone executes the leg's queued upgrade (`SecurityCouncil.execute`): after the timelock
    /// and before it expires, or earlier while the evidence opens the leg.
    ExecuteUpgrade {
        /// Leg upgraded.
        leg: Leg,
    },
    /// Register a TEE signer for an attested measurement (zero delay).
    RegisterSigner {
        /// Sender.
        by: Actor,
        /// The signer.
        signer: u32,
        /// Its measurement.
        measurement: u32,
        /// Expiry, in seconds.
        expires_at: u64,
    },
    /// Revoke a TEE signer (zero delay).
    RevokeSigner {
        /// Sender.
        by: Actor,
        /// The signer.
        signer: u32,
    },
    /// Allow or disallow a TEE measurement (zero delay).
    SetMeasurement {
        /// Sender.
        by: Actor,
        /// The measurement.
        measurement: u32,
        /// Whether it is allowed.
        allowed: bool,
    },
}

/// How a claim became final.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FinalPath {
    /// ZK and TEE agreed (rule 1).
    Instant,
    /// One of ZK or TEE, plus OP after the window (rule 2).
    Slow {
        /// The approving leg.
        with: Leg,
    },
}

/// What an event caused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Effect {
    /// A claim was recorded.
    Proposed {
        /// Its id.
        claim: ClaimId,
    },
    /// A leg approved a claim.
    Approved {
        /// The claim.
        claim: ClaimId,
        /// The leg.
        leg: Leg,
    },
    /// A claim's game resolved.
    GameResolved {
        /// The claim.
        claim: ClaimId,
        /// The outcome.
        status: GameStatus,
    },
    /// A claim became final.
    Finalized {
        /// The claim.
        claim: ClaimId,
        /// How.
        path: FinalPath,
        /// When, in seconds.
        at: u64,
    },
    /// A leg approved a root that lost to the finalized one (rule 4).
    LegFaulty {
        /// The leg.
        leg: Leg,
        /// The losing claim it approved.
        claim: ClaimId,
    },
    /// A leg contradicted itself and now counts as zero (rule 5).
    LegFrozen {
        /// The leg.
        leg: Leg,
    },
    /// Liveness failure recorded (rule 6).
    LivenessFailure {
        /// When, in seconds.
        at: u64,
    },
    /// An upgrade was queued.
    UpgradeQueued {
        /// The leg.
        leg: Leg,
        /// Earliest execution, in seconds.
        eta: u64,
    },
    /// A queued upgrade was cancelled.
    UpgradeCancelled {
        /// The leg.
        leg: Leg,
    },
    /// An upgrade took effect; earlier approvals by that leg no longer count.
    UpgradeExecuted {
        /// The leg.
        leg: Leg,
        /// Whether it bypassed the timelock (TEE, or rule 5/6 evidence).
        instant: bool,
    },
    /// The TEE signer registry or allowed measurements changed.
    TeeLogicChanged,
}

/// Why an event is refused. The contract reverts with the matching custom error.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
pub enum FinalityError {
    /// Time cannot go back.
    #[error("time went back from {now} to {to}")]
    TimeWentBackwards {
        /// Current time.
        now: u64,
        /// Requested time.
        to: u64,
    },
    /// No such claim; or, for a call that passes the claim back, one settled alone in its own
    /// proposal ([`Event::ProposeAndSettle`] on a batch with no other claim), which the contract
    /// records by id and batch only.
    #[error("unknown claim {0}")]
    UnknownClaim(ClaimId),
    /// The same claim was already proposed.
    #[error("claim already proposed as {0}")]
    DuplicateClaim(ClaimId),
    /// Batch numbers start at 1.
    #[error("batch 0 is the genesis and takes no claim")]
    GenesisBatch,
    /// The proof does not verify under the current ZK verifier.
    #[error("proof does not verify")]
    InvalidProof,
    /// A proposal settled in one call would leave the claim not final.
    #[error("claim {0} would not be final at once")]
    NotInstant(ClaimId),
    /// The TEE signer is unknown, revoked, expired, or its measurement is not allowed.
    #[error("signer {0} is not a valid TEE signer now")]
    InvalidSigner(u32),
    /// The game already resolved.
    #[error("game of claim {0} already resolved")]
    GameAlreadyResolved(ClaimId),
    /// The claim is already final.
    #[error("claim {0} is already final")]
    AlreadyFinal(ClaimId),
    /// Another claim of the same batch is final.
    #[error("batch {0:?} already has a final claim")]
    BatchAlreadyFinal(BatchNumber),
    /// The parent root is not the final root of the previous batch.
    #[error("parent of claim {0} is not final")]
    ParentNotFinal(ClaimId),
    /// Neither ZK nor TEE approves the claim (OP, TEE or council alone never finalize).
    #[error("claim {0} has no approval from ZK or TEE")]
    NoValidityApproval(ClaimId),
    /// One of ZK/TEE approves, but the OP window has not passed.
    #[error("OP window of claim {claim} ends at {ends_at}")]
    WindowNotPassed {
        /// The claim.
        claim: ClaimId,
        /// End of its window, in seconds.
        ends_at: u64,
    },
    /// One of ZK/TEE approves and the window passed, but the game does not favour the claim.
    #[error("dispute game does not favour claim {0}")]
    OpNotFavouring(ClaimId),
    /// ZK and TEE approved different results for the claim's input (rule 4), and OP has not
    /// ruled against the other leg's claim `rival`: neither finalizes on the slow path first.
    #[error("OP has not ruled between claim {claim} and rival {rival}")]
    OpUndecided {
        /// The claim.
        claim: ClaimId,
        /// The other validity leg's claim for the same input.
        rival: ClaimId,
    },
    /// The evidence does not show the leg contradicting itself.
    #[error("not self-disagreement evidence for {0:?}")]
    InvalidEvidence(Leg),
    /// The leg is already frozen.
    #[error("{0:?} is already frozen")]
    AlreadyFrozen(Leg),
    /// The chain is not stalled: the oldest unfinalized batch has no claim, its first claim is
    /// younger than the OP window plus the grace period, or one of its claims is finalizable.
    #[error("chain is live")]
    ChainLive,
    /// Liveness failure already recorded.
    #[error("liveness failure already recorded")]
    LivenessAlreadyRecorded,
    /// Only the council may do this.
    #[error("only the security council may do this")]
    NotCouncil,
    /// The queued upgrade matured and was not executed in time.
    #[error("upgrade of {leg:?} expired at {expired_at}")]
    UpgradeExpired {
        /// The leg.
        leg: Leg,
        /// When it expired, in seconds.
        expired_at: u64,
    },
    /// A frozen leg's replacement must be another contract.
    #[error("{0:?} is frozen and cannot be replaced by the same contract")]
    SameImplementation(Leg),
    /// No upgrade is queued for the leg.
    #[error("no upgrade queued for {0:?}")]
    NoUpgradeQueued(Leg),
    /// The timelock has not expired.
    #[error("upgrade of {leg:?} executable at {eta}")]
    TimelockNotExpired {
        /// The leg.
        leg: Leg,
        /// Earliest execution, in seconds.
        eta: u64,
    },
}

/// A claim's standing, with the reason, for explaining finality to users.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClaimStatus {
    /// Final.
    Final {
        /// How.
        path: FinalPath,
        /// When, in seconds.
        at: u64,
    },
    /// Not final (yet).
    Pending {
        /// ZK approves and counts.
        zk: bool,
        /// TEE approves and counts.
        tee: bool,
        /// Its game.
        op: GameStatus,
        /// End of its OP window, in seconds.
        window_ends_at: u64,
        /// Whether its parent is final.
        parent_final: bool,
        /// Whether another claim of its batch is final (it never will be).
        superseded: bool,
    },
}

/// Unix seconds with their ISO-8601 UTC form, e.g. `1700000000 (2023-11-14T22:13:20Z)`.
struct Time(u64);

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let utc = i64::try_from(self.0).ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0));
        match utc {
            Some(t) => write!(f, "{} ({})", self.0, t.format("%Y-%m-%dT%H:%M:%SZ")),
            None => write!(f, "{}", self.0),
        }
    }
}

impl std::fmt::Display for ClaimStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Final { path: FinalPath::Instant, at } => {
                write!(f, "final: ZK+TEE at {}", Time(at))
            }
            Self::Final { path: FinalPath::Slow { with }, at } => {
                write!(f, "final: {with:?}+OP at {}", Time(at))
            }
            Self::Pending { superseded: true, .. } => {
                write!(f, "rejected: another claim of this batch is final")
            }
            Self::Pending { parent_final: false, .. } => write!(f, "waiting: parent not final"),
            Self::Pending { zk: true, tee: true, .. } => write!(f, "finalizable now (ZK+TEE)"),
            Self::Pending { zk, tee, op, window_ends_at, .. } if zk || tee => match op {
                GameStatus::ResolvedFor => {
                    write!(f, "waiting: OP window ends at {}", Time(window_ends_at))
                }
                GameStatus::InProgress => {
                    write!(f, "waiting: OP game, window ends at {}", Time(window_ends_at))
                }
                GameStatus::ResolvedAgainst => {
                    write!(f, "stuck: OP resolved against, needs both ZK and TEE")
                }
            },
            Self::Pending { .. } => write!(f, "waiting: no ZK or TEE approval"),
        }
    }
}

#[derive(Clone, Debug)]
struct ClaimState {
    claim: Claim,
    proposed_at: u64,
    /// ZK verifier epoch the proof verified under.
    zk: Option<u32>,
    /// The latest TEE signer and the TEE epoch it signed under (each valid signature replaces
    /// the one before).
    tee: Option<(u32, u32)>,
    /// Game outcome and the OP epoch (game implementation) it resolved under.
    game: Option<(GameStatus, u32)>,
    final_at: Option<(FinalPath, u64)>,
    /// Order of its latest ZK and TEE approvals among all approvals (0: none), to find the claim
    /// each leg approved last for an input (rule 4).
    approved_at: [u64; 2],
    /// Whether calls that pass the claim back find it: all but a claim settled alone in its own
    /// proposal, which no rule compares with another (its batch had no claim, and a final
    /// batch takes none).
    indexed: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct LegState {
    epoch: u32,
    frozen: bool,
    /// The contract in place (0: the one deployed at genesis).
    implementation: u32,
    /// The queued upgrade: when it matures, and the contract it installs.
    upgrade: Option<(u64, u32)>,
}

#[derive(Clone, Copy, Debug)]
struct Signer {
    measurement: u32,
    expires_at: u64,
    revoked: bool,
}

/// The finality state machine of docs/finality.md.
#[derive(Clone, Debug)]
pub struct Finality {
    params: FinalityParams,
    now: u64,
    claims: Vec<ClaimState>,
    /// Final claim per batch.
    finals: BTreeMap<BatchNumber, ClaimId>,
    legs: [LegState; 3],
    signers: BTreeMap<u32, Signer>,
    measurements: BTreeSet<u32>,
    liveness_failed: bool,
    /// The recorded liveness failure's one replacement was made.
    liveness_used: bool,
    faulty: BTreeSet<(Leg, ClaimId)>,
    /// Approvals so far (orders `approved_at`).
    approvals: u64,
}

const fn slot(leg: Leg) -> usize {
    match leg {
        Leg::Zk => 0,
        Leg::Tee => 1,
        Leg::Op => 2,
    }
}

impl Finality {
    /// A model with no claims at `params.genesis_time`.
    pub fn new(params: FinalityParams) -> Self {
        Self {
            params,
            now: params.genesis_time,
            claims: Vec::new(),
            finals: BTreeMap::new(),
            legs: Default::default(),
            signers: BTreeMap::new(),
            measurements: BTreeSet::new(),
            liveness_failed: false,
            liveness_used: false,
            faulty: BTreeSet::new(),
            approvals: 0,
        }
    }

    /// Current time, in seconds.
    pub const fn now(&self) -> u64 {
        self.now
    }

    /// The parameters.
    pub const fn params(&self) -> &FinalityParams {
        &self.params
    }

    /// The claim with this id.
    pub fn claim(&self, id: ClaimId) -> Option<&Claim> {
        self.claims.get(id as usize).map(|c| &c.claim)
    }

    /// Number of claims proposed.
    pub fn claim_count(&self) -> u64 {
        self.claims.len() as u64
    }

    /// The final claim of `batch`, if any: what withdrawals are proven against (rule 8).
    pub fn final_claim(&self, batch: BatchNumber) -> Option<(ClaimId, &Claim)> {
        self.finals.get(&batch).map(|&id| (id, &self.claims[id as usize].claim))
    }

    /// Whether `leg` is frozen by self-disagreement evidence.
    pub const fn is_frozen(&self, leg: Leg) -> bool {
        self.legs[slot(leg)].frozen
    }

    /// Whether a liveness failure is recorded.
    pub const fn liveness_failed(&self) -> bool {
        self.liveness_failed
    }

    /// Legs recorded faulty, with the losing claim they approved (rule 4).
    pub fn faulty(&self) -> impl Iterator<Item = (Leg, ClaimId)> + '_ {
        self.faulty.iter().copied()
    }

    fn state(&self, id: ClaimId) -> Result<&ClaimState, FinalityError> {
        self.claims.get(id as usize).ok_or(FinalityError::UnknownClaim(id))
    }

    /// [`Self::state`] for a call that passes the claim back: the contract finds it by its index.
    fn indexed(&self, id: ClaimId) -> Result<&ClaimState, FinalityError> {
        self.state(id).ok().filter(|c| c.indexed).ok_or(FinalityError::UnknownClaim(id))
    }

    /// The indexed claim equal to `claim`, if any.
    fn find(&self, claim: &Claim) -> Option<ClaimId> {
        self.claims.iter().position(|c| c.indexed && c.claim == *claim).map(|id| id as ClaimId)
    }

    fn signer_valid(&self, signer: u32) -> bool {
        self.signers.get(&signer).is_some_and(|s| {
            !s.revoked && self.now < s.expires_at && self.measurements.contains(&s.measurement)
        })
    }

    fn zk_counts(&self, c: &ClaimState) -> bool {
        let leg = self.legs[slot(Leg::Zk)];
        !leg.frozen && c.zk == Some(leg.epoch)
    }

    fn tee_counts(&self, c: &ClaimState) -> bool {
        let leg = self.legs[slot(Leg::Tee)];
        !leg.frozen && c.tee.is_some_and(|(s, epoch)| epoch == leg.epoch && self.signer_valid(s))
    }

    /// The claim's game status under the current game implementation: a replaced game's
    /// outcomes are gone with it.
    fn game(&self, c: &ClaimState) -> GameStatus {
        match c.game {
            Some((status, epoch)) if epoch == self.legs[slot(Leg::Op)].epoch => status,
            _ => GameStatus::InProgress,
        }
    }

    fn op_favours(&self, c: &ClaimState) -> bool {
        !self.legs[slot(Leg::Op)].frozen && self.game(c) == GameStatus::ResolvedFor
    }

    fn parent_final(&self, c: &ClaimState) -> bool {
        let b = c.claim.batch_number.0;
        if b == 1 {
            return c.claim.parent_root == self.params.genesis_root;
        }
        self.finals
            .get(&BatchNumber(b - 1))
            .is_some_and(|&p| self.claims[p as usize].claim.post_root == c.claim.parent_root)
    }

    /// Where a claim stands, and why.
    ///
    /// # Errors
    /// [`FinalityError::UnknownClaim`].
    pub fn status(&self, id: ClaimId) -> Result<ClaimStatus, FinalityError> {
        let c = self.state(id)?;
        if let Some((path, at)) = c.final_at {
            return Ok(ClaimStatus::Final { path, at });
        }
        Ok(ClaimStatus::Pending {
            zk: self.zk_counts(c),
            tee: self.tee_counts(c),
            op: self.game(c),
            window_ends_at: c.proposed_at + self.params.op_window_secs,
            parent_final: self.parent_final(c),
            superseded: self.finals.contains_key(&c.claim.batch_number),
        })
    }

    /// Whether `id` could be finalized now, and how.
    fn finalizable(&self, id: ClaimId) -> Result<FinalPath, FinalityError> {
        let c = self.state(id)?;
        if c.final_at.is_some() {
            return Err(FinalityError::AlreadyFinal(id));
        }
        if self.finals.contains_key(&c.claim.batch_number) {
            return Err(FinalityError::BatchAlreadyFinal(c.claim.batch_number));
        }
        if !self.parent_final(c) {
            return Err(FinalityError::ParentNotFinal(id));
        }
        let (zk, tee) = (self.zk_counts(c), self.tee_counts(c));
        if zk && tee {
            return Ok(FinalPath::Instant);
        }
        let with = match (zk, tee) {
            (true, false) => Leg::Zk,
            (false, true) => Leg::Tee,
            _ => return Err(FinalityError::NoValidityApproval(id)),
        };
        let ends_at = c.proposed_at + self.params.op_window_secs;
        if self.now < ends_at {
            return Err(FinalityError::WindowNotPassed { claim: id, ends_at });
        }
        if !self.op_favours(c) {
            return Err(FinalityError::OpNotFavouring(id));
        }
        // Rule 4: the claim the other validity leg approved last for this input, if it claims
        // another result, must have lost its game; else OP has not decided between them.
        let other = if with == Leg::Zk { Leg::Tee } else { Leg::Zk };
        if let Some(rival) = self.latest_approved(id, other).filter(|&r| r != id) {
            let rc = &self.claims[rival as usize];
            if differs(&rc.claim, &c.claim) && self.game(rc) != GameStatus::ResolvedAgainst {
                return Err(FinalityError::OpUndecided { claim: id, rival });
            }
        }
        Ok(FinalPath::Slow { with })
    }

    fn finalize(&mut self, id: ClaimId, path: FinalPath, effects: &mut Vec<Effect>) {
        let now = self.now;
        let claim = self.claims[id as usize].claim;
        self.claims[id as usize].final_at = Some((path, now));
        self.finals.insert(claim.batch_number, id);
        self.liveness_failed = false;
        self.liveness_used = false;
        effects.push(Effect::Finalized { claim: id, path, at: now });
        // Rule 4: legs that approved a different root over the same input were wrong.
        for (other, c) in self.claims.iter().enumerate() {
            let other = other as ClaimId;
            if other == id || !same_input(&c.claim, &claim) || !differs(&c.claim, &claim) {
                continue;
            }
            let approvals = [
                (Leg::Zk, c.zk.is_some()),
                (Leg::Tee, c.tee.is_some()),
                (Leg::Op, self.game(c) == GameStatus::ResolvedFor),
            ];
            for (leg, approved) in approvals {
                if approved && self.faulty.insert((leg, other)) {
                    effects.push(Effect::LegFaulty { leg, claim: other });
                }
            }
        }
    }

    /// Finalizes `id` at once if ZK and TEE both count and the parent is final.
    fn try_instant(&mut self, id: ClaimId, effects: &mut Vec<Effect>) {
        if self.finalizable(id) == Ok(FinalPath::Instant) {
            self.finalize(id, FinalPath::Instant, effects);
        }
    }

    /// The claim `leg` (ZK or TEE) approved last among the claims over `id`'s input.
    fn latest_approved(&self, id: ClaimId, leg: Leg) -> Option<ClaimId> {
        let (i, input) = (slot(leg), &self.claims[id as usize].claim);
        (0..self.claim_count())
            .filter(|&r| {
                let rc = &self.claims[r as usize];
                rc.approved_at[i] != 0 && same_input(&rc.claim, input)
            })
            .max_by_key(|&r| self.claims[r as usize].approved_at[i])
    }

    /// Rule 5 caught at approval: `leg` just approved `id`, and the claim it approved last over
    /// the same input before (`prior`) is another one, approved in the same epoch. Two claims
    /// over one input are two results, so the leg is frozen.
    fn freeze_on_second_result(
        &mut self,
        leg: Leg,
        prior: Option<ClaimId>,
        id: ClaimId,
        effects: &mut Vec<Effect>,
    ) {
        let Some(prior) = prior.filter(|&p| p != id) else { return };
        let state = self.legs[slot(leg)];
        let p = &self.claims[prior as usize];
        let epoch = if leg == Leg::Zk { p.zk } else { p.tee.map(|(_, e)| e) };
        if epoch == Some(state.epoch) && !state.frozen {
            self.legs[slot(leg)].frozen = true;
            effects.push(Effect::LegFrozen { leg });
        }
    }

    /// The oldest unfinalized batch and the root it must build on (finalization is in batch
    /// order).
    fn oldest_unfinalized(&self) -> (BatchNumber, StateRoot) {
        match self.finals.iter().next_back() {
            Some((b, &id)) => (BatchNumber(b.0 + 1), self.claims[id as usize].claim.post_root),
            None => (BatchNumber(1), self.params.genesis_root),
        }
    }

    /// Whether the council may change `leg` without the timelock
    /// (`MultiProofFinality.instantUpgradeAllowed`): rule 5 evidence froze it (one replacement,
    /// which unfreezes it), or a rule 6 liveness failure is recorded, its one replacement is not
    /// made yet, and `leg` never approved a claim of the oldest unfinalized batch over its final
    /// parent (ZK: a valid proof, TEE: a valid signature, in any epoch; OP: the current game
    /// resolved for it).
    pub fn instant_upgrade_allowed(&self, leg: Leg) -> bool {
        if self.legs[slot(leg)].frozen {
            return true;
        }
        if !self.liveness_failed || self.liveness_used {
            return false;
        }
        let (oldest, parent) = self.oldest_unfinalized();
        !self
            .claims
            .iter()
            .filter(|c| c.claim.batch_number == oldest && c.claim.parent_root == parent)
            .any(|c| match leg {
                Leg::Zk => c.zk.is_some(),
                Leg::Tee => c.tee.is_some(),
                Leg::Op => self.op_favours(c),
            })
    }

    /// Replaces `leg`'s logic: a new epoch, unfrozen; earlier approvals by the leg stop counting.
    /// A ZK or OP replacement of a leg that is not frozen, during a liveness failure, uses up
    /// that failure's one replacement.
    fn upgrade(&mut self, leg: Leg, implementation: u32, instant: bool, effects: &mut Vec<Effect>) {
        if self.liveness_failed && !self.legs[slot(leg)].frozen && leg != Leg::Tee {
            self.liveness_used = true;
        }
        let state = &mut self.legs[slot(leg)];
        state.implementation = implementation;
        state.epoch += 1;
        state.frozen = false;
        effects.push(Effect::UpgradeExecuted { leg, instant });
    }

    /// A frozen leg is replaced only by another contract: the same one would unfreeze it.
    fn check_replacement(&self, leg: Leg, implementation: u32) -> Result<(), FinalityError> {
        let state = self.legs[slot(leg)];
        if state.frozen && state.implementation == implementation {
            return Err(FinalityError::SameImplementation(leg));
        }
        Ok(())
    }

    fn council(by: Actor) -> Result<(), FinalityError> {
        if by == Actor::Council { Ok(()) } else { Err(FinalityError::NotCouncil) }
    }

    /// [`Event::ProposeAndSettle`]'s steps; the caller restores the state on error.
    fn propose_and_settle(
        &mut self,
        claim: Claim,
        valid: bool,
        signer: u32,
    ) -> Result<Vec<Effect>, FinalityError> {
        let mut effects = Vec::new();
        let (id, alone) = match self.find(&claim) {
            Some(id) => (id, false),
            None => {
                let alone = !self.claims.iter().any(|c| c.claim.batch_number == claim.batch_number);
                effects.extend(self.apply(Event::Propose { claim })?);
                (self.claims.len() as ClaimId - 1, alone)
            }
        };
        effects.extend(self.apply(Event::ZkProof { claim: id, valid })?);
        effects.extend(self.apply(Event::TeeSignature { claim: id, signer })?);
        if !effects.iter().any(|e| matches!(e, Effect::Finalized { claim, .. } if *claim == id)) {
            return Err(FinalityError::NotInstant(id));
        }
        // The contract records a claim settled on a batch with no other claim without its index.
        self.claims[id as usize].indexed = !alone;
        Ok(effects)
    }

    /// Applies one event. On error nothing changes.
    ///
    /// # Errors
    /// The [`FinalityError`] the contract reverts with for the same call.
    pub fn apply(&mut self, event: Event) -> Result<Vec<Effect>, FinalityError> {
        let mut effects = Vec::new();
        match event {
            Event::Tick { now } => {
                if now < self.now {
                    return Err(FinalityError::TimeWentBackwards { now: self.now, to: now });
                }
                self.now = now;
            }
            Event::Propose { claim } => {
                if claim.batch_number.0 == 0 {
                    return Err(FinalityError::GenesisBatch);
                }
                if let Some(dup) = self.find(&claim) {
                    return Err(FinalityError::DuplicateClaim(dup));
                }
                if self.finals.contains_key(&claim.batch_number) {
                    return Err(FinalityError::BatchAlreadyFinal(claim.batch_number));
                }
                let id = self.claims.len() as ClaimId;
                self.claims.push(ClaimState {
                    claim,
                    proposed_at: self.now,
                    zk: None,
                    tee: None,
                    game: None,
                    final_at: None,
                    approved_at: [0; 2],
                    indexed: true,
                });
                effects.push(Effect::Proposed { claim: id });
            }
            Event::ZkProof { claim, valid } => {
                self.indexed(claim)?;
                if !valid {
                    return Err(FinalityError::InvalidProof);
                }
                let prior = self.latest_approved(claim, Leg::Zk);
                self.claims[claim as usize].zk = Some(self.legs[slot(Leg::Zk)].epoch);
                self.approvals += 1;
                self.claims[claim as usize].approved_at[0] = self.approvals;
                effects.push(Effect::Approved { claim, leg: Leg::Zk });
                self.freeze_on_second_result(Leg::Zk, prior, claim, &mut effects);
                self.try_instant(claim, &mut effects);
            }
            Event::TeeSignature { claim, signer } => {
                self.indexed(claim)?;
                if !self.signer_valid(signer) {
                    return Err(FinalityError::InvalidSigner(signer));
                }
                let prior = self.latest_approved(claim, Leg::Tee);
                self.claims[claim as usize].tee = Some((signer, self.legs[slot(Leg::Tee)].epoch));
                self.approvals += 1;
                self.claims[claim as usize].approved_at[1] = self.approvals;
                effects.push(Effect::Approved { claim, leg: Leg::Tee });
                self.freeze_on_second_result(Leg::Tee, prior, claim, &mut effects);
                self.try_instant(claim, &mut effects);
            }
            Event::ProposeAndSettle { claim, valid, signer } => {
                let before = self.clone();
                let settled = self.propose_and_settle(claim, valid, signer);
                if settled.is_err() {
                    *self = before;
                }
                return settled;
            }
            Event::GameResolved { claim, for_claim } => {
                if self.game(self.state(claim)?) != GameStatus::InProgress {
                    return Err(FinalityError::GameAlreadyResolved(claim));
                }
                let status =
                    if for_claim { GameStatus::ResolvedFor } else { GameStatus::ResolvedAgainst };
                let epoch = self.legs[slot(Leg::Op)].epoch;
                self.claims[claim as usize].game = Some((status, epoch));
                effects.push(Effect::GameResolved { claim, status });
            }
            Event::Finalize { claim } => {
                self.indexed(claim)?;
                let path = self.finalizable(claim)?;
                self.finalize(claim, path, &mut effects);
            }
            Event::ProveSelfDisagreement { leg, a, b, verifies } => {
                let (ca, cb) = (self.indexed(a)?, self.indexed(b)?);
                if self.legs[slot(leg)].frozen {
                    return Err(FinalityError::AlreadyFrozen(leg));
                }
                let both = match leg {
                    Leg::Zk | Leg::Tee => verifies,
                    // Only over the batch's final parent: a claim over a state nobody knows
                    // cannot be challenged, so its game favouring it proves nothing.
                    Leg::Op => self.parent_final(ca) && self.op_favours(ca) && self.op_favours(cb),
                };
                if a == b
                    || !same_input(&ca.claim, &cb.claim)
                    || !differs(&ca.claim, &cb.claim)
                    || !both
                {
                    return Err(FinalityError::InvalidEvidence(leg));
                }
                self.legs[slot(leg)].frozen = true;
                effects.push(Effect::LegFrozen { leg });
            }
            Event::RecordLivenessFailure => {
                if self.liveness_failed {
                    return Err(FinalityError::LivenessAlreadyRecorded);
                }
                // The oldest unfinalized batch: finalization is in batch order.
                let oldest = BatchNumber(self.finals.keys().next_back().map_or(0, |b| b.0) + 1);
                let of_batch = || {
                    (0..self.claim_count())
                        .filter(|&id| self.claims[id as usize].claim.batch_number == oldest)
                };
                let Some(first) = of_batch().map(|id| self.claims[id as usize].proposed_at).min()
                else {
                    return Err(FinalityError::ChainLive);
                };
                let stalled_at =
                    first + self.params.op_window_secs + self.params.liveness_grace_secs;
                if self.now < stalled_at || of_batch().any(|id| self.finalizable(id).is_ok()) {
                    return Err(FinalityError::ChainLive);
                }
                self.liveness_failed = true;
                effects.push(Effect::LivenessFailure { at: self.now });
            }
            Event::SubmitUpgrade { by, leg, implementation } => {
                Self::council(by)?;
                if leg == Leg::Tee || self.instant_upgrade_allowed(leg) {
                    self.check_replacement(leg, implementation)?;
                    self.upgrade(leg, implementation, true, &mut effects);
                } else {
                    let eta = self.now + self.params.upgrade_delay_secs;
                    self.legs[slot(leg)].upgrade = Some((eta, implementation));
                    effects.push(Effect::UpgradeQueued { leg, eta });
                }
            }
            Event::CancelUpgrade { by, leg } => {
                Self::council(by)?;
                self.legs[slot(leg)].upgrade.take().ok_or(FinalityError::NoUpgradeQueued(leg))?;
                effects.push(Effect::UpgradeCancelled { leg });
            }
            Event::ExecuteUpgrade { leg } => {
                let (eta, implementation) =
                    self.legs[slot(leg)].upgrade.ok_or(FinalityError::NoUpgradeQueued(leg))?;
                let early = self.now < eta;
                if early && !self.instant_upgrade_allowed(leg) {
                    return Err(FinalityError::TimelockNotExpired { leg, eta });
                }
                let expired_at = eta + self.params.upgrade_expiry_secs;
                if self.now > expired_at {
                    return Err(FinalityError::UpgradeExpired { leg, expired_at });
                }
                self.check_replacement(leg, implementation)?;
                self.legs[slot(leg)].upgrade = None;
                self.upgrade(leg, implementation, early, &mut effects);
            }
            Event::RegisterSigner { by, signer, measurement, expires_at } => {
                Self::council(by)?;
                self.signers.insert(signer, Signer { measurement, expires_at, revoked: false });
                effects.push(Effect::TeeLogicChanged);
            }
            Event::RevokeSigner { by, signer } => {
                Self::council(by)?;
                if let Some(s) = self.signers.get_mut(&signer) {
                    s.revoked = true;
                }
                effects.push(Effect::TeeLogicChanged);
            }
            Event::SetMeasurement { by, measurement, allowed } => {
                Self::council(by)?;
                if allowed {
                    self.measurements.insert(measurement);
                } else {
                    self.measurements.remove(&measurement);
                }
                effects.push(Effect::TeeLogicChanged);
            }
        }
        Ok(effects)
    }
}

/// Different results for an input: another post root or withdrawal root (what the next batch
/// and the bridge depend on), or another data commitment (another reading of the same data).
fn differs(a: &Claim, b: &Claim) -> bool {
    a.post_root != b.post_root
        || a.withdrawal_root != b.withdrawal_root
        || a.data_commitment != b.data_commitment
}

/// Same `(chain, batch, parent_root)`: the input a result is claimed for. The batch's data and
/// L1 messages are fixed by the inbox, so the rest of a claim is its result.
fn same_input(a: &Claim, b: &Claim) -> bool {
    a.chain_id == b.chain_id && a.batch_number == b.batch_number && a.parent_root == b.parent_root
}
