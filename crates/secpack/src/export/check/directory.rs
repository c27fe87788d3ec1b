//! The directory distribution (CSAF 2.0 §7.1.12, §7.1.13): in each
//! `directory_url`, `index.txt` lists every document path, one a line, and
//! `changes.csv` lists each path with its last change, newest first, as
//! RFC 4180 CSV (two fields, quoted as the RFC says). Paths are relative to
//! the folder holding the two files.
//!
//! Both parsers read untrusted input and never panic; they say what is wrong
//! with the line it is on. `changes.csv` is read by a strict parser of its
//! own: the CSV readers available accept the quoting mistakes the check
//! exists to find (a bare quote inside a field, text after a closing quote).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};

use super::documents::Listing;
use super::fetch::Source;
use super::metadata::Metadata;
use super::Findings;

/// A problem on one line of `index.txt` or `changes.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    /// The finding's code (`index-bad-line`, `changes-bad-csv`,
    /// `changes-bad-path`, `changes-bad-row`).
    pub code: &'static str,
    /// What is wrong.
    pub reason: String,
}

/// One row of `changes.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// 1-based line number.
    pub line: usize,
    /// The path, relative to the folder of `changes.csv`.
    pub path: String,
    /// The time of the last change.
    pub time: DateTime<FixedOffset>,
}

/// Why a path of `index.txt` or `changes.csv` is not a relative path to a
/// document, or `None` when it is one.
pub fn path_problem(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("empty path".to_string());
    }
    if path.contains("://") {
        return Some(format!(
            "{path:?} is a URL; paths are relative to the folder of the file"
        ));
    }
    if path.starts_with('/') {
        return Some(format!(
            "{path:?} is absolute; paths are relative to the folder of the file"
        ));
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Some(format!("{path:?} has an empty, . or .. segment"));
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("{path:?} holds white space or control characters"));
    }
    if !path.ends_with(".json") {
        return Some(format!("{path:?} does not name a .json document"));
    }
    None
}

/// Parses `index.txt`: the paths (with their line numbers) and the lines
/// that are not a usable path. Line ends may be LF or CRLF; a final line
/// end is optional; empty lines are problems.
pub fn parse_index(text: &str) -> (Vec<(usize, String)>, Vec<LineProblem>) {
    let mut paths = Vec::new();
    let mut problems = Vec::new();
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return (paths, problems);
    }
    for (i, line) in body.split('\n').enumerate() {
        let line_no = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        match path_problem(line) {
            Some(reason) => problems.push(LineProblem {
                line: line_no,
                code: "index-bad-line",
                reason,
            }),
            None => paths.push((line_no, line.to_string())),
        }
    }
    (paths, problems)
}

const CSV: &str = "changes-bad-csv";

/// Splits CSV text into records of fields under RFC 4180: fields are
/// separated by `,`, records by CRLF (LF accepted); a field holding `"`,
/// `,` or a line end is enclosed in `"`, a `"` inside it doubled. Each
/// record carries the line it starts on. Fails at the first quoting error.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, LineProblem> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => {
                            return Err(LineProblem {
                                line: start,
                                code: CSV,
                                reason: "a quoted field is not closed".to_string(),
                            })
                        }
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(c) => {
                        return Err(LineProblem {
                            line,
                            code: CSV,
                            reason: format!("{c:?} after a closing quote (a quote inside a quoted field is doubled: \"\")"),
                        })
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if matches!(c, ',' | '\n' | '\r') {
                        break;
                    }
                    if c == '"' {
                        return Err(LineProblem {
                            line,
                            code: CSV,
                            reason: "a quote inside an unquoted field (enclose the field in quotes and double the quote)".to_string(),
                        });
                    }
                    field.push(c);
                    chars.next();
                }
            }
            fields.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.next() != Some('\n') {
                        return Err(LineProblem {
                            line,
                            code: CSV,
                            reason: "a carriage return not followed by a line feed".to_string(),
                        });
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                None => break,
                Some(_) => unreachable!("fields end at a separator"),
            }
        }
        records.push((start, fields));
    }
    Ok(records)
}

/// Parses `changes.csv`: rows of (path, RFC 3339 time), and the problems of
/// the rows that are not. A quoting error stops the parse (`Err`).
pub fn parse_changes(text: &str) -> Result<(Vec<ChangeRow>, Vec<LineProblem>), LineProblem> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (line, fields) in parse_csv(text)? {
        let [path, time] = fields.as_slice() else {
            problems.push(LineProblem {
                line,
                code: "changes-bad-row",
                reason: format!("{} fields; a row is a path and a time", fields.len()),
            });
            continue;
        };
        if let Some(reason) = path_problem(path) {
            problems.push(LineProblem {
                line,
                code: "changes-bad-path",
                reason,
            });
            continue;
        }
        match DateTime::parse_from_rfc3339(time) {
            Ok(time) => rows.push(ChangeRow {
                line,
                path: path.clone(),
                time,
            }),
            Err(e) => problems.push(LineProblem {
                line,
                code: "changes-bad-row",
                reason: format!("{time:?} is not an RFC 3339 time: {e}"),
            }),
        }
    }
    Ok((rows, problems))
}

/// The first row (by line) that is newer than the row before it, when the
/// rows are not sorted newest first.
pub fn first_unsorted(rows: &[ChangeRow]) -> Option<&ChangeRow> {
    rows.windows(2)
        .find(|w| w[1].time > w[0].time)
        .map(|w| &w[1])
}

/// Records each problem of a line of the file at `url` as an error of
/// requirement `req`: `line N: reason`.
fn record_problems(findings: &mut Findings, req: u8, url: &str, problems: Vec<LineProblem>) {
    for p in problems {
        findings.error(p.code, req, url, format!("line {}: {}", p.line, p.reason));
    }
}

/// Checks `index.txt` and `changes.csv` in the directory `dir` (with a
/// final `/`), recording their documents in `listed`.
pub fn check(
    source: &Source,
    dir: &str,
    findings: &mut Findings,
    listed: &mut BTreeMap<String, Listing>,
) {
    let index_url = format!("{dir}index.txt");
    if let Some(bytes) = source.fetch(&index_url, findings, "index-missing", 12, "index.txt") {
        let text = String::from_utf8_lossy(&bytes);
        let (paths, problems) = parse_index(&text);
        record_problems(findings, 12, &index_url, problems);
        if paths.is_empty() {
            findings.warn("index-empty", 12, &index_url, "index.txt lists no document");
        }
        for (_, path) in paths {
            let l = listed.entry(format!("{dir}{path}")).or_default();
            l.directory = Some(dir.to_string());
            l.in_index = true;
        }
    }
    let changes_url = format!("{dir}changes.csv");
    let Some(bytes) = source.fetch(&changes_url, findings, "changes-missing", 13, "changes.csv")
    else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    let (rows, problems) = match parse_changes(&text) {
        Ok(r) => r,
        Err(p) => {
            findings.error(
                p.code,
                13,
                &changes_url,
                format!("line {}: not RFC 4180 CSV: {}", p.line, p.reason),
            );
            return;
        }
    };
    record_problems(findings, 13, &changes_url, problems);
    if let Some(row) = first_unsorted(&rows) {
        findings.error(
            "changes-unsorted",
            13,
            &changes_url,
            format!(
                "line {}: {} is newer than the line before it; changes.csv is sorted newest first",
                row.line, row.time
            ),
        );
    }
    for row in rows {
        let l = listed.entry(format!("{dir}{}", row.path)).or_default();
        l.directory = Some(dir.to_string());
        l.changed = Some(row.time);
    }
}

/// Reports documents one list has and another lacks: every document of a
/// directory is in its `index.txt` and its `changes.csv`, and every
/// document is in a feed when the provider has feeds (and they could all
/// be read: an unreadable feed is reported already).
pub fn check_completeness(
    meta: &Metadata,
    listed: &BTreeMap<String, Listing>,
    feeds_read: bool,
    findings: &mut Findings,
) {
    for (url, l) in listed {
        let dir = l.directory.clone().or_else(|| {
            meta.directories
                .iter()
                .find(|d| url.starts_with(d.as_str()))
                .cloned()
        });
        if let Some(dir) = dir {
            if !l.in_index {
                findings.error(
                    "index-incomplete",
                    12,
                    format!("{dir}index.txt"),
                    format!("does not list {url}"),
                );
            }
            if l.changed.is_none() {
                findings.error(
                    "changes-incomplete",
                    13,
                    format!("{dir}changes.csv"),
                    format!("does not list {url}"),
                );
            }
        }
        if feeds_read && !meta.feeds.is_empty() && l.feed_url.is_none() {
            findings.error(
                "feed-incomplete",
                15,
                &meta.feeds[0].url,
                format!("no ROLIE feed lists {url}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        let ok = parse_csv("\"a\",\"b\"\r\nc,\"d\"\"e\"\n\"multi\nline\",x").unwrap();
        assert_eq!(
            ok,
            vec![
                (1, vec!["a".to_string(), "b".to_string()]),
                (2, vec!["c".to_string(), "d\"e".to_string()]),
                (3, vec!["multi\nline".to_string(), "x".to_string()]),
            ]
        );
        assert_eq!(parse_csv("a\"b,c\n").unwrap_err().line, 1);
        assert_eq!(parse_csv("x,y\n\"a\"b,c\n").unwrap_err().line, 2);
        assert!(parse_csv("\"open,c\n").is_err());
        assert!(parse_csv("a,b\rc").is_err());
        assert_eq!(parse_csv("").unwrap(), vec![]);
    }

    #[test]
    fn changes_rows_and_order() {
        let (rows, problems) = parse_changes(
            "\"2024/a.json\",\"2024-02-01T00:00:00Z\"\n\"2024/b.json\",\"2024-03-01T00:00:00Z\"\n/abs.json,2024-01-01T00:00:00Z\nx.json\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(first_unsorted(&rows).unwrap().line, 2);
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].line, 3);
        assert_eq!(problems[1].line, 4);
    }

    proptest::proptest! {
        /// Rows written as RFC 4180 (every field quoted, quotes doubled)
        /// read back as written, on the lines they start on.
        #[test]
        fn csv_round_trip(rows in proptest::collection::vec(
            proptest::collection::vec("[ -~\n]{0,12}", 1..4), 0..6)) {
            let mut text = String::new();
            let mut lines = Vec::new();
            let mut line = 1;
            for r in &rows {
                lines.push(line);
                let fields: Vec<String> =
                    r.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
                let record = fields.join(",");
                line += record.matches('\n').count() + 1;
                text.push_str(&record);
                text.push_str("\r\n");
            }
            let parsed = parse_csv(&text).unwrap();
            let expected: Vec<(usize, Vec<String>)> = lines.into_iter().zip(rows).collect();
            proptest::prop_assert_eq!(parsed, expected);
        }

        /// Any text: the readers never panic and every line they name is
        /// a line of the text.
        #[test]
        fn readers_take_any_text(text in "(?s)[ -~\r\n\"]{0,200}") {
            let lines = text.split('\n').count();
            let (paths, problems) = parse_index(&text);
            for (l, p) in &paths {
                proptest::prop_assert!(*l >= 1 && *l <= lines);
                proptest::prop_assert_eq!(path_problem(p), None);
            }
            for p in &problems {
                proptest::prop_assert!(p.line >= 1 && p.line <= lines);
            }
            match parse_changes(&text) {
                Ok((rows, problems)) => {
                    for r in &rows {
                        proptest::prop_assert!(r.line >= 1 && r.line <= lines);
                    }
                    for p in &problems {
                        proptest::prop_assert!(p.line >= 1 && p.line <= lines);
                    }
                }
                Err(p) => proptest::prop_assert!(p.line >= 1 && p.line <= lines),
            }
        }

        /// Paths that leave the folder are never accepted.
        #[test]
        fn escaping_paths_are_refused(a in "[a-z0-9]{1,8}", b in "[a-z0-9]{1,8}") {
            for p in [format!("../{a}.json"), format!("{a}/../{b}.json"), format!("/{a}.json"),
                      format!("https://{a}/{b}.json"), format!("{a}//{b}.json")] {
                proptest::prop_assert!(path_problem(&p).is_some(), "{}", p);
            }
            proptest::prop_assert_eq!(path_problem(&format!("{a}/{b}.json")), None);
        }
    }

    #[test]
    fn index_lines() {
        let (paths, problems) = parse_index("2024/a.json\r\n\n../x.json\nhttps://e/x.json\n");
        assert_eq!(paths, vec![(1, "2024/a.json".to_string())]);
        assert_eq!(
            problems.iter().map(|p| p.line).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(parse_index(""), (vec![], vec![]));
    }
}
