//! Passwords and session tokens: how secrets are made, stored and checked.
//!
//! Passwords are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB,
//! 2 passes, OWASP's recommended floor), never stored in clear. Session
//! tokens are 256 random bits; only their SHA-256 is stored, so a leaked
//! database holds no usable cookie.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Shortest password accepted. Length beats composition rules (NIST SP 800-63B).
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted (hashing cost grows with length).
pub const PASSWORD_MAX: usize = 1000;

/// Checks a new password's length.
pub fn check_new_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        Err(Error::invalid("password", "password_too_short"))
    } else if n > PASSWORD_MAX {
        Err(Error::invalid("password", "too_long"))
    } else {
        Ok(())
    }
}

/// Checks what a new account is made with — a name, a valid address, a
/// role, a password long enough — and says every field that is wrong. The
/// admin's form and the API both come here; the caller hashes the password
/// (off the async threads: Argon2id is slow on purpose).
pub fn check_new_account(
    name: &str,
    email: &str,
    role: &str,
    password: &str,
) -> std::result::Result<
    (String, crate::types::Email, crate::types::Role),
    Vec<crate::error::FieldError>,
> {
    use crate::error::FieldError;
    let mut errors = Vec::new();
    let name = crate::types::person_name(name)
        .map_err(|code| {
            errors.push(FieldError {
                field: "name",
                code,
            })
        })
        .unwrap_or_default();
    let email = crate::types::Email::parse(email)
        .map_err(|_| {
            errors.push(FieldError {
                field: "email",
                code: "invalid_email",
            })
        })
        .ok();
    let role: Option<crate::types::Role> = role
        .parse()
        .map_err(|_| {
            errors.push(FieldError {
                field: "role",
                code: "invalid_role",
            })
        })
        .ok();
    if check_new_password(password).is_err() {
        errors.push(FieldError {
            field: "password",
            code: "password_too_short",
        });
    }
    match (email, role) {
        (Some(email), Some(role)) if errors.is_empty() => Ok((name, email, role)),
        _ => Err(errors),
    }
}

/// Hashes a password with Argon2id and a fresh salt (PHC string format).
/// Slow on purpose: call it off the async executor.
pub fn hash_password(password: &str) -> Result<String> {
    check_new_password(password)?;
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes)
        .map_err(|e| Error::Backend(format!("no randomness: {e}").into()))?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| Error::Backend(format!("salt: {e}").into()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Backend(format!("password hashing failed: {e}").into()))
}

/// Characters of an Application Password, as WordPress makes them.
const APP_PASSWORD_LENGTH: usize = 24;

/// A new Application Password (WordPress's format: 24 letters and
/// digits, about 142 bits) and its Argon2id hash. Slow: call it off the
/// async executor.
pub fn new_app_password() -> Result<(String, String)> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut password = String::with_capacity(APP_PASSWORD_LENGTH);
    while password.len() < APP_PASSWORD_LENGTH {
        let mut byte = [0u8; 1];
        getrandom::fill(&mut byte)
            .map_err(|e| Error::Backend(format!("no randomness: {e}").into()))?;
        // 62 × 4 = 248: bytes above are drawn again, so no letter is likelier.
        if usize::from(byte[0]) < ALPHABET.len() * 4 {
            password.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    let hash = hash_password(&password)?;
    Ok((password, hash))
}

/// A new Application Password named `name` for `user_id`: the password
/// (shown once) and what is stored. The name is 1 to 100 characters
/// (`name` / `required` or `too_long` otherwise). Slow: Argon2id.
pub fn make_app_password(
    user_id: i64,
    name: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(String, crate::model::NewAppPassword)> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::invalid("name", "required"));
    }
    if name.chars().count() > 100 {
        return Err(Error::invalid("name", "too_long"));
    }
    let (password, password_hash) = new_app_password()?;
    Ok((
        password,
        crate::model::NewAppPassword {
            user_id,
            name,
            password_hash,
            created_at: now,
        },
    ))
}

/// A new Ghost Content API key (Ghost's format: 26 hex digits, what its
/// clients check) and the SHA-256 it is kept by.
pub fn new_content_key() -> Result<(String, String)> {
    let mut bytes = [0u8; 13];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Backend(format!("no randomness: {e}").into()))?;
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = token_hash(&key);
    Ok((key, hash))
}

/// An Application Password as shown, in groups of four (WordPress's
/// `abcd efgh …`); clients may send it with or without the spaces.
pub fn app_password_shown(password: &str) -> String {
    password
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An Application Password as sent, without its spaces; `None` if it
/// cannot be one (so no hash is computed for it).
pub fn app_password_sent(sent: &str) -> Option<String> {
    let bare: String = sent.chars().filter(|c| !c.is_whitespace()).collect();
    (bare.len() == APP_PASSWORD_LENGTH && bare.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(bare)
}

/// Whether `password` matches `hash`. A malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that an
/// unknown address takes as long to refuse as a wrong password (no user
/// enumeration by timing).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password never used").unwrap_or_default())
}

/// A new random token (64 hex characters) for a cookie or a form.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Backend(format!("no randomness: {e}").into()))?;
    Ok(hex(&bytes))
}

/// What every API token starts with, so secret scanners and people can
/// tell one when they see it.
pub const API_TOKEN_PREFIX: &str = "kq_";

/// A new personal API token: the prefix and 256 random bits. Like session
/// tokens, only its SHA-256 is stored: it is random, not chosen, so a slow
/// hash (Argon2id, for passwords people pick) would buy nothing and cost
/// every request tens of milliseconds.
pub fn new_api_token() -> Result<String> {
    Ok(format!("{API_TOKEN_PREFIX}{}", new_token()?))
}

/// Longest lifetime a token may be given, in days (ten years).
pub const API_TOKEN_MAX_DAYS: u32 = 3650;

/// Checks what a token is asked with and makes it: the secret to show
/// once, and what the store keeps. The admin and the CLI both come here.
pub fn make_api_token(
    user_id: i64,
    name: &str,
    read_only: bool,
    expires_in_days: Option<u32>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(String, crate::model::NewApiToken)> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::invalid("name", "required"));
    }
    if name.chars().count() > 100 {
        return Err(Error::invalid("name", "too_long"));
    }
    let expires_at = match expires_in_days {
        None => None,
        Some(d) if (1..=API_TOKEN_MAX_DAYS).contains(&d) => {
            Some(now + chrono::Duration::days(i64::from(d)))
        }
        Some(_) => return Err(Error::invalid("expires", "out_of_range")),
    };
    let secret = new_api_token()?;
    let token = crate::model::NewApiToken {
        user_id,
        name,
        token_hash: token_hash(&secret),
        read_only,
        created_at: now,
        expires_at,
    };
    Ok((secret, token))
}

/// What is stored for a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_passwords_are_wordpress_shaped_and_read_with_or_without_spaces() {
        let (password, hash) = new_app_password().unwrap();
        assert_eq!(password.len(), 24);
        assert!(password.bytes().all(|b| b.is_ascii_alphanumeric()));
        let shown = app_password_shown(&password);
        assert_eq!(shown.len(), 29, "{shown}");
        assert_eq!(
            app_password_sent(&shown).as_deref(),
            Some(password.as_str())
        );
        assert!(verify_password(&password, &hash));
        assert_eq!(app_password_sent("short"), None);
        assert_eq!(app_password_sent("abcd efgh ijkl mnop qrst uvw!"), None);
    }

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterie", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(hash_password("court").is_err());
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
    }
}
