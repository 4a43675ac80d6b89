//! One turn of the plan: what the code asks an interviewer to decide ([`TurnRequest`]), the
//! bounds it must keep, and the answer ([`Decision`]).

use interviewd_voice::analysis::ModelUsage;
use serde::{Deserialize, Serialize};

use super::{Context, Line, Stage};

/// Something the agent says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Utterance {
    /// The words.
    pub text: String,
    /// Whether this ends the interview (it was the closing).
    pub ends_interview: bool,
}

/// What the interviewer chose to do with a candidate's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Ask about the same question again.
    FollowUp,
    /// Go on with the next question.
    MoveOn,
    /// Say the closing; the interview is over.
    Close,
}

/// An interviewer's answer to a [`TurnRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// What happens next.
    pub action: Action,
    /// Everything the agent says now (for [`Action::MoveOn`] and [`Action::Close`] it ends
    /// with the next question or the closing, verbatim).
    pub utterance: String,
    /// The model call behind it, if one was made.
    pub usage: Option<ModelUsage>,
}

/// What comes after the current question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Next {
    /// The next question of the plan.
    Question {
        /// Its index in [`Plan::questions`].
        index: usize,
        /// Its words, said verbatim.
        text: String,
    },
    /// The closing line.
    Close {
        /// Its words, said verbatim.
        text: String,
    },
}

impl Next {
    /// The words said verbatim when moving on.
    pub fn text(&self) -> &str {
        match self {
            Self::Question { text, .. } | Self::Close { text } => text,
        }
    }

    /// The action that moving on amounts to.
    pub const fn action(&self) -> Action {
        match self {
            Self::Question { .. } => Action::MoveOn,
            Self::Close { .. } => Action::Close,
        }
    }
}

/// Everything an interviewer needs to decide one turn, and the bounds it must keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRequest {
    /// The job and the agent.
    pub context: Context,
    /// All the plan's questions, in order.
    pub questions: Vec<String>,
    /// The interview's language (BCP-47).
    pub language: String,
    /// The transcript so far, ending with the candidate's answer being decided on.
    pub transcript: Vec<Line>,
    /// Index of the question being answered.
    pub question_index: usize,
    /// The question being answered.
    pub current_question: String,
    /// Follow-ups already asked about it.
    pub follow_ups_asked: u8,
    /// Whether the interviewer may ask a follow-up now.
    pub follow_up_allowed: bool,
    /// What moving on says.
    pub next: Next,
    /// The time budget is spent: the only possible decision is to close, no model is asked.
    pub out_of_time: bool,
    /// The stage this request was made in; [`Conversation::apply`] refuses a stale one.
    pub stage: Stage,
}

impl TurnRequest {
    /// The candidate's answer being decided on.
    pub fn answer(&self) -> &str {
        self.transcript.last().map_or("", |l| l.text.as_str())
    }

    /// Today's deterministic behaviour: move on with the next question verbatim (or close).
    pub fn scripted(&self) -> Decision {
        Decision {
            action: self.next.action(),
            utterance: self.next.text().to_owned(),
            usage: None,
        }
    }
}
