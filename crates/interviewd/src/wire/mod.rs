//! The wire shapes of the three dialects: typed request and response objects, each used for
//! the response and for its OpenAPI schema, and each dialect's webhook payloads built from
//! the same types. Pure: built from domain values, no HTTP and no storage.

pub mod payload;
pub mod xobin;
