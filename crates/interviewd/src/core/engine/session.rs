//! Online interviews, taken through the invite link (`/i/{token}`).
//!
//! `start` opens a session: it takes a slot of the company like a call (none free: the
//! candidate is asked to try again shortly, since a person in front of a page cannot wait in
//! a queue), inserts an IN_PROGRESS attempt with direction `WEB`, and says the opening
//! (greeting and first question). Each `answer` stores the candidate's words first, then
//! lets the engine's interviewer decide follow-up or move on ([`super::conversation`]) and
//! stores the agent's reply; both writes push the idle deadline back. After the closing the
//! session is recorded like a finished call (transcript, analysis; a typed session has no
//! recording) and the slot is released. A session with no answer for the idle timeout is
//! ended by the reaper (`IDLE_TIMEOUT`, the interview fails).
//!
//! The stored conversation is the session's state: starting again while a session is live
//! resumes it where it stands, on any node. An answer stored without a reply (the process
//! died while the interviewer was deciding) is replied to on the next request.

use super::Engine;
use super::conversation::{Owner, context, plan, plan_with};
use super::recording::Conversation as Recorded;
use crate::store::StoreError;
use crate::store::engine::{LiveSession, NewSession, SessionStart, SessionView, Touch};
use chrono::{DateTime, Utc};
use interviewd_domain::model::CallAttempt;
use interviewd_domain::{AgentChannel, AttemptId, AttemptStatus, InterviewId, InterviewStatus};
use interviewd_interviewer::{Conversation, Stage};
use interviewd_voice::{Role, Turn};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Longest accepted answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 10_000;

/// Why a session request cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no interview for this link")]
    NotFound,
    #[error("this invite was revoked")]
    Revoked,
    #[error("this invite has expired")]
    Expired,
    #[error("this interview is not open yet")]
    NotOpenYet,
    #[error("this interview is held by phone, not online")]
    WrongChannel,
    #[error("this interview is over")]
    Finished,
    #[error("no session is running; start one first")]
    NoSession,
    #[error("the session ended after a period without answers")]
    SessionExpired,
    #[error("this answer is not for the current question ({expected})")]
    OutOfOrder { expected: usize },
    #[error("every interview slot of the company is in use; try again shortly")]
    NoFreeSlot,
    #[error("{0}")]
    InvalidAnswer(&'static str),
    /// Another request moved the conversation on first (two tabs, a retried request).
    #[error("another request moved this session on; reload its state")]
    Stale,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The state of an interview seen through its link.
#[derive(Clone, Debug)]
pub struct Status {
    pub interview_id: InterviewId,
    pub status: InterviewStatus,
    pub channel: AgentChannel,
    pub question_count: usize,
    pub session: Option<Progress>,
}

/// Where a live session stands.
#[derive(Clone, Debug)]
pub struct Progress {
    pub session_id: AttemptId,
    /// The index of the question being asked (the count once the closing was said).
    pub index: usize,
    pub count: usize,
    /// How many answers the candidate gave so far: the number of the next answer.
    pub turn: usize,
    /// The question being asked; `None` once the closing was said.
    pub question: Option<String>,
    /// What the agent said last: the question, a follow-up, or the closing.
    pub prompt: String,
    /// The greeting of the interview's language.
    pub greeting: String,
    /// When the session ends without another answer.
    pub expires_at: DateTime<Utc>,
}

/// The result of an answer.
#[derive(Clone, Debug)]
pub enum Step {
    Next(Progress),
    Finished {
        session_id: AttemptId,
        /// The agent's closing words.
        closing: String,
    },
}

/// What the client believes it is answering; a mismatch is [`SessionError::OutOfOrder`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Expect {
    /// The question's index.
    pub question_index: Option<usize>,
    /// The answer's number ([`Progress::turn`]).
    pub turn: Option<usize>,
}

/// A live session loaded with its conversation.
struct Live {
    view: SessionView,
    live: LiveSession,
    conversation: Conversation,
}

impl Live {
    fn owner(&self) -> Owner {
        Owner {
            interview: self.view.interview.id,
            company: self.view.interview.company_id,
        }
    }

    fn progress(&self) -> Progress {
        progress_of(&self.conversation, &self.live)
    }

    /// Milliseconds from the session's start to `now`.
    fn offset_ms(&self, now: DateTime<Utc>) -> u64 {
        u64::try_from((now - self.live.started_at).num_milliseconds()).unwrap_or(0)
    }
}

fn progress_of(conversation: &Conversation, live: &LiveSession) -> Progress {
    let count = conversation.plan().questions.len();
    let index = match conversation.stage() {
        Stage::Asking { question, .. } => question,
        Stage::NotStarted => 0,
        Stage::Finished => count,
    };
    let transcript = conversation.transcript();
    Progress {
        session_id: live.lease.attempt_id,
        index,
        count,
        turn: transcript
            .iter()
            .filter(|l| l.role == Role::Participant)
            .count()
            + usize::from(conversation.pending_answer().is_some()),
        question: (!conversation.is_finished())
            .then(|| conversation.plan().questions.get(index).cloned())
            .flatten(),
        prompt: transcript
            .iter()
            .rev()
            .find(|l| l.role == Role::Agent)
            .map(|l| l.text.clone())
            .unwrap_or_default(),
        greeting: conversation
            .phrases()
            .greet(conversation.context().candidate_name.as_deref()),
        expires_at: live.lease_until,
    }
}

/// The conversation a live session holds.
fn resume(engine: &Engine, view: &SessionView, live: &LiveSession) -> Conversation {
    let plan = plan_with(
        live.questions.clone(),
        &view.brief,
        engine.settings.call_limit(view.brief.duration_minutes),
        engine.models.default_follow_ups,
    );
    Conversation::resume(plan, context(&view.brief), &live.turns)
}

/// Loads the interview behind `token` and checks that its link is usable now.
async fn open(
    engine: &Engine,
    token: &str,
    now: DateTime<Utc>,
) -> Result<SessionView, SessionError> {
    let view = engine
        .store
        .session_by_token(token)
        .await?
        .ok_or(SessionError::NotFound)?;
    let invite = &view.interview.invite;
    if invite.revoked_at.is_some() {
        return Err(SessionError::Revoked);
    }
    if invite.expires_at.is_some_and(|at| at <= now) {
        return Err(SessionError::Expired);
    }
    Ok(view)
}

/// The live session behind `token`, its pending answer (if any) replied to.
async fn live(engine: &Arc<Engine>, token: &str, now: DateTime<Utc>) -> Result<Live, SessionError> {
    let mut view = open(engine, token, now).await?;
    let Some(live) = view.live.take() else {
        return Err(if view.interview.status.is_terminal() {
            SessionError::Finished
        } else {
            SessionError::NoSession
        });
    };
    if live.lease_until < now {
        return Err(SessionError::SessionExpired);
    }
    let conversation = resume(engine, &view, &live);
    let mut live = Live {
        view,
        live,
        conversation,
    };
    if let Some(answer) = live.conversation.pending_answer().map(str::to_owned) {
        let (sink, _) = tokio::sync::mpsc::unbounded_channel();
        reply(engine, &mut live, &answer, sink, Record::Now).await?;
    }
    Ok(live)
}

/// The state of the interview behind `token`.
pub async fn status(engine: &Arc<Engine>, token: &str) -> Result<Status, SessionError> {
    let now = engine.now();
    let view = open(engine, token, now).await?;
    let session = match &view.live {
        Some(l) if l.lease_until >= now => match live(engine, token, now).await {
            Ok(live) => Some(live.progress()),
            Err(SessionError::NoSession | SessionError::SessionExpired) => None,
            Err(e) => return Err(e),
        },
        _ => None,
    };
    Ok(Status {
        interview_id: view.interview.id,
        status: view.interview.status,
        channel: view.interview.channel,
        question_count: view
            .live
            .as_ref()
            .map_or(view.brief.questions.len(), |l| l.questions.len()),
        session,
    })
}

/// Opens (or resumes) the session of the interview behind `token`.
pub async fn start(engine: &Arc<Engine>, token: &str) -> Result<Progress, SessionError> {
    let now = engine.now();
    let view = open(engine, token, now).await?;
    let interview = &view.interview;
    if interview.channel != AgentChannel::Online {
        return Err(SessionError::WrongChannel);
    }
    if interview.invite.starts_at.is_some_and(|at| at > now) {
        return Err(SessionError::NotOpenYet);
    }
    if view.live.is_some() {
        return Ok(live(engine, token, now).await?.progress());
    }
    if interview.status != InterviewStatus::Scheduled || interview.is_test {
        return Err(SessionError::Finished);
    }
    let limit = engine.settings.call_limit(view.brief.duration_minutes);
    let follow_ups = engine.models.default_follow_ups;
    // A session that paused (went idle) is continued where it stood; else the opening.
    let (conversation, turns) = match engine.store.paused_session(interview.id).await? {
        Some((questions, turns)) if !turns.is_empty() => {
            let plan = plan_with(questions, &view.brief, limit, follow_ups);
            let conversation = Conversation::resume(plan, context(&view.brief), &turns);
            (conversation, turns)
        }
        _ => {
            let mut conversation =
                Conversation::new(plan(&view.brief, limit, follow_ups), context(&view.brief));
            let opening = conversation.opening();
            (conversation, vec![agent_turn(opening.text, 0)])
        }
    };
    let idle_until = engine.clock.after(engine.settings.idle_timeout);
    let session = NewSession {
        attempt: web_attempt(interview, now),
        questions: conversation.plan().questions.clone(),
        turns,
        now,
        idle_until,
    };
    match engine.store.start_session(&session).await? {
        SessionStart::Started(lease) => {
            let live = LiveSession {
                lease,
                questions: session.questions,
                turns: session.turns,
                started_at: now,
                lease_until: idle_until,
            };
            Ok(progress_of(&conversation, &live))
        }
        SessionStart::NoSlot => Err(SessionError::NoFreeSlot),
        SessionStart::NotStartable => match open(engine, token, now).await?.live {
            Some(_) => Ok(live(engine, token, now).await?.progress()),
            None => Err(SessionError::Finished),
        },
    }
}

fn web_attempt(interview: &interviewd_domain::model::Interview, now: DateTime<Utc>) -> CallAttempt {
    CallAttempt {
        id: AttemptId::new(),
        interview_id: interview.id,
        company_id: interview.company_id,
        status: AttemptStatus::InProgress,
        direction: "WEB".into(),
        reason_code: None,
        notes: None,
        retry_number: 0,
        scheduled_at: now,
        called_at: Some(now),
        ended_at: None,
        duration_ms: None,
        recording_key: None,
        created_at: now,
        updated_at: now,
    }
}

fn agent_turn(text: String, at_ms: u64) -> Turn {
    Turn {
        role: Role::Agent,
        text,
        start_ms: at_ms,
        end_ms: at_ms,
    }
}

/// Checks an answer's text: trimmed, not empty, not too long.
pub fn check_answer(text: &str) -> Result<&str, SessionError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SessionError::InvalidAnswer("answer must not be empty"));
    }
    if text.chars().count() > MAX_ANSWER_CHARS {
        return Err(SessionError::InvalidAnswer(
            "answer is longer than 10000 characters",
        ));
    }
    Ok(text)
}

/// When a session that reached its closing is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// At once, without audio (a typed session through the JSON protocol).
    Now,
    /// By the caller, through [`complete`], once the closing was spoken and the recording
    /// is finished (a voice session).
    Later,
}

/// Records the candidate's answer and the agent's reply. The reply's words also go to
/// `sink` as the interviewer produces them.
pub async fn answer(
    engine: &Arc<Engine>,
    token: &str,
    text: &str,
    expect: Expect,
    sink: UnboundedSender<String>,
    record: Record,
) -> Result<Step, SessionError> {
    let mut held = Held::default();
    answer_held(engine, &mut held, token, text, expect, sink, record).await
}

/// A live connection's copy of its session between answers, so that an answer does not
/// read the session again (three reads a turn, at 500 voice sessions about 80 a second, on
/// the path to the reply's first audio byte).
///
/// The copy stands while the stored session is what it holds, and the write that stores
/// the next answer checks exactly that: the same attempt and fence, still in progress and
/// within its idle deadline, the same number of turns, and the invite neither revoked nor
/// expired. When the write finds otherwise (another tab answered, a revoke, a delete, the
/// reaper), nothing was stored and the copy is dropped: the answer is taken again from the
/// stored session, as without a copy, and ends as it would have.
#[derive(Default)]
pub struct Held(Option<Box<Live>>);

/// [`answer`] with the connection's copy of its session; the copy is refreshed by it.
pub async fn answer_held(
    engine: &Arc<Engine>,
    held: &mut Held,
    token: &str,
    text: &str,
    expect: Expect,
    sink: UnboundedSender<String>,
    record: Record,
) -> Result<Step, SessionError> {
    let text = check_answer(text)?;
    let mut answered = None;
    if let Some(copy) = held.0.take() {
        answered = Some(answer_to(engine, copy, text, expect, sink.clone(), record).await)
            .filter(|a| matches!(a, Answered::Replied(..)));
    }
    let answered = match answered {
        Some(answered) => answered,
        None => {
            let stored = Box::new(live(engine, token, engine.now()).await?);
            answer_to(engine, stored, text, expect, sink, record).await
        }
    };
    match answered {
        Answered::Replied(step, live) => {
            // Kept for the next answer, unless there is none.
            held.0 = Some(live).filter(|_| matches!(step, Ok(Step::Next(_))));
            step
        }
        Answered::NotStored(e) => Err(e),
    }
}

/// How [`answer_to`] ended.
enum Answered {
    /// The answer was stored; the reply is `.0`, and `.1` the session after it.
    Replied(Result<Step, SessionError>, Box<Live>),
    /// Nothing was stored.
    NotStored(SessionError),
}

/// Stores `text` as the answer to where `live` stands, then the reply.
async fn answer_to(
    engine: &Arc<Engine>,
    mut live: Box<Live>,
    text: &str,
    expect: Expect,
    sink: UnboundedSender<String>,
    record: Record,
) -> Answered {
    if live.conversation.is_finished() {
        return Answered::NotStored(SessionError::Finished);
    }
    let current = live.progress();
    let out_of_order = SessionError::OutOfOrder {
        expected: current.index,
    };
    if expect.question_index.is_some_and(|i| i != current.index)
        || expect.turn.is_some_and(|t| t != current.turn)
    {
        return Answered::NotStored(out_of_order);
    }
    let now = engine.now();
    let said = Turn {
        role: Role::Participant,
        text: text.to_owned(),
        start_ms: live.live.turns.last().map_or(0, |t| t.end_ms),
        end_ms: live.offset_ms(now),
    };
    if let Err(e) = append(engine, &mut live, said).await {
        return Answered::NotStored(match e {
            SessionError::Stale => out_of_order,
            other => other,
        });
    }
    let step = reply(engine, &mut live, text, sink, record).await;
    Answered::Replied(step, live)
}

/// Lets the interviewer reply to `answer` (already stored) and stores the reply; records
/// the session once the closing was said.
async fn reply(
    engine: &Arc<Engine>,
    live: &mut Live,
    answer: &str,
    sink: UnboundedSender<String>,
    record: Record,
) -> Result<Step, SessionError> {
    let started = engine.now();
    let elapsed = (started - live.live.started_at)
        .to_std()
        .unwrap_or_default();
    let owner = live.owner();
    let said = engine
        .step(&mut live.conversation, answer, elapsed, sink, owner)
        .await
        .map_err(|_| SessionError::Finished)?;
    let at = live.offset_ms(engine.now());
    match append(engine, live, agent_turn(said.text.clone(), at)).await {
        Ok(()) => {}
        // Another request replied first (two tabs): its reply stands.
        Err(SessionError::Stale) => {
            return Err(SessionError::OutOfOrder {
                expected: live.progress().index,
            });
        }
        Err(e) => return Err(e),
    }
    if !said.ends_interview {
        return Ok(Step::Next(live.progress()));
    }
    if record == Record::Now {
        store(engine, live, Vec::new()).await;
    }
    Ok(Step::Finished {
        session_id: live.live.lease.attempt_id,
        closing: said.text,
    })
}

/// Records the session as a finished conversation, with `recording_wav` (empty: none); the
/// analysis runs in the background, after the candidate has their answer.
async fn store(engine: &Arc<Engine>, live: &Live, recording_wav: Vec<u8>) {
    let duration_ms = live.live.turns.last().map_or(0, |t| t.end_ms);
    let job = engine
        .store_conversation(Recorded {
            lease: live.live.lease,
            company: live.view.interview.company_id,
            turns: live.live.turns.clone(),
            recording_wav,
            duration_ms: Some(i64::try_from(duration_ms).unwrap_or(i64::MAX)),
        })
        .await;
    if let Some(job) = job {
        let engine = Arc::clone(engine);
        tokio::spawn(async move { engine.run_job_now(job).await });
    }
}

/// Records the live session behind `token` with its recording: after [`Record::Later`]
/// reached the closing, or when the candidate ends the interview early (what was said is
/// analysed like a finished interview).
pub async fn complete(
    engine: &Arc<Engine>,
    token: &str,
    recording_wav: Vec<u8>,
) -> Result<(), SessionError> {
    let live = live(engine, token, engine.now()).await?;
    store(engine, &live, recording_wav).await;
    Ok(())
}

/// A session joined by a live client: where it stands and what was said so far.
#[derive(Clone, Debug)]
pub struct Joined {
    pub progress: Progress,
    pub turns: Vec<Turn>,
    /// The session was live before this join (a reload or a reconnect).
    pub resumed: bool,
    /// The interview's language (the agent's code, `EN`).
    pub language: String,
}

/// Opens or resumes the session behind `token` for a live client.
pub async fn join(engine: &Arc<Engine>, token: &str) -> Result<Joined, SessionError> {
    let before = open(engine, token, engine.now()).await?;
    let resumed = before.live.is_some();
    start(engine, token).await?;
    let live = live(engine, token, engine.now()).await?;
    Ok(Joined {
        progress: live.progress(),
        turns: live.live.turns.clone(),
        resumed,
        language: live.view.brief.language.clone(),
    })
}

/// Where the live session behind `token` stands now, without changing anything. For a live
/// connection checking every few seconds for a revoke, a delete made elsewhere or the idle
/// deadline: one read of one row, not the conversation (at 500 sessions these checks are
/// 170 reads a second).
pub async fn watch(engine: &Engine, token: &str) -> Result<Watch, SessionError> {
    let now = engine.now();
    let Some(check) = engine.store.session_check(token).await? else {
        return Ok(Watch::Deleted);
    };
    Ok(if check.revoked {
        Watch::Revoked
    } else if check.expires_at.is_some_and(|at| at <= now) {
        Watch::Over
    } else {
        match check.live_until {
            Some(until) if until >= now => Watch::Live,
            Some(_) => Watch::Idle,
            // The reaper paused it: the interview waits for a session again.
            None if check.status == InterviewStatus::Scheduled => Watch::Idle,
            None => Watch::Over,
        }
    })
}

/// What [`watch`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watch {
    Live,
    /// The idle deadline passed.
    Idle,
    /// No live session (ended, or the interview closed).
    Over,
    Revoked,
    Deleted,
}

/// Appends one turn to the stored conversation (and to `live`), pushing the idle deadline
/// back.
async fn append(engine: &Engine, live: &mut Live, turn: Turn) -> Result<(), SessionError> {
    let now = engine.now();
    let idle_until = engine.clock.after(engine.settings.idle_timeout);
    let touch = engine
        .store
        .append_turns(
            live.live.lease,
            live.live.turns.len(),
            std::slice::from_ref(&turn),
            now,
            idle_until,
        )
        .await?;
    match touch {
        Touch::Applied => {
            live.live.turns.push(turn);
            live.live.lease_until = idle_until;
            Ok(())
        }
        Touch::Gone => Err(SessionError::NotFound),
        Touch::Stale => Err(SessionError::Stale),
    }
}
