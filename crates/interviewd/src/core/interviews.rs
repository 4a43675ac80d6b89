//! Interviews: scheduled the same way by every surface, and read back.
//!
//! [`schedule`] is the one way an interview comes to be (InstaView `POST /interviews`,
//! Alpharun's import, Xobin's invite, the console): it checks the rules (a phone interview
//! needs a phone number; the candidate is linked to the job), builds the interview row, its
//! first call attempt (phone and test interviews), the `interview.scheduled` event and the
//! invite e-mail, and commits them with any new job, agent or candidate in one transaction
//! ([`crate::store::Store::create_interview`]), under the company's invite quota when asked.

use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::keys;
use crate::core::notices;
use crate::store::events::NewEvent;
use crate::store::{Created, NewInterview};
use chrono::{DateTime, Utc};
use interviewd_domain::events::{self, EventIds};
use interviewd_domain::model::{
    Agent, Attrs, CallAttempt, Candidate, Company, Interview, Invite, Job,
};
use interviewd_domain::views::{InterviewDetail, InterviewReport, Page, StoredAnalysis};
use interviewd_domain::{
    AgentChannel, AttemptId, AttemptStatus, CandidateId, CompanyId, Decision, InterviewId,
    InterviewStatus, JobId, PageRequest,
};

pub use crate::store::InterviewFilter;
pub use crate::store::engine::InterviewResults;
pub use crate::store::xobin::InviteSummary;

/// What the caller decided about a new interview.
pub struct InterviewSpec<'a> {
    pub company: CompanyId,
    pub candidate: CandidateId,
    pub job: Option<JobId>,
    pub agent: &'a Agent,
    pub scheduled_at: DateTime<Utc>,
    pub is_test: bool,
    pub metadata: Attrs,
    pub invite_starts_at: Option<DateTime<Utc>>,
    pub invite_expires_at: Option<DateTime<Utc>>,
    pub custom_field_id: Option<String>,
    pub now: DateTime<Utc>,
}

/// The rows and event of a new interview.
pub struct Planned {
    pub interview: Interview,
    pub first_attempt: Option<CallAttempt>,
    pub event: NewEvent,
}

/// Builds the interview; a phone interview gets its first attempt at `scheduled_at`, a test
/// interview one at once.
pub fn plan(spec: InterviewSpec<'_>) -> Result<Planned, CoreError> {
    let token =
        keys::random_token(24).map_err(|e| CoreError::Internal(format!("random token: {e}")))?;
    let interview = Interview {
        id: InterviewId::new(),
        number: 0,
        company_id: spec.company,
        candidate_id: spec.candidate,
        job_id: spec.job,
        agent_id: spec.agent.id,
        channel: spec.agent.channel,
        status: InterviewStatus::Scheduled,
        scheduled_at: spec.scheduled_at,
        started_at: None,
        finished_at: None,
        is_test: spec.is_test,
        metadata: spec.metadata,
        invite: Invite {
            token,
            sent_at: spec.now,
            starts_at: spec.invite_starts_at,
            expires_at: spec.invite_expires_at,
            revoked_at: None,
            custom_field_id: spec.custom_field_id,
        },
        created_at: spec.now,
        updated_at: spec.now,
    };
    // A test interview gets an attempt on either channel (the engine completes it at once,
    // holding its results); otherwise only phone interviews start with one.
    let is_phone = spec.agent.channel == AgentChannel::Phone;
    let first_attempt = (is_phone || spec.is_test).then(|| CallAttempt {
        id: AttemptId::new(),
        interview_id: interview.id,
        company_id: spec.company,
        status: AttemptStatus::Scheduled,
        direction: if is_phone { "OUTBOUND" } else { "WEB" }.into(),
        reason_code: None,
        notes: None,
        retry_number: 0,
        scheduled_at: if spec.is_test {
            spec.now
        } else {
            spec.scheduled_at
        },
        called_at: None,
        ended_at: None,
        duration_ms: None,
        recording_key: None,
        created_at: spec.now,
        updated_at: spec.now,
    });
    let ids = EventIds {
        company_id: spec.company,
        interview_id: interview.id,
        candidate_id: interview.candidate_id,
        job_id: interview.job_id,
    };
    let event = events::scheduled(
        &ids,
        interview.status.as_str(),
        interview.scheduled_at,
        spec.now,
    );
    Ok(Planned {
        interview,
        first_attempt,
        event,
    })
}

/// The candidate of a new interview, and what is written about them with it.
#[derive(Clone, Debug)]
pub enum CandidateWrite {
    /// An existing candidate, unchanged (linked to the job if not yet).
    Existing(Candidate),
    /// An existing candidate whose changes commit with the interview.
    Changed(Candidate),
    /// A new candidate, created with the interview.
    New(Candidate),
}

impl CandidateWrite {
    /// The candidate as it will be.
    pub fn candidate(&self) -> &Candidate {
        match self {
            Self::Existing(c) | Self::Changed(c) | Self::New(c) => c,
        }
    }
}

/// Everything a surface decides about a new interview.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub company: CompanyId,
    pub candidate: CandidateWrite,
    /// The job it is for (existing, or `new_job`'s id).
    pub job: Option<JobId>,
    /// A job created with the interview.
    pub new_job: Option<Job>,
    pub agent: Agent,
    /// Whether `agent` is created with the interview.
    pub new_agent: bool,
    pub scheduled_at: DateTime<Utc>,
    pub is_test: bool,
    pub metadata: Attrs,
    pub invite_starts_at: Option<DateTime<Utc>>,
    pub invite_expires_at: Option<DateTime<Utc>>,
    pub custom_field_id: Option<String>,
    /// E-mail the invite link to the candidate (online interviews with an e-mail address,
    /// not test interviews). Every dialect sends it unless its request says otherwise
    /// (Xobin's `invite_format: getlink`).
    pub send_invite: bool,
    /// Only within the company plan's invite quota (Xobin invites).
    pub within_quota: bool,
    /// Only when the candidate has no open interview on the job (Alpharun's import).
    pub unless_open_on_job: bool,
}

impl Schedule {
    /// An interview of `candidate` with `agent` at `scheduled_at`, nothing else decided.
    pub fn new(
        company: CompanyId,
        candidate: CandidateWrite,
        agent: Agent,
        scheduled_at: DateTime<Utc>,
    ) -> Self {
        Self {
            company,
            candidate,
            job: None,
            new_job: None,
            agent,
            new_agent: false,
            scheduled_at,
            is_test: false,
            metadata: Attrs::new(),
            invite_starts_at: None,
            invite_expires_at: None,
            custom_field_id: None,
            send_invite: true,
            within_quota: false,
            unless_open_on_job: false,
        }
    }
}

/// What [`schedule`] did.
// A one-shot return value, matched at once: boxing the interview would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Scheduled {
    /// The interview, with its number.
    Created(Interview),
    /// The company's invite quota is used up; nothing was written.
    QuotaExhausted,
    /// The candidate already has an open interview on the job; only the candidate's
    /// changes and link were written.
    AlreadyOpen,
}

/// The interview's link as the candidate opens it.
pub fn invite_link(state: &AppState, interview: &Interview) -> String {
    format!("{}/i/{}", state.config.public_url(), interview.invite.token)
}

/// Schedules an interview: checks the rules, writes everything in one transaction, wakes
/// the workers, and runs a test interview to its end at once.
pub async fn schedule(state: &AppState, mut cmd: Schedule) -> Result<Scheduled, CoreError> {
    if let (Some(job), CandidateWrite::New(c) | CandidateWrite::Changed(c)) =
        (cmd.job, &mut cmd.candidate)
    {
        c.link_job(job);
    }
    let candidate = cmd.candidate.candidate();
    if cmd.agent.channel == AgentChannel::Phone && candidate.phone.is_none() {
        return Err(CoreError::invalid(
            "candidate.phoneNumber",
            "a phone interview needs a candidate with a phone number",
        ));
    }
    let now = state.now();
    let planned = plan(InterviewSpec {
        company: cmd.company,
        candidate: candidate.id,
        job: cmd.job,
        agent: &cmd.agent,
        scheduled_at: cmd.scheduled_at,
        is_test: cmd.is_test,
        metadata: cmd.metadata.clone(),
        invite_starts_at: cmd.invite_starts_at,
        invite_expires_at: cmd.invite_expires_at,
        custom_field_id: cmd.custom_field_id.clone(),
        now,
    })?;
    let company = company_of(state, cmd.company).await?;
    let online = cmd.agent.channel == interviewd_domain::AgentChannel::Online && !cmd.is_test;
    let mail = match (cmd.send_invite && online, candidate.email.as_ref()) {
        (true, Some(to)) => {
            Some(invite_mail(state, &company, &cmd, &planned.interview, to.as_str()).await?)
        }
        _ => None,
    };
    let plan = write_plan(&cmd, planned, mail, &company);
    let created = state.store.create_interview(&plan).await?;
    let interview = match created {
        Created::Interview(interview) => interview,
        Created::QuotaExhausted => return Ok(Scheduled::QuotaExhausted),
        Created::AlreadyOpen => return Ok(Scheduled::AlreadyOpen),
    };
    if plan.mail.is_some() {
        state.wakers.mail();
    }
    state.wakers.webhooks();
    if interview.is_test {
        // On failure the dispatcher completes it later; the interview exists either way.
        if let Err(e) = super::engine::run_test_interview(&state.engine, interview.id).await {
            tracing::warn!(error = %e, "running a test interview failed");
        }
    } else {
        state.wakers.engine();
    }
    Ok(Scheduled::Created(interview))
}

/// The rows of a schedule.
fn write_plan(
    cmd: &Schedule,
    planned: Planned,
    mail: Option<crate::store::delivery::NewMail>,
    company: &Company,
) -> NewInterview {
    let (new_candidate, changed_candidate) = match &cmd.candidate {
        CandidateWrite::Existing(_) => (None, None),
        CandidateWrite::Changed(c) => (None, Some(c.clone())),
        CandidateWrite::New(c) => (Some(c.clone()), None),
    };
    // A new or changed candidate carries the job among its links already.
    let link = match (&cmd.candidate, cmd.job) {
        (CandidateWrite::Existing(c), Some(job)) if !c.job_ids.contains(&job) => Some((c.id, job)),
        _ => None,
    };
    NewInterview {
        new_job: cmd.new_job.clone(),
        new_agent: cmd.new_agent.then(|| cmd.agent.clone()),
        new_candidate,
        changed_candidate,
        link_candidate_to_job: link,
        interview: planned.interview,
        first_attempt: planned.first_attempt,
        events: vec![planned.event],
        mail,
        quota: cmd
            .within_quota
            .then(|| i64::from(company.plan.invite_quota())),
        unless_open_on_job: cmd.unless_open_on_job,
    }
}

async fn company_of(state: &AppState, id: CompanyId) -> Result<Company, CoreError> {
    state
        .store
        .get_company(id)
        .await?
        .ok_or_else(|| CoreError::Internal("acting company not found".into()))
}

/// The invite e-mail of a new interview.
async fn invite_mail(
    state: &AppState,
    company: &Company,
    cmd: &Schedule,
    interview: &Interview,
    to: &str,
) -> Result<crate::store::delivery::NewMail, CoreError> {
    let job_title = match (&cmd.new_job, cmd.job) {
        (Some(job), _) => Some(job.title.clone()),
        (None, Some(id)) => state.store.get_job(cmd.company, id).await?.map(|j| j.title),
        (None, None) => None,
    };
    let name = super::candidates::full_name(cmd.candidate.candidate());
    let link = invite_link(state, interview);
    let content = notices::Invite {
        candidate_name: name.as_deref(),
        job_title: job_title.as_deref(),
        company_name: &company.name,
        invite_link: &link,
        starts_at: cmd.invite_starts_at,
        expires_at: cmd.invite_expires_at,
        contact: company.owner_email.as_ref().map(|e| e.as_str()),
    };
    Ok(notices::invite_mail(
        cmd.company,
        interview.id,
        to,
        &content,
        state.now(),
    ))
}

/// One interview of the company, with its attempts.
pub async fn get(
    state: &AppState,
    company: CompanyId,
    id: InterviewId,
) -> Result<Option<InterviewDetail>, CoreError> {
    Ok(state.store.get_interview(company, id).await?)
}

/// The interview numbered `number` (Xobin's `response_id`).
pub async fn by_number(
    state: &AppState,
    company: CompanyId,
    number: i64,
) -> Result<Option<InterviewDetail>, CoreError> {
    Ok(state.store.interview_by_number(company, number).await?)
}

/// The newest interview whose invite carries `custom_field_id`.
pub async fn by_custom_field(
    state: &AppState,
    company: CompanyId,
    custom_field_id: &str,
) -> Result<Option<InterviewDetail>, CoreError> {
    Ok(state
        .store
        .interview_by_custom_field(company, custom_field_id)
        .await?)
}

/// The transcript, analysis and recordings of an interview.
pub async fn results(
    state: &AppState,
    company: CompanyId,
    id: InterviewId,
) -> Result<InterviewResults, CoreError> {
    Ok(state.store.interview_results(company, id).await?)
}

/// The analyses of those of `ids` that have one (a page of a list).
pub async fn analyses_of(
    state: &AppState,
    company: CompanyId,
    ids: &[InterviewId],
) -> Result<std::collections::HashMap<InterviewId, StoredAnalysis>, CoreError> {
    Ok(state
        .store
        .analyses_of(company, ids)
        .await?
        .into_iter()
        .collect())
}

/// A page of the analyses of the company's candidate (of all their interviews), newest first.
pub async fn candidate_analyses(
    state: &AppState,
    company: CompanyId,
    candidate: CandidateId,
    page: PageRequest,
) -> Result<Page<(InterviewId, StoredAnalysis)>, CoreError> {
    Ok(state
        .store
        .candidate_analyses(company, candidate, page)
        .await?)
}

/// A page of the company's interviews.
pub async fn list(
    state: &AppState,
    company: CompanyId,
    filter: &InterviewFilter,
    page: PageRequest,
) -> Result<Page<InterviewDetail>, CoreError> {
    Ok(state.store.list_interviews(company, filter, page).await?)
}

/// Every invite of one job, oldest first.
pub async fn invites_of_job(
    state: &AppState,
    company: CompanyId,
    job: JobId,
) -> Result<Vec<InviteSummary>, CoreError> {
    Ok(state.store.invites_of_job(company, job).await?)
}

/// Whether the candidate has a SCHEDULED or IN_PROGRESS interview on the job.
pub async fn has_open_interview(
    state: &AppState,
    company: CompanyId,
    candidate: CandidateId,
    job: JobId,
) -> Result<bool, CoreError> {
    let filter = InterviewFilter {
        candidate_id: Some(candidate),
        job_id: Some(job),
        ..Default::default()
    };
    let found = list(
        state,
        company,
        &filter,
        PageRequest {
            page: 1,
            limit: 100,
        },
    )
    .await?;
    Ok(found
        .items
        .iter()
        .any(|d| !d.interview.status.is_terminal()))
}

/// The report of an interview: its candidate, job and results (read only once COMPLETED,
/// when `with_results` is set, or always).
pub async fn report(
    state: &AppState,
    detail: InterviewDetail,
    with_results: bool,
) -> Result<InterviewReport, CoreError> {
    Ok(report_from(state.store.as_ref(), detail, with_results).await?)
}

/// [`report`], on a store (for the workers).
pub async fn report_from(
    store: &dyn crate::store::Store,
    detail: InterviewDetail,
    with_results: bool,
) -> crate::store::StoreResult<InterviewReport> {
    let i = &detail.interview;
    // A deleted job or candidate still names the interview's subject (InstaView deletes keep
    // the interviews and their association); a deleted candidate's tombstone has no
    // personal data left.
    let job = match i.job_id {
        Some(id) => store.job_any(i.company_id, id).await?,
        None => None,
    };
    let candidate = store.candidate_any(i.company_id, i.candidate_id).await?;
    let results = if with_results {
        store.interview_results(i.company_id, i.id).await?
    } else {
        InterviewResults::default()
    };
    Ok(InterviewReport {
        detail,
        candidate,
        job,
        results,
    })
}

/// Opens a FAILED online interview of the company again: its link works and the candidate
/// continues where the last session stood. False when the interview is not a failed online
/// one (or its invite was revoked).
pub async fn reopen(
    state: &AppState,
    company: CompanyId,
    id: InterviewId,
) -> Result<bool, CoreError> {
    Ok(state.store.reopen_online(company, id, state.now()).await?)
}

pub use crate::store::console::{Decided, StoredDecision};

/// Records a console user's decision on an interview of the company — advance or reject,
/// at any time, changeable — and sends `interview.advanced` / `interview.rejected` when it
/// changes what was decided. Deciding the same again writes and sends nothing.
pub async fn decide(
    state: &AppState,
    company: CompanyId,
    id: InterviewId,
    decision: Decision,
    user: uuid::Uuid,
) -> Result<Decided, CoreError> {
    let decided = state
        .store
        .decide(company, id, decision, user, state.now())
        .await?;
    if decided == Decided::Made {
        state.wakers.webhooks();
    }
    Ok(decided)
}

/// The decision on an interview of the company, if one was made.
pub async fn decision(
    state: &AppState,
    company: CompanyId,
    id: InterviewId,
) -> Result<Option<StoredDecision>, CoreError> {
    Ok(state.store.decision(company, id).await?)
}
