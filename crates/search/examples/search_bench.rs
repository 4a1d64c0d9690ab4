//! Search benchmark (`bench/search.sh`): builds an index of generated French
//! articles on disk, then times queries of the kinds readers type. The peer,
//! measured in the same run on the same articles, is what WordPress does:
//! `LIKE '%word%'` over titles and bodies in the database (SQLite here).
//!
//! The text is generated, not real: a few hundred news words and names of
//! our own (with accents) plus syllable-made words for a large vocabulary,
//! drawn with a Zipf-like skew as real prose is.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use kiosque_core::model::{Category, SearchDocument};
use kiosque_core::types::{Locale, Slug};
use kiosque_search::{SearchIndex, SearchQuery};

/// A small deterministic generator: the benchmark must build the same
/// corpus on every run, and a dependency for twenty lines is not worth it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards small numbers, roughly like word frequencies.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

const NEWS_WORDS: &str = "gouvernement ministre président élection armée soldats frontière \
    accord sommet négociations économie budget inflation croissance banque marché cacao pétrole \
    récolte agriculteurs sécheresse pluies inondations santé hôpital médecins vaccin épidémie \
    école enseignants grève syndicats salaires réforme constitution assemblée députés sénat \
    opposition manifestation police justice tribunal procès avocat prison corruption enquête \
    journalistes presse télévision radio internet réseaux téléphone électricité coupures barrage \
    routes chantier port aéroport vols compagnie exportations importations douane monnaie franc \
    dette prêt fonds investissement entreprises emplois chômage jeunes femmes enfants familles \
    village quartier capitale région province ville maire conseil municipal eau potable \
    football championnat équipe entraîneur match victoire défaite coupe finale stade supporters \
    musique festival cinéma livre auteur théâtre exposition patrimoine tradition religion église \
    mosquée fête ramadan noël rentrée vacances saison climat température chaleur énergie solaire";

const NAMES: &[&str] = &[
    "Sergueï Lavrov",
    "Corée du Nord",
    "Pyongyang",
    "Moscou",
    "Abidjan",
    "Dakar",
    "Gaëlle Villeneuve",
    "Aïssata Traoré",
    "Kofi Mensah",
    "Bamako",
    "Ouagadougou",
    "Yamoussoukro",
    "Nouakchott",
    "Lomé",
    "Cotonou",
    "Niamey",
];

const SYLLABLES: &[&str] = &[
    "ba", "ko", "ri", "man", "dé", "lou", "sa", "ti", "né", "gor", "va", "mi", "chè", "pa", "zu",
    "fo", "lan", "ké", "ro", "bi", "ssa", "tou", "gué", "na", "plo", "dri", "vé", "su", "mon",
    "ja",
];

/// 30,000 words; the news words are spread between ranks 60 and 3,000, so
/// each is in a few percent of the articles, as "budget" or "grève" are in
/// a real newspaper, rather than in all of them.
fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut words: Vec<String> = Vec::with_capacity(30_000);
    while words.len() < 30_000 {
        let n = 2 + rng.below(3);
        words.push(
            (0..n)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect(),
        );
    }
    for (i, word) in NEWS_WORDS.split_whitespace().enumerate() {
        words[60 + i * 17] = word.to_owned();
    }
    words
}

fn sentence(rng: &mut Rng, words: &[String], out: &mut String) {
    let n = 8 + rng.below(18);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        if rng.below(40) == 0 {
            out.push_str(NAMES[rng.below(NAMES.len())]);
        } else {
            out.push_str(&words[rng.zipf(words.len())]);
        }
    }
    out.push_str(". ");
}

fn article(rng: &mut Rng, words: &[String], id: i64, sections: &[Category]) -> SearchDocument {
    let mut title = String::new();
    sentence(rng, words, &mut title);
    let title = title.trim_end_matches(". ").to_owned();
    let mut body = String::new();
    let paragraphs = 4 + rng.below(6);
    for _ in 0..paragraphs {
        for _ in 0..(3 + rng.below(4)) {
            sentence(rng, words, &mut body);
        }
        body.push_str("\n\n");
    }
    let excerpt: String = body.chars().take(160).collect();
    let start = Utc.with_ymd_and_hms(2016, 1, 1, 0, 0, 0).unwrap();
    SearchDocument {
        id,
        slug: Slug::parse(&format!("article-{id}")).unwrap(),
        title,
        excerpt,
        body,
        tags: vec![words[rng.zipf(200)].clone(), words[rng.zipf(200)].clone()],
        authors: vec![NAMES[6 + rng.below(3)].to_owned()],
        category: Some(sections[rng.below(sections.len())].clone()),
        further_sections: Vec::new(),
        published_at: start + chrono::Duration::minutes(id * 50),
    }
}

const QUERIES: &[&str] = &[
    "serguei lavrov",
    "coree du nord",
    "soldat",
    "budget",
    "élection présidentielle",
    "grève enseignants",
    "\"eau potable\"",
    "prix du cacao",
    "football finale",
    "inondations abidjan",
    "corruption enquête ministre",
    "dakar",
    "coupures électricité",
    "réforme constitution assemblée",
    "vaccin",
    "sécheresse récolte agriculteurs",
    "pyongyang moscou",
    "festival musique",
    "dette fonds investissement",
    "aissata traore",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let count: i64 = std::env::var("KIOSQUE_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng(0x4b10_5a0e);
    let words = vocabulary(&mut rng);
    let sections: Vec<Category> = ["International", "Politique", "Économie", "Sport", "Culture"]
        .iter()
        .enumerate()
        .map(|(i, name)| Category {
            id: i as i64 + 1,
            slug: Slug::from_text(name).unwrap(),
            name: (*name).to_owned(),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();

    // The peer's table, as WordPress keeps posts: title and body in rows.
    sqlx::any::install_default_drivers();
    let db_url = format!("sqlite://{}?mode=rwc", dir.path().join("peer.db").display());
    let pool = sqlx::AnyPool::connect(&db_url).await.unwrap();
    sqlx::query(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, body TEXT, published INTEGER)",
    )
    .execute(&pool)
    .await
    .unwrap();

    let index = SearchIndex::open(&dir.path().join("index"), Locale::Fr).unwrap();
    let mut generate = Duration::ZERO;
    let mut peer_load = Duration::ZERO;
    let started = Instant::now();
    let mut rebuild = index.rebuild().unwrap();
    let mut bytes = 0usize;
    for chunk in (1..=count).collect::<Vec<_>>().chunks(1_000) {
        let t = Instant::now();
        let batch: Vec<SearchDocument> = chunk
            .iter()
            .map(|&id| article(&mut rng, &words, id, &sections))
            .collect();
        bytes += batch
            .iter()
            .map(|d| d.body.len() + d.title.len())
            .sum::<usize>();
        generate += t.elapsed();
        rebuild.add(&batch).unwrap();
        let t = Instant::now();
        let mut tx = pool.begin().await.unwrap();
        for d in &batch {
            sqlx::query("INSERT INTO posts (id, title, body, published) VALUES ($1, $2, $3, $4)")
                .bind(d.id)
                .bind(&d.title)
                .bind(&d.body)
                .bind(d.published_at.timestamp())
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        peer_load += t.elapsed();
    }
    rebuild.finish(0).unwrap();
    let build = started.elapsed() - generate - peer_load;
    println!(
        "{count} articles, {:.0} MB of text; index built in {:.1} s ({:.0} articles/s)",
        bytes as f64 / 1e6,
        build.as_secs_f64(),
        count as f64 / build.as_secs_f64()
    );

    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    // Warm up (first reads of the index files), then time.
    for q in QUERIES {
        run(&index, q, None, now);
    }
    let mut times = Vec::new();
    let mut hits = 0u64;
    for round in 0..50 {
        for (i, q) in QUERIES.iter().enumerate() {
            let filter = ((round + i) % 4 == 0).then_some("economie");
            let t = Instant::now();
            hits += run(&index, q, filter, now);
            times.push(t.elapsed());
        }
    }
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    println!(
        "kiosque (tantivy): {} queries, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} results in all)",
        times.len(),
        ms(p50),
        ms(p99),
        ms(*times.last().unwrap()),
        hits
    );

    // The peer: each word must appear in the title or body, newest first,
    // ten per page, plus the count for the pagination — as WordPress's
    // search does (it also ignores accents and plurals, which LIKE cannot).
    let mut peer = Vec::new();
    for q in QUERIES {
        let words: Vec<String> = q
            .trim_matches('"')
            .split_whitespace()
            .filter(|w| w.len() > 2)
            .map(|w| format!("%{w}%"))
            .collect();
        let condition = vec!["(title LIKE ? OR body LIKE ?)"; words.len()].join(" AND ");
        let t = Instant::now();
        for sql in [
            format!(
                "SELECT id, title FROM posts WHERE {condition} ORDER BY published DESC LIMIT 10"
            ),
            format!("SELECT count(*) FROM posts WHERE {condition}"),
        ] {
            let mut query = sqlx::query(&sql);
            for w in &words {
                query = query.bind(w.clone()).bind(w.clone());
            }
            query.fetch_all(&pool).await.unwrap();
        }
        peer.push(t.elapsed());
    }
    peer.sort();
    let (peer_p50, peer_p99) = (percentile(&peer, 0.5), percentile(&peer, 0.99));
    println!(
        "peer (SQLite LIKE, as WordPress): {} queries, p50 {:.1} ms, p99 {:.1} ms",
        peer.len(),
        ms(peer_p50),
        ms(peer_p99)
    );
    println!(
        "ratio: kiosque is {:.0}× faster at p50, {:.0}× at p99",
        ms(peer_p50) / ms(p50),
        ms(peer_p99) / ms(p99)
    );
}

fn run(index: &SearchIndex, text: &str, category: Option<&str>, now: chrono::DateTime<Utc>) -> u64 {
    index
        .search(&SearchQuery {
            text,
            category,
            from: None,
            until: None,
            page: 1,
            per_page: 10,
            now,
        })
        .unwrap()
        .total
}
