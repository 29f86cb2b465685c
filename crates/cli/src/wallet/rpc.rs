//! The wallet against a running node (`--rpc`) and L1 (`--l1-rpc`): deposit on L1, transfer and
//! withdraw on L2, claim on L1. Each command prints one JSON object.

use std::time::{Duration, Instant};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{B256, U256};
use alloy_sol_types::{SolCall, SolEvent};
use eyre::WrapErr;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use tribunal_contracts::Inbox;
use tribunal_l1::{L1, L1Tx, RpcL1};
use tribunal_node::rpc::{ChainInfo, TribunalApiClient, TxStatus};
use tribunal_primitives::{
    AccountIndex, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw,
    batch::{decode_tx_exact, encode_tx},
};

use super::{
    args::{
        AccountArgs, ClaimArgs, DepositArgs, L1Args, RpcArgs, SendArgs, SendSignedArgs,
        SendTransferArgs, SendWithdrawArgs, StatusArgs, Wait,
    },
    keys::{KeyFile, parse_key},
};

/// Runs a wallet future on a runtime.
///
/// # Errors
/// The future's.
pub(super) fn block_on<F: Future<Output = eyre::Result<()>>>(f: F) -> eyre::Result<()> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(f)
}

/// Names the node endpoint in a failed call's error, with a hint when nothing answered there.
trait AtNode<T> {
    fn at(self, rpc: &RpcArgs) -> eyre::Result<T>;
}

impl<T> AtNode<T> for Result<T, jsonrpsee::core::ClientError> {
    fn at(self, rpc: &RpcArgs) -> eyre::Result<T> {
        use jsonrpsee::core::ClientError;
        self.map_err(|e| {
            let unreachable = matches!(e, ClientError::Transport(_) | ClientError::RequestTimeout);
            let hint = if unreachable {
                " (is `tribunal node` or `tribunal devnet --serve` running there? --rpc sets it)"
            } else {
                ""
            };
            eyre::Report::new(e).wrap_err(format!("node RPC {}{hint}", rpc.rpc))
        })
    }
}

fn client(rpc: &RpcArgs) -> eyre::Result<HttpClient> {
    HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(rpc.rpc_timeout_secs))
        .build(&rpc.rpc)
        .wrap_err_with(|| format!("node RPC {}", rpc.rpc))
}

async fn chain_info(c: &HttpClient, rpc: &RpcArgs) -> eyre::Result<ChainInfo> {
    c.chain_info().await.at(rpc)
}

fn l1(args: &L1Args) -> eyre::Result<(RpcL1, PrivateKeySigner)> {
    let key = parse_key(&args.eth_key).wrap_err("--eth-key (the L1 account that pays)")?;
    let signer = PrivateKeySigner::from_bytes(&key.into())?;
    let timeout = Duration::from_secs(args.l1_timeout_secs);
    Ok((RpcL1::connect_with_timeout(&args.l1_rpc, timeout)?, signer))
}

fn print(json: &serde_json::Value) -> eyre::Result<()> {
    println!("{}", serde_json::to_string_pretty(json)?);
    Ok(())
}

async fn poll_until<T>(
    timeout: u64,
    what: &str,
    mut f: impl AsyncFnMut() -> eyre::Result<Option<T>>,
) -> eyre::Result<T> {
    let start = Instant::now();
    loop {
        if let Some(t) = f().await? {
            return Ok(t);
        }
        eyre::ensure!(
            start.elapsed().as_secs() < timeout,
            "gave up waiting for {what} after {timeout} s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `wallet deposit`.
pub(super) async fn deposit(a: DepositArgs) -> eyre::Result<()> {
    // Every local input first: a typo never costs a network round trip, or names a URL.
    let amount = a.amount.parse()?;
    let (l1, payer) = l1(&a.l1)?;
    let (key, key_chain) = KeyFile::load(&a.key, None)?;
    let c = client(&a.rpc)?;
    let info = chain_info(&c, &a.rpc).await?;
    KeyFile::load(&a.key, Some(info.l2_chain_id)).wrap_err_with(|| {
        format!(
            "the node at {} serves chain {}, the key chain {}",
            a.rpc.rpc, info.l2_chain_id, key_chain.0
        )
    })?;
    let call = Inbox::depositCall { _pubkey: key.public_key().to_bytes().into() };
    let receipt = l1
        .send(&payer, L1Tx::call(info.inbox, call.abi_encode()).with_value(U256::from(amount.0)))
        .await
        .wrap_err("deposit on L1")?;
    let index = receipt
        .logs
        .iter()
        .find_map(|l| Inbox::MessageQueued::decode_log(l).ok())
        .and_then(|e| decode_tx_exact(&e.message).ok())
        .and_then(|t| if let Tx::Deposit(d) = t { Some(d.to) } else { None })
        .ok_or_else(|| eyre::eyre!("the deposit emitted no Deposit message"))?;
    if a.wait {
        poll_until(a.rpc.timeout_secs, "the L2 account", async || {
            Ok(c.get_account(index.0).await.at(&a.rpc)?.pubkey.map(|_| ()))
        })
        .await?;
    }
    print(&serde_json::json!({
        "account": index.0, "amount_wei": amount.0.to_string(), "l1_tx": receipt.tx_hash,
        "l1_block": receipt.block_number, "gas": receipt.gas_used,
    }))
}

async fn wait_for(c: &HttpClient, rpc: &RpcArgs, hash: B256, wait: Wait) -> eyre::Result<TxStatus> {
    poll_until(rpc.timeout_secs, "the transaction", async || {
        Ok(match c.get_transaction(hash).await.at(rpc)? {
            None => eyre::bail!("the node does not know transaction {hash}"),
            Some(TxStatus::Dropped) => eyre::bail!("transaction {hash} was dropped at sealing"),
            Some(s @ TxStatus::Sealed { is_final, .. }) if wait == Wait::Sealed || is_final => {
                Some(s)
            }
            Some(_) => None,
        })
    })
    .await
}

async fn send(c: &HttpClient, rpc: &RpcArgs, tx: Tx, wait: Option<Wait>) -> eyre::Result<()> {
    let mut bytes = Vec::new();
    encode_tx(&tx, &mut bytes);
    let hash = c.send_transaction(bytes.into()).await.at(rpc)?;
    let status = match wait {
        Some(w) => wait_for(c, rpc, hash, w).await?,
        None => c.get_transaction(hash).await.at(rpc)?.unwrap_or(TxStatus::Pending),
    };
    print(&serde_json::json!({ "hash": hash, "status": status }))
}

/// The transaction `wallet send` was given, decoded and checked before any network call: a
/// signed transfer or withdrawal in its exact canonical encoding.
///
/// # Errors
/// An unreadable file, malformed hex or JSON, bytes that are not one canonical transaction, or
/// an L1 message (deposits and forced transactions go through the `Inbox`, never a node).
pub(super) fn read_signed(a: &SendSignedArgs) -> eyre::Result<Tx> {
    let hex_text = match (&a.raw, &a.signed) {
        (Some(raw), _) => raw.clone(),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("read {}", path.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .wrap_err_with(|| format!("{} is not sign-transfer output", path.display()))?;
            json["encoded"].as_str().map(str::to_owned).ok_or_else(|| {
                eyre::eyre!("{} has no \"encoded\" field (sign-transfer output)", path.display())
            })?
        }
        (None, None) => eyre::bail!("give --raw 0x… or --signed FILE"),
    };
    let bytes = hex::decode(hex_text.trim().trim_start_matches("0x"))
        .wrap_err("the signed transaction is not hex")?;
    let tx = decode_tx_exact(&bytes).map_err(|e| {
        eyre::eyre!("not a canonically encoded transaction ({} bytes): {e}", bytes.len())
    })?;
    eyre::ensure!(
        matches!(tx, Tx::Transfer(_) | Tx::Withdraw(_)),
        "a {:?} is an L1 message: it goes through the Inbox on L1, never to a node",
        tx.kind()
    );
    Ok(tx)
}

/// `wallet send`.
pub(super) async fn send_signed(a: SendSignedArgs, tx: Tx) -> eyre::Result<()> {
    let c = client(&a.rpc)?;
    send(&c, &a.rpc, tx, a.wait).await
}

/// Loads the sender's key for the node's chain, checks it owns `from`, and picks the nonce.
async fn prepare(
    s: &SendArgs,
) -> eyre::Result<(HttpClient, PrivateKey, tribunal_primitives::ChainId, Wei, u64)> {
    let amount = s.amount.parse()?;
    KeyFile::load(&s.key, None)?;
    let c = client(&s.rpc)?;
    let info = chain_info(&c, &s.rpc).await?;
    let (key, chain_id) = KeyFile::load(&s.key, Some(info.l2_chain_id))?;
    let account = c.get_account(s.from).await.at(&s.rpc)?;
    eyre::ensure!(
        account.pubkey == Some(B256::from(key.public_key().to_bytes())),
        "account {} does not belong to this key",
        s.from
    );
    Ok((c, key, chain_id, amount, s.nonce.unwrap_or(account.pending_nonce)))
}

/// `wallet transfer`.
pub(super) async fn transfer(a: SendTransferArgs) -> eyre::Result<()> {
    let (c, key, chain_id, amount, nonce) = prepare(&a.send).await?;
    let body = Transfer { from: AccountIndex(a.send.from), to: AccountIndex(a.to), amount, nonce };
    send(&c, &a.send.rpc, Tx::Transfer(Signed::sign(body, chain_id, &key)), a.send.wait).await
}

/// `wallet withdraw`.
pub(super) async fn withdraw(a: SendWithdrawArgs) -> eyre::Result<()> {
    let (c, key, chain_id, amount, nonce) = prepare(&a.send).await?;
    let body = Withdraw { from: AccountIndex(a.send.from), to: a.to, amount, nonce };
    send(&c, &a.send.rpc, Tx::Withdraw(Signed::sign(body, chain_id, &key)), a.send.wait).await
}

/// `wallet account`.
pub(super) async fn account(a: AccountArgs) -> eyre::Result<()> {
    let c = client(&a.rpc)?;
    print(&serde_json::to_value(c.get_account(a.index).await.at(&a.rpc)?)?)
}

/// `wallet status`.
pub(super) async fn status(a: StatusArgs) -> eyre::Result<()> {
    let c = client(&a.rpc)?;
    let status = match a.wait {
        Some(w) => Some(wait_for(&c, &a.rpc, a.tx, w).await?),
        None => c.get_transaction(a.tx).await.at(&a.rpc)?,
    };
    print(&serde_json::json!({ "hash": a.tx, "status": status }))
}

/// `wallet claim`.
pub(super) async fn claim(a: ClaimArgs) -> eyre::Result<()> {
    let c = client(&a.rpc)?;
    let info = chain_info(&c, &a.rpc).await?;
    let status = if a.wait {
        wait_for(&c, &a.rpc, a.tx, Wait::Final).await?
    } else {
        c.get_transaction(a.tx)
            .await
            .at(&a.rpc)?
            .ok_or_else(|| eyre::eyre!("the node does not know transaction {}", a.tx))?
    };
    let TxStatus::Sealed { batch, position, .. } = status else {
        eyre::bail!("transaction {} is not sealed: {status:?}", a.tx);
    };
    let proof = c
        .get_withdrawal_proof(batch, u64::from(position))
        .await
        .wrap_err_with(|| format!("withdrawal {position} of batch {batch}"))?;
    eyre::ensure!(!proof.claimed, "withdrawal {position} of batch {batch} is already claimed");
    let (l1, payer) = l1(&a.l1)?;
    let call = Inbox::claimWithdrawalCall {
        _batchNumber: batch,
        _index: proof.index,
        _to: proof.to,
        _amount: proof.amount.to::<u128>(),
        _siblings: proof.siblings.clone(),
    };
    let receipt =
        l1.send(&payer, L1Tx::call(info.inbox, call.abi_encode())).await.wrap_err("claim on L1")?;
    print(&serde_json::json!({
        "batch": batch, "index": proof.index, "to": proof.to, "amount_wei": proof.amount.to_string(),
        "l1_tx": receipt.tx_hash, "gas": receipt.gas_used,
    }))
}
