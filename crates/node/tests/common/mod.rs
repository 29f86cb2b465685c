//! A deployed Tribunal system on an L1 backend, for integration tests.
#![allow(dead_code, unreachable_pub)]

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent, SolInterface, SolValue};
use tribunal_contracts::{
    Inbox, MultiProofFinality, TeeVerifier,
    test_fixtures::{TestDisputeGame, TestZkVerifier},
};
use tribunal_l1::{L1Dev, L1Error, L1Receipt, L1Tx, dev_signers};
use tribunal_node::{
    council,
    deploy::{DeployConfig, Deployment, LegImpl, deploy},
};
use tribunal_primitives::{
    Batch, BatchNumber, ChainId, Claim, PrivateKey, QueueAcc, batch::decode_tx_exact,
    field::fr_from_be_bytes,
};
use tribunal_stf::{BatchOutput, State, StfConfig};

pub const CHAIN: ChainId = ChainId(901);
pub const DAY: u64 = 24 * 3600;
pub const MEASUREMENT: B256 = B256::repeat_byte(0x4d);

/// The `propose` call for `claim`.
pub fn claim_propose_call(c: &Claim) -> MultiProofFinality::proposeCall {
    tribunal_node::proposer::propose_call(
        c.batch_number,
        c.parent_root,
        c.post_root,
        c.withdrawal_root,
        c.data_commitment,
    )
}

/// Runs a test body on threads with room for blobs.
pub fn run(f: impl std::future::Future<Output = ()> + Send + 'static) {
    tribunal_l1::block_on_blob_threads(f).unwrap();
}

/// Eight council members with fixed keys.
pub fn members() -> Vec<PrivateKeySigner> {
    (0..8u8).map(|i| PrivateKeySigner::from_bytes(&keccak256([b'c', i])).unwrap()).collect()
}

/// The TEE enclave signer's key.
pub fn enclave(i: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256([b't', i])).unwrap()
}

pub struct System<'a, L> {
    pub l1: &'a L,
    pub d: Deployment,
    pub members: Vec<PrivateKeySigner>,
    pub sequencer: PrivateKeySigner,
    pub stranger: PrivateKeySigner,
    pub l1_chain: u64,
    pub state: State,
}

pub fn inbox_error(e: &L1Error) -> Inbox::InboxErrors {
    let data = e.revert_data().unwrap_or_else(|| panic!("expected a revert, got {e}"));
    Inbox::InboxErrors::abi_decode(data).unwrap()
}

pub fn finality_error(e: &L1Error) -> MultiProofFinality::MultiProofFinalityErrors {
    let data = e.revert_data().unwrap_or_else(|| panic!("expected a revert, got {e}"));
    MultiProofFinality::MultiProofFinalityErrors::abi_decode(data).unwrap()
}

impl<'a, L: L1Dev> System<'a, L> {
    /// Deploys everything with the test ZK verifier and test dispute game, and registers one TEE
    /// signer through the council.
    pub async fn deploy(l1: &'a L) -> Self {
        Self::deploy_with(l1, LegImpl::Create(Box::new(|_| TestZkVerifier::BYTECODE.clone()))).await
    }

    /// As [`Self::deploy`], with the real `DisputeGame` (and its `StfStep`) as the OP leg,
    /// deployed first from another account at the finality contract's and inbox's predicted
    /// addresses.
    pub async fn deploy_with_game(
        l1: &'a L,
        params: tribunal_dispute::GameParams,
    ) -> (Self, Address) {
        let signers = dev_signers();
        let mut cfg = Self::config();
        cfg.zk_verifier = LegImpl::Create(Box::new(|_| TestZkVerifier::BYTECODE.clone()));
        let (d, game) =
            tribunal_node::deploy::deploy_with_game(l1, &signers[3], &signers[2], cfg, params)
                .await
                .unwrap();
        for (name, gas) in &game.gas {
            eprintln!("gas deploy {name}: {gas}");
        }
        (Self::registered(l1, d).await, game.game)
    }

    /// As [`Self::deploy`], with `zk_verifier` as the ZK leg.
    pub async fn deploy_with(l1: &'a L, zk_verifier: LegImpl) -> Self {
        let game = LegImpl::Create(Box::new(|finality| {
            [
                TestDisputeGame::BYTECODE.to_vec(),
                TestDisputeGame::constructorCall { _finality: finality }.abi_encode(),
            ]
            .concat()
            .into()
        }));
        Self::deploy_full(l1, zk_verifier, game).await
    }

    /// As [`Self::deploy`], with both legs given.
    pub async fn deploy_full(l1: &'a L, zk_verifier: LegImpl, dispute_game: LegImpl) -> Self {
        let mut cfg = Self::config();
        cfg.zk_verifier = zk_verifier;
        cfg.dispute_game = dispute_game;
        let d = deploy(l1, &dev_signers()[3], cfg).await.unwrap();
        Self::registered(l1, d).await
    }

    /// The deployment configuration of the tests' chain: the sequencer is dev signer 0, the
    /// council [`members`].
    pub fn config() -> DeployConfig {
        let config = StfConfig::new(CHAIN);
        let mut cfg = DeployConfig::new(
            CHAIN,
            dev_signers()[0].address(),
            State::new(config).unwrap().root(),
            members().iter().map(PrivateKeySigner::address).collect(),
        );
        cfg.account_depth = config.account_depth;
        cfg.withdrawal_depth = config.withdrawal_depth;
        cfg
    }

    /// The system `d`, with one TEE signer registered through the council.
    async fn registered(l1: &'a L, d: Deployment) -> Self {
        let signers = dev_signers();
        let (sequencer, stranger) = (signers[0].clone(), signers[1].clone());
        let state = State::new(StfConfig::new(CHAIN)).unwrap();
        let members = members();
        let l1_chain = l1.chain_id().await.unwrap();
        let sys = Self { l1, d, members, sequencer, stranger, l1_chain, state };
        sys.council(
            sys.d.tee_verifier,
            TeeVerifier::setMeasurementCall { _measurement: MEASUREMENT, _allowed: true }
                .abi_encode(),
        )
        .await
        .unwrap();
        let now = l1.head().await.unwrap().timestamp;
        sys.council(
            sys.d.tee_verifier,
            TeeVerifier::registerSignerCall {
                _signer: enclave(0).address(),
                _measurement: MEASUREMENT,
                _expiresAt: now + 365 * DAY,
                _kind: 0, // Kind.DevInsecure
                _evidenceHash: B256::ZERO,
            }
            .abi_encode(),
        )
        .await
        .unwrap();
        sys
    }

    /// Six of the eight members authorize a call.
    pub async fn council(
        &self,
        target: Address,
        data: Vec<u8>,
    ) -> Result<(u64, L1Receipt), L1Error> {
        council::submit(
            self.l1,
            &self.sequencer,
            self.d.council,
            &self.members[..6],
            target,
            data.into(),
        )
        .await
    }

    pub async fn view<C: SolCall>(&self, to: Address, call: C) -> C::Return {
        let out = self.l1.call(Address::ZERO, to, call.abi_encode().into()).await.unwrap();
        C::abi_decode_returns(&out).unwrap()
    }

    pub async fn send(
        &self,
        from: &PrivateKeySigner,
        to: Address,
        call: impl SolCall,
        value: U256,
    ) -> Result<L1Receipt, L1Error> {
        self.l1.send(from, L1Tx::call(to, call.abi_encode()).with_value(value)).await
    }

    /// Posts `batch` in blobs, consuming the queue up to `queue_end`.
    pub async fn post(
        &self,
        from: &PrivateKeySigner,
        batch: &Batch,
        queue_end: u64,
    ) -> Result<L1Receipt, L1Error> {
        let sidecar =
            tribunal_da::sidecar_7594(tribunal_da::encode_blobs(&batch.encode()).unwrap()).unwrap();
        // The queue's accumulator at `queue_end`; past the queue (a post the inbox refuses for
        // its queue end), none.
        let at = Inbox::accAtCall { _index: queue_end }.abi_encode();
        let acc = match self.l1.call(Address::ZERO, self.d.inbox, at.into()).await {
            Ok(out) => Inbox::accAtCall::abi_decode_returns(&out).unwrap(),
            Err(_) => B256::ZERO,
        };
        let call = Inbox::postBatchCall {
            _batchNumber: batch.number.0,
            _queueEnd: queue_end,
            _queueAcc: acc,
        };
        self.l1.send(from, L1Tx::call(self.d.inbox, call.abi_encode()).with_sidecar(sidecar)).await
    }

    /// Batch 1: one 1 ETH bridge deposit per key (accounts #0, #1, …), queued through the inbox,
    /// executed on `self.state` and posted.
    pub async fn deposit_batch(&mut self, keys: &[&PrivateKey]) -> (Batch, BatchOutput) {
        let mut txs = Vec::new();
        for key in keys {
            let call = Inbox::depositCall { _pubkey: key.public_key().to_bytes().into() };
            let r = self.send(&self.stranger, self.d.inbox, call, U256::from(10u128.pow(18))).await;
            let log = r.unwrap().logs.iter().find_map(|l| Inbox::MessageQueued::decode_log(l).ok());
            txs.push(decode_tx_exact(&log.unwrap().message).unwrap());
        }
        let batch = Batch { chain_id: CHAIN, number: BatchNumber(1), txs };
        let out = tribunal_stf::execute_batch(&mut self.state, &batch).unwrap();
        self.post(&self.sequencer, &batch, keys.len() as u64).await.unwrap();
        (batch, out)
    }

    /// The claim for an executed batch, with its context read from the inbox.
    pub async fn claim(&self, out: &BatchOutput) -> Claim {
        let mut c = self.context(out.batch_number).await;
        c.parent_root = out.parent_root;
        c.post_root = out.post_root;
        c.withdrawal_root = out.withdrawal_root;
        c.data_commitment = out.data_commitment;
        c
    }

    /// A claim about posted batch `batch` holding only its context from the inbox (roots zero).
    pub async fn context(&self, batch: BatchNumber) -> Claim {
        let ctx = self.view(self.d.inbox, Inbox::batchContextCall { _batchNumber: batch.0 }).await;
        assert!(ctx.posted, "batch {} is posted", batch.0);
        let fr = |b: B256| fr_from_be_bytes(&b.0).unwrap();
        Claim {
            chain_id: CHAIN,
            batch_number: batch,
            parent_root: Default::default(),
            post_root: Default::default(),
            withdrawal_root: Default::default(),
            data_commitment: Default::default(),
            blobs_hash: ctx.blobsHash,
            queue_before: QueueAcc(fr(ctx.queueBefore)),
            queue_after: QueueAcc(fr(ctx.queueAfter)),
        }
    }

    /// Proposes `claim` with the bond; returns its id.
    pub async fn propose(&self, claim: &Claim) -> Result<u64, L1Error> {
        let id = self.view(self.d.finality, MultiProofFinality::claimCountCall {}).await;
        let call = claim_propose_call(claim);
        let r =
            self.send(&self.sequencer, self.d.finality, call, U256::from(10u128.pow(17))).await?;
        eprintln!("gas propose: {}", r.gas_used);
        Ok(id.to::<u64>())
    }

    /// A proof the test ZK verifier accepts for `claim`.
    pub fn zk_proof(claim: &Claim) -> Bytes {
        keccak256(claim.to_sol().abi_encode()).to_vec().into()
    }

    /// The claim proposed as `id`, as the finality contract binds it (its `ClaimProposed` log):
    /// what the calls on it pass back.
    pub async fn proposed(&self, id: u64) -> MultiProofFinality::Claim {
        tribunal_dispute::claims::proposed_known(self.l1, self.d.finality, id).await.unwrap()
    }

    pub async fn prove_zk(&self, id: u64, proof: Bytes) -> Result<L1Receipt, L1Error> {
        let call = MultiProofFinality::proveZkCall { _c: self.proposed(id).await, _proof: proof };
        self.send(&self.stranger, self.d.finality, call, U256::ZERO).await
    }

    /// `enclave` signs `claim`'s EIP-712 digest.
    pub fn tee_signature(&self, enclave: &PrivateKeySigner, claim: &Claim) -> Bytes {
        let digest = claim.tee_signing_hash(self.l1_chain, self.d.finality);
        enclave.sign_hash_sync(&digest).unwrap().as_bytes().to_vec().into()
    }

    pub async fn attest_tee(&self, id: u64, signature: Bytes) -> Result<L1Receipt, L1Error> {
        let call = MultiProofFinality::attestTeeCall {
            _c: self.proposed(id).await,
            _signature: signature,
        };
        self.send(&self.stranger, self.d.finality, call, U256::ZERO).await
    }

    /// Proposes, proves and attests `out`'s claim: final at once (rule 1).
    pub async fn finalize_instant(&self, out: &BatchOutput) -> (u64, Claim) {
        let claim = self.claim(out).await;
        let id = self.propose(&claim).await.unwrap();
        self.prove_zk(id, Self::zk_proof(&claim)).await.unwrap();
        self.attest_tee(id, self.tee_signature(&enclave(0), &claim)).await.unwrap();
        let status = self
            .view(self.d.finality, MultiProofFinality::statusOfCall { _id: U256::from(id) })
            .await;
        assert!(status.isFinal, "ZK + TEE finalize at once");
        (id, claim)
    }
}
