//! A fast path for the ASCII armour of signature and key files.
//!
//! Sequoia's armour reader is general (headers, damaged line ends, several
//! blocks, cleartext signatures) and allocates a zeroed buffer of at least
//! 64 KiB for every file it reads, which on a pack of hundreds of small
//! signatures costs more than the cryptography the cache leaves. Nearly every
//! real signature and key file is one canonical armoured block, so this
//! module decodes exactly that shape and nothing else: a `BEGIN` line of the
//! expected kind, optional `Key: value` headers, a blank line, base64 lines,
//! an optional `=` checksum that must match, the matching `END` line, and only
//! white space around. Anything else returns `None` and the caller hands the
//! original bytes to Sequoia, which then decides (and words any error).
//!
//! The decoded bytes are only ever parsed by Sequoia as OpenPGP packets and
//! checked cryptographically, so a wrong decoding could make a signature
//! fail, never pass; the property tests check that whatever this module
//! accepts, Sequoia's reader decodes to the same bytes.

use base64::Engine;

/// The kinds of armoured block read on the fast path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmorKind {
    /// `-----BEGIN PGP SIGNATURE-----`
    Signature,
    /// `-----BEGIN PGP PUBLIC KEY BLOCK-----`
    PublicKey,
}

impl ArmorKind {
    fn label(self) -> &'static [u8] {
        match self {
            ArmorKind::Signature => b"PGP SIGNATURE",
            ArmorKind::PublicKey => b"PGP PUBLIC KEY BLOCK",
        }
    }
}

/// The binary packets of `bytes` when it is one canonical armoured block of
/// `kind`; `None` for anything else (binary data, other shapes, a checksum
/// that does not match), which the caller gives to Sequoia as it is.
pub fn dearmor(bytes: &[u8], kind: ArmorKind) -> Option<Vec<u8>> {
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii_end())
        .skip_while(|l| l.is_empty());
    let label = kind.label();
    let framed = |line: &[u8], word: &[u8]| {
        line.strip_prefix(b"-----")
            .and_then(|l| l.strip_prefix(word))
            .and_then(|l| l.strip_prefix(b" "))
            .and_then(|l| l.strip_suffix(b"-----"))
            == Some(label)
    };
    if !framed(lines.next()?, b"BEGIN") {
        return None;
    }
    // Headers, then the blank line that ends them.
    loop {
        let line = lines.next()?;
        if line.is_empty() {
            break;
        }
        let header = line
            .iter()
            .position(|&b| b == b':')
            .is_some_and(|i| i > 0 && line.get(i + 1) == Some(&b' '));
        if !header {
            return None;
        }
    }
    let mut body = Vec::with_capacity(bytes.len());
    let mut checksum = None;
    loop {
        let line = lines.next()?;
        if framed(line, b"END") {
            break;
        }
        if checksum.is_some() || line.is_empty() {
            return None;
        }
        if let Some(crc) = line.strip_prefix(b"=") {
            if crc.len() != 4 {
                return None;
            }
            checksum = Some(crc);
            continue;
        }
        // The decoder below refuses anything outside the base64 alphabet.
        body.extend_from_slice(line);
    }
    if lines.any(|l| !l.is_empty()) {
        return None;
    }
    let data = base64::engine::general_purpose::STANDARD
        .decode(&body)
        .ok()?;
    if data.is_empty() {
        return None;
    }
    if let Some(crc) = checksum {
        let expected = base64::engine::general_purpose::STANDARD.decode(crc).ok()?;
        let crc = crc24(&data);
        if expected != [(crc >> 16) as u8, (crc >> 8) as u8, crc as u8] {
            return None;
        }
    }
    Some(data)
}

/// Where `needle` first occurs in `hay` (armour markers in signed text).
pub(crate) fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The armour checksum (RFC 4880, section 6.1), sixteen bytes at a time.
fn crc24(data: &[u8]) -> u32 {
    static CRC24: crc::Crc<u32, crc::Table<16>> =
        crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_24_OPENPGP);
    CRC24.checksum(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sequoia_openpgp::armor::{Kind, Reader, ReaderMode, Writer};
    use std::io::{Read, Write};

    fn sequoia_armor(data: &[u8], kind: Kind, headers: &[(&str, &str)]) -> Vec<u8> {
        let mut w = Writer::with_headers(Vec::new(), kind, headers.iter().copied()).unwrap();
        w.write_all(data).unwrap();
        w.finalize().unwrap()
    }

    fn sequoia_dearmor(text: &[u8], kind: Kind) -> Option<Vec<u8>> {
        let mut r = Reader::from_bytes(text, ReaderMode::Tolerant(Some(kind)));
        let mut out = Vec::new();
        r.read_to_end(&mut out).ok()?;
        Some(out)
    }

    /// The RFC's own bit-at-a-time definition.
    fn crc24_by_bits(data: &[u8]) -> u32 {
        let mut crc: u32 = 0x00B7_04CE;
        for &b in data {
            crc ^= u32::from(b) << 16;
            for _ in 0..8 {
                crc <<= 1;
                if crc & 0x0100_0000 != 0 {
                    crc ^= 0x0186_4CFB;
                }
            }
        }
        crc & 0x00FF_FFFF
    }

    #[test]
    fn the_checksum_of_the_rfc() {
        // CRC-24 of no data is the initial value.
        assert_eq!(crc24(b""), 0x00B7_04CE);
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        assert_eq!(crc24(&data), crc24_by_bits(&data));
        // A damaged checksum sends the file to Sequoia.
        let mut text = sequoia_armor(b"\x88\x01\x02", Kind::Signature, &[]);
        let at = text.windows(2).position(|w| w == b"\n=").unwrap() + 2;
        text[at] = if text[at] == b'A' { b'B' } else { b'A' };
        assert_eq!(dearmor(&text, ArmorKind::Signature), None);
    }

    #[test]
    fn only_the_canonical_shape_is_taken() {
        let text = sequoia_armor(b"\x88\x01\x02\x03", Kind::Signature, &[("Comment", "x")]);
        assert_eq!(
            dearmor(&text, ArmorKind::Signature).as_deref(),
            Some(&b"\x88\x01\x02\x03"[..])
        );
        // The wrong kind, a second block, garbage after, binary input.
        assert_eq!(dearmor(&text, ArmorKind::PublicKey), None);
        let twice = [text.clone(), text.clone()].concat();
        assert_eq!(dearmor(&twice, ArmorKind::Signature), None);
        let trailing = [text.clone(), b"junk\n".to_vec()].concat();
        assert_eq!(dearmor(&trailing, ArmorKind::Signature), None);
        assert_eq!(dearmor(b"\x88\x01\x02", ArmorKind::Signature), None);
        // CRLF line ends and leading blank lines are fine.
        let crlf: Vec<u8> = String::from_utf8(text.clone())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes();
        let crlf = [b"\r\n\n".to_vec(), crlf].concat();
        assert_eq!(
            dearmor(&crlf, ArmorKind::Signature).as_deref(),
            Some(&b"\x88\x01\x02\x03"[..])
        );
    }

    proptest! {
        /// The table-driven checksum is the RFC's, whatever the length (the
        /// sixteen-byte steps and the bytes left over).
        #[test]
        fn the_checksum_is_the_rfcs_for_any_data(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(crc24(&data), crc24_by_bits(&data));
        }

        /// Whatever Sequoia armours, the fast path reads back.
        #[test]
        fn reads_what_sequoia_writes(data in proptest::collection::vec(any::<u8>(), 1..2000), key in any::<bool>()) {
            let (kind, ours) = if key {
                (Kind::PublicKey, ArmorKind::PublicKey)
            } else {
                (Kind::Signature, ArmorKind::Signature)
            };
            let text = sequoia_armor(&data, kind, &[("Comment", "test")]);
            prop_assert_eq!(dearmor(&text, ours), Some(data));
        }

        /// Whatever the fast path accepts, even damaged, Sequoia decodes to
        /// the same bytes.
        #[test]
        fn never_disagrees_with_sequoia(
            data in proptest::collection::vec(any::<u8>(), 1..300),
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..4),
        ) {
            let mut text = sequoia_armor(&data, Kind::Signature, &[]);
            for (at, byte) in edits {
                let i = at.index(text.len());
                text[i] = byte;
            }
            if let Some(ours) = dearmor(&text, ArmorKind::Signature) {
                prop_assert_eq!(Some(ours), sequoia_dearmor(&text, Kind::Signature));
            }
        }
    }
}
