//! The fake carrier's REST API, under `/2010-04-01/Accounts/{AccountSid}`.

use super::{ACCOUNT_SID, AUTH_TOKEN, CallRecord, Created, RecordingRecord, Shared, call, twiml};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::sync::Arc;

type Shared_ = State<Arc<Shared>>;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    let account = "/2010-04-01/Accounts/{account}";
    Router::new()
        .route("/2010-04-01/Accounts/{file}", get(fetch_account))
        .route(&format!("{account}/Calls.json"), post(create))
        .route(
            &format!("{account}/Calls/{{file}}"),
            get(fetch_call).post(update).delete(delete_call),
        )
        .route(
            &format!("{account}/Calls/{{sid}}/Recordings.json"),
            get(list_recordings),
        )
        .route(
            &format!("{account}/Recordings/{{file}}"),
            get(recording_media).delete(delete_recording),
        )
        .with_state(shared)
}

/// The host a recording's audio redirects to ([`super::Faults::redirect_media`]): its URLs
/// authorise themselves; a request that also carries an `Authorization` header is refused,
/// as S3 refuses a presigned URL with a second authorisation ("Only one auth mechanism
/// allowed").
pub(super) fn media_host(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/media/{file}", get(stored_media))
        .with_state(shared)
}

async fn stored_media(
    State(shared): Shared_,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let with_credentials = headers.contains_key(header::AUTHORIZATION);
    shared.state().media_fetches.push(with_credentials);
    if with_credentials {
        return (
            StatusCode::BAD_REQUEST,
            "InvalidArgument: Only one auth mechanism allowed",
        )
            .into_response();
    }
    match file.strip_suffix(".wav") {
        Some(sid) if recording_exists(&shared, sid) => wav_response(),
        _ => not_found(),
    }
}

fn recording_exists(shared: &Shared, sid: &str) -> bool {
    shared
        .state()
        .recordings
        .get(sid)
        .is_some_and(|r| r.status == "completed")
}

/// One second of two-channel silence at 8 kHz: a real WAV the size of a short call.
fn wav_response() -> Response {
    let mut wav = interviewd_speech::wav::header(8_000, 2, 32_000).to_vec();
    wav.resize(wav.len() + 32_000, 0);
    ([(header::CONTENT_TYPE, "audio/x-wav")], wav).into_response()
}

/// A Twilio error body (<https://www.twilio.com/docs/errors>).
fn error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = serde_json::json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    (status, axum::Json(body)).into_response()
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        20404,
        "The requested resource was not found",
    )
}

/// Checks HTTP Basic auth with the account's credentials; counts refusals.
fn authorized(shared: &Shared, account: &str, headers: &HeaderMap) -> bool {
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    );
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if account == ACCOUNT_SID && given == Some(expected.as_str()) {
        return true;
    }
    shared.state().unauthorized += 1;
    false
}

/// The last segment of a request under `/Accounts/{AccountSid}/…`, once the account's Basic
/// credentials are checked (a counted 401 otherwise).
struct Authed(String);

impl FromRequestParts<Arc<Shared>> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let Path((account, segment)) = Path::<(String, String)>::from_request_parts(parts, shared)
            .await
            .map_err(IntoResponse::into_response)?;
        if !authorized(shared, &account, &parts.headers) {
            return Err(unauthorized());
        }
        Ok(Self(segment))
    }
}

/// [`Authed`] for a `{Sid}.json` segment: the sid (404 without the suffix).
struct JsonSid(String);

impl FromRequestParts<Arc<Shared>> for JsonSid {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let Authed(segment) = Authed::from_request_parts(parts, shared).await?;
        match segment.strip_suffix(".json") {
            Some(sid) => Ok(Self(sid.to_owned())),
            None => Err(not_found()),
        }
    }
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, 20003, "Authenticate")
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn call_json(sid: &str, to: &str, status: &str) -> serde_json::Value {
    serde_json::json!({
        "account_sid": ACCOUNT_SID, "answered_by": null, "api_version": "2010-04-01",
        "caller_name": null, "direction": "outbound-api", "duration": null, "end_time": null,
        "from": super::FROM, "to": to, "price": null, "sid": sid, "start_time": null,
        "status": status,
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json"),
    })
}

async fn create(
    State(shared): Shared_,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&shared, &account, &headers) {
        return unauthorized();
    }
    let form = form(&body);
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (Some(to), Some(_from), Some(doc)) = (get("To"), get("From"), get("Twiml")) else {
        return error(
            StatusCode::BAD_REQUEST,
            21201,
            "To, From and Twiml are required",
        );
    };
    if doc.chars().count() > 4_000 {
        return error(
            StatusCode::BAD_REQUEST,
            21236,
            "Twiml is longer than 4000 characters",
        );
    }
    let connect = match twiml::parse(&doc) {
        Ok(connect) => connect,
        Err(e) => return error(StatusCode::BAD_REQUEST, 12100, &e),
    };
    let sid = shared.sid("CA");
    let script = shared.script_for(&to);
    let hangup = shared.hangup_channel(&sid);
    let created = Created {
        sid: sid.clone(),
        form,
        connect,
    };
    {
        let mut state = shared.state();
        state.calls.insert(
            sid.clone(),
            CallRecord {
                sid: sid.clone(),
                to: to.clone(),
                attempt: created
                    .connect
                    .parameters
                    .get(crate::twiml::ATTEMPT_PARAM)
                    .cloned()
                    .unwrap_or_default(),
                status: "queued".into(),
                ..CallRecord::default()
            },
        );
        state.created.push(created.clone());
    }
    tokio::spawn(call::run(shared.clone(), created, script, hangup));
    (
        StatusCode::CREATED,
        axum::Json(call_json(&sid, &to, "queued")),
    )
        .into_response()
}

/// `GET /2010-04-01/Accounts/{AC}.json`: the account
/// (<https://www.twilio.com/docs/iam/api/account#fetch-an-account-resource>).
async fn fetch_account(
    State(shared): Shared_,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(account) = file.strip_suffix(".json") else {
        return not_found();
    };
    if !authorized(&shared, account, &headers) {
        return unauthorized();
    }
    axum::Json(serde_json::json!({
        "sid": ACCOUNT_SID, "friendly_name": "Fake carrier", "status": "active", "type": "Full",
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}.json"),
    }))
    .into_response()
}

/// `GET …/Calls/{CA}.json`: the call as the carrier knows it now.
async fn fetch_call(State(shared): Shared_, JsonSid(sid): JsonSid) -> Response {
    let sid = sid.as_str();
    let mut state = shared.state();
    state.call_fetches.push(sid.to_owned());
    let Some(call) = state.calls.get(sid).filter(|c| !c.log_deleted) else {
        return not_found();
    };
    let mut json = call_json(sid, &call.to, &call.status);
    // The call resource gives the duration as a string of seconds.
    json["duration"] = call
        .duration_secs
        .map_or(serde_json::Value::Null, |s| s.to_string().into());
    axum::Json(json).into_response()
}

async fn update(State(shared): Shared_, JsonSid(sid): JsonSid, body: Bytes) -> Response {
    let sid = sid.as_str();
    let status = form(&body)
        .into_iter()
        .find(|(k, _)| k == "Status")
        .map(|(_, v)| v)
        .unwrap_or_default();
    if !matches!(status.as_str(), "completed" | "canceled") {
        return error(
            StatusCode::BAD_REQUEST,
            21218,
            "Status must be completed or canceled",
        );
    }
    let to = {
        let mut state = shared.state();
        state.updates.push((sid.to_owned(), status.clone()));
        match state.calls.get(sid) {
            Some(call) => call.to.clone(),
            None => return not_found(),
        }
    };
    if !shared.hang_up(sid, &status) {
        return error(StatusCode::BAD_REQUEST, 21220, "Call is not in-progress");
    }
    axum::Json(call_json(sid, &to, &status)).into_response()
}

async fn delete_call(State(shared): Shared_, JsonSid(sid): JsonSid) -> Response {
    let sid = sid.as_str();
    let mut state = shared.state();
    let live = match state.calls.get(sid) {
        None => return not_found(),
        Some(call) if call.log_deleted => return not_found(),
        Some(call) => !is_final(&call.status),
    };
    if live {
        state.refused_call_deletes += 1;
        // The docs say only that "an error will occur" for a call in progress.
        return error(
            StatusCode::BAD_REQUEST,
            20009,
            "Cannot delete a call in progress",
        );
    }
    if let Some(call) = state.calls.get_mut(sid) {
        call.log_deleted = true;
    }
    state.deleted_calls.push(sid.to_owned());
    StatusCode::NO_CONTENT.into_response()
}

fn is_final(status: &str) -> bool {
    matches!(
        status,
        "completed" | "busy" | "no-answer" | "failed" | "canceled"
    )
}

async fn list_recordings(State(shared): Shared_, Authed(sid): Authed) -> Response {
    let state = shared.state();
    if state.calls.get(&sid).is_none_or(|c| c.log_deleted) {
        return not_found();
    }
    let recordings: Vec<serde_json::Value> = state
        .recordings
        .values()
        .filter(|r| r.call_sid == sid && r.status != "deleted")
        .map(|r| serde_json::json!({"sid": r.sid, "call_sid": r.call_sid, "status": r.status, "account_sid": ACCOUNT_SID}))
        .collect();
    axum::Json(serde_json::json!({
        "recordings": recordings, "page": 0, "page_size": 100, "next_page_uri": null,
    }))
    .into_response()
}

async fn recording_media(State(shared): Shared_, Authed(file): Authed) -> Response {
    let Some(sid) = file.strip_suffix(".wav") else {
        return not_found();
    };
    if !recording_exists(&shared, sid) {
        return not_found();
    }
    if shared.faults().redirect_media {
        let location = format!("{}/media/{sid}.wav", shared.media_base);
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    wav_response()
}

async fn delete_recording(State(shared): Shared_, JsonSid(sid): JsonSid) -> Response {
    let sid = sid.as_str();
    let mut state = shared.state();
    match state.recordings.get_mut(sid) {
        Some(recording) if recording.status == "completed" => {
            recording.status = "deleted".into();
            state.deleted_recordings.push(sid.to_owned());
            StatusCode::NO_CONTENT.into_response()
        }
        _ => not_found(),
    }
}

/// Adds a completed recording of a call.
pub(super) fn add_recording(shared: &Shared, call_sid: &str) -> String {
    let sid = shared.sid("RE");
    shared.state().recordings.insert(
        sid.clone(),
        RecordingRecord {
            sid: sid.clone(),
            call_sid: call_sid.to_owned(),
            status: "completed".into(),
        },
    );
    sid
}
