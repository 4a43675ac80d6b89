//! Dialect-neutral request helpers: the bearer token, query parameters and JSON bodies.
//! Each dialect wraps these in extractors whose rejection is its own error shape.

use crate::error::CoreError;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use serde::de::DeserializeOwned;

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Decoded query parameters, in order.
#[derive(Clone, Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Parses a raw query string (lossy on invalid percent-encoding, never failing).
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first non-empty value of `name`.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// Parses a JSON body into `T`, describing what was wrong without echoing values.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CoreError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CoreError::invalid(
            "body",
            "request body must be a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let field = if path == "." || path == "?" {
            "body".to_owned()
        } else {
            path
        };
        let message = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!(
                    "malformed JSON at line {} column {}",
                    inner.line(),
                    inner.column()
                )
            }
            _ => format!("{field}: {}", strip_location(&inner.to_string())),
        };
        CoreError::Validation { field, message }
    })
}

fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
