//! The online interview protocol under `/i/{token}`: a small JSON API a web page (or a
//! script) drives. The invite token is the credential; there is no API key.
//!
//! - `GET /i/{token}` → the interview's status and the live session, if any.
//! - `POST /i/{token}/start` → opens the session (or resumes the live one) and returns the
//!   first (current) question.
//! - `POST /i/{token}/answer` `{"answer": "...", "questionIndex": n?}` → the next question,
//!   or `{"status": "FINISHED"}` after the last one.
//!
//! Errors are `{"error": CODE, "message": ...}`: 404 `NOT_FOUND` (unknown link or deleted
//! interview), 410 `INVITE_REVOKED` / `INVITE_EXPIRED`, 429 `NO_FREE_SLOT` (with
//! `Retry-After`), 409 for the protocol's state errors, 400 `INVALID_ANSWER`.

use crate::engine::session::{self, Progress, SessionError, Status, Step};
use crate::http::AppState;
use crate::http::extract::json_body;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use interviewd_domain::time::rfc3339;
use serde::Deserialize;
use serde_json::{Value, json};

/// Seconds a candidate is asked to wait when no slot is free.
const RETRY_AFTER_SECS: u64 = 5;

/// The `/i/{token}` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/i/{token}", get(show))
        .route("/i/{token}/start", post(start))
        .route("/i/{token}/answer", post(answer))
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
            SessionError::OutOfOrder { .. } => (StatusCode::CONFLICT, "OUT_OF_ORDER"),
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
        let mut body = json!({ "error": code, "message": message });
        if let SessionError::OutOfOrder { expected } = self {
            body["questionIndex"] = expected.into();
        }
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

fn progress_json(p: &Progress) -> Value {
    json!({
        "sessionId": p.session_id.to_string(),
        "status": "IN_PROGRESS",
        "questionIndex": p.index,
        "questionCount": p.count,
        "question": p.question,
        "expiresAt": rfc3339(p.expires_at),
    })
}

fn status_json(s: &Status) -> Value {
    json!({
        "interviewId": s.interview_id.to_string(),
        "status": s.status.as_str(),
        "type": s.channel.as_str(),
        "questionCount": s.question_count,
        "session": s.session.as_ref().map(progress_json),
    })
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Value>, SessionError> {
    let status = session::status(&state.engine, &token).await?;
    Ok(Json(status_json(&status)))
}

async fn start(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Value>, SessionError> {
    let progress = session::start(&state.engine, &token).await?;
    let mut body = progress_json(&progress);
    body["greeting"] = session::greeting().into();
    body["idleTimeoutSeconds"] = state.engine.settings.idle_timeout.as_secs().into();
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnswerBody {
    answer: String,
    question_index: Option<usize>,
}

async fn answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, SessionError> {
    let input: AnswerBody = json_body(&body)
        .map_err(|_| SessionError::InvalidAnswer("body must be {\"answer\": string}"))?;
    match session::answer(&state.engine, &token, &input.answer, input.question_index).await? {
        Step::Next(progress) => Ok(Json(progress_json(&progress))),
        Step::Finished { session_id } => Ok(Json(json!({
            "sessionId": session_id.to_string(),
            "status": "FINISHED",
            "closing": session::closing(),
        }))),
    }
}
