//! Generators for tests and benchmarks.

use alloy_primitives::Address;
use proptest::prelude::*;

use crate::{
    batch::{Batch, BatchNumber},
    tx::{AccountIndex, ChainId, Deposit, Signed, Transfer, Tx, Wei, Withdraw},
};

/// Any transfer body (signature bytes arbitrary).
pub fn arb_signed_transfer() -> impl Strategy<Value = Signed<Transfer>> {
    (any::<u32>(), any::<u32>(), any::<u128>(), any::<u64>(), prop::array::uniform32(any::<u8>()))
        .prop_map(|(from, to, amount, nonce, half)| {
            let mut signature = [0u8; 64];
            signature[..32].copy_from_slice(&half);
            signature[32..].copy_from_slice(&half);
            Signed {
                body: Transfer {
                    from: AccountIndex(from),
                    to: AccountIndex(to),
                    amount: Wei(amount),
                    nonce,
                },
                signature,
            }
        })
}

/// Any withdrawal body (signature bytes arbitrary).
pub fn arb_signed_withdraw() -> impl Strategy<Value = Signed<Withdraw>> {
    (
        any::<u32>(),
        any::<[u8; 20]>(),
        any::<u128>(),
        any::<u64>(),
        prop::array::uniform32(any::<u8>()),
    )
        .prop_map(|(from, to, amount, nonce, half)| {
            let mut signature = [0u8; 64];
            signature[..32].copy_from_slice(&half);
            signature[32..].copy_from_slice(&half);
            Signed {
                body: Withdraw {
                    from: AccountIndex(from),
                    to: Address::from(to),
                    amount: Wei(amount),
                    nonce,
                },
                signature,
            }
        })
}

/// Any transaction.
pub fn arb_tx() -> impl Strategy<Value = Tx> {
    prop_oneof![
        arb_signed_transfer().prop_map(Tx::Transfer),
        arb_signed_withdraw().prop_map(Tx::Withdraw),
        (any::<u32>(), any::<[u8; 32]>(), any::<u128>()).prop_map(|(to, pubkey, amount)| {
            Tx::Deposit(Deposit { to: AccountIndex(to), pubkey, amount: Wei(amount) })
        }),
        arb_signed_transfer().prop_map(Tx::ForcedTransfer),
        arb_signed_withdraw().prop_map(Tx::ForcedWithdraw),
    ]
}

/// Any batch of up to 16 transactions, its L1 messages first (as every batch orders them).
pub fn arb_batch() -> impl Strategy<Value = Batch> {
    (any::<u64>(), any::<u64>(), prop::collection::vec(arb_tx(), 0..16)).prop_map(
        |(chain_id, number, mut txs)| {
            txs.sort_by_key(|tx| !tx.kind().is_l1());
            Batch { chain_id: ChainId(chain_id), number: BatchNumber(number), txs }
        },
    )
}
