//! Online interviews, taken through the invite link (`/i/{token}`).
//!
//! `start` opens a session: it takes a slot of the company like a call (none free: the
//! candidate is asked to try again shortly, since a person in front of a page cannot wait in
//! a queue), inserts an IN_PROGRESS attempt with direction `WEB` and returns the first
//! question. Each `answer` records the answer, pushes the idle deadline back and returns the
//! next question. After the last answer the session is recorded like a finished call
//! (transcript, a synthesized recording, analysis) and the slot is released. A session with
//! no answer for the idle timeout is ended by the reaper (`IDLE_TIMEOUT`, the interview fails).
//! Starting again while a session is live resumes it at the current question.

use super::Engine;
use super::recording::Conversation;
use crate::store::StoreError;
use crate::store::engine::{LiveSession, NewSession, SessionStart, SessionView, Touch};
use chrono::{DateTime, Utc};
use interviewd_domain::model::CallAttempt;
use interviewd_domain::{AgentChannel, AttemptId, AttemptStatus, InterviewId, InterviewStatus};
use interviewd_voice::{DEFAULT_QUESTIONS, Role, TURN_GAP_MS, Turn, wav};
use std::sync::Arc;

/// Longest accepted answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 10_000;

const GREETING: &str = "Hello, thank you for taking the time for this interview. I will ask \
                        you a few questions; take your time with each answer.";
const CLOSING: &str = "Thank you, that was the last question. The team will review the \
                       interview and be in touch about the next steps.";

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
    /// The index of the question to answer next.
    pub index: usize,
    pub count: usize,
    /// The question to answer next; `None` while the session is being recorded.
    pub question: Option<String>,
    /// When the session ends without another answer.
    pub expires_at: DateTime<Utc>,
}

/// The result of an answer.
#[derive(Clone, Debug)]
pub enum Step {
    Next(Progress),
    Finished { session_id: AttemptId },
}

/// The greeting said before the first question.
pub fn greeting() -> &'static str {
    GREETING
}

/// The closing said after the last answer.
pub fn closing() -> &'static str {
    CLOSING
}

fn progress(live: &LiveSession) -> Progress {
    let index = live.answers.len();
    Progress {
        session_id: live.lease.attempt_id,
        index,
        count: live.questions.len(),
        question: live.questions.get(index).cloned(),
        expires_at: live.lease_until,
    }
}

fn questions_of(view: &SessionView) -> Vec<String> {
    if view.questions.is_empty() {
        DEFAULT_QUESTIONS.iter().map(|q| (*q).to_owned()).collect()
    } else {
        view.questions.clone()
    }
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

/// The state of the interview behind `token`.
pub async fn status(engine: &Engine, token: &str) -> Result<Status, SessionError> {
    let view = open(engine, token, engine.now()).await?;
    Ok(Status {
        interview_id: view.interview.id,
        status: view.interview.status,
        channel: view.interview.channel,
        question_count: view
            .live
            .as_ref()
            .map_or_else(|| questions_of(&view).len(), |l| l.questions.len()),
        session: view.live.as_ref().map(progress),
    })
}

/// Opens (or resumes) the session of the interview behind `token`.
pub async fn start(engine: &Engine, token: &str) -> Result<Progress, SessionError> {
    let now = engine.now();
    let view = open(engine, token, now).await?;
    let interview = &view.interview;
    if interview.channel != AgentChannel::Online {
        return Err(SessionError::WrongChannel);
    }
    if interview.invite.starts_at.is_some_and(|at| at > now) {
        return Err(SessionError::NotOpenYet);
    }
    if let Some(live) = &view.live {
        return resume(live, now);
    }
    if interview.status != InterviewStatus::Scheduled || interview.is_test {
        return Err(SessionError::Finished);
    }
    let questions = questions_of(&view);
    let idle_until = engine.clock.after(engine.settings.idle_timeout);
    let attempt = CallAttempt {
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
    };
    let session = NewSession {
        attempt,
        questions,
        now,
        idle_until,
    };
    match engine.store.start_session(&session).await? {
        SessionStart::Started(lease) => Ok(Progress {
            session_id: lease.attempt_id,
            index: 0,
            count: session.questions.len(),
            question: session.questions.first().cloned(),
            expires_at: idle_until,
        }),
        SessionStart::NoSlot => Err(SessionError::NoFreeSlot),
        SessionStart::NotStartable => match open(engine, token, now).await?.live {
            Some(live) => resume(&live, now),
            None => Err(SessionError::Finished),
        },
    }
}

fn resume(live: &LiveSession, now: DateTime<Utc>) -> Result<Progress, SessionError> {
    if live.lease_until < now {
        return Err(SessionError::SessionExpired);
    }
    Ok(progress(live))
}

/// Records the answer to the current question (`index`, when given, must be it).
pub async fn answer(
    engine: &Arc<Engine>,
    token: &str,
    text: &str,
    index: Option<usize>,
) -> Result<Step, SessionError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SessionError::InvalidAnswer("answer must not be empty"));
    }
    if text.chars().count() > MAX_ANSWER_CHARS {
        return Err(SessionError::InvalidAnswer(
            "answer is longer than 10000 characters",
        ));
    }
    let now = engine.now();
    let view = open(engine, token, now).await?;
    let Some(live) = view.live else {
        return Err(if view.interview.status.is_terminal() {
            SessionError::Finished
        } else {
            SessionError::NoSession
        });
    };
    let current = resume(&live, now)?;
    if current.question.is_none() {
        return Err(SessionError::Finished);
    }
    if index.is_some_and(|i| i != current.index) {
        return Err(SessionError::OutOfOrder {
            expected: current.index,
        });
    }
    let idle_until = engine.clock.after(engine.settings.idle_timeout);
    match engine
        .store
        .record_answer(live.lease, current.index, text, now, idle_until)
        .await?
    {
        Touch::Applied => {}
        Touch::Gone => return Err(SessionError::NotFound),
        Touch::Stale => {
            return Err(SessionError::OutOfOrder {
                expected: current.index,
            });
        }
    }
    let mut answers = live.answers.clone();
    answers.push(text.to_owned());
    if answers.len() < live.questions.len() {
        return Ok(Step::Next(Progress {
            session_id: live.lease.attempt_id,
            index: answers.len(),
            count: live.questions.len(),
            question: live.questions.get(answers.len()).cloned(),
            expires_at: idle_until,
        }));
    }
    let turns = transcript(&live.questions, &answers);
    let duration_ms = turns.last().map_or(0, |t| t.end_ms);
    engine
        .record_conversation(Conversation {
            lease: live.lease,
            company: view.interview.company_id,
            recording_wav: wav::synthesize(&turns, duration_ms),
            turns,
            duration_ms: Some(i64::try_from(duration_ms).unwrap_or(i64::MAX)),
        })
        .await;
    Ok(Step::Finished {
        session_id: live.lease.attempt_id,
    })
}

/// The transcript of a session: greeting, each question and its answer, closing, laid out
/// at a speaking pace so the synthesized recording matches it.
pub fn transcript(questions: &[String], answers: &[String]) -> Vec<Turn> {
    let mut lines = vec![(Role::Agent, GREETING.to_owned())];
    for (question, answer) in questions.iter().zip(answers) {
        lines.push((Role::Agent, question.clone()));
        lines.push((Role::Participant, answer.clone()));
    }
    lines.push((Role::Agent, CLOSING.to_owned()));
    let mut start_ms = 0;
    lines
        .into_iter()
        .map(|(role, text)| {
            let words = text.split_whitespace().count() as u64;
            let end_ms = start_ms + (words * 350).max(800);
            let turn = Turn {
                role,
                text,
                start_ms,
                end_ms,
            };
            start_ms = end_ms + TURN_GAP_MS;
            turn
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn transcript_alternates_and_is_timed() {
        let q = vec!["Why Rust?".to_owned(), "What is a lease?".to_owned()];
        let a = vec!["Safety.".to_owned(), "A time-limited claim.".to_owned()];
        let turns = transcript(&q, &a);
        let roles: Vec<Role> = turns.iter().map(|t| t.role).collect();
        use Role::{Agent as A, Participant as P};
        assert_eq!(roles, vec![A, A, P, A, P, A]);
        assert_eq!(turns[2].text, "Safety.");
        for pair in turns.windows(2) {
            assert_eq!(pair[1].start_ms, pair[0].end_ms + TURN_GAP_MS);
        }
        let wav = wav::synthesize(&turns, turns.last().unwrap().end_ms);
        assert!(wav::parse_header(&wav).is_ok());
    }
}
