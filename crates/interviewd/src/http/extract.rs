//! Dialect-neutral request helpers: the bearer token, query parameters and JSON bodies.
//! Each dialect wraps these in extractors whose rejection is its own error shape.

use crate::core::error::CoreError;
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

/// Parses a JSON object body into `T`, describing what was wrong without echoing values.
/// Members no field takes are ignored (see [`json_body_reporting`]).
///
/// Anything but an object is refused, even where serde would accept it: a derived struct
/// also deserializes from a JSON array of its fields in order (`[null, null]`), which no
/// documented body is.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CoreError> {
    json_body_reporting(bytes, &mut |_| {})
}

/// [`json_body`], telling `ignored` the path (`job.location.zip`) of every member that no
/// field took: the vendors' schemas accept such members, so they are ignored, not refused.
pub fn json_body_reporting<T: DeserializeOwned>(
    bytes: &[u8],
    ignored: &mut dyn FnMut(String),
) -> Result<T, CoreError> {
    let not_object = || CoreError::invalid("body", "request body must be a JSON object");
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(not_object()),
        Some(b'{') => json_value_reporting(bytes, ignored),
        // Not an object: say where it breaks if it is malformed, else that it is no object.
        Some(_) => json_value::<serde::de::IgnoredAny>(bytes).and(Err(not_object())),
    }
}

/// Parses a JSON body of any shape into `T` (for bodies that may be arrays).
pub fn json_value<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CoreError> {
    json_value_reporting(bytes, &mut |_| {})
}

/// [`json_value`], telling `ignored` the path of every member no field took.
pub fn json_value_reporting<T: DeserializeOwned>(
    bytes: &[u8],
    ignored: &mut dyn FnMut(String),
) -> Result<T, CoreError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CoreError::invalid(
            "body",
            "request body must be a JSON object or array",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut seen = |path: serde_ignored::Path<'_>| ignored(tidy(&path.to_string()));
    let reporting = serde_ignored::Deserializer::new(&mut de, &mut seen);
    serde_path_to_error::deserialize(reporting).map_err(describe)
}

/// [`json_value_reporting`] on an already parsed value (an item of an array body), with
/// `prefix` before each reported path.
pub fn from_value_reporting<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
    ignored: &mut dyn FnMut(String),
) -> Result<T, CoreError> {
    let mut seen =
        |path: serde_ignored::Path<'_>| ignored(format!("{prefix}{}", tidy(&path.to_string())));
    let reporting = serde_ignored::Deserializer::new(value, &mut seen);
    serde_path_to_error::deserialize(reporting).map_err(describe)
}

/// A member's path without the `?` steps optional fields add: `job.location.zip`.
fn tidy(path: &str) -> String {
    path.split('.')
        .filter(|step| !step.is_empty() && *step != "?")
        .collect::<Vec<_>>()
        .join(".")
}

fn describe(err: serde_path_to_error::Error<serde_json::Error>) -> CoreError {
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
}

/// An integer in a JSON body, also when written as an integral float (`5.0`): JSON Schema's
/// `integer`, which the OpenAPI documents promise, counts both as the same integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int<T>(pub T);

impl<'de, T: TryFrom<i64> + TryFrom<u64>> serde::Deserialize<'de> for Int<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, Unexpected};
        let n = serde_json::Number::deserialize(d)?;
        let out_of_range =
            || D::Error::invalid_value(Unexpected::Other(&n.to_string()), &"an integer in range");
        if let Some(u) = n.as_u64() {
            return T::try_from(u).map(Int).map_err(|_| out_of_range());
        }
        if let Some(i) = n.as_i64() {
            return T::try_from(i).map(Int).map_err(|_| out_of_range());
        }
        match n.as_f64() {
            // Integral floats below 2^63 convert exactly to i64.
            Some(f) if f.fract() == 0.0 && f.abs() < 9_223_372_036_854_775_808.0 => {
                T::try_from(f as i64).map(Int).map_err(|_| out_of_range())
            }
            _ => Err(D::Error::invalid_type(
                Unexpected::Other("a fractional number"),
                &"an integer",
            )),
        }
    }
}

fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{json_body, json_value};
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: Option<String>,
        age: Option<u32>,
    }

    #[test]
    fn integers_may_be_written_as_integral_floats() {
        use super::Int;
        let int = |json: &str| serde_json::from_str::<Int<u32>>(json).map(|i| i.0).ok();
        assert_eq!(int("107"), Some(107));
        assert_eq!(int("107.0"), Some(107));
        assert_eq!(int("1e2"), Some(100));
        assert_eq!(int("107.5"), None);
        assert_eq!(int("-1"), None);
        assert_eq!(int("4294967296"), None);
        assert_eq!(int("\"7\""), None);
        let signed = serde_json::from_str::<Int<i64>>("-3.0").map(|i| i.0).ok();
        assert_eq!(signed, Some(-3));
    }

    #[test]
    fn only_objects_are_bodies() {
        assert!(json_body::<Body>(br#" {"name": "x"} "#).is_ok());
        for refused in [&b"[null, null]"[..], b"[]", b"null", b"\"x\"", b"1", b"   "] {
            let err = json_body::<Body>(refused).unwrap_err().to_string();
            assert_eq!(err, "request body must be a JSON object", "{refused:?}");
        }
        // Malformed JSON still says where it broke.
        let err = json_body::<Body>(b"[1,").unwrap_err().to_string();
        assert!(err.starts_with("malformed JSON"), "{err}");
        assert!(json_value::<serde_json::Value>(b"[1, 2]").is_ok());
    }
}
