//! Runs a Node browser-test script (`e2e/…`, node's own test runner, headless Debian
//! Chromium through `e2e/lib`) against a running test server, and fails with the script's
//! output when it fails.
//!
//! When Node, Chromium or the e2e modules are missing the test prints a loud SKIPPED line
//! and passes — unless `INTERVIEWD_REAL_PARTS=1` (set by CI after `.ci/setup/all.sh`), when a
//! missing part fails it. The script runs as a child process awaited on the test's runtime,
//! so the in-process server keeps serving it.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest a browser script may run.
const TIMEOUT: Duration = Duration::from_secs(600);

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_part() -> Option<String> {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("`node` is not installed".into());
    }
    let chromium =
        std::env::var("INTERVIEWD_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("Chromium is not at {chromium}"));
    }
    let modules = std::env::var("INTERVIEWD_E2E_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("e2e/node_modules"));
    for module in ["playwright-core", "axe-core"] {
        if !modules.join(module).exists() {
            return Some(format!(
                "the e2e modules are missing ({} has no {module}; run .ci/setup/node.sh)",
                modules.display()
            ));
        }
    }
    None
}

/// Whether the browser tests can run; `false` (after a SKIPPED line) when they cannot and
/// CI does not require them. Panics when CI requires them and a part is missing.
pub fn available(test: &str) -> bool {
    let Some(why) = missing_part() else {
        return true;
    };
    if std::env::var("INTERVIEWD_REAL_PARTS").is_ok_and(|v| v == "1") {
        panic!("{test}: INTERVIEWD_REAL_PARTS=1 but {why}");
    }
    eprintln!(
        "\n*** SKIPPED {test}: {why} (set INTERVIEWD_REAL_PARTS=1 to make this a failure) ***\n"
    );
    false
}

/// Runs `node --test <script>` (a path under the repository) with `env`, and panics with
/// its output unless every test in it passed. Returns the output.
pub async fn run_node_test(script: &str, env: &[(&str, String)]) -> String {
    let root = repo_root();
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg("--test")
        .arg("--test-reporter=spec")
        .arg(root.join(script))
        .current_dir(&root)
        .kill_on_drop(true);
    if let Ok(modules) = std::env::var("INTERVIEWD_E2E_NODE_MODULES") {
        cmd.env("NODE_PATH", modules);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = std::time::Instant::now();
    let out = tokio::time::timeout(TIMEOUT, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{script} did not finish in {TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("running node {script}: {e}"));
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{text}",
        out.status
    );
    eprintln!(
        "{text}\n{script} passed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    text
}
