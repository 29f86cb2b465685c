//! Intel DCAP quotes (SGX v3, TDX v4/v5), verified with `dcap-qvl` against collateral: the PCK
//! certificate chain and CRLs up to Intel's SGX root CA, the signed TCB info and the signed QE
//! identity.
//!
//! On top of `dcap-qvl`'s signature and TCB checks, [`DcapAttestation::verify`] applies the
//! deployment's [`DcapPolicy`] and Tribunal's own rules, each with its own error:
//! - the collateral must be current at `now` ([`DcapError::CollateralExpired`]);
//! - debug enclaves and debug TDs are refused ([`DcapError::DebugEnclave`]);
//! - the TCB status must be one the policy allows ([`DcapError::TcbStatusNotAllowed`]): only
//!   `UpToDate` by default, so an out-of-date platform is refused unless the policy says so;
//! - the report data must commit to the signer and the L2 chain ([`DcapError::ReportDataMismatch`]).

use alloy_primitives::{Address, keccak256};
use dcap_qvl::{
    QuoteCollateralV3, QuotePolicy, TcbStatus,
    policy::Policy,
    quote::{Report, TDReport10},
    verify::QuoteVerifier,
};

use crate::{AttestedSigner, Measurement, report_data};

/// Which SGX identity becomes the [`Measurement`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SgxIdentity {
    /// One exact build: `MRENCLAVE`. Every upgrade needs a new allowed measurement.
    #[default]
    MrEnclave,
    /// Any build signed by one author key for one product: `MRSIGNER` and `ISVPRODID`.
    MrSigner,
}

/// What a deployment accepts of a DCAP quote beyond its signatures.
#[derive(Clone, Debug)]
pub struct DcapPolicy {
    /// TCB statuses accepted. Default: `UpToDate` only.
    pub allowed_statuses: Vec<TcbStatus>,
    /// For an accepted `OutOfDate` status: how long after the platform's TCB level date it is
    /// still accepted, in seconds. Default 0.
    pub out_of_date_grace_secs: u64,
    /// Security advisories (`INTEL-SA-…`) that refuse a quote whatever its status.
    pub rejected_advisories: Vec<String>,
    /// Accept platforms with SMT (hyper-threading) on. Default `true`: most cloud hosts run with
    /// it, and the advisories that concern it are listed by the TCB status.
    pub allow_smt: bool,
    /// Accept dynamic platforms (multi-package servers that can add CPU packages). Default
    /// `true`: cloud TDX hosts are registered this way.
    pub allow_dynamic_platform: bool,
    /// Accept platforms whose keys are cached by Intel's registration service. Default `true`,
    /// for the same reason.
    pub allow_cached_keys: bool,
    /// SGX identity to measure.
    pub sgx_identity: SgxIdentity,
}

impl Default for DcapPolicy {
    fn default() -> Self {
        Self {
            allowed_statuses: vec![TcbStatus::UpToDate],
            out_of_date_grace_secs: 0,
            rejected_advisories: Vec::new(),
            allow_smt: true,
            allow_dynamic_platform: true,
            allow_cached_keys: true,
            sgx_identity: SgxIdentity::MrEnclave,
        }
    }
}

impl DcapPolicy {
    /// The same policy accepting `status` too.
    pub fn allow(mut self, status: TcbStatus) -> Self {
        self.allowed_statuses.push(status);
        self
    }

    fn quote_policy(&self, now: u64) -> QuotePolicy {
        let mut p =
            self.allowed_statuses.iter().fold(QuotePolicy::strict(now), |p, s| p.allow_status(*s));
        p = p
            .platform_grace_period(std::time::Duration::from_secs(self.out_of_date_grace_secs))
            .reject_advisories(&self.rejected_advisories)
            .allow_smt(self.allow_smt)
            .allow_dynamic_platform(self.allow_dynamic_platform)
            .allow_cached_keys(self.allow_cached_keys);
        p
    }
}

/// A DCAP quote and the collateral to verify it with (as a PCCS serves it).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct DcapAttestation {
    /// The enclave signer the quote's report data must commit to.
    pub signer: Address,
    /// The L2 chain it must commit to.
    pub l2_chain_id: u64,
    /// The raw quote.
    #[serde(with = "hex::serde")]
    pub quote: Vec<u8>,
    /// PCK CRL chain, TCB info, QE identity and their signatures.
    pub collateral: QuoteCollateralV3,
}

/// Why a DCAP quote was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DcapError {
    /// The collateral cannot be read (malformed TCB info or QE identity JSON, bad dates).
    #[error("malformed collateral: {0}")]
    Collateral(String),
    /// The collateral is not current at the verification time.
    #[error("collateral valid from {issued} to {next_update} (unix seconds), not at {now}")]
    CollateralExpired {
        /// Latest issue date of the TCB info and QE identity.
        issued: u64,
        /// Earliest `nextUpdate` of the TCB info and QE identity.
        next_update: u64,
        /// The verification time.
        now: u64,
    },
    /// `dcap-qvl` refused the quote: undecodable, a signature or certificate that does not verify,
    /// a revoked certificate or TCB, an unknown QE…
    #[error("quote does not verify: {0}")]
    Verification(String),
    /// A debug enclave or TD: its memory can be read by the host.
    #[error("debug enclave")]
    DebugEnclave,
    /// The platform's TCB status is not one the policy accepts.
    #[error("TCB status {status} is not allowed (advisories: {advisories:?})")]
    TcbStatusNotAllowed {
        /// The converged platform and QE status.
        status: String,
        /// Advisories that apply.
        advisories: Vec<String>,
    },
    /// Another rule of the policy refused the quote (advisory, grace period, platform flags).
    #[error("refused by policy: {0}")]
    Policy(String),
    /// The report data does not commit to the expected signer and chain.
    #[error("report data {found} does not commit to the signer and chain (expected {expected})")]
    ReportDataMismatch {
        /// `report_data(signer, l2_chain_id)`, as hex.
        expected: String,
        /// What the quote carries, as hex.
        found: String,
    },
}

impl DcapAttestation {
    /// Verifies the quote against its collateral at `now` (unix seconds) under `policy`, and
    /// returns the signer it attests with its measurement.
    ///
    /// # Errors
    /// [`DcapError`], naming the check that failed.
    pub fn verify(&self, policy: &DcapPolicy, now: u64) -> Result<AttestedSigner, DcapError> {
        let (issued, next_update) = collateral_window(&self.collateral)?;
        if now < issued || now > next_update {
            return Err(DcapError::CollateralExpired { issued, next_update, now });
        }
        let claims = QuoteVerifier::new_prod()
            .verify_with_policy(
                &self.quote,
                self.collateral.clone(),
                now,
                &QuotePolicy::claims_only(now),
            )
            .map_err(|e| DcapError::Verification(format!("{e:#}")))?;
        if is_debug(&claims.report) {
            return Err(DcapError::DebugEnclave);
        }
        if !policy.allowed_statuses.contains(&claims.tcb.status) {
            return Err(DcapError::TcbStatusNotAllowed {
                status: claims.tcb.status.to_string(),
                advisories: claims.tcb.advisory_ids,
            });
        }
        policy
            .quote_policy(now)
            .validate(&claims)
            .map_err(|e| DcapError::Policy(format!("{e:#}")))?;
        let expected = report_data(self.signer, self.l2_chain_id);
        let found = report_data_of(&claims.report);
        if found != expected {
            return Err(DcapError::ReportDataMismatch {
                expected: hex::encode(expected),
                found: hex::encode(found),
            });
        }
        let (kind, measurement) = Measurement::from_report(&claims.report, policy.sgx_identity);
        Ok(AttestedSigner {
            signer: self.signer,
            l2_chain_id: self.l2_chain_id,
            kind,
            measurement,
            evidence_hash: keccak256(&self.quote),
            tcb_status: Some(claims.tcb.status.to_string()),
        })
    }

    /// The quote's report (unverified): for inspecting a quote before or after verification.
    ///
    /// # Errors
    /// [`DcapError::Verification`] when the quote does not decode.
    pub fn report(&self) -> Result<Report, DcapError> {
        use dcap_qvl::quote::Quote;
        Quote::parse(&self.quote)
            .map(|q| q.report)
            .map_err(|e| DcapError::Verification(format!("{e:#}")))
    }
}

/// The report data of a quote's report.
pub fn report_data_of(report: &Report) -> [u8; 64] {
    match report {
        Report::SgxEnclave(r) => r.report_data,
        Report::TD10(r) => r.report_data,
        Report::TD15(r) => r.base.report_data,
        Report::TD15Ex(r) => r.base.base.report_data,
    }
}

/// Whether a report is of a debug enclave (SGX `ATTRIBUTES.DEBUG`, bit 1) or a debug TD
/// (`TDATTRIBUTES.TUD.DEBUG`, bit 0).
pub fn is_debug(report: &Report) -> bool {
    let td = |r: &TDReport10| r.td_attributes[0] & 0x01 != 0;
    match report {
        Report::SgxEnclave(r) => r.attributes[0] & 0x02 != 0,
        Report::TD10(r) => td(r),
        Report::TD15(r) => td(&r.base),
        Report::TD15Ex(r) => td(&r.base.base),
    }
}

/// `(latest issueDate, earliest nextUpdate)` of the TCB info and the QE identity, unix seconds.
fn collateral_window(c: &QuoteCollateralV3) -> Result<(u64, u64), DcapError> {
    let dates = |json: &str, what: &str| -> Result<(u64, u64), DcapError> {
        let v: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| DcapError::Collateral(format!("{what}: {e}")))?;
        let date = |key: &str| -> Result<u64, DcapError> {
            let s = v[key]
                .as_str()
                .ok_or_else(|| DcapError::Collateral(format!("{what}: no {key}")))?;
            let t = chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|e| DcapError::Collateral(format!("{what}: {key} {s:?}: {e}")))?;
            u64::try_from(t.timestamp())
                .map_err(|_| DcapError::Collateral(format!("{what}: {key} before 1970")))
        };
        Ok((date("issueDate")?, date("nextUpdate")?))
    };
    let (tcb_issued, tcb_next) = dates(&c.tcb_info, "TCB info")?;
    let (qe_issued, qe_next) = dates(&c.qe_identity, "QE identity")?;
    Ok((tcb_issued.max(qe_issued), tcb_next.min(qe_next)))
}

/// The end of the collateral's validity window (the earliest `nextUpdate` of its TCB info and QE
/// identity), in unix seconds: the latest time at which a quote can be checked with it, as when
/// re-checking an archived registration.
///
/// # Errors
/// [`DcapError::Collateral`] for unreadable collateral.
pub fn collateral_valid_until(c: &QuoteCollateralV3) -> Result<u64, DcapError> {
    Ok(collateral_window(c)?.1)
}
