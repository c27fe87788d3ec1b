//! Parsing digest files.
//!
//! A digest file lists one digest per line. Three line formats are accepted,
//! each as the tools that write them do:
//!
//! * `<hex> *<name>`: binary mode of `sha256sum` and friends (real packs);
//! * `<hex>  <name>`: text mode (two spaces), and `<hex> <name>`;
//! * `SHA256 (<name>) = <hex>`: BSD style (`sha256sum --tag`, `openssl dgst`).
//!
//! The algorithm comes from the BSD tag, else from the digest's length (32
//! hex digits MD5, 40 SHA-1, 64 SHA-256, 128 SHA-512). Blank lines and lines
//! starting with `#` are ignored; CRLF line ends are accepted. Any other line
//! is an error naming its line number: a digest file that cannot be read
//! entirely is not trusted partly.

use std::path::Path;

use super::Algorithm;

/// Largest digest file read (real ones are a few hundred bytes).
pub const MAX_DIGEST_FILE_BYTES: u64 = 1 << 20;

/// One digest listed in a digest file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The digest, lower-case hex.
    pub hex: String,
    /// The file name as written.
    pub name: String,
    /// Line number (from 1) in the text parsed.
    pub line: usize,
}

impl Entry {
    /// The final component of [`Entry::name`] (`a.iso` for `./dir/a.iso`).
    pub fn file_name(&self) -> &str {
        base_name(&self.name)
    }
}

/// A line that is not a digest, a comment or blank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ParseError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong, in a sentence.
    pub problem: String,
}

/// The digests a file lists, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestFile {
    /// Every digest line.
    pub entries: Vec<Entry>,
}

impl DigestFile {
    /// Parses the text of a digest file (the signed text, for a clear-signed
    /// one).
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut entries = Vec::new();
        for (index, raw) in text.split('\n').enumerate() {
            let line = index + 1;
            let content = raw.strip_suffix('\r').unwrap_or(raw);
            let trimmed = content.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (algorithm, hex, name) = parse_bsd(trimmed)
                .or_else(|| parse_coreutils(content.trim_start()))
                .ok_or_else(|| ParseError {
                    line,
                    problem: describe_bad_line(trimmed),
                })?
                .into_parts(line)?;
            entries.push(Entry {
                algorithm,
                hex,
                name,
                line,
            });
        }
        Ok(Self { entries })
    }

    /// The entries for the file called `file_name` (compared by final path
    /// component).
    pub fn entries_for<'a>(&'a self, file_name: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        let wanted = base_name(file_name);
        self.entries.iter().filter(move |e| e.file_name() == wanted)
    }

    /// The distinct file names listed, in file order.
    pub fn names(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .map(|e| e.file_name())
            .filter(|n| seen.insert(*n))
            .collect()
    }
}

/// The final component of a path written in a digest file.
fn base_name(name: &str) -> &str {
    Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(name)
}

/// A line split into its parts, not yet checked.
struct RawLine<'a> {
    tag: Option<&'a str>,
    hex: &'a str,
    name: &'a str,
}

impl RawLine<'_> {
    fn into_parts(self, line: usize) -> Result<(Algorithm, String, String), ParseError> {
        let fail = |problem: String| ParseError { line, problem };
        if self.name.is_empty() {
            return Err(fail("the line names no file".to_string()));
        }
        if !self.hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail(format!("{:?} is not a hexadecimal digest", self.hex)));
        }
        let by_len = Algorithm::from_hex_len(self.hex.len());
        let algorithm = match self.tag {
            Some(tag) => {
                let algorithm = Algorithm::from_bsd_tag(tag)
                    .ok_or_else(|| fail(format!("unknown algorithm {tag:?}")))?;
                if by_len != Some(algorithm) {
                    return Err(fail(format!(
                        "a {} digest has {} hex digits, not {}",
                        algorithm.bsd_tag(),
                        algorithm.hex_len(),
                        self.hex.len()
                    )));
                }
                algorithm
            }
            None => by_len.ok_or_else(|| {
                fail(format!(
                    "a digest of {} hex digits is none of MD5 (32), SHA-1 (40), SHA-256 (64), SHA-512 (128)",
                    self.hex.len()
                ))
            })?,
        };
        Ok((
            algorithm,
            self.hex.to_ascii_lowercase(),
            self.name.to_string(),
        ))
    }
}

/// `TAG (name) = hex`.
fn parse_bsd(line: &str) -> Option<RawLine<'_>> {
    let (tag, rest) = line.split_once(" (")?;
    if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let (name, hex) = rest.rsplit_once(") = ")?;
    Some(RawLine {
        tag: Some(tag),
        hex: hex.trim_end(),
        name,
    })
}

/// `hex *name`, `hex  name` or `hex name`.
fn parse_coreutils(line: &str) -> Option<RawLine<'_>> {
    let (hex, rest) = line.split_once([' ', '\t'])?;
    let name = rest
        .strip_prefix('*')
        .or_else(|| rest.strip_prefix(' '))
        .unwrap_or(rest);
    Some(RawLine {
        tag: None,
        hex,
        name: name.trim_end(),
    })
}

fn describe_bad_line(line: &str) -> String {
    let shown: String = line.chars().take(60).collect();
    format!("{shown:?} is not a digest line (expected `<hex> *<name>`, `<hex>  <name>` or `SHA256 (<name>) = <hex>`)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MD5: &str = "0123456789abcdef0123456789abcdef";

    fn one(line: &str) -> Entry {
        let f = DigestFile::parse(line).unwrap();
        assert_eq!(f.entries.len(), 1, "{line:?}");
        f.entries[0].clone()
    }

    #[test]
    fn every_line_format() {
        let sha1 = "a".repeat(40);
        let sha256 = "B".repeat(64);
        let sha512 = "c".repeat(128);
        let e = one(&format!("{MD5} *img.iso"));
        assert_eq!((e.algorithm, e.name.as_str()), (Algorithm::Md5, "img.iso"));
        let e = one(&format!("{sha1}  img.iso"));
        assert_eq!((e.algorithm, e.name.as_str()), (Algorithm::Sha1, "img.iso"));
        let e = one(&format!("SHA256 (img.iso) = {sha256}"));
        assert_eq!(e.algorithm, Algorithm::Sha256);
        assert_eq!(e.hex, "b".repeat(64), "hex is lower-cased");
        assert_eq!(e.name, "img.iso");
        let e = one(&format!("SHA512 (a (1).iso) = {sha512}\r\n"));
        assert_eq!(
            (e.algorithm, e.name.as_str()),
            (Algorithm::Sha512, "a (1).iso")
        );
        let e = one(&format!("{MD5} img with spaces.iso\r"));
        assert_eq!(e.name, "img with spaces.iso");
    }

    #[test]
    fn comments_blank_lines_crlf_and_line_numbers() {
        let text = format!("# made by hand\r\n\r\n   \n{MD5} *a.iso\r\n# end\n{MD5} *b.iso\n");
        let f = DigestFile::parse(&text).unwrap();
        let lines: Vec<_> = f
            .entries
            .iter()
            .map(|e| (e.line, e.name.as_str()))
            .collect();
        assert_eq!(lines, [(4, "a.iso"), (6, "b.iso")]);
        assert_eq!(f.names(), ["a.iso", "b.iso"]);
        assert_eq!(f.entries_for("/downloads/b.iso").count(), 1);
        assert_eq!(f.entries_for("c.iso").count(), 0);
    }

    #[test]
    fn names_match_by_final_component() {
        let f = DigestFile::parse(&format!("{MD5} *./out/img.iso\n")).unwrap();
        assert_eq!(f.entries_for("img.iso").count(), 1);
        assert_eq!(f.entries[0].name, "./out/img.iso");
    }

    #[test]
    fn bad_lines_are_errors_with_their_number() {
        for (text, needle) in [
            (format!("\n{}  a.iso", "a".repeat(33)), "33 hex digits"),
            (
                format!("{MD5} *a.iso\n{}  a.iso", "g".repeat(32)),
                "not a hexadecimal",
            ),
            (format!("SHA256 (a.iso) = {MD5}"), "SHA256 digest has 64"),
            (format!("SHA3 (a.iso) = {MD5}"), "unknown algorithm"),
            (format!("{MD5} *"), "names no file"),
            ("hello".to_string(), "not a digest line"),
        ] {
            let e = DigestFile::parse(&text).unwrap_err();
            assert!(e.problem.contains(needle), "{text:?}: {e}");
            assert_eq!(e.line, text.lines().count(), "{text:?}");
        }
    }

    fn algorithm() -> impl Strategy<Value = Algorithm> {
        prop::sample::select(Algorithm::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let _ = DigestFile::parse(&text);
        }

        #[test]
        fn written_lines_parse_back(
            lines in prop::collection::vec(
                (algorithm(), prop::collection::vec(any::<u8>(), 64), "[A-Za-z0-9._-][A-Za-z0-9 ._()-]{0,30}[A-Za-z0-9._-]", 0..3usize),
                0..8,
            ),
            crlf in any::<bool>(),
        ) {
            let mut text = String::new();
            let mut expected = Vec::new();
            for (a, bytes, name, style) in &lines {
                let hex: String = bytes[..a.hex_len() / 2].iter().map(|b| format!("{b:02x}")).collect();
                let line = match style {
                    0 => format!("{hex} *{name}"),
                    1 => format!("{hex}  {name}"),
                    _ => format!("{} ({name}) = {}", a.bsd_tag(), hex.to_uppercase()),
                };
                text.push_str(&line);
                text.push_str(if crlf { "\r\n" } else { "\n" });
                expected.push((*a, hex, name.clone()));
            }
            let parsed = DigestFile::parse(&text).unwrap();
            let got: Vec<_> = parsed.entries.into_iter().map(|e| (e.algorithm, e.hex, e.name)).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
