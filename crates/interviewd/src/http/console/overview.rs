//! `GET /app`: the overview — interviews by status, today's and the upcoming ones, live
//! sessions against the company's concurrency limit, and the calls waiting for a slot.

use super::errors::PageError;
use super::interviews::{Line, status_label};
use super::page::{Chrome, Done, When, render};
use super::session::User;
use crate::app::AppState;
use crate::core::console_views;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/app", get(show))
}

/// One status with its count and the list it links to.
struct Count {
    label: &'static str,
    code: &'static str,
    count: i64,
}

/// A call waiting for a slot.
struct Queued {
    interview: String,
    when: When,
    retry: u32,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    counts: Vec<Count>,
    total: i64,
    today: Vec<Line>,
    today_total: i64,
    today_more: bool,
    upcoming: Vec<Line>,
    live: Vec<Line>,
    limit: u32,
    in_use: u32,
    queued: u32,
    queue: Vec<Queued>,
    today_href: String,
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let o = console_views::overview(&state, user.company()).await?;
    let counts: Vec<Count> = o
        .counts
        .iter()
        .map(|(s, n)| Count {
            label: status_label(*s),
            code: s.as_str(),
            count: *n,
        })
        .collect();
    let today = console_views::start_of_day(state.now()).format("%Y-%m-%d");
    let page = OverviewPage {
        chrome: Chrome::of(&state, &user, "overview").await?,
        notice: q.notice(),
        total: counts.iter().map(|c| c.count).sum(),
        counts,
        today: o.today.items.iter().map(Line::of).collect(),
        today_total: o.today.total,
        today_more: o.today.total > o.today.items.len() as i64,
        upcoming: o.upcoming.items.iter().map(Line::of).collect(),
        live: o.live.items.iter().map(Line::of).collect(),
        limit: o.concurrency.limit,
        in_use: o.concurrency.in_use,
        queued: o.concurrency.queued,
        queue: o
            .queue
            .iter()
            .map(|c| Queued {
                interview: c.interview_id.to_string(),
                when: When::of(c.scheduled_at),
                retry: c.retry_number,
            })
            .collect(),
        today_href: format!("/app/interviews?from={today}&to={today}"),
    };
    Ok(render(&page))
}
