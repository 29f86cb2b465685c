//! Prints the harness's [`Progress`]: the devnet's banner, one row per final batch, and the
//! scenarios' narration.

use std::sync::Arc;

use tribunal_devnet::{Observer, Progress};

/// An observer that prints every report on stdout.
pub(crate) fn printer() -> Observer {
    Arc::new(print)
}

fn print(p: Progress) {
    match p {
        Progress::Starting { chain_id, account_depth, l1 } => println!(
            "tribunal devnet: L2 chain {}, account tree depth {account_depth}, L1 {l1}",
            chain_id.0
        ),
        Progress::ZkKeys { key_ids, dir } => println!(
            "ZK: Groth16 circuits {} (a batch is proven with the smallest that fits), INSECURE \
             dev keys from {}",
            key_ids.join(", "),
            dir.display()
        ),
        Progress::Deployed { gas, inbox, finality, game, council } => {
            println!(
                "L1 contracts (default parameters of docs/finality.md, 6-of-8 Stage 2 council):"
            );
            for (name, gas) in gas {
                println!("  {name:<20} {gas:>9} gas");
            }
            println!(
                "  Inbox {inbox} · MultiProofFinality {finality} · DisputeGame {game} · SecurityCouncil {council}"
            );
        }
        Progress::EnclaveRegistered { signer } => println!(
            "TEE: dev enclave {signer} registered by the council (INSECURE: a software key, no hardware)\n"
        ),
        Progress::Deposited { users } => println!("{users} users deposited 1 ETH each on L1\n"),
        Progress::Submitted { .. } => println!(
            "{:>5} {:>4} {:>5} {:>3} {:>7} {:>5}  {:<17} {:>8} {:>9}  {:>7} {:>7} {:>7} {:>7} {:>7} {:>6}",
            "batch",
            "txs",
            "xfers",
            "l1",
            "skipped",
            "blobs",
            "path",
            "final s",
            "L1 s",
            "post",
            "propose",
            "zk",
            "tee",
            "op",
            "final"
        ),
        Progress::Travelling { first, last, window_secs } => println!(
            "… batches {first}..={last} have one validity leg: time-travelling the {}-day OP window",
            window_secs / 86_400
        ),
        Progress::Final(b) => println!(
            "{:>5} {:>4} {:>5} {:>3} {:>7} {:>5}  {:<17} {:>8.1} {:>9}  {:>7} {:>7} {:>7} {:>7} {:>7} {:>6}",
            b.batch,
            b.txs,
            b.transfers,
            b.l1_messages,
            b.skipped,
            b.blobs,
            b.path,
            b.wall_secs,
            b.l1_secs,
            b.gas.post,
            b.gas.propose,
            b.gas.zk,
            b.gas.tee,
            b.gas.op,
            b.gas.finalize,
        ),
        Progress::AllFinal { batches, instant, latest_final } => println!(
            "\n{batches} batches final ({instant} instant, {} slow); MultiProofFinality.latestFinalBatch = {latest_final}",
            batches - instant
        ),
        Progress::Note(line) => println!("{line}"),
        _ => {}
    }
}
