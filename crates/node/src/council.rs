//! Acting as the security council: EIP-712 action digests, member signatures, submission.
//!
//! Mirrors `SecurityCouncil.sol`: members sign `Action(address target,bytes data,uint256 nonce)`
//! under the domain `{name: "TribunalSecurityCouncil", version: "1", chainId, verifyingContract}`;
//! signatures are 65-byte `r ‖ s ‖ v` with low `s` (EIP-2), sorted by signer address.

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolStruct, eip712_domain, sol};
use tribunal_contracts::SecurityCouncil;
use tribunal_l1::{L1, L1Error, L1Receipt, L1Tx};

sol! {
    /// The EIP-712 struct council members sign.
    #[derive(Debug)]
    struct Action {
        address target;
        bytes data;
        uint256 nonce;
    }
}

/// The digest members sign for calling `target` with `data` as action `nonce` of `council`.
pub fn action_digest(
    l1_chain_id: u64,
    council: Address,
    target: Address,
    data: &[u8],
    nonce: u64,
) -> B256 {
    let domain = eip712_domain! {
        name: "TribunalSecurityCouncil",
        version: "1",
        chain_id: l1_chain_id,
        verifying_contract: council,
    };
    Action { target, data: Bytes::copy_from_slice(data), nonce: U256::from(nonce) }
        .eip712_signing_hash(&domain)
}

/// Signatures of `members` over `digest`, sorted by signer address as the contract requires.
///
/// # Errors
/// A signer failure (never for local keys).
pub fn sign_sorted(
    members: &[PrivateKeySigner],
    digest: &B256,
) -> Result<Vec<Bytes>, alloy::signers::Error> {
    let mut sorted: Vec<&PrivateKeySigner> = members.iter().collect();
    sorted.sort_by_key(|m| m.address());
    sorted
        .into_iter()
        .map(|m| Ok(Bytes::from(m.sign_hash_sync(digest)?.as_bytes().to_vec())))
        .collect()
}

/// Reads the council's next action nonce.
///
/// # Errors
/// [`L1Error`] from the call or an undecodable answer.
pub async fn next_nonce(l1: &impl L1, council: Address) -> Result<u64, L1Error> {
    let out =
        l1.call(Address::ZERO, council, SecurityCouncil::nonceCall {}.abi_encode().into()).await?;
    let n = SecurityCouncil::nonceCall::abi_decode_returns(&out)
        .map_err(|e| L1Error::InvalidTx(format!("council nonce: {e}")))?;
    Ok(n.to::<u64>())
}

/// Has `signers` authorize calling `target` with `data`, and submits it from `sender`. TEE
/// changes (and ZK/OP changes whose instant path is open) execute at once; others are queued.
///
/// # Errors
/// [`L1Error::Revert`] with the council's typed error (`Council_CallNotAllowed`,
/// `Council_NotEnoughSignatures`, …).
pub async fn submit(
    l1: &impl L1,
    sender: &PrivateKeySigner,
    council: Address,
    signers: &[PrivateKeySigner],
    target: Address,
    data: Bytes,
) -> Result<(u64, L1Receipt), L1Error> {
    let chain = l1.chain_id().await?;
    let nonce = next_nonce(l1, council).await?;
    let digest = action_digest(chain, council, target, &data, nonce);
    let signatures =
        sign_sorted(signers, &digest).map_err(|e| L1Error::InvalidTx(format!("signing: {e}")))?;
    let call =
        SecurityCouncil::submitCall { _target: target, _data: data, _signatures: signatures };
    let receipt = l1.send(sender, L1Tx::call(council, call.abi_encode())).await?;
    Ok((nonce, receipt))
}
