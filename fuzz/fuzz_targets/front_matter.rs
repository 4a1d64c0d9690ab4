//! An article file (`kiosque publish`): read or refused, never a panic; a
//! file read gives a draft whose body renders safely.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let zone = kiosque_core::model::Tz::Europe__Paris;
    if let Ok(source) = kiosque_core::service::publish::parse_article_source(text, zone) {
        let draft = source.into_draft(kiosque_core::types::Locale::Fr, None, chrono::Utc::now());
        if let Some(found) = kiosque_transfer::content::danger(&draft.body_html) {
            panic!("{found} from {text:?}");
        }
    }
});
