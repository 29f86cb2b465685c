//! The aggregator's JSON-RPC API (jsonrpsee), namespace `aggregator`.
//!
//! | method | params | result |
//! |---|---|---|
//! | `aggregator_info` | | [`Info`] |
//! | `aggregator_submit` | [`Entry`] list, [`FeeVoucher`] | submission id |
//! | `aggregator_getSubmission` | submission id | [`SubmissionInfo`] or `null` |
//! | `aggregator_getInclusion` | circuit id, public inputs | [`Inclusion`] or `null` |
//! | `aggregator_getChainHead` | submitter address | 20-byte head its next voucher continues |
//!
//! `aggregator_getChainHead` is what this aggregator expects, for an operator or a client to
//! compare: a client must not sign on it unchecked, since a head that holds a link of the
//! aggregator's choosing would charge the payer for that link ([`crate::client`] computes its
//! own from L1).
//!
//! Words (proof coordinates, inputs, fees in wei) are hex `U256`; ids are 32-byte hex. A refused
//! submission gets a typed error code ([`codes`]) and nothing is stored.

use std::{net::SocketAddr, sync::Arc};

use alloy_primitives::{Address, B256, FixedBytes, U256};
use jsonrpsee::{
    core::{RpcResult, async_trait},
    proc_macros::rpc,
    server::{Server, ServerHandle},
    types::ErrorObjectOwned,
};
use serde::{Deserialize, Serialize};
use tribunal_contracts::ProofAggregator;
use tribunal_l1::{L1, view};

use crate::{
    batch::{Entry, FeeVoucher, Source},
    groth16::proof_id,
    service::{Aggregator, SubmitError},
    store::Status,
};

/// Error codes (JSON-RPC `error.code`).
pub mod codes {
    /// The service failed (L1, storage); retry.
    pub const INTERNAL: i32 = -32603;
    /// The submission is malformed: length, encoding, unknown circuit, id mismatch.
    pub const INVALID_SUBMISSION: i32 = 4100;
    /// A proof does not verify.
    pub const INVALID_PROOF: i32 = 4101;
    /// The fee voucher is refused: signature, chain, fee, balance.
    pub const BAD_VOUCHER: i32 = 4102;
    /// Already known.
    pub const DUPLICATE: i32 = 4103;
}

/// What the aggregator serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// The `ProofAggregator`.
    pub contract: Address,
    /// The L1 chain id (the EIP-712 domain's).
    pub chain_id: u64,
    /// The posted fee per proof, in wei.
    pub fee_per_proof: U256,
    /// Proofs waiting for a batch.
    pub pending_proofs: u64,
    /// Batches posted.
    pub batches: u64,
}

/// A submission's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmissionInfo {
    /// `onchain` or `offchain`.
    pub source: String,
    /// Who submitted.
    pub submitter: Address,
    /// Its status.
    pub status: Status,
    /// Number of proofs.
    pub proofs: u64,
}

/// Where a proof was verified, and the path `isProofVerified` takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inclusion {
    /// The proof id.
    pub proof_id: B256,
    /// The verified batch root.
    pub root: B256,
    /// Siblings from the proof's leaf to the root.
    pub merkle_proof: Vec<B256>,
}

/// The API.
#[rpc(server, client, namespace = "aggregator")]
pub trait AggregatorApi {
    /// See the module docs.
    #[method(name = "info")]
    async fn info(&self) -> RpcResult<Info>;

    /// See the module docs.
    #[method(name = "submit")]
    async fn submit(&self, entries: Vec<Entry>, voucher: FeeVoucher) -> RpcResult<B256>;

    /// See the module docs.
    #[method(name = "getSubmission")]
    async fn get_submission(&self, id: B256) -> RpcResult<Option<SubmissionInfo>>;

    /// See the module docs.
    #[method(name = "getInclusion")]
    async fn get_inclusion(
        &self,
        circuit_id: B256,
        inputs: Vec<U256>,
    ) -> RpcResult<Option<Inclusion>>;

    /// See the module docs and [`Aggregator::chain_head`].
    #[method(name = "getChainHead")]
    async fn get_chain_head(&self, submitter: Address) -> RpcResult<FixedBytes<20>>;
}

fn error(code: i32, message: impl ToString) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.to_string(), None::<()>)
}

fn submit_error(e: SubmitError) -> ErrorObjectOwned {
    let code = match &e {
        SubmitError::BadLength(_)
        | SubmitError::UnknownCircuit(_)
        | SubmitError::Malformed { .. } => codes::INVALID_SUBMISSION,
        SubmitError::InvalidProof(_) => codes::INVALID_PROOF,
        SubmitError::BadSignature
        | SubmitError::WrongChain { .. }
        | SubmitError::FeeTooHigh(_)
        | SubmitError::FeeTooLow { .. }
        | SubmitError::InsufficientBalance { .. } => codes::BAD_VOUCHER,
        SubmitError::Duplicate(_) => codes::DUPLICATE,
        SubmitError::Unavailable(_) => codes::INTERNAL,
    };
    error(code, e)
}

struct Api<L> {
    aggregator: Arc<Aggregator<L>>,
}

#[async_trait]
impl<L: L1 + 'static> AggregatorApiServer for Api<L> {
    async fn info(&self) -> RpcResult<Info> {
        let a = &self.aggregator;
        let fee = view(a.l1(), a.contract(), ProofAggregator::feePerProofCall {})
            .await
            .map_err(|e| error(codes::INTERNAL, e))?;
        let store = a.store();
        let pending = store.pending().map_err(|e| error(codes::INTERNAL, e))?;
        Ok(Info {
            contract: a.contract(),
            chain_id: a.chain_id(),
            fee_per_proof: fee,
            pending_proofs: pending.iter().map(|r| r.submission.entries.len() as u64).sum(),
            batches: store.batch_count().map_err(|e| error(codes::INTERNAL, e))?,
        })
    }

    async fn submit(&self, entries: Vec<Entry>, voucher: FeeVoucher) -> RpcResult<B256> {
        self.aggregator.submit_offchain(entries, voucher).await.map_err(submit_error)
    }

    async fn get_submission(&self, id: B256) -> RpcResult<Option<SubmissionInfo>> {
        let r = self.aggregator.store().record(id).map_err(|e| error(codes::INTERNAL, e))?;
        Ok(r.map(|r| {
            let (source, submitter) = match &r.submission.source {
                Source::Onchain { submitter, .. } => ("onchain", *submitter),
                Source::Offchain(a) => ("offchain", a.submitter),
            };
            SubmissionInfo {
                source: source.into(),
                submitter,
                status: r.status,
                proofs: r.submission.entries.len() as u64,
            }
        }))
    }

    async fn get_inclusion(
        &self,
        circuit_id: B256,
        inputs: Vec<U256>,
    ) -> RpcResult<Option<Inclusion>> {
        let id = proof_id(circuit_id, &inputs);
        let found = self.aggregator.store().inclusion(id).map_err(|e| error(codes::INTERNAL, e))?;
        Ok(found.map(|(root, merkle_proof)| Inclusion { proof_id: id, root, merkle_proof }))
    }

    async fn get_chain_head(&self, submitter: Address) -> RpcResult<FixedBytes<20>> {
        self.aggregator.chain_head(submitter).await.map_err(|e| error(codes::INTERNAL, e))
    }
}

/// Serves the API on `addr` (port 0 picks one); returns the bound address and the handle that
/// stops it.
///
/// # Errors
/// [`std::io::Error`] when the address cannot be bound.
pub async fn serve<L: L1 + 'static>(
    aggregator: Arc<Aggregator<L>>,
    addr: SocketAddr,
) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let server = Server::builder().build(addr).await?;
    let bound = server.local_addr()?;
    Ok((bound, server.start(Api { aggregator }.into_rpc())))
}
