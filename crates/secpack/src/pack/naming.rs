//! File-name conventions of a pack: numbered documents and signature files.

use serde::Serialize;

/// A numbered document name: `<prefix>-NNN-YYYY.txt`, or a letter published
/// beside it, `<prefix>-NNN-YYYY-<suffix>.txt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumberedName {
    /// The document number (`116` in `qsb-116-2025.txt`).
    pub number: u32,
    /// The year of first issue.
    pub year: i32,
    /// The letter's suffix, `None` for the numbered document itself.
    pub suffix: Option<String>,
}

impl NumberedName {
    /// Parses `name` (a file name, no folder) with the given prefix.
    pub fn parse(prefix: &str, name: &str) -> Option<Self> {
        let rest = name.strip_prefix(prefix)?.strip_prefix('-')?;
        let rest = rest.strip_suffix(".txt")?;
        let mut parts = rest.splitn(3, '-');
        let number = parts.next()?;
        let year = parts.next()?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || number.len() > 6 {
            return None;
        }
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let suffix = match parts.next() {
            None => None,
            Some(s) if !s.is_empty() => Some(s.to_string()),
            Some(_) => return None,
        };
        Some(Self {
            number: number.parse().ok()?,
            year: year.parse().ok()?,
            suffix,
        })
    }
}

/// One way of reading a file name as a detached signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureName {
    /// File name of the signed document, in the same folder.
    pub target: String,
    /// Signer name from the file name, if it carries one.
    pub signer: Option<String>,
    /// Not one of the conventional forms (`<doc>.sig.<who>`, `<doc>.asc`).
    pub nonstandard: bool,
}

impl SignatureName {
    /// Every plausible reading of `name` as a signature file, most likely
    /// first. The caller keeps the first whose target exists.
    pub fn candidates(name: &str) -> Vec<Self> {
        let mut out = Vec::new();
        // `<doc>.sig.<who>` and variants with another infix (`.sign.<who>`).
        for (infix, nonstandard) in [(".sig.", false), (".sign.", true), (".asc.", true)] {
            if let Some(i) = name.rfind(infix) {
                let who = &name[i + infix.len()..];
                if i > 0 && is_signer_name(who) {
                    out.push(Self {
                        target: name[..i].to_string(),
                        signer: Some(who.to_string()),
                        nonstandard,
                    });
                }
            }
        }
        // `<doc>.asc` and `<doc>.sig`, no signer name.
        for (ext, nonstandard) in [(".asc", false), (".sig", true), (".sign", true)] {
            if let Some(target) = name.strip_suffix(ext) {
                if !target.is_empty() {
                    out.push(Self {
                        target: target.to_string(),
                        signer: None,
                        nonstandard,
                    });
                }
                // `<doc>.<who>.sig`.
                if let Some((target, who)) = target.rsplit_once('.') {
                    if !target.is_empty() && is_signer_name(who) {
                        out.push(Self {
                            target: target.to_string(),
                            signer: Some(who.to_string()),
                            nonstandard: true,
                        });
                    }
                }
            }
        }
        out
    }

    /// Whether the name looks like a signature file at all.
    pub fn looks_like_signature(name: &str) -> bool {
        !Self::candidates(name).is_empty()
    }
}

/// Whether the key file `file` (a path or a bare file name) is named for the
/// signer `signer`, the name in `<document>.sig.<signer>` and in `[[team]]
/// signer`: its file name is `signer` or starts with `signer` followed by
/// `-`, `_` or `.` (`alice-team.asc`, `alice_2026.asc`, `alice.asc` for
/// `alice`), ignoring case. A `signer` that is not a signer name (empty,
/// holding a `.` or a `/`) names no file. The one rule tying signer names to
/// key files.
pub fn key_file_names_signer(file: &str, signer: &str) -> bool {
    if !is_signer_name(signer) {
        return false;
    }
    let name = file.rsplit('/').next().unwrap_or(file);
    let Some(head) = name.get(..signer.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(signer)
        && name[signer.len()..]
            .chars()
            .next()
            .is_none_or(|c| matches!(c, '-' | '_' | '.'))
}

/// Whether `name` is a signer name secpack writes into file names (a new
/// key's `<name>-<key id>.asc`, a signature's `.sig.<name>`): lower-case
/// letters, digits, `-` and `_`. Names read from a pack may be any
/// [signer name](key_file_names_signer); new ones are this narrower form.
pub fn is_new_signer_name(name: &str) -> bool {
    is_signer_name(name) && !name.bytes().any(|b| b.is_ascii_uppercase())
}

/// Signer names are short words: letters, digits, `_` and `-`.
fn is_signer_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbered_names() {
        let n = NumberedName::parse("qsb", "qsb-116-2025.txt").unwrap();
        assert_eq!((n.number, n.year, n.suffix), (116, 2025, None));
        let n = NumberedName::parse("canary", "canary-040-2024-letter.txt").unwrap();
        assert_eq!(n.suffix.as_deref(), Some("letter"));
        for bad in [
            "qsb-template.txt",
            "qsb-1a-2020.txt",
            "qsb-001-20.txt",
            "qsb-001-2020.txt.sig.alice",
            "qsb-001-2020-.txt",
            "canary-001-2020.txt",
            "qsb--2020.txt",
        ] {
            assert!(NumberedName::parse("qsb", bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn signature_names() {
        let c = SignatureName::candidates("qsb-001-2011.txt.sig.joanna");
        assert_eq!(c[0].target, "qsb-001-2011.txt");
        assert_eq!(c[0].signer.as_deref(), Some("joanna"));
        assert!(!c[0].nonstandard);

        let c = SignatureName::candidates("qsb-017-2015.txt.sign.joanna");
        assert_eq!(c[0].target, "qsb-017-2015.txt");
        assert!(c[0].nonstandard);

        let c = SignatureName::candidates("Qubes-R4.2.iso.DIGESTS.asc");
        assert_eq!(c[0].target, "Qubes-R4.2.iso.DIGESTS");
        assert_eq!(c[0].signer, None);
        assert!(!c[0].nonstandard);

        let c = SignatureName::candidates("notes.txt.alice.sig");
        assert!(c
            .iter()
            .any(|s| s.target == "notes.txt" && s.signer.as_deref() == Some("alice")));

        assert!(!SignatureName::looks_like_signature("qsb-001-2011.txt"));
        assert!(!SignatureName::looks_like_signature("README.md"));
        assert!(!SignatureName::looks_like_signature(".sig.x"));
    }

    #[test]
    fn new_signer_names_are_lower_case_words_a_key_file_can_be_named_for() {
        for good in ["alice", "marek-m", "bob_2", "0"] {
            assert!(is_new_signer_name(good), "{good}");
            assert!(key_file_names_signer(&format!("{good}-0a1b.asc"), good));
        }
        let long = "a".repeat(65);
        for bad in ["", "Alice", "al.ice", "al/ice", "al ice", long.as_str()] {
            assert!(!is_new_signer_name(bad), "{bad}");
        }
    }

    #[test]
    fn key_files_named_for_a_signer() {
        for (file, signer) in [
            ("keys/security-team/alice-0123456789abcdef.asc", "alice"),
            ("alice_2026.asc", "alice"),
            ("keys/security-team/alice.asc", "alice"),
            ("keys/security-team/Alice-Team.asc", "alice"),
            ("alice-team.asc", "ALICE"),
            ("marek-m.asc", "marek-m"),
            ("alice", "alice"),
        ] {
            assert!(key_file_names_signer(file, signer), "{file} {signer}");
        }
        for (file, signer) in [
            ("keys/security-team/alicia-team.asc", "alice"),
            ("keys/security-team/alice2.asc", "alice"),
            ("keys/alice/bob-team.asc", "alice"),
            ("bob-alice.asc", "alice"),
            ("alice-team.asc", ""),
            ("alice.asc", "alice.asc"),
            ("alice-team.asc", "alice/"),
            ("al", "alice"),
        ] {
            assert!(!key_file_names_signer(file, signer), "{file} {signer}");
        }
        // A signature file's signer name names the member's key file.
        let c = SignatureName::candidates("qsb-001-2026.txt.sig.marek-m");
        let who = c[0].signer.as_deref().unwrap();
        assert!(key_file_names_signer(
            "keys/security-team/marek-m-0a1b.asc",
            who
        ));
        assert!(!key_file_names_signer(
            "keys/security-team/marek-0a1b.asc",
            who
        ));
    }

    proptest! {
        #[test]
        fn a_signer_names_its_own_key_files(signer in "[a-z0-9_-]{1,20}", rest in "[-_.][a-z0-9.]{0,20}", other in "[a-z0-9]{1,3}") {
            let file = format!("keys/team/{signer}{rest}");
            prop_assert!(key_file_names_signer(&file, &signer));
            prop_assert!(key_file_names_signer(&file.to_uppercase(), &signer));
            // A longer name that only starts with the signer's is another's.
            let longer = format!("keys/team/{signer}{other}{rest}");
            prop_assert!(!key_file_names_signer(&longer, &signer));
        }

        #[test]
        fn never_panics_on_any_names(file in "\\PC{0,40}", signer in "\\PC{0,10}") {
            let _ = key_file_names_signer(&file, &signer);
        }

        #[test]
        fn candidates_never_panic_and_shorten(name in "\\PC{0,80}") {
            for c in SignatureName::candidates(&name) {
                prop_assert!(c.target.len() < name.len());
                prop_assert!(name.starts_with(&c.target));
            }
        }

        #[test]
        fn numbered_round_trip(n in 0u32..100_000, y in 1000i32..9999) {
            let name = format!("qsb-{n:03}-{y}.txt");
            let p = NumberedName::parse("qsb", &name).unwrap();
            prop_assert_eq!((p.number, p.year), (n, y));
        }
    }
}
