//! Statuses, channels and plans, with the vendor spellings each accepts.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $wire:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                #[serde(rename = $wire $(, alias = $alias)*)]
                $variant
            ),+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical wire and storage spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.trim();
                $(
                    if s.eq_ignore_ascii_case($wire) $(|| s.eq_ignore_ascii_case($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                Err(format!(
                    "`{}` is not one of {}",
                    s,
                    [$($wire),+].join(", ")
                ))
            }
        }
    };
}

wire_enum!(
    /// Interview lifecycle: `SCHEDULED → IN_PROGRESS → COMPLETED | FAILED`, `SCHEDULED → CANCELED`.
    /// `CANCELLED` is accepted as a spelling of `CANCELED`.
    InterviewStatus {
        Scheduled => "SCHEDULED",
        InProgress => "IN_PROGRESS",
        Completed => "COMPLETED",
        Failed => "FAILED",
        Canceled => "CANCELED" | "CANCELLED",
    }
);

impl InterviewStatus {
    /// Whether no further transition can happen.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled)
    }
}

wire_enum!(
    /// A recruiter's decision on an interview, made in the console after reading it (Alpharun's
    /// `interview.advanced` / `interview.rejected`). It can be changed; it goes with the
    /// interview.
    Decision {
        Advanced => "ADVANCED",
        Rejected => "REJECTED",
    }
);

wire_enum!(
    /// Call-attempt lifecycle. `CANCELED` is accepted as a spelling of `CANCELLED`.
    AttemptStatus {
        Scheduled => "SCHEDULED",
        InProgress => "IN_PROGRESS",
        Completed => "COMPLETED",
        Failed => "FAILED",
        Cancelled => "CANCELLED" | "CANCELED",
    }
);

wire_enum!(
    /// How the AI interviewer reaches the candidate.
    AgentChannel {
        Phone => "PHONE",
        Online => "ONLINE",
    }
);

wire_enum!(
    /// A company's subscription plan.
    Plan {
        Trial => "TRIAL",
        Starter => "STARTER",
        Business => "BUSINESS",
        Scale => "SCALE",
        Enterprise => "ENTERPRISE",
    }
);

impl Plan {
    /// Default number of simultaneous live sessions for a new company on this plan.
    pub fn default_concurrency(self) -> u32 {
        match self {
            Plan::Trial => 1,
            Plan::Starter => 3,
            Plan::Business => 10,
            Plan::Scale => 25,
            Plan::Enterprise => 50,
        }
    }

    /// Xobin AI-interview invites a company may hold open on this plan.
    pub fn invite_quota(self) -> u32 {
        match self {
            Plan::Trial => 10,
            Plan::Starter => 100,
            Plan::Business => 1_000,
            Plan::Scale => 10_000,
            Plan::Enterprise => 1_000_000,
        }
    }
}

/// A job's statuses.
pub const JOB_STATUSES: &[&str] = &["OPEN", "CLOSED", "DRAFT", "PAUSED", "ARCHIVED"];

/// A candidate's pipeline statuses.
pub const CANDIDATE_STATUSES: &[&str] = &[
    "APPLIED",
    "IN_PROCESS",
    "INTERVIEWING",
    "OFFERED",
    "HIRED",
    "REJECTED",
    "WITHDRAWN",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_are_accepted() {
        assert_eq!(
            "CANCELLED".parse::<InterviewStatus>().unwrap(),
            InterviewStatus::Canceled
        );
        assert_eq!(
            "canceled".parse::<AttemptStatus>().unwrap(),
            AttemptStatus::Cancelled
        );
        let s: InterviewStatus = serde_json::from_str("\"CANCELLED\"").unwrap();
        assert_eq!(s, InterviewStatus::Canceled);
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"CANCELED\"");
        assert!("DONE".parse::<InterviewStatus>().is_err());
    }
}
