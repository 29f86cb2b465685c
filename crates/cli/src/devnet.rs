//! `tribunal devnet`: runs the parts of the rollup that exist, end to end, on embedded defaults.
//!
//! Today: dev users derive L2 keys from Ethereum dev keys and transact; each batch is executed by
//! the STF, committed to a redb store, encoded into blobs with KZG cell proofs, posted to the
//! `Inbox` contract on L1 (the embedded revm chain, or `--l1-rpc`), read back from L1 and decoded
//! again. Deposits are minted by the devnet itself until the bridge exists, and nothing is proven
//! or final yet: the output says which parts are missing.

use std::path::PathBuf;

use alloy_primitives::{Address, keccak256};
use alloy_sol_types::{SolCall, SolConstructor};
use clap::Args;
use eyre::WrapErr;
use tribunal_contracts::Inbox;
use tribunal_da::{fees::BlobSchedule, fees::quote};
use tribunal_l1::{DevL1, L1, L1Tx, RpcL1, dev_signers};
use tribunal_node::Store;
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw,
    field::fr_to_be_bytes, l2_key::EthKey, tx::Deposit,
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
    // Blobs are 128 KiB values: give the runtime's threads room for several.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(64 << 20)
        .enable_all()
        .build()?;
    let handle = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
        runtime.block_on(async move {
            match args.l1_rpc.clone() {
                Some(url) => run_on(&RpcL1::connect(&url)?, args).await,
                None => run_on(&DevL1::new(), args).await,
            }
        })
    })?;
    handle.join().map_err(|_| eyre::eyre!("devnet thread panicked"))?
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
        "built: STF with witnesses, redb store, blobs + KZG (EIP-4844/7594), L1 backends, Inbox contract."
    );
    println!(
        "NOT built yet: bridge + forced inclusion, the finality contract (its Rust model exists), ZK, TEE, OP game, node."
    );
    println!(
        "so deposits are minted by the devnet, and batches are posted but not proven or final.\n"
    );

    let signers = dev_signers();
    let sequencer = &signers[0];
    let mut init = Inbox::BYTECODE.to_vec();
    init.extend(
        Inbox::constructorCall { _sequencer: sequencer.address(), _l2ChainId: chain_id.0 }
            .abi_encode(),
    );
    let deployed = l1.send(sequencer, L1Tx::create(init)).await?;
    let inbox = deployed
        .contract_address
        .ok_or_else(|| eyre::eyre!("Inbox deployment returned no address"))?;
    println!("Inbox deployed at {inbox} ({} gas)\n", deployed.gas_used);

    // Dev users derive their L2 keys from Ethereum dev keys, as a wallet would.
    let users: Vec<DevUser> = (0..args.users)
        .map(|i| -> eyre::Result<DevUser> {
            let eth = EthKey::from_bytes(&keccak256(format!("tribunal devnet user {i}")).0)?;
            Ok(DevUser { index: AccountIndex(i), key: eth.derive_l2_key(chain_id)? })
        })
        .collect::<eyre::Result<_>>()?;

    let store = Store::open(&db_path, config)?;
    let mut state = store.load_state()?;
    let start = state.head();
    eyre::ensure!(
        start.0 == 0,
        "{} holds {} batches from an earlier run, but this L1 has a fresh Inbox: use a new --data-dir",
        db_path.display(),
        start.0
    );
    let mut nonces: Vec<u64> =
        users.iter().map(|u| state.account(u.index).map_or(0, |a| a.nonce)).collect();

    println!(
        "{:>5} {:>4} {:>7} {:>6} {:>5} {:>5} {:>8} {:>9}  {:<22}",
        "batch", "txs", "skipped", "withdr", "bytes", "blobs", "stf ms", "post gas", "post root"
    );
    for _ in 0..args.batches {
        let number = BatchNumber(state.head().0 + 1);
        let mut txs = Vec::new();
        if number.0 == 1 || state.account_count() < users.len() {
            for u in &users {
                txs.push(Tx::Deposit(Deposit {
                    to: u.index,
                    pubkey: u.key.public_key().to_bytes(),
                    amount: Wei(10u128.pow(18)),
                }));
            }
        }
        let n = users.len();
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
        // One withdrawal, and one forced transaction from the L1 queue that cannot pay: skipped, recorded.
        let w = number.0 as usize % n;
        let body = Withdraw {
            from: users[w].index,
            to: Address::repeat_byte(0x11),
            amount: Wei(10u128.pow(14)),
            nonce: nonces[w],
        };
        nonces[w] += 1;
        txs.push(Tx::Withdraw(Signed::sign(body, chain_id, &users[w].key)));
        let f = (w + 1) % n;
        let broke = Transfer {
            from: users[f].index,
            to: users[w].index,
            amount: Wei(u128::MAX),
            nonce: nonces[f],
        };
        txs.push(Tx::ForcedTransfer(Signed::sign(broke, chain_id, &users[f].key)));

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
        let post = L1Tx::call(inbox, Inbox::postBatchCall { _batchNumber: number.0 }.abi_encode())
            .with_sidecar(sidecar)
            .with_max_fee_per_blob_gas(fee.max_fee_per_blob_gas);
        let receipt = l1.send(sequencer, post).await?;
        let posted = tribunal_da::decode_batch(&l1.blobs(&hashes).await?)?;
        eyre::ensure!(
            posted == batch,
            "batch {} read back from L1 differs from the one posted",
            number.0
        );
        println!(
            "{:>5} {:>4} {:>7} {:>6} {:>5} {:>5} {:>8} {:>9}  {:<22}",
            number.0,
            batch.txs.len(),
            out.skipped().count(),
            out.withdrawals.len(),
            bytes.len(),
            fee.blobs,
            ms,
            receipt.gas_used,
            short(&out.post_root.0),
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
