//! Helpers for Alpharun request fields.

use super::schemas::WS;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};

/// A phone number as a string or a JSON number (digits of an international number), or
/// `null`.
pub fn ar_phone() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(SchemaType::Array(vec![Type::String, Type::Null])))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .into()
}

/// An external id: 1–255 characters after trimming, no control characters at all.
pub fn ar_ext_id() -> RefOr<Schema> {
    let c = "\\x00-\\x1F\\x7F-\\x9F";
    let edge = format!("[^{WS}{c}]");
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(format!(
            "^[{WS}]*{edge}([^{c}]{{0,253}}{edge})?[{WS}]*$"
        )))
        .into()
}

/// `resume_collection_type`: exactly `after_interview` or `before_interview`, or `null`.
pub fn ar_resume_collection() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some("^(after_interview|before_interview)$"))
        .into()
}
