//! Drafting a new bulletin from the pack's template.

use crate::error::IoError;
use chrono::{Datelike, NaiveDate};

use super::init::BULLETIN_TEMPLATE;
use super::TeamError;
use crate::pack::Pack;

/// Width bulletins are laid out in; centred lines are centred in it.
pub const TEXT_WIDTH: usize = 72;

/// A new bulletin, not yet written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BulletinDraft {
    /// Its number.
    pub number: u32,
    /// Where it goes, relative to the pack root.
    pub path: String,
    /// The text.
    pub text: String,
}

/// The number after the highest bulletin of the pack (1 for the first).
pub fn next_number(pack: &Pack) -> u32 {
    pack.bulletins()
        .iter()
        .map(|(n, _)| n.number)
        .max()
        .map_or(1, |n| n + 1)
}

/// Drafts bulletin `number` (default: the next one) dated `date` from the
/// pack's template (`<bulletins>/<prefix>-template.txt`, else the built-in
/// one). A number some bulletin already has is refused.
pub fn draft_bulletin(
    pack: &Pack,
    number: Option<u32>,
    date: NaiveDate,
    title: &str,
    advisories: &[u32],
) -> Result<BulletinDraft, TeamError> {
    let layout = &pack.config.layout;
    let number = match number {
        Some(n) => {
            if let Some((_, f)) = pack.bulletins().iter().find(|(b, _)| b.number == n) {
                return Err(TeamError::NumberTaken(n, f.path.clone()));
            }
            n
        }
        None => next_number(pack),
    };
    let title = title.trim();
    if title.is_empty() || title.contains('\n') {
        return Err(TeamError::BadInput(
            "the title must be one non-empty line".into(),
        ));
    }
    let template_rel = format!(
        "{}/{}-template.txt",
        layout.bulletins, layout.bulletin_prefix
    );
    let template_path = pack.path_of(&template_rel);
    let template = if template_path.is_file() {
        std::fs::read_to_string(&template_path)
            .map_err(|e| IoError::new("reading", &template_path, e))?
    } else {
        BULLETIN_TEMPLATE.to_string()
    };
    let project = &pack.config.project;
    let prefix = &project.upstream_id_prefix;
    let mut cited = advisories.to_vec();
    cited.sort_unstable();
    cited.dedup();
    let citations = if cited.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = cited
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{prefix}-{n} [{}]", i + 1))
            .collect();
        format!(
            "\n\n{}",
            wrap(&format!(
                "The {} project published this as {}.",
                project.upstream_name,
                list.join(", ")
            ))
        )
    };
    let references = cited
        .iter()
        .enumerate()
        .map(|(i, n)| {
            format!(
                "[{}] {prefix}-{n}, {} security advisory",
                i + 1,
                project.upstream_name
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let fill = |line: &str| {
        line.replace("@@PROJECT@@", &project.name)
            .replace("@@NUMBER@@", &format!("{number:03}"))
            .replace("@@DATE@@", &date.format("%Y-%m-%d").to_string())
            .replace("@@TITLE@@", title)
            .replace("@@TEAM@@", &project.team_name)
            .replace("@@ADVISORIES@@", &citations)
            .replace("@@REFERENCES@@", &references)
    };
    let mut text = String::new();
    for line in template.lines() {
        if line.starts_with(char::is_whitespace) && line.contains("@@") {
            text.push_str(&centre(&fill(line.trim())));
        } else {
            text.push_str(&fill(line));
        }
        text.push('\n');
    }
    let path = format!(
        "{}/{}-{number:03}-{}.txt",
        layout.bulletins,
        layout.bulletin_prefix,
        date.year()
    );
    Ok(BulletinDraft { number, path, text })
}

/// `line` centred in [`TEXT_WIDTH`] columns (left as is when longer).
pub(super) fn centre(line: &str) -> String {
    let len = line.chars().count();
    let pad = TEXT_WIDTH.saturating_sub(len) / 2;
    format!("{}{line}", " ".repeat(pad))
}

/// Greedy word wrap to 70 columns.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if col > 0 && col + 1 + w > 70 {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centring_and_wrapping() {
        assert_eq!(centre("ab"), format!("{}ab", " ".repeat(35)));
        let long = "x".repeat(80);
        assert_eq!(centre(&long), long);
        let words = "word ".repeat(40);
        let wrapped = wrap(&words);
        assert!(wrapped.lines().all(|l| l.chars().count() <= 70));
        assert_eq!(wrapped.split_whitespace().count(), 40);
    }
}
