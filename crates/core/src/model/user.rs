use chrono::{DateTime, Utc};

use crate::types::{Email, Role};

/// A member of the newsroom who can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Storage id.
    pub id: i64,
    /// Sign-in address; private.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Argon2id hash in PHC format; `None` until a password is set.
    pub password_hash: Option<String>,
    /// Base32 secret of the authenticator app, when two-factor sign-in is on.
    pub totp_secret: Option<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// A user about to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Sign-in address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Argon2id hash, if a password is set now.
    pub password_hash: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A signed-in browser: the hash of its cookie token, who it is, and the
/// token its forms must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value (the value itself is never stored).
    pub token_hash: String,
    /// Who signed in.
    pub user_id: i64,
    /// Anti-forgery token for this session's forms.
    pub csrf_token: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
    /// False while a two-factor sign-in waits for its code: such a session
    /// opens nothing but the code form.
    pub verified: bool,
}
