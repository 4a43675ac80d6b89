//! Webhook endpoints of the company, for administrators, through `core::webhooks` (the rules
//! the InstaView webhook routes use): `GET/POST /app/settings/webhooks` (list, create — the
//! signing secret is shown once), `GET /app/settings/webhooks/{id}` (the endpoint and its
//! delivery log), `POST …/{id}/test` (queue a `ping`), `POST …/{id}/reset` (close the circuit
//! and resume) and `GET/POST …/{id}/delete`.

use super::errors::PageError;
use super::form::FormData;
use super::page::{Chrome, Done, When, is_partial, render, render_status, see_other};
use super::removal::ConfirmPage;
use super::session::{Admin, User};
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::event_catalogue::CATALOGUE;
use crate::core::validate;
use crate::core::webhooks::{
    self, DEFAULT_TIMEOUT_MS, EndpointState, MAX_RETRIES, PayloadFormat, Settings, Webhook,
};
use crate::wire::payload::{EventView, render as render_payload};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use interviewd_domain::events::kinds;
use interviewd_domain::{PageRequest, WebhookId};
use serde_json::Value;
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/settings/webhooks", get(list).post(create))
        .route("/app/settings/webhooks/{id}", get(show))
        .route("/app/settings/webhooks/{id}/test", post(test))
        .route("/app/settings/webhooks/{id}/reset", post(reset))
        .route(
            "/app/settings/webhooks/{id}/delete",
            get(delete_form).post(delete),
        )
}

/// An endpoint row.
struct Row {
    id: String,
    label: String,
    url: String,
    events: String,
    format: &'static str,
    state: &'static str,
}

fn state_of(w: &Webhook) -> &'static str {
    match (w.is_active, w.circuit_opened_at) {
        (_, Some(_)) => "Circuit open: deliveries held",
        (false, None) => "Paused",
        (true, None) => "Active",
    }
}

impl Row {
    fn of(w: &Webhook) -> Self {
        Self {
            id: w.id.to_string(),
            label: w.name.clone().unwrap_or_else(|| w.url.clone()),
            url: w.url.clone(),
            events: w.events.join(", "),
            format: w.format.as_str(),
            state: state_of(w),
        }
    }
}

/// An event tick box.
struct EventBox {
    value: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
struct ListPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    rows: Vec<Row>,
    events: Vec<EventBox>,
    formats: Vec<super::interviews::Choice>,
    url: String,
    name: String,
    error: Option<String>,
    /// The signing secret of the endpoint just created, shown this once.
    secret: Option<String>,
}

async fn list_page(
    state: &AppState,
    user: &User,
    form: Option<&FormData>,
    error: Option<String>,
    secret: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let page = PageRequest {
        page: 1,
        limit: 100,
    };
    let found = webhooks::list(state, user.company(), page).await?;
    let ticked = form.map(|f| f.all("event")).unwrap_or_default();
    let keep = |name: &str| {
        if secret.is_some() {
            String::new()
        } else {
            form.map_or(String::new(), |f| f.text(name).to_owned())
        }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        chrome: Chrome::of(state, user, "settings").await?,
        notice,
        rows: found.items.iter().map(Row::of).collect(),
        events: CATALOGUE
            .iter()
            .filter(|e| e.emitted && e.dotted != kinds::PING)
            .map(|e| EventBox {
                value: e.dotted,
                checked: secret.is_none() && ticked.contains(&e.dotted),
            })
            .collect(),
        formats: PayloadFormat::ALL
            .iter()
            .map(|f| super::interviews::Choice {
                value: f.as_str().into(),
                label: f.as_str().into(),
                selected: keep("format") == f.as_str(),
            })
            .collect(),
        url: keep("url"),
        name: keep("name"),
        error,
        secret,
    };
    Ok(render_status(status, &page))
}

async fn list(
    State(state): State<AppState>,
    Admin(user): Admin,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    list_page(&state, &user, None, None, None, q.notice()).await
}

fn settings_of(state: &AppState, form: &FormData) -> Result<Settings, CoreError> {
    let events: Vec<Value> = form.all("event").into_iter().map(Value::from).collect();
    if events.is_empty() {
        return Err(CoreError::invalid("events", "Choose at least one event."));
    }
    Ok(Settings {
        url: webhooks::check_url(form.text("url"), state.config.webhook_allow_private)?,
        name: validate::opt_text("name", form.opt("name"), 255)?,
        description: None,
        headers: Vec::new(),
        events: webhooks::parse_events(&events)?,
        format: webhooks::parse_format(form.opt("format").unwrap_or("instaview"))?,
        is_active: true,
        max_retries: MAX_RETRIES,
        timeout_ms: DEFAULT_TIMEOUT_MS,
    })
}

async fn create(
    State(state): State<AppState>,
    Admin(user): Admin,
    form: FormData,
) -> Result<Response, PageError> {
    let made = async {
        let settings = settings_of(&state, &form)?;
        webhooks::create(&state, user.company(), None, settings).await
    }
    .await;
    match made {
        Ok(w) => {
            tracing::info!(user = %user.signed_in.user.id, webhook = %w.id, "console: webhook created");
            list_page(&state, &user, None, None, Some(w.secret.0.clone()), None).await
        }
        Err(CoreError::Validation { message, .. }) => {
            list_page(&state, &user, Some(&form), Some(message), None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(state: &AppState, user: &User, raw: &str) -> Result<Webhook, PageError> {
    let id: WebhookId = raw.parse().map_err(|_| PageError::NotFound)?;
    webhooks::get(state, user.company(), id)
        .await?
        .ok_or(PageError::NotFound)
}

/// One delivery attempt.
struct Attempt {
    event: String,
    number: u32,
    at: When,
    status: String,
    duration: u64,
    outcome: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/webhook.html")]
struct ShowPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    row: Row,
    held: bool,
    failures: u32,
    attempts: Vec<Attempt>,
}

async fn show(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let w = load(&state, &user, &raw).await?;
    let page = PageRequest { page: 1, limit: 50 };
    let log = webhooks::deliveries(&state, &w, page).await?;
    let page = ShowPage {
        chrome: Chrome::of(&state, &user, "settings").await?,
        notice: q.notice(),
        held: w.circuit_opened_at.is_some() || !w.is_active,
        failures: w.consecutive_failures,
        row: Row::of(&w),
        attempts: log
            .items
            .iter()
            .map(|d| Attempt {
                event: d.event_type.clone(),
                number: d.attempt_number,
                at: When::of(d.attempted_at),
                status: d.status_code.map_or_else(|| "—".into(), |s| s.to_string()),
                duration: d.duration_ms,
                outcome: d.outcome.clone(),
                error: d.error.clone(),
            })
            .collect(),
    };
    Ok(render(&page))
}

async fn test(
    State(state): State<AppState>,
    Admin(user): Admin,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let w = load(&state, &user, &raw).await?;
    let message_id = Uuid::now_v7();
    let data = webhooks::ping_data(&w);
    let public_url = state.config.public_url();
    let view = EventView {
        event_type: kinds::PING,
        data: &data,
        occurred_at: state.now(),
        delivery_id: message_id,
        report: None,
        public_url: &public_url,
    };
    let payload = render_payload(w.format, &view)
        .ok_or_else(|| CoreError::Internal("a ping has no payload in this format".into()))?;
    webhooks::send_test(&state, &w, message_id, payload).await?;
    if is_partial(&headers) {
        let html = "<p class=\"notice\" role=\"status\">A test event was queued; reload the page to see its delivery.</p>";
        return Ok(Html(html).into_response());
    }
    Ok(see_other(&format!(
        "/app/settings/webhooks/{}?done=test-sent",
        w.id
    )))
}

async fn reset(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let w = load(&state, &user, &raw).await?;
    let id = w.id;
    webhooks::save(&state, w, Some(EndpointState::Resume)).await?;
    Ok(see_other(&format!(
        "/app/settings/webhooks/{id}?done=circuit-reset"
    )))
}

async fn delete_form(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let w = load(&state, &user, &raw).await?;
    let page = ConfirmPage {
        chrome: Chrome::of(&state, &user, "settings").await?,
        title: "Delete this webhook endpoint?".into(),
        back: format!("/app/settings/webhooks/{}", w.id),
        back_label: "Keep the endpoint".into(),
        lead: format!("The endpoint {} will be deleted.", w.url),
        effects: vec![
            "No more events are sent to it; messages waiting for it are dropped.".into(),
            "Its delivery log is erased.".into(),
        ],
        checkbox: None,
        action: format!("/app/settings/webhooks/{}/delete", w.id),
        submit: "Delete the endpoint",
        danger: true,
    };
    Ok(render(&page))
}

async fn delete(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let w = load(&state, &user, &raw).await?;
    webhooks::delete(&state, user.company(), w.id).await?;
    Ok(see_other("/app/settings/webhooks?done=webhook-deleted"))
}
