//! Xobin's AI-interview webhook settings (scope `write:webhooks`), decided in
//! [`crate::core::webhook_settings`]:
//!
//! - `POST /ai-interviews/settings/webhooks` `{"webhooks": {start?, submission?, auth?},
//!   "updateAll"?}`: the company's global settings
//!   (<https://app.xobin.com/api/docs/ai-interviews/settings/add-webhook.html>);
//! - `PUT /ai-interviews/settings/webhooks/{ai_interview_id}` `{"webhooks": {…}}`: one AI
//!   interview's own (<https://app.xobin.com/api/docs/ai-interviews/settings/add-specific-webhook.html>).
//!
//! A webhook (`{status, url}`) or `auth` left out keeps what is stored; `auth` with
//! `status: false`, or `null`, removes it. `auth.apikey` takes the create page's
//! `{header, apikey}` and the specific page's `{key, value}` alike. The answer is the stored
//! settings in the pages' shape, secrets hidden (`password: null` with `hasPassword`,
//! `apikey: null`).

use super::ctx::{XbCtx, XbPath, int_id};
use super::error::XbError;
use crate::app::AppState;
use crate::core::catalog;
use crate::core::error::CoreError;
use crate::core::webhook_settings::{self, Auth, Hook, Settings, Update};
use axum::Json;
use axum::body::Bytes;
use interviewd_domain::Scope;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(global))
        .routes(routes!(specific))
}

/// One webhook.
#[derive(Deserialize, Serialize, ToSchema)]
#[schema(as = XobinWebhookHook)]
struct HookBody {
    /// Whether it is sent.
    status: bool,
    /// Where (an http(s) URL; required when `status` is true).
    #[serde(default)]
    url: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = XobinWebhookBasic)]
struct BasicBody {
    username: String,
    password: String,
}

/// The header to send: `{header, apikey}` or `{key, value}`.
#[derive(Deserialize, ToSchema)]
#[schema(as = XobinWebhookApikey)]
struct ApikeyBody {
    #[serde(default, alias = "key")]
    header: Option<String>,
    #[serde(default, alias = "value")]
    apikey: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = XobinWebhookAuth)]
struct AuthBody {
    /// `basic` or `apikey`.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// `false` removes the authentication.
    #[serde(default)]
    status: Option<bool>,
    #[serde(default)]
    basic: Option<BasicBody>,
    #[serde(default)]
    apikey: Option<ApikeyBody>,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = XobinWebhooks)]
struct WebhooksBody {
    #[serde(default)]
    start: Option<HookBody>,
    #[serde(default)]
    submission: Option<HookBody>,
    /// Absent: kept; `null`: removed.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AuthBody>)]
    auth: Option<Option<AuthBody>>,
}

/// `Some(None)` for an explicit `null`, so that it differs from an absent member.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<AuthBody>>, D::Error> {
    Option::<AuthBody>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = XobinGlobalWebhookSettings)]
struct GlobalBody {
    // Read as an object first: serde would take an array for a struct.
    #[schema(value_type = WebhooksBody)]
    webhooks: Map<String, Value>,
    /// Also apply them to every existing AI interview (dropping their own settings).
    #[serde(default)]
    update_all: bool,
}

#[derive(Deserialize, ToSchema)]
#[schema(as = XobinWebhookSettingsBody)]
struct SpecificBody {
    #[schema(value_type = WebhooksBody)]
    webhooks: Map<String, Value>,
}

/// The `webhooks` object as an update (400 for members of the wrong type). The nested
/// objects are checked to be objects first: serde would read a struct from an array.
fn update_of(webhooks: Map<String, Value>) -> Result<Update, XbError> {
    let webhooks = Value::Object(webhooks);
    for path in [
        "/start",
        "/submission",
        "/auth",
        "/auth/basic",
        "/auth/apikey",
    ] {
        if let Some(v) = webhooks
            .pointer(path)
            .filter(|v| !v.is_null() && !v.is_object())
        {
            let field = format!("webhooks{}", path.replace('/', "."));
            return Err(invalid(
                &field,
                format!("{field} must be an object, not {v}"),
            ));
        }
    }
    let body: WebhooksBody = serde_json::from_value(webhooks)
        .map_err(|e| invalid("webhooks", format!("webhooks: {e}")))?;
    body.into_update()
}

/// The stored settings, secrets hidden.
#[derive(Serialize, ToSchema)]
#[schema(as = XobinWebhookSettings)]
struct SettingsAnswer {
    webhooks: WebhooksAnswer,
}

#[derive(Serialize, ToSchema)]
#[schema(as = XobinWebhooksAnswer)]
struct WebhooksAnswer {
    start: HookBody,
    submission: HookBody,
    auth: AuthAnswer,
}

#[derive(Serialize, ToSchema)]
#[schema(as = XobinWebhookAuthAnswer)]
struct AuthAnswer {
    /// `basic`, `apikey`, or `null` without authentication.
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    basic: BasicAnswer,
    apikey: ApikeyAnswer,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = XobinWebhookBasicAnswer)]
struct BasicAnswer {
    username: Option<String>,
    /// Always `null`.
    password: Option<String>,
    has_password: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(as = XobinWebhookApikeyAnswer)]
struct ApikeyAnswer {
    header: Option<String>,
    /// Always `null`.
    apikey: Option<String>,
}

impl SettingsAnswer {
    fn of(s: &Settings) -> Self {
        let hook = |h: &Hook| HookBody {
            status: h.status,
            url: h.url.clone(),
        };
        let (kind, username, has_password, header) = match &s.auth {
            Some(Auth::Basic { username, password }) => (
                Some("basic"),
                Some(username.clone()),
                !password.is_empty(),
                None,
            ),
            Some(Auth::Apikey { header, .. }) => {
                (Some("apikey"), None, false, Some(header.clone()))
            }
            None => (None, None, false, None),
        };
        Self {
            webhooks: WebhooksAnswer {
                start: hook(&s.start),
                submission: hook(&s.submission),
                auth: AuthAnswer {
                    kind,
                    basic: BasicAnswer {
                        username,
                        password: None,
                        has_password,
                    },
                    apikey: ApikeyAnswer {
                        header,
                        apikey: None,
                    },
                },
            },
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> XbError {
    CoreError::invalid(field, message).into()
}

impl WebhooksBody {
    fn into_update(self) -> Result<Update, XbError> {
        let hook = |h: HookBody| Hook {
            status: h.status,
            url: h.url,
        };
        let auth = match self.auth {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) if a.status == Some(false) => Some(None),
            Some(Some(a)) => Some(Some(match a.kind.as_deref() {
                Some("basic") => {
                    let b = a.basic.ok_or_else(|| {
                        invalid(
                            "webhooks.auth.basic",
                            "webhooks.auth.basic is required for basic",
                        )
                    })?;
                    Auth::Basic {
                        username: b.username,
                        password: b.password,
                    }
                }
                Some("apikey") => {
                    let k = a.apikey.ok_or_else(|| {
                        invalid(
                            "webhooks.auth.apikey",
                            "webhooks.auth.apikey is required for apikey",
                        )
                    })?;
                    match (k.header, k.apikey) {
                        (Some(header), Some(value)) => Auth::Apikey { header, value },
                        _ => {
                            return Err(invalid(
                                "webhooks.auth.apikey",
                                "webhooks.auth.apikey needs the header name (key) and its value",
                            ));
                        }
                    }
                }
                _ => {
                    return Err(invalid(
                        "webhooks.auth.type",
                        "webhooks.auth.type must be basic or apikey",
                    ));
                }
            })),
        };
        Ok(Update {
            start: self.start.map(hook),
            submission: self.submission.map(hook),
            auth,
        })
    }
}

/// Set the company's global webhook settings.
#[utoipa::path(
    post,
    path = "/ai-interviews/settings/webhooks",
    operation_id = "setGlobalWebhookSettings",
    tag = "AI interviews",
    request_body = GlobalBody,
    responses(
        (status = 200, description = "The stored settings.", body = SettingsAnswer),
        (status = 400, description = "An invalid body, URL or authentication."),
    )
)]
async fn global(ctx: XbCtx, body: Bytes) -> Result<Json<SettingsAnswer>, XbError> {
    let company = ctx.company(&[Scope::WriteWebhooks])?;
    let input: GlobalBody = ctx.body(&body)?;
    let update = update_of(input.webhooks)?;
    let actor = Some(ctx.principal.key.id);
    let saved =
        webhook_settings::save(&ctx.state, company, None, actor, update, input.update_all).await?;
    Ok(Json(SettingsAnswer::of(&saved)))
}

/// Set one AI interview's own webhook settings.
#[utoipa::path(
    put,
    path = "/ai-interviews/settings/webhooks/{ai_interview_id}",
    operation_id = "setWebhookSettings",
    tag = "AI interviews",
    params(("ai_interview_id" = i64, Path, minimum = 1, description = "The AI interview.")),
    request_body = SpecificBody,
    responses(
        (status = 200, description = "The stored settings.", body = SettingsAnswer),
        (status = 400, description = "An invalid id, body, URL or authentication."),
        (status = 404, description = "No such AI interview in the company."),
    )
)]
async fn specific(
    ctx: XbCtx,
    XbPath(raw): XbPath,
    body: Bytes,
) -> Result<Json<SettingsAnswer>, XbError> {
    let company = ctx.company(&[Scope::WriteWebhooks])?;
    let number = int_id(&raw, "ai_interview_id")?;
    let input: SpecificBody = ctx.body(&body)?;
    let update = update_of(input.webhooks)?;
    let (job, _) = catalog::ai_interview(&ctx.state, company, number).await?;
    let actor = Some(ctx.principal.key.id);
    let saved =
        webhook_settings::save(&ctx.state, company, Some(job.id), actor, update, false).await?;
    Ok(Json(SettingsAnswer::of(&saved)))
}
