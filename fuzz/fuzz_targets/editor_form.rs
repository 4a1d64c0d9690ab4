//! The editor's form as a browser (or anyone) posts it: parsed and checked
//! for each role, never a panic; what passes renders safely.
#![no_main]
use kiosque_core::model::{Site, User};
use kiosque_core::service::editorial::EditorForm;
use kiosque_core::types::{Email, Locale, Role};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(form) = serde_urlencoded::from_bytes::<EditorForm>(body) else {
        return;
    };
    let site = Site::new("Le Quotidien", Locale::Fr, "https://example.org");
    for role in Role::ALL {
        let user = User {
            id: 1,
            email: Email::parse("redaction@example.org").expect("an address"),
            name: "Awa Diop".into(),
            role,
            password_hash: None,
            totp_secret: None,
            created_at: chrono::Utc::now(),
        };
        if let Ok(draft) = form.validate(&user, &site, chrono::Utc::now()) {
            if let Some(found) = kiosque_transfer::content::danger(&draft.body_html) {
                panic!("{found} from {:?}", String::from_utf8_lossy(body));
            }
        }
    }
});
