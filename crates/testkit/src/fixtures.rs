//! Builders of sample content in the reference page's shape, written for
//! Kiosque (no text here is taken from elsewhere).

use chrono::{DateTime, TimeZone, Utc};
use kiosque_core::model::ArticleDraft;
use kiosque_core::service::publish::parse_article_source;
use kiosque_core::types::Locale;

/// A French article file of the reference shape: a headline with ` : `,
/// three paragraphs with accented names and « guillemets », tags, a category.
pub fn french_article_source(slug: &str, image: Option<&str>) -> String {
    let image_lines = image
        .map(|i| {
            format!(
                "image: {i}\nimage_caption: \"Photo de Sergueï Lavrov, ministre russe des Affaires étrangères.\"\nimage_credit: \"Archives Kiosque\"\n"
            )
        })
        .unwrap_or_default();
    format!(
        r#"---
title: "Coopération militaire : Pyongyang dit être prêt à « aider » Moscou"
author: "Gaëlle Villeneuve"
date: 2024-11-01T18:30:00Z
category: "International"
tags: ["Corée du Nord", "Russie"]
slug: "{slug}"
{image_lines}---
La Corée du Nord a affirmé jeudi qu'elle se tiendrait « aux côtés » de la Russie, selon un communiqué lu à la télévision d'État. Le texte évoque une « coopération stratégique » entre les deux capitales.

Selon l'agence de presse russe TASS, Sergueï Lavrov a salué une « amitié éprouvée » lors d'un entretien avec son homologue à Pyongyang. Aucun détail chiffré n'a été rendu public.

Les chancelleries européennes ont réagi avec prudence. « Nous suivons la situation de près », a déclaré une porte-parole, citée par Gaëlle Villeneuve.
"#
    )
}

/// The same shape as an [`ArticleDraft`], for store tests.
pub fn french_draft(slug: &str, published_at: DateTime<Utc>) -> ArticleDraft {
    let source = parse_article_source(
        &french_article_source(slug, None),
        kiosque_core::model::Tz::UTC,
    )
    .expect("valid fixture");
    let mut draft = source.into_draft(Locale::Fr, None, published_at);
    draft.published_at = Some(published_at);
    draft
}

/// A fixed, readable date: 1 November 2024 plus `minutes`.
pub fn date(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, 1, 18, 30, 0)
        .single()
        .expect("valid date")
        + chrono::Duration::minutes(minutes)
}
