//! A reader's comment → HTML: text only, its links inert.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let html = kiosque_core::markup::render_comment(text);
    if let Some(found) = kiosque_transfer::content::danger(&html) {
        panic!("{found} from {text:?}: {html}");
    }
});
