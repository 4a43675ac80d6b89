//! Read models: what the surfaces show of the core entities, as the store reads them — a
//! page of results, an interview with its attempts, a candidate's counters, a plan
//! generation. The dialects' wire objects are built from these and the entities of
//! [`crate::model`], never from storage rows.

use crate::model::{CallAttempt, Candidate, Interview, Job};
use crate::{AttemptId, CompanyId};
use chrono::{DateTime, Utc};
use interviewd_voice::Turn;
use interviewd_voice::analysis::Analysis;
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
