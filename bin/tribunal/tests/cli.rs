//! The command line as a person meets it: clean errors, a closed pipe, completions, defaults.

use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_tribunal");

fn tribunal(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("RUST_LOG").env_remove("RUST_BACKTRACE");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().unwrap()
}

/// An error is its message and causes, with no source location or frames, unless diagnostics
/// are asked for (`RUST_LOG`, `RUST_BACKTRACE`).
#[test]
fn errors_are_clean_unless_diagnostics_are_asked_for() {
    let out = run(&mut tribunal(&["node", "--config", "/nonexistent/node.toml"]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("Error: /nonexistent/node.toml"), "{err}");
    assert!(!err.contains("Location") && !err.contains("crates/cli"), "{err}");
    let out =
        run(tribunal(&["node", "--config", "/nonexistent/node.toml"]).env("RUST_BACKTRACE", "1"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Location"));
}

/// `tribunal … | head`: a reader that closes its end ends the process quietly, not with a panic
/// (exit 101).
#[test]
fn a_closed_pipe_ends_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = tribunal(&["completions", "bash"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_ne!(status.status.code(), Some(101), "{}", String::from_utf8_lossy(&status.stderr));
    assert!(!String::from_utf8_lossy(&status.stderr).contains("panicked"));
}

#[test]
fn completions_cover_every_command() {
    let out = run(&mut tribunal(&["completions", "bash"]));
    assert!(out.status.success());
    let script = String::from_utf8_lossy(&out.stdout);
    for command in ["devnet", "node", "scenario", "wallet", "tee", "stage", "aggregator", "bench"] {
        assert!(script.contains(command), "{command} missing");
    }
    assert!(!run(&mut tribunal(&["completions", "nosuchshell"])).status.success());
}

/// `tee attest` signs for the dev L1's (and anvil's) chain id unless told otherwise.
#[test]
fn tee_attest_defaults_to_the_dev_l1_chain() {
    let out = run(&mut tribunal(&["tee", "attest", "--help"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[default: 31337]"));
}

/// A server that accepts connections and never answers: every wallet call gives up after its
/// timeout with an error naming the endpoint, instead of hanging for ever.
#[test]
fn a_silent_endpoint_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accept and hold connections, never answering.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let tx = format!("0x{}", "11".repeat(32));
    let out = run(&mut tribunal(&[
        "wallet",
        "status",
        "--rpc",
        &url,
        "--rpc-timeout-secs",
        "1",
        "--tx",
        &tx,
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&url) && err.to_lowercase().contains("time"), "{err}");
    let out = run(&mut tribunal(&[
        "wallet",
        "claim",
        "--l1-rpc",
        &url,
        "--l1-timeout-secs",
        "1",
        "--eth-key",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "--help",
    ]));
    assert!(out.status.success(), "the L1 timeout is a documented flag");
}
