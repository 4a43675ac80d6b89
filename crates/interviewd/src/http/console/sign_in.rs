//! Signing in and out: `GET/POST /app/sign-in` (e-mail and password), `GET/POST
//! /app/sign-in/{token}` (a one-time link: choose a password, then signed in) and `POST
//! /app/sign-out`. The rules — hashing, throttling, lifetimes, messages that never say
//! whether an address has an account — are `core::users`'; this module turns them into
//! pages and cookies.

use super::cookies::{self, SameSite};
use super::csrf::FormToken;
use super::errors::PageError;
use super::form::FormData;
use super::page::{notice, render_status, see_other};
use super::session::{Resolved, User, client_ip, cookie_name, safe_next, secure, session_cookie};
use crate::app::AppState;
use crate::core::users::{self, PASSWORD_MIN, SetPasswordError, SignInError};
use crate::http::assets::asset_version;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

/// The sign-in routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/sign-in", get(form).post(submit))
        .route("/app/sign-in/{token}", get(link).post(choose_password))
        .route("/app/sign-out", post(sign_out))
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    asset_version: &'static str,
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/set_password.html")]
struct SetPasswordPage {
    asset_version: &'static str,
    csrf: String,
    email: String,
    token: String,
    min: usize,
    error: Option<String>,
}

#[derive(Deserialize)]
struct SignInQuery {
    next: Option<String>,
    done: Option<String>,
}

fn checked_next(next: Option<&str>) -> String {
    next.filter(|n| safe_next(n)).unwrap_or("").to_owned()
}

async fn form(
    Extension(resolved): Extension<Resolved>,
    FormToken(csrf): FormToken,
    Query(q): Query<SignInQuery>,
) -> Response {
    let next = checked_next(q.next.as_deref());
    if resolved.signed_in.is_some() {
        return see_other(if next.is_empty() { "/app" } else { &next });
    }
    let done = q.done.as_deref();
    let page = SignInPage {
        asset_version: asset_version(),
        csrf,
        email: String::new(),
        next,
        error: None,
        notice: if done == Some("signed-out") {
            Some("You are signed out.")
        } else {
            notice(done)
        },
    };
    render_status(StatusCode::OK, &page)
}

async fn submit(State(state): State<AppState>, req: Request) -> Result<Response, PageError> {
    let client = client_ip(req.extensions());
    let csrf = match req.extensions().get::<super::csrf::PreSessionToken>() {
        Some(t) => t.0.clone(),
        // Signed in already (the token was the session's): nothing to do here.
        None => return Ok(see_other("/app")),
    };
    let form = FormData::from_request_bytes(req).await?;
    let email = form.text("email").to_owned();
    let next = checked_next(Some(form.text("next")));
    let outcome = users::sign_in(
        state.store.as_ref(),
        &email,
        form.raw("password"),
        client,
        state.now(),
    )
    .await;
    let (status, message) = match outcome {
        Ok(opened) => {
            let mut res = see_other(if next.is_empty() { "/app" } else { &next });
            let cookie = session_cookie(&state, &opened.token, opened.expires_at);
            res.headers_mut().append(header::SET_COOKIE, cookie);
            tracing::info!(user = %opened.user.id, "console sign-in");
            return Ok(res);
        }
        Err(e @ SignInError::Invalid) => (StatusCode::UNAUTHORIZED, e.to_string()),
        Err(e @ SignInError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
        Err(SignInError::Failed(e)) => return Err(e.into()),
    };
    let page = SignInPage {
        asset_version: asset_version(),
        csrf,
        email,
        next,
        error: Some(message),
        notice: None,
    };
    Ok(render_status(status, &page))
}

async fn link(
    State(state): State<AppState>,
    FormToken(csrf): FormToken,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    match users::link_user(state.store.as_ref(), &token, state.now()).await? {
        Some(user) => Ok(render_status(
            StatusCode::OK,
            &SetPasswordPage {
                asset_version: asset_version(),
                csrf,
                email: user.email.as_str().to_owned(),
                token,
                min: PASSWORD_MIN,
                error: None,
            },
        )),
        None => Ok(invalid_link()),
    }
}

fn invalid_link() -> Response {
    super::errors::error_page(
        StatusCode::NOT_FOUND,
        "This link does not work",
        SetPasswordError::LinkInvalid.to_string(),
    )
}

async fn choose_password(
    State(state): State<AppState>,
    FormToken(csrf): FormToken,
    Path(token): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let (password, confirmation) = (form.raw("password"), form.raw("confirmation"));
    let now = state.now();
    match users::set_password(state.store.as_ref(), &token, password, confirmation, now).await {
        Ok(opened) => {
            let mut res = see_other("/app?done=password-set");
            let cookie = session_cookie(&state, &opened.token, opened.expires_at);
            res.headers_mut().append(header::SET_COOKIE, cookie);
            tracing::info!(user = %opened.user.id, "console password set through a link");
            Ok(res)
        }
        Err(SetPasswordError::Rejected(message)) => {
            let user = users::link_user(state.store.as_ref(), &token, now).await?;
            let Some(user) = user else {
                return Ok(invalid_link());
            };
            let page = SetPasswordPage {
                asset_version: asset_version(),
                csrf,
                email: user.email.as_str().to_owned(),
                token,
                min: PASSWORD_MIN,
                error: Some(message),
            };
            Ok(render_status(StatusCode::BAD_REQUEST, &page))
        }
        Err(SetPasswordError::LinkInvalid) => Ok(invalid_link()),
        Err(SetPasswordError::Failed(e)) => Err(e.into()),
    }
}

async fn sign_out(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    users::sign_out(state.store.as_ref(), user.signed_in.session_id).await?;
    let mut res = see_other("/app/sign-in?done=signed-out");
    let clear = cookies::clear(&cookie_name(&state), SameSite::Lax, secure(&state));
    res.headers_mut().append(header::SET_COOKIE, clear);
    Ok(res.into_response())
}
