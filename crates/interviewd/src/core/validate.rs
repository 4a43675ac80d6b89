//! Small validators shared by the dialects. Each returns a [`CoreError::Validation`] naming
//! the field and the rule, never echoing the value (it may be personal data).

use crate::core::error::CoreError;
use serde_json::{Map, Value};

/// Trims and checks a required text's length in characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, CoreError> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len < min || len > max {
        return Err(CoreError::invalid(
            field,
            format!("{field} must be {min} to {max} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(CoreError::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Like [`text`] for optional values; empty strings become `None`.
pub fn opt_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, CoreError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// A list of short strings: at most `max_items`, each 1..=`max_len` characters.
pub fn string_list(
    field: &str,
    items: &[String],
    max_items: usize,
    max_len: usize,
) -> Result<Vec<String>, CoreError> {
    if items.len() > max_items {
        return Err(CoreError::invalid(
            field,
            format!("{field} may hold at most {max_items} items"),
        ));
    }
    items
        .iter()
        .map(|item| text(field, item, 1, max_len))
        .collect()
}

/// A metadata object: at most `max_bytes` serialised, `max_depth` levels and `max_keys`
/// keys at the top level.
pub fn metadata(
    field: &str,
    value: &Map<String, Value>,
    max_bytes: usize,
    max_depth: usize,
    max_keys: usize,
) -> Result<(), CoreError> {
    if value.len() > max_keys {
        return Err(CoreError::invalid(
            field,
            format!("{field} may have at most {max_keys} keys"),
        ));
    }
    let size = serde_json::to_vec(value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > max_bytes {
        return Err(CoreError::invalid(
            field,
            format!("{field} must be at most {max_bytes} bytes"),
        ));
    }
    fn depth(v: &Value) -> usize {
        match v {
            Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    if depth(&Value::Object(value.clone())) > max_depth {
        return Err(CoreError::invalid(
            field,
            format!("{field} may nest at most {max_depth} levels"),
        ));
    }
    Ok(())
}

/// Parses one of a fixed set of upper-case words.
pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<String, CoreError> {
    let upper = value.trim().to_ascii_uppercase();
    if allowed.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(CoreError::invalid(
            field,
            format!("{field} must be one of {}", allowed.join(", ")),
        ))
    }
}

/// A field that a PATCH may leave out, set to `null`, or set to a value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Missing,
    Null,
    Value(T),
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Patch<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            None => Patch::Null,
            Some(v) => Patch::Value(v),
        })
    }
}

impl<T> Patch<T> {
    /// `Some(None)` to clear, `Some(Some(v))` to set, `None` to keep.
    pub fn into_update(self) -> Option<Option<T>> {
        match self {
            Patch::Missing => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }
}
