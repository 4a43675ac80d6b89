//! The pure core of interviewd: identifiers, validated values (E.164 phones, normalised
//! e-mails), scopes, statuses and plans, and the decisions of the removal operations.
//!
//! Nothing here performs I/O. Storage, HTTP and the engine build on these types, so a
//! rule that lives here holds for every dialect and every backend.

pub mod assets;
pub mod contact;
pub mod events;
pub mod ids;
pub mod language;
pub mod model;
pub mod page;
pub mod rating;
pub mod removal;
pub mod scope;
pub mod status;
pub mod time;
pub mod views;

pub use contact::{Email, ExtId, InvalidValue, PhoneNumber};
pub use ids::{AgentId, AttemptId, CandidateId, CompanyId, InterviewId, JobId, KeyId, WebhookId};
pub use page::PageRequest;
pub use scope::{Scope, ScopeSet};
pub use status::{AgentChannel, AttemptStatus, Decision, InterviewStatus, Plan};
