//! The online interview protocol under `/i/{token}`: a small JSON API a web page (or a
//! script) drives. The invite token is the credential; there is no API key.
//!
//! - `GET /i/{token}` → the interview's status and the live session, if any.
//! - `POST /i/{token}/start` → opens the session (or resumes the live one) and returns what
//!   the agent said last (`prompt`: the greeting and first question at first).
//! - `POST /i/{token}/answer` `{"answer": "...", "questionIndex": n?, "turn": n?}` → the
//!   agent's reply (`prompt`: a follow-up or the next question), or `{"status": "FINISHED"}`
//!   with the closing.
//!
//! Errors are `{"error": CODE, "message": ...}`: 404 `NOT_FOUND` (unknown link or deleted
//! interview), 410 `INVITE_REVOKED` / `INVITE_EXPIRED`, 429 `NO_FREE_SLOT` (with
//! `Retry-After`), 409 for the protocol's state errors, 400 `INVALID_ANSWER`.

use crate::app::AppState;
use crate::core::engine::session::{self, Expect, Progress, SessionError, Status, Step};
use crate::http::extract::{Int, json_body};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use interviewd_domain::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Seconds a candidate is asked to wait when no slot is free.
const RETRY_AFTER_SECS: u64 = 5;

/// The `/i/{token}` routes with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(start))
        .routes(routes!(answer))
}

/// The `/i/{token}` routes (with the candidate pages' security headers).
pub fn routes() -> Router<AppState> {
    let router: Router<AppState> = api().into();
    router.layer(axum::middleware::from_fn(crate::http::candidate::headers))
}

/// The error body of the protocol.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionError)]
struct ErrorBody {
    /// `NOT_FOUND`, `INVITE_REVOKED`, `INVITE_EXPIRED`, `NOT_OPEN_YET`, `NOT_ONLINE`,
    /// `FINISHED`, `NO_SESSION`, `SESSION_EXPIRED`, `OUT_OF_ORDER`, `NO_FREE_SLOT`,
    /// `INVALID_ANSWER` or `UNAVAILABLE`.
    error: &'static str,
    message: String,
    /// With `OUT_OF_ORDER`: the question to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    question_index: Option<usize>,
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            SessionError::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND"),
            SessionError::Revoked => (StatusCode::GONE, "INVITE_REVOKED"),
            SessionError::Expired => (StatusCode::GONE, "INVITE_EXPIRED"),
            SessionError::NotOpenYet => (StatusCode::CONFLICT, "NOT_OPEN_YET"),
            SessionError::WrongChannel => (StatusCode::CONFLICT, "NOT_ONLINE"),
            SessionError::Finished => (StatusCode::CONFLICT, "FINISHED"),
            SessionError::NoSession => (StatusCode::CONFLICT, "NO_SESSION"),
            SessionError::SessionExpired => (StatusCode::CONFLICT, "SESSION_EXPIRED"),
            SessionError::OutOfOrder { .. } | SessionError::Stale => {
                (StatusCode::CONFLICT, "OUT_OF_ORDER")
            }
            SessionError::NoFreeSlot => (StatusCode::TOO_MANY_REQUESTS, "NO_FREE_SLOT"),
            SessionError::InvalidAnswer(_) => (StatusCode::BAD_REQUEST, "INVALID_ANSWER"),
            SessionError::Store(e) => {
                tracing::error!(error = %e, "online session failed");
                (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE")
            }
        };
        let message = match &self {
            SessionError::Store(_) => "the service is temporarily unavailable".to_owned(),
            other => other.to_string(),
        };
        let question_index = match self {
            SessionError::OutOfOrder { expected } => Some(expected),
            _ => None,
        };
        let body = ErrorBody {
            error: code,
            message,
            question_index,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

/// A live session: the question to answer next.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionProgress)]
struct ProgressBody {
    #[schema(format = "uuid")]
    session_id: String,
    /// Always `IN_PROGRESS`.
    status: &'static str,
    /// The index of the question being asked.
    question_index: usize,
    question_count: usize,
    /// The number of the next answer (answers given so far); send it back as `turn`.
    turn: usize,
    /// The question being asked; `null` once the closing was said.
    #[schema(required = true)]
    question: Option<String>,
    /// What the interviewer said last, to be answered: the question, a follow-up, or an
    /// acknowledgement followed by the question.
    prompt: String,
    /// When the session ends without another answer.
    #[schema(format = DateTime)]
    expires_at: String,
}

impl From<&Progress> for ProgressBody {
    fn from(p: &Progress) -> Self {
        Self {
            session_id: p.session_id.to_string(),
            status: "IN_PROGRESS",
            question_index: p.index,
            question_count: p.count,
            turn: p.turn,
            question: p.question.clone(),
            prompt: p.prompt.clone(),
            expires_at: rfc3339(p.expires_at),
        }
    }
}

/// An interview as its candidate sees it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionStatus)]
struct StatusBody {
    #[schema(format = "uuid")]
    interview_id: String,
    /// SCHEDULED, IN_PROGRESS, COMPLETED, FAILED or CANCELED.
    status: &'static str,
    /// PHONE or ONLINE.
    #[serde(rename = "type")]
    channel: &'static str,
    question_count: usize,
    /// The live session, if any.
    #[schema(required = true)]
    session: Option<ProgressBody>,
}

impl From<&Status> for StatusBody {
    fn from(s: &Status) -> Self {
        Self {
            interview_id: s.interview_id.to_string(),
            status: s.status.as_str(),
            channel: s.channel.as_str(),
            question_count: s.question_count,
            session: s.session.as_ref().map(ProgressBody::from),
        }
    }
}

/// A session just opened (or resumed).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionStart)]
struct StartBody {
    #[serde(flatten)]
    progress: ProgressBody,
    /// The greeting of the interview's language (also the start of the first `prompt`).
    greeting: String,
    /// Seconds without an answer after which the session ends.
    idle_timeout_seconds: u64,
}

/// The session after the last answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionFinished)]
struct FinishedBody {
    #[schema(format = "uuid")]
    session_id: String,
    /// Always `FINISHED`.
    status: &'static str,
    /// The interviewer's closing words.
    closing: String,
}

/// The next question, or the end.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = SessionStep)]
enum StepBody {
    Next(ProgressBody),
    Finished(FinishedBody),
}

/// What an error may carry on these routes: the protocol's body, or the generic InstaView
/// error of the layers in front (timeouts, panics, the body limit).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Schema only.
enum AnyError {
    Session(ErrorBody),
    Layer(crate::wire::instaview::ErrorBody),
}

/// The invite link's interview and its live session.
#[utoipa::path(
    get,
    path = "/i/{token}",
    operation_id = "getSession",
    tag = "Online interview",
    params(("token" = String, Path, description = "The invite token.")),
    responses(
        (status = 200, description = "The interview.", body = StatusBody),
        (status = 404, description = "`NOT_FOUND`: unknown link or deleted interview.", body = ErrorBody),
        (status = 410, description = "`INVITE_REVOKED` or `INVITE_EXPIRED`.", body = ErrorBody),
        (status = 503, description = "Unavailable or timed out; retry later.", body = AnyError),
    )
)]
async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, SessionError> {
    if crate::http::candidate::wants_html(&headers) {
        return Ok(crate::http::candidate::page::show(&state, &token).await);
    }
    let status = session::status(&state.engine, &token).await?;
    Ok(Json(StatusBody::from(&status)).into_response())
}

/// Open the session (or resume the live one): the first (current) question.
#[utoipa::path(
    post,
    path = "/i/{token}/start",
    operation_id = "startSession",
    tag = "Online interview",
    params(("token" = String, Path, description = "The invite token.")),
    responses(
        (status = 200, description = "The session.", body = StartBody),
        (status = 404, description = "`NOT_FOUND`.", body = ErrorBody),
        (status = 409, description = "`NOT_OPEN_YET`, `NOT_ONLINE` or `FINISHED`.", body = ErrorBody),
        (status = 410, description = "`INVITE_REVOKED` or `INVITE_EXPIRED`.", body = ErrorBody),
        (status = 429, description = "`NO_FREE_SLOT`: every slot of the company is in use.", body = AnyRateLimit),
        (status = 503, description = "Unavailable or timed out; retry later.", body = AnyError),
    )
)]
async fn start(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<StartBody>, SessionError> {
    let progress = session::start(&state.engine, &token).await?;
    Ok(Json(StartBody {
        progress: ProgressBody::from(&progress),
        greeting: progress.greeting.clone(),
        idle_timeout_seconds: state.engine.settings.idle_timeout.as_secs(),
    }))
}

/// A 429 here: no free slot, or (when an API key is sent along) that key's rate limit.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Schema only.
enum AnyRateLimit {
    Session(ErrorBody),
    Key(crate::http::openapi::IvRateLimitedBody),
}

/// An answer.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SessionAnswer)]
struct AnswerBody {
    /// 1–10000 characters after trimming.
    #[schema(schema_with = answer_schema)]
    answer: String,
    /// The question answered; a mismatch is `OUT_OF_ORDER`.
    #[schema(value_type = Option<u64>, nullable, minimum = 0)]
    question_index: Option<Int<usize>>,
    /// The answer's number (`turn` of the last state); a mismatch is `OUT_OF_ORDER`, so a
    /// retried request is never stored twice.
    #[schema(value_type = Option<u64>, nullable, minimum = 0)]
    turn: Option<Int<usize>>,
}

fn answer_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::http::openapi::trimmed_any::<1, { session::MAX_ANSWER_CHARS }>()
}

/// Answer the current question: the next one, or `FINISHED` after the last.
#[utoipa::path(
    post,
    path = "/i/{token}/answer",
    operation_id = "answerSession",
    tag = "Online interview",
    params(("token" = String, Path, description = "The invite token.")),
    request_body = AnswerBody,
    responses(
        (status = 200, description = "The next step.", body = StepBody),
        (status = 400, description = "`INVALID_ANSWER`: not `{\"answer\": string}`, or an empty answer.", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`.", body = ErrorBody),
        (status = 409, description = "`NO_SESSION`, `SESSION_EXPIRED`, `OUT_OF_ORDER` (with `questionIndex`) or `FINISHED`.", body = ErrorBody),
        (status = 410, description = "`INVITE_REVOKED` or `INVITE_EXPIRED`.", body = ErrorBody),
        (status = 503, description = "Unavailable or timed out; retry later.", body = AnyError),
    )
)]
async fn answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<StepBody>, SessionError> {
    let input: AnswerBody = json_body(&body)
        .map_err(|_| SessionError::InvalidAnswer("body must be {\"answer\": string}"))?;
    let expect = Expect {
        question_index: input.question_index.map(|Int(i)| i),
        turn: input.turn.map(|Int(t)| t),
    };
    // A JSON client gets the whole reply at once; the pieces are for streaming clients.
    let (sink, _) = tokio::sync::mpsc::unbounded_channel();
    let record = session::Record::Now;
    match session::answer(&state.engine, &token, &input.answer, expect, sink, record).await? {
        Step::Next(progress) => Ok(Json(StepBody::Next(ProgressBody::from(&progress)))),
        Step::Finished {
            session_id,
            closing,
        } => Ok(Json(StepBody::Finished(FinishedBody {
            session_id: session_id.to_string(),
            status: "FINISHED",
            closing,
        }))),
    }
}
