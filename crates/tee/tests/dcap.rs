//! Real Intel SGX and TDX quotes bundled with dcap-qvl (`tests/dcap/PROVENANCE.md`), verified
//! against their collateral, and tampered copies refused with clear errors.

use alloy_primitives::Address;
use dcap_qvl::{QuoteCollateralV3, TcbStatus, quote::Report};
use tribunal_tee::{
    Attestation, AttestationError, AttestationPolicy, DcapAttestation, DcapError, DcapPolicy,
    Measurement, SgxIdentity, TeeKind,
    dcap::{collateral_valid_until, is_debug, report_data_of},
    report_data, verify_attestation,
};

const CHAIN: u64 = 901;

fn sample(name: &str) -> DcapAttestation {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dcap");
    let quote = std::fs::read(dir.join(name)).unwrap();
    let collateral: QuoteCollateralV3 = serde_json::from_slice(
        &std::fs::read(dir.join(format!("{name}_collateral.json"))).unwrap(),
    )
    .unwrap();
    DcapAttestation { signer: Address::repeat_byte(0x11), l2_chain_id: CHAIN, quote, collateral }
}

/// A time inside the sample's collateral window.
fn now(a: &DcapAttestation) -> u64 {
    collateral_valid_until(&a.collateral).unwrap() - 3600
}

/// The sample with its own report data taken as the binding: the samples were not made for a
/// Tribunal signer, so everything but the report-data check is exercised this way.
fn verify_ignoring_binding(a: &DcapAttestation, policy: &DcapPolicy) -> Result<(), DcapError> {
    match a.verify(policy, now(a)) {
        Err(DcapError::ReportDataMismatch { .. }) => Ok(()),
        Err(e) => Err(e),
        Ok(_) => panic!("a sample quote cannot commit to a Tribunal signer"),
    }
}

#[test]
fn sample_quotes_verify_and_yield_their_measurements() {
    // SGX: ConfigurationAndSWHardeningNeeded, refused by the default (UpToDate only) policy.
    let sgx = sample("sgx_quote");
    let report = sgx.report().unwrap();
    let Report::SgxEnclave(r) = &report else { panic!("an SGX report") };
    assert!(!is_debug(&report));
    assert!(matches!(
        sgx.verify(&DcapPolicy::default(), now(&sgx)),
        Err(DcapError::TcbStatusNotAllowed { ref status, .. }) if status == "ConfigurationAndSWHardeningNeeded"
    ));
    let policy = DcapPolicy::default().allow(TcbStatus::ConfigurationAndSWHardeningNeeded);
    verify_ignoring_binding(&sgx, &policy).unwrap();
    assert_eq!(
        Measurement::from_report(&report, SgxIdentity::MrEnclave),
        (TeeKind::Sgx, Measurement(r.mr_enclave.into()))
    );
    let (_, by_signer) = Measurement::from_report(&report, SgxIdentity::MrSigner);
    assert_ne!(
        by_signer.0,
        alloy_primitives::B256::from(r.mr_signer),
        "MRSIGNER is domain-separated with ISVPRODID"
    );

    // TDX: UpToDate, measured by MRTD and the RTMRs.
    let tdx = sample("tdx_quote");
    let report = tdx.report().unwrap();
    assert!(matches!(report, Report::TD10(_) | Report::TD15(_)));
    verify_ignoring_binding(&tdx, &DcapPolicy::default()).unwrap();
    let (kind, m) = Measurement::from_report(&report, SgxIdentity::MrEnclave);
    assert_eq!(kind, TeeKind::Tdx);
    let td = report.as_td10().unwrap();
    let mut registers = Vec::new();
    for r in [&td.mr_td, &td.rt_mr0, &td.rt_mr1, &td.rt_mr2, &td.rt_mr3] {
        registers.extend_from_slice(r);
    }
    use sha2::Digest;
    assert_eq!(m.0.as_slice(), &sha2::Sha256::digest(&registers)[..]);
}

#[test]
fn report_data_must_commit_to_the_signer_and_chain() {
    let tdx = sample("tdx_quote");
    let found = report_data_of(&tdx.report().unwrap());
    let err = tdx.verify(&DcapPolicy::default(), now(&tdx)).unwrap_err();
    assert_eq!(
        err,
        DcapError::ReportDataMismatch {
            expected: hex::encode(report_data(tdx.signer, CHAIN)),
            found: hex::encode(found),
        }
    );
    // The binding differs per signer and per chain.
    assert_ne!(
        report_data(Address::repeat_byte(1), CHAIN),
        report_data(Address::repeat_byte(2), CHAIN)
    );
    assert_ne!(report_data(Address::repeat_byte(1), 1), report_data(Address::repeat_byte(1), 2));
    // An attestation for another chain is refused before the quote is read.
    let policy = AttestationPolicy::default();
    assert_eq!(
        verify_attestation(&Attestation::Dcap(tdx.clone()), 902, &policy, now(&tdx)).unwrap_err(),
        AttestationError::WrongChain { expected: 902, got: CHAIN }
    );
}

#[test]
fn a_tcb_status_below_up_to_date_is_refused_unless_the_policy_allows_it() {
    // The SGX sample's platform needs configuration and software hardening (INTEL-SA-00289,
    // INTEL-SA-00615): refused by default, accepted once allowed, refused again when one of its
    // advisories is.
    let sgx = sample("sgx_quote");
    let err = sgx.verify(&DcapPolicy::default(), now(&sgx)).unwrap_err();
    assert_eq!(
        err,
        DcapError::TcbStatusNotAllowed {
            status: "ConfigurationAndSWHardeningNeeded".into(),
            advisories: vec!["INTEL-SA-00289".into(), "INTEL-SA-00615".into()],
        }
    );
    let allowed = DcapPolicy::default().allow(TcbStatus::ConfigurationAndSWHardeningNeeded);
    verify_ignoring_binding(&sgx, &allowed).unwrap();
    let rejecting = DcapPolicy { rejected_advisories: vec!["INTEL-SA-00615".into()], ..allowed };
    assert!(
        matches!(verify_ignoring_binding(&sgx, &rejecting), Err(DcapError::Policy(e)) if e.contains("INTEL-SA-00615"))
    );

    // A TD on a platform whose TCB is older than every level Intel still lists has no status at
    // all: refused whatever the policy allows.
    let old = sample("tdx_quote_outdated");
    let everything =
        [TcbStatus::OutOfDate, TcbStatus::OutOfDateConfigurationNeeded].into_iter().fold(
            DcapPolicy { out_of_date_grace_secs: u64::MAX / 2, ..DcapPolicy::default() },
            DcapPolicy::allow,
        );
    let err = old.verify(&everything, now(&old)).unwrap_err();
    assert!(matches!(&err, DcapError::Verification(e) if e.contains("TCB level")), "{err}");
}

#[test]
fn expired_or_future_collateral_is_refused() {
    let tdx = sample("tdx_quote");
    let end = collateral_valid_until(&tdx.collateral).unwrap();
    for at in [end + 1, end + 365 * 86_400, 1_000_000_000] {
        assert!(
            matches!(tdx.verify(&DcapPolicy::default(), at), Err(DcapError::CollateralExpired { now, .. }) if now == at),
            "at {at}"
        );
    }
}

#[test]
fn tampered_quotes_and_collateral_fail_with_clear_errors() {
    for name in ["sgx_quote", "tdx_quote"] {
        let good = sample(name);
        let policy = DcapPolicy::default().allow(TcbStatus::ConfigurationAndSWHardeningNeeded);
        let t = now(&good);
        // A flipped bit in the measurement, in the report data, in the debug attribute, in the
        // QE's signature; a truncated quote.
        // Offsets: a 48-byte header, then the SGX report (384 bytes) or the TD report (584),
        // then a 4-byte length and the attestation key's signature over header and report.
        let (body, measured_at, report_data_at, debug_at) =
            if name == "sgx_quote" { (384, 64, 320, 48) } else { (584, 136, 520, 120) };
        for (what, at) in [
            ("measurement", 48 + measured_at),
            ("report data", 48 + report_data_at),
            ("debug bit", 48 + debug_at),
            ("report signature", 48 + body + 4 + 5),
        ] {
            let mut bad = good.clone();
            bad.quote[at] ^= if what == "debug bit" { 0x03 } else { 0x01 };
            let err = bad.verify(&policy, t).unwrap_err();
            assert!(matches!(err, DcapError::Verification(_)), "{name} {what}: {err}");
            eprintln!("{name} tampered {what}: {err}");
        }
        let mut short = good.clone();
        short.quote.truncate(300);
        assert!(matches!(short.verify(&policy, t), Err(DcapError::Verification(_))));

        // Collateral: a TCB level edited in the signed TCB info, a QE identity edited, another
        // platform's PCK CRL.
        let mut bad = good.clone();
        let edited = bad.collateral.tcb_info.replacen("\"svn\":", "\"svn\":1", 1);
        assert_ne!(edited, bad.collateral.tcb_info);
        bad.collateral.tcb_info = edited;
        let err = bad.verify(&policy, t).unwrap_err();
        assert!(matches!(err, DcapError::Verification(_)), "{name} tcb info: {err}");
        eprintln!("{name} tampered TCB info: {err}");
        let mut bad = good.clone();
        bad.collateral.qe_identity_signature[5] ^= 1;
        let err = bad.verify(&policy, t).unwrap_err();
        assert!(matches!(err, DcapError::Verification(_)), "{name} qe identity: {err}");
        eprintln!("{name} tampered QE identity signature: {err}");
        let mut bad = good.clone();
        bad.collateral.tcb_info = "{not json".into();
        assert!(matches!(bad.verify(&policy, t), Err(DcapError::Collateral(_))));
    }
}

#[test]
fn a_debug_report_is_refused_by_the_policy_check() {
    // dcap-qvl refuses debug quotes after their signatures; a tampered bit fails the signature
    // first, so the attribute check is exercised on the parsed report directly.
    let mut report = sample("sgx_quote").report().unwrap();
    if let Report::SgxEnclave(r) = &mut report {
        r.attributes[0] |= 0x02;
    }
    assert!(is_debug(&report));
    let mut td = sample("tdx_quote").report().unwrap();
    assert!(!is_debug(&td));
    if let Report::TD10(r) = &mut td {
        r.td_attributes[0] |= 0x01;
    } else if let Report::TD15(r) = &mut td {
        r.base.td_attributes[0] |= 0x01;
    }
    assert!(is_debug(&td));
}
