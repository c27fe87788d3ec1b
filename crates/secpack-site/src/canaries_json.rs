//! `canaries.json`: the canaries of the site for monitors, one document.
//!
//! Each canary is given by its machine-readable block when its signed text
//! carries one (`source: "block"`, see docs/canaries.md), otherwise by the
//! same fields read from its prose (`source: "prose"`), or `null` when the
//! prose lacks a fact (`source: "unreadable"`). Whether its signatures
//! verified is stated beside it; the top level says which canary is the
//! newest, when the next is due and whether it is overdue, by the same audit
//! the pages show.

use chrono::{DateTime, NaiveDate, Utc};
use secpack::canary::machine::{block_for, extract, BlockFacts, CanaryBlock};
use secpack::canary::parse::Canary;
use serde::Serialize;

/// The format name of the document.
pub const FORMAT: &str = "secpack-canaries/1";

/// One canary as the site knows it.
pub struct CanaryInput<'a> {
    /// Its number.
    pub number: u32,
    /// Its file stem (`canary-001-2026`).
    pub stem: &'a str,
    /// Its signed text.
    pub text: &'a str,
    /// Its signatures meet the threshold.
    pub verified: bool,
    /// Distinct valid signers.
    pub valid_signers: usize,
    /// Signers required.
    pub required: u32,
}

#[derive(Serialize)]
struct Entry {
    number: u32,
    page: String,
    verified: bool,
    valid_signers: usize,
    required: u32,
    source: &'static str,
    canary: Option<CanaryBlock>,
}

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    generated: DateTime<Utc>,
    master_fingerprint: &'a str,
    latest: Option<u32>,
    next_due: Option<NaiveDate>,
    overdue: bool,
    canaries: Vec<Entry>,
}

/// Renders `canaries.json`. `pages` is the folder of the canary pages
/// relative to the site root (`canaries/` or `en/canaries/`).
pub fn render(
    canaries: &[CanaryInput<'_>],
    master: &str,
    pages: &str,
    next_due: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let entries: Vec<Entry> = canaries
        .iter()
        .map(|c| {
            let (source, canary) = match extract(c.text) {
                Some(Ok(block)) => ("block", Some(block)),
                _ => match block_for(c.number, &Canary::parse(c.text), BlockFacts::default()) {
                    Some(b) => ("prose", Some(b)),
                    None => ("unreadable", None),
                },
            };
            Entry {
                number: c.number,
                page: format!("{pages}{}.html", c.stem),
                verified: c.verified,
                valid_signers: c.valid_signers,
                required: c.required,
                source,
                canary,
            }
        })
        .collect();
    let doc = Document {
        format: FORMAT,
        generated: now,
        master_fingerprint: master,
        latest: canaries.iter().map(|c| c.number).max(),
        next_due,
        overdue: next_due.is_some_and(|d| now.date_naive() > d),
        canaries: entries,
    };
    let mut out = serde_json::to_vec_pretty(&doc).expect("the document serialises");
    out.push(b'\n');
    out
}
