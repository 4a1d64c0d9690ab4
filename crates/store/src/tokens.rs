//! Personal API tokens (the `Accounts` port's token methods).

use chrono::{DateTime, Utc};
use kiosque_core::model::{
    ApiToken, AppPassword, ContentKey, Idempotent, KeptAnswer, NewApiToken, NewAppPassword, User,
};
use kiosque_core::{Error, Result};
use sqlx::AnyPool;
use sqlx::any::AnyRow;

use crate::db;
use crate::rows::{get, time};

const TOKEN_COLUMNS: &str = "t.id AS token_id, t.user_id, t.name AS token_name, t.read_only, \
     t.created_at AS token_created, t.expires_at, t.last_used_at, t.revoked_at";

fn token(row: &AnyRow) -> Result<ApiToken> {
    let at = |column: &str| Ok::<_, Error>(get::<Option<i64>>(row, column)?.map(time));
    Ok(ApiToken {
        id: get(row, "token_id")?,
        user_id: get(row, "user_id")?,
        name: get(row, "token_name")?,
        read_only: get::<i64>(row, "read_only")? != 0,
        created_at: time(get(row, "token_created")?),
        expires_at: at("expires_at")?,
        last_used_at: at("last_used_at")?,
        revoked_at: at("revoked_at")?,
    })
}

pub(crate) async fn create(pool: &AnyPool, new: &NewApiToken) -> Result<ApiToken> {
    let sql = format!(
        "INSERT INTO api_tokens (user_id, name, token_hash, read_only, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
        TOKEN_COLUMNS.replace("t.", "")
    );
    let row = sqlx::query(&sql)
        .bind(new.user_id)
        .bind(&new.name)
        .bind(&new.token_hash)
        .bind(i64::from(new.read_only))
        .bind(new.created_at.timestamp())
        .bind(new.expires_at.map(|e| e.timestamp()))
        .fetch_all(pool)
        .await
        .and_then(crate::first_row)
        .map_err(|e| crate::parent_gone(e, "account"))?;
    token(&row)
}

pub(crate) async fn by_hash(
    pool: &AnyPool,
    token_hash: &str,
    user: impl Fn(&AnyRow) -> Result<User>,
    user_columns: &str,
) -> Result<Option<(ApiToken, User)>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, {user_columns} FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
    );
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.map(|r| Ok((token(&r)?, user(&r)?))).transpose()
}

pub(crate) async fn of_user(pool: &AnyPool, user_id: i64) -> Result<Vec<ApiToken>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens t WHERE t.user_id = $1 \
         ORDER BY t.created_at DESC, t.id DESC"
    );
    sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(token)
        .collect()
}

pub(crate) async fn touch(pool: &AnyPool, id: i64, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now.timestamp())
        .bind(id)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn revoke(
    pool: &AnyPool,
    user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) \
         WHERE id = $2 AND user_id = $3",
    )
    .bind(now.timestamp())
    .bind(id)
    .bind(user_id)
    .execute(pool)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("token"));
    }
    Ok(())
}

/// Keys are kept this long (seconds).
const KEEP_KEYS: i64 = 24 * 3600;

pub(crate) async fn claim_key(
    pool: &AnyPool,
    token_id: i64,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Idempotent> {
    sqlx::query("DELETE FROM api_idempotency WHERE created_at < $1")
        .bind(now.timestamp() - KEEP_KEYS)
        .execute(pool)
        .await
        .map_err(db)?;
    // The claim is the insert: of two requests racing with one key, the
    // database lets exactly one in.
    let claimed = sqlx::query(
        "INSERT INTO api_idempotency (token_id, key, request_hash, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (token_id, key) DO NOTHING",
    )
    .bind(token_id)
    .bind(key)
    .bind(request_hash)
    .bind(now.timestamp())
    .execute(pool)
    .await
    .map_err(db)?;
    if claimed.rows_affected() == 1 {
        return Ok(Idempotent::New);
    }
    let row = sqlx::query(
        "SELECT request_hash, status, body, location FROM api_idempotency \
         WHERE token_id = $1 AND key = $2",
    )
    .bind(token_id)
    .bind(key)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        // Forgotten between the two statements (a failed first attempt).
        return Ok(Idempotent::InProgress);
    };
    if get::<String>(&row, "request_hash")? != request_hash {
        return Ok(Idempotent::Mismatch);
    }
    Ok(match get::<Option<i64>>(&row, "status")? {
        None => Idempotent::InProgress,
        Some(status) => Idempotent::Replay(KeptAnswer {
            status: u16::try_from(status).unwrap_or(500),
            body: get(&row, "body")?,
            location: get(&row, "location")?,
        }),
    })
}

pub(crate) async fn keep_answer(
    pool: &AnyPool,
    token_id: i64,
    key: &str,
    answer: Option<&KeptAnswer>,
) -> Result<()> {
    let query = match answer {
        Some(a) => sqlx::query(
            "UPDATE api_idempotency SET status = $3, body = $4, location = $5 \
             WHERE token_id = $1 AND key = $2",
        )
        .bind(token_id)
        .bind(key.to_owned())
        .bind(i64::from(a.status))
        .bind(a.body.clone())
        .bind(a.location.clone()),
        None => sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2")
            .bind(token_id)
            .bind(key.to_owned()),
    };
    query.execute(pool).await.map_err(db)?;
    Ok(())
}

const APP_PASSWORD_COLUMNS: &str = "id, user_id, name, password_hash, created_at, last_used_at";

fn app_password(row: &AnyRow) -> Result<(AppPassword, String)> {
    Ok((
        AppPassword {
            id: get(row, "id")?,
            user_id: get(row, "user_id")?,
            name: get(row, "name")?,
            created_at: time(get(row, "created_at")?),
            last_used_at: get::<Option<i64>>(row, "last_used_at")?.map(time),
        },
        get(row, "password_hash")?,
    ))
}

pub(crate) async fn create_app_password(
    pool: &AnyPool,
    new: &NewAppPassword,
) -> Result<AppPassword> {
    let sql = format!(
        "INSERT INTO app_passwords (user_id, name, password_hash, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING {APP_PASSWORD_COLUMNS}"
    );
    let row = sqlx::query(&sql)
        .bind(new.user_id)
        .bind(&new.name)
        .bind(&new.password_hash)
        .bind(new.created_at.timestamp())
        .fetch_all(pool)
        .await
        .and_then(crate::first_row)
        .map_err(|e| crate::parent_gone(e, "account"))?;
    Ok(app_password(&row)?.0)
}

pub(crate) async fn app_passwords(
    pool: &AnyPool,
    user_id: i64,
) -> Result<Vec<(AppPassword, String)>> {
    sqlx::query(&format!(
        "SELECT {APP_PASSWORD_COLUMNS} FROM app_passwords WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(app_password)
    .collect()
}

const CONTENT_KEY_COLUMNS: &str = "id, name, created_at, last_used_at, revoked_at";

fn content_key(row: &AnyRow) -> Result<ContentKey> {
    let at = |column: &str| Ok::<_, Error>(get::<Option<i64>>(row, column)?.map(time));
    Ok(ContentKey {
        id: get(row, "id")?,
        name: get(row, "name")?,
        created_at: time(get(row, "created_at")?),
        last_used_at: at("last_used_at")?,
        revoked_at: at("revoked_at")?,
    })
}

pub(crate) async fn create_content_key(
    pool: &AnyPool,
    name: &str,
    key_hash: &str,
    now: DateTime<Utc>,
) -> Result<ContentKey> {
    let row = sqlx::query(&format!(
        "INSERT INTO content_keys (name, key_hash, created_at) VALUES ($1, $2, $3) \
         RETURNING {CONTENT_KEY_COLUMNS}"
    ))
    .bind(name)
    .bind(key_hash)
    .bind(now.timestamp())
    .fetch_all(pool)
    .await
    .and_then(crate::first_row)
    .map_err(db)?;
    content_key(&row)
}

/// Every key, newest first, or the one with this hash.
pub(crate) async fn content_keys(pool: &AnyPool, hash: Option<&str>) -> Result<Vec<ContentKey>> {
    let rows =
        match hash {
            Some(hash) => {
                sqlx::query(&format!(
                    "SELECT {CONTENT_KEY_COLUMNS} FROM content_keys WHERE key_hash = $1"
                ))
                .bind(hash)
                .fetch_all(pool)
                .await
            }
            None => sqlx::query(&format!(
                "SELECT {CONTENT_KEY_COLUMNS} FROM content_keys ORDER BY created_at DESC, id DESC"
            ))
            .fetch_all(pool)
            .await,
        }
        .map_err(db)?;
    rows.iter().map(content_key).collect()
}
