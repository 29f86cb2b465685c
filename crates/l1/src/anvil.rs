//! Starting anvil from the npm package `@foundry-rs/anvil` (installed by
//! `cd crates/contracts && npm install`), on 127.0.0.1 and a free port, at hardfork Osaka.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
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
    /// `--hardfork osaka` on a loopback port it picks itself (`--port 0`, read back from its
    /// `Listening on` line), and waits until it answers. Picking the port in anvil, not here,
    /// means two anvils started at once never share one: with a port chosen here and freed
    /// before anvil binds it, the second could fail to bind while the first answered in its
    /// place.
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
        let mut child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", "0", "--hardfork", "osaka"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| L1Error::Transport(format!("start {}: {e}", binary.display())))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut anvil = Self { child, url: String::new() };
        // The address anvil bound; the rest of its output (a line per request) is drained, so
        // that a full pipe never blocks it.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("Listening on ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let start = Instant::now();
        let addr = loop {
            match rx.try_recv() {
                Ok(addr) => break addr,
                Err(mpsc::TryRecvError::Disconnected) => {
                    return Err(L1Error::Transport("anvil exited before listening".into()));
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
            if start.elapsed() > Duration::from_secs(30) {
                return Err(L1Error::Transport("anvil did not listen within 30 s".into()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        anvil.url = format!("http://{addr}");
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
