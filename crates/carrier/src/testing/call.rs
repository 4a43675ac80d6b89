//! One fake call: its progress callbacks, the answering-machine result, the caller, the
//! `<Connect action>` request and the recording callback, in the documented order.

use super::{Caller, Created, Script, Shared, media, relay, rest};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long a machine or a silent caller waits to be hung up.
const HOLD_AT_MOST: Duration = Duration::from_secs(600);

/// How the conversation part of a call ended.
pub(super) enum Ending {
    /// ConversationRelay: interviewd sent `end`.
    AgentEnded(Option<String>),
    /// The caller hung up.
    CallerHungUp,
    /// interviewd closed the socket.
    Dropped,
    /// The REST API ended the call.
    HungUp,
}

/// A call's context: what it was created with, and its callback numbering.
pub(super) struct Ctx {
    pub shared: Arc<Shared>,
    pub created: Created,
    pub sid: String,
    pub to: String,
    sequence: u64,
    answered: Option<Instant>,
    /// Progress callbacks held back until after the final one: (URL, parameters).
    held: Vec<(String, Vec<(String, String)>)>,
}

impl Ctx {
    pub(super) fn field(&self, name: &str) -> Option<String> {
        self.created.field(name).map(str::to_owned)
    }

    /// POSTs a signed form callback; a refusal is recorded.
    pub(super) async fn post(&self, url: &str, params: Vec<(String, String)>) -> Option<String> {
        let signature = self.shared.signer.sign(url, &params);
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &params {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let sent = self
            .shared
            .http
            .post(url)
            .header("X-Twilio-Signature", signature)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await;
        match sent {
            Ok(res) if res.status().is_success() => res.text().await.ok(),
            Ok(res) => {
                let status = res.status().as_u16();
                self.shared
                    .state()
                    .refused_callbacks
                    .push((url.to_owned(), status));
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, url, "a fake callback could not be delivered");
                self.shared
                    .state()
                    .refused_callbacks
                    .push((url.to_owned(), 0));
                None
            }
        }
    }

    fn base(&self) -> Vec<(String, String)> {
        [
            ("AccountSid", super::ACCOUNT_SID.to_owned()),
            ("ApiVersion", "2010-04-01".to_owned()),
            ("CallSid", self.sid.clone()),
            ("Called", self.to.clone()),
            ("Caller", super::FROM.to_owned()),
            ("Direction", "outbound-api".to_owned()),
            ("From", super::FROM.to_owned()),
            ("To", self.to.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Moves the call to `status` and reports it if its event was asked for.
    async fn status(&mut self, status: &str, extra: &[(&str, String)]) {
        if let Some(call) = self.shared.state().calls.get_mut(&self.sid) {
            call.status = status.to_owned();
        }
        let event = match status {
            "initiated" => "initiated",
            "ringing" => "ringing",
            "in-progress" => "answered",
            _ => "completed",
        };
        let asked = self.created.fields("StatusCallbackEvent");
        // "If no status_callback_event is specified, we will send the completed status."
        let wanted = asked.contains(&event) || (event == "completed" && asked.is_empty());
        let Some(url) = self.field("StatusCallback").filter(|_| wanted) else {
            return;
        };
        let mut params = self.base();
        params.push(("CallStatus".into(), status.into()));
        params.push(("CallbackSource".into(), "call-progress-events".into()));
        params.push(("SequenceNumber".into(), self.sequence.to_string()));
        params.push(("Timestamp".into(), "Tue, 01 Sep 2026 10:00:05 +0000".into()));
        for (k, v) in extra {
            params.push(((*k).to_owned(), v.clone()));
        }
        self.sequence += 1;
        let faults = self.shared.faults();
        if faults.lost.iter().any(|lost| lost == status) {
            self.shared.state().lost_callbacks.push(status.to_owned());
            return;
        }
        if event != "completed" && faults.progress_after_final {
            self.held.push((url, params));
            return;
        }
        self.post(&url, params).await;
        for (url, params) in std::mem::take(&mut self.held) {
            self.post(&url, params).await;
        }
    }

    async fn finish(&mut self, status: &str, sip: Option<u16>) {
        let seconds = self
            .answered
            .map_or(0, |at| at.elapsed().as_secs_f64().ceil() as u64);
        if let Some(call) = self.shared.state().calls.get_mut(&self.sid) {
            call.duration_secs = Some(seconds);
        }
        let mut extra = vec![
            ("CallDuration", seconds.to_string()),
            ("Duration", seconds.div_ceil(60).to_string()),
        ];
        if let Some(sip) = sip {
            extra.push(("SipResponseCode", sip.to_string()));
        }
        self.status(status, &extra).await;
        self.shared.call_over(&self.sid);
    }

    async fn amd(&self, answered_by: &str) {
        let async_amd = self.field("AsyncAmd").as_deref() == Some("true");
        let Some(url) = self.field("AsyncAmdStatusCallback").filter(|_| async_amd) else {
            return;
        };
        let params = vec![
            ("AccountSid".to_owned(), super::ACCOUNT_SID.to_owned()),
            ("AnsweredBy".to_owned(), answered_by.to_owned()),
            ("CallSid".to_owned(), self.sid.clone()),
            ("MachineDetectionDuration".to_owned(), "1830".to_owned()),
        ];
        self.post(&url, params).await;
    }

    /// The parameters and signature header of the WebSocket upgrade.
    pub(super) fn upgrade_signature(&self) -> String {
        self.shared.signer.sign(&self.created.connect.url, &[])
    }
}

/// Plays one call to its end.
pub(super) async fn run(
    shared: Arc<Shared>,
    created: Created,
    script: Script,
    mut hangup: watch::Receiver<Option<String>>,
) {
    let to = created.field("To").unwrap_or_default().to_owned();
    let mut ctx = Ctx {
        sid: created.sid.clone(),
        to,
        shared,
        created,
        sequence: 0,
        answered: None,
        held: Vec::new(),
    };
    ctx.status("initiated", &[]).await;
    if matches!(script, Script::Busy) {
        return ctx.finish("busy", Some(486)).await;
    }
    ctx.status("ringing", &[]).await;
    match script {
        Script::NoAnswer => return ctx.finish("no-answer", Some(487)).await,
        Script::Failed => return ctx.finish("failed", Some(404)).await,
        _ => {}
    }
    ctx.answered = Some(Instant::now());
    ctx.status("in-progress", &[]).await;
    let caller = match script {
        Script::Talk(caller) => Some(caller),
        Script::Hold => None,
        _ => {
            ctx.amd("machine_start").await;
            let _ = tokio::time::timeout(HOLD_AT_MOST, hangup.changed()).await;
            return ctx.finish("completed", None).await;
        }
    };
    ctx.amd("human").await;
    converse(&mut ctx, caller.as_ref(), &mut hangup).await;
}

async fn converse(
    ctx: &mut Ctx,
    caller: Option<&Caller>,
    hangup: &mut watch::Receiver<Option<String>>,
) {
    let relay = ctx.created.connect.noun == "ConversationRelay";
    let ending = if relay {
        relay::run(ctx, caller, hangup).await
    } else {
        media::run(ctx, caller, hangup).await
    };
    if relay && let Some(action) = ctx.created.connect.action.clone() {
        let (call_status, session) = match &ending {
            Ending::AgentEnded(_) => ("in-progress", "ended"),
            Ending::Dropped => ("in-progress", "failed"),
            Ending::CallerHungUp | Ending::HungUp => ("completed", "completed"),
        };
        let mut params = ctx.base();
        params.push(("CallStatus".into(), call_status.into()));
        params.push((
            "SessionId".into(),
            "VX00000000000000000000000000000001".into(),
        ));
        params.push(("SessionStatus".into(), session.into()));
        params.push(("SessionDuration".into(), "95".into()));
        match &ending {
            Ending::AgentEnded(Some(handoff)) => {
                params.push(("HandoffData".into(), handoff.clone()))
            }
            Ending::Dropped => {
                params.push(("ErrorCode".into(), "64105".into()));
                params.push(("ErrorMessage".into(), "WebSocket Ended".into()));
            }
            _ => {}
        }
        // The answer is TwiML; interviewd's `<Hangup/>` ends the call.
        let _ = ctx.post(&action, params).await;
    }
    // "If the WebSocket disconnects unexpectedly in ConversationRelay … the call disconnects
    // with a failed status."
    let status = if relay && matches!(ending, Ending::Dropped) {
        "failed"
    } else {
        "completed"
    };
    ctx.finish(status, None).await;
    if ctx.field("Record").as_deref() == Some("true") {
        let recording = rest::add_recording(&ctx.shared, &ctx.sid);
        if let Some(url) = ctx.field("RecordingStatusCallback") {
            let media_url = format!(
                "{}/2010-04-01/Accounts/{}/Recordings/{recording}",
                ctx.shared.base,
                super::ACCOUNT_SID
            );
            let params = vec![
                ("AccountSid".to_owned(), super::ACCOUNT_SID.to_owned()),
                ("CallSid".to_owned(), ctx.sid.clone()),
                ("RecordingSid".to_owned(), recording.clone()),
                ("RecordingUrl".to_owned(), media_url),
                ("RecordingStatus".to_owned(), "completed".to_owned()),
                ("RecordingDuration".to_owned(), "1".to_owned()),
                ("RecordingChannels".to_owned(), "2".to_owned()),
                ("RecordingSource".to_owned(), "OutboundAPI".to_owned()),
                ("RecordingTrack".to_owned(), "both".to_owned()),
            ];
            ctx.post(&url, params).await;
        }
    }
}
