//! `GET/POST /webhooks`, `GET/PATCH/DELETE /webhooks/{id}`, `POST /webhooks/{id}/test`,
//! `POST /webhooks/{id}/reset-circuit` and `GET /webhooks/{id}/deliveries`.
//!
//! Endpoints belong to one company (the acting one; ATS keys name it with `companyId` in
//! the query or the body); there are no global endpoints. The signing secret is shown once,
//! in the create response; header values are never shown.

mod input;

use super::{Ctx, IvError, IvPath, list_body, page_of, path_uuid};
use crate::error::CoreError;
use crate::http::AppState;
use crate::store::ResourceKind;
use crate::store::delivery::{DeliveryLogEntry, EndpointState, NewMessage, PayloadFormat, Webhook};
use crate::store::events::kinds;
use crate::validate::{self, Patch};
use crate::webhooks::deliver::webhook_id;
use crate::webhooks::payload::{EventView, render};
use crate::webhooks::{self, DEFAULT_TIMEOUT_MS, circuit::MAX_RETRIES};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use input::timeout_ms;
use input::{HeaderInput, check_url, max_retries, parse_events, parse_format, parse_headers};
use interviewd_domain::time::rfc3339;
use interviewd_domain::{CompanyId, Scope, WebhookId};
use interviewd_notify::SigningSecret;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list).post(create))
        .route("/webhooks/{id}", get(show).patch(update).delete(remove))
        .route("/webhooks/{id}/test", post(test))
        .route("/webhooks/{id}/reset-circuit", post(reset_circuit))
        .route("/webhooks/{id}/deliveries", get(deliveries))
}

/// The InstaView webhook object (plus the `format` extension).
fn webhook_json(w: &Webhook) -> Value {
    let headers: Vec<Value> = w
        .headers
        .iter()
        .map(|h| json!({ "name": h.name, "isMasked": true }))
        .collect();
    json!({
        "id": w.id.to_string(),
        "apiKeyId": w.api_key_id.map(|k| k.to_string()),
        "companyId": w.company_id.to_string(),
        "url": w.url,
        "name": w.name,
        "description": w.description,
        "headers": headers,
        "events": w.events,
        "isActive": w.is_active,
        "maxRetries": w.max_retries,
        "timeoutMs": w.timeout_ms,
        "consecutiveFailures": w.consecutive_failures,
        "circuitOpenedAt": w.circuit_opened_at.map(rfc3339),
        "format": w.format.as_str(),
        "createdAt": rfc3339(w.created_at),
        "updatedAt": rfc3339(w.updated_at),
    })
}

fn log_json(e: &DeliveryLogEntry) -> Value {
    json!({
        "id": e.id.to_string(),
        "deliveryId": e.message_id.to_string(),
        "webhookMessageId": webhook_id(e.message_id),
        "event": e.event_type,
        "attemptNumber": e.attempt_number,
        "attemptedAt": rfc3339(e.attempted_at),
        "statusCode": e.status_code,
        "durationMs": e.duration_ms,
        "success": e.outcome == "DELIVERED",
        "outcome": e.outcome,
        "error": e.error,
    })
}

/// The acting company, taking `companyId` from the query or, for creation, the body.
fn acting(ctx: &Ctx, scopes: &[Scope], body_company: Option<&str>) -> Result<CompanyId, IvError> {
    let query = ctx.query.non_empty("companyId");
    let body = body_company.map(str::trim).filter(|c| !c.is_empty());
    let company = ctx.principal.acting(scopes, query.or(body))?;
    if let Some(raw) = body {
        let named: CompanyId = raw
            .parse()
            .map_err(|_| CoreError::invalid("companyId", "companyId must be a UUID"))?;
        if named != company {
            return Err(CoreError::Forbidden(
                "This API key may not access the requested company".into(),
            )
            .into());
        }
    }
    Ok(company)
}

async fn load(ctx: &Ctx, company: CompanyId, raw_id: &str) -> Result<Webhook, IvError> {
    let id = WebhookId::from(path_uuid(raw_id, "id")?);
    match ctx.state.store.get_webhook(company, id).await? {
        Some(w) => Ok(w),
        None => Err(ctx
            .missing(ResourceKind::Webhook, "webhook", id.uuid(), company)
            .await),
    }
}

async fn list(ctx: Ctx) -> Result<Json<Value>, IvError> {
    let company = ctx.company(&[Scope::ReadWebhooks])?;
    let page = page_of(&ctx)?;
    let found = ctx.state.store.list_webhooks(company, page).await?;
    let items: Vec<Value> = found.items.iter().map(webhook_json).collect();
    Ok(Json(list_body(items, found.total, page)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateWebhook {
    url: String,
    events: Vec<Value>,
    name: Option<String>,
    description: Option<String>,
    company_id: Option<String>,
    #[serde(default)]
    headers: Vec<HeaderInput>,
    is_active: Option<bool>,
    max_retries: Option<i64>,
    timeout_ms: Option<i64>,
    format: Option<String>,
}

async fn create(ctx: Ctx, body: Bytes) -> Result<(StatusCode, Json<Value>), IvError> {
    ctx.principal.require(&[Scope::WriteWebhooks])?;
    let input: CreateWebhook = ctx.body(&body)?;
    let company = acting(&ctx, &[Scope::WriteWebhooks], input.company_id.as_deref())?;
    let secret = SigningSecret::generate()
        .map_err(|e| CoreError::Internal(format!("could not generate a secret: {e}")))?;
    let now = ctx.state.now();
    let webhook = Webhook {
        id: WebhookId::new(),
        company_id: company,
        api_key_id: Some(ctx.principal.key.id),
        url: check_url(&input.url, ctx.state.config.webhook_allow_private)?,
        name: validate::opt_text("name", input.name.as_deref(), 255)?,
        description: validate::opt_text("description", input.description.as_deref(), 2000)?,
        headers: parse_headers(&input.headers)?,
        events: parse_events(&input.events)?,
        secret,
        format: input
            .format
            .as_deref()
            .map(parse_format)
            .transpose()?
            .unwrap_or(PayloadFormat::InstaView),
        is_active: input.is_active.unwrap_or(true),
        max_retries: input
            .max_retries
            .map(max_retries)
            .transpose()?
            .unwrap_or(MAX_RETRIES),
        timeout_ms: input
            .timeout_ms
            .map(timeout_ms)
            .transpose()?
            .unwrap_or(DEFAULT_TIMEOUT_MS),
        consecutive_failures: 0,
        circuit_opened_at: None,
        created_at: now,
        updated_at: now,
    };
    ctx.state.store.insert_webhook(&webhook).await?;
    let mut out = webhook_json(&webhook);
    out["signingSecret"] = Value::String(webhook.secret.to_string());
    Ok((StatusCode::CREATED, Json(out)))
}

async fn show(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<Value>, IvError> {
    let company = ctx.company(&[Scope::ReadWebhooks])?;
    let webhook = load(&ctx, company, &id).await?;
    Ok(Json(webhook_json(&webhook)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateWebhook {
    url: Option<String>,
    events: Option<Vec<Value>>,
    #[serde(default)]
    name: Patch<String>,
    #[serde(default)]
    description: Patch<String>,
    headers: Option<Vec<HeaderInput>>,
    is_active: Option<bool>,
    max_retries: Option<i64>,
    timeout_ms: Option<i64>,
    format: Option<String>,
}

/// Saves `w`'s settings and `state`, and answers with the endpoint as stored.
async fn save(
    ctx: &Ctx,
    mut w: Webhook,
    state: Option<EndpointState>,
) -> Result<Json<Value>, IvError> {
    w.updated_at = ctx.state.now();
    let store = &ctx.state.store;
    if !store.update_webhook(&w, state).await? {
        return Err(CoreError::not_found("webhook", w.id).into());
    }
    webhooks::wake();
    let saved = store
        .get_webhook(w.company_id, w.id)
        .await?
        .ok_or_else(|| CoreError::not_found("webhook", w.id))?;
    Ok(Json(webhook_json(&saved)))
}

async fn update(ctx: Ctx, IvPath(id): IvPath<String>, body: Bytes) -> Result<Json<Value>, IvError> {
    let company = ctx.company(&[Scope::WriteWebhooks])?;
    let mut w = load(&ctx, company, &id).await?;
    let input: UpdateWebhook = ctx.body(&body)?;
    if let Some(url) = input.url {
        w.url = check_url(&url, ctx.state.config.webhook_allow_private)?;
    }
    if let Some(events) = input.events {
        w.events = parse_events(&events)?;
    }
    if let Some(name) = input.name.into_update() {
        w.name = validate::opt_text("name", name.as_deref(), 255)?;
    }
    if let Some(d) = input.description.into_update() {
        w.description = validate::opt_text("description", d.as_deref(), 2000)?;
    }
    if let Some(headers) = input.headers {
        w.headers = parse_headers(&headers)?;
    }
    if let Some(n) = input.max_retries {
        w.max_retries = max_retries(n)?;
    }
    if let Some(n) = input.timeout_ms {
        w.timeout_ms = timeout_ms(n)?;
    }
    if let Some(f) = input.format {
        w.format = parse_format(&f)?;
    }
    let state = match input.is_active {
        // Re-enabling closes the circuit, as reset-circuit does.
        Some(true) if !w.is_active => Some(EndpointState::Resume),
        // Paused by hand: not an open circuit, so nothing new is queued for it.
        Some(false) => Some(EndpointState::Pause),
        _ => None,
    };
    save(&ctx, w, state).await
}

async fn remove(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<bool>, IvError> {
    let company = ctx.company(&[Scope::WriteWebhooks])?;
    let w = load(&ctx, company, &id).await?;
    if !ctx.state.store.delete_webhook(company, w.id).await? {
        return Err(CoreError::not_found("webhook", w.id).into());
    }
    Ok(Json(true))
}

async fn test(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<(StatusCode, Json<Value>), IvError> {
    let company = ctx.company(&[Scope::WriteWebhooks])?;
    let w = load(&ctx, company, &id).await?;
    let now = ctx.state.now();
    let message_id = Uuid::now_v7();
    let data = json!({
        "webhookId": w.id.to_string(),
        "message": "This is a test delivery.",
    });
    let view = EventView {
        event_type: kinds::PING,
        data: &data,
        occurred_at: now,
        delivery_id: message_id,
    };
    let payload = render(w.format, &view)
        .ok_or_else(|| CoreError::Internal("ping has no payload in this format".into()))?;
    let message = NewMessage {
        id: message_id,
        webhook_id: w.id,
        company_id: company,
        event_id: None,
        interview_id: None,
        event_type: kinds::PING.to_owned(),
        payload,
        created_at: now,
    };
    if !ctx.state.store.enqueue_message(&message).await? {
        return Err(CoreError::not_found("webhook", w.id).into());
    }
    webhooks::wake();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "success": true,
            "event": kinds::PING,
            "deliveryId": message_id.to_string(),
            "webhookMessageId": webhook_id(message_id),
        })),
    ))
}

async fn reset_circuit(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<Value>, IvError> {
    let company = ctx.company(&[Scope::WriteWebhooks])?;
    let w = load(&ctx, company, &id).await?;
    save(&ctx, w, Some(EndpointState::Resume)).await
}

async fn deliveries(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<Value>, IvError> {
    let company = ctx.company(&[Scope::ReadWebhooks])?;
    let page = page_of(&ctx)?;
    let w = load(&ctx, company, &id).await?;
    let found = ctx.state.store.list_deliveries(company, w.id, page).await?;
    let items: Vec<Value> = found.items.iter().map(log_json).collect();
    Ok(Json(list_body(items, found.total, page)))
}
