//! One call, from the create-call request to its outcome.
//!
//! The call listens to its hub events: status callbacks (answered; the final status), the
//! answering-machine result, the recording callback, the `<Connect action>` request, and the
//! WebSocket when the carrier opens it, which starts the session. The engine's cancel token
//! (maximum duration, a deletion before the answer, shutdown) ends the call through the REST
//! API: `canceled` while it rings, `completed` once answered.
//!
//! | what happened | outcome |
//! |---|---|
//! | final status `no-answer` / `busy` | `NoAnswer` / `Busy` |
//! | an answering machine or a fax (async AMD) | hung up, `NoAnswer` |
//! | final status `failed` | `Failed { carrier_failed_<SIP code> }` |
//! | `completed` after a session in which the candidate said something | `Completed` with the transcript and the recording |
//! | `completed` with no session, or no word from the candidate | `Failed { no_session }` / `Failed { hung_up_early }` |
//! | the engine's cancel | `Canceled` |
//! | no final status callback (lost: Twilio resends one only when the connection failed) | the call resource's status (`GET …/Calls/{CA}.json`) read 3 s after the hang-up, or after the ring time while unanswered (again every 30 s), as if the callback had come |
//! | no final status within the wait after a hang-up, nor from the call resource | `Failed { carrier_silent }` |
//!
//! Callbacks may arrive in any order ("there is no guarantee they will arrive in the same
//! order", Twilio's `SequenceNumber`): the first final status wins, an answer is an answer
//! whenever it comes, and nothing waits for a progress event.

use crate::callback::{self, CallStatus, Callback, Recording, Status};
use crate::hub::{Event, SocketKind};
use crate::session::SessionResult;
use crate::{Carrier, Mode, Socket, media, relay, twiml};
use interviewd_voice::{AgentLine, BoxFuture, CallOutcome, CallRequest, Conversation, Dialogue};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a session may take to wind down after the call's final status.
const SESSION_DRAIN: Duration = Duration::from_secs(5);
/// How long a final status callback has, after the hang-up or the ring timeout, before the
/// call resource is read (the callback usually follows within a second; the wait for it
/// goes on after the read).
const CALLBACK_GRACE: Duration = Duration::from_secs(3);
/// How often an unanswered call whose ring time is over is read again (Twilio queues calls
/// created faster than the account's calls per second).
const RECHECK_EVERY: Duration = Duration::from_secs(30);

/// Places the call of `req` and holds it until it ends.
pub(crate) async fn run(
    carrier: &Carrier,
    mut req: CallRequest,
    cancel: CancellationToken,
) -> CallOutcome {
    let attempt = req.attempt_id.clone();
    let (registration, events) = carrier.hub.register(&attempt);
    let mut dialogue = req
        .dialogue
        .take()
        .unwrap_or_else(|| Box::new(Fixed::new(&req)));
    let prepared = match carrier.config.mode {
        Mode::Relay => None,
        Mode::Media => {
            let Some(speech) = carrier.speech.as_ref() else {
                return failed("speech_not_configured");
            };
            match media::prepare(dialogue.as_mut(), speech).await {
                Ok(prepared) => Some(prepared),
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "the greeting could not be synthesised");
                    return failed("speech_unavailable");
                }
            }
        }
    };
    if cancel.is_cancelled() {
        return CallOutcome::Canceled;
    }
    let fields = create_fields(carrier, &req, &carrier.hub.token(&attempt));
    let call_sid = match carrier.rest.create_call(&fields).await {
        Ok(sid) => sid,
        Err(e) => {
            tracing::warn!(error = %e, attempt, "placing a call failed");
            return failed(&e.reason());
        }
    };
    carrier.hub.set_call_sid(&attempt, &call_sid);
    carrier.ledger.placed(&attempt, &call_sid).await;
    tracing::info!(attempt, call_sid, "call placed");
    let mut call = Call {
        carrier,
        req,
        attempt,
        call_sid,
        events,
        dialogue: Some(dialogue),
        prepared,
        session: None,
        session_started: false,
        result: None,
        answered_at: None,
        machine: false,
        canceled: false,
        hung_up_at: None,
        next_check: Some(Instant::now() + carrier.config.ring_timeout + CALLBACK_GRACE),
        final_status: None,
        relay_error: None,
        recording: None,
    };
    call.hold(&cancel).await;
    let outcome = call.outcome().await;
    drop(registration);
    outcome
}

fn failed(reason: &str) -> CallOutcome {
    CallOutcome::Failed {
        reason: reason.to_owned(),
    }
}

/// The create-call request's form fields
/// (<https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource>).
fn create_fields(carrier: &Carrier, req: &CallRequest, token: &str) -> Vec<(&'static str, String)> {
    let config = &carrier.config;
    let attempt = twiml::query(&req.attempt_id);
    let url = |path: &str| config.callback_url(&format!("{path}?attempt={attempt}"));
    let twiml = match config.mode {
        Mode::Relay => twiml::relay(config, &req.attempt_id, token, &req.language),
        Mode::Media => twiml::stream(config, &req.attempt_id, token),
    };
    let mut fields = vec![
        ("To", req.phone_e164.clone()),
        ("From", config.from.clone()),
        ("Twiml", twiml),
        ("StatusCallback", url(crate::paths::STATUS)),
        ("StatusCallbackMethod", "POST".into()),
    ];
    for event in ["initiated", "ringing", "answered", "completed"] {
        fields.push(("StatusCallbackEvent", event.into()));
    }
    fields.push(("Timeout", config.ring_timeout.as_secs().max(5).to_string()));
    // Defence in depth behind the engine's watchdog.
    let limit = req.max_duration.as_secs().max(60) + 60;
    fields.push(("TimeLimit", limit.to_string()));
    if config.machine_detection {
        fields.push(("MachineDetection", "Enable".into()));
        fields.push(("AsyncAmd", "true".into()));
        fields.push(("AsyncAmdStatusCallback", url(crate::paths::AMD)));
        fields.push(("AsyncAmdStatusCallbackMethod", "POST".into()));
    }
    if config.mode == Mode::Relay && config.record {
        fields.push(("Record", "true".into()));
        fields.push(("RecordingChannels", "dual".into()));
        fields.push(("Trim", "do-not-trim".into()));
        fields.push(("RecordingStatusCallback", url(crate::paths::RECORDING)));
        fields.push(("RecordingStatusCallbackMethod", "POST".into()));
        fields.push(("RecordingStatusCallbackEvent", "completed absent".into()));
    }
    fields
}

struct Call<'a> {
    carrier: &'a Carrier,
    req: CallRequest,
    attempt: String,
    call_sid: String,
    events: mpsc::UnboundedReceiver<Event>,
    dialogue: Option<Box<dyn Dialogue>>,
    prepared: Option<media::Prepared>,
    session: Option<(JoinHandle<SessionResult>, CancellationToken)>,
    session_started: bool,
    result: Option<SessionResult>,
    answered_at: Option<Instant>,
    machine: bool,
    canceled: bool,
    hung_up_at: Option<Instant>,
    /// When to read the call resource if no final status came by then: after the ring
    /// timeout while unanswered, shortly after a hang-up.
    next_check: Option<Instant>,
    final_status: Option<Status>,
    relay_error: Option<String>,
    recording: Option<Recording>,
}

impl Call<'_> {
    /// Follows the call until its final status (and its session's end).
    async fn hold(&mut self, cancel: &CancellationToken) {
        loop {
            if self.final_status.is_some() && self.session.is_none() {
                return;
            }
            let session_done = async {
                match self.session.as_mut() {
                    Some((task, _)) => task.await.unwrap_or_default(),
                    None => std::future::pending().await,
                }
            };
            let drained = async {
                if self.final_status.is_some() {
                    tokio::time::sleep(SESSION_DRAIN).await;
                } else {
                    std::future::pending::<()>().await;
                }
            };
            let check = async {
                match self.next_check.filter(|_| self.final_status.is_none()) {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            // Only while no final status is known (once one is, the drain ends the session).
            let give_up = async {
                match self.hung_up_at.filter(|_| self.final_status.is_none()) {
                    Some(at) => {
                        tokio::time::sleep_until(at + self.carrier.config.hangup_wait).await
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                event = self.events.recv() => match event {
                    Some(event) => self.on_event(event).await,
                    None => return,
                },
                result = session_done => {
                    self.session = None;
                    let closed = result.closed;
                    self.result = Some(result);
                    if closed || self.final_status.is_none() {
                        // The interview ended (or the socket went): the call ends too.
                        self.hang_up().await;
                    }
                }
                () = cancel.cancelled(), if !self.canceled => {
                    self.canceled = true;
                    self.stop_session();
                    self.hang_up().await;
                }
                () = drained => {
                    if let Some((mut task, stop)) = self.session.take() {
                        stop.cancel();
                        let result = match tokio::time::timeout(SESSION_DRAIN, &mut task).await {
                            Ok(Ok(result)) => result,
                            _ => {
                                task.abort();
                                SessionResult::default()
                            }
                        };
                        self.result = Some(result);
                    }
                }
                () = check => {
                    self.next_check = None;
                    self.reconcile().await;
                    if self.answered_at.is_none() && self.hung_up_at.is_none() {
                        self.next_check = Some(Instant::now() + RECHECK_EVERY);
                    }
                }
                () = give_up => {
                    self.reconcile().await;
                    if self.final_status.is_none() {
                        tracing::warn!(attempt = self.attempt, "the carrier did not confirm the end of a call");
                        self.stop_session();
                        return;
                    }
                }
            }
        }
    }

    async fn on_event(&mut self, event: Event) {
        match event {
            Event::Callback(Callback::Status(status)) => {
                if status.status == CallStatus::InProgress {
                    self.answered();
                }
                if status.status.is_final() && self.final_status.is_none() {
                    tracing::info!(attempt = self.attempt, status = ?status.status, "call ended at the carrier");
                    // The socket closes by itself now; `SESSION_DRAIN` bounds the wait.
                    self.final_status = Some(status);
                }
            }
            Event::Callback(Callback::Amd { answered_by, .. }) => {
                if callback::is_machine(&answered_by) && !self.machine {
                    tracing::info!(
                        attempt = self.attempt,
                        answered_by,
                        "an answering machine; hanging up"
                    );
                    self.machine = true;
                    self.stop_session();
                    self.hang_up().await;
                }
            }
            Event::Callback(Callback::Recording(recording)) => self.recording = Some(recording),
            Event::Callback(Callback::RelayEnded(ended)) => {
                if ended.session_status == "failed" {
                    self.relay_error = Some(ended.error_code.unwrap_or_else(|| "unknown".into()));
                }
            }
            Event::Socket {
                kind,
                socket,
                stream_sid,
            } => self.start_session(kind, socket, stream_sid).await,
        }
    }

    fn answered(&mut self) {
        if self.hung_up_at.is_none() {
            // Answered calls end through their session and the hang-up.
            self.next_check = None;
        }
        if self.answered_at.is_none() {
            self.answered_at = Some(Instant::now());
            self.req.notify_answered();
        }
    }

    async fn start_session(&mut self, kind: SocketKind, socket: Socket, stream_sid: String) {
        let expected = match self.carrier.config.mode {
            Mode::Relay => SocketKind::Relay,
            Mode::Media => SocketKind::Media,
        };
        let dialogue = self.dialogue.take().filter(|_| {
            kind == expected && !self.session_started && !self.machine && !self.canceled
        });
        let Some(dialogue) = dialogue else {
            let _ = socket.outgoing.send(crate::Outbound::Close).await;
            return;
        };
        self.answered();
        self.session_started = true;
        let stop = CancellationToken::new();
        let answered = self.answered_at.unwrap_or_else(Instant::now);
        let task = match (kind, self.prepared.take(), self.carrier.speech.clone()) {
            (SocketKind::Media, Some(prepared), Some(speech)) => {
                let setup = media::Setup {
                    speech,
                    scratch: self.carrier.config.scratch.clone(),
                    attempt: self.attempt.clone(),
                    language: media::language_hint(&self.req.language),
                    totals: self.carrier.totals.clone(),
                };
                tokio::spawn(media::run(
                    dialogue,
                    prepared,
                    socket,
                    stream_sid,
                    setup,
                    stop.clone(),
                ))
            }
            _ => {
                let pace = relay::Pace {
                    per_char: self.carrier.config.closing_pace,
                };
                tokio::spawn(relay::run(dialogue, socket, answered, pace, stop.clone()))
            }
        };
        self.session = Some((task, stop));
    }

    fn stop_session(&mut self) {
        if let Some((_, stop)) = &self.session {
            stop.cancel();
        }
    }

    /// Ends the call at the carrier: canceled while it rings, completed once answered.
    async fn hang_up(&mut self) {
        if self.hung_up_at.is_some() || self.final_status.is_some() {
            return;
        }
        self.hung_up_at = Some(Instant::now());
        self.next_check = Some(Instant::now() + CALLBACK_GRACE);
        let status = if self.answered_at.is_some() {
            "completed"
        } else {
            "canceled"
        };
        // After `end` the carrier may have hung up already; a refusal then is expected, and
        // the call resource tells whether the call is over (its callback may be on its way,
        // or lost).
        if let Err(e) = self.carrier.rest.end_call(&self.call_sid, status).await {
            tracing::info!(error = %e, attempt = self.attempt, "ending a call at the carrier was refused");
            self.reconcile().await;
        }
    }

    /// Learns the final status from the call resource when no callback brought it.
    async fn reconcile(&mut self) {
        if self.final_status.is_some() {
            return;
        }
        match self.carrier.rest.fetch_call(&self.call_sid).await {
            Ok(call) if call.status.is_final() => {
                tracing::info!(attempt = self.attempt, status = ?call.status, "call ended at the carrier (no callback; read from the call resource)");
                self.final_status = Some(Status {
                    call_sid: self.call_sid.clone(),
                    status: call.status,
                    sequence: None,
                    duration_secs: call.duration_secs,
                    sip_code: None,
                    answered_by: call.answered_by,
                });
            }
            Ok(_) => {}
            Err(e) => {
                tracing::info!(error = %e, attempt = self.attempt, "the call resource could not be read");
            }
        }
    }

    async fn outcome(&mut self) -> CallOutcome {
        if self.canceled {
            return CallOutcome::Canceled;
        }
        if self.machine {
            return CallOutcome::NoAnswer;
        }
        let Some(status) = self.final_status.clone() else {
            return failed("carrier_silent");
        };
        match status.status {
            CallStatus::NoAnswer => CallOutcome::NoAnswer,
            CallStatus::Busy => CallOutcome::Busy,
            CallStatus::Completed => self.completed(&status).await,
            CallStatus::Canceled => failed("carrier_canceled"),
            _ => failed(&format!(
                "carrier_failed_{}",
                status.sip_code.map_or("unknown".into(), |c| c.to_string())
            )),
        }
    }

    async fn completed(&mut self, status: &Status) -> CallOutcome {
        let Some(result) = self.result.take().filter(|_| self.session_started) else {
            return failed("no_session");
        };
        let spoke = result
            .turns
            .iter()
            .any(|t| t.role == interviewd_voice::Role::Participant);
        if !spoke {
            let reason = match &self.relay_error {
                Some(code) => format!("relay_error_{code}"),
                None => "hung_up_early".into(),
            };
            return failed(&reason);
        }
        let recording = match self.carrier.config.mode {
            Mode::Media => result.recording,
            Mode::Relay => self.carrier_recording().await,
        };
        let measured = self
            .answered_at
            .map_or(0, |at| at.elapsed().as_millis() as u64);
        let duration_ms = status.duration_secs.map_or(measured, |s| s * 1_000);
        let last_turn = result.turns.last().map_or(0, |t| t.end_ms);
        CallOutcome::Completed(Conversation {
            turns: result.turns,
            recording_wav: recording,
            duration_ms: duration_ms.max(last_turn),
        })
    }

    /// The carrier's recording of a ConversationRelay call, once it is ready; the ledger is
    /// told so the carrier's copy is deleted after interviewd stored its own. Nothing is
    /// fetched for an attempt that is gone (the interview was deleted during the call).
    async fn carrier_recording(&mut self) -> Vec<u8> {
        if !self.carrier.config.record {
            return Vec::new();
        }
        let deadline = Instant::now() + self.carrier.config.recording_wait;
        while self.recording.is_none() {
            tokio::select! {
                event = self.events.recv() => match event {
                    Some(Event::Callback(Callback::Recording(r))) => self.recording = Some(r),
                    Some(_) => {}
                    None => break,
                },
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        let Some(recording) = self.recording.take() else {
            tracing::warn!(
                attempt = self.attempt,
                "the carrier's recording did not come; none is kept"
            );
            return Vec::new();
        };
        if recording.status != "completed" {
            return Vec::new();
        }
        let sid = recording.recording_sid;
        if !self.carrier.ledger.wanted(&self.attempt).await {
            self.carrier.ledger.recording(&self.attempt, &sid).await;
            return Vec::new();
        }
        let wav = match self.carrier.rest.recording_wav(&sid).await {
            Ok(wav) => wav,
            Err(e) => {
                tracing::warn!(error = %e, attempt = self.attempt, "fetching the carrier's recording failed");
                Vec::new()
            }
        };
        self.carrier.ledger.recording(&self.attempt, &sid).await;
        wav
    }
}

/// The interviewer of a call placed without one: the request's questions in order.
struct Fixed {
    lines: std::collections::VecDeque<String>,
}

impl Fixed {
    fn new(req: &CallRequest) -> Self {
        let hello = match &req.candidate_name {
            Some(name) => format!("Hello {name}, thank you for taking this call."),
            None => "Hello, thank you for taking this call.".to_owned(),
        };
        let mut lines: std::collections::VecDeque<String> = req.questions.iter().cloned().collect();
        if let Some(first) = lines.front_mut() {
            *first = format!("{hello} {first}");
        } else {
            lines.push_back(hello);
        }
        lines.push_back("Thank you, that is all. Goodbye.".to_owned());
        Self { lines }
    }

    fn next(&mut self) -> AgentLine {
        let text = self.lines.pop_front().unwrap_or_default();
        AgentLine {
            ends: self.lines.is_empty(),
            text,
        }
    }
}

impl Dialogue for Fixed {
    fn opening(&mut self) -> BoxFuture<'_, AgentLine> {
        let line = self.next();
        Box::pin(std::future::ready(line))
    }

    fn reply<'a>(
        &'a mut self,
        _answer: &'a str,
        _elapsed: Duration,
        sink: mpsc::UnboundedSender<String>,
    ) -> BoxFuture<'a, AgentLine> {
        let line = self.next();
        let _ = sink.send(line.text.clone());
        Box::pin(std::future::ready(line))
    }
}
