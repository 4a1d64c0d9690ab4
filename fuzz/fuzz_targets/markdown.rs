//! Markdown → sanitised HTML: nothing that runs comes out (no active
//! element, event handler, style or script address, as a browser's
//! tokenizer reads it), and the same source always gives the same page.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|source: &str| {
    for french in [false, true] {
        let html = kiosque_core::markup::render_markdown(source, french);
        if let Some(found) = kiosque_transfer::content::danger(&html) {
            panic!("{found} from {source:?}: {html}");
        }
        assert_eq!(html, kiosque_core::markup::render_markdown(source, french));
    }
    let _ = kiosque_core::markup::external_images(source);
    let _ = kiosque_core::markup::plain_text(source);
    let _ = kiosque_core::markup::excerpt(source, 160);
});
