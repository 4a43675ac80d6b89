//! A crash (SIGKILL of the real binary) with deliveries in flight loses nothing: after a
//! restart every message arrives, with the `webhook-id` it had before the crash.

use crate::support::TestServer;
use crate::webhooks_support::{WAIT, endpoint, fast, insert_event};
use interviewd::store::events::kinds;
use interviewd_domain::Plan;
use interviewd_notify::SigningSecret;
use interviewd_notify::testing::{ScriptedResponse, TestWebhookReceiver};
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn kill_minus_nine_then_restart_delivers_every_message() {
    let (dir, mut config, _database) = crate::support::scratch().await;
    fast(&mut config);

    // The receiver holds each request long enough for the kill to land mid-attempt.
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.set_default(ScriptedResponse::status(200).with_delay(Duration::from_secs(30)));

    let store = interviewd::open_store(&config).await.unwrap();
    let company = interviewd::admin::create_company(&store, "Acme", Plan::Business, None)
        .await
        .unwrap();
    let secret = SigningSecret::generate().unwrap().to_string();
    let url = receiver.url("/crash");
    store
        .insert_webhook(&endpoint(
            company.id,
            url,
            &[kinds::INVITE_REVOKED],
            secret,
            1_000,
        ))
        .await
        .unwrap();
    let db = crate::support::connect_db(&config.database_url()).await;
    for n in 0..3 {
        insert_event(
            &db,
            &company.id.to_string(),
            None,
            kinds::INVITE_REVOKED,
            json!({ "n": n }),
        )
        .await;
    }

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_interviewd"))
        .arg("serve")
        .env("INTERVIEWD_CONFIG", dir.path().join("none.toml"))
        .env("INTERVIEWD_LISTEN", "127.0.0.1:0")
        .env("INTERVIEWD_DATA_DIR", &config.data_dir)
        .env("INTERVIEWD_DATABASE_URL", config.database_url())
        .env("INTERVIEWD_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("INTERVIEWD_WEBHOOK_RETRY_SCALE", "0.0001")
        .env("INTERVIEWD_DELIVERY_POLL_MS", "20")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let in_flight = receiver.wait_for(3, WAIT).await;
    let before: HashSet<String> = in_flight
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(before.len(), 3, "three messages mid-attempt");
    child.kill().await.unwrap(); // SIGKILL: no shutdown path runs.

    let cut = receiver.requests().len();
    receiver.set_default(ScriptedResponse::status(200));
    let server = TestServer::boot(config, dir).await;
    // The leases (timeout + margin, about 6 s) must expire first.
    let deadline = Instant::now() + WAIT + Duration::from_secs(10);
    loop {
        let after: HashSet<String> = receiver.requests()[cut..]
            .iter()
            .map(|r| r.header("webhook-id").unwrap().to_owned())
            .collect();
        if before.is_subset(&after) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "lost: {:?}",
            before.difference(&after)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server);
}
