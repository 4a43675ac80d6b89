//! Typed identifiers. Every entity has a UUID (v7, time-ordered, so keyset pagination and
//! index locality come for free) and, in storage, a per-deployment integer number that the
//! Xobin dialect uses as its id.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_uuid(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

/// Parses the canonical hyphenated form (or the simple and braced forms that `uuid` accepts).
pub fn parse_uuid(s: &str) -> Result<Uuid, uuid::Error> {
    Uuid::try_parse(s.trim())
}

id_type!(
    /// A tenant.
    CompanyId
);
id_type!(
    /// An API key (its public id; never the secret).
    KeyId
);
id_type!(
    /// A job (InstaView job, Alpharun job opening, Xobin AI interview).
    JobId
);
id_type!(
    /// An AI interviewer configuration (InstaView agent, Alpharun job type).
    AgentId
);
id_type!(
    /// A person (InstaView candidate, Alpharun contact).
    CandidateId
);
id_type!(
    /// One candidate × one job (Xobin response).
    InterviewId
);
id_type!(
    /// One phone call or web session of an interview.
    AttemptId
);
id_type!(
    /// A webhook endpoint.
    WebhookId
);
