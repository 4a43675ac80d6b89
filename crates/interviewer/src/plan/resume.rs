//! Rebuilding a [`Conversation`] from a stored transcript after a reconnect or a restart.
//!
//! The agent's turns say where the interview was, because the code appends the plan's
//! questions and the closing verbatim: an agent turn containing a later question moved on to
//! it, one containing a closing line ended the interview, and any other agent turn after the
//! first question was a follow-up. An agent turn before the first question is the greeting
//! (older transcripts say the greeting and the first question as two turns).

use interviewd_voice::analysis::normalise;
use interviewd_voice::{Role, Turn};

use super::{Context, Conversation, Line, Plan, Stage, first_question};

impl Conversation {
    /// The conversation as it stood at the end of `turns`. Candidate turns after the last
    /// agent turn become the [`Conversation::pending_answer`].
    pub fn resume(plan: Plan, context: Context, turns: &[Turn]) -> Self {
        let mut conversation = Self::new(plan, context);
        let questions: Vec<String> = conversation
            .plan
            .questions
            .iter()
            .map(|q| normalise(q))
            .collect();
        let words = conversation.phrases();
        let closings = [
            normalise(words.closing),
            normalise(words.closing_out_of_time),
        ];
        let mut pending: Vec<&str> = Vec::new();
        for turn in turns {
            if turn.role == Role::Participant {
                pending.push(turn.text.as_str());
                continue;
            }
            for answer in pending.drain(..) {
                conversation.transcript.push(Line {
                    role: Role::Participant,
                    text: answer.to_owned(),
                });
            }
            conversation.transcript.push(Line {
                role: Role::Agent,
                text: turn.text.clone(),
            });
            let said = normalise(&turn.text);
            conversation.stage = step(conversation.stage, &said, &questions, &closings);
        }
        if !pending.is_empty() {
            conversation.pending_answer = Some(pending.join(" "));
        }
        conversation
    }
}

/// The stage after an agent turn that said `said` (normalised).
fn step(stage: Stage, said: &str, questions: &[String], closings: &[String]) -> Stage {
    if closings.iter().any(|c| said.contains(c.as_str())) {
        return Stage::Finished;
    }
    let from = match stage {
        Stage::NotStarted => 0,
        Stage::Asking { question, .. } => question + 1,
        Stage::Finished => return Stage::Finished,
    };
    // The latest question it contains: a move-on ends with the next question.
    let asked = (from..questions.len())
        .rev()
        .find(|&i| !questions[i].is_empty() && said.contains(questions[i].as_str()));
    match (asked, stage) {
        (Some(0), Stage::NotStarted) => first_question(),
        (Some(question), _) => Stage::Asking {
            question,
            follow_ups: 0,
        },
        (
            None,
            Stage::Asking {
                question,
                follow_ups,
            },
        ) => Stage::Asking {
            question,
            follow_ups: follow_ups.saturating_add(1),
        },
        (None, other) => other,
    }
}
