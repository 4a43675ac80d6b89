//! `GET /ai-interviews/invited/{ai_interview_id}`: every invite of one AI interview, oldest
//! first, as a bare JSON array.

use super::ctx::{XbCtx, XbPath, int_id};
use super::dto::{http_date, invite_status};
use super::error::XbError;
use super::invite::ai_interview;
use crate::http::AppState;
use axum::Json;
use axum::Router;
use axum::routing::get;
use interviewd_domain::Scope;
use serde_json::{Value, json};

pub fn routes() -> Router<AppState> {
    Router::new().route("/ai-interviews/invited/{ai_interview_id}", get(invited))
}

async fn invited(ctx: XbCtx, XbPath(raw): XbPath) -> Result<Json<Value>, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let number = int_id(&raw, "ai_interview_id")?;
    let (job, _) = ai_interview(&ctx.state.store, company, number).await?;
    let now = ctx.state.now();
    let invites = ctx.state.store.invites_of_job(company, job.id).await?;
    let items: Vec<Value> = invites
        .iter()
        .map(|i| {
            json!({
                "ai_interview_id": job.number,
                "candidate_id": i.candidate_number,
                "invite_status": invite_status(i.status, i.revoked_at, i.expires_at, now),
                "last_updated_at": http_date(i.updated_at),
                "response_id": i.response_id,
            })
        })
        .collect();
    Ok(Json(Value::Array(items)))
}
