//! What a person who opens an invite link should see ([`Landing`]): the start page of an
//! online interview that can be taken now, or the page of the state it is in. Never an error:
//! a link that names nothing is [`Kind::NotFound`], a database that does not answer is
//! [`Kind::Unavailable`].

use super::Engine;
use crate::store::engine::SessionView;
use chrono::{DateTime, Utc};
use interviewd_domain::{AgentChannel, AttemptStatus, InterviewStatus};

/// Seconds a candidate waits before the page tries again when every slot is taken.
pub const BUSY_RETRY_SECS: u32 = 5;

/// The page of an invite link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landing {
    /// The agent's language code (`EN`), or `EN` when the link names nothing.
    pub language: String,
    /// Whom the candidate may write to: the company's contact address.
    pub contact: Option<String>,
    pub kind: Kind,
}

/// The states a link can be in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An online interview that can be started (or resumed) now.
    Start(Start),
    /// Opens at this time.
    NotOpen {
        opens_at: DateTime<Utc>,
    },
    Revoked,
    Expired,
    /// Unknown or deleted (never which).
    NotFound,
    /// Completed, or otherwise over.
    Finished,
    /// A phone interview: the number (masked) and when the next call is placed.
    Phone {
        phone_masked: Option<String>,
        call_at: Option<DateTime<Utc>>,
    },
    /// Every interview slot of the company is taken; try again in a few seconds.
    Busy,
    /// The database does not answer.
    Unavailable,
}

/// What the start page says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    pub company_name: String,
    pub job_title: Option<String>,
    pub duration_minutes: u32,
    pub question_count: usize,
    /// Both speech engines are configured.
    pub voice_available: bool,
}

/// The page of the invite link `token`.
pub async fn landing(engine: &Engine, token: &str) -> Landing {
    match read(engine, token).await {
        Ok(landing) => landing,
        Err(e) => {
            tracing::warn!(error = %e, "reading an invite link failed");
            Landing {
                language: "EN".into(),
                contact: None,
                kind: Kind::Unavailable,
            }
        }
    }
}

async fn read(engine: &Engine, token: &str) -> Result<Landing, crate::store::StoreError> {
    let Some(view) = engine.store.session_by_token(token).await? else {
        return Ok(Landing {
            language: "EN".into(),
            contact: None,
            kind: Kind::NotFound,
        });
    };
    let interview = &view.interview;
    let company = engine.store.get_company(interview.company_id).await?;
    let contact = company
        .as_ref()
        .and_then(|c| c.owner_email.as_ref())
        .map(|e| e.as_str().to_owned());
    let kind = kind(engine, &view, company.map(|c| c.name), engine.now()).await?;
    Ok(Landing {
        language: view.brief.language.clone(),
        contact,
        kind,
    })
}

async fn kind(
    engine: &Engine,
    view: &SessionView,
    company_name: Option<String>,
    now: DateTime<Utc>,
) -> Result<Kind, crate::store::StoreError> {
    let interview = &view.interview;
    let invite = &interview.invite;
    if invite.revoked_at.is_some() {
        return Ok(Kind::Revoked);
    }
    if invite.expires_at.is_some_and(|at| at <= now) {
        return Ok(Kind::Expired);
    }
    let open = matches!(
        interview.status,
        InterviewStatus::Scheduled | InterviewStatus::InProgress
    );
    if !open || interview.is_test {
        return Ok(Kind::Finished);
    }
    if interview.channel == AgentChannel::Phone {
        return phone(engine, view).await;
    }
    if let Some(opens_at) = invite.starts_at.filter(|at| *at > now) {
        return Ok(Kind::NotOpen { opens_at });
    }
    if view.live.is_none() {
        let slots = engine.store.concurrency(interview.company_id, now).await?;
        if slots.in_use >= slots.limit {
            return Ok(Kind::Busy);
        }
    }
    Ok(Kind::Start(Start {
        company_name: company_name.unwrap_or_default(),
        job_title: Some(view.brief.job_title.clone()).filter(|t| !t.trim().is_empty()),
        duration_minutes: view.brief.duration_minutes.max(1),
        question_count: view
            .live
            .as_ref()
            .map_or(view.brief.questions.len(), |l| l.questions.len()),
        voice_available: engine.models.voice_available(),
    }))
}

/// A phone interview's page: the number, masked, and the next call's time.
async fn phone(engine: &Engine, view: &SessionView) -> Result<Kind, crate::store::StoreError> {
    let interview = &view.interview;
    let detail = engine
        .store
        .get_interview(interview.company_id, interview.id)
        .await?;
    let call_at = detail.as_ref().and_then(|d| {
        d.attempts
            .iter()
            .filter(|a| a.status == AttemptStatus::Scheduled)
            .map(|a| a.scheduled_at)
            .min()
    });
    Ok(Kind::Phone {
        phone_masked: view.phone.as_deref().map(mask_phone),
        call_at,
    })
}

/// A phone number with all but its last four digits hidden: `+1 ••• ••• 0100`.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() <= 4 {
        return "••••".to_owned();
    }
    let last: String = digits[digits.len() - 4..].iter().collect();
    let country = digits.first().copied().unwrap_or('0');
    format!("+{country} ••• ••• {last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_show_only_their_last_four_digits() {
        assert_eq!(mask_phone("+14155550100"), "+1 ••• ••• 0100");
        assert_eq!(mask_phone("+44 20 7946 0958"), "+4 ••• ••• 0958");
        assert_eq!(mask_phone("123"), "••••");
    }
}
