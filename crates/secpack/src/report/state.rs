//! Where a vulnerability report stands in the team's handling of it.

use serde::{Deserialize, Serialize};

/// The state of a report. The codes are stable: they are stored in the inbox
/// database and printed in JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportState {
    /// Stored by the intake, not yet read.
    Received,
    /// Read and assessed by the team.
    Triaged,
    /// The vulnerability is real.
    Confirmed,
    /// A fix exists.
    Fixed,
    /// A bulletin was published about it.
    Published,
    /// Not a vulnerability, a duplicate, or out of scope.
    Rejected,
}

impl ReportState {
    /// Every state, in handling order.
    pub const ALL: [ReportState; 6] = [
        Self::Received,
        Self::Triaged,
        Self::Confirmed,
        Self::Fixed,
        Self::Published,
        Self::Rejected,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Triaged => "triaged",
            Self::Confirmed => "confirmed",
            Self::Fixed => "fixed",
            Self::Published => "published",
            Self::Rejected => "rejected",
        }
    }

    /// The state with the code `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl std::fmt::Display for ReportState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for ReportState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, UnknownState> {
        Self::from_code(s).ok_or_else(|| UnknownState(s.to_string()))
    }
}

/// A text that names no report state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report state {:?} (one of: {})", .0, ReportState::ALL.map(ReportState::code).join(", "))]
pub struct UnknownState(pub String);

impl crate::error::Coded for UnknownState {
    fn code(&self) -> &'static str {
        "unknown-state"
    }
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for s in ReportState::ALL {
            assert_eq!(s.code().parse::<ReportState>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.code())
            );
        }
        assert_eq!(ReportState::Fixed.code(), "fixed");
    }

    #[test]
    fn unknown_codes_are_refused_with_the_list() {
        let e = "Received".parse::<ReportState>().unwrap_err().to_string();
        assert!(e.contains("received, triaged"), "{e}");
        assert!("".parse::<ReportState>().is_err());
    }
}
