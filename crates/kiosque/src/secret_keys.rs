//! The keys sealing two-step secrets (`kiosque_core::service::secrets`):
//! read from the files the settings name, or made once in the data
//! directory when none is named.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use kiosque_core::service::secrets::{KEY_LEN, SecretBox};
use serde::Deserialize;

/// The environment variable naming the current key's file (wins over the
/// configuration file, as `*_FILE` variables do for container secrets).
pub const KEY_FILE_VAR: &str = "KIOSQUE_TOTP_KEY_FILE";
/// The key made for a data directory whose settings name none.
pub const DEFAULT_KEY_FILE: &str = "totp.key";

/// `[security]` in `kiosque.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityFile {
    /// The key sealing two-step secrets: 32 random bytes in base64.
    totp_key_file: Option<PathBuf>,
    /// Keys that sealed before, still read while secrets are sealed again
    /// with the current one (rotation; README, "Two-step keys").
    totp_old_key_files: Vec<PathBuf>,
}

impl SecurityFile {
    /// The box for these settings. Without a key named anywhere, the data
    /// directory's own (made the first time, readable by this user only).
    pub fn resolve(&self, data_dir: &Path) -> anyhow::Result<SecretBox> {
        let named = std::env::var_os(KEY_FILE_VAR)
            .map(PathBuf::from)
            .or_else(|| self.totp_key_file.clone());
        let current = match named {
            Some(path) => read_key(&path)?,
            None => own_key(&data_dir.join(DEFAULT_KEY_FILE))?,
        };
        let old = self
            .totp_old_key_files
            .iter()
            .map(|p| read_key(p))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(SecretBox::new(&current, &old))
    }
}

fn read_key(path: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the two-step key file {}", path.display()))?;
    SecretBox::parse_key(&text).with_context(|| format!("{}", path.display()))
}

/// The data directory's key, made if missing.
fn own_key(path: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                let key = SecretBox::generate_key()?;
                writeln!(file, "{key}")
                    .and_then(|()| file.sync_all())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                tracing::info!(
                    file = %path.display(),
                    "made the key sealing two-step secrets; on several servers, give them all \
                     one key with [security] totp_key_file"
                );
            }
            // Another process made it first: read theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    read_key(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_directory_gets_one_key_kept_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecurityFile::default().resolve(dir.path()).unwrap();
        let sealed = first.seal(1, "JBSWY3DPEHPK3PXP").unwrap();
        let again = SecurityFile::default().resolve(dir.path()).unwrap();
        assert_eq!(again.open(1, &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(DEFAULT_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "readable by its owner only");
        }
    }

    #[test]
    fn a_named_key_file_must_hold_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "trop court").unwrap();
        let settings = SecurityFile {
            totp_key_file: Some(bad.clone()),
            totp_old_key_files: Vec::new(),
        };
        let e = format!("{:#}", settings.resolve(dir.path()).unwrap_err());
        assert!(e.contains("bad.key") && e.contains("base64"), "{e}");
        let missing = SecurityFile {
            totp_key_file: Some(dir.path().join("absent.key")),
            totp_old_key_files: Vec::new(),
        };
        let e = format!("{:#}", missing.resolve(dir.path()).unwrap_err());
        assert!(e.contains("absent.key"), "{e}");
    }
}
