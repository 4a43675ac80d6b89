//! Reads the recruiter console shows and no API dialect needs: the overview of a company's
//! interviews, the filtered interview list with names and titles, and the webhook messages
//! about one interview. Each is scoped by the signed-in user's company.

use crate::app::AppState;
use crate::core::error::CoreError;
use chrono::{DateTime, Days, Utc};
use interviewd_domain::views::Page;
use interviewd_domain::{CompanyId, InterviewId, InterviewStatus, PageRequest};

pub use crate::store::console::{InterviewDelivery, InterviewLine, InterviewQuery, QueuedCall};
pub use crate::store::engine::Concurrency;

/// Rows each list of the overview shows at most.
const OVERVIEW_ROWS: u32 = 10;

/// What the overview shows.
#[derive(Clone, Debug)]
pub struct Overview {
    /// Interviews per status, in the order of [`STATUSES`], zeros included.
    pub counts: Vec<(InterviewStatus, i64)>,
    /// Interviews scheduled today (UTC), earliest first.
    pub today: Page<InterviewLine>,
    /// SCHEDULED interviews after today, earliest first.
    pub upcoming: Page<InterviewLine>,
    /// IN_PROGRESS interviews.
    pub live: Page<InterviewLine>,
    pub concurrency: Concurrency,
    /// Calls whose time has come, waiting for a slot.
    pub queue: Vec<QueuedCall>,
}

/// Every interview status, in the order a person reads them.
pub const STATUSES: [InterviewStatus; 5] = [
    InterviewStatus::Scheduled,
    InterviewStatus::InProgress,
    InterviewStatus::Completed,
    InterviewStatus::Failed,
    InterviewStatus::Canceled,
];

/// Midnight UTC at the start of `now`'s day.
pub fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now)
}

/// The company's overview at `state.now()`.
pub async fn overview(state: &AppState, company: CompanyId) -> Result<Overview, CoreError> {
    let now = state.now();
    let store = &state.store;
    let stored = store.interview_counts(company).await?;
    let counts = STATUSES
        .iter()
        .map(|s| {
            let n = stored.iter().find(|(st, _)| st == s).map_or(0, |(_, n)| *n);
            (*s, n)
        })
        .collect();
    let today_start = start_of_day(now);
    let tomorrow = today_start
        .checked_add_days(Days::new(1))
        .unwrap_or(today_start);
    let first = PageRequest {
        page: 1,
        limit: OVERVIEW_ROWS,
    };
    let today = InterviewQuery {
        from: Some(today_start),
        until: Some(tomorrow),
        earliest_first: true,
        ..Default::default()
    };
    let upcoming = InterviewQuery {
        status: Some(InterviewStatus::Scheduled),
        from: Some(tomorrow),
        earliest_first: true,
        ..Default::default()
    };
    let live = InterviewQuery {
        status: Some(InterviewStatus::InProgress),
        ..Default::default()
    };
    Ok(Overview {
        counts,
        today: store.interview_lines(company, &today, first).await?,
        upcoming: store.interview_lines(company, &upcoming, first).await?,
        live: store.interview_lines(company, &live, first).await?,
        concurrency: store.concurrency(company, now).await?,
        queue: store.queued_calls(company, now, OVERVIEW_ROWS).await?,
    })
}

/// A page of the company's interviews.
pub async fn interviews(
    state: &AppState,
    company: CompanyId,
    query: &InterviewQuery,
    page: PageRequest,
) -> Result<Page<InterviewLine>, CoreError> {
    Ok(state.store.interview_lines(company, query, page).await?)
}

/// The webhook messages about one interview of the company, newest first.
pub async fn deliveries(
    state: &AppState,
    company: CompanyId,
    interview: InterviewId,
) -> Result<Vec<InterviewDelivery>, CoreError> {
    Ok(state.store.interview_deliveries(company, interview).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_midnight_utc() {
        let t = DateTime::parse_from_rfc3339("2026-12-07T14:30:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let start = t.map(start_of_day).map(|s| s.to_rfc3339());
        assert_eq!(start.as_deref(), Some("2026-12-07T00:00:00+00:00"));
    }
}
