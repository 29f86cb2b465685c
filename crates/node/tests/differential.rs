//! Differential property test: random event sequences run through the Rust reference model
//! (`tribunal-finality`) and through the deployed contracts (`MultiProofFinality`,
//! `SecurityCouncil`, `TeeVerifier`) on the embedded L1. After every step both must agree on
//! every revert and on every claim's status, the frozen legs and the liveness flag.
//!
//! The ZK verifier and the dispute game are the test fixtures (`TestZkVerifier`,
//! `TestDisputeGame`); the TEE verifier, council and finality contract are the real ones.
//!
//! `cargo test -p tribunal-node --test differential` runs 256 cases; the soak runs 2,048:
//! `cargo test -p tribunal-node --test differential -- --ignored`.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::OnceLock,
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent, SolInterface};
use common::{enclave, members};
use proptest::prelude::*;
use tribunal_contracts::{
    Inbox, MultiProofFinality, SecurityCouncil, TeeVerifier,
    test_fixtures::{TestDisputeGame, TestZkVerifier},
};
use tribunal_finality::{
    Actor, ClaimStatus, Effect, Event, FinalPath, Finality, FinalityError, FinalityParams,
    GameStatus, Leg,
    test_utils::{self, DAY},
};
use tribunal_l1::{DevL1, L1, L1Dev, L1Error, L1Tx, dev_signers};
use tribunal_node::{
    council,
    deploy::{DeployConfig, Deployment, LegImpl, deploy},
};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, Fr, QueueAcc, StateRoot, WithdrawalRoot,
};

const CHAIN: ChainId = ChainId(901);
/// Fresh dispute games deployed up front, one per OP upgrade a case may queue.
const GAME_POOL: usize = 16;
/// Most gas a successful `finalize` may use, whatever came before it (rivals, approvals, council
/// actions): the slow path costs about 127,000 in the devnet.
const FINALIZE_GAS_BOUND: u64 = 200_000;

/// keccak256 of the one blob's versioned hash every posted batch carries.
static BLOBS_HASH: OnceLock<B256> = OnceLock::new();

fn root(x: u64) -> StateRoot {
    StateRoot(Fr::from(x))
}

/// Same claim space as the model's property test, with the batch context the inbox holds.
/// `choice` 0 or 1: a post root; 2 and 3: choice 0's post root with another data commitment or
/// another withdrawal root.
fn claim(batch: u64, parent_choice: u64, choice: u64) -> Claim {
    let parent = if batch == 1 { 0 } else { 10 * (batch - 1) + parent_choice };
    let mut withdrawal_root = WithdrawalRoot(Fr::from(7u64));
    let mut data_commitment = DataCommitment(Fr::from(batch));
    match choice {
        2 => data_commitment.0 += Fr::from(100u64),
        3 => withdrawal_root.0 += Fr::from(1u64),
        _ => {}
    }
    Claim {
        chain_id: CHAIN,
        batch_number: BatchNumber(batch),
        parent_root: root(parent),
        post_root: root(10 * batch + u64::from(choice == 1)),
        withdrawal_root,
        data_commitment,
        blobs_hash: *BLOBS_HASH.get().expect("setup ran"),
        queue_before: QueueAcc::EMPTY,
        queue_after: QueueAcc::EMPTY,
    }
}

fn measurement(m: u32) -> B256 {
    B256::from(U256::from(m))
}

/// The chain after setup, cloned for every case.
struct Setup {
    l1: DevL1,
    d: Deployment,
    games: Vec<Address>,
    /// ZK verifiers by the model's implementation id (0: the deployed one).
    zk_verifiers: Vec<Address>,
    genesis_time: u64,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| tribunal_l1::block_on_blob_threads(build_setup()).unwrap())
}

async fn build_setup() -> Setup {
    let l1 = DevL1::new();
    let signers = dev_signers();
    let members = members();
    let mut cfg = DeployConfig::new(
        CHAIN,
        signers[0].address(),
        root(0),
        members.iter().map(PrivateKeySigner::address).collect(),
    );
    cfg.zk_verifier = LegImpl::Create(Box::new(|_| TestZkVerifier::BYTECODE.clone()));
    let game_init = |finality: Address| -> Bytes {
        [
            TestDisputeGame::BYTECODE.to_vec(),
            TestDisputeGame::constructorCall { _finality: finality }.abi_encode(),
        ]
        .concat()
        .into()
    };
    cfg.dispute_game = LegImpl::Create(Box::new(game_init));
    let d = deploy(&l1, &signers[3], cfg).await.unwrap();
    // The model's clock starts where the contract's does: its deployment block, which is earlier
    // than the head once the rest of the system is deployed. Starting the model at the head would
    // leave the contract's liveness period seconds ahead of the model's.
    let genesis_time =
        tribunal_l1::view(&l1, d.finality, MultiProofFinality::lastFinalizedAtCall {})
            .await
            .unwrap();

    // Batches 1..=3 posted, each in the same one-blob sidecar, consuming no L1 message.
    let sidecar =
        tribunal_da::sidecar_7594(tribunal_da::encode_blobs(b"differential").unwrap()).unwrap();
    let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
    BLOBS_HASH.get_or_init(|| keccak256(hashes[0]));
    for n in 1..=3 {
        let call = Inbox::postBatchCall {
            _batchNumber: n,
            _queueEnd: 0,
            _queueAcc: alloy_primitives::B256::ZERO,
        };
        l1.send(&signers[0], L1Tx::call(d.inbox, call.abi_encode()).with_sidecar(sidecar.clone()))
            .await
            .unwrap();
    }
    let mut games = Vec::new();
    for _ in 0..GAME_POOL {
        let r = l1.send(&signers[3], L1Tx::create(game_init(d.finality))).await.unwrap();
        games.push(r.contract_address.unwrap());
    }
    // The model's starting TEE registry: signer 1 with allowed measurement 1.
    for data in [
        TeeVerifier::setMeasurementCall { _measurement: measurement(1), _allowed: true }
            .abi_encode(),
        TeeVerifier::registerSignerCall {
            _signer: enclave(1).address(),
            _measurement: measurement(1),
            _expiresAt: genesis_time + 60 * DAY,
            _kind: 0, // Kind.DevInsecure
            _evidenceHash: B256::ZERO,
        }
        .abi_encode(),
    ] {
        council::submit(&l1, &signers[0], d.council, &members[..6], d.tee_verifier, data.into())
            .await
            .unwrap();
    }
    let mut zk_verifiers = vec![d.zk_verifier];
    for _ in 0..2 {
        let r =
            l1.send(&signers[3], L1Tx::create(TestZkVerifier::BYTECODE.to_vec())).await.unwrap();
        zk_verifiers.push(r.contract_address.unwrap());
    }
    Setup { l1, d, games, zk_verifiers, genesis_time }
}

/// A TEE registry mirror, to know whether evidence signatures verify at a given time.
#[derive(Default)]
struct Registry {
    signers: BTreeMap<u32, (u32, u64, bool)>,
    measurements: BTreeSet<u32>,
}

impl Registry {
    fn valid(&self, signer: u32, now: u64) -> bool {
        self.signers.get(&signer).is_some_and(|&(m, exp, revoked)| {
            !revoked && now < exp && self.measurements.contains(&m)
        })
    }
}

/// One case: the model and a fresh copy of the chain, side by side.
struct Case<'a> {
    s: &'a Setup,
    l1: DevL1,
    model: Finality,
    registry: Registry,
    next_game: usize,
    game: Address,
    /// Queued council action per leg: (id, target, data, new game for OP).
    queued: BTreeMap<u8, (u64, Address, Bytes, Option<Address>)>,
    members: Vec<PrivateKeySigner>,
    anyone: PrivateKeySigner,
    sequencer: PrivateKeySigner,
}

/// A revert or model error, normalized so the two sides compare.
fn model_error(e: &FinalityError) -> String {
    use FinalityError as E;
    match *e {
        // Without the id: the contract names a claim passed back that was never proposed by its
        // hash (`Finality_NotProposed`), and the harness passes one for every unknown id.
        E::UnknownClaim(_) => "UnknownClaim".into(),
        E::InvalidSigner(_) => "InvalidSigner".into(),
        E::NotInstant(id) => format!("NotInstant({id})"),
        E::BatchAlreadyFinal(b) => format!("BatchAlreadyFinal({})", b.0),
        E::WindowNotPassed { claim, ends_at } => format!("WindowNotPassed({claim},{ends_at})"),
        E::InvalidEvidence(leg) => format!("InvalidEvidence({})", leg_id(leg)),
        E::AlreadyFrozen(leg) => format!("AlreadyFrozen({})", leg_id(leg)),
        E::NoUpgradeQueued(_) => "NoUpgradeQueued".into(),
        E::TimelockNotExpired { eta, .. } => format!("Timelocked({eta})"),
        E::OpUndecided { claim, rival } => format!("OpUndecided({claim},{rival})"),
        E::UpgradeExpired { expired_at, .. } => format!("UpgradeExpired({expired_at})"),
        E::SameImplementation(leg) => format!("SameImplementation({})", leg_id(leg)),
        ref other => format!("{other:?}"),
    }
}

fn contract_error(e: &L1Error) -> String {
    match e.revert_data() {
        Some(data) => revert_reason(data),
        None => format!("not a revert: {e}"),
    }
}

/// A revert's data, normalized; a council call that failed is named by its inner revert.
fn revert_reason(data: &[u8]) -> String {
    use MultiProofFinality::MultiProofFinalityErrors as F;
    if let Ok(err) = F::abi_decode(data) {
        return match err {
            F::Finality_UnknownClaim(_) | F::Finality_NotProposed(_) => "UnknownClaim".into(),
            F::Finality_DuplicateClaim(x) => format!("DuplicateClaim({})", x.id),
            F::Finality_GenesisBatch(_) => "GenesisBatch".into(),
            F::Finality_InvalidProof(_) => "InvalidProof".into(),
            F::Finality_InvalidSigner(_) => "InvalidSigner".into(),
            F::Finality_NotInstant(x) => format!("NotInstant({})", x.id),
            F::Finality_AlreadyFinal(x) => format!("AlreadyFinal({})", x.id),
            F::Finality_BatchAlreadyFinal(x) => format!("BatchAlreadyFinal({})", x.batchNumber),
            F::Finality_ParentNotFinal(x) => format!("ParentNotFinal({})", x.id),
            F::Finality_NoValidityApproval(x) => format!("NoValidityApproval({})", x.id),
            F::Finality_WindowNotPassed(x) => format!("WindowNotPassed({},{})", x.id, x.endsAt),
            F::Finality_OpNotFavouring(x) => format!("OpNotFavouring({})", x.id),
            F::Finality_OpUndecided(x) => format!("OpUndecided({},{})", x.id, x.rival),
            F::Finality_InvalidEvidence(x) => format!("InvalidEvidence({})", x.leg),
            F::Finality_AlreadyFrozen(x) => format!("AlreadyFrozen({})", x.leg),
            F::Finality_ChainLive(_) => "ChainLive".into(),
            F::Finality_LivenessAlreadyRecorded(_) => "LivenessAlreadyRecorded".into(),
            F::Finality_NotCouncil(_) => "NotCouncil".into(),
            F::Finality_SameImplementation(x) => format!("SameImplementation({})", x.leg),
            other => format!("{other:?}"),
        };
    }
    if let Ok(err) = SecurityCouncil::SecurityCouncilErrors::abi_decode(data) {
        return match err {
            SecurityCouncil::SecurityCouncilErrors::Council_UnknownAction(_) => {
                "NoUpgradeQueued".into()
            }
            SecurityCouncil::SecurityCouncilErrors::Council_Timelocked(x) => {
                format!("Timelocked({})", x.eta)
            }
            SecurityCouncil::SecurityCouncilErrors::Council_Expired(x) => {
                format!("UpgradeExpired({})", x.expiredAt)
            }
            SecurityCouncil::SecurityCouncilErrors::Council_OnlyCouncil(_) => "NotCouncil".into(),
            SecurityCouncil::SecurityCouncilErrors::Council_CallFailed(x) => {
                revert_reason(&x.reason)
            }
            other => format!("{other:?}"),
        };
    }
    if TeeVerifier::TeeVerifierErrors::abi_decode(data).is_ok() {
        return "NotCouncil".into();
    }
    if let Ok(err) = TestDisputeGame::TestDisputeGameErrors::abi_decode(data) {
        return match err {
            TestDisputeGame::TestDisputeGameErrors::Game_UnknownClaim(_) => "UnknownClaim".into(),
            TestDisputeGame::TestDisputeGameErrors::Game_AlreadyResolved(x) => {
                format!("GameAlreadyResolved({})", x.claimId)
            }
        };
    }
    format!("undecoded revert {}", Bytes::copy_from_slice(data))
}

const fn leg_id(leg: Leg) -> u8 {
    match leg {
        Leg::Zk => 0,
        Leg::Tee => 1,
        Leg::Op => 2,
    }
}

impl<'a> Case<'a> {
    fn new(s: &'a Setup) -> Self {
        let mut model = Finality::new(FinalityParams::new(root(0), s.genesis_time));
        model
            .apply(Event::SetMeasurement { by: Actor::Council, measurement: 1, allowed: true })
            .unwrap();
        model
            .apply(Event::RegisterSigner {
                by: Actor::Council,
                signer: 1,
                measurement: 1,
                expires_at: s.genesis_time + 60 * DAY,
            })
            .unwrap();
        let mut registry = Registry::default();
        registry.measurements.insert(1);
        registry.signers.insert(1, (1, s.genesis_time + 60 * DAY, false));
        let signers = dev_signers();
        Self {
            s,
            l1: s.l1.clone(),
            model,
            registry,
            next_game: 0,
            game: s.d.dispute_game,
            queued: BTreeMap::new(),
            members: members(),
            anyone: signers[2].clone(),
            sequencer: signers[0].clone(),
        }
    }

    /// The claim the contract holds for `id`, or, for an unknown id, one nobody can propose (of
    /// batch 0, the genesis).
    fn claim_of(&self, id: u64) -> Claim {
        self.model.claim(id).copied().unwrap_or_else(|| Claim {
            batch_number: BatchNumber(0),
            post_root: root(id),
            ..claim(1, 0, 0)
        })
    }

    /// [`Self::claim_of`] as the contract takes it back.
    fn sol(&self, id: u64) -> MultiProofFinality::Claim {
        tribunal_dispute::claims::recast(&self.claim_of(id).to_sol())
    }

    fn zk_proof(&self, id: u64, valid: bool) -> Bytes {
        Self::zk_proof_of(&self.claim_of(id), valid)
    }

    fn zk_proof_of(claim: &Claim, valid: bool) -> Bytes {
        if valid { common::System::<DevL1>::zk_proof(claim) } else { Bytes::from(vec![0xba; 32]) }
    }

    fn tee_signature(&self, signer: u32, id: u64) -> Bytes {
        self.tee_signature_of(signer, &self.claim_of(id))
    }

    fn tee_signature_of(&self, signer: u32, claim: &Claim) -> Bytes {
        use alloy::signers::SignerSync;
        let digest = claim.tee_signing_hash(31337, self.s.d.finality);
        Bytes::from(enclave(signer as u8).sign_hash_sync(&digest).unwrap().as_bytes().to_vec())
    }

    /// The council (or, for `Actor::Anyone`, a stranger calling directly) makes a call.
    async fn council_call(
        &self,
        by: Actor,
        target: Address,
        data: Vec<u8>,
    ) -> Result<tribunal_l1::L1Receipt, L1Error> {
        match by {
            Actor::Council => council::submit(
                &self.l1,
                &self.sequencer,
                self.s.d.council,
                &self.members[..6],
                target,
                data.into(),
            )
            .await
            .map(|(_, r)| r),
            Actor::Anyone => self.l1.send(&self.anyone, L1Tx::call(target, data)).await,
        }
    }

    async fn send(&self, to: Address, call: impl SolCall, value: U256) -> Result<(), L1Error> {
        self.l1
            .send(&self.sequencer, L1Tx::call(to, call.abi_encode()).with_value(value))
            .await
            .map(drop)
    }

    /// Runs `event` on both sides; returns a mismatch description, if any.
    async fn step(&mut self, event: Event) -> Result<(), String> {
        if let Event::Tick { now } = event {
            let to = self.model.now() + now;
            self.model.apply(Event::Tick { now: to }).unwrap();
            return self.sync_clock().await;
        }
        // Every transaction lands one second after the model's clock or the head, whichever is later.
        let head = self.l1.head().await.unwrap().timestamp;
        let t = self.model.now().max(head) + 1;
        self.model.apply(Event::Tick { now: t }).unwrap();
        self.l1.set_next_block_timestamp(t).await.unwrap();

        let fin = self.s.d.finality;
        let mut event = event;
        let mut op_game = None;
        let result: Result<Option<tribunal_l1::L1Receipt>, L1Error> = match event {
            Event::Tick { .. } => unreachable!(),
            Event::Propose { claim } => {
                let call = common::claim_propose_call(&claim);
                self.send(fin, call, U256::from(10u128.pow(17))).await.map(|()| None)
            }
            Event::ProposeAndSettle { claim, valid, signer } => {
                let call = MultiProofFinality::proposeAndSettleCall {
                    _c: tribunal_dispute::claims::recast(&claim.to_sol()),
                    _proof: Self::zk_proof_of(&claim, valid),
                    _signature: self.tee_signature_of(signer, &claim),
                };
                self.send(fin, call, U256::ZERO).await.map(|()| None)
            }
            Event::ZkProof { claim, valid } => {
                let call = MultiProofFinality::proveZkCall {
                    _c: self.sol(claim),
                    _proof: self.zk_proof(claim, valid),
                };
                self.send(fin, call, U256::ZERO).await.map(|()| None)
            }
            Event::TeeSignature { claim, signer } => {
                let call = MultiProofFinality::attestTeeCall {
                    _c: self.sol(claim),
                    _signature: self.tee_signature(signer, claim),
                };
                self.send(fin, call, U256::ZERO).await.map(|()| None)
            }
            Event::GameResolved { claim, for_claim } => {
                let call = TestDisputeGame::resolveCall {
                    _claimId: U256::from(claim),
                    _forClaim: for_claim,
                };
                self.send(self.game, call, U256::ZERO).await.map(|()| None)
            }
            Event::Finalize { claim } => {
                let call = MultiProofFinality::finalizeCall { _c: self.sol(claim) };
                let tx = L1Tx::call(fin, call.abi_encode());
                match self.l1.send(&self.sequencer, tx).await {
                    // Every finality path is O(1) in the number of rival claims (issue 19).
                    Ok(r) if r.gas_used > FINALIZE_GAS_BOUND => {
                        return Err(format!(
                            "finalize({claim}) used {} gas, over the bound {FINALIZE_GAS_BOUND}",
                            r.gas_used
                        ));
                    }
                    other => other.map(|_| None),
                }
            }
            Event::ProveSelfDisagreement { leg, a, b, ref mut verifies } => {
                let (ea, eb) = match leg {
                    Leg::Zk => (self.zk_proof(a, *verifies), self.zk_proof(b, *verifies)),
                    Leg::Tee => {
                        // The evidence verifies only if a valid signer makes it.
                        let signer = [1, 2].into_iter().find(|&s| self.registry.valid(s, t));
                        *verifies &= signer.is_some();
                        let signer = if *verifies { signer.unwrap() } else { 9 };
                        (self.tee_signature(signer, a), self.tee_signature(signer, b))
                    }
                    Leg::Op => (Bytes::new(), Bytes::new()),
                };
                let call = MultiProofFinality::proveSelfDisagreementCall {
                    _leg: leg_id(leg),
                    _a: self.sol(a),
                    _b: self.sol(b),
                    _evidenceA: ea,
                    _evidenceB: eb,
                };
                self.send(fin, call, U256::ZERO).await.map(|()| None)
            }
            Event::RecordLivenessFailure => self
                .send(fin, MultiProofFinality::recordLivenessFailureCall {}, U256::ZERO)
                .await
                .map(|()| None),
            Event::SubmitUpgrade { by, leg, ref mut implementation } => {
                let data = match leg {
                    Leg::Zk => {
                        let verifier = self.s.zk_verifiers[*implementation as usize];
                        MultiProofFinality::setZkVerifierCall { _verifier: verifier }.abi_encode()
                    }
                    Leg::Tee => {
                        // The one TEE verifier holds the registry the model mirrors.
                        *implementation = 0;
                        MultiProofFinality::setTeeVerifierCall { _verifier: self.s.d.tee_verifier }
                            .abi_encode()
                    }
                    Leg::Op => {
                        // A fresh game each time: a game keeps its outcomes.
                        let game = self.s.games[self.next_game % GAME_POOL];
                        self.next_game += 1;
                        *implementation = self.next_game as u32;
                        op_game = Some(game);
                        MultiProofFinality::setDisputeGameCall { _game: game }.abi_encode()
                    }
                };
                self.council_call(by, fin, data).await.map(Some)
            }
            Event::CancelUpgrade { by, leg } => {
                let id = self.queued.get(&leg_id(leg)).map_or(u64::MAX, |q| q.0);
                let data = SecurityCouncil::cancelCall { _id: U256::from(id) }.abi_encode();
                self.council_call(by, self.s.d.council, data).await.map(Some)
            }
            Event::ExecuteUpgrade { leg } => {
                let (id, target, data, game) = self.queued.get(&leg_id(leg)).cloned().unwrap_or((
                    u64::MAX,
                    fin,
                    Bytes::new(),
                    None,
                ));
                op_game = game;
                let call = SecurityCouncil::executeCall {
                    _id: U256::from(id),
                    _target: target,
                    _data: data,
                };
                self.send(self.s.d.council, call, U256::ZERO).await.map(|()| None)
            }
            Event::RegisterSigner { by, signer, measurement: m, expires_at } => {
                let data = TeeVerifier::registerSignerCall {
                    _signer: enclave(signer as u8).address(),
                    _measurement: measurement(m),
                    _expiresAt: expires_at,
                    _kind: 0, // Kind.DevInsecure
                    _evidenceHash: B256::ZERO,
                };
                self.council_call(by, self.s.d.tee_verifier, data.abi_encode()).await.map(Some)
            }
            Event::RevokeSigner { by, signer } => {
                let data =
                    TeeVerifier::revokeSignerCall { _signer: enclave(signer as u8).address() };
                self.council_call(by, self.s.d.tee_verifier, data.abi_encode()).await.map(Some)
            }
            Event::SetMeasurement { by, measurement: m, allowed } => {
                let data = TeeVerifier::setMeasurementCall {
                    _measurement: measurement(m),
                    _allowed: allowed,
                };
                self.council_call(by, self.s.d.tee_verifier, data.abi_encode()).await.map(Some)
            }
        };
        let expected = self.model.apply(event.clone());
        if std::env::var_os("DIFFERENTIAL_STATS").is_some() {
            let kind = format!("{event:?}");
            let kind = kind.split([' ', '{']).next().unwrap_or_default().to_owned();
            match &expected {
                Ok(effects) => eprintln!("STAT {kind} ok {effects:?}"),
                Err(e) => eprintln!("STAT {kind} err {}", model_error(e)),
            }
        }
        match (&expected, &result) {
            (Ok(_), Ok(_)) => {}
            (Err(m), Err(c)) => {
                let (m, c) = (model_error(m), contract_error(c));
                if m != c {
                    return Err(format!("{event:?}: model refused with {m}, contract with {c}"));
                }
            }
            (Ok(effects), Err(c)) => {
                return Err(format!(
                    "{event:?}: model accepted ({effects:?}), contract reverted {}",
                    contract_error(c)
                ));
            }
            (Err(m), Ok(_)) => {
                return Err(format!("{event:?}: model refused ({m}), contract accepted"));
            }
        }
        if let (Ok(effects), Ok(receipt)) = (&expected, &result) {
            self.after_success(&event, effects, receipt.as_ref(), op_game)?;
        }
        self.sync_clock().await?;
        self.compare().await
    }

    /// Mirrors what succeeded: the TEE registry, the queued council actions, the current game.
    fn after_success(
        &mut self,
        event: &Event,
        effects: &[Effect],
        receipt: Option<&tribunal_l1::L1Receipt>,
        op_game: Option<Address>,
    ) -> Result<(), String> {
        match *event {
            Event::RegisterSigner { signer, measurement, expires_at, .. } => {
                self.registry.signers.insert(signer, (measurement, expires_at, false));
            }
            Event::RevokeSigner { signer, .. } => {
                if let Some(s) = self.registry.signers.get_mut(&signer) {
                    s.2 = true;
                }
            }
            Event::SetMeasurement { measurement, allowed, .. } => {
                if allowed {
                    self.registry.measurements.insert(measurement);
                } else {
                    self.registry.measurements.remove(&measurement);
                }
            }
            Event::SubmitUpgrade { leg, .. } => {
                let receipt = receipt.expect("council submissions return receipts");
                let submitted = receipt
                    .logs
                    .iter()
                    .find_map(|l| SecurityCouncil::ActionSubmitted::decode_log(l).ok())
                    .ok_or("no ActionSubmitted")?
                    .data;
                let executed = receipt
                    .logs
                    .iter()
                    .any(|l| SecurityCouncil::ActionExecuted::decode_log(l).is_ok());
                let model_instant =
                    effects.iter().any(|e| matches!(e, Effect::UpgradeExecuted { .. }));
                if executed != model_instant {
                    return Err(format!(
                        "{event:?}: contract executed at once: {executed}, model: {model_instant}"
                    ));
                }
                if executed {
                    if let Some(g) = op_game {
                        self.game = g;
                    }
                } else {
                    let id = submitted.id.to::<u64>();
                    self.queued
                        .insert(leg_id(leg), (id, submitted.target, submitted.data, op_game));
                }
            }
            Event::ExecuteUpgrade { leg } | Event::CancelUpgrade { leg, .. } => {
                self.queued.remove(&leg_id(leg));
                if let Some(g) = op_game {
                    self.game = g;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Mines an empty block at the model's time, so views see the same clock.
    async fn sync_clock(&self) -> Result<(), String> {
        let head = self.l1.head().await.unwrap().timestamp;
        if head < self.model.now() {
            self.l1.set_next_block_timestamp(self.model.now()).await.unwrap();
            self.l1.mine().await.unwrap();
        }
        Ok(())
    }

    async fn view<C: SolCall>(&self, call: C) -> C::Return {
        let out =
            self.l1.call(Address::ZERO, self.s.d.finality, call.abi_encode().into()).await.unwrap();
        C::abi_decode_returns(&out).unwrap()
    }

    /// Every claim's status, the frozen legs and the liveness flag agree.
    async fn compare(&self) -> Result<(), String> {
        let count = self.view(MultiProofFinality::claimCountCall {}).await.to::<u64>();
        if count != self.model.claim_count() {
            return Err(format!(
                "claim count: contract {count}, model {}",
                self.model.claim_count()
            ));
        }
        for id in 0..count {
            let c = self.view(MultiProofFinality::statusOfCall { _id: U256::from(id) }).await;
            let m = self.model.status(id).unwrap();
            let agree = match m {
                ClaimStatus::Final { path, at } => {
                    let p = match path {
                        FinalPath::Instant => 1,
                        FinalPath::Slow { with: Leg::Zk } => 2,
                        FinalPath::Slow { .. } => 3,
                    };
                    c.isFinal && c.path == p && c.finalAt == at
                }
                ClaimStatus::Pending { zk, tee, op, window_ends_at, parent_final, superseded } => {
                    let op = match op {
                        GameStatus::InProgress => 0,
                        GameStatus::ResolvedFor => 1,
                        GameStatus::ResolvedAgainst => 2,
                    };
                    !c.isFinal
                        && c.zk == zk
                        && c.tee == tee
                        && c.op as u8 == op
                        && c.windowEndsAt == window_ends_at
                        && c.parentFinal == parent_final
                        && c.superseded == superseded
                }
            };
            if !agree {
                return Err(format!("claim {id}: model {m:?}, contract {c:?}"));
            }
        }
        for leg in [Leg::Zk, Leg::Tee, Leg::Op] {
            let frozen = self.view(MultiProofFinality::frozenCall(U256::from(leg_id(leg)))).await;
            if frozen != self.model.is_frozen(leg) {
                return Err(format!("{leg:?} frozen: contract {frozen}"));
            }
        }
        let failed = self.view(MultiProofFinality::livenessFailedCall {}).await;
        if failed != self.model.liveness_failed() {
            return Err(format!("liveness failed: contract {failed}"));
        }
        Ok(())
    }
}

fn check(events: Vec<Event>) -> Result<(), TestCaseError> {
    let s = setup();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut case = Case::new(s);
        case.sync_clock().await.map_err(TestCaseError::fail)?;
        for (i, event) in events.into_iter().enumerate() {
            case.step(event).await.map_err(|e| TestCaseError::fail(format!("step {i}: {e}")))?;
        }
        Ok(())
    })
}

fn events(max: usize) -> impl Strategy<Value = Vec<Event>> {
    // The strategy's claims read the blobs hash, which setup computes.
    setup();
    prop::collection::vec(test_utils::event(claim, setup().genesis_time), 1..max)
}

/// Regression: the chain's clock and the model's once disagreed by the seconds the setup's
/// transactions took, so a liveness failure the model refused was accepted on chain (CI: `Tick
/// { now: 604797 }`, `Propose`, `RecordLivenessFailure`). Both now start at the contract's
/// deployment, and agree on either side of the liveness boundary (OP window + grace after the
/// first claim).
#[test]
fn liveness_period_starts_at_the_contracts_deployment() {
    let s = setup();
    let week = FinalityParams::SEVEN_DAYS;
    for now in [week - 3, week, 2 * week - 2, 2 * week - 1, 2 * week, 2 * week + 1] {
        for events in [
            vec![
                Event::Tick { now },
                Event::Propose { claim: claim(1, 0, 0) },
                Event::RecordLivenessFailure,
            ],
            vec![
                Event::Propose { claim: claim(1, 0, 0) },
                Event::Tick { now },
                Event::RecordLivenessFailure,
            ],
        ] {
            check(events)
                .unwrap_or_else(|e| panic!("tick {now} after genesis {}: {e}", s.genesis_time));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn model_and_contracts_agree(events in events(100)) {
        check(events)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    /// Soak: `cargo test -p tribunal-node --test differential -- --ignored`.
    #[test]
    #[ignore = "soak test; run with --ignored"]
    fn model_and_contracts_agree_soak(events in events(160)) {
        check(events)?;
    }
}
