//! `GET/POST /agents`, `GET/PATCH/DELETE /agents/{id}`. Deleting an agent hides it from
//! reads; interviews already created with it keep working (the documented "existing
//! interviews are unaffected").

use super::{Ctx, IvError, IvPath, page_of, path_uuid};
use crate::app::AppState;
use crate::core::auth::ResourceKind;
use crate::core::catalog;
use crate::core::error::CoreError;
use crate::core::validate::{self, Patch};
use crate::http::extract::Int;
use crate::wire::instaview::AgentDto;
use crate::wire::instaview::Page;
use axum::Json;
use axum::body::Bytes;
use interviewd_domain::model::Agent;
use interviewd_domain::{AgentChannel, CompanyId, Scope};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const FOCUSES: &[&str] = &[
    "SCREENING",
    "OUTREACH",
    "LANGUAGE_TEST",
    "GENERIC",
    "TECHNICAL",
    "CULTURE_FIT",
];
const CEFR: &[&str] = &["A1", "A2", "B1", "B2", "C1", "C2"];
const MAX_DURATION: u32 = Agent::MAX_DURATION_MINUTES;

/// Every language code an agent accepts (`interviewd_domain::language`), and `UNDEFINED`,
/// which the vendor's schema lists too and which interviews in English.
fn language_codes() -> Vec<&'static str> {
    let mut codes = interviewd_domain::language::codes();
    codes.push("UNDEFINED");
    codes
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
}

fn channel_schema() -> RefOr<Schema> {
    crate::http::openapi::words(&["PHONE", "ONLINE"], true)
}

fn focus_schema() -> RefOr<Schema> {
    crate::http::openapi::words(FOCUSES, true)
}

fn language_schema() -> RefOr<Schema> {
    crate::http::openapi::words(&language_codes(), true)
}

fn cefr_schema() -> RefOr<Schema> {
    crate::http::openapi::words(CEFR, true)
}

/// Agent fields as sent by clients (create, patch and inline `agent` objects). On a patch,
/// absent fields are kept; `null` clears the clearable ones and leaves `type`, `focus`,
/// `language` and `duration` as they are.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentInput {
    /// 1–255 characters. Required on create; never `null`.
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::text::<1, 255>)]
    name: Patch<String>,
    /// PHONE (default) or ONLINE.
    #[serde(default, rename = "type")]
    #[schema(schema_with = channel_schema)]
    kind: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = focus_schema)]
    focus: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = language_schema)]
    language: Patch<String>,
    /// Minutes, 1–180 (default 15).
    #[serde(default)]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 180)]
    duration: Patch<Int<u32>>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_text_list::<50, 1000>)]
    questions: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<10000>)]
    instructions: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<64>)]
    voice_id: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<64>)]
    company_phone_number_id: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = cefr_schema)]
    cefr_level: Patch<String>,
    /// At most 10 KB, 5 levels deep and 50 keys; a patch merges it into the stored one
    /// (a member set to `null` is removed), `null` clears it.
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_opt_metadata)]
    metadata: Patch<Map<String, Value>>,
}

crate::http::openapi::schemas::requiring!(
    /// A new agent: [`AgentInput`] with `name`.
    NewAgent = AgentInput, ["name"]
);

impl AgentInput {
    /// Applies the input to `agent`, validating every field it touches.
    pub fn apply(self, agent: &mut Agent) -> Result<(), CoreError> {
        match self.name {
            Patch::Value(n) => agent.name = validate::text("name", &n, 1, 255)?,
            Patch::Null => return Err(CoreError::invalid("name", "name cannot be null")),
            Patch::Missing => {}
        }
        if let Patch::Value(t) = self.kind {
            agent.channel = t
                .parse::<AgentChannel>()
                .map_err(|e| CoreError::invalid("type", e))?;
        }
        if let Patch::Value(f) = self.focus {
            agent.focus = validate::one_of("focus", &f, FOCUSES)?;
        }
        if let Patch::Value(l) = self.language {
            agent.language = validate::one_of("language", &l, &language_codes())?;
        }
        if let Patch::Value(Int(d)) = self.duration {
            if !(1..=MAX_DURATION).contains(&d) {
                return Err(CoreError::invalid(
                    "duration",
                    format!("duration must be from 1 to {MAX_DURATION} minutes"),
                ));
            }
            agent.duration_minutes = d;
        }
        if let Some(q) = self.questions.into_update() {
            agent.questions = validate::string_list("questions", &q.unwrap_or_default(), 50, 1000)?;
        }
        if let Some(i) = self.instructions.into_update() {
            agent.instructions = validate::opt_text("instructions", i.as_deref(), 10_000)?;
        }
        let attrs = &mut agent.attrs;
        for (key, patch, max) in [
            ("voiceId", self.voice_id, 64),
            ("companyPhoneNumberId", self.company_phone_number_id, 64),
        ] {
            if let Some(v) = patch.into_update() {
                match validate::opt_text(key, v.as_deref(), max)? {
                    Some(v) => attrs.insert(key.into(), v.into()),
                    None => attrs.remove(key),
                };
            }
        }
        if let Some(m) = self.metadata.into_update() {
            let mut merged = match (m.is_some(), attrs.get("metadata")) {
                (true, Some(Value::Object(stored))) => stored.clone(),
                _ => Map::new(),
            };
            for (k, v) in m.unwrap_or_default() {
                if v.is_null() {
                    merged.remove(&k);
                } else {
                    merged.insert(k, v);
                }
            }
            validate::metadata("metadata", &merged, 10 * 1024, 5, 50)?;
            if merged.is_empty() {
                attrs.remove("metadata");
            } else {
                attrs.insert("metadata".into(), Value::Object(merged));
            }
        }
        if let Some(c) = self.cefr_level.into_update() {
            match c
                .map(|c| validate::one_of("cefrLevel", &c, CEFR))
                .transpose()?
            {
                Some(c) => attrs.insert("cefrLevel".into(), c.into()),
                None => attrs.remove("cefrLevel"),
            };
        }
        Ok(())
    }

    /// Builds a new agent (name required; type PHONE, focus SCREENING, language EN and
    /// 15 minutes by default).
    pub fn into_new_agent(
        self,
        company: CompanyId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Agent, CoreError> {
        if !matches!(self.name, Patch::Value(_)) {
            return Err(CoreError::invalid("name", "name is required"));
        }
        let mut agent = Agent::new(company, String::new(), AgentChannel::Phone, now);
        self.apply(&mut agent)?;
        Ok(agent)
    }
}

/// The company's agents.
#[utoipa::path(
    get,
    path = "/agents",
    operation_id = "listAgents",
    tag = "Agents",
    params(crate::http::openapi::PageParams),
    responses(
        (status = 200, description = "A page of agents.", body = Page<AgentDto>),
        (status = 400, description = "`page` or `limit` out of range."),
    )
)]
async fn list(ctx: Ctx) -> Result<Json<Page<AgentDto>>, IvError> {
    let company = ctx.company(&[Scope::ReadAgents])?;
    let page = page_of(&ctx)?;
    let found = catalog::agents(&ctx.state, company, page).await?;
    let items: Vec<AgentDto> = found.items.iter().map(AgentDto::from).collect();
    Ok(Json(Page::new(items, found.total, page)))
}

/// Create an agent.
#[utoipa::path(
    post,
    path = "/agents",
    operation_id = "createAgent",
    tag = "Agents",
    request_body = NewAgent,
    responses(
        (status = 201, description = "Created.", body = AgentDto,
            headers(("Location" = String, description = "The new agent.")),
            links(
                ("GetAgent" = (operation_id = "getAgent", parameters(("id" = "$response.body#/id")))),
                ("UpdateAgent" = (operation_id = "updateAgent", parameters(("id" = "$response.body#/id")))),
                ("DeleteAgent" = (operation_id = "deleteAgent", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, description = "An invalid field."),
    )
)]
async fn create(ctx: Ctx, body: Bytes) -> Result<super::Created<AgentDto>, IvError> {
    let company = ctx.company(&[Scope::WriteAgents])?;
    let input: AgentInput = ctx.body(&body)?;
    let agent = input.into_new_agent(company, ctx.state.now())?;
    let agent = catalog::create_agent(&ctx.state, &agent).await?;
    Ok(super::created(
        &format!("/v1/agents/{}", agent.id),
        AgentDto::from(&agent),
    ))
}

async fn load(ctx: &Ctx, company: CompanyId, raw: &str) -> Result<Agent, IvError> {
    let id = path_uuid(raw, "id")?;
    match catalog::agent(&ctx.state, company, id.into()).await? {
        Some(agent) => Ok(agent),
        None => Err(ctx.missing(ResourceKind::Agent, "agent", id, company).await),
    }
}

/// An agent.
#[utoipa::path(
    get,
    path = "/agents/{id}",
    operation_id = "getAgent",
    tag = "Agents",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The agent.", body = AgentDto),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The agent belongs to another company."),
        (status = 404, description = "No such agent (or it was deleted)."),
    )
)]
async fn show(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<AgentDto>, IvError> {
    let company = ctx.company(&[Scope::ReadAgents])?;
    Ok(Json(AgentDto::from(&load(&ctx, company, &id).await?)))
}

/// Change an agent (interviews already created keep the questions they had).
#[utoipa::path(
    patch,
    path = "/agents/{id}",
    operation_id = "updateAgent",
    tag = "Agents",
    params(("id" = String, Path, format = "uuid")),
    request_body = AgentInput,
    responses(
        (status = 200, description = "The agent as changed.", body = AgentDto),
        (status = 400, description = "`id` is not a UUID, or an invalid field."),
        (status = 403, description = "The agent belongs to another company."),
        (status = 404, description = "No such agent."),
    )
)]
async fn update(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
    body: Bytes,
) -> Result<Json<AgentDto>, IvError> {
    let company = ctx.company(&[Scope::WriteAgents])?;
    let mut agent = load(&ctx, company, &id).await?;
    let input: AgentInput = ctx.body(&body)?;
    input.apply(&mut agent)?;
    catalog::update_agent(&ctx.state, &mut agent).await?;
    Ok(Json(AgentDto::from(&agent)))
}

/// Delete an agent: it disappears from reads; interviews created with it keep working.
#[utoipa::path(
    delete,
    path = "/agents/{id}",
    operation_id = "deleteAgent",
    tag = "Agents",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "Deleted: `true`.", body = bool, content_type = "application/json"),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The agent belongs to another company."),
        (status = 404, description = "No such agent."),
    )
)]
async fn remove(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<bool>, IvError> {
    let company = ctx.company(&[Scope::DeleteAgents])?;
    let agent = load(&ctx, company, &id).await?;
    catalog::delete_agent(&ctx.state, company, agent.id).await?;
    Ok(Json(true))
}
