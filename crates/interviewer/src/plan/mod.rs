//! The interview plan as a pure state machine: the code, not a model, owns the structure.
//!
//! One [`Conversation`] per interview: greeting and first question ([`Conversation::opening`]),
//! then for each candidate answer the code works out what may happen next
//! ([`Conversation::next_request`]: is a follow-up still allowed, which question comes next,
//! is the time up), an [`Interviewer`](crate::Interviewer) decides within those bounds, and
//! [`Conversation::apply`] records the decision. Nothing here reads a clock or does I/O: the
//! caller passes the elapsed time, so web sessions, simulated calls and real calls drive the
//! same machine, and tests run it in microseconds.
//!
//! The state is small and serializable, and [`Conversation::resume`] rebuilds it from a stored
//! transcript, so a session survives a reconnect or a server restart.

mod phrases;
mod resume;
mod turn;

use std::time::Duration;

use interviewd_voice::Role;
use serde::{Deserialize, Serialize};

pub use phrases::{PHRASES, Phrases, phrases};
pub use turn::{Action, Decision, Next, TurnRequest, Utterance};

/// Follow-ups allowed per question unless the agent says otherwise.
pub const DEFAULT_MAX_FOLLOW_UPS: u8 = 1;

/// What the code enforces for one interview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The agent's questions, asked in this order, each verbatim.
    pub questions: Vec<String>,
    /// At most this many follow-ups per question (0 turns the model's follow-ups off).
    pub max_follow_ups: u8,
    /// The time budget: once the elapsed time reaches it, the next agent utterance closes.
    pub max_duration: Duration,
    /// BCP-47 tag of the interview's language; picks the [`Phrases`] row.
    pub language: String,
}

impl Plan {
    /// A plan with one follow-up per question, 30 minutes and English.
    pub fn new(questions: Vec<String>) -> Self {
        Self {
            questions,
            max_follow_ups: DEFAULT_MAX_FOLLOW_UPS,
            max_duration: Duration::from_secs(30 * 60),
            language: "en".to_owned(),
        }
    }
}

/// What an interviewer may know about the job and the agent. It deliberately has no field
/// for the candidate's e-mail or phone number: what is not here cannot reach a model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The job's title.
    pub job_title: String,
    /// The job's description.
    pub job_description: String,
    /// The agent's guidance for the interviewer (tone, what to probe).
    pub guidance: String,
    /// The job's required skills.
    pub skills: Vec<String>,
    /// Skills that help but are not required.
    pub nice_to_have: Vec<String>,
    /// The candidate's name, used by the code in the greeting only (it then appears in the
    /// transcript, as it would in any conversation).
    pub candidate_name: Option<String>,
    /// The agent's own model, overriding the configured one.
    pub model: Option<String>,
}

/// One line of the transcript as the plan sees it (no timing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Who spoke.
    pub role: Role,
    /// What was said.
    pub text: String,
}

/// Where an interview stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Nothing said yet.
    NotStarted,
    /// `question` (0-based) has been asked, followed by `follow_ups` follow-ups; the agent is
    /// waiting for the candidate.
    Asking {
        /// Index into [`Plan::questions`].
        question: usize,
        /// Follow-ups asked about it so far.
        follow_ups: u8,
    },
    /// The closing was said.
    Finished,
}

/// Why the plan refused a step.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// The interview has not been opened yet.
    #[error("the interview has not started")]
    NotStarted,
    /// The closing was already said.
    #[error("the interview is over")]
    Finished,
    /// The request was made before another step was applied.
    #[error("the request is stale: the interview moved on")]
    Stale,
    /// The decision does not fit the request's bounds.
    #[error("the decision is not allowed here: {0}")]
    NotAllowed(&'static str),
}

/// One interview's position in its plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    plan: Plan,
    context: Context,
    stage: Stage,
    transcript: Vec<Line>,
    /// A candidate answer found at the end of a resumed transcript, not yet replied to.
    pending_answer: Option<String>,
}

impl Conversation {
    /// A conversation about to start.
    pub fn new(plan: Plan, context: Context) -> Self {
        Self {
            plan,
            context,
            stage: Stage::NotStarted,
            transcript: Vec::new(),
            pending_answer: None,
        }
    }

    /// The greeting and the first question (or the closing, for a plan without questions).
    /// Once started, it repeats the last thing the agent said, so a reconnecting client can
    /// call it again.
    pub fn opening(&mut self) -> Utterance {
        if self.stage != Stage::NotStarted {
            let text = self.last_agent_line().unwrap_or_default().to_owned();
            return Utterance {
                text,
                ends_interview: self.is_finished(),
            };
        }
        let words = self.phrases();
        let greeting = words.greet(self.context.candidate_name.as_deref());
        let (then, stage) = match self.plan.questions.first() {
            Some(q) => (q.as_str(), first_question()),
            None => (words.closing, Stage::Finished),
        };
        let text = format!("{greeting} {then}");
        self.say(Role::Agent, &text);
        self.stage = stage;
        Utterance {
            text,
            ends_interview: stage == Stage::Finished,
        }
    }

    /// What the interviewer must decide after the candidate's `answer`, `elapsed` into the
    /// interview. Pure: nothing changes until [`Conversation::apply`].
    pub fn next_request(&self, answer: &str, elapsed: Duration) -> Result<TurnRequest, PlanError> {
        let Stage::Asking {
            question,
            follow_ups,
        } = self.stage
        else {
            return Err(match self.stage {
                Stage::Finished => PlanError::Finished,
                _ => PlanError::NotStarted,
            });
        };
        let out_of_time = elapsed >= self.plan.max_duration;
        let words = self.phrases();
        let next = match self.plan.questions.get(question + 1) {
            _ if out_of_time => Next::Close {
                text: words.closing_out_of_time.to_owned(),
            },
            Some(q) => Next::Question {
                index: question + 1,
                text: q.clone(),
            },
            None => Next::Close {
                text: words.closing.to_owned(),
            },
        };
        let mut transcript = self.transcript.clone();
        transcript.push(Line {
            role: Role::Participant,
            text: answer.to_owned(),
        });
        Ok(TurnRequest {
            context: self.context.clone(),
            questions: self.plan.questions.clone(),
            language: self.plan.language.clone(),
            transcript,
            question_index: question,
            current_question: self
                .plan
                .questions
                .get(question)
                .cloned()
                .unwrap_or_default(),
            follow_ups_asked: follow_ups,
            follow_up_allowed: !out_of_time && follow_ups < self.plan.max_follow_ups,
            next,
            out_of_time,
            stage: self.stage,
        })
    }

    /// Records the answer of `request` and the agent's `decision`, and moves the plan on.
    pub fn apply(
        &mut self,
        request: &TurnRequest,
        decision: &Decision,
    ) -> Result<Utterance, PlanError> {
        if request.stage != self.stage {
            return Err(PlanError::Stale);
        }
        let Stage::Asking {
            question,
            follow_ups,
        } = self.stage
        else {
            return Err(PlanError::Finished);
        };
        let stage = match (decision.action, &request.next) {
            (Action::FollowUp, _) if !request.follow_up_allowed => {
                return Err(PlanError::NotAllowed("no follow-up is allowed now"));
            }
            (Action::FollowUp, _) => Stage::Asking {
                question,
                follow_ups: follow_ups + 1,
            },
            (Action::MoveOn, Next::Question { index, .. }) => Stage::Asking {
                question: *index,
                follow_ups: 0,
            },
            (Action::MoveOn | Action::Close, Next::Close { .. }) => Stage::Finished,
            (Action::Close, Next::Question { .. }) => {
                return Err(PlanError::NotAllowed(
                    "questions remain; only the plan closes",
                ));
            }
        };
        self.say(Role::Participant, request.answer());
        self.say(Role::Agent, &decision.utterance);
        self.stage = stage;
        self.pending_answer = None;
        Ok(Utterance {
            text: decision.utterance.clone(),
            ends_interview: stage == Stage::Finished,
        })
    }

    /// Whether the closing was said.
    pub fn is_finished(&self) -> bool {
        self.stage == Stage::Finished
    }

    /// Where the interview stands.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The job and agent context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Every line said so far, in order (without a [`Conversation::pending_answer`]).
    pub fn transcript(&self) -> &[Line] {
        &self.transcript
    }

    /// After [`Conversation::resume`]: the candidate's words at the end of the stored
    /// transcript that the agent had not replied to yet; pass them to
    /// [`Conversation::next_request`] to carry on.
    pub fn pending_answer(&self) -> Option<&str> {
        self.pending_answer.as_deref()
    }

    /// The fixed lines of this interview's language.
    pub fn phrases(&self) -> &'static Phrases {
        phrases(&self.plan.language)
    }

    fn say(&mut self, role: Role, text: &str) {
        self.transcript.push(Line {
            role,
            text: text.to_owned(),
        });
    }

    fn last_agent_line(&self) -> Option<&str> {
        self.transcript
            .iter()
            .rev()
            .find(|l| l.role == Role::Agent)
            .map(|l| l.text.as_str())
    }
}

const fn first_question() -> Stage {
    Stage::Asking {
        question: 0,
        follow_ups: 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
