//! BMS sign-in: credentials, one-time codes, and the cached access token.

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// An integrated account's BMS credentials. `Debug` never shows the secrets.
#[derive(Clone)]
pub struct BmsCredentials {
    pub username: String,
    pub password: String,
    /// The BMS company name the user signs in to.
    pub tenant: String,
    /// Base32 TOTP secret when the API user has MFA (RFC 6238, 6 digits, 30 s).
    pub totp_secret: Option<String>,
}

impl std::fmt::Debug for BmsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BmsCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("tenant", &self.tenant)
            .field(
                "totp_secret",
                &self.totp_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl BmsCredentials {
    /// The current one-time code, when MFA is configured.
    pub fn mfa_code(&self, now: SystemTime) -> Result<Option<String>, String> {
        let Some(secret) = &self.totp_secret else {
            return Ok(None);
        };
        let bytes = totp_rs::Secret::Encoded(secret.replace(' ', "").to_uppercase())
            .to_bytes()
            .map_err(|_| "the TOTP secret is not valid base32".to_owned())?;
        let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes);
        let seconds = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(Some(totp.generate(seconds)))
    }
}

/// A signed-in session's tokens.
#[derive(Clone)]
pub struct TokenSet {
    pub access: String,
    pub refresh: String,
    /// When to stop using the access token (its expiry less a safety margin).
    pub use_until: Instant,
}

/// Assumed lifetime when BMS does not say (its tokens last an hour).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

impl TokenSet {
    /// Reads BMS's `TokenOutputDto` (camelCase or PascalCase).
    pub fn from_result(result: &Value, now: Instant, wall: SystemTime) -> Option<TokenSet> {
        let text = |name: &str| {
            result
                .as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
        };
        let access = text("accessToken")?.to_owned();
        let refresh = text("refreshToken").unwrap_or_default().to_owned();
        let lifetime = text("accessTokenExpireOn")
            .and_then(parse_datetime_epoch)
            .map(|expiry| {
                let now_epoch = wall
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                Duration::from_secs_f64((expiry - now_epoch).max(0.0))
            })
            .unwrap_or(DEFAULT_LIFETIME);
        // Renew a little early so a token never expires in flight: a minute, or a tenth of a
        // short lifetime.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        Some(TokenSet {
            access,
            refresh,
            use_until: now + lifetime.saturating_sub(margin),
        })
    }

    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.use_until
    }
}

/// Seconds since the epoch for `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (no offset means UTC).
pub fn parse_datetime_epoch(text: &str) -> Option<f64> {
    let (date, time) = text.trim().split_once(['T', ' '])?;
    let mut d = date.split('-');
    let (year, month, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (clock, offset_secs) = split_offset(time)?;
    let mut c = clock.split(':');
    let hour: i64 = c.next()?.parse().ok()?;
    let minute: i64 = c.next()?.parse().ok()?;
    let second: f64 = c.next().unwrap_or("0").parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + minute * 60 - offset_secs) as f64 + second)
}

fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    match time.rfind(['+', '-']) {
        Some(at) if at >= 5 => {
            let (clock, offset) = time.split_at(at);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (h, m) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
            Some((
                clock,
                sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60),
            ))
        }
        _ => Some((time, 0)),
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datetimes_parse_with_and_without_offsets() {
        assert_eq!(parse_datetime_epoch("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_datetime_epoch("2026-11-26T12:00:00Z"),
            Some(1_795_694_400.0)
        );
        assert_eq!(
            parse_datetime_epoch("2026-11-26T12:00:00"),
            Some(1_795_694_400.0)
        );
        assert_eq!(
            parse_datetime_epoch("2026-11-26T13:00:00+01:00"),
            Some(1_795_694_400.0)
        );
        assert_eq!(
            parse_datetime_epoch("2026-11-26T12:00:00.5Z"),
            Some(1_795_694_400.5)
        );
        assert_eq!(parse_datetime_epoch("yesterday"), None);
        assert_eq!(parse_datetime_epoch("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn token_lifetime_comes_from_the_expiry_with_a_margin() {
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_694_400);
        let now = Instant::now();
        let set = TokenSet::from_result(
            &json!({"accessToken": "a", "refreshToken": "r", "accessTokenExpireOn": "2026-11-26T13:00:00Z"}),
            now,
            wall,
        )
        .expect("token parsed");
        assert_eq!(set.use_until.duration_since(now), Duration::from_secs(3540));
        let pascal =
            TokenSet::from_result(&json!({"AccessToken": "a"}), now, wall).expect("parsed");
        assert_eq!(
            pascal.use_until.duration_since(now),
            Duration::from_secs(3540)
        );
    }

    #[test]
    fn mfa_codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let creds = BmsCredentials {
            username: "u".into(),
            password: "p".into(),
            tenant: "t".into(),
            totp_secret: Some("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".into()),
        };
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(59);
        assert_eq!(
            creds.mfa_code(at).expect("valid secret").as_deref(),
            Some("287082")
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let creds = BmsCredentials {
            username: "u".into(),
            password: "hunter2".into(),
            tenant: "t".into(),
            totp_secret: Some("SECRETSECRET".into()),
        };
        let shown = format!("{creds:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("SECRETSECRET"),
            "{shown}"
        );
    }
}
