//! Schemas shared by the documents: the bodies the layers in front of the handlers answer
//! with, and helpers for hand-written schema fragments.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};

/// The characters Rust's `str::trim` removes (Unicode `White_Space`).
pub(super) const WS: &str =
    "\\t-\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
/// What the server's text validation refuses after trimming: control characters other than
/// tab and line breaks (`crate::core::validate::text`).
pub(super) const BAD: &str = "\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F";

/// The pattern of a text the server trims and then checks for length (`min..=max`
/// characters) and control characters. Its first and last characters are neither whitespace
/// nor control characters, so the trimmed length is exactly what the pattern counts.
fn text_pattern(min: usize, max: usize) -> String {
    let edge = format!("[^{WS}{BAD}]");
    let middle = format!("[^{BAD}]");
    let body = if max <= 1 {
        edge
    } else if min <= 1 {
        format!("{edge}({middle}{{0,{}}}{edge})?", max - 2)
    } else {
        format!("{edge}{middle}{{{},{}}}{edge}", min - 2, max - 2)
    };
    format!("^[{WS}]*{body}[{WS}]*$")
}

/// A required text of `MIN` to `MAX` characters after trimming, without control characters
/// (`crate::core::validate::text`). The pattern states it exactly; a `maxLength` would not, since
/// surrounding whitespace does not count.
pub fn text<const MIN: usize, const MAX: usize>() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(text_pattern(MIN, MAX)))
        .into()
}

/// An optional text of at most `MAX` characters: `null`, blank (both mean none), or a text
/// as for [`text`] (`crate::core::validate::opt_text`).
pub fn opt_text<const MAX: usize>() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(format!("^[{WS}]*$|{}", text_pattern(1, MAX))))
        .into()
}

/// `null` (no change, or none) or a text as for [`text`]; unlike [`opt_text`], a blank string
/// is refused.
pub fn nullable_text<const MIN: usize, const MAX: usize>() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(text_pattern(MIN, MAX)))
        .into()
}

/// A text of `MIN` to `MAX` characters after trimming, any characters allowed.
pub fn trimmed_any<const MIN: usize, const MAX: usize>() -> RefOr<Schema> {
    let edge = format!("[^{WS}]");
    let body = format!(
        "{edge}([\\s\\S]{{{},{}}}{edge})?",
        MIN.saturating_sub(2),
        MAX - 2
    );
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[{WS}]*{body}[{WS}]*$")))
        .into()
}

pub use crate::wire::null_schema;

/// InstaView's documented 429 body (`crate::http::ratelimit`), field for field.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RateLimited)]
pub struct IvRateLimitedBody {
    /// Always 429.
    pub status_code: u16,
    /// `Rate limit exceeded`.
    pub message: String,
    /// `Too Many Requests`.
    pub error: String,
    /// Seconds until the spent window resets (also in `Retry-After`).
    pub retry_after: i64,
    /// The budget of the spent window.
    pub limit: i64,
    /// Always 0.
    pub remaining: i64,
    /// When the spent window resets (Unix seconds).
    pub reset: i64,
}

/// A positive integer id, or a string of its digits (Xobin accepts both).
pub fn positive_int_or_digits() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(i64::MAX)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!("^[{WS}]*\\+?0*[1-9][0-9]{{0,17}}[{WS}]*$"))),
        )
        .into()
}

/// Xobin's `custom_field_id`: a string of at most 255 characters, a number, or `null`.
pub fn custom_field_id_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![
            Type::String,
            Type::Number,
            Type::Null,
        ]))
        .max_length(Some(255))
        .into()
}

/// Declares `$name`, a request schema that is `$base` with `$field`s required: one input type
/// serves create and patch, and only creation requires them.
macro_rules! requiring {
    ($(#[$doc:meta])* $name:ident = $base:ty, [$($field:literal),+ $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::AllOfBuilder::new()
                    .item(utoipa::openapi::Ref::from_schema_name(<$base as utoipa::ToSchema>::name()))
                    .item(
                        utoipa::openapi::schema::ObjectBuilder::new()
                            $(.required($field))+,
                    )
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(
                schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                schemas.push((
                    <$base as utoipa::ToSchema>::name().into_owned(),
                    <$base as utoipa::PartialSchema>::schema(),
                ));
                <$base as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

pub(crate) use requiring;

/// The query of a signed asset link (`docs/webhooks.md`, "Asset links"): with a valid,
/// unexpired signature the asset is served without credentials.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Described for the documents; the handlers read the raw query.
pub struct SignedLinkParams {
    /// The company the link was made for.
    #[param(format = "uuid")]
    company: Option<String>,
    /// When the link stops working (unix seconds).
    expires: Option<i64>,
    /// The link's signature (32 hex digits).
    #[param(pattern = "^[0-9a-f]{32}$")]
    signature: Option<String>,
}
