//! A fast path for cleartext-signed messages (RFC 4880, section 7).
//!
//! Sequoia reads a cleartext-signed message through its general armour
//! reader, which zeroes a buffer of 64 KiB or more each time it needs more
//! input: on a pack's release digests that cost more than everything else a
//! warm `secpack verify` did. Nearly every real cleartext-signed file is what
//! `gpg --clearsign` writes, so this module takes exactly that shape apart and
//! nothing else:
//!
//! - the file starts with the `-----BEGIN PGP SIGNED MESSAGE-----` line;
//! - `Hash: ALGO[,ALGO...]` header lines, then an empty line;
//! - the text, where a line that starts with `-` is dash-escaped (`- `);
//! - the `-----BEGIN PGP SIGNATURE-----` line at the start of a line, and from
//!   it to the end of the file the signature block.
//!
//! The signed text returned is the one Sequoia's reader derives from such a
//! message: dash-escapes undone, trailing spaces and tabs removed from every
//! line, line ends kept, the line end before the signature block dropped. The
//! caller verifies the signature block over it as a detached signature, which
//! Sequoia hashes exactly as it hashes the text of the transformed message
//! (line ends normalised for text signatures). Any other shape (text before
//! the header, other headers, a line starting with `-` that is not escaped, a
//! line mentioning a signature block that is not the canonical marker) gives
//! `None`, and the caller hands the message to Sequoia unchanged. Property
//! tests check that whatever this module takes, Sequoia reads the same text
//! and the same signatures from it.
//!
//! [`frame`] judges what a clear-signed file holds besides its signed
//! message, whichever path then reads it: Sequoia's reader skips text before
//! the message, keeps or skips header lines other than `Hash:`, ignores
//! everything after the signature block (a second signed message included)
//! and never compares the `Hash:` header with the signatures. None of that is
//! covered by a signature. GnuPG refuses a second message ("multiple
//! plaintexts") and a `Hash:` header that does not name the signature's
//! algorithm ("digest conflict"); secpack refuses those and, stricter than
//! GnuPG 2.2, any text around the message. White space around it is normal.

/// The first line of a cleartext-signed message.
const SIGNED_MESSAGE: &[u8] = b"-----BEGIN PGP SIGNED MESSAGE-----";

/// The line that ends the text and starts the signature block.
const SIGNATURE_MARKER: &[u8] = b"-----BEGIN PGP SIGNATURE-----";

/// What a line must not contain unless it is the marker: Sequoia ends the
/// text at any line of dashes (of several Unicode kinds) followed by this.
const MARKER_WORDS: &[u8] = b"BEGIN PGP SIGNATURE";

/// What a cleartext header line holds (Sequoia finds it after any dashes).
const SIGNED_MESSAGE_WORDS: &[u8] = b"BEGIN PGP SIGNED MESSAGE";

/// What the last line of the signature block holds.
const END_WORDS: &[u8] = b"END PGP SIGNATURE";

use std::fmt;

use sequoia_openpgp::types::HashAlgorithm;

use super::armor::find_bytes;

/// A cleartext-signed message taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleartext<'a> {
    /// The signed text, as the signatures cover it (before line ends are
    /// normalised for hashing).
    pub text: Vec<u8>,
    /// The armoured signature block, from its `BEGIN` line to the end.
    pub signature: &'a [u8],
}

/// Whether `bytes` hold a cleartext-signed message as GnuPG and Sequoia
/// find one: the `-----BEGIN PGP SIGNED MESSAGE-----` line at the start
/// (after white space) or at the start of any later line, with a
/// `-----BEGIN PGP SIGNATURE-----` line after it. Both readers skip what
/// comes before the message, so a file holding text and then a signed
/// message is a clear-signed file whose extra text [`frame`] refuses, not an
/// unsigned file.
pub fn holds_signed_message(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let at = if bytes[start..].starts_with(SIGNED_MESSAGE) {
        start
    } else {
        match find_line_start(bytes, SIGNED_MESSAGE) {
            Some(at) => at,
            None => return false,
        }
    };
    find_line_start(&bytes[at..], SIGNATURE_MARKER).is_some()
}

/// Where a line of `bytes` after the first starts with `prefix`.
fn find_line_start(bytes: &[u8], prefix: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = find_bytes(&bytes[from..], prefix) {
        let at = from + i;
        if at > 0 && bytes[at - 1] == b'\n' {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Splits a message of the canonical cleartext-signed shape into its signed
/// text and signature block; `None` for anything else.
pub fn split(message: &[u8]) -> Option<Cleartext<'_>> {
    let rest = message.strip_prefix(SIGNED_MESSAGE)?;
    let (first, _, mut rest) = line(rest)?;
    if !first.is_empty() {
        return None;
    }
    // `Hash:` headers, at least one, then the empty line that ends them.
    let mut headers = 0;
    loop {
        let (header, _, next) = line(rest)?;
        rest = next;
        if header.is_empty() {
            break;
        }
        let algorithms = header.strip_prefix(b"Hash: ")?;
        if algorithms.is_empty()
            || !algorithms
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b',')
        {
            return None;
        }
        headers += 1;
    }
    if headers == 0 {
        return None;
    }
    let mut text = Vec::with_capacity(rest.len());
    loop {
        let start = rest;
        let (mut content, crlf, next) = line(rest)?;
        rest = next;
        if let Some(escaped) = content.strip_prefix(b"- ") {
            content = escaped;
        } else if content.first() == Some(&b'-') {
            if content.trim_ascii_end() != SIGNATURE_MARKER {
                return None;
            }
            text.pop();
            if text.last() == Some(&b'\r') {
                text.pop();
            }
            return Some(Cleartext {
                text,
                signature: start,
            });
        } else if find_bytes(content, MARKER_WORDS).is_some() {
            return None;
        }
        while let Some((&(b' ' | b'\t'), head)) = content.split_last() {
            content = head;
        }
        text.extend_from_slice(content);
        text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
}

/// Text in a clear-signed file that no signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extra {
    /// Text before the `-----BEGIN PGP SIGNED MESSAGE-----` line, or on it.
    Before,
    /// A header line other than `Hash:` before the text, or a line that is
    /// no `Key: value` header in the signature block's headers (Sequoia
    /// keeps or skips them).
    Header(String),
    /// Text after the `-----BEGIN PGP SIGNATURE-----` marker, on its line.
    OnMarker,
    /// Text after the signature block.
    After,
    /// A second armoured block after the signature block, such as another
    /// signed message.
    SecondBlock,
}

impl fmt::Display for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Before => f.write_str(
                "the file holds text before or on its BEGIN PGP SIGNED MESSAGE line, which no \
                 signature covers",
            ),
            Self::Header(line) => write!(
                f,
                "the file holds the header line {line:?}, which no signature covers"
            ),
            Self::OnMarker => f.write_str(
                "the file holds text on its BEGIN PGP SIGNATURE line, which no signature covers",
            ),
            Self::After => f.write_str(
                "the file holds text after its signature block, which no signature covers",
            ),
            Self::SecondBlock => f.write_str(
                "the file holds a second armoured block after its signature block, which the \
                 signatures do not cover (GnuPG: multiple plaintexts)",
            ),
        }
    }
}

/// The frame of a clear-signed message without extra text: what its `Hash:`
/// headers allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The algorithms the `Hash:` headers name (none without a header), or
    /// why a header names none validly.
    hashes: Result<Vec<HashAlgorithm>, String>,
}

impl Frame {
    /// Why a signature made with the hash algorithm `hash` (as Sequoia
    /// writes its name, e.g. `SHA256`) disagrees with the `Hash:` headers;
    /// `None` when a header names it. GnuPG hashes the text with the
    /// algorithms the headers name only (MD5 without a header) and refuses
    /// any other signature as a "digest conflict".
    pub fn hash_mismatch(&self, hash: &str) -> Option<String> {
        match &self.hashes {
            Err(why) => Some(format!(
                "{why}, so it does not name the signature's {hash} (GnuPG: invalid clearsig \
                 header, digest conflict)"
            )),
            Ok(names) if names.is_empty() => Some(format!(
                "the signed message has no Hash: header, which means MD5, and the signature \
                 uses {hash} (GnuPG: digest conflict)"
            )),
            Ok(names) if names.iter().any(|a| a.to_string() == hash) => None,
            Ok(names) => Some(format!(
                "the Hash: header names {} and the signature uses {hash} (GnuPG: digest \
                 conflict)",
                names
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// Judges the frame of `message` around its signed text, for every path
/// that reads it: `Err` when it holds text no signature covers, `Ok(None)`
/// when it is not a cleartext-signed message (no `BEGIN PGP SIGNED MESSAGE`
/// anywhere), and otherwise its [`Frame`] for [`Frame::hash_mismatch`].
///
/// The file must be spaces, tabs and line ends, the `-----BEGIN PGP SIGNED
/// MESSAGE-----` line, header lines that are all `Hash:`, an empty line,
/// the text, the signature block (`Key: value` headers, an empty line, the
/// data) up to the first line holding `END PGP SIGNATURE`, and white space.
/// The text ends, as Sequoia ends it, at the first line that is not
/// dash-escaped and holds `BEGIN PGP SIGNATURE` (or earlier: a line Sequoia
/// keeps in the text but that holds those words is taken as the end, which
/// can only find more to refuse). A message cut short is left to the reader,
/// which cannot read a signature from it.
pub fn frame(message: &[u8]) -> Result<Option<Frame>, Extra> {
    // White space Sequoia skips before an armour header line.
    let start = message
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(message.len());
    let Some(rest) = message[start..].strip_prefix(SIGNED_MESSAGE) else {
        return match find_bytes(message, SIGNED_MESSAGE_WORDS) {
            Some(_) => Err(Extra::Before),
            None => Ok(None),
        };
    };
    let mut lines = Lines { all: rest, at: 0 };
    let mut frame = Frame {
        hashes: Ok(Vec::new()),
    };
    if !lines.next().is_none_or(is_blank) {
        return Err(Extra::Before);
    }
    // The headers of the signed message: `Hash:` only.
    headers(&mut lines, |header| {
        let value = header
            .strip_prefix(b"Hash:")
            .ok_or_else(|| Extra::Header(String::from_utf8_lossy(header).into_owned()))?;
        match (&mut frame.hashes, hash_header(value)) {
            (Ok(all), Ok(names)) => all.extend(names),
            (Ok(_), Err(why)) => frame.hashes = Err(why),
            (Err(_), _) => {}
        }
        Ok(())
    })?;
    // The text, up to the signature marker.
    loop {
        let Some(text) = lines.next() else {
            return Ok(Some(frame));
        };
        if !text.starts_with(b"- ") && find_bytes(text, MARKER_WORDS).is_some() {
            // Nothing after the marker on its line (when it is the marker
            // written with ASCII dashes, which Sequoia surely takes).
            let words = skip_dashes(text);
            if text.starts_with(b"---")
                && words.starts_with(MARKER_WORDS)
                && !is_blank(skip_dashes(&words[MARKER_WORDS.len()..]))
            {
                return Err(Extra::OnMarker);
            }
            break;
        }
    }
    // The headers of the signature block (`Comment:` and the like), then
    // its data up to the END line.
    headers(&mut lines, |_| Ok(()))?;
    let after = loop {
        let line_start = lines.at;
        let Some(block) = lines.next() else {
            return Ok(Some(frame));
        };
        if let Some(at) = find_bytes(block, END_WORDS) {
            // Sequoia reads the END line up to its last dash.
            break skip_dashes(&rest[line_start + at + END_WORDS.len()..]);
        }
    };
    if after.iter().all(u8::is_ascii_whitespace) {
        Ok(Some(frame))
    } else if find_bytes(after, b"BEGIN PGP").is_some() {
        Err(Extra::SecondBlock)
    } else {
        Err(Extra::After)
    }
}

/// Reads armour header lines up to the empty line that ends them, as
/// Sequoia does: a first line that is no `Key: value` header is the start of
/// what follows (and is left to be read again); any later such line, or one
/// that is not UTF-8, Sequoia skips, and it is refused here. `header` judges
/// each `Key: value` line.
fn headers<'a>(
    lines: &mut Lines<'a>,
    mut header: impl FnMut(&'a [u8]) -> Result<(), Extra>,
) -> Result<(), Extra> {
    let mut first = true;
    loop {
        let before = lines.at;
        let Some(line) = lines.next() else {
            return Ok(());
        };
        if is_blank(line) {
            return Ok(());
        }
        let extra = || Extra::Header(String::from_utf8_lossy(line).into_owned());
        if std::str::from_utf8(line).is_err() {
            return Err(extra());
        }
        if find_bytes(line, b": ").is_some() {
            header(line)?;
        } else if first {
            lines.at = before;
            return Ok(());
        } else {
            return Err(extra());
        }
        first = false;
    }
}

/// The algorithms a `Hash:` header names, read as GnuPG reads them: names
/// from those GnuPG knows, separated by commas, white space around each, a
/// trailing comma allowed; anything else makes the header invalid.
fn hash_header(value: &[u8]) -> Result<Vec<HashAlgorithm>, String> {
    let invalid = || {
        format!(
            "the header {:?} is not a valid Hash: header",
            format!("Hash:{}", String::from_utf8_lossy(value))
        )
    };
    let list = value.strip_prefix(b" ").ok_or_else(invalid)?;
    let names: Vec<&[u8]> = list.split(|&b| b == b',').collect();
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let name = name.trim_ascii();
        out.push(match name {
            b"RIPEMD160" => HashAlgorithm::RipeMD,
            b"SHA1" => HashAlgorithm::SHA1,
            b"SHA224" => HashAlgorithm::SHA224,
            b"SHA256" => HashAlgorithm::SHA256,
            b"SHA384" => HashAlgorithm::SHA384,
            b"SHA512" => HashAlgorithm::SHA512,
            b"" if i > 0 && i == names.len() - 1 => continue,
            _ => return Err(invalid()),
        });
    }
    Ok(out)
}

/// `bytes` without the ASCII dashes it starts with.
fn skip_dashes(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|&&b| b == b'-').count();
    &bytes[n..]
}

/// Whether a line holds only spaces and tabs (and a `\r` before its end).
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// The lines of `all` from offset `at`, each without its `\n` (the last
/// one may have none).
struct Lines<'a> {
    all: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = &self.all[self.at..];
        if rest.is_empty() {
            return None;
        }
        let len = rest.iter().position(|&b| b == b'\n');
        self.at += len.map_or(rest.len(), |n| n + 1);
        Some(&rest[..len.unwrap_or(rest.len())])
    }
}

/// The next line without its line end (`\n` or `\r\n`), whether that end
/// was `\r\n`, and what follows.
fn line(bytes: &[u8]) -> Option<(&[u8], bool, &[u8])> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    let content = &bytes[..end];
    let (content, crlf) = match content.strip_suffix(b"\r") {
        Some(c) => (c, true),
        None => (content, false),
    };
    Some((content, crlf, &bytes[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::super::armor::{dearmor, ArmorKind};
    use super::super::keyring::{KeyFile, Keyring};
    use super::super::pin::MasterPin;
    use super::*;
    use proptest::prelude::*;
    use sequoia_openpgp as openpgp;

    use openpgp::cert::prelude::*;
    use openpgp::packet::Signature;
    use openpgp::parse::stream::{
        DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationError,
        VerificationHelper, VerifierBuilder,
    };
    use openpgp::parse::Parse;
    use openpgp::policy::StandardPolicy;
    use openpgp::serialize::stream::{Message, Signer};
    use openpgp::serialize::SerializeInto;
    use openpgp::{Cert, KeyHandle};
    use std::io::Write;
    use std::sync::OnceLock;

    /// A throwaway Ed25519 signing key, made once.
    fn key() -> &'static Cert {
        static KEY: OnceLock<Cert> = OnceLock::new();
        KEY.get_or_init(|| {
            CertBuilder::general_purpose(CipherSuite::Cv25519, Some("test <t@example.invalid>"))
                .generate()
                .unwrap()
                .0
        })
    }

    /// Sequoia's own cleartext signature of `text`.
    fn clearsign(text: &[u8]) -> Vec<u8> {
        let p = StandardPolicy::new();
        let keypair = key()
            .keys()
            .with_policy(&p, None)
            .secret()
            .for_signing()
            .next()
            .unwrap()
            .key()
            .clone()
            .into_keypair()
            .unwrap();
        let mut out = Vec::new();
        let m = Message::new(&mut out);
        let mut s = Signer::new(m, keypair).cleartext().build().unwrap();
        s.write_all(text).unwrap();
        s.finalize().unwrap();
        out
    }

    /// A keyring whose pinned master is [`key`], so that what it signs is
    /// judged `valid`.
    fn ring() -> &'static Keyring {
        static RING: OnceLock<Keyring> = OnceLock::new();
        RING.get_or_init(|| {
            let pin = MasterPin::parse(&key().fingerprint().to_hex()).unwrap();
            let file = KeyFile {
                path: "keys/master-key/test.asc".into(),
                role: "master".into(),
                retired: false,
                contents: Ok(key().armored().to_vec().unwrap()),
            };
            Keyring::from_files(vec![file], &pin)
        })
    }

    /// secpack's verdict codes on `message` and the text it returns.
    fn verdict(message: &[u8]) -> (Vec<&'static str>, Option<Vec<u8>>) {
        let (judgements, text) = ring().verify_inline(message);
        (judgements.iter().map(|j| j.status.code()).collect(), text)
    }

    /// The verdict on `message` on Sequoia's path: a blank line before the
    /// message (normal; GnuPG and Sequoia skip it) keeps it from the fast path.
    fn sequoia_verdict(message: &[u8]) -> (Vec<&'static str>, Option<Vec<u8>>) {
        let moved = [b"\n", message].concat();
        assert_eq!(split(&moved), None);
        verdict(&moved)
    }

    /// Collects the signatures a verifier saw, and whether each verified.
    #[derive(Default)]
    struct Collect(Vec<(Signature, bool)>);

    impl VerificationHelper for &mut Collect {
        fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
            Ok(vec![key().clone()])
        }
        fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
            for layer in structure {
                if let MessageLayer::SignatureGroup { results } = layer {
                    for r in results {
                        self.0.push(match r {
                            Ok(g) => (g.sig.clone(), true),
                            Err(VerificationError::MissingKey { sig })
                            | Err(VerificationError::MalformedSignature { sig, .. })
                            | Err(VerificationError::UnboundKey { sig, .. })
                            | Err(VerificationError::BadKey { sig, .. })
                            | Err(VerificationError::BadSignature { sig, .. }) => {
                                (sig.clone(), false)
                            }
                        });
                    }
                }
            }
            Ok(())
        }
    }

    /// A signed text and its signatures, each with whether it verified.
    type Reading = (Vec<u8>, Vec<(Signature, bool)>);

    /// What Sequoia's cleartext reader makes of `message`: the text and
    /// the signatures with whether each verified.
    fn sequoia_reads(message: &[u8]) -> Option<Reading> {
        let p = StandardPolicy::new();
        let mut helper = Collect::default();
        let mut text = Vec::new();
        let mut v = VerifierBuilder::from_bytes(message)
            .ok()?
            .with_policy(&p, None, &mut helper)
            .ok()?;
        std::io::copy(&mut v, &mut text).ok()?;
        drop(v);
        Some((text, helper.0))
    }

    /// What the fast path makes of it: the split text, and the signature
    /// block verified as a detached signature over it.
    fn fast_reads(message: &[u8]) -> Option<Reading> {
        let c = split(message)?;
        let binary = dearmor(c.signature, ArmorKind::Signature)?;
        let p = StandardPolicy::new();
        let mut helper = Collect::default();
        DetachedVerifierBuilder::from_bytes(&binary)
            .ok()?
            .with_policy(&p, None, &mut helper)
            .ok()?
            .verify_bytes(&c.text)
            .ok()?;
        Some((c.text, helper.0))
    }

    #[test]
    fn what_gpg_writes_is_taken_apart() {
        let msg = b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n\
            abc  \n- -- dash\n\ttab\t\n\n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n\
            -----END PGP SIGNATURE-----\n";
        let c = split(msg).unwrap();
        assert_eq!(c.text, b"abc\n-- dash\n\ttab\n");
        assert!(c.signature.starts_with(SIGNATURE_MARKER));
        // CRLF line ends are kept, the last one dropped.
        let crlf = String::from_utf8(msg.to_vec())
            .unwrap()
            .replace('\n', "\r\n");
        assert_eq!(
            split(crlf.as_bytes()).unwrap().text,
            b"abc\r\n-- dash\r\n\ttab\r\n"
        );
    }

    #[test]
    fn other_shapes_go_to_sequoia() {
        let good = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nabc\n\
            -----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n";
        assert!(split(good.as_bytes()).is_some());
        for bad in [
            // Text before the header (Sequoia skips it: never signed).
            format!("unsigned\n{good}"),
            // No Hash header, another header, a header with spaces.
            good.replace("Hash: SHA256\n", ""),
            good.replace("Hash: SHA256\n", "Hash: SHA256\nCharset: UTF-8\n"),
            good.replace("Hash: SHA256", "Hash: SHA256 "),
            // An unescaped dash line, a lone dash.
            good.replace("abc\n", "--abc\n"),
            good.replace("abc\n", "-\n"),
            // A look-alike marker in the text (Sequoia would stop there).
            good.replace("abc\n", "\u{2014}\u{2014}\u{2014}BEGIN PGP SIGNATURE\n"),
            good.replace("abc\n", "  -----BEGIN PGP SIGNATURE-----\n"),
            good.replace(
                "-----BEGIN PGP SIGNATURE-----",
                "-----BEGIN PGP SIGNATURE-----x",
            ),
            // No marker at all.
            "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nabc\n".into(),
        ] {
            assert_eq!(split(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn sequoia_signed_messages_read_the_same() {
        for text in [
            &b""[..],
            b"one line",
            b"one line\n",
            b"- dash\n-- two\n---BEGIN PGP SIGNATURE\ntrailing \t \n",
            b"crlf\r\nlines\r\n\r\n",
        ] {
            let msg = clearsign(text);
            let fast = fast_reads(&msg).expect("the fast path takes Sequoia's output");
            assert_eq!(Some(fast.clone()), sequoia_reads(&msg));
            assert!(fast.1.iter().all(|(_, ok)| *ok));
        }
    }

    #[test]
    fn the_frame_finds_text_no_signature_covers() {
        let good = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nabc\n\
            -----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n";
        let frame_of = |m: &str| frame(m.as_bytes());
        let clean = frame_of(good).unwrap().unwrap();
        assert_eq!(clean.hash_mismatch("SHA256"), None);
        assert!(clean.hash_mismatch("SHA512").is_some());
        // White space around the message is normal.
        for ok in [
            format!("\n \r\n{good}"),
            format!("{good}\n\n \t\r\n"),
            good.trim_end().into(),
            good.replace('\n', "\r\n"),
            good.replace("MESSAGE-----\n", "MESSAGE----- \t\n"),
            good.replace("Hash: SHA256\n", "Hash: SHA1 , SHA256,\nHash: SHA512\n"),
            good.replace("\nabc\n", "\n- -----BEGIN PGP SIGNATURE-----\n- x\n"),
            good.replace("\n\nAAAA", "\nComment: gpg writes these\n\nAAAA"),
            good.replace("\n\nAAAA", "\nAAAA"),
            good.replace("\nabc\n", "\nsee the BEGIN PGP SIGNATURE line below\n"),
            good.replace("\nabc\n", "\n  -----BEGIN PGP SIGNATURE----- quoted\n"),
        ] {
            let f = frame_of(&ok);
            assert!(matches!(f, Ok(Some(_))), "{ok:?}: {f:?}");
        }
        // Not a cleartext message: nothing to judge.
        assert_eq!(frame_of("-----BEGIN PGP MESSAGE-----\n\nAAAA\n"), Ok(None));
        assert_eq!(frame(b"\xa3\x01binary"), Ok(None));
        // Text no signature covers.
        for (bad, extra) in [
            (format!("text\n{good}"), Extra::Before),
            (format!("> {good}"), Extra::Before),
            (format!("\u{feff}{good}"), Extra::Before),
            (
                good.replace("MESSAGE-----\n", "MESSAGE----- x\n"),
                Extra::Before,
            ),
            (
                good.replace("Hash: SHA256\n", "Hash: SHA256\nCharset: UTF-8\n"),
                Extra::Header("Charset: UTF-8".into()),
            ),
            (
                good.replace("Hash: SHA256\n", "Hash: SHA256\njunk\n"),
                Extra::Header("junk".into()),
            ),
            (
                good.replace("Hash: SHA256\n", " Hash: SHA256\n"),
                Extra::Header(" Hash: SHA256".into()),
            ),
            (format!("{good}x"), Extra::After),
            (format!("{good}\nP.S. more\n"), Extra::After),
            (format!("{good}\0"), Extra::After),
            (
                good.replace("END PGP SIGNATURE-----", "END PGP SIGNATURE----- x"),
                Extra::After,
            ),
            (
                good.replace("END PGP SIGNATURE-----", "END PGP SIGNATURE-----\u{2014}"),
                Extra::After,
            ),
            (
                good.replace("BEGIN PGP SIGNATURE-----", "BEGIN PGP SIGNATURE----- x"),
                Extra::OnMarker,
            ),
            (
                good.replace("\n\nAAAA", "\nComment: x\nunsigned\n\nAAAA"),
                Extra::Header("unsigned".into()),
            ),
            (format!("{good}{good}"), Extra::SecondBlock),
            (
                format!("{good}\n-----BEGIN PGP MESSAGE-----\n"),
                Extra::SecondBlock,
            ),
        ] {
            assert_eq!(frame_of(&bad), Err(extra), "{bad:?}");
        }
        // A header line that is not UTF-8 (Sequoia skips it).
        for at in ["Hash: SHA256\n", "-----BEGIN PGP SIGNATURE-----\n"] {
            let mut bad = good.as_bytes().to_vec();
            let i = find_bytes(&bad, at.as_bytes()).unwrap() + at.len();
            bad.splice(i..i, *b"\xff\n");
            assert!(matches!(frame(&bad), Err(Extra::Header(_))), "{at}");
        }
        // Hash: headers that do not name SHA256, as GnuPG reads them.
        for header in [
            "Hash: SHA512\n",
            "Hash: SHA512,SHA384\n",
            "Hash: FOO\n",
            "Hash: FOO,SHA256\n",
            "Hash: sha256\n",
            "Hash: MD5\n",
            "Hash: SHA256,,SHA1\n",
            "Hash: ,SHA256\n",
            "Hash: \n",
            "Hash:SHA256\n",
            "Hash: SHA256\nHash: FOO\n",
            "",
        ] {
            let f = frame_of(&good.replace("Hash: SHA256\n", header));
            let f = f.unwrap().unwrap();
            assert!(f.hash_mismatch("SHA256").is_some(), "{header:?}");
        }
        // A first header line Sequoia takes for text: no Hash: header.
        let text_first = frame_of(&good.replace("Hash: SHA256\n\n", "")).unwrap();
        assert!(text_first.unwrap().hash_mismatch("SHA256").is_some());
    }

    #[test]
    fn extra_text_is_refused_on_both_paths() {
        let good = String::from_utf8(clearsign(b"0123 *Demo.iso\n")).unwrap();
        let other = String::from_utf8(clearsign(b"4567 *Evil.iso\n")).unwrap();
        assert!(good.contains("\nHash: SHA512\n"), "{good}");
        assert!(split(good.as_bytes()).is_some());
        let valid = verdict(good.as_bytes());
        assert_eq!(valid, (vec!["valid"], Some(b"0123 *Demo.iso\n".to_vec())));
        assert_eq!(sequoia_verdict(good.as_bytes()), valid);
        for ws in [
            format!("{good}\n\n"),
            format!("{good} \t\r\n"),
            good.trim_end().into(),
        ] {
            assert_eq!(verdict(ws.as_bytes()), valid, "{ws:?}");
            assert_eq!(sequoia_verdict(ws.as_bytes()), valid, "{ws:?}");
        }
        let hash = |h: &str| good.replace("Hash: SHA512\n", h);
        for (bad, code) in [
            (format!("{good}Also download Evil.iso.\n"), "extra-content"),
            (format!("{good}{good}"), "extra-content"),
            (format!("{good}\n{other}"), "extra-content"),
            (format!("Preface\n{good}"), "extra-content"),
            (hash("Hash: SHA512\nComment: unsigned\n"), "extra-content"),
            (hash("Hash: SHA256\n"), "hash-header-mismatch"),
            (hash("Hash: SHA256,FOO\n"), "hash-header-mismatch"),
            (hash(""), "hash-header-mismatch"),
        ] {
            let (codes, text) = verdict(bad.as_bytes());
            assert_eq!(codes, [code], "{bad}");
            assert_eq!(sequoia_verdict(bad.as_bytes()).0, [code], "{bad}");
            if code == "extra-content" {
                assert_eq!(text, None, "no signed text is offered");
            }
        }
    }

    /// Lines built from the characters that matter to the framework.
    fn lines() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(&b"-"[..]),
            Just(&b"- "[..]),
            Just(&b" "[..]),
            Just(&b"\t"[..]),
            Just(&b"\r"[..]),
            Just(&b"\n"[..]),
            Just(&b"\r\n"[..]),
            Just(&b"abc"[..]),
            Just(&b"BEGIN PGP SIGNATURE"[..]),
            Just(&b"-----"[..]),
            Just("\u{2014}".as_bytes()),
            Just(&b"Hash: SHA1"[..]),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever text Sequoia signs, the fast path reads the same text and
        /// the same signatures, with the same verdicts.
        #[test]
        fn reads_what_sequoia_signs(text in lines()) {
            let msg = clearsign(&text);
            if let Some(fast) = fast_reads(&msg) {
                prop_assert_eq!(Some(fast), sequoia_reads(&msg));
            }
        }

        /// Whatever the fast path takes, even damaged, Sequoia reads the same
        /// text and signatures from it, with the same verdicts.
        #[test]
        fn never_disagrees_with_sequoia(
            text in lines(),
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), lines()), 0..3),
            in_text in any::<bool>(),
        ) {
            let mut msg = clearsign(&text);
            // Half the time the edits stay in the signed text, where they
            // keep the shape and make the signature bad.
            let marker = find_bytes(&msg, SIGNATURE_MARKER);
            let span = if in_text { marker.unwrap_or(msg.len()) } else { msg.len() };
            for (at, insert) in edits {
                let i = at.index(span);
                msg.splice(i..i, insert);
            }
            if let Some(fast) = fast_reads(&msg) {
                prop_assert_eq!(Some(fast), sequoia_reads(&msg));
            }
        }
    }

    /// Something around a signed message or in its header: white space
    /// (normal), text, a second signed message, another header, another
    /// `Hash:` header.
    #[derive(Debug, Clone)]
    enum Around {
        Nothing,
        Blank(Vec<u8>, Vec<u8>),
        Before(Vec<u8>),
        After(Vec<u8>),
        Twice(Vec<u8>),
        Header(Vec<u8>),
        Hash(&'static str),
    }

    fn around() -> impl Strategy<Value = Around> {
        let blank = proptest::collection::vec(
            proptest::sample::select(vec![&b" "[..], b"\t", b"\r", b"\n", b"\r\n"]),
            0..6,
        )
        .prop_map(|p| p.concat());
        prop_oneof![
            Just(Around::Nothing),
            (blank.clone(), blank).prop_map(|(b, a)| Around::Blank(b, a)),
            lines().prop_map(Around::Before),
            lines().prop_map(Around::After),
            lines().prop_map(Around::Twice),
            lines().prop_map(Around::Header),
            proptest::sample::select(vec![
                "",
                "Hash: SHA512\n",
                "Hash: SHA256,SHA512\n",
                "Hash: SHA256\n",
                "Hash: SHA1, SHA384\n",
                "Hash: FOO\n",
                "Hash: SHA512,FOO\n",
                "Hash:SHA512\n",
                "Hash: SHA512\nHash: SHA256\n",
            ])
            .prop_map(Around::Hash),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever surrounds a signed message, the fast path and Sequoia's
        /// path give the same verdicts and text, and a message with text no
        /// signature covers or a `Hash:` header that does not name SHA-512
        /// (Sequoia's hash) is never `valid`.
        #[test]
        fn extra_text_is_never_valid_on_either_path(
            text in lines(),
            other in lines(),
            around in around(),
            in_text in proptest::option::of((any::<proptest::sample::Index>(), lines())),
        ) {
            let mut msg = clearsign(&text);
            // Sometimes damage the signed text too (a bad signature).
            if let Some((at, insert)) = in_text {
                let start = find_bytes(&msg, b"\n\n").unwrap() + 2;
                let i = start + at.index(find_bytes(&msg, SIGNATURE_MARKER).unwrap() - start + 1);
                msg.splice(i..i, insert);
            }
            let header = b"Hash: SHA512\n";
            let at = find_bytes(&msg, header).unwrap();
            let covered = |extra: &[u8]| extra.iter().all(u8::is_ascii_whitespace);
            let as_signed = verdict(&msg);
            let (msg, may_be_valid) = match &around {
                Around::Nothing => (msg, true),
                Around::Blank(b, a) => ([b, &msg[..], a].concat(), true),
                Around::Before(t) => ([t, &msg[..]].concat(), covered(t)),
                Around::After(t) => ([&msg[..], t].concat(), covered(t)),
                Around::Twice(t) => ([&msg[..], t, &clearsign(&other)].concat(), false),
                Around::Header(h) => {
                    let line = [h, &b"\n"[..]].concat();
                    let mut m = msg.clone();
                    m.splice(at + header.len()..at + header.len(), line.clone());
                    // A blank line ends the header (what follows is signed
                    // text); another Hash: header may name SHA-512 too.
                    let first = line.split(|&b| b == b'\n').next().unwrap_or_default();
                    let blank = first.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
                    (m, blank || first.starts_with(b"Hash: "))
                }
                Around::Hash(h) => {
                    let mut m = msg.clone();
                    m.splice(at..at + header.len(), h.bytes());
                    (m, h.contains("SHA512") && !h.contains("FOO") && !h.contains(":S"))
                }
            };
            let fast = verdict(&msg);
            let mut moved = vec![b'\n'];
            moved.extend_from_slice(&msg);
            prop_assert_eq!(split(&moved), None);
            prop_assert_eq!(&fast, &verdict(&moved));
            if !may_be_valid {
                prop_assert!(!fast.0.contains(&"valid"), "{:?}: {:?}", around, fast);
            }
            if let Around::Blank(..) = around {
                prop_assert_eq!(&fast, &as_signed);
            }
            if frame(&msg).is_err() {
                prop_assert_eq!(fast, (vec!["extra-content"], None));
            }
        }
    }

    const MESSAGE: &str = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nabc *x.iso\n-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n";

    #[test]
    fn a_signed_message_is_found_where_readers_find_it() {
        assert!(holds_signed_message(MESSAGE.as_bytes()));
        assert!(holds_signed_message(format!(" \n\t{MESSAGE}").as_bytes()));
        assert!(holds_signed_message(format!("Hello\n{MESSAGE}").as_bytes()));
        assert!(holds_signed_message(
            format!("a\r\nb\n\n{MESSAGE}").as_bytes()
        ));
        // Not at the start of a line, no signature block after it, or none.
        assert!(!holds_signed_message(format!("Hello {MESSAGE}").as_bytes()));
        let cut = &MESSAGE[..MESSAGE.find("-----BEGIN PGP SIGNATURE").unwrap()];
        assert!(!holds_signed_message(format!("x\n{cut}").as_bytes()));
        assert!(!holds_signed_message(
            b"d41d8cd98f00b204e9800998ecf8427e *x.iso\n"
        ));
        assert!(!holds_signed_message(b""));
        // A signature block before the header does not count.
        let sig_first = "-----BEGIN PGP SIGNATURE-----\nx\n-----BEGIN PGP SIGNED MESSAGE-----\n";
        assert!(!holds_signed_message(sig_first.as_bytes()));
    }

    proptest! {
        /// Whatever text comes before a signed message (on lines of its
        /// own), the file holds a signed message, and unless that text is
        /// white space its frame is refused as text no signature covers.
        #[test]
        fn text_before_a_signed_message_is_found_and_refused(
            before in proptest::collection::vec("[^\\n]{0,40}", 0..5)
        ) {
            let mut file = String::new();
            for line in &before {
                file.push_str(line);
                file.push('\n');
            }
            file.push_str(MESSAGE);
            prop_assert!(holds_signed_message(file.as_bytes()));
            let blank = before
                .iter()
                .all(|l| l.trim_matches(|c| matches!(c, ' ' | '\t' | '\r')).is_empty());
            prop_assert_eq!(frame(file.as_bytes()).is_err(), !blank, "{:?}", before);
        }
    }
}
