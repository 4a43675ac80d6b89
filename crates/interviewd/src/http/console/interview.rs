//! `GET /app/interviews/{id}`: one interview — its candidate and job, the invite, the
//! attempts with their reasons, the recording of each, the transcript with times, the
//! analysis (whose evidence quotes link to the transcript turn they come from), and the
//! webhook messages about it. While it runs, `GET /app/interviews/{id}/live` is polled by
//! htmx every few seconds; when the interview leaves IN_PROGRESS that answer asks htmx to
//! reload the page, which then shows the results.
//!
//! `GET /app/interviews/{id}/decision?decision=ADVANCED|REJECTED` asks to confirm the
//! recruiter's decision and `POST` records it, which sends `interview.advanced` /
//! `interview.rejected`; any console user may decide, and change the decision later.

use super::errors::PageError;
use super::form::FormData;
use super::interviews::{decision_label, status_label};
use super::page::{Chrome, Done, When, clock, is_partial, render};
use super::session::User;
use crate::app::AppState;
use crate::core::console_views;
use crate::core::interviews::{self, InterviewResults};
use crate::core::{candidates, catalog};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use interviewd_domain::model::CallAttempt;
use interviewd_domain::views::InterviewDetail;
use interviewd_domain::{AgentChannel, AttemptStatus, Decision, InterviewId, InterviewStatus};
use interviewd_voice::Role;
use interviewd_voice::analysis::{Analysis, AnalysisMethod};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/interviews/{id}", get(show))
        .route("/app/interviews/{id}/live", get(live))
        .route(
            "/app/interviews/{id}/decision",
            get(decide_form).post(decide),
        )
}

/// The interview `raw` of the user's company: a 404 page for a malformed id, an unknown one
/// and another company's alike.
pub async fn load(state: &AppState, user: &User, raw: &str) -> Result<InterviewDetail, PageError> {
    let id: InterviewId = raw.parse().map_err(|_| PageError::NotFound)?;
    interviews::get(state, user.company(), id)
        .await?
        .ok_or(PageError::NotFound)
}

/// One attempt as the page lists it.
pub struct AttemptView {
    pub id: String,
    pub n: usize,
    pub status: &'static str,
    pub direction: String,
    pub reason: Option<String>,
    pub scheduled: When,
    pub called: Option<When>,
    pub ended: Option<When>,
    pub duration: Option<String>,
    pub recording: Option<String>,
}

impl AttemptView {
    fn of(interview: &str, n: usize, a: &CallAttempt) -> Self {
        Self {
            id: a.id.to_string(),
            n,
            status: a.status.as_str(),
            direction: a.direction.clone(),
            reason: a.reason_code.as_deref().map(reason_label),
            scheduled: When::of(a.scheduled_at),
            called: When::opt(a.called_at),
            ended: When::opt(a.ended_at),
            duration: a
                .duration_ms
                .map(|ms| clock(u64::try_from(ms).unwrap_or(0))),
            recording: a
                .recording_key
                .as_ref()
                .map(|_| format!("/app/interviews/{interview}/attempts/{}/recording", a.id)),
        }
    }
}

/// A reason code with what it means.
fn reason_label(code: &str) -> String {
    let meaning = match code {
        "NO_ANSWER" => "the candidate did not answer",
        "BUSY" => "the line was busy",
        "PROVIDER_ERROR" => "the phone provider failed",
        "INTERRUPTED" => "the server stopped during the call",
        "LEASE_EXPIRED" => "the worker holding the call stopped",
        "MAX_DURATION" => "the call reached its longest allowed length",
        "IDLE_TIMEOUT" => "the candidate stopped answering",
        "NO_PHONE_NUMBER" => "the candidate has no phone number",
        "CANCELED" | "CANCELLED" => "the interview was canceled",
        "INTERVIEW_CLOSED" => "the interview was closed while ringing",
        _ => return code.to_owned(),
    };
    format!("{code} — {meaning}")
}

/// One transcript turn.
pub struct TurnView {
    pub index: usize,
    pub agent: bool,
    pub at: String,
    pub text: String,
}

/// One judged criterion with its evidence.
pub struct CriterionView {
    pub name: String,
    pub value: String,
    pub score: u8,
    pub commentary: String,
    /// (quote, turn index).
    pub evidence: Vec<(String, usize)>,
}

/// The analysis as the page shows it.
pub struct AnalysisView {
    pub score: u8,
    pub summary: String,
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
    pub criteria: Vec<CriterionView>,
    pub method: String,
}

impl AnalysisView {
    fn of(a: &Analysis) -> Self {
        let method = match (a.method, a.model.as_deref()) {
            (AnalysisMethod::Llm, Some(model)) => format!("Language model ({model})"),
            (AnalysisMethod::Llm, None) => "Language model".to_owned(),
            (AnalysisMethod::Builtin, _) => "Built-in scorer".to_owned(),
        };
        Self {
            score: a.score,
            summary: a.summary.clone(),
            strengths: a.strengths.clone(),
            weaknesses: a.weaknesses.clone(),
            criteria: a
                .criteria
                .iter()
                .map(|c| CriterionView {
                    name: c.name.clone(),
                    value: c.value.clone(),
                    score: c.score,
                    commentary: c.commentary.clone(),
                    evidence: c
                        .evidence
                        .iter()
                        .map(|e| (e.quote.clone(), e.turn))
                        .collect(),
                })
                .collect(),
            method,
        }
    }
}

/// The recruiter's decision as the page shows it.
pub struct DecisionView {
    pub advanced: bool,
    /// `ADVANCED` or `REJECTED`, and its words.
    pub code: &'static str,
    pub label: &'static str,
    pub by: Option<String>,
    pub at: When,
}

/// One webhook message about the interview.
pub struct DeliveryView {
    pub event: String,
    pub endpoint: String,
    pub webhook: String,
    pub status: String,
    pub attempts: u32,
    pub error: Option<String>,
    pub at: When,
}

/// The live part (`interview_live.html`).
pub struct LiveView {
    pub id: String,
    pub running: bool,
    /// Polled while it may still change by itself: SCHEDULED or IN_PROGRESS.
    pub polled: bool,
    /// Seconds between polls.
    pub every: u32,
    pub status: &'static str,
    pub status_label: &'static str,
    pub started: Option<When>,
    pub progress: Option<String>,
}

#[derive(Template)]
#[template(path = "console/interview.html")]
struct InterviewPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    id: String,
    number: i64,
    candidate_id: String,
    candidate: String,
    job_id: Option<String>,
    job: Option<String>,
    agent: Option<String>,
    channel: &'static str,
    live: LiveView,
    scheduled: When,
    finished: Option<When>,
    invite_link: Option<String>,
    invite_revoked: Option<When>,
    can_revoke: bool,
    /// A failed online interview that can be opened again.
    can_reopen: bool,
    attempts: Vec<AttemptView>,
    recordings: Vec<AttemptView>,
    transcript: Vec<TurnView>,
    analysis: Option<AnalysisView>,
    decision: Option<DecisionView>,
    deliveries: Vec<DeliveryView>,
}

#[derive(Template)]
#[template(path = "console/interview_live.html")]
struct LivePart {
    live: LiveView,
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let detail = load(&state, &user, &raw).await?;
    let i = &detail.interview;
    let company = user.company();
    let candidate = candidates::get(&state, company, i.candidate_id).await?;
    let job = match i.job_id {
        Some(j) => catalog::job(&state, company, j).await?,
        None => None,
    };
    let agent = catalog::agent(&state, company, i.agent_id).await?;
    let results = interviews::results(&state, company, i.id).await?;
    let deliveries = console_views::deliveries(&state, company, i.id).await?;
    let decision = interviews::decision(&state, company, i.id).await?;
    let id = i.id.to_string();
    let attempts: Vec<AttemptView> = detail
        .attempts
        .iter()
        .enumerate()
        .map(|(n, a)| AttemptView::of(&id, n + 1, a))
        .collect();
    let online = i.channel == AgentChannel::Online;
    let open = i.status == InterviewStatus::Scheduled && i.invite.revoked_at.is_none();
    let page = InterviewPage {
        chrome: Chrome::of(&state, &user, "interviews").await?,
        notice: q.notice(),
        number: i.number,
        candidate_id: i.candidate_id.to_string(),
        candidate: candidate
            .as_ref()
            .and_then(|c| {
                candidates::full_name(c).or_else(|| c.email.as_ref().map(|e| e.as_str().to_owned()))
            })
            .unwrap_or_else(|| "Removed candidate".into()),
        job_id: job.as_ref().map(|j| j.id.to_string()),
        job: job.map(|j| j.title),
        agent: agent.map(|a| a.name),
        channel: if online { "Online" } else { "Phone" },
        live: live_view(&state, &detail).await,
        scheduled: When::of(i.scheduled_at),
        finished: When::opt(i.finished_at),
        invite_link: (online && open).then(|| interviews::invite_link(&state, i)),
        invite_revoked: When::opt(i.invite.revoked_at),
        can_revoke: open,
        can_reopen: i.status == InterviewStatus::Failed
            && i.channel == interviewd_domain::AgentChannel::Online
            && i.invite.revoked_at.is_none(),
        recordings: detail
            .attempts
            .iter()
            .enumerate()
            .filter(|(_, a)| a.recording_key.is_some())
            .map(|(n, a)| AttemptView::of(&id, n + 1, a))
            .collect(),
        attempts,
        transcript: transcript(&results),
        analysis: results
            .analysis
            .as_ref()
            .map(|a| AnalysisView::of(&a.analysis)),
        decision: decision.map(|d| DecisionView {
            advanced: d.decision == Decision::Advanced,
            code: d.decision.as_str(),
            label: decision_label(d.decision),
            by: d.decided_by,
            at: When::of(d.decided_at),
        }),
        deliveries: deliveries
            .iter()
            .map(|d| DeliveryView {
                event: d.event_type.clone(),
                endpoint: d
                    .webhook_name
                    .clone()
                    .unwrap_or_else(|| d.webhook_url.clone()),
                webhook: d.webhook_id.to_string(),
                status: d.status.clone(),
                attempts: d.attempts,
                error: d.last_error.clone(),
                at: When::of(d.delivered_at.unwrap_or(d.created_at)),
            })
            .collect(),
        id,
    };
    Ok(render(&page))
}

#[derive(Deserialize)]
struct Choice {
    decision: Option<String>,
}

/// The decision a form or link asks for.
fn chosen(raw: Option<&str>) -> Result<Decision, PageError> {
    raw.unwrap_or_default()
        .parse()
        .map_err(|_| PageError::BadRequest("Choose to advance or to reject.".into()))
}

async fn decide_form(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    Query(q): Query<Choice>,
) -> Result<Response, PageError> {
    let decision = chosen(q.decision.as_deref())?;
    let (detail, name) = super::removal::interview_name(&state, &user, &raw).await?;
    let id = detail.interview.id;
    let (verb, event) = match decision {
        Decision::Advanced => ("Advance", "interview.advanced"),
        Decision::Rejected => ("Reject", "interview.rejected"),
    };
    let page = super::removal::ConfirmPage {
        chrome: Chrome::of(&state, &user, "interviews").await?,
        title: format!("{verb} {name}?"),
        back: format!("/app/interviews/{id}"),
        back_label: "Decide later".into(),
        lead: format!(
            "{name} will be marked {} on this interview.",
            decision_label(decision).to_lowercase()
        ),
        effects: vec![
            format!(
                "Webhook endpoints subscribed to {event} are told at once, with the interview."
            ),
            "The decision can be changed later; the change is sent too.".into(),
            "Nothing is sent to the candidate.".into(),
        ],
        checkbox: None,
        action: format!(
            "/app/interviews/{id}/decision?decision={}",
            decision.as_str()
        ),
        submit: verb,
        danger: false,
    };
    Ok(render(&page))
}

async fn decide(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    Query(q): Query<Choice>,
    form: FormData,
) -> Result<Response, PageError> {
    let field = form.text("decision");
    let decision = chosen(
        (!field.is_empty())
            .then_some(field)
            .or(q.decision.as_deref()),
    )?;
    let id: InterviewId = raw.parse().map_err(|_| PageError::NotFound)?;
    let user_id = user.signed_in.user.id;
    let done = match interviews::decide(&state, user.company(), id, decision, user_id).await? {
        interviews::Decided::NotFound => return Err(PageError::NotFound),
        interviews::Decided::Unchanged => "decision-unchanged",
        interviews::Decided::Made if decision == Decision::Advanced => "advanced",
        interviews::Decided::Made => "rejected",
    };
    tracing::info!(user = %user_id, interview = %id, decision = %decision, "console: decision");
    Ok(super::page::see_other(&format!(
        "/app/interviews/{id}?done={done}"
    )))
}

fn transcript(results: &InterviewResults) -> Vec<TurnView> {
    results
        .transcript
        .iter()
        .enumerate()
        .map(|(index, t)| TurnView {
            index,
            agent: t.role == Role::Agent,
            at: clock(t.start_ms),
            text: t.text.clone(),
        })
        .collect()
}

/// Where a running interview stands; for an online one, the question it is at.
async fn live_view(state: &AppState, detail: &InterviewDetail) -> LiveView {
    let i = &detail.interview;
    let running = i.status == InterviewStatus::InProgress;
    let started = detail
        .attempts
        .iter()
        .filter(|a| a.status == AttemptStatus::InProgress)
        .find_map(|a| a.called_at)
        .or(i.started_at);
    let progress = if running && i.channel == AgentChannel::Online {
        crate::core::engine::session::status(&state.engine, &i.invite.token)
            .await
            .ok()
            .and_then(|s| s.session)
            .map(|p| format!("Question {} of {}", (p.index + 1).min(p.count), p.count))
    } else {
        None
    };
    LiveView {
        id: i.id.to_string(),
        running,
        polled: !i.status.is_terminal(),
        every: if running { 2 } else { 10 },
        status: i.status.as_str(),
        status_label: status_label(i.status),
        started: When::opt(started),
        progress,
    }
}

#[derive(Deserialize)]
struct Was {
    /// The status the page was rendered with.
    was: Option<String>,
}

async fn live(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Query(q): Query<Was>,
) -> Result<Response, PageError> {
    let detail = load(&state, &user, &raw).await?;
    let live = live_view(&state, &detail).await;
    if !is_partial(&headers) {
        return Ok(super::page::see_other(&format!(
            "/app/interviews/{}",
            live.id
        )));
    }
    let changed = q.was.as_deref() != Some(live.status);
    let mut res = render(&LivePart { live });
    if changed {
        // The results are on the whole page: reload it.
        res.headers_mut()
            .insert("hx-refresh", HeaderValue::from_static("true"));
    }
    Ok(res.into_response())
}
