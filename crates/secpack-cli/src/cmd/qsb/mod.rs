//! `secpack qsb`: start a new bulletin, list the published ones, revise or
//! withdraw one ([`lifecycle`]).

mod lifecycle;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use secpack::bulletin::index::{index, SidecarVerdict};
use secpack::bulletin::template::{describe, template_lines, TemplateLine};
use secpack::fsutil::write_atomic;
use secpack::pack::Pack;
use secpack::team::{draft_bulletin, BulletinDraft};
use secpack::trust::{verify_pack, VerifyOptions};

use crate::cmd::args::{PackOption, TrustArgs};
use crate::escape::safe;
use crate::output::{chain, paint, print_json, BAD, DIM, GOOD, WARN};
use crate::GlobalArgs;

/// Security bulletins: start a new one, list them, revise or withdraw one.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: QsbCommand,
    #[command(flatten)]
    pack: PackOption,
}

#[derive(Debug, clap::Subcommand)]
enum QsbCommand {
    New(NewArgs),
    List(ListArgs),
    Revise(lifecycle::ReviseArgs),
    Withdraw(lifecycle::WithdrawArgs),
}

/// Write the next bulletin from the pack's template: number, date, title and
/// cited upstream advisories filled in.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The bulletin's title.
    #[arg(long)]
    pub title: String,
    /// An upstream advisory number the bulletin covers (repeatable).
    #[arg(long = "xsa", value_name = "N")]
    pub advisories: Vec<u32>,
    /// Use this number instead of the next one (refused if taken).
    #[arg(long)]
    pub number: Option<u32>,
    /// The date of issue, YYYY-MM-DD (default: today, UTC).
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Open the new bulletin in $EDITOR. When the editor fails, the draft
    /// is removed if it was left untouched, kept if it was changed (the
    /// message says which), and the exit status is 1.
    #[arg(long)]
    pub edit: bool,
}

/// List every bulletin: number, date, title, and (with a pinned master key)
/// who signed it validly.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The master key (without a pin, signatures are not verified).
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Runs the subcommand.
pub fn run(args: Args, global: &GlobalArgs) -> Result<u8> {
    let pack = args.pack.open()?;
    match args.command {
        QsbCommand::New(a) => new(&pack, a, global),
        QsbCommand::List(a) => list(&pack, a, global),
        QsbCommand::Revise(a) => lifecycle::revise(&pack, a, global),
        QsbCommand::Withdraw(a) => lifecycle::withdraw(&pack, a, global),
    }
}

fn new(pack: &Pack, args: NewArgs, global: &GlobalArgs) -> Result<u8> {
    let date = args.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let draft = draft_bulletin(pack, args.number, date, &args.title, &args.advisories)?;
    let path = pack.path_of(&draft.path);
    write_atomic(&path, draft.text.as_bytes(), false)?;
    if args.edit {
        if let Err(e) = open_in_editor(&path) {
            return editor_failed(&path, &draft, &e, global);
        }
    }
    if global.json {
        print_json(&serde_json::json!({ "number": draft.number, "path": draft.path }))?;
    } else {
        anstream::println!("{} {}", paint(GOOD, "wrote"), safe(&draft.path));
        let text = std::fs::read(&path).unwrap_or_default();
        let left = template_lines(&String::from_utf8_lossy(&text));
        if !left.is_empty() {
            anstream::println!(
                "{} it still holds template text ({}): replace it before signing",
                paint(DIM, "note:"),
                safe(describe(&left))
            );
        }
    }
    Ok(crate::EXIT_OK)
}

/// The editor failed: an untouched draft (still the filled template, byte
/// for byte) is removed, an edited one is kept; either way the user is told
/// which, and the exit status is 1.
fn editor_failed(
    path: &std::path::Path,
    draft: &BulletinDraft,
    error: &anyhow::Error,
    global: &GlobalArgs,
) -> Result<u8> {
    let untouched = std::fs::read(path).is_ok_and(|b| b == draft.text.as_bytes());
    let removed = untouched && std::fs::remove_file(path).is_ok();
    let outcome = if removed {
        "removed"
    } else if path.exists() {
        "kept"
    } else {
        "gone"
    };
    let sentence = match outcome {
        "removed" => format!(
            "{}: the draft {} was not changed, so it was removed; run qsb new again",
            chain(error),
            safe(&draft.path)
        ),
        "kept" => format!(
            "{}: the draft {} was kept as the editor left it; finish it, or remove it",
            chain(error),
            safe(&draft.path)
        ),
        _ => format!(
            "{}: the draft {} no longer exists",
            chain(error),
            safe(&draft.path)
        ),
    };
    if global.json {
        print_json(&serde_json::json!({
            "number": draft.number,
            "path": draft.path,
            "editor_failed": error.to_string(),
            "draft": outcome,
        }))?;
    }
    anstream::eprintln!("{} {sentence}", paint(BAD, "error:"));
    Ok(crate::EXIT_FAILURE)
}

/// Opens `path` in `$EDITOR` (default `vi`) and waits for it.
pub(crate) fn open_in_editor(path: &std::path::Path) -> Result<()> {
    let editor = std::env::var_os("EDITOR").unwrap_or_else(|| "vi".into());
    let status = std::process::Command::new(&editor)
        .arg(path)
        .status()
        .with_context(|| format!("running {}", editor.to_string_lossy()))?;
    anyhow::ensure!(status.success(), "the editor exited with {status}");
    Ok(())
}

#[derive(serde::Serialize)]
struct Row {
    number: u32,
    path: String,
    date: Option<NaiveDate>,
    title: Option<String>,
    /// Fingerprints of the valid signers; `None` when not verified.
    signers: Option<Vec<String>>,
    /// Enough valid signers; `None` when not verified.
    ok: Option<bool>,
    /// Its sidecar's verdict, when it has a sidecar and was verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    sidecar: Option<SidecarVerdict>,
    /// Lines still holding template text (a draft): empty for a finished
    /// bulletin.
    template_text: Vec<TemplateLine>,
}

fn list(pack: &Pack, args: ListArgs, global: &GlobalArgs) -> Result<u8> {
    let pin = args.trust.pin_if_any()?;
    let report = pin
        .as_ref()
        .map(|pin| verify_pack(pack, pin, VerifyOptions::default(), &|| {}));
    let rows: Vec<Row> = index(pack, report.as_ref())?
        .into_iter()
        .filter(|b| !b.is_letter())
        .map(|b| Row {
            number: b.name.number,
            template_text: template_lines(&b.text),
            path: b.path,
            date: b.header.date,
            title: b.header.title,
            ok: b.signatures.as_ref().map(|v| v.ok),
            sidecar: b.signatures.as_ref().and_then(|v| v.sidecar.clone()),
            signers: b.signatures.map(|v| v.signers),
        })
        .collect();
    let failing = rows
        .iter()
        .filter(|r| {
            r.ok == Some(false)
                || r.sidecar.as_ref().is_some_and(|s| !s.ok)
                || !r.template_text.is_empty()
        })
        .count();
    if global.json {
        print_json(&serde_json::json!({ "verified": report.is_some(), "bulletins": rows }))?;
    } else {
        if report.is_none() {
            anstream::println!(
                "{}",
                paint(DIM, "no master key pinned: signatures not verified")
            );
        }
        for r in &rows {
            let state = match r.ok {
                Some(true) => paint(GOOD, "signed"),
                Some(false) => paint(BAD, "NOT SIGNED ENOUGH"),
                None => paint(DIM, "unverified"),
            };
            anstream::println!(
                "{:03}  {}  {}  [{state}{}]",
                r.number,
                r.date.map_or("----------".into(), |d| d.to_string()),
                safe(r.title.as_deref().unwrap_or("(no title)")),
                r.signers
                    .as_ref()
                    .map_or(String::new(), |s| format!(", {} valid signer(s)", s.len()))
            );
            if let Some(s) = r.sidecar.as_ref().filter(|s| !s.ok) {
                anstream::println!(
                    "     {} {} has {} of the {} valid signatures it needs: its changes \
                     (revisions, withdrawal) do not count and the exports leave the bulletin \
                     out until it is signed (`secpack sign {} --as NAME ...`)",
                    paint(BAD, "SIDECAR NOT SIGNED ENOUGH"),
                    safe(&s.path),
                    s.valid_signers,
                    s.required,
                    safe(&s.path),
                );
            }
            if !r.template_text.is_empty() {
                anstream::println!(
                    "     {} {}: {}",
                    paint(WARN, "TEMPLATE TEXT"),
                    paint(DIM, "a draft, not to be signed or published"),
                    safe(describe(&r.template_text))
                );
            }
        }
    }
    Ok(if failing > 0 {
        crate::EXIT_FAILURE
    } else {
        crate::EXIT_OK
    })
}
