//! What the interviewer and the analyst know about an interview ([`Brief`]): the candidate's
//! name, the agent's plan and guidance, the job. One query shape for calls, online sessions
//! and analysis jobs, so the three always see the same interview. The candidate and the job
//! are joined leniently: a plan does not need either to exist.

use super::Conn;
use crate::store::StoreResult;
use crate::store::engine::{Brief, CallDetails};

use interviewd_domain::{AttemptId, InterviewId};
use interviewd_voice::DEFAULT_QUESTIONS;

/// The columns of a [`BriefRow`], from `interviews i` joined as below.
macro_rules! brief_query {
    ($tail:literal) => {
        concat!(
            "SELECT c.phone, c.first_name, c.last_name, g.language, g.questions, \
             g.duration_minutes, g.instructions, g.attrs, j.title, j.description, \
             j.required_skills, j.nice_to_have_skills \
             FROM interviews i LEFT JOIN candidates c ON c.id = i.candidate_id \
             JOIN agents g ON g.id = i.agent_id LEFT JOIN jobs j ON j.id = i.job_id ",
            $tail
        )
    };
}

#[derive(sqlx::FromRow)]
struct BriefRow {
    phone: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    language: String,
    questions: String,
    duration_minutes: i64,
    instructions: Option<String>,
    attrs: String,
    title: Option<String>,
    description: Option<String>,
    required_skills: Option<String>,
    nice_to_have_skills: Option<String>,
}

fn list(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

impl BriefRow {
    fn into_details(self) -> CallDetails {
        let name = [self.first_name, self.last_name]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let attrs: serde_json::Value = serde_json::from_str(&self.attrs).unwrap_or_default();
        let mut questions = list(Some(&self.questions));
        if questions.is_empty() {
            questions = DEFAULT_QUESTIONS.iter().map(|q| (*q).to_owned()).collect();
        }
        CallDetails {
            phone: self.phone,
            brief: Brief {
                candidate_name: (!name.trim().is_empty()).then(|| name.trim().to_owned()),
                language: self.language,
                questions,
                skills: list(self.required_skills.as_deref()),
                nice_to_have: list(self.nice_to_have_skills.as_deref()),
                job_title: self.title.unwrap_or_default(),
                job_description: self.description.unwrap_or_default(),
                guidance: self.instructions.unwrap_or_default(),
                duration_minutes: u32::try_from(self.duration_minutes).unwrap_or(0),
                max_follow_ups: attrs[Brief::MAX_FOLLOW_UPS_ATTR]
                    .as_u64()
                    .and_then(|n| u8::try_from(n).ok()),
                model: attrs[Brief::MODEL_ATTR]
                    .as_str()
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned),
            },
        }
    }
}

/// The brief of the interview an attempt belongs to, with the number to call.
pub async fn of_attempt(conn: &mut Conn, attempt: AttemptId) -> StoreResult<Option<CallDetails>> {
    let row: Option<BriefRow> = sqlx::query_as(brief_query!(
        "JOIN call_attempts a ON a.interview_id = i.id WHERE a.id = $1"
    ))
    .bind(attempt.uuid())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(BriefRow::into_details))
}

/// The brief of an interview, with the number to call.
pub async fn of_interview(
    conn: &mut Conn,
    interview: InterviewId,
) -> StoreResult<Option<CallDetails>> {
    let row: Option<BriefRow> = sqlx::query_as(brief_query!("WHERE i.id = $1"))
        .bind(interview.uuid())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(BriefRow::into_details))
}
