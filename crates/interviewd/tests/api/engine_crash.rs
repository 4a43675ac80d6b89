//! Killing the real binary during live calls: after a restart (as `interviewd worker`), the
//! leases of the dead process run out, its slots come back, its attempts are retried, and
//! nothing stays IN_PROGRESS.

use crate::engine::WAIT;
use crate::support::{Db, company_with_key, on_db};
use interviewd::config::Config;
use interviewd_domain::Plan;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process that is killed when dropped (a failing test must not leak it).
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const LEASE_MS: u64 = 1_500;

fn spawn(data_dir: &Path, db: &str, args: &[&str], turn_ms: u64) -> Proc {
    let log = std::fs::File::create(data_dir.join(format!("{}.log", args[0]))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_interviewd"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("INTERVIEWD_CONFIG", data_dir.join("absent.toml"))
        .env("INTERVIEWD_DATABASE_URL", db)
        .env("INTERVIEWD_SIMULATOR_TURN_MS", turn_ms.to_string())
        .env("INTERVIEWD_ENGINE_LEASE_MS", LEASE_MS.to_string())
        .env("INTERVIEWD_ENGINE_POLL_MS", "50")
        .env("INTERVIEWD_CALL_MAX_RETRIES", "2")
        .env("INTERVIEWD_CALL_RETRY_DELAY_MS", "50")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Proc(child)
}

async fn counts(db: &Db) -> (i64, i64, i64) {
    let one = |sql: &'static str| async move {
        on_db!(db, |s| sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(s.pool())
            .await
            .unwrap())
    };
    (
        one("SELECT COUNT(*) FROM call_attempts WHERE status = 'IN_PROGRESS'").await,
        one("SELECT COUNT(*) FROM company_slots WHERE holder_attempt_id IS NOT NULL").await,
        one("SELECT COUNT(*) FROM interviews WHERE status NOT IN ('COMPLETED', 'FAILED')").await,
    )
}

async fn wait_db(db: &Db, what: &str, done: impl Fn((i64, i64, i64)) -> bool) -> (i64, i64, i64) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = counts(db).await;
        if done(now) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_killed_process_leaves_nothing_stuck() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let database = crate::support::database(&data).await;
    let config = Config {
        data_dir: data.clone(),
        database_url: Some(database.url.clone()),
        ..Config::default()
    };
    let store = interviewd::open_store(&config).await.unwrap();
    let mut keys = Vec::new();
    for (name, limit) in [("Two", 2), ("Three", 3)] {
        let (_, key) = company_with_key(&store, name, Plan::Business, Some(limit)).await;
        keys.push(key);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");
    // Slow calls: about 2.4 s each (ring + 5 turns of 400 ms).
    let server = spawn(&data, &database.url, &["serve", "--listen", &listen], 400);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + WAIT;
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (n, key) in keys.iter().enumerate() {
        let post = |path: &str, body: Value| {
            http.post(format!("{base}{path}"))
                .bearer_auth(key)
                .json(&body)
                .send()
        };
        let job: Value = post("/v1/jobs", json!({ "title": "Engineer" }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let agent: Value = post("/v1/agents", json!({ "name": "Screener" }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let candidate: Value = post(
            "/v1/candidates",
            json!({ "firstName": "Kai", "phoneNumber": format!("+1415555030{n}"), "jobId": job["data"]["id"] }),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        for _ in 0..4 {
            let r = post(
                "/v1/interviews",
                json!({ "candidateId": candidate["id"], "agentId": agent["id"] }),
            )
            .await
            .unwrap();
            assert_eq!(r.status(), 201);
        }
    }
    let db = crate::support::connect_db(&config.database_url()).await;
    // Every slot (2 + 3) is live, then the process dies without a word.
    wait_db(&db, "five live calls", |(live, held, _)| {
        live == 5 && held == 5
    })
    .await;
    drop(server);
    let killed: Vec<uuid::Uuid> = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT id FROM call_attempts WHERE status = 'IN_PROGRESS'"
    )
    .fetch_all(s.pool())
    .await
    .unwrap());
    assert_eq!(
        counts(&db).await.0,
        5,
        "the dead process's attempts are still IN_PROGRESS"
    );
    let lease_end: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT MIN(lease_until) FROM call_attempts WHERE status = 'IN_PROGRESS'",
    )
    .fetch_one(s.pool())
    .await
    .unwrap());

    // A worker alone (no HTTP) takes over once the leases have run out.
    let _worker = spawn(&data, &database.url, &["worker"], 0);
    let (live, held, open) = wait_db(&db, "the queue to drain", |(live, held, open)| {
        live == 0 && held == 0 && open == 0
    })
    .await;
    assert_eq!((live, held, open), (0, 0, 0));
    for attempt in killed {
        let (status, reason, ended): (String, Option<String>, i64) = on_db!(&db, |s| {
            sqlx::query_as("SELECT status, reason_code, ended_at FROM call_attempts WHERE id = $1")
                .bind(attempt)
                .fetch_one(s.pool())
                .await
                .unwrap()
        });
        assert_eq!(
            (status.as_str(), reason.as_deref()),
            ("FAILED", Some("LEASE_EXPIRED"))
        );
        assert!(ended > lease_end, "reaped only after its lease ran out");
    }
    let statuses: Vec<String> =
        on_db!(&db, |s| sqlx::query_scalar("SELECT status FROM interviews")
            .fetch_all(s.pool())
            .await
            .unwrap());
    assert_eq!(statuses.len(), 8);
    assert!(statuses.iter().all(|s| s == "COMPLETED"), "{statuses:?}");
    let retried: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM call_attempts WHERE retry_number = 1 AND status = 'COMPLETED'",
    )
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(retried, 5);
}
