//! The on-disk key cache under concurrency: two setups of the same keys at once (parallel tests
//! on a fresh machine) must both succeed and agree.

use std::path::PathBuf;

use tribunal_zk::{config::CircuitConfig, keys::load_or_dev_setup};

#[test]
fn concurrent_setups_of_the_same_keys_both_succeed() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("zk-keys-race-{}", std::process::id()));
    let config = CircuitConfig { account_depth: 2, withdrawal_depth: 1, batch_size: 1 };
    let setups: Vec<_> = (0..2)
        .map(|_| {
            let dir = dir.clone();
            std::thread::spawn(move || load_or_dev_setup(&dir, &config).map(|k| k.vk().clone()))
        })
        .collect();
    let vks: Vec<_> = setups.into_iter().map(|t| t.join().unwrap().expect("setup")).collect();
    assert!(vks.windows(2).all(|w| w[0] == w[1]), "the same seeded keys");
    // And the cache they left loads.
    assert_eq!(load_or_dev_setup(&dir, &config).unwrap().vk(), &vks[0]);
    std::fs::remove_dir_all(&dir).unwrap();
}
