//! Secrets the server must read back, sealed at rest: two-step sign-in
//! keys. A password is hashed, but a TOTP key has to be used as it is, so
//! a copy of the database (a backup, a replica, a dump) would otherwise
//! hand over every account's second factor. Each value is sealed with
//! ChaCha20-Poly1305 under a key kept outside the database (the
//! configuration's `totp_key_file`), bound to the account it belongs to,
//! and marked with the key's id so keys can be rotated (`SecretBox::reseal`).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};

/// What a sealed value starts with; the format's version.
const PREFIX: &str = "sealed1";
/// Bytes in a key.
pub const KEY_LEN: usize = 32;

/// Why a stored secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Sealed with a key this server was not given.
    #[error(
        "a secret is sealed with key {0}, which this server lacks: give every server the same \
         totp_key_file (and the previous one in totp_old_key_files while rotating)"
    )]
    UnknownKey(String),
    /// Altered, truncated, or moved to another account.
    #[error("a sealed secret does not open: altered, or copied from another account")]
    Damaged,
    /// Not sealed at all (written before secrets were sealed).
    #[error("a secret is stored in clear; a restart seals it")]
    NotSealed,
}

/// A key file's text is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a key is {KEY_LEN} random bytes written in base64 (e.g. `head -c 32 /dev/urandom | base64`)"
)]
pub struct BadKey;

struct Key {
    id: String,
    key: LessSafeKey,
}

impl Key {
    fn new(bytes: &[u8; KEY_LEN]) -> Key {
        let digest = Sha256::digest(bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes)
            .map(LessSafeKey::new)
            .unwrap_or_else(|_| unreachable!("a {KEY_LEN}-byte key fits ChaCha20-Poly1305"));
        Key { id, key }
    }
}

/// The current key, which seals, and the previous ones, which still open.
pub struct SecretBox {
    current: Key,
    old: Vec<Key>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox")
            .field("current", &self.current.id)
            .field("old", &self.old.iter().map(|k| &k.id).collect::<Vec<_>>())
            .finish()
    }
}

/// What the seal of an account's secret is bound to: opened for another
/// account, it fails.
fn binding(account: i64) -> String {
    format!("kiosque totp account {account}")
}

impl SecretBox {
    /// A box sealing with `current` and opening with it and `old`.
    pub fn new(current: &[u8; KEY_LEN], old: &[[u8; KEY_LEN]]) -> SecretBox {
        SecretBox {
            current: Key::new(current),
            old: old.iter().map(Key::new).collect(),
        }
    }

    /// Reads a key file's text: base64 of [`KEY_LEN`] bytes, blank space
    /// around it ignored.
    pub fn parse_key(text: &str) -> Result<[u8; KEY_LEN], BadKey> {
        STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; KEY_LEN]>::try_from(bytes.as_slice()).ok())
            .ok_or(BadKey)
    }

    /// A new random key, as a key file holds it.
    pub fn generate_key() -> crate::Result<String> {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::fill(&mut bytes).map_err(crate::Error::backend)?;
        Ok(STANDARD.encode(bytes))
    }

    /// A box with a random key of its own and no other: what it seals,
    /// only it opens (a process that keeps nothing across restarts).
    pub fn random() -> crate::Result<SecretBox> {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).map_err(crate::Error::backend)?;
        Ok(SecretBox::new(&key, &[]))
    }

    /// The id of the key that seals (shown in logs, never the key).
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plain` for `account`.
    pub fn seal(&self, account: i64, plain: &str) -> crate::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(crate::Error::backend)?;
        let mut sealed = plain.as_bytes().to_vec();
        let aad = binding(account);
        self.current
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| crate::Error::Backend("sealing a secret failed".into()))?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}.{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(blob)
        ))
    }

    /// Opens what [`seal`](Self::seal) made for `account`, with whichever
    /// of the keys sealed it.
    pub fn open(&self, account: i64, stored: &str) -> Result<String, SecretError> {
        self.open_with_key(account, stored).map(|(plain, _)| plain)
    }

    /// The opened value and the key that opened it.
    fn open_with_key(&self, account: i64, stored: &str) -> Result<(String, &Key), SecretError> {
        let mut parts = stored.splitn(3, '.');
        let (Some(PREFIX), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SecretError::NotSealed);
        };
        let key = std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.id == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_owned()))?;
        let blob = URL_SAFE_NO_PAD
            .decode(data)
            .map_err(|_| SecretError::Damaged)?;
        if blob.len() < NONCE_LEN {
            return Err(SecretError::Damaged);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Damaged)?;
        let mut sealed = sealed.to_vec();
        let aad = binding(account);
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut sealed)
            .map_err(|_| SecretError::Damaged)?;
        let plain = String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Damaged)?;
        Ok((plain, key))
    }

    /// The value to store instead of `stored`, if it is not sealed with the
    /// current key: a clear one (from before sealing) is sealed, one under
    /// an old key is sealed again. `None`: nothing to do.
    pub fn reseal(&self, account: i64, stored: &str) -> Result<Option<String>, SecretError> {
        let plain = match self.open_with_key(account, stored) {
            Ok((_, key)) if std::ptr::eq(key, &self.current) => return Ok(None),
            Ok((plain, _)) => plain,
            Err(SecretError::NotSealed) => stored.to_owned(),
            Err(e) => return Err(e),
        };
        self.seal(account, &plain)
            .map(Some)
            .map_err(|_| SecretError::Damaged)
    }
}

/// What [`reseal_stored`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resealed {
    /// Accounts whose keys were sealed (again) with the current key.
    pub resealed: usize,
    /// Accounts whose keys could not be opened, with why.
    pub unreadable: Vec<(i64, SecretError)>,
}

/// Seals with the current key every stored two-step key that is not: keys
/// from before sealing, and keys under a previous key (rotation). Run at
/// start; safe on several servers at once (each change is conditional).
pub async fn reseal_stored(
    accounts: &dyn crate::ports::Accounts,
    keys: &SecretBox,
) -> crate::Result<Resealed> {
    let mut report = Resealed::default();
    for was in accounts.stored_totp().await? {
        let reseal = |stored: &Option<String>| -> Result<Option<String>, SecretError> {
            match stored {
                Some(s) => keys.reseal(was.user_id, s),
                None => Ok(None),
            }
        };
        let (secret, pending) = match (reseal(&was.secret), reseal(&was.pending)) {
            (Ok(secret), Ok(pending)) => (secret, pending),
            (Err(e), _) | (_, Err(e)) => {
                report.unreadable.push((was.user_id, e));
                continue;
            }
        };
        if secret.is_none() && pending.is_none() {
            continue;
        }
        let now = crate::model::StoredTotp {
            user_id: was.user_id,
            secret: secret.or_else(|| was.secret.clone()),
            pending: pending.or_else(|| was.pending.clone()),
        };
        if accounts.replace_stored_totp(&was, &now).await? {
            report.resealed += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> [u8; KEY_LEN] {
        [n; KEY_LEN]
    }

    #[test]
    fn a_sealed_secret_opens_for_its_account_only() {
        let keys = SecretBox::new(&key(1), &[]);
        let sealed = keys.seal(7, "JBSWY3DPEHPK3PXP").unwrap();
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            keys.seal(7, "JBSWY3DPEHPK3PXP").unwrap(),
            "fresh nonce"
        );
        assert_eq!(keys.open(7, &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert_eq!(keys.open(8, &sealed), Err(SecretError::Damaged));
        let mut bent = sealed.clone().into_bytes();
        let last = bent.len() - 2;
        bent[last] = if bent[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            keys.open(7, &String::from_utf8(bent).unwrap()),
            Err(SecretError::Damaged)
        );
        assert_eq!(
            keys.open(7, "JBSWY3DPEHPK3PXP"),
            Err(SecretError::NotSealed)
        );
    }

    #[test]
    fn rotation_opens_with_the_old_key_and_reseals_with_the_new() {
        let before = SecretBox::new(&key(1), &[]);
        let sealed = before.seal(3, "SECRET").unwrap();
        let stranger = SecretBox::new(&key(2), &[]);
        assert!(matches!(
            stranger.open(3, &sealed),
            Err(SecretError::UnknownKey(id)) if id == before.current_id()
        ));
        let after = SecretBox::new(&key(2), &[key(1)]);
        assert_eq!(after.open(3, &sealed).unwrap(), "SECRET");
        let resealed = after.reseal(3, &sealed).unwrap().expect("resealed");
        assert!(resealed.contains(after.current_id()));
        assert_eq!(stranger.open(3, &resealed).unwrap(), "SECRET");
        assert_eq!(after.reseal(3, &resealed).unwrap(), None);
        // A secret from before sealing is sealed.
        let clear = after.reseal(3, "JBSWY3DPEHPK3PXP").unwrap().unwrap();
        assert_eq!(after.open(3, &clear).unwrap(), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn key_files_hold_base64_of_32_bytes() {
        let text = SecretBox::generate_key().unwrap();
        assert!(SecretBox::parse_key(&format!("  {text}\n")).is_ok());
        assert_eq!(SecretBox::parse_key("court"), Err(BadKey));
        assert_eq!(
            SecretBox::parse_key(&STANDARD.encode([0u8; 16])),
            Err(BadKey)
        );
    }
}
