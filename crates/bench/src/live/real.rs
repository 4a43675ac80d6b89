//! The real small model (issue 13): its time to first token, and what a whole interview
//! costs in model calls, tokens and model time.
//!
//! When a model server is named (`--llm-url`, or `INTERVIEWD_TEST_LLM_URL`;
//! `tools/llm-server.sh` starts SmolLM2-135M-Instruct), whole interviews are conducted
//! through the server's own interviewer (`LlmInterviewer`, the real prompts, the real plan
//! code): a plan of [`QUESTIONS`] questions with one follow-up allowed each, the candidate
//! giving fixed answers, until the plan closes. Each turn is timed (the model's first token
//! as the client saw it, the first piece of the reply the interviewer forwarded, the whole
//! answer) and each interview's model calls, prompt and completion tokens and model time
//! are summed: the tokens are what a hosted model would bill, the model time what a
//! self-hosted one occupies. One unmeasured turn warms the model up first.
//!
//! Bounded: at most `interviews` interviews, at most [`MAX_TURNS`] turns each (the plan
//! closes sooner), no turn started after [`TIME_LIMIT`], each turn bounded by the
//! interviewer's own timeouts.

use crate::stats::Summary;
use interviewd_interviewer::{
    Action, Context, Conversation, Decision, Interviewer, LlmClient, LlmConfig, LlmInterviewer,
    Plan, StructuredOutput, TurnRequest,
};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Questions of each interview's plan.
pub const QUESTIONS: usize = 3;
/// Turns of one interview at most: every question and its follow-up, and the closing.
const MAX_TURNS: usize = QUESTIONS * 2 + 1;
/// No turn starts after this much of the part.
const TIME_LIMIT: Duration = Duration::from_secs(600);
/// The candidate's answers, in turn.
const ANSWERS: [&str; 3] = [
    "I built a payment service in Rust that settles card payments for about 200 shops.",
    "I wrote the migrations as plain SQL files and ran them against a copy of production.",
    "Mostly PostgreSQL; I tuned the slow queries with EXPLAIN and added two indexes.",
];

/// The real model's numbers, or why there are none.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RealModel {
    pub url: Option<String>,
    pub model: String,
    /// Why it was not measured.
    pub skipped: Option<String>,
    /// The model's first token of content, as the interviewer's client timed it.
    pub first_token: Option<Summary>,
    /// The first piece of the reply the interviewer forwarded (what a page would get first).
    pub first_piece: Option<Summary>,
    /// The whole answer.
    pub total: Option<Summary>,
    /// Turns where the interviewer fell back to its scripted turn.
    pub fell_back: u64,
    /// What each whole interview cost.
    pub interviews: Vec<InterviewCost>,
}

/// One whole interview's model use.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InterviewCost {
    /// Candidate turns the model answered (the plan's questions, follow-ups, the closing).
    pub turns: usize,
    pub follow_ups: usize,
    /// Summed over the turns; `None` when the model server did not report them for every
    /// turn (llama-cpp-python's streams carry no `usage`; OpenAI's, vLLM's and Ollama's do).
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// Sum of the model calls' whole time, in seconds.
    pub model_seconds: f64,
    /// Whether the plan closed (rather than a bound stopping it).
    pub closed: bool,
}

/// One turn's timings.
struct RealTurn {
    first_token: Option<Duration>,
    first_piece: Option<Duration>,
    total: Duration,
    fell_back: bool,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    follow_up: bool,
}

/// Conducts `interviews` interviews with the model at `url` (see the module doc).
pub async fn measure(url: Option<&str>, model: &str, interviews: usize) -> RealModel {
    let mut result = RealModel {
        url: url.map(str::to_owned),
        model: model.to_owned(),
        skipped: None,
        first_token: None,
        first_piece: None,
        total: None,
        fell_back: 0,
        interviews: Vec::new(),
    };
    let interviewer = match connect(url, model).await {
        Ok(i) => i,
        Err(why) => {
            result.skipped = Some(why);
            return result;
        }
    };
    let started = Instant::now();
    let mut warm = conversation();
    warm.opening();
    let _ = turn(&interviewer, &warm, ANSWERS[0]).await;
    let (mut token, mut piece, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..interviews {
        if started.elapsed() > TIME_LIMIT {
            break;
        }
        let (cost, turns) = interview(&interviewer, started).await;
        for t in turns {
            result.fell_back += u64::from(t.fell_back);
            token.extend(t.first_token);
            piece.extend(t.first_piece);
            total.push(t.total);
        }
        result.interviews.push(cost);
    }
    let elapsed = started.elapsed();
    result.first_token = Some(Summary::new(token, 0, elapsed, vec![]));
    result.first_piece = Some(Summary::new(piece, 0, elapsed, vec![]));
    result.total = Some(Summary::new(total, 0, elapsed, vec![]));
    result
}

/// The server's interviewer on the model at `url`, or why there is none.
async fn connect(url: Option<&str>, model: &str) -> Result<LlmInterviewer, String> {
    let url = url.ok_or("no model server named (--llm-url or INTERVIEWD_TEST_LLM_URL)")?;
    let config = LlmConfig {
        first_token_timeout: Duration::from_secs(60),
        total_timeout: Duration::from_secs(90),
        structured_output: StructuredOutput::JsonObject,
        ..LlmConfig::new(url.trim_end_matches('/'), model)
    };
    let probe = config.probe().await;
    if !probe.ok {
        return Err(format!("the model server did not answer: {}", probe.detail));
    }
    LlmClient::new(config)
        .map(LlmInterviewer::new)
        .map_err(|e| format!("the model settings: {e}"))
}

/// A fresh conversation of the benchmark's plan.
fn conversation() -> Conversation {
    let plan = Plan::new(vec![
        "Tell me about a Rust service you shipped.".into(),
        "How do you test database migrations?".into(),
        "Which databases have you run in production?".into(),
    ]);
    let context = Context {
        job_title: "Backend Engineer".into(),
        job_description: "Build and run payment APIs in Rust on PostgreSQL.".into(),
        guidance: "Be brief. Ask about what the candidate did personally.".into(),
        skills: vec!["Rust".into(), "PostgreSQL".into()],
        ..Context::default()
    };
    Conversation::new(plan, context)
}

/// One whole interview, until the plan closes or a bound stops it.
async fn interview(
    interviewer: &LlmInterviewer,
    started: Instant,
) -> (InterviewCost, Vec<RealTurn>) {
    let mut conversation = conversation();
    conversation.opening();
    let mut cost = InterviewCost {
        prompt_tokens: Some(0),
        completion_tokens: Some(0),
        ..InterviewCost::default()
    };
    let mut turns = Vec::new();
    for i in 0..MAX_TURNS {
        if conversation.is_finished() || started.elapsed() > TIME_LIMIT {
            break;
        }
        let answer = ANSWERS[i % ANSWERS.len()];
        let Some((request, decision, timed)) = turn(interviewer, &conversation, answer).await
        else {
            break;
        };
        if conversation.apply(&request, &decision).is_err() {
            break;
        }
        cost.turns += 1;
        cost.follow_ups += usize::from(timed.follow_up);
        cost.prompt_tokens = add(cost.prompt_tokens, timed.prompt_tokens);
        cost.completion_tokens = add(cost.completion_tokens, timed.completion_tokens);
        cost.model_seconds += timed.total.as_secs_f64();
        turns.push(timed);
    }
    cost.closed = conversation.is_finished();
    cost.model_seconds = (cost.model_seconds * 100.0).round() / 100.0;
    (cost, turns)
}

/// One turn: the candidate's `answer` to where `conversation` stands, decided by the model.
async fn turn(
    interviewer: &LlmInterviewer,
    conversation: &Conversation,
    answer: &str,
) -> Option<(TurnRequest, Decision, RealTurn)> {
    let request = conversation
        .next_request(answer, Duration::from_secs(60))
        .ok()?;
    let (sink, mut pieces) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let (first_piece, decision) = {
        let decide = interviewer.decide(&request, sink);
        tokio::pin!(decide);
        tokio::select! {
            piece = pieces.recv() => (piece.map(|_| started.elapsed()), decide.await),
            decision = &mut decide => (None, decision),
        }
    };
    let total = started.elapsed();
    let usage = decision.usage.clone().unwrap_or_default();
    let timed = RealTurn {
        first_token: usage.first_token_ms.map(Duration::from_millis),
        first_piece,
        total,
        fell_back: usage.fell_back,
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        follow_up: decision.action == Action::FollowUp,
    };
    Some((request, decision, timed))
}

/// A running token sum: unknown once any turn's count is.
fn add(sum: Option<u64>, turn: Option<u32>) -> Option<u64> {
    Some(sum? + u64::from(turn?))
}
