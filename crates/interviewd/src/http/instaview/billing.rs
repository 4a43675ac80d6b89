//! `GET /billing/usage` (`read:billing`): minutes and interviews from what the engine recorded
//! (<https://docs.instaview.sk/api-reference/billing/get-usage>).
//!
//! A self-hosted server bills nothing, so every company is `billingSystem: "minutes"` and the
//! credit fields are omitted, as the vendor documents for that system. `totalInterviews`
//! counts non-test interviews completed in the window; `minutesUsed` the call and session time
//! of non-test interviews whose attempts ended in it; `events` the interviews with such time.
//! A company key sees its company; an ATS key every company it manages, with the totals over
//! them (or one, with `companyId`). `start` and `end` are ISO 8601 dates or date-times
//! (defaults: 30 days ago, now); a date as `end` includes that day.

use super::{Ctx, IvError};
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::ops::{self, Usage};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use interviewd_domain::{CompanyId, Scope};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(usage))
}

/// The only cost key: interview minutes.
const COST_KEY: &str = "interview_minutes";

/// Usage under one cost key.
#[derive(Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CostKeyUsage {
    /// `interview_minutes`.
    cost_key: &'static str,
    /// Interviews with minutes recorded in the window.
    events: i64,
    /// Minutes, with fractions.
    minutes_used: f64,
}

/// One company's usage.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CompanyUsage {
    #[schema(format = "uuid")]
    company_id: String,
    company_name: String,
    /// Always `minutes` (nothing is billed in credits).
    billing_system: &'static str,
    total_interviews: i64,
    breakdown_by_cost_key: Vec<CostKeyUsage>,
    total_minutes_used: f64,
}

/// The usage of the companies the key sees, and the totals over them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct UsageDto {
    companies: Vec<CompanyUsage>,
    total_interviews: i64,
    breakdown_by_cost_key: Vec<CostKeyUsage>,
    total_minutes_used: f64,
}

fn breakdown(u: &Usage) -> Vec<CostKeyUsage> {
    vec![CostKeyUsage {
        cost_key: COST_KEY,
        events: u.with_minutes,
        minutes_used: minutes(u.duration_ms),
    }]
}

#[allow(clippy::cast_precision_loss)] // milliseconds of calls are far below 2^52
fn minutes(ms: i64) -> f64 {
    (ms as f64 / 60_000.0 * 100.0).round() / 100.0
}

/// `start`/`end`: an RFC 3339 date-time, or a date (its start; for `end`, the next day's).
fn bound(ctx: &Ctx, field: &str, end: bool) -> Result<Option<DateTime<Utc>>, IvError> {
    let Some(raw) = ctx.query.non_empty(field) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        CoreError::invalid(
            field,
            format!("{field} must be an ISO 8601 date or date-time"),
        )
    })?;
    let day = if end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

/// The companies the request covers.
fn companies(ctx: &Ctx) -> Result<Vec<CompanyId>, IvError> {
    let scopes = [Scope::ReadBilling];
    ctx.principal.require(&scopes)?;
    let named = ctx.query.get("companyId").map(str::trim);
    if named.is_some_and(|n| n.len() != 36 || n.parse::<uuid::Uuid>().is_err()) {
        return Err(CoreError::invalid("companyId", "companyId must be a UUID").into());
    }
    if ctx.principal.is_ats() && named.is_none() {
        return Ok(ctx.principal.key.managed_companies.clone());
    }
    Ok(vec![ctx.principal.acting(&scopes, named)?])
}

/// Minutes and interviews per company and in total.
#[utoipa::path(
    get,
    path = "/billing/usage",
    operation_id = "getUsage",
    tag = "Billing",
    params(
        ("start" = Option<String>, Query, description = "ISO 8601 date or date-time; default 30 days ago."),
        ("end" = Option<String>, Query, description = "ISO 8601 date or date-time; default now. A date includes that day."),
        ("companyId" = Option<String>, Query, format = "uuid", description = "ATS keys: one of their companies; without it, all of them."),
    ),
    responses(
        (status = 200, description = "The usage.", body = UsageDto),
        (status = 400, description = "`start` or `end` is not a date, or `start` is after `end`."),
    )
)]
async fn usage(ctx: Ctx) -> Result<Json<UsageDto>, IvError> {
    let companies = companies(&ctx)?;
    let now = ctx.state.now();
    let to = bound(&ctx, "end", true)?.unwrap_or(now);
    let from = bound(&ctx, "start", false)?.unwrap_or(to - Duration::days(30));
    if from > to {
        return Err(CoreError::invalid("start", "start must not be after end").into());
    }
    let mut out = Vec::with_capacity(companies.len());
    let mut total = Usage::default();
    for company in companies {
        let u = ops::usage(&ctx.state, company, from, to).await?;
        let name = match ctx
            .state
            .store
            .get_company(company)
            .await
            .map_err(CoreError::from)?
        {
            Some(c) => c.name,
            None => continue,
        };
        total.interviews += u.interviews;
        total.with_minutes += u.with_minutes;
        total.duration_ms += u.duration_ms;
        out.push(CompanyUsage {
            company_id: company.to_string(),
            company_name: name,
            billing_system: "minutes",
            total_interviews: u.interviews,
            breakdown_by_cost_key: breakdown(&u),
            total_minutes_used: minutes(u.duration_ms),
        });
    }
    Ok(Json(UsageDto {
        companies: out,
        total_interviews: total.interviews,
        breakdown_by_cost_key: breakdown(&total),
        total_minutes_used: minutes(total.duration_ms),
    }))
}
