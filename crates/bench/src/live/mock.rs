//! The instant language model, in a process of its own: this binary started again as
//! `interviewd-bench mock-llm` (a hidden subcommand) serving
//! `interviewd_interviewer::testing::MockLlm` on a loopback port. Every chat request is
//! answered at once with the same streamed move-on (an acknowledgement; the server appends
//! the next question), so what a turn waits for is the server, loopback HTTP and this mock.
//!
//! Its own process, so that its CPU is neither the server's nor the clients', and so that the
//! bench can time it directly, as the baseline, through the same loopback.

use anyhow::{Context, bail};
use interviewd_interviewer::testing::{MockLlm, Reply};
use serde_json::json;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// The acknowledgement every reply starts with; a reply that does not is the scripted
/// fallback, not the model.
pub const ACK: &str = "Thanks, noted.";

/// The child's side: serve until stdin closes.
pub async fn child_main() -> anyhow::Result<()> {
    let server = MockLlm::start().await;
    server.set_default(Reply::json(
        json!({ "action": "move_on", "utterance": ACK }),
    ));
    println!("llm {}", server.base_url());
    println!("ready");
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    drop(server);
    Ok(())
}

/// The mock's process.
pub struct MockProcess {
    child: tokio::process::Child,
    /// `http://127.0.0.1:<port>/v1`.
    pub base_url: String,
    pub pid: u32,
}

impl MockProcess {
    /// Starts `interviewd-bench mock-llm` and waits until it serves.
    pub async fn start() -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding this executable")?;
        let mut child = tokio::process::Command::new(exe)
            .arg("mock-llm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting the instant model")?;
        let pid = child.id().context("the model process has no id")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut base_url = None;
        loop {
            match lines.next_line().await? {
                Some(line) if line == "ready" => break,
                Some(line) => {
                    if let Some(url) = line.strip_prefix("llm ") {
                        base_url = Some(url.to_owned());
                    }
                }
                None => bail!("the instant model exited before it was ready"),
            }
        }
        let base_url = base_url.context("the instant model did not say its address")?;
        Ok(Self {
            child,
            base_url,
            pid,
        })
    }

    /// Closes its stdin and waits for it.
    pub async fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait().await;
    }
}
