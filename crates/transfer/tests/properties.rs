//! The fuzz targets' properties (`fuzz/`), as property tests in the
//! ordinary suite: whatever a writer, an imported file or a reader sends,
//! no rendering path lets a script through, and no reader panics.
//!
//! Inputs are arbitrary text mixed with pieces of hostile markup (tags,
//! handlers, script addresses, Markdown link and image syntax, entities),
//! so the cases reach the sanitiser's edges rather than plain words only.

use kiosque_core::markup::{external_images, render_comment, render_markdown};
use kiosque_core::service::publish::parse_article_source;
use kiosque_transfer::content::{danger, wordpress_to_markdown};
use kiosque_transfer::wxr::WxrReader;
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "<script>alert(1)</script>",
    "<ScRipt src=//x.example/a.js></ScRipt>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\" &#106;avascript:alert(1)\">",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<object data=\"data:text/html,<script>alert(1)</script>\">",
    "<form action=javascript:alert(1)><button>",
    "<p style=\"x:expression(alert(1))\">",
    "<details open ontoggle=alert(1)>",
    "<base href=\"javascript:/\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "\"><img src=x onerror=alert(1)>",
    "'-alert(1)-'",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)\n\n[y][x]",
    "<javascript:alert(1)>",
    "```gallery\n/media/a.jpg | <img src=x onerror=alert(1)>\n```\n",
    "```\n<script>\n```\n",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n",
    "[caption]<img src=x onerror=alert(1)>[/caption]",
    "[gallery ids=\"1,2\"]",
    "<!-- wp:image --><figure><img src=\"x\" onerror=\"alert(1)\"></figure><!-- /wp:image -->",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "\u{0}",
    "\n\n",
    "    indented code <script>\n",
    "> quote <img onerror=alert(1) src=x>\n",
    "| a | <script> |\n|---|---|\n| b | c |\n",
    "*",
    "_",
    "`",
    "<",
    ">",
];

/// Text with hostile pieces among arbitrary characters.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(PIECES).prop_map(str::to_owned),
        2 => ".{0,12}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn markdown_renders_to_nothing_that_runs(source in hostile(), french in any::<bool>()) {
        let html = render_markdown(&source, french);
        prop_assert_eq!(danger(&html), None, "from {:?}: {}", source, html);
        // The same source, the same page.
        prop_assert_eq!(render_markdown(&source, french), html.clone());
    }

    #[test]
    fn comments_render_as_text(text in hostile()) {
        let html = render_comment(&text);
        prop_assert_eq!(danger(&html), None, "from {:?}: {}", text, html);
        // Only the tags comments are made of.
        for tag in html.split('<').skip(1) {
            let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/').collect();
            prop_assert!(matches!(name.as_str(), "p" | "/p" | "br" | "a" | "/a"), "<{} in {}", tag, html);
        }
    }

    #[test]
    fn wordpress_html_becomes_markdown_that_renders_safely(html in hostile()) {
        let converted = wordpress_to_markdown(&html, &|_: &str| None);
        let page = render_markdown(&converted.markdown, true);
        prop_assert_eq!(danger(&page), None, "from {:?} via {:?}: {}", html, converted.markdown, page);
        // Another site's pictures became links: the save would take it.
        prop_assert!(external_images(&converted.markdown).is_empty(), "{}", converted.markdown);
    }

    #[test]
    fn article_files_are_read_or_refused_never_a_panic(text in "(---\n)?[-a-z_:\" \n\\[\\]{}|0-9é>]{0,200}(\n---\n.{0,40})?") {
        if let Ok(source) = parse_article_source(&text, kiosque_core::model::Tz::UTC) {
            prop_assert!(!source.body.is_empty());
        }
    }

    #[test]
    fn wxr_files_are_read_or_refused_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), prefix in any::<bool>()) {
        let mut input = Vec::new();
        if prefix {
            input.extend_from_slice(b"<?xml version=\"1.0\"?><rss xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><wp:wxr_version>1.2</wp:wxr_version><item><title>");
        }
        input.extend_from_slice(&bytes);
        let reader = WxrReader::new(std::io::BufReader::new(input.as_slice()));
        for record in reader.take(1000) {
            if record.is_err() {
                break;
            }
        }
    }
}

/// The `backup` fuzz target's property: read or refused, never a panic;
/// read whole, it holds what its manifest and end entry say.
fn backup_holds_what_it_says(bytes: &[u8], name: &str) -> bool {
    let Ok((manifest, end, tally)) = kiosque_transfer::backup::tally(bytes, name) else {
        return false;
    };
    for table in manifest.tables.iter().filter(|t| t.rows > 0) {
        assert_eq!(tally.rows.get(&table.name), Some(&table.rows), "{name}");
    }
    assert_eq!(tally.media, end.media_files, "{name}");
    assert_eq!((tally.misfits, tally.bad_names), (0, 0), "{name}");
    true
}

/// A backup `kiosque backup` wrote, changed at random places: read or
/// refused, never a panic (the twin of the `backup` fuzz target).
#[test]
fn damaged_backups_are_refused_never_a_panic() {
    let seed = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/backup/site.kbk"),
    )
    .unwrap();
    assert!(
        backup_holds_what_it_says(&seed, "the seed"),
        "the seed reads whole"
    );
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(
            &(
                proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                any::<prop::sample::Index>(),
            ),
            |(changes, cut)| {
                let mut bytes = seed.clone();
                for (at, value) in changes {
                    let i = at.index(bytes.len());
                    bytes[i] = value;
                }
                // Sometimes cut short too.
                let keep = cut.index(bytes.len() * 2).min(bytes.len());
                backup_holds_what_it_says(&bytes[..keep], "a damaged backup");
                Ok(())
            },
        )
        .unwrap();
}

/// The fuzz targets' seeds and every input a fuzzer once crashed on (kept
/// under `fuzz/regressions/` once fixed), held to the same properties.
#[test]
fn the_fuzzers_seeds_and_regressions_hold() {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let inputs = |target: &str| -> Vec<(String, Vec<u8>)> {
        ["seeds", "regressions"]
            .iter()
            .filter_map(|kind| std::fs::read_dir(fuzz.join(kind).join(target)).ok())
            .flatten()
            .map(|entry| {
                let path = entry.unwrap().path();
                (path.display().to_string(), std::fs::read(&path).unwrap())
            })
            .collect()
    };
    let mut tried = 0;
    for (name, bytes) in inputs("markdown") {
        let text = String::from_utf8_lossy(&bytes);
        let html = render_markdown(&text, true);
        assert_eq!(danger(&html), None, "{name}");
        tried += 1;
    }
    for (name, bytes) in inputs("comment") {
        assert_eq!(
            danger(&render_comment(&String::from_utf8_lossy(&bytes))),
            None,
            "{name}"
        );
        tried += 1;
    }
    for (name, bytes) in inputs("wordpress_html") {
        let converted = wordpress_to_markdown(&String::from_utf8_lossy(&bytes), &|_: &str| None);
        assert_eq!(
            danger(&render_markdown(&converted.markdown, true)),
            None,
            "{name}"
        );
        assert!(external_images(&converted.markdown).is_empty(), "{name}");
        tried += 1;
    }
    for (_, bytes) in inputs("front_matter") {
        let _ = parse_article_source(
            &String::from_utf8_lossy(&bytes),
            kiosque_core::model::Tz::UTC,
        );
        tried += 1;
    }
    for (name, bytes) in inputs("backup") {
        backup_holds_what_it_says(&bytes, &name);
        tried += 1;
    }
    for (_, bytes) in inputs("wxr") {
        let reader = WxrReader::new(std::io::BufReader::new(bytes.as_slice()));
        for record in reader.take(10_000) {
            if record.is_err() {
                break;
            }
        }
        tried += 1;
    }
    assert!(
        tried >= 10,
        "the seeds were not found under {}",
        fuzz.display()
    );
}
