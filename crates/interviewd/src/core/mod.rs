//! The use cases: one function per operation, taking typed commands and returning domain
//! values, called by every surface (the three API dialects, the candidate's page, the
//! console, the admin commands) and by the workers. No HTTP and no wire shapes here; a rule
//! of the product is written once, in this module or below it in `interviewd_domain`.

pub mod auth;
pub mod calls;
pub mod candidates;
pub mod carrier;
pub mod catalog;
pub mod companies;
pub mod company_keys;
pub mod console_views;
pub mod engine;
pub mod error;
pub mod event_catalogue;
pub mod idempotency;
pub mod interactions;
pub mod interviews;
pub mod job_pages;
pub mod keys;
pub mod links;
pub mod notices;
pub mod openings;
pub mod ops;
pub mod plans;
pub mod removal;
pub mod reports;
pub mod users;
pub mod validate;
pub mod webhook_settings;
pub mod webhooks;

pub use error::CoreError;
