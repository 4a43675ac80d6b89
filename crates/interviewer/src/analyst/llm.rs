//! The language-model analyst: ask, check, retry once with the reason, else the built-in.

use interviewd_voice::BoxFuture;
use interviewd_voice::analysis::{Analysis, AnalysisInput, ModelUsage, analyse};
use serde_json::{Value, json};

use super::Analyst;
use super::{prompts, validate};
use crate::llm::client::{ChatCall, Flow, LlmClient};
use crate::llm::prompts::clip;
use crate::plan::Context;

/// Longest invalid answer quoted back to the model in the retry.
const MAX_ECHO_CHARS: usize = 4_000;

/// Why the model produced no usable analysis. Each variant carries the usage of the calls
/// made, so they are recorded even when the built-in answers.
#[derive(Debug, thiserror::Error)]
pub enum AnalystError {
    /// The server did not answer (connection, HTTP error, timeout). Worth retrying later.
    #[error("the model is unavailable: {reason}")]
    Unavailable {
        /// What went wrong.
        reason: String,
        /// The calls made.
        usage: Vec<ModelUsage>,
    },
    /// The model answered twice, and neither answer passed validation.
    #[error("the model's analysis was invalid: {reason}")]
    Invalid {
        /// What was wrong with the last answer.
        reason: String,
        /// The calls made.
        usage: Vec<ModelUsage>,
    },
}

impl AnalystError {
    /// The calls made before giving up.
    pub fn usage(&self) -> &[ModelUsage] {
        match self {
            Self::Unavailable { usage, .. } | Self::Invalid { usage, .. } => usage,
        }
    }
}

/// An [`Analyst`] backed by a model on an OpenAI-compatible server.
#[derive(Clone, Debug)]
pub struct LlmAnalyst {
    client: LlmClient,
}

impl LlmAnalyst {
    /// An analyst that asks the server of `client`.
    pub fn new(client: LlmClient) -> Self {
        Self { client }
    }

    /// The model's analysis, validated, or why there is none. For a caller that prefers to
    /// retry an unavailable model later (a background job) over the built-in at once.
    pub async fn try_analyse(
        &self,
        context: &Context,
        input: &AnalysisInput,
    ) -> Result<Analysis, AnalystError> {
        let config = self.client.config();
        let model = context
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(&config.model);
        // The criteria are the built-in's, so both methods name them alike.
        let names: Vec<String> = analyse(input)
            .criteria
            .into_iter()
            .map(|c| c.name)
            .collect();
        let ids = prompts::criteria_ids(input, &names);
        let mut messages = vec![
            json!({"role": "system", "content": prompts::SYSTEM}),
            json!({"role": "user", "content": prompts::user(context, input, &ids)}),
        ];
        let mut usage = Vec::new();
        let mut reason = String::new();
        for attempt in 0..2 {
            let outcome = self
                .client
                .stream(
                    ChatCall {
                        model,
                        messages: messages.clone(),
                        schema: Some(("interview_analysis", prompts::schema(&ids))),
                        max_tokens: config.analysis_max_tokens,
                        first_token_timeout: config.analysis_timeout,
                        total_timeout: config.analysis_timeout,
                    },
                    |_| Flow::Continue,
                )
                .await;
            let mut call = outcome.usage;
            if let Some(error) = outcome.error {
                call.fell_back = true;
                usage.push(call);
                return Err(AnalystError::Unavailable {
                    reason: error.to_string(),
                    usage,
                });
            }
            match validate::parse(&outcome.content, &names) {
                Ok(parsed) => {
                    usage.push(call);
                    let mut analysis =
                        validate::judge(parsed, input, &usage[usage.len() - 1].model);
                    analysis.usage = usage;
                    return Ok(analysis);
                }
                Err(why) => {
                    tracing::warn!(attempt, reason = why, "model analysis invalid");
                    call.failure = Some(format!("invalid: {why}"));
                    usage.push(call);
                    messages.push(retry_echo(&outcome.content));
                    messages.push(json!({"role": "user", "content": format!(
                        "Your JSON was invalid because {why}. Answer again with only the \
                         corrected JSON object."
                    )}));
                    reason = why;
                }
            }
        }
        for call in &mut usage {
            call.fell_back = true;
        }
        Err(AnalystError::Invalid { reason, usage })
    }
}

fn retry_echo(content: &str) -> Value {
    json!({"role": "assistant", "content": clip(content, MAX_ECHO_CHARS)})
}

impl Analyst for LlmAnalyst {
    fn analyse<'a>(
        &'a self,
        context: &'a Context,
        input: &'a AnalysisInput,
    ) -> BoxFuture<'a, Analysis> {
        Box::pin(async move {
            match self.try_analyse(context, input).await {
                Ok(analysis) => analysis,
                Err(e) => {
                    tracing::warn!(error = %e, "model analysis failed; using the built-in scorer");
                    let mut analysis = analyse(input);
                    analysis.usage = e.usage().to_vec();
                    analysis
                }
            }
        })
    }

    fn describe(&self) -> String {
        let config = self.client.config();
        format!(
            "language model {} at {} (validated)",
            config.model, config.base_url
        )
    }
}
