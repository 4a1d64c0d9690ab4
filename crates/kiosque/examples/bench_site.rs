//! Generates a site for the page benchmark (`bench/pages.sh`): the
//! reference article (the demo's first, with its photo, published as
//! `kiosque publish` does) and N-1 more of the same shape — a French
//! headline with ` : `, three paragraphs with accented names and
//! « guillemets », a section, tags and a byline — spread over three years.
//! All text is generated here.
//!
//! `cargo run --release -p kiosque --example bench_site -- DATA_DIR N [HUGO_DIR]`
//! prints the reference article's path. With `HUGO_DIR`, the same articles
//! are also written as a Hugo site (Markdown with front matter and a
//! minimal theme: article, paginated lists, sections, tags, authors), the
//! peer of `kiosque export-static` in the benchmark.

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use kiosque::Settings;
use kiosque_core::model::Site;
use kiosque_core::ports::Store;
use kiosque_core::service::publish::parse_article_source;
use kiosque_core::types::Locale;

#[path = "shared/vocabulary.rs"]
mod vocabulary;
use vocabulary::{PEOPLE, PLACES, SECTIONS, SUBJECTS, pick};

/// Article `i` of `count` as an article file. The articles are spread over
/// the three years from 2022, whatever their number: all in the past, as
/// Hugo leaves out articles dated in the future (with a fixed step,
/// 100,000 articles ran to 2051 and Hugo built a sixth of them).
fn source(i: usize, count: usize) -> String {
    let person = pick(PEOPLE, i * 7 + 3);
    let place = pick(PLACES, i * 3 + 1);
    let subject = pick(SUBJECTS, i * 5 + 2);
    let author = pick(PEOPLE, i);
    const THREE_YEARS: usize = 3 * 365 * 24 * 60;
    let date = Utc.with_ymd_and_hms(2022, 1, 1, 8, 0, 0).unwrap()
        + Duration::minutes((i * THREE_YEARS / count.max(1)) as i64);
    format!(
        r#"---
title: "{place} : {person} s'exprime sur {subject} (n° {i})"
author: "{author}"
date: {date}
category: "{section}"
tags: ["{t1}", "{t2}"]
slug: "article-{i}"
---
{person} a déclaré mardi à {place} que {subject} restait « la priorité absolue » du moment, devant une assemblée de responsables venus de toute la région. Selon les chiffres présentés, la situation s'est améliorée depuis le début de l'année.

Selon l'agence de presse locale, plusieurs délégations ont salué une « démarche courageuse », tout en réclamant un calendrier précis. « Nous attendons des actes », a résumé une représentante de la société civile, interrogée à la sortie de la réunion.

Les observateurs restent prudents. « Il faudra juger sur la durée », estime un chercheur joint par téléphone, qui rappelle que {subject} a déjà fait l'objet de promesses semblables par le passé.
"#,
        date = date.format("%Y-%m-%dT%H:%M:%SZ"),
        section = pick(SECTIONS, i),
        t1 = pick(PLACES, i + 4),
        t2 = pick(SUBJECTS, i + 1),
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let data = std::path::PathBuf::from(args.next().expect("usage: bench_site DATA_DIR N"));
    let count: usize = args.next().map_or(Ok(10_000), |n| n.parse())?;
    if let Some(hugo) = args.next() {
        write_hugo_site(std::path::Path::new(&hugo), count)?;
    }
    let settings = Settings::load(&data, None)?;
    let store = kiosque::app::open_store(&settings).await?;
    let site = match store.site().await? {
        Some(site) => site,
        None => {
            let site = Site::new("Afrique Première Tv", Locale::Fr, "http://127.0.0.1");
            store.save_site(&site).await?;
            site
        }
    };
    let started = Instant::now();
    for i in 1..count {
        let parsed = parse_article_source(&source(i, count), site.time_zone)
            .map_err(|e| anyhow::anyhow!("article {i}: {e}"))?;
        store
            .publish_article(&parsed.into_draft(Locale::Fr, None, Utc::now()))
            .await?;
        if i % 10_000 == 0 {
            eprintln!("{i} articles in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    // The reference article last, so it is the newest: its photo and text
    // are the demo's.
    let sources = data.join("bench-sources");
    let files = kiosque::demo::write_sources(&sources)?;
    let media = settings.media_store()?;
    let (path, _) = kiosque::cli::publish_file(
        &store,
        &site,
        media.as_ref(),
        settings.media_limits,
        &files[0],
    )
    .await?;
    eprintln!(
        "{count} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("{path}");
    Ok(())
}

/// The same corpus as a Hugo site.
fn write_hugo_site(dir: &std::path::Path, count: usize) -> anyhow::Result<()> {
    let posts = dir.join("content/posts");
    let layouts = dir.join("layouts/_default");
    std::fs::create_dir_all(&posts)?;
    std::fs::create_dir_all(&layouts)?;
    std::fs::write(
        dir.join("hugo.toml"),
        "baseURL = 'http://127.0.0.1/'\nlanguageCode = 'fr'\ntitle = 'Afrique Première Tv'\n\
         [pagination]\npagerSize = 10\n\
         [taxonomies]\ncategory = 'categories'\ntag = 'tags'\nauthor = 'authors'\n",
    )?;
    let head = "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width\"><title>{{ .Title }} – {{ site.Title }}</title>\
        <link rel=\"stylesheet\" href=\"/site.css\"></head><body><header><a href=\"/\">{{ site.Title }}</a></header><main>";
    let foot = "</main><footer>{{ site.Title }}</footer></body></html>";
    std::fs::write(
        layouts.join("single.html"),
        format!(
            "{head}<article><h1>{{{{ .Title }}}}</h1><time datetime=\"{{{{ .Date.Format \"2006-01-02T15:04:05Z07:00\" }}}}\">\
             {{{{ .Date.Format \"2 January 2006\" }}}}</time>{{{{ .Content }}}}\
             <p>Par : {{{{ range .Params.authors }}}}<a href=\"/authors/{{{{ . | urlize }}}}/\">{{{{ . }}}}</a>{{{{ end }}}} / {{{{ site.Title }}}}</p>\
             <ul>{{{{ range .Params.tags }}}}<li><a href=\"/tags/{{{{ . | urlize }}}}/\">{{{{ . }}}}</a></li>{{{{ end }}}}</ul></article>{foot}"
        ),
    )?;
    let list = format!(
        "{head}<h1>{{{{ .Title }}}}</h1>{{{{ range .Paginator.Pages }}}}<article><h2><a href=\"{{{{ .RelPermalink }}}}\">{{{{ .Title }}}}</a></h2>\
         <p>{{{{ .Summary }}}}</p></article>{{{{ end }}}}\
         {{{{ with .Paginator.Next }}}}<a rel=\"next\" href=\"{{{{ .URL }}}}\">Suivant</a>{{{{ end }}}}{foot}"
    );
    std::fs::write(layouts.join("list.html"), &list)?;
    std::fs::write(dir.join("layouts/index.html"), &list)?;
    for i in 1..=count {
        let text = source(i, count);
        let (front, body) = text
            .trim_start_matches("---\n")
            .split_once("\n---\n")
            .expect("front matter");
        let field = |name: &str| {
            front
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or_default()
                .to_owned()
        };
        std::fs::write(
            posts.join(format!("article-{i}.md")),
            format!(
                "---\ntitle: {}\ndate: {}\ncategories: [{}]\ntags: {}\nauthors: [{}]\nslug: article-{i}\n---\n{body}",
                field("title"),
                field("date"),
                field("category"),
                field("tags"),
                field("author"),
            ),
        )?;
    }
    Ok(())
}
