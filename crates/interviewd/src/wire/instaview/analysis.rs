//! The analysis of an interview in InstaView's shape — `{id, general, specific}` — as
//! <https://docs.instaview.sk/api-reference/interviews/get-interview> shows it. Built once
//! ([`AnalysisDto::new`]) for `GET /interviews/{id}` and for the `analysis.completed`
//! webhook, so the two never differ.
//!
//! | vendor field | from |
//! |---|---|
//! | `general.overallRating` | the 1–5 score as a percentage (`interviewd_domain::rating`) |
//! | `general.companyFitRating` | the score as `LOW` (1–2), `MEDIUM` (3), `HIGH` (4–5) |
//! | `general.education`, `general.experience` | the candidate's own sentence about each (`null` when they did not speak of it) |
//! | `general.strongPoints`, `general.weakPoints` | the strengths and weaknesses |
//! | `general.evaluation` | the summary, then one line per criterion: `name (score/5): commentary` |
//! | `general.status` | `3`, the value of both vendor examples (an analysis that is complete) |
//! | `specific` | `null`: no interview-type-specific scores (pronunciation) are measured |

use interviewd_domain::rating;
use interviewd_domain::time::rfc3339;
use interviewd_domain::views::StoredAnalysis;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// `general.status` of a complete analysis (the value of the vendor's examples).
pub const COMPLETE: u8 = 3;

/// An interview's analysis.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Analysis)]
pub struct AnalysisDto {
    #[schema(format = "uuid")]
    id: String,
    general: GeneralAnalysis,
    /// Interview-type-specific results (pronunciation scores of language tests); always `null`.
    #[schema(schema_with = crate::wire::null_schema)]
    specific: Option<Value>,
}

/// The overall assessment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GeneralAnalysis {
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// 0–100.
    #[schema(minimum = 0, maximum = 100)]
    overall_rating: u32,
    /// `LOW`, `MEDIUM` or `HIGH`.
    #[schema(value_type = String, pattern = "^(LOW|MEDIUM|HIGH)$")]
    company_fit_rating: &'static str,
    /// What the candidate said of their education, in their own words; `null` when they did
    /// not speak of it.
    #[schema(required = true)]
    education: Option<String>,
    /// What the candidate said of their work experience, in their own words; `null` when they
    /// did not speak of it.
    #[schema(required = true)]
    experience: Option<String>,
    strong_points: Vec<String>,
    weak_points: Vec<String>,
    /// The summary, then one line per criterion.
    evaluation: Vec<String>,
    /// `3`: the analysis is complete.
    #[schema(minimum = 0)]
    status: u8,
}

impl AnalysisDto {
    /// The vendor-shaped object of a stored analysis.
    pub fn new(stored: &StoredAnalysis) -> Self {
        let a = &stored.analysis;
        let at = rfc3339(stored.created_at);
        let mut evaluation = vec![a.summary.clone()];
        evaluation.extend(
            a.criteria
                .iter()
                .map(|c| format!("{} ({}/5): {}", c.name, c.score, c.commentary)),
        );
        Self {
            id: stored.id.to_string(),
            general: GeneralAnalysis {
                created_at: at.clone(),
                updated_at: at,
                overall_rating: rating::percent(a.score),
                company_fit_rating: rating::company_fit(a.score),
                education: a.education.clone(),
                experience: a.experience.clone(),
                strong_points: a.strengths.clone(),
                weak_points: a.weaknesses.clone(),
                evaluation,
                status: COMPLETE,
            },
            specific: None,
        }
    }
}
