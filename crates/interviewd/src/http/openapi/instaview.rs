//! Helpers for InstaView request fields and query parameters.

use super::schemas::WS;
use utoipa::IntoParams;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

/// `page` and `limit` of a list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Described for the documents; the handlers read the raw query.
pub struct PageParams {
    /// 1 to 10000 (default 1).
    #[param(minimum = 1, maximum = 10000)]
    page: Option<u32>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// A pattern for one of `words`, as the server reads them: any ASCII case, surrounding
/// whitespace ignored (`crate::core::validate::one_of`, the wire enums' `FromStr`).
pub fn words_pattern(words: &[&str], blank: bool) -> String {
    let alternatives: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else {
                        c.to_string()
                    }
                })
                .collect()
        })
        .collect();
    let word = format!("^[{WS}]*({})[{WS}]*$", alternatives.join("|"));
    if blank {
        format!("^[{WS}]*$|{word}")
    } else {
        word
    }
}

/// One of `words` (any case, trimmed), or `null` when `nullable`.
pub fn words(words: &[&str], nullable: bool) -> RefOr<Schema> {
    let schema_type = if nullable {
        SchemaType::Array(vec![Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .description(Some(format!("One of {} (any case).", words.join(", "))))
        .pattern(Some(words_pattern(words, false)))
        .into()
}

/// Job statuses (`null` on a patch means OPEN).
pub fn iv_job_status() -> RefOr<Schema> {
    words(interviewd_domain::status::JOB_STATUSES, true)
}

/// Candidate pipeline statuses (`null` on a patch means APPLIED).
pub fn iv_candidate_status() -> RefOr<Schema> {
    words(interviewd_domain::status::CANDIDATE_STATUSES, true)
}

/// A company plan.
pub fn iv_plan() -> RefOr<Schema> {
    words(
        &["TRIAL", "STARTER", "BUSINESS", "SCALE", "ENTERPRISE"],
        true,
    )
}

/// A metadata object: at most 50 keys, 10 KB serialised and 5 levels deep.
pub fn iv_metadata() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .max_properties(Some(50))
        .description(Some(
            "Free-form; at most 50 keys, 10 KB serialised and 5 levels deep.",
        ))
        .into()
}

/// [`iv_metadata`] or `null`.
pub fn iv_opt_metadata() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::Object, Type::Null]))
        .max_properties(Some(50))
        .description(Some(
            "Free-form; at most 50 keys, 10 KB serialised and 5 levels deep.",
        ))
        .into()
}

/// An optional `http(s)` URL of at most `MAX` characters: blank or `null` for none.
pub fn iv_opt_url<const MAX: usize>() -> RefOr<Schema> {
    let bad = super::schemas::BAD;
    let url = format!(
        "^[{WS}]*[hH][tT][tT][pP][sS]?://[^{bad}]{{0,{}}}[^{WS}{bad}][{WS}]*$",
        MAX - 8
    );
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(format!("^[{WS}]*$|{url}")))
        .into()
}

/// A list of at most `ITEMS` texts of 1 to `LEN` characters, or `null` (none).
pub fn iv_text_list<const ITEMS: usize, const LEN: usize>() -> RefOr<Schema> {
    utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::Array, Type::Null]))
        .items(super::text::<1, LEN>())
        .max_items(Some(ITEMS))
        .into()
}

/// A UUID as the server parses one (`uuid::Uuid::try_parse` after trimming): hyphenated,
/// simple, braced or URN, in any case.
pub fn uuid_pattern() -> String {
    let h = "[0-9a-fA-F]";
    let hyphenated = format!("{h}{{8}}-{h}{{4}}-{h}{{4}}-{h}{{4}}-{h}{{12}}");
    let forms = format!(
        "{hyphenated}|{h}{{32}}|\\{{{hyphenated}\\}}|[uU][rR][nN]:[uU][uU][iI][dD]:{hyphenated}"
    );
    format!("^[{WS}]*({forms})[{WS}]*$")
}

/// An optional UUID filter of a list: blank means none.
pub fn iv_uuid_filter() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[{WS}]*$|{}", uuid_pattern())))
        .into()
}

/// An optional filter matching one of `words` (blank means none).
pub fn words_filter(words: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(words_pattern(words, true)))
        .into()
}
