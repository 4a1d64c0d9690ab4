//! A WordPress post's HTML → Markdown → the page: nothing that runs, and no
//! picture from another site left for a save to refuse.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    let converted = kiosque_transfer::content::wordpress_to_markdown(html, &|_: &str| None);
    let page = kiosque_core::markup::render_markdown(&converted.markdown, true);
    if let Some(found) = kiosque_transfer::content::danger(&page) {
        panic!("{found} from {html:?} via {:?}: {page}", converted.markdown);
    }
    assert!(
        kiosque_core::markup::external_images(&converted.markdown).is_empty(),
        "{:?}",
        converted.markdown
    );
});
