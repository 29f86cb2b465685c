//! An application's side of the aggregator's RPC: it sends its proofs with a fee voucher from
//! its prepaid balance, and waits until they are in a batch verified on chain.
//!
//! The aggregator is not trusted with anything the payer signs or relies on:
//! - the contract a voucher's EIP-712 domain names is the caller's (for the rollup, its
//!   `AggregatedZkVerifier.AGGREGATOR`), not the one the aggregator reports;
//! - the fee is the contract's `feePerProof`, and a submitter signs none above its cap
//!   ([`Submitter::new`]): the aggregator's operator may raise the fee at any moment;
//! - the chain a voucher extends is the payer's charged head (`chargedChainOf`) and this
//!   submitter's own links since; a head taken from the aggregator would let it slip a link of
//!   its choosing (any submission, any fee) into the payer's signed chain;
//! - a submission is linked once: trying it again re-sends its first voucher, so no wait, retry
//!   or claimed loss makes the payer sign a second link for it (the contract would charge both);
//! - an inclusion path counts only once `isProofVerified` accepts it on L1.
//!
//! One payer key belongs to one submitter: a second one sharing it forks the chain, and the
//! fork's submissions are refused.

use std::{sync::Arc, time::Duration};

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

/// The longest Merkle path a submitter accepts: a batch of 2^32 proofs.
pub const MAX_PATH: usize = 32;

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
    /// The aggregator took the submission and dropped it later, and dropped it again when it
    /// was sent once more.
    #[error("submission {id} was rejected: {reason}")]
    Rejected {
        /// The submission id.
        id: B256,
        /// Why, as the aggregator records it.
        reason: String,
    },
    /// The contract's fee per proof is above this submitter's cap: nothing was signed.
    #[error("fee per proof {fee_per_proof} wei is above the cap of {cap} wei")]
    FeeAboveCap {
        /// `feePerProof`, in wei.
        fee_per_proof: U256,
        /// The cap, in wei.
        cap: U256,
    },
    /// Reading L1 failed (the fee, the charged head, the chain id, an inclusion check).
    #[error(transparent)]
    L1(#[from] L1Error),
    /// No path the contract accepts came in the time given; the submission stays queued.
    #[error("submission {id} not verified within {secs} s")]
    Timeout {
        /// The submission id.
        id: B256,
        /// The wait, in seconds.
        secs: u64,
    },
}

impl ClientError {
    /// Whether trying again later may succeed without anything changing on this side (the
    /// transport, L1, or a proof not batched yet).
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::Rpc { .. } | Self::Timeout { .. } => true,
            Self::L1(e) => e.is_temporary(),
            Self::Refused { .. } | Self::Rejected { .. } | Self::FeeAboveCap { .. } => false,
        }
    }
}

/// One submission's link in the payer's voucher chain, and the voucher that signed it.
#[derive(Clone, Debug)]
struct Link {
    id: B256,
    /// The head it extends.
    parent: FixedBytes<20>,
    voucher: FeeVoucher,
}

/// An off-chain submitter: one aggregator endpoint and the key that pays from its prepaid
/// balance (`ProofAggregator.deposit`). Clones share its links.
#[derive(Clone)]
pub struct Submitter {
    url: String,
    client: HttpClient,
    payer: PrivateKeySigner,
    max_fee_per_proof: U256,
    /// This submitter's links not known charged yet, oldest first. Held across a whole
    /// submission, so that two of them never extend the same head.
    links: Arc<tokio::sync::Mutex<Vec<Link>>>,
}

impl std::fmt::Debug for Submitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submitter")
            .field("url", &self.url)
            .field("payer", &self.payer.address())
            .field("max_fee_per_proof", &self.max_fee_per_proof)
            .finish_non_exhaustive()
    }
}

impl Submitter {
    /// A submitter to the aggregator at `url` (`http://host:port`), paying from `payer`'s
    /// prepaid balance at most `max_fee_per_proof` wei per proof. Nothing is sent yet.
    ///
    /// # Errors
    /// [`ClientError::Rpc`] when `url` is not an HTTP URL.
    pub fn new(
        url: &str,
        payer: PrivateKeySigner,
        max_fee_per_proof: U256,
    ) -> Result<Self, ClientError> {
        let client = HttpClientBuilder::default()
            .build(url)
            .map_err(|source| ClientError::Rpc { url: url.into(), source })?;
        Ok(Self { url: url.into(), client, payer, max_fee_per_proof, links: Default::default() })
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

    /// Where `entry`'s proof id was verified in `contract`, if it was (by anyone's submission:
    /// the id is the circuit and the public inputs, not the proof bytes). A path the aggregator
    /// serves counts only if it is for this proof id, at most [`MAX_PATH`] long, and
    /// `isProofVerified` accepts it on `l1`.
    ///
    /// # Errors
    /// [`ClientError::Rpc`], [`ClientError::L1`].
    pub async fn inclusion(
        &self,
        l1: &impl L1,
        contract: Address,
        entry: &Entry,
    ) -> Result<Option<Inclusion>, ClientError> {
        let found = self.client.get_inclusion(entry.circuit_id, entry.inputs.clone()).await;
        let Some(found) = found.map_err(|e| self.rpc(e))? else { return Ok(None) };
        if found.proof_id != entry.proof_id() || found.merkle_proof.len() > MAX_PATH {
            return Ok(None);
        }
        let call = ProofAggregator::isProofVerifiedCall {
            _circuitId: entry.circuit_id,
            _publicInputs: entry.inputs.clone(),
            _merkleProof: found.merkle_proof.clone(),
        };
        Ok(view(l1, contract, call).await?.then_some(found))
    }

    /// Submits `entries` (1 to 16 proofs) to be aggregated into `contract`, at its fee per
    /// proof, with a voucher that extends the payer's charged head on `l1` through this
    /// submitter's links not charged yet. A submission this submitter linked before goes again
    /// with the voucher it had; one the aggregator already holds is not an error. Returns the
    /// submission id.
    ///
    /// # Errors
    /// [`ClientError::FeeAboveCap`] (nothing signed); [`ClientError::Refused`] with the
    /// aggregator's reason; [`ClientError::L1`]; [`ClientError::Rpc`].
    pub async fn submit(
        &self,
        l1: &impl L1,
        contract: Address,
        entries: Vec<Entry>,
    ) -> Result<B256, ClientError> {
        let id = submission_id(&entries);
        let mut links = self.links.lock().await;
        let voucher = match links.iter().find(|l| l.id == id) {
            Some(linked) => linked.voucher.clone(),
            None => {
                let per_proof = view(l1, contract, ProofAggregator::feePerProofCall {}).await?;
                if per_proof > self.max_fee_per_proof {
                    return Err(ClientError::FeeAboveCap {
                        fee_per_proof: per_proof,
                        cap: self.max_fee_per_proof,
                    });
                }
                let fee = per_proof * U256::from(entries.len());
                let call = ProofAggregator::chargedChainOfCall { _submitter: self.payer() };
                let charged = view(l1, contract, call).await?;
                let parent = head_after(&mut links, charged);
                let chain_id = l1.chain_id().await?;
                let voucher = FeeVoucher::sign(&self.payer, parent, id, fee, chain_id, contract);
                links.push(Link { id, parent, voucher: voucher.clone() });
                voucher
            }
        };
        match self.client.submit(entries, voucher).await {
            Ok(_) => Ok(id),
            Err(RpcError::Call(e)) if e.code() == codes::DUPLICATE => Ok(id),
            Err(e) => {
                let e = self.rpc(e);
                // Refused, nothing stored: this link and the ones after it can never be
                // charged (a sibling link signed later from the same head cannot be charged
                // with it: the contract follows one chain). Otherwise (the transport) the link
                // stays, and its voucher is what goes if this id is sent again.
                if let (ClientError::Refused { .. }, Some(at)) =
                    (&e, links.iter().position(|l| l.id == id))
                {
                    links.truncate(at);
                }
                Err(e)
            }
        }
    }

    /// `entry`'s proof verified in `contract`: its inclusion path at once if it already is, or
    /// after submitting it alone (see [`Self::submit`]) and polling every `every` for at most
    /// `wait`. A submission the aggregator reports rejected, or does not know, is sent once more
    /// in the same call, with the same voucher.
    ///
    /// # Errors
    /// [`ClientError::Timeout`] past `wait` (calling again waits on, signing nothing new);
    /// [`ClientError::Rejected`] when it was rejected again; those of [`Self::submit`] and
    /// [`Self::inclusion`].
    pub async fn verified(
        &self,
        l1: &impl L1,
        contract: Address,
        entry: Entry,
        wait: Duration,
        every: Duration,
    ) -> Result<Inclusion, ClientError> {
        let id = submission_id(std::slice::from_ref(&entry));
        let deadline = tokio::time::Instant::now() + wait;
        let mut sent = false;
        loop {
            if let Some(found) = self.inclusion(l1, contract, &entry).await? {
                return Ok(found);
            }
            let status = self.client.get_submission(id).await.map_err(|e| self.rpc(e))?;
            match status.map(|s| s.status) {
                Some(Status::Rejected { reason, .. }) if sent => {
                    return Err(ClientError::Rejected { id, reason });
                }
                Some(Status::Rejected { .. }) | None => {
                    self.submit(l1, contract, vec![entry.clone()]).await?;
                    sent = true;
                }
                // Aggregated: its path counts once L1 accepts it.
                Some(Status::Pending | Status::Aggregated { .. } | Status::Forced) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::Timeout { id, secs: wait.as_secs() });
            }
            tokio::time::sleep(every).await;
        }
    }
}

/// The head the next voucher extends: the charged head, then the links after it. The links up
/// to the charged one are charged and forgotten; links that do not extend the charged head
/// (their chain lost a link the aggregator dropped, or another submitter's charge moved the
/// head) can never be charged, and are forgotten too.
fn head_after(links: &mut Vec<Link>, charged: FixedBytes<20>) -> FixedBytes<20> {
    if let Some(at) = links.iter().position(|l| l.voucher.chain == charged) {
        links.drain(..=at);
    }
    if links.first().is_some_and(|l| l.parent != charged) {
        links.clear();
    }
    links.last().map_or(charged, |l| l.voucher.chain)
}
