//! Concurrency slots under load: many interviews across companies with different limits,
//! sampled continuously; no company may ever be seen above its limit.

use crate::engine::{concurrency, db, eventually, fast, wait_slots_free};
use crate::support::{Client, Db, TestServer, fixture, on_db};
use interviewd_domain::Plan;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const PER_COMPANY: usize = 8;

/// Live sessions per company, as the database sees them: IN_PROGRESS attempts and held slots.
async fn sample(db: &Db) -> (HashMap<String, i64>, HashMap<String, i64>) {
    let live: Vec<(uuid::Uuid, i64)> = on_db!(db, |s| {
        sqlx::query_as(
        "SELECT company_id, COUNT(*) FROM call_attempts WHERE status = 'IN_PROGRESS' GROUP BY company_id",
    )
    .fetch_all(s.pool())
    .await
    .unwrap()
    });
    let held: Vec<(uuid::Uuid, i64)> = on_db!(db, |s| {
        sqlx::query_as(
        "SELECT company_id, COUNT(*) FROM company_slots WHERE holder_attempt_id IS NOT NULL GROUP BY company_id",
    )
    .fetch_all(s.pool())
    .await
    .unwrap()
    });
    let map =
        |rows: Vec<(uuid::Uuid, i64)>| rows.into_iter().map(|(c, n)| (c.to_string(), n)).collect();
    (map(live), map(held))
}

async fn statuses(client: &Client) -> Vec<String> {
    let body = client
        .get("/v1/interviews?limit=100")
        .await
        .expect(200)
        .body;
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_company_is_ever_above_its_limit() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.simulator_turn_ms = 25;
    })
    .await;
    never_above_the_limit(&server).await;
}

/// The same with every call placed through the fake carrier (ConversationRelay).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_company_is_ever_above_its_limit_with_carrier_calls() {
    use interviewd_carrier::testing::{Caller, FakeCarrier, Script};
    let fake = FakeCarrier::start().await.unwrap();
    fake.default_script(Script::Talk(Caller {
        answer_delay: Duration::from_millis(20),
        ..Caller::default()
    }));
    let server = TestServer::start_with(crate::carrier::with_carrier(&fake)).await;
    never_above_the_limit(&server).await;
    assert_eq!(fake.state().created.len(), 3 * PER_COMPANY);
}

/// Queues interviews for three companies with limits 1, 2 and 3 and samples the live
/// sessions until every interview completed.
async fn never_above_the_limit(server: &TestServer) {
    let mut companies = Vec::new();
    for (n, limit) in [1_u32, 2, 3].into_iter().enumerate() {
        let company = server
            .company_on(&format!("Co {n}"), Plan::Business, Some(limit))
            .await;
        companies.push((company, i64::from(limit)));
    }
    let db = Arc::new(db(server).await);
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut peak: HashMap<String, i64> = HashMap::new();
            let mut samples = 0_u64;
            while !stop.load(Ordering::SeqCst) {
                let (live, held) = sample(&db).await;
                for (company, n) in live.into_iter().chain(held) {
                    let p = peak.entry(company).or_default();
                    *p = (*p).max(n);
                }
                samples += 1;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            (peak, samples)
        })
    };

    let mut clients = Vec::new();
    for (n, (company, _)) in companies.iter().enumerate() {
        let client = server.client(&company.key);
        let f = fixture(
            &client,
            &format!("+1415555020{n}"),
            &format!("c{n}@example.com"),
        )
        .await;
        for _ in 1..PER_COMPANY {
            client
                .new_interview(json!({ "candidateId": f.candidate, "agentId": f.agent }))
                .await;
        }
        clients.push(client);
    }
    // The API's view agrees while the queue drains.
    for _ in 0..20 {
        for (client, (_, limit)) in clients.iter().zip(&companies) {
            let c = concurrency(client).await;
            assert!(c["inUse"].as_i64().unwrap() <= *limit, "{c}");
            assert_eq!(c["limit"], *limit);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for client in &clients {
        eventually("every interview to complete", || async {
            let all = statuses(client).await;
            (all.len() == PER_COMPANY && all.iter().all(|s| s == "COMPLETED")).then_some(())
        })
        .await;
        wait_slots_free(client).await;
    }
    stop.store(true, Ordering::SeqCst);
    let (peak, samples) = sampler.await.unwrap();
    assert!(samples > 20, "the sampler ran {samples} times");
    for (company, limit) in &companies {
        let seen = peak.get(&company.id).copied().unwrap_or(0);
        assert!(
            seen <= *limit,
            "company with limit {limit} had {seen} live sessions"
        );
        assert_eq!(seen, *limit, "the queue should have filled every slot");
    }
}
