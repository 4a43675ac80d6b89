//! `GET /company` (and `/companies`), `POST /company`, `GET/PATCH /company/{id}`.
//! Companies are created by ATS keys only; a company key sees its own company.

use super::{Ctx, IvError, IvPath, page_of, path_uuid};
use crate::app::AppState;
use crate::core::companies;
use crate::core::error::CoreError;
use crate::core::validate::{self, Patch};
use crate::http::extract::Int;
use crate::wire::instaview::CompanyDto;
use crate::wire::instaview::Page;
use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::get;
use interviewd_domain::model::Company;
use interviewd_domain::{CompanyId, Email, Plan, Scope};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/company` is documented; `/companies` is the same resource under the plural name.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update))
        .route("/companies", get(list).post(create))
        .route("/companies/{id}", get(show).patch(update))
}

/// The companies the key may see: its own (company keys) or those it manages (ATS keys).
#[utoipa::path(
    get,
    path = "/company",
    operation_id = "listCompanies",
    tag = "Companies",
    params(crate::http::openapi::PageParams),
    responses(
        (status = 200, description = "A page of companies.", body = Page<CompanyDto>),
        (status = 400, description = "`page` or `limit` out of range."),
    )
)]
async fn list(ctx: Ctx) -> Result<Json<Page<CompanyDto>>, IvError> {
    ctx.principal.require(&[Scope::ReadCompanies])?;
    let page = page_of(&ctx)?;
    let found = companies::list(&ctx.state, &ctx.principal, page).await?;
    let items: Vec<CompanyDto> = found.items.iter().map(CompanyDto::from).collect();
    Ok(Json(Page::new(items, found.total, page)))
}

/// A new company.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewCompany)]
struct CreateCompany {
    /// 2–100 characters.
    #[schema(schema_with = crate::http::openapi::text::<2, 100>)]
    name: String,
    /// 1–1000 characters.
    #[schema(schema_with = crate::http::openapi::nullable_text::<1, 1000>)]
    description: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_metadata)]
    metadata: Map<String, Value>,
    #[schema(nullable, format = Email)]
    owner_email: Option<String>,
    /// TRIAL (default), STARTER, BUSINESS, SCALE or ENTERPRISE (an extension).
    #[schema(schema_with = crate::http::openapi::iv_plan)]
    plan: Option<String>,
    /// Simultaneous live sessions, 1–1000 (default by plan; an extension).
    #[schema(value_type = Option<u32>, nullable, minimum = 1, maximum = 1000)]
    concurrency_limit: Option<Int<u32>>,
}

fn check_metadata(metadata: &Map<String, Value>) -> Result<(), CoreError> {
    validate::metadata("metadata", metadata, 10 * 1024, 5, 50)
}

fn parse_plan(raw: &str) -> Result<Plan, CoreError> {
    raw.parse()
        .map_err(|e: String| CoreError::invalid("plan", e))
}

fn parse_limit(n: u32) -> Result<u32, CoreError> {
    if (1..=1000).contains(&n) {
        Ok(n)
    } else {
        Err(CoreError::invalid(
            "concurrencyLimit",
            "concurrencyLimit must be from 1 to 1000",
        ))
    }
}

/// Create a company (ATS keys only).
#[utoipa::path(
    post,
    path = "/company",
    operation_id = "createCompany",
    tag = "Companies",
    request_body = CreateCompany,
    responses(
        (status = 201, description = "Created.", body = CompanyDto,
            headers(("Location" = String, description = "The new company.")),
            links(
                ("GetCompany" = (operation_id = "getCompany", parameters(("id" = "$response.body#/id")))),
                ("UpdateCompany" = (operation_id = "updateCompany", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, description = "An invalid field."),
        (status = 403, description = "Only ATS integration keys may create companies."),
    )
)]
async fn create(
    ctx: Ctx,
    body: Bytes,
) -> Result<
    (
        StatusCode,
        [(header::HeaderName, HeaderValue); 1],
        Json<CompanyDto>,
    ),
    IvError,
> {
    ctx.principal.require(&[Scope::WriteCompanies])?;
    if !ctx.principal.is_ats() {
        return Err(
            CoreError::Forbidden("Only ATS integration keys may create companies".into()).into(),
        );
    }
    let input: CreateCompany = ctx.body(&body)?;
    let name = validate::text("name", &input.name, 2, 100)?;
    let description = match input.description.as_deref() {
        Some(d) => Some(validate::text("description", d, 1, 1000)?),
        None => None,
    };
    check_metadata(&input.metadata)?;
    let owner_email = input
        .owner_email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| CoreError::invalid_value("ownerEmail", e))?;
    let plan = input
        .plan
        .as_deref()
        .map(parse_plan)
        .transpose()?
        .unwrap_or(Plan::Trial);
    let limit = input
        .concurrency_limit
        .map(|Int(n)| parse_limit(n))
        .transpose()?
        .unwrap_or_else(|| plan.default_concurrency());
    let now = ctx.state.now();
    let company = Company {
        id: CompanyId::new(),
        number: 0,
        name,
        description,
        owner_email,
        metadata: input.metadata,
        plan,
        plan_changed_at: None,
        concurrency_limit: limit,
        created_at: now,
        updated_at: now,
    };
    let created = companies::create(&ctx.state, &company, &ctx.principal).await?;
    Ok((
        StatusCode::CREATED,
        [super::location(&format!("/v1/company/{}", created.id))],
        Json(CompanyDto::from(&created)),
    ))
}

/// Loads a company the key may see: 403 when it exists but is not the caller's.
async fn accessible(ctx: &Ctx, raw_id: &str) -> Result<Company, IvError> {
    let id = CompanyId::from(path_uuid(raw_id, "id")?);
    Ok(companies::accessible(&ctx.state, &ctx.principal, id).await?)
}

/// A company the key may see.
#[utoipa::path(
    get,
    path = "/company/{id}",
    operation_id = "getCompany",
    tag = "Companies",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The company.", body = CompanyDto),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The company is not the key's."),
        (status = 404, description = "No such company."),
    )
)]
async fn show(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<CompanyDto>, IvError> {
    ctx.principal.require(&[Scope::ReadCompanies])?;
    let company = accessible(&ctx, &id).await?;
    Ok(Json(CompanyDto::from(&company)))
}

/// Changes to a company; absent fields are kept, `null` clears `description` and `ownerEmail`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CompanyPatch)]
struct UpdateCompany {
    #[schema(schema_with = crate::http::openapi::nullable_text::<2, 100>)]
    name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::nullable_text::<1, 1000>)]
    description: Patch<String>,
    #[schema(schema_with = crate::http::openapi::iv_opt_metadata)]
    metadata: Option<Map<String, Value>>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Email)]
    owner_email: Patch<String>,
    /// A change records `planChangedAt` (re-sending the current plan is not a change).
    #[schema(schema_with = crate::http::openapi::iv_plan)]
    plan: Option<String>,
    #[schema(value_type = Option<u32>, nullable, minimum = 1, maximum = 1000)]
    concurrency_limit: Option<Int<u32>>,
}

/// Change a company.
#[utoipa::path(
    patch,
    path = "/company/{id}",
    operation_id = "updateCompany",
    tag = "Companies",
    params(("id" = String, Path, format = "uuid")),
    request_body = UpdateCompany,
    responses(
        (status = 200, description = "The company as changed.", body = CompanyDto),
        (status = 400, description = "`id` is not a UUID, or an invalid field."),
        (status = 403, description = "The company is not the key's."),
        (status = 404, description = "No such company."),
    )
)]
async fn update(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
    body: Bytes,
) -> Result<Json<CompanyDto>, IvError> {
    ctx.principal.require(&[Scope::WriteCompanies])?;
    let mut company = accessible(&ctx, &id).await?;
    let input: UpdateCompany = ctx.body(&body)?;
    if let Some(name) = input.name {
        company.name = validate::text("name", &name, 2, 100)?;
    }
    if let Some(d) = input.description.into_update() {
        company.description = d
            .map(|d| validate::text("description", &d, 1, 1000))
            .transpose()?;
    }
    if let Some(m) = input.metadata {
        check_metadata(&m)?;
        company.metadata = m;
    }
    if let Some(e) = input.owner_email.into_update() {
        company.owner_email = e
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(|e| CoreError::invalid_value("ownerEmail", e))?;
    }
    if let Some(Int(limit)) = input.concurrency_limit {
        company.concurrency_limit = parse_limit(limit)?;
    }
    if let Some(plan) = input.plan.as_deref().map(parse_plan).transpose()? {
        companies::change_plan(&mut company, plan, ctx.state.now());
    }
    companies::update(&ctx.state, &mut company).await?;
    Ok(Json(CompanyDto::from(&company)))
}
