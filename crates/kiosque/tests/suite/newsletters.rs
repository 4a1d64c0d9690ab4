//! Newsletters end to end over HTTP and SMTP: a reader subscribes, gets a
//! confirmation mail, confirms; the digest goes at its time in the site's
//! zone with the right articles, both parts and the list headers; the
//! one-click POST unsubscribes and a GET does not; the preferences page.

use std::time::Duration;

use chrono::{Timelike, Utc};
use kiosque_core::model::{ListKind, ListSettings, Schedule};
use kiosque_core::ports::{Newsletters, Store};
use kiosque_core::types::{Locale, Title};
use kiosque_testkit::fixtures::french_draft;
use kiosque_testkit::{Inbox, TestApp, TestDb, both_databases, eventually};

both_databases!(a_reader_subscribes_confirms_gets_the_digest_and_leaves_in_one_click,);

const WAIT: Duration = Duration::from_secs(15);

/// A site mailing through the test's SMTP listener.
pub(crate) async fn app_with_mail(db: TestDb) -> (TestApp, Inbox) {
    let (port, inbox) = kiosque_testkit::smtp_sink().await;
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.smtp = Some(kiosque::config::SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            security: kiosque::config::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Afrique Première <lettres@news.example.org>".into(),
        });
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

fn path_of(url: &str) -> String {
    url.trim_start_matches("https://news.example.org")
        .to_owned()
}

async fn a_reader_subscribes_confirms_gets_the_digest_and_leaves_in_one_click(db: TestDb) {
    let (app, inbox) = app_with_mail(db).await;
    let now = Utc::now();
    // The digest's time passed two minutes ago (the site's zone is
    // Paris); the list was made yesterday, so this slot is due.
    let site = app.store.site().await.unwrap().unwrap();
    let local = (now - chrono::Duration::minutes(2)).with_timezone(&site.time_zone);
    let morning = app
        .store
        .create_newsletter_list(
            &ListSettings {
                name: "L'essentiel du matin".to_owned(),
                description: "Les articles de la veille, chaque matin.".to_owned(),
                kind: ListKind::Digest,
                schedule: Schedule {
                    days: 0b111_1111,
                    minute: u16::try_from(local.hour() * 60 + local.minute()).unwrap(),
                },
                section_id: None,
                sender_name: "La rédaction".to_owned(),
                active: true,
            },
            now - chrono::Duration::days(1),
        )
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
    eventually("the digest", WAIT, || async { inbox.messages().len() >= 2 }).await;
    let raw = inbox.messages().remove(1);
    let digest = inbox.decoded().remove(1);
    assert!(digest.contains("Le budget adopte en commission"));
    assert!(digest.contains("Le port sera agrandi"));
    assert!(!digest.contains("avant-hier"));
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
