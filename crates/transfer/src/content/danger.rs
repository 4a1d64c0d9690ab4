//! What must never reach a reader in stored HTML, looked for the way a
//! browser would find it: the HTML is tokenized by html5ever (the parser
//! ammonia cleans with), not matched as text. The fuzz targets and the
//! property tests hold every rendering path to this.

use html5ever::tokenizer::{TagKind, Token};

/// Elements that run code or load another document.
const ACTIVE: &[&str] = &[
    "script", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "meta", "link",
    "style", "form",
];
/// Attributes holding an address.
const ADDRESSES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "poster",
    "background",
    "data",
];

/// The first dangerous thing in `html`, described; `None` when it holds no
/// active element, no event-handler attribute and no script address.
pub fn danger(html: &str) -> Option<String> {
    for token in super::markdown::tokens(html) {
        let Token::TagToken(tag) = token else {
            continue;
        };
        if tag.kind != TagKind::StartTag {
            continue;
        }
        let name: &str = &tag.name;
        if ACTIVE.contains(&name) {
            return Some(format!("<{name}>"));
        }
        for attr in &tag.attrs {
            let key: &str = &attr.name.local;
            if key.to_ascii_lowercase().starts_with("on") {
                return Some(format!("<{name} {key}=…>"));
            }
            if key == "style" {
                return Some(format!("<{name} style=…>"));
            }
            // srcset is a list of candidates; every other address is one.
            let dangerous = match key {
                "srcset" => attr.value.split(',').any(script_address),
                _ if ADDRESSES.contains(&key) => script_address(&attr.value),
                _ => false,
            };
            if dangerous {
                return Some(format!("<{name} {key}=\"{}\">", &attr.value));
            }
        }
    }
    None
}

/// An address a browser would run: `javascript:`, `vbscript:` or an HTML
/// `data:` document, read as the URL standard does: C0 controls and spaces
/// trimmed from both ends, tabs and line breaks removed everywhere, the
/// scheme's case ignored. (Another control character inside the scheme
/// makes it no scheme at all: a relative address, which runs nothing.)
fn script_address(value: &str) -> bool {
    let folded: String = value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .flat_map(char::to_lowercase)
        .collect();
    folded.starts_with("javascript:")
        || folded.starts_with("vbscript:")
        || folded.starts_with("data:text/html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangers_are_found_as_a_browser_reads_them() {
        for html in [
            "<p>a</p><ScRiPt>alert(1)</script>",
            "<img src=x OnError=alert(1)>",
            "<a href=\" java\tscript:alert(1)\">x</a>",
            "<a href=\"&#x01; JaVa\nScRipt:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<svg><a xlink:href=\"javascript:alert(1)\">x</a></svg>",
            "<iframe src=\"https://x.example\"></iframe>",
            "<p style=\"background:url(x)\">x</p>",
            "<img srcset=\"a.jpg 1x, javascript:alert(1) 2x\">",
        ] {
            assert!(danger(html).is_some(), "{html}");
        }
        for html in [
            "<p>javascript: a word</p>",
            "<a href=\"/media/x.jpg\" rel=\"noopener\">x</a>",
            "<img src=\"data:image/png;base64,AAAA\" alt=\"onerror\">",
            "<pre><code>&lt;script&gt;</code></pre>",
            "<a href=\"https://example.org/a,,javascript:,b\">x</a>",
            "<a href=\"jav&#x18;ascript:alert(1)\">x</a>",
        ] {
            assert_eq!(danger(html), None, "{html}");
        }
    }
}
