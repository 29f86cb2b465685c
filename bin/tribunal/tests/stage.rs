//! `tribunal stage`: grades with reasons, and refuses bad config files clearly; `--version`.

use std::process::{Command, Output};

fn tribunal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tribunal")).args(args).env("RUST_LOG", "off").output().unwrap()
}

#[test]
fn grades_defaults_and_config_files() {
    let out = tribunal(&["stage"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Stage 2") && text.contains("exit window 37d"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deployment.json");
    std::fs::write(
        &file,
        r#"{"zk_verifier":true,"dispute_game":true,"council_members":7,"council_threshold":4,
            "upgrade_delay_secs":3283200,"forced_inclusion_delay_secs":86400,"op_window_secs":604800}"#,
    )
    .unwrap();
    let out = tribunal(&["stage", "--config", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["grade"]["stage"], 0);

    std::fs::write(&file, r#"{"zk_verifier":true}"#).unwrap();
    let out = tribunal(&["stage", "--config", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a deployment config") && err.contains("missing field"), "{err}");
}

/// `--version` names the commit the binary was built from, so a bug report says which code ran.
#[test]
fn version_names_the_commit() {
    let out = tribunal(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let head = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok();
    let expected = head
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(text.trim(), format!("tribunal {} (commit {expected})", env!("CARGO_PKG_VERSION")));
}
