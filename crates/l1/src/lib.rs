//! The L1 seam: one [`L1`] trait, two backends.
//!
//! - [`DevL1`]: an in-process revm chain at spec Osaka, the default. It mines one block per
//!   transaction, has a settable clock ([`L1Dev`]), keeps receipts and logs, and checks every blob
//!   sidecar with c-kzg before accepting a type-3 transaction (revm itself does not), so
//!   `BLOBHASH` and the point-evaluation precompile see exactly what a real node would give them.
//! - [`RpcL1`]: an alloy provider against any Ethereum node over JSON-RPC; the tests run it
//!   against anvil from npm ([`anvil`]).
//!
//! Both sign the same EIP-1559 / EIP-4844 (EIP-7594 sidecar) transactions with the same keys, so
//! one test suite runs on both. Dev powers (time travel, mining) live on [`L1Dev`], apart from
//! the production trait.
//!
//! This crate owns talking to L1. It must not encode contract calls (that is
//! `tribunal-contracts`) nor decide what to post (that is the node).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod anvil;
pub mod dev;
pub mod error;
pub mod rpc;
mod tx;

use std::future::Future;

use alloy::signers::local::PrivateKeySigner;
use alloy_eips::{eip4844::Blob, eip7594::BlobTransactionSidecarEip7594};
use alloy_primitives::{Address, B256, Bytes, Log, U256};

pub use dev::DevL1;
pub use error::{L1Error, L1Result};
pub use rpc::RpcL1;

/// Private keys of anvil's ten dev accounts (mnemonic `test test … junk`): public test keys,
/// funded on both backends. Never use them on a real network.
pub const DEV_KEYS: [&str; 10] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

/// Stack of the threads that handle blobs, in bytes: a blob is a 128 KiB value, and sidecar
/// building and decoding keep several on the stack.
pub const BLOB_STACK_BYTES: usize = 64 << 20;

/// Runs `f` to completion on a two-worker tokio runtime whose threads, and the thread that
/// drives it, have [`BLOB_STACK_BYTES`] of stack. A panic in `f` is resumed in the caller.
///
/// # Errors
/// [`std::io::Error`] when the thread or the runtime cannot be created.
pub fn block_on_blob_threads<F>(f: F) -> std::io::Result<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(BLOB_STACK_BYTES)
        .enable_all()
        .build()?;
    let handle = std::thread::Builder::new()
        .stack_size(BLOB_STACK_BYTES)
        .spawn(move || runtime.block_on(f))?;
    Ok(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
}

/// The dev signers of [`DEV_KEYS`].
pub fn dev_signers() -> Vec<PrivateKeySigner> {
    DEV_KEYS.iter().map(|k| k.parse().expect("dev keys are valid")).collect()
}

/// A transaction to send: a call, a contract creation, or a blob-carrying call.
#[derive(Clone, Debug, Default)]
pub struct L1Tx {
    /// Callee; `None` creates a contract from `input`.
    pub to: Option<Address>,
    /// Value sent, in wei.
    pub value: U256,
    /// Calldata, or init code for a creation.
    pub input: Bytes,
    /// Gas limit; `None` estimates it.
    pub gas_limit: Option<u64>,
    /// Blobs, for a type-3 transaction (calls only).
    pub sidecar: Option<BlobTransactionSidecarEip7594>,
    /// Cap on the blob base fee, in wei per blob gas; `None` offers twice the current blob base
    /// fee. The batcher sets it from `tribunal_da::fees::quote`.
    pub max_fee_per_blob_gas: Option<u128>,
}

impl L1Tx {
    /// A call of `to` with `input`.
    pub fn call(to: Address, input: impl Into<Bytes>) -> Self {
        Self { to: Some(to), input: input.into(), ..Self::default() }
    }

    /// A creation with `init_code` (constructor arguments appended).
    pub fn create(init_code: impl Into<Bytes>) -> Self {
        Self { input: init_code.into(), ..Self::default() }
    }

    /// Sends `value` wei along.
    pub fn with_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }

    /// Carries blobs (a type-3 transaction).
    pub fn with_sidecar(mut self, sidecar: BlobTransactionSidecarEip7594) -> Self {
        self.sidecar = Some(sidecar);
        self
    }

    /// Caps the blob base fee at `wei` per blob gas.
    pub const fn with_max_fee_per_blob_gas(mut self, wei: u128) -> Self {
        self.max_fee_per_blob_gas = Some(wei);
        self
    }
}

/// A mined transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L1Receipt {
    /// Transaction hash.
    pub tx_hash: B256,
    /// Block that included it.
    pub block_number: u64,
    /// Hash of that block: after a reorg, [`L1::block_hash`] of `block_number` differs when the
    /// transaction was dropped with its block.
    pub block_hash: B256,
    /// Gas used, in gas.
    pub gas_used: u64,
    /// Logs emitted, in order.
    pub logs: Vec<Log>,
    /// The created contract, for a creation.
    pub contract_address: Option<Address>,
}

/// The head of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L1Head {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: B256,
    /// Block timestamp, in seconds.
    pub timestamp: u64,
    /// Base fee, in wei per gas.
    pub base_fee_per_gas: u64,
    /// Excess blob gas (EIP-4844), in blob gas.
    pub excess_blob_gas: u64,
}

/// An Ethereum L1, as the node sees it.
///
/// `send` simulates first: a transaction that would revert is refused with
/// [`L1Error::Revert`] and never mined, on every backend.
pub trait L1: Send + Sync {
    /// The chain id.
    fn chain_id(&self) -> impl Future<Output = L1Result<u64>> + Send;
    /// The latest block.
    fn head(&self) -> impl Future<Output = L1Result<L1Head>> + Send;
    /// Hash of canonical block `number`, or `None` past the head. Followers compare it with the
    /// hash they saw before, to notice a reorg.
    ///
    /// # Errors
    /// [`L1Error::Transport`] when the node cannot answer.
    fn block_hash(&self, number: u64) -> impl Future<Output = L1Result<Option<B256>>> + Send;
    /// Number of transactions `address` has sent (its next nonce), at the latest block.
    fn nonce(&self, address: Address) -> impl Future<Output = L1Result<u64>> + Send;
    /// Balance of `address`, in wei.
    fn balance(&self, address: Address) -> impl Future<Output = L1Result<U256>> + Send;
    /// Executes a call against the latest state without mining.
    ///
    /// # Errors
    /// [`L1Error::Revert`] with the revert data when the call reverts.
    fn call(
        &self,
        from: Address,
        to: Address,
        input: Bytes,
    ) -> impl Future<Output = L1Result<Bytes>> + Send;
    /// Signs, sends and waits for a transaction to be mined.
    ///
    /// # Errors
    /// [`L1Error::Revert`] when it would revert, [`L1Error::InvalidSidecar`] for blobs that do not
    /// match their proofs, [`L1Error::InvalidTx`] for what the node refuses.
    fn send(
        &self,
        signer: &PrivateKeySigner,
        tx: L1Tx,
    ) -> impl Future<Output = L1Result<L1Receipt>> + Send;
    /// The blobs with these versioned hashes, as the chain's blob store (or beacon node) holds them.
    ///
    /// # Errors
    /// [`L1Error::BlobNotFound`].
    fn blobs(&self, versioned_hashes: &[B256]) -> impl Future<Output = L1Result<Vec<Blob>>> + Send;

    /// The logs `address` emitted in blocks `from_block..=latest`, in chain order (`eth_getLogs`).
    ///
    /// # Errors
    /// [`L1Error::Transport`] when the node cannot answer.
    fn logs(
        &self,
        address: Address,
        from_block: u64,
    ) -> impl Future<Output = L1Result<Vec<L1Log>>> + Send;

    /// The logs of [`Self::logs`] whose first topic (the event's signature hash) is `event`
    /// and, when `topic1` is given, whose second topic (the first indexed argument) is it: the
    /// node filters them (`eth_getLogs` with topics), so a reader of one event does not fetch
    /// every log of a busy contract. The default filters [`Self::logs`] here.
    ///
    /// # Errors
    /// As [`Self::logs`].
    fn logs_where(
        &self,
        address: Address,
        event: B256,
        topic1: Option<B256>,
        from_block: u64,
    ) -> impl Future<Output = L1Result<Vec<L1Log>>> + Send {
        async move {
            let mut logs = self.logs(address, from_block).await?;
            logs.retain(|l| l.matches(event, topic1));
            Ok(logs)
        }
    }

    /// The logs of [`Self::logs_where`] in block `block` only: for a reader that knows where
    /// its event is, a query that stays one block wide however old the block (node providers
    /// bound `eth_getLogs` ranges). The default filters [`Self::logs_where`] here.
    ///
    /// # Errors
    /// As [`Self::logs`].
    fn logs_in_block(
        &self,
        address: Address,
        event: B256,
        topic1: Option<B256>,
        block: u64,
    ) -> impl Future<Output = L1Result<Vec<L1Log>>> + Send {
        async move {
            let mut logs = self.logs_where(address, event, topic1, block).await?;
            logs.retain(|l| l.block_number == block);
            Ok(logs)
        }
    }
}

/// Calls view function `call` on `to` (`eth_call` from the zero address) and decodes its return.
///
/// # Errors
/// The call's [`L1Error`], or [`L1Error::InvalidTx`] when the answer does not decode (`to` is not
/// the contract expected).
pub async fn view<C: alloy_sol_types::SolCall>(
    l1: &impl L1,
    to: Address,
    call: C,
) -> L1Result<C::Return> {
    let out = l1.call(Address::ZERO, to, call.abi_encode().into()).await?;
    C::abi_decode_returns(&out).map_err(|e| L1Error::InvalidTx(format!("undecodable answer: {e}")))
}

/// A log with the block that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L1Log {
    /// Block number.
    pub block_number: u64,
    /// Block hash: a reader that keeps what it derived from the log can check, with
    /// [`L1::block_hash`], that a reorg has not dropped it.
    pub block_hash: B256,
    /// Hash of the transaction that emitted it.
    pub tx_hash: B256,
    /// The log (address, topics, data).
    pub log: Log,
}

impl L1Log {
    /// Whether the log is event `event` (topic 0) and, if `topic1` is given, has it as its first
    /// indexed argument: the filter of [`L1::logs_where`].
    pub fn matches(&self, event: B256, topic1: Option<B256>) -> bool {
        let t = self.log.topics();
        t.first() == Some(&event) && topic1.is_none_or(|x| t.get(1) == Some(&x))
    }
}

/// A shared handle to an L1 is an L1: services hold `Arc<L>` (or borrow `&L`) of one backend.
macro_rules! forward_l1 {
    ($($ty:ty),*) => {$(
        impl<T: L1 + ?Sized> L1 for $ty {
            fn chain_id(&self) -> impl Future<Output = L1Result<u64>> + Send {
                (**self).chain_id()
            }
            fn head(&self) -> impl Future<Output = L1Result<L1Head>> + Send {
                (**self).head()
            }
            fn block_hash(
                &self,
                number: u64,
            ) -> impl Future<Output = L1Result<Option<B256>>> + Send {
                (**self).block_hash(number)
            }
            fn nonce(&self, address: Address) -> impl Future<Output = L1Result<u64>> + Send {
                (**self).nonce(address)
            }
            fn balance(&self, address: Address) -> impl Future<Output = L1Result<U256>> + Send {
                (**self).balance(address)
            }
            fn call(
                &self,
                from: Address,
                to: Address,
                input: Bytes,
            ) -> impl Future<Output = L1Result<Bytes>> + Send {
                (**self).call(from, to, input)
            }
            fn send(
                &self,
                signer: &PrivateKeySigner,
                tx: L1Tx,
            ) -> impl Future<Output = L1Result<L1Receipt>> + Send {
                (**self).send(signer, tx)
            }
            fn blobs(
                &self,
                versioned_hashes: &[B256],
            ) -> impl Future<Output = L1Result<Vec<Blob>>> + Send {
                (**self).blobs(versioned_hashes)
            }
            fn logs(
                &self,
                address: Address,
                from_block: u64,
            ) -> impl Future<Output = L1Result<Vec<L1Log>>> + Send {
                (**self).logs(address, from_block)
            }
            fn logs_where(
                &self,
                address: Address,
                event: B256,
                topic1: Option<B256>,
                from_block: u64,
            ) -> impl Future<Output = L1Result<Vec<L1Log>>> + Send {
                (**self).logs_where(address, event, topic1, from_block)
            }
            fn logs_in_block(
                &self,
                address: Address,
                event: B256,
                topic1: Option<B256>,
                block: u64,
            ) -> impl Future<Output = L1Result<Vec<L1Log>>> + Send {
                (**self).logs_in_block(address, event, topic1, block)
            }
        }
    )*};
}
forward_l1!(&T, std::sync::Arc<T>);

/// Powers only a development chain has.
pub trait L1Dev: L1 {
    /// Moves the clock forward by `seconds` for the next block.
    fn increase_time(&self, seconds: u64) -> impl Future<Output = L1Result<()>> + Send;
    /// Mines an empty block.
    fn mine(&self) -> impl Future<Output = L1Result<()>> + Send;
    /// Sets the exact timestamp of the next block, in seconds (after the head's).
    ///
    /// # Errors
    /// [`L1Error::InvalidTx`] when it is not after the head's timestamp (embedded chain), or the
    /// node's refusal.
    fn set_next_block_timestamp(&self, timestamp: u64)
    -> impl Future<Output = L1Result<()>> + Send;
    /// Sets `address`'s balance to `wei`, at once (anvil's `anvil_setBalance`). Tests use it to
    /// reach amounts no dev account holds, such as the bridge's 2^128-wei cap.
    ///
    /// # Errors
    /// The node's refusal (RPC backend); never on the embedded chain.
    fn set_balance(&self, address: Address, wei: U256)
    -> impl Future<Output = L1Result<()>> + Send;
    /// Reorganizes the chain: drops the last `depth` blocks and mines `depth` new ones at the same
    /// heights, with other hashes. The new blocks re-include, in order, the transactions of the
    /// dropped ones that `replay` names (one per block, the surplus in the last); every other
    /// dropped transaction is gone, as if it had never been sent. Anvil's `anvil_reorg`. The
    /// embedded chain keeps the dropped blocks' timestamps, re-signs each replayed transaction
    /// with its sender's nonce on the new chain, and leaves out one that now reverts.
    ///
    /// # Errors
    /// [`L1Error::InvalidTx`] when `depth` is 0, deeper than the chain or than the embedded
    /// chain's reorg window ([`DevL1::with_reorg_window`]), `replay` names a transaction not in
    /// the dropped blocks, or more than `depth` of them (embedded chain: one per block); the
    /// node's refusal (RPC backend).
    fn reorg(&self, depth: u64, replay: &[B256]) -> impl Future<Output = L1Result<()>> + Send;
}
