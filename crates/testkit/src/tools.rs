//! Tools a fresh laptop may lack (a browser, the HTML checker). Tests that
//! need one ask for it here: without its environment variable the test is
//! skipped with a notice that says how to enable it; `.ci/run` installs the
//! tools and sets the variables, so in CI nothing is skipped.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

static ANNOUNCED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// The path in `env`, or `None` after a one-time notice naming the tests
/// skipped and how to run them. A set variable pointing at nothing is a
/// failure, not a skip.
pub fn external_tool(env: &str, what: &str, example: &str) -> Option<PathBuf> {
    match std::env::var_os(env) {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.exists(),
                "{env} is set to {} but nothing is there",
                path.display()
            );
            Some(path)
        }
        None => {
            let mut announced = ANNOUNCED.lock().unwrap_or_else(|e| e.into_inner());
            if announced
                .get_or_insert_with(HashSet::new)
                .insert(env.to_owned())
            {
                // Past the test harness's capture, so the skip is never silent.
                let _ = writeln!(
                    std::io::stderr(),
                    "\nNOTE: {what} tests SKIPPED: {env} is not set. To run them: {env}={example} cargo test\n"
                );
            }
            None
        }
    }
}

/// Runs a Python check (`script`, which reads the file named by
/// `sys.argv[1]`) on `body` with the interpreter in `env`; its standard
/// output, or `None` when the interpreter is not configured (announced as
/// by [`external_tool`]). Panics, with what Python said, if the script fails.
pub fn python_check(env: &str, what: &str, script: &str, body: &str) -> Option<String> {
    let python = external_tool(env, what, ".ci/tools/venv/bin/python")?;
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), body).expect("write the checked text");
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(file.path())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what}: the check failed: {text}{}\non:\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(text)
}
