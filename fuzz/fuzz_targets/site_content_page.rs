//! Content pages of the website (front matter + markdown): parsing never
//! panics, and rendering never passes raw HTML through.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(page) = secpack_site::content::parse(text, "fuzz.md", "fuzz") {
        let file = page.file().expect("a parsed permalink maps to a file");
        // Rebased as a mounted page would be, on an origin.
        let mount = secpack_site::mount::Mount {
            prefix: Some("/security/".into()),
            origin: Some("https://www.example.org".into()),
        };
        let lang = page.lang.clone();
        let html = secpack_site::content::render_markdown(&page.body, &|u| {
            mount.link(&file, u, &lang, &|f| f.len() % 2 == 0)
        });
        assert!(!html.contains("<script"));
    }
});
