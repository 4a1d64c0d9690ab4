//! Helpers shared by the integration tests.

/// The page with no-break spaces turned into plain ones, so assertions can
/// be written as a reader sees the text.
pub fn plain(html: &str) -> String {
    html.replace(['\u{a0}', '\u{202f}'], " ")
        .replace("&nbsp;", " ")
}

/// Asserts that each needle occurs, in this order, and returns their positions.
pub fn assert_in_order(haystack: &str, needles: &[&str]) -> Vec<usize> {
    let mut from = 0;
    let mut positions = Vec::new();
    for needle in needles {
        match haystack[from..].find(needle) {
            Some(i) => {
                positions.push(from + i);
                from += i + needle.len();
            }
            None => panic!("{needle:?} not found after position {from}; the page was:\n{haystack}"),
        }
    }
    positions
}

/// A PNG photo for the tests, generated.
pub fn png(seed: u32) -> Vec<u8> {
    kiosque_media::demo_photo(seed, 320, 180, false)
}
