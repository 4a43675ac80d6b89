//! `GET/POST /webhooks`, `GET/PATCH/DELETE /webhooks/{id}`, `POST /webhooks/{id}/test`,
//! `POST /webhooks/{id}/reset-circuit` and `GET /webhooks/{id}/deliveries`.
//!
//! Endpoints belong to one company (the acting one; ATS keys name it with `companyId` in
//! the query or the body), or, created by an ATS key without `companyId`, are global: they
//! receive the events of every company the key manages
//! (<https://docs.instaview.sk/api-reference/webhooks/create-webhook>: "If omitted, webhook will
//! receive events for all companies accessible by the API key"). Without `companyId` an ATS
//! key lists and manages its global endpoints and those of all its companies; with it, that
//! company's only. The signing secret is shown once, in the create response; header values are
//! never shown.

mod input;

use super::{Ctx, IvError, IvPath, page_of, path_uuid};
use crate::app::AppState;
use crate::core::auth::ResourceKind;
use crate::core::error::CoreError;
use crate::core::validate::{self, Patch};
use crate::core::webhooks::{
    self, DEFAULT_TIMEOUT_MS, EndpointState, MAX_RETRIES, Manager, PayloadFormat, Settings,
    Webhook, check_url, max_retries, parse_events, parse_format, timeout_ms,
};
use crate::http::extract::Int;
use crate::wire::instaview::webhooks::{CreatedDto, DeliveryDto, TestDto, TestResult, WebhookDto};
use crate::wire::instaview::{Enveloped, Page};
use crate::wire::payload::{EventView, render};
use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use input::{HeaderInput, parse_headers};
use interviewd_domain::events::kinds;
use interviewd_domain::{CompanyId, Scope, WebhookId};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(test))
        .routes(routes!(reset_circuit))
        .routes(routes!(deliveries))
}

fn events_schema() -> RefOr<Schema> {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new().schema_type(SchemaType::Array(vec![Type::String, Type::Integer])),
        )
        .min_items(Some(1))
        .description(Some(
            "Event names in any of the three forms: dotted (`interview.completed`), constant \
             (`INTERVIEW_COMPLETED`) or numeric code.",
        ))
        .into()
}

fn format_schema() -> RefOr<Schema> {
    crate::http::openapi::words(&["instaview", "alpharun", "xobin"], true)
}

/// The `{id}` of a webhook.
const ID: &str = "The endpoint.";

/// Who the request manages endpoints for: the acting company, or an ATS key that names no
/// company (`companyId` from the query or, for creation, the body).
fn manager(ctx: &Ctx, scopes: &[Scope], body_company: Option<&str>) -> Result<Manager, IvError> {
    ctx.principal.require(scopes)?;
    let query = ctx.query.non_empty("companyId");
    let body = body_company.map(str::trim).filter(|c| !c.is_empty());
    if ctx.principal.is_ats() && query.is_none() && body.is_none() {
        return Ok(Manager::Key {
            key: ctx.principal.key.id,
            companies: ctx.principal.key.managed_companies.clone(),
        });
    }
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
    Ok(Manager::Company(company))
}

async fn load(ctx: &Ctx, manager: &Manager, raw_id: &str) -> Result<Webhook, IvError> {
    let id = WebhookId::from(path_uuid(raw_id, "id")?);
    if let Some(w) = webhooks::get_for(&ctx.state, manager, id).await? {
        return Ok(w);
    }
    let company = match manager {
        Manager::Company(company) => *company,
        // Someone else's (403) or nobody's (404): as seen from no company of the key's.
        Manager::Key { .. } => CompanyId::from(uuid::Uuid::nil()),
    };
    // The webhook pages name the resource `WebhookConfig` and answer another company's
    // configuration with `RESOURCE_ACCESS_DENIED`
    // (https://docs.instaview.sk/api-reference/webhooks/get-webhook).
    let missing = ctx
        .missing(ResourceKind::Webhook, "WebhookConfig", id.uuid(), company)
        .await;
    Err(match missing.0 {
        CoreError::Forbidden(_) => IvError::from(CoreError::Forbidden(
            "Access denied to this webhook configuration".into(),
        ))
        .coded("RESOURCE_ACCESS_DENIED"),
        _ => missing,
    })
}

/// The company's webhook endpoints.
#[utoipa::path(
    get,
    path = "/webhooks",
    operation_id = "listWebhooks",
    tag = "Webhooks",
    params(crate::http::openapi::PageParams),
    responses(
        (status = 200, description = "A page of endpoints.", body = Page<WebhookDto>),
        (status = 400, description = "`page` or `limit` out of range."),
    )
)]
async fn list(ctx: Ctx) -> Result<Json<Page<WebhookDto>>, IvError> {
    let manager = manager(&ctx, &[Scope::ReadWebhooks], None)?;
    let page = page_of(&ctx)?;
    let found = webhooks::list_for(&ctx.state, &manager, page).await?;
    let items: Vec<WebhookDto> = found.items.iter().map(WebhookDto::from).collect();
    Ok(Json(Page::new(items, found.total, page)))
}

/// A new endpoint.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewWebhook)]
struct CreateWebhook {
    /// An `http(s)` URL of at most 2048 characters; no loopback or private hosts unless
    /// the server allows them.
    #[schema(max_length = 2048)]
    url: String,
    #[schema(schema_with = events_schema)]
    events: Vec<Value>,
    #[schema(schema_with = crate::http::openapi::opt_text::<255>)]
    name: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<2000>)]
    description: Option<String>,
    /// ATS keys may name the company here instead of in the query; it must be the acting one.
    /// An ATS key naming none creates a global endpoint (`companyId: null`): it receives the
    /// events of every company the key manages.
    #[schema(nullable)]
    company_id: Option<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    headers: Vec<HeaderInput>,
    /// Default `true`.
    #[schema(nullable)]
    is_active: Option<bool>,
    /// 0–9 (default 9).
    #[schema(value_type = Option<i64>, nullable, minimum = 0, maximum = 9)]
    max_retries: Option<Int<i64>>,
    /// 1000–30000 (default 10000).
    #[schema(value_type = Option<i64>, nullable, minimum = 1000, maximum = 30000)]
    timeout_ms: Option<Int<i64>>,
    /// The payload shape: `instaview` (default), `alpharun` or `xobin`.
    #[schema(schema_with = format_schema)]
    format: Option<String>,
}

/// Create an endpoint; its signing secret is shown once, here.
#[utoipa::path(
    post,
    path = "/webhooks",
    operation_id = "createWebhook",
    tag = "Webhooks",
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Created.", body = Enveloped<CreatedDto>,
            headers(("Location" = String, description = "The new endpoint.")),
            links(
                ("GetWebhook" = (operation_id = "getWebhook", parameters(("id" = "$response.body#/id")))),
                ("UpdateWebhook" = (operation_id = "updateWebhook", parameters(("id" = "$response.body#/id")))),
                ("DeleteWebhook" = (operation_id = "deleteWebhook", parameters(("id" = "$response.body#/id")))),
                ("TestWebhook" = (operation_id = "testWebhook", parameters(("id" = "$response.body#/id")))),
                ("ListDeliveries" = (operation_id = "listDeliveries", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, description = "An invalid field."),
        (status = 403, description = "`companyId` in the body is not the acting company."),
    )
)]
async fn create(ctx: Ctx, body: Bytes) -> Result<super::Created<Enveloped<CreatedDto>>, IvError> {
    ctx.principal.require(&[Scope::WriteWebhooks])?;
    let input: CreateWebhook = ctx.body(&body)?;
    let manager = manager(&ctx, &[Scope::WriteWebhooks], input.company_id.as_deref())?;
    let settings = Settings {
        url: check_url(&input.url, ctx.state.config.webhook_allow_private)?,
        name: validate::opt_text("name", input.name.as_deref(), 255)?,
        description: validate::opt_text("description", input.description.as_deref(), 2000)?,
        headers: parse_headers(&input.headers)?,
        events: parse_events(&input.events)?,
        format: input
            .format
            .as_deref()
            .map(parse_format)
            .transpose()?
            .unwrap_or(PayloadFormat::InstaView),
        is_active: input.is_active.unwrap_or(true),
        max_retries: input
            .max_retries
            .map(|Int(n)| max_retries(n))
            .transpose()?
            .unwrap_or(MAX_RETRIES),
        timeout_ms: input
            .timeout_ms
            .map(|Int(n)| timeout_ms(n))
            .transpose()?
            .unwrap_or(DEFAULT_TIMEOUT_MS),
    };
    let created_by = Some(ctx.principal.key.id);
    let webhook = match &manager {
        Manager::Company(company) => {
            webhooks::create(&ctx.state, *company, created_by, settings).await?
        }
        Manager::Key { key, companies } => {
            webhooks::create_global(&ctx.state, *key, companies, settings).await?
        }
    };
    let key = interviewd_notify::SigningSecret::parse(&webhook.secret.0)
        .map_err(|_| CoreError::Internal("a new signing secret is unreadable".into()))?;
    let out = Enveloped::new(CreatedDto::new(&webhook, key.as_bytes()), ctx.state.now());
    Ok(super::created(&format!("/v1/webhooks/{}", webhook.id), out))
}

/// An endpoint.
#[utoipa::path(
    get,
    path = "/webhooks/{id}",
    operation_id = "getWebhook",
    tag = "Webhooks",
    params(("id" = String, Path, format = "uuid", description = ID)),
    responses(
        (status = 200, description = "The endpoint.", body = Enveloped<WebhookDto>),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The endpoint belongs to another company."),
        (status = 404, description = "No such endpoint."),
    )
)]
async fn show(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
) -> Result<Json<Enveloped<WebhookDto>>, IvError> {
    let manager = manager(&ctx, &[Scope::ReadWebhooks], None)?;
    let webhook = load(&ctx, &manager, &id).await?;
    Ok(Json(Enveloped::new(
        WebhookDto::from(&webhook),
        ctx.state.now(),
    )))
}

/// Changes to an endpoint; absent fields are kept, `null` clears `name` and `description`.
/// `isActive: true` on a paused endpoint closes its circuit; `false` pauses it.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookPatch)]
struct UpdateWebhook {
    #[schema(nullable, max_length = 2048)]
    url: Option<String>,
    #[schema(value_type = Option<Vec<Value>>, min_items = 1)]
    events: Option<Vec<Value>>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<255>)]
    name: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<2000>)]
    description: Patch<String>,
    #[schema(nullable, max_items = 50)]
    headers: Option<Vec<HeaderInput>>,
    #[schema(nullable)]
    is_active: Option<bool>,
    #[schema(value_type = Option<i64>, nullable, minimum = 0, maximum = 9)]
    max_retries: Option<Int<i64>>,
    #[schema(value_type = Option<i64>, nullable, minimum = 1000, maximum = 30000)]
    timeout_ms: Option<Int<i64>>,
    #[schema(schema_with = format_schema)]
    format: Option<String>,
}

/// Saves `w`'s settings and `state`, and answers with the endpoint as stored.
async fn save(
    ctx: &Ctx,
    w: Webhook,
    state: Option<EndpointState>,
) -> Result<Json<Enveloped<WebhookDto>>, IvError> {
    let saved = webhooks::save(&ctx.state, w, state).await?;
    Ok(Json(Enveloped::new(
        WebhookDto::from(&saved),
        ctx.state.now(),
    )))
}

/// Change an endpoint.
#[utoipa::path(
    patch,
    path = "/webhooks/{id}",
    operation_id = "updateWebhook",
    tag = "Webhooks",
    params(("id" = String, Path, format = "uuid", description = ID)),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "The endpoint as changed.", body = Enveloped<WebhookDto>),
        (status = 400, description = "`id` is not a UUID, or an invalid field."),
        (status = 403, description = "The endpoint belongs to another company."),
        (status = 404, description = "No such endpoint."),
    )
)]
async fn update(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
    body: Bytes,
) -> Result<Json<Enveloped<WebhookDto>>, IvError> {
    let manager = manager(&ctx, &[Scope::WriteWebhooks], None)?;
    let mut w = load(&ctx, &manager, &id).await?;
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
    if let Some(Int(n)) = input.max_retries {
        w.max_retries = max_retries(n)?;
    }
    if let Some(Int(n)) = input.timeout_ms {
        w.timeout_ms = timeout_ms(n)?;
    }
    if let Some(f) = input.format {
        w.format = parse_format(&f)?;
    }
    let state = webhooks::activation(&w, input.is_active);
    save(&ctx, w, state).await
}

/// Delete an endpoint (pending deliveries are dropped): 204 No Content, as
/// <https://docs.instaview.sk/api-reference/webhooks/delete-webhook> documents.
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    operation_id = "deleteWebhook",
    tag = "Webhooks",
    params(("id" = String, Path, format = "uuid", description = ID)),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The endpoint belongs to another company."),
        (status = 404, description = "No such endpoint."),
    )
)]
async fn remove(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<StatusCode, IvError> {
    let manager = manager(&ctx, &[Scope::WriteWebhooks], None)?;
    let w = load(&ctx, &manager, &id).await?;
    webhooks::delete(&ctx.state, w.company_id, w.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a `ping` to the endpoint now and report its answer.
///
/// <https://docs.instaview.sk/api-reference/webhooks/test-webhook>: 200 whatever the endpoint
/// answers; `success` is whether it answered 2xx. Nothing is sent to an endpoint that does not
/// subscribe to `ping`, is paused or has an open circuit (`success: false` with the vendor's
/// message).
#[utoipa::path(
    post,
    path = "/webhooks/{id}/test",
    operation_id = "testWebhook",
    tag = "Webhooks",
    params(("id" = String, Path, format = "uuid", description = ID)),
    responses(
        (status = 200, description = "What the endpoint answered (or why nothing was sent).", body = TestDto),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The endpoint belongs to another company."),
        (status = 404, description = "No such endpoint."),
    )
)]
async fn test(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<TestDto>, IvError> {
    let manager = manager(&ctx, &[Scope::WriteWebhooks], None)?;
    let w = load(&ctx, &manager, &id).await?;
    let message_id = Uuid::now_v7();
    let data = webhooks::ping_data(&w);
    let view = EventView {
        event_type: kinds::PING,
        data: &data,
        occurred_at: ctx.state.now(),
        delivery_id: message_id,
        report: None,
        public_url: &ctx.state.config.public_url(),
    };
    let payload = render(w.format, &view)
        .ok_or_else(|| CoreError::Internal("ping has no payload in this format".into()))?;
    let outcome = webhooks::test_now(&ctx.state, &w, message_id, payload).await?;
    let result = TestResult {
        success: outcome.success,
        delivery_id: outcome.delivery_id.map(|id| id.to_string()),
        http_status: outcome.http_status,
        duration_ms: outcome.duration_ms,
        message: outcome.message,
    };
    Ok(Json(TestDto {
        data: result.clone(),
        result,
    }))
}

/// Close the endpoint's circuit and resume deliveries.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/reset-circuit",
    operation_id = "resetWebhookCircuit",
    tag = "Webhooks",
    params(("id" = String, Path, format = "uuid", description = ID)),
    responses(
        (status = 200, description = "The endpoint, active again.", body = Enveloped<WebhookDto>),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The endpoint belongs to another company."),
        (status = 404, description = "No such endpoint."),
    )
)]
async fn reset_circuit(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
) -> Result<Json<Enveloped<WebhookDto>>, IvError> {
    let manager = manager(&ctx, &[Scope::WriteWebhooks], None)?;
    let w = load(&ctx, &manager, &id).await?;
    save(&ctx, w, Some(EndpointState::Resume)).await
}

/// The endpoint's delivery attempts, newest first.
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    operation_id = "listDeliveries",
    tag = "Webhooks",
    params(("id" = String, Path, format = "uuid", description = ID), crate::http::openapi::PageParams),
    responses(
        (status = 200, description = "A page of delivery attempts.", body = Page<DeliveryDto>),
        (status = 400, description = "`id` is not a UUID, or `page`/`limit` out of range."),
        (status = 403, description = "The endpoint belongs to another company."),
        (status = 404, description = "No such endpoint."),
    )
)]
async fn deliveries(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
) -> Result<Json<Page<DeliveryDto>>, IvError> {
    let manager = manager(&ctx, &[Scope::ReadWebhooks], None)?;
    let page = page_of(&ctx)?;
    let w = load(&ctx, &manager, &id).await?;
    let found = webhooks::deliveries(&ctx.state, &w, page).await?;
    let items: Vec<DeliveryDto> = found.items.iter().map(DeliveryDto::from).collect();
    Ok(Json(Page::new(items, found.total, page)))
}
