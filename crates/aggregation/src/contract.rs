//! Typed calls of `ProofAggregator` for operators and applications: deploy, register a key,
//! submit on chain, prepay, force, and the inclusion check.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use tribunal_contracts::ProofAggregator;
use tribunal_l1::{L1, L1Error, L1Receipt, L1Result, L1Tx, view};

use crate::{
    batch::{Entry, Source, Submission},
    groth16::VerifyingKey,
};

/// A deployment's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregatorParams {
    /// The aggregator's account.
    pub aggregator: Address,
    /// Fee per on-chain proof, in wei.
    pub fee_per_proof: U256,
    /// Seconds before a submission can be forced.
    pub aggregation_deadline: u64,
    /// Wei per forced proof paid from the collateral.
    pub censorship_penalty: U256,
    /// Collateral deposited at deployment, in wei.
    pub collateral: U256,
}

impl AggregatorParams {
    /// Defaults for `aggregator`: 0.0001 ETH per proof, a 1-hour deadline, a 0.01 ETH penalty
    /// per forced proof, 10 ETH of collateral (the penalties of 1,000 pending proofs).
    pub fn new(aggregator: Address) -> Self {
        Self {
            aggregator,
            fee_per_proof: U256::from(100_000_000_000_000u64),
            aggregation_deadline: 3600,
            censorship_penalty: U256::from(10_000_000_000_000_000u64),
            collateral: U256::from(10_000_000_000_000_000_000u128),
        }
    }
}

fn receipt_event<E: SolEvent>(r: &L1Receipt) -> L1Result<E> {
    r.logs
        .iter()
        .find_map(|l| E::decode_log(l).ok().map(|e| e.data))
        .ok_or_else(|| L1Error::InvalidTx(format!("no {} event in {}", E::SIGNATURE, r.tx_hash)))
}

/// Deploys a `ProofAggregator` from `deployer` and deposits the collateral.
///
/// # Errors
/// The [`L1Error`] of either transaction.
pub async fn deploy(
    l1: &impl L1,
    deployer: &PrivateKeySigner,
    p: AggregatorParams,
) -> L1Result<Address> {
    let args = ProofAggregator::constructorCall {
        _aggregator: p.aggregator,
        _feePerProof: p.fee_per_proof,
        _aggregationDeadline: p.aggregation_deadline,
        _censorshipPenalty: p.censorship_penalty,
    };
    let code = [ProofAggregator::BYTECODE.as_ref(), &args.abi_encode()].concat();
    let r = l1.send(deployer, L1Tx::create(code)).await?;
    let at = r.contract_address.ok_or_else(|| L1Error::InvalidTx("no contract created".into()))?;
    if !p.collateral.is_zero() {
        let call = ProofAggregator::depositCollateralCall {};
        l1.send(deployer, L1Tx::call(at, call.abi_encode()).with_value(p.collateral)).await?;
    }
    Ok(at)
}

/// Registers `vk` unless it already is; returns its circuit id (as the contract computed it).
///
/// # Errors
/// [`L1Error::Revert`] with `Aggregator_InvalidVerifyingKey` for a malformed key.
pub async fn register(
    l1: &impl L1,
    from: &PrivateKeySigner,
    contract: Address,
    vk: &VerifyingKey,
) -> L1Result<B256> {
    let id = crate::groth16::circuit_id(vk);
    if !view(l1, contract, ProofAggregator::publicInputCountCall { _circuitId: id })
        .await?
        .is_zero()
    {
        return Ok(id);
    }
    let call = ProofAggregator::registerVerifyingKeyCall { _vk: vk.clone() };
    let r = l1.send(from, L1Tx::call(contract, call.abi_encode())).await?;
    Ok(receipt_event::<ProofAggregator::CircuitRegistered>(&r)?.circuitId)
}

/// The `submit` call of `entries`.
pub fn submit_call(entries: &[Entry]) -> ProofAggregator::submitCall {
    ProofAggregator::submitCall {
        _circuitIds: entries.iter().map(|e| e.circuit_id).collect(),
        _proofs: entries.iter().map(Entry::proof).collect(),
        _publicInputs: entries.iter().map(|e| e.inputs.clone()).collect(),
    }
}

/// Submits `entries` on chain at the posted fee; returns the submission (with the record
/// `Submitted` emitted) and the receipt.
///
/// # Errors
/// [`L1Error::Revert`] with the contract's error (see `ProofAggregator.submit`).
pub async fn submit(
    l1: &impl L1,
    from: &PrivateKeySigner,
    contract: Address,
    entries: &[Entry],
) -> L1Result<(Submission, L1Receipt)> {
    let fee =
        view(l1, contract, ProofAggregator::feePerProofCall {}).await? * U256::from(entries.len());
    let r = l1
        .send(from, L1Tx::call(contract, submit_call(entries).abi_encode()).with_value(fee))
        .await?;
    let ev = receipt_event::<ProofAggregator::Submitted>(&r)?;
    let submission = Submission {
        id: ev.submissionId,
        source: Source::onchain(&ev.record),
        entries: entries.to_vec(),
    };
    Ok((submission, r))
}

/// Forces an on-chain submission past its deadline (`forceVerify`), from anyone.
///
/// # Errors
/// [`L1Error::Revert`] with `Aggregator_DeadlineNotPassed`, `Aggregator_UnknownSubmission` or
/// `Aggregator_InvalidProof`; [`L1Error::InvalidTx`] for an off-chain submission.
pub async fn force(
    l1: &impl L1,
    from: &PrivateKeySigner,
    contract: Address,
    submission: &Submission,
) -> L1Result<L1Receipt> {
    let record = submission
        .record()
        .ok_or_else(|| L1Error::InvalidTx("an off-chain submission cannot be forced".into()))?;
    let s = submit_call(&submission.entries);
    let call = ProofAggregator::forceVerifyCall {
        _circuitIds: s._circuitIds,
        _proofs: s._proofs,
        _publicInputs: s._publicInputs,
        _record: record,
    };
    l1.send(from, L1Tx::call(contract, call.abi_encode())).await
}

/// Verifies the statements of `pending`, an on-chain submission, now and singly with the proofs
/// `entries` (valid proofs of the same statements, in the same order): `verifyPending`, from
/// anyone. The pending submitter's fee goes back to its prepaid balance.
///
/// # Errors
/// [`L1Error::Revert`] with `Aggregator_UnknownSubmission` (nothing pending, or other
/// statements) or `Aggregator_InvalidProof`; [`L1Error::InvalidTx`] for an off-chain submission.
pub async fn verify_pending(
    l1: &impl L1,
    from: &PrivateKeySigner,
    contract: Address,
    pending: &Submission,
    entries: &[Entry],
) -> L1Result<L1Receipt> {
    let record = pending.record().ok_or_else(|| {
        L1Error::InvalidTx("an off-chain submission is not pending on chain".into())
    })?;
    let s = submit_call(entries);
    let call = ProofAggregator::verifyPendingCall {
        _circuitIds: s._circuitIds,
        _proofs: s._proofs,
        _publicInputs: s._publicInputs,
        _record: record,
    };
    l1.send(from, L1Tx::call(contract, call.abi_encode())).await
}

/// Prepays `wei` for off-chain submissions.
///
/// # Errors
/// The transaction's [`L1Error`].
pub async fn deposit(
    l1: &impl L1,
    from: &PrivateKeySigner,
    contract: Address,
    wei: U256,
) -> L1Result<L1Receipt> {
    l1.send(
        from,
        L1Tx::call(contract, ProofAggregator::depositCall {}.abi_encode()).with_value(wei),
    )
    .await
}

/// `isProofVerified(circuitId, inputs, path)`.
///
/// # Errors
/// The call's [`L1Error`].
pub async fn is_proof_verified(
    l1: &impl L1,
    contract: Address,
    circuit_id: B256,
    inputs: &[U256],
    path: &[B256],
) -> L1Result<bool> {
    let call = ProofAggregator::isProofVerifiedCall {
        _circuitId: circuit_id,
        _publicInputs: inputs.to_vec(),
        _merkleProof: path.to_vec(),
    };
    view(l1, contract, call).await
}
