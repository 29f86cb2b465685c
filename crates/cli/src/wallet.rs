//! `tribunal wallet`: L2 keys and signed transactions.
//!
//! A key file is JSON: `{ "chain_id", "private_key", "public_key": {x, y}, "packed_public_key",
//! "eth_address"? }`. Keys are bound to one L2 chain id, and signing for another chain is refused.

use std::path::{Path, PathBuf};

use alloy_primitives::{Address, U256, utils::parse_units};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use tribunal_primitives::{
    AccountIndex, ChainId, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw, batch::encode_tx,
    field::fr_to_decimal, l2_key::EthKey,
};

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

/// `tribunal wallet` commands.
#[derive(Subcommand, Debug)]
pub enum WalletCommand {
    /// Create a new random L2 key.
    New(NewArgs),
    /// Derive the L2 key from an Ethereum private key by signing the fixed EIP-712 message.
    Derive(DeriveArgs),
    /// Show a key file's public key and packed public key.
    Show(ShowArgs),
    /// Sign a transfer and print the signed transaction (JSON and canonical hex encoding).
    SignTransfer(SignTransferArgs),
    /// Sign a withdrawal to an L1 address.
    SignWithdraw(SignWithdrawArgs),
    /// Deposit ETH on L1 to a new L2 account of a key file (`--l1-rpc`, `--eth-key`).
    Deposit(DepositArgs),
    /// Sign a transfer and send it to a node (`--rpc`).
    Transfer(SendTransferArgs),
    /// Sign a withdrawal to an L1 address and send it to a node (`--rpc`).
    Withdraw(SendWithdrawArgs),
    /// Show an account at the node's head, with its Merkle proof.
    Account(AccountArgs),
    /// Show where a transaction is (pending, sealed, final, dropped).
    Status(StatusArgs),
    /// Claim a withdrawal on L1 once its batch is final (`--l1-rpc`, `--eth-key`).
    Claim(ClaimArgs),
}

/// A node's JSON-RPC endpoint.
#[derive(Args, Debug, Clone)]
pub struct RpcArgs {
    /// The node's JSON-RPC URL.
    #[arg(long, env = "TRIBUNAL_RPC", default_value = "http://127.0.0.1:8645")]
    pub rpc: String,
    /// With `--wait`, give up after this many seconds.
    #[arg(long, default_value_t = 900)]
    pub timeout_secs: u64,
}

/// An L1 endpoint and the Ethereum key that pays there.
#[derive(Args, Debug, Clone)]
pub struct L1Args {
    /// L1 JSON-RPC URL.
    #[arg(long, env = "TRIBUNAL_L1_RPC")]
    pub l1_rpc: String,
    /// Ethereum private key paying the L1 transaction, 32 bytes hex.
    #[arg(long, env = "TRIBUNAL_ETH_KEY", hide_env_values = true)]
    pub eth_key: String,
}

/// What to wait for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Sealed in a batch.
    Sealed,
    /// Its batch is final on L1.
    Final,
}

/// Arguments of `wallet deposit`.
#[derive(Args, Debug)]
pub struct DepositArgs {
    /// Node endpoint (for the inbox address and `--wait`).
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// L1 endpoint and payer.
    #[command(flatten)]
    pub l1: L1Args,
    /// Key file of the L2 account to create.
    #[arg(long)]
    pub key: PathBuf,
    /// Amount: wei or with a unit (`1eth`).
    #[arg(long)]
    pub amount: String,
    /// Wait until the L2 account exists at the node's head.
    #[arg(long)]
    pub wait: bool,
}

/// What every transaction sent to a node needs.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// Node endpoint.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// Key file of the sender.
    #[arg(long)]
    pub key: PathBuf,
    /// Sender's account index.
    #[arg(long)]
    pub from: u32,
    /// Amount: wei or with a unit.
    #[arg(long)]
    pub amount: String,
    /// Nonce (default: the node's pending nonce of the sender).
    #[arg(long)]
    pub nonce: Option<u64>,
    /// Wait until the transaction is sealed, or final.
    #[arg(long, value_enum)]
    pub wait: Option<Wait>,
}

/// Arguments of `wallet transfer`.
#[derive(Args, Debug)]
pub struct SendTransferArgs {
    /// Node, sender, amount, nonce.
    #[command(flatten)]
    pub send: SendArgs,
    /// Recipient's account index.
    #[arg(long)]
    pub to: u32,
}

/// Arguments of `wallet withdraw`.
#[derive(Args, Debug)]
pub struct SendWithdrawArgs {
    /// Node, sender, amount, nonce.
    #[command(flatten)]
    pub send: SendArgs,
    /// L1 recipient.
    #[arg(long)]
    pub to: Address,
}

/// Arguments of `wallet account`.
#[derive(Args, Debug)]
pub struct AccountArgs {
    /// Node endpoint.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// Account index.
    #[arg(long)]
    pub index: u32,
}

/// Arguments of `wallet status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Node endpoint.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// Transaction hash.
    #[arg(long)]
    pub tx: alloy_primitives::B256,
    /// Wait until it is sealed, or final.
    #[arg(long, value_enum)]
    pub wait: Option<Wait>,
}

/// Arguments of `wallet claim`.
#[derive(Args, Debug)]
pub struct ClaimArgs {
    /// Node endpoint.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// L1 endpoint and payer (anyone may submit a claim; the ETH goes to the recipient).
    #[command(flatten)]
    pub l1: L1Args,
    /// Hash of the withdrawal transaction.
    #[arg(long)]
    pub tx: alloy_primitives::B256,
    /// Wait until its batch is final.
    #[arg(long)]
    pub wait: bool,
}

/// Arguments of `wallet new`.
#[derive(Args, Debug)]
pub struct NewArgs {
    /// L2 chain id the key signs for.
    #[arg(long, default_value_t = crate::DEVNET_CHAIN_ID)]
    pub chain_id: u64,
    /// Where to write the key file (mode 0600). Prints it when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `wallet derive`.
#[derive(Args, Debug)]
pub struct DeriveArgs {
    /// Ethereum private key, 32 bytes hex. Prefer the environment variable over the command line.
    #[arg(long, env = "TRIBUNAL_ETH_KEY", hide_env_values = true)]
    pub eth_key: String,
    /// L2 chain id the key signs for.
    #[arg(long, default_value_t = crate::DEVNET_CHAIN_ID)]
    pub chain_id: u64,
    /// Where to write the key file (mode 0600). Prints it when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `wallet show`.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Key file.
    #[arg(long)]
    pub key: PathBuf,
}

/// What every signed transaction needs: the signer, the chain, the amount and the nonce.
#[derive(Args, Debug)]
pub struct SignerArgs {
    /// Key file of the sender.
    #[arg(long)]
    pub key: PathBuf,
    /// L2 chain id; must match the key's.
    #[arg(long, default_value_t = crate::DEVNET_CHAIN_ID)]
    pub chain_id: u64,
    /// Sender's account index.
    #[arg(long)]
    pub from: u32,
    /// Amount: wei (`123`) or with a unit (`0.5eth`, `20gwei`).
    #[arg(long)]
    pub amount: String,
    /// The sender's next nonce.
    #[arg(long)]
    pub nonce: u64,
}

impl SignerArgs {
    /// Parses the amount and loads the key for the chain.
    fn load(&self) -> Result<(PrivateKey, ChainId, Wei), WalletError> {
        let amount = parse_amount(&self.amount)?;
        let (key, chain_id) = KeyFile::load(&self.key, Some(self.chain_id))?;
        Ok((key, chain_id, amount))
    }
}

/// Arguments of `wallet sign-transfer`.
#[derive(Args, Debug)]
pub struct SignTransferArgs {
    /// Sender, chain, amount, nonce.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Recipient's account index.
    #[arg(long)]
    pub to: u32,
}

/// Arguments of `wallet sign-withdraw`.
#[derive(Args, Debug)]
pub struct SignWithdrawArgs {
    /// Sender, chain, amount, nonce.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// L1 recipient address.
    #[arg(long)]
    pub to: Address,
}

fn write_key(file: &KeyFile, out: Option<&Path>) -> eyre::Result<()> {
    let text = serde_json::to_string_pretty(file)? + "\n";
    match out {
        None => print!("{text}"),
        Some(path) => {
            use std::io::Write;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f =
                opts.open(path).map_err(|e| eyre::eyre!("create {}: {e}", path.display()))?;
            f.write_all(text.as_bytes())?;
            println!("wrote {} (public key {})", path.display(), file.packed_public_key);
        }
    }
    Ok(())
}

/// Prints a signed transaction as JSON, with its canonical encoding.
fn print_signed(chain_id: ChainId, tx: &Tx) -> eyre::Result<()> {
    let (kind, from, to, amount, nonce, signature, message) = match tx {
        Tx::Transfer(t) => {
            let b = &t.body;
            (
                "transfer",
                b.from,
                serde_json::json!(b.to.0),
                b.amount,
                b.nonce,
                t.signature,
                b.message(chain_id),
            )
        }
        Tx::Withdraw(w) => {
            let b = &w.body;
            (
                "withdraw",
                b.from,
                serde_json::json!(b.to),
                b.amount,
                b.nonce,
                w.signature,
                b.message(chain_id),
            )
        }
        other => eyre::bail!("the wallet signs transfers and withdrawals, not {:?}", other.kind()),
    };
    let mut encoded = Vec::new();
    encode_tx(tx, &mut encoded);
    let json = serde_json::json!({
        "kind": kind, "chain_id": chain_id.0, "from": from.0, "to": to, "amount_wei": amount.0.to_string(),
        "nonce": nonce, "message": fr_to_decimal(&message),
        "signature": format!("0x{}", hex::encode(signature)),
        "encoded": format!("0x{}", hex::encode(&encoded)),
    });
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

/// Runs a wallet command.
///
/// # Errors
/// [`WalletError`]s for bad input, I/O errors for files, the node's or L1's errors.
pub fn run(cmd: WalletCommand) -> eyre::Result<()> {
    match cmd {
        WalletCommand::Deposit(a) => crate::wallet_rpc::block_on(crate::wallet_rpc::deposit(a)),
        WalletCommand::Transfer(a) => crate::wallet_rpc::block_on(crate::wallet_rpc::transfer(a)),
        WalletCommand::Withdraw(a) => crate::wallet_rpc::block_on(crate::wallet_rpc::withdraw(a)),
        WalletCommand::Account(a) => crate::wallet_rpc::block_on(crate::wallet_rpc::account(a)),
        WalletCommand::Status(a) => crate::wallet_rpc::block_on(crate::wallet_rpc::status(a)),
        WalletCommand::Claim(a) => crate::wallet_rpc::block_on(crate::wallet_rpc::claim(a)),
        WalletCommand::New(a) => {
            let chain_id = chain(a.chain_id)?;
            let key = PrivateKey::random(&mut rand::rng());
            write_key(&KeyFile::new(&key, chain_id, None), a.out.as_deref())
        }
        WalletCommand::Derive(a) => {
            let chain_id = chain(a.chain_id)?;
            let eth = EthKey::from_hex(&a.eth_key)?;
            let key = eth.derive_l2_key(chain_id)?;
            write_key(&KeyFile::new(&key, chain_id, Some(eth.address())), a.out.as_deref())
        }
        WalletCommand::Show(a) => {
            let (key, chain_id) = KeyFile::load(&a.key, None)?;
            let mut file = KeyFile::new(&key, chain_id, None);
            file.private_key = "(hidden)".into();
            println!("{}", serde_json::to_string_pretty(&file)?);
            Ok(())
        }
        WalletCommand::SignTransfer(a) => {
            let (key, chain_id, amount) = a.signer.load()?;
            let body = Transfer {
                from: AccountIndex(a.signer.from),
                to: AccountIndex(a.to),
                amount,
                nonce: a.signer.nonce,
            };
            print_signed(chain_id, &Tx::Transfer(Signed::sign(body, chain_id, &key)))
        }
        WalletCommand::SignWithdraw(a) => {
            let (key, chain_id, amount) = a.signer.load()?;
            let body = Withdraw {
                from: AccountIndex(a.signer.from),
                to: a.to,
                amount,
                nonce: a.signer.nonce,
            };
            print_signed(chain_id, &Tx::Withdraw(Signed::sign(body, chain_id, &key)))
        }
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
