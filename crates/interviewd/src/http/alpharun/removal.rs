//! `DELETE /job-openings/{JOB_OPENING_ID}/interviews`: remove a candidate and all their
//! pending or completed interviews from a job opening, through the one deletion path.
//!
//! The body names the contact by `contact_id` (a UUID or an `alt:` form), `email` and/or
//! `phone_number`; at least one is required and all that are given must name the same
//! contact (else 400). The phone matches after E.164 normalisation, the e-mail
//! case-insensitively. Unknown opening, unknown contact, or a contact with no interview on the
//! opening → 404. The contact itself stays; only its link to the opening goes.

use super::contacts::phone_value;
use super::ctx::{ArCtx, ArPath, contact_key, path_uuid};
use super::error::ArError;
use super::job_openings;
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::removal::{self, ContactKey};
use crate::wire::alpharun::Success;
use axum::Json;
use axum::body::Bytes;
use interviewd_domain::{CompanyId, Email, JobId, Scope};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(remove))
}

/// The contact to remove: at least one of the three; all given must name the same contact.
#[derive(Deserialize, ToSchema)]
#[schema(as = RemoveFromOpening)]
struct Payload {
    /// A UUID, or an `alt:` form.
    #[schema(nullable)]
    contact_id: Option<String>,
    #[schema(nullable)]
    email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::ar_phone)]
    phone_number: Value,
}

/// The contact keys the payload names (validated; at least one).
fn keys(p: &Payload) -> Result<Vec<(&'static str, Option<ContactKey>)>, CoreError> {
    let mut keys = Vec::new();
    if let Some(raw) = p
        .contact_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        keys.push(("contact_id", contact_key(raw)?));
    }
    if let Some(raw) = p.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let email = Email::parse(raw).map_err(|e| CoreError::invalid_value("email", e))?;
        keys.push(("email", Some(ContactKey::Email(email))));
    }
    if let Some(phone) = phone_value(&p.phone_number)? {
        keys.push(("phone_number", Some(ContactKey::Phone(phone))));
    }
    if keys.is_empty() {
        return Err(CoreError::invalid(
            "contact_id",
            "at least one of contact_id, email or phone_number is required",
        ));
    }
    Ok(keys)
}

/// Remove a contact and all their interviews from a job opening (the contact stays).
#[utoipa::path(
    delete,
    path = "/job-openings/{id}/interviews",
    operation_id = "removeFromOpening",
    tag = "Job openings",
    params(("id" = String, Path, format = "uuid")),
    request_body = Payload,
    responses(
        (status = 200, description = "Removed: `{\"success\": true}`.", body = Success),
        (status = 400, description = "An invalid body, no identifier, or identifiers naming different contacts."),
        (status = 404, description = "No such opening or contact, or the contact has no interview on the opening."),
    )
)]
async fn remove(
    ctx: ArCtx,
    ArPath(opening): ArPath<String>,
    body: Bytes,
) -> Result<Json<Success>, ArError> {
    let company: CompanyId = ctx.company(&[Scope::DeleteInterviews])?;
    let payload: Payload = ctx.body(&body)?;
    let keys = keys(&payload)?;
    let job = JobId::from(path_uuid(&opening, "JOB_OPENING_ID")?);
    let actor = Some(ctx.principal.key.id);
    // The opening is read only when the removal fails (a removal finds nothing on an opening
    // that is not the company's), and the answer is then what reading it first would give:
    // an unknown opening is its own 404 whatever else is wrong. One read fewer a removal.
    if let Err(e) = removal::remove_from_opening(&ctx.state, company, actor, job, &keys).await {
        job_openings::load(&ctx, company, &opening).await?;
        return Err(e.into());
    }
    Ok(Json(Success { success: true }))
}
