//! `GET /app/interviews/{id}/attempts/{attempt}/recording`: an attempt's recording (WAV) for
//! the signed-in user of the interview's company, with HTTP range requests (RFC 9110 §14),
//! which an `<audio>` element uses to seek and to learn the length. Another company's ids are
//! a 404 page like any unknown ones.

use super::errors::PageError;
use super::interview::load;
use super::session::User;
use crate::app::AppState;
use crate::core::calls;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use interviewd_domain::AttemptId;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/app/interviews/{id}/attempts/{attempt}/recording",
        get(serve),
    )
}

async fn serve(
    State(state): State<AppState>,
    user: User,
    headers: HeaderMap,
    Path((raw, attempt)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let detail = load(&state, &user, &raw).await?;
    let attempt: AttemptId = attempt.parse().map_err(|_| PageError::NotFound)?;
    let bytes = calls::recording(&state, user.company(), detail.interview.id, attempt).await?;
    Ok(ranged(&headers, bytes))
}

/// `bytes` as a full (200) or partial (206) answer to the request's `Range`, or 416.
fn ranged(headers: &HeaderMap, bytes: Vec<u8>) -> Response {
    let len = bytes.len() as u64;
    let common = [
        (header::CONTENT_TYPE, HeaderValue::from_static("audio/wav")),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ),
    ];
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return (StatusCode::OK, common, bytes).into_response();
    };
    match parse_range(range, len) {
        Some(RangeSpec::Whole) => (StatusCode::OK, common, bytes).into_response(),
        Some(RangeSpec::Part(start, end)) => {
            let content_range = format!("bytes {start}-{end}/{len}");
            let slice = bytes
                .get(
                    usize::try_from(start).unwrap_or(usize::MAX)
                        ..=usize::try_from(end).unwrap_or(0),
                )
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            (
                StatusCode::PARTIAL_CONTENT,
                common,
                [(header::CONTENT_RANGE, header_value(&content_range))],
                slice,
            )
                .into_response()
        }
        None => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(
                header::CONTENT_RANGE,
                header_value(&format!("bytes */{len}")),
            )],
        )
            .into_response(),
    }
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(""))
}

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeSpec {
    /// Not a single byte range we serve (another unit, several ranges): the whole body.
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n`; `None` when unsatisfiable.
fn parse_range(header: &str, len: u64) -> Option<RangeSpec> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Some(RangeSpec::Whole);
    };
    if spec.contains(',') {
        return Some(RangeSpec::Whole);
    }
    let (first, last) = spec.trim().split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let (start, end) = if first.is_empty() {
        // The last `n` bytes.
        let n: u64 = last.parse().ok()?;
        if n == 0 || len == 0 {
            return None;
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = first.parse().ok()?;
        let end = if last.is_empty() {
            len.checked_sub(1)?
        } else {
            last.parse::<u64>().ok()?.min(len.checked_sub(1)?)
        };
        (start, end)
    };
    (start <= end && start < len).then_some(RangeSpec::Part(start, end))
}

#[cfg(test)]
mod tests {
    use super::{RangeSpec, parse_range};

    #[test]
    fn byte_ranges_are_read_as_rfc_9110_says() {
        assert_eq!(
            parse_range("bytes=0-99", 1000),
            Some(RangeSpec::Part(0, 99))
        );
        assert_eq!(
            parse_range("bytes=900-", 1000),
            Some(RangeSpec::Part(900, 999))
        );
        assert_eq!(
            parse_range("bytes=-100", 1000),
            Some(RangeSpec::Part(900, 999))
        );
        assert_eq!(
            parse_range("bytes=0-5000", 1000),
            Some(RangeSpec::Part(0, 999))
        );
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("bytes=5-2", 1000), None);
        assert_eq!(parse_range("bytes=0-1,5-9", 1000), Some(RangeSpec::Whole));
        assert_eq!(parse_range("items=0-1", 1000), Some(RangeSpec::Whole));
        assert_eq!(parse_range("bytes=x-1", 1000), None);
    }
}
