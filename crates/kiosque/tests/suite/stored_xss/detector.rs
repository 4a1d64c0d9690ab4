//! The script-execution detector: a browser that reports what ran and
//! what would run on the pages it opens.

use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::{Browser, ChromeDriverPost};

/// Installed in every frame before the page's own scripts: any call of the
/// functions payloads use to prove they ran is reported on the console,
/// where the test reads it (the console reaches it even from frames of
/// another origin, which could not write to the top window).
const HOOK: &str = r#"(() => {
  const report = (how, what) => console.error('KIOSQUE-XSS-RAN ' + how + ' ' + String(what).slice(0, 80) + ' in ' + String(location.href).slice(0, 120));
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    try { Object.defineProperty(window, name, { value: function (x) { report(name, x); }, writable: false, configurable: false }); } catch (e) {}
  }
})();"#;

/// What in the page would run on a click, a hover or a focus, or came from
/// elsewhere: each finding with the element's start tag.
const SCAN: &str = r#"
const out = [];
const here = location.origin;
const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background', 'lowsrc', 'dynsrc', 'codebase', 'cite'];
const start = (el) => el.outerHTML.slice(0, el.outerHTML.indexOf('>') + 1).slice(0, 200);
for (const el of document.querySelectorAll('*')) {
  const tag = el.localName;
  for (const a of el.attributes) {
    const name = a.name.toLowerCase();
    const value = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
    if (name.startsWith('on')) out.push('handler ' + name + ': ' + start(el));
    if (name === 'srcdoc') out.push('srcdoc: ' + start(el));
    if (urlAttributes.includes(name) && (value.startsWith('javascript:') || value.startsWith('vbscript:') || (value.startsWith('data:text/html') ))) out.push('script address in ' + name + ': ' + start(el));
  }
  if (tag === 'script') {
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (el.hasAttribute('src')) {
      if (new URL(el.src, location.href).origin !== here) out.push('script from elsewhere: ' + start(el));
    } else if (type !== 'application/ld+json' && type !== 'application/json') {
      out.push('inline script: ' + el.textContent.slice(0, 120));
    }
  }
  if (['iframe', 'frame', 'object', 'embed', 'applet', 'base', 'portal'].includes(tag)) out.push('element ' + tag + ': ' + start(el));
  if (tag === 'meta' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') out.push('refresh: ' + start(el));
}
return out;
"#;

/// A browser with the detector, and what it found.
pub(super) struct Watched {
    pub(super) browser: Browser,
    pub(super) origin: String,
    pub(super) loads: usize,
    pub(super) findings: Vec<String>,
    /// The placements' markers seen on pages (proof the payloads reached them).
    pub(super) seen: std::collections::HashSet<String>,
}

impl Watched {
    pub(super) async fn start(driver: &std::path::Path, origin: String) -> Watched {
        // Nothing a payload names outside this machine resolves.
        let browser = Browser::start_sized(
            driver,
            &["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned()],
            (1280, 900),
        )
        .await;
        for (cmd, params) in [
            ("Page.enable", json!({})),
            ("Page.setBypassCSP", json!({ "enabled": true })),
            (
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": HOOK }),
            ),
        ] {
            browser
                .client
                .issue_cmd(ChromeDriverPost::devtools(cmd, params))
                .await
                .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        }
        let mut watched = Watched {
            browser,
            origin: "null".into(),
            loads: 0,
            findings: Vec::new(),
            seen: Default::default(),
        };
        // The control: the detector sees a script run, a handler and a
        // script address, or nothing it reports later proves anything.
        watched
            .browser
            .client
            .goto("data:text/html,<p>t</p><script>alert(1)</script><a href='javascript:alert(2)' onclick='x()'>l</a>")
            .await
            .unwrap();
        watched.look("control").await;
        let control = std::mem::take(&mut watched.findings);
        assert!(
            control
                .iter()
                .any(|f| f.contains("KIOSQUE-XSS-RAN alert 1"))
                && control.iter().any(|f| f.contains("handler onclick"))
                && control.iter().any(|f| f.contains("script address in href")),
            "the detector missed the control: {control:?}"
        );
        watched.loads = 0;
        watched.origin = origin;
        watched
    }

    /// Looks at the page the browser shows now: anything that ran since the
    /// last look, anything in the DOM that would run, any move elsewhere.
    pub(super) async fn look(&mut self, what: &str) {
        self.loads += 1;
        // A payload's timer or autofocus gets its moment.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let url = self.browser.client.current_url().await.unwrap();
        if url.origin().ascii_serialization() != self.origin {
            self.findings
                .push(format!("{what}: the page went to {url}"));
            return;
        }
        let log = self
            .browser
            .client
            .issue_cmd(ChromeDriverPost::log("browser"))
            .await
            .unwrap();
        for entry in log.as_array().into_iter().flatten() {
            let message = entry["message"].as_str().unwrap_or_default();
            if message.contains("KIOSQUE-XSS-RAN") {
                self.findings.push(format!("{what}: {message}"));
            }
        }
        let markers = self
            .browser
            .js("return document.documentElement.outerHTML.match(/kx[0-9]+x[0-9]+/g) || []")
            .await;
        self.seen.extend(
            markers
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str().map(str::to_owned)),
        );
        let scan = self.browser.client.execute(SCAN, vec![]).await.unwrap();
        for finding in scan.as_array().into_iter().flatten() {
            self.findings.push(format!(
                "{what} ({}): {}",
                url.path(),
                finding.as_str().unwrap()
            ));
        }
    }

    pub(super) async fn open(&mut self, path: &str) {
        let url = format!("{}{path}", self.origin);
        self.browser.client.goto(&url).await.unwrap();
        self.look(path).await;
    }

    /// Fills the form `form` (a selector) with `values` (hidden from the
    /// browser's own checks: only the server's count) and submits it with
    /// `submit` (a selector inside the form), then looks at the page
    /// that comes back. When the server refuses some fields, it looks at
    /// that page too, then sends again with those fields replaced by
    /// `fallback` so the others are stored. Returns whether the first
    /// sending was taken whole.
    pub(super) async fn submit(
        &mut self,
        page: &str,
        form: &str,
        values: &[(&str, &str)],
        submit: &str,
        fallback: &[(&str, &str)],
    ) -> bool {
        self.open(page).await;
        self.send(page, form, values, submit).await;
        let invalid: Vec<String> = serde_json::from_value(
            self.browser
                .js(&format!(
                    "const f = document.querySelector({form:?});
                     return f ? [...f.querySelectorAll('[aria-invalid=true]')].map(e => e.name) : [];"
                ))
                .await,
        )
        .unwrap();
        if invalid.is_empty() {
            return true;
        }
        let again: Vec<(&str, &str)> = invalid
            .iter()
            .map(|name| {
                let safe = fallback
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("", |(_, v)| *v);
                (name.as_str(), safe)
            })
            .collect();
        // The refused page keeps the other values: only the refused change.
        self.send(page, form, &again, submit).await;
        false
    }

    pub(super) async fn send(
        &mut self,
        page: &str,
        form: &str,
        values: &[(&str, &str)],
        submit: &str,
    ) {
        let values: Vec<[&str; 2]> = values.iter().map(|(n, v)| [*n, *v]).collect();
        let problem = self
            .browser
            .client
            .execute(
                "const [selector, values, submit] = arguments;
                 const form = document.querySelector(selector);
                 if (!form) return 'no form ' + selector;
                 for (const [name, value] of values) {
                   const field = form.elements.namedItem(name);
                   if (!field) return 'the form has no ' + name;
                   if (field.type === 'checkbox') field.checked = value !== '';
                   else field.value = value;
                 }
                 // A button may sit outside its form (`form=`): look among the form's own.
                 const button = [...form.elements].find(e => e.matches(submit));
                 if (!button) return 'no button ' + submit;
                 form.noValidate = true;
                 window.__kiosque_old_page = true;
                 button.click();
                 return null;",
                vec![json!(form), json!(values), json!(submit)],
            )
            .await
            .unwrap();
        assert_eq!(problem, Value::Null, "on {page}");
        self.browser.wait_for_new_page().await;
        self.look(&format!("{page} (sent)")).await;
    }
}
