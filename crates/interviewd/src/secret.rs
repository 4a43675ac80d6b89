//! Configuration secrets (the SMTP password, the metrics token, model and carrier keys): a
//! string that `Debug` never prints, so a logged configuration cannot leak one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A secret value that `Debug` prints as `<redacted>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
