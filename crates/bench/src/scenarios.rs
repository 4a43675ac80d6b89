//! The HTTP scenarios: what one operation sends and what answer counts as success.
//!
//! | scenario | request | success |
//! |---|---|---|
//! | `get` | `GET /v1/interviews/{id}` of a COMPLETED interview (20 fragments, analysis) | 200, the same id, 20 fragments |
//! | `create` | `POST /v1/interviews` `{candidateId, agentId}` (a phone interview, due now) | 201 with an id |
//! | `delete` | `DELETE /v1/interviews/{id}` of a COMPLETED interview with 20 fragments, an analysis and a 1 MiB recording | 200 `true` |
//! | `alpharun-remove` | `DELETE /api/v1/job-openings/{job}/interviews` `{"email"}` (Alpharun), the contact's one COMPLETED interview on the opening | 200 `{"success": true}` |
//! | `xobin-revoke` | `PATCH /api/v2/ai-interviews/invite/revoke` `{"response_id", "notify_candidate": true}` of a SCHEDULED interview | 200 `{"status": "REVOKED"}` |
//!
//! `get` and `create` reuse their targets; the others consume one seeded interview each.

use crate::client::{Api, Auth, expect};
use crate::fixtures::{TRANSCRIPT_TURNS, Tenant};
use crate::runner::Op;
use crate::seed::Seeded;
use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A scenario measured over HTTP and against the raw baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    Get,
    Create,
    Delete,
    AlpharunRemove,
    XobinRevoke,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::Get,
        Scenario::Create,
        Scenario::Delete,
        Scenario::AlpharunRemove,
        Scenario::XobinRevoke,
    ];

    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Get => "get",
            Scenario::Create => "create",
            Scenario::Delete => "delete",
            Scenario::AlpharunRemove => "alpharun-remove",
            Scenario::XobinRevoke => "xobin-revoke",
        }
    }

    /// The removals (measured against the minimal erasure too). The revoke erases nothing
    /// but is one of the three operations the goals name.
    pub fn is_removal(self) -> bool {
        matches!(
            self,
            Scenario::Delete | Scenario::AlpharunRemove | Scenario::XobinRevoke
        )
    }

    /// Whether every operation uses up its target (a removed or revoked interview).
    pub fn consumes_targets(self) -> bool {
        matches!(
            self,
            Scenario::Delete | Scenario::AlpharunRemove | Scenario::XobinRevoke
        )
    }

    /// Whether the targets are SCHEDULED interviews rather than COMPLETED ones.
    pub fn needs_scheduled(self) -> bool {
        self == Scenario::XobinRevoke
    }
}

/// The seeded interviews a cell works on, handed out once each (or round-robin when reused).
pub struct Targets {
    items: Vec<Seeded>,
    next: AtomicUsize,
    reuse: bool,
}

impl Targets {
    pub fn new(items: Vec<Seeded>, reuse: bool) -> Arc<Self> {
        Arc::new(Self {
            items,
            next: AtomicUsize::new(0),
            reuse,
        })
    }

    /// The next target; `None` when a consuming cell has used them all.
    pub fn next(&self) -> Option<&Seeded> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        match (self.reuse, self.items.len()) {
            (_, 0) => None,
            (true, n) => self.items.get(i % n),
            (false, _) => self.items.get(i),
        }
    }
}

/// The operation of `scenario` over HTTP, against `targets`.
pub fn http_op(scenario: Scenario, api: Api, tenant: &Tenant, targets: Arc<Targets>) -> Op {
    let (agent, job) = (tenant.agent.to_string(), tenant.job.to_string());
    Arc::new(move || {
        let (api, targets, agent, job) = (api.clone(), targets.clone(), agent.clone(), job.clone());
        Box::pin(async move {
            let target = targets.next().ok_or("no seeded target left")?;
            match scenario {
                Scenario::Get => get(&api, &target.interview).await,
                Scenario::Create => create(&api, &target.candidate, &agent).await,
                Scenario::Delete => delete(&api, &target.interview).await,
                Scenario::AlpharunRemove => remove(&api, &job, &target.email).await,
                Scenario::XobinRevoke => revoke(&api, target.number).await,
            }
        })
    })
}

async fn get(api: &Api, id: &str) -> Result<(), String> {
    let answer = api
        .send(
            Method::GET,
            &format!("/v1/interviews/{id}"),
            None,
            Auth::Bearer,
        )
        .await?;
    expect(&answer, 200, |body| {
        body["id"] == id && body["transcript"].as_array().map(Vec::len) == Some(TRANSCRIPT_TURNS)
    })
}

async fn create(api: &Api, candidate: &str, agent: &str) -> Result<(), String> {
    let body = json!({ "candidateId": candidate, "agentId": agent });
    let answer = api
        .send(Method::POST, "/v1/interviews", Some(&body), Auth::Bearer)
        .await?;
    expect(&answer, 201, |body| {
        body["id"].is_string() && body["status"] == "SCHEDULED"
    })
}

async fn delete(api: &Api, id: &str) -> Result<(), String> {
    let answer = api
        .send(
            Method::DELETE,
            &format!("/v1/interviews/{id}"),
            None,
            Auth::Bearer,
        )
        .await?;
    expect(&answer, 200, |body| *body == Value::Bool(true))
}

async fn remove(api: &Api, job: &str, email: &str) -> Result<(), String> {
    let body = json!({ "email": email });
    let path = format!("/api/v1/job-openings/{job}/interviews");
    let answer = api
        .send(Method::DELETE, &path, Some(&body), Auth::Bearer)
        .await?;
    expect(&answer, 200, |body| body["success"] == true)
}

async fn revoke(api: &Api, number: i64) -> Result<(), String> {
    let body = json!({ "response_id": number, "notify_candidate": true });
    let path = "/api/v2/ai-interviews/invite/revoke";
    let answer = api
        .send(Method::PATCH, path, Some(&body), Auth::ApiKey)
        .await?;
    expect(&answer, 200, |body| body["status"] == "REVOKED")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(n: i64) -> Seeded {
        Seeded {
            interview: format!("i{n}"),
            candidate: format!("c{n}"),
            email: format!("e{n}"),
            number: n,
            recording_key: None,
        }
    }

    #[test]
    fn consumed_targets_run_out_and_reused_ones_cycle() {
        let once = Targets::new(vec![seeded(1), seeded(2)], false);
        assert_eq!(once.next().map(|s| s.number), Some(1));
        assert_eq!(once.next().map(|s| s.number), Some(2));
        assert!(once.next().is_none());
        let cycle = Targets::new(vec![seeded(1), seeded(2)], true);
        let numbers: Vec<i64> = (0..5)
            .filter_map(|_| cycle.next().map(|s| s.number))
            .collect();
        assert_eq!(numbers, vec![1, 2, 1, 2, 1]);
        assert!(Targets::new(vec![], true).next().is_none());
    }
}
