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

/// The first line of a cleartext-signed message.
const SIGNED_MESSAGE: &[u8] = b"-----BEGIN PGP SIGNED MESSAGE-----";

/// The line that ends the text and starts the signature block.
const SIGNATURE_MARKER: &[u8] = b"-----BEGIN PGP SIGNATURE-----";

/// What a line must not contain unless it is the marker: Sequoia ends the
/// text at any line of dashes (of several Unicode kinds) followed by this.
const MARKER_WORDS: &[u8] = b"BEGIN PGP SIGNATURE";

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
}
