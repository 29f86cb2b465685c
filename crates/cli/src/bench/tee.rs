//! `tribunal bench tee`: what the TEE leg costs per batch.
//!
//! - the host's witness of the parent state, and its size;
//! - the enclave's whole check and signature ([`tribunal_tee::Enclave::prove`]: KZG commitments
//!   of the blobs, decoding, stateless execution from the witness, secp256k1 signing), beside
//!   `execute_batch` on the full state, the baseline;
//! - DCAP verification of dcap-qvl's TDX sample quote, beside parsing it alone.

use std::time::Instant;

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, keccak256};
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use tribunal_primitives::{
    AccountIndex, Batch, BatchNumber, ChainId, Claim, QueueAcc, Signed, Transfer, Tx, Wei,
};
use tribunal_stf::{State, StfConfig, execute_batch};
use tribunal_tee::{
    DcapAttestation, DcapPolicy, DevEnclave, Enclave, EnclaveConfig, ProveRequest,
    dcap::collateral_valid_until,
};

use super::common::{accounts, spinner};

/// Arguments of `bench tee`.
#[derive(Args, Debug)]
pub struct TeeBenchArgs {
    /// Accounts in the tree.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: u32,
    /// Transfers in the batch (1,023 fill one blob).
    #[arg(long, default_value_t = 1023)]
    pub batch_size: usize,
    /// Distinct signing accounts.
    #[arg(long, default_value_t = 256)]
    pub senders: u32,
    /// Repetitions of each timing (the median is printed).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// The median of `runs` timings of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `bench tee`.
///
/// # Errors
/// Invalid arguments, or a check that fails on the benchmark's own honest batch.
pub(super) fn tee(a: &TeeBenchArgs) -> eyre::Result<()> {
    eyre::ensure!(a.senders >= 2 && a.senders <= a.accounts, "need 2 <= senders <= accounts");
    let chain_id = ChainId(901);
    let config = StfConfig::new(chain_id);
    println!(
        "bench tee: {} accounts, depth {}, one batch of {} transfers",
        a.accounts, config.account_depth, a.batch_size
    );
    let pb = spinner("building the state");
    let (keys, _, accounts) = accounts(a.accounts, a.senders);
    let genesis = State::from_accounts(config, BatchNumber(0), accounts)?;
    pb.finish_and_clear();

    let pb = spinner("signing transfers");
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut nonces = vec![0u64; a.senders as usize];
    let txs: Vec<Tx> = (0..a.batch_size)
        .map(|_| {
            let from = rng.random_range(0..a.senders as usize);
            let to = AccountIndex(rng.random_range(0..a.accounts));
            let body = Transfer {
                from: AccountIndex(from as u32),
                to,
                amount: Wei(1),
                nonce: nonces[from],
            };
            nonces[from] += 1;
            Tx::Transfer(Signed::sign(body, chain_id, &keys[from]))
        })
        .collect();
    let batch = Batch { chain_id, number: BatchNumber(1), txs };
    let blobs = tribunal_da::encode_blobs(&batch.encode())?;
    pb.finish_and_clear();

    let pb = spinner("execute_batch on the full state (baseline)");
    let mut out = None;
    let full_ms = median_ms(a.runs, || out = Some(execute_batch(&mut genesis.clone(), &batch)));
    let clone_ms = median_ms(a.runs, || drop(std::hint::black_box(genesis.clone())));
    let out = out.expect("ran")?;
    pb.finish_and_clear();

    let pb = spinner("host witness and enclave check");
    let mut parent = None;
    let witness_ms = median_ms(a.runs, || parent = Some(genesis.witness_for(&batch)));
    let parent = parent.expect("ran");
    let witness_bytes: usize =
        parent.accounts.iter().map(|p| 4 + 32 * 4 + 32 * p.siblings.len()).sum();
    let claim = Claim {
        chain_id,
        batch_number: BatchNumber(1),
        parent_root: out.parent_root,
        post_root: out.post_root,
        withdrawal_root: out.withdrawal_root,
        data_commitment: out.data_commitment,
        blobs_hash: keccak256(tribunal_da::versioned_hashes(&blobs)?.concat()),
        queue_before: QueueAcc::EMPTY,
        queue_after: out.queue_after,
    };
    let request = ProveRequest { claim, blobs, messages: batch.messages().to_vec(), parent };
    let enclave = DevEnclave::new(
        EnclaveConfig { stf: config, l1_chain_id: 1, finality: Address::ZERO },
        PrivateKeySigner::from_bytes(&B256::repeat_byte(7))?,
    )?;
    let mut approval = None;
    let prove_ms = median_ms(a.runs, || approval = Some(enclave.prove(&request)));
    approval.expect("ran")?;
    pb.finish_and_clear();

    let quote = include_bytes!("../../../tee/tests/dcap/tdx_quote").to_vec();
    let collateral: dcap_qvl::QuoteCollateralV3 = serde_json::from_slice(include_bytes!(
        "../../../tee/tests/dcap/tdx_quote_collateral.json"
    ))?;
    let at = collateral_valid_until(&collateral)? - 3600;
    let att = DcapAttestation { signer: Address::ZERO, l2_chain_id: 901, quote, collateral };
    let runs = a.runs.max(20);
    let dcap_ms = median_ms(runs, || {
        // The sample commits to no Tribunal signer: everything but the binding is checked.
        let r = att.verify(&DcapPolicy::default(), at);
        assert!(matches!(r, Err(tribunal_tee::DcapError::ReportDataMismatch { .. })), "{r:?}");
    });
    let parse_ms = median_ms(runs, || drop(std::hint::black_box(att.report())));

    println!();
    println!("{:<48} {:>12} {:>12}", "figure", "measured", "baseline");
    println!(
        "{:<48} {:>12.0} {:>12.0}   baseline: execute_batch on the full state (state clone {:.0} ms excluded)",
        "enclave check + sign, ms/batch",
        prove_ms,
        full_ms - clone_ms,
        clone_ms
    );
    println!(
        "{:<48} {:>12.0} {:>12}   {} accounts proven",
        "host parent-state witness, ms/batch",
        witness_ms,
        "-",
        request.parent.accounts.len()
    );
    println!(
        "{:<48} {:>12.0} {:>12.0}   baseline: the batch's own bytes",
        "witness size, KiB",
        witness_bytes as f64 / 1024.0,
        batch.encode().len() as f64 / 1024.0
    );
    println!(
        "{:<48} {:>12.2} {:>12.2}   baseline: parsing the quote alone",
        "DCAP TDX quote verification, ms", dcap_ms, parse_ms
    );
    Ok(())
}
