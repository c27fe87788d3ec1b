//! Statement drift: what changed in a canary's statements since the previous
//! canary, once the parts expected to change are set aside.
//!
//! The date of issue, the bulletin count and the promised window change with
//! every canary; they are replaced by placeholders (`<date>`, `<number>`,
//! `<window>`) before comparing. Statements are aligned by content, not by
//! number, so that a statement removed from the middle shows as removed
//! rather than as every later statement changing.

use serde::Serialize;
use similar::{capture_diff_slices, Algorithm, ChangeTag, DiffOp, TextDiff};

use super::parse::{Canary, Statement, StatementRole};
use super::window::find_window;
use super::words::{bare, find_date, number_at};

/// Placeholder for the date of issue.
pub const DATE_MASK: &str = "<date>";
/// Placeholder for numbers in the bulletin-count statement.
pub const NUMBER_MASK: &str = "<number>";
/// Placeholder for the promised window.
pub const WINDOW_MASK: &str = "<window>";

/// Two statements whose words overlap at least this much are taken as one
/// statement reworded rather than one removed and another added.
const SAME_STATEMENT_RATIO: f32 = 0.5;

/// One difference between two consecutive canaries' statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// What happened.
    pub change: DriftKind,
    /// `preamble`, or `statement N` (its number in the newer canary, or in the
    /// older one when it was removed).
    pub label: String,
    /// Masked text in the older canary.
    pub old: Option<String>,
    /// Masked text in the newer canary.
    pub new: Option<String>,
    /// Word-level diff, `[-removed-]` and `{+added+}`, for changes.
    pub diff: Option<String>,
}

/// How a statement drifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// The statement is gone.
    Removed,
    /// A new statement appeared.
    Added,
    /// The statement's wording changed.
    Changed,
}

/// A statement's text with the parts expected to change masked.
pub fn masked(statement: &Statement) -> String {
    let view: Vec<&str> = statement.text.split(' ').collect();
    let mut tokens: Vec<String> = view.iter().map(|t| t.to_string()).collect();
    match statement.role {
        StatementRole::IssueDate => {
            let from = view.iter().position(|t| bare(t) == "issue").unwrap_or(0);
            if let Some((_, span)) = find_date(&view, from) {
                mask_span(&mut tokens, span, DATE_MASK);
            }
        }
        StatementRole::NextCanary => {
            if let Some(found) = find_window(&view) {
                mask_span(&mut tokens, found.span, WINDOW_MASK);
            }
        }
        StatementRole::BulletinCount => {
            // Numbers may be written `#13` ("up to bulletin #13").
            let unhashed: Vec<&str> = view.iter().map(|t| t.trim_start_matches('#')).collect();
            let mut first = None;
            let mut i = 0;
            while i < unhashed.len() {
                match number_at(&unhashed, i) {
                    Some((_, used)) => {
                        mask_span(&mut tokens, i..i + used, NUMBER_MASK);
                        first.get_or_insert(i);
                        i += used;
                    }
                    None => i += 1,
                }
            }
            if let Some(first) = first {
                plural_count(&mut tokens, first);
            }
        }
        StatementRole::Fingerprint | StatementRole::Other => {}
    }
    tokens.retain(|t| !t.is_empty());
    tokens.join(" ")
}

/// Reads a count statement in the plural whatever the count: "There has
/// been <number> ... Bulletin" as "There have been <number> ... Bulletins",
/// so that a canary stating one bulletin and the next stating two do not
/// differ by grammar alone. Only `has been` just before the count (at
/// `first`) and the first `bulletin` after it are touched.
fn plural_count(tokens: &mut [String], first: usize) {
    let has = first.checked_sub(2);
    if let Some(has) = has.filter(|&i| matches!(tokens[i].as_str(), "has" | "Has")) {
        if bare(&tokens[has + 1]) == "been" {
            tokens[has] = tokens[has].replacen("as", "ave", 1);
        }
    }
    let noun = tokens[first..]
        .iter()
        .position(|t| bare(t).starts_with("bulletin"))
        .map(|k| first + k);
    if let Some(k) = noun {
        if bare(&tokens[k]) == "bulletin" {
            let t = &mut tokens[k];
            let end = t.trim_end_matches(|c: char| !c.is_alphanumeric()).len();
            t.insert(end, 's');
        }
    }
}

/// Replaces the tokens of `span` by `mask`, keeping the punctuation that
/// closed the last one. Emptied tokens are dropped by the caller.
fn mask_span(tokens: &mut [String], span: std::ops::Range<usize>, mask: &str) {
    let last = &tokens[span.end - 1];
    let kept = last.trim_end_matches(['.', ',', ';', ':', ')']).len();
    let tail = last[kept..].to_string();
    for t in &mut tokens[span.clone()] {
        t.clear();
    }
    tokens[span.start] = format!("{mask}{tail}");
}

/// Everything that drifted from `old` to `new`.
pub fn compare(old: &Canary, new: &Canary) -> Vec<Drift> {
    let mut out = Vec::new();
    if old.preamble != new.preamble {
        out.push(changed("preamble".into(), &old.preamble, &new.preamble));
    }
    let a: Vec<String> = old.statements.iter().map(masked).collect();
    let b: Vec<String> = new.statements.iter().map(masked).collect();
    let label = |s: &Statement| format!("statement {}", s.number);
    let added = |j: usize| Drift {
        change: DriftKind::Added,
        label: label(&new.statements[j]),
        old: None,
        new: Some(b[j].clone()),
        diff: None,
    };
    for op in capture_diff_slices(Algorithm::Myers, &a, &b) {
        let (old_range, new_range) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            } => (old_index..old_index + old_len, new_index..new_index),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index..old_index, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
            ),
        };
        let mut next_new = new_range.start;
        for i in old_range {
            let partner = (next_new..new_range.end).find(|&j| {
                TextDiff::from_words(a[i].as_str(), b[j].as_str()).ratio() >= SAME_STATEMENT_RATIO
            });
            match partner {
                Some(j) => {
                    out.extend((next_new..j).map(added));
                    out.push(changed(label(&new.statements[j]), &a[i], &b[j]));
                    next_new = j + 1;
                }
                None => out.push(Drift {
                    change: DriftKind::Removed,
                    label: label(&old.statements[i]),
                    old: Some(a[i].clone()),
                    new: None,
                    diff: None,
                }),
            }
        }
        out.extend((next_new..new_range.end).map(added));
    }
    out
}

fn changed(label: String, old: &str, new: &str) -> Drift {
    Drift {
        change: DriftKind::Changed,
        label,
        old: Some(old.to_string()),
        new: Some(new.to_string()),
        diff: Some(word_diff(old, new)),
    }
}

/// A word-level diff of two texts: removed words in `[-...-]`, added words in
/// `{+...+}`, unchanged words as they are.
pub fn word_diff(old: &str, new: &str) -> String {
    let diff = TextDiff::from_words(old, new);
    // Consecutive changes of one kind (words and the spaces between them)
    // form one run.
    let mut runs: Vec<(ChangeTag, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        let (tag, value) = (change.tag(), change.value());
        match runs.last_mut() {
            Some((t, s)) if *t == tag => s.push_str(value),
            _ => runs.push((tag, value.to_string())),
        }
    }
    let mut out = String::new();
    for (tag, text) in runs {
        let (open, close) = match tag {
            ChangeTag::Equal => {
                out.push_str(&text);
                continue;
            }
            ChangeTag::Delete => ("[-", "-]"),
            ChangeTag::Insert => ("{+", "+}"),
        };
        let words = text.trim();
        if words.is_empty() {
            continue;
        }
        out.push_str(&text[..text.len() - text.trim_start().len()]);
        if out.ends_with("-]") {
            out.push(' ');
        }
        out.push_str(open);
        out.push_str(words);
        out.push_str(close);
        out.push_str(&text[text.trim_end().len()..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(role: StatementRole, text: &str) -> Statement {
        Statement {
            number: 1,
            role,
            text: text.into(),
        }
    }

    #[test]
    fn expected_changes_are_masked() {
        assert_eq!(
            masked(&statement(
                StatementRole::IssueDate,
                "This canary's date of issue is March 3rd, 2015."
            )),
            "This canary's date of issue is <date>."
        );
        assert_eq!(
            masked(&statement(
                StatementRole::BulletinCount,
                "So far 13 bulletins, up to bulletin #13."
            )),
            "So far <number> bulletins, up to bulletin <number>."
        );
        assert_eq!(
            masked(&statement(
                StatementRole::NextCanary,
                "Next one in the first two weeks of June 2015. Look twice."
            )),
            "Next one <window>. Look twice."
        );
        // One bulletin or two: the same statement.
        for one in [
            "There has been 1 Demo Security Bulletin published so far.",
            "There has been one Demo Security Bulletin published so far.",
        ] {
            assert_eq!(
                masked(&statement(StatementRole::BulletinCount, one)),
                "There have been <number> Demo Security Bulletins published so far."
            );
        }
        assert_eq!(
            masked(&statement(
                StatementRole::BulletinCount,
                "There have been 2 Demo Security Bulletins published so far."
            )),
            "There have been <number> Demo Security Bulletins published so far."
        );
        // A placeholder is not masked: it shows in the diff.
        assert_eq!(
            masked(&statement(
                StatementRole::BulletinCount,
                "So far TODO bulletins."
            )),
            "So far TODO bulletins."
        );
        // Other statements are left alone, numbers included.
        assert_eq!(
            masked(&statement(
                StatementRole::Other,
                "We got 0 warrants in 2015."
            )),
            "We got 0 warrants in 2015."
        );
    }

    #[test]
    fn word_diffs_mark_words() {
        assert_eq!(
            word_diff("served to us with", "served to the team with"),
            "served to [-us-] {+the team+} with"
        );
        assert_eq!(word_diff("a b c", "a c"), "a [-b-] c");
        assert_eq!(word_diff("a c", "a b c"), "a {+b+} c");
        assert_eq!(word_diff("same", "same"), "same");
    }
}
