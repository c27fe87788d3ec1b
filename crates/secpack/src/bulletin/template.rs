//! Template text left in a bulletin: the check canaries have (a `TODO`
//! placeholder), for bulletins.
//!
//! `secpack qsb new` fills the template's `@@...@@` placeholders it knows
//! (number, date, title, citations) and leaves the guidance under each
//! heading ("Say in one or two sentences what readers must do...") for the
//! team to replace. A bulletin still holding any of these is a draft:
//! `secpack sign` refuses it, `secpack qsb list` flags it, and the exports
//! leave it out with the finding `template-text`.
//!
//! What counts as template text, line by line:
//!
//! * a placeholder `@@NAME@@` (capital letters, digits and `_`);
//! * the word `TODO`, as in canaries;
//! * a line of guidance of secpack's bulletin template, kept verbatim.

use serde::Serialize;

/// secpack's bulletin template (the one `secpack init` copies into a pack).
const BUILT_IN_TEMPLATE: &str = include_str!("../team/templates/qsb-template.txt");

/// Lines of template text a sentence ([`describe`]) names at most (a whole
/// unedited draft has a dozen); it counts the others.
const MAX_DESCRIBED: usize = 5;

/// One line of a bulletin that is still template text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateLine {
    /// Line number, from 1.
    pub line: usize,
    /// What was found: `placeholder`, `todo` or `guidance`.
    pub kind: &'static str,
    /// The line, trimmed.
    pub text: String,
}

/// Every line of `text` that is still template text, in order; empty for a
/// finished bulletin.
pub fn template_lines(text: &str) -> Vec<TemplateLine> {
    let guidance = guidance_lines();
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let kind = if has_placeholder(line) {
            "placeholder"
        } else if line.contains("TODO")
            && line
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "TODO")
        {
            "todo"
        } else if guidance.contains(&line) {
            "guidance"
        } else {
            continue;
        };
        out.push(TemplateLine {
            line: i + 1,
            kind,
            text: line.to_string(),
        });
    }
    out
}

/// One sentence saying where template text was left, for error messages and
/// findings: `line 9 ("Say in one or two sentences..."), line 15 (...)`.
/// The first few lines are named; the others are counted (`and 2 more`), so
/// a shortened list never reads as the whole of it.
pub fn describe(lines: &[TemplateLine]) -> String {
    let mut parts: Vec<String> = lines
        .iter()
        .take(MAX_DESCRIBED)
        .map(|l| {
            let mut t: String = l.text.chars().take(48).collect();
            if t.len() < l.text.len() {
                t.push_str("...");
            }
            format!("line {} ({t:?})", l.line)
        })
        .collect();
    let left_out = lines.len().saturating_sub(MAX_DESCRIBED);
    if left_out > 0 {
        parts.push(format!("and {left_out} more"));
    }
    parts.join(", ")
}

/// `@@NAME@@` somewhere in `line`.
fn has_placeholder(line: &str) -> bool {
    let mut rest = line;
    while let Some(i) = rest.find("@@") {
        let after = &rest[i + 2..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        if name_len > 0 && after[name_len..].starts_with("@@") {
            return true;
        }
        rest = after;
    }
    false
}

/// Shortest guidance line looked for: shorter ones (`safe.`, the end of a
/// sentence) could be a finished bulletin's own words.
const MIN_GUIDANCE_CHARS: usize = 30;

/// The guidance lines of the built-in template: its lines that are not
/// headings, underlines, placeholders or the signature block, and long
/// enough to be the template's own sentences.
fn guidance_lines() -> &'static [&'static str] {
    static LINES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LINES.get_or_init(built_in_guidance)
}

/// [`guidance_lines`], computed from the template (once per process).
fn built_in_guidance() -> Vec<&'static str> {
    let lines: Vec<&str> = BUILT_IN_TEMPLATE.lines().map(str::trim).collect();
    let is_rule = |l: &str| super::is_rule(l);
    lines
        .iter()
        .enumerate()
        .take_while(|(_, l)| **l != "--")
        .filter(|(i, l)| {
            l.chars().count() >= MIN_GUIDANCE_CHARS
                && !l.contains("@@")
                && !is_rule(l)
                && !lines.get(i + 1).is_some_and(|n| is_rule(n))
        })
        .map(|(_, l)| *l)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_template_itself_is_template_text() {
        let found = template_lines(BUILT_IN_TEMPLATE);
        assert!(found.len() > MAX_DESCRIBED, "{found:?}");
        assert_eq!(found[0].kind, "placeholder");
        assert!(guidance_lines().len() >= 6, "{:?}", guidance_lines());
        assert!(guidance_lines()
            .iter()
            .all(|l| !l.ends_with("------") && l.len() >= MIN_GUIDANCE_CHARS));
        // The ends of sentences that could be anyone's are not looked for.
        assert_eq!(template_lines("safe.\nhow to install them.\n"), []);
    }

    #[test]
    fn each_kind_is_found_with_its_line() {
        let text = "Banner\n\nUser action\n------------\n\nSay in one or two sentences what readers must do: which updates to\n";
        let found = template_lines(text);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].line, found[0].kind), (6, "guidance"));
        let found = template_lines("a\nFixed in TODO.\n@@TITLE@@\n");
        assert_eq!(
            found.iter().map(|f| (f.line, f.kind)).collect::<Vec<_>>(),
            [(2, "todo"), (3, "placeholder")]
        );
        assert!(describe(&found).contains("line 2 (\"Fixed in TODO.\")"));
    }

    #[test]
    fn every_line_is_found_and_a_long_list_says_how_many_it_leaves_out() {
        let text: String = (1..=7).map(|i| format!("Step {i}: TODO\n")).collect();
        let found = template_lines(&text);
        assert_eq!(
            found.iter().map(|f| f.line).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6, 7]
        );
        let sentence = describe(&found);
        assert!(
            sentence.starts_with("line 1 (\"Step 1: TODO\"), line 2 (")
                && sentence.contains("line 5 (\"Step 5: TODO\")")
                && !sentence.contains("line 6")
                && sentence.ends_with(", and 2 more"),
            "{sentence}"
        );
        // Five lines or fewer are all named, with nothing counted.
        let five = describe(&found[..5]);
        assert!(five.contains("line 5") && !five.contains("more"), "{five}");
        assert_eq!(describe(&found[..1]), "line 1 (\"Step 1: TODO\")");
    }

    #[test]
    fn finished_bulletins_have_none() {
        for text in [
            include_str!("../../tests/data/bulletins/qsb-100-2024.txt"),
            include_str!("../../tests/data/bulletins/qsb-001-2011.txt"),
            include_str!("../../tests/data/bulletins/qsb-080-2022.txt"),
            // Headings and the signature block of the template are kept by
            // every bulletin; words like "todo" or "@@" alone are not
            // placeholders.
            "User action\n------------\n\nUpdate.\n\nSee the todo list, mail a@@b or @@ @@.\n--\nThe Security Team\n",
        ] {
            assert_eq!(template_lines(text), [], "{text}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let found = template_lines(&s);
            prop_assert!(found.len() <= s.lines().count());
            let _ = describe(&found);
        }
    }
}
