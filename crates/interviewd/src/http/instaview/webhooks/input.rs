//! The webhook bodies' header entries, as InstaView clients send them. The rules on every
//! setting are `core::webhooks`'.

use crate::core::error::CoreError;
use crate::core::webhooks::{WebhookHeader, check_headers};
use serde::Deserialize;

/// A custom header sent with every delivery.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookHeaderInput)]
pub struct HeaderInput {
    /// A header name of 1–255 characters; not `webhook-*` nor one the server sets.
    #[schema(min_length = 1, max_length = 255)]
    name: String,
    /// 1–4096 visible characters; never shown back.
    #[schema(min_length = 1, max_length = 4096)]
    value: String,
}

impl HeaderInput {
    /// The header as the core checks it.
    fn header(&self) -> WebhookHeader {
        WebhookHeader {
            name: self.name.clone(),
            value: self.value.clone(),
        }
    }
}

/// Checks the headers of a body (see [`check_headers`]).
pub fn parse_headers(items: &[HeaderInput]) -> Result<Vec<WebhookHeader>, CoreError> {
    let headers: Vec<WebhookHeader> = items.iter().map(HeaderInput::header).collect();
    check_headers(&headers)
}
