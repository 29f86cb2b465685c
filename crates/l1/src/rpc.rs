//! The JSON-RPC backend: an alloy provider against any Ethereum node.

use alloy::{
    eips::BlockNumberOrTag,
    network::TransactionBuilder,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
    transports::{RpcError, TransportErrorKind},
};
use alloy_eips::eip4844::Blob;
use alloy_primitives::{Address, B256, Bytes, U256};

use std::sync::Arc;

use crate::{
    L1, L1Dev, L1Error, L1Head, L1Log, L1Receipt, L1Result, L1Tx,
    tx::{Fees, sign},
};

/// An L1 reached over JSON-RPC (HTTP).
///
/// Blob retrieval uses anvil's `anvil_getBlobByHash`; against a production node the blobs come
/// from a beacon node instead, which this backend does not query yet.
///
/// Sends through one handle (and its clones) are serialized, so services sharing an account never
/// race for a nonce.
#[derive(Debug, Clone)]
pub struct RpcL1 {
    provider: DynProvider,
    url: String,
    sends: Arc<tokio::sync::Mutex<()>>,
}

fn transport(e: RpcError<TransportErrorKind>) -> L1Error {
    if let Some(data) = e.as_error_resp().and_then(|p| p.as_revert_data()) {
        return L1Error::Revert(data);
    }
    match e.as_error_resp() {
        // The node answered and refused: not worth retrying.
        Some(p) => L1Error::InvalidTx(format!("{} (code {})", p.message, p.code)),
        None => L1Error::Transport(e.to_string()),
    }
}

impl RpcL1 {
    /// Connects to `url` (for example `http://127.0.0.1:8545`), every call limited to
    /// [`Self::DEFAULT_TIMEOUT`].
    ///
    /// # Errors
    /// [`L1Error::Transport`] for a malformed URL.
    pub fn connect(url: &str) -> L1Result<Self> {
        Self::connect_with_timeout(url, Self::DEFAULT_TIMEOUT)
    }

    /// Every call's default limit: connecting, and the whole request.
    pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

    /// [`Self::connect`] with `timeout` for connecting and for each request, so an endpoint
    /// that accepts a connection and never answers fails the call
    /// ([`L1Error::Transport`]) instead of hanging it.
    ///
    /// # Errors
    /// [`L1Error::Transport`] for a URL that does not parse.
    pub fn connect_with_timeout(url: &str, timeout: std::time::Duration) -> L1Result<Self> {
        let parsed =
            url.parse().map_err(|e| L1Error::Transport(format!("bad L1 RPC URL {url:?}: {e}")))?;
        let client = alloy::transports::http::reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(|e| L1Error::Transport(format!("HTTP client for {url}: {e}")))?;
        Ok(Self {
            provider: ProviderBuilder::new().connect_reqwest(client, parsed).erased(),
            url: url.to_owned(),
            sends: Arc::default(),
        })
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn request(from: Address, tx: &L1Tx, blob_hashes: Vec<B256>) -> TransactionRequest {
        let mut req = TransactionRequest::default()
            .with_from(from)
            .with_value(tx.value)
            .with_input(tx.input.clone());
        req = match tx.to {
            Some(to) => req.with_to(to),
            None => req.into_create(),
        };
        if !blob_hashes.is_empty() {
            req.blob_versioned_hashes = Some(blob_hashes);
        }
        req
    }
}

impl L1 for RpcL1 {
    async fn chain_id(&self) -> L1Result<u64> {
        self.provider.get_chain_id().await.map_err(transport)
    }

    async fn head(&self) -> L1Result<L1Head> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(transport)?
            .ok_or_else(|| L1Error::Transport("node has no latest block".into()))?;
        let h = &block.header;
        Ok(L1Head {
            number: h.number,
            hash: h.hash,
            timestamp: h.timestamp,
            base_fee_per_gas: h.base_fee_per_gas.unwrap_or_default(),
            excess_blob_gas: h.excess_blob_gas.unwrap_or_default(),
        })
    }

    async fn block_hash(&self, number: u64) -> L1Result<Option<B256>> {
        let block = self
            .provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(transport)?;
        Ok(block.map(|b| b.header.hash))
    }

    async fn nonce(&self, address: Address) -> L1Result<u64> {
        self.provider.get_transaction_count(address).await.map_err(transport)
    }

    async fn balance(&self, address: Address) -> L1Result<U256> {
        self.provider.get_balance(address).await.map_err(transport)
    }

    async fn call(&self, from: Address, to: Address, input: Bytes) -> L1Result<Bytes> {
        // `latest`, never alloy's default `pending`: a node's pending block executes its mempool,
        // so a view would count a transaction nobody has mined (or one a reorg dropped and the
        // pool still holds) as the chain's state.
        self.provider
            .call(Self::request(from, &L1Tx::call(to, input), Vec::new()))
            .latest()
            .await
            .map_err(transport)
    }

    async fn send(&self, signer: &PrivateKeySigner, tx: L1Tx) -> L1Result<L1Receipt> {
        let from = signer.address();
        let blob_hashes: Vec<B256> =
            tx.sidecar.as_ref().map(|s| s.versioned_hashes().collect()).unwrap_or_default();
        let chain_id = self.chain_id().await?;
        let _serial = self.sends.lock().await;
        let nonce = self.provider.get_transaction_count(from).pending().await.map_err(transport)?;
        let fees = self.provider.estimate_eip1559_fees().await.map_err(transport)?;
        let blob_fee = match (blob_hashes.is_empty(), tx.max_fee_per_blob_gas) {
            (true, _) => 0,
            (false, Some(cap)) => cap,
            (false, None) => self.provider.get_blob_base_fee().await.map_err(transport)?.max(1) * 2,
        };
        let mut req = Self::request(from, &tx, blob_hashes.clone());
        if !blob_hashes.is_empty() {
            req.max_fee_per_blob_gas = Some(blob_fee);
        }
        // Estimating gas also simulates: a reverting transaction fails here, unmined.
        let gas_limit = match tx.gas_limit {
            Some(g) => g,
            None => self.provider.estimate_gas(req).await.map_err(transport)? * 13 / 10 + 30_000,
        };
        let fees = Fees {
            max_fee_per_gas: fees.max_fee_per_gas,
            max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
            max_fee_per_blob_gas: blob_fee,
        };
        let signed = sign(signer, &tx, chain_id, nonce, gas_limit, fees)?;
        let pending = self.provider.send_raw_transaction(&signed.raw).await.map_err(transport)?;
        let receipt = pending.get_receipt().await.map_err(|e| L1Error::Transport(e.to_string()))?;
        if !receipt.status() {
            return Err(L1Error::Halted(format!("transaction {} failed on chain", signed.hash)));
        }
        Ok(L1Receipt {
            tx_hash: receipt.transaction_hash,
            block_number: receipt.block_number.unwrap_or_default(),
            block_hash: receipt.block_hash.unwrap_or_default(),
            gas_used: receipt.gas_used,
            logs: receipt.inner.logs().iter().map(|l| l.inner.clone()).collect(),
            contract_address: receipt.contract_address,
        })
    }

    async fn blobs(&self, versioned_hashes: &[B256]) -> L1Result<Vec<Blob>> {
        let mut out = Vec::with_capacity(versioned_hashes.len());
        for hash in versioned_hashes {
            let blob: Option<Blob> = self
                .provider
                .raw_request("anvil_getBlobByHash".into(), (hash,))
                .await
                .map_err(transport)?;
            out.push(blob.ok_or(L1Error::BlobNotFound(*hash))?);
        }
        Ok(out)
    }

    async fn logs(&self, address: Address, from_block: u64) -> L1Result<Vec<L1Log>> {
        let latest = self.provider.get_block_number().await.map_err(transport)?;
        if from_block > latest {
            return Ok(Vec::new());
        }
        let filter = Filter::new().address(address).from_block(from_block).to_block(latest);
        self.get_logs(filter).await
    }

    async fn logs_where(
        &self,
        address: Address,
        event: B256,
        topic1: Option<B256>,
        from_block: u64,
    ) -> L1Result<Vec<L1Log>> {
        let latest = self.provider.get_block_number().await.map_err(transport)?;
        if from_block > latest {
            return Ok(Vec::new());
        }
        self.get_logs(event_filter(address, event, topic1).from_block(from_block).to_block(latest))
            .await
    }

    async fn logs_in_block(
        &self,
        address: Address,
        event: B256,
        topic1: Option<B256>,
        block: u64,
    ) -> L1Result<Vec<L1Log>> {
        self.get_logs(event_filter(address, event, topic1).from_block(block).to_block(block)).await
    }
}

/// `address`'s `event` logs, with `topic1` as their first indexed argument when given.
fn event_filter(address: Address, event: B256, topic1: Option<B256>) -> Filter {
    let filter = Filter::new().address(address).event_signature(event);
    match topic1 {
        Some(t) => filter.topic1(t),
        None => filter,
    }
}

impl RpcL1 {
    async fn get_logs(&self, filter: Filter) -> L1Result<Vec<L1Log>> {
        let logs = self.provider.get_logs(&filter).await.map_err(transport)?;
        Ok(logs
            .into_iter()
            .map(|l| L1Log {
                block_number: l.block_number.unwrap_or_default(),
                block_hash: l.block_hash.unwrap_or_default(),
                tx_hash: l.transaction_hash.unwrap_or_default(),
                log: l.inner,
            })
            .collect())
    }
}

impl L1Dev for RpcL1 {
    async fn increase_time(&self, seconds: u64) -> L1Result<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_increaseTime".into(), (seconds,))
            .await
            .map_err(transport)?;
        Ok(())
    }

    async fn mine(&self) -> L1Result<()> {
        let _: serde_json::Value =
            self.provider.raw_request("evm_mine".into(), ()).await.map_err(transport)?;
        Ok(())
    }

    async fn set_next_block_timestamp(&self, timestamp: u64) -> L1Result<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_setNextBlockTimestamp".into(), (timestamp,))
            .await
            .map_err(transport)?;
        Ok(())
    }
    async fn set_balance(&self, address: Address, wei: U256) -> L1Result<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_setBalance".into(), (address, wei))
            .await
            .map_err(transport)?;
        Ok(())
    }

    async fn reorg(&self, depth: u64, replay: &[B256]) -> L1Result<()> {
        if depth == 0 {
            return Err(L1Error::InvalidTx("a reorg drops at least one block".into()));
        }
        // anvil re-includes raw transactions at an offset into the new blocks.
        let mut pairs = Vec::with_capacity(replay.len());
        for (i, hash) in replay.iter().enumerate() {
            let raw: Option<Bytes> = self
                .provider
                .raw_request("eth_getRawTransactionByHash".into(), (hash,))
                .await
                .map_err(transport)?;
            let raw =
                raw.ok_or_else(|| L1Error::InvalidTx(format!("{hash} is not on the chain")))?;
            pairs.push((raw, (i as u64).min(depth - 1)));
        }
        let options = serde_json::json!({ "depth": depth, "tx_block_pairs": pairs });
        let _: serde_json::Value =
            self.provider.raw_request("anvil_reorg".into(), options).await.map_err(transport)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A view reads the latest block's state, not the pending block's: with mining stopped, a
    /// payment waiting in anvil's pool does not count yet (CI finding: alloy's `call` defaults
    /// to `pending`, so a challenge a reorg had dropped, still in the pool, read as made).
    #[test]
    fn a_view_reads_the_latest_block_not_the_pending_one() {
        crate::block_on_blob_threads(async {
            let anvil = crate::anvil::Anvil::spawn(None).await.expect("anvil (npm install)");
            let l1 = anvil.rpc().unwrap();
            let signer = &crate::dev_signers()[0];
            // Init code returning the runtime `SELFBALANCE PUSH0 MSTORE PUSH1 32 PUSH0 RETURN`:
            // any call answers the contract's balance, in wei, as one word.
            let init = alloy_primitives::hex!("6007600a5f3960075ff3475f5260205ff3");
            let me = l1.send(signer, L1Tx::create(init.to_vec())).await.unwrap();
            let me = me.contract_address.unwrap();
            let pay = |wei: u64| L1Tx::call(me, Bytes::new()).with_value(U256::from(wei));
            l1.send(signer, pay(1)).await.unwrap();
            let balance = async || {
                U256::from_be_slice(&l1.call(signer.address(), me, Bytes::new()).await.unwrap())
            };
            assert_eq!(balance().await, U256::from(1));

            let _: serde_json::Value =
                l1.provider.raw_request("evm_setAutomine".into(), (false,)).await.unwrap();
            let mut pending = L1Tx::call(me, Bytes::new()).with_value(U256::from(5u64));
            pending.gas_limit = Some(100_000);
            let nonce = l1.nonce(signer.address()).await.unwrap();
            let fees = Fees {
                max_fee_per_gas: 10_000_000_000,
                max_priority_fee_per_gas: 1,
                max_fee_per_blob_gas: 0,
            };
            let signed = sign(signer, &pending, 31337, nonce, 100_000, fees).unwrap();
            let _ = l1.provider.send_raw_transaction(&signed.raw).await.unwrap();
            assert_eq!(
                balance().await,
                U256::from(1),
                "the pooled payment is not the chain's state"
            );
            l1.mine().await.unwrap();
            assert_eq!(balance().await, U256::from(6), "mined, it is");
        })
        .unwrap();
    }

    /// An endpoint that accepts connections and never answers fails the call after the timeout,
    /// as a transport error, instead of hanging it.
    #[tokio::test]
    async fn a_silent_endpoint_times_out() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let held: Vec<_> = listener.incoming().collect();
            drop(held);
        });
        let l1 = RpcL1::connect_with_timeout(&url, std::time::Duration::from_millis(300)).unwrap();
        let err = l1.head().await.unwrap_err();
        assert!(matches!(err, L1Error::Transport(_)), "{err}");
    }
}
