//! Settings: `GET /app/settings` (the company's plan, concurrency and invite quota — read
//! only in the console, an operator changes them — and, for administrators, the people who
//! use the console), and the company's API keys for administrators: `GET/POST
//! /app/settings/keys` (a new key's secret is shown once, on the page that answers the form)
//! and `GET/POST /app/settings/keys/{id}/revoke`.

use super::errors::PageError;
use super::form::FormData;
use super::page::{Chrome, Done, When, render, render_status, see_other};
use super::removal::ConfirmPage;
use super::session::{Admin, User};
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::{companies, company_keys, users};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use interviewd_domain::model::ApiKey;
use interviewd_domain::{KeyId, Scope, ScopeSet};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/settings", get(show))
        .route("/app/settings/keys", get(keys).post(create_key))
        .route(
            "/app/settings/keys/{id}/revoke",
            get(revoke_form).post(revoke),
        )
}

/// A console user as the settings list them.
struct Person {
    email: String,
    role: &'static str,
    state: &'static str,
    last_sign_in: Option<When>,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    plan: &'static str,
    plan_changed: Option<When>,
    limit: u32,
    in_use: u32,
    queued: u32,
    invite_quota: u32,
    people: Vec<Person>,
}

async fn show(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    let company = companies::get(&state, user.company()).await?;
    let slots = companies::concurrency(&state, company.id).await?;
    let people = if user.is_admin() {
        users::list(state.store.as_ref(), Some(company.id))
            .await?
            .iter()
            .map(|u| Person {
                email: u.email.as_str().to_owned(),
                role: u.role.as_str(),
                state: match (u.disabled_at, u.has_password) {
                    (Some(_), _) => "Disabled",
                    (None, false) => "Invited (no password yet)",
                    (None, true) => "Active",
                },
                last_sign_in: When::opt(u.last_sign_in_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = SettingsPage {
        chrome: Chrome::of(&state, &user, "settings").await?,
        plan: company.plan.as_str(),
        plan_changed: When::opt(company.plan_changed_at),
        limit: slots.limit,
        in_use: slots.in_use,
        queued: slots.queued,
        invite_quota: company.plan.invite_quota(),
        people,
    };
    Ok(render(&page))
}

/// One key row.
struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    scopes: String,
    created: When,
    revoked: Option<When>,
}

impl KeyRow {
    fn of(k: &ApiKey) -> Self {
        Self {
            id: k.id.to_string(),
            name: k.name.clone().unwrap_or_else(|| "(no name)".into()),
            prefix: k.prefix.clone(),
            scopes: if k.scopes == ScopeSet::all() {
                "all scopes".into()
            } else {
                k.scopes.names().join(", ")
            },
            created: When::of(k.created_at),
            revoked: When::opt(k.revoked_at),
        }
    }
}

/// A scope tick box.
struct ScopeBox {
    value: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "console/keys.html")]
struct KeysPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    keys: Vec<KeyRow>,
    scopes: Vec<ScopeBox>,
    name: String,
    error: Option<String>,
    /// The key just created, its secret shown this once.
    created: Option<NewKey>,
}

/// A key just created.
struct NewKey {
    prefix: String,
    secret: String,
}

async fn keys_page(
    state: &AppState,
    user: &User,
    form: Option<&FormData>,
    error: Option<String>,
    created: Option<NewKey>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let keys = company_keys::list(state, user.company()).await?;
    let ticked = form.map(|f| f.all("scope")).unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = KeysPage {
        chrome: Chrome::of(state, user, "settings").await?,
        notice,
        keys: keys.iter().map(KeyRow::of).collect(),
        scopes: Scope::ALL
            .iter()
            .map(|s| ScopeBox {
                value: s.as_str(),
                checked: created.is_none() && ticked.contains(&s.as_str()),
            })
            .collect(),
        name: if created.is_some() {
            String::new()
        } else {
            form.map_or(String::new(), |f| f.text("name").to_owned())
        },
        error,
        created,
    };
    Ok(render_status(status, &page))
}

async fn keys(
    State(state): State<AppState>,
    Admin(user): Admin,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    keys_page(&state, &user, None, None, None, q.notice()).await
}

async fn create_key(
    State(state): State<AppState>,
    Admin(user): Admin,
    form: FormData,
) -> Result<Response, PageError> {
    let made = async {
        let names = form.all("scope").join(",");
        let scopes = if names.is_empty() {
            ScopeSet::default()
        } else {
            ScopeSet::parse_list(&names).map_err(|e| CoreError::invalid("scopes", e))?
        };
        company_keys::create(&state, user.company(), form.text("name"), scopes).await
    }
    .await;
    match made {
        Ok((key, secret)) => {
            tracing::info!(user = %user.signed_in.user.id, key = %key.id, "console: API key created");
            let created = NewKey {
                prefix: key.prefix,
                secret,
            };
            keys_page(&state, &user, None, None, Some(created), None).await
        }
        Err(CoreError::Validation { message, .. }) => {
            keys_page(&state, &user, Some(&form), Some(message), None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The company's key `raw` (a 404 page for another company's or an unknown one).
async fn load_key(state: &AppState, user: &User, raw: &str) -> Result<ApiKey, PageError> {
    let id: KeyId = raw.parse().map_err(|_| PageError::NotFound)?;
    company_keys::list(state, user.company())
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(PageError::NotFound)
}

async fn revoke_form(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let key = load_key(&state, &user, &raw).await?;
    let name = key.name.clone().unwrap_or_else(|| key.prefix.clone());
    let page = ConfirmPage {
        chrome: Chrome::of(&state, &user, "settings").await?,
        title: format!("Revoke the API key “{name}”?"),
        back: "/app/settings/keys".into(),
        back_label: "Keep the key".into(),
        lead: format!("The key starting with {} will stop working.", key.prefix),
        effects: vec![
            "Every request made with it is refused from now on (401), in all three APIs.".into(),
            "Webhook endpoints it created keep receiving events.".into(),
            "This cannot be undone; create a new key if you need one.".into(),
        ],
        checkbox: None,
        action: format!("/app/settings/keys/{}/revoke", key.id),
        submit: "Revoke the key",
        danger: true,
    };
    Ok(render(&page))
}

async fn revoke(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let key = load_key(&state, &user, &raw).await?;
    company_keys::revoke(&state, user.company(), key.id).await?;
    tracing::info!(user = %user.signed_in.user.id, key = %key.id, "console: API key revoked");
    Ok(see_other("/app/settings/keys?done=key-revoked"))
}
