//! Deriving a user's L2 key from their Ethereum key, as zkSync Lite and Loopring do.
//!
//! The Ethereum key signs a fixed EIP-712 message naming the L2 chain; the L2 secret is
//! `keccak256(r ‖ s ‖ v)` of that signature. ECDSA over secp256k1 with RFC 6979 nonces is
//! deterministic, so the same Ethereum key always yields the same L2 key, and any wallet that can
//! sign EIP-712 typed data (MetaMask, hardware wallets) can recover it.
//!
//! Typed data: domain `{ name: "Tribunal", version: "1" }`, primary type
//! `TribunalL2Key(string purpose,uint64 l2ChainId)` with [`L2_KEY_PURPOSE`].

use alloy_primitives::{Address, B256, keccak256};
use alloy_sol_types::{SolStruct, eip712_domain, sol};
use k256::ecdsa::SigningKey;

use crate::{eddsa::PrivateKey, error::L2KeyError, tx::ChainId};

sol! {
    /// The EIP-712 message signed to derive the L2 key.
    #[derive(Debug)]
    struct TribunalL2Key {
        string purpose;
        uint64 l2ChainId;
    }
}

/// The `purpose` string of the key-derivation message.
pub const L2_KEY_PURPOSE: &str = "Derive my Tribunal L2 key. Sign this only in a wallet you trust.";

/// The EIP-712 signing hash of the key-derivation message for `chain_id`.
pub fn l2_key_signing_hash(chain_id: ChainId) -> B256 {
    let domain = eip712_domain! { name: "Tribunal", version: "1", };
    TribunalL2Key { purpose: L2_KEY_PURPOSE.into(), l2ChainId: chain_id.0 }
        .eip712_signing_hash(&domain)
}

/// An Ethereum (secp256k1) key.
#[derive(Clone)]
pub struct EthKey(SigningKey);

impl std::fmt::Debug for EthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("EthKey").field(&self.address()).finish()
    }
}

impl EthKey {
    /// Parses a 32-byte secret key.
    ///
    /// # Errors
    /// [`L2KeyError::MalformedEthKey`] when the bytes are zero or not below the curve order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, L2KeyError> {
        SigningKey::from_slice(bytes).map(Self).map_err(|_| L2KeyError::MalformedEthKey)
    }

    /// Parses a hex secret key, with or without `0x`.
    ///
    /// # Errors
    /// [`L2KeyError::MalformedEthKey`] when it is not 32 hex bytes of a valid scalar.
    pub fn from_hex(s: &str) -> Result<Self, L2KeyError> {
        let bytes: [u8; 32] = alloy_primitives::hex::decode(s.trim())
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or(L2KeyError::MalformedEthKey)?;
        Self::from_bytes(&bytes)
    }

    /// The Ethereum address of this key.
    pub fn address(&self) -> Address {
        Address::from_public_key(self.0.verifying_key())
    }

    /// Signs a 32-byte hash; returns the 65-byte `r ‖ s ‖ v` signature with `v ∈ {27, 28}`.
    pub fn sign_hash(&self, hash: &B256) -> [u8; 65] {
        let (sig, recid) = self
            .0
            .sign_prehash_recoverable(hash.as_slice())
            .expect("signing a 32-byte prehash cannot fail");
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = 27 + recid.to_byte();
        out
    }

    /// Derives the L2 key for `chain_id`.
    ///
    /// # Errors
    /// [`L2KeyError::ZeroChainId`] for chain id 0.
    pub fn derive_l2_key(&self, chain_id: ChainId) -> Result<PrivateKey, L2KeyError> {
        if chain_id.0 == 0 {
            return Err(L2KeyError::ZeroChainId);
        }
        let sig = self.sign_hash(&l2_key_signing_hash(chain_id));
        Ok(PrivateKey::from_bytes(keccak256(sig).0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_deterministic_and_chain_bound() {
        let eth =
            EthKey::from_hex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
                .unwrap();
        let a = eth.derive_l2_key(ChainId(901)).unwrap();
        assert_eq!(a, eth.derive_l2_key(ChainId(901)).unwrap());
        assert_ne!(a, eth.derive_l2_key(ChainId(902)).unwrap());
        assert_eq!(eth.derive_l2_key(ChainId(0)), Err(L2KeyError::ZeroChainId));
        // The signature recovers to the key's address, as any EIP-712 wallet would check.
        let hash = l2_key_signing_hash(ChainId(901));
        let sig = alloy_primitives::Signature::try_from(&eth.sign_hash(&hash)[..]).unwrap();
        assert_eq!(sig.recover_address_from_prehash(&hash).unwrap(), eth.address());
    }

    #[test]
    fn malformed_keys_are_rejected() {
        assert!(EthKey::from_hex("0x00").is_err());
        assert!(EthKey::from_hex(&"00".repeat(32)).is_err());
        assert!(EthKey::from_hex(&"ff".repeat(32)).is_err());
        assert!(EthKey::from_hex("zz").is_err());
    }
}
