//! Jobs and agents (InstaView jobs and agents, Alpharun job openings and job types, Xobin AI
//! interviews), created and changed the same way by every surface. A job may have an agent
//! of its own ([`Job::agent_id`]): an Alpharun opening's job type, a Xobin AI interview's
//! generated plan.

use super::CoreError;
use crate::app::AppState;
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::views::Page;
use interviewd_domain::{AgentId, CompanyId, JobId, PageRequest};

pub use crate::store::JobFilter;

/// One job of the company.
pub async fn job(
    state: &AppState,
    company: CompanyId,
    id: JobId,
) -> Result<Option<Job>, CoreError> {
    Ok(state.store.get_job(company, id).await?)
}

/// The job numbered `number` (a Xobin `ai_interview_id`).
pub async fn job_by_number(
    state: &AppState,
    company: CompanyId,
    number: i64,
) -> Result<Option<Job>, CoreError> {
    Ok(state.store.job_by_number(company, number).await?)
}

/// A page of the company's jobs.
pub async fn jobs(
    state: &AppState,
    company: CompanyId,
    filter: &JobFilter,
    page: PageRequest,
) -> Result<Page<Job>, CoreError> {
    Ok(state.store.list_jobs(company, filter, page).await?)
}

/// Stores a new job.
pub async fn create_job(state: &AppState, job: &Job) -> Result<Job, CoreError> {
    Ok(state.store.insert_job(job).await?)
}

/// Stores a changed job.
pub async fn update_job(state: &AppState, job: &mut Job) -> Result<(), CoreError> {
    job.updated_at = state.now();
    Ok(state.store.update_job(job).await?)
}

/// Creates a job interviewed for by `agent`, the agent too when `new_agent`, in one
/// transaction.
pub async fn create_job_with_agent(
    state: &AppState,
    mut job: Job,
    agent: &Agent,
    new_agent: bool,
) -> Result<Job, CoreError> {
    job.agent_id = Some(agent.id);
    Ok(state
        .store
        .create_job_with_agent(&job, new_agent.then_some(agent))
        .await?)
}

/// One live agent of the company.
pub async fn agent(
    state: &AppState,
    company: CompanyId,
    id: AgentId,
) -> Result<Option<Agent>, CoreError> {
    Ok(state.store.get_agent(company, id).await?)
}

/// A page of the company's live agents.
pub async fn agents(
    state: &AppState,
    company: CompanyId,
    page: PageRequest,
) -> Result<Page<Agent>, CoreError> {
    Ok(state.store.list_agents(company, page).await?)
}

/// Stores a new agent.
pub async fn create_agent(state: &AppState, agent: &Agent) -> Result<Agent, CoreError> {
    Ok(state.store.insert_agent(agent).await?)
}

/// Stores a changed agent.
pub async fn update_agent(state: &AppState, agent: &mut Agent) -> Result<(), CoreError> {
    agent.updated_at = state.now();
    Ok(state.store.update_agent(agent).await?)
}

/// Hides an agent from reads; interviews that use it keep working. `NotFound` when unknown.
pub async fn delete_agent(
    state: &AppState,
    company: CompanyId,
    id: AgentId,
) -> Result<(), CoreError> {
    if state.store.delete_agent(company, id, state.now()).await? {
        Ok(())
    } else {
        Err(CoreError::not_found("agent", id))
    }
}

/// Checks that no other live agent of the company has `name` (Alpharun job-type names are
/// unique in a company).
pub async fn agent_name_is_free(
    state: &AppState,
    company: CompanyId,
    name: &str,
    except: AgentId,
) -> Result<(), CoreError> {
    match state.store.agent_by_name(company, name).await? {
        Some(other) if other.id != except => Err(CoreError::invalid(
            "name",
            "a job type with this name already exists",
        )),
        _ => Ok(()),
    }
}

/// The agent that interviews for `job`: `NotFound` (as `resource`) when the job has none or
/// it was deleted.
pub async fn agent_of(
    state: &AppState,
    job: &Job,
    resource: &'static str,
) -> Result<Agent, CoreError> {
    let missing = || CoreError::not_found(resource, job.id);
    let id = job.agent_id.ok_or_else(missing)?;
    state
        .store
        .get_agent(job.company_id, id)
        .await?
        .ok_or_else(missing)
}

/// The job numbered `number` and its agent — a Xobin AI interview. A job without a live
/// agent of its own is not one: `NotFound`.
pub async fn ai_interview(
    state: &AppState,
    company: CompanyId,
    number: i64,
) -> Result<(Job, Agent), CoreError> {
    let job = job_by_number(state, company, number)
        .await?
        .ok_or_else(|| CoreError::not_found("AI interview", number))?;
    let agent = agent_of(state, &job, "AI interview").await?;
    Ok((job, agent))
}
