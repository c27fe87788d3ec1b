//! A report's thread as the team reads it: the reporter's follow-ups and
//! the team's replies, each decrypted on the member's machine with the same
//! key as the report. A message that cannot be decrypted keeps its place in
//! the thread with the reason (its code), so one bad message hides nothing
//! else.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::decrypt::DecryptError;
use super::inbox::{MessageKind, StoredMessage};
use crate::error::Coded;

/// The format of a follow-up's plaintext, as the server's intake writes it.
pub const FOLLOW_UP_FORMAT: &str = "secpack-follow-up/1";

/// Why one message of a thread is not shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageError {
    /// The stable code (that of the [`DecryptError`]).
    pub code: &'static str,
    /// The reason, for a person.
    pub message: String,
}

/// One message of a thread, decrypted when it could be.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadMessage {
    /// The message's id.
    pub id: String,
    /// A follow-up (from the reporter) or a reply (from the team).
    pub kind: MessageKind,
    /// When the server stored it.
    pub at: DateTime<Utc>,
    /// For a reply: the fingerprint of the member whose signed request
    /// stored it.
    pub author: Option<String>,
    /// The text (lossy UTF-8), when it was decrypted.
    pub text: Option<String>,
    /// Why it was not, otherwise.
    pub error: Option<MessageError>,
}

impl ThreadMessage {
    /// Opens `stored` with `decrypt`: a follow-up's text is the message the
    /// reporter typed (its plaintext is a [`FOLLOW_UP_FORMAT`] document); a
    /// reply's is its whole plaintext.
    pub fn open(
        stored: &StoredMessage,
        decrypt: impl FnOnce(&[u8]) -> Result<Vec<u8>, DecryptError>,
    ) -> Self {
        let (text, error) = match decrypt(&stored.ciphertext) {
            Ok(plaintext) => (Some(message_text(stored.kind, &plaintext)), None),
            Err(e) => (
                None,
                Some(MessageError {
                    code: e.code(),
                    message: e.to_string(),
                }),
            ),
        };
        Self {
            id: stored.id.clone(),
            kind: stored.kind,
            at: stored.at,
            author: stored.author.clone(),
            text,
            error,
        }
    }
}

/// The text of a decrypted message: the `message` of a follow-up document,
/// else the plaintext itself (lossy UTF-8).
fn message_text(kind: MessageKind, plaintext: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct FollowUp {
        format: String,
        message: String,
    }
    if kind == MessageKind::FollowUp {
        if let Ok(doc) = serde_json::from_slice::<FollowUp>(plaintext) {
            if doc.format == FOLLOW_UP_FORMAT {
                return doc.message;
            }
        }
    }
    String::from_utf8_lossy(plaintext).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(kind: MessageKind, ciphertext: &[u8]) -> StoredMessage {
        StoredMessage {
            id: "m1".into(),
            report: "r1".into(),
            kind,
            at: Utc::now(),
            author: None,
            size: ciphertext.len(),
            ciphertext: ciphertext.to_vec(),
        }
    }

    #[test]
    fn a_follow_up_shows_the_reporters_message_and_a_reply_its_text() {
        let doc = br#"{"format": "secpack-follow-up/1", "report": "r1", "message": "more\ninfo"}"#;
        let m = ThreadMessage::open(&stored(MessageKind::FollowUp, b"c"), |_| Ok(doc.to_vec()));
        assert_eq!(m.text.as_deref(), Some("more\ninfo"));
        assert!(m.error.is_none());
        // A reply (or a follow-up in another format) is shown whole.
        let m = ThreadMessage::open(&stored(MessageKind::Reply, b"c"), |_| Ok(doc.to_vec()));
        assert_eq!(m.text.as_deref(), Some(std::str::from_utf8(doc).unwrap()));
        let m = ThreadMessage::open(&stored(MessageKind::FollowUp, b"c"), |_| {
            Ok(b"plain".to_vec())
        });
        assert_eq!(m.text.as_deref(), Some("plain"));
    }

    #[test]
    fn a_message_that_does_not_decrypt_keeps_its_place_with_the_code() {
        let m = ThreadMessage::open(&stored(MessageKind::FollowUp, b"c"), |_| {
            Err(DecryptError::NotForThisKey)
        });
        assert!(m.text.is_none());
        let e = m.error.unwrap();
        assert_eq!(e.code, "not-encrypted-to-key");
        assert!(e.message.contains("not encrypted"), "{}", e.message);
    }
}
