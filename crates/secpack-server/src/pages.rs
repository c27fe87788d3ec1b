//! The server's HTML pages (the report form, the receipt, the status page,
//! error pages), rendered by the site's template environment
//! ([`secpack_site::templates::server_environment`]): the site's templates
//! and its one HTML escaper, in English, or in French when the client's
//! `Accept-Language` starts with `fr`.

use std::sync::OnceLock;

use axum::http::{header, HeaderMap};
use serde::Serialize;

/// The languages the pages speak.
const LANGS: [&str; 2] = ["en", "fr"];

/// `fr` when the client prefers French, else `en`.
pub fn lang(headers: &HeaderMap) -> &'static str {
    let french = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("fr"));
    if french {
        "fr"
    } else {
        "en"
    }
}

/// One environment per language, built once (the templates and strings
/// are compiled into the binary, so building cannot fail but by a bug,
/// which the tests would show).
fn environment(lang: &str) -> &'static minijinja::Environment<'static> {
    static ENVS: OnceLock<Vec<minijinja::Environment<'static>>> = OnceLock::new();
    let envs = ENVS.get_or_init(|| {
        LANGS
            .iter()
            .map(|l| {
                secpack_site::templates::server_environment(l)
                    .expect("the built-in server templates compile")
            })
            .collect()
    });
    let i = LANGS.iter().position(|l| *l == lang).unwrap_or(0);
    &envs[i]
}

/// Renders page `name` in `lang` with `context` (plus `lang`). A template
/// error is logged and answered with a bare page naming no input.
pub fn render<C: Serialize>(lang: &str, name: &str, context: C) -> String {
    let env = environment(lang);
    let rendered = env.get_template(name).and_then(|t| {
        t.render(minijinja::context! { lang => lang, ..minijinja::Value::from_serialize(&context) })
    });
    match rendered {
        Ok(html) => html,
        Err(e) => {
            tracing::error!("rendering {name} failed: {e:#}");
            "<!DOCTYPE html>\n<html><body><p>internal error</p></body></html>\n".to_string()
        }
    }
}

/// A user-interface string in `lang` (for JSON answers that carry the same
/// sentence as a page).
pub fn text(lang: &str, id: &str) -> String {
    static STRINGS: OnceLock<Vec<secpack_site::i18n::Strings>> = OnceLock::new();
    let strings = STRINGS.get_or_init(|| {
        LANGS
            .iter()
            .map(|l| secpack_site::i18n::Strings::new(l).expect("the built-in strings parse"))
            .collect()
    });
    let i = LANGS.iter().position(|l| *l == lang).unwrap_or(0);
    strings[i].plain(id).unwrap_or_else(|e| {
        tracing::error!("the string {id} is missing: {e:#}");
        id.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use serde_json::json;

    const HOSTILE: &str = "<script>alert('x')</script>\"&";
    const ESCAPED: &str = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;";

    /// The page rendered (not the fallback), in `lang`, with `HOSTILE`
    /// escaped `times` times and never raw.
    fn check(html: &str, lang: &str, times: usize) {
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert('x')"), "{html}");
        assert_eq!(html.matches(ESCAPED).count(), times, "{html}");
    }

    #[test]
    fn a_hostile_string_is_escaped_on_every_page() {
        for lang in LANGS {
            let form = render(
                lang,
                "report-form.html",
                json!({"title": HOSTILE, "root": "../",
                       "key": {"fingerprint": HOSTILE, "names": HOSTILE},
                       "max_attachment": 1000}),
            );
            // The title twice (title and heading), the key's two fields.
            check(&form, lang, 4);
            let receipt = render(
                lang,
                "report-receipt.html",
                json!({"title": "t", "root": "../", "receipt": {
                    "id": HOSTILE, "received": HOSTILE, "encrypted_to": HOSTILE,
                    "codename": HOSTILE, "replies_to_own_key": false}}),
            );
            check(&receipt, lang, 4);
            let status = render(
                lang,
                "report-status.html",
                json!({"title": "t", "root": "../", "codename": HOSTILE, "max_message": 10,
                       "shown": {"id": HOSTILE, "received": HOSTILE, "state": "published",
                                 "bulletin": HOSTILE, "bulletin_url": HOSTILE,
                                 "replies": [{"at": HOSTILE, "text": HOSTILE, "encrypted": null,
                                              "certified_signer": false, "signer": HOSTILE}],
                                 "follow_ups": 0}}),
            );
            // id, bulletin and its link, the reply's time and text, and the
            // codename in the follow-up form.
            check(&status, lang, 6);
            let error = crate::error::html_page(lang, StatusCode::NOT_FOUND, HOSTILE, HOSTILE);
            check(&error, lang, 2);
        }
    }

    #[test]
    fn every_page_speaks_english_and_french() {
        let form = |lang| {
            render(
                lang,
                "report-status.html",
                json!({"title": "t", "root": "../", "shown": null, "codename": "", "max_message": 1}),
            )
        };
        assert!(form("en").contains("Show my report"));
        assert!(form("fr").contains("Voir mon signalement"));
        let sent = |lang| {
            render(
                lang,
                "report-sent.html",
                json!({"title": "t", "root": "../"}),
            )
        };
        assert!(sent("en").contains("encrypted to the security team"));
        assert!(sent("fr").contains("chiffré pour la clé"));
        assert_ne!(text("en", "status-unknown"), text("fr", "status-unknown"));
    }
}
