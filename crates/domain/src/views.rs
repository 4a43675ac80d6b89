//! Read models: what the surfaces show of the core entities, as the store reads them — a
//! page of results, an interview with its attempts, a candidate's counters, a plan
//! generation. The dialects' wire objects are built from these and the entities of
//! [`crate::model`], never from storage rows.

use crate::model::{CallAttempt, Candidate, Interview, Job};
use crate::{AttemptId, CompanyId};
use crate::{JobId, KeyId, WebhookId};
use chrono::{DateTime, Utc};
use interviewd_voice::Turn;
use interviewd_voice::analysis::Analysis;
use std::fmt;
use uuid::Uuid;

/// A page of results with the total count.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Counters shown on a candidate.
#[derive(Clone, Copy, Debug, Default)]
pub struct CandidateCounts {
    pub interviews: i64,
    pub analyses: i64,
    /// The score (0–5) of the candidate's most recent analysis, if any.
    pub latest_score: Option<u8>,
}

/// An interview with what is read alongside it.
#[derive(Clone, Debug)]
pub struct InterviewDetail {
    pub interview: Interview,
    pub attempts: Vec<CallAttempt>,
}

/// Where a generation is; the wire spelling is the Xobin `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenerationStatus {
    Pending,
    Processing,
    Completed,
    Failed,
}

impl GenerationStatus {
    /// Wire and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Processing,
            Self::Completed,
            Self::Failed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One queued plan generation.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// The Xobin `job_id`.
    pub id: Uuid,
    pub company_id: CompanyId,
    pub job_role: String,
    pub job_description: String,
    pub notification_url: Option<String>,
    pub status: GenerationStatus,
    /// Claims so far; the fencing token of the current claim.
    pub attempts: i64,
    /// The created job's number once completed.
    pub ai_interview_id: Option<i64>,
    pub ai_interview_name: Option<String>,
    /// Why it failed (operator-facing; never returned to clients).
    pub error: Option<String>,
    /// Callback attempts so far; the fencing token of the current callback claim.
    pub notify_attempts: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The analysis of an interview as stored.
#[derive(Clone, Debug)]
pub struct StoredAnalysis {
    pub id: Uuid,
    pub attempt_id: AttemptId,
    pub analysis: Analysis,
    pub created_at: DateTime<Utc>,
}

/// Transcript and analysis of an interview.
#[derive(Clone, Debug, Default)]
pub struct InterviewResults {
    pub transcript: Vec<Turn>,
    pub analysis: Option<StoredAnalysis>,
}

/// An interview with everything a report about it shows: its attempts, candidate, job and
/// results. Every dialect's interview object and report is built from one of these.
#[derive(Clone, Debug)]
pub struct InterviewReport {
    pub detail: InterviewDetail,
    /// `None` if the candidate was removed meanwhile.
    pub candidate: Option<Candidate>,
    pub job: Option<Job>,
    pub results: InterviewResults,
}

/// The body shape an endpoint receives (an extension of the InstaView object).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadFormat {
    /// InstaView's `{event, timestamp, deliveryId, data}` (the default).
    InstaView,
    /// Alpharun's `{event_type, interview}`.
    Alpharun,
    /// Xobin's "AI Interview Start" / "AI Interview Submission" bodies.
    Xobin,
}

impl PayloadFormat {
    /// Every format, in documentation order.
    pub const ALL: [PayloadFormat; 3] = [Self::InstaView, Self::Alpharun, Self::Xobin];

    /// The wire (and storage) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InstaView => "instaview",
            Self::Alpharun => "alpharun",
            Self::Xobin => "xobin",
        }
    }

    /// Parses a wire name, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(raw))
    }
}

/// A custom header sent with every delivery. Its value is a secret of the customer's.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WebhookHeader {
    pub name: String,
    pub value: String,
}

impl fmt::Debug for WebhookHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookHeader")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// A webhook endpoint of one company, or a global endpoint of an ATS key.
#[derive(Clone, Debug)]
pub struct Webhook {
    pub id: WebhookId,
    /// The company; for a global endpoint, the first company its key managed (its home).
    pub company_id: CompanyId,
    /// For a global endpoint: the ATS key whose companies' events it receives.
    pub global_for: Option<KeyId>,
    /// The key that created it.
    pub api_key_id: Option<KeyId>,
    pub url: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub headers: Vec<WebhookHeader>,
    /// Dotted event names it subscribes to.
    pub events: Vec<String>,
    /// Never printed by `Debug`.
    pub secret: WebhookSecret,
    pub format: PayloadFormat,
    pub is_active: bool,
    pub max_retries: u32,
    pub timeout_ms: u32,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    pub circuit_opened_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When set, only the events of this job's interviews reach it.
    pub job_id: Option<JobId>,
    /// Written by Xobin's webhook-settings routes alone; the webhook API neither lists nor
    /// changes it.
    pub managed: bool,
}

/// An endpoint's signing secret in its Standard Webhooks form (`whsec_` + base64), which
/// `Debug` never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(pub String);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One row of an endpoint's delivery log.
#[derive(Clone, Debug)]
pub struct DeliveryLogEntry {
    pub id: Uuid,
    pub message_id: Uuid,
    pub event_type: String,
    pub attempt_number: u32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    pub outcome: String,
    pub error: Option<String>,
}
