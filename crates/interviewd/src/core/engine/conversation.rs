//! One conversation engine for every channel: an interview's [`Plan`] and [`Context`] from
//! its brief, and the turn step shared by online sessions and calls.
//!
//! The plan (questions in order, follow-ups per question, the time budget, greeting and
//! closing) is the code's; at each candidate turn the engine's interviewer decides *follow up
//! or move on* and phrases it ([`interviewd_interviewer`]). A call carries the conversation
//! to its provider as a [`Dialogue`] ([`CallDialogue`]); an online session steps it request
//! by request ([`super::session`]).

use super::Engine;
use super::models::Purpose;
use crate::store::engine::Brief;
use interviewd_domain::{CompanyId, InterviewId};
use interviewd_interviewer::{Context, Conversation, Plan, PlanError, Utterance};
use interviewd_voice::{AgentLine, BoxFuture, Dialogue};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// The plan of an interview of `brief` that may last `max_duration`.
pub fn plan(brief: &Brief, max_duration: Duration, default_follow_ups: u8) -> Plan {
    plan_with(
        brief.questions.clone(),
        brief,
        max_duration,
        default_follow_ups,
    )
}

/// The plan with the questions fixed earlier (a live session keeps those it started with).
pub fn plan_with(
    questions: Vec<String>,
    brief: &Brief,
    max_duration: Duration,
    default_follow_ups: u8,
) -> Plan {
    Plan {
        questions,
        max_follow_ups: brief.max_follow_ups.unwrap_or(default_follow_ups),
        max_duration,
        language: brief.language.clone(),
    }
}

/// What the interviewer and the analyst may know: the job and the agent, and the name the
/// greeting uses. Nothing else about the candidate reaches a model.
pub fn context(brief: &Brief) -> Context {
    Context {
        job_title: brief.job_title.clone(),
        job_description: brief.job_description.clone(),
        guidance: brief.guidance.clone(),
        skills: brief.skills.clone(),
        nice_to_have: brief.nice_to_have.clone(),
        candidate_name: brief.candidate_name.clone(),
        model: brief.model.clone(),
    }
}

/// Who the model calls of a conversation are recorded for.
#[derive(Clone, Copy, Debug)]
pub struct Owner {
    pub interview: InterviewId,
    pub company: CompanyId,
}

impl Engine {
    /// Moves `conversation` on after the candidate's `answer`, `elapsed` into the interview:
    /// the interviewer decides, the plan checks, the pieces of the agent's words go to `sink`
    /// as they come. The model call is counted and recorded in the background.
    pub async fn step(
        self: &Arc<Self>,
        conversation: &mut Conversation,
        answer: &str,
        elapsed: Duration,
        sink: UnboundedSender<String>,
        owner: Owner,
    ) -> Result<Utterance, PlanError> {
        let request = conversation.next_request(answer, elapsed)?;
        let decision = self.models.interviewer.decide(&request, sink).await;
        let utterance = conversation.apply(&request, &decision).or_else(|e| {
            // The interviewers keep the bounds themselves; should one not, the plan's own
            // next step is said instead of stranding the candidate.
            tracing::warn!(error = %e, "interviewer decision refused; scripted turn");
            conversation.apply(&request, &request.scripted())
        })?;
        if let Some(usage) = decision.usage {
            self.record_model_calls(owner, Purpose::Turn, vec![usage]);
        }
        Ok(utterance)
    }

    /// Counts model calls and records them for the interview, in the background.
    pub fn record_model_calls(
        self: &Arc<Self>,
        owner: Owner,
        purpose: Purpose,
        usage: Vec<interviewd_interviewer::ModelUsage>,
    ) {
        if usage.is_empty() {
            return;
        }
        let engine = Arc::clone(self);
        tokio::spawn(async move { engine.save_model_calls(owner, purpose, &usage).await });
    }
}

/// A call's conversation, spoken through its voice provider.
pub struct CallDialogue {
    engine: Arc<Engine>,
    conversation: Conversation,
    owner: Owner,
}

impl CallDialogue {
    /// The dialogue of a call for an interview of `brief` that may last `max_duration`.
    pub fn new(engine: Arc<Engine>, brief: &Brief, max_duration: Duration, owner: Owner) -> Self {
        let plan = plan(brief, max_duration, engine.models.default_follow_ups);
        Self {
            conversation: Conversation::new(plan, context(brief)),
            engine,
            owner,
        }
    }
}

impl Dialogue for CallDialogue {
    fn opening(&mut self) -> BoxFuture<'_, AgentLine> {
        let said = self.conversation.opening();
        Box::pin(std::future::ready(AgentLine {
            text: said.text,
            ends: said.ends_interview,
        }))
    }

    fn reply<'a>(
        &'a mut self,
        answer: &'a str,
        elapsed: Duration,
        sink: UnboundedSender<String>,
    ) -> BoxFuture<'a, AgentLine> {
        Box::pin(async move {
            let step = self
                .engine
                .step(&mut self.conversation, answer, elapsed, sink, self.owner)
                .await;
            match step {
                Ok(said) => AgentLine {
                    text: said.text,
                    ends: said.ends_interview,
                },
                // Only a finished (or unopened) plan refuses a step: nothing more to say.
                Err(_) => AgentLine {
                    text: self.conversation.phrases().closing.to_owned(),
                    ends: true,
                },
            }
        })
    }
}
