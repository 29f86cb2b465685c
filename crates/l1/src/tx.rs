//! Building and signing the transactions both backends send.

use alloy::{
    consensus::{
        SignableTransaction, TxEip1559, TxEip4844, TxEip4844Variant, TxEip4844WithSidecar,
        TxEnvelope,
    },
    eips::{eip2718::Encodable2718, eip7594::BlobTransactionSidecarVariant},
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{B256, Bytes, TxKind};

use crate::{L1Error, L1Result, L1Tx};

/// Fee caps, in wei per gas and wei per blob gas.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fees {
    pub(crate) max_fee_per_gas: u128,
    pub(crate) max_priority_fee_per_gas: u128,
    pub(crate) max_fee_per_blob_gas: u128,
}

/// A signed transaction, in the network (EIP-2718, sidecar included) encoding.
#[derive(Debug)]
pub(crate) struct SignedTx {
    pub(crate) hash: B256,
    pub(crate) raw: Bytes,
}

/// Signs `tx` as an EIP-1559 transaction, or EIP-4844 with an EIP-7594 sidecar when it has blobs.
pub(crate) fn sign(
    signer: &PrivateKeySigner,
    tx: &L1Tx,
    chain_id: u64,
    nonce: u64,
    gas_limit: u64,
    fees: Fees,
) -> L1Result<SignedTx> {
    let signing_err = |e: alloy::signers::Error| L1Error::InvalidTx(format!("signing: {e}"));
    let envelope = match &tx.sidecar {
        None => {
            let mut t = TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: fees.max_fee_per_gas,
                max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
                to: tx.to.map_or(TxKind::Create, TxKind::Call),
                value: tx.value,
                access_list: Default::default(),
                input: tx.input.clone(),
            };
            let sig = signer.sign_transaction_sync(&mut t).map_err(signing_err)?;
            TxEnvelope::Eip1559(t.into_signed(sig))
        }
        Some(sidecar) => {
            let to = tx.to.ok_or_else(|| {
                L1Error::InvalidTx("a blob transaction cannot create a contract".into())
            })?;
            let mut t = TxEip4844 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: fees.max_fee_per_gas,
                max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
                to,
                value: tx.value,
                access_list: Default::default(),
                blob_versioned_hashes: sidecar.versioned_hashes().collect(),
                max_fee_per_blob_gas: fees.max_fee_per_blob_gas,
                input: tx.input.clone(),
            };
            let sig = signer.sign_transaction_sync(&mut t).map_err(signing_err)?;
            let with_sidecar = TxEip4844WithSidecar::from_tx_and_sidecar(
                t,
                BlobTransactionSidecarVariant::Eip7594(sidecar.clone()),
            );
            let variant = TxEip4844Variant::TxEip4844WithSidecar(with_sidecar);
            TxEnvelope::Eip4844(alloy::consensus::Signed::new_unhashed(variant, sig))
        }
    };
    Ok(SignedTx { hash: *envelope.tx_hash(), raw: envelope.encoded_2718().into() })
}
