//! Customer interactions, which interviewd keeps as interviews (`core::interactions`):
//!
//! - `GET /customer-interactions/{id}` (`read:interviews`, `read:candidates`):
//!   <https://dev.alpharun.com/api-reference/endpoint/fetch-customer-interaction>;
//! - `PATCH /customer-interactions/{id}` `{"custom_fields": [{key, value}]}`
//!   (`write:interviews`): a partial upsert by key,
//!   <https://dev.alpharun.com/api-reference/endpoint/update-customer-interaction>. The vendor
//!   applies only keys defined in its dashboard; interviewd has no such definitions, so every
//!   key is applied (as for contacts' custom fields);
//! - `GET /customer-interactions/{id}/transcripts` (`read:interviews`, `read:candidates`): the
//!   conversation as speaker lines,
//!   <https://dev.alpharun.com/api-reference/endpoint/fetch-customer-interaction-transcripts>;
//! - `GET /contacts/{id}/customer-interactions` (`read:interviews`, `read:candidates`): the
//!   contact's interactions, oldest first, `limit` 1–100 (default 20) and `cursor`,
//!   <https://dev.alpharun.com/api-reference/endpoint/list-contact-customer-interactions>.

use super::contacts::{KeyValue, custom_fields, resolve};
use super::ctx::{ArCtx, ArPath, path_uuid};
use super::error::ArError;
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::interactions;
use crate::wire::alpharun::{
    CustomerInteraction, InteractionEnvelope, InteractionList, TranscriptsEnvelope,
    UpdatedInteraction,
};
use axum::Json;
use axum::body::Bytes;
use base64::Engine;
use interviewd_domain::Scope;
use interviewd_domain::views::InterviewReport;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show, update))
        .routes(routes!(transcripts))
        .routes(routes!(of_contact))
}

/// One interaction of the company (404 otherwise).
async fn load(
    ctx: &ArCtx,
    raw: &str,
) -> Result<(interviewd_domain::CompanyId, interviewd_domain::InterviewId), ArError> {
    let company = ctx.company(&[Scope::ReadInterviews, Scope::ReadCandidates])?;
    let id = path_uuid(raw, "CUSTOMER_INTERACTION_ID")?;
    Ok((company, id.into()))
}

/// The interview behind one interaction of the company (404 otherwise).
async fn report(ctx: &ArCtx, raw: &str) -> Result<InterviewReport, ArError> {
    let (company, id) = load(ctx, raw).await?;
    Ok(interactions::get(&ctx.state, company, id)
        .await?
        .ok_or_else(|| CoreError::not_found("customer interaction", id))?)
}

/// An interaction.
#[utoipa::path(
    get,
    path = "/customer-interactions/{id}",
    operation_id = "getCustomerInteraction",
    tag = "Customer interactions",
    params(("id" = String, Path, format = "uuid", description = "The interaction (an interview's id).")),
    responses(
        (status = 200, description = "The interaction.", body = InteractionEnvelope),
        (status = 400, description = "`id` is not a UUID."),
        (status = 404, description = "No such interaction in the company."),
    )
)]
async fn show(
    ctx: ArCtx,
    ArPath(raw): ArPath<String>,
) -> Result<Json<InteractionEnvelope>, ArError> {
    Ok(Json(InteractionEnvelope::new(&report(&ctx, &raw).await?)))
}

/// An interaction's transcripts.
#[utoipa::path(
    get,
    path = "/customer-interactions/{id}/transcripts",
    operation_id = "listCustomerInteractionTranscripts",
    tag = "Customer interactions",
    params(("id" = String, Path, format = "uuid", description = "The interaction (an interview's id).")),
    responses(
        (status = 200, description = "The transcripts, oldest first.", body = TranscriptsEnvelope),
        (status = 400, description = "`id` is not a UUID."),
        (status = 404, description = "No such interaction in the company."),
    )
)]
async fn transcripts(
    ctx: ArCtx,
    ArPath(raw): ArPath<String>,
) -> Result<Json<TranscriptsEnvelope>, ArError> {
    Ok(Json(TranscriptsEnvelope::new(&report(&ctx, &raw).await?)))
}

/// A custom field to set.
#[derive(Deserialize, ToSchema)]
#[schema(as = InteractionCustomField)]
struct FieldInput {
    #[schema(schema_with = crate::http::openapi::text::<1, 100>)]
    key: String,
    /// A string, number or boolean (kept as text), at most 5000 characters.
    #[schema(value_type = String)]
    value: Value,
}

/// The body of an update.
#[derive(Deserialize, ToSchema)]
#[schema(as = InteractionUpdate)]
struct UpdateBody {
    #[schema(max_items = 100, required = true)]
    custom_fields: Option<Vec<FieldInput>>,
}

/// The fields as stored: values as text, checked as contacts' custom fields are.
fn stored_fields(items: Vec<FieldInput>) -> Result<Vec<Value>, CoreError> {
    let pairs = items
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let value = match f.value {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    let field = format!("custom_fields[{i}].value");
                    let message = format!("{field} must be a string, a number or a boolean");
                    return Err(CoreError::invalid(field, message));
                }
            };
            Ok(KeyValue { key: f.key, value })
        })
        .collect::<Result<Vec<_>, _>>()?;
    custom_fields(&pairs)
}

/// Set custom fields on an interaction (a partial upsert by key).
#[utoipa::path(
    patch,
    path = "/customer-interactions/{id}",
    operation_id = "updateCustomerInteraction",
    tag = "Customer interactions",
    params(("id" = String, Path, format = "uuid", description = "The interaction (an interview's id).")),
    request_body = UpdateBody,
    responses(
        (status = 200, description = "The interaction's id and custom fields.", body = UpdatedInteraction),
        (status = 400, description = "`id` is not a UUID, no `custom_fields`, or an invalid field."),
        (status = 404, description = "No such interaction in the company."),
    )
)]
async fn update(
    ctx: ArCtx,
    ArPath(raw): ArPath<String>,
    body: Bytes,
) -> Result<Json<UpdatedInteraction>, ArError> {
    let company = ctx.company(&[Scope::WriteInterviews])?;
    let id = path_uuid(&raw, "CUSTOMER_INTERACTION_ID")?;
    let input: UpdateBody = ctx.body(&body)?;
    let items = input
        .custom_fields
        .ok_or_else(|| CoreError::invalid("custom_fields", "custom_fields is required"))?;
    let fields = stored_fields(items)?;
    let report = interactions::set_custom_fields(&ctx.state, company, id.into(), fields)
        .await?
        .ok_or_else(|| CoreError::not_found("customer interaction", id))?;
    Ok(Json(UpdatedInteraction::new(&report)))
}

/// `limit` and `cursor` of the list.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Schema only: the handler reads the raw query.
struct ListParams {
    /// 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

fn encode_cursor(position: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("i:{position}"))
}

fn decode_cursor(raw: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("i:")?
        .parse()
        .ok()
}

/// A contact's interactions, oldest first.
#[utoipa::path(
    get,
    path = "/contacts/{id}/customer-interactions",
    operation_id = "listContactCustomerInteractions",
    tag = "Customer interactions",
    params(
        ("id" = String, Path, description = "A UUID, or `alt:ext_id:…`, `alt:email:…`, `alt:phone_number:…`."),
        ListParams,
    ),
    responses(
        (status = 200, description = "A page of interactions.", body = InteractionList),
        (status = 400, description = "`limit` out of range, a `cursor` this API did not return, or a malformed `alt:` form."),
        (status = 404, description = "No such contact in the company."),
    )
)]
async fn of_contact(
    ctx: ArCtx,
    ArPath(raw): ArPath<String>,
) -> Result<Json<InteractionList>, ArError> {
    let company = ctx.company(&[Scope::ReadInterviews, Scope::ReadCandidates])?;
    let limit = match ctx.query.get("limit") {
        None => 20,
        Some(l) => l
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| CoreError::invalid("limit", "limit must be an integer from 1 to 100"))?,
    };
    let start = match ctx.query.non_empty("cursor") {
        None => 0,
        Some(c) => decode_cursor(c).ok_or_else(|| {
            CoreError::invalid("cursor", "cursor is not a value returned by this API")
        })?,
    };
    let contact = resolve(&ctx, company, &raw).await?;
    let all = interactions::of_contact(&ctx.state, company, contact.id).await?;
    let page: Vec<CustomerInteraction> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(CustomerInteraction::new)
        .collect();
    let end = start + page.len();
    Ok(Json(InteractionList {
        data: crate::wire::alpharun::InteractionsData {
            customer_interactions: page,
        },
        next_cursor: (end < all.len()).then(|| encode_cursor(end)),
    }))
}
