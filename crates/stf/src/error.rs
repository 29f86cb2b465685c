//! Errors of the state transition function.

use tribunal_primitives::{
    AccountIndex, BatchNumber, ChainId, Wei,
    error::{DecodeError, SignatureError},
};

/// Why a single transaction cannot be applied. Applying it would not change state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// A blob record that holds no transfer or withdrawal: an unknown tag, an L1 kind (those
    /// come from the queue), or non-zero padding.
    #[error("the record does not decode as a transfer or withdrawal")]
    Undecodable,
    /// The signature is malformed or does not verify under the sender's key.
    #[error("bad signature from {account}: {source}")]
    BadSignature {
        /// Claimed signer.
        account: AccountIndex,
        /// Why it failed.
        source: SignatureError,
    },
    /// The nonce is not the account's next nonce (replays land here).
    #[error("bad nonce for {account}: got {got}, expected {expected}")]
    BadNonce {
        /// Sender.
        account: AccountIndex,
        /// Nonce in the transaction.
        got: u64,
        /// The account's current nonce.
        expected: u64,
    },
    /// The sender cannot pay the amount.
    #[error("insufficient balance in {account}: has {balance}, needs {amount}")]
    InsufficientBalance {
        /// Sender.
        account: AccountIndex,
        /// Its balance.
        balance: Wei,
        /// Amount requested.
        amount: Wei,
    },
    /// Crediting would take a balance past 2^128 - 1.
    #[error("balance overflow in {account}: {balance} + {amount} exceeds 2^128 - 1")]
    BalanceOverflow {
        /// Credited account.
        account: AccountIndex,
        /// Its balance.
        balance: Wei,
        /// Amount credited.
        amount: Wei,
    },
    /// The sender's nonce is `u64::MAX` and cannot advance.
    #[error("nonce of {account} is exhausted")]
    NonceExhausted {
        /// Sender.
        account: AccountIndex,
    },
    /// No account exists at this index.
    #[error("unknown account {account}")]
    UnknownAccount {
        /// The index.
        account: AccountIndex,
    },
    /// The index does not fit the account tree.
    #[error("account {account} is outside a depth-{depth} tree")]
    AccountOutOfRange {
        /// The index.
        account: AccountIndex,
        /// Tree depth.
        depth: u8,
    },
    /// A deposit's public key is not a canonical Baby Jubjub point.
    #[error("deposit to {account}: public key is not a valid Baby Jubjub point")]
    InvalidPublicKey {
        /// Target account.
        account: AccountIndex,
    },
    /// A deposit names an existing account with a different public key.
    #[error("deposit to {account}: public key does not match the account's")]
    PublicKeyMismatch {
        /// Target account.
        account: AccountIndex,
    },
    /// A withdrawal sits at a batch position past the withdrawal tree's last leaf.
    #[error("withdrawal position is past the withdrawal tree ({capacity} leaves)")]
    WithdrawalTreeFull {
        /// Leaves per batch.
        capacity: u64,
    },
}

/// Why a batch, or a state, cannot be built or executed. State is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StfError {
    /// The batch bytes are malformed.
    #[error("malformed batch: {0}")]
    Decode(#[from] DecodeError),
    /// The batch is for another chain.
    #[error("batch is for chain {got:?}, this state is chain {expected:?}")]
    WrongChain {
        /// Chain in the batch.
        got: ChainId,
        /// Chain of the state.
        expected: ChainId,
    },
    /// The batch number does not follow the state's last batch.
    #[error("batch {got:?} does not follow batch {head:?}")]
    WrongBatchNumber {
        /// Number in the batch.
        got: BatchNumber,
        /// The state's last executed batch.
        head: BatchNumber,
    },
    /// Tree depth outside `1..=max`, or not whole levels: the 4-ary account tree takes two index
    /// bits per level, so its depth must be even.
    #[error(
        "tree depth {depth} is outside 1..={max} or not whole levels (the account tree's is even)"
    )]
    InvalidDepth {
        /// Requested depth.
        depth: u8,
        /// Largest supported depth.
        max: u8,
    },
    /// A leaf index does not fit the tree.
    #[error("index {index} is outside a depth-{depth} tree")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// Tree depth.
        depth: u8,
    },
    /// Chain id 0 names no chain.
    #[error("chain id 0 is not a valid chain id")]
    ZeroChainId,
    /// A state witness's proof of an account does not open to the claimed root.
    #[error("the witness of account {index:?} does not open to the claimed root")]
    WitnessMismatch {
        /// The account.
        index: AccountIndex,
    },
}

impl StfError {
    /// Whether the error is the batch's fault (bad bytes, another chain or number) rather than a
    /// misconfigured state.
    pub const fn is_bad_batch(&self) -> bool {
        matches!(self, Self::Decode(_) | Self::WrongChain { .. } | Self::WrongBatchNumber { .. })
    }
}

/// Result alias of this crate.
pub type StfResult<T> = Result<T, StfError>;
