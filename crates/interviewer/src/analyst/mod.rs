//! The analyst seam: a finished transcript in, an [`Analysis`] out.
//!
//! [`BuiltinAnalyst`] is the deterministic scorer of `interviewd-voice`; [`LlmAnalyst`] asks a
//! model and lets code have the last word: the answer must match its schema, every evidence
//! quote must occur in the candidate's own turns, scores are capped when the candidate barely
//! took part or no quote survives, one retry explains what was wrong, and after that the
//! built-in scorer answers. Like the interviewer, the trait returns a boxed future so it can be
//! held as `Arc<dyn Analyst>`, and [`Analyst::analyse`] always returns an analysis.

mod llm;
mod prompts;
mod validate;

use interviewd_voice::BoxFuture;
use interviewd_voice::analysis::{Analysis, AnalysisInput, analyse};

use crate::plan::Context;

pub use llm::{AnalystError, LlmAnalyst};
pub use validate::{MIN_PARTICIPATION_WORDS, filter_quote, looks_like_instructions};

/// Something that judges a finished interview.
pub trait Analyst: Send + Sync {
    /// The analysis of the interview in `input`, for the job and agent in `context`.
    fn analyse<'a>(
        &'a self,
        context: &'a Context,
        input: &'a AnalysisInput,
    ) -> BoxFuture<'a, Analysis>;

    /// One line for logs and `interviewd doctor`: which analyst this is.
    fn describe(&self) -> String;
}

/// The built-in deterministic scorer ([`interviewd_voice::analysis::analyse`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct BuiltinAnalyst;

impl Analyst for BuiltinAnalyst {
    fn analyse<'a>(
        &'a self,
        _context: &'a Context,
        input: &'a AnalysisInput,
    ) -> BoxFuture<'a, Analysis> {
        Box::pin(std::future::ready(analyse(input)))
    }

    fn describe(&self) -> String {
        "built-in scorer".to_owned()
    }
}
