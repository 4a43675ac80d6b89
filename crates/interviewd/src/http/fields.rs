//! Body members no field takes. The vendors' schemas accept members they do not model (none
//! declares `additionalProperties: false`; Alpharun's update-customer-interaction page says
//! "unrecognized keys are ignored"), so every dialect accepts and ignores them. Silently
//! ignoring a misspelt known field would lose data (`requiredSkill` for `requiredSkills`), so
//! the response says what was ignored:
//!
//! - `X-Ignored-Fields`: the path of every ignored member (`requiredSkill`, `job.location.zip`,
//!   `3.nickname` for an item of an array body), comma-separated;
//! - `X-Ignored-Fields-Suggestions`: for each ignored member that looks like a misspelling of a
//!   field of the dialect's request bodies, `ignored=known` (`requiredSkill=requiredSkills`).
//!
//! Both are also logged. `docs/api-*.md` ("Unknown fields") documents them.

use crate::http::dialect::Dialect;
use crate::http::openapi::{Spec, document};
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The header listing ignored members.
pub const IGNORED: &str = "x-ignored-fields";
/// The header suggesting the known field an ignored member was probably meant to be.
pub const SUGGESTIONS: &str = "x-ignored-fields-suggestions";

/// The ignored members of one request, filled while its body is parsed.
#[derive(Clone, Debug, Default)]
pub struct IgnoredFields(Arc<Mutex<Vec<String>>>);

impl IgnoredFields {
    /// Notes one ignored member (once).
    pub fn record(&self, path: String) {
        let mut paths = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !paths.contains(&path) {
            paths.push(path);
        }
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The middleware: gives the request an [`IgnoredFields`] and reports what it collected.
pub async fn report(mut req: Request, next: Next) -> Response {
    let dialect = Dialect::of(&req);
    let ignored = IgnoredFields::default();
    req.extensions_mut().insert(ignored.clone());
    let mut res = next.run(req).await;
    let paths = ignored.take();
    if paths.is_empty() {
        return res;
    }
    let suggestions: Vec<String> = paths
        .iter()
        .filter_map(|p| suggest(dialect, p).map(|known| format!("{p}={known}")))
        .collect();
    tracing::info!(ignored = ?paths, suggestions = ?suggestions, "ignored unknown body members");
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&paths.join(", ")) {
        headers.insert(IGNORED, value);
    }
    if !suggestions.is_empty()
        && let Ok(value) = HeaderValue::from_str(&suggestions.join(", "))
    {
        headers.insert(SUGGESTIONS, value);
    }
    res
}

/// The known field an ignored member at `path` was probably meant to be, if any.
pub fn suggest(dialect: Dialect, path: &str) -> Option<&'static str> {
    let name = path.rsplit('.').next().unwrap_or(path);
    closest(name, known_fields(dialect))
}

/// The field names of every request body of `dialect`'s OpenAPI document.
fn known_fields(dialect: Dialect) -> &'static BTreeSet<String> {
    static FIELDS: OnceLock<[BTreeSet<String>; 3]> = OnceLock::new();
    let all = FIELDS.get_or_init(|| {
        [Spec::InstaView, Spec::Alpharun, Spec::Xobin].map(|s| request_fields(&document(s)))
    });
    match dialect {
        Dialect::InstaView => &all[0],
        Dialect::Alpharun => &all[1],
        Dialect::Xobin => &all[2],
    }
}

/// Property names of the request bodies of `doc` and of every schema they refer to.
fn request_fields(doc: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut pending: Vec<&Value> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for operation in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(|o| o.values())
        {
            if let Some(body) = operation.get("requestBody") {
                pending.push(body);
            }
        }
    }
    let schemas = doc.pointer("/components/schemas");
    let mut seen_refs = BTreeSet::new();
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(map) => {
                if let Some(props) = map.get("properties").and_then(Value::as_object) {
                    names.extend(props.keys().cloned());
                }
                if let Some(name) = map.get("$ref").and_then(Value::as_str) {
                    let name = name.rsplit('/').next().unwrap_or(name);
                    if seen_refs.insert(name.to_owned())
                        && let Some(schema) = schemas.and_then(|s| s.get(name))
                    {
                        pending.push(schema);
                    }
                }
                pending.extend(map.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    names
}

/// Lower case without `_` and `-`: `job_type_Id` and `jobTypeId` compare equal.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The known name `name` most likely misspells: the same when case and separators are
/// ignored, else within two edits (one for names shorter than five letters). A name that is
/// itself known (a field sent at the wrong level) gets no suggestion.
fn closest<'a>(name: &str, known: &'a BTreeSet<String>) -> Option<&'a str> {
    if known.contains(name) {
        return None;
    }
    let folded = fold(name);
    let budget = if folded.chars().count() < 5 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (edit_distance(&folded, &fold(k)), k))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance (insertions, deletions, substitutions), in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn misspellings_find_the_field_they_meant() {
        let k = known(&["requiredSkills", "title", "job_type_id", "jobId", "name"]);
        assert_eq!(closest("requiredSkill", &k), Some("requiredSkills"));
        assert_eq!(closest("job_type_Id", &k), Some("job_type_id"));
        assert_eq!(closest("jobTypeId", &k), Some("job_type_id"));
        assert_eq!(closest("titel", &k), Some("title"));
        assert_eq!(closest("nickname", &k), None);
        assert_eq!(
            closest("jobId", &k),
            None,
            "a known name is not a misspelling"
        );
        assert_eq!(closest("nme", &k), Some("name"));
        assert_eq!(closest("xy", &k), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn every_dialect_knows_its_body_fields() {
        assert_eq!(
            suggest(Dialect::InstaView, "requiredSkill"),
            Some("requiredSkills")
        );
        assert_eq!(
            suggest(Dialect::InstaView, "job.location.cty"),
            Some("city")
        );
        assert_eq!(
            suggest(Dialect::Alpharun, "job_type_Id"),
            Some("job_type_id")
        );
        assert_eq!(
            suggest(Dialect::Xobin, "candidate_emial"),
            Some("candidate_email")
        );
        assert_eq!(suggest(Dialect::Xobin, "favourite_colour"), None);
    }
}
