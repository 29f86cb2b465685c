//! The devnet with its ZK leg settled through the proof aggregation layer: every batch is final
//! on the instant path, and each proof of the rollup was verified in an aggregate it shared with
//! other applications' proofs.

use tribunal_devnet::{DevnetConfig, Plan, run::run_embedded, silent};
use tribunal_node::watcher::FinalityPath;

#[test]
fn a_devnet_settles_its_zk_leg_through_shared_aggregates_on_the_instant_path() {
    let config =
        DevnetConfig { users: 2, aggregate_proofs: Some(4), ..DevnetConfig::embedded(2, 2, 4) };
    let outcome = run_embedded(config, Plan::DEVNET, silent()).unwrap();
    assert!(
        outcome.batches.iter().all(|b| b.path == FinalityPath::Instant),
        "{:?}",
        outcome.batches.iter().map(|b| (b.batch, b.path)).collect::<Vec<_>>()
    );
    // One aggregate per batch proven (the deposit batch included), each filled to 4 proofs.
    assert_eq!(outcome.aggregates.len(), outcome.batches.len(), "{:?}", outcome.aggregates);
    assert!(outcome.aggregates.iter().all(|a| a.proofs == 4), "{:?}", outcome.aggregates);
    for b in &outcome.batches {
        eprintln!("batch {}: {} txs, gas {:?}", b.batch, b.txs, b.gas);
    }
    for a in &outcome.aggregates {
        eprintln!("aggregate of {} proofs: {} gas", a.proofs, a.gas_used);
    }
}
