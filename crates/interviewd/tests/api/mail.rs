//! Candidate e-mail: a real SMTP conversation on loopback, the outbox when no SMTP server is
//! configured, retries after a 451, and what happens to mail of a deleted interview.

use crate::support::{Db, TestServer, on_db};
use crate::webhooks_support::{WAIT, db, delete_row, fast, online_interview};

/// A phone interview (no invite e-mail of its own) whose candidate is ann@example.com.
async fn phone_interview(server: &TestServer, key: &str) -> String {
    let client = server.client(key);
    crate::support::fixture(&client, "+14155559990", "ann@example.com")
        .await
        .interview
}
use chrono::Utc;
use interviewd::config::Config;
use interviewd::core::notices::{self as templates, invite_mail, revocation_mail};
use interviewd::store::delivery::NewMail;
use interviewd_domain::{CompanyId, InterviewId};
use interviewd_notify::testing::TestSmtpServer;
use std::time::{Duration, Instant};

fn use_smtp(config: &mut Config, smtp: &TestSmtpServer) {
    fast(config);
    config.smtp_host = Some(smtp.addr().ip().to_string());
    config.smtp_port = Some(smtp.addr().port());
    config.smtp_tls = "none".into();
    config.mail_from = "Acme Hiring <hiring@acme.test>".into();
}

fn invite(company: &str, interview: &str, to: &str) -> NewMail {
    let content = templates::Invite {
        candidate_name: Some("Ann Lee"),
        job_title: Some("Backend Engineer"),
        company_name: "Acme",
        invite_link: "http://127.0.0.1/i/tok123",
        starts_at: None,
        expires_at: None,
        contact: None,
    };
    invite_mail(
        company.parse::<CompanyId>().unwrap(),
        interview.parse::<InterviewId>().unwrap(),
        to,
        &content,
        Utc::now(),
    )
}

pub(crate) fn notice(company: &str, interview: &str, to: &str) -> NewMail {
    let content = templates::Revocation {
        candidate_name: Some("Ann Lee"),
        job_title: Some("Backend Engineer"),
        company_name: "Acme",
    };
    revocation_mail(
        company.parse().unwrap(),
        interview.parse().unwrap(),
        to,
        &content,
        Utc::now(),
    )
}

/// Queues mail inside a transaction, as a write path does.
pub(crate) async fn enqueue(db: &Db, mails: &[&NewMail]) {
    on_db!(db, |store, backend| {
        let mut tx = store.write_tx().await.unwrap();
        for mail in mails {
            backend::delivery::enqueue_mail(&mut tx, mail)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    });
    crate::support::wake_all();
}

async fn wait_status(server: &TestServer, id: uuid::Uuid, want: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let status = server
            .store
            .mail_status(id)
            .await
            .unwrap()
            .map(|s| s.status)
            .unwrap_or_default();
        if status == want || Instant::now() > deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_invite_goes_out_over_smtp() {
    let smtp = TestSmtpServer::start().await.unwrap();
    let server = TestServer::start_with(|c| use_smtp(c, &smtp)).await;
    let acme = server.company("Acme").await;
    let interview = phone_interview(&server, &acme.key).await;
    let mail = invite(&acme.id, &interview, "ann@example.com");
    enqueue(&db(&server).await, &[&mail]).await;

    let got = smtp.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let received = &got[0];
    assert_eq!(received.rcpt_to, ["ann@example.com"]);
    assert_eq!(received.mail_from, "hiring@acme.test");
    assert_eq!(
        received.header("subject").as_deref(),
        Some("Your interview for Backend Engineer at Acme")
    );
    assert!(received.header("to").unwrap().contains("ann@example.com"));
    assert!(received.body().contains("Hello Ann Lee,"));
    assert!(received.body().contains("http://127.0.0.1/i/tok123"));
    assert_eq!(wait_status(&server, mail.id, "SENT").await, "SENT");
}

#[tokio::test]
async fn a_deferred_mail_is_retried() {
    let smtp = TestSmtpServer::start_deferring_first(1).await.unwrap();
    let server = TestServer::start_with(|c| use_smtp(c, &smtp)).await;
    let acme = server.company("Acme").await;
    let interview = phone_interview(&server, &acme.key).await;
    let mail = notice(&acme.id, &interview, "ann@example.com");
    enqueue(&db(&server).await, &[&mail]).await;

    let got = smtp.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(smtp.deferred(), 1, "the first try got a 451");
    assert!(got[0].header("subject").unwrap().contains("was withdrawn"));
    assert_eq!(wait_status(&server, mail.id, "SENT").await, "SENT");
    let status = server.store.mail_status(mail.id).await.unwrap().unwrap();
    assert_eq!(status.attempts, 2);
}

#[tokio::test]
async fn without_smtp_mail_lands_in_the_outbox() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let interview = phone_interview(&server, &acme.key).await;
    let mail = invite(&acme.id, &interview, "ann@example.com");
    enqueue(&db(&server).await, &[&mail]).await;
    assert_eq!(wait_status(&server, mail.id, "SENT").await, "SENT");

    let outbox = server.config.data_dir.join("outbox");
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("To: ann@example.com"), "{text}");
    assert!(text.contains("Subject: Your interview for Backend Engineer at Acme"));
    assert!(text.contains("http://127.0.0.1/i/tok123"));
}

#[tokio::test]
async fn a_deleted_interview_drops_its_invite_but_not_its_revocation_notice() {
    // Every message is deferred once: the two interviews' own invites and the three queued
    // below. The real schedule then waits 5 s, so nothing goes out before the deletions.
    const DEFERRED: usize = 5;
    let smtp = TestSmtpServer::start_deferring_first(DEFERRED)
        .await
        .unwrap();
    let server = TestServer::start_with(|c| {
        use_smtp(c, &smtp);
        c.mail_retry_scale = 1.0;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (purged, _) = online_interview(&client, "a@example.com").await;
    let (unpurged, _) = online_interview(&client, "b@example.com").await;
    let invite_a = invite(&acme.id, &purged, "a@example.com");
    let notice_a = notice(&acme.id, &purged, "a@example.com");
    let invite_b = invite(&acme.id, &unpurged, "b@example.com");
    let db = db(&server).await;
    enqueue(&db, &[&invite_a, &notice_a, &invite_b]).await;
    let deadline = Instant::now() + WAIT;
    while smtp.deferred() < DEFERRED {
        assert!(Instant::now() < deadline, "not all deferred");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The first through the deletion path, which drops its pending invite; the second's row
    // alone, as if it went while its invite was being sent: the worker's own check drops it.
    client
        .delete(&format!("/v1/interviews/{purged}"))
        .await
        .expect(200);
    delete_row(&db, &unpurged).await;
    assert!(
        server
            .store
            .mail_status(invite_a.id)
            .await
            .unwrap()
            .is_none()
    );

    assert_eq!(wait_status(&server, notice_a.id, "SENT").await, "SENT");
    assert_eq!(
        wait_status(&server, invite_b.id, "DROPPED").await,
        "DROPPED"
    );
    let got = smtp.received();
    assert_eq!(got.len(), 1, "only the revocation notice");
    assert!(got[0].header("subject").unwrap().contains("was withdrawn"));
}

#[tokio::test]
async fn scheduling_an_online_interview_e_mails_the_candidate_the_link_and_the_disclosures() {
    let smtp = TestSmtpServer::start().await.unwrap();
    let server = TestServer::start_with(|c| use_smtp(c, &smtp)).await;
    let acme = server.company("Acme").await;
    let (_, _) = online_interview(&server.client(&acme.key), "bea@example.com").await;
    let got = smtp.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let body = got[0].body();
    assert_eq!(got[0].rcpt_to, ["bea@example.com"]);
    assert!(body.contains("/i/"), "{body}");
    assert!(body.contains("your interviewer is an AI"), "{body}");
    assert!(body.contains("recorded"), "{body}");
    assert!(
        body.contains("Questions about the interview or your data"),
        "{body}"
    );
}
