//! Payload formats: how one event becomes the body an endpoint receives.
//!
//! An event row carries thin data (ids, status; see `interviewd_domain::events`). A format
//! renders it into its dialect's body from the interview as it is when the event is fanned
//! out ([`EventView::report`], read by the fan-out worker), with the same wire types the
//! dialect's REST answers use, or says the event has no counterpart in the dialect (`None`:
//! no message is created). Rendering is pure, so each format is unit-tested on fixed inputs;
//! it runs once at fan-out, so every attempt of a message sends the same bytes.

mod alpharun;
mod instaview;
mod xobin;

use crate::wire::Links;
use chrono::{DateTime, Utc};
use interviewd_domain::events::kinds;
use interviewd_domain::views::{InterviewReport, PayloadFormat};
use serde_json::Value;
use uuid::Uuid;

pub use interviewd_domain::events::webhook_id;

/// One event about to be rendered for one endpoint.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a> {
    /// Our dotted event type.
    pub event_type: &'a str,
    /// The event row's data.
    pub data: &'a Value,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// The message id (InstaView's `deliveryId`).
    pub delivery_id: Uuid,
    /// The interview the event is about, with its results, when a format needs it (see
    /// [`needs_report`]).
    pub report: Option<&'a InterviewReport>,
    /// The server's public base URL, for links in payloads.
    pub public_url: &'a str,
}

/// What a payload links to or embeds besides the event and the interview, prepared by the
/// fan-out: signed asset links, and the report PDF for InstaView's `analysis.completed`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Assets<'a> {
    /// Signs links to recordings and report PDFs; `None` writes plain links under the view's
    /// `public_url`.
    pub links: Option<Links<'a>>,
    /// The interview's report PDF (`analysisPdfBase64`), when [`needs_pdf`].
    pub analysis_pdf: Option<&'a [u8]>,
}

impl<'a> Assets<'a> {
    /// The links to write for `event`.
    pub fn links_for(&self, event: &EventView<'a>) -> Links<'a> {
        self.links.unwrap_or(Links::plain(event.public_url))
    }
}

/// Whether rendering `event_type` in `format` embeds the report PDF.
pub fn needs_pdf(format: PayloadFormat, event_type: &str) -> bool {
    format == PayloadFormat::InstaView && event_type == kinds::ANALYSIS_COMPLETED
}

/// Whether rendering `event_type` in `format` reads the interview's report.
pub fn needs_report(format: PayloadFormat, event_type: &str) -> bool {
    match format {
        PayloadFormat::InstaView => event_type == kinds::ANALYSIS_COMPLETED,
        PayloadFormat::Alpharun => alpharun::interview_event(event_type).is_some(),
        PayloadFormat::Xobin => {
            event_type == kinds::INTERVIEW_STARTED || event_type == kinds::INTERVIEW_COMPLETED
        }
    }
}

/// The body for `event` in `format`, or `None` when the format does not carry that event
/// (plain links, no embedded PDF: the test ping and previews).
pub fn render(format: PayloadFormat, event: &EventView<'_>) -> Option<String> {
    render_with(format, event, &Assets::default())
}

/// [`render`] with `assets`.
pub fn render_with(
    format: PayloadFormat,
    event: &EventView<'_>,
    assets: &Assets<'_>,
) -> Option<String> {
    let body = match format {
        PayloadFormat::InstaView => Some(instaview::render(event, assets)),
        PayloadFormat::Alpharun => alpharun::render(event, assets),
        PayloadFormat::Xobin => xobin::render(event, assets),
    }?;
    serde_json::to_string(&body).ok()
}

#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::{TimeZone, Utc};
    use interviewd_domain::model::{CallAttempt, Candidate, Interview, Invite, Job};
    use interviewd_domain::views::{
        InterviewDetail, InterviewReport, InterviewResults, StoredAnalysis,
    };
    use interviewd_domain::{
        AgentChannel, AgentId, AttemptId, AttemptStatus, CandidateId, CompanyId, Email,
        InterviewId, InterviewStatus, JobId, PhoneNumber,
    };
    use interviewd_voice::analysis::{Analysis, Criterion};
    use interviewd_voice::{Role, Turn};
    use serde_json::{Value, json};

    pub const PUBLIC_URL: &str = "http://127.0.0.1";

    /// A completed phone interview of Ann Lee for the Backend Engineer job.
    pub fn completed() -> InterviewReport {
        let company = CompanyId::new();
        let started = Utc.with_ymd_and_hms(2025, 7, 5, 4, 30, 0).unwrap();
        let finished = Utc.with_ymd_and_hms(2025, 7, 5, 4, 42, 45).unwrap();
        let mut job = Job::new(company, "Backend Engineer", started);
        job.id = JobId::from(uuid::Uuid::from_u128(4));
        job.number = 3;
        job.required_skills = vec!["Rust".into()];
        let mut candidate = Candidate::new(company, started);
        candidate.id = CandidateId::from(uuid::Uuid::from_u128(3));
        candidate.number = 5;
        candidate.first_name = Some("Ann".into());
        candidate.last_name = Some("Lee".into());
        candidate.email = Some(Email::parse("ann@example.com").unwrap());
        candidate.phone = Some(PhoneNumber::parse("+14155550100").unwrap());
        let attempt = CallAttempt {
            id: AttemptId::from(uuid::Uuid::from_u128(2)),
            interview_id: InterviewId::from(uuid::Uuid::from_u128(1)),
            company_id: company,
            status: AttemptStatus::Completed,
            direction: "OUTBOUND".into(),
            reason_code: None,
            notes: None,
            retry_number: 0,
            scheduled_at: started,
            called_at: Some(started),
            ended_at: Some(finished),
            duration_ms: Some(765_000),
            recording_key: Some("r.wav".into()),
            created_at: started,
            updated_at: finished,
        };
        let interview = Interview {
            id: attempt.interview_id,
            number: 17,
            company_id: company,
            candidate_id: candidate.id,
            job_id: Some(job.id),
            agent_id: AgentId::new(),
            channel: AgentChannel::Phone,
            status: InterviewStatus::Completed,
            scheduled_at: started,
            started_at: Some(started),
            finished_at: Some(finished),
            is_test: false,
            metadata: Default::default(),
            invite: Invite {
                token: "t".into(),
                sent_at: started,
                starts_at: None,
                expires_at: None,
                revoked_at: None,
                custom_field_id: None,
            },
            created_at: started,
            updated_at: finished,
        };
        let turn = |role, text: &str, start_ms, end_ms| Turn {
            role,
            text: text.into(),
            start_ms,
            end_ms,
        };
        let analysis = Analysis {
            score: 4,
            summary: "Solid.".into(),
            strengths: vec!["Rust".into()],
            weaknesses: vec!["SQL".into()],
            criteria: vec![Criterion {
                name: "Rust".into(),
                value: "strong".into(),
                score: 5,
                commentary: "Knows ownership.".into(),
                evidence: Vec::new(),
            }],
            ..Default::default()
        };
        InterviewReport {
            results: InterviewResults {
                transcript: vec![
                    turn(Role::Agent, "Tell me about Rust.", 0, 1500),
                    turn(Role::Participant, "I like it.", 1600, 2500),
                ],
                analysis: Some(StoredAnalysis {
                    id: uuid::Uuid::from_u128(9),
                    attempt_id: attempt.id,
                    analysis,
                    created_at: finished,
                }),
            },
            detail: InterviewDetail {
                interview,
                attempts: vec![attempt],
            },
            candidate: Some(candidate),
            job: Some(job),
        }
    }

    /// An event of `event_type` with `data` about `report`, as of the fixture's end.
    pub fn view<'a>(
        event_type: &'a str,
        data: &'a Value,
        report: Option<&'a InterviewReport>,
    ) -> super::EventView<'a> {
        super::EventView {
            event_type,
            data,
            occurred_at: Utc.with_ymd_and_hms(2025, 7, 5, 4, 42, 45).unwrap(),
            delivery_id: uuid::Uuid::nil(),
            report,
            public_url: PUBLIC_URL,
        }
    }

    /// The data of an interview event about `report`, after which it is `status`.
    pub fn data(report: &InterviewReport, status: &str) -> Value {
        let i = &report.detail.interview;
        json!({
            "interviewId": i.id.to_string(),
            "callAttemptId": report.detail.attempts[0].id.to_string(),
            "candidateId": i.candidate_id.to_string(),
            "jobId": i.job_id.map(|j| j.to_string()),
            "status": status,
        })
    }
}
