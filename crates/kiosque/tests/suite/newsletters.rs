//! Newsletters end to end over HTTP and SMTP: a reader subscribes, gets a
//! confirmation mail, confirms; the digest goes at its time in the site's
//! zone with the right articles, both parts and the list headers; the
//! one-click POST unsubscribes and a GET does not; the preferences page.

use std::time::Duration;

use chrono::{Timelike, Utc};
use kiosque_core::model::{ListKind, ListSettings, Schedule};
use kiosque_core::ports::{Newsletters, Store};
use kiosque_core::types::{Locale, Role, Title};
use kiosque_testkit::fixtures::french_draft;
use kiosque_testkit::{Inbox, MailServer, TestApp, TestDb, both_databases, eventually};

both_databases!(
    a_reader_subscribes_confirms_gets_the_digest_and_leaves_in_one_click,
    the_newsroom_runs_lists_alerts_tests_and_subscribers_from_the_admin,
    a_real_smtp_server_gets_signed_alerts_once_with_retries_and_suppression,
    a_send_killed_part_way_resumes_and_mails_each_reader_exactly_once,
    switched_on_click_counting_counts_per_send_and_feeds_the_newsletter_source,
);

const WAIT: Duration = Duration::from_secs(15);

/// A site mailing through the test's SMTP listener.
pub(crate) async fn app_with_mail(db: TestDb) -> (TestApp, Inbox) {
    let (port, inbox) = kiosque_testkit::smtp_sink().await;
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.smtp = Some(smtp_to(port));
    })
    .await;
    (app, inbox)
}

/// A mail's headers with folded lines joined.
fn header(mail: &str, name: &str) -> Option<String> {
    let head = mail.split("\n\n").next().unwrap_or_default();
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    unfolded.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// The first `http…` address in `text` that contains `part`.
fn link_with(text: &str, part: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
        .find(|w| w.starts_with("http") && w.contains(part))
        .unwrap_or_else(|| panic!("no link with {part} in {text}"))
        .trim_end_matches(',')
        .to_owned()
}

/// The test's SMTP listener at `port`, in clear.
fn smtp_to(port: u16) -> kiosque::config::SmtpSettings {
    kiosque::config::SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: kiosque::config::SmtpSecurity::None,
        username: None,
        password: None,
        from: "Afrique Première <lettres@news.example.org>".into(),
    }
}

/// A new, active alerts list.
async fn alerts_list(store: &dyn Store, sender_name: &str) -> kiosque_core::model::NewsletterList {
    store
        .create_newsletter_list(
            &ListSettings {
                name: "Alertes".to_owned(),
                description: String::new(),
                kind: ListKind::Alerts,
                schedule: Schedule::DAILY_MORNING,
                section_id: None,
                sender_name: sender_name.to_owned(),
                active: true,
            },
            Utc::now(),
        )
        .await
        .unwrap()
}

/// `readers` imported into `list` on the old site's consent.
async fn import_readers(store: &dyn Store, list: i64, readers: &[kiosque_core::types::Email]) {
    store
        .import_subscribers(
            readers,
            &[list],
            &kiosque_core::model::Consent {
                at: Utc::now(),
                text: "Abonnés de l'ancien site".to_owned(),
                version: "import-1".to_owned(),
                source: "import",
            },
        )
        .await
        .unwrap();
}

fn path_of(url: &str) -> String {
    url.trim_start_matches("https://news.example.org")
        .to_owned()
}

async fn a_reader_subscribes_confirms_gets_the_digest_and_leaves_in_one_click(db: TestDb) {
    let (app, inbox) = app_with_mail(db).await;
    let now = Utc::now();
    // The list was made yesterday, with no day to go out on yet; once the
    // reader has confirmed it goes every day at two minutes ago (in the
    // site's zone, Paris): that slot is then due.
    let site = app.store.site().await.unwrap().unwrap();
    let minute_of = |at: chrono::DateTime<Utc>| {
        let local = at.with_timezone(&site.time_zone);
        u16::try_from(local.hour() * 60 + local.minute()).unwrap()
    };
    let mut settings = ListSettings {
        name: "L'essentiel du matin".to_owned(),
        description: "Les articles de la veille, chaque matin.".to_owned(),
        kind: ListKind::Digest,
        schedule: Schedule { days: 0, minute: 0 },
        section_id: None,
        sender_name: "La rédaction".to_owned(),
        active: true,
    };
    let morning = app
        .store
        .create_newsletter_list(&settings, now - chrono::Duration::days(1))
        .await
        .unwrap();
    let alerts = app
        .store
        .create_newsletter_list(
            &ListSettings {
                name: "Alertes".to_owned(),
                description: String::new(),
                kind: ListKind::Alerts,
                schedule: Schedule::DAILY_MORNING,
                section_id: None,
                sender_name: String::new(),
                active: true,
            },
            now,
        )
        .await
        .unwrap();
    for (slug, title, age) in [
        ("budget-adopte", "Le budget adopte en commission", 60),
        ("port-agrandi", "Le port sera agrandi", 30),
        ("deja-ancien", "Un article d'avant-hier", 48 * 60),
    ] {
        let mut d = french_draft(slug, now - chrono::Duration::minutes(age));
        d.title = Title::parse(title).unwrap();
        app.store.publish_article(&d).await.unwrap();
    }

    // Every page leads there with a one-field form; the address follows.
    let (_, front) = app.page("/").await;
    assert!(front.contains("action=\"/newsletter/\" method=\"get\""));
    let (_, prefilled) = app.page("/newsletter/?email=lectrice%40example.org").await;
    assert!(prefilled.contains("value=\"lectrice@example.org\""));
    // The page offers both lists, says what is kept and that nothing tracks.
    let (status, page) = app.page("/newsletter/").await;
    assert_eq!(status, 200);
    assert!(page.contains("essentiel du matin"), "{page}");
    assert!(page.contains("Alertes"));
    assert!(page.contains("ni pixel de suivi"), "{page}");
    // Bad input: a clear message, nothing recorded.
    let bad = app
        .post_form("/newsletter/", &[("email", "pas-une-adresse")])
        .await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(body.contains("pas valide"), "{body}");
    assert!(body.contains("Choisissez au moins une lettre"));

    let digest_id = morning.id.to_string();
    let alerts_id = alerts.id.to_string();
    let form = [
        ("email", "lectrice@example.org"),
        ("lists", digest_id.as_str()),
        ("lists", alerts_id.as_str()),
        ("homepage", ""),
    ];
    for _ in 0..2 {
        let r = app.post_form("/newsletter/", &form).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/newsletter/?sent=1");
    }
    // A robot filling the trap gets the same answer and no mail.
    let robot = app
        .post_form(
            "/newsletter/",
            &[
                ("email", "robot@example.org"),
                ("lists", digest_id.as_str()),
                ("homepage", "http://spam.example"),
            ],
        )
        .await;
    assert_eq!(robot.headers()["location"], "/newsletter/?sent=1");
    let mails = inbox.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        inbox.messages().len(),
        1,
        "one confirmation, however often asked"
    );
    let confirmation = inbox.decoded().remove(0);
    assert!(mails[0].contains("To: lectrice@example.org"));
    let confirm = path_of(&link_with(&confirmation, "/newsletter/confirm/"));

    // Opening the link changes nothing; the button confirms.
    let (status, page) = app.page(&confirm).await;
    assert_eq!(status, 200);
    assert!(page.contains("Oui, je confirme"));
    let (found, _) = app
        .store
        .subscribers(&kiosque_core::model::SubscriberQuery {
            search: "lectrice".to_owned(),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    let reader = found[0].id;
    assert!(found[0].confirmed_at.is_none());
    let confirmed = app.post_form(&confirm, &[]).await;
    assert_eq!(confirmed.status(), 303);
    let preferences = confirmed.headers()["location"].to_str().unwrap().to_owned();
    assert!(preferences.starts_with("/newsletter/preferences/"));
    let (_, page) = app.page(&preferences).await;
    assert!(page.contains("abonnement est confirmé"), "{page}");
    // A forged or damaged link shows the form again, changes nothing.
    let (status, _) = app
        .page(&confirm.replace("/confirm/c.", "/confirm/p."))
        .await;
    assert_eq!(status, 404);

    // The digest goes at its time with the two new articles, once.
    settings.schedule = Schedule {
        days: 0b111_1111,
        minute: minute_of(Utc::now() - chrono::Duration::minutes(2)),
    };
    app.store
        .update_newsletter_list(morning.id, &settings)
        .await
        .unwrap();
    eventually("the digest", WAIT, || async { inbox.messages().len() >= 2 }).await;
    let raw = inbox.messages().remove(1);
    let digest = inbox.decoded().remove(1);
    assert!(digest.contains("Le budget adopte en commission"));
    assert!(digest.contains("Le port sera agrandi"));
    assert!(!digest.contains("avant-hier"));
    // Click counting is off by default: links go straight to the articles.
    assert!(!digest.contains("/newsletter/c/"));
    assert!(digest.contains("https://news.example.org/20"));
    assert!(raw.contains("multipart/alternative"));
    assert!(raw.contains("Content-Type: text/plain"));
    assert!(raw.contains("Content-Type: text/html"));
    let unsubscribe = header(&raw, "List-Unsubscribe").expect("List-Unsubscribe");
    assert!(unsubscribe.contains("<https://news.example.org/newsletter/unsubscribe/p."));
    assert!(unsubscribe.contains("<mailto:lettres@news.example.org?subject=unsubscribe"));
    assert_eq!(
        header(&raw, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let list_id = header(&raw, "List-Id").expect("List-Id");
    assert!(list_id.ends_with(&format!("<list-{}.news.example.org>", morning.id)));
    assert!(header(&raw, "Message-ID").is_some_and(|m| m.starts_with("<newsletter.")));
    assert!(header(&raw, "Date").is_some());
    assert!(header(&raw, "To").is_some_and(|t| t.contains("lectrice@example.org")));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(inbox.messages().len(), 2, "the slot is sent once");
    let sends = app
        .store
        .newsletter_sends(Some(morning.id), 5)
        .await
        .unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!((sends[0].log.recipients, sends[0].log.sent), (1, 1));

    // The one-click address: a GET (a mail scanner) changes nothing; a
    // POST from a mailbox provider (no Origin of this site) unsubscribes.
    let one_click = path_of(&link_with(&unsubscribe, "/newsletter/unsubscribe/"));
    let (status, page) = app.page(&one_click).await;
    assert_eq!(status, 200);
    assert!(page.contains("Me désabonner"));
    assert_eq!(
        app.store.subscriber(reader).await.unwrap().unwrap().lists,
        [morning.id, alerts.id]
    );
    let posted = app
        .client
        .post(app.url(&one_click))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    assert!(
        app.store
            .subscriber(reader)
            .await
            .unwrap()
            .unwrap()
            .lists
            .is_empty()
    );
    let log = app
        .store
        .newsletter_send(sends[0].id)
        .await
        .unwrap()
        .unwrap()
        .log;
    assert_eq!(log.unsubscribed, 1);

    // The preferences page brings the reader back to one list.
    let prefs = one_click.replace("/unsubscribe/", "/preferences/");
    let (status, page) = app.page(&prefs).await;
    assert_eq!(status, 200);
    assert!(page.contains("lectrice@example.org"));
    let saved = app
        .post_form(&prefs, &[("lists", alerts_id.as_str())])
        .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(
        app.store.subscriber(reader).await.unwrap().unwrap().lists,
        [alerts.id]
    );
    app.stop().await;
}

async fn the_newsroom_runs_lists_alerts_tests_and_subscribers_from_the_admin(db: TestDb) {
    let (app, inbox) = app_with_mail(db).await;
    let editor = app.newsroom("redac@example.org", Role::Administrator).await;
    // Lists are made and checked from the admin.
    let refused = editor
        .post(
            "/admin/newsletters",
            &[("name", ""), ("kind", "digest"), ("time", "7h")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Ce champ est obligatoire"), "{body}");
    let made = editor
        .post(
            "/admin/newsletters",
            &[
                ("name", "Alertes"),
                ("kind", "alerts"),
                ("time", "07:00"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(made.status(), 303);
    let list_path = made.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let list_id: i64 = list_path.rsplit('/').next().unwrap().parse().unwrap();
    let digest = editor
        .post(
            "/admin/newsletters",
            &[
                ("name", "Le point du soir"),
                ("kind", "digest"),
                ("days", "0"),
                ("days", "4"),
                ("time", "18:30"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(digest.status(), 303);
    let (status, index) = editor.page("/admin/newsletters").await;
    assert_eq!(status, 200);
    assert!(
        index.contains("Le point du soir") && index.contains("le lundi, vendredi à 18:30"),
        "{index}"
    );

    // Subscribers come in by import, on the newsroom's declared consent.
    let csv =
        "Email Address,First Name\nana@example.org,Ana\nnot-an-address,X\nbob@example.org,Bob\n";
    let refused = editor
        .upload(
            "/admin/newsletters/subscribers/import",
            &[("list", &list_id.to_string()), ("consent", "")],
            Some(("export.csv", csv.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let imported = editor
        .upload(
            "/admin/newsletters/subscribers/import",
            &[
                ("list", &list_id.to_string()),
                ("consent", "Formulaire Mailchimp, double opt-in, 2025"),
                ("declared", "yes"),
            ],
            Some(("export.csv", csv.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(imported.status(), 200);
    let page = imported.text().await.unwrap();
    assert!(page.contains("2 nouvelles adresses importées"), "{page}");
    assert!(page.contains("ana@example.org") && page.contains("importé"));
    let (_, found) = editor.page("/admin/newsletters/subscribers?q=BOB").await;
    assert!(found.contains("bob@example.org") && !found.contains("ana@example.org"));
    let export = editor.get("/admin/newsletters/subscribers.csv").await;
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    let export = export.text().await.unwrap();
    assert!(export.starts_with("email,status,source"));
    assert!(export.contains("ana@example.org,confirmed,import"));
    assert!(export.contains("Formulaire Mailchimp, double opt-in, 2025"));

    // An alert: a confirmation step, then once per list.
    let mut d = french_draft("alerte-seisme", Utc::now() - chrono::Duration::minutes(5));
    d.title = Title::parse("Un seisme ressenti dans toute la region").unwrap();
    let article = app.store.publish_article(&d).await.unwrap().article_id;
    let (_, editor_page) = editor
        .page(&format!("/admin/articles/{article}/edit"))
        .await;
    assert!(editor_page.contains(&format!("/admin/newsletters/alert/{article}")));
    let alert_path = format!("/admin/newsletters/alert/{article}");
    let (status, confirm) = editor.page(&alert_path).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("2 lecteurs"), "{confirm}");
    let list = list_id.to_string();
    let unconfirmed = editor.post(&alert_path, &[("lists", &list)]).await;
    assert_eq!(unconfirmed.status(), 422);
    for _ in 0..2 {
        let sent = editor
            .post(&alert_path, &[("lists", &list), ("confirm", "yes")])
            .await;
        assert_eq!(sent.status(), 303);
    }
    eventually("the alert to both readers", WAIT, || async {
        inbox.messages().len() >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let alerts = inbox.decoded();
    assert_eq!(alerts.len(), 2, "an alert goes to each reader once");
    assert!(alerts.iter().all(|m| m.contains("Un seisme ressenti")));
    let (_, log) = editor.page(&alert_path).await;
    assert!(log.contains("déjà envoyée à cette liste"));

    // Preview at two widths and a test to oneself.
    let (status, preview) = editor
        .page(&format!("{list_path}/preview?article={article}"))
        .await;
    assert_eq!(status, 200);
    assert!(preview.contains("width=\"360\"") && preview.contains("width=\"600\""));
    let mail = editor
        .get(&format!("{list_path}/preview/mail?article={article}"))
        .await;
    assert_eq!(mail.headers()["x-frame-options"], "SAMEORIGIN");
    assert!(mail.text().await.unwrap().contains("Un seisme ressenti"));
    let test = editor.post(&format!("{list_path}/test"), &[]).await;
    assert_eq!(test.status(), 303);
    let all = inbox.wait_for(3).await;
    assert!(all[2].contains("To: redac@example.org"));
    assert!(all[2].contains("List-Unsubscribe-Post"));

    // Removing a subscriber keeps nothing of them.
    let bob = app
        .store
        .subscribers(&kiosque_core::model::SubscriberQuery {
            search: "bob".to_owned(),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .0[0]
        .id;
    let removed = editor
        .post(
            "/admin/newsletters/subscribers",
            &[("remove", &bob.to_string())],
        )
        .await;
    assert_eq!(removed.status(), 303);
    assert!(app.store.subscriber(bob).await.unwrap().is_none());
    // A contributor sees none of it.
    let writer = app.newsroom("pigiste@example.org", Role::Contributor).await;
    let (status, _) = writer.page("/admin/newsletters/subscribers").await;
    assert_eq!(status, 403);
    app.stop().await;
}

/// The test DKIM key's DNS record (`kiosque._domainkey.news.example.org`).
fn dkim_record() -> String {
    format!(
        "v=DKIM1; k=rsa; p={}",
        include_str!("../fixtures/dkim/test-key.pub.b64").trim()
    )
}

async fn a_real_smtp_server_gets_signed_alerts_once_with_retries_and_suppression(db: TestDb) {
    let Some(server) = MailServer::start(&["gone@example.org"], &["busy@example.org"]).await else {
        return;
    };
    let port = server.port;
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.smtp = Some(smtp_to(port));
        s.newsletter.dkim = Some(kiosque::newsletter::config::DkimSettings {
            selector: "kiosque".into(),
            domain: Some("news.example.org".into()),
            key: include_str!("../fixtures/dkim/test-key.pem").into(),
        });
        s.newsletter.retry = vec![Duration::from_secs(1); 3];
    })
    .await;
    let alerts = alerts_list(&app.store, "").await;
    let readers: Vec<_> = ["ok@example.org", "busy@example.org", "gone@example.org"]
        .iter()
        .map(|e| kiosque_core::types::Email::parse(e).unwrap())
        .collect();
    import_readers(&app.store, alerts.id, &readers).await;
    let editor = app.newsroom("redac@example.org", Role::Editor).await;
    for n in 0..4 {
        let mut d = french_draft(&format!("alerte-{n}"), Utc::now());
        d.title = Title::parse(&format!("Alerte numero {n}")).unwrap();
        let article = app.store.publish_article(&d).await.unwrap().article_id;
        let sent = editor
            .post(
                &format!("/admin/newsletters/alert/{article}"),
                &[("lists", &alerts.id.to_string()), ("confirm", "yes")],
            )
            .await;
        assert_eq!(sent.status(), 303);
        eventually("the alert's send to finish", WAIT, || async {
            let sends = app.store.newsletter_sends(None, 10).await.unwrap();
            sends.len() == n + 1
                && sends
                    .iter()
                    .all(|s| s.state == kiosque_core::model::SendState::Sent)
        })
        .await;
    }
    let sends = app.store.newsletter_sends(None, 10).await.unwrap();
    // Newest first: the last alert no longer goes to the suppressed address.
    let logs: Vec<_> = sends
        .iter()
        .map(|s| (s.log.recipients, s.log.sent, s.log.failed, s.log.deferred))
        .collect();
    assert_eq!(
        logs,
        [(2, 2, 0, 0), (3, 2, 1, 0), (3, 2, 1, 0), (3, 2, 1, 0)]
    );
    let (gone, _) = app
        .store
        .subscribers(&kiosque_core::model::SubscriberQuery {
            search: "gone".to_owned(),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        gone[0].suppressed_at.is_some(),
        "suppressed after 3 hard failures"
    );

    // The server's own log: each alert once to each deliverable reader (the
    // 451 retried), none to the refused one.
    let accepted = server.accepted();
    let mut seen = std::collections::HashSet::new();
    for m in &accepted {
        let subject = m
            .data
            .lines()
            .find(|l| l.starts_with("Subject:"))
            .unwrap_or_default()
            .to_owned();
        assert!(
            seen.insert((m.to.clone(), subject)),
            "a reader got a message twice"
        );
    }
    assert_eq!(accepted.len(), 8);
    assert!(accepted.iter().all(|m| m.to != ["gone@example.org"]));
    assert_eq!(
        accepted
            .iter()
            .filter(|m| m.to == ["busy@example.org"])
            .count(),
        4
    );
    // dkimpy verifies every signature with the published key.
    assert_eq!(server.dkim_verified(&dkim_record()).await, 8);
    app.stop().await;
    server.stop().await;
}

/// The real binary sends an alert to 5,000 readers through aiosmtpd, is
/// killed with SIGKILL part-way, and started again: the server's log
/// shows each reader exactly once.
async fn a_send_killed_part_way_resumes_and_mails_each_reader_exactly_once(db: TestDb) {
    const READERS: usize = 5_000;
    let Some(server) = MailServer::start(&[], &[]).await else {
        return;
    };
    let k = crate::cli::Kiosque::new(&db);
    k.init().await;
    std::fs::write(
        k.data.join("kiosque.toml"),
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
             from = \"Alertes <alertes@news.example.org>\"\n\n\
             [newsletter]\nlease_seconds = 5\n",
            server.port
        ),
    )
    .unwrap();
    let store = db.store().await;
    let list = alerts_list(&store, "Alertes").await;
    let readers: Vec<_> = (0..READERS)
        .map(|n| kiosque_core::types::Email::parse(&format!("lecteur{n:05}@example.org")).unwrap())
        .collect();
    import_readers(&store, list.id, &readers).await;
    let mark = kiosque_core::model::RECIPIENT_MARK;
    let send = store
        .start_alert(
            &kiosque_core::model::SendDraft {
                list_id: list.id,
                kind: kiosque_core::model::SendKind::Alert,
                subject: "Alerte : le pont est rouvert".to_owned(),
                intro: String::new(),
                articles: vec![1],
                dropped: Vec::new(),
                slot: None,
            },
            1,
            &kiosque_core::model::SendBody {
                subject: "Alerte : le pont est rouvert".to_owned(),
                html: format!("<p>Le pont est rouvert.</p><p><a href=\"https://news.example.org/newsletter/unsubscribe/{mark}\">Se désabonner</a></p>"),
                text: format!("Le pont est rouvert.\n\nSe désabonner : https://news.example.org/newsletter/unsubscribe/{mark}\n"),
                sender_name: "Alertes".to_owned(),
                list_id: list.id,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(send.log.recipients, READERS as u64);

    let started = std::time::Instant::now();
    let (mut first, _) = k.serve().await;
    eventually("a fifth of the send", Duration::from_secs(120), || async {
        server.count() >= READERS / 5
    })
    .await;
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let at_kill = server.count();
    assert!(at_kill < READERS, "the kill came after the whole send");
    // Each killed connection left its journal (the delivery it was between
    // the database's commit and the final dot); the next start reads them.
    let journal = k.data.join("newsletter-journal");
    let journals = || std::fs::read_dir(&journal).map_or(0, |d| d.count());
    assert!(journals() >= 1, "no journal left by the killed connections");

    let (_second, _) = k.serve().await;
    eventually("the rest of the send", Duration::from_secs(180), || async {
        server.count() >= READERS
    })
    .await;
    eventually(
        "the killed worker's journals read",
        Duration::from_secs(30),
        || async { journals() == 0 },
    )
    .await;
    eprintln!(
        "{READERS} readers, killed after {at_kill}, all sent in {:?}",
        started.elapsed()
    );
    // Longer than a lease: anything sent twice would have shown by now.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let accepted = server.accepted();
    let mut per_reader = std::collections::HashMap::new();
    for m in &accepted {
        for to in &m.to {
            *per_reader.entry(to.clone()).or_insert(0u32) += 1;
        }
    }
    let twice: Vec<_> = per_reader.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "mailed twice: {twice:?}");
    assert_eq!(per_reader.len(), READERS, "killed after {at_kill}");
    let done = store.newsletter_send(send.id).await.unwrap().unwrap();
    assert_eq!((done.log.sent, done.log.failed), (READERS as u64, 0));
    server.stop().await;
}

/// With `[newsletter] count_clicks`, article links go through
/// `/newsletter/c/SEND/ARTICLE`: a reader's follow is counted in the
/// send's log (a robot's is not), the reader lands on the article with
/// campaign tags, and the audience statistics count the visit under the
/// "newsletter" source. The subscribe page says links are counted.
async fn switched_on_click_counting_counts_per_send_and_feeds_the_newsletter_source(db: TestDb) {
    let (port, inbox) = kiosque_testkit::smtp_sink().await;
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.smtp = Some(smtp_to(port));
        s.web.newsletter_clicks = true;
    })
    .await;
    let alerts = alerts_list(&app.store, "").await;
    let page = app.get("/newsletter/").await.text().await.unwrap();
    assert!(page.contains("compte combien de fois chaque lien est suivi"));
    assert!(!page.contains("ni liens de redirection"));
    import_readers(
        &app.store,
        alerts.id,
        &[kiosque_core::types::Email::parse("lectrice@example.org").unwrap()],
    )
    .await;
    let mut d = french_draft("le-pont-rouvert", Utc::now());
    d.title = Title::parse("Le pont est rouvert").unwrap();
    let article = app.store.publish_article(&d).await.unwrap().article_id;
    let editor = app.newsroom("redac@example.org", Role::Editor).await;
    let sent = editor
        .post(
            &format!("/admin/newsletters/alert/{article}"),
            &[("lists", &alerts.id.to_string()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(sent.status(), 303);
    let mail = inbox.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    let text = inbox.decoded().remove(0);
    let send = app.store.newsletter_sends(None, 1).await.unwrap()[0].id;
    let counted = link_with(&text, "/newsletter/c/");
    assert_eq!(
        path_of(&counted),
        format!("/newsletter/c/{send}/{article}"),
        "the send's id in place of its marker"
    );

    let reader = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(
            "Mozilla/5.0 (Linux; Android 14; Pixel 7a) AppleWebKit/537.36 \
             (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        )
        .build()
        .unwrap();
    let r = reader
        .get(app.url(&path_of(&counted)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let landing = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        landing.ends_with("/le-pont-rouvert/?utm_source=newsletter&utm_medium=email")
            || landing.ends_with("/le-pont-rouvert?utm_source=newsletter&utm_medium=email"),
        "{landing}"
    );
    let page = reader.get(app.url(&landing)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    // A robot following the link, a made-up pairing and a gone article
    // count nothing; the last two still lead somewhere.
    let robot = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")
        .build()
        .unwrap();
    let r = robot.get(app.url(&path_of(&counted))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let r = reader
        .get(app.url(&format!("/newsletter/c/{}/{article}", send + 100)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let r = reader
        .get(app.url(&format!("/newsletter/c/{send}/{}", article + 100)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (302, "/")
    );
    let log = app.store.newsletter_send(send).await.unwrap().unwrap().log;
    assert_eq!(log.clicks, 1);
    let (status, admin) = editor.page("/admin/newsletters").await;
    assert_eq!(status, 200);
    assert!(admin.contains("<th scope=\"col\">Clics</th>"));

    // The landing counted as a visit from the newsletter.
    eventually("the visit under the newsletter source", WAIT, || async {
        let csv = editor
            .get("/admin/stats/export.csv?period=today&what=sources")
            .await
            .text()
            .await
            .unwrap();
        csv.lines().any(|l| l == "newsletter,1,1")
    })
    .await;
    app.stop().await;
}
