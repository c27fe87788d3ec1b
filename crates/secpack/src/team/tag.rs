//! Vouching for the pack's state as a team member: the signed annotated tag
//! `<who>_sec_<short hash>` on HEAD that `secpack verify --head` looks for
//! (the Qubes security pack's convention), made without git or gpg.
//!
//! The tag object is laid out byte for byte as `git tag -s` lays it out, so
//! `git tag -v` accepts it with the member's key imported; the signature is
//! checked with the pack's keys before the tag is stored.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::sign::{check_key, self_check, signing_entry, Backend};
use super::TeamError;
use crate::history::repo::WorktreeChange;
use crate::history::Repo;
use crate::pack::Pack;
use crate::trust::keyring::Keyring;
use crate::trust::tags::split_signed_tag;

/// A tag written.
#[derive(Debug, Clone, Serialize)]
pub struct Tagged {
    /// The tag's name (`alice_sec_1a2b3c4`).
    pub tag: String,
    /// The commit it vouches for: HEAD (full hex id).
    pub commit: String,
    /// The tag object written (full hex id).
    pub object: String,
    /// Fingerprint of the key that signed.
    pub key: String,
    /// The key's file in the pack.
    pub key_file: String,
    /// An existing tag of that name was replaced (`force`).
    pub replaced: bool,
    /// Files of the work tree that differ from HEAD: the tag does not cover
    /// them until they are committed and tagged.
    pub worktree_changes: Vec<WorktreeChange>,
}

/// The name the Qubes security pack gives a member's tag of a commit:
/// `<who>_sec_<short hash>`.
pub fn tag_name(signer: &str, short_id: &str) -> String {
    format!("{signer}_sec_{short_id}")
}

/// Signs the pack's HEAD as member `signer`: a signed annotated tag
/// [`tag_name`] pointing to the HEAD commit, tagged by the key's user ID at
/// `now`, with `message` (default: the tag's name).
///
/// Refused before signing: a pack that is not a git repository or has no
/// commit, a key the pinned master does not certify (or retired, or not
/// `signer`'s, or of a role `[history] signer_roles` does not allow, whose
/// tag would not vouch for HEAD), an existing tag of that name without
/// `force`, a message holding an OpenPGP signature block. After signing,
/// the signature is verified with the pack's keys; if it is not valid and
/// made by that key, nothing is written.
pub fn tag_head(
    pack: &Pack,
    ring: &Keyring,
    signer: &str,
    backend: Backend<'_>,
    message: Option<&str>,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Tagged, TeamError> {
    if !crate::pack::is_new_signer_name(signer) {
        return Err(TeamError::BadSignerName(signer.to_string()));
    }
    let entry = signing_entry(pack, ring, signer, &backend)?;
    let roles = &pack.config.history.signer_roles;
    check_key(
        &pack.config,
        entry,
        signer,
        Some(roles.as_slice()),
        TeamError::WrongTagRole,
    )?;
    let fpr = entry.fingerprint.clone().unwrap_or_default();

    let repo = Repo::open(&pack.root)?;
    let head = repo.head()?.ok_or(TeamError::NoCommit)?;
    let tag = tag_name(signer, &repo.short_id(head));
    let existing = repo.tag_target(&tag)?;
    if existing.is_some() && !force {
        return Err(TeamError::TagExists(tag));
    }
    let message = tag_message(message.unwrap_or(&tag))?;
    let (name, email) = identity(&entry.user_ids, &fpr);
    let payload = format!(
        "object {head}\ntype commit\ntag {tag}\ntagger {name} <{email}> {} +0000\n\n{message}",
        now.timestamp(),
    );
    let mut signature = backend.sign(&fpr, payload.as_bytes())?;
    // git ends the armoured signature with a newline, as `git tag -s` does.
    if !signature.ends_with('\n') {
        signature.push('\n');
    }
    let object = format!("{payload}{signature}");
    // What verify will read back: the payload and the signature, split as
    // git splits them.
    let (signed, sig) = split_signed_tag(object.as_bytes())
        .filter(|(signed, _)| *signed == payload.as_bytes())
        .ok_or_else(|| {
            TeamError::SelfCheckFailed(
                tag.clone(),
                "the signature is not one armoured block".into(),
            )
        })?;
    self_check(ring, signed, sig, &fpr, &tag)?;

    let time = gix::date::Time::new(now.timestamp(), 0);
    let who = gix::actor::Signature {
        name: name.into(),
        email: email.into(),
        time,
    };
    let mut time_buf = gix::date::parse::TimeBuf::default();
    let id = repo.write_tag(&tag, object.as_bytes(), force, who.to_ref(&mut time_buf))?;
    let worktree_changes = repo.pack_changes(pack, head)?;
    Ok(Tagged {
        tag,
        commit: head.to_string(),
        object: id.to_string(),
        key: fpr,
        key_file: entry.file.clone(),
        replaced: existing.is_some(),
        worktree_changes,
    })
}

/// The tag message, ending with one newline: not empty, and without a line
/// that starts an OpenPGP armour block (git and secpack take the last such
/// line as the signature's start, but a reader taking the first would cut
/// the signed part there).
fn tag_message(message: &str) -> Result<String, TeamError> {
    let text = message.trim_end_matches(['\n', '\r', ' ', '\t']);
    if text.trim().is_empty() {
        return Err(TeamError::BadInput("the tag message is empty".into()));
    }
    if text.contains('\0') || text.lines().any(|l| l.starts_with("-----BEGIN PGP")) {
        return Err(TeamError::BadInput(
            "the tag message may not hold NUL bytes or an OpenPGP armour line".into(),
        ));
    }
    Ok(format!("{text}\n"))
}

/// The name and e-mail address of the key's first user ID that has both
/// (`Alice Example <alice@example.org>`), else of its first user ID, with
/// the characters git's identities cannot hold removed.
fn identity(user_ids: &[String], fingerprint: &str) -> (String, String) {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '<' | '>' | '\n' | '\r' | '\0'))
            .collect::<String>()
            .trim()
            .to_string()
    };
    let split = |uid: &str| -> Option<(String, String)> {
        let (name, rest) = uid.split_once('<')?;
        let email = rest.strip_suffix('>')?;
        Some((clean(name), clean(email)))
    };
    user_ids
        .iter()
        .find_map(|u| split(u))
        .or_else(|| user_ids.first().map(|u| (clean(u), String::new())))
        .unwrap_or_else(|| (fingerprint.to_string(), String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_end_with_one_newline_and_hold_no_armour() {
        assert_eq!(
            tag_message("alice_sec_1234567\n\n").unwrap(),
            "alice_sec_1234567\n"
        );
        assert_eq!(tag_message("two\nlines").unwrap(), "two\nlines\n");
        assert!(tag_message(" \n").is_err());
        assert!(tag_message("x\n-----BEGIN PGP SIGNATURE-----\n").is_err());
        assert!(tag_message("a\0b").is_err());
    }

    #[test]
    fn the_tagger_is_the_keys_user_id() {
        let who = |uids: &[&str]| {
            let uids: Vec<String> = uids.iter().map(|u| u.to_string()).collect();
            identity(&uids, "FPR")
        };
        let pair = |n: &str, e: &str| (n.to_string(), e.to_string());
        assert_eq!(
            who(&["Alice <Example> Team", "Alice A. <alice@example.org>"]),
            pair("Alice A.", "alice@example.org")
        );
        assert_eq!(who(&["Alice\nEvil <x>"]), pair("AliceEvil", "x"));
        assert_eq!(who(&["just <a> name"]), pair("just a name", ""));
        assert_eq!(who(&[]), pair("FPR", ""));
    }

    proptest::proptest! {
        /// Whatever the message and user IDs, an accepted tag object splits
        /// where git splits it: exactly after the signed payload.
        #[test]
        fn the_signature_is_found_where_it_was_put(
            message in "(([a-z -]|-----BEGIN PGP SIGNATURE-----|\n|\r|<|>)){0,80}",
            uid in "[A-Za-z <>@.\n]{0,40}",
        ) {
            let (name, email) = identity(&[uid], "FPR");
            let both = format!("{name}{email}");
            proptest::prop_assert!(!both.contains(['<', '>', '\n']), "{}", both);
            if let Ok(message) = tag_message(&message) {
                let payload = format!(
                    "object 0000\ntype commit\ntag t\ntagger {name} <{email}> 0 +0000\n\n{message}"
                );
                let object = format!(
                    "{payload}-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n"
                );
                let (signed, _) = split_signed_tag(object.as_bytes()).expect("a signature");
                proptest::prop_assert_eq!(signed, payload.as_bytes());
                proptest::prop_assert!(message.ends_with('\n') && !message.ends_with("\n\n"));
            }
        }
    }

    #[test]
    fn names_follow_the_qubes_convention() {
        assert_eq!(tag_name("marmarek", "1a2b3c4"), "marmarek_sec_1a2b3c4");
    }
}
