//! Per-company numbers: the integer ids of the Xobin dialect (`response_id`, `candidate_id`,
//! `ai_interview_id`) and the `number` of every job, agent, candidate and interview.
//!
//! Each company counts its own rows of each kind from 1 in `company_numbers`. The counter is
//! raised in the transaction of the insert, so a number is issued exactly when its row is
//! committed, is never issued again (a delete leaves the counter where it is, a crash rolls
//! back the counter with the row), and tells a company nothing about any other. On
//! PostgreSQL the raise locks the company's counter row until commit, so one company's
//! inserts take their numbers one after the other; other companies never wait.

use super::Conn;
use crate::store::StoreResult;
use interviewd_domain::CompanyId;

/// What is numbered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbered {
    Job,
    Agent,
    Candidate,
    Interview,
}

impl Numbered {
    /// The statement that raises this kind's counter and returns the new value.
    fn statement(self) -> &'static str {
        macro_rules! raise {
            ($column:literal) => {
                concat!(
                    "INSERT INTO company_numbers (company_id, ",
                    $column,
                    ") VALUES ($1, 1) ON CONFLICT (company_id) DO UPDATE SET ",
                    $column,
                    " = company_numbers.",
                    $column,
                    " + 1 RETURNING ",
                    $column
                )
            };
        }
        match self {
            Self::Job => raise!("jobs"),
            Self::Agent => raise!("agents"),
            Self::Candidate => raise!("candidates"),
            Self::Interview => raise!("interviews"),
        }
    }
}

/// The next number of `kind` in `company`, inside the caller's transaction.
pub async fn next(conn: &mut Conn, company: CompanyId, kind: Numbered) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(kind.statement())
        .bind(company.uuid())
        .fetch_one(conn)
        .await?)
}
