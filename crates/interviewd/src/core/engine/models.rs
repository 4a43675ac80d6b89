//! Which interviewer, analyst and planner the engine uses, from the configuration, and what
//! their model calls cost.
//!
//! With no `llm_base_url` the built-ins run: the scripted interviewer, the deterministic
//! scorer and the deterministic plan generator. With one, the language-model interviewer,
//! analyst and planner share one client; each falls back to its built-in when the model
//! fails (see `docs/interviewer.md`).

use crate::config::Config;
use interviewd_interviewer::{
    Interviewer, LlmAnalyst, LlmClient, LlmConfig, LlmInterviewer, ModelUsage, Probe, Scripted,
};
use interviewd_speech::stt::{OpenAiStt, SpeechToText};
use interviewd_speech::tts::{OpenAiTts, TextToSpeech};
use interviewd_speech::{ApiKey as SpeechKey, EngineConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The engine's interviewer, analyst and planner.
pub struct Models {
    /// Phrases each agent turn.
    pub interviewer: Arc<dyn Interviewer>,
    /// The model analyst; `None`: the built-in scorer.
    analyst: Option<LlmAnalyst>,
    /// The client for drafting plans; `None`: the deterministic generator.
    planner: Option<LlmClient>,
    /// Follow-ups per question for agents that set none.
    pub default_follow_ups: u8,
    /// What the model calls of this process cost.
    pub metrics: ModelMetrics,
    /// Speech-to-text and text-to-speech; voice interviews need both.
    pub speech: Option<Speech>,
}

/// The speech engines of voice interviews.
#[derive(Clone)]
pub struct Speech {
    pub stt: Arc<dyn SpeechToText>,
    pub tts: Arc<dyn TextToSpeech>,
    /// One line each for the startup log and `interviewd doctor`.
    pub described: [String; 2],
}

/// The speech engines in `config`; `None` unless both base URLs are set.
pub fn speech_config(config: &Config) -> anyhow::Result<Option<Speech>> {
    let url = |u: &Option<String>| {
        u.as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| u.trim_end_matches('/').to_owned())
    };
    let (Some(stt_url), Some(tts_url)) = (url(&config.stt_base_url), url(&config.tts_base_url))
    else {
        return Ok(None);
    };
    let timeout = Duration::from_millis(config.speech_timeout_ms.max(100));
    let key =
        |k: &Option<crate::secret::Secret>| k.as_ref().and_then(|k| SpeechKey::new(k.expose()));
    let stt_config = EngineConfig::new(&stt_url, &config.stt_model)
        .with_api_key(key(&config.stt_api_key))
        .with_timeout(timeout);
    let tts_config = EngineConfig::new(&tts_url, &config.tts_model)
        .with_api_key(key(&config.tts_api_key))
        .with_timeout(timeout);
    let stt = OpenAiStt::new(stt_config)
        .map_err(|e| anyhow::anyhow!("stt_base_url (INTERVIEWD_STT_BASE_URL): {e}"))?;
    let tts = OpenAiTts::new(tts_config, config.tts_voice.trim())
        .map_err(|e| anyhow::anyhow!("tts_base_url (INTERVIEWD_TTS_BASE_URL): {e}"))?;
    Ok(Some(Speech {
        stt: Arc::new(stt),
        tts: Arc::new(tts),
        described: [
            format!("{} at {stt_url}", config.stt_model),
            format!("{} ({}) at {tts_url}", config.tts_model, config.tts_voice),
        ],
    }))
}

/// The language-model settings in `config`; `None` when no base URL is set.
pub fn llm_config(config: &Config) -> anyhow::Result<Option<LlmConfig>> {
    let Some(base_url) = config
        .llm_base_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        return Ok(None);
    };
    let model = config
        .llm_model
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            anyhow::anyhow!("llm_model (INTERVIEWD_LLM_MODEL) must be set when llm_base_url is")
        })?;
    let mut llm = LlmConfig::new(base_url.trim_end_matches('/'), model);
    llm.api_key = config
        .llm_api_key
        .as_ref()
        .map(|k| interviewd_interviewer::ApiKey::new(k.expose()));
    llm.first_token_timeout = Duration::from_millis(config.llm_first_token_timeout_ms.max(1));
    llm.total_timeout = Duration::from_millis(config.llm_timeout_ms.max(1));
    llm.analysis_timeout = Duration::from_millis(config.llm_analysis_timeout_ms.max(1));
    llm.structured_output = config
        .llm_structured_output
        .parse()
        .map_err(|_| anyhow::anyhow!("llm_structured_output (INTERVIEWD_LLM_STRUCTURED_OUTPUT) must be json_schema, json_object or none"))?;
    llm.temperature = config.llm_temperature;
    llm.max_tokens = config.llm_max_tokens.max(16);
    llm.analysis_max_tokens = config.llm_analysis_max_tokens.max(64);
    Ok(Some(llm))
}

impl Models {
    /// The built-ins: scripted interviewer, deterministic scorer and plan generator.
    pub fn builtin(default_follow_ups: u8) -> Self {
        Self {
            interviewer: Arc::new(Scripted),
            analyst: None,
            planner: None,
            default_follow_ups,
            metrics: ModelMetrics::default(),
            speech: None,
        }
    }

    /// What `config` asks for.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let mut models = Self::builtin(config.interview_max_follow_ups);
        models.speech = speech_config(config)?;
        if let Some(llm) = llm_config(config)? {
            let client = LlmClient::new(llm)
                .map_err(|e| anyhow::anyhow!("the language-model settings: {e}"))?;
            models.interviewer = Arc::new(LlmInterviewer::new(client.clone()));
            models.analyst = Some(LlmAnalyst::new(client.clone()));
            models.planner = Some(client);
        }
        Ok(models)
    }

    /// The model analyst, when one is configured.
    pub fn analyst(&self) -> Option<&LlmAnalyst> {
        self.analyst.as_ref()
    }

    /// The longest an analysis may take: the model's two tries and a margin, or nothing for
    /// the built-in scorer.
    pub fn analysis_budget(&self) -> Duration {
        self.planner.as_ref().map_or(Duration::ZERO, |c| {
            c.config().analysis_timeout * 2 + Duration::from_secs(30)
        })
    }

    /// The model client for drafting plans, when one is configured.
    pub fn planner(&self) -> Option<&LlmClient> {
        self.planner.as_ref()
    }

    /// One line each for the startup log and `interviewd doctor`.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let model = |c: &LlmClient| {
            let llm = c.config();
            format!("language model {} at {}", llm.model, llm.base_url)
        };
        vec![
            ("interviewer", self.interviewer.describe()),
            (
                "analyst",
                self.analyst.as_ref().map_or_else(
                    || "built-in scorer".to_owned(),
                    |_| {
                        self.planner.as_ref().map_or_else(String::new, |c| {
                            format!("{} (built-in scorer as fallback)", model(c))
                        })
                    },
                ),
            ),
            (
                "planner",
                self.planner.as_ref().map_or_else(
                    || "built-in question generator".to_owned(),
                    |c| format!("{} (built-in generator as fallback)", model(c)),
                ),
            ),
            (
                "stt",
                self.speech.as_ref().map_or_else(
                    || "none: voice interviews are off, typed ones run".to_owned(),
                    |s| format!("speech-to-text {}", s.described[0]),
                ),
            ),
            (
                "tts",
                self.speech.as_ref().map_or_else(
                    || "none: voice interviews are off, typed ones run".to_owned(),
                    |s| format!("text-to-speech {}", s.described[1]),
                ),
            ),
        ]
    }

    /// Whether voice interviews can run: both speech engines are configured.
    pub fn voice_available(&self) -> bool {
        self.speech.is_some()
    }

    /// Whether the model server answers; `None` when none is configured.
    pub async fn probe(&self) -> Option<Probe> {
        match &self.planner {
            Some(client) => Some(client.config().probe().await),
            None => None,
        }
    }

    /// Counts model calls in the process's metrics.
    pub fn observe(&self, purpose: Purpose, usage: &[ModelUsage]) {
        self.metrics.observe(purpose, usage);
    }
}

/// Why a model was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Purpose {
    /// An interviewer turn.
    Turn,
    /// An analysis.
    Analysis,
    /// A drafted plan.
    Plan,
}

impl Purpose {
    /// The label in `model_calls.purpose` and in the metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Turn => "turn",
            Self::Analysis => "analysis",
            Self::Plan => "plan",
        }
    }
}

/// Totals of one purpose's model calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModelTotals {
    pub calls: u64,
    /// Calls whose answer was not used (the built-in answered instead).
    pub fallbacks: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Sum of the calls' total time.
    pub total_ms: u64,
    /// Sum of the times to the first token, over the calls that had one.
    pub first_token_ms: u64,
    /// Calls that had a first token.
    pub first_tokens: u64,
}

/// In-process counters of model calls, by purpose (exported at `GET /metrics`).
#[derive(Debug, Default)]
pub struct ModelMetrics {
    totals: Mutex<BTreeMap<Purpose, ModelTotals>>,
}

impl ModelMetrics {
    fn observe(&self, purpose: Purpose, usage: &[ModelUsage]) {
        if usage.is_empty() {
            return;
        }
        let mut totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        let t = totals.entry(purpose).or_default();
        for call in usage {
            t.calls += 1;
            t.fallbacks += u64::from(call.fell_back);
            t.prompt_tokens += u64::from(call.prompt_tokens.unwrap_or(0));
            t.completion_tokens += u64::from(call.completion_tokens.unwrap_or(0));
            t.total_ms += call.total_ms;
            if let Some(ms) = call.first_token_ms {
                t.first_token_ms += ms;
                t.first_tokens += 1;
            }
        }
    }

    /// The totals so far, by purpose.
    pub fn snapshot(&self) -> Vec<(Purpose, ModelTotals)> {
        let totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        totals.iter().map(|(p, t)| (*p, *t)).collect()
    }
}

/// One line of `interviewd doctor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoctorLine {
    /// `interviewer`, `analyst`, `planner`, …
    pub part: &'static str,
    /// What is active.
    pub what: String,
    /// Whether its server answered; `None` for a built-in.
    pub answers: Option<bool>,
    /// What the probe found.
    pub detail: String,
}

/// What `config` selects, with the configured servers probed.
pub async fn doctor(config: &Config) -> anyhow::Result<Vec<DoctorLine>> {
    let models = Models::from_config(config)?;
    let probe = models.probe().await;
    let speech = match &models.speech {
        Some(s) => Some((s.stt.probe().await, s.tts.probe().await)),
        None => None,
    };
    let speech_line = |p: &Result<interviewd_speech::Probe, interviewd_speech::SpeechError>| match p
    {
        Ok(p) => (
            Some(true),
            format!(
                "HTTP {} from {} in {} ms",
                p.status,
                p.url,
                p.elapsed.as_millis()
            ),
        ),
        Err(e) => (Some(false), e.to_string()),
    };
    Ok(models
        .describe()
        .into_iter()
        .map(|(part, what)| {
            let builtin = what.starts_with("built-in")
                || what.starts_with("scripted")
                || what.starts_with("none");
            let (answers, detail) = match (part, &probe, &speech, builtin) {
                (_, _, _, true) => (None, String::new()),
                ("stt", _, Some((stt, _)), _) => speech_line(stt),
                ("tts", _, Some((_, tts)), _) => speech_line(tts),
                (_, Some(p), _, _) => (
                    Some(p.ok),
                    format!("{} in {} ms", p.detail, p.latency.as_millis()),
                ),
                _ => (None, String::new()),
            };
            DoctorLine {
                part,
                what,
                answers,
                detail,
            }
        })
        .collect())
}
