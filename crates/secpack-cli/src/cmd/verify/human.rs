//! How `secpack verify` reads to a person: keys, documents by folder, tags,
//! other files, then the verdict.

use std::io::Write;

use anyhow::Result;
use secpack::pack::ConfigTrust;
use secpack::trust::pin::{group_fingerprint, FingerprintLayout};
use secpack::trust::verdict::{KeyStatus, SigStatus};
use secpack::trust::PackReport;

use crate::escape::safe;
use crate::output::{paint, BAD, DIM, GOOD, HEAD, WARN};

pub(super) fn status_word(status: SigStatus, ok: bool, warned: bool) -> String {
    match (status, ok) {
        (SigStatus::Valid, true) if warned => paint(WARN, "valid"),
        (SigStatus::Valid, true) => paint(GOOD, "valid"),
        (SigStatus::Valid, false) => paint(BAD, "valid, but strict"),
        (SigStatus::Unsigned, true) => paint(WARN, "unsigned"),
        (s, _) => paint(BAD, s.code()),
    }
}

/// How `secpack.toml` was taken: a loud line when its settings were ignored.
fn print_config(out: &mut impl Write, config: &ConfigTrust) -> Result<()> {
    match config {
        ConfigTrust::Absent => {}
        ConfigTrust::AsWritten => {
            writeln!(out, "{} secpack.toml as written", paint(HEAD, "config"))?
        }
        ConfigTrust::Signed { signers, required } => writeln!(
            out,
            "{} secpack.toml signed by {} of {required} team members",
            paint(HEAD, "config"),
            signers.len()
        )?,
        ConfigTrust::Unsigned {
            valid_signers,
            required,
            ignored,
        } => {
            let what = if ignored.is_empty() {
                "it changes nothing that verification judges".to_string()
            } else {
                format!(
                    "its {} settings are IGNORED, the built-in defaults apply",
                    ignored.join(", ")
                )
            };
            writeln!(
                out,
                "{} {} secpack.toml has {valid_signers} of the {required} valid team \
                 signature(s) it needs: {what} (unsigned-config; sign it with \
                 `secpack sign secpack.toml --as NAME`)",
                paint(HEAD, "config"),
                paint(WARN, "warning:"),
            )?;
        }
    }
    Ok(())
}

pub fn print_human(r: &PackReport, all: bool) -> Result<()> {
    let mut out = anstream::stdout().lock();
    writeln!(out, "{} {}", paint(HEAD, "pack"), safe(&r.pack))?;
    let master_file = r.master.file.as_deref().unwrap_or("not found in the pack");
    writeln!(
        out,
        "{} {} ({})",
        paint(HEAD, "master"),
        safe(group_fingerprint(
            &r.master.fingerprint,
            FingerprintLayout::Groups
        )),
        safe(master_file)
    )?;
    if let Some(p) = &r.master.problem {
        writeln!(out, "  {} {}", paint(BAD, "problem:"), safe(p))?;
    }
    for w in &r.master.warnings {
        writeln!(out, "  {} {}", paint(WARN, "warning:"), safe(w))?;
    }
    print_config(&mut out, &r.config)?;

    writeln!(out, "\n{}", paint(HEAD, format!("keys ({})", r.keys.len())))?;
    for k in &r.keys {
        let word = match k.status {
            KeyStatus::Master | KeyStatus::Certified => paint(GOOD, k.status.code()),
            KeyStatus::Duplicate => paint(DIM, k.status.code()),
            KeyStatus::Uncertified => paint(WARN, k.status.code()),
            KeyStatus::CertificationRevoked | KeyStatus::Malformed => paint(BAD, k.status.code()),
        };
        let mut flags = Vec::new();
        if k.retired {
            flags.push("retired");
        }
        if k.revoked {
            flags.push("revoked");
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", flags.join(", "))
        };
        writeln!(out, "  {word:<24} {}{flags}", safe(&k.file))?;
        if all || !k.status.is_trusted() || !k.warnings.is_empty() {
            writeln!(out, "      {}", paint(DIM, safe(&k.reason)))?;
            for w in &k.warnings {
                writeln!(out, "      {} {}", paint(WARN, "warning:"), safe(w))?;
            }
        }
    }

    super::documents::print_documents(&mut out, r, all)?;
    if let Some(tags) = &r.tags {
        super::git::print_tags(&mut out, tags, all)?;
    }

    if let Some(h) = &r.head {
        super::git::print_head(&mut out, h, all)?;
    }
    if let Some(h) = &r.history {
        super::git::print_history(&mut out, h, all)?;
    }
    if let Some(st) = &r.state {
        super::git::print_state(&mut out, st, all)?;
    }

    let notable: Vec<_> = r.files.iter().filter(|f| all || f.suspicious).collect();
    if !r.files.is_empty() {
        writeln!(
            out,
            "\n{}",
            paint(HEAD, format!("other files ({})", r.files.len()))
        )?;
    }
    if !notable.is_empty() {
        for f in notable {
            let word = if f.class == "refused" {
                paint(BAD, safe(&f.code))
            } else if f.suspicious {
                paint(WARN, safe(&f.code))
            } else {
                paint(DIM, safe(&f.code))
            };
            writeln!(
                out,
                "  {word:<18} {}  {}",
                safe(&f.path),
                paint(DIM, safe(&f.reason))
            )?;
        }
    }
    let quiet = r.files.len() - r.files.iter().filter(|f| f.suspicious).count();
    if !all && quiet > 0 {
        writeln!(
            out,
            "  {}",
            paint(
                DIM,
                format!("({quiet} other files: readmes, templates, tools; --all lists them)")
            )
        )?;
    }

    let s = &r.summary;
    writeln!(out)?;
    let counts: Vec<String> = s
        .by_status
        .iter()
        .map(|(k, v)| format!("{v} {}", safe(k)))
        .collect();
    let warns: Vec<String> = s
        .by_warning
        .iter()
        .map(|(k, v)| format!("{v} {}", safe(k)))
        .collect();
    writeln!(
        out,
        "{} documents {}/{} verified; signatures: {}{}",
        paint(HEAD, "summary"),
        s.documents_ok,
        s.documents,
        if counts.is_empty() {
            "none".into()
        } else {
            counts.join(", ")
        },
        if warns.is_empty() {
            String::new()
        } else {
            format!("; warnings: {}", warns.join(", "))
        }
    )?;
    if s.ok {
        writeln!(
            out,
            "{} the pack verifies from the pinned master key{}",
            paint(GOOD, "OK"),
            if s.strict { " (strict)" } else { "" }
        )?;
    } else {
        writeln!(
            out,
            "{} {}",
            paint(BAD, "FAILED"),
            safe(s.failures.join("; "))
        )?;
    }
    Ok(())
}
