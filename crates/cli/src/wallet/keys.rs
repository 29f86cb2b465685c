//! L2 key files and the parsing of amounts, keys and chain ids.

use std::path::{Path, PathBuf};

use alloy_primitives::{Address, U256, utils::parse_units};
use serde::{Deserialize, Serialize};
use tribunal_primitives::{ChainId, PrivateKey, Wei, field::fr_to_decimal};

/// Typed wallet errors.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// A private key that does not parse.
    #[error("malformed private key: expected 32 bytes of hex (64 hex digits, optional 0x)")]
    MalformedKey,
    /// An Ethereum key that is not a valid secp256k1 scalar.
    #[error(transparent)]
    EthKey(#[from] tribunal_primitives::error::L2KeyError),
    /// Chain id 0.
    #[error("chain id 0 is not a valid chain id")]
    ZeroChainId,
    /// The key file belongs to another chain.
    #[error("wrong chain id: key {path} is for chain {key}, not chain {given}")]
    WrongChainId {
        /// Key file.
        path: PathBuf,
        /// Chain of the key.
        key: u64,
        /// Chain asked for.
        given: u64,
    },
    /// An amount that is not a number.
    #[error("malformed amount {0:?}: use wei (123), or a unit (1.5eth, 20gwei)")]
    MalformedAmount(String),
    /// An amount of 2^128 wei or more.
    #[error("amount {0} wei is not below 2^128")]
    AmountTooLarge(U256),
    /// A key file that cannot be read or parsed.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// Key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Parses an amount in wei (`123`) or with a unit (`1.5eth`, `20gwei`), refusing 2^128 or more.
///
/// # Errors
/// [`WalletError::MalformedAmount`], [`WalletError::AmountTooLarge`].
pub fn parse_amount(s: &str) -> Result<Wei, WalletError> {
    let t = s.trim().to_ascii_lowercase();
    let malformed = || WalletError::MalformedAmount(s.to_owned());
    let wei: U256 = if let Some(v) = t.strip_suffix("eth").or_else(|| t.strip_suffix("ether")) {
        parse_units(v.trim(), "ether").map_err(|_| malformed())?.get_absolute()
    } else if let Some(v) = t.strip_suffix("gwei") {
        parse_units(v.trim(), "gwei").map_err(|_| malformed())?.get_absolute()
    } else {
        t.strip_suffix("wei").unwrap_or(&t).trim().parse::<U256>().map_err(|_| malformed())?
    };
    u128::try_from(wei).map(Wei).map_err(|_| WalletError::AmountTooLarge(wei))
}

/// Parses a 32-byte hex private key.
///
/// # Errors
/// [`WalletError::MalformedKey`].
pub fn parse_key(s: &str) -> Result<[u8; 32], WalletError> {
    hex::decode(s.trim().trim_start_matches("0x"))
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or(WalletError::MalformedKey)
}

/// Checks a chain id is not 0.
///
/// # Errors
/// [`WalletError::ZeroChainId`].
pub const fn chain(id: u64) -> Result<ChainId, WalletError> {
    if id == 0 { Err(WalletError::ZeroChainId) } else { Ok(ChainId(id)) }
}

/// A key file's contents.
#[derive(Serialize, Deserialize, Debug)]
pub struct KeyFile {
    /// L2 chain the key signs for.
    pub chain_id: u64,
    /// 32-byte EdDSA secret, hex.
    pub private_key: String,
    /// Public key coordinates, decimal.
    pub public_key: PublicKeyJson,
    /// Packed public key (EIP-2494 packing), hex; this is what deposits carry.
    pub packed_public_key: String,
    /// The Ethereum address the key was derived from, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub eth_address: Option<Address>,
}

/// Public key coordinates.
#[derive(Serialize, Deserialize, Debug)]
pub struct PublicKeyJson {
    /// x, decimal.
    pub x: String,
    /// y, decimal.
    pub y: String,
}

impl KeyFile {
    /// Describes `key` for `chain_id`.
    pub fn new(key: &PrivateKey, chain_id: ChainId, eth_address: Option<Address>) -> Self {
        let pk = key.public_key();
        Self {
            chain_id: chain_id.0,
            private_key: format!("0x{}", hex::encode(key.as_bytes())),
            public_key: PublicKeyJson { x: fr_to_decimal(&pk.0.x), y: fr_to_decimal(&pk.0.y) },
            packed_public_key: format!("0x{}", hex::encode(pk.to_bytes())),
            eth_address,
        }
    }

    /// Reads a key file and checks it is for `chain_id` (when given).
    ///
    /// # Errors
    /// [`WalletError::KeyFile`], [`WalletError::MalformedKey`], [`WalletError::WrongChainId`].
    pub fn load(path: &Path, chain_id: Option<u64>) -> Result<(PrivateKey, ChainId), WalletError> {
        let err = |reason: String| WalletError::KeyFile { path: path.to_owned(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let file: Self = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        let key = PrivateKey::from_bytes(parse_key(&file.private_key)?);
        if format!("0x{}", hex::encode(key.public_key().to_bytes())) != file.packed_public_key {
            return Err(err("public key does not match the private key".into()));
        }
        let key_chain = chain(file.chain_id)?;
        if let Some(given) = chain_id {
            chain(given)?;
            if given != file.chain_id {
                return Err(WalletError::WrongChainId {
                    path: path.to_owned(),
                    key: file.chain_id,
                    given,
                });
            }
        }
        Ok((key, key_chain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("123").unwrap(), Wei(123));
        assert_eq!(parse_amount("1.5eth").unwrap(), Wei(1_500_000_000_000_000_000));
        assert_eq!(parse_amount("20 gwei").unwrap(), Wei(20_000_000_000));
        assert_eq!(parse_amount(&u128::MAX.to_string()).unwrap(), Wei(u128::MAX));
        let two_128 = (U256::from(1u8) << 128usize).to_string();
        assert!(matches!(parse_amount(&two_128), Err(WalletError::AmountTooLarge(_))));
        assert!(matches!(parse_amount("-1"), Err(WalletError::MalformedAmount(_))));
        assert!(matches!(parse_amount("lots"), Err(WalletError::MalformedAmount(_))));
    }

    #[test]
    fn keys_and_chains() {
        assert!(matches!(parse_key("0x1234"), Err(WalletError::MalformedKey)));
        assert!(matches!(parse_key(&"zz".repeat(32)), Err(WalletError::MalformedKey)));
        assert!(parse_key(&"ab".repeat(32)).is_ok());
        assert!(matches!(chain(0), Err(WalletError::ZeroChainId)));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let key = PrivateKey::from_bytes([5; 32]);
        std::fs::write(
            &path,
            serde_json::to_string(&KeyFile::new(&key, ChainId(901), None)).unwrap(),
        )
        .unwrap();
        let (loaded, c) = KeyFile::load(&path, Some(901)).unwrap();
        assert_eq!((loaded, c), (key, ChainId(901)));
        assert!(matches!(
            KeyFile::load(&path, Some(902)),
            Err(WalletError::WrongChainId { key: 901, given: 902, .. })
        ));
        std::fs::write(&path, "{").unwrap();
        assert!(matches!(KeyFile::load(&path, None), Err(WalletError::KeyFile { .. })));
    }
}
