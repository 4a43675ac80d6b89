//! `kill -9` of one of two processes during live calls (PostgreSQL run only): the dead
//! process's leases run out, the survivor reaps its attempts (`LEASE_EXPIRED`), takes its
//! slots back and places the retries; nothing stays IN_PROGRESS, nothing is lost, and no
//! company is above its limit at any moment.

use crate::multinode_support::{Node, Sampler, Setup, WAIT, fixture, interview};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_leaves_nothing_stuck() {
    let database = crate::pg_cluster::database().await;
    let setup = Setup::new(&database.url).await;
    // Calls of about two seconds, so the kill lands while they are live.
    let slow = [("INTERVIEWD_SIMULATOR_TURN_MS", "300")];
    let a = Node::serve("a", &setup.url, &setup.data, &slow).await;
    let mut w = Node::worker("w", &setup.url, &setup.data, &slow).await;
    let companies = [
        setup.company("Two", 2).await,
        setup.company("Three", 3).await,
    ];
    let sampler = Sampler::start(&setup.pool, &companies);
    for (n, company) in companies.iter().enumerate() {
        let client = a.client(&company.key);
        let (agent, candidate) = fixture(&client, n).await;
        for _ in 0..4 {
            interview(&client, &agent, &candidate, None).await;
        }
    }
    // Wait until the worker holds live calls, then kill it without a word.
    let prefix = format!("{}%", w.owner_prefix());
    let deadline = Instant::now() + WAIT;
    let held = || {
        sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT id FROM call_attempts WHERE status = 'IN_PROGRESS' AND lease_owner LIKE $1",
        )
        .bind(&prefix)
        .fetch_all(&setup.pool)
    };
    while held().await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the worker never took a call");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    w.kill();
    // What it held then stays IN_PROGRESS: only the lease says the calls are dead.
    let stranded = held().await.unwrap();
    assert!(!stranded.is_empty(), "the kill missed every live call");

    setup.wait_drained().await;
    let samples = sampler.finish().await;
    assert!(
        samples.violations.is_empty(),
        "limits exceeded: {:?}",
        samples.violations
    );
    for id in &stranded {
        let (status, reason): (String, Option<String>) =
            sqlx::query_as("SELECT status, reason_code FROM call_attempts WHERE id = $1")
                .bind(id)
                .fetch_one(&setup.pool)
                .await
                .unwrap();
        assert_eq!(
            (status.as_str(), reason.as_deref()),
            ("FAILED", Some("LEASE_EXPIRED"))
        );
    }
    // Every interview completed; each stranded call was retried once and completed.
    let completed = setup
        .count("SELECT COUNT(*) FROM interviews WHERE status = 'COMPLETED'")
        .await;
    assert_eq!(completed, 8);
    let retried = setup
        .count("SELECT COUNT(*) FROM call_attempts WHERE retry_number = 1 AND status = 'COMPLETED'")
        .await;
    assert_eq!(retried, i64::try_from(stranded.len()).unwrap());
    setup.assert_dialled_once().await;
    drop(a);
}
