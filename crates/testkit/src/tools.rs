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
