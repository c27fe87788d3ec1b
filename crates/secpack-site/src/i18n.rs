//! User-interface strings in every language the site speaks, through Fluent.
//!
//! English and French are built in (`locales/*.ftl`). Another language falls
//! back to English strings; a message missing from a translation falls back to
//! its English text.

use std::collections::BTreeMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use secpack::error::{Coded, ErrorClass};
use unic_langid::LanguageIdentifier;

const EN: &str = include_str!("../locales/en.ftl");
const FR: &str = include_str!("../locales/fr.ftl");

/// A user-interface string that cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum StringsError {
    /// No language has a message of this id (a template asks for it).
    #[error("no user-interface message {0:?}")]
    Unknown(String),
    /// The message does not format with the arguments given.
    #[error("message {id}: {detail}")]
    Format {
        /// The message.
        id: String,
        /// Fluent's complaint.
        detail: String,
    },
    /// The language code does not parse.
    #[error("language {lang}: {detail}")]
    Language {
        /// The code.
        lang: String,
        /// Why.
        detail: String,
    },
    /// The built-in strings of a language are broken (a bug of secpack).
    #[error("built-in {lang} strings {detail}")]
    BuiltIn {
        /// The language.
        lang: String,
        /// What is wrong.
        detail: String,
    },
}

impl Coded for StringsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unknown(_) => "unknown-ui-message",
            Self::Format { .. } => "ui-message",
            Self::Language { .. } => "bad-language",
            Self::BuiltIn { .. } => "ui-strings",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            // Templates a pack overrides ask for messages and give arguments.
            Self::Unknown(_) | Self::Format { .. } | Self::Language { .. } => ErrorClass::Config,
            Self::BuiltIn { .. } => ErrorClass::Failure,
        }
    }
}

type Result<T, E = StringsError> = std::result::Result<T, E>;

/// The strings of one language (with English behind it).
pub struct Strings {
    lang: String,
    own: Option<FluentBundle<FluentResource>>,
    english: FluentBundle<FluentResource>,
}

/// An argument of a message.
#[derive(Debug, Clone)]
pub enum Arg {
    /// Text.
    Text(String),
    /// A number (Fluent may choose plural forms by it).
    Number(f64),
}

impl Strings {
    /// The strings for `lang` (`en`, `fr`, or any other code, which gets English).
    pub fn new(lang: &str) -> Result<Self> {
        let own = match lang {
            "fr" => Some(bundle("fr", FR)?),
            _ => None,
        };
        Ok(Self {
            lang: lang.to_string(),
            own,
            english: bundle("en", EN)?,
        })
    }

    /// The language code.
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// Formats message `id` with `args`; an unknown id is an error.
    pub fn get(&self, id: &str, args: &BTreeMap<String, Arg>) -> Result<String> {
        let fluent_args = (!args.is_empty()).then(|| {
            let mut a = FluentArgs::new();
            for (k, v) in args {
                match v {
                    Arg::Text(s) => a.set(k.clone(), FluentValue::from(s.clone())),
                    Arg::Number(n) => a.set(k.clone(), FluentValue::from(*n)),
                }
            }
            a
        });
        for bundle in self.own.iter().chain(std::iter::once(&self.english)) {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, fluent_args.as_ref(), &mut errors);
                if let Some(e) = errors.first() {
                    return Err(StringsError::Format {
                        id: id.to_string(),
                        detail: e.to_string(),
                    });
                }
                return Ok(text.into_owned());
            }
        }
        Err(StringsError::Unknown(id.to_string()))
    }

    /// Formats a message without arguments.
    pub fn plain(&self, id: &str) -> Result<String> {
        self.get(id, &BTreeMap::new())
    }
}

fn bundle(lang: &str, source: &str) -> Result<FluentBundle<FluentResource>> {
    let built_in = |detail| StringsError::BuiltIn {
        lang: lang.to_string(),
        detail,
    };
    let id: LanguageIdentifier = lang.parse().map_err(|e| StringsError::Language {
        lang: lang.to_string(),
        detail: format!("{e}"),
    })?;
    let resource = FluentResource::try_new(source.to_string())
        .map_err(|(_, errors)| built_in(format!("do not parse: {errors:?}")))?;
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks would end up inside attributes and file names.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| built_in(format!("clash: {errors:?}")))?;
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english_ids() -> Vec<String> {
        FluentResource::try_new(EN.to_string())
            .map(|r| {
                r.entries()
                    .filter_map(|e| match e {
                        fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn french_and_english_differ_and_take_arguments() {
        let en = Strings::new("en").unwrap();
        let fr = Strings::new("fr").unwrap();
        let mut args = BTreeMap::new();
        args.insert("number".to_string(), Arg::Number(7.0));
        assert_eq!(en.get("canary-heading", &args).unwrap(), "Canary 7");
        assert_eq!(fr.get("canary-heading", &args).unwrap(), "Canari 7");
        assert!(en.get("no-such-message", &args).is_err());
        // Unknown languages speak English.
        assert_eq!(
            Strings::new("de").unwrap().plain("nav-home").unwrap(),
            "Home"
        );
    }

    #[test]
    fn every_trust_engine_code_has_a_label_in_every_language() {
        use secpack::trust::verdict::{KeyStatus, SigStatus, SigWarning};
        let ids: Vec<String> = SigStatus::ALL
            .iter()
            .map(|s| format!("sig-status-{}", s.code()))
            .chain(
                SigWarning::ALL
                    .iter()
                    .map(|w| format!("sig-warning-{}", w.code())),
            )
            .chain(
                KeyStatus::ALL
                    .iter()
                    .map(|k| format!("key-status-{}", k.code())),
            )
            .collect();
        for lang in ["en", "fr"] {
            let strings = Strings::new(lang).unwrap();
            for id in &ids {
                let label = strings
                    .plain(id)
                    .unwrap_or_else(|e| panic!("{lang} {id}: {e}"));
                assert!(!label.is_empty() && label != *id, "{lang} {id}");
            }
        }
    }

    #[test]
    fn every_english_message_is_translated_to_french() {
        let fr_resource = FluentResource::try_new(FR.to_string()).unwrap();
        let fr_ids: Vec<String> = fr_resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect();
        let en_ids = english_ids();
        assert!(en_ids.len() > 50);
        for id in &en_ids {
            assert!(fr_ids.contains(id), "{id} has no French translation");
        }
    }
}
