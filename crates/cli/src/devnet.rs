//! `tribunal devnet`: runs the parts of the rollup that exist, end to end, on embedded defaults.
//!
//! Today: the L1 contracts are deployed as one system; dev users derive L2 keys from Ethereum dev
//! keys and deposit through the bridge; each batch carries the queued L1 messages first (deposits
//! and a forced transaction), is executed by the STF, committed to a redb store, encoded into
//! blobs with KZG cell proofs, posted to the `Inbox` on L1 (the embedded revm chain, or
//! `--l1-rpc`), read back and decoded, and its claim is proposed to `MultiProofFinality` with a
//! bond. No leg can approve yet, so nothing is final: the output says which parts are missing.

use std::path::PathBuf;

use alloy_primitives::{Address, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent};
use clap::Args;
use eyre::WrapErr;
use tribunal_contracts::{Inbox, MultiProofFinality};
use tribunal_da::{fees::BlobSchedule, fees::quote};
use tribunal_l1::{DevL1, L1, L1Receipt, L1Tx, RpcL1, dev_signers};
use tribunal_node::{
    Store,
    deploy::{DeployConfig, deploy},
    proposer::propose_call,
};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw,
    batch::decode_tx_exact, field::fr_to_be_bytes, l2_key::EthKey,
};
use tribunal_stf::{State, StfConfig, execute_batch};

/// Arguments of `tribunal devnet`.
#[derive(Args, Debug)]
pub struct DevnetArgs {
    /// Number of dev users.
    #[arg(long, default_value_t = 8)]
    pub users: u32,
    /// Number of batches to execute.
    #[arg(long, default_value_t = 4)]
    pub batches: u64,
    /// Transfers per batch.
    #[arg(long, default_value_t = 16)]
    pub transfers: usize,
    /// Data directory for the redb store; a temporary directory when absent.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// L2 chain id.
    #[arg(long, default_value_t = crate::DEVNET_CHAIN_ID)]
    pub chain_id: u64,
    /// Use this L1 JSON-RPC endpoint (for example anvil) instead of the embedded chain. Its
    /// first dev account (anvil's) is the sequencer.
    #[arg(long)]
    pub l1_rpc: Option<String>,
}

const ETH: u128 = 1_000_000_000_000_000_000;

/// The L1 messages (deposits, forced transactions) a receipt enqueued, in queue order.
fn queued(receipt: &L1Receipt) -> eyre::Result<Vec<Tx>> {
    receipt
        .logs
        .iter()
        .filter_map(|log| Inbox::MessageQueued::decode_log(log).ok())
        .map(|e| decode_tx_exact(&e.message).wrap_err("undecodable L1 message"))
        .collect()
}

struct DevUser {
    index: AccountIndex,
    key: PrivateKey,
}

fn short(x: &tribunal_primitives::Fr) -> String {
    let b = fr_to_be_bytes(x);
    format!("0x{}…{}", hex::encode(&b[..4]), hex::encode(&b[30..]))
}

/// Runs the devnet.
///
/// # Errors
/// Invalid arguments, storage or L1 errors, or an STF refusal (a bug: the workload is valid).
pub fn run(args: DevnetArgs) -> eyre::Result<()> {
    tribunal_l1::block_on_blob_threads(async move {
        match args.l1_rpc.clone() {
            Some(url) => run_on(&RpcL1::connect(&url)?, args).await,
            None => run_on(&DevL1::new(), args).await,
        }
    })?
}

async fn run_on(l1: &impl L1, args: DevnetArgs) -> eyre::Result<()> {
    let chain_id = crate::wallet::chain(args.chain_id)?;
    eyre::ensure!(args.users >= 2, "--users must be at least 2");
    let config = StfConfig::new(chain_id);
    let tmp;
    let dir = match &args.data_dir {
        Some(d) => {
            std::fs::create_dir_all(d).wrap_err_with(|| format!("create {}", d.display()))?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_owned()
        }
    };
    let db_path = dir.join("node.redb");
    let l1_name = args.l1_rpc.as_deref().unwrap_or("embedded revm chain (Osaka)");

    println!(
        "tribunal devnet — L2 chain {}, account tree depth {}, L1 {l1_name}",
        chain_id.0, config.account_depth
    );
    println!(
        "built: STF with witnesses, redb store, blobs + KZG (EIP-4844/7594), L1 backends, Inbox with bridge and forced inclusion, MultiProofFinality, SecurityCouncil, TeeVerifier."
    );
    println!(
        "NOT built yet: the Groth16 verifier and prover, the TEE prover, the OP dispute game, the node services."
    );
    println!(
        "so claims are proposed with bonds but no leg approves them, and nothing becomes final.\n"
    );

    let signers = dev_signers();
    let (sequencer, depositor) = (&signers[0], &signers[1]);
    let council: Vec<_> = (0..8u8)
        .map(|i| keccak256(format!("tribunal devnet council member {i}")))
        .map(|k| alloy::signers::local::PrivateKeySigner::from_bytes(&k))
        .collect::<Result<_, _>>()?;
    let genesis = State::new(config)?;
    let deploy_config = DeployConfig::new(
        chain_id,
        sequencer.address(),
        genesis.root(),
        council.iter().map(|m| m.address()).collect(),
    );
    let bond = deploy_config.bond_wei;
    let d = deploy(l1, &signers[2], deploy_config).await?;
    println!("L1 contracts (DESIGN.md §1 defaults, 6-of-8 Stage 2 council):");
    for (name, gas) in &d.gas {
        println!("  {name:<20} {gas:>9} gas");
    }
    println!(
        "  Inbox {} · MultiProofFinality {} · SecurityCouncil {}\n",
        d.inbox, d.finality, d.council
    );

    // Dev users derive their L2 keys from Ethereum dev keys, as a wallet would, and deposit
    // through the L1 bridge; the inbox assigns their account indices.
    let keys: Vec<PrivateKey> = (0..args.users)
        .map(|i| -> eyre::Result<PrivateKey> {
            let eth = EthKey::from_bytes(&keccak256(format!("tribunal devnet user {i}")).0)?;
            Ok(eth.derive_l2_key(chain_id)?)
        })
        .collect::<eyre::Result<_>>()?;
    let mut pending: Vec<Tx> = Vec::new();
    let mut users = Vec::new();
    for key in keys {
        let call = Inbox::depositCall { _pubkey: key.public_key().to_bytes().into() };
        let r = l1
            .send(depositor, L1Tx::call(d.inbox, call.abi_encode()).with_value(U256::from(ETH)))
            .await?;
        let msgs = queued(&r)?;
        let Some(Tx::Deposit(dep)) = msgs.first() else {
            eyre::bail!("deposit emitted no Deposit message");
        };
        users.push(DevUser { index: dep.to, key });
        pending.extend(msgs);
    }
    println!("{} users deposited 1 ETH each on L1 (queued as L1 messages)\n", users.len());

    let store = Store::open(&db_path, config)?;
    let mut state = store.load_state()?;
    let start = state.head();
    eyre::ensure!(
        start.0 == 0,
        "{} holds {} batches from an earlier run, but this L1 has a fresh Inbox: use a new --data-dir",
        db_path.display(),
        start.0
    );
    let mut nonces: Vec<u64> = vec![0; users.len()];

    println!(
        "{:>5} {:>4} {:>4} {:>7} {:>6} {:>5} {:>8} {:>9} {:>5}  {:<22} finality",
        "batch",
        "txs",
        "l1",
        "skipped",
        "withdr",
        "bytes",
        "stf ms",
        "post gas",
        "claim",
        "post root",
    );
    for _ in 0..args.batches {
        let number = BatchNumber(state.head().0 + 1);
        let n = users.len();
        // A forced transfer that cannot pay, enqueued on L1: the batch must carry it, and the
        // STF skips and records it.
        let f = number.0 as usize % n;
        let broke = Transfer {
            from: users[f].index,
            to: users[(f + 1) % n].index,
            amount: Wei(u128::MAX),
            nonce: 0,
        };
        let signed = Signed::sign(broke, chain_id, &users[f].key);
        let force = Inbox::forceTransferCall {
            _from: broke.from.0,
            _to: broke.to.0,
            _amount: broke.amount.0,
            _nonce: broke.nonce,
            _signature: signed.signature.to_vec().into(),
        };
        let r = l1.send(depositor, L1Tx::call(d.inbox, force.abi_encode())).await?;
        pending.extend(queued(&r)?);

        // L1 messages first, in queue order, then the sequencer's transactions.
        let mut txs = std::mem::take(&mut pending);
        let l1_count = txs.len();
        for k in 0..args.transfers {
            let (from, to) = ((number.0 as usize + k) % n, (number.0 as usize + 3 * k + 1) % n);
            let body = Transfer {
                from: users[from].index,
                to: users[to].index,
                amount: Wei(10u128.pow(15) + k as u128),
                nonce: nonces[from],
            };
            nonces[from] += 1;
            txs.push(Tx::Transfer(Signed::sign(body, chain_id, &users[from].key)));
        }
        let w = (f + 2) % n;
        let body = Withdraw {
            from: users[w].index,
            to: Address::repeat_byte(0x11),
            amount: Wei(10u128.pow(14)),
            nonce: nonces[w],
        };
        nonces[w] += 1;
        txs.push(Tx::Withdraw(Signed::sign(body, chain_id, &users[w].key)));

        let batch = Batch { chain_id, number, txs };
        let t = std::time::Instant::now();
        let out = execute_batch(&mut state, &batch)?;
        store.commit_batch(&state, &batch, &out)?;
        let ms = t.elapsed().as_millis();

        // Post the batch in blobs, priced with the Osaka blob fee model, then read it back.
        let bytes = batch.encode();
        let head = l1.head().await?;
        let fee = quote(
            BlobSchedule::Osaka,
            head.excess_blob_gas,
            head.base_fee_per_gas,
            bytes.len(),
            6,
        )?;
        let sidecar = tribunal_da::sidecar_7594(tribunal_da::encode_blobs(&bytes)?)?;
        let hashes: Vec<_> = sidecar.versioned_hashes().collect();
        let call = Inbox::postBatchCall { _batchNumber: number.0, _queueEnd: out.queue_consumed };
        let post = L1Tx::call(d.inbox, call.abi_encode())
            .with_sidecar(sidecar)
            .with_max_fee_per_blob_gas(fee.max_fee_per_blob_gas);
        let receipt = l1.send(sequencer, post).await?;
        let posted = tribunal_da::decode_batch(&l1.blobs(&hashes).await?)?;
        eyre::ensure!(
            posted == batch,
            "batch {} read back from L1 differs from the one posted",
            number.0
        );

        // Propose the claim with its bond; the finality contract says where it stands.
        let propose = propose_call(
            number,
            out.parent_root,
            out.post_root,
            out.withdrawal_root,
            out.data_commitment,
        );
        let count = MultiProofFinality::claimCountCall {};
        let id = MultiProofFinality::claimCountCall::abi_decode_returns(
            &l1.call(sequencer.address(), d.finality, count.abi_encode().into()).await?,
        )?;
        l1.send(sequencer, L1Tx::call(d.finality, propose.abi_encode()).with_value(bond)).await?;
        let status = MultiProofFinality::statusOfCall::abi_decode_returns(
            &l1.call(
                sequencer.address(),
                d.finality,
                MultiProofFinality::statusOfCall { _id: id }.abi_encode().into(),
            )
            .await?,
        )?;
        let finality = if status.isFinal {
            "final".to_owned()
        } else {
            format!("pending: no ZK or TEE approval yet, OP window ends {}", status.windowEndsAt)
        };
        println!(
            "{:>5} {:>4} {:>4} {:>7} {:>6} {:>5} {:>8} {:>9} {:>5}  {:<22} {}",
            number.0,
            batch.txs.len(),
            l1_count,
            out.skipped().count(),
            out.withdrawals.len(),
            bytes.len(),
            ms,
            receipt.gas_used,
            id,
            short(&out.post_root.0),
            finality,
        );
    }
    drop(store);
    let reopened = Store::open(&db_path, config)?;
    let reloaded: State = reopened.load_state()?;
    eyre::ensure!(reloaded.root() == state.root(), "reloaded root differs from the executed root");
    println!(
        "\nexecuted batches {}..={}; store reopened at batch {} with the same root ({} accounts, supply {} wei)",
        start.0 + 1,
        state.head().0,
        reloaded.head().0,
        reloaded.account_count(),
        reloaded.total_supply(),
    );
    Ok(())
}
