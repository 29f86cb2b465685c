//! `tribunal tee`: a dev attestation round-trips through `verify` only where the insecure backend
//! is allowed, and a real DCAP quote is checked against its report data.

use std::process::{Command, Output};

fn tribunal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tribunal")).args(args).env("RUST_LOG", "off").output().unwrap()
}

#[test]
fn dev_attestations_verify_only_when_allowed_and_quotes_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("0x{}", "07".repeat(32));
    let finality = "0x00000000000000000000000000000000000000f1";
    let out = tribunal(&["tee", "attest", "--enclave-key", &key, "--finality", finality]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = dir.path().join("att.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"kind\": \"dev\"") && text.contains("INSECURE"), "{text}");

    let path = file.to_str().unwrap();
    let out = tribunal(&["tee", "verify", "--attestation", path]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("INSECURE dev attestation refused"));

    let out = tribunal(&[
        "tee",
        "verify",
        "--attestation",
        path,
        "--allow-insecure-dev",
        "--now",
        "1000",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["attested"]["kind"], "DevInsecure");
    assert_eq!(json["expires_at"], 1000 + 90 * 86_400);
    assert!(json["register_signer_calldata"].as_str().unwrap().starts_with("0x"));

    let out = tribunal(&[
        "tee",
        "verify",
        "--attestation",
        path,
        "--allow-insecure-dev",
        "--chain-id",
        "902",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("attestation is for chain 901, expected 902")
    );

    // dcap-qvl's TDX sample: genuine, but its report data commits to no Tribunal signer.
    let dcap = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crates/tee/tests/dcap");
    let out = tribunal(&[
        "tee",
        "verify",
        "--quote",
        dcap.join("tdx_quote").to_str().unwrap(),
        "--collateral",
        dcap.join("tdx_quote_collateral.json").to_str().unwrap(),
        "--signer",
        "0x1111111111111111111111111111111111111111",
        "--now",
        "1752900000",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not commit to the signer and chain"), "{err}");

    std::fs::write(&file, "{}").unwrap();
    let out = tribunal(&["tee", "verify", "--attestation", path]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an attestation"));
}

/// Review findings: a council member could not tell which deployment a dev attestation is for,
/// `--validity-days` took 0 and overflowing values, a refusal did not name its way out, and an
/// unknown `--allow-status` did not list the known ones.
#[test]
fn verify_checks_the_deployment_bounds_validity_and_names_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let key = format!("0x{}", "07".repeat(32));
    let finality = "0x00000000000000000000000000000000000000f1";
    let out = tribunal(&["tee", "attest", "--enclave-key", &key, "--finality", finality]);
    let file = dir.path().join("att.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let path = file.to_str().unwrap();
    let verify = |extra: &[&str]| {
        let mut args = vec!["tee", "verify", "--attestation", path, "--allow-insecure-dev"];
        args.extend_from_slice(extra);
        tribunal(&args)
    };

    let out = verify(&["--finality", finality, "--l1-chain-id", "31337", "--now", "1000"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["deployment"]["finality"], finality);
    assert_eq!(json["deployment"]["l1_chain_id"], 31337);
    assert_eq!(json["expires_at_utc"], "1970-04-01T00:16:40Z");
    assert!(json["register_signer"]["to"].as_str().unwrap().contains("TeeVerifier"));

    let other = "0x00000000000000000000000000000000000000f2";
    let out = verify(&["--finality", other]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    let expected = format!("signs for multiprooffinality {finality}, not --finality {other}");
    assert!(err.contains(&expected), "{err}");
    let out = verify(&["--l1-chain-id", "1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("signs for L1 chain 31337, not --l1-chain-id 1"), "{err}");

    for days in ["0", "731", "18446744073709551615"] {
        let out = verify(&["--validity-days", days]);
        assert_eq!(out.status.code(), Some(2), "--validity-days {days}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--validity-days"), "{err}");
    }
    let out = verify(&["--now", &u64::MAX.to_string()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("overflows"));

    let out = tribunal(&["tee", "verify", "--attestation", path]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-insecure-dev"), "{err}");
    let out = verify(&["--allow-status", "Fine"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown TCB status \"Fine\"; known: UpToDate, SWHardeningNeeded"),
        "{err}"
    );
    // Every status named as known is accepted.
    for status in tribunal_cli::tee::TCB_STATUSES {
        let out = verify(&["--allow-status", status]);
        assert!(out.status.success(), "{status}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
