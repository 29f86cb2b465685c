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
//! `2 + 4j ..= 5 + 4j` (counted across the batch's blobs). A claim is wrong when its data does not decode (a record included) or when its
//! `T_n` is not the trace's; a transaction that fails a rule is skipped, never a refusal; [`Verdict`] says which, and where the game proves it.

use alloy_eips::eip4844::Blob;
use alloy_primitives::{B256, U256, keccak256};
use tribunal_da::blob::{BYTES_PER_FIELD_ELEMENT, FIELD_ELEMENTS};
use tribunal_primitives::{
    AccountIndex, Batch, Claim, Fr, Tx,
    batch::{BATCH_VERSION, RECORD_BYTES, chunk_to_fr, decode_record},
    eip2494::unpack_point,
    field::fr_to_be_bytes,
    poseidon::hash,
    queue::message_hash,
};
use tribunal_stf::{
    Account, SparseMerkleTree, State, StfError, TxStatus, execute_batch, tree::empty_subtree_roots,
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

/// The batch's blob field elements, indexed across blobs.
#[derive(Clone, Copy, Debug)]
pub struct Elements<'a>(pub &'a [Blob]);

impl Elements<'_> {
    /// Number of elements.
    pub const fn len(&self) -> usize {
        self.0.len() * FIELD_ELEMENTS
    }

    /// Whether there are no blobs.
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Element `g` as 32 big-endian bytes.
    ///
    /// # Panics
    /// When `g >= self.len()`.
    pub fn bytes(&self, g: usize) -> [u8; 32] {
        let blob = &self.0[g / FIELD_ELEMENTS];
        let i = g % FIELD_ELEMENTS;
        blob.0[32 * i..32 * i + 32].try_into().expect("32 bytes")
    }

    /// Element `g` as an integer.
    pub fn value(&self, g: usize) -> U256 {
        U256::from_be_bytes(self.bytes(g))
    }
}

/// Where a claim over some blobs goes wrong, as the game proves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The claim's trace end is the batch's: the claim is right.
    Right,
    /// The length or batch header does not decode, or names another chain or batch: the game's
    /// first challenge wins on opening.
    BadHeader,
    /// Element `g` has its top byte set, or is non-zero after the last record
    /// (`DisputeGame.proveBadElement`).
    BadElement(usize),
    /// Record `k` does not decode. The step at `k` proves it.
    Refused(usize),
    /// The batch executes, and the trace ends elsewhere than the claim says.
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
    /// `T_0 ..= T_m`: `m = n` for an executable batch, `m = k` when refused at `k`.
    pub states: Vec<TraceState>,
    /// The transactions decoded: the messages, then the records (all of them, or those up to a
    /// refused one).
    pub txs: Vec<Tx>,
    /// The verdict on the claim.
    pub verdict: Verdict,
    /// Number of L1 messages: transactions `0..messages` come from the queue.
    pub messages: usize,
    /// Number of transactions, messages and records (0 when the header does not decode).
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

/// The header's transaction count, or `None` when elements 0 and 1 cannot start a decodable batch
/// of `claim` (`DisputeGame._readHeader`, rule for rule).
pub fn read_header(elements: Elements<'_>, claim: &Claim) -> Option<usize> {
    let length_word = elements.bytes(0);
    let header = elements.bytes(1);
    if length_word[0] != 0 || length_word[9..].iter().any(|&b| b != 0) {
        return None;
    }
    let length = u64::from_be_bytes(length_word[1..9].try_into().expect("8 bytes"));
    let available = ((elements.len() - 1) * BYTES_PER_FIELD_ELEMENT) as u64;
    if length == 0 || length > available {
        return None;
    }
    // 0x00 ‖ version ‖ chain:u64 ‖ number:u64 ‖ count:u32 ‖ 0^10
    if header[0] != 0 || header[22..].iter().any(|&b| b != 0) {
        return None;
    }
    let chain = u64::from_be_bytes(header[2..10].try_into().expect("8 bytes"));
    let number = u64::from_be_bytes(header[10..18].try_into().expect("8 bytes"));
    let count = u32::from_be_bytes(header[18..22].try_into().expect("4 bytes"));
    if header[1] != BATCH_VERSION
        || chain != claim.chain_id.0
        || number != claim.batch_number.0
        || length != (BYTES_PER_FIELD_ELEMENT + RECORD_BYTES * count as usize) as u64
    {
        return None;
    }
    Some(count as usize)
}

/// The first element no decodable batch with `tx_count` transactions has: a top byte set, or a
/// non-zero element after the last record.
pub fn first_bad_element(elements: Elements<'_>, tx_count: usize) -> Option<usize> {
    let end = 1 + 4 * tx_count;
    (0..elements.len()).find(|&g| {
        let b = elements.bytes(g);
        b[0] != 0 || (g > end && b.iter().any(|&x| x != 0))
    })
}

/// Record `j`'s four chunks, as field elements of the data commitment.
fn record_chunks(elements: Elements<'_>, j: usize) -> [Fr; 4] {
    std::array::from_fn(|c| chunk_to_fr(&elements.bytes(2 + 4 * j + c)[1..]))
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
        let elements = Elements(blobs);
        let mut trace = Self {
            states: Vec::new(),
            txs: Vec::new(),
            verdict: Verdict::BadHeader,
            messages: messages.len(),
            tx_count: 0,
            parent: parent.clone(),
            batch_number: claim.batch_number.0,
        };
        let Some(records) = read_header(elements, claim) else { return Ok(trace) };
        let m = messages.len();
        trace.tx_count = m + records;
        if let Some(g) = first_bad_element(elements, records) {
            trace.verdict = Verdict::BadElement(g);
            return Ok(trace);
        }
        // Records decode one at a time; the first that does not is where the STF refuses.
        trace.txs.extend_from_slice(messages);
        let mut refused_at = None;
        for j in 0..records {
            let mut record = [0u8; RECORD_BYTES];
            for c in 0..4 {
                record[31 * c..31 * c + 31].copy_from_slice(&elements.bytes(2 + 4 * j + c)[1..]);
            }
            match decode_record(&record, j) {
                Ok(tx) => trace.txs.push(tx),
                Err(_) => {
                    refused_at = Some(m + j);
                    break;
                }
            }
        }
        let mut state = parent.clone();
        let batch = Batch { chain_id: claim.chain_id, number: claim.batch_number, txs: trace.txs };
        let output = execute_batch(&mut state, &batch)?;
        trace.txs = batch.txs;
        if let Some(k) = refused_at {
            // Keep the refused transaction: its step needs it.
            trace.txs.truncate(k + 1);
        }

        let config = *parent.config();
        let mut wtree = SparseMerkleTree::new(config.withdrawal_depth)?;
        let mut t = TraceState {
            state_root: claim.parent_root.0,
            queue_acc: claim.queue_before.0,
            withdrawal_root: wtree.root(),
            data_acc: chunk_to_fr(&elements.bytes(1)[1..]),
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
                let [c0, c1, c2, c3] = record_chunks(elements, k - m);
                t.data_acc = hash([t.data_acc, c0, c1, c2, c3]);
            }
            trace.states.push(t);
        }
        trace.verdict = match refused_at {
            Some(k) => Verdict::Refused(k),
            None if t == TraceState::claimed_end(claim) => Verdict::Right,
            None => Verdict::WrongEnd,
        };
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
        let Some(tx) = self.txs.get(k) else {
            // An undecodable record: the step refuses before reading any witness.
            return Ok(w);
        };
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
                    let mut wtree = SparseMerkleTree::new(config.withdrawal_depth)?;
                    wtree.update(&withdrawals);
                    w.withdrawal_siblings = wtree.siblings(k as u64);
                }
            }
            Tx::Deposit(d) => {
                w.recipient = proof(d.to);
                w.point_hint = unpack_point(&d.pubkey).map_or(Fr::from(0u64), |p| p.x);
            }
        }
        Ok(w)
    }
}

/// An account leaf (or an empty one) with its siblings, leaf-first (`StfStep.AccountWitness`).
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
    empty_subtree_roots(depth)[depth as usize]
}
