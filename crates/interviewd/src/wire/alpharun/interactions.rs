//! Alpharun's customer interaction object, from
//! <https://dev.alpharun.com/api-reference/endpoint/fetch-customer-interaction> (and its `.md`,
//! which adds `teammate` and `summary`), built from an interview ([`CustomerInteraction::new`]):
//!
//! | vendor field | from |
//! |---|---|
//! | `id` | the interview's id |
//! | `summary` | the analysis summary (`null` before the analysis) |
//! | `data_extraction_fields` | one per analysis criterion ([`extraction_fields`]) |
//! | `contacts` | the candidate (none once deleted), with their custom fields |
//! | `custom_fields` | the interview's custom fields |
//! | `teammate`, `account` | `null`: interviewd has neither |

use super::InterviewCustomField;
use interviewd_domain::model::Candidate;
use interviewd_domain::views::InterviewReport;
use interviewd_voice::analysis::Analysis;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A value the analysis extracted: one per criterion of the analysis, in the customer
/// interaction and in the interview object alike (the vendor's pages show `key` on the one and
/// `commentary` on the other; both carry both).
#[derive(Serialize, ToSchema)]
pub struct DataExtractionField {
    /// The name in snake case.
    pub key: String,
    pub name: String,
    /// Always `number`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: &'static str,
    /// The criterion's score, 1–5.
    pub value: u8,
    /// Why the score is what it is.
    pub commentary: String,
}

/// The data extraction fields of an analysis (none before it).
pub fn extraction_fields(analysis: Option<&Analysis>) -> Vec<DataExtractionField> {
    analysis
        .map(|a| {
            a.criteria
                .iter()
                .map(|c| DataExtractionField {
                    key: snake(&c.name),
                    name: c.name.clone(),
                    kind: "number",
                    value: c.score,
                    commentary: c.commentary.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A contact as an interaction shows it.
#[derive(Serialize, ToSchema)]
pub struct InteractionContact {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(required = true)]
    pub first_name: Option<String>,
    #[schema(required = true)]
    pub last_name: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub phone_number: Option<String>,
    #[schema(required = true)]
    pub ext_id: Option<String>,
    pub custom_fields: Vec<InterviewCustomField>,
}

impl From<&Candidate> for InteractionContact {
    fn from(c: &Candidate) -> Self {
        Self {
            id: c.id.to_string(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            phone_number: c.phone.as_ref().map(|p| p.as_str().to_owned()),
            ext_id: c.ext_id.as_ref().map(|e| e.as_str().to_owned()),
            custom_fields: c
                .custom_fields
                .iter()
                .map(InterviewCustomField::of)
                .collect(),
        }
    }
}

/// An interaction (an interview).
#[derive(Serialize, ToSchema)]
pub struct CustomerInteraction {
    #[schema(format = "uuid")]
    pub id: String,
    /// The analysis summary; `null` before the analysis.
    #[schema(required = true)]
    pub summary: Option<String>,
    /// Always `null`.
    #[schema(schema_with = crate::wire::null_schema)]
    pub teammate: Option<Value>,
    /// Always `null`.
    #[schema(schema_with = crate::wire::null_schema)]
    pub account: Option<Value>,
    pub data_extraction_fields: Vec<DataExtractionField>,
    pub contacts: Vec<InteractionContact>,
    pub custom_fields: Vec<InterviewCustomField>,
}

/// `Communication Skills` → `communication_skills`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The custom fields kept on an interview.
fn interview_fields(report: &InterviewReport) -> Vec<InterviewCustomField> {
    report
        .detail
        .interview
        .metadata
        .get("customFields")
        .and_then(Value::as_array)
        .map(|f| f.iter().map(InterviewCustomField::of).collect())
        .unwrap_or_default()
}

impl CustomerInteraction {
    /// The interaction of `report`.
    pub fn new(report: &InterviewReport) -> Self {
        let analysis = report.results.analysis.as_ref().map(|a| &a.analysis);
        let contacts = report
            .candidate
            .as_ref()
            .filter(|c| c.has_identifier())
            .map(InteractionContact::from)
            .into_iter()
            .collect();
        Self {
            id: report.detail.interview.id.to_string(),
            summary: analysis.map(|a| a.summary.clone()),
            teammate: None,
            account: None,
            data_extraction_fields: extraction_fields(analysis),
            contacts,
            custom_fields: interview_fields(report),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InteractionData {
    pub customer_interaction: CustomerInteraction,
}

/// `{data: {customer_interaction}}`.
#[derive(Serialize, ToSchema)]
pub struct InteractionEnvelope {
    pub data: InteractionData,
}

impl InteractionEnvelope {
    /// The envelope of `report`'s interaction.
    pub fn new(report: &InterviewReport) -> Self {
        Self {
            data: InteractionData {
                customer_interaction: CustomerInteraction::new(report),
            },
        }
    }
}

/// What an update answers: the id and the custom fields, as the vendor's example shows.
#[derive(Serialize, ToSchema)]
pub struct UpdatedFields {
    #[schema(format = "uuid")]
    pub id: String,
    pub custom_fields: Vec<InterviewCustomField>,
}

#[derive(Serialize, ToSchema)]
pub struct UpdatedData {
    pub customer_interaction: UpdatedFields,
}

/// `{data: {customer_interaction: {id, custom_fields}}}`.
#[derive(Serialize, ToSchema)]
pub struct UpdatedInteraction {
    pub data: UpdatedData,
}

impl UpdatedInteraction {
    /// The answer to an update of `report`'s interaction.
    pub fn new(report: &InterviewReport) -> Self {
        Self {
            data: UpdatedData {
                customer_interaction: UpdatedFields {
                    id: report.detail.interview.id.to_string(),
                    custom_fields: interview_fields(report),
                },
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InteractionsData {
    pub customer_interactions: Vec<CustomerInteraction>,
}

/// A page of a contact's interactions.
#[derive(Serialize, ToSchema)]
pub struct InteractionList {
    pub data: InteractionsData,
    /// The next page's `cursor`; `null` at the end.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The `customer_interaction.updated` webhook: minimal by design, with the URL of the full
/// object.
#[derive(Serialize)]
pub struct InteractionWebhook {
    pub event_type: &'static str,
    pub data: WebhookData,
}

#[derive(Serialize)]
pub struct WebhookData {
    pub customer_interaction: WebhookInteraction,
}

#[derive(Serialize)]
pub struct WebhookInteraction {
    pub id: String,
    pub public_api_url: String,
}

impl InteractionWebhook {
    /// The webhook about interaction `id`, whose object is under `base`.
    pub fn new(base: &str, id: &str) -> Self {
        Self {
            event_type: "customer_interaction.updated",
            data: WebhookData {
                customer_interaction: WebhookInteraction {
                    id: id.to_owned(),
                    public_api_url: format!("{base}/api/v1/customer-interactions/{id}"),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::snake;

    #[test]
    fn keys_are_snake_case() {
        assert_eq!(snake("Communication Skills"), "communication_skills");
        assert_eq!(snake("Tell me about Rust."), "tell_me_about_rust");
        assert_eq!(snake("SQL"), "sql");
    }
}

/// One conversation of an interaction, as
/// <https://dev.alpharun.com/api-reference/endpoint/fetch-customer-interaction-transcripts>
/// shows it: one line per utterance, `Speaker (role): words`, joined by `\n`.
#[derive(Serialize, ToSchema)]
pub struct InteractionTranscript {
    /// When the conversation began.
    #[schema(format = DateTime)]
    pub date: String,
    /// Seconds.
    pub duration: u64,
    pub transcript: String,
}

#[derive(Serialize, ToSchema)]
pub struct InteractionTranscripts {
    #[schema(format = "uuid")]
    pub id: String,
    /// Oldest first; empty before the conversation.
    pub transcripts: Vec<InteractionTranscript>,
}

#[derive(Serialize, ToSchema)]
pub struct TranscriptsData {
    pub customer_interaction: InteractionTranscripts,
}

/// `{data: {customer_interaction: {id, transcripts}}}`.
#[derive(Serialize, ToSchema)]
pub struct TranscriptsEnvelope {
    pub data: TranscriptsData,
}

impl TranscriptsEnvelope {
    /// The transcripts of `report`: interviewd keeps an interview's conversation as one (a
    /// resumed session continues it), so there is one transcript once anything was said.
    /// The interviewer speaks as `Interviewer (agent)`, the candidate under their name as
    /// `participant`, the roles of the interview's `transcript_fragments`.
    pub fn new(report: &InterviewReport) -> Self {
        let i = &report.detail.interview;
        let turns = &report.results.transcript;
        let candidate = report
            .candidate
            .as_ref()
            .and_then(Candidate::full_name)
            .unwrap_or_else(|| "Candidate".to_owned());
        let lines: Vec<String> = turns
            .iter()
            .map(|t| match t.role {
                interviewd_voice::Role::Agent => format!("Interviewer (agent): {}", t.text),
                interviewd_voice::Role::Participant => {
                    format!("{candidate} (participant): {}", t.text)
                }
            })
            .collect();
        let transcripts = if lines.is_empty() {
            Vec::new()
        } else {
            let began = i.started_at.unwrap_or(i.scheduled_at);
            let spoken_ms = turns.iter().map(|t| t.end_ms).max().unwrap_or(0);
            let duration = match i.finished_at {
                Some(end) if end > began => u64::try_from((end - began).num_seconds()).unwrap_or(0),
                _ => spoken_ms / 1000,
            };
            vec![InteractionTranscript {
                date: began.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                duration,
                transcript: lines.join("\n"),
            }]
        };
        Self {
            data: TranscriptsData {
                customer_interaction: InteractionTranscripts {
                    id: i.id.to_string(),
                    transcripts,
                },
            },
        }
    }
}
