//! Configuration, in layers: built-in defaults, then `kiosque.toml` in the
//! data directory, then environment variables and command-line flags (clap
//! reads `KIOSQUE_DATA`, `DATABASE_URL`, `KIOSQUE_LISTEN`). An unknown key in
//! the file is an error that names it, so a typo never passes silently.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use std::sync::Arc;

use anyhow::{Context, bail};

use kiosque_media::{BlobStore, LocalBlobStore, MediaLimits, S3BlobStore, S3Settings};
use kiosque_web::WebConfig;
use serde::Deserialize;

/// Name of the configuration file inside the data directory.
pub const CONFIG_FILE: &str = "kiosque.toml";

/// Default address of `kiosque serve`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FileConfig {
    database_url: Option<String>,
    database_replica_url: Option<String>,
    smtp: Option<SmtpFile>,
    server: ServerFile,
    comments: CommentsFile,
    media: MediaFile,
    cache: CacheFile,
    theme: ThemeFile,
    api: ApiFile,
    webhooks: WebhooksFile,
    stats: StatsFile,
    newsletter: crate::newsletter::config::NewsletterFile,
    cdn: crate::cdn::CdnFile,
    log: LogFile,
    metrics: MetricsFile,
    security: crate::secret_keys::SecurityFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LogFile {
    format: crate::logging::LogFormat,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct MetricsFile {
    /// A file holding the token a scraper elsewhere than this machine
    /// shows to read `/metrics`.
    token_file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct StatsFile {
    /// Count page views at all.
    enabled: bool,
    /// Seconds between two writes of this server's counts.
    flush_seconds: u64,
    /// Memory of the "already counted today" filter, in megabytes.
    memory_mb: u64,
    /// Hours of per-minute sums kept.
    minutes_hours: u32,
    /// Days of per-hour sums kept.
    hours_days: u32,
    /// Days of per-day sums kept (0: for ever).
    days_days: u32,
}

impl Default for StatsFile {
    fn default() -> Self {
        let keep = kiosque_core::model::audience::Retention::default();
        StatsFile {
            enabled: true,
            flush_seconds: 5,
            memory_mb: 16,
            minutes_hours: keep.minutes_hours,
            hours_days: keep.hours_days,
            days_days: keep.days_days,
        }
    }
}

/// How page views are counted and kept.
#[derive(Debug, Clone)]
pub struct StatsSettings {
    /// Time between two writes of a server's counts (what a killed server
    /// loses at most).
    pub flush: Duration,
    /// How long each span of sums is kept.
    pub retention: kiosque_core::model::audience::Retention,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct WebhooksFile {
    /// Hosts webhooks may call although they are not public addresses.
    allow_hosts: Vec<String>,
    /// The longest a delivery may take.
    timeout_seconds: u64,
    /// Waits between attempts (the built-in schedule if not given).
    retry_seconds: Option<Vec<f64>>,
}

impl Default for WebhooksFile {
    fn default() -> Self {
        WebhooksFile {
            allow_hosts: Vec::new(),
            timeout_seconds: 10,
            retry_seconds: None,
        }
    }
}

/// How webhooks are sent.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Hosts (as written in URLs) called even though they are not public.
    pub allow_hosts: Vec<String>,
    /// The longest one delivery may take.
    pub timeout: Duration,
    /// Waits between attempts; given up after the last.
    pub retry: Vec<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ApiFile {
    /// Requests one token may make per minute.
    per_minute: u32,
    /// Web origins whose pages may call the API from a browser.
    cors_origins: Vec<String>,
}

impl Default for ApiFile {
    fn default() -> Self {
        let web = WebConfig::default();
        ApiFile {
            per_minute: per_minute(web.api_interval),
            cors_origins: Vec::new(),
        }
    }
}

/// Requests a minute at one per `interval`.
fn per_minute(interval: Duration) -> u32 {
    u32::try_from(60_000 / interval.as_millis().max(1)).unwrap_or(u32::MAX)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ThemeFile {
    /// The theme directory (relative to the data directory), if not
    /// `DATA/theme`.
    dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CacheFile {
    /// Memory the page cache may hold; 0 turns it off.
    max_bytes: u64,
}

impl Default for CacheFile {
    fn default() -> Self {
        CacheFile {
            max_bytes: WebConfig::default().page_cache_bytes,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ServerFile {
    listen: Option<SocketAddr>,
    behind_proxy: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CommentsFile {
    burst: u32,
    interval_seconds: u64,
}

impl Default for CommentsFile {
    fn default() -> Self {
        let web = WebConfig::default();
        CommentsFile {
            burst: web.comment_burst,
            interval_seconds: web.comment_interval.as_secs(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct MediaFile {
    max_upload_bytes: u64,
    max_pixels: u64,
    /// Keep media in an S3-compatible bucket instead of the data directory.
    s3: Option<S3File>,
}

impl Default for MediaFile {
    fn default() -> Self {
        let limits = MediaLimits::default();
        MediaFile {
            max_upload_bytes: limits.max_bytes,
            max_pixels: limits.max_pixels,
            s3: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct S3File {
    endpoint: String,
    bucket: String,
    #[serde(default = "default_region")]
    region: String,
    access_key_id: String,
    secret_access_key: Option<String>,
    /// A file holding the secret key, so it need not sit in the config.
    secret_access_key_file: Option<PathBuf>,
}

fn default_region() -> String {
    "us-east-1".into()
}

/// Where media files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaStorage {
    /// `DATA/media` (the default).
    Local,
    /// An S3-compatible bucket, shared by several app servers.
    S3(S3Settings),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SmtpFile {
    host: String,
    port: Option<u16>,
    #[serde(default)]
    security: SmtpSecurity,
    username: Option<String>,
    password: Option<String>,
    /// A file holding the password, so it need not sit in the config.
    password_file: Option<PathBuf>,
    from: String,
}

impl SmtpFile {
    /// The settings, with the password read from its file if one is named;
    /// `section` names the table in errors.
    pub(crate) fn resolve(self, section: &str) -> anyhow::Result<SmtpSettings> {
        let password = match (&self.password, &self.password_file) {
            (_, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| {
                        format!("cannot read {section}.password_file {}", path.display())
                    })?
                    .trim_end()
                    .to_owned(),
            ),
            (p, None) => p.clone(),
        };
        Ok(SmtpSettings {
            port: self.port.unwrap_or(match self.security {
                SmtpSecurity::Tls => 465,
                SmtpSecurity::Starttls => 587,
                SmtpSecurity::None => 25,
            }),
            host: self.host,
            security: self.security,
            username: self.username,
            password,
            from: self.from,
        })
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain, then STARTTLS (port 587).
    #[default]
    Starttls,
    /// No encryption: only for a relay on this machine or a test server.
    None,
}

/// Where e-mail goes out.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Server name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Encryption.
    pub security: SmtpSecurity,
    /// Login, if the server asks for one.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Sender, e.g. `Rédaction <redaction@example.org>`.
    pub from: String,
}

/// Everything resolved: where data lives and how to serve it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The data directory (configuration, SQLite file, media).
    pub data_dir: PathBuf,
    /// The database to open.
    pub database_url: String,
    /// A PostgreSQL hot standby of it for public pages, if any.
    pub database_replica_url: Option<String>,
    /// Where `serve` listens unless told otherwise.
    pub listen: SocketAddr,
    /// HTTP layer settings.
    pub web: WebConfig,
    /// Image upload limits.
    pub media_limits: MediaLimits,
    /// Where media files are kept.
    pub media_storage: MediaStorage,
    /// How often scheduled articles are checked for publication.
    pub schedule_every: Duration,
    /// Outgoing e-mail, if configured.
    pub smtp: Option<SmtpSettings>,
    /// How webhooks are sent.
    pub webhooks: WebhookSettings,
    /// How page views are counted and kept.
    pub stats: StatsSettings,
    /// How newsletters are sent.
    pub newsletter: crate::newsletter::config::NewsletterSettings,
    /// Where CDN purges go (`[[cdn.purge]]`); none, no purger.
    pub cdn_purge: Vec<crate::cdn::Target>,
    /// The log's shape.
    pub log_format: crate::logging::LogFormat,
}

impl Settings {
    /// Reads `DATA/kiosque.toml` if present; `database_url` from the command
    /// line or environment wins over the file.
    pub fn load(data_dir: &Path, database_url: Option<String>) -> anyhow::Result<Settings> {
        let path = data_dir.join(CONFIG_FILE);
        let file: FileConfig = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("{}: invalid configuration", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileConfig::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let database_url = match database_url.or(file.database_url) {
            Some(url) => url,
            None => sqlite_url(data_dir)?,
        };
        if let Some(replica) = &file.database_replica_url {
            anyhow::ensure!(
                database_url.starts_with("postgres") && replica.starts_with("postgres"),
                "{}: database_replica_url is a PostgreSQL standby of a PostgreSQL database_url",
                path.display()
            );
        }
        if file.comments.interval_seconds == 0 {
            bail!(
                "{}: comments.interval_seconds must be at least 1",
                path.display()
            );
        }
        let smtp = file.smtp.map(|s| s.resolve("smtp")).transpose()?;
        let newsletter = file.newsletter.resolve(data_dir)?;
        let cdn_purge = file.cdn.resolve(data_dir)?;
        let media_storage = match file.media.s3 {
            None => MediaStorage::Local,
            Some(s3) => {
                let secret = match (s3.secret_access_key, &s3.secret_access_key_file) {
                    (_, Some(path)) => std::fs::read_to_string(path)
                        .with_context(|| {
                            format!(
                                "cannot read media.s3.secret_access_key_file {}",
                                path.display()
                            )
                        })?
                        .trim_end()
                        .to_owned(),
                    (Some(secret), None) => secret,
                    (None, None) => bail!(
                        "{}: media.s3 needs secret_access_key or secret_access_key_file",
                        path.display()
                    ),
                };
                MediaStorage::S3(S3Settings {
                    endpoint: s3.endpoint,
                    bucket: s3.bucket,
                    region: s3.region,
                    access_key_id: s3.access_key_id,
                    secret_access_key: secret,
                })
            }
        };
        if file.webhooks.timeout_seconds == 0 {
            bail!(
                "{}: webhooks.timeout_seconds must be at least 1",
                path.display()
            );
        }
        let retry = match file.webhooks.retry_seconds {
            None => kiosque_core::service::webhooks::RETRY_SCHEDULE.to_vec(),
            Some(list) => list
                .iter()
                .map(|&s| Duration::try_from_secs_f64(s))
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| {
                    format!(
                        "{}: webhooks.retry_seconds: positive numbers of seconds",
                        path.display()
                    )
                })?,
        };
        let webhooks = WebhookSettings {
            allow_hosts: file.webhooks.allow_hosts.clone(),
            timeout: Duration::from_secs(file.webhooks.timeout_seconds),
            retry,
        };
        let metrics_token = match &file.metrics.token_file {
            None => None,
            Some(path) => {
                let token = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read metrics.token_file {}", path.display()))?
                    .trim()
                    .to_owned();
                anyhow::ensure!(
                    token.len() >= 16,
                    "metrics.token_file {}: the token needs at least 16 characters",
                    path.display()
                );
                Some(token)
            }
        };
        let secrets = std::sync::Arc::new(file.security.resolve(data_dir)?);
        let listen = match file.server.listen {
            Some(l) => l,
            None => DEFAULT_LISTEN.parse()?,
        };
        Ok(Settings {
            data_dir: data_dir.to_owned(),
            database_url,
            database_replica_url: file.database_replica_url,
            listen,
            web: WebConfig {
                comment_burst: file.comments.burst,
                comment_interval: Duration::from_secs(file.comments.interval_seconds),
                behind_proxy: file.server.behind_proxy,
                page_cache_bytes: file.cache.max_bytes,
                // `DATA/theme` when it exists; a directory named in the file
                // must exist (a typo would otherwise go unnoticed).
                theme_dir: match file.theme.dir {
                    Some(dir) => {
                        let dir = data_dir.join(dir);
                        anyhow::ensure!(
                            dir.is_dir(),
                            "{}: [theme] dir {} is not a directory",
                            CONFIG_FILE,
                            dir.display()
                        );
                        Some(dir)
                    }
                    None => Some(data_dir.join("theme")).filter(|d| d.is_dir()),
                },
                media_limits: MediaLimits {
                    max_bytes: file.media.max_upload_bytes,
                    max_pixels: file.media.max_pixels,
                },
                // A fifth of a minute's allowance at once.
                api_burst: (file.api.per_minute / 5).max(1),
                api_interval: Duration::from_millis(60_000 / u64::from(file.api.per_minute.max(1))),
                api_cors_origins: file.api.cors_origins,
                webhook_allow_hosts: file.webhooks.allow_hosts,
                stats_memory_bytes: if file.stats.enabled {
                    file.stats.memory_mb.max(1) * 1024 * 1024
                } else {
                    0
                },
                newsletter_clicks: file.newsletter.count_clicks(),
                metrics_token,
                secrets,
                ..WebConfig::default()
            },
            media_limits: MediaLimits {
                max_bytes: file.media.max_upload_bytes,
                max_pixels: file.media.max_pixels,
            },
            media_storage,
            schedule_every: Duration::from_secs(1),
            smtp,
            newsletter,
            cdn_purge,
            webhooks,
            log_format: file.log.format,
            stats: StatsSettings {
                flush: Duration::from_secs(file.stats.flush_seconds.clamp(1, 60)),
                retention: kiosque_core::model::audience::Retention {
                    // Below these, the admin's own views would lose data.
                    minutes_hours: file.stats.minutes_hours.max(2),
                    hours_days: file.stats.hours_days.max(2),
                    days_days: file.stats.days_days,
                },
            },
        })
    }

    /// The media file store these settings name.
    pub fn media_store(&self) -> anyhow::Result<Arc<dyn BlobStore>> {
        Ok(match &self.media_storage {
            MediaStorage::Local => Arc::new(LocalBlobStore::new(self.media_dir())),
            MediaStorage::S3(s3) => {
                Arc::new(S3BlobStore::new(s3).context("media.s3: invalid object storage settings")?)
            }
        })
    }

    /// Where media files are kept.
    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// Where this server keeps its search index (rebuilt from the database
    /// when missing, so it needs no backup).
    pub fn search_dir(&self) -> PathBuf {
        self.data_dir.join("search")
    }
}

fn sqlite_url(data_dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let absolute = std::path::absolute(data_dir.join("kiosque.db"))?;
    // The path goes into a URL: characters that URLs give a meaning to are
    // escaped so a directory named `50%` or `a?b` still works.
    let path = absolute
        .display()
        .to_string()
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    Ok(format!("sqlite://{path}?mode=rwc"))
}

/// Writes the commented configuration file into `data_dir` (created if
/// needed) unless it has one already.
pub fn write_default_config(data_dir: &Path) -> anyhow::Result<()> {
    let config = data_dir.join(CONFIG_FILE);
    if !config.exists() {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
        std::fs::write(&config, commented_template())
            .with_context(|| format!("cannot write {}", config.display()))?;
    }
    Ok(())
}

/// The configuration file `init` writes: every setting, commented out, at
/// its default, so an operator sees what can be tuned.
pub fn commented_template() -> String {
    let web = WebConfig::default();
    let media = MediaLimits::default();
    format!(
        "# Kiosque configuration. Uncomment a line to change it.\n\
         # Environment variables and command-line flags take precedence.\n\n\
         # PostgreSQL instead of the embedded SQLite file (or set DATABASE_URL):\n\
         # database_url = \"postgres://kiosque@127.0.0.1:5432/kiosque\"\n\
         # A hot standby of it for public pages (see docs/SCALING.md):\n\
         # database_replica_url = \"postgres://kiosque@10.0.0.2:5432/kiosque\"\n\n\
         # Outgoing e-mail (password resets):\n\
         # [smtp]\n\
         # host = \"smtp.example.org\"\n\
         # security = \"starttls\"   # or \"tls\" (port 465), or \"none\" (local relay only)\n\
         # username = \"redaction@example.org\"\n\
         # password_file = \"/etc/kiosque/smtp-password\"\n\
         # from = \"Rédaction <redaction@example.org>\"\n\n\
         [server]\n\
         # listen = \"{DEFAULT_LISTEN}\"\n\
         # Trust X-Forwarded-For (only behind a reverse proxy that sets it):\n\
         # behind_proxy = false\n\n\
         [comments]\n\
         # Comments one address may post at once, then one per interval:\n\
         # burst = {}\n\
         # interval_seconds = {}\n\n\
         [media]\n\
         # max_upload_bytes = {}\n\
         # max_pixels = {}\n\n\
         [cache]\n\
         # Memory for rendered pages, in bytes (0 turns the page cache off):\n\
         # max_bytes = {}\n\n\
         [api]\n\
         # Requests one API token may make per minute:\n\
         # per_minute = {}\n\
         # Web pages (origins) that may call the API from a browser; \"*\" for any:\n\
         # cors_origins = [\"https://app.example.org\"]\n\n\
         [webhooks]\n\
         # Webhooks never call loopback, private, link-local or other non-public\n\
         # addresses; list here the hosts (as written in URLs) they may call anyway:\n\
         # allow_hosts = [\"hooks.internal.example\"]\n\
         # The longest one delivery may take:\n\
         # timeout_seconds = 10\n\
         # Waits between attempts, in seconds (the default spans about three days):\n\
         # retry_seconds = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000]\n\n\
         [stats]\n\
         # Audience statistics, counted in memory and written every few seconds\n\
         # (no cookie, nothing personal kept; README, \"Audience\"):\n\
         # enabled = true\n\
         # flush_seconds = 5\n\
         # Memory for telling today's visitors apart (fixed; 16 MB suits ten\n\
         # million page views a day):\n\
         # memory_mb = 16\n\
         # How long sums are kept: per minute (hours), per hour (days), per day\n\
         # (days, 0 for ever):\n\
         # minutes_hours = 48\n\
         # hours_days = 90\n\
         # days_days = 0\n\n\
         [theme]\n\
         # Templates and assets overriding the built-in ones (docs/THEMES.md);\n\
         # DATA/theme is used when it exists:\n\
         # dir = \"theme\"\n\n\
         [log]\n\
         # \"text\", or \"json\" (one object per line, for a log collector):\n\
         # format = \"text\"\n\n\
         [security]\n\
         # The key sealing two-step sign-in secrets in the database: 32 random bytes\n\
         # in base64 (head -c 32 /dev/urandom | base64). Without one, DATA/totp.key is\n\
         # made; several servers must share one. KIOSQUE_TOTP_KEY_FILE wins. To rotate,\n\
         # name the new one here, the old one below, restart (README, \"Two-step keys\"):\n\
         # totp_key_file = \"/etc/kiosque/totp.key\"\n\
         # totp_old_key_files = [\"/etc/kiosque/totp-2026.key\"]\n\n\
         [metrics]\n\
         # /metrics answers this machine; elsewhere, a request bearing this token\n\
         # (Authorization: Bearer …, at least 16 characters):\n\
         # token_file = \"/etc/kiosque/metrics-token\"\n\n\
         # Media in an S3-compatible bucket (AWS, MinIO, Garage…) instead of DATA/media,\n\
         # so several app servers share them:\n\
         # [media.s3]\n\
         # endpoint = \"https://s3.eu-west-3.amazonaws.com\"\n\
         # bucket = \"kiosque-media\"\n\
         # region = \"eu-west-3\"\n\
         # access_key_id = \"…\"\n\
         # secret_access_key_file = \"/etc/kiosque/s3-secret\"\n\n\
         # Purge a CDN by surrogate key when pages change (one server of a cluster\n\
         # sends them); several allowed. Kinds: varnish (url or urls), fastly\n\
         # (service_id, token_file), cloudflare (zone, token_file), webhook (url,\n\
         # secret_file: whsec_…, Standard Webhooks):\n\
         # [[cdn.purge]]\n\
         # kind = \"varnish\"\n\
         # url = \"http://127.0.0.1:6081\"\n",
        web.comment_burst,
        web.comment_interval.as_secs(),
        media.max_bytes,
        media.max_pixels,
        web.page_cache_bytes,
        per_minute(web.api_interval)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commented_template_parses_to_the_defaults() {
        let file: FileConfig = toml::from_str(&commented_template()).unwrap();
        assert!(file.database_url.is_none());
        assert_eq!(file.comments.burst, WebConfig::default().comment_burst);
    }

    #[test]
    fn a_typo_in_the_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[comments]\nburts = 3\n").unwrap();
        let err = Settings::load(dir.path(), None).unwrap_err();
        assert!(format!("{err:#}").contains("burts"), "{err:#}");
    }

    #[test]
    fn data_directories_with_url_characters_work() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("50% a?b#c é");
        let settings = Settings::load(&dir, None).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = crate::app::open_store(&settings).await.unwrap();
            store.close().await;
        });
        assert!(dir.join("kiosque.db").exists());
    }
}
