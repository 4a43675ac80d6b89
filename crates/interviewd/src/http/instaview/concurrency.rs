//! `GET /concurrency` (`read:interviews`): the acting company's live-session slots,
//! `{limit, inUse, queued}` — `queued` counts scheduled attempts whose time has come and that
//! wait for a slot (or for the dispatcher).

use super::{Ctx, IvError};
use crate::http::AppState;
use axum::Json;
use axum::Router;
use axum::routing::get;
use interviewd_domain::Scope;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new().route("/concurrency", get(show))
}

async fn show(ctx: Ctx) -> Result<Json<Value>, IvError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let c = ctx
        .state
        .store
        .concurrency(company, ctx.state.now())
        .await?;
    Ok(Json(json!({
        "limit": c.limit,
        "inUse": c.in_use,
        "queued": c.queued,
    })))
}
