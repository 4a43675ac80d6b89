//! The removal operations of the seeds, each behind a page that says what will be erased or
//! sent, and each through the same core operation the API dialects call:
//! - `GET/POST /app/interviews/{id}/revoke`: Xobin's revoke (`core::removal::revoke`), with
//!   the "notify the candidate" choice;
//! - `GET/POST /app/interviews/{id}/delete`: InstaView's delete (`core::removal::delete`);
//! - `GET/POST /app/candidates/{id}/jobs/{job}/remove`: Alpharun's remove-from-opening
//!   (`core::removal::remove_from_opening`).
//!
//! Deleting and removing are for administrators; revoking an invite is for everyone.

use super::candidates::{self, display_name};
use super::errors::PageError;
use super::form::FormData;
use super::interview::load;
use super::interviews::status_label;
use super::page::{Chrome, render, see_other};
use super::session::{Admin, User};
use crate::app::AppState;
use crate::core::console_views::{self, InterviewQuery};
use crate::core::removal::{self, ContactKey, RevokeOutcome, Target};
use crate::core::{candidates as core_candidates, catalog};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use interviewd_domain::views::InterviewDetail;
use interviewd_domain::{InterviewStatus, JobId, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/app/interviews/{id}/revoke", get(revoke_form).post(revoke))
        .route("/app/interviews/{id}/delete", get(delete_form).post(delete))
        .route("/app/interviews/{id}/reopen", get(reopen_form).post(reopen))
        .route(
            "/app/candidates/{id}/jobs/{job}/remove",
            get(remove_form).post(remove),
        )
}

/// A tick box on a confirmation page.
pub struct Checkbox {
    pub name: &'static str,
    pub label: String,
    pub checked: bool,
}

/// A confirmation page (`console/confirm.html`).
#[derive(Template)]
#[template(path = "console/confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub title: String,
    pub back: String,
    pub back_label: String,
    pub lead: String,
    pub effects: Vec<String>,
    pub checkbox: Option<Checkbox>,
    pub action: String,
    pub submit: &'static str,
    pub danger: bool,
}

/// The interview `raw` of the user's company, with its candidate's name for a page.
pub(super) async fn interview_name(
    state: &AppState,
    user: &User,
    raw: &str,
) -> Result<(InterviewDetail, String), PageError> {
    let detail = load(state, user, raw).await?;
    let c = core_candidates::get(state, user.company(), detail.interview.candidate_id).await?;
    let name = c
        .as_ref()
        .map_or_else(|| "the candidate".into(), display_name);
    Ok((detail, name))
}

async fn reopen_form(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let (detail, name) = interview_name(&state, &user, &raw).await?;
    let i = &detail.interview;
    let page = ConfirmPage {
        chrome: Chrome::of(&state, &user, "interviews").await?,
        title: format!("Reopen the interview of {name}?"),
        back: format!("/app/interviews/{}", i.id),
        back_label: "Leave it failed".into(),
        lead: format!("The failed online interview of {name} will be open again."),
        effects: vec![
            "The invite link works again; nothing is sent to the candidate.".into(),
            "The candidate continues where the last session stopped; what was said is kept.".into(),
        ],
        checkbox: None,
        action: format!("/app/interviews/{}/reopen", i.id),
        submit: "Reopen the interview",
        danger: false,
    };
    Ok(render(&page))
}

async fn reopen(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let detail = load(&state, &user, &raw).await?;
    let i = &detail.interview;
    if !crate::core::interviews::reopen(&state, user.company(), i.id).await? {
        return Err(PageError::Conflict(
            "Only a failed online interview whose invite was not revoked can be reopened.".into(),
        ));
    }
    tracing::info!(user = %user.signed_in.user.id, interview = %i.id, "console: reopen");
    Ok(see_other(&format!("/app/interviews/{}", i.id)))
}

async fn revoke_form(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let (detail, name) = interview_name(&state, &user, &raw).await?;
    let i = &detail.interview;
    let email = core_candidates::get(&state, user.company(), i.candidate_id)
        .await?
        .and_then(|c| c.email.map(|e| e.as_str().to_owned()));
    let page = ConfirmPage {
        chrome: Chrome::of(&state, &user, "interviews").await?,
        title: format!("Revoke the invite of {name}?"),
        back: format!("/app/interviews/{}", i.id),
        back_label: "Keep the invite".into(),
        lead: format!(
            "The invite of {name} ({}) will be withdrawn.",
            status_label(i.status)
        ),
        effects: vec![
            "The invite link stops working at once.".into(),
            "The interview becomes Canceled and any scheduled call is canceled; no call is placed."
                .into(),
            "The invite no longer counts against the company's invite quota.".into(),
            "Webhook endpoints subscribed to invite.revoked are told.".into(),
            "Nothing is deleted: the interview stays in the list as Canceled.".into(),
        ],
        checkbox: email.map(|e| Checkbox {
            name: "notify",
            label: format!("E-mail {e} that the invite was withdrawn"),
            checked: false,
        }),
        action: format!("/app/interviews/{}/revoke", i.id),
        submit: "Revoke the invite",
        danger: true,
    };
    Ok(render(&page))
}

async fn revoke(
    State(state): State<AppState>,
    user: User,
    Path(raw): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let detail = load(&state, &user, &raw).await?;
    let i = &detail.interview;
    let notify = form.checked("notify");
    let outcome = removal::revoke(&state, user.company(), None, i.number, notify).await?;
    tracing::info!(user = %user.signed_in.user.id, interview = %i.id, ?outcome, "console: revoke");
    let done = match outcome {
        RevokeOutcome::Revoked => "revoked",
        RevokeOutcome::AlreadyRevoked => "already-revoked",
        RevokeOutcome::NotFound => return Err(PageError::NotFound),
        RevokeOutcome::NotAllowedPlanChange(_) => {
            return Err(PageError::Conflict(
                "This invite was sent before the company's latest plan change and cannot be \
                 revoked."
                    .into(),
            ));
        }
        RevokeOutcome::NotAllowedStarted => {
            return Err(PageError::Conflict(
                "The interview has already started or finished; its invite cannot be revoked. \
                 An administrator can delete the interview instead."
                    .into(),
            ));
        }
    };
    Ok(see_other(&format!("/app/interviews/{}?done={done}", i.id)))
}

/// What deleting erases, for interviews in `status`.
fn erased(status: InterviewStatus) -> Vec<String> {
    let mut out = vec![
        "The transcript, the recording files, the analysis and the score are erased.".into(),
        "Webhook messages and e-mails about it that are still waiting are dropped; endpoints \
         subscribed to interview.deleted are told."
            .into(),
    ];
    match status {
        InterviewStatus::Scheduled => out.insert(
            0,
            "Its scheduled calls are canceled; no call is placed and the invite link stops working."
                .into(),
        ),
        InterviewStatus::InProgress => out.insert(
            0,
            "It is running now: the call or session goes on until it ends, but produces no \
             transcript, analysis or completion webhook, and its slot is freed when it ends."
                .into(),
        ),
        _ => {}
    }
    out.push(
        "An audit record without personal data (what, when, how many) is kept. This cannot be undone."
            .into(),
    );
    out
}

async fn delete_form(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let (detail, name) = interview_name(&state, &user, &raw).await?;
    let i = &detail.interview;
    let page = ConfirmPage {
        chrome: Chrome::of(&state, &user, "interviews").await?,
        title: format!("Delete the interview with {name}?"),
        back: format!("/app/interviews/{}", i.id),
        back_label: "Keep the interview".into(),
        lead: format!(
            "The interview ({}) will be deleted for good.",
            status_label(i.status)
        ),
        effects: erased(i.status),
        checkbox: None,
        action: format!("/app/interviews/{}/delete", i.id),
        submit: "Delete the interview",
        danger: true,
    };
    Ok(render(&page))
}

async fn delete(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let detail = load(&state, &user, &raw).await?;
    let id = detail.interview.id;
    removal::delete(&state, user.company(), None, Target::Interview(id)).await?;
    tracing::info!(user = %user.signed_in.user.id, interview = %id, "console: interview deleted");
    Ok(see_other("/app/interviews?done=deleted"))
}

async fn remove_form(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path((raw, job)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let c = candidates::load(&state, &user, &raw).await?;
    let job: JobId = job.parse().map_err(|_| PageError::NotFound)?;
    let job = catalog::job(&state, user.company(), job)
        .await?
        .ok_or(PageError::NotFound)?;
    let query = InterviewQuery {
        candidate_id: Some(c.id),
        job_id: Some(job.id),
        ..Default::default()
    };
    let page = PageRequest {
        page: 1,
        limit: 100,
    };
    let found = console_views::interviews(&state, user.company(), &query, page).await?;
    let name = display_name(&c);
    let mut effects = vec![format!(
        "{} interview{} of {name} for this job {} deleted, each as deleting an interview does:",
        found.total,
        if found.total == 1 { "" } else { "s" },
        if found.total == 1 { "is" } else { "are" },
    )];
    effects.extend(erased(InterviewStatus::Completed).into_iter().take(2));
    effects.push("A running interview goes on until it ends but produces nothing.".into());
    effects.push(format!(
        "{name} is no longer linked to the job. The candidate stays."
    ));
    let page = ConfirmPage {
        chrome: Chrome::of(&state, &user, "candidates").await?,
        title: format!("Remove {name} from {}?", job.title),
        back: format!("/app/candidates/{}", c.id),
        back_label: "Keep them on the job".into(),
        lead: format!("{name} will be taken out of the job “{}”.", job.title),
        effects,
        checkbox: None,
        action: format!("/app/candidates/{}/jobs/{}/remove", c.id, job.id),
        submit: "Remove from the job",
        danger: true,
    };
    Ok(render(&page))
}

async fn remove(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path((raw, job)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let c = candidates::load(&state, &user, &raw).await?;
    let job: JobId = job.parse().map_err(|_| PageError::NotFound)?;
    let job = catalog::job(&state, user.company(), job)
        .await?
        .ok_or(PageError::NotFound)?;
    let ids = [("contact_id", Some(ContactKey::Id(c.id)))];
    match removal::remove_from_opening(&state, user.company(), None, job.id, &ids).await {
        Ok(report) => {
            tracing::info!(user = %user.signed_in.user.id, interviews = report.interviews.len(), "console: removed from job");
            Ok(see_other(&format!("/app/candidates/{}?done=removed", c.id)))
        }
        Err(crate::core::CoreError::NotFound { .. }) => Err(PageError::Conflict(
            "This candidate has no interview for this job, so there is nothing to remove.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}
