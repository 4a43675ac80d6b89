//! The HTML pages of an invite link: the start page, or the page of the state the interview
//! is in, with its status code (see `templates/candidate/state.html` for the table). The words
//! come from the agent's language file ([`super::strings`]).

use super::strings::{self, Strings};
use crate::app::AppState;
use crate::core::engine::landing::{self, BUSY_RETRY_SECS, Kind, Landing};
use crate::http::assets::asset_version;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};

/// An instant: RFC 3339 in UTC for `<time datetime>`, and the same as text for a reader
/// without JavaScript (the script shows it in the candidate's own time zone).
pub struct TimeView {
    pub iso: String,
    pub utc: String,
}

impl TimeView {
    fn of(at: DateTime<Utc>) -> Self {
        Self {
            iso: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            utc: at.format("%A %-d %B %Y, %H:%M UTC").to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "candidate/start.html")]
struct StartPage<'a> {
    lang: &'a str,
    t: &'a Strings,
    asset_version: &'a str,
    company_name: String,
    job_title: Option<String>,
    language_name: String,
    duration_minutes: u32,
    question_count: usize,
    voice_available: bool,
    contact_email: Option<String>,
}

#[derive(Template)]
#[template(path = "candidate/state.html")]
struct StatePage<'a> {
    lang: &'a str,
    t: &'a Strings,
    asset_version: &'a str,
    kind: &'static str,
    contact_email: Option<String>,
    opens_at: Option<TimeView>,
    call_at: Option<TimeView>,
    phone_masked: Option<String>,
    retry_after_seconds: u32,
}

/// The page of the invite link `token`.
pub async fn show(state: &AppState, token: &str) -> Response {
    let landing = landing::landing(&state.engine, token).await;
    if landing.kind == Kind::NotFound
        && let Some(opening) = super::opening::page(state, token).await
    {
        return opening;
    }
    render(landing)
}

fn render(landing: Landing) -> Response {
    let (lang, t, language_name) = strings::for_language(&landing.language);
    let version = asset_version();
    let state = |kind: &'static str, status: StatusCode| {
        (
            status,
            StatePage {
                lang,
                t,
                asset_version: version,
                kind,
                contact_email: landing.contact.clone(),
                opens_at: None,
                call_at: None,
                phone_masked: None,
                retry_after_seconds: 0,
            },
        )
    };
    let (status, page) = match landing.kind {
        Kind::Start(start) => {
            let page = StartPage {
                lang,
                t,
                asset_version: version,
                company_name: start.company_name,
                job_title: start.job_title,
                language_name,
                duration_minutes: start.duration_minutes,
                question_count: start.question_count,
                voice_available: start.voice_available,
                contact_email: landing.contact,
            };
            return html(StatusCode::OK, page.render());
        }
        Kind::NotOpen { opens_at } => {
            let (status, mut page) = state("not_open", StatusCode::OK);
            page.opens_at = Some(TimeView::of(opens_at));
            (status, page)
        }
        Kind::Revoked => state("revoked", StatusCode::GONE),
        Kind::Expired => state("expired", StatusCode::GONE),
        Kind::NotFound => state("not_found", StatusCode::NOT_FOUND),
        Kind::Finished => state("finished", StatusCode::OK),
        Kind::Phone {
            phone_masked,
            call_at,
        } => {
            let (status, mut page) = state("phone", StatusCode::OK);
            page.phone_masked = phone_masked;
            page.call_at = call_at.map(TimeView::of);
            (status, page)
        }
        Kind::Busy => {
            let (status, mut page) = state("busy", StatusCode::SERVICE_UNAVAILABLE);
            page.retry_after_seconds = BUSY_RETRY_SECS;
            let mut response = html(status, page.render());
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_SECS));
            return response;
        }
        Kind::Unavailable => state("unavailable", StatusCode::SERVICE_UNAVAILABLE),
    };
    html(status, page.render())
}

fn html(status: StatusCode, rendered: askama::Result<String>) -> Response {
    match rendered {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a candidate page failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Html(
                    "<!doctype html><title>Unavailable</title><p>Please try again in a moment.</p>",
                ),
            )
                .into_response()
        }
    }
}
