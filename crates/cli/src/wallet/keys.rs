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
    /// An amount with more decimals than its unit has: it is not a whole number of wei.
    #[error("amount {0:?} is not a whole number of wei (ether has 18 decimals, gwei 9)")]
    AmountNotExact(String),
    /// An address that is not 20 bytes of hex.
    #[error("malformed address {0:?}: expected 0x and 40 hex digits")]
    MalformedAddress(String),
    /// A mixed-case address whose EIP-55 checksum does not match: probably a typo.
    #[error("address {0:?} fails its EIP-55 checksum: check it, or write it in one case")]
    BadChecksum(String),
    /// The zero address as a recipient: whatever is sent there is burnt.
    #[error("the zero address is not a recipient: funds sent there are lost")]
    ZeroAddress,
    /// An amount of zero, without `--allow-zero`.
    #[error("amount {0:?} is zero: pass --allow-zero to sign a zero-amount transaction")]
    ZeroAmount(String),
    /// A key file that cannot be read or parsed.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// Key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Parses an amount in wei (`123`) or with a unit (`1.5eth`, `20gwei`). Never signs what the
/// user did not write: empty input, a sign, more decimals than the unit has (it would be
/// truncated), 2^128 wei or more, and zero unless `allow_zero`, are all refused.
///
/// # Errors
/// [`WalletError::MalformedAmount`], [`WalletError::AmountNotExact`],
/// [`WalletError::AmountTooLarge`], [`WalletError::ZeroAmount`].
pub fn parse_amount(s: &str, allow_zero: bool) -> Result<Wei, WalletError> {
    let t = s.trim().to_ascii_lowercase();
    let malformed = || WalletError::MalformedAmount(s.to_owned());
    let (number, decimals) =
        if let Some(v) = t.strip_suffix("ether").or_else(|| t.strip_suffix("eth")) {
            (v.trim(), 18)
        } else if let Some(v) = t.strip_suffix("gwei") {
            (v.trim(), 9)
        } else {
            (t.strip_suffix("wei").unwrap_or(&t).trim(), 0)
        };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return Err(malformed());
    }
    if fraction.trim_end_matches('0').len() > decimals {
        return Err(WalletError::AmountNotExact(s.to_owned()));
    }
    let wei: U256 = if decimals == 0 {
        whole.parse::<U256>().map_err(|_| malformed())?
    } else {
        let unit = if decimals == 18 { "ether" } else { "gwei" };
        parse_units(number, unit).map_err(|_| malformed())?.get_absolute()
    };
    if wei.is_zero() && !allow_zero {
        return Err(WalletError::ZeroAmount(s.to_owned()));
    }
    u128::try_from(wei).map(Wei).map_err(|_| WalletError::AmountTooLarge(wei))
}

/// Parses an L1 recipient address: a mixed-case address must carry a valid EIP-55 checksum (an
/// all-lower or all-upper one has none to check), and the zero address is refused.
///
/// # Errors
/// [`WalletError::MalformedAddress`], [`WalletError::BadChecksum`], [`WalletError::ZeroAddress`].
pub fn parse_recipient(s: &str) -> Result<Address, WalletError> {
    let t = s.trim();
    let digits = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    let address: Address =
        digits.parse().map_err(|_| WalletError::MalformedAddress(s.to_owned()))?;
    let mixed = digits.bytes().any(|b| b.is_ascii_uppercase())
        && digits.bytes().any(|b| b.is_ascii_lowercase());
    if mixed && Address::parse_checksummed(format!("0x{digits}"), None).is_err() {
        return Err(WalletError::BadChecksum(s.to_owned()));
    }
    if address.is_zero() {
        return Err(WalletError::ZeroAddress);
    }
    Ok(address)
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
        let ok = |s: &str| parse_amount(s, false).unwrap();
        assert_eq!(ok("123"), Wei(123));
        assert_eq!(ok("123wei"), Wei(123));
        assert_eq!(ok("1.5eth"), Wei(1_500_000_000_000_000_000));
        assert_eq!(ok("1.5 ether"), Wei(1_500_000_000_000_000_000));
        assert_eq!(ok("20 gwei"), Wei(20_000_000_000));
        assert_eq!(ok("0.000000001gwei"), Wei(1));
        assert_eq!(ok("1.000000000000000001eth"), Wei(1_000_000_000_000_000_001));
        assert_eq!(ok("1.50000000000000000000eth"), Wei(1_500_000_000_000_000_000));
        assert_eq!(ok(&u128::MAX.to_string()), Wei(u128::MAX));
        let two_128 = (U256::from(1u8) << 128usize).to_string();
        assert!(matches!(parse_amount(&two_128, false), Err(WalletError::AmountTooLarge(_))));
        for bad in ["-1", "lots", "", " ", "eth", ".", "1.2.3", "1e18", "0x10", "+1"] {
            assert!(
                matches!(parse_amount(bad, false), Err(WalletError::MalformedAmount(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn recipients_are_checksummed_and_never_zero() {
        let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert_eq!(parse_recipient(good).unwrap(), good.parse::<Address>().unwrap());
        assert!(parse_recipient(&good.to_lowercase()).is_ok());
        assert!(parse_recipient(&good[2..].to_uppercase()).is_ok());
        let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        assert!(matches!(parse_recipient(typo), Err(WalletError::BadChecksum(_))));
        assert!(matches!(
            parse_recipient(&format!("0x{}", "0".repeat(40))),
            Err(WalletError::ZeroAddress)
        ));
        for bad in ["", "0x", "0x1234", "0xzz5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA"] {
            assert!(
                matches!(parse_recipient(bad), Err(WalletError::MalformedAddress(_))),
                "{bad:?}"
            );
        }
    }

    /// Nothing the user did not write is signed: no silent truncation, no silent zero.
    #[test]
    fn amounts_that_would_be_truncated_or_zero_are_refused() {
        for inexact in ["0.0000000001gwei", "1.0000000000000000009eth", "0.5", "1.5wei"] {
            assert!(
                matches!(parse_amount(inexact, false), Err(WalletError::AmountNotExact(_))),
                "{inexact:?}"
            );
        }
        for zero in ["0", "0eth", "0.000gwei"] {
            assert!(
                matches!(parse_amount(zero, false), Err(WalletError::ZeroAmount(_))),
                "{zero:?}"
            );
            assert_eq!(parse_amount(zero, true).unwrap(), Wei(0));
        }
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
