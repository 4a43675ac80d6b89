//! The report of a response, built once ([`Report::new`]) for `GET /ai-interviews/report`
//! and for the "AI Interview Submission" webhook, so the two never disagree; the "AI
//! Interview Start" webhook is its first seven fields ([`StartPayload`]).
//!
//! Until the interview is COMPLETED the report is the short form (ids, candidate,
//! `invite_status`); after, the full report from the stored transcript, analysis and
//! recordings. Scores are percentages of the 1–5 analysis score; `recommendation` reads the
//! score as Xobin's four words; `conversation[].timestamp` is the turn's offset from the
//! start of the interview in milliseconds (an integer, as the vendor documents).

use super::{completed_date, full_name, status_of};
use interviewd_domain::events::recording_url;
use interviewd_domain::model::Job;
use interviewd_domain::views::InterviewReport;
use interviewd_domain::{AgentChannel, InterviewStatus};
use interviewd_voice::Role;
use interviewd_voice::analysis::Analysis;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// How the recordings of a report are keyed: `session1`, `session2`, … in the REST report;
/// by epoch milliseconds in the webhook, as the vendor's samples show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordingKeys {
    Sessions,
    EpochMillis,
}

/// A response's report. The first eight fields are always present; the others once the
/// interview is completed.
#[derive(Serialize, ToSchema)]
#[schema(as = Report)]
pub struct Report {
    #[schema(required = true)]
    pub ai_interview_id: Option<i64>,
    #[schema(required = true)]
    pub ai_interview_name: Option<String>,
    #[schema(required = true)]
    pub candidate_email: Option<String>,
    #[schema(required = true)]
    pub candidate_id: Option<i64>,
    /// First and last name, else the e-mail.
    #[schema(required = true)]
    pub candidate_name: Option<String>,
    #[schema(required = true)]
    pub custom_field_id: Option<String>,
    /// `Pending`, `Started`, `Completed`, `Expired`, `Revoked`, `Failed` or `Cancelled`.
    pub invite_status: String,
    pub response_id: i64,
    /// The analysis summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_summary: Option<String>,
    /// When the interview finished (`Jul 05, 2025, 4:42:45 AM`, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_date: Option<String>,
    /// Always `null`: no proctoring signal is measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::wire::null_schema)]
    pub integrity_score: Option<Option<f64>>,
    /// Always `null`: no PDF is produced.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::wire::null_schema)]
    pub pdf_link: Option<Option<String>>,
    /// `Highly Recommended`, `Recommended`, `Maybe` or `Not Recommended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
    /// The score as a percentage (20–100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub score: Option<u32>,
    /// This report's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub report_link: Option<String>,
    /// The recordings by session (`session1`, …; epoch milliseconds in the webhook).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interview_recording: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skill_wise_scores: Option<SkillWiseScores>,
    /// The transcript.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Vec<Turn>>,
}

/// The job's skills with the analysis' score for each.
#[derive(Serialize, ToSchema)]
pub struct SkillWiseScores {
    pub must_haves: Vec<SkillScore>,
    pub nice_to_haves: Vec<SkillScore>,
}

/// One skill's score (0 when the analysis did not judge it).
#[derive(Serialize, ToSchema)]
pub struct SkillScore {
    #[schema(minimum = 0, maximum = 100)]
    pub score: u32,
    pub skill_name: String,
}

/// One turn of the conversation.
#[derive(Serialize, ToSchema)]
pub struct Turn {
    pub content: String,
    /// `text` (typed web interviews) or `voice` (spoken).
    pub mode: String,
    /// `interviewer` or `candidate`.
    pub role: String,
    /// Milliseconds from the start of the interview.
    pub timestamp: u64,
}

/// The "AI Interview Start" webhook.
#[derive(Serialize)]
pub struct StartPayload {
    pub ai_interview_id: Option<i64>,
    pub ai_interview_name: Option<String>,
    pub candidate_email: Option<String>,
    pub candidate_id: Option<i64>,
    pub candidate_name: Option<String>,
    pub invite_status: String,
    pub response_id: i64,
}

impl From<Report> for StartPayload {
    fn from(r: Report) -> Self {
        Self {
            ai_interview_id: r.ai_interview_id,
            ai_interview_name: r.ai_interview_name,
            candidate_email: r.candidate_email,
            candidate_id: r.candidate_id,
            candidate_name: r.candidate_name,
            invite_status: r.invite_status,
            response_id: r.response_id,
        }
    }
}

/// A 1–5 score as a percentage.
pub fn percent(score: u8) -> u32 {
    u32::from(score.min(5)) * 20
}

/// Xobin's `recommendation` for a 1–5 score.
pub fn recommendation(score: u8) -> &'static str {
    match score {
        5.. => "Highly Recommended",
        4 => "Recommended",
        3 => "Maybe",
        _ => "Not Recommended",
    }
}

impl Report {
    /// The report of `r` at `now`; links start with `public_url`.
    pub fn new(
        r: &InterviewReport,
        public_url: &str,
        now: chrono::DateTime<chrono::Utc>,
        keys: RecordingKeys,
    ) -> Self {
        let interview = &r.detail.interview;
        let job = r.job.as_ref();
        let candidate = r.candidate.as_ref();
        let head = Self {
            ai_interview_id: job.map(|j| j.number),
            ai_interview_name: job.map(|j| j.title.clone()),
            candidate_email: candidate
                .and_then(|c| c.email.as_ref())
                .map(|e| e.as_str().to_owned()),
            candidate_id: candidate.map(|c| c.number),
            candidate_name: candidate.map(full_name),
            custom_field_id: interview.invite.custom_field_id.clone(),
            invite_status: status_of(interview.status, &interview.invite, now).into(),
            response_id: interview.number,
            candidate_summary: None,
            completed_date: None,
            integrity_score: None,
            pdf_link: None,
            recommendation: None,
            score: None,
            report_link: None,
            interview_recording: None,
            skill_wise_scores: None,
            conversation: None,
        };
        if interview.status == InterviewStatus::Completed {
            head.completed(r, public_url, keys)
        } else {
            head
        }
    }

    /// The short form with what a completed interview adds.
    fn completed(self, r: &InterviewReport, public_url: &str, keys: RecordingKeys) -> Self {
        let interview = &r.detail.interview;
        let analysis = r.results.analysis.as_ref().map(|a| &a.analysis);
        let started = interview.started_at.unwrap_or(interview.scheduled_at);
        let mode = match interview.channel {
            AgentChannel::Online => "text",
            AgentChannel::Phone => "voice",
        };
        let mut recordings = BTreeMap::new();
        for (n, attempt) in r
            .detail
            .attempts
            .iter()
            .filter(|a| a.recording_key.is_some())
            .enumerate()
        {
            let key = match keys {
                RecordingKeys::Sessions => format!("session{}", n + 1),
                RecordingKeys::EpochMillis => {
                    let at = attempt.called_at.unwrap_or(started);
                    (at.timestamp_millis() + i64::try_from(n).unwrap_or(0)).to_string()
                }
            };
            recordings.insert(key, recording_url(public_url, interview.id, attempt.id));
        }
        Self {
            candidate_summary: Some(analysis.map(|a| a.summary.clone()).unwrap_or_default()),
            completed_date: interview.finished_at.map(completed_date),
            integrity_score: Some(None),
            pdf_link: Some(None),
            recommendation: analysis.map(|a| recommendation(a.score).to_owned()),
            score: analysis.map(|a| percent(a.score)),
            report_link: Some(format!(
                "{public_url}/api/v2/ai-interviews/report/{}",
                interview.number
            )),
            interview_recording: Some(recordings),
            skill_wise_scores: Some(skill_scores(r.job.as_ref(), analysis)),
            conversation: Some(
                r.results
                    .transcript
                    .iter()
                    .map(|turn| Turn {
                        content: turn.text.clone(),
                        mode: mode.into(),
                        role: match turn.role {
                            Role::Agent => "interviewer".into(),
                            Role::Participant => "candidate".into(),
                        },
                        timestamp: turn.start_ms,
                    })
                    .collect(),
            ),
            ..self
        }
    }
}

/// The job's skills, each with the score of the analysis criterion of the same name.
fn skill_scores(job: Option<&Job>, analysis: Option<&Analysis>) -> SkillWiseScores {
    let score_of = |skill: &String| {
        analysis
            .and_then(|a| {
                a.criteria
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(skill))
            })
            .map_or(0, |c| percent(c.score))
    };
    let list = |skills: &[String]| -> Vec<SkillScore> {
        skills
            .iter()
            .map(|s| SkillScore {
                score: score_of(s),
                skill_name: s.clone(),
            })
            .collect()
    };
    let empty = Vec::new();
    SkillWiseScores {
        must_haves: list(job.map_or(&empty, |j| &j.required_skills)),
        nice_to_haves: list(job.map_or(&empty, |j| &j.nice_to_have_skills)),
    }
}
