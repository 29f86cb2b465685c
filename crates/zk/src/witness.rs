//! The circuit's witness, read from [`tribunal_stf::execute_batch`]'s output and the posted blob.
//!
//! Nothing here re-applies the rules: accounts before each update, Merkle siblings and statuses
//! all come from the STF's receipts. What is computed here is encoding (field bits, the blob's
//! KZG opening) and the public inputs.

use alloy_eips::eip4844::{Blob, env_settings::EnvKzgSettings, kzg_to_versioned_hash};
use alloy_primitives::{Address, B256, keccak256};
use ark_ff::AdditiveGroup;
use tribunal_primitives::{AccountIndex, Batch, Claim, Fr, Tx, TxKind};
use tribunal_stf::{Account, AccountWitness, BatchOutput, tree::sibling_count};

use crate::{
    config::CircuitConfig,
    public::{PUBLIC_INPUTS, challenge_point, claim_digest, public_inputs},
};

/// Why a batch cannot be turned into a witness for this circuit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The batch has more transactions than the circuit has slots.
    #[error("batch has {got} transactions; the circuit proves at most {max}")]
    TooManyTransactions {
        /// Transactions in the batch.
        got: usize,
        /// Slots in the circuit.
        max: usize,
    },
    /// The STF output belongs to another batch, or has another shape.
    #[error("the execution output does not match the batch: {0}")]
    Mismatch(&'static str),
    /// The blob is not a valid EIP-4844 blob, or does not hold the batch.
    #[error("blob: {0}")]
    Blob(String),
    /// The tree depths differ from the circuit's.
    #[error("the STF's tree depths differ from the circuit's")]
    Depths,
}

/// An account leaf update as the circuit sees it.
#[derive(Clone, Debug, Default)]
pub struct UpdateWitness {
    /// Whether the update happens (otherwise the slot leaves the root alone).
    pub enabled: bool,
    /// The account before, `None` for an empty leaf.
    pub before: Option<Account>,
    /// Siblings of the 4-ary account tree, leaf level first, three per level.
    pub siblings: Vec<Fr>,
}

/// One transaction slot.
#[derive(Clone, Debug, Default)]
pub struct SlotWitness {
    /// The transaction's kind; `None` for a padding slot.
    pub kind: Option<TxKind>,
    /// Debited account (transfers, withdrawals).
    pub from: u32,
    /// Credited account (transfers, deposits).
    pub to: u32,
    /// L1 recipient (withdrawals).
    pub to_address: Address,
    /// Amount in wei.
    pub amount: u128,
    /// Signed nonce.
    pub nonce: u64,
    /// The packed point: `R8` of a signature, or a deposit's public key, as posted (it may not
    /// decode; the circuit proves which).
    pub point: [u8; 32],
    /// `S` of a signature, 32 bytes little-endian, as posted (it may be `≥ l`).
    pub s: [u8; 32],
    /// An undecodable record's tag byte (0 otherwise).
    pub tag: u8,
    /// An undecodable record's last 7 bytes (zeros otherwise). Its other bytes sit in the fields
    /// above: `tag ‖ from ‖ to ‖ to_address ‖ amount ‖ nonce ‖ point ‖ s ‖ extra` (integers
    /// big-endian, `point` and `s` as bytes), 124 bytes.
    pub extra: [u8; 7],
    /// The sender's leaf: read against the root before the transaction, written when applied.
    pub sender: UpdateWitness,
    /// The recipient's leaf: read against the root after the sender's, written when applied.
    pub recipient: UpdateWitness,
}

/// Everything the prover needs for one batch, and the opening the verifier needs with it.
#[derive(Clone, Debug)]
pub struct BatchWitness {
    /// The circuit shape the witness was built for.
    pub config: CircuitConfig,
    /// The claim the proof is for.
    pub claim: Claim,
    /// The blob's versioned hash (EIP-4844).
    pub versioned_hash: B256,
    /// The blob's KZG commitment (48 bytes).
    pub commitment: [u8; 48],
    /// The KZG proof of `p(z) = y` (48 bytes).
    pub kzg_proof: [u8; 48],
    /// `p(z)`, 32 bytes big-endian.
    pub y: [u8; 32],
    /// The Groth16 public inputs ([`crate::public::public_inputs`]).
    pub public_inputs: [Fr; PUBLIC_INPUTS],
    /// Whether the blob is not in canonical form (`tribunal_da::read_header`): the batch then has
    /// no records, the proof holds only with `Inbox.nonCanonical` set, and `y` opens the
    /// circuit's own blob (an empty batch's), which the verifier does not check.
    pub non_canonical: bool,
    /// Transaction slots, padded to the circuit's batch size.
    pub slots: Vec<SlotWitness>,
}

fn update(w: &AccountWitness) -> UpdateWitness {
    UpdateWitness { enabled: true, before: w.before, siblings: w.siblings.clone() }
}

fn disabled(depth: u8) -> UpdateWitness {
    UpdateWitness {
        enabled: false,
        before: None,
        siblings: vec![Fr::ZERO; sibling_count::<4>(depth)],
    }
}

impl SlotWitness {
    /// [`Self::extra`] as the low 7 bytes of a big-endian `u64`.
    pub fn extra_word(&self) -> [u8; 8] {
        let mut word = [0u8; 8];
        word[1..].copy_from_slice(&self.extra);
        word
    }

    /// The slot of an undecodable record: its bytes in the raw layout.
    fn raw(r: &[u8; 124]) -> Self {
        let be = |range: std::ops::Range<usize>| {
            r[range].iter().fold(0u128, |acc, &b| acc << 8 | u128::from(b))
        };
        Self {
            kind: Some(TxKind::Undecodable),
            tag: r[0],
            from: be(1..5) as u32,
            to: be(5..9) as u32,
            to_address: Address::from_slice(&r[9..29]),
            amount: be(29..45),
            nonce: be(45..53) as u64,
            point: r[53..85].try_into().expect("32 bytes"),
            s: r[85..117].try_into().expect("32 bytes"),
            extra: r[117..124].try_into().expect("7 bytes"),
            ..Default::default()
        }
    }
}

impl BatchWitness {
    /// Builds the witness of `batch`, executed by the STF into `output`, posted in `blob`.
    ///
    /// `config` must be the STF's shape ([`CircuitConfig::for_stf`]): the account depth is
    /// checked against the witnesses, the withdrawal depth cannot be (a mismatch only shows as
    /// [`crate::prover::ProveError::Unsatisfied`]).
    /// # Errors
    /// [`WitnessError`] when the batch does not fit the circuit, the output is not the batch's,
    /// or the blob is not the batch's single blob. Skipped transactions are proven like applied
    /// ones.
    pub fn new(
        config: &CircuitConfig,
        batch: &Batch,
        output: &BatchOutput,
        blob: &Blob,
    ) -> Result<Self, WitnessError> {
        let b = config.batch_size;
        if batch.txs.len() > b {
            return Err(WitnessError::TooManyTransactions { got: batch.txs.len(), max: b });
        }
        if output.receipts.len() != batch.txs.len() || output.batch_number != batch.number {
            return Err(WitnessError::Mismatch("receipts or batch number"));
        }
        let bytes = batch.encode();
        let decoded = tribunal_da::decode_blobs(std::slice::from_ref(blob)).ok();
        let non_canonical = decoded.as_ref() != Some(&bytes);
        if non_canonical {
            // Only a blob the STF reads as carrying no records, and this batch has none.
            let messages = batch.txs.iter().filter(|t| t.kind().is_l1()).count();
            let blobs = std::slice::from_ref(blob);
            let records = tribunal_da::read_header(blobs, messages, batch.chain_id, batch.number);
            if records.is_some() || messages != batch.txs.len() {
                return Err(WitnessError::Blob("the blob does not hold this batch".into()));
            }
        }
        let mut slots = Vec::with_capacity(b);
        for (tx, receipt) in batch.txs.iter().zip(&output.receipts) {
            let w = &receipt.witness;
            let mut slot = match tx {
                Tx::Undecodable(raw) => SlotWitness::raw(&raw.0),
                _ => SlotWitness { kind: Some(tx.kind()), ..Default::default() },
            };
            slot.sender = w.sender.as_ref().map_or(disabled(config.account_depth), update);
            slot.recipient = w.recipient.as_ref().map_or(disabled(config.account_depth), update);
            for u in [&slot.sender, &slot.recipient] {
                if u.siblings.len() != sibling_count::<4>(config.account_depth) {
                    return Err(WitnessError::Depths);
                }
            }
            let mut signed = |from: AccountIndex, sig: &[u8; 64]| {
                slot.from = from.0;
                slot.point = sig[..32].try_into().expect("32 bytes");
                slot.s = sig[32..].try_into().expect("32 bytes");
            };
            match tx {
                Tx::Transfer(t) | Tx::ForcedTransfer(t) => {
                    signed(t.body.from, &t.signature);
                    slot.to = t.body.to.0;
                    slot.amount = t.body.amount.0;
                    slot.nonce = t.body.nonce;
                }
                Tx::Withdraw(t) | Tx::ForcedWithdraw(t) => {
                    signed(t.body.from, &t.signature);
                    slot.to_address = t.body.to;
                    slot.amount = t.body.amount.0;
                    slot.nonce = t.body.nonce;
                }
                Tx::Deposit(d) => {
                    slot.to = d.to.0;
                    slot.amount = d.amount.0;
                    slot.point = d.pubkey;
                }
                Tx::Undecodable(_) => {}
            }
            slots.push(slot);
        }
        slots.resize_with(b, || SlotWitness {
            sender: disabled(config.account_depth),
            recipient: disabled(config.account_depth),
            ..Default::default()
        });

        let claim = Claim {
            chain_id: batch.chain_id,
            batch_number: batch.number,
            parent_root: output.parent_root,
            post_root: output.post_root,
            withdrawal_root: output.withdrawal_root,
            data_commitment: output.data_commitment,
            blobs_hash: B256::ZERO,
            queue_before: output.queue_before,
            queue_after: output.queue_after,
        };
        let mut w = Self {
            config: *config,
            claim,
            versioned_hash: B256::ZERO,
            commitment: [0; 48],
            kzg_proof: [0; 48],
            y: [0; 32],
            public_inputs: [Fr::ZERO; PUBLIC_INPUTS],
            non_canonical,
            slots,
        };
        w.open(blob)?;
        Ok(w)
    }

    /// Binds the witness to `blob`: sets the claim's `blobs_hash`, the versioned hash, and the
    /// KZG opening at the challenge point of the current claim, and recomputes the public inputs.
    /// When [`Self::non_canonical`], the opening is of the circuit's own blob (the empty batch's
    /// header), since the batch reads nothing from `blob`.
    ///
    /// [`Self::new`] calls this with the batch's blob; calling it again after changing the claim
    /// (or with another blob) gives the statement a dishonest prover would have to prove.
    ///
    /// # Errors
    /// [`WitnessError::Blob`] when c-kzg refuses the blob (a field element not below the
    /// BLS12-381 modulus).
    pub fn open(&mut self, blob: &Blob) -> Result<(), WitnessError> {
        let settings = EnvKzgSettings::Default.get();
        let kzg = |b: &Blob| c_kzg::Blob::new(b.0);
        let commitment = settings
            .blob_to_kzg_commitment(&kzg(blob))
            .map_err(|e| WitnessError::Blob(format!("{e:?}")))?
            .to_bytes()
            .into_inner();
        self.versioned_hash = kzg_to_versioned_hash(&commitment);
        self.claim.blobs_hash = keccak256(self.versioned_hash);
        let digest = claim_digest(&self.claim, &self.versioned_hash, self.non_canonical);
        let z = c_kzg::Bytes32::new(challenge_point(&digest));
        let opened = if self.non_canonical {
            let empty = Batch {
                chain_id: self.claim.chain_id,
                number: self.claim.batch_number,
                txs: Vec::new(),
            };
            let blobs = tribunal_da::encode_blobs(&empty.encode())
                .map_err(|e| WitnessError::Blob(e.to_string()))?;
            kzg(&blobs[0])
        } else {
            kzg(blob)
        };
        let (proof, y) = settings
            .compute_kzg_proof(&opened, &z)
            .map_err(|e| WitnessError::Blob(format!("{e:?}")))?;
        self.y = *y;
        self.commitment = commitment;
        self.kzg_proof = proof.to_bytes().into_inner();
        self.public_inputs = public_inputs(&digest, &self.y);
        Ok(())
    }

    /// The public inputs as the Groth16 verifier takes them.
    pub fn public_inputs(&self) -> Vec<Fr> {
        self.public_inputs.to_vec()
    }
}
