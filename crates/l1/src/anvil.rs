//! Starting anvil from the npm package `@foundry-rs/anvil` (installed by
//! `cd crates/contracts && npm install`), on 127.0.0.1 and a free port, at hardfork Osaka.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{L1Error, L1Result, RpcL1};

/// Where `npm install` in `crates/contracts` puts the anvil binary.
pub fn default_binary() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

/// A running anvil; killed on drop.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    url: String,
}

impl Anvil {
    /// Starts anvil at `binary` (or [`default_binary`], or `$TRIBUNAL_ANVIL`) with
    /// `--hardfork osaka` on a free loopback port, and waits until it answers.
    ///
    /// # Errors
    /// [`L1Error::Transport`] when the binary is missing or does not come up within 30 s.
    pub async fn spawn(binary: Option<&Path>) -> L1Result<Self> {
        let binary = binary
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("TRIBUNAL_ANVIL").map(PathBuf::from))
            .unwrap_or_else(default_binary);
        if !binary.exists() {
            return Err(L1Error::Transport(format!(
                "anvil not found at {} (run: cd crates/contracts && npm install)",
                binary.display()
            )));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| L1Error::Transport(format!("no free port: {e}")))?
            .port();
        let child = Command::new(&binary)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--hardfork",
                "osaka",
                "--silent",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| L1Error::Transport(format!("start {}: {e}", binary.display())))?;
        let anvil = Self { child, url: format!("http://127.0.0.1:{port}") };
        let rpc = anvil.rpc()?;
        let start = Instant::now();
        loop {
            if crate::L1::chain_id(&rpc).await.is_ok() {
                return Ok(anvil);
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err(L1Error::Transport("anvil did not answer within 30 s".into()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The HTTP endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A backend connected to this anvil.
    ///
    /// # Errors
    /// Never for a running anvil; see [`RpcL1::connect`].
    pub fn rpc(&self) -> L1Result<RpcL1> {
        RpcL1::connect(&self.url)
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
