//! What a new user and a hostile client meet first: the `serve` startup summary, SIGTERM with
//! a slow client connected, half a request head, the connection limit, admin commands run
//! from the wrong directory, a misspelt setting, and `interviewd backup` restored.

use crate::support::{Backend, TestServer, backend, fixture};
use interviewd::config::Config;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_interviewd");

/// The binary in `dir`, with no configuration file and no `INTERVIEWD_*` from outside.
fn interviewd(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env("INTERVIEWD_CONFIG", dir.join("interviewd.toml"))
        .env("RUST_LOG", "info,sqlx=warn")
        .env_remove("INTERVIEWD_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .env_remove("INTERVIEWD_DATA_DIR");
    cmd
}

fn limits(config: &mut Config) {
    config.header_read_timeout_ms = 300;
    config.shutdown_grace_ms = 500;
    config.max_connections = 3;
}

/// Half a request head, then silence.
async fn half_a_head(base: &str) -> TcpStream {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    stream
}

#[tokio::test]
async fn half_a_request_head_is_cut_off_and_shutdown_is_bounded() {
    let server = TestServer::start_with(limits).await;
    let mut slow = half_a_head(&server.base).await;
    let started = Instant::now();
    let mut buf = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf)).await;
    assert!(read.is_ok(), "the connection was closed");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // Shutdown with a slow client (and an idle one) connected still ends, within the grace.
    let _slow = half_a_head(&server.base).await;
    let _idle = TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), server.stop())
        .await
        .expect("shutdown is bounded");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_to_be_accepted() {
    let server = TestServer::start_with(|c| {
        c.header_read_timeout_ms = 60_000;
        c.max_connections = 2;
    })
    .await;
    let held = [
        half_a_head(&server.base).await,
        half_a_head(&server.base).await,
    ];
    let http = reqwest::Client::new();
    let url = format!("{}/healthz", server.base);
    let waiting = http
        .get(&url)
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(
        waiting.is_err(),
        "a third connection is not served while two are held"
    );
    drop(held);
    let served = http
        .get(&url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn serve_says_where_everything_is_and_stops_on_sigterm_despite_a_slow_client() {
    if backend() != Backend::Sqlite {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::from(interviewd(dir.path()))
        .arg("serve")
        .env("INTERVIEWD_LISTEN", "127.0.0.1:0")
        .env("INTERVIEWD_HEADER_READ_TIMEOUT_MS", "60000")
        .env("INTERVIEWD_SHUTDOWN_GRACE_MS", "1000")
        .kill_on_drop(true)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    let addr = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let line = stderr
                .next_line()
                .await
                .unwrap()
                .expect("the server exited");
            log.push(line.clone());
            if let Some((_, addr)) = line.split_once("listening addr=") {
                return addr.trim().to_owned();
            }
        }
    })
    .await
    .expect("the server listens");
    let data = std::fs::canonicalize(dir.path().join("data")).unwrap();
    let summary = log.join("\n");
    for expected in [
        format!("data  {}", data.display()),
        format!("database  SQLite {}", data.join("interviewd.db").display()),
        format!("mail  written to {}", data.join("outbox").display()),
        // The interview parts, built in when no model or speech server is configured.
        "interviewer  ".to_owned(),
        "analyst  ".to_owned(),
        format!("console  http://{addr}/app"),
        format!("API docs  http://{addr}/docs"),
        format!("http://{addr}/api/v2 (Xobin)"),
    ] {
        assert!(
            summary.contains(&expected),
            "{expected:?} missing from:\n{summary}"
        );
    }

    let _slow = half_a_head(&format!("http://{addr}")).await;
    let pid = child.id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the process ends within the grace")
        .unwrap();
    assert!(status.success(), "{status}");
    // A clean stop checkpoints: one database file, no write-ahead log.
    assert!(data.join("interviewd.db").exists());
    assert!(!data.join("interviewd.db-wal").exists());
}

#[tokio::test]
async fn admin_commands_never_create_a_database_and_say_which_they_opened() {
    if backend() != Backend::Sqlite {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let listed = interviewd(dir.path())
        .args(["companies", "list"])
        .output()
        .unwrap();
    assert!(!listed.status.success());
    let err = String::from_utf8_lossy(&listed.stderr);
    let expected = dir
        .path()
        .canonicalize()
        .unwrap()
        .join("data/interviewd.db");
    assert!(
        err.contains(&format!("no database at {}", expected.display())),
        "{err}"
    );
    assert!(err.contains("interviewd migrate"), "{err}");
    assert!(!dir.path().join("data").exists(), "nothing was created");

    let migrated = interviewd(dir.path()).arg("migrate").output().unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    let listed = interviewd(dir.path())
        .args(["companies", "list"])
        .output()
        .unwrap();
    assert!(listed.status.success());
    let err = String::from_utf8_lossy(&listed.stderr);
    assert!(
        err.contains(&format!("database: SQLite {}", expected.display())),
        "{err}"
    );
    assert_eq!(String::from_utf8_lossy(&listed.stdout).trim(), "[]");
}

#[tokio::test]
async fn a_misspelt_setting_is_refused_with_the_right_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("interviewd.toml"),
        "smtp_hots = \"mail.example.com\"\n",
    )
    .unwrap();
    let out = interviewd(dir.path()).arg("migrate").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown setting `smtp_hots` (did you mean `smtp_host`?)"),
        "{err}"
    );
    assert!(!dir.path().join("data").exists());
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155550199", "backup@example.com").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    // Run without blocking this thread: the server under test runs on it.
    let backup = || {
        let mut cmd = tokio::process::Command::from(interviewd(dir.path()));
        cmd.args(["backup", copy.to_str().unwrap()])
            .env("INTERVIEWD_DATABASE_URL", server.config.database_url());
        async move { cmd.output().await.unwrap() }
    };
    let out = backup().await;
    if backend() == Backend::Postgres {
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Written while the server kept serving.
    client.get("/v1/jobs").await.expect(200);
    let again = backup().await;
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );

    // Restore: a new server whose data directory holds the copy.
    let restored = TestServer::start_with(|c| {
        std::fs::create_dir_all(&c.data_dir).unwrap();
        std::fs::copy(&copy, c.data_dir.join("interviewd.db")).unwrap();
        c.database_url = None;
    })
    .await;
    let client = restored.client(&acme.key);
    let candidate = client
        .get(&format!("/v1/candidates/{}", f.candidate))
        .await
        .expect(200);
    assert_eq!(candidate.body["email"], "backup@example.com");
    client
        .get(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
}
