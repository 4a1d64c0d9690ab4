//! Newsletter rules: signed links, when a digest is due, the list form,
//! the subscribe form, retries and suppression, and reading a CSV export
//! of another tool's subscribers.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{Error, FieldError, Result};
use crate::model::{
    LIST_DESCRIPTION_MAX, LIST_NAME_MAX, ListKind, ListSettings, MailOutcome, Membership,
    NewsletterList, Schedule, Subscriber,
};
use crate::types::Email;

/// What a signed link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Confirm the lists asked for (double opt-in); expires.
    Confirm,
    /// See and change one's lists, or leave them all; in every e-mail.
    Preferences,
}

impl LinkPurpose {
    fn tag(self) -> &'static str {
        match self {
            LinkPurpose::Confirm => "c",
            LinkPurpose::Preferences => "p",
        }
    }
}

/// How long a confirmation link works.
pub const CONFIRM_LIFETIME: Duration = Duration::hours(48);

/// Permanent failures in a row after which an address is mailed no more.
pub const HARD_FAILURE_LIMIT: u32 = 3;

/// Waits after each temporary refusal, in seconds; the delivery is given
/// up after the last (about 17 hours in all, as mail servers retry).
pub const RETRY_SECONDS: [u64; 6] = [60, 300, 900, 3600, 14_400, 43_200];

/// The newsletter links' key: random bytes kept in the database, so every
/// app server signs and checks alike.
#[derive(Clone)]
pub struct LinkKey(Vec<u8>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(…)")
    }
}

impl LinkKey {
    /// A key from its stored bytes.
    pub fn new(bytes: Vec<u8>) -> LinkKey {
        LinkKey(bytes)
    }

    /// New random bytes for a key.
    pub fn generate() -> Result<Vec<u8>> {
        let mut bytes = vec![0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::Backend(e.to_string().into()))?;
        Ok(bytes)
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(payload.as_bytes());
        mac
    }

    /// A link token: `purpose.subscriber.expiry.signature`, URL-safe. A
    /// preferences token does not expire, so the one-click unsubscribe of
    /// an old e-mail still works (RFC 8058 asks it to).
    pub fn sign(&self, purpose: LinkPurpose, subscriber: i64, now: DateTime<Utc>) -> String {
        let expiry = match purpose {
            LinkPurpose::Confirm => (now + CONFIRM_LIFETIME).timestamp(),
            LinkPurpose::Preferences => 0,
        };
        let payload = format!("{}.{subscriber}.{expiry}", purpose.tag());
        let signature = self.mac(&payload).finalize().into_bytes();
        format!("{payload}.{}", hex(&signature[..16]))
    }

    /// The subscriber a token names, if its signature holds, its purpose is
    /// `purpose` and it has not expired.
    pub fn verify(&self, purpose: LinkPurpose, token: &str, now: DateTime<Utc>) -> Option<i64> {
        let (payload, signature) = token.rsplit_once('.')?;
        let mut parts = payload.split('.');
        let (tag, subscriber, expiry) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || tag != purpose.tag() {
            return None;
        }
        let signature = unhex(signature)?;
        // Constant-time comparison of the (truncated) tag.
        self.mac(payload).verify_truncated_left(&signature).ok()?;
        let expiry: i64 = expiry.parse().ok()?;
        if expiry != 0 && now.timestamp() > expiry {
            return None;
        }
        subscriber.parse().ok()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The version of a consent line: the start of its SHA-256, so a reworded
/// line gets a new version by itself.
pub fn consent_version(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("v-{}", hex(&digest[..4]))
}

/// The scheduled time a digest is due for: the latest one at or before
/// `now` and after `covered_until`, in the site's time zone. None when no
/// scheduled time passed since.
pub fn due_slot(
    schedule: Schedule,
    zone: Tz,
    covered_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if schedule.days == 0 || now <= covered_until {
        return None;
    }
    let today = now.with_timezone(&zone).date_naive();
    // A week back finds the latest slot of any schedule with a day set.
    (0..=7)
        .filter_map(|back| today.checked_sub_signed(Duration::days(back)))
        .filter(|day| schedule.on(day.weekday().num_days_from_monday()))
        .filter_map(|day| slot_on(day, schedule.minute, zone))
        .find(|slot| *slot <= now)
        .filter(|slot| *slot > covered_until)
}

/// The next scheduled time after `now` (for the admin to show).
pub fn next_slot(schedule: Schedule, zone: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if schedule.days == 0 {
        return None;
    }
    let today = now.with_timezone(&zone).date_naive();
    (0..=8)
        .filter_map(|ahead| today.checked_add_signed(Duration::days(ahead)))
        .filter(|day| schedule.on(day.weekday().num_days_from_monday()))
        .filter_map(|day| slot_on(day, schedule.minute, zone))
        .find(|slot| *slot > now)
}

/// The instant of a local time on a day; a time skipped by a clock change
/// moves to the hour after, a repeated one takes its first occurrence.
fn slot_on(day: NaiveDate, minute: u16, zone: Tz) -> Option<DateTime<Utc>> {
    let time = day.and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)?;
    match zone.from_local_datetime(&time) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => zone
            .from_local_datetime(&(time + Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// The list form as typed.
#[derive(Debug, Clone, Default)]
pub struct ListForm {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// `digest` or `alerts`.
    pub kind: String,
    /// Days ticked, 0 = Monday.
    pub days: Vec<u32>,
    /// `HH:MM`.
    pub time: String,
    /// A section id or empty.
    pub section: String,
    /// Sender name.
    pub sender_name: String,
    /// Offered and sent.
    pub active: bool,
}

impl ListForm {
    /// Checks every field, reporting all problems at once.
    pub fn validate(&self) -> Result<ListSettings> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(FieldError {
                field: "name",
                code: "required",
            });
        } else if name.chars().count() > LIST_NAME_MAX {
            errors.push(FieldError {
                field: "name",
                code: "too_long",
            });
        }
        let description = self.description.trim();
        if description.chars().count() > LIST_DESCRIPTION_MAX {
            errors.push(FieldError {
                field: "description",
                code: "too_long",
            });
        }
        let kind = ListKind::parse(self.kind.trim()).unwrap_or_else(|| {
            errors.push(FieldError {
                field: "kind",
                code: "invalid_choice",
            });
            ListKind::Digest
        });
        let days = self
            .days
            .iter()
            .filter(|d| **d < 7)
            .fold(0u8, |mask, d| mask | (1 << d));
        if kind == ListKind::Digest && days == 0 {
            errors.push(FieldError {
                field: "days",
                code: "required",
            });
        }
        let minute = parse_time(self.time.trim()).unwrap_or_else(|| {
            if kind == ListKind::Digest {
                errors.push(FieldError {
                    field: "time",
                    code: "invalid_time",
                });
            }
            Schedule::DAILY_MORNING.minute
        });
        let section_id = match self.section.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError {
                        field: "section",
                        code: "invalid_choice",
                    });
                    None
                }
            },
        };
        let sender_name = self.sender_name.trim();
        if sender_name.chars().count() > LIST_NAME_MAX {
            errors.push(FieldError {
                field: "sender_name",
                code: "too_long",
            });
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(ListSettings {
            name: name.to_owned(),
            description: description.to_owned(),
            kind,
            schedule: Schedule { days, minute },
            section_id: section_id.filter(|_| kind == ListKind::Digest),
            sender_name: sender_name.to_owned(),
            active: self.active,
        })
    }
}

fn parse_time(raw: &str) -> Option<u16> {
    let (h, m) = raw.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `HH:MM` of a minute of the day.
pub fn time_of(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The subscribe form as posted.
#[derive(Debug, Clone, Default)]
pub struct SubscribeForm {
    /// The address.
    pub email: String,
    /// The lists ticked.
    pub lists: Vec<i64>,
    /// The honeypot: hidden from people, filled by naive robots.
    pub homepage: String,
}

/// A valid request to subscribe.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The address.
    pub email: Email,
    /// The lists, each offered now.
    pub lists: Vec<i64>,
}

impl SubscribeForm {
    /// Checks the form against the lists offered now. `Ok(None)` for a
    /// robot caught by the honeypot: it gets the same answer as a reader.
    pub fn validate(&self, offered: &[i64]) -> Result<Option<Subscription>> {
        let mut errors = Vec::new();
        let email = Email::parse(&self.email).map_err(|_| {
            errors.push(FieldError {
                field: "email",
                code: if self.email.trim().is_empty() {
                    "required"
                } else {
                    "invalid_email"
                },
            });
        });
        let mut lists: Vec<i64> = self
            .lists
            .iter()
            .copied()
            .filter(|id| offered.contains(id))
            .collect();
        lists.sort_unstable();
        lists.dedup();
        if lists.is_empty() {
            errors.push(FieldError {
                field: "lists",
                code: "choose_a_list",
            });
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        if !self.homepage.trim().is_empty() {
            return Ok(None);
        }
        Ok(email.ok().map(|email| Subscription { email, lists }))
    }
}

/// What an SMTP answer means for a delivery after `attempts` tries, with
/// `retry` the waits after each temporary refusal.
pub fn after_smtp(
    code: Option<u16>,
    error: String,
    attempts: u32,
    retry: &[std::time::Duration],
    now: DateTime<Utc>,
) -> MailOutcome {
    match code {
        Some(c) if (200..300).contains(&c) => MailOutcome::Sent,
        Some(c) if (500..600).contains(&c) => MailOutcome::Failed { error, hard: true },
        // 4xx and failures without a code (the connection dropped, a
        // timeout) are temporary.
        _ => match usize::try_from(attempts)
            .ok()
            .and_then(|a| retry.get(a.saturating_sub(1)))
            .and_then(|wait| Duration::from_std(*wait).ok())
        {
            Some(wait) => MailOutcome::Deferred(now + wait, error),
            None => MailOutcome::Failed { error, hard: false },
        },
    }
}

/// An address read from another tool's export.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedAddress {
    /// The address.
    pub email: Email,
}

/// What a CSV import found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportRead {
    /// Valid addresses, each once.
    pub addresses: Vec<ImportedAddress>,
    /// Lines whose address was not one (1-based line numbers).
    pub invalid_lines: Vec<u64>,
}

/// Reads a CSV export (Mailchimp's "Email Address", MailPoet's "Email",
/// or any file with a column named like an e-mail; a file of bare
/// addresses without a header works too). Mailchimp's and MailPoet's
/// other columns (names, tags, statuses) are not kept: Kiosque stores an
/// address and its consent, nothing more.
pub fn read_import(bytes: &[u8]) -> Result<ImportRead> {
    // Exports made with a French locale separate with semicolons.
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| first.iter().filter(|b| **b == c).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut read = ImportRead::default();
    let mut column = None;
    let mut seen = std::collections::HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 1;
        let record = record.map_err(|_| Error::invalid("file", "invalid_csv"))?;
        if index == 0 {
            let named = record.iter().position(|h| {
                let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
                matches!(
                    h.as_str(),
                    "email"
                        | "e-mail"
                        | "email address"
                        | "e-mail address"
                        | "adresse e-mail"
                        | "courriel"
                        | "mail"
                        | "subscriber_email"
                )
            });
            if named.is_some() {
                column = named;
                continue;
            }
            column = Some(0);
        }
        let raw = record.get(column.unwrap_or(0)).unwrap_or("").trim();
        if raw.is_empty() {
            continue;
        }
        match Email::parse(raw) {
            Ok(email) => {
                if seen.insert(email.as_str().to_lowercase()) {
                    read.addresses.push(ImportedAddress { email });
                }
            }
            Err(_) => read.invalid_lines.push(line),
        }
    }
    Ok(read)
}

/// The subscribers' CSV export: one line per list joined (one with the
/// list empty for someone on none), with the consent of each.
pub fn subscribers_csv(
    subscribers: &[(Subscriber, Vec<Membership>)],
    lists: &[NewsletterList],
) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| Error::Backend(Box::new(e));
    out.write_record([
        "email",
        "status",
        "source",
        "subscribed_at",
        "confirmed_at",
        "list",
        "consent_at",
        "consent_version",
        "consent_text",
    ])
    .map_err(failed)?;
    for (s, memberships) in subscribers {
        let status = if s.suppressed_at.is_some() {
            "suppressed"
        } else if s.confirmed_at.is_some() {
            "confirmed"
        } else {
            "waiting"
        };
        let confirmed = s.confirmed_at.map(|t| t.to_rfc3339()).unwrap_or_default();
        let created = s.created_at.to_rfc3339();
        let source = if s.imported { "import" } else { "form" };
        if memberships.is_empty() {
            out.write_record([
                &s.email, status, source, &created, &confirmed, "", "", "", "",
            ])
            .map_err(failed)?;
        }
        for m in memberships {
            let list = lists
                .iter()
                .find(|l| l.id == m.list_id)
                .map(|l| l.settings.name.as_str())
                .unwrap_or_default();
            out.write_record([
                s.email.as_str(),
                status,
                source,
                &created,
                &confirmed,
                list,
                &m.consent.at.to_rfc3339(),
                &m.consent.version,
                &m.consent.text,
            ])
            .map_err(failed)?;
        }
    }
    out.into_inner()
        .map_err(|e| Error::Backend(e.to_string().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn links_verify_only_with_their_purpose_key_and_time() {
        let key = LinkKey::new(b"a key of the site".to_vec());
        let now = at("2026-03-01T10:00:00Z");
        let token = key.sign(LinkPurpose::Confirm, 42, now);
        assert_eq!(key.verify(LinkPurpose::Confirm, &token, now), Some(42));
        assert_eq!(key.verify(LinkPurpose::Preferences, &token, now), None);
        assert_eq!(
            key.verify(LinkPurpose::Confirm, &token, now + Duration::hours(49)),
            None
        );
        let other = LinkKey::new(b"another key".to_vec());
        assert_eq!(other.verify(LinkPurpose::Confirm, &token, now), None);
        let forged = token.replacen(".42.", ".43.", 1);
        assert_eq!(key.verify(LinkPurpose::Confirm, &forged, now), None);
        let prefs = key.sign(LinkPurpose::Preferences, 7, now);
        assert_eq!(
            key.verify(LinkPurpose::Preferences, &prefs, now + Duration::days(3000)),
            Some(7)
        );
        for junk in ["", "p", "p.7.0", "p.7.0.zz", "p.7.0.", "x.7.0.00"] {
            assert_eq!(key.verify(LinkPurpose::Preferences, junk, now), None);
        }
    }

    #[test]
    fn a_digest_is_due_at_its_local_time_once() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let weekdays = Schedule {
            days: 0b001_1111,
            minute: 7 * 60,
        };
        // Tuesday 3 March 2026, 07:00 in Paris is 06:00 UTC.
        let covered = at("2026-03-02T06:00:00Z");
        assert_eq!(
            due_slot(weekdays, paris, covered, at("2026-03-03T05:59:00Z")),
            None
        );
        let slot = at("2026-03-03T06:00:00Z");
        assert_eq!(
            due_slot(weekdays, paris, covered, at("2026-03-03T06:00:30Z")),
            Some(slot)
        );
        assert_eq!(
            due_slot(weekdays, paris, slot, at("2026-03-03T09:00:00Z")),
            None
        );
        // Saturday and Sunday are skipped: Friday's slot is the latest.
        assert_eq!(
            due_slot(weekdays, paris, covered, at("2026-03-08T12:00:00Z")),
            Some(at("2026-03-06T06:00:00Z"))
        );
        // Summer time: 07:00 in Paris is then 05:00 UTC.
        assert_eq!(
            due_slot(weekdays, paris, covered, at("2026-04-01T05:00:00Z")),
            Some(at("2026-04-01T05:00:00Z"))
        );
        assert_eq!(
            next_slot(weekdays, paris, at("2026-03-06T07:00:00Z")),
            Some(at("2026-03-09T06:00:00Z"))
        );
        // 02:30 does not exist on the night clocks go forward.
        let night = Schedule {
            days: 0b111_1111,
            minute: 2 * 60 + 30,
        };
        assert_eq!(
            due_slot(night, paris, covered, at("2026-03-29T02:00:00Z")),
            Some(at("2026-03-29T01:30:00Z"))
        );
    }

    #[test]
    fn temporary_refusals_are_retried_then_given_up() {
        let now = at("2026-03-01T10:00:00Z");
        let retry: Vec<_> = RETRY_SECONDS
            .iter()
            .map(|s| std::time::Duration::from_secs(*s))
            .collect();
        let after_smtp =
            |code, error, attempts, now| after_smtp(code, error, attempts, &retry, now);
        assert_eq!(
            after_smtp(Some(250), String::new(), 1, now),
            MailOutcome::Sent
        );
        assert_eq!(
            after_smtp(Some(451), "busy".into(), 1, now),
            MailOutcome::Deferred(now + Duration::minutes(1), "busy".into())
        );
        assert_eq!(
            after_smtp(None, "reset".into(), 6, now),
            MailOutcome::Deferred(now + Duration::minutes(720), "reset".into())
        );
        assert_eq!(
            after_smtp(Some(451), "busy".into(), 7, now),
            MailOutcome::Failed {
                error: "busy".into(),
                hard: false
            }
        );
        assert_eq!(
            after_smtp(Some(550), "no such user".into(), 1, now),
            MailOutcome::Failed {
                error: "no such user".into(),
                hard: true
            }
        );
    }

    #[test]
    fn the_subscribe_form_keeps_offered_lists_and_traps_robots() {
        let form = SubscribeForm {
            email: " lecteur@example.org ".into(),
            lists: vec![3, 9, 3],
            homepage: String::new(),
        };
        let ok = form.validate(&[1, 3]).unwrap().unwrap();
        assert_eq!(ok.email.as_str(), "lecteur@example.org");
        assert_eq!(ok.lists, [3]);
        let robot = SubscribeForm {
            homepage: "http://spam.example".into(),
            ..form.clone()
        };
        assert_eq!(robot.validate(&[3]).unwrap(), None);
        let Err(Error::Invalid(errors)) = SubscribeForm::default().validate(&[3]) else {
            panic!("an empty form is refused");
        };
        let fields: Vec<_> = errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(fields, [("email", "required"), ("lists", "choose_a_list")]);
    }

    #[test]
    fn imports_read_mailchimp_mailpoet_and_bare_files() {
        let mailchimp = "Email Address,First Name,Last Name\r\n\
            ana@example.org,Ana,B\r\nnot-an-address,X,Y\r\nANA@example.org,Ana,B\r\n";
        let read = read_import(mailchimp.as_bytes()).unwrap();
        assert_eq!(read.addresses.len(), 1);
        assert_eq!(read.invalid_lines, [3]);
        let mailpoet = "\u{feff}\"First name\";\"Email\"\n";
        assert!(
            read_import(mailpoet.as_bytes())
                .unwrap()
                .addresses
                .is_empty()
        );
        let bare = "ana@example.org\nbob@example.org\n";
        assert_eq!(read_import(bare.as_bytes()).unwrap().addresses.len(), 2);
    }

    #[test]
    fn the_list_form_reports_every_problem() {
        let Err(Error::Invalid(errors)) = ListForm {
            kind: "digest".into(),
            time: "25:00".into(),
            ..ListForm::default()
        }
        .validate() else {
            panic!("refused");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "days", "time"]);
        let ok = ListForm {
            name: "Alertes".into(),
            kind: "alerts".into(),
            section: "4".into(),
            active: true,
            ..ListForm::default()
        }
        .validate()
        .unwrap();
        assert_eq!((ok.kind, ok.section_id), (ListKind::Alerts, None));
        assert_eq!(time_of(7 * 60 + 5), "07:05");
    }
}
