//! The `tribunal` binary; everything lives in `tribunal-cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Like any command-line tool: a reader that goes away (`tribunal … | head`) ends the process
    // quietly instead of making a print panic.
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    match tribunal_cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The message and its causes; the source location and frames only for those who
            // asked for diagnostics.
            let logging = std::env::var("RUST_LOG").is_ok_and(|v| !v.is_empty() && v != "off");
            if logging || std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                eprintln!("Error: {e:?}");
            } else {
                eprintln!("Error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}
