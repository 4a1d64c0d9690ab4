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

/// A personal API token: a user's key for scripts and apps. The token
/// itself is shown once, when made; only its SHA-256 is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Storage id.
    pub id: i64,
    /// Whose it is: requests act as this user.
    pub user_id: i64,
    /// What the user called it ("Appli mobile", "Planificateur").
    pub name: String,
    /// Whether it may only read (then it acts as a reader with the user's
    /// view of drafts, never writing).
    pub read_only: bool,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When a request last carried it (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    /// Whether a request carrying it at `now` is let in.
    pub fn works_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// A token about to be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// Whose it is.
    pub user_id: i64,
    /// Its name.
    pub name: String,
    /// SHA-256 of the token.
    pub token_hash: String,
    /// Read-only or acting with the user's role.
    pub read_only: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What the store knows of an `Idempotency-Key` when a request arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotent {
    /// First use: the request is to be carried out (and its answer kept).
    New,
    /// The same key is being answered by another request right now.
    InProgress,
    /// The same key came with a different request.
    Mismatch,
    /// Answered before: this is the answer.
    Replay(KeptAnswer),
}

/// An answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: String,
    /// The `Location` header, if any.
    pub location: Option<String>,
}

/// A WordPress Application Password: what an integration written for
/// WordPress's API signs in with (HTTP Basic, the account's e-mail or
/// imported login and this password). Shown once, when made; only its
/// Argon2id hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPassword {
    /// Storage id.
    pub id: i64,
    /// Whose it is.
    pub user_id: i64,
    /// What the user called it ("Application mobile").
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last signed a request in (written at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// An Application Password about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppPassword {
    /// Whose it is.
    pub user_id: i64,
    /// Its name.
    pub name: String,
    /// The password's Argon2id hash.
    pub password_hash: String,
    /// Now.
    pub created_at: DateTime<Utc>,
}

/// A Ghost Content API key: read access to published content for a front
/// end or a tool built on Ghost's API. Shown once, when made; kept by its
/// SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentKey {
    /// Storage id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last opened a request (written at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stopped working, if it did.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An account's two-step keys as the database holds them (sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTotp {
    /// The account.
    pub user_id: i64,
    /// The key in use, if two-step sign-in is on.
    pub secret: Option<String>,
    /// The key of a set-up under way.
    pub pending: Option<String>,
}
