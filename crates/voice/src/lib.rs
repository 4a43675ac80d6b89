//! The voice side of interviewd: how a call attempt becomes a conversation.
//!
//! - [`VoiceProvider`] is the seam the engine calls: one method that places a call, reports
//!   when it is answered, and resolves to a [`CallOutcome`]. Providers are stored as
//!   `Arc<dyn VoiceProvider>`.
//! - [`Simulator`] is the built-in, default provider. It needs no network and is fully
//!   deterministic: the same [`CallRequest`] always yields byte-identical turns and recording.
//! - [`wav`] writes and checks the recordings (PCM 16-bit mono, 8000 Hz).
//! - [`analysis`] is the built-in deterministic scorer run after a completed call.
//!
//! # Simulator test numbers
//!
//! The last four digits of the E.164 number decide what the simulator does, so every way a
//! session can end is reachable from a test or a demo:
//!
//! | number ends in | outcome |
//! |---|---|
//! | `9990` | [`CallOutcome::NoAnswer`] |
//! | `9991` | [`CallOutcome::Busy`] |
//! | `9992` | [`CallOutcome::Failed`] with reason `provider_error` |
//! | `9993` | answers, then stays on the line until the cancel token fires; then [`CallOutcome::Canceled`] |
//! | anything else | answers and completes: [`CallOutcome::Completed`] |
//!
//! For example `+14155559990` never answers and `+14155550100` completes. The same table is
//! available in code as [`TestNumber`] and [`TEST_NUMBERS`].

pub mod analysis;
mod provider;
mod simulator;
mod text;
pub mod wav;

pub use provider::{
    AgentLine, BoxFuture, CallOutcome, CallRequest, Conversation, Dialogue, Role, Turn,
    VoiceProvider,
};
pub use simulator::{
    DEFAULT_QUESTIONS, MAX_EXCHANGES, Simulator, TEST_NUMBERS, TURN_GAP_MS, TestNumber,
};
