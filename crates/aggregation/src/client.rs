//! An application's side of the aggregator's RPC: it sends its proofs with a fee voucher from
//! its prepaid balance, and waits until they are in a batch verified on chain.
//!
//! What a voucher signs comes from L1 and the submitter's own memory, never from the aggregator:
//! the fee is the contract's `feePerProof`, and the chain continues the payer's charged head
//! (`chargedChainOf`) through the submissions this submitter made since. A head taken from the
//! aggregator would let it slip a link of its own choosing (any submission, any fee) into the
//! payer's signed chain, and charge the payer for it. One payer key belongs to one submitter: a
//! second one sharing it breaks the chain, and its submissions are refused.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, FixedBytes, U256};
use jsonrpsee::{
    core::ClientError as RpcError,
    http_client::{HttpClient, HttpClientBuilder},
};

use tribunal_contracts::ProofAggregator;
use tribunal_l1::{L1, L1Error, view};

use crate::{
    batch::{Entry, FeeVoucher, submission_id},
    rpc::{AggregatorApiClient, Inclusion, codes},
    store::Status,
};

/// Why a proof did not get verified through the aggregator.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The RPC call failed (transport, or the service's own failure): retry.
    #[error("aggregator RPC {url}: {source}")]
    Rpc {
        /// The endpoint.
        url: String,
        /// The failure.
        source: RpcError,
    },
    /// The aggregator refused the submission (a bad proof, a voucher it does not accept, a
    /// balance too low: the message says which; codes in [`codes`]). Nothing was stored.
    #[error("the aggregator refused the submission ({code}): {message}")]
    Refused {
        /// The JSON-RPC error code.
        code: i32,
        /// Its message.
        message: String,
    },
    /// The aggregator took the submission and dropped it later (a batch refused it, or a
    /// submission before it in the payer's chain left the queue).
    #[error("submission {id} was rejected: {reason}")]
    Rejected {
        /// The submission id.
        id: B256,
        /// Why, as the aggregator records it.
        reason: String,
    },
    /// Reading L1 failed (the fee, the charged head, the chain id).
    #[error(transparent)]
    L1(#[from] L1Error),
    /// The submission is pending, and no batch took it in the time given.
    #[error("submission {id} not verified within {secs} s")]
    Timeout {
        /// The submission id.
        id: B256,
        /// The wait, in seconds.
        secs: u64,
    },
    /// The aggregator reports a submission aggregated but serves no inclusion path for it.
    #[error("submission {id} is aggregated but the aggregator has no path for proof {proof_id}")]
    NoPath {
        /// The submission id.
        id: B256,
        /// The proof.
        proof_id: B256,
    },
}

impl ClientError {
    /// Whether trying again later may succeed (the transport, or a proof not batched yet).
    pub const fn is_temporary(&self) -> bool {
        match self {
            Self::Rpc { .. } | Self::Timeout { .. } | Self::NoPath { .. } => true,
            Self::L1(e) => e.is_temporary(),
            Self::Refused { code, .. } => *code == codes::INTERNAL,
            Self::Rejected { .. } => false,
        }
    }
}

/// An off-chain submitter: one aggregator endpoint and the key that pays from its prepaid
/// balance (`ProofAggregator.deposit`).
#[derive(Clone)]
pub struct Submitter {
    url: String,
    client: HttpClient,
    payer: PrivateKeySigner,
    /// The `ProofAggregator`, read once from `aggregator_info`.
    contract: Arc<tokio::sync::OnceCell<Address>>,
    /// This submitter's links not known charged yet, oldest first.
    links: Arc<Mutex<Vec<Link>>>,
}

/// One submission's link in the payer's voucher chain.
#[derive(Clone, Copy, Debug)]
struct Link {
    id: B256,
    /// The chain's head with this link.
    chain: FixedBytes<20>,
}

impl std::fmt::Debug for Submitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submitter")
            .field("url", &self.url)
            .field("payer", &self.payer.address())
            .field("contract", &self.contract.get())
            .finish_non_exhaustive()
    }
}

impl Submitter {
    /// A submitter to the aggregator at `url` (`http://host:port`), paying from `payer`'s
    /// prepaid balance. Nothing is sent yet: the aggregator's contract and L1 chain id, which
    /// every voucher's EIP-712 domain names, are read at the first call that needs them.
    ///
    /// # Errors
    /// [`ClientError::Rpc`] when `url` is not an HTTP URL.
    pub fn new(url: &str, payer: PrivateKeySigner) -> Result<Self, ClientError> {
        let client = HttpClientBuilder::default()
            .build(url)
            .map_err(|source| ClientError::Rpc { url: url.into(), source })?;
        Ok(Self {
            url: url.into(),
            client,
            payer,
            contract: Default::default(),
            links: Default::default(),
        })
    }

    /// [`Self::new`], then reads the aggregator's contract at once.
    ///
    /// # Errors
    /// [`ClientError::Rpc`] when the endpoint is not an aggregator that answers.
    pub async fn connect(url: &str, payer: PrivateKeySigner) -> Result<Self, ClientError> {
        let s = Self::new(url, payer)?;
        s.contract().await?;
        Ok(s)
    }

    /// The `ProofAggregator` the aggregator says it posts to (read from it once). Vouchers are
    /// valid at that contract only (their EIP-712 domain names it); check it against the one
    /// that must verify the proofs (for the rollup, `AggregatedZkVerifier.AGGREGATOR`).
    ///
    /// # Errors
    /// [`ClientError::Rpc`] on the first call, when the aggregator does not answer.
    pub async fn contract(&self) -> Result<Address, ClientError> {
        let read = async || {
            let info = self.client.info().await.map_err(|e| self.rpc(e))?;
            Ok::<_, ClientError>(info.contract)
        };
        self.contract.get_or_try_init(read).await.copied()
    }

    fn links(&self) -> std::sync::MutexGuard<'_, Vec<Link>> {
        self.links.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The head the next voucher continues: the charged head on L1, then this submitter's
    /// links after it (the links up to the charged one are forgotten).
    fn head_after(&self, charged: FixedBytes<20>) -> FixedBytes<20> {
        let mut links = self.links();
        if let Some(at) = links.iter().position(|l| l.chain == charged) {
            links.drain(..=at);
        }
        links.last().map_or(charged, |l| l.chain)
    }

    /// The payer's address.
    pub fn payer(&self) -> Address {
        self.payer.address()
    }

    fn rpc(&self, source: RpcError) -> ClientError {
        match source {
            RpcError::Call(e) if e.code() != codes::INTERNAL => {
                ClientError::Refused { code: e.code(), message: e.message().into() }
            }
            source => ClientError::Rpc { url: self.url.clone(), source },
        }
    }

    /// Where `entry`'s proof id was verified, if it was (by anyone's submission: the id is the
    /// circuit and the public inputs, not the proof bytes).
    ///
    /// # Errors
    /// [`ClientError::Rpc`].
    pub async fn inclusion(&self, entry: &Entry) -> Result<Option<Inclusion>, ClientError> {
        let found = self.client.get_inclusion(entry.circuit_id, entry.inputs.clone()).await;
        found.map_err(|e| self.rpc(e))
    }

    /// Submits `entries` (1 to 16 proofs) at the contract's fee per proof, with a voucher that
    /// continues the payer's chain: its charged head on `l1`, then this submitter's links not
    /// charged yet. A submission the aggregator already holds (a retry after a restart) is not
    /// an error. Returns the submission id.
    ///
    /// # Errors
    /// [`ClientError::Refused`] with the aggregator's reason (a refused voucher also forgets
    /// this submitter's uncharged links, so the next one starts from the charged head);
    /// [`ClientError::L1`]; [`ClientError::Rpc`].
    pub async fn submit(&self, l1: &impl L1, entries: Vec<Entry>) -> Result<B256, ClientError> {
        let id = submission_id(&entries);
        let contract = self.contract().await?;
        let chain_id = l1.chain_id().await?;
        let fee = view(l1, contract, ProofAggregator::feePerProofCall {}).await?;
        let fee = fee * U256::from(entries.len());
        let charged =
            view(l1, contract, ProofAggregator::chargedChainOfCall { _submitter: self.payer() });
        let head = self.head_after(charged.await?);
        let voucher = FeeVoucher::sign(&self.payer, head, id, fee, chain_id, contract);
        let chain = voucher.chain;
        match self.client.submit(entries, voucher).await {
            Ok(id) => {
                self.links().push(Link { id, chain });
                Ok(id)
            }
            Err(RpcError::Call(e)) if e.code() == codes::DUPLICATE => Ok(id),
            Err(e) => {
                let e = self.rpc(e);
                if matches!(e, ClientError::Refused { code: codes::BAD_VOUCHER, .. }) {
                    self.links().clear();
                }
                Err(e)
            }
        }
    }

    /// `entry`'s proof verified on chain: its inclusion path at once if it already is, or after
    /// submitting it alone and polling every `every` for at most `wait`.
    ///
    /// # Errors
    /// [`ClientError::Timeout`] past `wait` (the submission stays queued; calling again waits
    /// on); [`ClientError::Rejected`]; those of [`Self::submit`].
    pub async fn verified(
        &self,
        l1: &impl L1,
        entry: Entry,
        wait: Duration,
        every: Duration,
    ) -> Result<Inclusion, ClientError> {
        if let Some(found) = self.inclusion(&entry).await? {
            return Ok(found);
        }
        let id = self.submit(l1, vec![entry.clone()]).await?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let status = self.client.get_submission(id).await.map_err(|e| self.rpc(e))?;
            match status.map(|s| s.status) {
                Some(Status::Rejected { reason, .. }) => {
                    // Its link, and every link after it, can never be charged.
                    let mut links = self.links();
                    if let Some(at) = links.iter().position(|l| l.id == id) {
                        links.truncate(at);
                    }
                    return Err(ClientError::Rejected { id, reason });
                }
                Some(Status::Aggregated { .. } | Status::Forced) => {
                    return self
                        .inclusion(&entry)
                        .await?
                        .ok_or(ClientError::NoPath { id, proof_id: entry.proof_id() });
                }
                Some(Status::Pending) | None => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Timeout { id, secs: wait.as_secs() });
            }
            tokio::time::sleep(every).await;
        }
    }
}
