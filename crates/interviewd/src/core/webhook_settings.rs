//! Xobin's AI-interview webhook settings
//! (<https://app.xobin.com/api/docs/ai-interviews/settings/add-webhook.html>,
//! <https://app.xobin.com/api/docs/ai-interviews/settings/add-specific-webhook.html>): a
//! *start* and a *submission* webhook, each on or off with its URL, and an optional
//! authentication (HTTP Basic, or a header of the customer's choosing) sent with both.
//!
//! The company has global settings, and an AI interview (a job) may have its own, which
//! then replace the global ones for that AI interview's responses. `updateAll` on a global
//! update removes every AI interview's own settings, so all follow the new global ones.
//! Settings are delivered through ordinary endpoints ([`Webhook`] rows, `managed`, in the
//! `xobin` format, limited to one job when the settings are an AI interview's): signed,
//! retried, held by an open circuit and erased with the interviews they speak of, like every
//! other webhook, and hidden from the webhook API so that the two never disagree.

use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::webhooks::{
    DEFAULT_TIMEOUT_MS, MAX_RETRIES, PayloadFormat, Webhook, WebhookHeader, WebhookSecret,
    check_headers, check_url,
};
use base64::Engine;
use interviewd_domain::events::kinds;
use interviewd_domain::{CompanyId, JobId, KeyId, WebhookId};
use interviewd_notify::SigningSecret;
use serde::{Deserialize, Serialize};

/// One of the two webhooks.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub status: bool,
    pub url: Option<String>,
}

/// How deliveries authenticate to the customer's endpoint.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Auth {
    Basic { username: String, password: String },
    Apikey { header: String, value: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Self::Apikey { header, .. } => write!(f, "Apikey({header}: ***)"),
        }
    }
}

/// The settings of one scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub start: Hook,
    pub submission: Hook,
    pub auth: Option<Auth>,
}

/// What an update sends: a webhook or the auth left out keeps what is stored; `auth:
/// Some(None)` removes it.
#[derive(Clone, Debug, Default)]
pub struct Update {
    pub start: Option<Hook>,
    pub submission: Option<Hook>,
    pub auth: Option<Option<Auth>>,
}

/// Applies `update` to the settings of `job` (or the company's global ones), replaces the
/// endpoints they deliver to, and returns them. `update_all` (global only) drops every AI
/// interview's own settings. An unknown `job` is not this function's concern: the caller
/// resolves it in the company first.
pub async fn save(
    state: &AppState,
    company: CompanyId,
    job: Option<JobId>,
    actor: Option<KeyId>,
    update: Update,
    update_all: bool,
) -> Result<Settings, CoreError> {
    let stored = state.store.xobin_settings(company, job).await?;
    let mut settings: Settings = match stored {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| CoreError::Internal(format!("stored webhook settings: {e}")))?,
        None => Settings::default(),
    };
    let allow_private = state.config.webhook_allow_private;
    for (slot, hook, field) in [
        (&mut settings.start, update.start, "webhooks.start"),
        (
            &mut settings.submission,
            update.submission,
            "webhooks.submission",
        ),
    ] {
        if let Some(mut hook) = hook {
            hook.url = match hook.url.as_deref().map(str::trim) {
                Some("") | None if hook.status => {
                    return Err(CoreError::invalid(
                        field,
                        format!("{field}.url is required when its status is true"),
                    ));
                }
                Some("") | None => None,
                Some(url) => Some(
                    check_url(url, allow_private)
                        .map_err(|e| CoreError::invalid(field, format!("{field}.{e}")))?,
                ),
            };
            *slot = hook;
        }
    }
    if let Some(auth) = update.auth {
        if let Some(auth) = &auth {
            headers(auth)?;
        }
        settings.auth = auth;
    }
    let endpoints = endpoints(state, company, job, actor, &settings)?;
    let json = serde_json::to_string(&settings)
        .map_err(|e| CoreError::Internal(format!("webhook settings: {e}")))?;
    state
        .store
        .put_xobin_settings(
            company,
            job,
            &json,
            &endpoints,
            update_all && job.is_none(),
            state.now(),
        )
        .await?;
    state.wakers.webhooks();
    Ok(settings)
}

/// The headers `auth` adds to every delivery, checked as any endpoint's custom headers.
fn headers(auth: &Auth) -> Result<Vec<WebhookHeader>, CoreError> {
    let header = match auth {
        Auth::Basic { username, password } => {
            if username.is_empty() || username.contains(':') {
                return Err(CoreError::invalid(
                    "webhooks.auth.basic.username",
                    "webhooks.auth.basic.username must be non-empty and without ':'",
                ));
            }
            let pair = format!("{username}:{password}");
            WebhookHeader {
                name: "Authorization".into(),
                value: format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ),
            }
        }
        Auth::Apikey { header, value } => WebhookHeader {
            name: header.clone(),
            value: value.clone(),
        },
    };
    check_headers(&[header]).map_err(|e| match e {
        CoreError::Validation { message, .. } => CoreError::invalid("webhooks.auth", message),
        other => other,
    })
}

/// The endpoints `settings` deliver to: one per webhook that is on.
fn endpoints(
    state: &AppState,
    company: CompanyId,
    job: Option<JobId>,
    actor: Option<KeyId>,
    settings: &Settings,
) -> Result<Vec<Webhook>, CoreError> {
    let headers = match &settings.auth {
        Some(auth) => headers(auth)?,
        None => Vec::new(),
    };
    let now = state.now();
    let mut out = Vec::new();
    for (hook, event, name) in [
        (
            &settings.start,
            kinds::INTERVIEW_STARTED,
            "Xobin AI Interview Start",
        ),
        (
            &settings.submission,
            kinds::INTERVIEW_COMPLETED,
            "Xobin AI Interview Submission",
        ),
    ] {
        let Some(url) = hook.url.clone().filter(|_| hook.status) else {
            continue;
        };
        let secret = SigningSecret::generate()
            .map_err(|e| CoreError::Internal(format!("could not generate a secret: {e}")))?;
        out.push(Webhook {
            id: WebhookId::new(),
            company_id: company,
            global_for: None,
            api_key_id: actor,
            url,
            name: Some(name.into()),
            description: None,
            headers: headers.clone(),
            events: vec![event.into()],
            secret: WebhookSecret(secret.to_string()),
            format: PayloadFormat::Xobin,
            is_active: true,
            max_retries: MAX_RETRIES,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            consecutive_failures: 0,
            circuit_opened_at: None,
            created_at: now,
            updated_at: now,
            job_id: job,
            managed: true,
        });
    }
    Ok(out)
}

/// Whether a managed endpoint takes the events of an interview of `job`: its own AI
/// interview's, or, for the global ones, any AI interview without settings of its own
/// (`job_has_own`: whether `job` has settings of its own).
pub fn reaches(endpoint: &Webhook, job: Option<JobId>, job_has_own: bool) -> bool {
    if !endpoint.managed {
        return true;
    }
    match (endpoint.job_id, job) {
        (Some(only), Some(job)) => only == job,
        (Some(_), None) => false,
        (None, None) => true,
        (None, Some(_)) => !job_has_own,
    }
}
