//! `xsa import-jekyll` and `xsa export-jekyll`.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;
use secpack::tracker::jekyll;

use super::{open, PackArg};
use crate::escape::{safe, safe_text};
use crate::output::{paint, print_json, GOOD};
use crate::GlobalArgs;

pub(super) fn import(pack: &PackArg, file: &Path, force: bool, global: &GlobalArgs) -> Result<u8> {
    let (pack, path) = open(pack)?;
    let tracker = jekyll::import_file(file, &path, force)?;
    let rows = tracker.rows().len();
    if global.json {
        print_json(&serde_json::json!({
            "source": file, "tracker": pack.config.tracker.file, "rows": rows,
        }))?;
    } else {
        anstream::println!(
            "{} {rows} rows from {} into {}",
            paint(GOOD, "imported"),
            safe(file.display()),
            safe(&pack.config.tracker.file)
        );
    }
    Ok(crate::EXIT_OK)
}

pub(super) fn export(pack: &PackArg, output: Option<&Path>, global: &GlobalArgs) -> Result<u8> {
    let (_, path) = open(pack)?;
    let (tracker, yaml) = jekyll::export_file(&path, output)?;
    if global.json {
        print_json(&serde_json::json!({
            "rows": tracker.rows().len(),
            "output": output,
            "yaml": if output.is_none() { Some(&yaml) } else { None },
        }))?;
    } else if let Some(out) = output {
        anstream::println!(
            "{} {} rows to {}",
            paint(GOOD, "exported"),
            tracker.rows().len(),
            safe(out.display())
        );
    } else if std::io::stdout().is_terminal() {
        // Titles come from upstream: on a terminal, shown escaped.
        anstream::print!("{}", safe_text(&yaml));
    } else {
        anstream::print!("{yaml}");
    }
    Ok(crate::EXIT_OK)
}
