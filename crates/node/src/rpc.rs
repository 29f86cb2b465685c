//! The node's JSON-RPC API (jsonrpsee), namespace `tribunal`.
//!
//! | method | params | result |
//! |---|---|---|
//! | `tribunal_chainInfo` | | [`ChainInfo`] |
//! | `tribunal_sendTransaction` | canonical encoding (hex bytes) | transaction hash |
//! | `tribunal_getTransaction` | hash | [`TxStatus`] or `null` |
//! | `tribunal_getAccount` | account index | [`AccountInfo`] with a Merkle proof |
//! | `tribunal_getBatch` | batch number | [`BatchInfo`] or `null` |
//! | `tribunal_getBlobs` | batch number | the batch's blobs (131,072 bytes each) or `null` |
//! | `tribunal_getClaim` | claim id | [`ClaimInfo`], with the reference model's explanation |
//! | `tribunal_getGame` | claim id | [`GameInfo`]: the dispute game's positions, clocks, bonds |
//! | `tribunal_getWithdrawalProof` | batch number, leaf index | [`WithdrawalProof`] |
//! | `tribunal_getSafety` | | [`SafetyInfo`]: council, queued actions, frozen legs, liveness, stage |
//!
//! Quantities follow Ethereum's JSON-RPC conventions: wei amounts are hex `U256`, field elements
//! (roots, Merkle siblings) are 32-byte big-endian hex, blobs and transactions are hex bytes.
//! Bad input is refused with a typed error code ([`codes`]) and never reaches the store.

mod game;

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc};

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolEvent;
use jsonrpsee::{
    core::{RpcResult, async_trait},
    proc_macros::rpc,
    server::{Server, ServerHandle},
    types::ErrorObjectOwned,
};
use serde::{Deserialize, Serialize};
use tribunal_contracts::{Inbox, MultiProofFinality, SecurityCouncil, TeeVerifier};
use tribunal_finality::{ClaimStatus, FinalPath, GameStatus, Leg};
use tribunal_l1::{L1, view};
use tribunal_primitives::{
    BatchNumber,
    batch::{decode_tx_exact, encode_tx},
    field::{fr_to_be_bytes, fr_to_word},
};
use tribunal_stf::{State, WithdrawalTree};

pub use self::game::{GameInfo, MAX_POSITIONS, Position};
use crate::{
    Store,
    follow::Reorgs,
    sequencer::{ProverPace, Sequencer, SubmitError},
    store::TxLocation,
};

/// The API's error codes (JSON-RPC `error.code`).
pub mod codes {
    /// The params do not decode (JSON-RPC's own code).
    pub const INVALID_PARAMS: i32 = -32602;
    /// The node failed (storage, L1); retry.
    pub const INTERNAL: i32 = -32603;
    /// The sequencer refused the transaction: invalid, or an L1-only kind.
    pub const TX_REJECTED: i32 = 1;
    /// The mempool is full; retry later.
    pub const MEMPOOL_FULL: i32 = 2;
    /// No such batch, claim or withdrawal.
    pub const NOT_FOUND: i32 = 3;
    /// The batch is not final on L1: its withdrawals cannot be claimed yet.
    pub const NOT_FINAL: i32 = 4;
    /// This node does not run a sequencer.
    pub const NO_SEQUENCER: i32 = 5;
}

fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn internal(e: impl std::fmt::Display) -> ErrorObjectOwned {
    err(codes::INTERNAL, e.to_string())
}

/// The chain this node serves.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ChainInfo {
    /// L2 chain id.
    pub l2_chain_id: u64,
    /// L1 chain id.
    pub l1_chain_id: u64,
    /// `Inbox` (deposits, forced transactions, withdrawal claims).
    pub inbox: Address,
    /// `MultiProofFinality`.
    pub finality: Address,
    /// `DisputeGame` (zero when none).
    pub game: Address,
    /// Account tree depth.
    pub account_depth: u8,
    /// Withdrawal tree depth.
    pub withdrawal_depth: u8,
    /// The node's head batch.
    pub head: u64,
    /// `MultiProofFinality.latestFinalBatch`.
    pub latest_final_batch: u64,
}

/// Where a transaction is.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum TxStatus {
    /// Accepted, not sealed yet.
    Pending,
    /// Sealed in `batch` at `position` (a withdrawal's leaf index).
    Sealed {
        /// Batch number.
        batch: u64,
        /// Position in the batch.
        position: u32,
        /// Whether the batch is final on L1.
        #[serde(rename = "final")]
        is_final: bool,
    },
    /// Dropped at sealing: the STF refused it (its nonce was taken, or the balance went).
    Dropped,
}

/// An account at the node's head, with its Merkle proof.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// Account index.
    pub index: u32,
    /// Packed Baby Jubjub public key (EIP-2494); `None` for an empty leaf.
    pub pubkey: Option<B256>,
    /// Balance, in wei.
    pub balance: U256,
    /// Nonce at the head.
    pub nonce: u64,
    /// The nonce its next transaction must carry: `nonce` plus its pending transactions.
    pub pending_nonce: u64,
    /// The head batch the proof is against.
    pub batch: u64,
    /// State root of that batch.
    pub state_root: B256,
    /// Account tree siblings: leaf level first, three per level of the 4-ary tree (the other
    /// children of the path's parent, in increasing position), `3 · account_depth / 2` field
    /// elements (48 at depth 32).
    pub siblings: Vec<B256>,
    /// Its pending transactions, canonical encodings, in acceptance order.
    #[serde(default)]
    pub pending: Vec<Bytes>,
    /// Its latest withdrawals (at most [`ACCOUNT_WITHDRAWALS`]), newest first; claim them with
    /// `tribunal_getWithdrawalProof` once their batch is final.
    #[serde(default)]
    pub withdrawals: Vec<AccountWithdrawal>,
}

/// How many of an account's latest withdrawals `tribunal_getAccount` lists.
pub const ACCOUNT_WITHDRAWALS: usize = 32;

/// A withdrawal an account made.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccountWithdrawal {
    /// Its batch.
    pub batch: u64,
    /// Its leaf index in the batch's withdrawal tree.
    pub index: u64,
    /// L1 recipient.
    pub to: Address,
    /// Amount, in wei.
    pub amount: U256,
    /// Whether its batch is final on L1 (and so the withdrawal can be claimed).
    #[serde(rename = "final")]
    pub is_final: bool,
}

/// A batch and where it stands on L1.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BatchInfo {
    /// Batch number.
    pub number: u64,
    /// Its transactions, canonical encodings, L1 messages first.
    pub txs: Vec<Bytes>,
    /// State root before it.
    pub parent_root: B256,
    /// State root after it.
    pub post_root: B256,
    /// Root of its withdrawal tree.
    pub withdrawal_root: B256,
    /// Poseidon commitment to its bytes.
    pub data_commitment: B256,
    /// L1 messages consumed through it.
    pub queue_consumed: u64,
    /// Versioned hashes of its blobs on L1 (EIP-4844), empty until posted.
    pub blob_hashes: Vec<B256>,
    /// L1 timestamp of its posting, in seconds (0: not posted).
    pub posted_at: u64,
    /// Claims proposed for it, in proposal order.
    pub claims: Vec<u64>,
    /// Its skipped transactions: position in `txs`, and the STF's reason (docs/stf.md); every
    /// other transaction applied. `None` for a batch sealed before the node recorded skips.
    #[serde(default)]
    pub skipped: Option<Vec<SkippedTx>>,
    /// The claim final for it, if any.
    pub final_claim: Option<u64>,
    /// Its `postBatch` transaction, once posted.
    #[serde(default)]
    pub post_tx: Option<L1TxInfo>,
    /// Bytes of its blob payload (header and records; the L1 messages are read from the queue),
    /// out of 131,072 bytes paid per blob.
    #[serde(default)]
    pub payload_bytes: u64,
}

/// A council action submitted with the threshold's signatures.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CouncilAction {
    /// Action id (the council's nonce).
    pub id: u64,
    /// The called contract.
    pub target: Address,
    /// The leg it changes: `zk`, `tee`, `op` or `council`.
    pub leg: String,
    /// When it executes or executed, L1 seconds: at once for TEE and council actions and under
    /// rule 5 or 6 evidence, after the timelock for ZK and OP.
    pub eta: u64,
    /// When a queued action expires unexecuted, L1 seconds.
    pub expires_at: u64,
    /// `queued`, `executed` or `cancelled`.
    pub state: String,
}

/// One L2BEAT stage requirement, as `tribunal stage` grades it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StageRequirement {
    /// The stage it belongs to (0, 1, 2).
    pub stage: u8,
    /// What L2BEAT asks.
    pub name: String,
    /// Met or not.
    pub met: bool,
    /// Why, with the figures.
    pub reason: String,
}

/// What a council member checks before signing: the council, its actions, the legs' health and
/// the deployment's stage, read from L1.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SafetyInfo {
    /// L1 time of the head block, in seconds (countdowns are against it).
    pub l1_time: u64,
    /// `SecurityCouncil`.
    pub council: Address,
    /// Its members.
    pub members: Vec<Address>,
    /// Signatures it needs.
    pub threshold: u64,
    /// Timelock on ZK and OP changes, in seconds.
    pub upgrade_delay_secs: u64,
    /// How long a matured action stays executable, in seconds.
    pub expiry_secs: u64,
    /// Every action submitted, newest first.
    pub actions: Vec<CouncilAction>,
    /// The current verifiers: ZK, TEE, dispute game.
    pub verifiers: [Address; 3],
    /// Legs frozen by rule 5 evidence: ZK, TEE, OP.
    pub frozen: [bool; 3],
    /// The evidence that froze each frozen leg: the two claims over one input it approved
    /// (`LegFrozen`), and the L1 transaction that submitted them.
    #[serde(default)]
    pub frozen_by: [Option<FrozenEvidence>; 3],
    /// Rule 6: a liveness failure is recorded, and whether its one replacement was used.
    pub liveness_failed: bool,
    /// Whether the recorded liveness failure's replacement was made.
    pub liveness_used: bool,
    /// The L2BEAT stage of the deployment.
    pub stage: u8,
    /// Every requirement, with its figures.
    pub requirements: Vec<StageRequirement>,
}

/// Rule 5 evidence on L1: a leg approved two results for one input.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FrozenEvidence {
    /// One claim the leg approved.
    pub a: u64,
    /// The other, over the same batch and parent root with another result.
    pub b: u64,
    /// The L1 transaction that froze the leg.
    pub tx: L1TxInfo,
}

/// A transaction the STF skipped, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SkippedTx {
    /// Position in the batch (L1 messages first).
    pub position: u32,
    /// The rule it failed, e.g. "transfer from 3: nonce 4, expected 5".
    pub reason: String,
}

/// A claim, its status on L1, and the reference model's explanation of it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClaimInfo {
    /// Claim id.
    pub id: u64,
    /// Batch number.
    pub batch: u64,
    /// Who proposed it: its bonded proposer, or the sender of a claim settled alone (no bond).
    pub proposer: Address,
    /// Parent root.
    pub parent_root: B256,
    /// Claimed post root.
    pub post_root: B256,
    /// Claimed withdrawal root.
    pub withdrawal_root: B256,
    /// Final.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// ZK approves and counts.
    pub zk: bool,
    /// TEE approves and counts.
    pub tee: bool,
    /// Its game: `inProgress`, `resolvedFor` or `resolvedAgainst`.
    pub op: String,
    /// End of its OP window, L1 seconds.
    pub window_ends_at: u64,
    /// When it became final, L1 seconds (0 while pending).
    pub final_at: u64,
    /// L1 block of its `Finalized` event.
    pub final_block: Option<u64>,
    /// `tribunal_finality::ClaimStatus`'s explanation, times as Unix seconds and ISO-8601, e.g.
    /// "final: ZK+TEE at 1700000000 (2023-11-14T22:13:20Z) (L1 block 42)".
    pub explanation: String,
    /// The enclave signer of its latest TEE approval, as the current TEE verifier registers it.
    #[serde(default)]
    pub tee_signer: Option<TeeSignerInfo>,
    /// Its L1 transactions, the latest of each action, in chain order: proposal, approvals,
    /// finalization.
    #[serde(default)]
    pub l1_txs: Vec<L1TxInfo>,
    /// Where this node's ZK prover stands with the claim, while ZK has not approved it:
    /// `proving` (the claim it is on), `queued` (behind earlier claims) or `done` (it finished
    /// with the claim: proof sent, or the claim found wrong or unprovable); `None` when no ZK
    /// prover runs beside this node's sequencer, or ZK approved.
    #[serde(default)]
    pub zk_prover: Option<String>,
}

/// An enclave signer, as `TeeVerifier.signers` registers it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TeeSignerInfo {
    /// The signer's address.
    pub address: Address,
    /// The measurement (MRENCLAVE / MRTD digest) its key was attested with (zero: unknown to
    /// the current verifier).
    pub measurement: B256,
    /// `devInsecure` (a software key: no hardware root of trust), `sgx`, `tdx`, or `unknown`
    /// (not registered by the current TEE verifier, or one that does not say).
    pub kind: String,
    /// End of its validity, L1 seconds.
    pub expires_at: u64,
    /// Revoked by the council.
    pub revoked: bool,
}

/// An L1 transaction of a batch or claim.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct L1TxInfo {
    /// `post` (the batch's blobs), `propose`, `zk` (a proof approved the claim), `tee` (an
    /// enclave signature approved it), `finalize`, or `freeze` (rule 5 evidence). One
    /// transaction may do several (`proveAndAttest`: `zk`, `tee` and `finalize`;
    /// `proposeAndSettle`: `propose` too; `postAndSettle`: `post` as well).
    pub action: String,
    /// The poster, the proposer, the ZK proof's sender, the enclave signer, or (`finalize`) the
    /// zero address.
    pub by: Address,
    /// Its L1 block.
    pub block: u64,
    /// Its L1 transaction hash.
    pub tx: B256,
    /// Execution gas it used (blob gas not included), when this node sent it and still keeps
    /// its receipt's figure.
    pub gas: Option<u64>,
}

/// What `Inbox.claimWithdrawal` needs for one withdrawal of a final batch.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawalProof {
    /// Batch number.
    pub batch: u64,
    /// Leaf index.
    pub index: u64,
    /// L1 recipient.
    pub to: Address,
    /// Amount, in wei.
    pub amount: U256,
    /// The batch's final withdrawal root.
    pub withdrawal_root: B256,
    /// Siblings, leaf level first (`withdrawal_depth` field elements).
    pub siblings: Vec<U256>,
    /// Whether `Inbox.isClaimed` says it was paid already.
    pub claimed: bool,
}

/// The `tribunal` JSON-RPC namespace.
#[rpc(server, client, namespace = "tribunal")]
pub trait TribunalApi {
    /// The chain this node serves and the L1 contracts.
    #[method(name = "chainInfo")]
    async fn chain_info(&self) -> RpcResult<ChainInfo>;

    /// Submits a signed transfer or withdrawal (canonical encoding); returns its hash
    /// (keccak-256 of the encoding). Idempotent: a known transaction returns its hash again.
    #[method(name = "sendTransaction")]
    async fn send_transaction(&self, tx: Bytes) -> RpcResult<B256>;

    /// Where a transaction is; `null` when this node never accepted it.
    #[method(name = "getTransaction")]
    async fn get_transaction(&self, hash: B256) -> RpcResult<Option<TxStatus>>;

    /// An account at the head, with its Merkle proof.
    #[method(name = "getAccount")]
    async fn get_account(&self, index: u32) -> RpcResult<AccountInfo>;

    /// A batch, its roots and its L1 standing; `null` when not sealed.
    #[method(name = "getBatch")]
    async fn get_batch(&self, number: u64) -> RpcResult<Option<BatchInfo>>;

    /// A batch's blobs, as posted (EIP-4844 blobs of 131,072 bytes); `null` when not sealed.
    #[method(name = "getBlobs")]
    async fn get_blobs(&self, number: u64) -> RpcResult<Option<Vec<Bytes>>>;

    /// A claim and its status, explained.
    #[method(name = "getClaim")]
    async fn get_claim(&self, id: u64) -> RpcResult<ClaimInfo>;

    /// Claim `claim`'s dispute game: window, every position of its bisection with clock, deadline
    /// and bond, and how each was answered.
    #[method(name = "getGame")]
    async fn get_game(&self, claim: u64) -> RpcResult<GameInfo>;

    /// The Merkle proof of withdrawal `index` of final batch `batch`.
    #[method(name = "getWithdrawalProof")]
    async fn get_withdrawal_proof(&self, batch: u64, index: u64) -> RpcResult<WithdrawalProof>;

    /// The council, its actions, frozen legs, liveness and the L2BEAT stage.
    #[method(name = "getSafety")]
    async fn get_safety(&self) -> RpcResult<SafetyInfo>;
}

/// The API's implementation over a node's store, sequencer and L1.
pub struct RpcApi<L> {
    l1: Arc<L>,
    store: Arc<Store>,
    sequencer: Option<Arc<Sequencer<Arc<L>>>>,
    inbox: Address,
    finality: Address,
    game: Address,
    events: tokio::sync::Mutex<FinalityEvents>,
    /// Blocks deep a `Finalized` event must be before the API calls its claim final.
    final_depth: u64,
    reorgs: Option<Reorgs>,
    pace: Option<ProverPace>,
}

/// `MultiProofFinality` events (and `Inbox.BatchPosted`) read so far, extended from the last block
/// read on every use, so a request costs two `eth_getLogs` over the new blocks instead of two
/// over the whole chain.
/// After an L1 reorg (with [`RpcApi::with_reorgs`]) they are read again from the first block.
struct FinalityEvents {
    /// Reorg notices handled.
    reorgs_seen: usize,
    /// The first block not read yet.
    next_block: u64,
    /// Claim ids proposed per batch, in proposal order.
    claims: BTreeMap<u64, Vec<u64>>,
    /// The L1 block of each final claim's `Finalized` event.
    final_block: BTreeMap<u64, (u64, B256)>,
    /// Each claim's L1 transactions.
    txs: BTreeMap<u64, Vec<L1TxInfo>>,
    /// Each batch's `postBatch` transaction.
    posts: BTreeMap<u64, L1TxInfo>,
    /// The evidence that froze each leg.
    frozen_by: [Option<FrozenEvidence>; 3],
}

impl FinalityEvents {
    /// Forgets everything read, to read it again from the first block.
    fn reset(&mut self) {
        self.next_block = 0;
        self.claims.clear();
        self.final_block.clear();
        self.txs.clear();
        self.posts.clear();
        self.frozen_by = [None, None, None];
    }
}

impl<L> std::fmt::Debug for RpcApi<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcApi").field("inbox", &self.inbox).finish_non_exhaustive()
    }
}

impl<L: L1 + 'static> RpcApi<L> {
    /// The API of a node whose contracts are `inbox`, `finality` and `game`.
    pub const fn new(
        l1: Arc<L>,
        store: Arc<Store>,
        sequencer: Option<Arc<Sequencer<Arc<L>>>>,
        inbox: Address,
        finality: Address,
        game: Address,
    ) -> Self {
        let events = FinalityEvents {
            reorgs_seen: 0,
            next_block: 0,
            claims: BTreeMap::new(),
            final_block: BTreeMap::new(),
            txs: BTreeMap::new(),
            posts: BTreeMap::new(),
            frozen_by: [None, None, None],
        };
        Self {
            l1,
            store,
            sequencer,
            inbox,
            finality,
            game,
            events: tokio::sync::Mutex::const_new(events),
            final_depth: 0,
            reorgs: None,
            pace: None,
        }
    }

    /// Names, in [`ClaimInfo::zk_prover`], how far this node's ZK prover (whose pace `pace`
    /// is: its presence says the prover runs here; its claim cursor in the store says where) has
    /// got with each pending claim.
    #[must_use]
    pub fn with_prover_pace(mut self, pace: ProverPace) -> Self {
        self.pace = Some(pace);
        self
    }

    /// Calls a claim final (in `getClaim`, `getBatch`, `getTransaction`, `chainInfo`,
    /// `getWithdrawalProof` and the explorer) only once the L1 block of its `Finalized` event is
    /// `blocks` deep: the head is at least `blocks` past it. 0: as soon as it is final at the head.
    #[must_use]
    pub const fn with_final_depth(mut self, blocks: u64) -> Self {
        self.final_depth = blocks;
        self
    }

    /// Reads the finality events again after each L1 reorg `reorgs` publishes, so an event the
    /// reorg dropped is not believed.
    #[must_use]
    pub fn with_reorgs(mut self, reorgs: Reorgs) -> Self {
        self.reorgs = Some(reorgs);
        self
    }

    /// Whether final claim `id`'s `Finalized` event is `final_depth` blocks deep.
    async fn deep_enough(&self, id: u64) -> RpcResult<bool> {
        if self.final_depth == 0 {
            return Ok(true);
        }
        Ok(self.final_block(id).await?.is_some_and(|(_, deep)| deep))
    }

    /// The canonical L1 block of final claim `id`'s `Finalized` event, and whether it is
    /// `final_depth` blocks deep. An event whose block a reorg dropped is not believed: the events
    /// are read again.
    async fn final_block(&self, id: u64) -> RpcResult<Option<(u64, bool)>> {
        let head = self.l1.head().await.map_err(internal)?.number;
        let Some((block, hash)) = self.events().await?.final_block.get(&id).copied() else {
            return Ok(None);
        };
        if self.l1.block_hash(block).await.map_err(internal)? != Some(hash) {
            let mut ev = self.events.lock().await;
            ev.reset();
            return Ok(None);
        }
        Ok(Some((block, block + self.final_depth <= head)))
    }

    /// The final claim of `batch`, if it is final `final_depth` blocks deep.
    async fn final_claim(&self, batch: u64) -> RpcResult<Option<u64>> {
        let call = MultiProofFinality::finalClaimOfCall { _batchNumber: batch };
        let r = view(&*self.l1, self.finality, call).await.map_err(internal)?;
        let id = r.id.to::<u64>();
        Ok(if r.isFinal && self.deep_enough(id).await? { Some(id) } else { None })
    }

    /// The latest batch final `final_depth` blocks deep (0: none).
    async fn latest_final(&self) -> RpcResult<u64> {
        let mut latest =
            view(&*self.l1, self.finality, MultiProofFinality::latestFinalBatchCall {})
                .await
                .map_err(internal)?;
        // Batches finalize in order: walk back past those finalized in the last blocks.
        while latest > 0 && self.final_claim(latest).await?.is_none() {
            latest -= 1;
        }
        Ok(latest)
    }

    /// The finality events up to the head, reading only the blocks not read before.
    async fn events(&self) -> RpcResult<tokio::sync::MutexGuard<'_, FinalityEvents>> {
        let mut ev = self.events.lock().await;
        if let Some(reorgs) = &self.reorgs
            && reorgs.since(&mut ev.reorgs_seen).is_some()
        {
            ev.reset();
        }
        let head = self.l1.head().await.map_err(internal)?.number;
        if ev.next_block <= head {
            // Logs of blocks past `head` come back again next time: both maps ignore repeats.
            for l in self.l1.logs(self.finality, ev.next_block).await.map_err(internal)? {
                let (id, action, by) = if let Ok(e) =
                    MultiProofFinality::ClaimProposed::decode_log(&l.log)
                {
                    let ids = ev.claims.entry(e.batchNumber).or_default();
                    let id = e.id.to::<u64>();
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                    (id, "propose", e.proposer)
                } else if let Ok(e) = MultiProofFinality::Finalized::decode_log(&l.log) {
                    ev.final_block.insert(e.id.to::<u64>(), (l.block_number, l.block_hash));
                    (e.id.to::<u64>(), "finalize", Address::ZERO)
                } else if let Ok(e) = MultiProofFinality::LegFrozen::decode_log(&l.log) {
                    let tx = L1TxInfo {
                        action: "freeze".into(),
                        by: Address::ZERO,
                        block: l.block_number,
                        tx: l.tx_hash,
                        gas: None,
                    };
                    let (a, b) = (e.a.to::<u64>(), e.b.to::<u64>());
                    if let Some(slot) = ev.frozen_by.get_mut(usize::from(e.leg)) {
                        *slot = Some(FrozenEvidence { a, b, tx });
                    }
                    continue;
                } else if let Ok(e) = MultiProofFinality::Approved::decode_log(&l.log) {
                    let action = if e.leg == tribunal_contracts::leg::ZK { "zk" } else { "tee" };
                    (e.id.to::<u64>(), action, e.by)
                } else {
                    continue;
                };
                let tx = L1TxInfo {
                    action: action.into(),
                    by,
                    block: l.block_number,
                    tx: l.tx_hash,
                    gas: None,
                };
                // The latest transaction per action: anyone may replay an approval, and a claim's
                // record stays bounded.
                let txs = ev.txs.entry(id).or_default();
                txs.retain(|t| t.action != tx.action);
                txs.push(tx);
            }
            let posted = Inbox::BatchPosted::SIGNATURE_HASH;
            for l in self
                .l1
                .logs_where(self.inbox, posted, None, ev.next_block)
                .await
                .map_err(internal)?
            {
                if let Ok(e) = Inbox::BatchPosted::decode_log(&l.log) {
                    let tx = L1TxInfo {
                        action: "post".into(),
                        by: e.poster,
                        block: l.block_number,
                        tx: l.tx_hash,
                        gas: None,
                    };
                    ev.posts.insert(e.batchNumber, tx);
                }
            }
            ev.next_block = head + 1;
        }
        Ok(ev)
    }

    /// Serves the API on `addr` (port 0: any free port). Returns the bound address and the
    /// server's handle; the server stops when the handle is stopped or dropped with `stopped()`.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn serve(self, addr: SocketAddr) -> std::io::Result<(SocketAddr, ServerHandle)> {
        let server = Server::builder().build(addr).await?;
        let bound = server.local_addr()?;
        Ok((bound, server.start(self.into_rpc())))
    }

    fn with_head<T>(&self, f: impl FnOnce(&State) -> T) -> RpcResult<T> {
        match &self.sequencer {
            Some(s) => Ok(s.with_state(f)),
            None => Ok(f(&self.store.load_state().map_err(internal)?)),
        }
    }

    /// The L1 head's timestamp, in seconds: the "now" of the explorer's countdowns.
    ///
    /// # Errors
    /// L1 cannot be read.
    pub async fn l1_time(&self) -> RpcResult<u64> {
        Ok(self.l1.head().await.map_err(internal)?.timestamp)
    }

    /// Enclave signer `address` as the current TEE verifier registers it: `kind` `unknown` when
    /// the verifier does not register it (a replaced verifier's signer), or is not a
    /// `TeeVerifier` that answers `signers` (the council may install any implementation).
    async fn tee_signer(&self, address: Address) -> RpcResult<TeeSignerInfo> {
        let verifier = view(&*self.l1, self.finality, MultiProofFinality::teeVerifierCall {})
            .await
            .map_err(internal)?;
        let s = match view(&*self.l1, verifier, TeeVerifier::signersCall(address)).await {
            Ok(s) => s,
            Err(e @ tribunal_l1::L1Error::Transport(_)) => return Err(internal(e)),
            Err(_) => TeeVerifier::signersReturn {
                measurement: B256::ZERO,
                expiresAt: 0,
                revoked: false,
                kind: u8::MAX,
            },
        };
        let kind = match s.kind {
            _ if s.measurement == B256::ZERO && s.expiresAt == 0 => "unknown",
            0 => "devInsecure",
            1 => "sgx",
            2 => "tdx",
            _ => "unknown",
        };
        Ok(TeeSignerInfo {
            address,
            measurement: s.measurement,
            kind: kind.into(),
            expires_at: s.expiresAt,
            revoked: s.revoked,
        })
    }

    async fn is_final(&self, batch: u64) -> RpcResult<bool> {
        Ok(batch > 0 && self.final_claim(batch).await?.is_some())
    }
}

fn op_name(op: GameStatus) -> &'static str {
    match op {
        GameStatus::InProgress => "inProgress",
        GameStatus::ResolvedFor => "resolvedFor",
        GameStatus::ResolvedAgainst => "resolvedAgainst",
    }
}

/// The model's game status from the contract's `GameStatus` (0, 1, 2).
const fn game_status(op: u8) -> GameStatus {
    match op {
        1 => GameStatus::ResolvedFor,
        2 => GameStatus::ResolvedAgainst,
        _ => GameStatus::InProgress,
    }
}

/// The reference model's status of a claim, from `MultiProofFinality.statusOf`.
pub fn model_status(s: &MultiProofFinality::Status) -> ClaimStatus {
    let op = game_status(s.op);
    if s.isFinal {
        let path = match s.path {
            2 => FinalPath::Slow { with: Leg::Zk },
            3 => FinalPath::Slow { with: Leg::Tee },
            _ => FinalPath::Instant,
        };
        return ClaimStatus::Final { path, at: s.finalAt };
    }
    ClaimStatus::Pending {
        zk: s.zk,
        tee: s.tee,
        op,
        window_ends_at: s.windowEndsAt,
        parent_final: s.parentFinal,
        superseded: s.superseded,
    }
}

#[async_trait]
impl<L: L1 + 'static> TribunalApiServer for RpcApi<L> {
    async fn chain_info(&self) -> RpcResult<ChainInfo> {
        let config = *self.store.config();
        let latest = self.latest_final().await?;
        Ok(ChainInfo {
            l2_chain_id: config.chain_id.0,
            l1_chain_id: self.l1.chain_id().await.map_err(internal)?,
            inbox: self.inbox,
            finality: self.finality,
            game: self.game,
            account_depth: config.account_depth,
            withdrawal_depth: config.withdrawal_depth,
            head: self.store.head().map_err(internal)?.0,
            latest_final_batch: latest,
        })
    }

    async fn send_transaction(&self, tx: Bytes) -> RpcResult<B256> {
        let Some(sequencer) = &self.sequencer else {
            return Err(err(codes::NO_SEQUENCER, "this node does not run a sequencer"));
        };
        let tx = decode_tx_exact(&tx)
            .map_err(|e| err(codes::INVALID_PARAMS, format!("transaction does not decode: {e}")))?;
        let hash = crate::sequencer::tx_hash(&tx);
        if self.store.tx_location(hash).map_err(internal)?.is_some() {
            return Ok(hash);
        }
        // Checking the signature and committing to redb block: off the async workers, so that
        // reads keep being answered while submissions queue for the sequencer's lock.
        let sequencer = sequencer.clone();
        let submitted = tokio::task::spawn_blocking(move || sequencer.submit(tx))
            .await
            .map_err(|e| err(codes::INTERNAL, e.to_string()))?;
        submitted.map_err(|e| match e {
            SubmitError::L1Only(_) | SubmitError::Invalid(_) => {
                err(codes::TX_REJECTED, e.to_string())
            }
            SubmitError::Full(_) | SubmitError::SenderFull { .. } => {
                err(codes::MEMPOOL_FULL, e.to_string())
            }
            SubmitError::Store(e) => internal(e),
        })
    }

    async fn get_transaction(&self, hash: B256) -> RpcResult<Option<TxStatus>> {
        Ok(match self.store.tx_location(hash).map_err(internal)? {
            None => None,
            Some(TxLocation::Pending) => Some(TxStatus::Pending),
            Some(TxLocation::Dropped) => Some(TxStatus::Dropped),
            Some(TxLocation::Sealed { batch, position }) => Some(TxStatus::Sealed {
                batch: batch.0,
                position,
                is_final: self.is_final(batch.0).await?,
            }),
        })
    }

    async fn get_account(&self, index: u32) -> RpcResult<AccountInfo> {
        let depth = self.store.config().account_depth;
        if depth < 32 && index >> depth != 0 {
            return Err(err(
                codes::INVALID_PARAMS,
                format!("account index {index} is outside a tree of depth {depth}"),
            ));
        }
        let index = tribunal_primitives::AccountIndex(index);
        let (account, siblings, batch, root) = self.with_head(|s| {
            let (a, sib) = s.account_proof(index);
            (a, sib, s.head().0, s.root())
        })?;
        // Read only when the sequencer counts pending transactions of this account (O(1)), or
        // when no sequencer runs here (what an earlier run left in the store).
        let read_mempool = self.sequencer.as_ref().is_none_or(|s| s.pending_of(index) > 0);
        let mine: Vec<Bytes> = if read_mempool {
            let txs = self.store.mempool_of(index).map_err(internal)?;
            txs.iter()
                .map(|t| {
                    let mut b = Vec::new();
                    encode_tx(t, &mut b);
                    Bytes::from(b)
                })
                .collect()
        } else {
            Vec::new()
        };
        let pending = match &self.sequencer {
            Some(s) => s.pending_of(index) as u64,
            None => mine.len() as u64,
        };
        let mut withdrawals = Vec::new();
        let mut leaves = BTreeMap::new();
        // Batches finalize in order: one read says which of them are final.
        let latest_final = self.latest_final().await?;
        for (batch, leaf) in
            self.store.withdrawals_of(index, ACCOUNT_WITHDRAWALS).map_err(internal)?
        {
            let all = match leaves.entry(batch.0) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(self.store.withdrawals(batch).map_err(internal)?.unwrap_or_default())
                }
            };
            if let Some(w) = all.iter().find(|w| w.index == leaf) {
                withdrawals.push(AccountWithdrawal {
                    batch: batch.0,
                    index: leaf,
                    to: w.to,
                    amount: U256::from(w.amount.0),
                    is_final: batch.0 <= latest_final,
                });
            }
        }
        let nonce = account.map_or(0, |a| a.nonce);
        Ok(AccountInfo {
            index: index.0,
            pubkey: account.map(|a| B256::from(a.pubkey.to_bytes())),
            balance: U256::from(account.map_or(0, |a| a.balance.0)),
            nonce,
            pending_nonce: nonce + pending,
            batch,
            state_root: fr_to_word(&root.0),
            siblings: siblings.iter().map(fr_to_word).collect(),
            pending: mine,
            withdrawals,
        })
    }

    async fn get_batch(&self, number: u64) -> RpcResult<Option<BatchInfo>> {
        let n = BatchNumber(number);
        let (Some(batch), Some(record)) =
            (self.store.batch(n).map_err(internal)?, self.store.batch_record(n).map_err(internal)?)
        else {
            return Ok(None);
        };
        let posted = tribunal_dispute::batches::posted(&*self.l1, self.inbox, number)
            .await
            .map_err(internal)?;
        let (posted_at, blob_hashes) =
            posted.map(|b| (b.posted_at, b.blob_hashes)).unwrap_or_default();
        let (claims, post_tx) = {
            let ev = self.events().await?;
            (ev.claims.get(&number).cloned().unwrap_or_default(), ev.posts.get(&number).cloned())
        };
        let post_tx = match post_tx {
            Some(mut t) => {
                t.gas = self.store.gas_of(t.block, t.tx).map_err(internal)?;
                Some(t)
            }
            None => None,
        };
        let final_claim = self.final_claim(number).await?;
        Ok(Some(BatchInfo {
            number,
            txs: batch
                .txs
                .iter()
                .map(|t| {
                    let mut b = Vec::new();
                    encode_tx(t, &mut b);
                    Bytes::from(b)
                })
                .collect(),
            parent_root: fr_to_word(&record.parent_root.0),
            post_root: fr_to_word(&record.post_root.0),
            withdrawal_root: fr_to_word(&record.withdrawal_root.0),
            data_commitment: fr_to_word(&record.data_commitment.0),
            queue_consumed: record.queue_consumed,
            blob_hashes,
            posted_at,
            claims,
            skipped: self.store.skipped(n).map_err(internal)?.map(|s| {
                s.into_iter().map(|(position, reason)| SkippedTx { position, reason }).collect()
            }),
            final_claim,
            post_tx,
            payload_bytes: batch.encode().len() as u64,
        }))
    }

    async fn get_blobs(&self, number: u64) -> RpcResult<Option<Vec<Bytes>>> {
        let Some(batch) = self.store.batch(BatchNumber(number)).map_err(internal)? else {
            return Ok(None);
        };
        let blobs = tribunal_da::encode_blobs(&batch.encode()).map_err(internal)?;
        Ok(Some(blobs.iter().map(|b| Bytes::copy_from_slice(b.as_slice())).collect()))
    }

    async fn get_claim(&self, id: u64) -> RpcResult<ClaimInfo> {
        let count = view(&*self.l1, self.finality, MultiProofFinality::claimCountCall {})
            .await
            .map_err(internal)?;
        if U256::from(id) >= count {
            return Err(err(codes::NOT_FOUND, format!("no claim {id}: {count} proposed")));
        }
        let uid = U256::from(id);
        // The log, not `proposerOf`: a claim settled alone has no bond, and no stored proposer.
        let MultiProofFinality::ClaimProposed { claim, proposer, .. } =
            tribunal_dispute::claims::proposal(&*self.l1, self.finality, id)
                .await
                .map_err(internal)?
                .ok_or_else(|| internal(format!("no ClaimProposed log for claim {id}")))?;
        let status = view(&*self.l1, self.finality, MultiProofFinality::statusOfCall { _id: uid })
            .await
            .map_err(internal)?;
        let model = model_status(&status);
        let mut explanation = model.to_string();
        let mut final_block = None;
        let mut is_final = status.isFinal;
        if status.isFinal {
            match self.final_block(id).await? {
                Some((block, deep)) => {
                    final_block = Some(block);
                    explanation += &format!(" (L1 block {block})");
                    if !deep {
                        is_final = false;
                        explanation += &format!(
                            "; not yet {} blocks deep: not reported final",
                            self.final_depth
                        );
                    }
                }
                // Final at the head, and its event not read yet: not believed before it is.
                None if self.final_depth > 0 => {
                    is_final = false;
                    explanation += "; its finalization is not confirmed yet: not reported final";
                }
                None => {}
            }
        }
        let mut l1_txs = self.events().await?.txs.get(&id).cloned().unwrap_or_default();
        for t in &mut l1_txs {
            t.gas = self.store.gas_of(t.block, t.tx).map_err(internal)?;
        }
        let tee_signer = match l1_txs.iter().rev().find(|t| t.action == "tee") {
            Some(t) => Some(self.tee_signer(t.by).await?),
            None => None,
        };
        Ok(ClaimInfo {
            id,
            batch: claim.batchNumber,
            proposer,
            parent_root: claim.parentRoot,
            post_root: claim.postRoot,
            withdrawal_root: claim.withdrawalRoot,
            is_final,
            zk: status.zk,
            tee: status.tee,
            op: op_name(game_status(status.op)).into(),
            window_ends_at: status.windowEndsAt,
            final_at: status.finalAt,
            final_block,
            explanation,
            tee_signer,
            l1_txs,
            zk_prover: match &self.pace {
                // The ZK worker's cursor: the next claim it takes, persisted as it moves.
                Some(_) if !status.zk && !status.isFinal => {
                    let next = self.store.cursor("zk").map_err(internal)?;
                    Some(
                        match id {
                            i if i < next => "done",
                            i if i == next => "proving",
                            _ => "queued",
                        }
                        .to_string(),
                    )
                }
                _ => None,
            },
        })
    }

    async fn get_game(&self, claim: u64) -> RpcResult<GameInfo> {
        let count = view(&*self.l1, self.finality, MultiProofFinality::claimCountCall {})
            .await
            .map_err(internal)?;
        if U256::from(claim) >= count {
            return Err(err(codes::NOT_FOUND, format!("no claim {claim}: {count} proposed")));
        }
        // The current game: the council may have replaced the one the node was configured with.
        let current = view(&*self.l1, self.finality, MultiProofFinality::disputeGameCall {})
            .await
            .map_err(internal)?;
        if current == Address::ZERO {
            return Err(err(codes::NOT_FOUND, "this deployment has no dispute game"));
        }
        game::read(&*self.l1, current, claim).await.map_err(internal)
    }

    async fn get_withdrawal_proof(&self, batch: u64, index: u64) -> RpcResult<WithdrawalProof> {
        let n = BatchNumber(batch);
        let Some(leaves) = self.store.withdrawals(n).map_err(internal)? else {
            return Err(err(codes::NOT_FOUND, format!("batch {batch} is not sealed here")));
        };
        let Some(w) = leaves.iter().find(|w| w.index == index) else {
            return Err(err(codes::NOT_FOUND, format!("batch {batch} has no withdrawal {index}")));
        };
        let (is_final, root) = view(
            &*self.l1,
            self.finality,
            MultiProofFinality::finalWithdrawalRootCall { _batchNumber: batch },
        )
        .await
        .map(|r| (r.isFinal, r.withdrawalRoot))
        .map_err(internal)?;
        if !is_final || self.final_claim(batch).await?.is_none() {
            return Err(err(
                codes::NOT_FINAL,
                format!("batch {batch} is not final on L1: its withdrawals cannot be claimed yet"),
            ));
        }
        let depth = self.store.config().withdrawal_depth;
        let tree = WithdrawalTree::from_leaves(depth, leaves.iter().map(|l| (l.index, l.leaf())))
            .map_err(internal)?;
        if fr_to_word(&tree.root()) != root {
            return Err(internal(format!(
                "batch {batch}: the stored withdrawals do not give the final withdrawal root"
            )));
        }
        let claimed = view(
            &*self.l1,
            self.inbox,
            Inbox::isClaimedCall { _batchNumber: batch, _index: index },
        )
        .await
        .map_err(internal)?;
        Ok(WithdrawalProof {
            batch,
            index,
            to: w.to,
            amount: U256::from(w.amount.0),
            withdrawal_root: root,
            siblings: tree
                .siblings(index)
                .iter()
                .map(|s| U256::from_be_bytes(fr_to_be_bytes(s)))
                .collect(),
            claimed,
        })
    }

    async fn get_safety(&self) -> RpcResult<SafetyInfo> {
        let (l1, f) = (&*self.l1, self.finality);
        let council = view(l1, f, MultiProofFinality::COUNCILCall {}).await.map_err(internal)?;
        let expiry_secs =
            view(l1, council, SecurityCouncil::EXPIRY_SECONDSCall {}).await.map_err(internal)?;
        let config = crate::deploy::read_stage_config(l1, f).await.map_err(internal)?;
        let grade = tribunal_finality::stage::grade(&config);
        let mut actions: Vec<CouncilAction> = Vec::new();
        for l in l1.logs(council, 0).await.map_err(internal)? {
            if let Ok(e) = SecurityCouncil::ActionSubmitted::decode_log(&l.log) {
                let leg = ["zk", "tee", "op", "council"].get(usize::from(e.leg)).unwrap_or(&"?");
                actions.push(CouncilAction {
                    id: e.id.to::<u64>(),
                    target: e.target,
                    leg: (*leg).to_string(),
                    eta: e.eta,
                    expires_at: e.eta + expiry_secs,
                    state: "queued".into(),
                });
            } else if let Ok(e) = SecurityCouncil::ActionExecuted::decode_log(&l.log) {
                let id = e.id.to::<u64>();
                actions.iter_mut().filter(|a| a.id == id).for_each(|a| a.state = "executed".into());
            } else if let Ok(e) = SecurityCouncil::ActionCancelled::decode_log(&l.log) {
                let id = e.id.to::<u64>();
                actions
                    .iter_mut()
                    .filter(|a| a.id == id)
                    .for_each(|a| a.state = "cancelled".into());
            }
        }
        actions.reverse();
        let mut frozen = [false; 3];
        for (leg, frozen) in frozen.iter_mut().enumerate() {
            let call = MultiProofFinality::frozenCall(U256::from(leg));
            *frozen = view(l1, f, call).await.map_err(internal)?;
        }
        let frozen_by = self.events().await?.frozen_by.clone();
        Ok(SafetyInfo {
            frozen_by,
            l1_time: l1.head().await.map_err(internal)?.timestamp,
            council,
            members: view(l1, council, SecurityCouncil::getMembersCall {})
                .await
                .map_err(internal)?,
            threshold: config.council_threshold,
            upgrade_delay_secs: config.upgrade_delay_secs,
            expiry_secs,
            actions,
            verifiers: [
                view(l1, f, MultiProofFinality::zkVerifierCall {}).await.map_err(internal)?,
                view(l1, f, MultiProofFinality::teeVerifierCall {}).await.map_err(internal)?,
                view(l1, f, MultiProofFinality::disputeGameCall {}).await.map_err(internal)?,
            ],
            frozen,
            liveness_failed: view(l1, f, MultiProofFinality::livenessFailedCall {})
                .await
                .map_err(internal)?,
            liveness_used: view(l1, f, MultiProofFinality::livenessUsedCall {})
                .await
                .map_err(internal)?,
            stage: grade.stage,
            requirements: grade
                .requirements
                .into_iter()
                .map(|r| StageRequirement {
                    stage: r.stage,
                    name: r.name.to_string(),
                    met: r.met,
                    reason: r.reason,
                })
                .collect(),
        })
    }
}
