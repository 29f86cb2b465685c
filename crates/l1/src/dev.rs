//! The embedded revm dev chain.

use std::{collections::VecDeque, sync::Mutex};

use alloy::signers::local::PrivateKeySigner;
use alloy_eips::{
    eip4844::{Blob, DATA_GAS_PER_BLOB},
    eip7840::BlobParams,
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use hashbrown::HashMap;
use revm::{
    Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, TxEnv, result::ExecutionResult},
    context_interface::block::BlobExcessGasAndPrice,
    database::{CacheDB, EmptyDB},
    primitives::{TxKind, hardfork::SpecId},
    state::AccountInfo,
};

use crate::{
    L1, L1Dev, L1Error, L1Head, L1Log, L1Receipt, L1Result, L1Tx,
    tx::{Fees, sign},
};

/// Chain id of the dev chain (anvil's default too).
pub const DEV_CHAIN_ID: u64 = 31337;
/// Timestamp of the genesis block, in seconds (2026-01-01T00:00:00Z).
pub const GENESIS_TIMESTAMP: u64 = 1_767_225_600;
/// Seconds between blocks when the clock is not moved.
pub const BLOCK_TIME_SECONDS: u64 = 12;
/// Base fee of every block, in wei per gas (1 gwei).
pub const BASE_FEE: u64 = 1_000_000_000;
/// Block gas limit, in gas.
pub const BLOCK_GAS_LIMIT: u64 = 60_000_000;
/// Per-transaction gas cap of EIP-7825 (Osaka), in gas.
pub const TX_GAS_LIMIT_CAP: u64 = 1 << 24;
/// Balance of each dev account at genesis, in wei (10,000 ETH).
pub const DEV_BALANCE_WEI: u128 = 10_000 * 10u128.pow(18);

#[derive(Clone, Debug)]
struct Chain {
    db: CacheDB<EmptyDB>,
    number: u64,
    timestamp: u64,
    excess_blob_gas: u64,
    pending_time: u64,
    /// Exact timestamp of the next block, when set.
    next_timestamp: Option<u64>,
    blobs: HashMap<B256, Blob>,
    /// Every log, with its block, in chain order.
    logs: Vec<L1Log>,
    /// Hash of every block, by number (genesis first).
    hashes: Vec<B256>,
    /// The last `reorg_window` blocks, oldest first: what a reorg needs to undo and replay them.
    recent: VecDeque<Mined>,
    reorg_window: usize,
    /// Reorgs so far: mixed into block hashes, so a re-mined block never repeats a dropped one.
    forks: u64,
}

/// What the chain was before one block, and the transaction the block carried.
#[derive(Clone, Debug)]
struct Mined {
    before: Snapshot,
    tx: Option<(PrivateKeySigner, L1Tx, B256)>,
}

/// The chain's state after a block: enough to mine again from there.
#[derive(Clone, Debug)]
struct Snapshot {
    db: CacheDB<EmptyDB>,
    timestamp: u64,
    excess_blob_gas: u64,
}

/// An in-process Ethereum at spec Osaka on revm.
///
/// Each transaction is mined in its own block, `BLOCK_TIME_SECONDS` after the previous one
/// unless [`L1Dev::increase_time`] moved the clock further. Blob sidecars are checked with c-kzg
/// against the transaction's versioned hashes before execution and kept, by versioned hash, as a
/// beacon node would.
///
/// With [`Self::with_reorg_window`] it can also reorg ([`L1Dev::reorg`]): it then keeps the state
/// before each of its last blocks.
#[derive(Debug)]
pub struct DevL1 {
    chain: Mutex<Chain>,
}

impl Clone for DevL1 {
    /// A snapshot: an independent chain with the same state, blocks and blobs.
    fn clone(&self) -> Self {
        Self { chain: Mutex::new(self.lock().clone()) }
    }
}

impl Default for DevL1 {
    fn default() -> Self {
        Self::new()
    }
}

impl DevL1 {
    /// A fresh chain with the [`crate::DEV_KEYS`] accounts funded, that cannot reorg.
    pub fn new() -> Self {
        Self::with_reorg_window(0)
    }

    /// A fresh chain that can reorg up to `blocks` deep ([`L1Dev::reorg`]). It keeps a copy of
    /// the state before each of its last `blocks` blocks, so memory grows with the window.
    pub fn with_reorg_window(blocks: usize) -> Self {
        let mut db = CacheDB::<EmptyDB>::default();
        for signer in crate::dev_signers() {
            db.insert_account_info(
                signer.address(),
                AccountInfo { balance: U256::from(DEV_BALANCE_WEI), ..Default::default() },
            );
        }
        Self {
            chain: Mutex::new(Chain {
                db,
                number: 0,
                timestamp: GENESIS_TIMESTAMP,
                excess_blob_gas: 0,
                pending_time: 0,
                next_timestamp: None,
                blobs: HashMap::new(),
                logs: Vec::new(),
                hashes: vec![keccak256(b"tribunal dev L1 genesis")],
                recent: VecDeque::new(),
                reorg_window: blocks,
                forks: 0,
            }),
        }
    }

    /// [`L1Dev::reorg`] that re-includes the dropped transactions of the senders `keep`
    /// accepts, as a real chain re-includes users' transactions from its mempool; chosen under
    /// the same lock, so no block lands between choosing and dropping.
    ///
    /// # Errors
    /// As [`L1Dev::reorg`].
    pub fn reorg_keeping(&self, depth: u64, keep: impl Fn(&Address) -> bool) -> L1Result<()> {
        let mut c = self.lock();
        let replay = c.sent_by(depth, keep);
        c.reorg(depth, &replay)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Chain> {
        self.chain.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Chain {
    fn params() -> BlobParams {
        BlobParams::osaka()
    }

    /// The block environment of the next block.
    fn next_block(&self) -> BlockEnv {
        BlockEnv {
            number: U256::from(self.number + 1),
            timestamp: U256::from(
                self.next_timestamp
                    .unwrap_or_else(|| self.timestamp + BLOCK_TIME_SECONDS.max(self.pending_time)),
            ),
            gas_limit: BLOCK_GAS_LIMIT,
            basefee: BASE_FEE,
            prevrandao: Some(B256::ZERO),
            blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(
                self.excess_blob_gas,
                Self::params().update_fraction as u64,
            )),
            ..Default::default()
        }
    }

    fn cfg(simulate: bool) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(SpecId::OSAKA);
        cfg.chain_id = DEV_CHAIN_ID;
        if simulate {
            cfg.disable_nonce_check = true;
            cfg.disable_balance_check = true;
            cfg.disable_base_fee = true;
            cfg.disable_block_gas_limit = true;
        }
        cfg
    }

    /// What the chain is now, when a reorg window is kept.
    fn snapshot(&self) -> Option<Snapshot> {
        (self.reorg_window > 0).then(|| Snapshot {
            db: self.db.clone(),
            timestamp: self.timestamp,
            excess_blob_gas: self.excess_blob_gas,
        })
    }

    /// Seals the next block: advances number, time and excess blob gas, and names the block.
    /// `before` is the chain before the block's transaction, `tx` that transaction.
    fn seal(
        &mut self,
        blob_gas_used: u64,
        before: Option<Snapshot>,
        tx: Option<(PrivateKeySigner, L1Tx, B256)>,
    ) {
        let block = self.next_block();
        let parent = self.hashes[self.number as usize];
        let mut preimage = Vec::with_capacity(32 * 3 + 24);
        preimage.extend_from_slice(parent.as_slice());
        preimage.extend_from_slice(&(self.number + 1).to_be_bytes());
        preimage.extend_from_slice(&block.timestamp.to::<u64>().to_be_bytes());
        preimage.extend_from_slice(&self.forks.to_be_bytes());
        preimage.extend_from_slice(tx.as_ref().map_or(&B256::ZERO, |(.., h)| h).as_slice());
        self.hashes.push(keccak256(&preimage));
        if let Some(before) = before {
            self.recent.push_back(Mined { before, tx });
            while self.recent.len() > self.reorg_window {
                self.recent.pop_front();
            }
        }
        self.number += 1;
        self.timestamp = block.timestamp.to::<u64>();
        self.pending_time = 0;
        self.next_timestamp = None;
        self.excess_blob_gas = Self::params().next_block_excess_blob_gas_osaka(
            self.excess_blob_gas,
            blob_gas_used,
            BASE_FEE,
        );
    }

    /// The block environment of the latest block, which `eth_call` on "latest" sees.
    fn latest_block(&self) -> BlockEnv {
        let mut block = self.next_block();
        block.number = U256::from(self.number);
        block.timestamp = U256::from(self.timestamp);
        block
    }

    /// Runs `tx` on the next block (on the latest one for a read-only call); commits only when
    /// asked and successful.
    fn run(&mut self, tx: TxEnv, commit: bool) -> L1Result<ExecutionResult> {
        self.run_on(tx, commit, self.next_block())
    }

    fn run_on(&mut self, tx: TxEnv, commit: bool, block: BlockEnv) -> L1Result<ExecutionResult> {
        let db = std::mem::take(&mut self.db);
        let mut evm = Context::mainnet()
            .with_db(db)
            .with_block(block)
            .with_cfg(Self::cfg(!commit))
            .build_mainnet();
        let result =
            if commit { evm.transact_commit(tx) } else { evm.transact(tx).map(|r| r.result) };
        self.db = evm.ctx.journaled_state.database;
        let result = result.map_err(|e| L1Error::InvalidTx(e.to_string()))?;
        match result {
            ExecutionResult::Revert { output, .. } => Err(L1Error::Revert(output)),
            ExecutionResult::Halt { reason, .. } => Err(L1Error::Halted(format!("{reason:?}"))),
            ok @ ExecutionResult::Success { .. } => Ok(ok),
        }
    }

    fn nonce(&self, address: Address) -> u64 {
        self.db.cache.accounts.get(&address).map_or(0, |a| a.info.nonce)
    }
}

fn tx_env(
    from: Address,
    tx: &L1Tx,
    nonce: u64,
    gas_limit: u64,
    blob_hashes: Vec<B256>,
    blob_fee: u128,
) -> TxEnv {
    let blob = !blob_hashes.is_empty();
    TxEnv {
        tx_type: if blob { 3 } else { 2 },
        caller: from,
        gas_limit,
        gas_price: u128::from(BASE_FEE) * 2,
        gas_priority_fee: Some(1),
        kind: tx.to.map_or(TxKind::Create, TxKind::Call),
        value: tx.value,
        data: tx.input.clone(),
        nonce,
        chain_id: Some(DEV_CHAIN_ID),
        blob_hashes,
        max_fee_per_blob_gas: if blob { blob_fee } else { 0 },
        ..Default::default()
    }
}

impl L1 for DevL1 {
    async fn chain_id(&self) -> L1Result<u64> {
        Ok(DEV_CHAIN_ID)
    }

    async fn head(&self) -> L1Result<L1Head> {
        let c = self.lock();
        Ok(L1Head {
            number: c.number,
            hash: c.hashes[c.number as usize],
            timestamp: c.timestamp,
            base_fee_per_gas: BASE_FEE,
            excess_blob_gas: c.excess_blob_gas,
        })
    }

    async fn block_hash(&self, number: u64) -> L1Result<Option<B256>> {
        Ok(self.lock().hashes.get(number as usize).copied())
    }

    async fn balance(&self, address: Address) -> L1Result<U256> {
        Ok(self.lock().db.cache.accounts.get(&address).map_or(U256::ZERO, |a| a.info.balance))
    }

    async fn call(&self, from: Address, to: Address, input: Bytes) -> L1Result<Bytes> {
        let mut c = self.lock();
        let nonce = c.nonce(from);
        let tx = tx_env(from, &L1Tx::call(to, input), nonce, TX_GAS_LIMIT_CAP, Vec::new(), 0);
        let block = c.latest_block();
        Ok(c.run_on(tx, false, block)?.into_output().unwrap_or_default())
    }

    async fn nonce(&self, address: Address) -> L1Result<u64> {
        Ok(self.lock().nonce(address))
    }

    async fn send(&self, signer: &PrivateKeySigner, tx: L1Tx) -> L1Result<L1Receipt> {
        self.lock().send(signer, tx)
    }

    async fn blobs(&self, versioned_hashes: &[B256]) -> L1Result<Vec<Blob>> {
        let c = self.lock();
        versioned_hashes
            .iter()
            .map(|h| c.blobs.get(h).cloned().ok_or(L1Error::BlobNotFound(*h)))
            .collect()
    }

    async fn logs(&self, address: Address, from_block: u64) -> L1Result<Vec<L1Log>> {
        Ok(self.logs_of(address, from_block))
    }

    async fn logs_in_block(
        &self,
        address: Address,
        event: B256,
        topic1: Option<B256>,
        block: u64,
    ) -> L1Result<Vec<L1Log>> {
        let c = self.lock();
        let start = c.logs.partition_point(|l| l.block_number < block);
        let end = c.logs.partition_point(|l| l.block_number <= block);
        Ok(c.logs[start..end]
            .iter()
            .filter(|l| l.log.address == address && l.matches(event, topic1))
            .cloned()
            .collect())
    }
}

impl Chain {
    /// Signs, checks, simulates and mines `tx` in a block of its own.
    fn send(&mut self, signer: &PrivateKeySigner, tx: L1Tx) -> L1Result<L1Receipt> {
        let from = signer.address();
        let nonce = self.nonce(from);
        let blob_hashes: Vec<B256> = match &tx.sidecar {
            None => Vec::new(),
            Some(sidecar) => {
                let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
                let max = Self::params().max_blobs_per_tx;
                if hashes.is_empty() || hashes.len() as u64 > max {
                    return Err(L1Error::InvalidTx(format!(
                        "{} blobs; a transaction carries 1..={max}",
                        hashes.len()
                    )));
                }
                // revm trusts the versioned hashes it is given; a node checks the sidecar first.
                tribunal_da::verify_sidecar_7594(sidecar, &hashes)
                    .map_err(|e| L1Error::InvalidSidecar(e.to_string()))?;
                hashes
            }
        };
        if tx.sidecar.is_some() && tx.to.is_none() {
            return Err(L1Error::InvalidTx("a blob transaction cannot create a contract".into()));
        }
        // Simulate first: a transaction that would revert is refused without being mined, and
        // the simulation sizes the gas limit when none is given.
        let sim_limit = tx.gas_limit.unwrap_or(TX_GAS_LIMIT_CAP);
        let base_blob_fee = Self::params().calc_blob_fee(self.excess_blob_gas);
        let blob_fee = tx.max_fee_per_blob_gas.unwrap_or(base_blob_fee.max(1) * 2);
        if !blob_hashes.is_empty() && blob_fee < base_blob_fee {
            return Err(L1Error::InvalidTx(format!(
                "max fee per blob gas {blob_fee} is below the blob base fee {base_blob_fee}"
            )));
        }
        let sim =
            self.run(tx_env(from, &tx, nonce, sim_limit, blob_hashes.clone(), blob_fee), false)?;
        let gas_limit = tx
            .gas_limit
            .unwrap_or_else(|| (sim.tx_gas_used() * 13 / 10 + 30_000).min(TX_GAS_LIMIT_CAP));
        let fees = Fees {
            max_fee_per_gas: u128::from(BASE_FEE) * 2,
            max_priority_fee_per_gas: 1,
            max_fee_per_blob_gas: blob_fee,
        };
        let signed = sign(signer, &tx, DEV_CHAIN_ID, nonce, gas_limit, fees)?;
        let before = self.snapshot();
        let result =
            self.run(tx_env(from, &tx, nonce, gas_limit, blob_hashes.clone(), blob_fee), true);
        if let (Ok(_), Some(sidecar)) = (&result, &tx.sidecar) {
            for (hash, blob) in blob_hashes.iter().zip(&sidecar.blobs) {
                self.blobs.insert(*hash, *blob);
            }
        }
        // Mined, even if it failed after the simulation passed: the block carries it either way.
        let replay = before.is_some().then(|| (signer.clone(), tx, signed.hash));
        self.seal(blob_hashes.len() as u64 * DATA_GAS_PER_BLOB, before, replay);
        let result = result?;
        tracing::debug!(target: "tribunal::l1", block = self.number, tx = %signed.hash, "dev block");
        let (gas_used, contract_address) = (result.tx_gas_used(), result.created_address());
        let logs = result.into_logs();
        let block_number = self.number;
        let block_hash = self.hashes[block_number as usize];
        self.logs.extend(logs.iter().map(|log| L1Log {
            block_number,
            block_hash,
            tx_hash: signed.hash,
            log: log.clone(),
        }));
        Ok(L1Receipt {
            tx_hash: signed.hash,
            block_number,
            block_hash,
            gas_used,
            contract_address,
            logs,
        })
    }

    /// The transactions of the last `depth` blocks sent by an account `keep` accepts.
    fn sent_by(&self, depth: u64, keep: impl Fn(&Address) -> bool) -> Vec<B256> {
        let from = self.recent.len().saturating_sub(depth as usize);
        self.recent
            .range(from..)
            .filter_map(|m| m.tx.as_ref())
            .filter(|(signer, ..)| keep(&signer.address()))
            .map(|(.., hash)| *hash)
            .collect()
    }

    /// [`L1Dev::reorg`] on the embedded chain.
    fn reorg(&mut self, depth: u64, replay: &[B256]) -> L1Result<()> {
        let window = self.recent.len().min(self.number as usize) as u64;
        if depth == 0 || depth > window {
            return Err(L1Error::InvalidTx(format!(
                "cannot reorg {depth} blocks: the chain keeps the last {window} (reorg window {})",
                self.reorg_window
            )));
        }
        if replay.len() as u64 > depth {
            return Err(L1Error::InvalidTx(format!(
                "{} transactions to replay in {depth} blocks: one per block",
                replay.len()
            )));
        }
        let dropped: Vec<Mined> = self.recent.drain(self.recent.len() - depth as usize..).collect();
        // Each dropped block's timestamp, kept by the block mined at its height.
        let times: Vec<u64> =
            dropped.iter().skip(1).map(|m| m.before.timestamp).chain([self.timestamp]).collect();
        let mut again = Vec::with_capacity(replay.len());
        for hash in replay {
            let found = dropped.iter().find_map(|m| m.tx.as_ref().filter(|(.., h)| h == hash));
            let Some((signer, tx, _)) = found else {
                return Err(L1Error::InvalidTx(format!("{hash} is not in the dropped blocks")));
            };
            again.push((signer.clone(), tx.clone()));
        }
        let height = self.number;
        let base = dropped[0].before.clone();
        self.db = base.db;
        self.timestamp = base.timestamp;
        self.excess_blob_gas = base.excess_blob_gas;
        self.number = height - depth;
        self.hashes.truncate(self.number as usize + 1);
        self.logs.truncate(self.logs.partition_point(|l| l.block_number <= self.number));
        self.pending_time = 0;
        self.next_timestamp = None;
        self.forks += 1;
        tracing::warn!(target: "tribunal::l1", depth, replayed = again.len(), "dev L1 reorg");
        let mut times = times.into_iter();
        for (signer, tx) in again {
            self.next_timestamp = times.next();
            // A replayed transaction that now reverts is left out, and its block stays empty.
            let at = self.number;
            if let Err(e) = self.send(&signer, tx) {
                tracing::debug!(target: "tribunal::l1", error = %e, "replayed transaction left out");
                if self.number == at {
                    let before = self.snapshot();
                    self.seal(0, before, None);
                }
            }
        }
        while self.number < height {
            self.next_timestamp = times.next();
            let before = self.snapshot();
            self.seal(0, before, None);
        }
        Ok(())
    }
}

impl DevL1 {
    fn logs_of(&self, address: Address, from_block: u64) -> Vec<L1Log> {
        let c = self.lock();
        let start = c.logs.partition_point(|l| l.block_number < from_block);
        c.logs[start..].iter().filter(|l| l.log.address == address).cloned().collect()
    }
}

impl L1Dev for DevL1 {
    async fn increase_time(&self, seconds: u64) -> L1Result<()> {
        self.lock().pending_time += seconds;
        Ok(())
    }

    async fn mine(&self) -> L1Result<()> {
        let mut c = self.lock();
        let before = c.snapshot();
        c.seal(0, before, None);
        Ok(())
    }

    async fn set_next_block_timestamp(&self, timestamp: u64) -> L1Result<()> {
        let mut c = self.lock();
        if timestamp <= c.timestamp {
            return Err(L1Error::InvalidTx(format!(
                "next block timestamp {timestamp} is not after the head's {}",
                c.timestamp
            )));
        }
        c.next_timestamp = Some(timestamp);
        Ok(())
    }
    async fn set_balance(&self, address: Address, wei: U256) -> L1Result<()> {
        let mut c = self.lock();
        match c.db.cache.accounts.get_mut(&address) {
            Some(account) => account.info.balance = wei,
            None => c
                .db
                .insert_account_info(address, AccountInfo { balance: wei, ..Default::default() }),
        }
        Ok(())
    }

    async fn reorg(&self, depth: u64, replay: &[B256]) -> L1Result<()> {
        self.lock().reorg(depth, replay)
    }
}
