//! A PostgreSQL cluster of a test's own (never the shared one at 5432),
//! from the machine's server tools: `initdb`, and `pg_basebackup` for a
//! hot standby streaming from it. Stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A cluster's directory, port and server tools.
pub struct PgCluster {
    /// The server tools' directory (`initdb`, `pg_ctl`, `psql`…).
    pub bin: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    data: PathBuf,
    /// Its socket and log.
    dir: PathBuf,
    /// `-c` settings it is started with.
    settings: String,
}

/// The newest server tools installed (Debian's `/usr/lib/postgresql/N/bin`).
fn server_tools() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .max()
}

impl PgCluster {
    /// `initdb` into `data` with `initdb_args` (trust authentication, a
    /// `postgres` superuser), socket and log in `dir`; started with the
    /// `-c` settings in `settings`.
    pub fn init(dir: &Path, data: PathBuf, initdb_args: &[&str], settings: &str) -> PgCluster {
        let bin = server_tools().expect(
            "this test needs PostgreSQL's server tools (initdb, pg_ctl): Debian postgresql",
        );
        // The server refuses to run as root; its files belong to `postgres`.
        let parent = data.parent().expect("a data directory inside another");
        for d in [dir, parent] {
            give_to_postgres(d);
        }
        run(&mut as_postgres(
            Command::new(bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=trust", "--no-sync"])
                .args(initdb_args),
        ));
        let cluster = PgCluster {
            bin,
            port: crate::free_port(),
            data,
            dir: dir.to_owned(),
            settings: settings.to_owned(),
        };
        run(&mut cluster.pg_ctl("start"));
        cluster
    }

    /// A hot standby of `primary`, streaming from it (asynchronously),
    /// its data and socket and log in `dir`; started with the primary's
    /// settings and `more`.
    pub fn standby_of(primary: &PgCluster, dir: &Path, more: &str) -> PgCluster {
        give_to_postgres(dir);
        let data = dir.join("data");
        run(&mut as_postgres(
            Command::new(primary.bin.join("pg_basebackup"))
                .args(["-h", "127.0.0.1", "-U", "postgres", "-X", "stream", "-R"])
                .args(["-p", &primary.port.to_string()])
                .arg("-D")
                .arg(&data),
        ));
        let standby = PgCluster {
            bin: primary.bin.clone(),
            port: crate::free_port(),
            data,
            dir: dir.to_owned(),
            settings: format!("{} {more}", primary.settings),
        };
        run(&mut standby.pg_ctl("start"));
        standby
    }

    /// Its `postgres` database, as the superuser.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl ACTION` on the cluster, as `postgres` (stops are immediate).
    pub fn pg_ctl(&self, action: &str) -> Command {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 {}",
            self.port,
            self.dir.display(),
            self.settings
        );
        let mut command = Command::new(self.bin.join("pg_ctl"));
        command
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-o", &options, "-w", "-m", "immediate", action]);
        as_postgres(&command)
    }

    /// Runs `sql` through `psql`, and returns what it printed (unaligned,
    /// no headers).
    pub fn psql(&self, sql: &str) -> String {
        let out = succeeded(Command::new(self.bin.join("psql")).args([&self.url(), "-XAtqc", sql]));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// What the server wrote to its log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Never a panic here: the test may be unwinding already.
        let _ = self.pg_ctl("stop").output();
    }
}

/// Runs `command`, its output not kept; panics with what it said if it
/// fails.
fn run(command: &mut Command) {
    succeeded(command.stdout(Stdio::null()));
}

/// What `command` printed; panics with what it said if it fails.
fn succeeded(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A server tool's command, run as `postgres` when the test is root
/// (initdb and pg_ctl refuse root).
fn as_postgres(command: &Command) -> Command {
    let mut wrapped = if is_root() {
        let mut runuser = Command::new("runuser");
        runuser
            .args(["-u", "postgres", "--"])
            .arg(command.get_program());
        runuser
    } else {
        Command::new(command.get_program())
    };
    wrapped.args(command.get_args());
    wrapped
}

/// Lets the server, run as `postgres` under root, write in `dir`.
fn give_to_postgres(dir: &Path) {
    if is_root() {
        run(Command::new("chown").arg("postgres").arg(dir));
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}
