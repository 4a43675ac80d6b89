//! Form bodies as the console's handlers read them: URL-encoded fields, in order, where a
//! name may repeat (checkbox lists). Browsers send every field as text; the handlers parse
//! and validate what they take, through the core's validators.

use super::errors::PageError;
use axum::extract::{FromRequest, Request};

/// Largest URL-encoded form accepted.
const MAX_FORM: usize = 1024 * 1024;

/// The fields of a URL-encoded form.
#[derive(Clone, Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;

    async fn from_request(req: Request, _: &S) -> Result<Self, PageError> {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM)
            .await
            .map_err(|_| PageError::BadRequest("The form is too large.".into()))?;
        Ok(Self::parse(&bytes))
    }
}

impl FormData {
    /// Reads the form of a request that was taken whole (for handlers that also need its
    /// extensions).
    pub async fn from_request_bytes(req: Request) -> Result<Self, PageError> {
        <Self as FromRequest<()>>::from_request(req, &()).await
    }

    /// Parses a URL-encoded body.
    pub fn parse(bytes: &[u8]) -> Self {
        Self(form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// The first value of `name`, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The first value of `name` exactly as sent (passwords: spaces count).
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The value of `name` trimmed, or `None` when absent or blank.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.text(name)).filter(|v| !v.is_empty())
    }

    /// Every value of `name` (a checkbox list), trimmed.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// Whether the checkbox `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.all(name).is_empty()
    }

    /// The non-blank lines of a text area, trimmed.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.raw(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The items of a comma-separated (or one-per-line) list, trimmed, blanks dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.raw(name)
            .split([',', '\n'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::FormData;

    #[test]
    fn fields_repeat_trim_and_split() {
        let f = FormData::parse(
            b"_csrf=t&name=+Ann+&scope=read%3Ajobs&scope=write%3Ajobs&q=one%0D%0A%0D%0Atwo&skills=Rust%2C+SQL%2C",
        );
        assert_eq!(f.text("name"), "Ann");
        assert_eq!(f.raw("name"), " Ann ");
        assert_eq!(f.all("scope"), ["read:jobs", "write:jobs"]);
        assert!(f.checked("scope") && !f.checked("notify"));
        assert_eq!(f.lines("q"), ["one", "two"]);
        assert_eq!(f.list("skills"), ["Rust", "SQL"]);
        assert_eq!(f.opt("missing"), None);
    }
}
