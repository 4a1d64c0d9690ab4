//! Personal API tokens.

use chrono::{Duration, Utc};
use kiosque_core::Error;
use kiosque_core::model::{NewApiToken, NewUser, StoredTotp};
use kiosque_core::ports::Accounts;
use kiosque_core::service::auth;
use kiosque_core::types::{Email, Role};
use kiosque_testkit::TestDb;

pub async fn api_tokens_are_found_by_hash_listed_touched_and_revoked(db: TestDb) {
    let store = db.store().await;
    let now = Utc::now();
    let user = |email: &str| NewUser {
        email: Email::parse(email).unwrap(),
        name: "Awa Diop".into(),
        role: Role::Author,
        password_hash: None,
        created_at: now,
    };
    let awa = store.create_user(&user("awa@example.org")).await.unwrap();
    let other = store.create_user(&user("kofi@example.org")).await.unwrap();
    let secret = auth::new_api_token().unwrap();
    assert!(secret.starts_with("kq_"));
    let made = store
        .create_api_token(&NewApiToken {
            user_id: awa.id,
            name: "Appli mobile".into(),
            token_hash: auth::token_hash(&secret),
            read_only: true,
            created_at: now,
            expires_at: Some(now + Duration::days(30)),
        })
        .await
        .unwrap();
    assert!(made.read_only);
    assert_eq!(made.last_used_at, None);
    assert!(made.works_at(now));
    assert!(!made.works_at(now + Duration::days(31)));

    let (found, owner) = store
        .api_token(&auth::token_hash(&secret))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, owner.id), (made.id, awa.id));
    assert!(
        store
            .api_token(&auth::token_hash("kq_other"))
            .await
            .unwrap()
            .is_none()
    );

    store.touch_api_token(made.id, now).await.unwrap();
    let listed = store.api_tokens(awa.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].last_used_at.map(|t| t.timestamp()),
        Some(now.timestamp())
    );
    assert!(store.api_tokens(other.id).await.unwrap().is_empty());

    // Only its owner revokes it; a revoked token is still found, and refused.
    assert!(matches!(
        store.revoke_api_token(other.id, made.id, now).await,
        Err(Error::NotFound(_))
    ));
    store.revoke_api_token(awa.id, made.id, now).await.unwrap();
    let (revoked, _) = store
        .api_token(&auth::token_hash(&secret))
        .await
        .unwrap()
        .unwrap();
    assert!(!revoked.works_at(now));
    assert!(matches!(
        store
            .create_api_token(&NewApiToken {
                user_id: 999_999,
                name: "x".into(),
                token_hash: "h".into(),
                read_only: false,
                created_at: now,
                expires_at: None,
            })
            .await,
        Err(Error::NotFound(_))
    ));
}

pub async fn an_idempotency_key_is_claimed_once_and_replays_its_answer(db: TestDb) {
    use kiosque_core::model::{Idempotent, KeptAnswer};
    let store = db.store().await;
    let now = Utc::now();
    let user = store
        .create_user(&NewUser {
            email: Email::parse("awa@example.org").unwrap(),
            name: "Awa".into(),
            role: Role::Editor,
            password_hash: None,
            created_at: now,
        })
        .await
        .unwrap();
    let (_, token) = auth::make_api_token(user.id, "Script", false, None, now).unwrap();
    let token = store.create_api_token(&token).await.unwrap();
    let claim = |key: &'static str, hash: &'static str| {
        let store = &store;
        async move {
            store
                .claim_idempotency_key(token.id, key, hash, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(claim("k1", "h1").await, Idempotent::New);
    assert_eq!(claim("k1", "h1").await, Idempotent::InProgress);
    assert_eq!(claim("k1", "other").await, Idempotent::Mismatch);
    let answer = KeptAnswer {
        status: 201,
        body: "{\"id\":7}".into(),
        location: Some("/api/v1/newsroom/articles/7".into()),
    };
    store
        .keep_idempotent_answer(token.id, "k1", Some(&answer))
        .await
        .unwrap();
    assert_eq!(claim("k1", "h1").await, Idempotent::Replay(answer));
    // A forgotten claim (a failed attempt) lets a retry act anew.
    assert_eq!(claim("k2", "h2").await, Idempotent::New);
    store
        .keep_idempotent_answer(token.id, "k2", None)
        .await
        .unwrap();
    assert_eq!(claim("k2", "h2").await, Idempotent::New);
    // Keys are forgotten after a day.
    assert_eq!(
        store
            .claim_idempotency_key(token.id, "k1", "h1", now + Duration::hours(25))
            .await
            .unwrap(),
        Idempotent::New
    );
}

/// WordPress Application Passwords: stored hashed, listed newest first
/// with their hashes, touched, revoked by their owner only, gone with
/// their account.
pub async fn app_passwords_are_listed_touched_and_revoked_by_their_owner(db: TestDb) {
    let store = db.store().await;
    let now = Utc::now();
    let user = |email: &str| NewUser {
        email: Email::parse(email).unwrap(),
        name: "Awa Diop".into(),
        role: Role::Author,
        password_hash: None,
        created_at: now,
    };
    let awa = store.create_user(&user("awa@example.org")).await.unwrap();
    let kofi = store.create_user(&user("kofi@example.org")).await.unwrap();
    let (password, new) = auth::make_app_password(awa.id, "  Appli   mobile ", now).unwrap();
    let first = store.create_app_password(&new).await.unwrap();
    assert_eq!(first.name, "Appli mobile");
    assert_eq!(first.last_used_at, None);
    let (_, later) = auth::make_app_password(awa.id, "Zapier", now + Duration::seconds(5)).unwrap();
    let second = store.create_app_password(&later).await.unwrap();
    let listed = store.app_passwords(awa.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|(p, _)| p.id).collect::<Vec<_>>(),
        [second.id, first.id]
    );
    assert!(auth::verify_password(&password, &listed[1].1));
    assert!(!listed[1].1.contains(&password), "only the hash is kept");
    store
        .touch_app_password(first.id, now + Duration::seconds(9))
        .await
        .unwrap();
    let touched = store.app_passwords(awa.id).await.unwrap();
    assert_eq!(
        touched[1].0.last_used_at.map(|t| t.timestamp()),
        Some((now + Duration::seconds(9)).timestamp())
    );
    assert!(!store.revoke_app_password(kofi.id, first.id).await.unwrap());
    assert!(store.revoke_app_password(awa.id, first.id).await.unwrap());
    assert_eq!(store.app_passwords(awa.id).await.unwrap().len(), 1);
    assert!(matches!(
        auth::make_app_password(awa.id, " ", now),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        store
            .create_app_password(&kiosque_core::model::NewAppPassword {
                user_id: 999_999,
                ..later
            })
            .await,
        Err(Error::NotFound(_))
    ));
}

/// Ghost Content API keys: found by hash, listed newest first, touched,
/// revoked (and still listed as such).
pub async fn content_keys_are_found_by_hash_touched_and_revoked(db: TestDb) {
    let store = db.store().await;
    let now = Utc::now();
    let (key, hash) = auth::new_content_key().unwrap();
    assert!(key.len() == 26 && key.bytes().all(|b| b.is_ascii_hexdigit()));
    let made = store
        .create_content_key("Site Next.js", &hash, now)
        .await
        .unwrap();
    let (_, other) = auth::new_content_key().unwrap();
    let later = store
        .create_content_key("Lettre", &other, now + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(
        store
            .content_keys()
            .await
            .unwrap()
            .iter()
            .map(|k| k.id)
            .collect::<Vec<_>>(),
        [later.id, made.id]
    );
    let found = store
        .content_key(&auth::token_hash(&key))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.name.as_str()), (made.id, "Site Next.js"));
    assert!(store.content_key("nothing").await.unwrap().is_none());
    store
        .touch_content_key(made.id, now + Duration::seconds(9))
        .await
        .unwrap();
    store
        .revoke_content_key(made.id, now + Duration::seconds(10))
        .await
        .unwrap();
    let found = store.content_key(&hash).await.unwrap().unwrap();
    assert_eq!(
        found.last_used_at.map(|t| t.timestamp()),
        Some((now + Duration::seconds(9)).timestamp())
    );
    assert_eq!(
        found.revoked_at.map(|t| t.timestamp()),
        Some((now + Duration::seconds(10)).timestamp())
    );
}

/// A two-step set-up's key is made once and kept on the server until the
/// set-up ends, whichever way.
pub async fn a_two_step_set_up_keeps_its_key_until_it_ends(db: TestDb) {
    let store = db.store().await;
    let awa = store
        .create_user(&NewUser {
            email: Email::parse("awa@example.org").unwrap(),
            name: "Awa Diop".into(),
            role: Role::Editor,
            password_hash: None,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    assert_eq!(store.totp_pending(awa.id).await.unwrap(), None);
    let first = store.pending_totp(awa.id, "FIRSTKEY").await.unwrap();
    assert_eq!(first, "FIRSTKEY");
    assert_eq!(
        store.pending_totp(awa.id, "SECONDKEY").await.unwrap(),
        "FIRSTKEY",
        "a reload shows the same key"
    );
    store.set_totp_secret(awa.id, Some(&first)).await.unwrap();
    assert_eq!(store.totp_pending(awa.id).await.unwrap(), None);
    let user = store.user(awa.id).await.unwrap().unwrap();
    assert_eq!(user.totp_secret.as_deref(), Some("FIRSTKEY"));
    assert!(matches!(
        store.pending_totp(awa.id + 1000, "KEY").await,
        Err(Error::NotFound(_))
    ));
}

/// Resealing the stored two-step keys: listed as stored, replaced only if
/// unchanged since they were read (a set-up or sign-in in between wins).
pub async fn stored_two_step_keys_are_replaced_only_if_unchanged(db: TestDb) {
    let store = db.store().await;
    let mut ids = Vec::new();
    for email in ["a@example.org", "b@example.org", "c@example.org"] {
        let user = store
            .create_user(&super::new_user(email, Role::Editor))
            .await
            .unwrap();
        ids.push(user.id);
    }
    store
        .set_totp_secret(ids[0], Some("SECRET-A"))
        .await
        .unwrap();
    store.pending_totp(ids[1], "PENDING-B").await.unwrap();
    let listed = store.stored_totp().await.unwrap();
    let secret_of = async |id: i64| store.user(id).await.unwrap().unwrap().totp_secret;
    assert_eq!(
        listed,
        [
            StoredTotp {
                user_id: ids[0],
                secret: Some("SECRET-A".into()),
                pending: None
            },
            StoredTotp {
                user_id: ids[1],
                secret: None,
                pending: Some("PENDING-B".into())
            },
        ],
        "accounts without either are not listed"
    );
    let sealed = StoredTotp {
        secret: Some("SEALED-A".into()),
        ..listed[0].clone()
    };
    assert!(
        store
            .replace_stored_totp(&listed[0], &sealed)
            .await
            .unwrap()
    );
    assert_eq!(secret_of(ids[0]).await.as_deref(), Some("SEALED-A"));
    // Read before the change above: refused, nothing written.
    let stale = StoredTotp {
        secret: Some("OTHER".into()),
        ..listed[0].clone()
    };
    assert!(!store.replace_stored_totp(&listed[0], &stale).await.unwrap());
    assert_eq!(secret_of(ids[0]).await.as_deref(), Some("SEALED-A"));
    let pending = StoredTotp {
        pending: Some("SEALED-B".into()),
        ..listed[1].clone()
    };
    assert!(
        store
            .replace_stored_totp(&listed[1], &pending)
            .await
            .unwrap()
    );
    assert_eq!(
        store.totp_pending(ids[1]).await.unwrap().as_deref(),
        Some("SEALED-B")
    );
}
