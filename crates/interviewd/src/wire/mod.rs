//! The wire shapes of the three dialects: typed request and response objects, each used for
//! the response and for its OpenAPI schema, and each dialect's webhook payloads built from
//! the same types. Pure: built from domain values, no HTTP and no storage.

pub mod alpharun;
pub mod candidate;
pub mod instaview;
pub mod payload;
pub mod xobin;

/// A schema that is always `null` (fields kept for the shape's sake).
pub fn null_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Null)
        .into()
}

/// How asset links (recordings, report PDFs) are written into objects and webhooks: the
/// server's public URL, and the key and expiry that sign them (`interviewd_domain::assets`).
/// A link is always the asset's route in the object's dialect, so the dialect's own credential
/// fetches it; a signed one also works without credentials until it expires.
#[derive(Clone, Copy, Debug)]
pub struct Links<'a> {
    /// The public base URL, without a trailing slash.
    pub base: &'a str,
    /// The key and expiry to sign with; `None` writes plain links.
    pub signer: Option<(
        &'a interviewd_domain::assets::LinkKey,
        chrono::DateTime<chrono::Utc>,
    )>,
}

impl<'a> Links<'a> {
    /// Plain links under `base`.
    pub fn plain(base: &'a str) -> Self {
        Self { base, signer: None }
    }

    /// The link to the asset at `path` of `company`.
    pub fn url(&self, path: &str, company: interviewd_domain::CompanyId) -> String {
        match self.signer {
            Some((key, expires)) => key.url(self.base, path, company, expires),
            None => format!("{}{path}", self.base),
        }
    }

    /// The InstaView route of an attempt's recording (also the link Alpharun objects carry:
    /// the same Bearer key fetches it).
    pub fn recording(
        &self,
        company: interviewd_domain::CompanyId,
        interview: interviewd_domain::InterviewId,
        attempt: interviewd_domain::AttemptId,
    ) -> String {
        let path = format!("/v1/interviews/{interview}/call-attempts/{attempt}/recording");
        self.url(&path, company)
    }
}
