//! Where media files live: one interface, two places. A local directory is
//! the default; S3-compatible object storage lets several app servers
//! share the same files. Names are content hashes, so a file is never
//! changed once written: `put` of an existing name is a no-op in effect.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::MediaError;

/// A store of immutable, content-addressed files.
#[async_trait]
pub trait BlobStore: std::fmt::Debug + Send + Sync + 'static {
    /// Writes a file durably; a reader never sees half of it.
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), MediaError>;
    /// A file's bytes; `None` if there is no such file.
    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, MediaError>;
    /// Removes a file; one already gone is not an error.
    async fn delete(&self, name: &str) -> Result<(), MediaError>;
}

/// A directory of content-addressed files.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    dir: PathBuf,
}

impl LocalBlobStore {
    /// Uses (and creates if needed) `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LocalBlobStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes to a temporary file first, synced, then renamed into place,
    /// so a reader never sees half a file and a crash leaves none.
    fn put_sync(&self, name: &str, bytes: &[u8]) -> Result<(), MediaError> {
        std::fs::create_dir_all(&self.dir)?;
        let target = self.dir.join(name);
        if target.exists() {
            return Ok(());
        }
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&target).map_err(|e| MediaError::Io(e.error))?;
        Ok(())
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), MediaError> {
        let (store, name) = (self.clone(), name.to_owned());
        tokio::task::spawn_blocking(move || store.put_sync(&name, &bytes))
            .await
            .map_err(|e| MediaError::Io(std::io::Error::other(e)))?
    }

    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, MediaError> {
        match tokio::fs::read(self.dir.join(name)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, name: &str) -> Result<(), MediaError> {
        match tokio::fs::remove_file(self.dir.join(name)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Where an S3-compatible bucket is and how to sign in to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// Service address, e.g. `https://s3.eu-west-3.amazonaws.com` or a
    /// MinIO/Garage server's.
    pub endpoint: String,
    /// Bucket name.
    pub bucket: String,
    /// Region (`us-east-1` for most S3-compatible servers).
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

/// Media files in an S3-compatible bucket, through the `object_store` crate.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<dyn object_store::ObjectStore>,
}

impl S3BlobStore {
    /// Connects lazily (nothing is sent until the first file).
    pub fn new(settings: &S3Settings) -> Result<Self, MediaError> {
        // TLS goes through rustls with the ring provider; install it once
        // for the process (a second install is refused, harmlessly).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&settings.endpoint)
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            // Path-style addresses work with every S3-compatible server.
            .with_virtual_hosted_style_request(false)
            // A bucket that does not answer is retried briefly, then the
            // upload is refused (503, "try again") rather than held for
            // object_store's default three minutes: a newsroom member waits
            // on it, and a reader's request for a picture too.
            .with_retry(object_store::RetryConfig {
                backoff: object_store::BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(2),
                    base: 2.0,
                },
                max_retries: 4,
                retry_timeout: Duration::from_secs(10),
            })
            // (The client options hold `allow_http` too: set after them.)
            .with_client_options(
                object_store::ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(2))
                    .with_timeout(Duration::from_secs(30)),
            )
            .with_allow_http(settings.endpoint.starts_with("http://"))
            .build()
            .map_err(storage)?;
        Ok(S3BlobStore {
            store: Arc::new(store),
        })
    }
}

/// The bucket's refusals of our credentials stay apart (a setting to fix,
/// not a moment to wait out); every other failure is the bucket out of
/// reach.
fn storage(e: object_store::Error) -> MediaError {
    let kind = match e {
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => std::io::ErrorKind::PermissionDenied,
        _ => std::io::ErrorKind::Other,
    };
    MediaError::Io(std::io::Error::new(kind, e))
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), MediaError> {
        self.store
            .put_opts(
                &object_store::path::Path::from(name),
                bytes.into(),
                object_store::PutOptions::default(),
            )
            .await
            .map(drop)
            .map_err(storage)
    }

    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, MediaError> {
        let path = object_store::path::Path::from(name);
        match self
            .store
            .get_opts(&path, object_store::GetOptions::default())
            .await
        {
            Ok(found) => Ok(Some(found.bytes().await.map_err(storage)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage(e)),
        }
    }

    async fn delete(&self, name: &str) -> Result<(), MediaError> {
        use object_store::ObjectStoreExt;
        match self
            .store
            .delete(&object_store::path::Path::from(name))
            .await
        {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(storage(e)),
        }
    }
}
