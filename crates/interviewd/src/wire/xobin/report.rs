//! The report of a response, built once ([`Report::new`]) for `GET /ai-interviews/report`
//! and for the "AI Interview Submission" webhook, so the two never disagree; the "AI
//! Interview Start" webhook is its first seven fields ([`StartPayload`]).
//!
//! Until the interview is COMPLETED the report is the short form (ids, candidate,
//! `invite_status`); after, the full report from the stored transcript, analysis and
//! recordings (<https://app.xobin.com/api/docs/ai-interviews/ai-interview-response.html>).
//! Scores are percentages of the 1–5 analysis score and `recommendation` reads it as Xobin's
//! four words (`interviewd_domain::rating`); `conversation[].timestamp` is the turn's offset
//! from the start of the interview in milliseconds (an integer, as the vendor documents);
//! `integrity_score` is `10.0` (no proctoring signal is recorded, so no violation either).
//!
//! Links are Xobin routes, fetchable with the `apiKey` header: `interview_recording` values
//! (`/report/{id}/recordings/sessionN`), `pdf_link` and `report_link` (`/report/{id}/pdf`,
//! as a download and inline). `pdf_link` and `report_link` are always signed (they work
//! without a key until they expire); recordings are signed in webhooks and with
//! `is_downloadable=true`.

use super::{completed_date, full_name, status_of};
use crate::wire::Links;
use interviewd_domain::model::Job;
use interviewd_domain::rating::{percent, recommendation};
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

/// How a report writes its recordings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recordings {
    pub keys: RecordingKeys,
    /// Signed links (downloadable without a key until they expire) rather than plain ones.
    pub signed: bool,
}

/// The path of a response's report PDF.
pub fn pdf_path(response_id: i64) -> String {
    format!("/api/v2/ai-interviews/report/{response_id}/pdf")
}

/// The path of a response's `n`th recording (`session1` is the first).
pub fn recording_path(response_id: i64, n: usize) -> String {
    format!("/api/v2/ai-interviews/report/{response_id}/recordings/session{n}")
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
    /// 0–10; always `10.0`: no proctoring signal is recorded, so no violation either.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 10)]
    pub integrity_score: Option<f64>,
    /// The report PDF, to download (signed: works without a key until it expires).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub pdf_link: Option<String>,
    /// `Highly Recommended`, `Recommended`, `Maybe` or `Not Recommended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
    /// The score as a percentage (20–100).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub score: Option<u32>,
    /// The report PDF, to view in a browser (signed, as `pdf_link`).
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

impl Report {
    /// The report of `r` at `now`, with `links` (signed ones for `pdf_link` and
    /// `report_link`; recordings as `recordings` says).
    pub fn new(
        r: &InterviewReport,
        links: &Links<'_>,
        now: chrono::DateTime<chrono::Utc>,
        recordings: Recordings,
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
            head.completed(r, links, recordings)
        } else {
            head
        }
    }

    /// The short form with what a completed interview adds.
    fn completed(self, r: &InterviewReport, links: &Links<'_>, recordings: Recordings) -> Self {
        let interview = &r.detail.interview;
        let analysis = r.results.analysis.as_ref().map(|a| &a.analysis);
        let started = interview.started_at.unwrap_or(interview.scheduled_at);
        let mode = match interview.channel {
            AgentChannel::Online => "text",
            AgentChannel::Phone => "voice",
        };
        let company = interview.company_id;
        let plain = Links::plain(links.base);
        let recording_links = if recordings.signed { links } else { &plain };
        let mut by_session = BTreeMap::new();
        for (n, attempt) in r
            .detail
            .attempts
            .iter()
            .filter(|a| a.recording_key.is_some())
            .enumerate()
        {
            let key = match recordings.keys {
                RecordingKeys::Sessions => format!("session{}", n + 1),
                RecordingKeys::EpochMillis => {
                    let at = attempt.called_at.unwrap_or(started);
                    (at.timestamp_millis() + i64::try_from(n).unwrap_or(0)).to_string()
                }
            };
            let path = recording_path(interview.number, n + 1);
            by_session.insert(key, recording_links.url(&path, company));
        }
        let pdf = analysis.map(|_| links.url(&pdf_path(interview.number), company));
        Self {
            candidate_summary: Some(analysis.map(|a| a.summary.clone()).unwrap_or_default()),
            completed_date: interview.finished_at.map(completed_date),
            integrity_score: Some(10.0),
            pdf_link: pdf.as_ref().map(|url| with_param(url, "download=true")),
            recommendation: analysis.map(|a| recommendation(a.score).to_owned()),
            score: analysis.map(|a| percent(a.score)),
            report_link: pdf,
            interview_recording: Some(by_session),
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

/// `url` with one more query parameter.
fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
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
