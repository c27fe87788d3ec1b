//! The machine-readable block of a canary: a JSON object inside the signed
//! text, between `-----BEGIN CANARY JSON-----` and `-----END CANARY JSON-----`
//! lines, under the heading `Machine-readable canary`.
//!
//! It states what the prose states, for monitors (in the spirit of
//! CanaryTail's fields): the number, the release date, the expiry (the last
//! day of the window promised for the next canary), the bulletin count, the
//! master key fingerprint, every numbered statement with a code, and the
//! proof of freshness (date, block height, hash and time when known, quoted
//! headlines). [`block_for`] builds it from the parsed prose, so the two agree
//! when written; [`check`] says where they disagree, and whether the dates
//! are possible given the Bitcoin block quoted.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::parse::{Canary, StatementRole};
use crate::bulletin::floor_char_boundary;

/// The line that opens the block.
pub const BEGIN: &str = "-----BEGIN CANARY JSON-----";
/// The line that closes the block.
pub const END: &str = "-----END CANARY JSON-----";
/// The heading of the section holding the block.
pub const HEADING: &str = "Machine-readable canary";
/// The `format` of blocks this version writes and reads.
pub const FORMAT: &str = "secpack-canary/1";
/// Largest block read.
pub const MAX_BLOCK_BYTES: usize = 64 * 1024;
/// Days a block may be older than the release date.
pub const MAX_BLOCK_AGE_DAYS: i64 = 7;

/// The machine-readable statement of a canary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryBlock {
    /// Always [`FORMAT`].
    pub format: String,
    /// The canary's number.
    pub number: u32,
    /// Date of issue.
    pub release: NaiveDate,
    /// The last day of the window promised for the next canary.
    pub expiry: NaiveDate,
    /// First day of that window.
    pub next_from: NaiveDate,
    /// Bulletins published so far.
    pub bulletins: u32,
    /// The master key fingerprint, upper-case hex.
    pub master_fingerprint: String,
    /// The numbered statements.
    pub statements: Vec<BlockStatement>,
    /// The proof of freshness.
    pub freshness: BlockFreshness,
}

/// A numbered statement and its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockStatement {
    /// Its number in the prose.
    pub number: u32,
    /// What it states: `release`, `bulletins`, `master-key`, `next-canary`,
    /// `no-warrants`, `no-gag-orders`, `no-subpoenas`, `no-raids`,
    /// `no-key-disclosure`, `no-backdoors`, or `statement`.
    pub code: String,
    /// Its text, whitespace collapsed.
    pub text: String,
}

/// The proof of freshness, as the block states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockFreshness {
    /// The proof's date line (RFC 3339, UTC).
    pub date: Option<DateTime<Utc>>,
    /// The Bitcoin block quoted.
    pub block: Option<BitcoinBlock>,
    /// Headlines quoted, per source.
    pub headlines: Vec<BlockHeadlines>,
}

/// A Bitcoin block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitcoinBlock {
    /// Its height, when known.
    pub height: Option<u64>,
    /// Its hash, lower-case hex.
    pub hash: String,
    /// The time in its header, when known.
    pub time: Option<DateTime<Utc>>,
}

/// Headlines of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockHeadlines {
    /// The source's title, when printed.
    pub source: Option<String>,
    /// Its URL, when printed.
    pub url: Option<String>,
    /// The headlines, newest first.
    pub headlines: Vec<String>,
}

/// What is known of the block quoted beyond its hash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockFacts {
    /// Its height.
    pub height: Option<u64>,
    /// The time in its header.
    pub time: Option<DateTime<Utc>>,
}

/// The code of a statement from its role and words.
pub fn statement_code(role: StatementRole, text: &str) -> &'static str {
    match role {
        StatementRole::IssueDate => return "release",
        StatementRole::BulletinCount => return "bulletins",
        StatementRole::Fingerprint => return "master-key",
        StatementRole::NextCanary => return "next-canary",
        StatementRole::Other => {}
    }
    let t = text.to_lowercase();
    [
        ("warrant", "no-warrants"),
        ("gag", "no-gag-orders"),
        ("subpoena", "no-subpoenas"),
        ("raid", "no-raids"),
        ("search", "no-raids"),
        ("backdoor", "no-backdoors"),
        ("private key", "no-key-disclosure"),
        ("signing key", "no-key-disclosure"),
    ]
    .into_iter()
    .find(|(word, _)| t.contains(word))
    .map_or("statement", |(_, code)| code)
}

/// The block stating what the parsed canary `c` states, numbered `number`,
/// with what is known of its Bitcoin block. `None` when the prose lacks a
/// fact the block needs (date of issue, count, fingerprint or window).
pub fn block_for(number: u32, c: &Canary, facts: BlockFacts) -> Option<CanaryBlock> {
    let window = c.next_window.as_ref()?;
    let f = &c.freshness;
    Some(CanaryBlock {
        format: FORMAT.into(),
        number,
        release: c.issue_date?,
        expiry: window.end,
        next_from: window.start,
        bulletins: c.bulletin_count?,
        master_fingerprint: c.fingerprint.clone()?,
        statements: c
            .statements
            .iter()
            .map(|s| BlockStatement {
                number: s.number,
                code: statement_code(s.role, &s.text).into(),
                text: s.text.clone(),
            })
            .collect(),
        freshness: BlockFreshness {
            date: f.date.map(|d| d.with_timezone(&Utc)),
            block: f.block_hash.clone().map(|hash| BitcoinBlock {
                height: facts.height,
                hash,
                time: facts.time,
            }),
            headlines: f
                .sources
                .iter()
                .map(|s| BlockHeadlines {
                    source: s.title.clone(),
                    url: s.url.clone(),
                    headlines: s.headlines.clone(),
                })
                .collect(),
        },
    })
}

/// The section to put in the signed text: heading, rule, the block.
pub fn render_section(block: &CanaryBlock) -> String {
    let json = serde_json::to_string_pretty(block).expect("a block serializes");
    format!(
        "{HEADING}\n{}\n\n{BEGIN}\n{json}\n{END}\n",
        "-".repeat(HEADING.len())
    )
}

/// Why a block could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// An opening line without a closing one, or the other way round.
    #[error("the JSON block is not closed by {END}")]
    Unclosed,
    /// More than one block.
    #[error("the text holds more than one JSON block")]
    Several,
    /// Larger than [`MAX_BLOCK_BYTES`].
    #[error("the JSON block is larger than {MAX_BLOCK_BYTES} bytes")]
    TooLarge,
    /// Not JSON, or not the fields of a block.
    #[error("the JSON block is not a canary block: {0}")]
    Invalid(String),
    /// Another format.
    #[error("the JSON block's format {0:?} is not {FORMAT}")]
    Format(String),
}

impl BlockError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unclosed => "json-unclosed",
            Self::Several => "json-several",
            Self::TooLarge => "json-too-large",
            Self::Invalid(_) => "json-invalid",
            Self::Format(_) => "json-format",
        }
    }
}

/// The block of a canary's text: `None` when it has none. Never panics.
pub fn extract(text: &str) -> Option<Result<CanaryBlock, BlockError>> {
    let lines: Vec<&str> = text.lines().collect();
    let begins: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].trim() == BEGIN)
        .collect();
    let ends: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].trim() == END)
        .collect();
    if begins.is_empty() && ends.is_empty() {
        return None;
    }
    Some(read_block(&lines, &begins, &ends))
}

fn read_block(lines: &[&str], begins: &[usize], ends: &[usize]) -> Result<CanaryBlock, BlockError> {
    if begins.len() > 1 || ends.len() > 1 {
        return Err(BlockError::Several);
    }
    let (Some(&b), Some(&e)) = (begins.first(), ends.first()) else {
        return Err(BlockError::Unclosed);
    };
    if e <= b {
        return Err(BlockError::Unclosed);
    }
    let body = lines[b + 1..e].join("\n");
    if body.len() > MAX_BLOCK_BYTES {
        return Err(BlockError::TooLarge);
    }
    let block: CanaryBlock = serde_json::from_str(&body).map_err(|e| {
        let msg = e.to_string();
        BlockError::Invalid(msg[..floor_char_boundary(&msg, 200)].to_string())
    })?;
    if block.format != FORMAT {
        return Err(BlockError::Format(block.format));
    }
    Ok(block)
}

/// A disagreement between a block and the prose, or a date the quoted
/// block makes impossible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockProblem {
    /// `json-prose-mismatch`, `json-date-before-block` or `json-block-stale`.
    pub code: &'static str,
    /// A sentence a person understands.
    pub detail: String,
}

/// Compares the block with the prose of canary `number` and checks its
/// dates against the Bitcoin block's time.
pub fn check(block: &CanaryBlock, number: u32, prose: &Canary) -> Vec<BlockProblem> {
    let mut out = Vec::new();
    let mut differ = |field: &str, json: String, text: Option<String>| {
        let text = text.unwrap_or_else(|| "nothing readable".into());
        if json != text {
            out.push(BlockProblem {
                code: "json-prose-mismatch",
                detail: format!("{field}: the JSON block says {json}, the text says {text}"),
            });
        }
    };
    let s = |v: &dyn ToString| v.to_string();
    let window = prose.next_window.as_ref();
    // Each field of the block beside what the prose says about it.
    for (field, json, text) in [
        ("number", s(&block.number), Some(s(&number))),
        (
            "release",
            s(&block.release),
            prose.issue_date.map(|d| s(&d)),
        ),
        ("expiry", s(&block.expiry), window.map(|w| s(&w.end))),
        (
            "next_from",
            s(&block.next_from),
            window.map(|w| s(&w.start)),
        ),
        (
            "bulletins",
            s(&block.bulletins),
            prose.bulletin_count.map(|n| s(&n)),
        ),
        (
            "master_fingerprint",
            block.master_fingerprint.to_uppercase(),
            prose.fingerprint.clone(),
        ),
    ] {
        differ(field, json, text);
    }
    let texts = |v: Vec<(u32, &str)>| {
        v.iter()
            .map(|(n, t)| format!("{n}. {t}"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    differ(
        "statements",
        texts(
            block
                .statements
                .iter()
                .map(|s| (s.number, s.text.as_str()))
                .collect(),
        ),
        Some(texts(
            prose
                .statements
                .iter()
                .map(|s| (s.number, s.text.as_str()))
                .collect(),
        )),
    );
    let f = &prose.freshness;
    differ(
        "freshness.date",
        format!("{:?}", block.freshness.date),
        Some(format!("{:?}", f.date.map(|d| d.with_timezone(&Utc)))),
    );
    differ(
        "freshness.block.hash",
        format!(
            "{:?}",
            block
                .freshness
                .block
                .as_ref()
                .map(|b| b.hash.to_lowercase())
        ),
        Some(format!("{:?}", f.block_hash)),
    );
    let quoted: Vec<&Vec<String>> = block
        .freshness
        .headlines
        .iter()
        .map(|h| &h.headlines)
        .collect();
    let printed: Vec<&Vec<String>> = f.sources.iter().map(|s| &s.headlines).collect();
    differ(
        "freshness.headlines",
        format!("{quoted:?}"),
        Some(format!("{printed:?}")),
    );
    if let Some(time) = block.freshness.block.as_ref().and_then(|b| b.time) {
        let mined = time.date_naive();
        if block.release < mined {
            out.push(BlockProblem {
                code: "json-date-before-block",
                detail: format!(
                    "released {} but quotes a block mined on {mined}: it cannot have been written before the block existed",
                    block.release
                ),
            });
        }
        if let Some(d) = block.freshness.date.filter(|d| *d < time) {
            out.push(BlockProblem {
                code: "json-date-before-block",
                detail: format!(
                    "the proof of freshness is dated {d} but quotes a block mined at {time}"
                ),
            });
        }
        let age = (block.release - mined).num_days();
        if age > MAX_BLOCK_AGE_DAYS {
            out.push(BlockProblem {
                code: "json-block-stale",
                detail: format!(
                    "the block quoted was mined on {mined}, {age} days before the release date {} (at most {MAX_BLOCK_AGE_DAYS}): it proves nothing about when the canary was written",
                    block.release
                ),
            });
        }
    }
    out
}

impl crate::error::Coded for BlockError {
    fn code(&self) -> &'static str {
        BlockError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        ErrorClass::Failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn statement_codes() {
        assert_eq!(statement_code(StatementRole::IssueDate, ""), "release");
        assert_eq!(
            statement_code(
                StatementRole::Other,
                "No warrants have ever been served to us"
            ),
            "no-warrants"
        );
        assert_eq!(
            statement_code(StatementRole::Other, "We like tea."),
            "statement"
        );
    }

    #[test]
    fn blocks_are_found_or_refused_with_a_code() {
        assert_eq!(extract("no block here"), None);
        let unclosed = format!("{BEGIN}\n{{}}\n");
        assert_eq!(
            extract(&unclosed).unwrap().unwrap_err().code(),
            "json-unclosed"
        );
        let reversed = format!("{END}\n{{}}\n{BEGIN}\n");
        assert_eq!(
            extract(&reversed).unwrap().unwrap_err().code(),
            "json-unclosed"
        );
        let twice = format!("{BEGIN}\n{{}}\n{END}\n{BEGIN}\n{{}}\n{END}\n");
        assert_eq!(extract(&twice).unwrap().unwrap_err().code(), "json-several");
        let junk = format!("{BEGIN}\nnot json\n{END}\n");
        assert_eq!(extract(&junk).unwrap().unwrap_err().code(), "json-invalid");
        let big = format!("{BEGIN}\n{}\n{END}\n", "x".repeat(MAX_BLOCK_BYTES + 1));
        assert_eq!(extract(&big).unwrap().unwrap_err().code(), "json-too-large");
    }

    proptest! {
        #[test]
        fn extract_never_panics(s in "\\PC{0,300}", begin in any::<bool>(), end in any::<bool>()) {
            let text = format!("{}{s}\n{}", if begin { format!("{BEGIN}\n") } else { String::new() }, if end { END } else { "" });
            let _ = extract(&text);
        }
    }
}
