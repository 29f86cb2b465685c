//! Execution traces and one-step witnesses: what both players of the dispute game compute from
//! the STF.
//!
//! A batch of `n` transactions has the trace `T_0 ..= T_n`. `T_k` is a [`TraceState`]: the account
//! root, the L1 queue accumulator, the withdrawal-tree root and the data-commitment accumulator
//! after the first `k` transactions. `T_0` is fixed by the claim and the batch header, `T_n` by the
//! claim: the game bisects between them to one transaction, which `StfStep` executes on chain.
//!
//! A batch's transactions are its `m` L1 messages (the `Inbox` range, read from the queue), then
//! its blob records. The blob layout ([`tribunal_da::blob`]): element 0 holds the payload length,
//! element 1 the batch header chunk, and record `j` (transaction `m + j`) is elements
//! `2 + 4j ..= 5 + 4j` (counted across the batch's blobs). The blobs are read as every leg reads
//! them ([`tribunal_da::read_batch`]): any bytes give a trace, so a claim is wrong only when its
//! `T_n` is not the trace's ([`Verdict`]).

use alloy_eips::eip4844::Blob;
use alloy_primitives::{B256, U256, keccak256};
use tribunal_da::blob::{read_batch, read_header, record_bytes};
use tribunal_primitives::{
    AccountIndex, Batch, Claim, Fr, Tx,
    batch::{BATCH_VERSION, RECORD_BYTES, chunk_to_fr},
    eip2494::unpack_point,
    field::fr_to_be_bytes,
    poseidon::hash,
    queue::message_hash,
};
use tribunal_stf::{
    Account, State, StfError, TxStatus, WithdrawalTree, execute_batch, tree::empty_subtree_roots,
};

/// One point of a batch's execution trace (`StfStep.TraceState`); every field is a BN254 scalar.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TraceState {
    /// Account-tree root.
    pub state_root: Fr,
    /// L1 message queue accumulator.
    pub queue_acc: Fr,
    /// Root of the batch's withdrawal tree so far.
    pub withdrawal_root: Fr,
    /// Data commitment accumulator over the records so far.
    pub data_acc: Fr,
}

impl TraceState {
    /// `StfStep.traceHash`: keccak256 of the four fields as big-endian words.
    pub fn hash(&self) -> B256 {
        let mut bytes = [0u8; 128];
        for (i, x) in [self.state_root, self.queue_acc, self.withdrawal_root, self.data_acc]
            .iter()
            .enumerate()
        {
            bytes[32 * i..32 * i + 32].copy_from_slice(&fr_to_be_bytes(x));
        }
        keccak256(bytes)
    }

    /// `T_n` as the claim states it.
    pub const fn claimed_end(claim: &Claim) -> Self {
        Self {
            state_root: claim.post_root.0,
            queue_acc: claim.queue_after.0,
            withdrawal_root: claim.withdrawal_root.0,
            data_acc: claim.data_commitment.0,
        }
    }
}

/// Whether a claim is right, as the game proves it. Every posted batch has exactly one trace
/// (the STF is total), so a claim is wrong only by its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The claim's trace end is the batch's: the claim is right.
    Right,
    /// The trace ends elsewhere than the claim says.
    WrongEnd,
}

impl Verdict {
    /// Whether the claim is right.
    pub const fn is_right(&self) -> bool {
        matches!(self, Self::Right)
    }
}

/// A batch's execution trace from a claim's parent state, with what is needed to build any step.
#[derive(Clone, Debug)]
pub struct Trace {
    /// `T_0 ..= T_n`.
    pub states: Vec<TraceState>,
    /// The batch's transactions: the messages, then the records (undecodable ones included).
    pub txs: Vec<Tx>,
    /// The verdict on the claim.
    pub verdict: Verdict,
    /// Number of L1 messages: transactions `0..messages` come from the queue.
    pub messages: usize,
    /// Number of transactions `n`: messages and records.
    pub tx_count: usize,
    parent: State,
    batch_number: u64,
}

/// Why a trace cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The parent state is not the claim's parent.
    #[error("the parent state's root is not the claim's parent root")]
    WrongParent,
    /// No blobs.
    #[error("the batch has no blobs")]
    NoBlobs,
    /// The STF failed otherwise than by refusing a transaction.
    #[error(transparent)]
    Stf(#[from] StfError),
}

/// `h_0` of the data commitment: the header chunk of batch `claim.batch_number` with `records`
/// records (the header the blob holds when it decodes, that of an empty batch otherwise).
fn batch_header_chunk(claim: &Claim, records: usize) -> Fr {
    let mut header = vec![BATCH_VERSION];
    header.extend_from_slice(&claim.chain_id.0.to_be_bytes());
    header.extend_from_slice(&claim.batch_number.0.to_be_bytes());
    header.extend_from_slice(&(records as u32).to_be_bytes());
    chunk_to_fr(&header)
}

/// Record `j`'s four chunks, as field elements of the data commitment.
fn record_chunks(blobs: &[Blob], j: usize) -> [Fr; 4] {
    let record = record_bytes(blobs, j);
    std::array::from_fn(|c| chunk_to_fr(&record[31 * c..31 * c + 31]))
}

/// An L1 message's four chunks, as `StfStep.queuePush` and `DisputeGame.stepMessage` take them.
pub fn message_chunks(tx: &Tx) -> [U256; 4] {
    let mut bytes = Vec::with_capacity(RECORD_BYTES);
    tribunal_primitives::batch::encode_tx(tx, &mut bytes);
    bytes.resize(RECORD_BYTES, 0);
    std::array::from_fn(|c| {
        let mut word = [0u8; 32];
        word[1..].copy_from_slice(&bytes[31 * c..31 * c + 31]);
        U256::from_be_bytes(word)
    })
}

impl Trace {
    /// The batch the claim is about.
    pub const fn batch_number(&self) -> u64 {
        self.batch_number
    }

    /// The L2 chain the batch is on.
    pub const fn chain_id(&self) -> tribunal_primitives::ChainId {
        self.parent.config().chain_id
    }

    /// Builds the trace of `claim`'s batch from its L1 `messages` (the `Inbox` range, in queue
    /// order; [`crate::queue::batch_messages`]) and `blobs`, executing on `parent` (the state
    /// after the previous batch, whose root must be the claim's parent root).
    ///
    /// # Errors
    /// [`TraceError`] when the parent is not the claim's, or there are no blobs.
    pub fn build(
        parent: &State,
        claim: &Claim,
        messages: &[Tx],
        blobs: &[Blob],
    ) -> Result<Self, TraceError> {
        if parent.root() != claim.parent_root {
            return Err(TraceError::WrongParent);
        }
        if blobs.is_empty() {
            return Err(TraceError::NoBlobs);
        }
        let records =
            read_header(blobs, messages.len(), claim.chain_id, claim.batch_number).unwrap_or(0);
        let batch = read_batch(blobs, messages, claim.chain_id, claim.batch_number);
        let m = messages.len();
        let mut state = parent.clone();
        let output = execute_batch(&mut state, &batch)?;
        let mut trace = Self {
            states: Vec::new(),
            txs: batch.txs,
            verdict: Verdict::WrongEnd,
            messages: m,
            tx_count: m + records,
            parent: parent.clone(),
            batch_number: claim.batch_number.0,
        };

        let config = *parent.config();
        let mut wtree = WithdrawalTree::new(config.withdrawal_depth)?;
        let mut t = TraceState {
            state_root: claim.parent_root.0,
            queue_acc: claim.queue_before.0,
            withdrawal_root: wtree.root(),
            data_acc: batch_header_chunk(claim, records),
        };
        trace.states.push(t);
        for (k, receipt) in output.receipts.iter().enumerate() {
            let tx = &trace.txs[k];
            debug_assert!(k < trace.txs.len());
            t.state_root = receipt.post_root.0;
            if let Some(h) = message_hash(tx) {
                t.queue_acc = hash([t.queue_acc, h]);
            }
            if receipt.status == TxStatus::Applied
                && let Some(w) = output.withdrawals.iter().find(|w| w.index == k as u64)
            {
                wtree.update(&[(w.index, w.withdrawal.leaf())]);
                t.withdrawal_root = wtree.root();
            }
            if k >= m {
                let [c0, c1, c2, c3] = record_chunks(blobs, k - m);
                t.data_acc = hash([t.data_acc, c0, c1, c2, c3]);
            }
            trace.states.push(t);
        }
        if t == TraceState::claimed_end(claim) {
            trace.verdict = Verdict::Right;
        }
        Ok(trace)
    }

    /// `T_k`, when the trace reaches `k`.
    pub fn at(&self, k: usize) -> Option<&TraceState> {
        self.states.get(k)
    }

    /// The witness of the step over transaction `k` (`k < tx_count`, and `k` inside the trace or
    /// the refused transaction).
    ///
    /// # Errors
    /// [`TraceError::Stf`] when the prefix cannot be re-executed (never for a built trace).
    ///
    /// # Panics
    /// When `k` is past the trace.
    pub fn step_witness(&self, k: usize) -> Result<StepWitness, TraceError> {
        let pre = self.states[k];
        let mut state = self.parent.clone();
        let mut withdrawals = Vec::new();
        if k > 0 {
            let prefix = Batch {
                chain_id: self.parent.config().chain_id,
                number: tribunal_primitives::BatchNumber(self.batch_number),
                txs: self.txs[..k].to_vec(),
            };
            let out = execute_batch(&mut state, &prefix)?;
            withdrawals = out.withdrawals.iter().map(|w| (w.index, w.withdrawal.leaf())).collect();
        }
        let config = *state.config();
        let proof = |i: AccountIndex| {
            if u64::from(i.0) >> config.account_depth != 0 {
                return AccountLeaf::default();
            }
            let (account, siblings) = state.account_proof(i);
            AccountLeaf { account, siblings }
        };
        let mut w = StepWitness { pre, ..StepWitness::default() };
        let Some(tx) = self.txs.get(k) else { return Ok(w) };
        let signature_hint = |sig: &[u8; 64]| {
            unpack_point(sig[..32].try_into().expect("32 bytes")).map_or(Fr::from(0u64), |p| p.x)
        };
        match tx {
            Tx::Transfer(t) | Tx::ForcedTransfer(t) => {
                w.sender = proof(t.body.from);
                w.recipient = proof(t.body.to);
                w.point_hint = signature_hint(&t.signature);
            }
            Tx::Withdraw(t) | Tx::ForcedWithdraw(t) => {
                w.sender = proof(t.body.from);
                w.point_hint = signature_hint(&t.signature);
                if (k as u64) >> config.withdrawal_depth == 0 {
                    let mut wtree = WithdrawalTree::new(config.withdrawal_depth)?;
                    wtree.update(&withdrawals);
                    w.withdrawal_siblings = wtree.siblings(k as u64);
                }
            }
            Tx::Deposit(d) => {
                w.recipient = proof(d.to);
                w.point_hint = unpack_point(&d.pubkey).map_or(Fr::from(0u64), |p| p.x);
            }
            // Skipped before any witness is read.
            Tx::Undecodable(_) => {}
        }
        Ok(w)
    }
}

/// An account leaf (or an empty one) with its siblings in the 4-ary account tree, leaf level
/// first, three per level (`StfStep.AccountWitness`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountLeaf {
    /// The account (`None`: empty leaf).
    pub account: Option<Account>,
    /// Siblings against the pre-state root (empty when the index is outside the tree).
    pub siblings: Vec<Fr>,
}

/// Everything `StfStep.step` needs besides the record (`StfStep.StepWitness`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepWitness {
    /// The agreed state before the transaction.
    pub pre: TraceState,
    /// The signer of a transfer or withdrawal.
    pub sender: AccountLeaf,
    /// The credited account of a transfer or deposit.
    pub recipient: AccountLeaf,
    /// Siblings of the withdrawal leaf at the transaction's position.
    pub withdrawal_siblings: Vec<Fr>,
    /// x of the signature's R8, or of the deposited key (0 when it does not decompress).
    pub point_hint: Fr,
}

/// The root of the empty withdrawal tree of `depth` (`StfStep.EMPTY_WITHDRAWAL_ROOT`).
pub fn empty_withdrawal_root(depth: u8) -> Fr {
    empty_subtree_roots::<2>(depth)[depth as usize]
}
