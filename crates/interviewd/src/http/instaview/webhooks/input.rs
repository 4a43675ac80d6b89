//! Validation of webhook input. Every refusal is a 400 naming the field; values are not
//! echoed (header values and URLs may hold credentials).

use crate::core::error::CoreError;
use crate::core::event_catalogue as events;
use crate::core::webhooks::MAX_RETRIES;
use crate::core::webhooks::{MAX_TIMEOUT_MS, MIN_TIMEOUT_MS};
use crate::store::delivery::{PayloadFormat, WebhookHeader};
use axum::http::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::Value;

/// Most custom headers an endpoint may have.
pub const MAX_HEADERS: usize = 50;

/// Headers the server sets itself.
const RESERVED: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
];

/// A custom header sent with every delivery.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookHeaderInput)]
pub struct HeaderInput {
    /// A header name of 1–255 characters; not `webhook-*` nor one the server sets.
    #[schema(min_length = 1, max_length = 255)]
    name: String,
    /// 1–4096 visible characters; never shown back.
    #[schema(min_length = 1, max_length = 4096)]
    value: String,
}

/// An http(s) URL of at most 2048 characters whose host is allowed by the egress rule.
pub fn check_url(url: &str, allow_private: bool) -> Result<String, CoreError> {
    let url = url.trim();
    interviewd_notify::validate_url(url, allow_private)
        .map_err(|e| CoreError::invalid("url", format!("url: {e}")))?;
    Ok(url.to_owned())
}

/// Events in any of the three forms, stored dotted.
pub fn parse_events(items: &[Value]) -> Result<Vec<String>, CoreError> {
    events::parse_list(items).map_err(|e| CoreError::invalid("events", e))
}

/// `instaview`, `alpharun` or `xobin`.
pub fn parse_format(raw: &str) -> Result<PayloadFormat, CoreError> {
    PayloadFormat::parse(raw).ok_or_else(|| {
        CoreError::invalid("format", "format must be one of instaview, alpharun, xobin")
    })
}

/// 0 to 9 retries (the schedule has ten attempts).
pub fn max_retries(n: i64) -> Result<u32, CoreError> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_RETRIES)
        .ok_or_else(|| {
            CoreError::invalid(
                "maxRetries",
                format!("maxRetries must be from 0 to {MAX_RETRIES}"),
            )
        })
}

/// 1000 to 30000 ms.
pub fn timeout_ms(n: i64) -> Result<u32, CoreError> {
    u32::try_from(n)
        .ok()
        .filter(|n| (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(n))
        .ok_or_else(|| {
            CoreError::invalid(
                "timeoutMs",
                format!("timeoutMs must be from {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}"),
            )
        })
}

/// At most 50 headers; names 1–255 characters, valid and not reserved; values 1–4096
/// characters without line breaks.
pub fn parse_headers(items: &[HeaderInput]) -> Result<Vec<WebhookHeader>, CoreError> {
    if items.len() > MAX_HEADERS {
        return Err(CoreError::invalid(
            "headers",
            format!("headers may hold at most {MAX_HEADERS} entries"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, h)| parse_header(i, h))
        .collect()
}

fn parse_header(i: usize, h: &HeaderInput) -> Result<WebhookHeader, CoreError> {
    let field = format!("headers[{i}]");
    let name = h.name.trim();
    let name_len = name.chars().count();
    if !(1..=255).contains(&name_len) || HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(CoreError::invalid(
            format!("{field}.name"),
            format!("{field}.name must be a valid header name of 1 to 255 characters"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("webhook-") || RESERVED.contains(&lower.as_str()) {
        return Err(CoreError::invalid(
            format!("{field}.name"),
            format!("{field}.name is set by the server and cannot be overridden"),
        ));
    }
    let value_len = h.value.chars().count();
    if !(1..=4096).contains(&value_len) || HeaderValue::from_str(&h.value).is_err() {
        return Err(CoreError::invalid(
            format!("{field}.value"),
            format!("{field}.value must be 1 to 4096 visible characters"),
        ));
    }
    Ok(WebhookHeader {
        name: name.to_owned(),
        value: h.value.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, value: &str) -> HeaderInput {
        HeaderInput {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn headers_are_checked() {
        assert!(parse_headers(&[header("Authorization", "Bearer x")]).is_ok());
        for (name, value) in [
            ("", "x"),
            ("bad name", "x"),
            ("Webhook-Id", "x"),
            ("Content-Type", "x"),
            ("X-Ok", ""),
            ("X-Ok", "a\nb"),
        ] {
            assert!(parse_headers(&[header(name, value)]).is_err(), "{name:?}");
        }
        let many: Vec<_> = (0..51).map(|i| header(&format!("x-{i}"), "v")).collect();
        assert!(parse_headers(&many).is_err());
        assert!(parse_headers(&[header(&"x".repeat(256), "v")]).is_err());
        assert!(parse_headers(&[header("x", &"v".repeat(4097))]).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(max_retries(0).unwrap(), 0);
        assert_eq!(max_retries(9).unwrap(), 9);
        assert!(max_retries(10).is_err() && max_retries(-1).is_err());
        assert_eq!(timeout_ms(30_000).unwrap(), 30_000);
        assert!(timeout_ms(30_001).is_err() && timeout_ms(999).is_err());
        assert!(check_url("http://127.0.0.1:9/x", false).is_err());
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(check_url("ftp://example.com/", true).is_err());
        assert!(check_url(&format!("https://example.com/{}", "a".repeat(2048)), true).is_err());
    }
}
