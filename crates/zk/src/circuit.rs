//! The batch circuit: `execute_batch` of the reference STF as R1CS, with the blob binding.
//!
//! Slots hold the batch's L1 messages first (hashed into the queue accumulator, which the claim
//! binds to the `Inbox`), then its blob records (in the data commitment and the blob).
//!
//! Per transaction slot (the same gadgets whatever the kind, selected by one-hot kind flags):
//! - the transaction's four 31-byte chunks, built from the field bits of its kind's layout
//!   ([`tribunal_primitives::batch`]), so the data commitment, the queue hashes and the blob all
//!   see exactly the posted bytes;
//! - the sender's leaf update: signature (EdDSA-Poseidon), nonce, balance, 128-bit range;
//! - the recipient's leaf update: existence, creation by deposit, key match, overflow;
//! - the withdrawal leaf at the slot's position, the L1 queue accumulator, the data commitment.
//!
//! Per batch: the records shifted past the L1 slots (a barrel shift by the message count), the
//! withdrawal tree, the claim digest (SHA-256) and the two public inputs ([`crate::public`]), and
//! the blob polynomial evaluated at the challenge point in emulated BLS12-381 arithmetic.

use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::{
    alloc::AllocVar, boolean::Boolean, convert::ToBitsGadget, fields::fp::FpVar, uint8::UInt8,
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use tribunal_primitives::{
    Fr,
    batch::BATCH_VERSION,
    tx::{TRANSFER_DOMAIN, TxKind, WITHDRAW_DOMAIN, address_to_fr},
};
use tribunal_stf::tree::{empty_subtree_roots, sibling_count};

use crate::{
    config::CircuitConfig,
    gadgets::{
        babyjubjub::{self, PointVar},
        blob::{BlobElementVar, Z_BITS, evaluate_blob},
        merkle::update_leaf,
        num::{Num, alloc_bits, alloc_bytes_bits, known, less_than},
        poseidon::{first_round_constant, poseidon, poseidon_after_first_sbox, sbox},
        sha256::sha256,
    },
    public::{CHALLENGE_BITS, PUBLIC_INPUTS},
    witness::{BatchWitness, SlotWitness, UpdateWitness},
};

/// The batch circuit for one configuration; `witness` is `None` when generating keys.
#[derive(Clone, Debug)]
pub struct BatchCircuit {
    /// Shape.
    pub config: CircuitConfig,
    /// The batch to prove.
    pub witness: Option<BatchWitness>,
}

/// A transaction field: its little-endian bits and where its bytes sit in a record.
struct RecordField<'a> {
    bits: &'a [Boolean<Fr>],
    offset: usize,
    len: usize,
    big_endian: bool,
}

/// The 16 limbs (4 chunks × 4 little-endian 64-bit limbs) of a record laid out as `fields`.
fn record_limbs(fields: &[RecordField<'_>]) -> [Num; 16] {
    let mut limbs: [Num; 16] = std::array::from_fn(|_| Num::zero());
    for f in fields {
        for (i, bit) in f.bits.iter().enumerate() {
            let byte = if f.big_endian { f.offset + f.len - 1 - i / 8 } else { f.offset + i / 8 };
            let (chunk, in_chunk) = (byte / 31, byte % 31);
            let pos = 8 * (30 - in_chunk) + i % 8;
            let limb = &mut limbs[4 * chunk + pos / 64];
            *limb = limb.add(&Num::from_bool(bit).scale(Fr::from(1u64 << (pos % 64))));
        }
    }
    limbs
}

fn bits_of_u64(
    cs: &ConstraintSystemRef<Fr>,
    v: Option<u64>,
    n: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    alloc_bits(cs, v.map(Fr::from), n)
}

/// 32 big-endian bytes of a field element, through its canonical bits.
fn word_bytes(cs: &ConstraintSystemRef<Fr>, x: &Num) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    let mut bits = x.to_bits_le_strict(cs)?;
    bits.resize(256, Boolean::FALSE);
    Ok(bits.chunks(8).rev().map(UInt8::from_bits_le).collect())
}

/// Big-endian bytes of a `u64` from its little-endian bits.
fn u64_bytes(bits: &[Boolean<Fr>]) -> Vec<UInt8<Fr>> {
    bits.chunks(8).rev().map(UInt8::from_bits_le).collect()
}

/// The bits, little-endian, of a big-endian byte string's integer.
fn bits_le(bytes: &[UInt8<Fr>]) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let mut bits = Vec::with_capacity(8 * bytes.len());
    for byte in bytes.iter().rev() {
        bits.extend(byte.to_bits_le()?);
    }
    Ok(bits)
}

struct Account {
    x: Num,
    y: Num,
    balance: Num,
    nonce: Num,
}

impl Account {
    fn witness(
        cs: &ConstraintSystemRef<Fr>,
        u: Option<&UpdateWitness>,
    ) -> Result<Self, SynthesisError> {
        let a = u.map(|u| u.before);
        let get = |f: fn(&tribunal_stf::Account) -> Fr| a.map(|a| a.as_ref().map_or(Fr::ZERO, f));
        Ok(Self {
            x: Num::witness(cs, get(|a| a.pubkey.0.x))?,
            y: Num::witness(cs, get(|a| a.pubkey.0.y))?,
            balance: Num::witness(cs, get(|a| Fr::from(a.balance.0)))?,
            nonce: Num::witness(cs, get(|a| Fr::from(a.nonce)))?,
        })
    }
}

/// An account's leaf, `Poseidon(x, y, balance, nonce)`.
fn leaf(
    cs: &ConstraintSystemRef<Fr>,
    x: &Num,
    y: &Num,
    balance: &Num,
    nonce: &Num,
) -> Result<Num, SynthesisError> {
    poseidon(cs, &[x.clone(), y.clone(), balance.clone(), nonce.clone()])
}

/// The leaves of one key with two `(balance, nonce)` pairs (an account before and after a
/// debit): the key's round-0 S-boxes are computed once.
fn leaves_of_key(
    cs: &ConstraintSystemRef<Fr>,
    x: &Num,
    y: &Num,
    states: [(&Num, &Num); 2],
) -> Result<[Num; 2], SynthesisError> {
    let lane = |i: usize, v: &Num| sbox(cs, &v.add_constant(first_round_constant(4, i)));
    let (x, y) = (lane(0, x)?, lane(1, y)?);
    let hash = |(balance, nonce): (&Num, &Num)| -> Result<Num, SynthesisError> {
        poseidon_after_first_sbox(cs, &[x.clone(), y.clone(), lane(2, balance)?, lane(3, nonce)?])
    };
    Ok([hash(states[0])?, hash(states[1])?])
}

fn siblings(
    cs: &ConstraintSystemRef<Fr>,
    u: Option<&UpdateWitness>,
    depth: usize,
) -> Result<Vec<Num>, SynthesisError> {
    (0..sibling_count::<4>(depth as u8))
        .map(|l| Num::witness(cs, u.map(|u| u.siblings[l])))
        .collect()
}

/// The kind flags of one slot.
struct Kinds {
    transfer: Num,
    withdraw: Num,
    deposit: Num,
    forced_transfer: Num,
    forced_withdraw: Num,
    /// A blob record that holds no transaction: skipped.
    undecodable: Num,
}

impl Kinds {
    fn witness(
        cs: &ConstraintSystemRef<Fr>,
        kind: Option<Option<TxKind>>,
    ) -> Result<Self, SynthesisError> {
        let flag = |k: TxKind| -> Result<Num, SynthesisError> {
            let b = Boolean::new_witness(cs.clone(), || known(kind).map(|x| x == Some(k)))?;
            Ok(Num::from_bool(&b))
        };
        Ok(Self {
            transfer: flag(TxKind::Transfer)?,
            withdraw: flag(TxKind::Withdraw)?,
            deposit: flag(TxKind::Deposit)?,
            forced_transfer: flag(TxKind::ForcedTransfer)?,
            forced_withdraw: flag(TxKind::ForcedWithdraw)?,
            undecodable: flag(TxKind::Undecodable)?,
        })
    }

    fn active(&self) -> Num {
        self.transfer
            .add(&self.withdraw)
            .add(&self.deposit)
            .add(&self.forced_transfer)
            .add(&self.forced_withdraw)
            .add(&self.undecodable)
    }

    /// An L1 message: a deposit or forced transaction.
    fn l1(&self) -> Num {
        self.deposit.add(&self.forced_transfer).add(&self.forced_withdraw)
    }

    /// A blob record: a transfer, a withdrawal, or one that holds no transaction.
    fn record(&self) -> Num {
        self.transfer.add(&self.withdraw).add(&self.undecodable)
    }

    fn tag(&self) -> Num {
        let t = |n: &Num, k: TxKind| n.scale(Fr::from(k as u64));
        t(&self.transfer, TxKind::Transfer)
            .add(&t(&self.withdraw, TxKind::Withdraw))
            .add(&t(&self.deposit, TxKind::Deposit))
            .add(&t(&self.forced_transfer, TxKind::ForcedTransfer))
            .add(&t(&self.forced_withdraw, TxKind::ForcedWithdraw))
    }
}

/// What one slot hands to the batch-level gadgets.
struct SlotOut {
    /// A blob record (a sequencer transaction).
    record: Num,
    chunks: [Num; 4],
    limbs: [Num; 16],
    withdrawal_leaf: Num,
}

/// One transaction slot; updates `root` and `queue`.
///
/// The slot decides, as `execute_batch` does, whether its transaction applies: every rule is a
/// constrained 0/1 answer (index in the tree, account exists, packed point valid, key not of low
/// order, `S < l`, signature verifies, nonce matches and is not the last, balance covers the
/// amount, credit fits 128 bits, a top-up's key matches), and `applied` is their conjunction for
/// the slot's kind. Each answer is proven either way, so a prover can neither skip a transaction
/// that applies nor apply one that must be skipped. A skipped transaction leaves the root alone;
/// its accounts are still read (against the unchanged root), and an L1 message still enters the
/// queue.
#[allow(clippy::too_many_arguments)]
fn slot(
    cs: &ConstraintSystemRef<Fr>,
    depth: usize,
    w: Option<&SlotWitness>,
    kinds: &Kinds,
    chain_id: &Num,
    root: &mut Num,
    queue: &mut Num,
) -> Result<SlotOut, SynthesisError> {
    let layout_transfer = kinds.transfer.add(&kinds.forced_transfer);
    let layout_withdraw = kinds.withdraw.add(&kinds.forced_withdraw);
    let signed = layout_transfer.add(&layout_withdraw);
    let credited = layout_transfer.add(&kinds.deposit);
    let l1 = kinds.l1();

    // Fields, each as wide as its bytes in the record, so any record of a known kind can be
    // expressed and the rules, not the encoding, decide.
    let from = bits_of_u64(cs, w.map(|w| u64::from(w.from)), 32)?;
    let to = bits_of_u64(cs, w.map(|w| u64::from(w.to)), 32)?;
    let address = alloc_bits(cs, w.map(|w| address_to_fr(&w.to_address)), 160)?;
    let amount = alloc_bits(cs, w.map(|w| Fr::from(w.amount)), 128)?;
    let nonce = bits_of_u64(cs, w.map(|w| w.nonce), 64)?;
    // The packed point: `y` in bits 0..255 (possibly ≥ r), the sign in bit 255.
    let point_bits = alloc_bytes_bits(cs, w.map(|w| &w.point[..]), 256)?;
    let s = alloc_bytes_bits(cs, w.map(|w| &w.s[..]), 256)?;

    // Record limbs per layout, selected by the layout flags.
    let f = |bits, offset, len, big_endian| RecordField { bits, offset, len, big_endian };
    let transfer = record_limbs(&[
        f(&from, 1, 4, true),
        f(&to, 5, 4, true),
        f(&amount, 9, 16, true),
        f(&nonce, 25, 8, true),
        f(&point_bits, 33, 32, false),
        f(&s, 65, 32, false),
    ]);
    let withdraw = record_limbs(&[
        f(&from, 1, 4, true),
        f(&address, 5, 20, true),
        f(&amount, 25, 16, true),
        f(&nonce, 41, 8, true),
        f(&point_bits, 49, 32, false),
        f(&s, 81, 32, false),
    ]);
    let deposit =
        record_limbs(&[f(&to, 1, 4, true), f(&point_bits, 5, 32, false), f(&amount, 37, 16, true)]);
    // An undecodable record: its 124 bytes laid over the same field bits, plus its tag byte and
    // 7 more bytes (the raw layout of `SlotWitness`).
    let tag = bits_of_u64(cs, w.map(|w| u64::from(w.tag)), 8)?;
    let extra = alloc_bits(cs, w.map(|w| Fr::from(u64::from_be_bytes(w.extra_word()))), 56)?;
    let raw = record_limbs(&[
        f(&tag, 0, 1, true),
        f(&from, 1, 4, true),
        f(&to, 5, 4, true),
        f(&address, 9, 20, true),
        f(&amount, 29, 16, true),
        f(&nonce, 45, 8, true),
        f(&point_bits, 53, 32, false),
        f(&s, 85, 32, false),
        f(&extra, 117, 7, true),
    ]);
    // It must hold no transfer (tag 1, bytes 97.. zero) and no withdrawal (tag 2, bytes 113..
    // zero); any other tag, an L1 kind included, is undecodable in a blob.
    let tag_n = Num::from_bits_le(&tag);
    let sum =
        |bits: &[Boolean<Fr>]| bits.iter().fold(Num::zero(), |a, b| a.add(&Num::from_bool(b)));
    let extra_sum = sum(&extra);
    let pad_97 = sum(&s[96..]).add(&extra_sum).is_zero(cs)?;
    let pad_113 = sum(&s[224..]).add(&extra_sum).is_zero(cs)?;
    let is_transfer = tag_n.add_constant(-Fr::ONE).is_zero(cs)?.mul(cs, &pad_97)?;
    let is_withdraw = tag_n.add_constant(-Fr::from(2u64)).is_zero(cs)?.mul(cs, &pad_113)?;
    kinds.undecodable.mul_equals(cs, &is_transfer.add(&is_withdraw), &Num::zero())?;

    let mut limbs: [Num; 16] = std::array::from_fn(|_| Num::zero());
    for (flag, layout) in [
        (&layout_transfer, &transfer),
        (&layout_withdraw, &withdraw),
        (&kinds.deposit, &deposit),
        (&kinds.undecodable, &raw),
    ] {
        for (limb, part) in limbs.iter_mut().zip(layout) {
            if part.as_constant() != Some(Fr::ZERO) {
                *limb = limb.add(&flag.mul(cs, part)?);
            }
        }
    }
    // The kind tag is byte 0: bits 240..248 of chunk 0, in its top limb.
    limbs[3] = limbs[3].add(&kinds.tag().scale(Fr::from(1u64 << 48)));
    let chunks: [Num; 4] = std::array::from_fn(|c| from_limbs(&limbs[4 * c..4 * c + 4]));

    let amount_n = Num::from_bits_le(&amount);
    let nonce_n = Num::from_bits_le(&nonce);
    let address_n = Num::from_bits_le(&address);
    let from_n = Num::from_bits_le(&from);
    let to_n = Num::from_bits_le(&to);

    // An index past the tree reads no leaf, and its transaction is skipped.
    let in_tree = |bits: &[Boolean<Fr>]| -> Result<Option<Num>, SynthesisError> {
        if depth >= bits.len() {
            Ok(None)
        } else {
            Num::from_bits_le(&bits[depth..]).is_zero(cs).map(Some)
        }
    };
    let (from_in, to_in) = (in_tree(&from)?, in_tree(&to)?);
    let and_in = |flag: &Num, inside: &Option<Num>| match inside {
        None => Ok(flag.clone()),
        Some(i) => flag.mul(cs, i),
    };
    let one = || Num::constant(Fr::ONE);

    // The packed point: R8 of a signature, or a deposit's key.
    let canonical = less_than(cs, &point_bits[..255], Fr::MODULUS)?;
    let (point, point_ok) = babyjubjub::decompress(
        cs,
        &Num::from_bits_le(&point_bits[..255]),
        &canonical,
        &point_bits[255],
    )?;

    // Sender: exists, signature, nonce, balance.
    let sw = w.map(|w| &w.sender);
    let sender = Account::witness(cs, sw)?;
    let sender_exists = Num::from_bool(&Boolean::new_witness(cs.clone(), || {
        known(sw).map(|u| u.before.is_some())
    })?);
    let domain = Num::constant(Fr::from(TRANSFER_DOMAIN))
        .add(&layout_withdraw.scale(Fr::from(WITHDRAW_DOMAIN - TRANSFER_DOMAIN)));
    let counterparty = Num::select(cs, &layout_withdraw, &address_n, &to_n)?;
    let msg = poseidon(
        cs,
        &[domain, chain_id.clone(), from_n, counterparty, amount_n.clone(), nonce_n.clone()],
    )?;
    // The sender's key, or the identity when there is none, so every point the curve gadgets
    // see is on the curve.
    let a = PointVar {
        x: sender_exists.mul(cs, &sender.x)?,
        y: Num::select(cs, &sender_exists, &sender.y, &one())?,
    };
    let signature_ok = babyjubjub::verify(cs, &a, &point, &s, &msg)?;
    let nonce_ok = nonce_n.sub(&sender.nonce).is_zero(cs)?;
    let last_nonce = sender.nonce.add_constant(-Fr::from(u64::MAX)).is_zero(cs)?;
    // balance − amount + 2^128 has bit 128 set exactly when the balance covers the amount.
    let debited = sender.balance.sub(&amount_n);
    let covered = debited.add_constant(Fr::from(2u64).pow([128])).to_bits_le(cs, 129)?;
    let covered = Num::from_bool(&covered[128]);
    let mut debit_ok = vec![
        sender_exists.clone(),
        point_ok.clone(),
        signature_ok,
        nonce_ok,
        last_nonce.not(),
        covered,
    ];
    debit_ok.extend(from_in.clone());
    let debit_ok = Num::all(cs, &debit_ok)?;

    // Recipient: exists for a transfer; created or topped up (same key) by a deposit.
    let rw = w.map(|w| &w.recipient);
    let recipient = Account::witness(cs, rw)?;
    let exists = Num::from_bool(&Boolean::new_witness(cs.clone(), || {
        known(rw).map(|u| u.before.is_some())
    })?);
    let balance = exists.mul(cs, &recipient.balance)?.add(&amount_n);
    let fits = Num::from_bool(&balance.to_bits_le(cs, 129)?[128]).not();
    // A new account takes a valid key of large order; a top-up must carry the account's key.
    let low_order = babyjubjub::is_low_order(cs, &point)?;
    let same_key = Num::all(
        cs,
        &[recipient.x.sub(&point.x).is_zero(cs)?, recipient.y.sub(&point.y).is_zero(cs)?],
    )?;
    let key_ok = Num::select(cs, &exists, &same_key, &low_order.not())?;
    let mut transfer_ok = vec![debit_ok.clone(), exists.clone(), fits.clone()];
    transfer_ok.extend(to_in.clone());
    let mut deposit_ok = vec![point_ok, key_ok, fits];
    deposit_ok.extend(to_in.clone());
    let applied_transfer = layout_transfer.mul(cs, &Num::all(cs, &transfer_ok)?)?;
    let applied_withdraw = layout_withdraw.mul(cs, &debit_ok)?;
    let applied_deposit = kinds.deposit.mul(cs, &Num::all(cs, &deposit_ok)?)?;

    // Sender's leaf: read whenever the kind has a sender in the tree, written when applied.
    let next_nonce = sender.nonce.add_constant(Fr::ONE);
    let [hashed, new_leaf] = leaves_of_key(
        cs,
        &sender.x,
        &sender.y,
        [(&sender.balance, &sender.nonce), (&debited, &next_nonce)],
    )?;
    let old_leaf = sender_exists.mul(cs, &hashed)?;
    let written = Num::select(cs, &applied_transfer.add(&applied_withdraw), &new_leaf, &old_leaf)?;
    let sibs = siblings(cs, sw, depth)?;
    let read = and_in(&signed, &from_in)?;
    *root = update_leaf(cs, &read, &from[..depth], &sibs, &old_leaf, &written, root)?;

    // Recipient's leaf, against the root after the sender's.
    let hashed = leaf(cs, &recipient.x, &recipient.y, &recipient.balance, &recipient.nonce)?;
    let old_leaf = exists.mul(cs, &hashed)?;
    let x = Num::select(cs, &exists, &recipient.x, &point.x)?;
    let y = Num::select(cs, &exists, &recipient.y, &point.y)?;
    let nonce_r = exists.mul(cs, &recipient.nonce)?;
    let new_leaf = leaf(cs, &x, &y, &balance, &nonce_r)?;
    let written = Num::select(cs, &applied_transfer.add(&applied_deposit), &new_leaf, &old_leaf)?;
    let sibs = siblings(cs, rw, depth)?;
    let read = and_in(&credited, &to_in)?;
    *root = update_leaf(cs, &read, &to[..depth], &sibs, &old_leaf, &written, root)?;

    // One Poseidon(2) serves the two kinds that need one, which no slot is at once: a
    // withdrawal's leaf (address, amount) and a deposit's L1 message (its two chunks).
    let pair = [
        Num::select(cs, &kinds.deposit, &chunks[0], &address_n)?,
        Num::select(cs, &kinds.deposit, &chunks[1], &amount_n)?,
    ];
    let h2 = poseidon(cs, &pair)?;

    // Withdrawal leaf, at this slot's position, when applied (never for a deposit).
    let withdrawal_leaf = applied_withdraw.mul(cs, &h2)?;

    // L1 queue, applied or skipped: a deposit hashes its two chunks, a forced transaction its
    // four.
    let h4 = poseidon(cs, &chunks)?;
    let forced = kinds.forced_transfer.add(&kinds.forced_withdraw);
    let message = kinds.deposit.mul(cs, &h2)?.add(&forced.mul(cs, &h4)?);
    let pushed = poseidon(cs, &[queue.clone(), message])?;
    *queue = Num::select(cs, &l1, &pushed, queue)?;

    Ok(SlotOut { record: kinds.record(), chunks, limbs, withdrawal_leaf })
}

fn limbs_to_fp(
    cs: &ConstraintSystemRef<Fr>,
    limbs: &[Num],
) -> Result<[FpVar<Fr>; 4], SynthesisError> {
    let v: Vec<FpVar<Fr>> = limbs.iter().map(|l| l.to_fp(cs)).collect::<Result<_, _>>()?;
    Ok(v.try_into().expect("four limbs"))
}

/// The value of little-endian 64-bit limbs.
fn from_limbs(limbs: &[Num]) -> Num {
    limbs.iter().enumerate().fold(Num::zero(), |acc, (j, limb)| {
        acc.add(&limb.scale(Fr::from(2u64).pow([64 * j as u64])))
    })
}

/// Limbs of a value given as (bit, position) pairs, positions below 256.
fn limbs_at(bits: &[(Num, usize)]) -> [Num; 4] {
    let mut limbs: [Num; 4] = std::array::from_fn(|_| Num::zero());
    for (b, pos) in bits {
        limbs[pos / 64] = limbs[pos / 64].add(&b.scale(Fr::from(1u64 << (pos % 64))));
    }
    limbs
}

impl ConstraintSynthesizer<Fr> for BatchCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let cfg = self.config;
        let depth = cfg.account_depth as usize;
        let w = self.witness.as_ref();
        let cs = &cs;

        let public: Vec<Num> = (0..PUBLIC_INPUTS)
            .map(|i| {
                FpVar::new_input(cs.clone(), || known(w.map(|w| w.public_inputs[i])))
                    .map(|v| Num::from_fp(&v))
            })
            .collect::<Result<_, _>>()?;
        let chain_bits = bits_of_u64(cs, w.map(|w| w.claim.chain_id.0), 64)?;
        let number_bits = bits_of_u64(cs, w.map(|w| w.claim.batch_number.0), 64)?;
        let chain_id = Num::from_bits_le(&chain_bits);
        let parent_root = Num::witness(cs, w.map(|w| w.claim.parent_root.0))?;
        let queue_before = Num::witness(cs, w.map(|w| w.claim.queue_before.0))?;

        // Kinds first: the header's transaction count is their sum.
        let slot_w = |k: usize| w.map(|w| &w.slots[k]);
        let kinds: Vec<Kinds> = (0..cfg.batch_size)
            .map(|k| Kinds::witness(cs, w.map(|w| w.slots[k].kind)))
            .collect::<Result<_, _>>()?;
        for (k, kind) in kinds.iter().enumerate() {
            let active = kind.active();
            // At most one kind, active slots first, and L1 messages before blob records.
            active.mul_equals(cs, &active.add_constant(-Fr::ONE), &Num::zero())?;
            if k > 0 {
                let not_before = |n: Num| Num::constant(Fr::ONE).sub(&n);
                active.mul_equals(cs, &not_before(kinds[k - 1].active()), &Num::zero())?;
                kind.l1().mul_equals(cs, &not_before(kinds[k - 1].l1()), &Num::zero())?;
            }
        }
        // The blob's record count, and the number of L1 messages before its records.
        let count = kinds.iter().fold(Num::zero(), |acc, k| acc.add(&k.record()));
        // A blob L1 holds as not in canonical form carries no records (docs/stf.md).
        let non_canonical = Boolean::new_witness(cs.clone(), || known(w.map(|w| w.non_canonical)))?;
        Num::from_bool(&non_canonical).mul_equals(cs, &count, &Num::zero())?;
        let messages = kinds.iter().fold(Num::zero(), |acc, k| acc.add(&k.l1()));
        let messages_bits =
            messages.to_bits_le(cs, (usize::BITS - cfg.batch_size.leading_zeros()) as usize)?;
        let count_bits =
            count.to_bits_le(cs, (usize::BITS - cfg.batch_size.leading_zeros()) as usize)?;
        // Batch header chunk: version ‖ chain_id ‖ number ‖ tx_count ‖ 0^10, bits from the top.
        let mut header: Vec<(Num, usize)> = Vec::new();
        for (i, b) in count_bits.iter().enumerate() {
            header.push((Num::from_bool(b), 80 + i));
        }
        for (i, b) in number_bits.iter().enumerate() {
            header.push((Num::from_bool(b), 112 + i));
        }
        for (i, b) in chain_bits.iter().enumerate() {
            header.push((Num::from_bool(b), 176 + i));
        }
        for i in 0..8 {
            if BATCH_VERSION >> i & 1 == 1 {
                header.push((Num::constant(Fr::ONE), 240 + i));
            }
        }
        let header_limbs = limbs_at(&header);
        let header_chunk = from_limbs(&header_limbs);
        // SimpleCoder's length element: (31 + 124·count)·2^184, the length's bits at 184...
        let length = count.scale(Fr::from(124u64)).add_constant(Fr::from(31u64));
        let length_bits = length.to_bits_le(cs, 24)?;
        let length_limbs = limbs_at(
            &length_bits
                .iter()
                .enumerate()
                .map(|(i, b)| (Num::from_bool(b), 184 + i))
                .collect::<Vec<_>>(),
        );

        let mut root = parent_root.clone();
        let mut queue = queue_before.clone();
        let mut data = header_chunk;
        let mut withdrawal_leaves = Vec::with_capacity(cfg.batch_size);
        let mut slot_limbs = Vec::with_capacity(cfg.batch_size);
        for (k, kind) in kinds.iter().enumerate() {
            let out = slot(cs, depth, slot_w(k), kind, &chain_id, &mut root, &mut queue)?;
            let mut inputs = vec![data.clone()];
            inputs.extend(out.chunks.iter().cloned());
            let next = poseidon(cs, &inputs)?;
            data = Num::select(cs, &out.record, &next, &data)?;
            slot_limbs.push(out.limbs);
            withdrawal_leaves.push(out.withdrawal_leaf);
        }
        // The blob carries the records only: slot `k` is record `k − messages`. A barrel shift
        // by the bits of `messages` drops the L1 slots (a prefix) and moves the records to the
        // front, zeros behind.
        for (b, bit) in messages_bits.iter().enumerate() {
            let by = 1usize << b;
            let bit = Num::from_bool(bit);
            let mut shifted = Vec::with_capacity(slot_limbs.len());
            for k in 0..slot_limbs.len() {
                let from = slot_limbs.get(k + by);
                let mut limbs: [Num; 16] = std::array::from_fn(|_| Num::zero());
                for (l, limb) in limbs.iter_mut().enumerate() {
                    let here = &slot_limbs[k][l];
                    *limb = match from {
                        Some(there) => Num::select(cs, &bit, &there[l], here)?,
                        None => here.sub(&bit.mul(cs, here)?),
                    };
                }
                shifted.push(limbs);
            }
            slot_limbs = shifted;
        }
        let mut elements = vec![
            BlobElementVar { index: 0, limbs: limbs_to_fp(cs, &length_limbs)? },
            BlobElementVar { index: 1, limbs: limbs_to_fp(cs, &header_limbs)? },
        ];
        for (k, limbs) in slot_limbs.iter().enumerate() {
            for c in 0..4 {
                elements.push(BlobElementVar {
                    index: 2 + 4 * k + c,
                    limbs: limbs_to_fp(cs, &limbs[4 * c..4 * c + 4])?,
                });
            }
        }

        // Withdrawal tree: leaves at slot positions, empty subtrees above the batch. A level of
        // odd length pairs its last node with the empty subtree of its height (a constant), as
        // zero leaves past the last slot would.
        let zeros = empty_subtree_roots::<2>(cfg.withdrawal_depth);
        let mut level = withdrawal_leaves;
        let mut height = 0usize;
        while level.len() > 1 {
            if level.len() % 2 == 1 {
                level.push(Num::constant(zeros[height]));
            }
            level = level.chunks(2).map(|p| poseidon(cs, p)).collect::<Result<_, _>>()?;
            height += 1;
        }
        let mut withdrawal_root = level.pop().expect("batch size ≥ 1");
        for zero in &zeros[height..cfg.withdrawal_depth as usize] {
            withdrawal_root = poseidon(cs, &[withdrawal_root, Num::constant(*zero)])?;
        }

        // Claim digest, challenge point, blob opening and public inputs.
        let mut preimage = u64_bytes(&chain_bits);
        preimage.extend(u64_bytes(&number_bits));
        for word in [&parent_root, &root, &withdrawal_root, &data, &queue_before, &queue] {
            preimage.extend(word_bytes(cs, word)?);
        }
        let vh = UInt8::new_witness_vec(cs.clone(), &w.map_or([0u8; 32], |w| w.versioned_hash.0))?;
        preimage.extend(vh);
        let mut flag_bits = vec![non_canonical];
        flag_bits.resize(8, Boolean::FALSE);
        preimage.push(UInt8::from_bits_le(&flag_bits));
        let digest = bits_le(&sha256(cs, &preimage)?)?;
        // z: the digest's low CHALLENGE_BITS, zero-extended to the gadget's Z_BITS.
        let mut z_bits = digest[..CHALLENGE_BITS].to_vec();
        z_bits.resize(Z_BITS, Boolean::FALSE);
        // y: canonical (y < r_BLS), so its bit 255 is a constant zero.
        let y_bits = bits_le(&evaluate_blob(cs.clone(), &z_bits, &elements)?)?;
        let mut first = digest[..CHALLENGE_BITS].to_vec();
        first.extend_from_slice(&y_bits[253..255]);
        Num::from_bits_le(&first).enforce_equal(cs, &public[0])?;
        Num::from_bits_le(&y_bits[..253]).enforce_equal(cs, &public[1])
    }
}
