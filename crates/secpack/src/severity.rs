//! How bad a finding of a checker is: the one scale shared by the
//! `security.txt` lint and the CSAF provider check (the canary audit has its
//! own, with alerts).

use serde::Serialize;

/// How bad a finding is, least first (so the worst of a list is its `max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a problem.
    Info,
    /// A recommendation not followed, or a requirement relaxed.
    Warning,
    /// A requirement not met: the check fails.
    Error,
}

impl Severity {
    /// The word a person reads: `note`, `warning` or `error`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Info => "note",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worse_findings_sort_last_and_serialise_in_lower_case() {
        let mut all = [Severity::Error, Severity::Info, Severity::Warning];
        all.sort();
        assert_eq!(all, [Severity::Info, Severity::Warning, Severity::Error]);
        assert_eq!(serde_json::to_string(&Severity::Info).unwrap(), "\"info\"");
        assert_eq!(Severity::Info.word(), "note");
    }
}
