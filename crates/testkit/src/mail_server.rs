//! A real SMTP server written by others (PyPI's aiosmtpd), started by a
//! test on loopback, and a DKIM verifier written by others (PyPI's dkimpy).
//! Both need `KIOSQUE_TEST_MAIL_PYTHON` (a Python with both installed);
//! without it the tests that use them are skipped with a notice.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

const SERVER: &str = include_str!("mail_server.py");
const VERIFY: &str = include_str!("dkim_verify.py");

fn python() -> Option<PathBuf> {
    crate::external_tool(
        "KIOSQUE_TEST_MAIL_PYTHON",
        "SMTP (aiosmtpd) and DKIM (dkimpy)",
        ".ci/tools/venv/bin/python (python3 -m venv .ci/tools/venv && .ci/tools/venv/bin/pip install aiosmtpd==1.4.6 dkimpy==1.1.8)",
    )
}

/// One message the server accepted.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Accepted {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message.
    pub data: String,
}

/// The running server; stopped when dropped.
pub struct MailServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    log: PathBuf,
    child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

impl MailServer {
    /// Starts aiosmtpd; `reject` get 550 at RCPT, `defer` 451 the first
    /// time. `None` (after a notice) when the Python is not configured.
    pub async fn start(reject: &[&str], defer: &[&str]) -> Option<MailServer> {
        let python = python()?;
        let dir = tempfile::tempdir().expect("temporary directory");
        let script = dir.path().join("mail_server.py");
        std::fs::write(&script, SERVER).expect("write the server script");
        let log = dir.path().join("received.jsonl");
        let mut child = tokio::process::Command::new(python)
            .arg(&script)
            .arg(&log)
            .env("MAIL_REJECT", reject.join(","))
            .env("MAIL_DEFER", defer.join(","))
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .await
            .expect("aiosmtpd prints its port");
        let port = first.trim().parse().expect("a port number");
        Some(MailServer {
            port,
            log,
            child,
            _dir: dir,
        })
    }

    /// How many messages were accepted so far (cheap: lines counted, not
    /// read).
    pub fn count(&self) -> usize {
        std::fs::read(&self.log)
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .unwrap_or(0)
    }

    /// Every message accepted so far.
    pub fn accepted(&self) -> Vec<Accepted> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Checks every accepted message's DKIM signature with dkimpy, the key
    /// published as `record` (`v=DKIM1; k=rsa; p=…`); returns how many.
    pub async fn dkim_verified(&self, record: &str) -> usize {
        let python = python().expect("checked at start");
        let script = self._dir.path().join("dkim_verify.py");
        std::fs::write(&script, VERIFY).expect("write the verifier");
        let out = tokio::process::Command::new(python)
            .arg(&script)
            .arg(&self.log)
            .arg(record)
            .output()
            .await
            .expect("run dkimpy");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "dkimpy refused a signature: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        said.trim()
            .strip_prefix("verified ")
            .and_then(|n| n.parse().ok())
            .expect("dkimpy's count")
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
