//! How the pack's state reads to a person: HEAD, the history walk, and the
//! remembered state (rollback, freeze, downgrade).

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use secpack::history::walk::HistoryReport;
use secpack::history::{HeadReport, HeadStatus, StateReport};
use secpack::trust::tags::TagReport;
use secpack::trust::verdict::SigStatus;

use super::human::status_word;

use crate::escape::safe;
use crate::output::{paint, BAD, DIM, GOOD, HEAD, WARN};

/// Findings of one kind printed before the rest are counted.
const SHOWN_PER_CODE: usize = 10;

/// Prints the signed git tags: the verified count, and each tag worth a
/// line (all of them with `all`).
pub fn print_tags(out: &mut impl Write, tags: &[TagReport], all: bool) -> Result<()> {
    let ok = tags
        .iter()
        .filter(|t| t.ok && t.status == SigStatus::Valid)
        .count();
    writeln!(
        out,
        "\n{}",
        paint(HEAD, format!("git tags ({ok}/{} verified)", tags.len()))
    )?;
    for t in tags {
        if !all && t.ok && t.warnings.is_empty() && t.status != SigStatus::Unsigned {
            continue;
        }
        writeln!(
            out,
            "  {} {}  {}",
            status_word(t.status, t.ok, !t.warnings.is_empty()),
            safe(&t.tag),
            paint(DIM, safe(&t.reason))
        )?;
    }
    Ok(())
}

/// Prints whether HEAD is vouched for, and what the work tree changed.
pub fn print_head(out: &mut impl Write, h: &HeadReport, all: bool) -> Result<()> {
    let word = match h.status {
        HeadStatus::Covered if h.ok => paint(GOOD, "covered"),
        HeadStatus::Covered => paint(BAD, "covered, but strict"),
        s => paint(BAD, s.code()),
    };
    let commit = h.commit.as_deref().unwrap_or("(none)");
    writeln!(out, "\n{} {word} {}", paint(HEAD, "HEAD"), safe(commit))?;
    writeln!(out, "  {}", paint(DIM, safe(&h.reason)))?;
    for v in &h.covered_by {
        if let Some(t) = &v.tag {
            writeln!(
                out,
                "  {} tag {}  {}",
                paint(GOOD, "signed"),
                safe(t),
                paint(DIM, safe(v.key.as_deref().unwrap_or("")))
            )?;
        }
    }
    for v in &h.refused {
        let name = v.tag.as_deref().unwrap_or("commit signature");
        writeln!(
            out,
            "  {} {}  {}",
            paint(WARN, "does not count:"),
            safe(name),
            paint(DIM, safe(&v.reason))
        )?;
    }
    if !h.worktree_changes.is_empty() {
        writeln!(
            out,
            "  {} {} file(s) of the work tree differ from HEAD [worktree-changed]",
            paint(WARN, "warning:"),
            h.worktree_changes.len()
        )?;
        let shown = if all { usize::MAX } else { SHOWN_PER_CODE };
        for c in h.worktree_changes.iter().take(shown) {
            let change = serde_json::to_value(c.change)?;
            writeln!(
                out,
                "    {:<9} {}",
                change.as_str().unwrap_or(""),
                safe(&c.path)
            )?;
        }
    }
    Ok(())
}

/// Prints the history walk: counts, then findings grouped by code.
pub fn print_history(out: &mut impl Write, h: &HistoryReport, all: bool) -> Result<()> {
    let word = if h.ok {
        paint(GOOD, "ok")
    } else {
        paint(BAD, "FAIL")
    };
    writeln!(
        out,
        "\n{} {word} {} commit(s) from {} to HEAD, {} covered, {} signed point(s), {} \
         sensitive change(s)",
        paint(HEAD, "history"),
        h.commits,
        safe(
            h.start
                .as_deref()
                .map_or("(nowhere)", |s| &s[..s.len().min(12)])
        ),
        h.covered,
        h.signed_points,
        h.sensitive_changes
    )?;
    print_by_code(
        out,
        &h.findings,
        |f| f.code.code(),
        all,
        |out, code, f| {
            let word = if f.fails {
                paint(BAD, code)
            } else {
                paint(WARN, code)
            };
            let what = match (&f.commit, &f.path) {
                (Some(c), Some(p)) => format!("{} {p}", &c[..c.len().min(12)]),
                (Some(c), None) => c[..c.len().min(12)].to_string(),
                _ => String::new(),
            };
            writeln!(
                out,
                "  {word} {}  {}",
                safe(what),
                paint(DIM, safe(&f.reason))
            )?;
            Ok(())
        },
    )
}

/// Prints `findings` grouped by their code (in code order) with `line`: at
/// most [`SHOWN_PER_CODE`] of each code unless `all`, then how many of that
/// code were left out.
fn print_by_code<W: Write, T>(
    out: &mut W,
    findings: &[T],
    code_of: impl Fn(&T) -> &'static str,
    all: bool,
    mut line: impl FnMut(&mut W, &'static str, &T) -> Result<()>,
) -> Result<()> {
    let mut by_code: BTreeMap<&'static str, Vec<&T>> = BTreeMap::new();
    for f in findings {
        by_code.entry(code_of(f)).or_default().push(f);
    }
    for (code, group) in by_code {
        let shown = if all { group.len() } else { SHOWN_PER_CODE };
        for f in group.iter().take(shown) {
            line(out, code, f)?;
        }
        let hidden = group.len().saturating_sub(shown);
        if hidden > 0 {
            writeln!(
                out,
                "  {}",
                paint(DIM, format!("(and {hidden} more {code}; --all lists them)"))
            )?;
        }
    }
    Ok(())
}

/// Prints the remembered state and what it says of this copy.
pub fn print_state(out: &mut impl Write, s: &StateReport, all: bool) -> Result<()> {
    let word = if s.ok() {
        paint(GOOD, "ok")
    } else {
        paint(BAD, "FAIL")
    };
    let since = match &s.remembered {
        Some(r) => format!(
            "against the state verified on {}",
            r.verified_at.format("%Y-%m-%d")
        ),
        None => "first use: nothing remembered yet".to_string(),
    };
    writeln!(out, "\n{} {word} {}", paint(HEAD, "state"), safe(since))?;
    // One downgrade per stripped file: a mass strip is shown like the
    // history's findings, a few per code.
    print_by_code(
        out,
        &s.findings,
        |f| f.code.code(),
        all,
        |out, code, f| {
            writeln!(out, "  {} {}", paint(BAD, code), safe(&f.reason))?;
            Ok(())
        },
    )?;
    if let (None, Some(days)) = (&s.remembered, s.overdue_days) {
        writeln!(
            out,
            "  {} the newest canary is {days} day(s) overdue: against the state remembered now, the next run reports this copy frozen unless a new canary comes",
            paint(WARN, "note")
        )?;
    }
    let what = if s.saved {
        "remembered in"
    } else {
        "not remembered (something failed); kept"
    };
    writeln!(out, "  {}", paint(DIM, format!("{what} {}", safe(&s.file))))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `print_by_code` writes for `findings` (codes), without styles.
    fn printed(findings: &[&'static str], all: bool) -> Vec<String> {
        let mut out = Vec::new();
        print_by_code(
            &mut out,
            findings,
            |c| c,
            all,
            |out, code, _| {
                writeln!(out, "{code}")?;
                Ok(())
            },
        )
        .unwrap();
        let text = anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string();
        text.lines().map(|l| l.trim().to_string()).collect()
    }

    #[test]
    fn each_code_shows_a_few_findings_then_counts_the_rest() {
        let mut findings = vec!["rollback"];
        findings.extend(std::iter::repeat_n("downgrade", SHOWN_PER_CODE + 2));
        let lines = printed(&findings, false);
        // Codes in order, each capped, the rest counted under its own code.
        assert_eq!(lines.len(), SHOWN_PER_CODE + 2);
        assert!(lines[..SHOWN_PER_CODE].iter().all(|l| l == "downgrade"));
        assert_eq!(
            lines[SHOWN_PER_CODE],
            "(and 2 more downgrade; --all lists them)"
        );
        assert_eq!(lines[SHOWN_PER_CODE + 1], "rollback");
        // With --all every finding is shown and nothing is counted.
        let lines = printed(&findings, true);
        assert_eq!(lines.len(), findings.len());
        assert!(!lines.iter().any(|l| l.contains("more")));
    }
}
