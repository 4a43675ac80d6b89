//! What every console page shares: the frame's context ([`Chrome`]: who is signed in, the
//! company, the CSRF token, the navigation), rendering a template into a response, telling
//! an htmx fragment request from a page request, the redirect after a form, and times as a
//! page shows them.

use super::errors::PageError;
use super::session::User;
use crate::app::AppState;
use crate::core::companies;
use crate::http::assets::asset_version;
use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use interviewd_domain::PageRequest;

/// The context of the frame every signed-in page extends (`console/base.html`).
#[derive(Clone, Debug)]
pub struct Chrome {
    /// The CSRF token every form and htmx request carries.
    pub csrf: String,
    pub email: String,
    pub company: String,
    pub admin: bool,
    /// Which navigation entry is current: `overview`, `interviews`, `candidates`, `jobs`,
    /// `agents`, `settings`, or empty.
    pub nav: &'static str,
    pub asset_version: &'static str,
}

impl Chrome {
    /// The frame for `user`, with `nav` current.
    pub async fn of(state: &AppState, user: &User, nav: &'static str) -> Result<Self, PageError> {
        let company = companies::get(state, user.company()).await?;
        Ok(Self {
            csrf: user.csrf.clone(),
            email: user.signed_in.user.email.as_str().to_owned(),
            company: company.name,
            admin: user.is_admin(),
            nav,
            asset_version: asset_version(),
        })
    }

    /// `aria-current="page"` on the current navigation entry.
    pub fn current(&self, entry: &str) -> &'static str {
        if self.nav == entry { "page" } else { "false" }
    }
}

/// Renders `template` with status 200.
pub fn render<T: Template>(template: &T) -> Response {
    render_status(StatusCode::OK, template)
}

/// Renders `template` with `status`; a template that fails to render is a 500 page.
pub fn render_status<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a console template failed");
            PageError::Internal.into_response()
        }
    }
}

/// Whether the request asks for a fragment: an htmx request that is not a history restore
/// (which needs the whole page).
pub fn is_partial(headers: &HeaderMap) -> bool {
    let flag = |name: &str| headers.get(name).is_some_and(|v| v.as_bytes() == b"true");
    flag("hx-request") && !flag("hx-history-restore-request") && !flag("hx-boosted")
}

/// The answer to a successful form: `303 See Other` to the page that shows the result.
pub fn see_other(location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/app"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

/// An instant as a page shows it: machine-readable in `<time datetime>`, readable in UTC
/// for a reader without JavaScript (the script shows the reader's local time instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct When {
    pub iso: String,
    pub text: String,
}

impl When {
    /// The view of `at`.
    pub fn of(at: DateTime<Utc>) -> Self {
        Self {
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            text: at.format("%-d %b %Y, %H:%M UTC").to_string(),
        }
    }

    /// The view of an optional instant.
    pub fn opt(at: Option<DateTime<Utc>>) -> Option<Self> {
        at.map(Self::of)
    }
}

/// `m:ss` of a millisecond offset (transcript times).
pub fn clock(ms: u64) -> String {
    let secs = ms / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// The query of a page a form redirects to: its `?done=` code.
#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    /// The code's message ([`notice`]).
    pub fn notice(&self) -> Option<&'static str> {
        notice(self.done.as_deref())
    }
}

/// Rows a list page shows at once.
pub const PER_PAGE: u32 = 25;

/// Page `page` (1 when absent, at most 10,000) of a list, [`PER_PAGE`] rows long.
pub fn list_page(page: Option<u32>) -> PageRequest {
    PageRequest {
        page: page.unwrap_or(1).clamp(1, 10_000),
        limit: PER_PAGE,
    }
}

/// One page of a filtered list, with links to the pages before and after it.
#[derive(Clone, Debug)]
pub struct Results<R> {
    pub rows: Vec<R>,
    pub total: i64,
    pub page: u32,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub filtered: bool,
}

impl<R> Results<R> {
    /// `rows`, page `page` of `total`; `href(n)` links page `n` under the same filters.
    pub fn new(
        rows: Vec<R>,
        total: i64,
        page: PageRequest,
        filtered: bool,
        href: impl Fn(u32) -> String,
    ) -> Self {
        let pages = page.total_pages(total).max(1);
        Self {
            rows,
            total,
            page: page.page,
            pages,
            prev: (page.page > 1).then(|| href(page.page - 1)),
            next: (i64::from(page.page) < pages).then(|| href(page.page + 1)),
            filtered,
        }
    }
}

/// The message of a `?done=` code after a redirect: a fixed table, so nothing typed by anyone
/// is reflected into the page.
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "job-saved" => "The job was saved.",
        "agent-saved" => "The interviewer was saved.",
        "candidate-saved" => "The candidate was saved.",
        "invited" => "The invite was created.",
        "scheduled" => "The phone interview was scheduled.",
        "revoked" => "The invite was revoked.",
        "already-revoked" => "The invite had already been revoked; nothing changed.",
        "deleted" => "The interview was deleted.",
        "advanced" => "The candidate was advanced.",
        "rejected" => "The candidate was rejected.",
        "decision-unchanged" => "That was already the decision; nothing was sent.",
        "removed" => "The candidate was removed from the job.",
        "key-revoked" => "The API key was revoked.",
        "webhook-saved" => "The webhook endpoint was saved.",
        "webhook-deleted" => "The webhook endpoint was deleted.",
        "test-sent" => "A test event was queued for delivery.",
        "circuit-reset" => "The circuit was closed; held messages are being sent.",
        "password-set" => "Your password was set. You are signed in.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_offsets_read_well() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T09:05:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let w = When::of(at);
        assert_eq!(w.iso, "2026-12-07T09:05:00Z");
        assert_eq!(w.text, "7 Dec 2026, 09:05 UTC");
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(125_400), "2:05");
        assert_eq!(notice(Some("deleted")), Some("The interview was deleted."));
        assert_eq!(notice(Some("<script>")), None);
    }

    #[test]
    fn only_htmx_requests_that_are_not_history_restores_get_fragments() {
        let mut h = HeaderMap::new();
        assert!(!is_partial(&h));
        h.insert("hx-request", HeaderValue::from_static("true"));
        assert!(is_partial(&h));
        h.insert(
            "hx-history-restore-request",
            HeaderValue::from_static("true"),
        );
        assert!(!is_partial(&h));
    }
}
