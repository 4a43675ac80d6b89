//! Candidate e-mail: what it says and how it is queued.
//!
//! A write path that must tell a candidate something (an invite created, an invite
//! revoked) builds the mail with [`invite_mail`] or [`revocation_mail`] and commits it in the
//! transaction of its cause, so the mail exists exactly when its cause committed. The mail
//! worker (`workers::mail`) sends it. The texts are plain: a subject and a body.

use crate::store::delivery::{MailKind, NewMail};
use chrono::{DateTime, Utc};
use interviewd_domain::{CompanyId, InterviewId};
use uuid::Uuid;

/// What an invite says.
#[derive(Clone, Debug)]
pub struct Invite<'a> {
    pub candidate_name: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub company_name: &'a str,
    pub invite_link: &'a str,
    /// The link works from this time on.
    pub starts_at: Option<DateTime<Utc>>,
    /// The link stops working at this time.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whom the candidate writes to about the interview or their data.
    pub contact: Option<&'a str>,
}

/// What a revocation notice says.
#[derive(Clone, Debug)]
pub struct Revocation<'a> {
    pub candidate_name: Option<&'a str>,
    pub job_title: Option<&'a str>,
    pub company_name: &'a str,
}

/// A rendered e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// A line of header text: no line breaks or other control characters, trimmed.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn greeting(name: Option<&str>) -> String {
    match name.map(one_line).filter(|n| !n.is_empty()) {
        Some(name) => format!("Hello {name},"),
        None => "Hello,".to_owned(),
    }
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "the Backend Engineer position at Acme", or "a position at Acme".
fn position(job_title: Option<&str>, company: &str) -> String {
    match job_title.map(one_line).filter(|t| !t.is_empty()) {
        Some(title) => format!("the {title} position at {}", one_line(company)),
        None => format!("a position at {}", one_line(company)),
    }
}

/// The interview invite.
pub fn invite(i: &Invite<'_>) -> Rendered {
    let company = one_line(i.company_name);
    let subject = match i.job_title.map(one_line).filter(|t| !t.is_empty()) {
        Some(title) => format!("Your interview for {title} at {company}"),
        None => format!("Your interview with {company}"),
    };
    let mut body = format!(
        "{}\n\nYou are invited to an interview for {}.\n\nStart it here:\n{}\n",
        greeting(i.candidate_name),
        position(i.job_title, i.company_name),
        i.invite_link.trim()
    );
    match (i.starts_at, i.expires_at) {
        (Some(start), Some(end)) => body.push_str(&format!(
            "\nThe link works from {} until {}.\n",
            when(start),
            when(end)
        )),
        (Some(start), None) => body.push_str(&format!("\nThe link works from {}.\n", when(start))),
        (None, Some(end)) => body.push_str(&format!("\nThe link works until {}.\n", when(end))),
        (None, None) => {}
    }
    body.push_str(&format!(
        "\nAbout this interview: your interviewer is an AI. An automated interviewer asks the \
         questions, and {company} reviews your answers and an automated summary of them. The \
         interview is recorded (the transcript, and the audio when you answer by voice) and \
         kept by {company}.\n"
    ));
    match i.contact.map(one_line).filter(|c| !c.is_empty()) {
        Some(contact) => body.push_str(&format!(
            "Questions about the interview or your data: {contact}\n"
        )),
        None => body.push_str(&format!(
            "Questions about the interview or your data: please contact {company}.\n"
        )),
    }
    body.push_str(&format!("\nGood luck!\n{company}\n"));
    Rendered { subject, body }
}

/// The notice that an invite was revoked.
pub fn revocation(r: &Revocation<'_>) -> Rendered {
    let company = one_line(r.company_name);
    let subject = format!("Your interview invitation from {company} was withdrawn");
    let body = format!(
        "{}\n\nYour invitation to interview for {} has been withdrawn, and its link no longer \
         works.\n\nIf you have questions, please contact {company}.\n\n{company}\n",
        greeting(r.candidate_name),
        position(r.job_title, r.company_name),
    );
    Rendered { subject, body }
}

/// An invite e-mail to queue for `to`.
pub fn invite_mail(
    company: CompanyId,
    interview: InterviewId,
    to: &str,
    content: &Invite<'_>,
    now: DateTime<Utc>,
) -> NewMail {
    let rendered = invite(content);
    new_mail(company, interview, MailKind::Invite, to, rendered, now)
}

/// A revocation notice to queue for `to`.
pub fn revocation_mail(
    company: CompanyId,
    interview: InterviewId,
    to: &str,
    notice: &Revocation<'_>,
    now: DateTime<Utc>,
) -> NewMail {
    let rendered = revocation(notice);
    new_mail(
        company,
        interview,
        MailKind::RevocationNotice,
        to,
        rendered,
        now,
    )
}

fn new_mail(
    company: CompanyId,
    interview: InterviewId,
    kind: MailKind,
    to: &str,
    rendered: Rendered,
    now: DateTime<Utc>,
) -> NewMail {
    NewMail {
        id: Uuid::now_v7(),
        company_id: Some(company),
        interview_id: Some(interview),
        kind,
        to: to.trim().to_owned(),
        subject: rendered.subject,
        body: rendered.body,
        created_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn invite_names_everything() {
        let start = Utc.with_ymd_and_hms(2026, 1, 2, 9, 0, 0).unwrap();
        let mail = invite(&Invite {
            candidate_name: Some("Ann Lee"),
            job_title: Some("Backend Engineer"),
            company_name: "Acme",
            invite_link: "https://jobs.example/i/abc",
            starts_at: Some(start),
            expires_at: None,
            contact: Some("jobs@acme.example"),
        });
        assert_eq!(mail.subject, "Your interview for Backend Engineer at Acme");
        assert!(
            mail.body.contains("your interviewer is an AI"),
            "{}",
            mail.body
        );
        assert!(mail.body.contains("The interview is recorded"));
        assert!(
            mail.body
                .contains("Questions about the interview or your data: jobs@acme.example")
        );
        assert!(mail.body.starts_with("Hello Ann Lee,"));
        assert!(mail.body.contains("the Backend Engineer position at Acme"));
        assert!(mail.body.contains("\nhttps://jobs.example/i/abc\n"));
        assert!(mail.body.contains("works from 2026-01-02 09:00 UTC."));
    }

    #[test]
    fn header_text_cannot_break_lines() {
        let mail = invite(&Invite {
            candidate_name: None,
            job_title: Some("Dev\r\nBcc: x@example.com"),
            company_name: "Acme\n",
            invite_link: "l",
            starts_at: None,
            expires_at: None,
            contact: None,
        });
        assert_eq!(
            mail.subject,
            "Your interview for Dev Bcc: x@example.com at Acme"
        );
        assert!(mail.body.starts_with("Hello,"));
    }

    #[test]
    fn revocation_says_withdrawn() {
        let mail = revocation(&Revocation {
            candidate_name: Some("Ann"),
            job_title: None,
            company_name: "Acme",
        });
        assert_eq!(
            mail.subject,
            "Your interview invitation from Acme was withdrawn"
        );
        assert!(mail.body.contains("a position at Acme has been withdrawn"));
    }
}
