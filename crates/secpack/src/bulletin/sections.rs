//! The sections of a bulletin: headings underlined with dashes or equals signs.

use serde::Serialize;

use super::{is_banner, is_rule};

/// One section of a bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The heading, trimmed (`Patching`).
    pub heading: String,
    /// The lines between the underline and the next heading, with the common
    /// indentation kept and surrounding blank lines removed.
    pub body: String,
}

impl Section {
    /// The heading in lower case, for matching names (`patching`).
    pub fn key(&self) -> String {
        self.heading.to_lowercase()
    }
}

/// Splits a bulletin's text into the prose before its first heading and its
/// sections. The signature block (a line `--` and what follows) is dropped.
pub(crate) fn split(text: &str) -> (String, Vec<Section>) {
    let lines: Vec<&str> = text.lines().collect();
    let end = signature_start(&lines);
    let lines = &lines[..end];
    let mut headings = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim();
        let underlined = lines.get(i + 1).is_some_and(|n| is_rule(n));
        let after_break = i == 0 || lines[i - 1].trim().is_empty() || is_rule(lines[i - 1]);
        if underlined && !l.is_empty() && !is_rule(l) && !is_banner(l) && after_break {
            headings.push(i);
        }
    }
    let preamble_end = headings.first().copied().unwrap_or(lines.len());
    let preamble = join_trimmed(&lines[..preamble_end]);
    let sections = headings
        .iter()
        .enumerate()
        .map(|(k, &h)| {
            let body_end = headings.get(k + 1).copied().unwrap_or(lines.len());
            Section {
                heading: lines[h].trim().to_string(),
                body: join_trimmed(&lines[(h + 2).min(body_end)..body_end]),
            }
        })
        .collect();
    (preamble, sections)
}

/// Index of the signature block's `--` line (the last one), or the end.
fn signature_start(lines: &[&str]) -> usize {
    lines
        .iter()
        .rposition(|l| l.trim_end() == "--")
        .unwrap_or(lines.len())
}

/// The lines joined with newlines, without leading or trailing blank lines and
/// without trailing spaces.
fn join_trimmed(lines: &[&str]) -> String {
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    match (first, last) {
        (Some(a), Some(b)) => lines[a..=b]
            .iter()
            .map(|l| l.trim_end())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_both_underline_styles_and_drops_the_signature() {
        let text = "intro line\n\nFirst\n-----\n\nbody one\n  indented\n\n\
                    Second part\n===========\nbody two\n\n--\nThe Team\nhttps://x.invalid/\n";
        let (pre, secs) = split(text);
        assert_eq!(pre, "intro line");
        assert_eq!(secs.len(), 2);
        assert_eq!(secs[0].heading, "First");
        assert_eq!(secs[0].body, "body one\n  indented");
        assert_eq!(secs[1].heading, "Second part");
        assert_eq!(secs[1].body, "body two");
        assert_eq!(secs[1].key(), "second part");
    }

    #[test]
    fn a_rule_inside_prose_is_not_a_heading() {
        // The line before "-----" is in the middle of a paragraph.
        let text = "Para\nline two\n-----\nmore\n";
        let (pre, secs) = split(text);
        assert!(secs.is_empty());
        assert_eq!(pre, "Para\nline two\n-----\nmore");
    }
}
