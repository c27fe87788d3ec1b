//! The page templates: compiled into the binary, and overridable by a pack
//! (`site/templates/<name>.html` replaces the built-in template of that name).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State};
use secpack::error::{Coded, ErrorClass, IoError};

use crate::i18n::{Arg, Strings, StringsError};

/// A template that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A template does not compile (a pack's override, usually).
    #[error("compiling template {name}")]
    Compile {
        /// The template's name.
        name: String,
        /// minijinja's error.
        #[source]
        error: Error,
    },
    /// A file in the pack's template folder overrides no template.
    #[error("{}: no built-in template is called {name:?} (known: style.css, {known})", path.display())]
    Unknown {
        /// The file.
        path: PathBuf,
        /// Its name.
        name: String,
        /// The names a file may have.
        known: String,
    },
    /// An override is a link, a folder, or too large.
    #[error("{} must be a regular file of at most {MAX_TEMPLATE_BYTES} bytes", path.display())]
    NotAFile {
        /// The file.
        path: PathBuf,
    },
    /// The user-interface strings.
    #[error(transparent)]
    Strings(#[from] StringsError),
    /// Reading the template folder or a template failed.
    #[error(transparent)]
    Io(#[from] IoError),
}

impl Coded for TemplateError {
    fn code(&self) -> &'static str {
        match self {
            Self::Compile { .. } => "bad-template",
            Self::Unknown { .. } => "unknown-template",
            Self::NotAFile { .. } => "bad-template-file",
            Self::Strings(e) => e.code(),
            Self::Io(e) => e.code(),
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Strings(e) => e.class(),
            Self::Io(e) => e.class(),
            _ => ErrorClass::Config,
        }
    }
}

type Result<T, E = TemplateError> = std::result::Result<T, E>;

/// A [`TemplateError::Compile`] of the template `name`.
fn compiling(name: &str) -> impl FnOnce(Error) -> TemplateError + '_ {
    move |error| TemplateError::Compile {
        name: name.to_string(),
        error,
    }
}

/// The built-in templates, by name.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("hub.html", include_str!("../templates/hub.html")),
    ("content.html", include_str!("../templates/content.html")),
    (
        "bulletins.html",
        include_str!("../templates/bulletins.html"),
    ),
    ("document.html", include_str!("../templates/document.html")),
    ("canaries.html", include_str!("../templates/canaries.html")),
    ("tracker.html", include_str!("../templates/tracker.html")),
    ("keys.html", include_str!("../templates/keys.html")),
    ("verify.html", include_str!("../templates/verify.html")),
    ("team.html", include_str!("../templates/team.html")),
    ("redirect.html", include_str!("../templates/redirect.html")),
];

/// The server's own pages (`secpack serve`: the report form, the receipt,
/// the status page, error pages), by name. A pack does not override them.
pub const SERVER: &[(&str, &str)] = &[
    (
        "server-page.html",
        include_str!("../templates/server-page.html"),
    ),
    (
        "report-form.html",
        include_str!("../templates/report-form.html"),
    ),
    (
        "report-receipt.html",
        include_str!("../templates/report-receipt.html"),
    ),
    (
        "report-status.html",
        include_str!("../templates/report-status.html"),
    ),
    (
        "report-sent.html",
        include_str!("../templates/report-sent.html"),
    ),
    (
        "server-error.html",
        include_str!("../templates/server-error.html"),
    ),
];

/// The site's template environment in `lang` (no pack overrides) with the
/// server's pages added: one HTML escaper for the site and the server.
pub fn server_environment(lang: &str) -> Result<Environment<'static>> {
    let mut env = environment(Arc::new(Strings::new(lang)?), &BTreeMap::new())?;
    for &(name, source) in SERVER {
        env.add_template(name, source).map_err(compiling(name))?;
    }
    Ok(env)
}

/// The built-in stylesheet (a pack may override it with `site/templates/style.css`).
pub const STYLE: &str = include_str!("../templates/style.css");

/// Largest override template read.
const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

/// Templates a pack supplies, by name (only names of built-in templates and
/// `style.css` are accepted).
pub fn load_overrides(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let read_dir = |e| IoError::new("reading", dir, e);
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(read_dir(e).into()),
    };
    for entry in entries {
        let entry = entry.map_err(read_dir)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let known = name == "style.css" || BUILT_IN.iter().any(|(n, _)| *n == name);
        let path = entry.path();
        if !known {
            let known = BUILT_IN
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(TemplateError::Unknown { path, name, known });
        }
        let read = |e| IoError::new("reading", &path, e);
        let meta = std::fs::symlink_metadata(&path).map_err(read)?;
        if !meta.is_file() || meta.len() > MAX_TEMPLATE_BYTES {
            return Err(TemplateError::NotAFile { path });
        }
        let text = std::fs::read_to_string(&path).map_err(read)?;
        out.insert(name, text);
    }
    Ok(out)
}

/// A template environment speaking one language: `t(id, name=value...)`
/// formats a user-interface string.
pub fn environment(
    strings: Arc<Strings>,
    overrides: &BTreeMap<String, String>,
) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_formatter(html_formatter);
    for (name, source) in BUILT_IN {
        let source = overrides
            .get(*name)
            .cloned()
            .unwrap_or_else(|| source.to_string());
        env.add_template_owned(name.to_string(), source)
            .map_err(compiling(name))?;
    }
    env.add_function(
        "t",
        move |id: &str, kwargs: Kwargs| -> Result<String, Error> {
            let mut args = BTreeMap::new();
            for key in kwargs.args() {
                let value: Value = kwargs.get(key)?;
                let arg = match value.as_i64() {
                    Some(n) if value.kind() == minijinja::value::ValueKind::Number => {
                        Arg::Number(n as f64)
                    }
                    _ => Arg::Text(value.to_string()),
                };
                args.insert(key.to_string(), arg);
            }
            strings
                .get(id, &args)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))
        },
    );
    Ok(env)
}

/// Escapes text for HTML like minijinja does, but leaves `/` alone so that
/// URLs stay readable (`&`, `<`, `>`, `"` and `'` are enough in HTML text and
/// quoted attributes).
fn html_formatter(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), Error> {
    let Some(text) = value.as_str().filter(|_| {
        value.kind() == ValueKind::String
            && !value.is_safe()
            && matches!(state.auto_escape(), AutoEscape::Html)
    }) else {
        return minijinja::escape_formatter(out, state, value);
    };
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped)
        .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_but_urls_stay_readable() {
        let env = environment(Arc::new(Strings::new("en").unwrap()), &BTreeMap::new()).unwrap();
        let html = env
            .render_str(
                "{% autoescape true %}<a href=\"{{ u }}\">{{ x }}</a>{% endautoescape %}",
                minijinja::context! { u => "../a/b.html?x=1&y=2", x => "<b>\"Tom's\"</b>" },
            )
            .unwrap();
        assert_eq!(
            html,
            "<a href=\"../a/b.html?x=1&amp;y=2\">&lt;b&gt;&quot;Tom&#39;s&quot;&lt;/b&gt;</a>"
        );
    }
}
