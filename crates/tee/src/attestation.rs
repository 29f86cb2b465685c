//! Attestations of either backend, verified into the facts the signer registry records.

use alloy_primitives::{Address, B256};

use crate::{
    DcapAttestation, DcapError, DcapPolicy, DevAttestation, Measurement, TeeKind, report_data,
};

/// Evidence that a signer runs measured code: a dev attestation or a DCAP quote.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attestation {
    /// The insecure development backend.
    Dev(DevAttestation),
    /// An Intel SGX or TDX quote with its collateral.
    Dcap(DcapAttestation),
}

/// A verified attestation: what `TeeVerifier.registerSigner` is called with.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct AttestedSigner {
    /// The enclave's signing address.
    pub signer: Address,
    /// The L2 chain it is bound to.
    pub l2_chain_id: u64,
    /// The backend.
    pub kind: TeeKind,
    /// The measurement of its code.
    pub measurement: Measurement,
    /// keccak256 of the evidence (the raw quote, or the dev attestation's JSON).
    pub evidence_hash: B256,
    /// The DCAP TCB status it was accepted with (`None` for dev).
    pub tcb_status: Option<String>,
}

/// What a deployment accepts.
#[derive(Clone, Debug, Default)]
pub struct AttestationPolicy {
    /// Rules for DCAP quotes.
    pub dcap: DcapPolicy,
    /// Accept the insecure dev backend (development chains only). Default `false`.
    pub allow_insecure_dev: bool,
}

/// Why an attestation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// A dev attestation, and the policy does not accept the insecure backend.
    #[error("INSECURE dev attestation refused: this deployment requires a hardware TEE")]
    InsecureNotAllowed,
    /// The attestation is bound to another L2 chain.
    #[error("attestation is for chain {got}, expected {expected}")]
    WrongChain {
        /// The chain registering.
        expected: u64,
        /// The attestation's.
        got: u64,
    },
    /// A dev attestation whose report data does not commit to its signer and chain.
    #[error("dev attestation report data does not commit to its signer and chain")]
    DevReportData,
    /// The DCAP quote was refused.
    #[error(transparent)]
    Dcap(#[from] DcapError),
}

/// Verifies `attestation` for L2 chain `l2_chain_id` at `now` (unix seconds).
///
/// # Errors
/// [`AttestationError`] naming the refusal.
pub fn verify_attestation(
    attestation: &Attestation,
    l2_chain_id: u64,
    policy: &AttestationPolicy,
    now: u64,
) -> Result<AttestedSigner, AttestationError> {
    match attestation {
        Attestation::Dev(dev) => {
            if !policy.allow_insecure_dev {
                return Err(AttestationError::InsecureNotAllowed);
            }
            if dev.l2_chain_id != l2_chain_id {
                return Err(AttestationError::WrongChain {
                    expected: l2_chain_id,
                    got: dev.l2_chain_id,
                });
            }
            if dev.report_data != report_data(dev.signer, dev.l2_chain_id) {
                return Err(AttestationError::DevReportData);
            }
            tracing::warn!(signer = %dev.signer, "{}", DevAttestation::WARNING);
            Ok(AttestedSigner {
                signer: dev.signer,
                l2_chain_id,
                kind: TeeKind::DevInsecure,
                measurement: dev.measurement(),
                evidence_hash: dev.evidence_hash(),
                tcb_status: None,
            })
        }
        Attestation::Dcap(quote) => {
            if quote.l2_chain_id != l2_chain_id {
                return Err(AttestationError::WrongChain {
                    expected: l2_chain_id,
                    got: quote.l2_chain_id,
                });
            }
            Ok(quote.verify(&policy.dcap, now)?)
        }
    }
}
