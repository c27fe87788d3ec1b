//! Writing digest files.

use super::hashing::Computed;

/// The text of a digest file listing `images` (file name, digests): one
/// `<hex> *<name>` line per digest, images in the order given, digests in
/// [`super::Algorithm::ALL`] order, as real packs write them.
pub fn render(images: &[(String, Vec<Computed>)]) -> String {
    let mut out = String::new();
    for (name, digests) in images {
        let mut digests: Vec<&Computed> = digests.iter().collect();
        digests.sort_by_key(|c| c.algorithm);
        for c in digests {
            out.push_str(&c.hex);
            out.push_str(" *");
            out.push_str(name);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::file::DigestFile;
    use super::super::Algorithm;
    use super::*;

    #[test]
    fn renders_binary_mode_lines_that_parse_back() {
        let digests = vec![
            Computed {
                algorithm: Algorithm::Sha256,
                hex: "2".repeat(64),
            },
            Computed {
                algorithm: Algorithm::Md5,
                hex: "1".repeat(32),
            },
        ];
        let text = render(&[("a.iso".into(), digests.clone()), ("b.iso".into(), digests)]);
        let first_line = format!("{} *a.iso", "1".repeat(32));
        assert_eq!(text.lines().next(), Some(first_line.as_str()));
        assert_eq!(text.lines().count(), 4);
        let parsed = DigestFile::parse(&text).unwrap();
        assert_eq!(parsed.names(), ["a.iso", "b.iso"]);
        assert_eq!(parsed.entries[1].algorithm, Algorithm::Sha256);
    }
}
