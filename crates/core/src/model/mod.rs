//! The newsroom's nouns. These are domain values: the store builds them from
//! rows and the web layer turns them into views; neither serialises them as is.

mod article;
pub mod audience;
mod changes;
mod comment;
pub mod desk;
mod front;
mod listing;
mod menu;
mod newsletter;
mod operations;
mod page;
mod permalink;
mod redirect;
mod search;
mod site;
mod sitemap;
mod taxonomy;
mod user;
mod webhook;

pub use article::{
    Article, ArticleDraft, ArticleFilter, ArticleQuery, ArticleRow, ArticleSummary, ArticleType,
    Author, AuthorProfile, Category, Contributor, Correction, Editorial, FeaturedImage, ImageUse,
    MediaAsset, MediaItem, MediaText, MediaUse, NewMediaAsset, Page, PageRequest, Published,
    Revision, Source, Tag,
};
pub use changes::PageChange;
/// A time zone of the tz database (`Europe/Paris`, `Africa/Abidjan`).
pub use chrono_tz::Tz;
pub use comment::{Comment, CommentQuery, ModerationItem, NewComment};
pub use front::{FrontPage, FrontSection, MAX_PINS};
pub use listing::{
    ListCursor, ListSort, MediaQuery, PublicMedia, PublishedQuery, PublishedSlice, SortKey,
};
pub use menu::{
    MenuEntry, MenuItem, MenuItemDraft, MenuMove, MenuPlace, MenuTarget, Menus, menu_link, moved,
    sort_by_label,
};
pub use newsletter::{
    Consent, DueMail, LIST_DESCRIPTION_MAX, LIST_NAME_MAX, ListKind, ListSettings, MailOutcome,
    Membership, NewsletterList, NewsletterSend, RECIPIENT_MARK, SEND_MARK, Schedule, SendBody,
    SendDraft, SendKind, SendLog, SendState, Subscriber, SubscriberQuery, personalised,
};
pub use operations::{PoolStatus, Queue, QueueStatus};
pub use page::{PAGE_BODY_MAX, PageDraft, StaticPage};
pub use permalink::Permalink;
pub use redirect::{RedirectTarget, old_address, without_wordpress_size};
pub use search::{
    Hit, MAX_SEARCH_RESULTS, SearchChange, SearchDocument, SearchQuery, SearchResults, Segment,
};
pub use site::{Accent, Banner, CommentPolicy, CommentSettings, ShareNetwork, Site};
pub use sitemap::SitemapEntry;
pub use taxonomy::{SectionFamily, TERM_NAME_MAX, TermKind, TermUsage, check_term};
pub use user::{
    ApiToken, AppPassword, ContentKey, Idempotent, KeptAnswer, NewApiToken, NewAppPassword,
    NewUser, Session, StoredTotp, User,
};
pub use webhook::{
    Attempt, Delivery, DeliveryOutcome, DeliveryState, DueDelivery, EventObject, Webhook,
    WebhookEvent, WebhookSettings,
};
