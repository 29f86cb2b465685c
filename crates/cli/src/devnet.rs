//! `tribunal devnet`: runs the parts of the rollup that exist, end to end, on embedded defaults.
//!
//! Today that is the L2 side only: dev users derive L2 keys from Ethereum dev keys, deposit,
//! transfer, withdraw and force-include transactions; each batch is executed by the STF and
//! committed to a redb store, which is then reopened and checked. There is no L1, no blob
//! posting, no proof leg and no finality yet: those are the L1, finality, ZK, TEE, OP and node
//! issues, and the output says so.

use std::path::PathBuf;

use alloy_primitives::{Address, keccak256};
use clap::Args;
use eyre::WrapErr;
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
/// Invalid arguments, storage errors, or an STF refusal (a bug: the workload is valid).
pub fn run(args: DevnetArgs) -> eyre::Result<()> {
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

    println!(
        "tribunal devnet — chain {}, account tree depth {}, store {}",
        chain_id.0,
        config.account_depth,
        db_path.display()
    );
    println!("built so far: STF (execute_batch, witnesses), redb store, wallet keys.");
    println!(
        "NOT built yet: L1 + blobs (issue 3), 2-of-3 finality (4), ZK (5), TEE (6), OP game (7), node (8)."
    );
    println!("so batches below are executed and stored, but not posted, proven or final.\n");

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
    let mut nonces: Vec<u64> =
        users.iter().map(|u| state.account(u.index).map_or(0, |a| a.nonce)).collect();

    println!(
        "{:>5} {:>4} {:>7} {:>7} {:>5} {:>6}  {:<22} {:<22}",
        "batch", "txs", "skipped", "withdr", "bytes", "ms", "post root", "data commitment"
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
        println!(
            "{:>5} {:>4} {:>7} {:>7} {:>5} {:>6}  {:<22} {:<22}",
            number.0,
            batch.txs.len(),
            out.skipped().count(),
            out.withdrawals.len(),
            batch.encode().len(),
            ms,
            short(&out.post_root.0),
            short(&out.data_commitment.0),
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
