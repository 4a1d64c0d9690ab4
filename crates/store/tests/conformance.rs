//! One behaviour suite for every `Store` implementation, run against SQLite
//! and PostgreSQL alike: parity between the two is proved here, not assumed.

use chrono::Utc;
use kiosque_core::Error;
use kiosque_core::model::{
    ArticleFilter, ImageUse, NewComment, NewMediaAsset, PageRequest, RedirectTarget, Site,
};
use kiosque_core::model::{
    ArticleQuery, CommentPolicy, Contributor, MediaText, MediaUse, NewUser, Session, ShareNetwork,
    Source, TermKind,
};
use kiosque_core::model::{Queue, QueueStatus};
use kiosque_core::ports::{Accounts, Imports, Operations, Store};
use kiosque_core::types::{ArticleStatus, CommentStatus, Email, Locale, Role, Slug, WebUrl};
use kiosque_store::{Cell, SqlStore, TABLES};
use kiosque_testkit::fixtures::{date, french_draft};
use kiosque_testkit::{TestDb, both_databases};

both_databases!(
    a_new_store_has_no_site_until_one_is_saved,
    publishing_creates_then_updates_the_same_article,
    republishing_without_a_date_keeps_the_original_date,
    an_article_carries_its_author_category_tags_and_image,
    sources_corrections_and_further_bylines_keep_their_order,
    lists_are_newest_first_paginated_and_filtered,
    tag_and_byline_lists_follow_each_article_through_its_life,
    comments_are_pending_until_approved,
    replies_move_up_when_their_parent_is_deleted,
    unknown_comment_ids_are_not_found,
    media_with_the_same_name_is_recorded_once,
    reopening_the_store_keeps_everything,
    a_server_runs_on_a_newer_schema_that_only_added,
    accounts_are_unique_by_address_whatever_the_case,
    roles_can_be_changed,
    sessions_expire_and_end_with_a_password_change,
    comments_are_counted_by_status,
    the_spam_filter_counts_each_comment_once,
    second_factor_codes_are_used_once_and_sessions_wait_for_them,
    drafts_stay_invisible_to_readers_until_published,
    a_stale_save_is_a_conflict_and_changes_nothing,
    a_new_article_with_a_taken_slug_is_a_conflict,
    scheduled_articles_go_live_when_due,
    the_newsroom_list_filters_by_status_author_category_and_title,
    sections_and_tags_are_managed_with_their_article_counts,
    an_author_profile_keeps_its_photo,
    media_jobs_are_leased_retried_and_finished,
    the_media_library_searches_tells_uses_and_deletes_only_unused_images,
    the_search_log_notes_changes_to_published_articles_only,
    the_sitemap_index_dates_each_page_by_its_latest_change,
    the_page_log_names_what_each_write_changes,
    imports_remember_what_they_made_by_the_other_sites_keys,
    a_backup_carries_every_row_into_an_empty_store_of_the_same_kind,
    menus_link_every_kind_and_follow_their_targets,
    the_front_page_keeps_its_pins_blocks_and_banner,
    an_article_is_listed_in_each_of_its_sections,
    api_tokens_are_found_by_hash_listed_touched_and_revoked,
    a_two_step_set_up_keeps_its_key_until_it_ends,
    stored_two_step_keys_are_replaced_only_if_unchanged,
    app_passwords_are_listed_touched_and_revoked_by_their_owner,
    content_keys_are_found_by_hash_touched_and_revoked,
    published_articles_combine_filters_and_page_by_cursor,
    wordpress_lists_take_any_none_pages_and_orders,
    an_idempotency_key_is_claimed_once_and_replays_its_answer,
    webhook_events_are_written_with_their_change_and_delivered_once,
    deliveries_are_leased_retried_and_given_up,
    audience_sums_add_up_from_several_servers_and_group_as_asked,
    live_readers_add_up_across_servers_and_forget_silent_ones,
    open_editors_are_shared_taken_over_and_forgotten_when_silent,
    newsletters_keep_consent_queue_once_and_deliver_once,
    one_server_leads_the_purges_and_the_mark_outlives_it,
    the_purger_sees_how_far_each_live_server_follows,
);

#[path = "conformance/purges.rs"]
mod purges;
use purges::{
    one_server_leads_the_purges_and_the_mark_outlives_it,
    the_purger_sees_how_far_each_live_server_follows,
};

#[path = "conformance/newsletters.rs"]
mod newsletters;
use newsletters::newsletters_keep_consent_queue_once_and_deliver_once;

#[path = "conformance/desk.rs"]
mod desk;
use desk::open_editors_are_shared_taken_over_and_forgotten_when_silent;

#[path = "conformance/audience.rs"]
mod audience;
use audience::{
    audience_sums_add_up_from_several_servers_and_group_as_asked,
    live_readers_add_up_across_servers_and_forget_silent_ones,
};

#[path = "conformance/published.rs"]
mod published;
use published::{
    published_articles_combine_filters_and_page_by_cursor,
    wordpress_lists_take_any_none_pages_and_orders,
};

#[path = "conformance/tokens.rs"]
mod tokens;
use tokens::{
    a_two_step_set_up_keeps_its_key_until_it_ends,
    an_idempotency_key_is_claimed_once_and_replays_its_answer,
    api_tokens_are_found_by_hash_listed_touched_and_revoked,
    app_passwords_are_listed_touched_and_revoked_by_their_owner,
    content_keys_are_found_by_hash_touched_and_revoked,
    stored_two_step_keys_are_replaced_only_if_unchanged,
};

#[path = "conformance/webhooks.rs"]
mod webhooks;
use webhooks::{
    deliveries_are_leased_retried_and_given_up,
    webhook_events_are_written_with_their_change_and_delivered_once,
};

#[path = "conformance/sections.rs"]
mod sections;
use sections::an_article_is_listed_in_each_of_its_sections;

#[path = "conformance/front.rs"]
mod front;
use front::the_front_page_keeps_its_pins_blocks_and_banner;

#[path = "conformance/menus.rs"]
mod menus;
use menus::menus_link_every_kind_and_follow_their_targets;

fn page(number: u32, per_page: u32) -> PageRequest {
    PageRequest { number, per_page }
}

async fn a_new_store_has_no_site_until_one_is_saved(db: TestDb) {
    let store = db.store().await;
    assert_eq!(store.site().await.unwrap(), None);
    let site = Site::new("Afrique Première Tv", Locale::Fr, "https://example.org");
    store.save_site(&site).await.unwrap();
    assert_eq!(store.site().await.unwrap(), Some(site.clone()));
    let mut renamed = site.clone();
    renamed.name = "Autre nom".into();
    renamed.comments.policy = CommentPolicy::HoldFirstTime;
    renamed.comments.close_after_days = 30;
    renamed.comments.blocked_terms = vec!["casino".into(), "spam@example.org".into()];
    renamed.require_admin_2fa = true;
    renamed.time_zone = "Africa/Abidjan".parse().unwrap();
    renamed.share_networks = vec![ShareNetwork::WhatsApp, ShareNetwork::Email];
    renamed.logo = Some(store.save_media(&media("ab")).await.unwrap());
    store.save_site(&renamed).await.unwrap();
    assert_eq!(store.site().await.unwrap(), Some(renamed.clone()));
    renamed.logo = None;
    renamed.share_networks = vec![];
    store.save_site(&renamed).await.unwrap();
    assert_eq!(store.site().await.unwrap(), Some(renamed));
}

fn media(hex: &str) -> NewMediaAsset {
    NewMediaAsset {
        file_name: format!("{}.png", hex.repeat(32)),
        mime: "image/png".into(),
        width: 10,
        height: 20,
        byte_size: 30,
        color: "#102030".into(),
        original_name: format!("photo-{hex}.jpg"),
    }
}

async fn sections_and_tags_are_managed_with_their_article_counts(db: TestDb) {
    let store = db.store().await;
    // The fixture files the article under "International" with two tags.
    let article = store
        .publish_article(&french_draft("cooperation", date(0)))
        .await
        .unwrap()
        .article_id;
    let sections = store.terms(TermKind::Category).await.unwrap();
    assert_eq!(sections.len(), 1);
    assert_eq!(sections[0].articles, 1);
    let sport = Slug::parse("sport").unwrap();
    let id = store
        .create_term(TermKind::Category, &sport, "Sport")
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_term(TermKind::Category, &sport, "Sports")
            .await,
        Err(Error::Conflict(_))
    ));
    let taken = sections[0].slug.clone();
    assert!(matches!(
        store.update_term(TermKind::Category, id, &taken, "X").await,
        Err(Error::Conflict(_))
    ));
    store
        .update_term(
            TermKind::Category,
            id,
            &Slug::parse("sports").unwrap(),
            "Sports",
        )
        .await
        .unwrap();
    let names: Vec<_> = store
        .terms(TermKind::Category)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.slug.as_str().to_owned(), t.articles))
        .collect();
    assert!(
        names.contains(&("Sports".into(), "sports".into(), 0)),
        "{names:?}"
    );
    // Deleting a section or tag in use detaches its articles, nothing else.
    store
        .delete_term(TermKind::Category, sections[0].id)
        .await
        .unwrap();
    let tags = store.terms(TermKind::Tag).await.unwrap();
    assert!(tags.iter().all(|t| t.articles == 1), "{tags:?}");
    store.delete_term(TermKind::Tag, tags[0].id).await.unwrap();
    let article = store.article(article).await.unwrap().unwrap();
    assert_eq!(article.category, None);
    assert_eq!(article.tags.len(), tags.len() - 1);
    assert!(matches!(
        store.delete_term(TermKind::Tag, tags[0].id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.update_term(TermKind::Tag, 9999, &sport, "x").await,
        Err(Error::NotFound(_))
    ));
}

async fn an_author_profile_keeps_its_photo(db: TestDb) {
    let store = db.store().await;
    store
        .publish_article(&french_draft("cooperation", date(0)))
        .await
        .unwrap();
    let author = store.authors().await.unwrap().remove(0);
    let mut profile = store.author_profile(author.id).await.unwrap();
    assert_eq!(profile.photo, None);
    profile.bio = "Reporter à Dakar.".into();
    profile.photo = Some(store.save_media(&media("ef")).await.unwrap());
    store
        .save_author_profile(author.id, &author.name, &profile)
        .await
        .unwrap();
    assert_eq!(store.author_profile(author.id).await.unwrap(), profile);
}

async fn publishing_creates_then_updates_the_same_article(db: TestDb) {
    let store = db.store().await;
    let draft = french_draft("cooperation", date(0));
    let first = store.publish_article(&draft).await.unwrap();
    assert!(first.created);
    let mut changed = draft.clone();
    changed.body_markdown = "Nouveau texte.".into();
    changed.body_html = "<p>Nouveau texte.</p>".into();
    let second = store.publish_article(&changed).await.unwrap();
    assert!(!second.created);
    assert_eq!(first.article_id, second.article_id);
    let list = store
        .list_articles(ArticleFilter::All, page(1, 10))
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    let article = store
        .article_by_slug(&Slug::parse("cooperation").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(article.body_html, "<p>Nouveau texte.</p>");
}

async fn republishing_without_a_date_keeps_the_original_date(db: TestDb) {
    let store = db.store().await;
    let mut draft = french_draft("sans-date", date(0));
    store.publish_article(&draft).await.unwrap();
    draft.published_at = None;
    draft.now = date(60 * 24 * 40);
    store.publish_article(&draft).await.unwrap();
    let a = store
        .article_by_slug(&Slug::parse("sans-date").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.published_at, date(0));
    assert_eq!(a.updated_at, date(60 * 24 * 40));
}

async fn an_article_carries_its_author_category_tags_and_image(db: TestDb) {
    let store = db.store().await;
    let media = store
        .save_media(&NewMediaAsset {
            file_name: format!("{}.jpg", "ab".repeat(32)),
            mime: "image/jpeg".into(),
            width: 1200,
            height: 675,
            byte_size: 12345,
            color: "#336699".into(),
            original_name: "place.jpg".into(),
        })
        .await
        .unwrap();
    let mut draft = french_draft("avec-image", date(0));
    draft.image = Some(ImageUse {
        id: media.id,
        alt: Some("Le ministre à la tribune".into()),
        caption: Some("Photo de Sergueï".into()),
        credit: Some("AFP".into()),
    });
    store.publish_article(&draft).await.unwrap();

    let a = store
        .article_by_slug(&Slug::parse("avec-image").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.author.name, "Gaëlle Villeneuve");
    assert_eq!(a.author.slug.as_str(), "gaelle-villeneuve");
    assert_eq!(a.category.as_ref().unwrap().name, "International");
    let tags: Vec<_> = a.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["Corée du Nord", "Russie"]);
    let image = a.image.unwrap();
    assert_eq!(image.asset, media);
    assert_eq!(image.caption.as_deref(), Some("Photo de Sergueï"));
    assert_eq!(image.credit.as_deref(), Some("AFP"));
    assert_eq!(image.alt_text(), Some("Le ministre à la tribune"));
    // The same photo in another article, described there in its own words
    // and with none: each keeps its own, the second takes the library's.
    let mut other = french_draft("meme-photo", date(1));
    other.image = Some(ImageUse {
        id: media.id,
        alt: Some("La salle vue du fond".into()),
        ..ImageUse::default()
    });
    store.publish_article(&other).await.unwrap();
    let mut bare = french_draft("sans-alt", date(2));
    bare.image = Some(ImageUse {
        id: media.id,
        ..ImageUse::default()
    });
    store.publish_article(&bare).await.unwrap();
    let alt_of = async |slug: &str| {
        let a = store
            .article_by_slug(&Slug::parse(slug).unwrap())
            .await
            .unwrap()
            .unwrap();
        a.image.unwrap().alt_text().map(str::to_owned)
    };
    assert_eq!(
        alt_of("meme-photo").await.as_deref(),
        Some("La salle vue du fond")
    );
    assert_eq!(alt_of("sans-alt").await, None);
    let library = MediaText {
        alt: "Une tribune vue de face".into(),
        ..MediaText::default()
    };
    store.set_media_text(media.id, &library).await.unwrap();
    assert_eq!(
        alt_of("sans-alt").await.as_deref(),
        Some("Une tribune vue de face")
    );
    assert_eq!(
        alt_of("meme-photo").await.as_deref(),
        Some("La salle vue du fond")
    );
    assert!(
        store
            .article_by_slug(&Slug::parse("absent").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

async fn sources_corrections_and_further_bylines_keep_their_order(db: TestDb) {
    let store = db.store().await;
    let slug = Slug::parse("dans-l-ordre").unwrap();
    let mut draft = french_draft(slug.as_str(), date(0));
    draft.tags = ["zinc", "acier", "mercure"]
        .map(|t| (Slug::parse(t).unwrap(), t.to_uppercase()))
        .to_vec();
    draft.editorial.sources = vec![
        Source {
            name: "Rapport de l'ONU".into(),
            url: Some(WebUrl::parse("https://example.org/rapport").unwrap()),
        },
        Source {
            name: "Agence Kyodo".into(),
            url: None,
        },
    ];
    draft.editorial.contributors = vec![
        Contributor {
            author: (Slug::parse("zoe-abadie").unwrap(), "Zoé Abadie".into()),
            role: Some("Photos :".into()),
        },
        Contributor {
            author: (Slug::parse("ali-benali").unwrap(), "Ali Benali".into()),
            role: None,
        },
    ];
    // Saved later but dated earlier: corrections read in date order.
    draft.now = date(50);
    draft.correction = Some("Deuxième précision".into());
    store.publish_article(&draft).await.unwrap();
    draft.now = date(20);
    draft.correction = Some("Première précision".into());
    store.publish_article(&draft).await.unwrap();
    draft.correction = Some("Même minute, écrite après".into());
    store.publish_article(&draft).await.unwrap();

    let a = store.article_by_slug(&slug).await.unwrap().unwrap();
    let tags: Vec<_> = a.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["ZINC", "ACIER", "MERCURE"]);
    assert!(a.tags.iter().all(|t| t.id > 0));
    assert_eq!(a.editorial.sources, draft.editorial.sources);
    assert_eq!(a.editorial.contributors, draft.editorial.contributors);
    let notes: Vec<_> = a
        .corrections
        .iter()
        .map(|c| (c.noted_at, c.note.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            (date(20), "Première précision"),
            (date(20), "Même minute, écrite après"),
            (date(50), "Deuxième précision"),
        ]
    );
    // An article with none of them reads as empty lists.
    let plain = french_draft("sans-details", date(1));
    store.publish_article(&plain).await.unwrap();
    let b = store
        .article_by_slug(&Slug::parse("sans-details").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(b.corrections.is_empty() && b.editorial.contributors.is_empty());

    // A further byline's list holds the article, counted once; a draft
    // naming them too is neither listed nor counted.
    let zoe = store
        .author_by_slug(&Slug::parse("zoe-abadie").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut unpublished = french_draft("pas-encore", date(2));
    unpublished.status = ArticleStatus::Draft;
    unpublished.editorial.contributors = draft.editorial.contributors.clone();
    store.publish_article(&unpublished).await.unwrap();
    let listed = store
        .list_articles(ArticleFilter::Author(zoe.id), page(1, 10))
        .await
        .unwrap();
    assert_eq!(listed.total, 1);
    let slugs: Vec<_> = listed.items.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["dans-l-ordre"]);
}

async fn lists_are_newest_first_paginated_and_filtered(db: TestDb) {
    let store = db.store().await;
    for i in 0..5 {
        let mut d = french_draft(&format!("article-{i}"), date(i));
        if i % 2 == 1 {
            d.category = Some((Slug::parse("sport").unwrap(), "Sport".into()));
            d.author = (Slug::parse("awa-diop").unwrap(), "Awa Diop".into());
        }
        store.publish_article(&d).await.unwrap();
    }
    let first = store
        .list_articles(ArticleFilter::All, page(1, 2))
        .await
        .unwrap();
    let slugs: Vec<_> = first.items.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["article-4", "article-3"]);
    assert_eq!(first.total, 5);
    assert_eq!(first.page_count(), 3);
    let last = store
        .list_articles(ArticleFilter::All, page(3, 2))
        .await
        .unwrap();
    assert_eq!(last.items.len(), 1);
    let sport = store
        .category_by_slug(&Slug::parse("sport").unwrap())
        .await
        .unwrap()
        .unwrap();
    let in_sport = store
        .list_articles(ArticleFilter::Category(sport.id), page(1, 10))
        .await
        .unwrap();
    let slugs: Vec<_> = in_sport.items.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["article-3", "article-1"]);
    assert_eq!(in_sport.total, 2);
    let awa = store
        .author_by_slug(&Slug::parse("awa-diop").unwrap())
        .await
        .unwrap()
        .unwrap();
    let by_awa = store
        .list_articles(ArticleFilter::Author(awa.id), page(1, 10))
        .await
        .unwrap();
    assert_eq!(by_awa.total, 2);
    assert!(by_awa.items.iter().all(|a| a.author_name == "Awa Diop"));
}

/// Tag lists and further bylines' lists are kept apart from the articles
/// (migration 0019): they must follow every publication, re-dating,
/// unpublishing, scheduled publication and tag removal.
async fn tag_and_byline_lists_follow_each_article_through_its_life(db: TestDb) {
    let store = db.store().await;
    let tagged = |slug: &str, minutes: i64, status: ArticleStatus| {
        let mut d = french_draft(slug, date(minutes));
        d.status = status;
        d.tags = vec![(Slug::parse("abidjan").unwrap(), "Abidjan".into())];
        d.editorial.contributors = vec![Contributor {
            author: (Slug::parse("zoe-abadie").unwrap(), "Zoé Abadie".into()),
            role: None,
        }];
        d
    };
    let a = tagged("a", 1, ArticleStatus::Draft);
    let a_id = store.create_article(&a).await.unwrap().article_id;
    let b = tagged("b", 2, ArticleStatus::Published);
    let b_id = store.create_article(&b).await.unwrap().article_id;
    let tag = store
        .tag_by_slug(&Slug::parse("abidjan").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let zoe = store
        .author_by_slug(&Slug::parse("zoe-abadie").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    // Read one article per page: each page continues the one before, and
    // every page tells the same total.
    let both = async |expected: &[&str]| {
        for filter in [ArticleFilter::Tag(tag), ArticleFilter::Author(zoe)] {
            let mut slugs = Vec::new();
            for number in 1..=expected.len() as u32 + 1 {
                let listed = store.list_articles(filter, page(number, 1)).await.unwrap();
                assert_eq!(listed.total, expected.len() as u64, "{filter:?}");
                slugs.extend(listed.items.iter().map(|a| a.slug.to_string()));
            }
            assert_eq!(slugs, expected, "{filter:?}");
        }
    };
    both(&["b"]).await;

    // The draft is published: it joins, in date order.
    let mut a = a;
    a.status = ArticleStatus::Published;
    store.update_article(a_id, 1, &a).await.unwrap();
    both(&["b", "a"]).await;

    // A scheduled article waits for its time.
    let mut c = tagged("c", 10, ArticleStatus::Scheduled);
    c.published_at = Some(date(10));
    store.create_article(&c).await.unwrap();
    both(&["b", "a"]).await;
    store.publish_due(date(10)).await.unwrap();
    both(&["c", "b", "a"]).await;

    // Re-dated, it moves; unpublished, it leaves.
    a.published_at = Some(date(20));
    store.update_article(a_id, 2, &a).await.unwrap();
    both(&["a", "c", "b"]).await;
    let mut b = b;
    b.status = ArticleStatus::Unpublished;
    store.update_article(b_id, 1, &b).await.unwrap();
    both(&["a", "c"]).await;

    // Its tag and byline taken off, an article leaves those lists only.
    a.tags.clear();
    a.editorial.contributors.clear();
    store.update_article(a_id, 3, &a).await.unwrap();
    both(&["c"]).await;
    assert_eq!(
        store
            .list_articles(ArticleFilter::All, page(1, 10))
            .await
            .unwrap()
            .total,
        2
    );
}

async fn publish(store: &impl Store, slug: &str) -> i64 {
    store
        .publish_article(&french_draft(slug, date(0)))
        .await
        .unwrap()
        .article_id
}

fn comment(article_id: i64, parent_id: Option<i64>, body: &str) -> NewComment {
    NewComment {
        article_id,
        parent_id,
        author_name: "Kofi".into(),
        author_email: Email::parse("kofi@example.org").unwrap(),
        author_url: Some(WebUrl::parse("https://kofi.example.org").unwrap()),
        body: body.into(),
        status: CommentStatus::Pending,
        created_at: Utc::now(),
    }
}

async fn comments_are_pending_until_approved(db: TestDb) {
    let store = db.store().await;
    let article_id = publish(&store, "commentee").await;
    let c = store
        .add_comment(&comment(article_id, None, "Très juste."))
        .await
        .unwrap();
    assert_eq!(c.status, CommentStatus::Pending);
    assert!(
        store
            .approved_comments(article_id)
            .await
            .unwrap()
            .is_empty()
    );
    // An export sees it, whatever its state.
    let all = store.article_comments(article_id).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], c);
    let pending = store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert!(
        pending[0]
            .article_title
            .starts_with("Coopération militaire")
    );
    store
        .set_comment_status(c.id, CommentStatus::Approved)
        .await
        .unwrap();
    let approved = store.approved_comments(article_id).await.unwrap();
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].body, "Très juste.");
    assert_eq!(approved[0].author_email.as_str(), "kofi@example.org");
    store
        .set_comment_status(c.id, CommentStatus::Spam)
        .await
        .unwrap();
    assert!(
        store
            .approved_comments(article_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .comments_with_status(CommentStatus::Spam)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn replies_move_up_when_their_parent_is_deleted(db: TestDb) {
    let store = db.store().await;
    let article_id = publish(&store, "fil").await;
    let root = store
        .add_comment(&comment(article_id, None, "racine"))
        .await
        .unwrap();
    let middle = store
        .add_comment(&comment(article_id, Some(root.id), "milieu"))
        .await
        .unwrap();
    let leaf = store
        .add_comment(&comment(article_id, Some(middle.id), "feuille"))
        .await
        .unwrap();
    store.delete_comment(middle.id).await.unwrap();
    assert!(store.comment(middle.id).await.unwrap().is_none());
    let leaf = store.comment(leaf.id).await.unwrap().unwrap();
    assert_eq!(leaf.parent_id, Some(root.id));
}

async fn unknown_comment_ids_are_not_found(db: TestDb) {
    let store = db.store().await;
    assert!(matches!(
        store.set_comment_status(999, CommentStatus::Approved).await,
        Err(Error::NotFound("comment"))
    ));
    assert!(matches!(
        store.delete_comment(999).await,
        Err(Error::NotFound("comment"))
    ));
}

async fn media_with_the_same_name_is_recorded_once(db: TestDb) {
    let store = db.store().await;
    let m = NewMediaAsset {
        file_name: format!("{}.png", "cd".repeat(32)),
        mime: "image/png".into(),
        width: 10,
        height: 20,
        byte_size: 30,
        color: "#000000".into(),
        original_name: String::new(),
    };
    let a = store.save_media(&m).await.unwrap();
    let b = store.save_media(&m).await.unwrap();
    assert_eq!(a, b);
}

async fn media_jobs_are_leased_retried_and_finished(db: TestDb) {
    let store = db.store().await;
    let now = Utc::now();
    let at = |seconds: i64| now + chrono::Duration::seconds(seconds);
    let a = store.save_media(&media("a1")).await.unwrap();
    assert_eq!(a.color, "#102030");
    assert!(a.variants.is_empty());
    // The operators' reading: one image waiting, due since it came.
    let images = |statuses: Vec<QueueStatus>| {
        statuses
            .into_iter()
            .find(|s| s.queue == Queue::ImageCopies)
            .unwrap()
    };
    let waiting = images(store.queues(at(90)).await.unwrap());
    assert_eq!(waiting.waiting, 1);
    assert!(
        (89..=91).contains(&waiting.oldest_due_seconds),
        "{waiting:?}"
    );
    let pool = store.pool_status();
    assert!(pool.open >= 1 && pool.open <= pool.max, "{pool:?}");
    // Claimed once; a second worker finds nothing while the lease runs.
    assert_eq!(store.claim_media_job(now).await.unwrap(), Some(a.clone()));
    assert_eq!(store.claim_media_job(now).await.unwrap(), None);
    // A worker that died: the job comes back when its lease is over.
    assert_eq!(
        store.claim_media_job(at(301)).await.unwrap(),
        Some(a.clone())
    );
    // A failure is retried later (a minute per attempt so far).
    assert!(
        store
            .fail_media_job(a.id, "disk full", at(301))
            .await
            .unwrap()
    );
    assert_eq!(store.claim_media_job(at(400)).await.unwrap(), None);
    assert_eq!(
        store.claim_media_job(at(430)).await.unwrap(),
        Some(a.clone())
    );
    store.finish_media_job(a.id, &[320, 640]).await.unwrap();
    let statuses = store.queues(at(500)).await.unwrap();
    assert_eq!(statuses.len(), Queue::ALL.len());
    assert!(
        statuses
            .iter()
            .all(|s| s.waiting == 0 && s.oldest_due_seconds == 0),
        "{statuses:?}"
    );
    let done = store.media_asset(a.id).await.unwrap().unwrap();
    assert_eq!(done.variants, vec![320, 640]);
    // A gallery finds its photos by file name; unknown names are left out.
    let found = store
        .media_by_files(&[done.file_name.clone(), "ffff.jpg".into()])
        .await
        .unwrap();
    assert_eq!(found, vec![done.clone()]);
    assert!(store.media_by_files(&[]).await.unwrap().is_empty());
    assert_eq!(store.claim_media_job(at(10_000)).await.unwrap(), None);
    // Saving the same file again queues nothing.
    store.save_media(&media("a1")).await.unwrap();
    assert_eq!(store.claim_media_job(at(10_000)).await.unwrap(), None);
    // A job that keeps failing is given up after five attempts; the
    // storage out of reach postpones it without spending one.
    let b = store.save_media(&media("b2")).await.unwrap();
    for away in 0..8 {
        let when = at(15_000 + away * 100);
        assert_eq!(store.claim_media_job(when).await.unwrap(), Some(b.clone()));
        store
            .postpone_media_job(b.id, "bucket away", when + chrono::Duration::seconds(10))
            .await
            .unwrap();
        assert_eq!(store.claim_media_job(when).await.unwrap(), None);
    }
    let mut when = at(20_000);
    for attempt in 1..=5 {
        assert_eq!(
            store.claim_media_job(when).await.unwrap(),
            Some(b.clone()),
            "{attempt}"
        );
        let retries = store.fail_media_job(b.id, "bad", when).await.unwrap();
        assert_eq!(retries, attempt < 5, "{attempt}");
        when += chrono::Duration::seconds(1000);
    }
    assert_eq!(store.claim_media_job(at(100_000)).await.unwrap(), None);
}

/// A rolling upgrade: a newer server migrated first; an older one
/// (re)starting runs on, unless a migration it does not know contracted.
async fn a_server_runs_on_a_newer_schema_that_only_added(db: TestDb) {
    let store = db.store().await;
    store.close().await;
    let bytes = match db.engine {
        kiosque_testkit::Engine::Sqlite => "X'00'",
        kiosque_testkit::Engine::Postgres => "'\\x00'::bytea",
    };
    let applied = |version: i64, description: &str| {
        format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ({version}, '{description}', TRUE, {bytes}, 1)"
        )
    };
    let later = kiosque_store::SCHEMA_VERSION + 1;
    db.execute(&applied(later, "a table added")).await;
    let older = SqlStore::connect(&db.url, Default::default())
        .await
        .expect("an older build runs on a schema that only added");
    older.ready().await.expect("and says it is ready");
    older.close().await;
    db.execute(&applied(later + 1, "contract: a column dropped"))
        .await;
    let refused = SqlStore::connect(&db.url, Default::default())
        .await
        .expect_err("an older build refuses a schema that removed");
    assert!(
        refused.to_string().contains("upgrade this server")
            || format!("{refused:?}").contains("upgrade this server"),
        "{refused:?}"
    );
}

async fn reopening_the_store_keeps_everything(db: TestDb) {
    let store = db.store().await;
    let article_id = publish(&store, "durable").await;
    store
        .add_comment(&comment(article_id, None, "gardé"))
        .await
        .unwrap();
    store.close().await;
    let reopened = db.store().await;
    assert!(
        reopened
            .article_by_slug(&Slug::parse("durable").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        reopened
            .comments_with_status(CommentStatus::Pending)
            .await
            .unwrap()
            .len(),
        1
    );
}

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        name: "Aïcha Koné".into(),
        role,
        password_hash: Some("$argon2id$placeholder".into()),
        created_at: date(0),
    }
}

async fn accounts_are_unique_by_address_whatever_the_case(db: TestDb) {
    let store = db.store().await;
    let u = store
        .create_user(&new_user("Aicha@Example.org", Role::Author))
        .await
        .unwrap();
    assert_eq!(u.email.as_str(), "aicha@example.org");
    assert_eq!(u.role, Role::Author);
    assert!(matches!(
        store
            .create_user(&new_user("aicha@example.ORG", Role::Editor))
            .await,
        Err(Error::Conflict(_))
    ));
    let found = store
        .user_by_email(&Email::parse("AICHA@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, u);
    assert_eq!(store.user(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(store.users().await.unwrap(), vec![u]);
}

async fn roles_can_be_changed(db: TestDb) {
    let store = db.store().await;
    let u = store
        .create_user(&new_user("a@example.org", Role::Contributor))
        .await
        .unwrap();
    store.set_user_role(u.id, Role::Editor).await.unwrap();
    assert_eq!(store.user(u.id).await.unwrap().unwrap().role, Role::Editor);
    assert!(matches!(
        store.set_user_role(999, Role::Editor).await,
        Err(Error::NotFound("user"))
    ));
}

fn session(token: &str, user_id: i64, minutes: i64) -> Session {
    Session {
        token_hash: token.into(),
        user_id,
        csrf_token: format!("csrf-{token}"),
        created_at: date(0),
        expires_at: date(minutes),
        verified: true,
    }
}

async fn sessions_expire_and_end_with_a_password_change(db: TestDb) {
    let store = db.store().await;
    let u = store
        .create_user(&new_user("s@example.org", Role::Editor))
        .await
        .unwrap();
    store
        .create_session(&session("one", u.id, 60))
        .await
        .unwrap();
    store
        .create_session(&session("two", u.id, 60))
        .await
        .unwrap();
    let (s, who) = store.session("one", date(1)).await.unwrap().unwrap();
    assert_eq!(s.csrf_token, "csrf-one");
    assert_eq!(who.id, u.id);
    assert!(
        store.session("one", date(61)).await.unwrap().is_none(),
        "expired"
    );
    assert!(store.session("nope", date(1)).await.unwrap().is_none());
    store.delete_session("one").await.unwrap();
    assert!(store.session("one", date(1)).await.unwrap().is_none());
    assert!(store.session("two", date(1)).await.unwrap().is_some());
    store
        .set_password_hash(u.id, "$argon2id$new")
        .await
        .unwrap();
    assert!(store.session("two", date(1)).await.unwrap().is_none());
    assert_eq!(
        store
            .user(u.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$new")
    );
}

async fn comments_are_counted_by_status(db: TestDb) {
    let store = db.store().await;
    let article_id = publish(&store, "compte").await;
    for _ in 0..3 {
        store
            .add_comment(&comment(article_id, None, "x"))
            .await
            .unwrap();
    }
    let first = store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()[0]
        .comment
        .id;
    store
        .set_comment_status(first, CommentStatus::Spam)
        .await
        .unwrap();
    assert_eq!(
        store.count_comments(CommentStatus::Pending).await.unwrap(),
        2
    );
    assert_eq!(store.count_comments(CommentStatus::Spam).await.unwrap(), 1);
    assert_eq!(
        store.count_comments(CommentStatus::Approved).await.unwrap(),
        0
    );
}

fn draft_in(slug: &str, status: ArticleStatus) -> kiosque_core::model::ArticleDraft {
    let mut d = french_draft(slug, date(0));
    d.status = status;
    d
}

async fn drafts_stay_invisible_to_readers_until_published(db: TestDb) {
    let store = db.store().await;
    let draft = draft_in("brouillon", ArticleStatus::Draft);
    let saved = store.create_article(&draft).await.unwrap();
    assert!(saved.created);
    assert_eq!(saved.version, 1);
    let slug = Slug::parse("brouillon").unwrap();
    assert!(store.article_by_slug(&slug).await.unwrap().is_none());
    assert_eq!(
        store
            .list_articles(ArticleFilter::All, page(1, 10))
            .await
            .unwrap()
            .total,
        0
    );
    let seen = store.article(saved.article_id).await.unwrap().unwrap();
    assert_eq!(seen.status, ArticleStatus::Draft);
    assert_eq!(seen.version, 1);
    let mut publish = draft.clone();
    publish.status = ArticleStatus::Published;
    let after = store
        .update_article(saved.article_id, 1, &publish)
        .await
        .unwrap();
    assert_eq!(after.version, 2);
    assert!(store.article_by_slug(&slug).await.unwrap().is_some());
    let mut unpublish = publish.clone();
    unpublish.status = ArticleStatus::Unpublished;
    store
        .update_article(saved.article_id, 2, &unpublish)
        .await
        .unwrap();
    assert!(store.article_by_slug(&slug).await.unwrap().is_none());
}

async fn a_stale_save_is_a_conflict_and_changes_nothing(db: TestDb) {
    let store = db.store().await;
    let draft = draft_in("concurrence", ArticleStatus::Draft);
    let id = store.create_article(&draft).await.unwrap().article_id;
    let mut first_tab = draft.clone();
    first_tab.body_markdown = "Version de l'onglet 1".into();
    store.update_article(id, 1, &first_tab).await.unwrap();
    let mut second_tab = draft.clone();
    second_tab.body_markdown = "Version de l'onglet 2, ouverte avant".into();
    assert!(matches!(
        store.update_article(id, 1, &second_tab).await,
        Err(Error::Conflict(_))
    ));
    let kept = store.article(id).await.unwrap().unwrap();
    assert_eq!(kept.body_markdown, "Version de l'onglet 1");
    assert_eq!(kept.version, 2);
    assert!(matches!(
        store.update_article(9999, 1, &draft).await,
        Err(Error::NotFound("article"))
    ));
}

async fn a_new_article_with_a_taken_slug_is_a_conflict(db: TestDb) {
    let store = db.store().await;
    let draft = draft_in("unique", ArticleStatus::Draft);
    store.create_article(&draft).await.unwrap();
    assert!(matches!(
        store.create_article(&draft).await,
        Err(Error::Conflict(_))
    ));
    let other = store
        .create_article(&draft_in("autre", ArticleStatus::Draft))
        .await
        .unwrap();
    // Renaming onto a taken slug is refused too.
    assert!(matches!(
        store
            .update_article(
                other.article_id,
                1,
                &draft_in("unique", ArticleStatus::Draft)
            )
            .await,
        Err(Error::Conflict(_))
    ));
}

async fn scheduled_articles_go_live_when_due(db: TestDb) {
    let store = db.store().await;
    let mut soon = draft_in("programme", ArticleStatus::Scheduled);
    soon.published_at = Some(date(10));
    let id = store.create_article(&soon).await.unwrap().article_id;
    let mut later = draft_in("plus-tard", ArticleStatus::Scheduled);
    later.published_at = Some(date(60));
    store.create_article(&later).await.unwrap();
    assert!(store.publish_due(date(5)).await.unwrap().is_empty());
    assert_eq!(store.publish_due(date(10)).await.unwrap(), vec![id]);
    let a = store.article(id).await.unwrap().unwrap();
    assert_eq!(a.status, ArticleStatus::Published);
    assert_eq!(a.published_at, date(10));
    assert!(
        store
            .article_by_slug(&Slug::parse("programme").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store.publish_due(date(11)).await.unwrap().is_empty(),
        "once only"
    );
}

async fn the_newsroom_list_filters_by_status_author_category_and_title(db: TestDb) {
    let store = db.store().await;
    let mut a = draft_in("alpha", ArticleStatus::Draft);
    a.title = kiosque_core::types::Title::parse("Élections : le point").unwrap();
    a.saved_by = None;
    store.create_article(&a).await.unwrap();
    let mut b = draft_in("beta", ArticleStatus::Published);
    b.category = Some((Slug::parse("sport").unwrap(), "Sport".into()));
    b.author = (Slug::parse("awa").unwrap(), "Awa".into());
    b.title = kiosque_core::types::Title::parse("Football 100% réussite").unwrap();
    store.create_article(&b).await.unwrap();
    let all = store
        .articles(&ArticleQuery::default(), page(1, 10))
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    let drafts = store
        .articles(
            &ArticleQuery {
                status: Some(ArticleStatus::Draft),
                ..ArticleQuery::default()
            },
            page(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(drafts.items.len(), 1);
    assert_eq!(drafts.items[0].slug.as_str(), "alpha");
    assert_eq!(drafts.total, 1);
    let sport = store
        .category_by_slug(&Slug::parse("sport").unwrap())
        .await
        .unwrap()
        .unwrap();
    let awa = store
        .author_by_slug(&Slug::parse("awa").unwrap())
        .await
        .unwrap()
        .unwrap();
    let both = store
        .articles(
            &ArticleQuery {
                category_id: Some(sport.id),
                author_id: Some(awa.id),
                title_contains: Some("FOOT".into()),
                ..ArticleQuery::default()
            },
            page(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(both.total, 1);
    assert_eq!(both.items[0].category_name.as_deref(), Some("Sport"));
    let percent = store
        .articles(
            &ArticleQuery {
                title_contains: Some("100%".into()),
                ..ArticleQuery::default()
            },
            page(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(percent.total, 1, "% is matched literally");
    let none = store
        .articles(
            &ArticleQuery {
                title_contains: Some("%".into()),
                status: Some(ArticleStatus::Draft),
                ..ArticleQuery::default()
            },
            page(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0);
}

async fn second_factor_codes_are_used_once_and_sessions_wait_for_them(db: TestDb) {
    let store = db.store().await;
    let u = store
        .create_user(&new_user("t@example.org", Role::Editor))
        .await
        .unwrap();
    assert_eq!(u.totp_secret, None);
    store
        .set_totp_secret(u.id, Some("JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    let u = store.user(u.id).await.unwrap().unwrap();
    assert_eq!(u.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(store.use_totp_step(u.id, 100).await.unwrap());
    assert!(!store.use_totp_step(u.id, 100).await.unwrap(), "replay");
    assert!(!store.use_totp_step(u.id, 99).await.unwrap(), "older step");
    assert!(store.use_totp_step(u.id, 101).await.unwrap());
    let mut pending = session("waiting", u.id, 60);
    pending.verified = false;
    store.create_session(&pending).await.unwrap();
    assert!(
        !store
            .session("waiting", date(1))
            .await
            .unwrap()
            .unwrap()
            .0
            .verified
    );
    store.verify_session("waiting").await.unwrap();
    assert!(
        store
            .session("waiting", date(1))
            .await
            .unwrap()
            .unwrap()
            .0
            .verified
    );
    store.set_totp_secret(u.id, None).await.unwrap();
    assert_eq!(store.user(u.id).await.unwrap().unwrap().totp_secret, None);
    assert!(matches!(
        store.set_totp_secret(999, None).await,
        Err(Error::NotFound("user"))
    ));
}

async fn the_spam_filter_counts_each_comment_once(db: TestDb) {
    let store = db.store().await;
    let article_id = publish(&store, "filtre").await;
    let c = store
        .add_comment(&comment(article_id, None, "casino gratuit"))
        .await
        .unwrap();
    let tokens = vec!["casino".to_owned(), "gratuit".to_owned()];
    store.learn_spam(c.id, &tokens, true).await.unwrap();
    store.learn_spam(c.id, &tokens, true).await.unwrap();
    let (counts, totals) = store.spam_counts(&tokens).await.unwrap();
    assert_eq!((totals.spam, totals.ham), (1, 0), "learned once");
    assert_eq!(counts["casino"].spam, 1);
    // A change of mind moves it to the other side.
    store.learn_spam(c.id, &tokens, false).await.unwrap();
    let (counts, totals) = store.spam_counts(&tokens).await.unwrap();
    assert_eq!((totals.spam, totals.ham), (0, 1));
    assert_eq!((counts["casino"].spam, counts["casino"].ham), (0, 1));
    let many: Vec<String> = (0..250).map(|i| format!("t{i}")).collect();
    let (counts, _) = store.spam_counts(&many).await.unwrap();
    assert!(counts.is_empty(), "unknown tokens, in several batches");
    assert!(matches!(
        store.learn_spam(999, &tokens, true).await,
        Err(Error::NotFound("comment"))
    ));
}

async fn the_media_library_searches_tells_uses_and_deletes_only_unused_images(db: TestDb) {
    let store = db.store().await;
    let page1 = PageRequest {
        number: 1,
        per_page: 10,
    };
    let used = store.save_media(&media("c1")).await.unwrap();
    let free = store.save_media(&media("d2")).await.unwrap();
    store
        .set_media_text(
            free.id,
            &MediaText {
                alt: "Un marché de Dakar au matin".into(),
                caption: "Le marché Sandaga".into(),
                credit: "Agence 100%_Ouest".into(),
            },
        )
        .await
        .unwrap();
    let mut draft = french_draft("marche", date(0));
    draft.image = Some(ImageUse {
        id: used.id,
        caption: Some("Légende".into()),
        ..ImageUse::default()
    });
    let article = store.publish_article(&draft).await.unwrap().article_id;
    let mut site = Site::new("S", Locale::Fr, "https://example.org");
    site.logo = Some(used.clone());
    store.save_site(&site).await.unwrap();
    // A third picture, only in a gallery of an article's text.
    let in_text = store.save_media(&media("e3")).await.unwrap();
    let mut draft = french_draft("en-images", date(1));
    let without = draft.body_markdown.clone();
    draft.body_markdown = format!("```gallery\n![](/media/{})\n```\n", in_text.file_name);
    let story = store.publish_article(&draft).await.unwrap().article_id;
    assert!(matches!(
        store.media_uses(in_text.id).await.unwrap().as_slice(),
        [MediaUse::ArticleText(id, _)] if *id == story
    ));
    assert!(matches!(
        store.delete_media(in_text.id).await,
        Err(Error::Conflict(_))
    ));
    // Taken out of the text, it can go.
    draft.body_markdown = without;
    store.publish_article(&draft).await.unwrap();
    assert_eq!(store.delete_media(in_text.id).await.unwrap().id, in_text.id);
    // Everything, newest first, with the number of places using each.
    let all = store.media_library("", page1).await.unwrap();
    assert_eq!(all.total, 2);
    let uses: Vec<_> = all.items.iter().map(|i| (i.asset.id, i.uses)).collect();
    assert_eq!(uses, vec![(free.id, 0), (used.id, 2)]);
    // Search: any case, accents as typed, in names and texts; % and _ are
    // plain characters.
    for (search, expected) in [
        ("DAKAR", vec![free.id]),
        ("sandaga", vec![free.id]),
        ("100%_", vec![free.id]),
        ("photo-c1", vec![used.id]),
        // As wildcards, `0__o` would match "0%_O"; as plain text, nothing.
        ("0__o", vec![]),
        ("%%", vec![]),
        ("nulle part", vec![]),
    ] {
        let found: Vec<_> = store
            .media_library(search, page1)
            .await
            .unwrap()
            .items
            .iter()
            .map(|i| i.asset.id)
            .collect();
        assert_eq!(found, expected, "{search}");
    }
    let text = store.media_asset(free.id).await.unwrap().unwrap().text;
    assert_eq!(text.alt, "Un marché de Dakar au matin");
    assert_eq!(
        store.media_uses(used.id).await.unwrap(),
        vec![
            MediaUse::Article(
                article,
                "Coopération militaire : Pyongyang dit être prêt à « aider » Moscou".into()
            ),
            MediaUse::Logo
        ]
    );
    assert!(matches!(
        store.delete_media(used.id).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(store.delete_media(free.id).await.unwrap().id, free.id);
    assert!(store.media_asset(free.id).await.unwrap().is_none());
    assert!(matches!(
        store.delete_media(free.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.set_media_text(free.id, &MediaText::default()).await,
        Err(Error::NotFound(_))
    ));
}

async fn the_search_log_notes_changes_to_published_articles_only(db: TestDb) {
    let store = db.store().await;
    let changed = |from: i64| {
        let store = store.clone();
        async move {
            store
                .search_changes(from, 1_000)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.article_id)
                .collect::<std::collections::BTreeSet<_>>()
        }
    };
    assert_eq!(store.search_change_bounds().await.unwrap(), (0, 0));
    // A draft, saved twice: nothing for search.
    let draft = draft_in("brouillon-cherche", ArticleStatus::Draft);
    let id = store.create_article(&draft).await.unwrap().article_id;
    store.update_article(id, 1, &draft).await.unwrap();
    assert!(changed(0).await.is_empty());
    // Published: noted, and its document has its tags and byline.
    let mut published = draft.clone();
    published.status = ArticleStatus::Published;
    store.update_article(id, 2, &published).await.unwrap();
    let (latest, oldest) = store.search_change_bounds().await.unwrap();
    assert!(latest >= oldest && oldest > 0);
    assert_eq!(changed(0).await, [id].into());
    let docs = store.search_documents(&[id, 999_999]).await.unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].tags, ["Corée du Nord", "Russie"]);
    assert_eq!(docs[0].authors, ["Gaëlle Villeneuve"]);
    assert_eq!(docs[0].category.as_ref().unwrap().name, "International");
    assert!(docs[0].body.contains("Sergueï Lavrov a salué"));
    // A second published article; the walk for rebuilds goes by id.
    let other = store
        .publish_article(&french_draft("autre-cherche", date(5)))
        .await
        .unwrap()
        .article_id;
    assert_eq!(store.published_count().await.unwrap(), 2);
    let walk = store.search_documents_after(0, 1).await.unwrap();
    assert_eq!(
        walk.iter().map(|d| d.id).collect::<Vec<_>>(),
        [id.min(other)]
    );
    let rest = store
        .search_documents_after(id.min(other), 10)
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|d| d.id).collect::<Vec<_>>(),
        [id.max(other)]
    );
    // Unpublishing is a change too; the document is then gone.
    let (before, _) = store.search_change_bounds().await.unwrap();
    let mut unpublished = published.clone();
    unpublished.status = ArticleStatus::Unpublished;
    store.update_article(id, 3, &unpublished).await.unwrap();
    assert_eq!(changed(before).await, [id].into());
    assert!(store.search_documents(&[id]).await.unwrap().is_empty());
    // Renaming a tag notes every published article carrying it.
    let (before, _) = store.search_change_bounds().await.unwrap();
    let tag = store
        .terms(TermKind::Tag)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Russie")
        .unwrap();
    store
        .update_term(
            TermKind::Tag,
            tag.id,
            &Slug::parse("russie").unwrap(),
            "Russie (Fédération)",
        )
        .await
        .unwrap();
    assert_eq!(
        changed(before).await,
        [other].into(),
        "not the unpublished one"
    );
    // Pruning forgets old changes only.
    store
        .prune_search_changes(Utc::now() - chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(!changed(0).await.is_empty());
    store
        .prune_search_changes(Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(changed(0).await.is_empty());
}

async fn the_sitemap_index_dates_each_page_by_its_latest_change(db: TestDb) {
    let store = db.store().await;
    assert!(store.sitemap_page_changes(2).await.unwrap().is_empty());
    for (i, slug) in ["un", "deux", "trois", "quatre", "cinq"].iter().enumerate() {
        store
            .publish_article(&french_draft(slug, date(i as i64 * 10)))
            .await
            .unwrap();
    }
    // Changed later: its page's date moves.
    db.execute("UPDATE articles SET updated_at = updated_at + 86400 WHERE slug = 'deux'")
        .await;
    let changes = store.sitemap_page_changes(2).await.unwrap();
    assert_eq!(changes.len(), 3);
    for (i, lastmod) in changes.iter().enumerate() {
        let page = store
            .sitemap(page(u32::try_from(i).unwrap() + 1, 2))
            .await
            .unwrap();
        let expected = page.items.iter().map(|e| e.modified_at).max().unwrap();
        assert_eq!(*lastmod, expected, "page {}", i + 1);
    }
}

async fn the_page_log_names_what_each_write_changes(db: TestDb) {
    use std::collections::BTreeSet;
    let store = db.store().await;
    let since = |from: i64| {
        let store = store.clone();
        async move {
            store
                .page_changes(from, 1_000)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.topic)
                .collect::<BTreeSet<_>>()
        }
    };
    let set = |topics: &[&str]| {
        topics
            .iter()
            .map(|t| (*t).to_owned())
            .collect::<BTreeSet<_>>()
    };
    store
        .save_site(&Site::new(
            "Afrique Première Tv",
            Locale::Fr,
            "https://example.org",
        ))
        .await
        .unwrap();
    assert_eq!(since(0).await, set(&["site"]));
    // A draft, saved twice: readers see nothing of it.
    let mark = store.latest_page_change().await.unwrap();
    let draft = draft_in("brouillon-cache", ArticleStatus::Draft);
    let id = store.create_article(&draft).await.unwrap().article_id;
    store.update_article(id, 1, &draft).await.unwrap();
    assert!(since(mark).await.is_empty());
    // Published: the article and every list it enters.
    let article = |store: &kiosque_store::SqlStore| {
        let store = store.clone();
        async move { store.article(id).await.unwrap().unwrap() }
    };
    let mut published = draft.clone();
    published.status = ArticleStatus::Published;
    store.update_article(id, 2, &published).await.unwrap();
    let a = article(&store).await;
    let (author, category) = (a.author.id, a.category.as_ref().unwrap().id);
    let tags: Vec<String> = a.tags.iter().map(|t| format!("in-tag-{}", t.id)).collect();
    let mut expected = set(&[
        &format!("article-{id}"),
        "all-articles",
        &format!("in-author-{author}"),
        &format!("in-category-{category}"),
    ]);
    expected.extend(tags.iter().cloned());
    // The section's first published article: with no header menu of the
    // newsroom's, the default one (sections holding articles) changes.
    expected.insert("site".to_owned());
    assert_eq!(since(mark).await, expected);
    // Saved again with the same section, tags and date: the article only.
    let mark = store.latest_page_change().await.unwrap();
    let mut edited = published.clone();
    edited.body_markdown.push_str("\n\nMise à jour.");
    store.update_article(id, 3, &edited).await.unwrap();
    assert_eq!(since(mark).await, set(&[&format!("article-{id}")]));
    // A tag removed: that tag's list, not the other's.
    let mark = store.latest_page_change().await.unwrap();
    let mut fewer = edited.clone();
    fewer.tags.remove(0);
    store.update_article(id, 4, &fewer).await.unwrap();
    let changes = since(mark).await;
    assert!(changes.contains(&format!("article-{id}")));
    let removed: Vec<&String> = tags.iter().filter(|t| changes.contains(*t)).collect();
    assert_eq!(removed.len(), 1, "{changes:?}");
    assert!(!changes.contains("all-articles"));
    // Comments: held ones change nothing; approving one, its article's.
    let mark = store.latest_page_change().await.unwrap();
    let comment = store
        .add_comment(&NewComment {
            article_id: id,
            parent_id: None,
            author_name: "Awa Diop".into(),
            author_email: Email::parse("awa@example.org").unwrap(),
            author_url: None,
            body: "Merci.".into(),
            status: CommentStatus::Pending,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    assert!(since(mark).await.is_empty());
    store
        .set_comment_status(comment.id, CommentStatus::Approved)
        .await
        .unwrap();
    assert_eq!(since(mark).await, set(&[&format!("comments-{id}")]));
    // A section renamed: the section itself.
    let mark = store.latest_page_change().await.unwrap();
    store
        .update_term(
            TermKind::Category,
            category,
            &Slug::parse("international").unwrap(),
            "Monde",
        )
        .await
        .unwrap();
    // (And `site`: without a header menu of the newsroom's, every page's
    // header lists the sections by name.)
    assert_eq!(
        since(mark).await,
        set(&[&format!("category-{category}"), "site"])
    );
    // Unpublished: the article and the lists it leaves.
    let mark = store.latest_page_change().await.unwrap();
    let mut gone = fewer.clone();
    gone.status = ArticleStatus::Unpublished;
    store.update_article(id, 5, &gone).await.unwrap();
    let changes = since(mark).await;
    for t in [
        format!("article-{id}"),
        "all-articles".into(),
        format!("in-author-{author}"),
    ] {
        assert!(changes.contains(&t), "{t} in {changes:?}");
    }
    // Pruning forgets old changes only; the oldest kept tells a follower
    // what it missed.
    let oldest = store.oldest_page_change().await.unwrap();
    assert!(oldest > 0 && oldest <= mark + 1, "{oldest} {mark}");
    store
        .prune_page_changes(Utc::now() - chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(!since(0).await.is_empty());
    assert_eq!(store.oldest_page_change().await.unwrap(), oldest);
    let latest = store.latest_page_change().await.unwrap();
    store
        .prune_page_changes(Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(since(0).await.is_empty());
    assert_eq!(store.oldest_page_change().await.unwrap(), 0);
    store
        .set_comment_status(comment.id, CommentStatus::Pending)
        .await
        .unwrap();
    assert!(store.oldest_page_change().await.unwrap() > latest);
}

async fn imports_remember_what_they_made_by_the_other_sites_keys(db: TestDb) {
    let store = db.store().await;
    let site = "https://echo-lagune.example";
    assert_eq!(store.imported(site, "post", "42").await.unwrap(), None);
    store.remember_import(site, "post", "42", 7).await.unwrap();
    store
        .remember_import(site, "comment", "42", 9)
        .await
        .unwrap();
    store
        .remember_import("https://other.example", "post", "42", 11)
        .await
        .unwrap();
    assert_eq!(store.imported(site, "post", "42").await.unwrap(), Some(7));
    assert_eq!(
        store.imported(site, "comment", "42").await.unwrap(),
        Some(9)
    );
    // Imported again as something else (it was deleted here meanwhile).
    store.remember_import(site, "post", "42", 8).await.unwrap();
    assert_eq!(store.imported(site, "post", "42").await.unwrap(), Some(8));
    assert_eq!(
        store
            .imported("https://other.example", "post", "42")
            .await
            .unwrap(),
        Some(11)
    );

    let parent = store
        .create_term(
            TermKind::Category,
            &Slug::parse("afrique").unwrap(),
            "Afrique",
        )
        .await
        .unwrap();
    let child = store
        .create_term(
            TermKind::Category,
            &Slug::parse("cote-d-ivoire").unwrap(),
            "Côte d'Ivoire",
        )
        .await
        .unwrap();
    store
        .set_category_parent(child, Some(parent))
        .await
        .unwrap();
    assert!(matches!(
        store.set_category_parent(parent, Some(parent)).await,
        Err(Error::Invalid(_))
    ));
    // A section removed leaves its children at the top, not removed.
    store.delete_term(TermKind::Category, parent).await.unwrap();
    assert_eq!(store.terms(TermKind::Category).await.unwrap().len(), 1);

    let old = "/2024/03/élections-bouaké/";
    assert_eq!(store.redirect(old).await.unwrap(), None);
    store
        .save_redirects(&[
            (old.into(), RedirectTarget::Article(3)),
            ("?p=57".into(), RedirectTarget::Article(3)),
            // Listed twice in one write: the last one counts.
            (old.into(), RedirectTarget::Article(5)),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.redirect(old).await.unwrap(),
        Some(RedirectTarget::Article(5))
    );
    store
        .save_redirects(&[(old.into(), RedirectTarget::Page(4))])
        .await
        .unwrap();
    assert_eq!(
        store.redirect(old).await.unwrap(),
        Some(RedirectTarget::Page(4))
    );
    assert_eq!(
        store.redirect("?p=57").await.unwrap(),
        Some(RedirectTarget::Article(3))
    );
    assert_eq!(
        store.redirect("/2024/03/elections-bouake/").await.unwrap(),
        None
    );
}

/// Every table a backup holds, as the snapshot reads it.
async fn dump(store: &SqlStore) -> Vec<(&'static str, Vec<String>, Vec<Vec<Cell>>)> {
    let mut snapshot = store.snapshot().await.unwrap();
    let mut out = Vec::new();
    for table in TABLES {
        let columns = snapshot.columns(table).await.unwrap();
        let mut rows = Vec::new();
        let n = snapshot
            .rows(table, |row| {
                rows.push(row);
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(n, rows.len() as u64);
        out.push((table.name, columns, rows));
    }
    snapshot.finish().await.unwrap();
    out
}

async fn a_backup_carries_every_row_into_an_empty_store_of_the_same_kind(db: TestDb) {
    let store = db.store().await;
    assert_eq!(
        store.tables_unknown_to_backups().await.unwrap(),
        Vec::<String>::new(),
        "every table is backed up or knowingly left out (kiosque-store's backup.rs)"
    );
    store
        .save_site(&Site::new(
            "Échos du Plateau",
            Locale::Fr,
            "https://echos.example",
        ))
        .await
        .unwrap();
    let article = publish(&store, "sauvegarde").await;
    let mut draft = french_draft("deuxieme", date(60));
    draft.tags = vec![(Slug::parse("eau").unwrap(), "Eau".into())];
    store.publish_article(&draft).await.unwrap();
    let first = store
        .add_comment(&comment(
            article,
            None,
            "premier, « guillemets » et \"doubles\"",
        ))
        .await
        .unwrap();
    let later = store
        .add_comment(&comment(article, None, "plus tard"))
        .await
        .unwrap();
    // A row whose parent has a larger id: a restore writes it before its
    // parent exists.
    db.execute(&format!(
        "UPDATE comments SET parent_id = {} WHERE id = {}",
        later.id, first.id
    ))
    .await;
    store
        .learn_spam(later.id, &["gratuit".to_owned()], true)
        .await
        .unwrap();
    store
        .save_redirects(&[("/?p=7".into(), RedirectTarget::Article(article))])
        .await
        .unwrap();
    let before = dump(&store).await;
    let comments = &before.iter().find(|t| t.0 == "comments").unwrap().2;
    assert_eq!(comments.len(), 2);

    // A snapshot sees the database as it was when it began, whatever is
    // written meanwhile (the site keeps serving during a backup).
    let mut snapshot = store.snapshot().await.unwrap();
    publish(&store, "pendant-la-sauvegarde").await;
    let mut seen = 0;
    snapshot
        .rows(&TABLES[6], |_| {
            seen += 1;
            Ok(())
        })
        .await
        .unwrap();
    snapshot.finish().await.unwrap();
    assert_eq!(TABLES[6].name, "articles");
    assert_eq!(seen, 2, "the article published meanwhile is not in it");
    db.execute("DELETE FROM articles WHERE slug = 'pendant-la-sauvegarde'")
        .await;

    let other = TestDb::new(db.engine).await.unwrap();
    let restored = other.store().await;
    let mut restore = restored.begin_restore().await.unwrap();
    for (table, columns, rows) in &before {
        // In small batches, as a restore reads them.
        for chunk in rows.chunks(1) {
            restore.write(table, columns, chunk.to_vec()).await.unwrap();
        }
    }
    restore.finish().await.unwrap();
    assert_eq!(dump(&restored).await, before, "every row, value for value");
    assert_eq!(
        restored.latest_page_change().await.unwrap(),
        0,
        "change logs start empty"
    );

    // New rows take ids after the restored ones.
    let next = publish(&restored, "apres-restauration").await;
    assert!(next > article);
    assert!(
        restored.latest_page_change().await.unwrap() > 0,
        "the triggers paused for the restore are back"
    );
    restored
        .add_comment(&comment(next, None, "nouveau"))
        .await
        .unwrap();

    // A database that holds a site is never restored into.
    assert!(matches!(
        restored.begin_restore().await,
        Err(Error::Conflict(_))
    ));
}
