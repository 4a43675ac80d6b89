//! API-key scopes as InstaView defines them: `<permission>:<resource>`.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One permission on one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Scope {
    ReadJobs,
    WriteJobs,
    DeleteJobs,
    ReadCandidates,
    WriteCandidates,
    DeleteCandidates,
    ReadInterviews,
    WriteInterviews,
    DeleteInterviews,
    ReadAgents,
    WriteAgents,
    DeleteAgents,
    ReadWebhooks,
    WriteWebhooks,
    ReadCompanies,
    WriteCompanies,
    ReadBilling,
}

impl Scope {
    /// Every scope, in a stable order.
    pub const ALL: [Scope; 17] = [
        Scope::ReadJobs,
        Scope::WriteJobs,
        Scope::DeleteJobs,
        Scope::ReadCandidates,
        Scope::WriteCandidates,
        Scope::DeleteCandidates,
        Scope::ReadInterviews,
        Scope::WriteInterviews,
        Scope::DeleteInterviews,
        Scope::ReadAgents,
        Scope::WriteAgents,
        Scope::DeleteAgents,
        Scope::ReadWebhooks,
        Scope::WriteWebhooks,
        Scope::ReadCompanies,
        Scope::WriteCompanies,
        Scope::ReadBilling,
    ];

    /// The wire name, e.g. `delete:interviews`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadJobs => "read:jobs",
            Scope::WriteJobs => "write:jobs",
            Scope::DeleteJobs => "delete:jobs",
            Scope::ReadCandidates => "read:candidates",
            Scope::WriteCandidates => "write:candidates",
            Scope::DeleteCandidates => "delete:candidates",
            Scope::ReadInterviews => "read:interviews",
            Scope::WriteInterviews => "write:interviews",
            Scope::DeleteInterviews => "delete:interviews",
            Scope::ReadAgents => "read:agents",
            Scope::WriteAgents => "write:agents",
            Scope::DeleteAgents => "delete:agents",
            Scope::ReadWebhooks => "read:webhooks",
            Scope::WriteWebhooks => "write:webhooks",
            Scope::ReadCompanies => "read:companies",
            Scope::WriteCompanies => "write:companies",
            Scope::ReadBilling => "read:billing",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| format!("unknown scope `{}`", s.trim()))
    }
}

/// A set of scopes, stored as a space-separated list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Every scope.
    pub fn all() -> Self {
        Self(Scope::ALL.into_iter().collect())
    }

    /// Parses a comma- or space-separated list; `all` grants every scope.
    pub fn parse_list(list: &str) -> Result<Self, String> {
        let mut set = BTreeSet::new();
        for item in list
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if item == "all" {
                return Ok(Self::all());
            }
            set.insert(item.parse::<Scope>()?);
        }
        if set.is_empty() {
            return Err("at least one scope is required".into());
        }
        Ok(Self(set))
    }

    /// Whether the set holds `scope`.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// The first of `required` that is missing.
    pub fn first_missing(&self, required: &[Scope]) -> Option<Scope> {
        required.iter().copied().find(|s| !self.contains(*s))
    }

    /// Wire names in stable order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.as_str()).collect()
    }

    /// Storage form.
    pub fn to_storage(&self) -> String {
        self.names().join(" ")
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_lists_and_all() {
        let s = ScopeSet::parse_list("read:jobs, delete:interviews").unwrap();
        assert!(s.contains(Scope::DeleteInterviews));
        assert!(!s.contains(Scope::WriteJobs));
        assert_eq!(ScopeSet::parse_list("all").unwrap(), ScopeSet::all());
        assert!(ScopeSet::parse_list("read:everything").is_err());
        assert!(ScopeSet::parse_list("").is_err());
        let round = ScopeSet::parse_list(&s.to_storage()).unwrap();
        assert_eq!(round, s);
        assert_eq!(
            s.first_missing(&[Scope::ReadJobs, Scope::WriteJobs]),
            Some(Scope::WriteJobs)
        );
    }
}
