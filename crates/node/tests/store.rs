//! Durability of the store: a process killed mid-batch restarts at its last committed batch, and
//! what is stored replays to the same state.

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use tribunal_node::{Store, StoreError};
use tribunal_primitives::{Batch, BatchNumber, ChainId, Tx};
use tribunal_stf::{State, StfConfig, execute_batch, test_utils::funded_state};

const CHILD_ENV: &str = "TRIBUNAL_STORE_CRASH_CHILD";
const USERS: u32 = 16;

fn config() -> StfConfig {
    StfConfig::new(ChainId(31337)).with_depths(20, 4)
}

fn genesis() -> (State, Vec<tribunal_stf::test_utils::User>) {
    funded_state(config(), USERS, 1_000_000_000)
}

fn next_batch(state: &State, users: &[tribunal_stf::test_utils::User]) -> Batch {
    let txs = (0..48)
        .map(|k| {
            let from = &users[k % USERS as usize];
            let to = users[(k * 7 + 3) % USERS as usize].index;
            let nonce = state.account(from.index).unwrap().nonce + (k / USERS as usize) as u64;
            Tx::Transfer(from.transfer(config().chain_id, to, 1 + k as u128, nonce))
        })
        .collect();
    Batch { chain_id: config().chain_id, number: BatchNumber(state.head().0 + 1), txs }
}

fn open_or_create(path: &Path) -> Store {
    if path.exists() {
        Store::open(path, config()).unwrap()
    } else {
        Store::create_with_genesis(path, &genesis().0).unwrap()
    }
}

/// Replays every stored batch from genesis and checks it reaches the stored state.
fn replay_matches(store: &Store) -> BatchNumber {
    let loaded = store.load_state().expect("load after crash");
    let (mut state, _) = genesis();
    for n in 1..=loaded.head().0 {
        let batch = store.batch(BatchNumber(n)).unwrap().expect("every batch up to head is stored");
        let out = execute_batch(&mut state, &batch).unwrap();
        assert_eq!(
            Some(out.post_root),
            store.batch_record(BatchNumber(n)).unwrap().map(|r| r.post_root)
        );
    }
    assert_eq!(state.root(), loaded.root());
    assert_eq!(state.head(), loaded.head());
    loaded.head()
}

/// Runs only when spawned by `kill_mid_batch_keeps_the_last_committed_batch`: commits batches
/// until killed.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else { return };
    let path = Path::new(&path);
    let store = open_or_create(path);
    let (_, users) = genesis();
    let mut state = store.load_state().unwrap();
    let mut out = std::io::stdout();
    loop {
        let batch = next_batch(&state, &users);
        let output = execute_batch(&mut state, &batch).unwrap();
        store.commit_batch(&state, &batch, &output).unwrap();
        writeln!(out, "committed {}", batch.number.0).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn kill_mid_batch_keeps_the_last_committed_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.redb");
    let mut last_seen = 0;
    for round in 0..5u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let target = last_seen + 2;
        while last_seen < target {
            let line = lines.next().expect("child output").unwrap();
            if let Some(n) = line.strip_prefix("committed ") {
                last_seen = n.parse().unwrap();
            }
        }
        // Let the next batch get under way, at a different point each round, then SIGKILL.
        std::thread::sleep(Duration::from_millis(3 + round * 11));
        child.kill().unwrap();
        child.wait().unwrap();
        drop(lines);

        let store = Store::open(&path, config()).unwrap();
        let head = replay_matches(&store);
        assert!(head.0 >= last_seen, "head {head:?} lost a batch reported committed ({last_seen})");
        last_seen = head.0;
    }
}

#[test]
fn refused_commits_write_nothing_and_config_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.redb");
    let (genesis_state, users) = genesis();
    let store = Store::create_with_genesis(&path, &genesis_state).unwrap();
    let mut state = store.load_state().unwrap();
    assert_eq!(state.root(), genesis_state.root());

    let batch = next_batch(&state, &users);
    let out = execute_batch(&mut state, &batch).unwrap();
    store.commit_batch(&state, &batch, &out).unwrap();
    // The same batch again is not the next one.
    assert!(matches!(store.commit_batch(&state, &batch, &out), Err(StoreError::NotNext { .. })));
    assert_eq!(store.head().unwrap(), BatchNumber(1));
    assert_eq!(store.load_state().unwrap().root(), state.root());
    drop(store);

    let other = StfConfig { chain_id: ChainId(1), ..config() };
    assert!(matches!(Store::open(&path, other), Err(StoreError::ConfigMismatch { .. })));
    assert!(matches!(
        Store::create_with_genesis(&path, &genesis_state),
        Err(StoreError::Corrupt(_))
    ));
    let reopened = Store::open(&path, config()).unwrap();
    assert_eq!(replay_matches(&reopened), BatchNumber(1));
}

/// A store written before the account tree became 4-ary (no arity recorded: binary nodes) is
/// refused with a typed error instead of loading its nodes into the wrong tree, and is left as
/// it was.
#[test]
fn a_store_of_the_binary_account_tree_is_refused_and_kept() {
    const META: redb::TableDefinition<'_, &str, u64> = redb::TableDefinition::new("meta");
    const NODES: redb::TableDefinition<'_, u64, [u8; 32]> = redb::TableDefinition::new("nodes");
    const ACCOUNTS: redb::TableDefinition<'_, u32, [u8; 56]> =
        redb::TableDefinition::new("accounts");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.redb");
    let (genesis_state, _) = genesis();
    drop(Store::create_with_genesis(&path, &genesis_state).unwrap());
    // What the previous version wrote: the same meta, without the arity.
    let db = redb::Database::create(&path).unwrap();
    let w = db.begin_write().unwrap();
    w.open_table(META).unwrap().remove("account_arity").unwrap();
    w.commit().unwrap();
    drop(db);
    // Every table's rows (redb rewrites its own header on open, so the bytes are not compared).
    let rows = || {
        use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};
        let db = redb::Database::create(&path).unwrap();
        let r = db.begin_read().unwrap();
        let meta: Vec<(String, u64)> = r
            .open_table(META)
            .unwrap()
            .iter()
            .unwrap()
            .map(|row| row.map(|(k, v)| (k.value().to_owned(), v.value())).unwrap())
            .collect();
        let nodes = r.open_table(NODES).unwrap().len().unwrap();
        let accounts = r.open_table(ACCOUNTS).unwrap().len().unwrap();
        (meta, nodes, accounts)
    };
    let before = rows();
    assert!(matches!(Store::open(&path, config()), Err(StoreError::TreeLayout { stored: 2 })));
    assert!(matches!(
        Store::create_with_genesis(&path, &genesis_state),
        Err(StoreError::TreeLayout { stored: 2 })
    ));
    assert_eq!(rows(), before, "the refused store keeps every row");
}

/// A rewind undoes the batches after its target in one write: their accounts (a new one
/// included), tree nodes and rows are gone, the state is the target's again, their L1 messages
/// are forgotten, and their sequencer transactions are pending again at the front of the
/// mempool, before what was pending. The next batch then commits on top of the target.
#[test]
fn a_rewind_undoes_batches_and_requeues_their_sequencer_transactions() {
    use tribunal_node::store::TxLocation;
    use tribunal_primitives::{AccountIndex, PrivateKey, Wei, tx::Deposit};

    let dir = tempfile::tempdir().unwrap();
    let (genesis, users) = genesis();
    let store = Store::create_with_genesis(&dir.path().join("node.redb"), &genesis).unwrap();
    let mut state = store.load_state().unwrap();
    let chain = config().chain_id;
    let newcomer = Tx::Deposit(Deposit {
        to: AccountIndex(100),
        pubkey: PrivateKey::from_bytes([9; 32]).public_key().to_bytes(),
        amount: Wei(50),
    });
    let t1 = Tx::Transfer(users[0].transfer(chain, users[1].index, 5, 0));
    let t2 = Tx::Transfer(users[1].transfer(chain, users[2].index, 7, 0));
    let t3 = Tx::Withdraw(users[2].withdraw(chain, tribunal_primitives::Address::ZERO, 3, 0));
    let t4 = Tx::Transfer(users[3].transfer(chain, users[0].index, 1, 0));
    // To the account batch 2's deposit created: on a new chain that index may be someone else's.
    let t5 = Tx::Transfer(users[1].transfer(chain, AccountIndex(100), 2, 1));
    // An L1 message identical to one of batch 1 (same bytes, same hash) in an undone batch.
    let twin = Tx::Deposit(Deposit {
        to: users[0].index,
        pubkey: users[0].key.public_key().to_bytes(),
        amount: Wei(4),
    });
    for txs in [vec![twin, t1], vec![newcomer, t2], vec![twin, t3, t5]] {
        let batch = Batch { chain_id: chain, number: BatchNumber(state.head().0 + 1), txs };
        let out = execute_batch(&mut state, &batch).unwrap();
        store.commit_batch(&state, &batch, &out).unwrap();
    }
    store.push_tx(&t4).unwrap();
    // Pending, to the same account.
    let t6 = Tx::Transfer(users[2].transfer(chain, AccountIndex(100), 1, 1));
    store.push_tx(&t6).unwrap();
    let before = store.batch_record(BatchNumber(1)).unwrap().unwrap();

    assert!(matches!(store.rewind_to(BatchNumber(4)), Err(StoreError::NotNext { .. })));
    let rewound = store.rewind_to(BatchNumber(1)).unwrap();
    assert_eq!(rewound.requeued, vec![t2, t3]);
    assert_eq!(rewound.dropped, vec![t5, t6], "they name an account an undone batch created");
    assert_eq!(rewound.state.root(), before.post_root);
    assert_eq!(rewound.state.queue(), (before.queue_after, before.queue_consumed));

    assert_eq!(store.head().unwrap(), BatchNumber(1));
    let loaded = store.load_state().unwrap();
    assert_eq!(loaded.root(), before.post_root);
    // Only the undone paths were rewritten, and the stored tree is exactly the one the
    // accounts give.
    let rebuilt = tribunal_stf::State::from_accounts(
        config(),
        BatchNumber(1),
        loaded.accounts().map(|(i, a)| (i, *a)),
    )
    .unwrap();
    let mut stored: Vec<_> = loaded.tree().stored_nodes().collect();
    let mut fresh: Vec<_> = rebuilt.tree().stored_nodes().collect();
    stored.sort_unstable_by_key(|(l, i, _)| (*l, *i));
    fresh.sort_unstable_by_key(|(l, i, _)| (*l, *i));
    assert_eq!(stored, fresh);
    assert_eq!(loaded.account(AccountIndex(100)), None, "the deposit's account is undone");
    for n in [2, 3] {
        assert!(store.batch(BatchNumber(n)).unwrap().is_none());
        assert!(store.batch_record(BatchNumber(n)).unwrap().is_none());
    }
    let pending: Vec<Tx> = store.mempool().unwrap().into_iter().map(|(_, t)| t).collect();
    assert_eq!(pending, vec![t2, t3, t4]);
    let location = |t: &Tx| store.tx_location(tribunal_node::sequencer::tx_hash(t)).unwrap();
    assert_eq!(location(&t2), Some(TxLocation::Pending));
    assert_eq!(location(&newcomer), None, "an undone L1 message is forgotten");
    assert_eq!(location(&t5), Some(TxLocation::Dropped), "it named an undone account");
    assert_eq!(location(&t6), Some(TxLocation::Dropped), "pending, it named one too");
    assert_eq!(
        location(&twin),
        Some(TxLocation::Sealed { batch: BatchNumber(1), position: 0 }),
        "an identical L1 message sealed before the target keeps its location"
    );
    assert!(matches!(location(&t1), Some(TxLocation::Sealed { .. })));

    // The chain goes on from the target, and the rewind survives a reopen.
    drop(store);
    let store = Store::open(&dir.path().join("node.redb"), config()).unwrap();
    let mut state = store.load_state().unwrap();
    let batch = Batch { chain_id: chain, number: BatchNumber(2), txs: vec![t2] };
    let out = execute_batch(&mut state, &batch).unwrap();
    store.commit_batch(&state, &batch, &out).unwrap();
    assert_eq!(replay_matches(&store), BatchNumber(2));
}
