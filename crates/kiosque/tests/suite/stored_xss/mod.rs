//! Stored XSS in a real browser: the payload lists others wrote (Wapiti's
//! `xssPayloads.ini`, wfuzz's `Injections/XSS.txt`) and polyglots of our
//! own are typed into every field a reader or a newsroom member can fill —
//! through the forms themselves, in Chromium, so refused input comes back on
//! the very page that says why — and every page that shows them, public and
//! admin, is opened with a script-execution detector. The detector:
//! `alert`, `confirm`, `prompt` and `print` replaced in every frame before
//! any script runs, reporting to the console; the page's CSP switched off
//! (`Page.setBypassCSP`) so escaping alone is tested, not the CSP behind it;
//! and a scan of the DOM for what would run on a click or a hover (an `on*`
//! attribute, a `javascript:` address, a script, frame or object we did not
//! put there, a `<base>` or a refresh). A positive control proves the
//! detector sees what it must.
//!
//! Short form (the default): every payload lands in some field and every
//! field gets a share of each list. `KIOSQUE_TEST_XSS_ALL=1`: every payload
//! in every field (the long form, documented in docs/RELIABILITY.md).
//!
//! Needs `KIOSQUE_TEST_CHROMEDRIVER`; the two lists come from
//! `KIOSQUE_TEST_XSS_LISTS` (their paths, `:`-separated), which `.ci/run`
//! sets; without it only our own polyglots run, and the test says so.

mod detector;
mod forms;
mod import;

use std::io::Write as _;

use kiosque_testkit::{Engine, TestApp, TestDb};

use self::detector::Watched;

const LISTS_ENV: &str = "KIOSQUE_TEST_XSS_LISTS";
const ALL_ENV: &str = "KIOSQUE_TEST_XSS_ALL";
const OWN: &str = include_str!("../../fixtures/xss-polyglots.txt");
const PASSWORD: &str = "un mot de passe solide";

/// A payload list entry, with where it came from.
#[derive(Clone)]
struct Payload {
    source: &'static str,
    text: String,
}

/// Wapiti's payloads: its placeholders filled the way it fills them (a
/// line feed, a tab, a form feed, an outside address — which the browser
/// cannot reach here), each attribute-breaking one in the three quotings.
fn wapiti(ini: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in ini.lines() {
        let Some(payload) = line.strip_prefix("payload = ") else {
            continue;
        };
        if payload == "None" {
            continue;
        }
        let filled = payload
            .replace("[LF]", "\n")
            .replace("[TAB]", "\t")
            .replace("[FF]", "\u{c}")
            .replace("[EXTERNAL_ENDPOINT]", "http://xss-endpoint.invalid/")
            .replace("[PROTO_ENDPOINT]", "xss-endpoint.invalid/");
        if filled.contains("[ATTR_SEP]") || filled.contains("[VALUE_SEP]") {
            for (attr, value) in [("\" ", "\""), ("' ", "'"), (" ", "")] {
                out.push(
                    filled
                        .replace("[ATTR_SEP]", attr)
                        .replace("[VALUE_SEP]", value),
                );
            }
        } else {
            out.push(filled);
        }
    }
    out
}

/// wfuzz's list is written for query strings: each line as it is and, when
/// it holds percent-escapes, decoded as a form would store it.
fn wfuzz(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in list.lines().filter(|l| !l.trim().is_empty()) {
        out.push(line.to_owned());
        let decoded = percent_encoding::percent_decode_str(line)
            .decode_utf8_lossy()
            .into_owned();
        if decoded != line {
            out.push(decoded);
        }
    }
    out
}

fn own() -> Vec<String> {
    OWN.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.replace("\\n", "\n")
                .replace("\\u2028", "\u{2028}")
                .replace("\\u2029", "\u{2029}")
        })
        .collect()
}

/// Every payload, our own first; the lists when their paths are given.
fn payloads() -> Vec<Payload> {
    let mut all: Vec<Payload> = own()
        .into_iter()
        .map(|text| Payload {
            source: "own",
            text,
        })
        .collect();
    match std::env::var(LISTS_ENV) {
        Ok(paths) => {
            for path in paths.split(':').filter(|p| !p.is_empty()) {
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| panic!("{LISTS_ENV}: cannot read {path}: {e}"));
                let (source, list) = if path.ends_with(".ini") {
                    ("wapiti", wapiti(&text))
                } else {
                    ("wfuzz", wfuzz(&text))
                };
                assert!(list.len() >= 30, "{path}: only {} payloads", list.len());
                all.extend(list.into_iter().map(|text| Payload { source, text }));
            }
        }
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "NOTE: the stored-XSS test runs our own polyglots only: the lists of \
                 Wapiti and wfuzz SKIPPED. To run them: {LISTS_ENV}=<wapitiCore/data/attacks/\
                 xssPayloads.ini>:/usr/share/wfuzz/wordlist/Injections/XSS.txt (.ci/run sets it)"
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|p| seen.insert(p.text.clone()));
    all
}

/// Which payload goes to field `field` (of `fields`) in round `round`,
/// marked with the placement (inside, where the payload names `__XSS__`,
/// and after it, as text a sanitiser keeps) so the test knows which pages
/// showed it. Short form: payloads dealt across the fields, so each lands
/// once; long form: each round shifts by one, so each lands everywhere.
fn deal(
    payloads: &[Payload],
    round: usize,
    (field, fields): (usize, usize),
    every_field: bool,
) -> (usize, String) {
    let index = if every_field {
        (round + field) % payloads.len()
    } else {
        (round * fields + field) % payloads.len()
    };
    let marker = format!("kx{round}x{field}");
    (
        index,
        format!(
            "{} {marker}",
            payloads[index].text.replace("__XSS__", &marker)
        ),
    )
}

/// What a test runs: the payloads, dealt (the short form) or everywhere
/// (`KIOSQUE_TEST_XSS_ALL`), over so many rounds, in the browser ChromeDriver
/// drives; `None` when there is no ChromeDriver (the test says it skipped).
struct Plan {
    driver: std::path::PathBuf,
    payloads: Vec<Payload>,
    every_field: bool,
    rounds: usize,
}

fn plan(fields: usize) -> Option<Plan> {
    let driver = kiosque_testkit::external_tool(
        crate::browser::DRIVER_ENV,
        "Browser (Chromium)",
        "/usr/bin/chromedriver",
    )?;
    let payloads = payloads();
    let every_field = std::env::var_os(ALL_ENV).is_some();
    // Enough rounds (or import items) for every payload to land once, or,
    // in the long form, for every payload to land in every field.
    let rounds = if every_field {
        payloads.len()
    } else {
        payloads.len().div_ceil(fields)
    };
    Some(Plan {
        driver,
        payloads,
        every_field,
        rounds,
    })
}

/// The newsroom's administrator signed in in one watched browser, and a
/// reader in another.
async fn desk_and_reader(driver: &std::path::Path, app: &TestApp) -> (Watched, Watched) {
    app.create_user(
        "chef@example.org",
        kiosque_core::types::Role::Administrator,
        PASSWORD,
    )
    .await;
    let desk = Watched::start(driver, app.url("")).await;
    let reader = Watched::start(driver, app.url("")).await;
    desk.browser
        .sign_in(app, "chef@example.org", PASSWORD)
        .await;
    (desk, reader)
}

/// What the watched browsers saw, gathered over the sites a test ran.
#[derive(Default)]
struct Seen {
    markers: std::collections::HashSet<String>,
    loads: usize,
}

impl Seen {
    fn add(&mut self, watched: &Watched) {
        self.markers.extend(watched.seen.iter().cloned());
        self.loads += watched.loads;
    }
}

/// The fields none of whose placements any page showed, stored or sent
/// back refused (a field the test never reached proves nothing).
fn unseen<'a>(fields: &[&'a str], rounds: usize, seen: &Seen) -> Vec<&'a str> {
    (0..fields.len())
        .filter(|j| !(0..rounds).any(|r| seen.markers.contains(&format!("kx{r}x{j}"))))
        .map(|j| fields[j])
        .collect()
}

/// A French site on SQLite (escaping does not depend on the database).
async fn site(tweak: impl FnOnce(&mut kiosque::Settings)) -> TestApp {
    let db = TestDb::new(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    TestApp::start(db, kiosque_core::types::Locale::Fr, tweak).await
}

/// The closing line: what ran through where.
fn report(what: &str, payloads: &[Payload], detail: &str, seen: &Seen) {
    let sources: std::collections::BTreeMap<&str, usize> =
        payloads.iter().fold(Default::default(), |mut m, p| {
            *m.entry(p.source).or_default() += 1;
            m
        });
    let _ = writeln!(
        std::io::stderr(),
        "stored XSS, {what}: {} payloads {sources:?}, {detail}, {} placements shown on a page, \
         {} page loads, 0 ran",
        payloads.len(),
        seen.markers.len(),
        seen.loads
    );
}
