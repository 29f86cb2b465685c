//! Measurements, the kinds of attestation, and the report-data binding of a signer to a chain.

use alloy_primitives::{Address, B256, keccak256};
use dcap_qvl::quote::{EnclaveReport, Report, TDReport10};
use sha2::{Digest, Sha256};

/// What produced an attestation; stored on chain next to each signer (`TeeVerifier.Kind`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum TeeKind {
    /// A software key: no hardware root of trust. **Insecure**: anyone who runs the binary can
    /// sign. For development chains only.
    DevInsecure = 0,
    /// An Intel SGX enclave, attested by a DCAP quote (v3).
    Sgx = 1,
    /// An Intel TDX trust domain, attested by a DCAP quote (v4/v5).
    Tdx = 2,
}

/// The 32-byte identity of the code a signer runs, as the `TeeVerifier` allowlist stores it.
///
/// - SGX: `MRENCLAVE` itself, or `sha256("tribunal.sgx.mrsigner" ‖ MRSIGNER ‖ ISVPRODID)` when the
///   policy trusts the enclave author rather than one build ([`crate::SgxIdentity`]);
/// - TDX: `sha256(MRTD ‖ RTMR0 ‖ RTMR1 ‖ RTMR2 ‖ RTMR3)` (5 × 48 bytes): the TD's initial
///   contents and everything measured at boot (firmware, kernel, command line, application);
/// - dev: `sha256("tribunal.tee.dev.insecure" ‖ sha256(prover binary) ‖ configuration)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct Measurement(pub B256);

impl Measurement {
    /// SGX by build: the report's `MRENCLAVE`.
    pub fn sgx_mrenclave(report: &EnclaveReport) -> Self {
        Self(B256::from(report.mr_enclave))
    }

    /// SGX by author: `MRSIGNER` and the product id.
    pub fn sgx_mrsigner(report: &EnclaveReport) -> Self {
        let mut h = Sha256::new();
        h.update(b"tribunal.sgx.mrsigner");
        h.update(report.mr_signer);
        h.update(report.isv_prod_id.to_be_bytes());
        Self(B256::from(<[u8; 32]>::from(h.finalize())))
    }

    /// TDX: `MRTD` and the four runtime measurement registers.
    pub fn tdx(report: &TDReport10) -> Self {
        let mut h = Sha256::new();
        for register in
            [&report.mr_td, &report.rt_mr0, &report.rt_mr1, &report.rt_mr2, &report.rt_mr3]
        {
            h.update(register);
        }
        Self(B256::from(<[u8; 32]>::from(h.finalize())))
    }

    /// The measurement of a verified quote's report, with its kind: SGX by `identity`, TDX by
    /// registers (TD 1.0, 1.5 and 1.5ex reports alike).
    pub fn from_report(report: &Report, identity: crate::SgxIdentity) -> (TeeKind, Self) {
        match report {
            Report::SgxEnclave(r) => (
                TeeKind::Sgx,
                match identity {
                    crate::SgxIdentity::MrEnclave => Self::sgx_mrenclave(r),
                    crate::SgxIdentity::MrSigner => Self::sgx_mrsigner(r),
                },
            ),
            Report::TD10(r) => (TeeKind::Tdx, Self::tdx(r)),
            Report::TD15(r) => (TeeKind::Tdx, Self::tdx(&r.base)),
            Report::TD15Ex(r) => (TeeKind::Tdx, Self::tdx(&r.base.base)),
        }
    }
}

/// Domain tag of [`report_data`].
pub const REPORT_DATA_DOMAIN: &[u8] = b"tribunal.tee.signer.v1";

/// The 64 bytes of report data an enclave puts in its quote: `keccak256(REPORT_DATA_DOMAIN ‖
/// signer (20 bytes) ‖ l2_chain_id (8 bytes, big-endian))`, then 32 zero bytes.
///
/// It binds the quote to one enclave-held secp256k1 key (by its address, which is what
/// `ecrecover` returns) and one L2 chain, so a quote cannot be replayed for another key or chain.
/// keccak256 keeps the same check cheap on chain for permissionless registration.
pub fn report_data(signer: Address, l2_chain_id: u64) -> [u8; 64] {
    let mut out = [0u8; 64];
    let digest =
        keccak256([REPORT_DATA_DOMAIN, signer.as_slice(), &l2_chain_id.to_be_bytes()].concat());
    out[..32].copy_from_slice(digest.as_slice());
    out
}
