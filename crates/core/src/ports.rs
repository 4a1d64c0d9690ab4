//! Traits the outer crates implement. The domain and the web layer only see
//! these, so the SQLite and PostgreSQL stores are interchangeable and both are
//! held to the same conformance suite (`crates/store/tests/conformance.rs`).

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{
    ApiToken, Idempotent, KeptAnswer, MenuItem, MenuItemDraft, MenuPlace, NewApiToken, PageChange,
    PageDraft, RedirectTarget, SearchChange, SearchDocument, SearchQuery, SearchResults,
    SitemapEntry, StaticPage, StoredTotp, Tag,
};
use crate::model::{
    Article, ArticleDraft, ArticleFilter, ArticleQuery, ArticleRow, ArticleSummary, Author,
    AuthorProfile, Category, Comment, FrontPage, MediaAsset, MediaItem, MediaText, MediaUse,
    ModerationItem, NewComment, NewMediaAsset, NewUser, Page, PageRequest, Published, Revision,
    SectionFamily, Session, Site, TermKind, TermUsage, User,
};
use crate::model::{Attempt, Delivery, DeliveryOutcome, DueDelivery, Webhook, WebhookSettings};
use crate::model::{
    Consent, DueMail, ListSettings, MailOutcome, Membership, NewsletterList, NewsletterSend,
    SendBody, SendDraft, Subscriber, SubscriberQuery,
};
use crate::model::{PoolStatus, PublishedQuery, PublishedSlice, QueueStatus};
use crate::types::{CommentStatus, Email, Role, Slug};

/// Newsroom accounts and sign-in sessions.
#[async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Creates an account; `Conflict` if the e-mail address is taken.
    async fn create_user(&self, user: &NewUser) -> Result<User>;
    /// An account by sign-in address (case-insensitive).
    async fn user_by_email(&self, email: &Email) -> Result<Option<User>>;
    /// An account by id.
    async fn user(&self, id: i64) -> Result<Option<User>>;
    /// Every account, by name.
    async fn users(&self) -> Result<Vec<User>>;
    /// Changes a role; `NotFound` if there is no such account.
    async fn set_user_role(&self, id: i64, role: Role) -> Result<()>;
    /// Replaces the password hash and ends every session of the account, in
    /// one transaction (a changed password logs everyone out).
    async fn set_password_hash(&self, id: i64, hash: &str) -> Result<()>;
    /// Records a new session.
    async fn create_session(&self, session: &Session) -> Result<()>;
    /// The unexpired session with this token hash, and its user.
    async fn session(
        &self,
        token_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<(Session, User)>>;
    /// Marks a session as having passed the second factor.
    async fn verify_session(&self, token_hash: &str) -> Result<()>;
    /// Turns two-factor sign-in on (with this secret) or off (`None`); a
    /// set-up under way ends either way.
    async fn set_totp_secret(&self, id: i64, secret: Option<&str>) -> Result<()>;
    /// The key of the user's two-step set-up under way, made and kept on
    /// the server the first time it is asked for.
    async fn pending_totp(&self, id: i64, fresh: &str) -> Result<String>;
    /// The key of the set-up under way, if any.
    async fn totp_pending(&self, id: i64) -> Result<Option<String>>;
    /// Records that the code of `step` was used; false if that step (or a
    /// later one) already was, so a code cannot be replayed.
    async fn use_totp_step(&self, id: i64, step: i64) -> Result<bool>;
    /// Every account's stored two-step key and set-up key, as stored
    /// (sealed: `service::secrets`), for accounts that have either.
    async fn stored_totp(&self) -> Result<Vec<StoredTotp>>;
    /// Replaces an account's stored keys with `now`, only if they are still
    /// `was` (a sign-in or set-up in between wins); false if they were not.
    async fn replace_stored_totp(&self, was: &StoredTotp, now: &StoredTotp) -> Result<bool>;
    /// Records a password reset link (by the hash of its token).
    async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// The account of an unused, unexpired reset link.
    async fn password_reset_user(
        &self,
        token_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<User>>;
    /// Sets the new password through a reset link: the link is spent, the
    /// password replaced and every session ended, in one transaction.
    /// False if the link was already used or has expired.
    async fn reset_password(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool>;
    /// Ends a session (sign-out); ending an unknown one is not an error.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Records a new API token.
    async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiToken>;
    /// The token with this hash and its user, whether or not it still
    /// works (the caller tells revoked and expired ones apart).
    async fn api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>>;
    /// A user's tokens, newest first, revoked ones included.
    async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>>;
    /// Notes that a token was used at `now`.
    async fn touch_api_token(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Claims `key` for a token's request (identified by `request_hash`),
    /// or says it was claimed before and how; keys older than a day are
    /// forgotten on the way.
    async fn claim_idempotency_key(
        &self,
        token_id: i64,
        key: &str,
        request_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Idempotent>;
    /// Keeps the answer to a claimed key (`None`: forget the claim, so a
    /// retry acts anew — for answers not worth replaying, a server error).
    async fn keep_idempotent_answer(
        &self,
        token_id: i64,
        key: &str,
        answer: Option<&KeptAnswer>,
    ) -> Result<()>;
    /// Revokes one of a user's tokens; `NotFound` if it is not theirs.
    async fn revoke_api_token(
        &self,
        user_id: i64,
        id: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// Stores a new Application Password.
    async fn create_app_password(
        &self,
        new: &crate::model::NewAppPassword,
    ) -> Result<crate::model::AppPassword>;
    /// A user's Application Passwords, newest first, each with its hash.
    async fn app_passwords(&self, user_id: i64)
    -> Result<Vec<(crate::model::AppPassword, String)>>;
    /// Notes that an Application Password signed a request in.
    async fn touch_app_password(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Deletes one of `user_id`'s Application Passwords; false if they
    /// have none with this id.
    async fn revoke_app_password(&self, user_id: i64, id: i64) -> Result<bool>;
    /// Stores a new Ghost Content API key by its hash.
    async fn create_content_key(
        &self,
        name: &str,
        key_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::model::ContentKey>;
    /// Every Content API key, newest first, revoked ones too.
    async fn content_keys(&self) -> Result<Vec<crate::model::ContentKey>>;
    /// The key with this hash, if any.
    async fn content_key(&self, key_hash: &str) -> Result<Option<crate::model::ContentKey>>;
    /// Notes that a key opened a request.
    async fn touch_content_key(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Stops a key from working (no-op if it already has).
    async fn revoke_content_key(&self, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<()>;
}

/// Sends e-mail (password resets, later notifications).
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends a plain-text message; `Err` if the server refused it.
    async fn send(&self, to: &Email, subject: &str, body: &str) -> Result<()>;
    /// Sends a newsletter's mail to one address at once (a test send),
    /// with the parts and headers the queue gives it.
    async fn send_newsletter(&self, site: &Site, to: &Email, body: &SendBody) -> Result<()>;
}

/// What imports from other systems brought in, by those systems' own keys
/// (a WordPress post id, a user's login), so an import run again updates
/// instead of duplicating.
#[async_trait]
pub trait Imports: Send + Sync + 'static {
    /// The local id of what `source`'s `kind` `key` was imported as.
    async fn imported(&self, source: &str, kind: &str, key: &str) -> Result<Option<i64>>;
    /// Records that `source`'s `kind` `key` is `local_id` here.
    async fn remember_import(
        &self,
        source: &str,
        kind: &str,
        key: &str,
        local_id: i64,
    ) -> Result<()>;
    /// The keys `local_ids` of `kind` were imported under, from any
    /// source: `(local id, key)`.
    async fn import_keys_of(&self, kind: &str, local_ids: &[i64]) -> Result<Vec<(i64, String)>>;
    /// What `keys` of `kind`, from any source, were imported as:
    /// `(key, local id)`.
    async fn imported_as(&self, kind: &str, keys: &[String]) -> Result<Vec<(String, i64)>>;
    /// Puts a section under another (`None`: at the top).
    async fn set_category_parent(&self, id: i64, parent: Option<i64>) -> Result<()>;
    /// Makes each old address (as [`crate::model::old_address`] gives it)
    /// lead to its target, in one write; an address listed twice takes its
    /// last target.
    async fn save_redirects(&self, redirects: &[(String, RedirectTarget)]) -> Result<()>;
    /// Where the old address `path` leads, if anywhere.
    async fn redirect(&self, path: &str) -> Result<Option<RedirectTarget>>;
}

/// Webhooks and their deliveries. Events are written by the store itself
/// in the transaction of each change (see migration 0028), so no caller
/// can forget one.
#[async_trait]
pub trait Webhooks: Send + Sync + 'static {
    /// Registers a webhook with its signing secret.
    async fn create_webhook(
        &self,
        settings: &WebhookSettings,
        secret: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Webhook>;
    /// Every webhook, oldest first.
    async fn webhooks(&self) -> Result<Vec<Webhook>>;
    /// One webhook.
    async fn webhook(&self, id: i64) -> Result<Option<Webhook>>;
    /// Replaces a webhook's settings; `NotFound` if it is gone.
    async fn update_webhook(&self, id: i64, settings: &WebhookSettings) -> Result<Webhook>;
    /// Deletes a webhook and its log; `NotFound` if it is gone.
    async fn delete_webhook(&self, id: i64) -> Result<()>;
    /// Takes the oldest due delivery of an enabled webhook, leasing it
    /// until `lease_until` (a worker that dies lets it go) and counting
    /// the attempt; `None` when none is due.
    async fn claim_delivery(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        lease_until: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<DueDelivery>>;
    /// Keeps an event's message unless one was kept first; returns the
    /// one kept, so every attempt and every webhook sends the same bytes.
    async fn keep_event_payload(&self, event_id: i64, payload: &str) -> Result<String>;
    /// Records an attempt and what follows it (a given-up delivery with a
    /// reason turns its webhook off).
    async fn finish_delivery(
        &self,
        id: i64,
        attempt: &Attempt,
        outcome: &DeliveryOutcome,
    ) -> Result<()>;
    /// A webhook's log, newest first, at most `limit`.
    async fn deliveries(&self, webhook_id: i64, limit: u32) -> Result<Vec<Delivery>>;
    /// Queues one of a webhook's deliveries again, now (the same message,
    /// as a new line of the log); returns the new delivery's id.
    async fn send_again(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64>;
    /// Forgets events (and their deliveries) older than `before` that are
    /// no longer pending.
    async fn prune_webhook_events(&self, before: chrono::DateTime<chrono::Utc>) -> Result<()>;
}

/// Audience sums (migration 0029): counts added by every server, read
/// back grouped for the newsroom. Nothing here tells one reader from
/// another.
#[async_trait]
pub trait Audience: Send + Sync + 'static {
    /// Adds counted cells to the minute, hour and day sums, and records
    /// what each path shows, in one transaction.
    async fn add_views(
        &self,
        cells: &[crate::model::audience::ViewCell],
        paths: &[crate::model::audience::ViewedPath],
    ) -> Result<()>;
    /// Replaces what `server` reports of its readers right now, and
    /// forgets reports older than `forget_before` (Unix seconds).
    async fn report_live(
        &self,
        server: &str,
        at: i64,
        report: &crate::model::audience::LiveReport,
        forget_before: i64,
    ) -> Result<()>;
    /// Every server's readers right now, from reports since `since`.
    async fn live(&self, since: i64, limit: u32) -> Result<crate::model::audience::Live>;
    /// Sums grouped as asked.
    async fn stats(
        &self,
        query: &crate::model::audience::StatsQuery,
    ) -> Result<Vec<crate::model::audience::StatsRow>>;
    /// Page views of each of `articles` since `from` (Unix seconds, the
    /// day sums), for the newsroom's list; articles never viewed are left
    /// out.
    async fn views_of(
        &self,
        articles: &[i64],
        from: i64,
    ) -> Result<std::collections::HashMap<i64, i64>>;
    /// Deletes sums older than their span's retention.
    async fn prune_stats(
        &self,
        now: i64,
        retention: crate::model::audience::Retention,
    ) -> Result<()>;
}

/// The writer's desk: each writer's editor mode, and the open editors of
/// each article (short-lived rows, so every app server sees the same).
#[async_trait]
pub trait Desk: Send + Sync + 'static {
    /// The body editor's mode `user_id` chose last (Markdown if never).
    async fn editor_mode(&self, user_id: i64) -> Result<crate::model::desk::EditorMode>;
    /// Keeps `user_id`'s choice of editor mode.
    async fn set_editor_mode(
        &self,
        user_id: i64,
        mode: crate::model::desk::EditorMode,
    ) -> Result<()>;
    /// Records that the open editor `page` of `user_id` has `article_id`
    /// open at `now` (Unix seconds), forgets editors not heard from since
    /// `forget_before`, and returns every open editor of the article,
    /// first opened first (this one included).
    async fn beat(
        &self,
        article_id: i64,
        user_id: i64,
        page: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<Vec<crate::model::desk::Presence>>;
    /// `page` takes the article over: every other open editor of it is
    /// marked as taken over by `user_id`.
    async fn take_over(&self, article_id: i64, user_id: i64, page: &str, now: i64) -> Result<()>;
    /// The open editor `page` of `article_id`, if it is known.
    async fn presence(
        &self,
        article_id: i64,
        page: &str,
    ) -> Result<Option<crate::model::desk::Presence>>;
    /// The editor `page` was closed (a page taken over stays known until
    /// it falls silent).
    async fn leave(&self, article_id: i64, page: &str) -> Result<()>;
}

/// Newsletters: lists, subscribers and their consent, sends and the
/// durable queue of deliveries (see migration 0034).
#[async_trait]
pub trait Newsletters: Send + Sync + 'static {
    /// The key newsletter links are signed with, made on first use.
    async fn newsletter_key(&self) -> Result<Vec<u8>>;

    /// Every list, in the order made, with its confirmed subscribers.
    async fn newsletter_lists(&self) -> Result<Vec<NewsletterList>>;
    /// One list.
    async fn newsletter_list(&self, id: i64) -> Result<Option<NewsletterList>>;
    /// Makes a list; its first digest holds what is published after `now`.
    async fn create_newsletter_list(
        &self,
        settings: &ListSettings,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<NewsletterList>;
    /// Changes a list's settings; `NotFound` if it is gone.
    async fn update_newsletter_list(&self, id: i64, settings: &ListSettings) -> Result<()>;
    /// Deletes a list, its memberships and its sends' log.
    async fn delete_newsletter_list(&self, id: i64) -> Result<()>;

    /// Records a request to join `lists` (waiting for confirmation unless
    /// already confirmed and still a member). Returns the subscriber to
    /// send a confirmation to, or `None` when one was sent within
    /// `quiet` (or the address is suppressed): the form's answer is the
    /// same either way.
    async fn request_subscription(
        &self,
        email: &Email,
        lists: &[i64],
        consent: &Consent,
        quiet: chrono::Duration,
    ) -> Result<Option<Subscriber>>;
    /// Confirms an address and the lists it waits for; false if the
    /// subscriber is gone.
    async fn confirm_subscriber(&self, id: i64, now: chrono::DateTime<chrono::Utc>)
    -> Result<bool>;
    /// One subscriber.
    async fn subscriber(&self, id: i64) -> Result<Option<Subscriber>>;
    /// The lists a subscriber belongs to now, with their consent.
    async fn memberships(&self, subscriber_id: i64) -> Result<Vec<Membership>>;
    /// The lists of several subscribers at once (for an export), each
    /// membership with its subscriber's id.
    async fn memberships_of(&self, subscriber_ids: &[i64]) -> Result<Vec<(i64, Membership)>>;
    /// Sets a confirmed subscriber's lists to exactly `lists` (joined with
    /// `consent`, the others left at its time).
    async fn set_memberships(
        &self,
        subscriber_id: i64,
        lists: &[i64],
        consent: &Consent,
    ) -> Result<()>;
    /// Leaves every list (one-click unsubscribe); pending deliveries to
    /// the address are dropped.
    async fn leave_all(&self, subscriber_id: i64, now: chrono::DateTime<chrono::Utc>)
    -> Result<()>;
    /// Subscribers matching a search, newest first, and how many match.
    async fn subscribers(&self, query: &SubscriberQuery) -> Result<(Vec<Subscriber>, u64)>;
    /// Deletes a subscriber and everything kept about them.
    async fn delete_subscriber(&self, id: i64) -> Result<()>;
    /// Adds addresses from another tool's export to `lists`, confirmed on
    /// the newsroom's declared `consent` and marked imported. Returns how
    /// many addresses were new.
    async fn import_subscribers(
        &self,
        emails: &[Email],
        lists: &[i64],
        consent: &Consent,
    ) -> Result<u64>;

    /// Saves an editor's digest (state `draft`) for a list's next
    /// scheduled time, replacing the one there was.
    async fn save_digest_draft(
        &self,
        draft: &SendDraft,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<NewsletterSend>;
    /// The editor's digest waiting for a list's next time, if any.
    async fn digest_draft(&self, list_id: i64) -> Result<Option<NewsletterSend>>;
    /// Moves a digest list past `slot`, if it was still at `covered_until`
    /// (so of several servers one only acts), queueing `send` if there is
    /// one to every confirmed member (an editor's draft for the list is
    /// used up). Returns the send queued, if any, and whether this call
    /// moved the list.
    async fn start_digest(
        &self,
        list_id: i64,
        covered_until: chrono::DateTime<chrono::Utc>,
        slot: chrono::DateTime<chrono::Utc>,
        send: Option<(&SendDraft, &SendBody)>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(Option<NewsletterSend>, bool)>;
    /// Queues an alert about `article_id` to every confirmed member of the
    /// list; `None` if that article was already sent to it as an alert.
    async fn start_alert(
        &self,
        draft: &SendDraft,
        article_id: i64,
        body: &SendBody,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<NewsletterSend>>;
    /// The lists an article was sent to as an alert.
    async fn alerted_lists(&self, article_id: i64) -> Result<Vec<i64>>;
    /// Sends, newest first (a list's, or all), with their logs.
    async fn newsletter_sends(
        &self,
        list_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<NewsletterSend>>;
    /// One send with its log.
    async fn newsletter_send(&self, id: i64) -> Result<Option<NewsletterSend>>;
    /// A queued send's rendered mail.
    async fn send_body(&self, send_id: i64) -> Result<Option<SendBody>>;

    /// Claims up to `limit` due deliveries of sends being sent, leasing
    /// them until `lease_until` under the worker's random `claim` number.
    async fn claim_mail(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        lease_until: chrono::DateTime<chrono::Utc>,
        limit: u32,
        claim: i64,
    ) -> Result<Vec<DueMail>>;
    /// Marks a claimed delivery sent, before the message's last byte goes:
    /// false if the claim was lost (another worker took it), and then the
    /// message must not be sent.
    async fn mark_mail_sent(
        &self,
        mail: &DueMail,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool>;
    /// Records a delivery's outcome when it was not (or not after all)
    /// accepted; a hard failure counts toward suppressing the address.
    async fn finish_mail(
        &self,
        mail: &DueMail,
        outcome: &MailOutcome,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// Marks sends whose every delivery is done as sent; returns their ids.
    async fn finish_sends(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<i64>>;
    /// Counts one follow of an article link of a send; false (nothing
    /// counted) if the send does not hold that article.
    async fn count_newsletter_click(&self, send_id: i64, article_id: i64) -> Result<bool>;
    /// Gives back a delivery a stopped worker had claimed (under `claim`)
    /// and perhaps marked sent without the message's last byte going out:
    /// due again at `now`, its send open again. False if another worker
    /// holds it or it was finished otherwise.
    async fn reopen_mail(
        &self,
        send_id: i64,
        subscriber_id: i64,
        claim: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool>;
}

/// Rate limits every app server shares, kept in the database: a bucket
/// per key of `burst` actions, refilled one per `interval`.
#[async_trait]
pub trait Throttles: Send + Sync + 'static {
    /// Takes one action from `key`'s bucket at `now`: `None` if allowed
    /// (and counted), else how long until one is. `key` is already a hash:
    /// the store keeps no address or account.
    async fn throttle(
        &self,
        key: &str,
        burst: u32,
        interval: std::time::Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<std::time::Duration>>;
    /// Forgets buckets full again at `now`; returns how many.
    async fn prune_throttles(&self, now: chrono::DateTime<chrono::Utc>) -> Result<u64>;
}

/// The CDN purger's state, shared by the app servers: which one purges
/// (one at a time, so no purge is sent twice) and how far it has come in
/// the page change log (so a server taking over resumes there).
#[async_trait]
pub trait Purges: Send + Sync + 'static {
    /// Tries to become the server that purges: `None` while another is.
    /// Leadership lasts as long as the returned [`Lead`] holds.
    async fn lead_purges(&self) -> Result<Option<Box<dyn Lead>>>;
    /// The last change of the page log purged; `None` before the first.
    async fn purged_up_to(&self) -> Result<Option<i64>>;
    /// Records every change up to `seq` as purged.
    async fn set_purged_up_to(&self, seq: i64) -> Result<()>;
    /// Records how far `server`'s page cache has followed the page log.
    async fn report_applied(
        &self,
        server: &str,
        applied: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// The least advanced page cache among the servers heard of since
    /// `since`; `None` when none was.
    async fn slowest_follower(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Option<i64>>;
}

/// Leadership of a job among the app servers.
#[async_trait]
pub trait Lead: Send {
    /// Whether this server still leads: false once the database has
    /// forgotten it (its connection lost, the server failed over).
    async fn holds(&mut self) -> bool;
}

/// What an operator's metrics read from the database.
#[async_trait]
pub trait Operations: Send + Sync + 'static {
    /// Each background queue's length and lag at `now`.
    async fn queues(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<QueueStatus>>;
    /// The connection pool right now (no query).
    fn pool_status(&self) -> PoolStatus;
}

/// Durable storage of everything a site holds. Every method that returns
/// `Ok` for a write has committed it.
#[async_trait]
pub trait Store:
    Accounts
    + Imports
    + Webhooks
    + Newsletters
    + Audience
    + Desk
    + Operations
    + Throttles
    + Purges
    + Send
    + Sync
    + 'static
{
    /// The database answers and holds the schema this build works with;
    /// an error says which is wrong.
    async fn ready(&self) -> Result<()>;
    /// The site's settings, or `None` before `kiosque init`.
    async fn site(&self) -> Result<Option<Site>>;
    /// Creates or replaces the site's settings.
    async fn save_site(&self, site: &Site) -> Result<()>;

    /// Records a media file and queues the making of its smaller copies, in
    /// one transaction; the same file name twice yields the same asset.
    async fn save_media(&self, media: &NewMediaAsset) -> Result<MediaAsset>;
    /// Takes the oldest queued media job that is due, leasing it for a few
    /// minutes (a worker that dies lets it go); `None` when there is none.
    async fn claim_media_job(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<MediaAsset>>;
    /// Records the widths made for an image and closes its job.
    async fn finish_media_job(&self, id: i64, widths: &[u32]) -> Result<()>;
    /// Notes a failed job; false once it has been given up.
    async fn fail_media_job(
        &self,
        id: i64,
        error: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool>;
    /// Gives a job back to be tried at `until` without counting the try:
    /// the media storage was out of reach, which says nothing of the image.
    async fn postpone_media_job(
        &self,
        id: i64,
        error: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<()>;
    /// One media file by id.
    async fn media_asset(&self, id: i64) -> Result<Option<MediaAsset>>;
    /// The media files of these names that the library holds (a gallery's
    /// photos), in no particular order.
    async fn media_by_files(&self, files: &[String]) -> Result<Vec<MediaAsset>>;
    /// The media library, newest first, filtered by a search over file
    /// name, alt text, caption and credit (empty: everything).
    async fn media_library(&self, search: &str, page: PageRequest) -> Result<Page<MediaItem>>;
    /// Photos readers can already see, matching `query`, and how many
    /// match in all.
    async fn public_media(
        &self,
        query: &crate::model::MediaQuery,
    ) -> Result<(Vec<crate::model::PublicMedia>, u64)>;
    /// Every place an image is used.
    async fn media_uses(&self, id: i64) -> Result<Vec<MediaUse>>;
    /// Replaces an image's alt text, caption and credit.
    async fn set_media_text(&self, id: i64, text: &MediaText) -> Result<()>;
    /// Forgets an unused image and returns it (its files are the caller's
    /// to remove); `Conflict` while anything uses it.
    async fn delete_media(&self, id: i64) -> Result<MediaAsset>;

    /// Creates the article, or updates the one with the same slug, together
    /// with its author, category and tags, in one transaction.
    async fn publish_article(&self, draft: &ArticleDraft) -> Result<Published>;
    /// Creates an article from the newsroom's editor; `Conflict` if the
    /// slug is taken.
    async fn create_article(&self, draft: &ArticleDraft) -> Result<Published>;
    /// Saves an article opened at `expected_version`; `Conflict` if it was
    /// saved elsewhere since (nothing is lost: the caller still holds the
    /// text), `NotFound` if it no longer exists.
    async fn update_article(
        &self,
        id: i64,
        expected_version: i64,
        draft: &ArticleDraft,
    ) -> Result<Published>;
    /// A published article by slug (drafts and the rest are `None`).
    async fn article_by_slug(&self, slug: &Slug) -> Result<Option<Article>>;
    /// A published article that had `slug` before it was renamed.
    async fn article_by_old_slug(&self, slug: &Slug) -> Result<Option<Article>>;
    /// Any article by id, whatever its state.
    async fn article(&self, id: i64) -> Result<Option<Article>>;
    /// The newsroom's list of articles in every state.
    async fn articles(&self, query: &ArticleQuery, page: PageRequest) -> Result<Page<ArticleRow>>;
    /// Deletes an article with its revisions, comments and details (the
    /// page, search and webhook logs are told by the triggers);
    /// `NotFound` if it is gone.
    async fn delete_article(&self, id: i64) -> Result<()>;
    /// Every revision of an article, newest first.
    async fn revisions(&self, article_id: i64) -> Result<Vec<Revision>>;
    /// Publishes scheduled articles whose time has come; returns their ids.
    async fn publish_due(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<i64>>;
    /// Newest first.
    async fn list_articles(
        &self,
        filter: ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleSummary>>;
    /// Published articles matching every filter of `query`, newest first,
    /// a slice after its cursor, with the whole list's size.
    async fn published_articles(&self, query: &PublishedQuery) -> Result<PublishedSlice>;
    /// The ids of every published article matching `query`, in its order
    /// (its offset, limit and cursor aside).
    async fn published_ids(&self, query: &PublishedQuery) -> Result<Vec<i64>>;
    /// Every section with its parent's id, by name.
    async fn section_tree(&self) -> Result<Vec<(Category, Option<i64>)>>;
    /// A category by slug.
    async fn category_by_slug(&self, slug: &Slug) -> Result<Option<Category>>;
    /// A section's ancestors, children and descendants.
    async fn section_family(&self, id: i64) -> Result<SectionFamily>;
    /// A tag by slug.
    async fn tag_by_slug(&self, slug: &Slug) -> Result<Option<Tag>>;
    /// An author by slug.
    async fn author_by_slug(&self, slug: &Slug) -> Result<Option<Author>>;
    /// An author's profile (empty fields until written).
    async fn author_profile(&self, id: i64) -> Result<AuthorProfile>;
    /// Renames an author and replaces their profile; `NotFound` if absent.
    async fn save_author_profile(&self, id: i64, name: &str, profile: &AuthorProfile)
    -> Result<()>;
    /// Every author (byline), by name.
    async fn authors(&self) -> Result<Vec<Author>>;
    /// Every category, by name.
    async fn categories(&self) -> Result<Vec<Category>>;
    /// Published articles for the sitemaps, newest first.
    async fn sitemap(&self, page: PageRequest) -> Result<Page<SitemapEntry>>;
    /// For the sitemap index: the latest change (corrections included) in
    /// each page of `per_page` published articles, newest first.
    async fn sitemap_page_changes(
        &self,
        per_page: u32,
    ) -> Result<Vec<chrono::DateTime<chrono::Utc>>>;
    /// Articles published since `since` (Google News sitemap), newest first,
    /// at most `limit`.
    async fn published_since(
        &self,
        since: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<SitemapEntry>>;
    /// The published articles among `ids`, as search indexes them (the
    /// others were unpublished or deleted).
    async fn search_documents(&self, ids: &[i64]) -> Result<Vec<SearchDocument>>;
    /// Published articles with an id above `after`, by id, at most `limit`:
    /// a whole index is rebuilt by walking these.
    async fn search_documents_after(&self, after: i64, limit: u32) -> Result<Vec<SearchDocument>>;
    /// How many articles are published.
    async fn published_count(&self) -> Result<u64>;
    /// Noted changes after `after`, oldest first, at most `limit`.
    async fn search_changes(&self, after: i64, limit: u32) -> Result<Vec<SearchChange>>;
    /// The latest change's number and the oldest one still kept (0, 0 when
    /// none is): an index that applied less than the oldest kept minus one
    /// missed changes and must be rebuilt.
    async fn search_change_bounds(&self) -> Result<(i64, i64)>;
    /// Forgets changes noted before `before`.
    async fn prune_search_changes(&self, before: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Noted page changes after `after`, oldest first, at most `limit`.
    async fn page_changes(&self, after: i64, limit: u32) -> Result<Vec<PageChange>>;
    /// The latest page change's number (0 when none is noted): a server
    /// starting with an empty cache follows from there.
    async fn latest_page_change(&self) -> Result<i64>;
    /// The oldest page change still kept (0 when none is): a follower that
    /// applied less than it minus one missed changes pruned meanwhile.
    async fn oldest_page_change(&self) -> Result<i64>;
    /// Forgets page changes noted before `before`, and the servers
    /// following them not heard of since (`Purges::report_applied`).
    async fn prune_page_changes(&self, before: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Every page, in menu order.
    async fn pages(&self) -> Result<Vec<StaticPage>>;
    /// A page by id.
    async fn page(&self, id: i64) -> Result<Option<StaticPage>>;
    /// A page by its address.
    async fn page_by_slug(&self, slug: &Slug) -> Result<Option<StaticPage>>;
    /// Adds a page (`id` is `None`) or changes one; returns its id.
    /// `Conflict` if the address is another page's, `NotFound` for an
    /// unknown id.
    async fn save_page(&self, id: Option<i64>, page: &PageDraft) -> Result<i64>;
    /// Deletes a page; `NotFound` if there is none.
    async fn delete_page(&self, id: i64) -> Result<()>;
    /// The front page's pins and section blocks.
    async fn front_page(&self) -> Result<FrontPage>;
    /// The pinned articles readers see (published ones), lead first.
    async fn pinned_articles(&self) -> Result<Vec<ArticleSummary>>;
    /// Pins these articles, in this order (the first is the lead),
    /// replacing the pins there were.
    async fn set_front_pins(&self, article_ids: &[i64]) -> Result<()>;
    /// Shows blocks of these sections (id, how many articles), in this
    /// order, replacing the blocks there were.
    async fn set_front_sections(&self, sections: &[(i64, u32)]) -> Result<()>;
    /// Every item of both menus, by menu, parent and position.
    async fn menu_items(&self) -> Result<Vec<MenuItem>>;
    /// Adds an item at the end of its menu (or of its parent's sub-menu);
    /// returns its id. `Invalid` for a parent that is itself a sub-menu
    /// entry or in the other menu.
    async fn add_menu_item(&self, item: &MenuItemDraft) -> Result<i64>;
    /// Changes an item's text (`None`: the target's own name).
    async fn rename_menu_item(&self, id: i64, label: Option<&str>) -> Result<()>;
    /// Puts items at these places (id, parent, position), in one write.
    async fn arrange_menu(&self, places: &[(i64, Option<i64>, i64)]) -> Result<()>;
    /// Deletes an item and its sub-menu.
    async fn delete_menu_item(&self, id: i64) -> Result<()>;
    /// Replaces a whole menu (an import): top-level items each with their
    /// sub-menu, in order, in one write.
    async fn replace_menu(
        &self,
        place: MenuPlace,
        items: &[(MenuItemDraft, Vec<MenuItemDraft>)],
    ) -> Result<()>;
    /// Every section or every tag, by name, with how many articles use it.
    async fn terms(&self, kind: TermKind) -> Result<Vec<TermUsage>>;
    /// Sections or tags, by name, each with the published articles filed
    /// under it (what readers see counted).
    async fn published_terms(&self, kind: TermKind) -> Result<Vec<TermUsage>>;
    /// Adds a section or tag; `Conflict` if the address is taken.
    async fn create_term(&self, kind: TermKind, slug: &Slug, name: &str) -> Result<i64>;
    /// Renames a section or tag; `Conflict` if the address is taken,
    /// `NotFound` if it is gone.
    async fn update_term(&self, kind: TermKind, id: i64, slug: &Slug, name: &str) -> Result<()>;
    /// Deletes a section or tag; its articles simply lose it.
    async fn delete_term(&self, kind: TermKind, id: i64) -> Result<()>;

    /// Stores a new comment and returns it with its id.
    async fn add_comment(&self, comment: &NewComment) -> Result<Comment>;
    /// One comment by id, whatever its status.
    async fn comment(&self, id: i64) -> Result<Option<Comment>>;
    /// Whether this address has had a comment approved before (a trusted
    /// commenter, for the "hold first-time commenters" policy).
    async fn has_approved_comment(&self, email: &Email) -> Result<bool>;
    /// Whether the same text from the same address is already under this
    /// article (in any state but trash).
    async fn is_duplicate_comment(
        &self,
        article_id: i64,
        email: &Email,
        body: &str,
    ) -> Result<bool>;
    /// Approved comments of an article, oldest first.
    async fn approved_comments(&self, article_id: i64) -> Result<Vec<Comment>>;
    /// Approved comments of published articles matching `query`, and how
    /// many match in all.
    async fn approved_comment_list(
        &self,
        query: &crate::model::CommentQuery,
    ) -> Result<(Vec<Comment>, u64)>;
    /// Every comment of an article whatever its state (for exports), oldest
    /// first.
    async fn article_comments(&self, article_id: i64) -> Result<Vec<Comment>>;
    /// How many comments are in one moderation state.
    async fn count_comments(&self, status: CommentStatus) -> Result<u64>;
    /// Comments in one moderation state, oldest first, with their article's headline.
    async fn comments_with_status(&self, status: CommentStatus) -> Result<Vec<ModerationItem>>;
    /// One page of comments in one moderation state, newest first (a spam
    /// flood does not make the queue one enormous page).
    async fn comments_page(
        &self,
        status: CommentStatus,
        page: PageRequest,
    ) -> Result<Page<ModerationItem>>;
    /// Moves a comment to another state; `NotFound` if there is no such comment.
    async fn set_comment_status(&self, id: i64, status: CommentStatus) -> Result<()>;
    /// What the spam filter learned about these tokens, and from how many
    /// comments of each kind.
    async fn spam_counts(
        &self,
        tokens: &[String],
    ) -> Result<(
        std::collections::HashMap<String, crate::service::spam::TokenCounts>,
        crate::service::spam::Totals,
    )>;
    /// Teaches the filter that a comment (with these tokens) is spam or
    /// not. A comment counts once: changing its label moves its tokens from
    /// one side to the other.
    async fn learn_spam(&self, comment_id: i64, tokens: &[String], is_spam: bool) -> Result<()>;
    /// Deletes a comment for good; its replies move up to its parent.
    async fn delete_comment(&self, id: i64) -> Result<()>;
}

/// Full-text search over published articles (the index follows the
/// store's change log by itself). Both calls read files: run them off the
/// async threads.
pub trait Search: Send + Sync + 'static {
    /// A page of results, best first, with highlighted snippets.
    fn search(&self, query: &SearchQuery<'_>) -> Result<SearchResults>;
    /// The ids of the published articles matching `text`, best first, at
    /// most `limit` (no snippets: a filter for other queries).
    fn matching(&self, text: &str, limit: usize) -> Result<Vec<i64>>;
    /// Built and following the store's changes (reads a small file).
    fn ready(&self) -> bool;
    /// The last change of the store's log the index has applied, if it
    /// is built (reads a small file).
    fn applied_change(&self) -> Option<i64>;
}
