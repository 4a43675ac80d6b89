//! Contacts (core candidates): cursor listing, create one (object body) or add many to job
//! openings (array body), fetch and update by id or by `alt:` identifier.

use super::ctx::{ArCtx, ArPath, contact_key};
use super::error::ArError;
use super::import;
use crate::error::CoreError;
use crate::http::AppState;
use crate::validate;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use base64::Engine;
use interviewd_domain::model::Candidate;
use interviewd_domain::{CandidateId, CompanyId, Email, ExtId, PhoneNumber, Scope};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create).patch(update_by_body))
        .route("/contacts/{id}", get(show).patch(update_by_path))
}

/// The flat `ContactResponse`.
pub fn contact_json(c: &Candidate) -> Value {
    let custom: Vec<Value> = c
        .custom_fields
        .iter()
        .map(|f| {
            let key = f.get("key").cloned().unwrap_or(Value::Null);
            json!({ "key": key, "value": f.get("value").cloned().unwrap_or(Value::Null), "type": "text", "display_name": key })
        })
        .collect();
    json!({
        "id": c.id.to_string(),
        "email": c.email.as_ref().map(Email::as_str),
        "phone_number": c.phone.as_ref().map(PhoneNumber::as_str),
        "ext_id": c.ext_id.as_ref().map(ExtId::as_str),
        "first_name": c.first_name,
        "last_name": c.last_name,
        "custom_fields": custom,
    })
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

#[derive(Deserialize, Clone, serde::Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateContact {
    email: Option<String>,
    #[serde(default)]
    phone_number: Value,
    ext_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default)]
    custom_fields: Vec<KeyValue>,
}

fn name(field: &str, v: Option<&str>) -> Result<Option<String>, CoreError> {
    validate::opt_text(field, v, 100)
}

async fn list(ctx: ArCtx) -> Result<Json<Value>, ArError> {
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
    let after = match ctx.query.non_empty("cursor") {
        None => 0,
        Some(c) => decode_cursor(c).ok_or_else(|| {
            CoreError::invalid("cursor", "cursor is not a value returned by this API")
        })?,
    };
    // One extra row tells whether another page exists.
    let mut rows = ctx
        .state
        .store
        .candidates_after(company, after, limit + 1)
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|c| encode_cursor(c.number))
    } else {
        None
    };
    let contacts: Vec<Value> = rows.iter().map(contact_json).collect();
    Ok(Json(
        json!({ "data": { "contacts": contacts }, "next_cursor": next }),
    ))
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

async fn create(ctx: ArCtx, body: Bytes) -> Result<Json<Value>, ArError> {
    let value: Value = ctx.body(&body)?;
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
    let now = ctx.state.now();
    let candidate = Candidate {
        id: CandidateId::new(),
        number: 0,
        company_id: company,
        first_name: name("first_name", input.first_name.as_deref())?,
        last_name: name("last_name", input.last_name.as_deref())?,
        email,
        phone,
        ext_id,
        status: "APPLIED".into(),
        gdpr_expiry_date: None,
        metadata: Map::new(),
        custom_fields: custom_fields(&input.custom_fields)?,
        job_ids: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    let created = ctx.state.store.insert_candidate(&candidate).await?;
    Ok(Json(contact_json(&created)))
}

/// Resolves a contact reference in the company; unknown → 404.
pub async fn resolve(ctx: &ArCtx, company: CompanyId, raw: &str) -> Result<Candidate, ArError> {
    let not_found = || ArError(CoreError::not_found("contact", raw));
    let Some(key) = contact_key(raw)? else {
        return Err(not_found());
    };
    ctx.state
        .store
        .find_candidate(company, &key)
        .await?
        .ok_or_else(not_found)
}

async fn show(ctx: ArCtx, ArPath(id): ArPath<String>) -> Result<Json<Value>, ArError> {
    let company = ctx.company(&[Scope::ReadCandidates])?;
    Ok(Json(contact_json(&resolve(&ctx, company, &id).await?)))
}

#[derive(Deserialize)]
struct CustomFieldChanges {
    #[serde(default)]
    set: Vec<KeyValue>,
    #[serde(default)]
    remove: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateContact {
    id: Option<String>,
    #[serde(default)]
    email: validate::Patch<String>,
    #[serde(default)]
    phone_number: validate::Patch<Value>,
    #[serde(default)]
    ext_id: validate::Patch<String>,
    #[serde(default)]
    first_name: validate::Patch<String>,
    #[serde(default)]
    last_name: validate::Patch<String>,
    custom_fields: Option<CustomFieldChanges>,
}

async fn update_by_path(
    ctx: ArCtx,
    ArPath(id): ArPath<String>,
    body: Bytes,
) -> Result<Json<Value>, ArError> {
    let input: UpdateContact = ctx.body(&body)?;
    update(ctx, &id, input).await
}

async fn update_by_body(ctx: ArCtx, body: Bytes) -> Result<Json<Value>, ArError> {
    let input: UpdateContact = ctx.body(&body)?;
    let id = input
        .id
        .clone()
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| CoreError::invalid("id", "id is required"))?;
    update(ctx, &id, input).await
}

async fn update(ctx: ArCtx, raw_id: &str, input: UpdateContact) -> Result<Json<Value>, ArError> {
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
    if c.email.is_none() && c.phone.is_none() && c.ext_id.is_none() {
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
    c.updated_at = ctx.state.now();
    ctx.state.store.update_candidate(&c).await?;
    Ok(Json(contact_json(&c)))
}
