//! Funded states and signed transactions for tests and benchmarks.

use tribunal_primitives::{
    AccountIndex, Address, ChainId, PrivateKey, Signed, Transfer, Tx, Wei, Withdraw, tx::Deposit,
};

use tribunal_primitives::BatchNumber;

use crate::{Account, State, StfConfig};

/// A user of the test chain: index and key.
#[derive(Clone, Debug)]
pub struct User {
    /// Account index.
    pub index: AccountIndex,
    /// L2 key.
    pub key: PrivateKey,
}

/// `n` users with deterministic keys, each funded with `balance` wei, in a state built in one pass.
pub fn funded_state(config: StfConfig, n: u32, balance: u128) -> (State, Vec<User>) {
    let users: Vec<User> = (0..n)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            seed[31] = 0x5a;
            User { index: AccountIndex(i), key: PrivateKey::from_bytes(seed) }
        })
        .collect();
    let accounts = users.iter().map(|u| {
        (u.index, Account { pubkey: u.key.public_key(), balance: Wei(balance), nonce: 0 })
    });
    let state = State::from_accounts(config, BatchNumber(0), accounts).expect("valid test config");
    (state, users)
}

impl User {
    /// A signed transfer.
    pub fn transfer(
        &self,
        chain_id: ChainId,
        to: AccountIndex,
        amount: u128,
        nonce: u64,
    ) -> Signed<Transfer> {
        Signed::sign(
            Transfer { from: self.index, to, amount: Wei(amount), nonce },
            chain_id,
            &self.key,
        )
    }

    /// A signed withdrawal.
    pub fn withdraw(
        &self,
        chain_id: ChainId,
        to: Address,
        amount: u128,
        nonce: u64,
    ) -> Signed<Withdraw> {
        Signed::sign(
            Withdraw { from: self.index, to, amount: Wei(amount), nonce },
            chain_id,
            &self.key,
        )
    }

    /// A deposit to this user's account.
    pub fn deposit(&self, amount: u128) -> Tx {
        Tx::Deposit(Deposit {
            to: self.index,
            pubkey: self.key.public_key().to_bytes(),
            amount: Wei(amount),
        })
    }
}
