//! One error type for the crate, so the engine can map every speech failure to one place.
//!
//! Messages never contain an API key: URLs are printed without credentials and request
//! headers are never part of a message.

use thiserror::Error;

/// Why a speech operation failed.
#[derive(Debug, Error)]
pub enum SpeechError {
    /// The engine's configuration cannot work (bad base URL, unsupported sample rate, …).
    #[error("invalid speech configuration: {0}")]
    Config(String),
    /// The engine could not be reached, or the connection broke.
    #[error("speech engine at {url} unreachable: {reason}")]
    Unreachable {
        /// The URL that was called.
        url: String,
        /// The transport error, without credentials.
        reason: String,
    },
    /// The engine did not answer within the configured timeout.
    #[error("speech engine at {url} timed out")]
    Timeout {
        /// The URL that was called.
        url: String,
    },
    /// The engine answered with a non-success status.
    #[error("speech engine at {url} answered {status}: {body}")]
    Status {
        /// The URL that was called.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the response body, for the log.
        body: String,
    },
    /// The engine answered 2xx, but with something this crate cannot read.
    #[error("speech engine at {url} sent an unreadable response: {reason}")]
    BadResponse {
        /// The URL that was called.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// Audio could not be decoded, encoded or resampled.
    #[error("audio: {0}")]
    Audio(String),
    /// A recording could not be written.
    #[error("recording: {0}")]
    Recording(#[from] std::io::Error),
}

impl SpeechError {
    /// Whether trying the same request again later may succeed (the engine was down, slow or
    /// overloaded), as opposed to a request or configuration that is wrong.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::Timeout { .. } => true,
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Config(_) | Self::BadResponse { .. } | Self::Audio(_) | Self::Recording(_) => {
                false
            }
        }
    }
}
