//! Contacts (core candidates): cursor listing, create one (object body) or add many to job
//! openings (array body), fetch and update by id or by `alt:` identifier.

use super::ctx::{ArCtx, ArPath, contact_key};
use super::error::ArError;
use super::import;
use crate::app::AppState;
use crate::core::candidates;
use crate::core::error::CoreError;
use crate::core::validate;
use crate::wire::alpharun::{ArContact, ContactList, ContactOrImport, ContactsData};
use axum::Json;
use axum::body::Bytes;
use base64::Engine;
use interviewd_domain::model::Candidate;
use interviewd_domain::{CompanyId, Email, ExtId, PhoneNumber, Scope};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, update_by_body))
        .routes(routes!(show, update_by_path))
}

/// A phone number sent as a string or a JSON number.
pub fn phone_value(v: &Value) -> Result<Option<PhoneNumber>, CoreError> {
    let text = match v {
        Value::Null => return Ok(None),
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_u64() => format!("+{n}"),
        _ => {
            return Err(CoreError::invalid(
                "phone_number",
                "phone_number must be a string or a number",
            ));
        }
    };
    PhoneNumber::parse(&text)
        .map(Some)
        .map_err(|e| CoreError::invalid_value("phone_number", e))
}

/// `{key, value}` pairs (keys 1–100 characters, values ≤ 5000), at most 100.
pub fn custom_fields(v: &[KeyValue]) -> Result<Vec<Value>, CoreError> {
    if v.len() > 100 {
        return Err(CoreError::invalid(
            "custom_fields",
            "at most 100 custom fields",
        ));
    }
    v.iter()
        .map(|f| {
            let key = validate::text("custom_fields.key", &f.key, 1, 100)?;
            let value = validate::opt_text("custom_fields.value", Some(&f.value), 5000)?
                .unwrap_or_default();
            Ok(json!({ "key": key, "value": value }))
        })
        .collect()
}

/// A custom field: any key (1–100 characters), a value of at most 5000.
#[derive(Deserialize, Clone, serde::Serialize, ToSchema)]
#[schema(as = CustomField)]
pub struct KeyValue {
    #[schema(schema_with = crate::http::openapi::text::<1, 100>)]
    pub key: String,
    #[schema(schema_with = crate::http::openapi::opt_text::<5000>)]
    pub value: String,
}

/// A new contact: at least one of `email`, `phone_number` and `ext_id`, each unique in the
/// company (a duplicate is 400).
#[derive(Deserialize, ToSchema)]
#[schema(as = NewContact)]
struct CreateContact {
    #[schema(nullable, format = Email)]
    email: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::ar_phone)]
    phone_number: Value,
    #[schema(schema_with = crate::http::openapi::ar_ext_id)]
    ext_id: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<100>)]
    first_name: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<100>)]
    last_name: Option<String>,
    #[serde(default)]
    #[schema(max_items = 100)]
    custom_fields: Vec<KeyValue>,
}

/// The body of `POST /contacts`: one contact, or 1–500 candidates to add to job openings.
struct CreateBody;

impl utoipa::PartialSchema for CreateBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder};
        // Any item is accepted: those that are not a valid `ImportItem` are reported in
        // `failed_contacts` (the import is partial-success).
        let item = utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .description(Some("An `ImportItem`; other items are reported as failed."));
        let many = ArrayBuilder::new()
            .items(item)
            .min_items(Some(1))
            .max_items(Some(500));
        OneOfBuilder::new()
            .item(Ref::from_schema_name(CreateContact::name()))
            .item(many)
            .into()
    }
}

impl ToSchema for CreateBody {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push((CreateContact::name().into_owned(), CreateContact::schema()));
        <CreateContact as ToSchema>::schemas(schemas);
        schemas.push((import::Item::name().into_owned(), import::Item::schema()));
        <import::Item as ToSchema>::schemas(schemas);
    }
}

fn name(field: &str, v: Option<&str>) -> Result<Option<String>, CoreError> {
    validate::opt_text(field, v, 100)
}

/// `limit` and `cursor` of `GET /contacts`.
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

/// The company's contacts, the most recently created first
/// (<https://dev.alpharun.com/api-reference/endpoint/list-contacts.md>).
#[utoipa::path(
    get,
    path = "/contacts",
    operation_id = "listContacts",
    tag = "Contacts",
    params(ListParams),
    responses(
        (status = 200, description = "A page of contacts.", body = ContactList),
        (status = 400, description = "`limit` out of range, or a `cursor` this API did not return."),
    )
)]
async fn list(ctx: ArCtx) -> Result<Json<ContactList>, ArError> {
    let company = ctx.company(&[Scope::ReadCandidates])?;
    let limit = match ctx.query.get("limit") {
        None => 20,
        Some(l) => l
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| CoreError::invalid("limit", "limit must be an integer from 1 to 100"))?,
    };
    let before = match ctx.query.non_empty("cursor") {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            CoreError::invalid("cursor", "cursor is not a value returned by this API")
        })?),
    };
    // One extra row tells whether another page exists.
    let mut rows = candidates::newest_first(&ctx.state, company, before, limit + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|c| encode_cursor(c.number))
    } else {
        None
    };
    Ok(Json(ContactList {
        data: ContactsData {
            contacts: rows.iter().map(ArContact::from).collect(),
        },
        next_cursor: next,
    }))
}

fn encode_cursor(number: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("c:{number}"))
}

fn decode_cursor(raw: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("c:")?
        .parse()
        .ok()
        .filter(|n| *n >= 0)
}

/// Create a contact (object body), or add candidates to job openings (array body).
#[utoipa::path(
    post,
    path = "/contacts",
    operation_id = "createContacts",
    tag = "Contacts",
    request_body = CreateBody,
    responses(
        (status = 200, description = "The contact, or the outcome of the import (items that failed are echoed).",
            body = ContactOrImport),
        (status = 400, description = "An invalid field, no identifier, or an identifier taken in the company."),
    )
)]
async fn create(ctx: ArCtx, body: Bytes) -> Result<Json<ContactOrImport>, ArError> {
    // The one body that may be an array (the bulk import).
    let value: Value = crate::http::extract::json_value(&body)?;
    if value.is_array() {
        return import::add_contacts(ctx, value).await;
    }
    let company = ctx.company(&[Scope::WriteCandidates])?;
    let input: CreateContact = ctx.body(&body)?;
    let email = input
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| CoreError::invalid_value("email", e))?;
    let phone = phone_value(&input.phone_number)?;
    let ext_id = input
        .ext_id
        .as_deref()
        .map(ExtId::parse)
        .transpose()
        .map_err(|e| CoreError::invalid_value("ext_id", e))?;
    if email.is_none() && phone.is_none() && ext_id.is_none() {
        return Err(CoreError::invalid(
            "email",
            "at least one of email, phone_number or ext_id is required",
        )
        .into());
    }
    let mut candidate = Candidate::new(company, ctx.state.now());
    candidate.first_name = name("first_name", input.first_name.as_deref())?;
    candidate.last_name = name("last_name", input.last_name.as_deref())?;
    candidate.email = email;
    candidate.phone = phone;
    candidate.ext_id = ext_id;
    candidate.custom_fields = custom_fields(&input.custom_fields)?;
    let created = candidates::create(&ctx.state, &candidate).await?;
    Ok(Json(ContactOrImport::Contact(ArContact::from(&created))))
}

/// Resolves a contact reference in the company; unknown → 404.
pub async fn resolve(ctx: &ArCtx, company: CompanyId, raw: &str) -> Result<Candidate, ArError> {
    let not_found = || ArError(CoreError::not_found("contact", raw));
    let Some(key) = contact_key(raw)? else {
        return Err(not_found());
    };
    candidates::find(&ctx.state, company, &key)
        .await?
        .ok_or_else(not_found)
}

/// A contact by id or `alt:` identifier.
#[utoipa::path(
    get,
    path = "/contacts/{id}",
    operation_id = "getContact",
    tag = "Contacts",
    params(("id" = String, Path, description = "A UUID, or `alt:ext_id:…`, `alt:email:…`, `alt:phone_number:…`.")),
    responses(
        (status = 200, description = "The contact.", body = ArContact),
        (status = 400, description = "A malformed e-mail or phone in an `alt:` form."),
        (status = 404, description = "No such contact in the company."),
    )
)]
async fn show(ctx: ArCtx, ArPath(id): ArPath<String>) -> Result<Json<ArContact>, ArError> {
    let company = ctx.company(&[Scope::ReadCandidates])?;
    Ok(Json(ArContact::from(&resolve(&ctx, company, &id).await?)))
}

/// Custom fields to set (by key) and to remove.
#[derive(Deserialize, ToSchema)]
struct CustomFieldChanges {
    #[serde(default)]
    #[schema(max_items = 100)]
    set: Vec<KeyValue>,
    #[serde(default)]
    remove: Vec<String>,
}

/// Changes to a contact; absent fields are kept and `null` clears one. At least one of
/// `email`, `phone_number` and `ext_id` must remain.
#[derive(Deserialize, ToSchema)]
#[schema(as = ContactPatch)]
struct UpdateContact {
    /// The contact (`PATCH /contacts`; ignored on `PATCH /contacts/{id}`).
    #[schema(nullable)]
    id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Email)]
    email: validate::Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::ar_phone)]
    phone_number: validate::Patch<Value>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::ar_ext_id)]
    ext_id: validate::Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<100>)]
    first_name: validate::Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<100>)]
    last_name: validate::Patch<String>,
    #[schema(nullable)]
    custom_fields: Option<CustomFieldChanges>,
}

/// Change a contact named in the path.
#[utoipa::path(
    patch,
    path = "/contacts/{id}",
    operation_id = "updateContact",
    tag = "Contacts",
    params(("id" = String, Path, description = "A UUID, or `alt:ext_id:…`, `alt:email:…`, `alt:phone_number:…`.")),
    request_body = UpdateContact,
    responses(
        (status = 200, description = "The contact as changed.", body = ArContact),
        (status = 400, description = "An invalid field, no identifier left, or an identifier taken in the company."),
        (status = 404, description = "No such contact in the company."),
    )
)]
async fn update_by_path(
    ctx: ArCtx,
    ArPath(id): ArPath<String>,
    body: Bytes,
) -> Result<Json<ArContact>, ArError> {
    let input: UpdateContact = ctx.body(&body)?;
    update(ctx, &id, input).await
}

/// Change the contact named by `id` in the body.
#[utoipa::path(
    patch,
    path = "/contacts",
    operation_id = "updateContactByBody",
    tag = "Contacts",
    request_body = UpdateContact,
    responses(
        (status = 200, description = "The contact as changed.", body = ArContact),
        (status = 400, description = "No `id`, an invalid field, no identifier left, or an identifier taken in the company."),
        (status = 404, description = "No such contact in the company."),
    )
)]
async fn update_by_body(ctx: ArCtx, body: Bytes) -> Result<Json<ArContact>, ArError> {
    let input: UpdateContact = ctx.body(&body)?;
    let id = input
        .id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| CoreError::invalid("id", "id is required"))?;
    update(ctx, &id, input).await
}

async fn update(
    ctx: ArCtx,
    raw_id: &str,
    input: UpdateContact,
) -> Result<Json<ArContact>, ArError> {
    let company = ctx.company(&[Scope::WriteCandidates])?;
    let mut c = resolve(&ctx, company, raw_id).await?;
    if let Some(v) = input.email.into_update() {
        c.email = v
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(|e| CoreError::invalid_value("email", e))?;
    }
    if let Some(v) = input.phone_number.into_update() {
        c.phone = phone_value(&v.unwrap_or(Value::Null))?;
    }
    if let Some(v) = input.ext_id.into_update() {
        c.ext_id = v
            .as_deref()
            .map(ExtId::parse)
            .transpose()
            .map_err(|e| CoreError::invalid_value("ext_id", e))?;
    }
    if let Some(v) = input.first_name.into_update() {
        c.first_name = name("first_name", v.as_deref())?;
    }
    if let Some(v) = input.last_name.into_update() {
        c.last_name = name("last_name", v.as_deref())?;
    }
    if !c.has_identifier() {
        return Err(CoreError::invalid(
            "email",
            "at least one of email, phone_number or ext_id must remain",
        )
        .into());
    }
    if let Some(changes) = input.custom_fields {
        let set = custom_fields(&changes.set)?;
        let touched: Vec<&str> = changes
            .remove
            .iter()
            .map(String::as_str)
            .chain(changes.set.iter().map(|f| f.key.as_str()))
            .collect();
        c.custom_fields.retain(|f| {
            !f.get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| touched.contains(&k))
        });
        c.custom_fields.extend(set);
    }
    candidates::update(&ctx.state, &mut c).await?;
    Ok(Json(ArContact::from(&c)))
}
