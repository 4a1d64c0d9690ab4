//! Time-based one-time codes (RFC 6238, the codes of authenticator apps):
//! the second factor of a newsroom sign-in.

use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::{Error, Result};

/// Seconds a code is valid for.
pub const STEP: u64 = 30;

fn totp(secret: &str, issuer: &str, account: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|_| Error::invalid("secret", "invalid_secret"))?;
    // The issuer may not contain ':' in an otpauth URL.
    let issuer = issuer.replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        bytes,
        Some(issuer),
        account.to_owned(),
    )
    .map_err(|_| Error::invalid("secret", "invalid_secret"))
}

/// A new secret: 160 random bits, base32 as authenticator apps expect.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Backend(format!("no randomness: {e}").into()))?;
    Ok(Secret::Raw(bytes.to_vec()).to_encoded().to_string())
}

/// The `otpauth://` address an authenticator app scans.
pub fn setup_url(secret: &str, issuer: &str, account: &str) -> Result<String> {
    Ok(totp(secret, issuer, account)?.get_url())
}

/// The code for a moment (Unix seconds); for tests and demos.
pub fn code_at(secret: &str, unix: u64) -> Result<String> {
    Ok(totp(secret, "x", "x")?.generate(unix))
}

/// The 30-second step `code` belongs to, if it is right for `unix` or the
/// step just before or after (clocks drift). The caller refuses a step
/// already used, so a code works once.
pub fn matching_step(secret: &str, code: &str, unix: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let t = totp(secret, "x", "x").ok()?;
    [0i64, -1, 1].into_iter().find_map(|offset| {
        let at = unix.checked_add_signed(offset * STEP as i64)?;
        (crate::service::auth::same_secret(&t.generate(at), &code))
            .then(|| i64::try_from(at / STEP).ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = new_secret().unwrap();
        let now = 1_700_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(
            matching_step(&secret, &code, now),
            Some((now / STEP) as i64)
        );
        assert!(
            matching_step(&secret, &code, now + STEP).is_some(),
            "one step of drift"
        );
        assert!(matching_step(&secret, &code, now + 3 * STEP).is_none());
        assert!(matching_step(&secret, "000000", now).is_none() || code == "000000");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(matching_step(&secret, &spaced, now).is_some());
    }

    #[test]
    fn the_setup_url_names_the_site_and_account() {
        let secret = new_secret().unwrap();
        let url = setup_url(&secret, "Afrique: Tv", "awa@example.org").unwrap();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains(&secret));
    }
}
