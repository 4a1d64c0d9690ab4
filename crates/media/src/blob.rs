//! Media files on the local disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::MediaError;

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

    /// Writes a file durably: to a temporary file first, synced, then renamed
    /// into place, so a reader never sees half a file and a crash leaves none.
    /// A file already present is left alone (same name, same content).
    pub fn put(&self, name: &str, bytes: &[u8]) -> Result<(), MediaError> {
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

    /// Removes a file; one already gone is not an error.
    pub fn delete(&self, name: &str) -> Result<(), MediaError> {
        match std::fs::remove_file(self.dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Path of a stored file; the caller has checked the name.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}
