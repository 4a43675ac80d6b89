//! `GET/POST /app/candidates/import`: candidates from a CSV file (uploaded or pasted). Every
//! row is checked first — its fields, duplicates within the file, and candidates who already
//! exist — and the failures are reported by line. Only a file without failures is imported,
//! so fixing the file and sending it again never creates anyone twice.

use super::candidates::Fields;
use super::errors::PageError;
use super::interviews::{Choice, job_choices};
use super::page::{Chrome, render, render_status};
use super::session::User;
use crate::app::AppState;
use crate::core::candidates::{self, ContactKey};
use crate::core::error::CoreError;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use interviewd_domain::model::Candidate;
use interviewd_domain::{CompanyId, JobId};
use std::collections::HashSet;

/// Most rows one import takes.
const MAX_ROWS: usize = 2000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/app/candidates/import", get(form).post(import))
}

/// A row that cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line of the file (the header is line 1).
    pub line: u64,
    pub message: String,
}

/// Which column holds which field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    First,
    Last,
    Full,
    Email,
    Phone,
    External,
    Ignored,
}

fn column(header: &str) -> Column {
    let h: String = header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match h.as_str() {
        "firstname" | "givenname" | "first" => Column::First,
        "lastname" | "surname" | "familyname" | "last" => Column::Last,
        "name" | "fullname" => Column::Full,
        "email" | "emailaddress" | "mail" => Column::Email,
        "phone" | "phonenumber" | "mobile" | "tel" | "telephone" => Column::Phone,
        "externalid" | "extid" | "reference" => Column::External,
        _ => Column::Ignored,
    }
}

/// The rows of a CSV text with their line numbers, or why the file as a whole is unusable.
pub fn parse(text: &str) -> Result<Vec<(u64, Fields)>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("The first line could not be read: {e}"))?;
    let columns: Vec<Column> = headers.iter().map(column).collect();
    if !columns
        .iter()
        .any(|c| matches!(c, Column::Email | Column::Phone))
    {
        return Err(
            "The first line must name the columns, with an “email” or a “phone” column.".into(),
        );
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("The file is not valid CSV: {e}"))?;
        // The line of the file, blank lines included (the reader's own count skips them).
        let line = record.position().map_or(0, |p| {
            let bytes = text.as_bytes();
            let mut at = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            // The position may be where the skipped blank lines began.
            while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
                at += 1;
            }
            1 + bytes[..at].iter().filter(|b| **b == b'\n').count() as u64
        });
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(format!("A file may hold at most {MAX_ROWS} candidates."));
        }
        let mut f = Fields::default();
        for (value, col) in record.iter().zip(&columns) {
            let value = value.to_owned();
            match col {
                Column::First => f.first_name = value,
                Column::Last => f.last_name = value,
                Column::Full => {
                    let (first, last) = candidates::split_name(&value);
                    f.first_name = first.unwrap_or_default();
                    f.last_name = last.unwrap_or_default();
                }
                Column::Email => f.email = value,
                Column::Phone => f.phone = value,
                Column::External => f.external_id = value,
                Column::Ignored => {}
            }
        }
        rows.push((line, f));
    }
    if rows.is_empty() {
        return Err("The file has no candidates below its first line.".into());
    }
    Ok(rows)
}

/// Checks every row; the candidates to create, or the failures.
async fn check(
    state: &AppState,
    company: CompanyId,
    job: Option<JobId>,
    rows: &[(u64, Fields)],
) -> Result<Result<Vec<Candidate>, Vec<RowError>>, CoreError> {
    let now = state.now();
    let mut seen = HashSet::new();
    let (mut ok, mut errors) = (Vec::new(), Vec::new());
    for (line, fields) in rows {
        let fail = |message: String| RowError {
            line: *line,
            message,
        };
        let mut c = match fields.into_candidate(company, now) {
            Ok(c) => c,
            Err(e) => {
                errors.push(fail(e.to_string()));
                continue;
            }
        };
        let keys = [
            c.email.clone().map(|e| ("e-mail", ContactKey::Email(e))),
            c.phone
                .clone()
                .map(|p| ("phone number", ContactKey::Phone(p))),
            c.ext_id
                .clone()
                .map(|x| ("external id", ContactKey::ExtId(x))),
        ];
        let mut problem = None;
        for (what, key) in keys.into_iter().flatten() {
            if !seen.insert(format!("{key:?}")) {
                problem = Some(format!("The same {what} is on an earlier line."));
            } else if candidates::find(state, company, &key).await?.is_some() {
                problem = Some(format!("A candidate with this {what} already exists."));
            }
            if problem.is_some() {
                break;
            }
        }
        match problem {
            Some(p) => errors.push(fail(p)),
            None => {
                if let Some(job) = job {
                    c.link_job(job);
                }
                ok.push(c);
            }
        }
    }
    Ok(if errors.is_empty() {
        Ok(ok)
    } else {
        Err(errors)
    })
}

#[derive(Template)]
#[template(path = "console/import.html")]
struct ImportPage {
    chrome: Chrome,
    jobs: Vec<Choice>,
    text: String,
    problem: Option<String>,
    errors: Vec<RowError>,
    rows: usize,
    imported: Option<usize>,
}

async fn form(State(state): State<AppState>, user: User) -> Result<Response, PageError> {
    let page = ImportPage {
        chrome: Chrome::of(&state, &user, "candidates").await?,
        jobs: job_choices(&state, user.company(), "").await?,
        text: String::new(),
        problem: None,
        errors: Vec::new(),
        rows: 0,
        imported: None,
    };
    Ok(render(&page))
}

/// The fields of the import form: the job, and the CSV text (the file, else the pasted text).
async fn read_form(mut form: Multipart) -> Result<(String, String), PageError> {
    let bad = |_| PageError::BadRequest("The form could not be read.".into());
    let (mut job, mut file, mut pasted) = (String::new(), String::new(), String::new());
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field.bytes().await.map_err(bad)?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| PageError::BadRequest("The file must be UTF-8 text.".into()))?;
        match name.as_str() {
            "job" => job = text,
            "file" => file = text,
            "text" => pasted = text,
            _ => {}
        }
    }
    let csv = if file.trim().is_empty() { pasted } else { file };
    Ok((job, csv))
}

async fn import(
    State(state): State<AppState>,
    user: User,
    form: Multipart,
) -> Result<Response, PageError> {
    let company = user.company();
    let (job_raw, text) = read_form(form).await?;
    let job = match job_raw.trim() {
        "" => None,
        raw => {
            let id = raw
                .parse::<JobId>()
                .map_err(|_| PageError::BadRequest("Choose a job from the list.".into()))?;
            Some(candidates::company_job(&state, company, id).await?)
        }
    };
    let mut page = ImportPage {
        chrome: Chrome::of(&state, &user, "candidates").await?,
        jobs: job_choices(&state, company, job_raw.trim()).await?,
        text: String::new(),
        problem: None,
        errors: Vec::new(),
        rows: 0,
        imported: None,
    };
    let rows = match parse(&text) {
        Ok(rows) => rows,
        Err(problem) => {
            page.problem = Some(problem);
            page.text = text;
            return Ok(render_status(StatusCode::BAD_REQUEST, &page));
        }
    };
    page.rows = rows.len();
    match check(&state, company, job, &rows).await? {
        Err(errors) => {
            page.errors = errors;
            page.text = text;
            Ok(render_status(StatusCode::BAD_REQUEST, &page))
        }
        Ok(new) => {
            for c in &new {
                candidates::create(&state, c).await?;
            }
            tracing::info!(user = %user.signed_in.user.id, count = new.len(), "console: candidates imported");
            page.imported = Some(new.len());
            Ok(render(&page))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn columns_are_recognised_and_lines_counted() {
        let csv = "\u{feff}First Name,Last name,E-mail,Phone Number,notes\n\
                   Ann,Lee,ann@example.com,+14155550100,\"likes, commas\"\n\
                   \n\
                   \"Bo \"\"B\"\"\",,bo@example.com,,\n";
        let rows = parse(csv).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.email, "ann@example.com");
        assert_eq!(rows[1].0, 4);
        assert_eq!(rows[1].1.first_name, "Bo \"B\"");
        let full = parse("name,email\nAnn van Lee,a@x.io\n").unwrap_or_default();
        assert_eq!(full[0].1.last_name, "van Lee");
        assert!(
            parse("first,last\nAnn,Lee\n").is_err(),
            "no e-mail or phone column"
        );
        assert!(parse("email\n").is_err(), "no rows");
    }
}
