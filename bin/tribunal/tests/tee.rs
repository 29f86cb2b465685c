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
    let out = tribunal(&["tee", "attest", "--key", &key, "--finality", finality]);
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
