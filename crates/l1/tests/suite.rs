//! One suite, two backends: the embedded revm chain and a real anvil from npm.

use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent, SolInterface};
use tribunal_contracts::Inbox;
use tribunal_da::{decode_batch, encode_blobs, sidecar_7594};
use tribunal_l1::{DevL1, L1, L1Dev, L1Error, L1Tx, anvil::Anvil, dev_signers};
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, ChainId, Signed, Transfer, Tx, Wei, tx::Deposit,
};

fn run(f: impl std::future::Future<Output = ()> + Send + 'static) {
    tribunal_l1::block_on_blob_threads(f).unwrap();
}

fn batch(number: u64) -> Batch {
    let key = tribunal_primitives::PrivateKey::from_bytes([3; 32]);
    let transfer =
        Transfer { from: AccountIndex(0), to: AccountIndex(1), amount: Wei(5), nonce: number };
    Batch {
        chain_id: ChainId(901),
        number: BatchNumber(number),
        txs: vec![
            Tx::Deposit(Deposit {
                to: AccountIndex(0),
                pubkey: key.public_key().to_bytes(),
                amount: Wei(10),
            }),
            Tx::Transfer(Signed::sign(transfer, ChainId(901), &key)),
        ],
    }
}

fn inbox_error(e: &L1Error) -> Inbox::InboxErrors {
    let data = e.revert_data().unwrap_or_else(|| panic!("expected a revert, got {e}"));
    Inbox::InboxErrors::abi_decode(data).unwrap()
}

async fn suite(l1: &(impl L1Dev + 'static)) {
    let signers = dev_signers();
    let (sequencer, stranger) = (&signers[0], &signers[1]);
    assert!(l1.balance(sequencer.address()).await.unwrap() > alloy_primitives::U256::ZERO);

    // Deploy the inbox.
    let mut init = Inbox::BYTECODE.to_vec();
    init.extend(
        // No finality contract or Poseidon here: this suite posts batches without L1 messages.
        Inbox::constructorCall {
            _sequencer: sequencer.address(),
            _l2ChainId: 901,
            _accountDepth: 32,
            _withdrawalDepth: 10,
            _forcedInclusionDelaySeconds: 24 * 3600,
            _finality: Address::ZERO,
            _poseidon2: Address::ZERO,
            _poseidon4: Address::ZERO,
        }
        .abi_encode(),
    );
    let deployed = l1.send(sequencer, L1Tx::create(init)).await.unwrap();
    let inbox: Address = deployed.contract_address.expect("creation returns an address");
    let out = l1
        .call(stranger.address(), inbox, Inbox::SEQUENCERCall {}.abi_encode().into())
        .await
        .unwrap();
    assert_eq!(Inbox::SEQUENCERCall::abi_decode_returns(&out).unwrap(), sequencer.address());

    // Post batch 1 with real blobs; BLOBHASH sees them; the blobs come back and decode.
    let b1 = batch(1);
    let sidecar = sidecar_7594(encode_blobs(&b1.encode()).unwrap()).unwrap();
    let hashes: Vec<B256> = sidecar.versioned_hashes().collect();
    let post = post_tx(inbox, 1).with_sidecar(sidecar.clone());
    let receipt = l1.send(sequencer, post).await.unwrap();
    let event = receipt
        .logs
        .iter()
        .find_map(|log| Inbox::BatchPosted::decode_log(log).ok())
        .expect("BatchPosted emitted");
    assert_eq!(event.batchNumber, 1);
    assert_eq!(event.blobHashes, hashes);
    let stored = l1
        .call(
            stranger.address(),
            inbox,
            Inbox::blobHashesCall { _batchNumber: 1 }.abi_encode().into(),
        )
        .await
        .unwrap();
    assert_eq!(Inbox::blobHashesCall::abi_decode_returns(&stored).unwrap(), hashes);
    let blobs = l1.blobs(&hashes).await.unwrap();
    assert_eq!(decode_batch(&blobs, b1.messages()).unwrap(), b1);
    // Logs, all and by event and first indexed argument, with the transaction that emitted them.
    let all = l1.logs(inbox, 0).await.unwrap();
    assert!(all.iter().any(|l| l.tx_hash == receipt.tx_hash), "the log names its transaction");
    let posted = Inbox::BatchPosted::SIGNATURE_HASH;
    let batch1 = Some(B256::from(alloy_primitives::U256::from(1)));
    let by_event = l1.logs_where(inbox, posted, None, 0).await.unwrap();
    assert_eq!(by_event.len(), 1);
    assert_eq!(
        (by_event[0].tx_hash, by_event[0].block_number),
        (receipt.tx_hash, receipt.block_number)
    );
    assert_eq!(l1.logs_where(inbox, posted, batch1, 0).await.unwrap().len(), 1);
    let batch2 = Some(B256::from(alloy_primitives::U256::from(2)));
    assert!(l1.logs_where(inbox, posted, batch2, 0).await.unwrap().is_empty());
    let other = Inbox::MessageQueued::SIGNATURE_HASH;
    assert!(l1.logs_where(inbox, other, None, 0).await.unwrap().is_empty());
    // One block's logs only.
    let block = receipt.block_number;
    let in_block = l1.logs_in_block(inbox, posted, batch1, block).await.unwrap();
    assert_eq!(in_block.len(), 1);
    assert_eq!(in_block[0].tx_hash, receipt.tx_hash);
    assert!(l1.logs_in_block(inbox, posted, batch2, block).await.unwrap().is_empty());
    assert!(l1.logs_in_block(inbox, posted, batch1, block - 1).await.unwrap().is_empty());

    // Bad posts revert with the contract's typed errors, and nothing is mined.
    let before = l1.head().await.unwrap().number;
    let err = l1.send(stranger, post_tx(inbox, 2).with_sidecar(sidecar.clone())).await.unwrap_err();
    assert_eq!(
        inbox_error(&err),
        Inbox::InboxErrors::Inbox_NotSequencer(Inbox::Inbox_NotSequencer {
            caller: stranger.address()
        })
    );
    let err =
        l1.send(sequencer, post_tx(inbox, 3).with_sidecar(sidecar.clone())).await.unwrap_err();
    assert_eq!(
        inbox_error(&err),
        Inbox::InboxErrors::Inbox_NotNextBatch(Inbox::Inbox_NotNextBatch { expected: 2, got: 3 })
    );
    let err = l1.send(sequencer, post_tx(inbox, 2)).await.unwrap_err();
    assert_eq!(
        inbox_error(&err),
        Inbox::InboxErrors::Inbox_BlobCount(Inbox::Inbox_BlobCount { count: U256::ZERO })
    );
    // Attack: a second blob keeps the circuit (which reads one) from proving the batch, so a
    // poster could push it onto the slow path. Refused.
    let two = sidecar_7594(encode_blobs(&vec![7u8; 130_000]).unwrap()).unwrap();
    assert_eq!(two.blobs.len(), 2);
    let err = l1.send(sequencer, post_tx(inbox, 2).with_sidecar(two)).await.unwrap_err();
    assert_eq!(
        inbox_error(&err),
        Inbox::InboxErrors::Inbox_BlobCount(Inbox::Inbox_BlobCount { count: U256::from(2) })
    );
    assert_eq!(l1.head().await.unwrap().number, before, "refused transactions are not mined");

    // A sidecar whose proof does not match its blob is refused.
    let mut tampered = sidecar_7594(encode_blobs(&batch(2).encode()).unwrap()).unwrap();
    tampered.cell_proofs.swap(0, 1);
    let err = l1.send(sequencer, post_tx(inbox, 2).with_sidecar(tampered)).await.unwrap_err();
    assert!(matches!(err, L1Error::InvalidSidecar(_) | L1Error::InvalidTx(_)), "{err}");

    // A blob fee cap below the blob base fee is refused (the base fee is at least 1 wei).
    let capped = post_tx(inbox, 2)
        .with_sidecar(sidecar_7594(encode_blobs(&batch(2).encode()).unwrap()).unwrap())
        .with_max_fee_per_blob_gas(0);
    assert!(l1.send(sequencer, capped).await.is_err(), "a zero blob fee cap must be refused");

    // Time travel: seven days later.
    let t0 = l1.head().await.unwrap().timestamp;
    l1.increase_time(7 * 24 * 3600).await.unwrap();
    l1.mine().await.unwrap();
    let t1 = l1.head().await.unwrap().timestamp;
    assert!(t1 >= t0 + 7 * 24 * 3600, "{t0} -> {t1}");
    let _ = Bytes::new();
}

/// A reorg drops the last blocks and their transactions, keeps the height, changes the hashes,
/// and re-includes only what it is told to.
async fn reorg_suite(l1: &(impl L1Dev + 'static)) {
    let signers = dev_signers();
    let (from, to) = (&signers[2], Address::repeat_byte(0x5e));
    let start = l1.head().await.unwrap();
    assert_eq!(l1.block_hash(start.number).await.unwrap(), Some(start.hash));
    assert_eq!(l1.block_hash(start.number + 1).await.unwrap(), None);
    let pay = |wei: u64| L1Tx::call(to, Bytes::new()).with_value(U256::from(wei));
    let kept = l1.send(from, pay(1)).await.unwrap();
    let dropped = l1.send(from, pay(10)).await.unwrap();
    l1.mine().await.unwrap();
    assert_eq!(l1.balance(to).await.unwrap(), U256::from(11));
    let before = l1.head().await.unwrap();
    assert_eq!(l1.block_hash(dropped.block_number).await.unwrap(), Some(dropped.block_hash));

    l1.reorg(3, &[kept.tx_hash]).await.unwrap();
    let after = l1.head().await.unwrap();
    assert_eq!(after.number, before.number, "a reorg keeps the height");
    assert!(after.timestamp >= start.timestamp, "time never goes back");
    assert_ne!(after.hash, before.hash);
    assert_ne!(l1.block_hash(dropped.block_number).await.unwrap(), Some(dropped.block_hash));
    assert_eq!(l1.block_hash(start.number).await.unwrap(), Some(start.hash), "ancestor kept");
    assert_eq!(l1.balance(to).await.unwrap(), U256::from(1), "only the replayed payment stays");
    // The dropped payment's nonce is free again.
    let again = l1.send(from, pay(100)).await.unwrap();
    assert_eq!(l1.balance(to).await.unwrap(), U256::from(101));
    assert_eq!(l1.block_hash(again.block_number).await.unwrap(), Some(again.block_hash));
    assert!(l1.reorg(0, &[]).await.is_err(), "a reorg of no block is refused");
}

#[test]
fn embedded_revm_chain() {
    run(async {
        let l1 = DevL1::with_reorg_window(8);
        suite(&l1).await;
        reorg_suite(&l1).await;
        // Deeper than the window, or a transaction that was not dropped: refused.
        assert!(l1.reorg(9, &[]).await.is_err());
        assert!(DevL1::new().reorg(1, &[]).await.is_err(), "no window, no reorg");
        // The embedded chain names the KZG failure precisely.
        let signer = &dev_signers()[0];
        let mut tampered = sidecar_7594(encode_blobs(&batch(9).encode()).unwrap()).unwrap();
        tampered.blobs[0].0[100] ^= 1;
        let err = l1
            .send(signer, L1Tx::call(Address::ZERO, Bytes::new()).with_sidecar(tampered))
            .await
            .unwrap_err();
        assert!(matches!(err, L1Error::InvalidSidecar(_)), "{err}");
    });
}

#[test]
fn anvil_from_npm() {
    run(async {
        let anvil = Anvil::spawn(None).await.expect("anvil (cd crates/contracts && npm install)");
        let l1 = anvil.rpc().unwrap();
        assert_eq!(l1.chain_id().await.unwrap(), 31337);
        tokio::time::timeout(Duration::from_secs(120), async {
            suite(&l1).await;
            reorg_suite(&l1).await;
        })
        .await
        .expect("suite within 2 minutes");
    });
}

/// `Inbox.postBatch(batch_number, 0, 0)`: a batch consuming no L1 message (this suite queues
/// none, so the queue's accumulator at 0 is zero).
fn post_tx(inbox: Address, batch_number: u64) -> L1Tx {
    let call = Inbox::postBatchCall {
        _batchNumber: batch_number,
        _queueEnd: 0,
        _queueAcc: alloy_primitives::B256::ZERO,
    };
    L1Tx::call(inbox, call.abi_encode())
}
