//! Errors of the primitive types and codecs.

/// A field element could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The text is not a decimal or `0x` hex number below 2^256.
    #[error("not a decimal or 0x-hex number")]
    Parse,
    /// The integer is not below the BN254 scalar modulus `r`.
    #[error("integer is not below the BN254 scalar field modulus")]
    NonCanonical,
}

/// Poseidon was called with an unsupported number of inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoseidonError {
    /// Input count outside `1..=max`.
    #[error("poseidon takes 1..={max} inputs, got {got}")]
    Arity {
        /// Inputs given.
        got: usize,
        /// Largest supported input count.
        max: usize,
    },
}

/// Bytes or coordinates that are not a Baby Jubjub point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// The packed `y` is not below `r`, or the sign bit is set on `x = 0`.
    #[error("packed point is not canonical")]
    NonCanonical,
    /// No point of the curve has these coordinates.
    #[error("point is not on the Baby Jubjub curve")]
    NotOnCurve,
    /// A point of order 1, 2, 4 or 8 (`8·P = O`), refused as a public key: EdDSA verification
    /// multiplies the key by the cofactor 8, so anyone could sign for it.
    #[error("point has low order (8·P is the identity); anyone could sign for it")]
    LowOrder,
}

/// An EdDSA-Poseidon signature that cannot be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// `R8` is not a canonical curve point.
    #[error("signature R8 is not a canonical curve point")]
    Malformed,
    /// `S` is not below the subgroup order `l`.
    #[error("signature S is not below the subgroup order")]
    ScalarOutOfRange,
    /// The verification equation does not hold.
    #[error("signature does not verify")]
    Invalid,
}

/// A batch or transaction encoding that cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is empty.
    #[error("empty input")]
    Empty,
    /// The version byte is not one this build decodes.
    #[error("unsupported batch encoding version {got}, expected {expected}")]
    UnsupportedVersion {
        /// Version byte found.
        got: u8,
        /// Version this build writes.
        expected: u8,
    },
    /// The input ends inside a field.
    #[error("truncated at byte {offset}: need {needed} more bytes, {available} left")]
    Truncated {
        /// Byte offset of the field being read.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes remaining.
        available: usize,
    },
    /// A message handed to the decoder as the batch's L1 message is of a sequencer kind.
    #[error("message {index} is not an L1 message (deposit or forced transaction)")]
    NotAMessage {
        /// Position among the messages.
        index: usize,
    },
    /// A transaction starts with an unknown kind tag (in a blob record, also an L1 kind).
    #[error("transaction {index}: unknown kind tag {tag:#04x}")]
    UnknownTxKind {
        /// Position of the transaction in the batch.
        index: usize,
        /// Tag byte found.
        tag: u8,
    },
    /// Bytes remain after the last transaction.
    #[error("{count} trailing bytes after the last transaction")]
    TrailingBytes {
        /// Number of extra bytes.
        count: usize,
    },
    /// A padding byte (the rest of the header chunk, or of a transaction record) is not zero.
    #[error("non-zero padding byte at offset {offset}")]
    NonZeroPadding {
        /// Byte offset of the first non-zero padding byte.
        offset: usize,
    },
    /// The transaction count cannot fit in the remaining bytes.
    #[error("header claims {count} transactions but only {available} bytes follow")]
    TxCountTooLarge {
        /// Count from the header.
        count: u32,
        /// Bytes remaining after the header.
        available: usize,
    },
}

/// The L2 key could not be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum L2KeyError {
    /// The Ethereum secret key is not a valid secp256k1 scalar.
    #[error(
        "malformed ethereum private key: expected 32 bytes, a nonzero scalar below the secp256k1 order"
    )]
    MalformedEthKey,
    /// Chain id 0 is reserved and never names a chain.
    #[error("chain id 0 is not a valid chain id")]
    ZeroChainId,
}
