//! The Xobin request context ([`Context`] with the key from the `apiKey` header and Xobin's
//! errors): extracting it authenticates the key (401 otherwise); handlers then call
//! [`Context::company`] with the scopes they need (403 otherwise). ATS keys name the company
//! with `?companyId=`, as on the other dialects.

use super::error::XbError;
use crate::app::AppState;
use crate::http::context::{Context, KeyedDialect};
use crate::http::dialect::Dialect;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The Xobin dialect: the `apiKey` header, errors in Xobin's shape.
pub enum Xobin {}

impl KeyedDialect for Xobin {
    type Error = XbError;

    const DIALECT: Dialect = Dialect::Xobin;
}

/// Authenticated Xobin request context.
pub type XbCtx = Context<Xobin>;

/// Parses an integer id from the path or query (400 otherwise). Ids are positive.
pub fn int_id(raw: &str, field: &str) -> Result<i64, XbError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| XbError::bad_request(format!("{field} must be a positive integer")))
}

/// A positive integer id from a JSON body: a number (`5`, or `5.0`, which JSON Schema counts
/// as the same integer) or a string of digits (`"5"`).
pub fn json_id(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| {
            // Integral floats within i64 (2^63 itself is one past the end).
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < 9_223_372_036_854_775_808.0)
                .map(|f| f as i64)
        }),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n| *n > 0)
}

/// One path parameter, with the rejection in Xobin's shape.
pub struct XbPath(pub String);

impl FromRequestParts<AppState> for XbPath {
    type Rejection = XbError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| XbPath(v))
            .map_err(|e| XbError::bad_request(e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::json_id;
    use serde_json::json;

    #[test]
    fn body_ids_are_positive_integers_in_any_json_spelling() {
        assert_eq!(json_id(&json!(5)), Some(5));
        assert_eq!(json_id(&json!(5.0)), Some(5));
        assert_eq!(json_id(&json!(" 7 ")), Some(7));
        for bad in [
            json!(0),
            json!(-3),
            json!(1.5),
            json!(0.0),
            json!(1e19),
            json!("x"),
            json!(null),
            json!([1]),
        ] {
            assert_eq!(json_id(&bad), None, "{bad}");
        }
    }
}
