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
        let html = secpack_site::content::render_markdown(&page.body, &file);
        assert!(!html.contains("<script"));
    }
});
