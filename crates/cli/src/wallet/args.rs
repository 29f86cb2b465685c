//! Arguments of the `tribunal wallet` commands.

use std::path::PathBuf;

use alloy_primitives::Address;
use clap::Args;
use tribunal_primitives::{ChainId, PrivateKey, Wei};

use super::keys::{KeyFile, WalletError, parse_amount, parse_recipient};

/// A node's JSON-RPC endpoint.
#[derive(Args, Debug, Clone)]
pub struct RpcArgs {
    /// The node's JSON-RPC URL.
    #[arg(long, env = "TRIBUNAL_RPC", default_value = "http://127.0.0.1:8645")]
    pub rpc: String,
    /// With `--wait`, give up after this many seconds.
    #[arg(long, default_value_t = 900)]
    pub timeout_secs: u64,
    /// Give up on any one call to the node after this many seconds (connecting included).
    #[arg(long, default_value_t = 10)]
    pub rpc_timeout_secs: u64,
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
    /// Give up on any one call to L1 after this many seconds (connecting included).
    #[arg(long, default_value_t = 10)]
    pub l1_timeout_secs: u64,
}

/// What to wait for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Sealed in a batch.
    Sealed,
    /// Its batch is final on L1.
    Final,
}

/// An amount in wei, as every command that moves value takes it.
#[derive(Args, Debug)]
pub struct AmountArgs {
    /// Amount: wei (`123`) or with a unit (`0.5eth`, `20gwei`); never truncated.
    #[arg(long)]
    pub amount: String,
    /// Accept an amount of zero.
    #[arg(long)]
    pub allow_zero: bool,
}

impl AmountArgs {
    /// The amount ([`parse_amount`]).
    ///
    /// # Errors
    /// As [`parse_amount`].
    pub fn parse(&self) -> Result<Wei, WalletError> {
        parse_amount(&self.amount, self.allow_zero)
    }
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
    /// The amount.
    #[command(flatten)]
    pub amount: AmountArgs,
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
    /// The amount.
    #[command(flatten)]
    pub amount: AmountArgs,
    /// Nonce (default: the node's pending nonce of the sender).
    #[arg(long)]
    pub nonce: Option<u64>,
    /// Wait until the transaction is sealed, or final.
    #[arg(long, value_enum)]
    pub wait: Option<Wait>,
}

/// Arguments of `wallet send`: a transaction signed elsewhere (`sign-transfer`,
/// `sign-withdraw`, or any signer of the canonical encoding), sent as it is.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("signed_tx").required(true).args(["raw", "signed"])))]
pub struct SendSignedArgs {
    /// Node endpoint.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The signed transaction's canonical encoding, hex (`encoded` in `sign-transfer` output).
    #[arg(long)]
    pub raw: Option<String>,
    /// A file holding `sign-transfer` or `sign-withdraw` output; its `encoded` field is sent.
    #[arg(long)]
    pub signed: Option<PathBuf>,
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
    /// L1 recipient (EIP-55 checksummed if mixed-case; never the zero address).
    #[arg(long, value_parser = parse_recipient)]
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
    /// L2 chain id; must match the key file's (default: the key file's).
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// Sender's account index.
    #[arg(long)]
    pub from: u32,
    /// The amount.
    #[command(flatten)]
    pub amount: AmountArgs,
    /// The sender's next nonce.
    #[arg(long)]
    pub nonce: u64,
}

impl SignerArgs {
    /// Parses the amount and loads the key for the chain.
    pub(super) fn load(&self) -> Result<(PrivateKey, ChainId, Wei), WalletError> {
        let amount = self.amount.parse()?;
        let (key, chain_id) = KeyFile::load(&self.key, self.chain_id)?;
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
    /// L1 recipient address (EIP-55 checksummed if mixed-case; never the zero address).
    #[arg(long, value_parser = parse_recipient)]
    pub to: Address,
}
