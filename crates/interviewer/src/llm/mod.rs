//! The language-model side: configuration, the streaming client, the incremental JSON
//! reader and the interviewer built on them.

pub mod client;
pub mod config;
pub mod extract;
pub mod interviewer;
pub(crate) mod prompts;
