//! Several `interviewd` processes on one PostgreSQL database (compiled into the PostgreSQL run
//! only): two `serve` processes, and a `serve` with a `worker`, share the queue, the slots
//! and the leases. A sampler reads the slot table all along: no company is ever above its
//! limit across processes; every dialled attempt was claimed exactly once and ended exactly
//! once (its fence is 2); deletions and revocations sent to either process behave as on one.

use crate::multinode_support::{
    Co, Node, Sampler, Samples, Setup, WAIT, fixture, interview, xobin,
};
use crate::support::Client;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

/// Runs the load of the two-process tests: per company, interviews created alternately
/// through each serve node (`clients`), plus a Xobin generation, invite and revoke, and
/// deletions, each sent to a node other than the one that created it.
async fn shared_queue(setup: &Setup, serves: &[&Node], per_company: usize) -> Samples {
    let companies = [
        setup.company("One", 1).await,
        setup.company("Two", 2).await,
        setup.company("Three", 3).await,
    ];
    let sampler = Sampler::start(&setup.pool, &companies);
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let mut deleted = Vec::new();
    for (n, company) in companies.iter().enumerate() {
        let clients: Vec<Client> = serves.iter().map(|s| s.client(&company.key)).collect();
        let (agent, candidate) = fixture(&clients[0], n).await;
        for i in 0..per_company {
            interview(&clients[i % clients.len()], &agent, &candidate, None).await;
        }
        // Created on one node, deleted through the other: gone everywhere, never dialled.
        let doomed = interview(&clients[0], &agent, &candidate, Some(&later)).await;
        let other = clients.last().unwrap();
        other
            .delete(&format!("/v1/interviews/{doomed}"))
            .await
            .expect(200);
        for client in &clients {
            client
                .get(&format!("/v1/interviews/{doomed}"))
                .await
                .expect(404);
        }
        other
            .delete(&format!("/v1/interviews/{doomed}"))
            .await
            .expect(404);
        deleted.push(doomed);
    }
    revoke_across(serves, &companies[2]).await;
    setup.wait_drained().await;
    let samples = sampler.finish().await;
    assert!(samples.rounds > 10, "the sampler barely ran: {samples:?}");
    assert!(
        samples.violations.is_empty(),
        "limits exceeded: {:?}",
        samples.violations
    );
    for company in &companies {
        assert!(samples.peak.get(&company.id).copied().unwrap_or(0) <= company.limit);
    }
    setup.assert_dialled_once().await;
    let completed = setup
        .count("SELECT COUNT(*) FROM interviews WHERE status = 'COMPLETED'")
        .await;
    assert_eq!(completed, i64::try_from(3 * per_company).unwrap());
    for id in deleted {
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM call_attempts WHERE interview_id = $1")
                .bind(id.parse::<uuid::Uuid>().unwrap())
                .fetch_one(&setup.pool)
                .await
                .unwrap();
        assert_eq!(rows, 0);
    }
    for node in serves {
        let concurrency = node
            .client(&companies[0].key)
            .get("/v1/concurrency")
            .await
            .expect(200);
        assert_eq!(concurrency.body["inUse"], 0);
    }
    samples
}

/// A Xobin invite created on the first node and revoked through the last; the first then
/// sees it revoked, and its link is gone.
async fn revoke_across(serves: &[&Node], company: &Co) {
    let (first, last) = (
        serves[0].base.clone().unwrap(),
        serves[serves.len() - 1].base.clone().unwrap(),
    );
    let queued = xobin(
        &last,
        &company.key,
        Method::POST,
        "/ai-interviews/generate-interview",
        Some(json!({ "job_role": "Backend Engineer", "job_description": "- Build APIs in Rust." })),
    )
    .await
    .expect(202)
    .str("/job_id");
    let deadline = Instant::now() + WAIT;
    let ai = loop {
        let status = xobin(
            &first,
            &company.key,
            Method::GET,
            &format!("/ai-interviews/generate-interview/{queued}"),
            None,
        )
        .await
        .expect(200);
        if let Some(id) = status.body["ai_interview_id"].as_i64() {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "generation never completed: {}",
            status.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let invite = xobin(
        &first,
        &company.key,
        Method::POST,
        "/ai-interviews/invite",
        Some(json!({ "candidate_name": "Ann Lee", "candidate_email": "ann@example.com", "ai_interview_id": ai, "invite_format": "getlink" })),
    )
    .await
    .expect(200);
    let response_id = invite.body["response_id"].as_i64().unwrap();
    let link = invite.str("/invite_link");
    let revoke = |base: String| {
        let key = company.key.clone();
        async move {
            xobin(
                &base,
                &key,
                Method::PATCH,
                "/ai-interviews/invite/revoke",
                Some(json!({ "response_id": response_id })),
            )
            .await
            .expect(200)
            .body
        }
    };
    assert_eq!(revoke(last.clone()).await["status"], "REVOKED");
    assert_eq!(revoke(first.clone()).await["status"], "ALREADY_REVOKED");
    let path = link.trim_start_matches(first.as_str()).to_owned();
    Client::bearer(&first, "")
        .with_header_auth(None)
        .get(&path)
        .await
        .expect(410);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_the_queue_the_slots_and_the_removals() {
    let database = crate::pg_cluster::database().await;
    let setup = Setup::new(&database.url).await;
    let a = Node::serve("a", &setup.url, &setup.data, &[]).await;
    let b = Node::serve("b", &setup.url, &setup.data, &[]).await;
    let owners = shared_queue(&setup, &[&a, &b], 8).await.owners;
    for node in [&a, &b] {
        assert!(
            owners.iter().any(|o| o.starts_with(&node.owner_prefix())),
            "node {} dialled nothing: {owners:?}",
            node.name
        );
    }
}

/// A server and a worker. The dispatchers poll only every 10 s and leases are long, so the
/// worker can take calls within the run only when the database's notifications wake it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_and_a_worker_share_the_queue_woken_by_notifications() {
    let database = crate::pg_cluster::database().await;
    let setup = Setup::new(&database.url).await;
    let slow_poll = [
        ("INTERVIEWD_ENGINE_POLL_MS", "10000"),
        ("INTERVIEWD_ENGINE_LEASE_MS", "60000"),
    ];
    let a = Node::serve("a", &setup.url, &setup.data, &slow_poll).await;
    let w = Node::worker("w", &setup.url, &setup.data, &slow_poll).await;
    let started = Instant::now();
    let owners = shared_queue(&setup, &[&a], 8).await.owners;
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "the run outlasted a poll interval; wake-ups did not work"
    );
    assert!(
        owners.iter().any(|o| o.starts_with(&w.owner_prefix())),
        "the worker dialled nothing: {owners:?}"
    );
    assert!(
        owners.iter().any(|o| o.starts_with(&a.owner_prefix())),
        "{owners:?}"
    );
}

/// Nodes keep the company keys they looked up (src/store/key_cache.rs). A key revoked by
/// another process (here the test's own store, as `interviewd admin keys revoke` does) is
/// refused by every node once the database announces the change. With the announcement held
/// back, node A still accepts it from its copy, which shows the copy is used at all, and node
/// B, told to keep no key (`api_key_cache_ms = 0`), refuses it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_revoked_elsewhere_is_refused_by_every_node() {
    let database = crate::pg_cluster::database().await;
    let setup = Setup::new(&database.url).await;
    let a = Node::serve("a", &setup.url, &setup.data, &[]).await;
    let b = Node::serve(
        "b",
        &setup.url,
        &setup.data,
        &[("INTERVIEWD_API_KEY_CACHE_MS", "0")],
    )
    .await;
    let company = setup.company("One", 1).await;
    // A node trusts its copies once its `LISTEN` runs, shortly after it starts serving.
    for _ in 0..5 {
        for node in [&a, &b] {
            node.client(&company.key).get("/v1/jobs").await.expect(200);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let key = setup.store.list_keys().await.unwrap()[0].id.to_string();

    let held_back = |revoked: &'static str| {
        let pool = setup.pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("ALTER TABLE api_keys DISABLE TRIGGER api_keys_changed")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query(revoked).execute(&mut *tx).await.unwrap();
            sqlx::query("ALTER TABLE api_keys ENABLE TRIGGER api_keys_changed")
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    };
    held_back("UPDATE api_keys SET revoked_at = 0").await;
    a.client(&company.key).get("/v1/jobs").await.expect(200);
    b.client(&company.key).get("/v1/jobs").await.expect(401);
    held_back("UPDATE api_keys SET revoked_at = NULL").await;

    interviewd::admin::revoke_key(&setup.store, &key)
        .await
        .unwrap();
    for node in [&a, &b] {
        let deadline = Instant::now() + WAIT;
        loop {
            let res = node.client(&company.key).get("/v1/jobs").await;
            if res.status == 401 {
                assert!(res.text.contains("revoked"), "{}", res.text);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "node {} still accepts a revoked key",
                node.name
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
