//! A job opening's public interview link (`/i/{slug}`, Alpharun's `interview_link`): the
//! application form, and its submission, which creates (or finds) the applicant's interview
//! and sends the browser on to that interview's own link (`303 See Other`). See
//! [`crate::core::openings`].

use super::strings::{self, Strings};
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::openings::{self, Application, Applied, Opening};
use crate::http::assets::asset_version;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "candidate/opening.html")]
struct OpeningPage<'a> {
    lang: &'a str,
    t: &'a Strings,
    asset_version: &'a str,
    company_name: String,
    job_title: String,
    phone: bool,
    contact_email: Option<String>,
    error: Option<String>,
    /// The link's last segment: the form posts to `{slug}/apply`.
    slug: String,
    /// The link was e-mailed to a known contact.
    mailed: bool,
    first_name: String,
    last_name: String,
    email: String,
    phone_number: String,
}

/// The form as sent; every field optional so a missing one is reported, not a 422.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
}

/// The opening page behind `slug`, or `None` when no open opening has that link.
pub async fn page(state: &AppState, slug: &str) -> Option<Response> {
    match openings::by_link(state, slug).await {
        Ok(Some(opening)) => Some(render(
            StatusCode::OK,
            &opening,
            &ApplicationForm::default(),
            Outcome::Form,
        )),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "reading a job opening link failed");
            None
        }
    }
}

/// `POST /i/{slug}/apply`: apply, then go to the interview.
pub async fn apply(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: Result<Form<ApplicationForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Some(opening) = openings::by_link(&state, &slug).await.ok().flatten() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let application = Application {
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
    };
    match openings::apply(&state, &slug, &application).await {
        Ok(Applied::Mailed) => render(
            StatusCode::OK,
            &opening,
            &ApplicationForm::default(),
            Outcome::Mailed,
        ),
        Ok(Applied::Start(link)) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&link) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            response
        }
        Err(CoreError::Validation { message, .. }) => render(
            StatusCode::BAD_REQUEST,
            &opening,
            &form,
            Outcome::Error(message),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "applying to a job opening failed");
            let message = "the interview could not be created; please try again".to_owned();
            render(
                StatusCode::SERVICE_UNAVAILABLE,
                &opening,
                &form,
                Outcome::Error(message),
            )
        }
    }
}

/// What the page shows besides the opening.
enum Outcome {
    /// The empty form.
    Form,
    /// The form again, with what was wrong.
    Error(String),
    /// The address is a known contact: the link went there by e-mail.
    Mailed,
}

fn render(
    status: StatusCode,
    opening: &Opening,
    form: &ApplicationForm,
    outcome: Outcome,
) -> Response {
    let (error, mailed) = match outcome {
        Outcome::Form => (None, false),
        Outcome::Error(message) => (Some(message), false),
        Outcome::Mailed => (None, true),
    };
    let (lang, t, _) = strings::for_language(&opening.language);
    let page = OpeningPage {
        slug: opening.slug.clone(),
        lang,
        t,
        asset_version: asset_version(),
        company_name: opening.company_name.clone(),
        job_title: opening.job.title.clone(),
        phone: opening.phone,
        contact_email: opening.contact.clone(),
        error,
        mailed,
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        email: form.email.clone(),
        phone_number: form.phone.clone(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering an opening page failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
