//! The carrier's REST API (Twilio Programmable Voice, API version 2010-04-01): placing a
//! call, ending it, and fetching and deleting what the carrier keeps.
//!
//! | what | request | doc |
//! |---|---|---|
//! | check the account (`interviewd doctor`) | `GET /2010-04-01/Accounts/{AC}.json`, its `status` (`active`, `suspended`, `closed`) | <https://www.twilio.com/docs/iam/api/account#fetch-an-account-resource> |
//! | place a call | `POST /2010-04-01/Accounts/{AC}/Calls.json`, form, `201` + call JSON | <https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource> |
//! | ask how it is | `GET …/Calls/{CA}.json` (`status`, `duration`), when its final callback did not come | <https://www.twilio.com/docs/voice/api/call-resource#fetch-a-call-resource> |
//! | end it | `POST …/Calls/{CA}.json` `Status=completed` (answered) or `canceled` (ringing) | <https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource> |
//! | a call's recordings | `GET …/Calls/{CA}/Recordings.json` | <https://www.twilio.com/docs/voice/api/recording> |
//! | a recording's audio | `GET …/Recordings/{RE}.wav` (Basic auth on media too) | same |
//! | delete a recording | `DELETE …/Recordings/{RE}.json`, `204` (only `completed` ones) | same |
//! | delete the call log | `DELETE …/Calls/{CA}.json`, `204` (not while live; recordings stay) | <https://www.twilio.com/docs/voice/api/call-resource#delete-a-call-resource> |
//!
//! Errors come as `{"code", "message", "more_info", "status"}` with the HTTP status; `20404`
//! (not found) on a delete means the thing is already gone, which an erasure counts as done.
//! Paths are built from the configured base URL and validated SIDs, never from a URL a
//! callback carried, so credentials only ever go to the configured API. Redirects of a media
//! download are followed without the `Authorization` header when they leave the host
//! (reqwest's policy).

use crate::config::{CarrierConfig, Credentials};
use serde::Deserialize;
use std::time::Duration;

/// How long one REST request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a recording download may take.
const MEDIA_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a REST request failed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The credentials were refused (`401`, error 20003): a configuration error.
    #[error("the carrier refused the credentials")]
    Auth,
    /// The resource does not exist (`404`, error 20404).
    #[error("not found at the carrier")]
    NotFound,
    /// The carrier refused the request.
    #[error("the carrier answered {status} (code {code}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The carrier's error code (`21211` invalid number, …); 0 when none was given.
        code: u32,
        /// The carrier's message.
        message: String,
    },
    /// The carrier could not be reached, timed out, or failed (`429`, `5xx`).
    #[error("the carrier is unavailable: {0}")]
    Unavailable(String),
}

impl RestError {
    /// A short reason code for a call that could not be placed.
    pub fn reason(&self) -> String {
        match self {
            Self::Auth => "carrier_auth".into(),
            Self::NotFound => "carrier_not_found".into(),
            Self::Refused { code, .. } if *code == 21211 || *code == 13224 => {
                "invalid_number".into()
            }
            Self::Refused { code, .. } => format!("carrier_refused_{code}"),
            Self::Unavailable(_) => "carrier_unavailable".into(),
        }
    }
}

/// A recording as a call's recording list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecordingInfo {
    /// `RE…`
    pub sid: String,
    /// `in-progress`, `paused`, `stopped`, `processing`, `completed`, `absent`, `deleted`.
    #[serde(default)]
    pub status: String,
}

#[derive(Deserialize)]
struct CallJson {
    sid: String,
}

/// A call as the carrier knows it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallInfo {
    pub status: crate::callback::CallStatus,
    /// Seconds from the answer to the end, once the call ended.
    pub duration_secs: Option<u64>,
    /// `human`, `machine_start`, … when answering-machine detection ran.
    pub answered_by: Option<String>,
}

#[derive(Deserialize)]
struct CallStateJson {
    status: String,
    /// A string of seconds in Twilio's JSON; read leniently (a number elsewhere).
    #[serde(default)]
    duration: Option<serde_json::Value>,
    #[serde(default)]
    answered_by: Option<String>,
}

#[derive(Deserialize)]
struct RecordingList {
    #[serde(default)]
    recordings: Vec<RecordingInfo>,
}

#[derive(Deserialize, Default)]
struct ErrorJson {
    #[serde(default)]
    code: Option<u32>,
    #[serde(default)]
    message: Option<String>,
}

/// A client of one account's REST API.
#[derive(Clone)]
pub struct Rest {
    http: reqwest::Client,
    account_url: String,
    credentials: Credentials,
}

impl Rest {
    /// A client for the account in `config`.
    pub fn new(config: &CarrierConfig) -> Result<Self, RestError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| RestError::Unavailable(e.to_string()))?;
        Ok(Self {
            http,
            account_url: format!(
                "{}/2010-04-01/Accounts/{}",
                config.api_base,
                safe(&config.account_sid)?
            ),
            credentials: config.credentials.clone(),
        })
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let Credentials::Basic { user, password } = &self.credentials;
        self.http
            .request(method, url)
            .basic_auth(user, Some(password))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, RestError> {
        let res = req
            .send()
            .await
            .map_err(|e| RestError::Unavailable(e.without_url().to_string()))?;
        let status = res.status().as_u16();
        if res.status().is_success() {
            return Ok(res);
        }
        let body: ErrorJson = res.json().await.unwrap_or_default();
        Err(match (status, body.code) {
            (401, _) | (_, Some(20003)) => RestError::Auth,
            (404, _) | (_, Some(20404)) => RestError::NotFound,
            (429, _) | (500..=599, _) => {
                RestError::Unavailable(format!("{status}: {}", body.message.unwrap_or_default()))
            }
            (_, code) => RestError::Refused {
                status,
                code: code.unwrap_or(0),
                message: body.message.unwrap_or_default(),
            },
        })
    }

    fn form(fields: &[(&str, String)]) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            form.append_pair(name, value);
        }
        form.finish()
    }

    /// Places a call with `fields` (form parameters of the create-call request); returns the
    /// call's SID.
    pub async fn create_call(&self, fields: &[(&str, String)]) -> Result<String, RestError> {
        let url = format!("{}/Calls.json", self.account_url);
        let req = self
            .request(reqwest::Method::POST, &url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(Self::form(fields));
        let res = self.send(req).await?;
        let call: CallJson = res
            .json()
            .await
            .map_err(|e| RestError::Unavailable(format!("unreadable call: {e}")))?;
        safe(&call.sid)?;
        Ok(call.sid)
    }

    /// The account's `status` (`active`, `suspended`, `closed`): whether the settings
    /// reach an account that can place calls.
    pub async fn account_status(&self) -> Result<String, RestError> {
        #[derive(Deserialize)]
        struct AccountJson {
            #[serde(default)]
            status: String,
        }
        let url = format!("{}.json", self.account_url);
        let res = self.send(self.request(reqwest::Method::GET, &url)).await?;
        let account: AccountJson = res
            .json()
            .await
            .map_err(|e| RestError::Unavailable(format!("unreadable account: {e}")))?;
        Ok(account.status)
    }

    /// The call's status now: how a call whose final status callback was lost is learnt.
    pub async fn fetch_call(&self, call_sid: &str) -> Result<CallInfo, RestError> {
        let url = format!("{}/Calls/{}.json", self.account_url, safe(call_sid)?);
        let res = self.send(self.request(reqwest::Method::GET, &url)).await?;
        let call: CallStateJson = res
            .json()
            .await
            .map_err(|e| RestError::Unavailable(format!("unreadable call: {e}")))?;
        let duration_secs = match call.duration {
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            _ => None,
        };
        Ok(CallInfo {
            status: crate::callback::CallStatus::parse(&call.status),
            duration_secs,
            answered_by: call.answered_by,
        })
    }

    /// Ends a call: `completed` hangs up an answered call, `canceled` one still ringing.
    pub async fn end_call(&self, call_sid: &str, status: &str) -> Result<(), RestError> {
        let url = format!("{}/Calls/{}.json", self.account_url, safe(call_sid)?);
        let req = self
            .request(reqwest::Method::POST, &url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(Self::form(&[("Status", status.to_owned())]));
        self.send(req).await.map(|_| ())
    }

    /// The audio of a recording, as a WAV file.
    pub async fn recording_wav(&self, recording_sid: &str) -> Result<Vec<u8>, RestError> {
        let url = format!(
            "{}/Recordings/{}.wav",
            self.account_url,
            safe(recording_sid)?
        );
        let req = self
            .request(reqwest::Method::GET, &url)
            .timeout(MEDIA_TIMEOUT);
        let res = self.send(req).await?;
        res.bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| RestError::Unavailable(e.without_url().to_string()))
    }

    /// The recordings the carrier holds for a call.
    pub async fn call_recordings(&self, call_sid: &str) -> Result<Vec<RecordingInfo>, RestError> {
        let url = format!(
            "{}/Calls/{}/Recordings.json?PageSize=100",
            self.account_url,
            safe(call_sid)?
        );
        let res = self.send(self.request(reqwest::Method::GET, &url)).await?;
        let list: RecordingList = res
            .json()
            .await
            .map_err(|e| RestError::Unavailable(format!("unreadable recording list: {e}")))?;
        Ok(list.recordings)
    }

    /// Deletes a recording; `Ok(false)` when it was already gone.
    pub async fn delete_recording(&self, recording_sid: &str) -> Result<bool, RestError> {
        let url = format!(
            "{}/Recordings/{}.json",
            self.account_url,
            safe(recording_sid)?
        );
        gone_is_done(self.send(self.request(reqwest::Method::DELETE, &url)).await)
    }

    /// Deletes a call's log (and its call events); `Ok(false)` when it was already gone.
    /// Fails while the call is live.
    pub async fn delete_call(&self, call_sid: &str) -> Result<bool, RestError> {
        let url = format!("{}/Calls/{}.json", self.account_url, safe(call_sid)?);
        gone_is_done(self.send(self.request(reqwest::Method::DELETE, &url)).await)
    }
}

fn gone_is_done(result: Result<reqwest::Response, RestError>) -> Result<bool, RestError> {
    match result {
        Ok(_) => Ok(true),
        Err(RestError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A SID, checked to be safe in a URL path (`CA…`, `RE…`, Telnyx's `v3:…`).
pub fn safe(sid: &str) -> Result<&str, RestError> {
    let ok = !sid.is_empty()
        && sid.len() <= 128
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'));
    if ok {
        Ok(sid)
    } else {
        Err(RestError::Refused {
            status: 0,
            code: 0,
            message: "not a carrier SID".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_must_be_path_safe() {
        assert!(safe("CA0123456789abcdef0123456789abcdef").is_ok());
        assert!(safe("v3:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ").is_ok());
        for bad in ["", "../Calls", "CA1/Recordings", "RE1?x=1", "RE 1"] {
            assert!(safe(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reasons_name_the_cause() {
        let invalid = RestError::Refused {
            status: 400,
            code: 21211,
            message: "bad To".into(),
        };
        assert_eq!(invalid.reason(), "invalid_number");
        assert_eq!(RestError::Auth.reason(), "carrier_auth");
        assert_eq!(
            RestError::Unavailable("x".into()).reason(),
            "carrier_unavailable"
        );
    }
}
