//! The wire shapes of the three dialects: typed request and response objects, each used for
//! the response and for its OpenAPI schema, and each dialect's webhook payloads built from
//! the same types. Pure: built from domain values, no HTTP and no storage.

pub mod alpharun;
pub mod candidate;
pub mod instaview;
pub mod payload;
pub mod xobin;

/// A schema that is always `null` (fields kept for the shape's sake).
pub fn null_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Null)
        .into()
}
