//! `GET /concurrency` (`read:interviews`): the acting company's live-session slots,
//! `{limit, inUse, queued}` — `queued` counts scheduled attempts whose time has come and that
//! wait for a slot (or for the dispatcher).

use super::{Ctx, IvError};
use crate::app::AppState;
use axum::Json;
use interviewd_domain::Scope;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show))
}

/// The acting company's live-session slots.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Concurrency {
    /// Simultaneous live sessions allowed.
    limit: u32,
    /// Sessions live now.
    in_use: u32,
    /// Attempts due and waiting for a slot.
    queued: u32,
}

/// The company's slots: limit, in use, queued.
#[utoipa::path(
    get,
    path = "/concurrency",
    operation_id = "getConcurrency",
    tag = "Interviews",
    responses((status = 200, description = "The slots.", body = Concurrency))
)]
async fn show(ctx: Ctx) -> Result<Json<Concurrency>, IvError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let c = crate::core::companies::concurrency(&ctx.state, company).await?;
    Ok(Json(Concurrency {
        limit: c.limit,
        in_use: c.in_use,
        queued: c.queued,
    }))
}
