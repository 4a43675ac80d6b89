//! Jobs with their interviewer: `GET /app/jobs`, `GET/POST /app/jobs/new` (the job and a new
//! interviewer of its own, in one transaction) and `GET/POST /app/jobs/{id}` (both changed;
//! a job made through the API without an interviewer gets one).

use super::agents::Fields as AgentFields;
use super::errors::PageError;
use super::form::FormData;
use super::interviews::Choice;
use super::page::{Chrome, Done, When, render, render_status, see_other};
use super::session::User;
use crate::app::AppState;
use crate::core::catalog::{self, JobFilter};
use crate::core::error::CoreError;
use crate::core::validate;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::{AgentChannel, JobId, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/jobs", get(list))
        .route("/app/jobs/new", get(new_form).post(create))
        .route("/app/jobs/{id}", get(edit_form).post(update))
}

/// A job's statuses, with how a person reads them.
const STATUSES: &[(&str, &str)] = &[
    ("OPEN", "Open"),
    ("PAUSED", "Paused"),
    ("DRAFT", "Draft"),
    ("CLOSED", "Closed"),
    ("ARCHIVED", "Archived"),
];

/// A job's fields as the form shows them.
#[derive(Clone, Debug)]
pub struct Fields {
    pub title: String,
    pub description: String,
    pub status: String,
    /// Comma-separated.
    pub required: String,
    /// Comma-separated.
    pub nice: String,
}

impl Fields {
    fn of(j: &Job) -> Self {
        Self {
            title: j.title.clone(),
            description: j.description.clone().unwrap_or_default(),
            status: j.status.clone(),
            required: j.required_skills.join(", "),
            nice: j.nice_to_have_skills.join(", "),
        }
    }

    fn of_form(f: &FormData) -> Self {
        Self {
            title: f.text("title").into(),
            description: f.raw("description").trim().into(),
            status: f.text("status").into(),
            required: f.raw("required").into(),
            nice: f.raw("nice").into(),
        }
    }

    fn statuses(&self) -> Vec<Choice> {
        STATUSES
            .iter()
            .map(|(v, l)| Choice {
                value: (*v).into(),
                label: (*l).into(),
                selected: self.status.eq_ignore_ascii_case(v),
            })
            .collect()
    }

    /// Applies the fields to `job`, validated.
    fn apply(&self, job: &mut Job) -> Result<(), CoreError> {
        job.title = validate::text("title", &self.title, 1, 255)?;
        job.description = validate::opt_text("description", Some(&self.description), 10_000)?;
        let codes: Vec<&str> = STATUSES.iter().map(|(c, _)| *c).collect();
        job.status = validate::one_of("status", &self.status, &codes)?;
        job.required_skills =
            validate::string_list("required skills", &split(&self.required), 50, 100)?;
        job.nice_to_have_skills =
            validate::string_list("nice-to-have skills", &split(&self.nice), 50, 100)?;
        Ok(())
    }
}

fn split(list: &str) -> Vec<String> {
    list.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One job row.
pub struct Row {
    pub id: String,
    pub title: String,
    pub status: String,
    pub interviewer: String,
    pub created: When,
}

#[derive(Template)]
#[template(path = "console/jobs.html")]
struct ListPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    rows: Vec<Row>,
}

async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let company = user.company();
    let page = PageRequest {
        page: 1,
        limit: 100,
    };
    let jobs = catalog::jobs(&state, company, &JobFilter::default(), page).await?;
    let mut rows = Vec::with_capacity(jobs.items.len());
    for j in &jobs.items {
        let agent = match j.agent_id {
            Some(a) => catalog::agent(&state, company, a).await?,
            None => None,
        };
        rows.push(Row {
            id: j.id.to_string(),
            title: j.title.clone(),
            status: STATUSES
                .iter()
                .find(|(c, _)| j.status.eq_ignore_ascii_case(c))
                .map_or_else(|| j.status.clone(), |(_, l)| (*l).to_owned()),
            interviewer: agent.map_or_else(
                || "None yet".into(),
                |a| {
                    let kind = if a.channel == AgentChannel::Online {
                        "online"
                    } else {
                        "phone"
                    };
                    format!("{} ({kind})", a.name)
                },
            ),
            created: When::of(j.created_at),
        });
    }
    let page = ListPage {
        chrome: Chrome::of(&state, &user, "jobs").await?,
        notice: q.notice(),
        rows,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "console/job_form.html")]
struct FormPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    id: Option<String>,
    job: Fields,
    statuses: Vec<Choice>,
    agent: AgentFields,
    languages: Vec<Choice>,
    error: Option<String>,
}

async fn form_page(
    state: &AppState,
    user: &User,
    id: Option<String>,
    job: Fields,
    agent: AgentFields,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = FormPage {
        chrome: Chrome::of(state, user, "jobs").await?,
        notice,
        id,
        statuses: job.statuses(),
        job,
        languages: agent.languages(),
        agent,
        error,
    };
    Ok(render_status(status, &page))
}

async fn new_form(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    let job = Fields {
        title: String::new(),
        description: String::new(),
        status: "OPEN".into(),
        required: String::new(),
        nice: String::new(),
    };
    form_page(
        &state,
        &user,
        None,
        job,
        AgentFields::new_default(),
        None,
        None,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    user: User,
    form: FormData,
) -> Result<Response, PageError> {
    let (fields, agent_fields) = (Fields::of_form(&form), AgentFields::of_form(&form));
    let now = state.now();
    let saved = async {
        let mut job = Job::new(user.company(), String::new(), now);
        fields.apply(&mut job)?;
        let mut agent = Agent::new(user.company(), job.title.clone(), AgentChannel::Online, now);
        agent_fields.apply(&mut agent)?;
        catalog::create_job_with_agent(&state, job, &agent, true).await
    }
    .await;
    match saved {
        Ok(job) => Ok(see_other(&format!("/app/jobs/{}?done=job-saved", job.id))),
        Err(CoreError::Validation { message, .. } | CoreError::Conflict { message, .. }) => {
            form_page(
                &state,
                &user,
                None,
                fields,
                agent_fields,
                Some(message),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(state: &AppState, user: &User, raw: &str) -> Result<Job, PageError> {
    let id: JobId = raw.parse().map_err(|_| PageError::NotFound)?;
    catalog::job(state, user.company(), id)
        .await?
        .ok_or(PageError::NotFound)
}

async fn edit_form(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let job = load(&state, &user, &raw).await?;
    let agent = match job.agent_id {
        Some(a) => catalog::agent(&state, user.company(), a).await?,
        None => None,
    };
    let agent = agent
        .as_ref()
        .map_or_else(AgentFields::new_default, AgentFields::of);
    let done = q.notice();
    form_page(
        &state,
        &user,
        Some(raw),
        Fields::of(&job),
        agent,
        None,
        done,
    )
    .await
}

/// Saves the job's interviewer: changes the one it has, or gives it a new one.
async fn save_agent(
    state: &AppState,
    job: &mut Job,
    fields: &AgentFields,
) -> Result<(), CoreError> {
    let existing = match job.agent_id {
        Some(a) => catalog::agent(state, job.company_id, a).await?,
        None => None,
    };
    match existing {
        Some(mut agent) => {
            fields.apply(&mut agent)?;
            catalog::update_agent(state, &mut agent).await
        }
        None => {
            let mut agent = Agent::new(
                job.company_id,
                job.title.clone(),
                AgentChannel::Online,
                state.now(),
            );
            fields.apply(&mut agent)?;
            let agent = catalog::create_agent(state, &agent).await?;
            job.agent_id = Some(agent.id);
            Ok(())
        }
    }
}

async fn update(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let mut job = load(&state, &user, &raw).await?;
    let (fields, agent_fields) = (Fields::of_form(&form), AgentFields::of_form(&form));
    let saved = async {
        fields.apply(&mut job)?;
        // Both are checked before either is written.
        let mut probe = Agent::new(
            job.company_id,
            String::new(),
            AgentChannel::Online,
            state.now(),
        );
        agent_fields.apply(&mut probe)?;
        save_agent(&state, &mut job, &agent_fields).await?;
        catalog::update_job(&state, &mut job).await
    }
    .await;
    match saved {
        Ok(()) => Ok(see_other(&format!("/app/jobs/{}?done=job-saved", job.id))),
        Err(CoreError::Validation { message, .. } | CoreError::Conflict { message, .. }) => {
            form_page(
                &state,
                &user,
                Some(raw),
                fields,
                agent_fields,
                Some(message),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
