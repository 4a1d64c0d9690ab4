//! Newsroom accounts and sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kiosque_core::model::{
    ApiToken, Idempotent, KeptAnswer, NewApiToken, NewUser, Session, StoredTotp, User,
};
use kiosque_core::ports::Accounts;
use kiosque_core::types::{Email, Role};
use kiosque_core::{Error, Result};
use sqlx::any::AnyRow;

use crate::rows::{get, time};
use crate::{SqlStore, db};

const USER_COLUMNS: &str =
    "u.id, u.email, u.name, u.role, u.password_hash, u.totp_secret, u.created_at";

fn user(row: &AnyRow) -> Result<User> {
    let email: String = get(row, "email")?;
    let role: String = get(row, "role")?;
    Ok(User {
        id: get(row, "id")?,
        email: Email::parse(&email)
            .map_err(|_| Error::Backend(format!("stored e-mail is not valid: {email:?}").into()))?,
        name: get(row, "name")?,
        role: role
            .parse()
            .map_err(|_| Error::Backend(format!("stored role is not valid: {role:?}").into()))?,
        password_hash: get(row, "password_hash")?,
        totp_secret: get(row, "totp_secret")?,
        created_at: time(get(row, "created_at")?),
    })
}

/// Addresses are compared without case: `Awa@Example.org` is `awa@example.org`.
fn key(email: &Email) -> String {
    email.as_str().to_lowercase()
}

#[async_trait]
impl Accounts for SqlStore {
    async fn create_user(&self, new: &NewUser) -> Result<User> {
        if self.user_by_email(&new.email).await?.is_some() {
            return Err(Error::Conflict(format!(
                "an account already uses {}",
                new.email.as_str()
            )));
        }
        let sql = format!(
            "INSERT INTO users (email, name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {}",
            USER_COLUMNS.replace("u.", "")
        );
        let row = sqlx::query(&sql)
            .bind(key(&new.email))
            .bind(&new.name)
            .bind(new.role.as_str())
            .bind(new.password_hash.clone())
            .bind(new.created_at.timestamp())
            .fetch_all(&self.pool)
            .await
            .and_then(crate::first_row)
            .map_err(|e| match e {
                // Two creations racing past the check above.
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    Error::Conflict(format!("an account already uses {}", new.email.as_str()))
                }
                other => db(other),
            })?;
        user(&row)
    }

    async fn user_by_email(&self, email: &Email) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1");
        let row = sqlx::query(&sql)
            .bind(key(email))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(user).transpose()
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(user).transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.name, u.id");
        sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(user)
            .collect()
    }

    async fn set_user_role(&self, id: i64, role: Role) -> Result<()> {
        let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("user"));
        }
        Ok(())
    }

    async fn set_password_hash(&self, id: i64, hash: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("user"));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, \
             verified) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.token_hash)
        .bind(s.user_id)
        .bind(&s.csrf_token)
        .bind(s.created_at.timestamp())
        .bind(s.expires_at.timestamp())
        .bind(i64::from(s.verified))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        // Housekeeping on the way: expired sessions are of no use to anyone.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(s.created_at.timestamp())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>> {
        let sql = format!(
            "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at AS session_created, \
             s.expires_at, s.verified, {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(now.timestamp())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            token_hash: get(&row, "token_hash")?,
            user_id: get(&row, "user_id")?,
            csrf_token: get(&row, "csrf_token")?,
            created_at: time(get(&row, "session_created")?),
            expires_at: time(get(&row, "expires_at")?),
            verified: get::<i64>(&row, "verified")? != 0,
        };
        Ok(Some((session, user(&row)?)))
    }

    async fn verify_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("UPDATE sessions SET verified = 1 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn stored_totp(&self) -> Result<Vec<StoredTotp>> {
        let rows = sqlx::query(
            "SELECT id, totp_secret, totp_pending FROM users \
             WHERE totp_secret IS NOT NULL OR totp_pending IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(StoredTotp {
                    user_id: get(row, "id")?,
                    secret: get(row, "totp_secret")?,
                    pending: get(row, "totp_pending")?,
                })
            })
            .collect()
    }

    async fn replace_stored_totp(&self, was: &StoredTotp, now: &StoredTotp) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_pending = $2 WHERE id = $3 \
             AND totp_secret IS NOT DISTINCT FROM $4 AND totp_pending IS NOT DISTINCT FROM $5",
        )
        .bind(now.secret.clone())
        .bind(now.pending.clone())
        .bind(was.user_id)
        .bind(was.secret.clone())
        .bind(was.pending.clone())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_totp_secret(&self, id: i64, secret: Option<&str>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_last_step = NULL, totp_pending = NULL \
                 WHERE id = $2",
        )
        .bind(secret.map(str::to_owned))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("user"));
        }
        Ok(())
    }

    async fn pending_totp(&self, id: i64, fresh: &str) -> Result<String> {
        // Set only if none is under way: a reload shows the same key.
        sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2 AND totp_pending IS NULL")
            .bind(fresh)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        self.totp_pending(id).await?.ok_or(Error::NotFound("user"))
    }

    async fn totp_pending(&self, id: i64) -> Result<Option<String>> {
        sqlx::query_scalar::<_, Option<String>>("SELECT totp_pending FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
            .map(Option::flatten)
    }

    async fn use_totp_step(&self, id: i64, step: i64) -> Result<bool> {
        // One conditional UPDATE: two servers checking the same code at the
        // same moment cannot both accept it.
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(expires_at.timestamp())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn password_reset_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM password_resets r JOIN users u ON u.id = r.user_id \
             WHERE r.token_hash = $1 AND r.used = 0 AND r.expires_at > $2"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(now.timestamp())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(user).transpose()
    }

    async fn reset_password(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let spent = sqlx::query(
            "UPDATE password_resets SET used = 1 \
             WHERE token_hash = $1 AND used = 0 AND expires_at > $2 RETURNING user_id",
        )
        .bind(token_hash)
        .bind(now.timestamp())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = spent else { return Ok(false) };
        let user_id: i64 = get(&row, "user_id")?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(new_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for sql in [
            "DELETE FROM sessions WHERE user_id = $1",
            // Any other link sent to this account is void too.
            "UPDATE password_resets SET used = 1 WHERE user_id = $1",
        ] {
            sqlx::query(sql)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiToken> {
        crate::tokens::create(&self.pool, token).await
    }

    async fn api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        crate::tokens::by_hash(&self.pool, token_hash, user, USER_COLUMNS).await
    }

    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        crate::tokens::of_user(&self.pool, user_id).await
    }

    async fn touch_api_token(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        crate::tokens::touch(&self.pool, id, now).await
    }

    async fn claim_idempotency_key(
        &self,
        token_id: i64,
        key: &str,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Idempotent> {
        crate::tokens::claim_key(&self.pool, token_id, key, request_hash, now).await
    }

    async fn keep_idempotent_answer(
        &self,
        token_id: i64,
        key: &str,
        answer: Option<&KeptAnswer>,
    ) -> Result<()> {
        crate::tokens::keep_answer(&self.pool, token_id, key, answer).await
    }

    async fn revoke_api_token(&self, user_id: i64, id: i64, now: DateTime<Utc>) -> Result<()> {
        crate::tokens::revoke(&self.pool, user_id, id, now).await
    }

    async fn create_app_password(
        &self,
        new: &kiosque_core::model::NewAppPassword,
    ) -> Result<kiosque_core::model::AppPassword> {
        crate::tokens::create_app_password(&self.pool, new).await
    }

    async fn app_passwords(
        &self,
        user_id: i64,
    ) -> Result<Vec<(kiosque_core::model::AppPassword, String)>> {
        crate::tokens::app_passwords(&self.pool, user_id).await
    }

    async fn touch_app_password(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE app_passwords SET last_used_at = $1 WHERE id = $2")
            .bind(now.timestamp())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn create_content_key(
        &self,
        name: &str,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<kiosque_core::model::ContentKey> {
        crate::tokens::create_content_key(&self.pool, name, key_hash, now).await
    }

    async fn content_keys(&self) -> Result<Vec<kiosque_core::model::ContentKey>> {
        crate::tokens::content_keys(&self.pool, None).await
    }

    async fn content_key(&self, key_hash: &str) -> Result<Option<kiosque_core::model::ContentKey>> {
        Ok(crate::tokens::content_keys(&self.pool, Some(key_hash))
            .await?
            .pop())
    }

    async fn touch_content_key(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE content_keys SET last_used_at = $1 WHERE id = $2")
            .bind(now.timestamp())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn revoke_content_key(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE content_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now.timestamp())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn revoke_app_password(&self, user_id: i64, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM app_passwords WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}
