//! The demo's newsroom side: an editor-in-chief account to sign in with,
//! and the front of house a newsroom sets up — a photo story with a
//! gallery and an embed, menus, pinned stories, a section block and a
//! breaking-news banner that ends by itself.

use std::path::Path;

use anyhow::Context;
use chrono::{Duration, Utc};
use kiosque_core::model::{
    Banner, MediaText, MenuItemDraft, MenuPlace, MenuTarget, NewUser, Site, TermKind,
};
use kiosque_core::ports::{Accounts, Store};
use kiosque_core::service::auth;
use kiosque_core::types::{Email, Role, Slug};
use kiosque_store::SqlStore;

use crate::cli::publish_file;
use crate::config::Settings;

/// The demo account's sign-in address.
pub const DEMO_EMAIL: &str = "redaction@kiosque-demo.example";
/// Where its first password is kept, to be shown again on later starts.
const PASSWORD_FILE: &str = "demo-password.txt";

/// The editor-in-chief's sign-in: the address and the password made at
/// the first start (read back later; the newsroom may have changed it).
pub struct DemoAccount {
    /// Sign-in address.
    pub email: String,
    /// The password made at the first start.
    pub password: String,
}

/// Makes the editor-in-chief account once, with a random password kept in
/// `DATA/demo-password.txt` (readable by its owner only).
pub async fn account(store: &SqlStore, data_dir: &Path) -> anyhow::Result<DemoAccount> {
    let file = data_dir.join(PASSWORD_FILE);
    let email = Email::parse(DEMO_EMAIL)?;
    if store.user_by_email(&email).await?.is_some() {
        let password = std::fs::read_to_string(&file)
            .map(|p| p.trim().to_owned())
            .unwrap_or_else(|_| "(changed since: see `kiosque user reset-password`)".into());
        return Ok(DemoAccount {
            email: DEMO_EMAIL.into(),
            password,
        });
    }
    // Sixteen hexadecimal digits of a fresh random token: 64 bits.
    let password: String = auth::new_token()?
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    store
        .create_user(&NewUser {
            email,
            name: "Rédaction en chef".into(),
            role: Role::Administrator,
            password_hash: Some(auth::hash_password(&password)?),
            created_at: Utc::now(),
        })
        .await?;
    write_private(&file, &password)?;
    Ok(DemoAccount {
        email: DEMO_EMAIL.into(),
        password,
    })
}

fn write_private(file: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    writeln!(f, "{text}")?;
    Ok(())
}

/// Three photos for the photo story, in the library with their texts.
const STORY_PHOTOS: [(&str, &str, &str); 3] = [
    (
        "Des pirogues colorées rentrent au port au lever du jour",
        "Le retour des pêcheurs, vers 6 heures.",
        "Kiosque Démo",
    ),
    (
        "Des femmes trient le poisson sur des tables en bois",
        "Le tri, avant la vente aux mareyeuses.",
        "Kiosque Démo",
    ),
    (
        "Un marché couvert animé, vu d'en haut",
        "Le marché ouvre à 7 heures.",
        "Kiosque Démo",
    ),
];

/// The photo story, its gallery naming the library's files.
fn story_source(files: &[String]) -> String {
    let lines: String = files.iter().map(|f| format!("![](/media/{f})\n")).collect();
    format!(
        "---\ntitle: \"En images : une matinée au port de pêche\"\n\
         author: \"Awa Diabaté\"\ndate: 2024-11-02T07:30:00Z\ncategory: \"Économie\"\n\
         tags: [\"Pêche\"]\nslug: \"en-images-matinee-port-de-peche\"\n---\n\
         Avant l'aube, le port de pêche s'anime. « Ici, tout se joue avant 7 heures », \
         résume Mariam, mareyeuse depuis vingt ans.\n\n\
         ```gallery columns=3\n{lines}```\n\n\
         Le reportage vidéo (il ne se charge qu'à votre clic) :\n\n\
         https://www.youtube.com/watch?v=aqz-KE-bpKQ\n\n\
         Les prix du poisson ont augmenté de 15 % depuis janvier, selon la \
         chambre de commerce.\n"
    )
}

/// The photo story, the menus, the pins, a section block and a banner;
/// made once, on the demo's first start.
pub async fn front_of_house(store: &SqlStore, settings: &Settings) -> anyhow::Result<()> {
    let media = settings.media_store()?;
    let mut files = Vec::new();
    for (i, (alt, caption, credit)) in STORY_PHOTOS.into_iter().enumerate() {
        let bytes = kiosque_media::demo_photo(40 + i as u32, 1200, 900, true);
        let image = kiosque_media::ingest(&bytes, settings.media_limits)?;
        media.put(&image.meta.file_name, image.bytes).await?;
        let asset = store.save_media(&image.meta).await?;
        store
            .set_media_text(
                asset.id,
                &MediaText {
                    alt: alt.into(),
                    caption: caption.into(),
                    credit: credit.into(),
                },
            )
            .await?;
        files.push(asset.file_name);
    }
    let dir = settings.data_dir.join("demo-source");
    let file = dir.join("05-en-images.md");
    std::fs::write(&file, story_source(&files))?;
    let site = store.site().await?.context("the demo site is missing")?;
    publish_file(store, &site, media.as_ref(), settings.media_limits, &file).await?;

    let article = |slug: &'static str| async move {
        Ok::<_, anyhow::Error>(
            store
                .article_by_slug(&Slug::parse(slug)?)
                .await?
                .with_context(|| format!("demo article {slug} is missing"))?
                .id,
        )
    };
    let story = article("en-images-matinee-port-de-peche").await?;
    let lead = article("cooperation-militaire-pyongyang-se-dit-pret-a-soutenir-moscou").await?;
    store.set_front_pins(&[story, lead]).await?;

    let sections = store.terms(TermKind::Category).await?;
    let section = |name: &str| sections.iter().find(|t| t.name == name).map(|t| t.id);
    let tags = store.terms(TermKind::Tag).await?;
    let tag = |name: &str| tags.iter().find(|t| t.name == name).map(|t| t.id);
    if let Some(eco) = section("Économie") {
        store.set_front_sections(&[(eco, 2)]).await?;
    }
    let item = |place, target, label: Option<&str>| MenuItemDraft {
        place,
        parent_id: None,
        label: label.map(str::to_owned),
        target,
    };
    let under = |place, target| MenuItemDraft {
        place,
        parent_id: None,
        label: None,
        target,
    };
    let mut header = Vec::new();
    for name in ["International", "Économie", "Sport"] {
        let Some(id) = section(name) else { continue };
        let children = if name == "Économie" {
            ["Cacao", "Pêche"]
                .into_iter()
                .filter_map(tag)
                .map(|t| under(MenuPlace::Header, MenuTarget::Tag(t)))
                .collect()
        } else {
            Vec::new()
        };
        header.push((
            item(MenuPlace::Header, MenuTarget::Section(id), None),
            children,
        ));
    }
    let pages = store.pages().await?;
    if let Some(about) = pages.iter().find(|p| p.slug.as_str() == "a-propos") {
        header.push((
            item(MenuPlace::Header, MenuTarget::Page(about.id), None),
            Vec::new(),
        ));
    }
    store.replace_menu(MenuPlace::Header, &header).await?;
    let mut footer = Vec::new();
    if let Some(charter) = pages.iter().find(|p| p.slug.as_str() == "charte-ethique") {
        footer.push((
            item(MenuPlace::Footer, MenuTarget::Page(charter.id), None),
            Vec::new(),
        ));
    }
    footer.push((
        item(
            MenuPlace::Footer,
            MenuTarget::Link("/feed/".into()),
            Some("Flux RSS"),
        ),
        Vec::new(),
    ));
    store.replace_menu(MenuPlace::Footer, &footer).await?;

    let mut site: Site = store.site().await?.context("the demo site is missing")?;
    let story_path = store.article(story).await?.map(|a| a.path(&site));
    site.tagline = "L'actualité de démonstration, en continu".into();
    let until = Utc::now() + Duration::days(3);
    site.banner = Some(Banner {
        text: format!(
            "Démonstration : ce bandeau d'alerte disparaît de lui-même le {}",
            site.local(until).format("%d/%m/%Y à %H:%M")
        ),
        url: story_path,
        until: Some(until),
    });
    store.save_site(&site).await?;
    Ok(())
}
