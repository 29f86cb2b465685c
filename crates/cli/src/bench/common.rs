//! Helpers shared by the bench targets: progress spinners and funded account sets.

use std::time::Duration;

use ark_ec::{CurveGroup, PrimeGroup};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use tribunal_primitives::{
    AccountIndex, PrivateKey, PublicKey, Wei,
    eip2494::{PointProjective, Scalar},
};
use tribunal_stf::Account;

/// A steady spinner showing `msg` and the elapsed time.
pub(super) fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"),
    );
    pb.set_message(msg.to_owned());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// `n` funded accounts: the first `senders` with real keys (returned with their public keys), the
/// others with distinct synthetic keys (k·Base8, one point addition each instead of a full key
/// derivation).
pub(super) fn accounts(
    n: u32,
    senders: u32,
) -> (Vec<PrivateKey>, Vec<PublicKey>, Vec<(AccountIndex, Account)>) {
    let keys: Vec<PrivateKey> = (0..senders)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            seed[31] = 0xbe;
            PrivateKey::from_bytes(seed)
        })
        .collect();
    let sender_pks: Vec<PublicKey> = keys.par_iter().map(PrivateKey::public_key).collect();
    let g = PointProjective::generator();
    let mut acc = g * Scalar::from(1_000_003u64);
    let mut synthetic = Vec::with_capacity((n - senders) as usize);
    for _ in senders..n {
        synthetic.push(acc);
        acc += g;
    }
    let synthetic = PointProjective::normalize_batch(&synthetic);
    let accounts = sender_pks
        .iter()
        .copied()
        .chain(synthetic.into_iter().map(PublicKey))
        .enumerate()
        .map(|(i, pubkey)| {
            (AccountIndex(i as u32), Account { pubkey, balance: Wei(10u128.pow(21)), nonce: 0 })
        })
        .collect();
    (keys, sender_pks, accounts)
}

/// Peak resident memory of this process, in MiB (Linux `VmHWM`).
pub(super) fn peak_mib() -> Option<u64> {
    status_mib("VmHWM:")
}

/// The process's resident memory now, in MiB (Linux `VmRSS`); `None` elsewhere.
pub(super) fn rss_mib() -> Option<u64> {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
