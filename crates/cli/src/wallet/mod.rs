//! `tribunal wallet`: L2 keys and signed transactions.
//!
//! A key file is JSON: `{ "chain_id", "private_key", "public_key": {x, y}, "packed_public_key",
//! "eth_address"? }`. Keys are bound to one L2 chain id, and signing for another chain is refused.

mod args;
mod keys;
mod rpc;

use std::path::Path;

use clap::Subcommand;
use tribunal_primitives::{
    AccountIndex, ChainId, PrivateKey, Signed, Transfer, Tx, Withdraw, batch::encode_tx,
    field::fr_to_decimal, l2_key::EthKey,
};

pub use args::*;
pub use keys::{
    KeyFile, PublicKeyJson, WalletError, chain, parse_amount, parse_key, parse_recipient,
};

/// `tribunal wallet` commands.
#[derive(Subcommand, Debug)]
pub enum WalletCommand {
    /// Create a new random L2 key.
    #[command(
        after_help = "Example:\n  tribunal wallet new --out alice.json               a random key (file mode 0600)"
    )]
    New(NewArgs),
    /// Derive the L2 key from an Ethereum private key by signing the fixed EIP-712 message.
    #[command(
        after_help = "Example:\n  TRIBUNAL_ETH_KEY=0x… tribunal wallet derive --out a.json   the key your Ethereum key derives"
    )]
    Derive(DeriveArgs),
    /// Show a key file's public key and packed public key.
    #[command(after_help = "Example:\n  tribunal wallet show --key alice.json")]
    Show(ShowArgs),
    /// Sign a transfer and print the signed transaction (JSON and canonical hex encoding).
    #[command(
        after_help = "Example:\n  tribunal wallet sign-transfer --key alice.json --from 2 --to 3 --amount 0.1eth --nonce 0 > t.json"
    )]
    SignTransfer(SignTransferArgs),
    /// Sign a withdrawal to an L1 address.
    #[command(
        after_help = "Example:\n  tribunal wallet sign-withdraw --key alice.json --from 2 --to 0x… --amount 1gwei --nonce 1"
    )]
    SignWithdraw(SignWithdrawArgs),
    /// Deposit ETH on L1 to a new L2 account of a key file (`--l1-rpc`, `--eth-key`).
    #[command(
        after_help = "Example:\n  tribunal wallet deposit --l1-rpc http://127.0.0.1:8545 --eth-key 0x… --key alice.json --amount 1eth --wait"
    )]
    Deposit(DepositArgs),
    /// Sign a transfer and send it to a node (`--rpc`).
    #[command(
        after_help = "Example:\n  tribunal wallet transfer --key alice.json --from 2 --to 3 --amount 0.1eth --wait final"
    )]
    Transfer(SendTransferArgs),
    /// Sign a withdrawal to an L1 address and send it to a node (`--rpc`).
    #[command(
        after_help = "Example:\n  tribunal wallet withdraw --key alice.json --from 2 --to 0x… --amount 0.2eth --wait final"
    )]
    Withdraw(SendWithdrawArgs),
    /// Send a transaction signed offline (`--raw 0x…` or `--signed FILE`) to a node (`--rpc`).
    #[command(after_help = "Example:\n  tribunal wallet send --signed t.json --wait sealed")]
    Send(SendSignedArgs),
    /// Show an account at the node's head, with its Merkle proof.
    #[command(after_help = "Example:\n  tribunal wallet account --index 2")]
    Account(AccountArgs),
    /// Show where a transaction is (pending, sealed, final, dropped).
    #[command(after_help = "Example:\n  tribunal wallet status --tx 0x… --wait final")]
    Status(StatusArgs),
    /// Claim a withdrawal on L1 once its batch is final (`--l1-rpc`, `--eth-key`).
    #[command(
        after_help = "Example:\n  tribunal wallet claim --l1-rpc http://127.0.0.1:8545 --eth-key 0x… --tx 0x… --wait"
    )]
    Claim(ClaimArgs),
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
        WalletCommand::Deposit(a) => rpc::block_on(rpc::deposit(a)),
        WalletCommand::Transfer(a) => rpc::block_on(rpc::transfer(a)),
        WalletCommand::Withdraw(a) => rpc::block_on(rpc::withdraw(a)),
        WalletCommand::Send(a) => {
            let tx = rpc::read_signed(&a)?;
            rpc::block_on(rpc::send_signed(a, tx))
        }
        WalletCommand::Account(a) => rpc::block_on(rpc::account(a)),
        WalletCommand::Status(a) => rpc::block_on(rpc::status(a)),
        WalletCommand::Claim(a) => rpc::block_on(rpc::claim(a)),
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
