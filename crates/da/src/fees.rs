//! The blob fee model the batcher prices blobs with.
//!
//! - EIP-4844: the blob base fee is `fake_exponential(min_fee, excess_blob_gas, update_fraction)`,
//!   one blob is `2^17` blob gas.
//! - EIP-7691 (Prague): target 6, max 9 blobs per block, update fraction 5,007,716.
//! - EIP-7918 (Osaka): when `BLOB_BASE_COST · base_fee > GAS_PER_BLOB · blob_base_fee`, the excess
//!   no longer falls, so blob gas never costs less than `BLOB_BASE_COST / GAS_PER_BLOB` of execution
//!   gas (the reserve price). EIP-7594 also caps a transaction at 6 blobs.
//! - EIP-7892 blob-parameter-only forks: BPO1 (target 10, max 15), BPO2 (target 14, max 21).
//!
//! The arithmetic is alloy-eips' `BlobParams`; this module picks the schedule, counts blobs and
//! sets the fee cap.

use alloy_eips::{eip4844::DATA_GAS_PER_BLOB, eip7840::BlobParams};

use crate::{blob::blobs_needed, error::BlobError};

/// The blob schedule in force on L1.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BlobSchedule {
    /// EIP-7691 parameters, without the EIP-7918 reserve price.
    Prague,
    /// Prague parameters plus the EIP-7918 reserve price and the EIP-7594 per-transaction cap.
    Osaka,
    /// EIP-7892 BPO1: target 10, max 15.
    Bpo1,
    /// EIP-7892 BPO2: target 14, max 21.
    Bpo2,
}

impl BlobSchedule {
    /// alloy's parameters for this schedule.
    pub const fn params(self) -> BlobParams {
        match self {
            Self::Prague => BlobParams::prague(),
            Self::Osaka => BlobParams::osaka(),
            Self::Bpo1 => BlobParams::bpo1(),
            Self::Bpo2 => BlobParams::bpo2(),
        }
    }

    /// Whether the EIP-7918 reserve price applies.
    pub const fn has_reserve_price(self) -> bool {
        !matches!(self, Self::Prague)
    }
}

/// What posting a payload costs, and the caps to send it with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BlobFeeQuote {
    /// Blobs carrying the payload.
    pub blobs: u64,
    /// Blob gas used: `blobs · 2^17`.
    pub blob_gas: u64,
    /// Blob base fee now, in wei per blob gas.
    pub blob_base_fee: u128,
    /// `max_fee_per_blob_gas` to send: the blob base fee after `headroom_blocks` full blocks, and
    /// at least the EIP-7918 reserve price, in wei per blob gas.
    pub max_fee_per_blob_gas: u128,
    /// Worst-case blob cost, `blob_gas · max_fee_per_blob_gas`, in wei.
    pub max_blob_cost_wei: u128,
}

/// The EIP-7918 reserve price in wei per blob gas: `BLOB_BASE_COST · base_fee / GAS_PER_BLOB`.
pub fn reserve_price(schedule: BlobSchedule, base_fee_per_gas: u64) -> u128 {
    if !schedule.has_reserve_price() {
        return 0;
    }
    u128::from(schedule.params().blob_base_cost) * u128::from(base_fee_per_gas)
        / u128::from(DATA_GAS_PER_BLOB)
}

/// Prices a payload of `payload_bytes`.
///
/// `excess_blob_gas` and `base_fee_per_gas` are the latest L1 header's. The cap survives
/// `headroom_blocks` consecutive blocks of maximum blob usage before the transaction lands.
///
/// # Errors
/// [`BlobError::EmptyPayload`], or [`BlobError::TooManyBlobs`] when the payload needs more blobs
/// than one transaction may carry under this schedule.
pub fn quote(
    schedule: BlobSchedule,
    excess_blob_gas: u64,
    base_fee_per_gas: u64,
    payload_bytes: usize,
    headroom_blocks: u32,
) -> Result<BlobFeeQuote, BlobError> {
    if payload_bytes == 0 {
        return Err(BlobError::EmptyPayload);
    }
    let params = schedule.params();
    let blobs = blobs_needed(payload_bytes);
    if blobs > params.max_blobs_per_tx {
        return Err(BlobError::TooManyBlobs { needed: blobs, max: params.max_blobs_per_tx });
    }
    let blob_base_fee = params.calc_blob_fee(excess_blob_gas);
    let mut excess = excess_blob_gas;
    for _ in 0..headroom_blocks {
        let used = params.max_blob_gas_per_block();
        excess = if schedule.has_reserve_price() {
            params.next_block_excess_blob_gas_osaka(excess, used, base_fee_per_gas)
        } else {
            (excess + used).saturating_sub(params.target_blob_gas_per_block())
        };
    }
    let max_fee_per_blob_gas = params
        .calc_blob_fee(excess)
        .max(reserve_price(schedule, base_fee_per_gas))
        .max(blob_base_fee);
    let blob_gas = blobs * DATA_GAS_PER_BLOB;
    Ok(BlobFeeQuote {
        blobs,
        blob_gas,
        blob_base_fee,
        max_fee_per_blob_gas,
        max_blob_cost_wei: u128::from(blob_gas) * max_fee_per_blob_gas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_match_the_eips() {
        let p = BlobSchedule::Prague.params();
        assert_eq!((p.target_blob_count, p.max_blob_count, p.update_fraction), (6, 9, 5_007_716));
        let o = BlobSchedule::Osaka.params();
        assert_eq!((o.target_blob_count, o.max_blob_count, o.max_blobs_per_tx), (6, 9, 6));
        assert_eq!(o.blob_base_cost, 1 << 13);
        let b1 = BlobSchedule::Bpo1.params();
        assert_eq!((b1.target_blob_count, b1.max_blob_count), (10, 15));
        let b2 = BlobSchedule::Bpo2.params();
        assert_eq!((b2.target_blob_count, b2.max_blob_count), (14, 21));
    }

    const FE_1_2_1: u128 = 6;
    const FE_E20: u128 = 485_165_195;
    const FE_PRAGUE_50M: u128 = 21_689;
    const FE_7_E3: u128 = 140;

    #[test]
    fn fake_exponential_known_values() {
        // Expected values from the EIP-4844 reference `fake_exponential` (Python, in the EIP),
        // run separately: the fee is 1 wei at zero excess and e-folds every update fraction.
        let p = BlobSchedule::Prague.params();
        assert_eq!(p.calc_blob_fee(0), 1);
        let fe = alloy_eips::eip4844::fake_exponential;
        assert_eq!(fe(1, 2, 1), FE_1_2_1);
        assert_eq!(fe(1, 5_007_716 * 20, 5_007_716), FE_E20);
        assert_eq!(p.calc_blob_fee(50_000_000), FE_PRAGUE_50M);
        assert_eq!(fe(7, 3_338_477 * 3, 3_338_477), FE_7_E3);
    }

    #[test]
    fn reserve_price_floors_the_cap_under_osaka_only() {
        // Zero excess: blob base fee 1 wei, but 10 gwei execution gas makes the reserve
        // 8192 · 10e9 / 131072 = 625,000,000 wei per blob gas.
        let q = quote(BlobSchedule::Osaka, 0, 10_000_000_000, 1000, 0).unwrap();
        assert_eq!(q.blob_base_fee, 1);
        assert_eq!(q.max_fee_per_blob_gas, 625_000_000);
        let q = quote(BlobSchedule::Prague, 0, 10_000_000_000, 1000, 0).unwrap();
        assert_eq!(q.max_fee_per_blob_gas, 1);
    }

    #[test]
    fn headroom_raises_the_cap_and_blobs_are_counted() {
        let excess = 50_000_000;
        let now = quote(BlobSchedule::Osaka, excess, 1, 200_000, 0).unwrap();
        let later = quote(BlobSchedule::Osaka, excess, 1, 200_000, 6).unwrap();
        assert_eq!(now.blobs, 2);
        assert_eq!(now.blob_gas, 2 * 131_072);
        assert!(later.max_fee_per_blob_gas > now.max_fee_per_blob_gas);
        assert_eq!(
            later.max_blob_cost_wei,
            u128::from(later.blob_gas) * later.max_fee_per_blob_gas
        );
        assert_eq!(quote(BlobSchedule::Osaka, 0, 1, 0, 0), Err(BlobError::EmptyPayload));
        let seven_blobs = (6 * 4096 - 1) * 31 + 1;
        assert_eq!(
            quote(BlobSchedule::Osaka, 0, 1, seven_blobs, 0),
            Err(BlobError::TooManyBlobs { needed: 7, max: 6 })
        );
    }
}
