//! Interviewers (the API's agents): `GET /app/agents`, `GET/POST /app/agents/new` and
//! `GET/POST /app/agents/{id}`; and the interviewer fields a job's form shares ([`Fields`]):
//! channel, language, questions, guidance, follow-ups and duration.

use super::errors::PageError;
use super::form::FormData;
use super::interviews::Choice;
use super::page::{Chrome, Done, render, render_status, see_other};
use super::session::User;
use crate::app::AppState;
use crate::core::catalog;
use crate::core::error::CoreError;
use crate::core::validate;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use interviewd_domain::language::{self, LANGUAGES};
use interviewd_domain::model::Agent;
use interviewd_domain::{AgentChannel, AgentId, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/agents", get(list))
        .route("/app/agents/new", get(new_form).post(create))
        .route("/app/agents/{id}", get(edit_form).post(update))
}

/// The attribute the follow-ups per question are kept in.
pub const FOLLOW_UPS_ATTR: &str = "maxFollowUps";
/// The attribute an agent's own language model is kept in.
pub const MODEL_ATTR: &str = "model";
/// Most follow-ups per question.
pub const MAX_FOLLOW_UPS: u32 = 3;
/// Follow-ups per question when none was chosen.
const DEFAULT_FOLLOW_UPS: u32 = 1;

/// An interviewer's fields as the form shows them.
#[derive(Clone, Debug)]
pub struct Fields {
    pub name: String,
    pub online: bool,
    pub language: String,
    pub duration: String,
    /// One question per line.
    pub questions: String,
    pub guidance: String,
    pub follow_ups: String,
    /// The agent's own language model; empty: the server's.
    pub model: String,
}

impl Fields {
    /// The fields of a stored interviewer.
    pub fn of(a: &Agent) -> Self {
        let follow_ups = a
            .attrs
            .get(FOLLOW_UPS_ATTR)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(u64::from(DEFAULT_FOLLOW_UPS));
        Self {
            name: a.name.clone(),
            online: a.channel == AgentChannel::Online,
            language: a.language.clone(),
            duration: a.duration_minutes.to_string(),
            questions: a.questions.join("\n"),
            guidance: a.instructions.clone().unwrap_or_default(),
            follow_ups: follow_ups.to_string(),
            model: a
                .attrs
                .get(MODEL_ATTR)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// The fields of a new interviewer: online, English, 15 minutes, one follow-up.
    pub fn new_default() -> Self {
        Self {
            name: String::new(),
            online: true,
            language: "EN".into(),
            duration: "15".into(),
            questions: String::new(),
            guidance: String::new(),
            follow_ups: DEFAULT_FOLLOW_UPS.to_string(),
            model: String::new(),
        }
    }

    /// The fields as a form sent them.
    pub fn of_form(f: &FormData) -> Self {
        Self {
            name: f.text("agent_name").into(),
            online: f.text("channel") != "PHONE",
            language: f.text("language").into(),
            duration: f.text("duration").into(),
            questions: f.raw("questions").into(),
            guidance: f.raw("guidance").trim().into(),
            follow_ups: f.text("follow_ups").into(),
            model: f.text("model").trim().into(),
        }
    }

    /// The languages as `<option>`s, this one selected.
    pub fn languages(&self) -> Vec<Choice> {
        LANGUAGES
            .iter()
            .map(|l| Choice {
                value: l.code.into(),
                label: l.english.into(),
                selected: self.language.eq_ignore_ascii_case(l.code),
            })
            .collect()
    }

    /// Applies the fields but the name to `agent`, validated.
    pub fn apply(&self, agent: &mut Agent) -> Result<(), CoreError> {
        agent.channel = if self.online {
            AgentChannel::Online
        } else {
            AgentChannel::Phone
        };
        agent.language = validate::one_of("language", &self.language, &language::codes())?;
        let duration = number("duration", &self.duration, 1, Agent::MAX_DURATION_MINUTES)?;
        agent.duration_minutes = duration;
        let questions: Vec<String> = self
            .questions
            .lines()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned)
            .collect();
        agent.questions = validate::string_list("questions", &questions, 50, 1000)?;
        agent.instructions = validate::opt_text("guidance", Some(&self.guidance), 10_000)?;
        let follow_ups = number("follow-ups", &self.follow_ups, 0, MAX_FOLLOW_UPS)?;
        agent
            .attrs
            .insert(FOLLOW_UPS_ATTR.into(), follow_ups.into());
        match validate::opt_text("model", Some(&self.model), 200)? {
            Some(model) => agent.attrs.insert(MODEL_ATTR.into(), model.into()),
            None => agent.attrs.remove(MODEL_ATTR),
        };
        Ok(())
    }
}

/// A whole number from `min` to `max`.
fn number(field: &str, raw: &str, min: u32, max: u32) -> Result<u32, CoreError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            CoreError::invalid(
                field,
                format!("The {field} must be a whole number from {min} to {max}."),
            )
        })
}

/// One interviewer row.
pub struct Row {
    pub id: String,
    pub name: String,
    pub channel: &'static str,
    pub language: String,
    pub questions: usize,
    pub duration: u32,
}

#[derive(Template)]
#[template(path = "console/agents.html")]
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
    let page = PageRequest {
        page: 1,
        limit: 100,
    };
    let found = catalog::agents(&state, user.company(), page).await?;
    let rows = found
        .items
        .iter()
        .map(|a| Row {
            id: a.id.to_string(),
            name: a.name.clone(),
            channel: if a.channel == AgentChannel::Online {
                "Online"
            } else {
                "Phone"
            },
            language: language::of(&a.language)
                .map_or_else(|| a.language.clone(), |l| l.english.to_owned()),
            questions: a.questions.len(),
            duration: a.duration_minutes,
        })
        .collect();
    let page = ListPage {
        chrome: Chrome::of(&state, &user, "agents").await?,
        notice: q.notice(),
        rows,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "console/agent_form.html")]
struct FormPage {
    chrome: Chrome,
    /// `None` for a new interviewer.
    id: Option<String>,
    agent: Fields,
    languages: Vec<Choice>,
    error: Option<String>,
}

async fn form_page(
    state: &AppState,
    user: &User,
    id: Option<String>,
    agent: Fields,
    error: Option<String>,
) -> Result<Response, PageError> {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = FormPage {
        chrome: Chrome::of(state, user, "agents").await?,
        id,
        languages: agent.languages(),
        agent,
        error,
    };
    Ok(render_status(status, &page))
}

async fn new_form(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    form_page(&state, &user, None, Fields::new_default(), None).await
}

async fn create(
    State(state): State<AppState>,
    user: User,
    form: FormData,
) -> Result<Response, PageError> {
    let fields = Fields::of_form(&form);
    let saved = async {
        let name = validate::text("name", &fields.name, 1, 255)?;
        let mut agent = Agent::new(user.company(), name, AgentChannel::Online, state.now());
        fields.apply(&mut agent)?;
        catalog::create_agent(&state, &agent).await
    }
    .await;
    match saved {
        Ok(_) => Ok(see_other("/app/agents?done=agent-saved")),
        Err(CoreError::Validation { message, .. } | CoreError::Conflict { message, .. }) => {
            form_page(&state, &user, None, fields, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The interviewer `raw` of the user's company (a 404 page otherwise).
async fn load(state: &AppState, user: &User, raw: &str) -> Result<Agent, PageError> {
    let id: AgentId = raw.parse().map_err(|_| PageError::NotFound)?;
    catalog::agent(state, user.company(), id)
        .await?
        .ok_or(PageError::NotFound)
}

async fn edit_form(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let agent = load(&state, &user, &raw).await?;
    form_page(&state, &user, Some(raw), Fields::of(&agent), None).await
}

async fn update(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let mut agent = load(&state, &user, &raw).await?;
    let fields = Fields::of_form(&form);
    let saved = async {
        agent.name = validate::text("name", &fields.name, 1, 255)?;
        fields.apply(&mut agent)?;
        catalog::update_agent(&state, &mut agent).await
    }
    .await;
    match saved {
        Ok(()) => Ok(see_other("/app/agents?done=agent-saved")),
        Err(CoreError::Validation { message, .. } | CoreError::Conflict { message, .. }) => {
            form_page(&state, &user, Some(raw), fields, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}
