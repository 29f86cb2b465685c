//! The TEE leg (docs/finality.md, "The three legs"): an enclave re-executes a claimed batch with the
//! STF and signs the claim's EIP-712 digest only when its own result agrees; attestations bind
//! the enclave's signing key to a measurement the council allows.
//!
//! `tribunal-tee` owns:
//! - the [`Enclave`] trait and the check every enclave runs before it signs ([`reexecute`]):
//!   blobs against the claim's `blobs_hash`, the batch bytes against its `data_commitment`, the
//!   parent state witness against its `parent_root`, then `execute_batch`;
//! - attestation: a development backend ([`dev`], a software key, **insecure**) and Intel DCAP
//!   quotes for SGX and TDX ([`dcap`], verified with `dcap-qvl`), both turned into an
//!   [`AttestedSigner`]: the signer, its [`Measurement`], the evidence hash the registry records;
//! - the report-data binding of a signer to a chain ([`report_data`]).
//!
//! It must not talk to L1 or storage (the node's TEE prover worker does), and must not implement
//! a state-transition rule (it calls `tribunal_stf::execute_batch`).
//!
//! # Registration today, and permissionless registration later
//!
//! Today the council verifies an attestation off chain with [`verify_attestation`] and registers
//! the signer on `TeeVerifier.registerSigner(signer, measurement, expiresAt, kind, evidenceHash)`
//! at zero delay (rule 7); `evidenceHash` is the keccak256 of the quote (or dev attestation), so
//! anyone can fetch the quote and re-verify the council's decision. The default validity is
//! [`DEFAULT_SIGNER_VALIDITY_SECS`] (90 days); quotes must be renewed before it ends.
//!
//! The contract keeps registration behind one internal function, so a permissionless path can be
//! added without changing how signers are checked at use:
//! 1. `registerWithQuote(quote, collateralRefs)` parses the quote on chain (SGX v3 / TDX v4 layouts
//!    are fixed-offset), checks `reportData[0..32] == keccak256("tribunal.tee.signer.v1" ‖ signer
//!    ‖ l2ChainId)` exactly as [`report_data`] does, and reads the measurement as
//!    [`Measurement::from_report`] does;
//! 2. the ECDSA-P256 signatures of the chain (ISV report by the attestation key, QE report by the
//!    PCK key, PCK certificate by the platform CA, up to Intel's root, whose key is pinned in the
//!    contract) are checked with the `P256VERIFY` precompile at `0x100` (EIP-7951, live since
//!    Osaka), about 6,900 gas each;
//! 3. TCB info and QE identity are not parsed on chain: the council (zero delay, TEE logic)
//!    posts the hashes of the current collateral, and the TCB levels it accepts per FMSPC, as
//!    Automata's on-chain DCAP verifier does with its PCCS contracts;
//! 4. the signer then counts only while its measurement is allowed, as today.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod attestation;
pub mod dcap;
pub mod dev;
pub mod enclave;
pub mod measurement;

pub use attestation::{
    Attestation, AttestationError, AttestationPolicy, AttestedSigner, verify_attestation,
};
pub use dcap::{DcapAttestation, DcapError, DcapPolicy, SgxIdentity};
pub use dev::{DevAttestation, DevEnclave};
pub use enclave::{Enclave, EnclaveConfig, ProveRequest, TeeApproval, TeeError, reexecute};
pub use measurement::{Measurement, TeeKind, report_data};

/// How long a registered signer counts by default: 90 days, in seconds.
pub const DEFAULT_SIGNER_VALIDITY_SECS: u64 = 90 * 24 * 3600;
