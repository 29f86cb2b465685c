//! `execute_batch`: the one state transition every proof leg consumes.
//!
//! Rules, in order of evaluation:
//! - the batch must name the state's chain and the next batch number;
//! - each transaction is checked against the state left by the ones before it:
//!   range of indices, accounts exist, signature, nonce, balance, overflow;
//! - a transaction that fails a rule is **skipped and recorded** ([`TxStatus::Skipped`]), whoever
//!   brought it: the sequencer (`Transfer`, `Withdraw`) or the L1 queue (`Deposit`,
//!   `ForcedTransfer`, `ForcedWithdraw`). Its intermediate root equals the previous one. A
//!   transaction is never a reason to refuse the batch: every posted batch has exactly one post
//!   state, so no poster (the sequencer, or anyone once forced inclusion is due) can halt
//!   finality with one bad transaction. Honest sequencers still leave failing transactions out
//!   ([`check_batch`]); a skip only wastes the poster's blob space.
//!
//! The output carries every intermediate root and the Merkle witnesses that the ZK circuit, the
//! TEE re-execution and the dispute game's one-step proof are built from.

use hashbrown::HashMap;
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, ChainId, DataCommitment, Fr, PublicKey, QueueAcc, Signed,
    StateRoot, Tx, Withdraw, WithdrawalRoot,
    error::SignatureError,
    queue::message_hash,
    tx::{SignedBody, Transfer},
};

use crate::{
    error::{StfError, StfResult, TxError},
    state::{Account, State},
    tree::{WithdrawalTree, versions::Versions},
};

/// An account's leaf before and after a transaction, with the siblings that prove it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccountWitness {
    /// The account's index.
    pub index: AccountIndex,
    /// The account before the transaction (`None`: empty leaf).
    pub before: Option<Account>,
    /// The account after the transaction (equal to `before` when skipped).
    pub after: Option<Account>,
    /// Siblings, leaf level first, three per level of the 4-ary account tree
    /// ([`crate::tree::sibling_count`]).
    pub siblings: Vec<Fr>,
}

/// The Merkle witnesses of one transaction.
///
/// For a transfer, `sender.siblings` prove `sender.before` against the root before the
/// transaction; `recipient.siblings` prove `recipient.before` against the root after the sender's
/// leaf alone is updated, and `recipient.after` against the root after the transaction.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TxWitness {
    /// The debited (signing) account: transfers and withdrawals.
    pub sender: Option<AccountWitness>,
    /// The credited account: transfers and deposits.
    pub recipient: Option<AccountWitness>,
    /// Position of the emitted withdrawal leaf in the batch's withdrawal tree: the transaction's
    /// position in the batch.
    pub withdrawal_index: Option<u64>,
}

/// Whether a transaction changed state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TxStatus {
    /// Applied.
    Applied,
    /// A transaction that failed a rule: skipped, recorded, state unchanged.
    Skipped(TxError),
}

/// What one transaction did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TxReceipt {
    /// Applied or skipped.
    pub status: TxStatus,
    /// State root after this transaction.
    pub post_root: StateRoot,
    /// Merkle witnesses.
    pub witness: TxWitness,
}

/// A withdrawal emitted by a batch, claimable on L1 once the batch is final.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WithdrawalLeaf {
    /// Position in the withdrawal tree.
    pub index: u64,
    /// The withdrawal.
    pub withdrawal: Withdraw,
}

/// The result of executing a batch.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BatchOutput {
    /// The batch executed.
    pub batch_number: BatchNumber,
    /// Root before the batch.
    pub parent_root: StateRoot,
    /// Root after the batch.
    pub post_root: StateRoot,
    /// Root of the batch's withdrawal tree (depth `withdrawal_depth`): leaf `i` is
    /// [`Withdraw::leaf`] of the withdrawal at transaction position `i`, other leaves 0. Placing
    /// a leaf at its transaction's position lets the ZK circuit build the tree without compacting.
    pub withdrawal_root: WithdrawalRoot,
    /// Commitment to the batch's canonical encoding.
    pub data_commitment: DataCommitment,
    /// L1 message queue accumulator before the batch's L1 transactions
    /// ([`tribunal_primitives::queue`]).
    pub queue_before: QueueAcc,
    /// Accumulator after them: every deposit and forced transaction of the batch, applied or
    /// skipped, in order.
    pub queue_after: QueueAcc,
    /// Number of L1 messages consumed from the queue through this batch (the `Inbox`'s
    /// `queueEnd`).
    pub queue_consumed: u64,
    /// One receipt per transaction, in order.
    pub receipts: Vec<TxReceipt>,
    /// The withdrawals emitted, in order.
    pub withdrawals: Vec<WithdrawalLeaf>,
}

impl BatchOutput {
    /// Indices of the accounts the batch changed, sorted, without duplicates.
    pub fn touched_accounts(&self) -> Vec<AccountIndex> {
        let mut v: Vec<AccountIndex> = self
            .receipts
            .iter()
            .filter(|r| r.status == TxStatus::Applied)
            .flat_map(|r| [r.witness.sender.as_ref(), r.witness.recipient.as_ref()])
            .flatten()
            .map(|w| w.index)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The transactions that were skipped, with their position and reason.
    pub fn skipped(&self) -> impl Iterator<Item = (usize, TxError)> + '_ {
        self.receipts.iter().enumerate().filter_map(|(i, r)| match r.status {
            TxStatus::Skipped(e) => Some((i, e)),
            TxStatus::Applied => None,
        })
    }
}

/// Decodes and executes a batch: its L1 messages (the `Inbox` range it consumes, in queue order)
/// and its blob payload ([`execute_batch`]).
///
/// # Errors
/// [`StfError::Decode`] for malformed bytes, and everything [`execute_batch`] returns.
pub fn execute_encoded_batch(
    state: &mut State,
    bytes: &[u8],
    messages: &[Tx],
) -> StfResult<BatchOutput> {
    let batch = Batch::decode(bytes, messages)?;
    execute_batch(state, &batch)
}

/// Executes `batch` on `state`, atomically.
///
/// On success the state holds the post-state and `head` is `batch.number`; transactions that fail
/// a rule are skipped ([`TxStatus::Skipped`]). On error the state is exactly as before.
///
/// # Errors
/// [`StfError::WrongChain`] or [`StfError::WrongBatchNumber`] when the batch is not the state's
/// next batch; never because of a transaction.
pub fn execute_batch(state: &mut State, batch: &Batch) -> StfResult<BatchOutput> {
    if batch.chain_id != state.config.chain_id {
        return Err(StfError::WrongChain { got: batch.chain_id, expected: state.config.chain_id });
    }
    if batch.number.0 != state.head.0 + 1 {
        return Err(StfError::WrongBatchNumber { got: batch.number, head: state.head });
    }
    let signatures = verify_signatures(state, &batch.txs);
    let parent_root = state.root();

    // 1. The rules, in order, on the accounts alone; the tree is written afterwards.
    let steps = run_rules(state, &batch.txs, &signatures);
    state.commit();

    // 2. Leaves, then every intermediate tree version, level by level.
    let leaf_writes = |step: &Step| -> Vec<(u64, Fr)> {
        match step {
            Step::Applied { plan, .. } => plan
                .sender
                .iter()
                .chain(plan.recipient.iter())
                .map(|(i, a)| (u64::from(i.0), a.leaf()))
                .collect(),
            Step::Skipped { .. } => Vec::new(),
        }
    };
    #[cfg(feature = "parallel")]
    let writes: Vec<Vec<(u64, Fr)>> = {
        use rayon::prelude::*;
        steps.par_iter().map(leaf_writes).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let writes: Vec<Vec<(u64, Fr)>> = steps.iter().map(leaf_writes).collect();
    let versions = Versions::compute(&state.tree, &writes);

    // 3. Receipts: roots and witnesses read from the versions.
    let mut withdrawals = Vec::new();
    let receipts = steps
        .into_iter()
        .enumerate()
        .map(|(t, step)| {
            let before = (t as u32).checked_sub(1);
            let now = Some(t as u32);
            let witness = match step {
                Step::Applied { plan, sender_before, recipient_before } => {
                    // A withdrawal's leaf sits at its transaction's position in the batch.
                    let withdrawal_index = plan.withdrawal.map(|w| {
                        let index = t as u64;
                        withdrawals.push(WithdrawalLeaf { index, withdrawal: w });
                        index
                    });
                    TxWitness {
                        sender: plan.sender.map(|(index, after)| AccountWitness {
                            index,
                            before: sender_before,
                            after: Some(after),
                            siblings: versions.siblings(u64::from(index.0), before),
                        }),
                        // Siblings after the transaction are those against the sender-updated
                        // root: the recipient's own update does not touch its siblings.
                        recipient: plan.recipient.map(|(index, after)| AccountWitness {
                            index,
                            before: recipient_before,
                            after: Some(after),
                            siblings: versions.siblings(u64::from(index.0), now),
                        }),
                        withdrawal_index,
                    }
                }
                Step::Skipped { error, sender, recipient } => {
                    let unchanged =
                        |(index, account): (AccountIndex, Option<Account>)| AccountWitness {
                            index,
                            before: account,
                            after: account,
                            siblings: versions.siblings(u64::from(index.0), before),
                        };
                    let witness = TxWitness {
                        sender: sender.map(unchanged),
                        recipient: recipient.map(unchanged),
                        withdrawal_index: None,
                    };
                    return TxReceipt {
                        status: TxStatus::Skipped(error),
                        post_root: StateRoot(versions.root(t as u32)),
                        witness,
                    };
                }
            };
            TxReceipt {
                status: TxStatus::Applied,
                post_root: StateRoot(versions.root(t as u32)),
                witness,
            }
        })
        .collect();

    // 4. Keep the last version of every node.
    for (level, index, value) in versions.into_final() {
        state.tree.set_node(level, index, value);
    }
    state.head = batch.number;
    let queue_before = state.queue.0;
    state.queue = batch
        .txs
        .iter()
        .filter_map(message_hash)
        .fold(state.queue, |(acc, n), h| (acc.push(h), n + 1));

    let wtree = WithdrawalTree::from_leaves(
        state.config.withdrawal_depth,
        withdrawals.iter().map(|w| (w.index, w.withdrawal.leaf())),
    )?;
    Ok(BatchOutput {
        batch_number: batch.number,
        parent_root,
        post_root: state.root(),
        withdrawal_root: WithdrawalRoot(wtree.root()),
        data_commitment: DataCommitment(batch.data_commitment()),
        queue_before,
        queue_after: state.queue.0,
        queue_consumed: state.queue.1,
        receipts,
        withdrawals,
    })
}

/// What the rules decided for one transaction, with the account values it saw.
// Steps live only while a batch executes; boxing the larger variant would allocate per transaction.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Step {
    Applied {
        plan: Plan,
        sender_before: Option<Account>,
        recipient_before: Option<Account>,
    },
    Skipped {
        error: TxError,
        sender: Option<(AccountIndex, Option<Account>)>,
        recipient: Option<(AccountIndex, Option<Account>)>,
    },
}

/// Applies the rules to every transaction in order, updating accounts (not the tree) inside a
/// `State::begin` scope that the caller commits or rolls back.
fn run_rules(state: &mut State, txs: &[Tx], signatures: &[SigCheck]) -> Vec<Step> {
    let capacity = 1u64 << state.config.withdrawal_depth;
    let mut steps = Vec::with_capacity(txs.len());
    state.begin();
    for (index, tx) in txs.iter().enumerate() {
        match plan(state, tx, signatures[index], (index as u64) < capacity, capacity) {
            Ok(plan) => {
                let sender_before = plan.sender.and_then(|(i, _)| state.account(i).copied());
                let recipient_before = plan.recipient.and_then(|(i, _)| match plan.sender {
                    // A self-transfer's recipient starts from the debited sender.
                    Some((s, after)) if s == i => Some(after),
                    _ => state.account(i).copied(),
                });
                for &(i, after) in plan.sender.iter().chain(plan.recipient.iter()) {
                    state.set_account(i, after);
                }
                steps.push(Step::Applied { plan, sender_before, recipient_before });
            }
            Err(error) => {
                let (s, r) = involved(tx);
                let at = |i: AccountIndex| {
                    state
                        .tree
                        .check_index(u64::from(i.0))
                        .ok()
                        .map(|()| (i, state.account(i).copied()))
                };
                steps.push(Step::Skipped {
                    error,
                    sender: s.and_then(at),
                    recipient: r.and_then(at),
                });
            }
        }
    }
    steps
}

/// What [`execute_batch`] would decide for each transaction of `txs`, run as batch `number`
/// would run them, without changing `state`: `Ok(())` for applied, the [`TxError`] for skipped.
///
/// The sequencer uses it to leave out transactions that would only be skipped.
pub fn check_batch(state: &mut State, txs: &[Tx]) -> Vec<Result<(), TxError>> {
    let signatures = verify_signatures(state, txs);
    let steps = run_rules(state, txs, &signatures);
    state.rollback();
    steps
        .into_iter()
        .map(|s| match s {
            Step::Applied { .. } => Ok(()),
            Step::Skipped { error, .. } => Err(error),
        })
        .collect()
}

/// The debited and credited accounts a transaction names.
const fn involved(tx: &Tx) -> (Option<AccountIndex>, Option<AccountIndex>) {
    match tx {
        Tx::Transfer(t) | Tx::ForcedTransfer(t) => (Some(t.body.from), Some(t.body.to)),
        Tx::Withdraw(w) | Tx::ForcedWithdraw(w) => (Some(w.body.from), None),
        Tx::Deposit(d) => (None, Some(d.to)),
        Tx::Undecodable(_) => (None, None),
    }
}

/// Checks `tx` against the current state without changing it.
///
/// # Errors
/// The [`TxError`] that [`execute_batch`] would meet for this transaction.
pub fn check_tx(state: &State, tx: &Tx) -> Result<(), TxError> {
    let sig = signer(tx)
        .and_then(|s| state.account(s))
        .and_then(|a| verify_signature(tx, state.config.chain_id, &a.pubkey));
    plan(state, tx, sig, true, 1u64 << state.config.withdrawal_depth).map(|_| ())
}

/// A validated transaction: the account values to write, in order.
#[derive(Debug)]
struct Plan {
    sender: Option<(AccountIndex, Account)>,
    recipient: Option<(AccountIndex, Account)>,
    withdrawal: Option<Withdraw>,
}

type SigCheck = Option<Result<(), SignatureError>>;

/// The signer of a signed transaction (`None` for deposits).
const fn signer(tx: &Tx) -> Option<AccountIndex> {
    match tx {
        Tx::Transfer(t) | Tx::ForcedTransfer(t) => Some(t.body.from),
        Tx::Withdraw(w) | Tx::ForcedWithdraw(w) => Some(w.body.from),
        Tx::Deposit(_) | Tx::Undecodable(_) => None,
    }
}

/// Verifies a signed transaction's signature under `pubkey` (`None` for deposits).
fn verify_signature(tx: &Tx, chain_id: ChainId, pubkey: &PublicKey) -> SigCheck {
    match tx {
        Tx::Transfer(t) | Tx::ForcedTransfer(t) => Some(t.verify(chain_id, pubkey)),
        Tx::Withdraw(w) | Tx::ForcedWithdraw(w) => Some(w.verify(chain_id, pubkey)),
        Tx::Deposit(_) | Tx::Undecodable(_) => None,
    }
}

/// Verifies every signature up front (in parallel with the `parallel` feature).
///
/// A signer's key is the one in the state, or the key of the deposit earlier in the batch that
/// creates the account; keys never change after creation, so this resolves exactly the key that
/// sequential execution sees.
fn verify_signatures(state: &State, txs: &[Tx]) -> Vec<SigCheck> {
    let mut created: HashMap<AccountIndex, PublicKey> = HashMap::new();
    let mut jobs: Vec<(usize, PublicKey)> = Vec::new();
    for (i, tx) in txs.iter().enumerate() {
        if let Tx::Deposit(d) = tx {
            if state.tree.check_index(u64::from(d.to.0)).is_ok()
                && !state.accounts.contains_key(&d.to)
                && !created.contains_key(&d.to)
                && let Ok(pk) = PublicKey::from_bytes(&d.pubkey)
            {
                created.insert(d.to, pk);
            }
        } else if let Some(signer) = signer(tx) {
            let pk = state
                .accounts
                .get(&signer)
                .map(|a| a.pubkey)
                .or_else(|| created.get(&signer).copied());
            if let Some(pk) = pk {
                jobs.push((i, pk));
            }
        }
    }
    let chain_id = state.config.chain_id;
    let check = |&(i, pk): &(usize, PublicKey)| (i, verify_signature(&txs[i], chain_id, &pk));
    #[cfg(feature = "parallel")]
    let results: Vec<(usize, SigCheck)> = {
        use rayon::prelude::*;
        jobs.par_iter().map(check).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let results: Vec<(usize, SigCheck)> = jobs.iter().map(check).collect();
    let mut out = vec![None; txs.len()];
    for (i, r) in results {
        out[i] = r;
    }
    out
}

fn existing(state: &State, index: AccountIndex) -> Result<Account, TxError> {
    let depth = state.config.account_depth;
    if state.tree.check_index(u64::from(index.0)).is_err() {
        return Err(TxError::AccountOutOfRange { account: index, depth });
    }
    state.account(index).copied().ok_or(TxError::UnknownAccount { account: index })
}

/// Signature, nonce and balance checks of a signed debit; returns the debited sender.
fn debit<T: SignedBody>(
    state: &State,
    body: &T,
    amount: tribunal_primitives::Wei,
    sig: SigCheck,
) -> Result<Account, TxError> {
    let account = body.signer();
    let mut sender = existing(state, account)?;
    match sig {
        Some(Ok(())) => {}
        Some(Err(source)) => return Err(TxError::BadSignature { account, source }),
        None => unreachable!("a signature check exists for every signer that exists"),
    }
    if body.nonce() != sender.nonce {
        return Err(TxError::BadNonce { account, got: body.nonce(), expected: sender.nonce });
    }
    sender.nonce = sender.nonce.checked_add(1).ok_or(TxError::NonceExhausted { account })?;
    sender.balance = sender.balance.checked_sub(amount).ok_or(TxError::InsufficientBalance {
        account,
        balance: sender.balance,
        amount,
    })?;
    Ok(sender)
}

fn credit(
    mut account: Account,
    index: AccountIndex,
    amount: tribunal_primitives::Wei,
) -> Result<Account, TxError> {
    account.balance = account.balance.checked_add(amount).ok_or(TxError::BalanceOverflow {
        account: index,
        balance: account.balance,
        amount,
    })?;
    Ok(account)
}

fn plan(
    state: &State,
    tx: &Tx,
    sig: SigCheck,
    free_withdrawal: bool,
    capacity: u64,
) -> Result<Plan, TxError> {
    match tx {
        Tx::Undecodable(_) => Err(TxError::Undecodable),
        Tx::Transfer(Signed { body: t, .. }) | Tx::ForcedTransfer(Signed { body: t, .. }) => {
            plan_transfer(state, t, sig)
        }
        Tx::Withdraw(Signed { body: w, .. }) | Tx::ForcedWithdraw(Signed { body: w, .. }) => {
            let sender = debit(state, w, w.amount, sig)?;
            if !free_withdrawal {
                return Err(TxError::WithdrawalTreeFull { capacity });
            }
            Ok(Plan { sender: Some((w.from, sender)), recipient: None, withdrawal: Some(*w) })
        }
        Tx::Deposit(d) => {
            let depth = state.config.account_depth;
            if state.tree.check_index(u64::from(d.to.0)).is_err() {
                return Err(TxError::AccountOutOfRange { account: d.to, depth });
            }
            let account = match state.account(d.to) {
                None => {
                    let pubkey = PublicKey::from_bytes(&d.pubkey)
                        .map_err(|_| TxError::InvalidPublicKey { account: d.to })?;
                    Account { pubkey, balance: d.amount, nonce: 0 }
                }
                Some(a) if a.pubkey.to_bytes() != d.pubkey => {
                    return Err(TxError::PublicKeyMismatch { account: d.to });
                }
                Some(a) => credit(*a, d.to, d.amount)?,
            };
            Ok(Plan { sender: None, recipient: Some((d.to, account)), withdrawal: None })
        }
    }
}

fn plan_transfer(state: &State, t: &Transfer, sig: SigCheck) -> Result<Plan, TxError> {
    // Both ends must exist before the signature is looked at.
    existing(state, t.from)?;
    let recipient = existing(state, t.to)?;
    let sender = debit(state, t, t.amount, sig)?;
    // A self-transfer credits the debited sender back: only the nonce moves.
    let recipient = credit(if t.to == t.from { sender } else { recipient }, t.to, t.amount)?;
    Ok(Plan {
        sender: Some((t.from, sender)),
        recipient: Some((t.to, recipient)),
        withdrawal: None,
    })
}
