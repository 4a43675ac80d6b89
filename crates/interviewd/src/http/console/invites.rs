//! Starting an interview from a candidate's page, each behind a page that says what will be
//! sent: `GET/POST /app/candidates/{id}/invite` (an online interview: a link the candidate
//! opens, e-mailed to them if asked) and `GET/POST /app/candidates/{id}/call` (a phone
//! interview: the AI interviewer calls at the chosen time). Both run
//! `core::interviews::schedule`, the one way every API dialect creates an interview.

use super::candidates::{display_name, load};
use super::errors::PageError;
use super::form::FormData;
use super::interviews::Choice;
use super::page::{Chrome, render_status, see_other};
use super::session::User;
use crate::app::AppState;
use crate::core::catalog::{self, JobFilter};
use crate::core::error::CoreError;
use crate::core::interviews::{self, CandidateWrite, Schedule, Scheduled};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDateTime, Utc};
use interviewd_domain::model::{Agent, Candidate, Job};
use interviewd_domain::{AgentChannel, CompanyId, JobId, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/candidates/{id}/invite", get(invite_form).post(invite))
        .route("/app/candidates/{id}/call", get(call_form).post(call))
}

/// The company's jobs whose interviewer uses `channel`, each with that interviewer.
async fn jobs_for(
    state: &AppState,
    company: CompanyId,
    channel: AgentChannel,
) -> Result<Vec<(Job, Agent)>, PageError> {
    let page = PageRequest {
        page: 1,
        limit: 100,
    };
    let jobs = catalog::jobs(state, company, &JobFilter::default(), page).await?;
    let mut out = Vec::new();
    for job in jobs.items {
        let Some(agent_id) = job.agent_id else {
            continue;
        };
        if let Some(agent) = catalog::agent(state, company, agent_id).await?
            && agent.channel == channel
        {
            out.push((job, agent));
        }
    }
    Ok(out)
}

fn choices(jobs: &[(Job, Agent)], selected: &str) -> Vec<Choice> {
    jobs.iter()
        .map(|(j, a)| Choice {
            value: j.id.to_string(),
            label: format!("{} (interviewer: {})", j.title, a.name),
            selected: j.id.to_string() == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/invite.html")]
struct InvitePage {
    chrome: Chrome,
    id: String,
    name: String,
    email: Option<String>,
    jobs: Vec<Choice>,
    send: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/call.html")]
struct CallPage {
    chrome: Chrome,
    id: String,
    name: String,
    phone: Option<String>,
    jobs: Vec<Choice>,
    at: String,
    error: Option<String>,
}

async fn invite_page(
    state: &AppState,
    user: &User,
    c: &Candidate,
    form: Option<&FormData>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let jobs = jobs_for(state, user.company(), AgentChannel::Online).await?;
    let page = InvitePage {
        chrome: Chrome::of(state, user, "candidates").await?,
        id: c.id.to_string(),
        name: display_name(c),
        email: c.email.as_ref().map(|e| e.as_str().to_owned()),
        jobs: choices(&jobs, form.map_or("", |f| f.text("job"))),
        send: form.is_none_or(|f| f.checked("send")),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render_status(status, &page))
}

async fn invite_form(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let c = load(&state, &user, &raw).await?;
    invite_page(&state, &user, &c, None, None).await
}

/// The chosen job, which must have an interviewer of `channel`.
async fn chosen(
    state: &AppState,
    company: CompanyId,
    form: &FormData,
    channel: AgentChannel,
) -> Result<(Job, Agent), CoreError> {
    let pick = || CoreError::invalid("job", "Choose a job from the list.");
    let id: JobId = form.text("job").parse().map_err(|_| pick())?;
    let job = catalog::job(state, company, id).await?.ok_or_else(pick)?;
    let agent = catalog::agent_of(state, &job, "job")
        .await
        .map_err(|_| pick())?;
    if agent.channel != channel {
        return Err(pick());
    }
    Ok((job, agent))
}

async fn schedule(
    state: &AppState,
    c: &Candidate,
    (job, agent): (Job, Agent),
    at: DateTime<Utc>,
    send_invite: bool,
) -> Result<String, CoreError> {
    let mut cmd = Schedule::new(c.company_id, CandidateWrite::Existing(c.clone()), agent, at);
    cmd.job = Some(job.id);
    cmd.send_invite = send_invite;
    match interviews::schedule(state, cmd).await? {
        Scheduled::Created(i) => Ok(i.id.to_string()),
        Scheduled::QuotaExhausted | Scheduled::AlreadyOpen => Err(CoreError::InvalidState(
            "The interview could not be created; try again.".into(),
        )),
    }
}

async fn invite(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let c = load(&state, &user, &raw).await?;
    let send = form.checked("send") && c.email.is_some();
    let done = async {
        let picked = chosen(&state, user.company(), &form, AgentChannel::Online).await?;
        schedule(&state, &c, picked, state.now(), send).await
    }
    .await;
    match done {
        Ok(id) => {
            tracing::info!(user = %user.signed_in.user.id, interview = %id, "console: invite created");
            Ok(see_other(&format!("/app/interviews/{id}?done=invited")))
        }
        Err(CoreError::Validation { message, .. }) => {
            invite_page(&state, &user, &c, Some(&form), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn call_page(
    state: &AppState,
    user: &User,
    c: &Candidate,
    form: Option<&FormData>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let jobs = jobs_for(state, user.company(), AgentChannel::Phone).await?;
    let page = CallPage {
        chrome: Chrome::of(state, user, "candidates").await?,
        id: c.id.to_string(),
        name: display_name(c),
        phone: c.phone.as_ref().map(|p| p.as_str().to_owned()),
        jobs: choices(&jobs, form.map_or("", |f| f.text("job"))),
        at: form.map_or(String::new(), |f| f.text("at").to_owned()),
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render_status(status, &page))
}

async fn call_form(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let c = load(&state, &user, &raw).await?;
    call_page(&state, &user, &c, None, None).await
}

/// The time of a `datetime-local` field, read as UTC; empty means now. A time more than a
/// minute ago is refused.
fn call_time(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CoreError> {
    if raw.trim().is_empty() {
        return Ok(now);
    }
    let at = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| CoreError::invalid("at", "The time is not valid."))?
        .and_utc();
    if at < now - chrono::Duration::minutes(1) {
        return Err(CoreError::invalid(
            "at",
            "Choose a time in the future, or leave the time empty to call now.",
        ));
    }
    Ok(at.max(now))
}

async fn call(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let c = load(&state, &user, &raw).await?;
    let done = async {
        let at = call_time(form.text("at"), state.now())?;
        let picked = chosen(&state, user.company(), &form, AgentChannel::Phone).await?;
        schedule(&state, &c, picked, at, false).await
    }
    .await;
    match done {
        Ok(id) => {
            tracing::info!(user = %user.signed_in.user.id, interview = %id, "console: call scheduled");
            Ok(see_other(&format!("/app/interviews/{id}?done=scheduled")))
        }
        Err(CoreError::Validation { message, .. }) => {
            call_page(&state, &user, &c, Some(&form), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::call_time;
    use chrono::{TimeZone, Utc};

    #[test]
    fn call_times_are_utc_and_not_in_the_past() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap();
        assert_eq!(call_time("", now).ok(), Some(now));
        let later = call_time("2026-12-07T14:30", now).ok();
        assert_eq!(later, Utc.with_ymd_and_hms(2026, 12, 7, 14, 30, 0).single());
        assert!(call_time("2026-12-06T14:30", now).is_err());
        assert!(call_time("tomorrow", now).is_err());
    }
}
