//! Candidates: `GET /app/candidates` (search by name or e-mail, filter by job, a page at a
//! time, the results fetched alone by htmx), `GET/POST /app/candidates/new`, and
//! `GET /app/candidates/{id}`: the candidate with their jobs, their interviews and the
//! actions on them (invite, schedule a call, remove from a job).

use super::errors::PageError;
use super::form::FormData;
use super::interviews::{Choice, Line, job_choices};
use super::page::{
    Chrome, Done, When, is_partial, list_page, notice, render, render_status, see_other,
};
use super::session::User;
use crate::app::AppState;
use crate::core::candidates::{self, CandidateFilter};
use crate::core::catalog;
use crate::core::console_views::{self, InterviewQuery};
use crate::core::error::CoreError;
use crate::core::validate;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use interviewd_domain::model::Candidate;
use interviewd_domain::{CandidateId, CompanyId, Email, ExtId, JobId, PageRequest, PhoneNumber};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/candidates", get(list))
        .route("/app/candidates/new", get(new_form).post(create))
        .route("/app/candidates/{id}", get(show))
}

/// The candidate `raw` of the user's company (a 404 page otherwise).
pub async fn load(state: &AppState, user: &User, raw: &str) -> Result<Candidate, PageError> {
    let id: CandidateId = raw.parse().map_err(|_| PageError::NotFound)?;
    candidates::get(state, user.company(), id)
        .await?
        .ok_or(PageError::NotFound)
}

/// "First Last", else the e-mail, else the phone number.
pub fn display_name(c: &Candidate) -> String {
    candidates::full_name(c)
        .or_else(|| c.email.as_ref().map(|e| e.as_str().to_owned()))
        .or_else(|| c.phone.as_ref().map(|p| p.as_str().to_owned()))
        .unwrap_or_else(|| "Unnamed candidate".into())
}

/// A candidate's fields as a form or a CSV row gives them.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub external_id: String,
}

impl Fields {
    fn of_form(f: &FormData) -> Self {
        Self {
            first_name: f.text("first_name").into(),
            last_name: f.text("last_name").into(),
            email: f.text("email").into(),
            phone: f.text("phone").into(),
            external_id: f.text("external_id").into(),
        }
    }

    /// A new candidate of `company` with these fields, validated; it needs an e-mail address
    /// or a phone number, to be reached.
    pub fn into_candidate(
        &self,
        company: CompanyId,
        now: DateTime<Utc>,
    ) -> Result<Candidate, CoreError> {
        let mut c = Candidate::new(company, now);
        c.first_name = validate::opt_text("first name", Some(&self.first_name), 100)?;
        c.last_name = validate::opt_text("last name", Some(&self.last_name), 100)?;
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        c.email = opt(&self.email)
            .map(|e| Email::parse(&e))
            .transpose()
            .map_err(|e| CoreError::invalid_value("e-mail", e))?;
        c.phone = opt(&self.phone)
            .map(|p| PhoneNumber::parse(&p))
            .transpose()
            .map_err(|e| CoreError::invalid_value("phone", e))?;
        c.ext_id = opt(&self.external_id)
            .map(|x| ExtId::parse(&x))
            .transpose()
            .map_err(|e| CoreError::invalid_value("external id", e))?;
        if c.email.is_none() && c.phone.is_none() {
            return Err(CoreError::invalid(
                "email",
                "Give an e-mail address or a phone number (or both).",
            ));
        }
        Ok(c)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    job: String,
    page: Option<u32>,
    done: Option<String>,
}

impl ListQuery {
    fn href(&self, page: u32) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("q", &self.q), ("job", &self.job)] {
            if !v.trim().is_empty() {
                out.append_pair(k, v.trim());
            }
        }
        if page > 1 {
            out.append_pair("page", &page.to_string());
        }
        format!("/app/candidates?{}", out.finish())
    }
}

/// One candidate row.
pub struct Row {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub added: When,
}

/// The results part of the list.
pub type Results = super::page::Results<Row>;

#[derive(Template)]
#[template(path = "console/candidates.html")]
struct ListPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    q: String,
    jobs: Vec<Choice>,
    results: Results,
}

#[derive(Template)]
#[template(path = "console/candidates_results.html")]
struct ResultsPart {
    results: Results,
}

async fn list(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let company = user.company();
    let job = match q.job.trim() {
        "" => None,
        raw => Some(
            raw.parse::<JobId>()
                .map_err(|_| PageError::BadRequest("The job filter is not valid.".into()))?,
        ),
    };
    let filter = CandidateFilter {
        job_id: job,
        status: None,
        search: Some(q.q.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let page = list_page(q.page);
    let found = candidates::list(&state, company, &filter, page).await?;
    let rows = found
        .items
        .iter()
        .map(|c| Row {
            id: c.id.to_string(),
            name: display_name(c),
            email: c
                .email
                .as_ref()
                .map_or("—".into(), |e| e.as_str().to_owned()),
            phone: c
                .phone
                .as_ref()
                .map_or("—".into(), |p| p.as_str().to_owned()),
            added: When::of(c.created_at),
        })
        .collect();
    let filtered = filter.search.is_some() || filter.job_id.is_some();
    let results = Results::new(rows, found.total, page, filtered, |n| q.href(n));
    if is_partial(&headers) {
        return Ok(render(&ResultsPart { results }));
    }
    let page = ListPage {
        chrome: Chrome::of(&state, &user, "candidates").await?,
        notice: notice(q.done.as_deref()),
        jobs: job_choices(&state, company, q.job.trim()).await?,
        q: q.q,
        results,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "console/candidate_form.html")]
struct FormPage {
    chrome: Chrome,
    fields: Fields,
    jobs: Vec<Choice>,
    error: Option<String>,
}

async fn new_form(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    let page = FormPage {
        chrome: Chrome::of(&state, &user, "candidates").await?,
        fields: Fields::default(),
        jobs: job_choices(&state, user.company(), "").await?,
        error: None,
    };
    Ok(render(&page))
}

async fn create(
    State(state): State<AppState>,
    user: User,
    form: FormData,
) -> Result<Response, PageError> {
    let company = user.company();
    let fields = Fields::of_form(&form);
    let built = async {
        let mut c = fields.into_candidate(company, state.now())?;
        for raw in form.all("job").into_iter().filter(|j| !j.is_empty()) {
            let id = raw
                .parse::<JobId>()
                .map_err(|_| CoreError::invalid("job", "Choose a job from the list."))?;
            c.link_job(candidates::company_job(&state, company, id).await?);
        }
        candidates::create(&state, &c).await
    }
    .await;
    match built {
        Ok(c) => Ok(see_other(&format!(
            "/app/candidates/{}?done=candidate-saved",
            c.id
        ))),
        Err(CoreError::Validation { message, .. } | CoreError::Conflict { message, .. }) => {
            let selected = form.all("job");
            let mut jobs = job_choices(&state, company, "").await?;
            for j in &mut jobs {
                j.selected = selected.contains(&j.value.as_str());
            }
            let page = FormPage {
                chrome: Chrome::of(&state, &user, "candidates").await?,
                fields,
                jobs,
                error: Some(message),
            };
            Ok(render_status(StatusCode::BAD_REQUEST, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// A job the candidate is linked to.
pub struct JobLink {
    pub id: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "console/candidate.html")]
struct ShowPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    external_id: Option<String>,
    status: String,
    added: When,
    jobs: Vec<JobLink>,
    interviews: Vec<Line>,
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let c = load(&state, &user, &raw).await?;
    let company = user.company();
    let mut jobs = Vec::new();
    for id in &c.job_ids {
        if let Some(job) = catalog::job(&state, company, *id).await? {
            jobs.push(JobLink {
                id: job.id.to_string(),
                title: job.title,
            });
        }
    }
    let query = InterviewQuery {
        candidate_id: Some(c.id),
        ..Default::default()
    };
    let first = PageRequest {
        page: 1,
        limit: 100,
    };
    let interviews = console_views::interviews(&state, company, &query, first).await?;
    let page = ShowPage {
        chrome: Chrome::of(&state, &user, "candidates").await?,
        notice: q.notice(),
        id: c.id.to_string(),
        name: display_name(&c),
        email: c.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: c.phone.as_ref().map(|p| p.as_str().to_owned()),
        external_id: c.ext_id.as_ref().map(|x| x.as_str().to_owned()),
        status: c.status.clone(),
        added: When::of(c.created_at),
        jobs,
        interviews: interviews.items.iter().map(Line::of).collect(),
    };
    Ok(render(&page))
}
