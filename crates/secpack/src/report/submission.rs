//! A vulnerability report as submitted through the intake form, checked
//! field by field, and the plaintext document that gets encrypted.
//!
//! The form's fields arrive already split (the HTTP layer parses the
//! `multipart/form-data` framing); [`Submission::from_fields`] is the parser
//! of their untrusted contents: it accepts exactly the known fields, once
//! each, as UTF-8 text within size limits, and the attachment as opaque bytes.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// Format tag of the plaintext document.
pub const PLAINTEXT_FORMAT: &str = "secpack-report/1";
/// Longest summary, in characters (one line).
pub const MAX_SUMMARY_CHARS: usize = 200;
/// Longest description of affected versions, in characters.
pub const MAX_AFFECTED_CHARS: usize = 2_000;
/// Longest contact, in characters.
pub const MAX_CONTACT_CHARS: usize = 320;
/// Longest details text, in bytes.
pub const MAX_DETAILS_BYTES: usize = 256 * 1024;
/// Longest attachment file name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;
/// Default largest attachment, in bytes.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: usize = 1 << 20;

/// One field of the submitted form.
#[derive(Debug, Clone, Copy)]
pub struct FormField<'a> {
    /// The field's name.
    pub name: &'a str,
    /// File name given with a file field.
    pub file_name: Option<&'a str>,
    /// Media type given with a file field.
    pub content_type: Option<&'a str>,
    /// The field's contents.
    pub data: &'a [u8],
}

/// Why a submission is refused. Each has a stable code; the message is safe
/// to show to the reporter (it never quotes what they sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    /// A required field is absent or empty.
    #[error("the field `{0}` is required")]
    Missing(&'static str),
    /// A field the form does not have.
    #[error("the form has no field named `{0}`")]
    UnknownField(String),
    /// A field sent twice.
    #[error("the field `{0}` was sent more than once")]
    Duplicate(&'static str),
    /// A text field that is not UTF-8.
    #[error("the field `{0}` is not UTF-8 text")]
    NotText(&'static str),
    /// A text field holding control characters.
    #[error("the field `{0}` holds control characters")]
    ControlCharacters(&'static str),
    /// A text field longer than allowed.
    #[error("the field `{field}` is longer than {max} {unit}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
        /// `characters` or `bytes`.
        unit: &'static str,
    },
    /// The attachment is larger than allowed.
    #[error("the attachment is larger than {0} bytes")]
    AttachmentTooLarge(usize),
    /// The attachment's file name is unusable.
    #[error("the attachment's file name is not acceptable (control characters, or longer than {MAX_FILE_NAME_CHARS} characters)")]
    BadFileName,
}

impl SubmissionError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "missing-field",
            Self::UnknownField(_) => "unknown-field",
            Self::Duplicate(_) => "duplicate-field",
            Self::NotText(_) => "not-text",
            Self::ControlCharacters(_) => "control-characters",
            Self::TooLong { .. } => "too-long",
            Self::AttachmentTooLarge(_) => "attachment-too-large",
            Self::BadFileName => "bad-file-name",
        }
    }
}

/// Why a decrypted report document cannot be read back. Every variant has a
/// stable code.
#[derive(Debug, thiserror::Error)]
pub enum PlaintextError {
    /// Not the JSON document of a report.
    #[error("the report is not a secpack report document: {0}")]
    NotADocument(#[source] serde_json::Error),
    /// A document of another format.
    #[error("unknown report format {0:?}")]
    UnknownFormat(String),
    /// The attachment's contents are not base64.
    #[error("the attachment is not base64: {0}")]
    BadAttachment(#[source] base64::DecodeError),
}

impl crate::error::Coded for PlaintextError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotADocument(_) => "bad-report-document",
            Self::UnknownFormat(_) => "unknown-report-format",
            Self::BadAttachment(_) => "bad-attachment",
        }
    }
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Failure
    }
}

/// A file sent with the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Its file name (final component only).
    pub name: String,
    /// The media type the browser gave.
    pub content_type: Option<String>,
    /// Its size in bytes.
    pub size: usize,
    /// The contents, base64 (standard alphabet, padded).
    pub base64: String,
}

impl Attachment {
    /// The decoded contents.
    pub fn bytes(&self) -> Result<Vec<u8>, PlaintextError> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .map_err(PlaintextError::BadAttachment)
    }
}

/// A checked report: what gets encrypted to the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// Always [`PLAINTEXT_FORMAT`].
    pub format: String,
    /// One-line summary.
    pub summary: String,
    /// Affected versions, free text.
    pub affected: String,
    /// How to reach the reporter, if they want to be reached.
    pub contact: Option<String>,
    /// The details.
    pub details: String,
    /// A file, if one was sent.
    pub attachment: Option<Attachment>,
}

/// The fields of the form, as named in its HTML.
const FIELDS: [&str; 5] = ["summary", "details", "affected", "contact", "attachment"];

impl Submission {
    /// Checks the form's fields; `max_attachment` bounds the attachment.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = FormField<'a>>,
        max_attachment: usize,
    ) -> Result<Self, SubmissionError> {
        let mut seen: [Option<FormField<'a>>; 5] = [None; 5];
        for field in fields {
            let Some(index) = FIELDS.iter().position(|f| *f == field.name) else {
                let shown: String = field.name.chars().take(40).collect();
                return Err(SubmissionError::UnknownField(
                    shown.escape_default().to_string(),
                ));
            };
            if seen[index].replace(field).is_some() {
                return Err(SubmissionError::Duplicate(FIELDS[index]));
            }
        }
        let [summary, details, affected, contact, attachment] = seen;
        let summary = text(summary, "summary", MAX_SUMMARY_CHARS, Unit::Chars, false)?;
        let details = text(details, "details", MAX_DETAILS_BYTES, Unit::Bytes, true)?;
        let affected = text(affected, "affected", MAX_AFFECTED_CHARS, Unit::Chars, true)?;
        let contact = text(contact, "contact", MAX_CONTACT_CHARS, Unit::Chars, false)?;
        let attachment = match attachment {
            // Browsers send an empty, unnamed file part when none was chosen.
            Some(f) if !f.data.is_empty() || f.file_name.is_some_and(|n| !n.is_empty()) => {
                Some(attachment_of(f, max_attachment)?)
            }
            _ => None,
        };
        Ok(Self {
            format: PLAINTEXT_FORMAT.into(),
            summary: summary.ok_or(SubmissionError::Missing("summary"))?,
            affected: affected.ok_or(SubmissionError::Missing("affected"))?,
            contact,
            details: details.ok_or(SubmissionError::Missing("details"))?,
            attachment,
        })
    }

    /// The plaintext document (JSON) that is encrypted to the team.
    pub fn to_plaintext(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a submission serialises")
    }

    /// Reads a plaintext document back (after decryption).
    pub fn from_plaintext(bytes: &[u8]) -> Result<Self, PlaintextError> {
        let s: Self = serde_json::from_slice(bytes).map_err(PlaintextError::NotADocument)?;
        if s.format != PLAINTEXT_FORMAT {
            return Err(PlaintextError::UnknownFormat(s.format));
        }
        Ok(s)
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Chars,
    Bytes,
}

/// A text field: `None` when absent or blank; CRLF becomes LF.
fn text(
    field: Option<FormField<'_>>,
    name: &'static str,
    max: usize,
    unit: Unit,
    multiline: bool,
) -> Result<Option<String>, SubmissionError> {
    let Some(field) = field else { return Ok(None) };
    if matches!(unit, Unit::Bytes) && field.data.len() > max {
        return Err(SubmissionError::TooLong {
            field: name,
            max,
            unit: "bytes",
        });
    }
    let s = std::str::from_utf8(field.data).map_err(|_| SubmissionError::NotText(name))?;
    let s = s.replace("\r\n", "\n");
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\t'));
    if !s.chars().all(allowed) {
        return Err(SubmissionError::ControlCharacters(name));
    }
    if matches!(unit, Unit::Chars) && s.chars().count() > max {
        return Err(SubmissionError::TooLong {
            field: name,
            max,
            unit: "characters",
        });
    }
    let trimmed = s.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

fn attachment_of(field: FormField<'_>, max: usize) -> Result<Attachment, SubmissionError> {
    if field.data.len() > max {
        return Err(SubmissionError::AttachmentTooLarge(max));
    }
    let raw = field.file_name.unwrap_or("");
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if name.chars().any(char::is_control) || name.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(SubmissionError::BadFileName);
    }
    let name = if name.is_empty() || name == "." || name == ".." {
        "attachment".to_string()
    } else {
        name.to_string()
    };
    let content_type = field
        .content_type
        .filter(|t| t.len() <= 100 && t.chars().all(|c| c.is_ascii_graphic() || c == ' '))
        .map(str::to_string);
    Ok(Attachment {
        name,
        content_type,
        size: field.data.len(),
        base64: base64::engine::general_purpose::STANDARD.encode(field.data),
    })
}

impl crate::error::Coded for SubmissionError {
    fn code(&self) -> &'static str {
        SubmissionError::code(self)
    }
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass;
        ErrorClass::Usage
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn field<'a>(name: &'a str, data: &'a [u8]) -> FormField<'a> {
        FormField {
            name,
            file_name: None,
            content_type: None,
            data,
        }
    }

    fn complete() -> Vec<FormField<'static>> {
        vec![
            field("summary", b"  Overflow in the frobnicator "),
            field("details", b"Step 1\r\nStep 2\twith a tab\r\n"),
            field("affected", b"4.1 to 4.2"),
            field("contact", b""),
        ]
    }

    /// The three required fields, `affected` given.
    fn required(summary: &'static [u8], details: &'static [u8]) -> Vec<FormField<'static>> {
        vec![
            field("summary", summary),
            field("details", details),
            field("affected", b"a"),
        ]
    }

    /// A complete form with an attachment.
    fn with_attachment(
        file_name: &'static str,
        content_type: Option<&'static str>,
        data: &'static [u8],
    ) -> Vec<FormField<'static>> {
        let mut fields = complete();
        fields.push(FormField {
            name: "attachment",
            file_name: Some(file_name),
            content_type,
            data,
        });
        fields
    }

    #[test]
    fn a_complete_form_is_accepted_and_normalised() {
        let s = Submission::from_fields(complete(), 10).unwrap();
        assert_eq!(s.summary, "Overflow in the frobnicator");
        assert_eq!(s.details, "Step 1\nStep 2\twith a tab");
        assert_eq!(s.affected, "4.1 to 4.2");
        assert_eq!(s.contact, None, "a blank contact is no contact");
        assert_eq!(s.attachment, None);
        assert_eq!(Submission::from_plaintext(&s.to_plaintext()).unwrap(), s);
    }

    #[test]
    fn the_attachment_keeps_its_bytes_and_only_its_base_name() {
        let fields = with_attachment(
            "C:\\Users\\x\\poc.py",
            Some("text/x-python"),
            b"\x00\xffbinary",
        );
        // Exactly at the limit is accepted.
        let s = Submission::from_fields(fields, 8).unwrap();
        let a = s.attachment.unwrap();
        assert_eq!(a.name, "poc.py");
        assert_eq!(a.size, 8);
        assert_eq!(a.bytes().unwrap(), b"\x00\xffbinary");
        assert_eq!(a.content_type.as_deref(), Some("text/x-python"));
    }

    #[test]
    fn an_empty_unnamed_file_part_is_no_attachment() {
        let fields = with_attachment("", None, b"");
        assert_eq!(
            Submission::from_fields(fields, 10).unwrap().attachment,
            None
        );
    }

    #[test]
    fn each_refusal_has_its_code() {
        let cases: Vec<(Vec<FormField<'static>>, &str)> = vec![
            (complete()[1..].to_vec(), "missing-field"),
            (
                [complete(), vec![field("summary", b"again")]].concat(),
                "duplicate-field",
            ),
            (
                [complete(), vec![field("cc", b"x")]].concat(),
                "unknown-field",
            ),
            (required(b"\xff", b"d"), "not-text"),
            (required(b"two\nlines", b"d"), "control-characters"),
            (required(b"s", b"nul\0"), "control-characters"),
            (required(b"s", b"   "), "missing-field"),
            (
                with_attachment("a", None, b"12345678901"),
                "attachment-too-large",
            ),
            (with_attachment("a\nb", None, b"1"), "bad-file-name"),
        ];
        for (fields, code) in cases {
            let e = Submission::from_fields(fields.clone(), 10).unwrap_err();
            assert_eq!(e.code(), code, "{fields:?}: {e}");
        }
    }

    #[test]
    fn a_document_that_does_not_read_back_has_its_code() {
        use crate::error::Coded;
        let code = |bytes: &[u8]| Submission::from_plaintext(bytes).unwrap_err().code();
        assert_eq!(code(b"plain text"), "bad-report-document");
        let mut s = Submission::from_fields(complete(), 10).unwrap();
        s.format = "secpack-report/9".into();
        assert_eq!(code(&s.to_plaintext()), "unknown-report-format");
        let a = Attachment {
            name: "a".into(),
            content_type: None,
            size: 1,
            base64: "!!".into(),
        };
        assert_eq!(a.bytes().unwrap_err().code(), "bad-attachment");
    }

    #[test]
    fn length_limits_count_characters_for_short_fields() {
        let at_limit = "é".repeat(MAX_SUMMARY_CHARS);
        let over = "é".repeat(MAX_SUMMARY_CHARS + 1);
        let with = |s: &'static str| required(s.as_bytes(), b"d");
        let at_limit: &'static str = Box::leak(at_limit.into_boxed_str());
        let over: &'static str = Box::leak(over.into_boxed_str());
        assert!(Submission::from_fields(with(at_limit), 0).is_ok());
        let e = Submission::from_fields(with(over), 0).unwrap_err();
        assert_eq!(
            e,
            SubmissionError::TooLong {
                field: "summary",
                max: MAX_SUMMARY_CHARS,
                unit: "characters"
            }
        );
    }

    proptest! {
        #[test]
        fn arbitrary_fields_never_panic_and_accepted_ones_round_trip(
            parts in proptest::collection::vec(
                (prop::sample::select(vec!["summary", "details", "affected", "contact", "attachment", "x"]),
                 proptest::option::of(".{0,8}"),
                 proptest::collection::vec(any::<u8>(), 0..64)),
                0..7)
        ) {
            let fields: Vec<FormField<'_>> = parts.iter().map(|(n, f, d)| FormField {
                name: n, file_name: f.as_deref(), content_type: None, data: d,
            }).collect();
            if let Ok(s) = Submission::from_fields(fields, 32) {
                prop_assert!(!s.summary.is_empty() && !s.details.is_empty() && !s.affected.is_empty());
                prop_assert!(!s.summary.contains('\n'));
                prop_assert_eq!(Submission::from_plaintext(&s.to_plaintext()).unwrap(), s);
            }
        }
    }
}
