//! What a new canary's proof of freshness must satisfy, however it was
//! obtained (gathered now, or written by hand and given with
//! `--freshness FILE`): dated near the canary's date of issue, and quoting a
//! block no earlier canary quoted. The same limits as the audit's
//! `freshness-date-mismatch` and `block-hash-reused`, applied before the
//! canary is written instead of after it is published.

use chrono::NaiveDate;

use crate::canary::audit::{FRESHNESS_MAX_DAYS_AFTER, FRESHNESS_MAX_DAYS_BEFORE};
use crate::canary::parse::Freshness;

/// Why a proof of freshness is refused. Each has a stable code, which the
/// message leaves to whoever prints it (`error: ... [code]`). Each is a
/// refusal before anything is written (class usage, exit status 2): the
/// proof given, or the `--date`, must change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// Dated more than [`FRESHNESS_MAX_DAYS_BEFORE`] days before the date of
    /// issue.
    #[error(
        "the proof of freshness is dated {proof}, {days} days before the canary's date of issue {issued} (at most {FRESHNESS_MAX_DAYS_BEFORE} allowed): gather a new one (`secpack canary freshness`), or pass --allow-stale-proof to issue the canary anyway (its audit will report freshness-date-mismatch)"
    )]
    Stale {
        /// Day of the proof (UTC).
        proof: NaiveDate,
        /// The canary's date of issue.
        issued: NaiveDate,
        /// Days between them.
        days: i64,
    },
    /// Dated more than [`FRESHNESS_MAX_DAYS_AFTER`] day after the date of
    /// issue.
    #[error(
        "the proof of freshness is dated {proof}, after the canary's date of issue {issued} (at most {FRESHNESS_MAX_DAYS_AFTER} day later allowed): check --date"
    )]
    AfterIssue {
        /// Day of the proof (UTC).
        proof: NaiveDate,
        /// The canary's date of issue.
        issued: NaiveDate,
    },
    /// Quotes the block hash an earlier canary quoted.
    #[error(
        "the proof of freshness quotes the block hash {hash}, which {previous} already quoted: a block proves freshness only when it is newer than the previous canary; quote a recent block"
    )]
    BlockHashReused {
        /// The hash (lower-case hex).
        hash: String,
        /// The earlier canary quoting it, relative to the pack root.
        previous: String,
    },
}

impl ProofError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Stale { .. } => "stale-proof",
            Self::AfterIssue { .. } => "proof-after-issue",
            Self::BlockHashReused { .. } => "block-hash-reused",
        }
    }
}

/// Checks a new canary's proof of freshness against its date of issue and
/// the block hashes earlier canaries quoted (`(path, hash)`, hashes in lower
/// case). A stale proof is an error unless `allow_stale`, and is then
/// returned as a warning; a proof dated after the date of issue or quoting
/// an earlier canary's block is always an error. A proof without a date has
/// nothing to judge here (the caller refuses it).
pub fn check_proof(
    proof: &Freshness,
    issued: NaiveDate,
    earlier: &[(String, String)],
    allow_stale: bool,
) -> Result<Vec<ProofError>, ProofError> {
    let mut warnings = Vec::new();
    if let Some(date) = proof.date {
        let day = date.naive_utc().date();
        let days = (issued - day).num_days();
        if days > FRESHNESS_MAX_DAYS_BEFORE {
            let e = ProofError::Stale {
                proof: day,
                issued,
                days,
            };
            if !allow_stale {
                return Err(e);
            }
            warnings.push(e);
        } else if days < -FRESHNESS_MAX_DAYS_AFTER {
            return Err(ProofError::AfterIssue { proof: day, issued });
        }
    }
    if let Some(hash) = &proof.block_hash {
        if let Some((previous, _)) = earlier.iter().find(|(_, h)| h.eq_ignore_ascii_case(hash)) {
            return Err(ProofError::BlockHashReused {
                hash: hash.clone(),
                previous: previous.clone(),
            });
        }
    }
    Ok(warnings)
}

impl crate::error::Coded for ProofError {
    fn code(&self) -> &'static str {
        ProofError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        // Refused before writing: another proof (or --date, or
        // --allow-stale-proof) is needed, as docs/canaries.md says.
        match self {
            Self::Stale { .. } | Self::AfterIssue { .. } | Self::BlockHashReused { .. } => {
                ErrorClass::Usage
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::parse::read_freshness;

    const HASH: &str = "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";

    fn proof(date: &str) -> Freshness {
        let text =
            format!("{date}\n\nSource: W (https://w.test/rss)\nOne\n\nSource: Chain\n{HASH}\n");
        read_freshness(&text.lines().collect::<Vec<_>>())
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_around_the_issue() {
        let p = proof("Mon, 05 Jan 2026 23:30:00 -0200");
        // 23:30 at -02:00 is 6 January UTC.
        for issued in [ymd(2026, 1, 5), ymd(2026, 1, 6), ymd(2026, 1, 13)] {
            assert_eq!(check_proof(&p, issued, &[], false), Ok(vec![]), "{issued}");
        }
        let e = check_proof(&p, ymd(2026, 1, 14), &[], false).unwrap_err();
        assert_eq!(e.code(), "stale-proof");
        assert!(e.to_string().contains("2026-01-06, 8 days before"), "{e}");
        assert!(e.to_string().contains("--allow-stale-proof"), "{e}");
        let w = check_proof(&p, ymd(2026, 4, 2), &[], true).unwrap();
        assert_eq!(
            w.iter().map(ProofError::code).collect::<Vec<_>>(),
            ["stale-proof"]
        );
        for allow in [false, true] {
            let e = check_proof(&p, ymd(2026, 1, 4), &[], allow).unwrap_err();
            assert_eq!(e.code(), "proof-after-issue");
        }
    }

    #[test]
    fn an_earlier_block_is_refused_even_when_staleness_is_allowed() {
        let p = proof("Mon, 05 Jan 2026 10:00:00 +0000");
        let earlier = vec![
            ("canaries/canary-001-2025.txt".to_string(), "0".repeat(64)),
            (
                "canaries/canary-002-2025.txt".to_string(),
                HASH.to_uppercase(),
            ),
        ];
        for allow in [false, true] {
            let e = check_proof(&p, ymd(2026, 1, 5), &earlier, allow).unwrap_err();
            assert_eq!(e.code(), "block-hash-reused");
            assert!(e.to_string().contains("canary-002-2025"), "{e}");
        }
        assert!(check_proof(&p, ymd(2026, 1, 5), &earlier[..1], false).is_ok());
    }

    #[test]
    fn refusals_are_usage_class_and_leave_the_code_to_the_printer() {
        use crate::error::{Coded, ErrorClass};
        let p = proof("Mon, 05 Jan 2026 10:00:00 +0000");
        let earlier = vec![("canaries/canary-001-2025.txt".to_string(), HASH.to_string())];
        let refused = [
            check_proof(&p, ymd(2026, 2, 5), &[], false).unwrap_err(),
            check_proof(&p, ymd(2026, 1, 2), &[], false).unwrap_err(),
            check_proof(&p, ymd(2026, 1, 5), &earlier, false).unwrap_err(),
        ];
        for e in refused {
            assert_eq!(Coded::class(&e), ErrorClass::Usage, "{e}");
            assert!(!e.to_string().contains(&format!("[{}]", e.code())), "{e}");
        }
    }
}
