//! `bulletin::index`, the one listing of a pack's bulletins that `qsb list`,
//! the site and the server read: ids, headers, letters, and the trust
//! engine's verdict on real GnuPG signatures; unreadable and oversized
//! bulletins stop it with a coded error.

use secpack::bulletin::index::index;
use secpack::bulletin::MAX_BULLETIN_BYTES;
use secpack::error::Coded;
use secpack::fsutil::ReadCappedError;
use secpack::pack::Pack;
use secpack::trust::VerifyOptions;
use secpack_testsupport::*;

const SECOND: &[u8] = b"\n   ---===[ Test Security Bulletin 002 ]===---\n\n              2024-03-05\n\n   Second title, XSA-42\n\nSummary\n--------\n\nCites XSA-7.\n";

fn pack() -> TestPack {
    let k = keys();
    let p = TestPack::with_keys();
    p.signed_config(b"[signers]\nrequired = { QSBs = 2 }\n");
    p.signed_doc(
        "QSBs/qsb-001-2024.txt",
        BULLETIN,
        &[("alice", &k.alice), ("bob", &k.bob)],
    );
    p.signed_doc("QSBs/qsb-002-2024.txt", SECOND, &[("alice", &k.alice)]);
    p.signed_doc(
        "QSBs/qsb-002-2024-note.txt",
        b"A note on bulletin 2.\n",
        &[("alice", &k.alice), ("bob", &k.bob)],
    );
    p
}

#[test]
fn lists_every_bulletin_with_its_header_and_verdict() {
    let k = keys();
    let p = pack();
    let report = p.verify(&k.master, VerifyOptions::default());
    let pack = Pack::open(p.root()).unwrap();
    let list = index(&pack, Some(&report)).unwrap();
    let mut paths: Vec<&str> = list.iter().map(|b| b.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "QSBs/qsb-001-2024.txt",
            "QSBs/qsb-002-2024-note.txt",
            "QSBs/qsb-002-2024.txt"
        ]
    );
    let by = |p: &str| list.iter().find(|b| b.path == p).unwrap();

    let first = by("QSBs/qsb-001-2024.txt");
    assert_eq!(first.id, "QSB-001-2024");
    assert_eq!(first.stem(), "qsb-001-2024");
    assert!(!first.is_letter());
    assert_eq!((first.name.number, first.name.year), (1, 2024));
    assert_eq!(first.header.title.as_deref(), Some("A title"));
    assert_eq!(first.header.date.unwrap().to_string(), "2024-03-01");
    assert_eq!(first.text.as_bytes(), BULLETIN);
    let v = first.signatures.as_ref().unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.required, 2);
    assert_eq!(v.signers.len(), 2);

    // One valid signer where two are required: listed, not ok.
    let second = by("QSBs/qsb-002-2024.txt");
    assert_eq!(second.header.upstream_advisories, [7, 42]);
    let v = second.signatures.as_ref().unwrap();
    assert!(!v.ok);
    assert_eq!(v.signers.len(), 1);
    assert_eq!(v.required, 2);

    let note = by("QSBs/qsb-002-2024-note.txt");
    assert!(note.is_letter());
    assert_eq!(note.name.suffix.as_deref(), Some("note"));
    assert_eq!(note.stem(), "qsb-002-2024-note");
    assert_ne!(note.id, second.id);
}

#[test]
fn without_a_report_there_is_no_verdict() {
    let p = pack();
    let pack = Pack::open(p.root()).unwrap();
    let list = index(&pack, None).unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|b| b.signatures.is_none()));
}

#[test]
fn an_oversized_bulletin_stops_the_index() {
    let p = pack();
    let mut big = BULLETIN.to_vec();
    big.resize(MAX_BULLETIN_BYTES + 1, b'x');
    p.write("QSBs/qsb-003-2024.txt", &big);
    let pack = Pack::open(p.root()).unwrap();
    let e = index(&pack, None).unwrap_err();
    assert!(matches!(e, ReadCappedError::TooLarge { .. }), "{e:?}");
    assert_eq!(e.code(), "file-too-large");
    assert_eq!(e.class().exit_status(), 1);
    assert!(e.to_string().contains("QSBs/qsb-003-2024.txt"), "{e}");
}

#[cfg(unix)]
#[test]
fn an_unreadable_bulletin_is_an_io_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let p = pack();
    let path = p.path("QSBs/qsb-002-2024.txt");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        return; // running as root: permissions do not stop reads
    }
    let pack = Pack::open(p.root()).unwrap();
    let e = index(&pack, None).unwrap_err();
    assert_eq!(e.code(), "io");
    assert!(e.to_string().contains("qsb-002-2024.txt"), "{e}");
}

#[test]
fn invalid_utf8_is_replaced_not_refused() {
    let p = pack();
    let mut text = BULLETIN.to_vec();
    text.extend_from_slice(b"\xff\xfe end\n");
    p.write("QSBs/qsb-001-2024.txt", &text);
    let pack = Pack::open(p.root()).unwrap();
    let list = index(&pack, None).unwrap();
    let first = list
        .iter()
        .find(|b| b.path == "QSBs/qsb-001-2024.txt")
        .unwrap();
    assert!(first.text.contains('\u{fffd}'));
    assert_eq!(first.header.title.as_deref(), Some("A title"));
}
