//! L2 transactions of the reference payments rollup, and what their signatures cover.
//!
//! Users sign [`Transfer`]s and [`Withdraw`]als with their L2 key (EdDSA-Poseidon). The same signed
//! body can reach a batch two ways: through the sequencer ([`Tx::Transfer`], [`Tx::Withdraw`]) or,
//! when the sequencer censors it, through the L1 forced-inclusion queue ([`Tx::ForcedTransfer`],
//! [`Tx::ForcedWithdraw`]). [`Tx::Deposit`] comes from the L1 bridge and carries no signature.

use alloy_primitives::Address;
use ark_ff::PrimeField;

use crate::{
    Fr,
    eddsa::{PrivateKey, PublicKey, SIGNATURE_BYTES, Signature},
    error::SignatureError,
    poseidon::hash,
};

/// An amount of ETH in wei. Balances and amounts are below 2^128.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Wei(pub u128);

impl Wei {
    /// Zero wei.
    pub const ZERO: Self = Self(0);

    /// `self + rhs`, or `None` on overflow past 2^128 - 1.
    pub const fn checked_add(self, rhs: Self) -> Option<Self> {
        match self.0.checked_add(rhs.0) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// `self - rhs`, or `None` when `rhs > self`.
    pub const fn checked_sub(self, rhs: Self) -> Option<Self> {
        match self.0.checked_sub(rhs.0) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The amount as a field element.
    pub fn to_fr(self) -> Fr {
        Fr::from(self.0)
    }
}

impl std::fmt::Display for Wei {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} wei", self.0)
    }
}

/// Position of an account's leaf in the account tree (`< 2^depth`).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct AccountIndex(pub u32);

impl std::fmt::Display for AccountIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// An L2 chain id; it is part of every signed message, so signatures do not replay across chains.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ChainId(pub u64);

/// Domain tag of a transfer's signed message.
pub const TRANSFER_DOMAIN: u64 = 1;
/// Domain tag of a withdrawal's signed message.
pub const WITHDRAW_DOMAIN: u64 = 2;

/// An L2 → L2 payment, signed by the sender.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Transfer {
    /// Sender's account.
    pub from: AccountIndex,
    /// Recipient's account; it must exist.
    pub to: AccountIndex,
    /// Amount moved.
    pub amount: Wei,
    /// The sender's nonce this transaction consumes.
    pub nonce: u64,
}

impl Transfer {
    /// The message the sender signs:
    /// `Poseidon(TRANSFER_DOMAIN, chain_id, from, to, amount, nonce)`.
    pub fn message(&self, chain_id: ChainId) -> Fr {
        hash([
            Fr::from(TRANSFER_DOMAIN),
            Fr::from(chain_id.0),
            Fr::from(self.from.0),
            Fr::from(self.to.0),
            self.amount.to_fr(),
            Fr::from(self.nonce),
        ])
    }
}

/// An L2 → L1 withdrawal, signed by the sender: debits L2 and adds a leaf to the batch's
/// withdrawal tree, claimable on L1 once the batch is final.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Withdraw {
    /// Sender's account.
    pub from: AccountIndex,
    /// L1 address paid on claim.
    pub to: Address,
    /// Amount withdrawn.
    pub amount: Wei,
    /// The sender's nonce this transaction consumes.
    pub nonce: u64,
}

/// An L1 address as a field element (its 160 bits, big-endian).
pub fn address_to_fr(a: &Address) -> Fr {
    Fr::from_be_bytes_mod_order(a.as_slice())
}

/// A withdrawal-tree leaf: `Poseidon(to, amount)`, what `Inbox.claimWithdrawal` recomputes.
pub fn withdrawal_leaf(to: &Address, amount: Wei) -> Fr {
    hash([address_to_fr(to), amount.to_fr()])
}

impl Withdraw {
    /// The message the sender signs:
    /// `Poseidon(WITHDRAW_DOMAIN, chain_id, from, to, amount, nonce)`.
    pub fn message(&self, chain_id: ChainId) -> Fr {
        hash([
            Fr::from(WITHDRAW_DOMAIN),
            Fr::from(chain_id.0),
            Fr::from(self.from.0),
            address_to_fr(&self.to),
            self.amount.to_fr(),
            Fr::from(self.nonce),
        ])
    }

    /// The leaf this withdrawal adds to the withdrawal tree: [`withdrawal_leaf`].
    pub fn leaf(&self) -> Fr {
        withdrawal_leaf(&self.to, self.amount)
    }
}

/// A transaction body with its packed signature (zk-kit `packSignature` layout, 64 bytes).
///
/// The signature stays packed: a forced transaction arrives from L1 unchecked, so a malformed
/// signature is a reason to skip the transaction, not to reject the batch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Signed<T> {
    /// The signed body.
    pub body: T,
    /// Packed `(R8, S)`.
    pub signature: [u8; SIGNATURE_BYTES],
}

/// A body that a user signs with their L2 key.
pub trait SignedBody {
    /// The field element that is signed.
    fn message(&self, chain_id: ChainId) -> Fr;
    /// The signing account.
    fn signer(&self) -> AccountIndex;
    /// The nonce consumed.
    fn nonce(&self) -> u64;
}

impl SignedBody for Transfer {
    fn message(&self, chain_id: ChainId) -> Fr {
        Self::message(self, chain_id)
    }
    fn signer(&self) -> AccountIndex {
        self.from
    }
    fn nonce(&self) -> u64 {
        self.nonce
    }
}

impl SignedBody for Withdraw {
    fn message(&self, chain_id: ChainId) -> Fr {
        Self::message(self, chain_id)
    }
    fn signer(&self) -> AccountIndex {
        self.from
    }
    fn nonce(&self) -> u64 {
        self.nonce
    }
}

impl<T: SignedBody> Signed<T> {
    /// Signs `body` for `chain_id`.
    pub fn sign(body: T, chain_id: ChainId, key: &PrivateKey) -> Self {
        Self { signature: key.sign(&body.message(chain_id)).to_bytes(), body }
    }

    /// Verifies the signature against `pubkey`.
    ///
    /// # Errors
    /// [`SignatureError`] when the signature is malformed or does not verify.
    pub fn verify(&self, chain_id: ChainId, pubkey: &PublicKey) -> Result<(), SignatureError> {
        let sig = Signature::from_bytes(&self.signature)?;
        pubkey.verify(&self.body.message(chain_id), &sig)
    }
}

/// An L1 deposit, relayed by the bridge. It credits `to`, creating the account with `pubkey` when
/// the leaf is empty.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Deposit {
    /// The credited account (new accounts get their index from the L1 bridge).
    pub to: AccountIndex,
    /// Packed public key of the account (EIP-2494 packing); must match an existing account.
    pub pubkey: [u8; 32],
    /// Amount deposited.
    pub amount: Wei,
}

/// A blob record that decodes as no transaction: an unknown tag, an L1 kind (those come from the
/// queue), or non-zero padding. Its 124 bytes (four chunks, each a blob field element's low 31
/// bytes) as posted; the STF skips it, so bad bytes never refuse a batch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RawRecord(pub [u8; crate::batch::RECORD_BYTES]);

/// Kind tags of the canonical encoding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum TxKind {
    /// [`Tx::Undecodable`]: no tag decodes to it.
    Undecodable = 0x00,
    /// [`Tx::Transfer`].
    Transfer = 0x01,
    /// [`Tx::Withdraw`].
    Withdraw = 0x02,
    /// [`Tx::Deposit`].
    Deposit = 0x03,
    /// [`Tx::ForcedTransfer`].
    ForcedTransfer = 0x04,
    /// [`Tx::ForcedWithdraw`].
    ForcedWithdraw = 0x05,
}

impl TxKind {
    /// The kind for a tag byte, if any.
    pub const fn from_tag(tag: u8) -> Option<Self> {
        Some(match tag {
            0x01 => Self::Transfer,
            0x02 => Self::Withdraw,
            0x03 => Self::Deposit,
            0x04 => Self::ForcedTransfer,
            0x05 => Self::ForcedWithdraw,
            _ => return None,
        })
    }

    /// Whether the transaction comes from L1 (deposit or forced): it is never refused by the batch,
    /// only skipped and recorded when invalid.
    pub const fn is_l1(self) -> bool {
        matches!(self, Self::Deposit | Self::ForcedTransfer | Self::ForcedWithdraw)
    }
}

/// One transaction of a batch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tx {
    /// Sequencer-ordered transfer.
    Transfer(Signed<Transfer>),
    /// Sequencer-ordered withdrawal.
    Withdraw(Signed<Withdraw>),
    /// Deposit from the L1 bridge.
    Deposit(Deposit),
    /// Transfer from the L1 forced-inclusion queue.
    ForcedTransfer(Signed<Transfer>),
    /// Withdrawal from the L1 forced-inclusion queue.
    ForcedWithdraw(Signed<Withdraw>),
    /// A blob record that does not decode: skipped.
    Undecodable(RawRecord),
}

impl Tx {
    /// The kind tag.
    pub const fn kind(&self) -> TxKind {
        match self {
            Self::Transfer(_) => TxKind::Transfer,
            Self::Withdraw(_) => TxKind::Withdraw,
            Self::Deposit(_) => TxKind::Deposit,
            Self::ForcedTransfer(_) => TxKind::ForcedTransfer,
            Self::ForcedWithdraw(_) => TxKind::ForcedWithdraw,
            Self::Undecodable(_) => TxKind::Undecodable,
        }
    }

    /// The L2 accounts the transaction reads or writes: the sender, then the recipient.
    pub const fn accounts(&self) -> [Option<AccountIndex>; 2] {
        match self {
            Self::Transfer(t) | Self::ForcedTransfer(t) => [Some(t.body.from), Some(t.body.to)],
            Self::Withdraw(w) | Self::ForcedWithdraw(w) => [Some(w.body.from), None],
            Self::Deposit(d) => [Some(d.to), None],
            Self::Undecodable(_) => [None, None],
        }
    }
}
