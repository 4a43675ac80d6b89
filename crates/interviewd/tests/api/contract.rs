//! The storage contract: behaviour every backend must show, written against the `Store`
//! trait only. Each check takes a fresh, migrated store of every backend (`backends()`).

use chrono::{Duration, Utc};
use interviewd::store::postgres::PgStore;
use interviewd::store::removal::{RemovalRequest, RemovalScope, RevokeOutcome, RevokeRequest};
use interviewd::store::sqlite::SqliteStore;
use interviewd::store::{
    CandidateFilter, CompanyScope, ContactKey, Created, DynStore, InterviewFilter, JobFilter,
    NewInterview, ResourceKind, StoreError,
};
use interviewd_domain::model::{Agent, ApiKey, Candidate, Company, Job, KeyKind};
use interviewd_domain::*;
use serde_json::Map;
use std::sync::Arc;
use tempfile::TempDir;

/// What keeps a backend's database alive for a check: SQLite's temp dir, or the PostgreSQL
/// test database (dropped with it).
enum Keep {
    #[allow(dead_code)]
    Dir(TempDir),
    #[allow(dead_code)]
    Database(crate::pg_cluster::TestDatabase),
}

/// A fresh, migrated store of each backend: SQLite and PostgreSQL.
async fn backends() -> Vec<(&'static str, DynStore, Keep)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let sqlite: DynStore = Arc::new(SqliteStore::connect(&url).await.unwrap());
    sqlite.migrate().await.unwrap();
    let database = crate::pg_cluster::database().await;
    let postgres: DynStore = Arc::new(PgStore::connect(&database.url, 4).await.unwrap());
    postgres.migrate().await.unwrap();
    vec![
        ("sqlite", sqlite, Keep::Dir(dir)),
        ("postgres", postgres, Keep::Database(database)),
    ]
}

fn company(name: &str) -> Company {
    let now = Utc::now();
    Company {
        id: CompanyId::new(),
        number: 0,
        name: name.into(),
        description: None,
        owner_email: None,
        metadata: Map::new(),
        plan: Plan::Business,
        plan_changed_at: None,
        concurrency_limit: 2,
        created_at: now,
        updated_at: now,
    }
}

fn job(company: CompanyId, title: &str) -> Job {
    let now = Utc::now();
    Job {
        id: JobId::new(),
        number: 0,
        company_id: company,
        title: title.into(),
        description: None,
        status: "OPEN".into(),
        required_skills: vec!["Rust".into()],
        nice_to_have_skills: vec![],
        agent_id: None,
        attrs: Map::new(),
        created_at: now,
        updated_at: now,
    }
}

fn agent(company: CompanyId, channel: AgentChannel) -> Agent {
    let now = Utc::now();
    Agent {
        id: AgentId::new(),
        number: 0,
        company_id: company,
        name: "Screener".into(),
        channel,
        focus: "SCREENING".into(),
        language: "EN".into(),
        duration_minutes: 15,
        questions: vec!["Why Rust?".into()],
        instructions: None,
        attrs: Map::new(),
        created_at: now,
        updated_at: now,
    }
}

fn candidate(company: CompanyId, email: &str, phone: &str) -> Candidate {
    let now = Utc::now();
    Candidate {
        id: CandidateId::new(),
        number: 0,
        company_id: company,
        first_name: Some("Ann".into()),
        last_name: None,
        email: Some(Email::parse(email).unwrap()),
        phone: Some(PhoneNumber::parse(phone).unwrap()),
        ext_id: None,
        status: "APPLIED".into(),
        gdpr_expiry_date: None,
        metadata: Map::new(),
        custom_fields: vec![],
        job_ids: vec![],
        created_at: now,
        updated_at: now,
    }
}

/// A job, an agent on `channel` and a candidate (Ann) of the company.
async fn parties(
    store: &DynStore,
    company: CompanyId,
    channel: AgentChannel,
) -> (Job, Agent, Candidate) {
    let j = store
        .insert_job(&job(company, "Backend Engineer"))
        .await
        .unwrap();
    let a = store.insert_agent(&agent(company, channel)).await.unwrap();
    let c = store
        .insert_candidate(&candidate(company, "ann@example.com", "+14155550100"))
        .await
        .unwrap();
    (j, a, c)
}

async fn interview(
    store: &DynStore,
    c: &Candidate,
    j: &Job,
    a: &Agent,
    at: chrono::DateTime<Utc>,
) -> interviewd_domain::model::Interview {
    let planned = interviewd::core::interviews::plan(interviewd::core::interviews::InterviewSpec {
        company: c.company_id,
        candidate: c.id,
        job: Some(j.id),
        agent: a,
        scheduled_at: at,
        is_test: false,
        metadata: Map::new(),
        invite_starts_at: None,
        invite_expires_at: None,
        custom_field_id: Some("cf-1".into()),
        now: Utc::now(),
    })
    .unwrap();
    match store
        .create_interview(&NewInterview {
            new_job: None,
            new_agent: None,
            new_candidate: None,
            changed_candidate: None,
            link_candidate_to_job: Some((c.id, j.id)),
            interview: planned.interview,
            first_attempt: planned.first_attempt,
            events: vec![planned.event],
            mail: None,
            quota: None,
            unless_open_on_job: false,
        })
        .await
        .unwrap()
    {
        Created::Interview(interview) => interview,
        other => panic!("not created: {other:?}"),
    }
}

#[tokio::test]
async fn companies_and_keys() {
    for (name, store, _dir) in backends().await {
        let acme = store.create_company(&company("Acme"), None).await.unwrap();
        assert!(acme.number > 0, "{name}");
        let key = ApiKey {
            id: KeyId::new(),
            name: Some("k".into()),
            prefix: "sk_abc".into(),
            kind: KeyKind::Ats,
            company_id: None,
            scopes: ScopeSet::parse_list("read:jobs,delete:interviews").unwrap(),
            expires_at: None,
            revoked_at: None,
            created_at: Utc::now(),
            managed_companies: vec![acme.id],
        };
        store.create_key(&key, b"hash-1").await.unwrap();
        let (found, hash) = store.find_key(b"hash-1").await.unwrap().unwrap();
        assert_eq!(hash, b"hash-1");
        assert_eq!(found.managed_companies, vec![acme.id]);
        assert!(found.scopes.contains(Scope::DeleteInterviews));
        assert!(store.find_key(b"other").await.unwrap().is_none());
        let managed = store
            .create_company(&company("Client"), Some(key.id))
            .await
            .unwrap();
        let page = store
            .list_companies(
                &CompanyScope::ManagedBy(key.id),
                PageRequest { page: 1, limit: 10 },
            )
            .await
            .unwrap();
        assert_eq!(page.total, 2, "{name}");
        assert!(page.items.iter().any(|c| c.id == managed.id));
        let changed = store
            .set_plan(acme.id, Plan::Scale, Utc::now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(changed.plan, Plan::Scale);
        assert!(changed.plan_changed_at.is_some());
        assert!(store.revoke_key(key.id, Utc::now()).await.unwrap());
        assert!(
            store
                .find_key(b"hash-1")
                .await
                .unwrap()
                .unwrap()
                .0
                .revoked_at
                .is_some()
        );
        assert!(!store.revoke_key(KeyId::new(), Utc::now()).await.unwrap());
    }
}

#[tokio::test]
async fn resources_are_scoped_by_company() {
    for (name, store, _dir) in backends().await {
        let acme = store.create_company(&company("Acme"), None).await.unwrap();
        let beta = store.create_company(&company("Beta"), None).await.unwrap();
        let j = store
            .insert_job(&job(acme.id, "Backend Engineer"))
            .await
            .unwrap();
        assert!(store.get_job(acme.id, j.id).await.unwrap().is_some());
        assert!(
            store.get_job(beta.id, j.id).await.unwrap().is_none(),
            "{name}: no cross-company read"
        );
        assert_eq!(
            store
                .owner_of(ResourceKind::Job, j.id.uuid())
                .await
                .unwrap(),
            Some(acme.id)
        );
        assert_eq!(
            store
                .owner_of(ResourceKind::Job, uuid::Uuid::now_v7())
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .list_jobs(
                    beta.id,
                    &JobFilter::default(),
                    PageRequest { page: 1, limit: 20 }
                )
                .await
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            store
                .job_by_number(acme.id, j.number)
                .await
                .unwrap()
                .map(|j| j.id),
            Some(j.id)
        );
        assert!(
            store
                .job_by_number(beta.id, j.number)
                .await
                .unwrap()
                .is_none()
        );
        let a = store
            .insert_agent(&agent(acme.id, AgentChannel::Phone))
            .await
            .unwrap();
        assert!(store.get_agent(beta.id, a.id).await.unwrap().is_none());
        assert!(store.delete_agent(acme.id, a.id, Utc::now()).await.unwrap());
        assert!(
            store.get_agent(acme.id, a.id).await.unwrap().is_none(),
            "deleted agents are hidden"
        );
        let mut c = candidate(acme.id, "ann@example.com", "+14155550100");
        c.job_ids = vec![j.id];
        let c = store.insert_candidate(&c).await.unwrap();
        assert!(store.get_candidate(beta.id, c.id).await.unwrap().is_none());
        let filter = CandidateFilter {
            job_id: Some(j.id),
            status: None,
            search: Some("an".into()),
        };
        assert_eq!(
            store
                .list_candidates(acme.id, &filter, PageRequest { page: 1, limit: 20 })
                .await
                .unwrap()
                .total,
            1
        );
        let found = store
            .find_candidate(
                acme.id,
                &ContactKey::Phone(PhoneNumber::parse("+1 (415) 555-0100").unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(found.map(|f| f.id), Some(c.id));
        assert!(
            store
                .find_candidate(
                    beta.id,
                    &ContactKey::Email(Email::parse("ann@example.com").unwrap())
                )
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn uniqueness_names_the_field() {
    for (name, store, _dir) in backends().await {
        let acme = store.create_company(&company("Acme"), None).await.unwrap();
        let beta = store.create_company(&company("Beta"), None).await.unwrap();
        store
            .insert_candidate(&candidate(acme.id, "ann@example.com", "+14155550100"))
            .await
            .unwrap();
        let dup = store
            .insert_candidate(&candidate(acme.id, "ann@example.com", "+14155550101"))
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { field: "email" })),
            "{name}: {dup:?}"
        );
        let dup = store
            .insert_candidate(&candidate(acme.id, "bob@example.com", "+14155550100"))
            .await;
        assert!(
            matches!(
                dup,
                Err(StoreError::Conflict {
                    field: "phoneNumber"
                })
            ),
            "{name}: {dup:?}"
        );
        store
            .insert_candidate(&candidate(beta.id, "ann@example.com", "+14155550100"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn cursor_listing_is_stable() {
    for (_name, store, _dir) in backends().await {
        let acme = store.create_company(&company("Acme"), None).await.unwrap();
        for i in 0..5 {
            store
                .insert_candidate(&candidate(
                    acme.id,
                    &format!("p{i}@example.com"),
                    &format!("+1415555020{i}"),
                ))
                .await
                .unwrap();
        }
        let first = store.candidates_after(acme.id, 0, 3).await.unwrap();
        let rest = store
            .candidates_after(acme.id, first.last().unwrap().number, 3)
            .await
            .unwrap();
        assert_eq!(first.len() + rest.len(), 5);
        assert!(
            first
                .iter()
                .all(|a| rest.iter().all(|b| a.number < b.number))
        );
    }
}

#[tokio::test]
async fn interviews_are_created_whole_and_removed_whole() {
    for (name, store, _dir) in backends().await {
        let acme = store.create_company(&company("Acme"), None).await.unwrap();
        let (j, a, c) = parties(&store, acme.id, AgentChannel::Phone).await;
        let later = Utc::now() + Duration::days(1);
        let i = interview(&store, &c, &j, &a, later).await;
        let detail = store.get_interview(acme.id, i.id).await.unwrap().unwrap();
        assert_eq!(
            detail.attempts.len(),
            1,
            "{name}: a phone interview starts with one attempt"
        );
        assert_eq!(detail.attempts[0].status, AttemptStatus::Scheduled);
        assert_eq!(
            store
                .get_candidate(acme.id, c.id)
                .await
                .unwrap()
                .unwrap()
                .job_ids,
            vec![j.id]
        );
        assert_eq!(
            store
                .interview_by_number(acme.id, i.number)
                .await
                .unwrap()
                .map(|d| d.interview.id),
            Some(i.id)
        );
        assert_eq!(
            store
                .interview_by_custom_field(acme.id, "cf-1")
                .await
                .unwrap()
                .map(|d| d.interview.id),
            Some(i.id)
        );
        assert_eq!(store.open_invites(acme.id).await.unwrap(), 1);
        let filter = InterviewFilter {
            candidate_id: Some(c.id),
            status: Some(InterviewStatus::Scheduled),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_interviews(acme.id, &filter, PageRequest { page: 1, limit: 20 })
                .await
                .unwrap()
                .total,
            1
        );

        // The removal is one transaction; an injected failure before commit leaves it all.
        let request = RemovalRequest {
            company: acme.id,
            actor: None,
            action: "interview.delete",
            scope: RemovalScope::CandidateOnJob {
                candidate: c.id,
                job: j.id,
            },
            now: Utc::now(),
        };
        store.faults().arm("remove.before_commit");
        assert!(store.remove_interviews(&request).await.is_err());
        store.faults().disarm("remove.before_commit");
        assert!(
            store.get_interview(acme.id, i.id).await.unwrap().is_some(),
            "{name}: nothing half done"
        );
        let report = store.remove_interviews(&request).await.unwrap();
        assert_eq!(report.interviews, vec![i.id]);
        assert_eq!(report.cancelled_attempts, 1);
        assert!(store.get_interview(acme.id, i.id).await.unwrap().is_none());
        assert!(
            store
                .get_candidate(acme.id, c.id)
                .await
                .unwrap()
                .unwrap()
                .job_ids
                .is_empty(),
            "unlinked, kept"
        );
        let again = store.remove_interviews(&request).await.unwrap();
        assert!(again.interviews.is_empty());
    }
}

#[tokio::test]
async fn revoke_decides_inside_its_transaction() {
    for (name, store, _dir) in backends().await {
        let acme = store.create_company(&company("Acme"), None).await.unwrap();
        let (j, a, c) = parties(&store, acme.id, AgentChannel::Online).await;
        let i = interview(&store, &c, &j, &a, Utc::now()).await;
        let req = |notify| RevokeRequest {
            company: acme.id,
            actor: None,
            response_id: i.number,
            notify,
            now: Utc::now(),
        };
        let other = store.create_company(&company("Beta"), None).await.unwrap();
        let foreign = RevokeRequest {
            company: other.id,
            ..req(false)
        };
        assert_eq!(
            store.revoke_invite(&foreign, None).await.unwrap(),
            RevokeOutcome::NotFound,
            "{name}"
        );
        store.faults().arm("revoke.before_commit");
        assert!(store.revoke_invite(&req(false), None).await.is_err());
        store.faults().disarm("revoke.before_commit");
        assert_eq!(
            store.revoke_invite(&req(false), None).await.unwrap(),
            RevokeOutcome::Revoked
        );
        assert_eq!(
            store.revoke_invite(&req(false), None).await.unwrap(),
            RevokeOutcome::AlreadyRevoked
        );
        let d = store.get_interview(acme.id, i.id).await.unwrap().unwrap();
        assert_eq!(d.interview.status, InterviewStatus::Canceled);
        assert!(d.interview.invite.revoked_at.is_some());
        assert_eq!(
            store.open_invites(acme.id).await.unwrap(),
            0,
            "the invite returned to the quota"
        );
        // Sent before a plan change → not allowed, with the change time.
        let second = interview(&store, &c, &j, &a, Utc::now()).await;
        let changed = store
            .set_plan(acme.id, Plan::Scale, Utc::now() + Duration::seconds(1))
            .await
            .unwrap()
            .unwrap();
        let r = RevokeRequest {
            response_id: second.number,
            ..req(false)
        };
        match store.revoke_invite(&r, None).await.unwrap() {
            RevokeOutcome::NotAllowedPlanChange(at) => {
                assert_eq!(
                    at.timestamp_millis(),
                    changed.plan_changed_at.unwrap().timestamp_millis()
                )
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
