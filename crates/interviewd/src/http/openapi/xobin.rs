//! Helpers for Xobin request fields.

use super::schemas::WS;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

/// `invite_format`: `getlink` or `sendlink` in any ASCII case, surrounding whitespace ignored.
pub fn xobin_invite_format() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^[{WS}]*([gG][eE][tT]|[sS][eE][nN][dD])[lL][iI][nN][kK][{WS}]*$"
        )))
        .into()
}

/// `start_date` / `expiry_date`: `YYYY-MM-DD HH:MM` in GMT (`:SS` and a `T` separator
/// accepted), blank, or `null`.
pub fn xobin_gmt_date() -> RefOr<Schema> {
    let date = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
    let time = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?";
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(format!("^[{WS}]*({date}[ T]{time})?[{WS}]*$")))
        .into()
}
