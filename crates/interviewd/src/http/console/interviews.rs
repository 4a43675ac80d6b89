//! `GET /app/interviews`: the company's interviews, filtered by status, job, date and a
//! search of the candidate's name or e-mail and the job's title, a page at a time. The
//! filter form and the page links fetch only the results (`interviews_results.html`) with
//! htmx and push the URL; without JavaScript the same URLs give the whole page.

use super::errors::PageError;
use super::page::{Chrome, When, is_partial, list_page, render};
use super::session::User;
use crate::app::AppState;
use crate::core::catalog::{self, JobFilter};
use crate::core::console_views::{self, InterviewLine, InterviewQuery, STATUSES};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chrono::{Days, NaiveDate};
use interviewd_domain::{InterviewStatus, JobId, PageRequest};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/interviews", get(list))
}

/// An interview as a list row shows it.
#[derive(Clone, Debug)]
pub struct Line {
    pub id: String,
    pub number: i64,
    /// The candidate's name, else their e-mail, else a dash.
    pub candidate: String,
    pub job: String,
    pub channel: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    /// The recruiter's decision: its code and its words.
    pub decision: Option<(&'static str, &'static str)>,
    pub when: When,
}

impl Line {
    /// The row of `line`.
    pub fn of(line: &InterviewLine) -> Self {
        let i = &line.interview;
        let name = [
            line.candidate_first_name.as_deref(),
            line.candidate_last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let candidate = Some(name)
            .filter(|n| !n.trim().is_empty())
            .or_else(|| line.candidate_email.clone())
            .unwrap_or_else(|| "—".into());
        Self {
            id: i.id.to_string(),
            number: i.number,
            candidate,
            job: line.job_title.clone().unwrap_or_else(|| "—".into()),
            channel: if i.channel == interviewd_domain::AgentChannel::Phone {
                "Phone"
            } else {
                "Online"
            },
            status: i.status.as_str(),
            status_label: status_label(i.status),
            decision: line.decision.map(|d| (d.as_str(), decision_label(d))),
            when: When::of(i.scheduled_at),
        }
    }
}

/// How a person reads a status.
/// How a page names a recruiter's decision.
pub fn decision_label(decision: interviewd_domain::Decision) -> &'static str {
    match decision {
        interviewd_domain::Decision::Advanced => "Advanced",
        interviewd_domain::Decision::Rejected => "Rejected",
    }
}

pub fn status_label(status: InterviewStatus) -> &'static str {
    match status {
        InterviewStatus::Scheduled => "Scheduled",
        InterviewStatus::InProgress => "In progress",
        InterviewStatus::Completed => "Completed",
        InterviewStatus::Failed => "Failed",
        InterviewStatus::Canceled => "Canceled",
    }
}

/// The filters as the query string carries them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub job: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub q: String,
    pub page: Option<u32>,
    /// A notice code after a redirect (not a filter).
    pub done: Option<String>,
}

impl Filters {
    /// The store query of these filters; a value that does not parse is a 400 page.
    fn query(&self) -> Result<InterviewQuery, PageError> {
        let bad = |what: &str| PageError::BadRequest(format!("The {what} filter is not valid."));
        let status = match self.status.trim() {
            "" => None,
            s => Some(s.parse::<InterviewStatus>().map_err(|_| bad("status"))?),
        };
        let job = match self.job.trim() {
            "" => None,
            j => Some(j.parse::<JobId>().map_err(|_| bad("job"))?),
        };
        let date = |raw: &str| -> Result<Option<NaiveDate>, PageError> {
            match raw.trim() {
                "" => Ok(None),
                d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| bad("date")),
            }
        };
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Ok(InterviewQuery {
            status,
            job_id: job,
            from: date(&self.from)?.and_then(midnight),
            // `to` is inclusive: until the start of the next day.
            until: date(&self.to)?
                .and_then(|d| d.checked_add_days(Days::new(1)))
                .and_then(midnight),
            search: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
            ..Default::default()
        })
    }

    /// The query string of these filters at `page`.
    pub fn href(&self, page: u32) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("job", &self.job),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ] {
            if !v.trim().is_empty() {
                out.append_pair(k, v.trim());
            }
        }
        if page > 1 {
            out.append_pair("page", &page.to_string());
        }
        format!("/app/interviews?{}", out.finish())
    }
}

/// One `<option>`.
#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The results part: rows and page links.
pub type Results = super::page::Results<Line>;

#[derive(Template)]
#[template(path = "console/interviews.html")]
struct ListPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    filters: Filters,
    statuses: Vec<Choice>,
    jobs: Vec<Choice>,
    results: Results,
}

#[derive(Template)]
#[template(path = "console/interviews_results.html")]
struct ResultsPart {
    results: Results,
}

async fn list(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let company = user.company();
    let query = filters.query()?;
    let page = list_page(filters.page);
    let found = console_views::interviews(&state, company, &query, page).await?;
    let rows = found.items.iter().map(Line::of).collect();
    let filtered = filters.href(1) != "/app/interviews?";
    let results = Results::new(rows, found.total, page, filtered, |n| filters.href(n));
    if is_partial(&headers) {
        return Ok(render(&ResultsPart { results }));
    }
    let statuses = STATUSES
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: status_label(*s).into(),
            selected: filters.status.trim().eq_ignore_ascii_case(s.as_str()),
        })
        .collect();
    let jobs = job_choices(&state, company, filters.job.trim()).await?;
    let page = ListPage {
        chrome: Chrome::of(&state, &user, "interviews").await?,
        notice: super::page::notice(filters.done.as_deref()),
        filters,
        statuses,
        jobs,
        results,
    };
    Ok(render(&page))
}

/// The company's jobs as `<option>`s (the first 100, by number), `selected` marked.
pub async fn job_choices(
    state: &AppState,
    company: interviewd_domain::CompanyId,
    selected: &str,
) -> Result<Vec<Choice>, PageError> {
    let page = PageRequest {
        page: 1,
        limit: 100,
    };
    let jobs = catalog::jobs(state, company, &JobFilter::default(), page).await?;
    Ok(jobs
        .items
        .iter()
        .map(|j| Choice {
            value: j.id.to_string(),
            label: j.title.clone(),
            selected: j.id.to_string() == selected,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::Filters;

    #[test]
    fn filters_parse_and_round_trip() {
        let f = Filters {
            status: "completed".into(),
            from: "2026-12-01".into(),
            to: "2026-12-07".into(),
            q: "ann lee".into(),
            ..Default::default()
        };
        let q = f.query().ok().unwrap_or_default();
        assert_eq!(
            q.status,
            Some(interviewd_domain::InterviewStatus::Completed)
        );
        assert_eq!(
            q.until.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-12-08T00:00:00+00:00")
        );
        assert_eq!(q.search.as_deref(), Some("ann lee"));
        assert_eq!(
            f.href(2),
            "/app/interviews?status=completed&from=2026-12-01&to=2026-12-07&q=ann+lee&page=2"
        );
        let bad = Filters {
            from: "yesterday".into(),
            ..Default::default()
        };
        assert!(bad.query().is_err());
    }
}
