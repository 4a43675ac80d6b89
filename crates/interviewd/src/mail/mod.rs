//! Candidate e-mail: queued in the transaction of its cause, sent by a worker.
//!
//! A write path that must tell a candidate something (an invite created, an invite
//! revoked) builds the mail with [`invite_mail`] or [`revocation_mail`] and queues it with
//! `delivery::enqueue_mail` of the backend on its own transaction, so the mail
//! exists exactly when its cause committed. The worker ([`worker`]) sends queued mail
//! through [`interviewd_notify::Mailer`]: over SMTP when `smtp_host` is configured,
//! otherwise as `.eml` files in `<data_dir>/outbox`. Transient failures (no connection, a
//! 4xx reply, an unwritable outbox) are retried on the webhook schedule; permanent ones (a
//! bad address, a 5xx reply) mark the mail FAILED. A pending invite whose interview was
//! deleted is dropped; a revocation notice still goes out.

pub mod templates;
mod worker;

use crate::config::Config;
use crate::http::AppState;
use crate::store::delivery::{MailKind, NewMail};
use chrono::{DateTime, Utc};
use interviewd_domain::{CompanyId, InterviewId};
use interviewd_notify::{MailTransportConfig, TlsMode};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A configuration secret (the SMTP password) that `Debug` never prints.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

static WAKE: Notify = Notify::const_new();

/// Asks the mail worker to look at the queue now (call after committing a mail).
pub fn wake() {
    WAKE.notify_waiters();
}

/// Timeout of each SMTP command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where mail goes, from the configuration.
pub fn transport_config(config: &Config) -> Result<MailTransportConfig, String> {
    let Some(host) = config
        .smtp_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
    else {
        return Ok(MailTransportConfig::Outbox {
            dir: config.data_dir.join("outbox"),
        });
    };
    let (tls, default_port) = match config.smtp_tls.trim().to_ascii_lowercase().as_str() {
        "none" => (TlsMode::None, 25),
        "starttls" => (TlsMode::StartTls, 587),
        "tls" => (TlsMode::Tls, 465),
        _ => return Err("smtp_tls must be none, starttls or tls".into()),
    };
    Ok(MailTransportConfig::Smtp {
        host: host.to_owned(),
        port: config.smtp_port.unwrap_or(default_port),
        tls,
        username: config.smtp_username.clone(),
        password: config.smtp_password.as_ref().map(|p| p.expose().to_owned()),
        timeout: SMTP_TIMEOUT,
    })
}

/// An invite e-mail to queue for `to`.
pub fn invite_mail(
    company: CompanyId,
    interview: InterviewId,
    to: &str,
    invite: &templates::Invite<'_>,
    now: DateTime<Utc>,
) -> NewMail {
    let rendered = templates::invite(invite);
    new_mail(company, interview, MailKind::Invite, to, rendered, now)
}

/// A revocation notice to queue for `to`.
pub fn revocation_mail(
    company: CompanyId,
    interview: InterviewId,
    to: &str,
    notice: &templates::Revocation<'_>,
    now: DateTime<Utc>,
) -> NewMail {
    let rendered = templates::revocation(notice);
    new_mail(
        company,
        interview,
        MailKind::RevocationNotice,
        to,
        rendered,
        now,
    )
}

fn new_mail(
    company: CompanyId,
    interview: InterviewId,
    kind: MailKind,
    to: &str,
    rendered: templates::Rendered,
    now: DateTime<Utc>,
) -> NewMail {
    NewMail {
        id: Uuid::now_v7(),
        company_id: Some(company),
        interview_id: Some(interview),
        kind,
        to: to.trim().to_owned(),
        subject: rendered.subject,
        body: rendered.body,
        created_at: now,
    }
}

/// Starts the mail worker. Without a usable transport the queue is kept, not drained, and
/// the problem is logged.
pub fn spawn(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let config = &state.config;
    let mailer = match transport_config(config)
        .map_err(|e| e.to_string())
        .and_then(|t| interviewd_notify::Mailer::new(t).map_err(|e| e.to_string()))
    {
        Ok(mailer) => mailer,
        Err(error) => {
            tracing::error!(%error, "mail is not configured correctly; queued mail is kept");
            return Vec::new();
        }
    };
    let worker = worker::MailWorker {
        store: state.store.clone(),
        mailer,
        from: config.mail_from.clone(),
        retry_scale: config.mail_retry_scale,
        poll: Duration::from_millis(config.delivery_poll_ms.max(1)),
        held: std::sync::Mutex::default(),
    };
    vec![tokio::spawn(worker.run(shutdown))]
}
