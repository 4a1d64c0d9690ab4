//! Generates a WordPress export (WXR 1.2) of N French news posts of the
//! reference shape, with its uploads folder, for the import benchmark
//! (`bench/import.sh`): ten authors, sections under two parent categories,
//! tags, one photo in ten posts (featured and in a `[caption]`), classic
//! and block-editor bodies, threaded comments in every state, a few drafts,
//! scheduled and private posts, and pages. All text is generated here.
//!
//! `cargo run --release -p kiosque --example bench_wxr -- OUT_DIR N`
//! writes `OUT_DIR/export.xml` and `OUT_DIR/uploads/`.

use std::fmt::Write as _;
use std::io::Write as _;

use chrono::{Duration, TimeZone, Utc};

#[path = "shared/vocabulary.rs"]
mod vocabulary;
use vocabulary::{PEOPLE, PLACES, SECTIONS, SUBJECTS, pick};

const SITE: &str = "https://lagune-matin.example";
/// Distinct photos (each reused by several posts).
const PHOTOS: usize = 60;

fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn slug(text: &str) -> String {
    kiosque_core::types::Slug::from_text(text)
        .expect("generated names have letters")
        .as_str()
        .to_owned()
}

fn login(person: &str) -> String {
    slug(person).replace('-', ".")
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().expect("usage: bench_wxr OUT_DIR N"));
    let count: usize = args.next().map_or(Ok(20_000), |n| n.parse())?;
    let started = std::time::Instant::now();
    std::fs::create_dir_all(out.join("uploads/2023/06"))?;
    for k in 0..PHOTOS {
        let photo = kiosque_media::demo_photo(k as u32, 1200, 800, true);
        std::fs::write(out.join(format!("uploads/2023/06/photo-{k}.jpg")), photo)?;
    }
    let file = std::fs::File::create(out.join("export.xml"))?;
    let mut xml = std::io::BufWriter::new(file);
    write!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Lagune Matin</title>
	<link>{SITE}</link>
	<description>L'actualité de la région, chaque matin</description>
	<language>fr-FR</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>{SITE}</wp:base_site_url>
	<wp:base_blog_url>{SITE}</wp:base_blog_url>
"#
    )?;
    for (i, person) in PEOPLE.iter().enumerate() {
        let (first, last) = person.split_once(' ').unwrap_or((person, ""));
        writeln!(
            xml,
            "\t<wp:author><wp:author_id>{}</wp:author_id><wp:author_login>{}</wp:author_login><wp:author_email>{}</wp:author_email><wp:author_display_name>{}</wp:author_display_name><wp:author_first_name>{}</wp:author_first_name><wp:author_last_name>{}</wp:author_last_name></wp:author>",
            i + 2,
            cdata(&login(person)),
            cdata(&format!("{}@lagune-matin.example", login(person))),
            cdata(person),
            cdata(first),
            cdata(last),
        )?;
    }
    // Two parent categories; the sections under them.
    let parents = ["Afrique", "Monde"];
    for (i, parent) in parents.iter().enumerate() {
        writeln!(
            xml,
            "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>{}</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name>{}</wp:cat_name></wp:category>",
            i + 1,
            cdata(&slug(parent)),
            cdata(parent)
        )?;
    }
    for (i, section) in SECTIONS.iter().enumerate() {
        writeln!(
            xml,
            "\t<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>{}</wp:category_nicename><wp:category_parent>{}</wp:category_parent><wp:cat_name>{}</wp:cat_name></wp:category>",
            i + 10,
            cdata(&slug(section)),
            cdata(&slug(parents[i % 2])),
            cdata(section)
        )?;
    }
    for (i, place) in PLACES.iter().chain(SUBJECTS).enumerate() {
        writeln!(
            xml,
            "\t<wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug>{}</wp:tag_slug><wp:tag_name>{}</wp:tag_name></wp:tag>",
            i + 100,
            cdata(&slug(place)),
            cdata(place)
        )?;
    }
    for k in 0..PHOTOS {
        item(
            &mut xml,
            &Item {
                id: 1_000_000 + k,
                kind: "attachment",
                status: "inherit",
                title: format!("Photo {k}"),
                slug: format!("photo-{k}"),
                link: format!("{SITE}/?attachment_id={}", 1_000_000 + k),
                date: Utc.with_ymd_and_hms(2023, 6, 1, 8, 0, 0).unwrap(),
                creator: login(pick(PEOPLE, k)),
                content: String::new(),
                excerpt: format!("Vue de {} au petit matin.", pick(PLACES, k)),
                extra: format!(
                    "\t\t<wp:attachment_url>{}</wp:attachment_url>\n\t\t<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta>\n\t\t<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta>\n",
                    cdata(&format!("{SITE}/wp-content/uploads/2023/06/photo-{k}.jpg")),
                    cdata(&format!("2023/06/photo-{k}.jpg")),
                    cdata(&format!("Les rues de {} au lever du jour", pick(PLACES, k)))
                ),
            },
        )?;
    }
    const THREE_YEARS: usize = 3 * 365 * 24 * 60;
    for i in 1..=count {
        let person = pick(PEOPLE, i * 7 + 3);
        let place = pick(PLACES, i * 3 + 1);
        let subject = pick(SUBJECTS, i * 5 + 2);
        let date = Utc.with_ymd_and_hms(2022, 1, 1, 8, 0, 0).unwrap()
            + Duration::minutes((i * THREE_YEARS / count.max(1)) as i64);
        let title = format!("{place} : {person} s'exprime sur {subject} (n° {i})");
        let post_slug = format!("{}-{i}", slug(&format!("{place} {subject}")));
        let photo = (i % 10 == 0).then_some(i / 10 % PHOTOS);
        let mut content = String::new();
        let paragraphs = [
            format!(
                "{person} a déclaré mardi à {place} que {subject} restait « la priorité absolue » du moment, devant une assemblée de responsables venus de toute la région."
            ),
            "Selon l'agence de presse locale, plusieurs délégations ont salué une « démarche courageuse », tout en réclamant un <strong>calendrier précis</strong>. « Nous attendons des actes », a résumé une représentante de la société civile.".to_owned(),
            format!(
                "Les observateurs restent prudents. « Il faudra juger sur la durée », estime un chercheur joint par téléphone, qui rappelle que {subject} a déjà fait l'objet de promesses semblables."
            ),
        ];
        if i % 2 == 0 {
            // Block editor.
            for (n, p) in paragraphs.iter().enumerate() {
                let _ = write!(
                    content,
                    "<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->\n\n"
                );
                if n == 0
                    && let Some(k) = photo
                {
                    let _ = write!(
                        content,
                        "<!-- wp:image {{\"id\":{}}} -->\n<figure class=\"wp-block-image size-large\"><img src=\"{SITE}/wp-content/uploads/2023/06/photo-{k}-1024x683.jpg\" alt=\"\" class=\"wp-image-{}\"/><figcaption class=\"wp-element-caption\">Vue de {}.</figcaption></figure>\n<!-- /wp:image -->\n\n",
                        1_000_000 + k,
                        1_000_000 + k,
                        pick(PLACES, k)
                    );
                }
            }
        } else {
            // Classic editor.
            for (n, p) in paragraphs.iter().enumerate() {
                let _ = write!(content, "{p}\n\n");
                if n == 0
                    && let Some(k) = photo
                {
                    let _ = write!(
                        content,
                        "[caption id=\"attachment_{}\" align=\"aligncenter\" width=\"1024\"]<img class=\"size-large wp-image-{}\" src=\"{SITE}/wp-content/uploads/2023/06/photo-{k}-1024x683.jpg\" alt=\"\" width=\"1024\" height=\"683\" /> Vue de {}.[/caption]\n\n",
                        1_000_000 + k,
                        1_000_000 + k,
                        pick(PLACES, k)
                    );
                }
            }
        }
        let status = match i {
            _ if i % 97 == 0 => "draft",
            _ if i % 89 == 0 => "pending",
            _ if i % 83 == 0 => "private",
            _ => "publish",
        };
        let mut extra = format!(
            "\t\t<category domain=\"category\" nicename=\"{}\">{}</category>\n\t\t<category domain=\"post_tag\" nicename=\"{}\">{}</category>\n\t\t<category domain=\"post_tag\" nicename=\"{}\">{}</category>\n",
            slug(pick(SECTIONS, i)),
            cdata(pick(SECTIONS, i)),
            slug(pick(PLACES, i + 4)),
            cdata(pick(PLACES, i + 4)),
            slug(pick(SUBJECTS, i + 1)),
            cdata(pick(SUBJECTS, i + 1)),
        );
        if let Some(k) = photo {
            let _ = writeln!(
                extra,
                "\t\t<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>{}</wp:meta_value></wp:postmeta>",
                1_000_000 + k
            );
        }
        for c in 0..(i % 5) {
            let id = i * 10 + c;
            let reader = pick(PEOPLE, i + c * 3);
            let approval = match (i + c) % 9 {
                0 => "0",
                1 => "spam",
                2 => "trash",
                _ => "1",
            };
            let parent = if c > 0 && c % 2 == 0 { id - 1 } else { 0 };
            let when = date + Duration::minutes(30 * (c as i64 + 1));
            let _ = writeln!(
                extra,
                "\t\t<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author>{}</wp:comment_author><wp:comment_author_email>{}</wp:comment_author_email><wp:comment_author_url></wp:comment_author_url><wp:comment_author_IP>192.0.2.{}</wp:comment_author_IP><wp:comment_date>{}</wp:comment_date><wp:comment_date_gmt>{}</wp:comment_date_gmt><wp:comment_content>{}</wp:comment_content><wp:comment_approved>{approval}</wp:comment_approved><wp:comment_type>comment</wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>",
                cdata(reader),
                cdata(&format!("lecteur{}@lecteurs.example", (i + c) % 500)),
                c + 1,
                cdata(&when.format("%Y-%m-%d %H:%M:%S").to_string()),
                cdata(&when.format("%Y-%m-%d %H:%M:%S").to_string()),
                cdata(&format!(
                    "Merci pour cet article sur {subject}.\n\nÀ {place}, on en parle beaucoup (commentaire {c})."
                )),
            );
        }
        item(
            &mut xml,
            &Item {
                id: i,
                kind: "post",
                status,
                link: format!("{SITE}/{}/{post_slug}/", date.format("%Y/%m")),
                title,
                slug: post_slug,
                date,
                creator: login(pick(PEOPLE, i)),
                content,
                excerpt: String::new(),
                extra,
            },
        )?;
        if i % 10_000 == 0 {
            eprintln!("{i} posts in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    for (n, title) in ["Qui sommes-nous ?", "Nous contacter", "Mentions légales"]
        .iter()
        .enumerate()
    {
        item(
            &mut xml,
            &Item {
                id: 2_000_000 + n,
                kind: "page",
                status: "publish",
                title: (*title).to_owned(),
                slug: slug(title),
                link: format!("{SITE}/{}/", slug(title)),
                date: Utc.with_ymd_and_hms(2022, 1, 1, 8, 0, 0).unwrap(),
                creator: login(PEOPLE[0]),
                content: format!("<p>{title} : Lagune Matin est un quotidien indépendant.</p>"),
                excerpt: String::new(),
                extra: String::new(),
            },
        )?;
    }
    writeln!(xml, "</channel>\n</rss>")?;
    xml.flush()?;
    eprintln!(
        "{count} posts and {PHOTOS} photos written to {} in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

struct Item {
    id: usize,
    kind: &'static str,
    status: &'static str,
    title: String,
    slug: String,
    link: String,
    date: chrono::DateTime<Utc>,
    creator: String,
    content: String,
    excerpt: String,
    extra: String,
}

fn item(xml: &mut impl std::io::Write, item: &Item) -> std::io::Result<()> {
    let date = item.date.format("%Y-%m-%d %H:%M:%S").to_string();
    write!(
        xml,
        "\t<item>\n\t\t<title>{}</title>\n\t\t<link>{}</link>\n\t\t<dc:creator>{}</dc:creator>\n\t\t<guid isPermaLink=\"false\">{SITE}/?p={}</guid>\n\t\t<content:encoded>{}</content:encoded>\n\t\t<excerpt:encoded>{}</excerpt:encoded>\n\t\t<wp:post_id>{}</wp:post_id>\n\t\t<wp:post_date>{}</wp:post_date>\n\t\t<wp:post_date_gmt>{}</wp:post_date_gmt>\n\t\t<wp:post_modified_gmt>{}</wp:post_modified_gmt>\n\t\t<wp:post_name>{}</wp:post_name>\n\t\t<wp:status>{}</wp:status>\n\t\t<wp:post_parent>0</wp:post_parent>\n\t\t<wp:menu_order>0</wp:menu_order>\n\t\t<wp:post_type>{}</wp:post_type>\n\t\t<wp:post_password></wp:post_password>\n\t\t<wp:is_sticky>0</wp:is_sticky>\n{}\t</item>\n",
        cdata(&item.title),
        item.link,
        cdata(&item.creator),
        item.id,
        cdata(&item.content),
        cdata(&item.excerpt),
        item.id,
        cdata(&date),
        cdata(&date),
        cdata(&date),
        cdata(&item.slug),
        cdata(item.status),
        cdata(item.kind),
        item.extra,
    )
}
