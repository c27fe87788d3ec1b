//! The documents of `secpack verify`'s human output: grouped by folder,
//! each with its signatures.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use secpack::trust::report::{DocumentReport, SignatureReport};
use secpack::trust::PackReport;

use super::human::status_word;
use crate::escape::safe;
use crate::output::{paint, BAD, DIM, GOOD, HEAD, WARN};

/// Prints every folder's documents, and the signatures worth a line (all of
/// them with `all`).
pub fn print_documents(out: &mut impl Write, r: &PackReport, all: bool) -> Result<()> {
    let mut by_doc: BTreeMap<&str, Vec<&SignatureReport>> = BTreeMap::new();
    for s in &r.signatures {
        by_doc.entry(&s.document).or_default().push(s);
    }
    let mut by_folder: BTreeMap<&str, Vec<&DocumentReport>> = BTreeMap::new();
    for d in &r.documents {
        let folder = d.path.rsplit_once('/').map_or("(root)", |(f, _)| f);
        by_folder.entry(folder).or_default().push(d);
    }
    for (folder, docs) in by_folder {
        let ok = docs.iter().filter(|d| d.ok).count();
        writeln!(
            out,
            "\n{}",
            paint(
                HEAD,
                format!("{} ({ok}/{} documents verified)", safe(folder), docs.len())
            )
        )?;
        for d in docs {
            let sigs = by_doc
                .get(d.path.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let warned = sigs.iter().any(|s| !s.warnings.is_empty()) || !d.template_text.is_empty();
            let word = if !d.ok {
                paint(BAD, "FAIL")
            } else if warned {
                paint(WARN, "ok")
            } else {
                paint(GOOD, "ok")
            };
            let name = d.path.rsplit('/').next().unwrap_or(&d.path);
            writeln!(
                out,
                "  {word:<4} {}  {}/{} signers",
                safe(name),
                d.valid_signers,
                d.required
            )?;
            if let Some(first) = d.template_text.first() {
                writeln!(
                    out,
                    "       {} still holds template text (line {}: {}) [{}]",
                    paint(WARN, "draft:"),
                    first.line,
                    safe(&first.text),
                    paint(WARN, "template-text")
                )?;
            }
            for s in sigs {
                let interesting = !s.ok || !s.warnings.is_empty();
                if !(all || interesting) {
                    continue;
                }
                let sig_name = if s.signature == s.document {
                    "(clear-signed)".to_string()
                } else {
                    s.signature
                        .rsplit('/')
                        .next()
                        .unwrap_or(&s.signature)
                        .to_string()
                };
                let warnings = if s.warnings.is_empty() {
                    String::new()
                } else {
                    let w: Vec<_> = s.warnings.iter().map(|w| w.code()).collect();
                    format!(" [{}]", paint(WARN, safe(w.join(", "))))
                };
                writeln!(
                    out,
                    "       {}: {}{warnings}",
                    safe(sig_name),
                    status_word(s.status, s.ok, !s.warnings.is_empty())
                )?;
                if all || !s.ok {
                    writeln!(out, "         {}", paint(DIM, safe(&s.reason)))?;
                }
            }
        }
    }
    Ok(())
}
