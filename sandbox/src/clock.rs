//! Wall-clock time as BMS writes it: ISO 8601 date-times in UTC, to the second.
//!
//! The sandbox keeps instants as Unix seconds; this module converts them to and from the
//! strings that travel on the wire, without pulling in a calendar crate for two functions.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Unix milliseconds now, for expiry checks finer than a second.
pub fn now_unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `2026-07-01T09:00:00Z` for a Unix second.
pub fn format_iso(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Parses the date-times ASP.NET model binding accepts in practice: `2026-07-01`,
/// `2026-07-01T09:00`, `2026-07-01T09:00:00`, with optional fraction and `Z` or `±hh:mm`.
/// A value without an offset is read as UTC.
pub fn parse_iso(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = match text.find(['T', 't', ' ']) {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    };
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (clock, offset) = split_offset(rest)?;
    let mut fields = clock.split(':');
    let h: i64 = fields
        .next()
        .filter(|s| !s.is_empty())
        .map_or(Some(0), |s| s.parse().ok())?;
    let min: i64 = fields.next().map_or(Some(0), |s| s.parse().ok())?;
    let sec: i64 = match fields.next() {
        Some(s) => s.split('.').next()?.parse().ok()?,
        None => 0,
    };
    if fields.next().is_some() || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + sec - offset)
}

/// Splits `09:00:00+02:00` into the clock and the offset in seconds.
fn split_offset(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    match rest.rfind(['+', '-']) {
        Some(i) => {
            let (clock, offset) = rest.split_at(i);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let mut hm = offset[1..].split(':');
            let h: i64 = hm.next()?.parse().ok()?;
            let m: i64 = hm.next().map_or(Some(0), |s| s.parse().ok())?;
            Some((clock, sign * (h * 3600 + m * 60)))
        }
        None => Some((rest, 0)),
    }
}

// Howard Hinnant's days-from-civil algorithms (public domain), proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let t = parse_iso("2026-07-01T09:30:15Z").expect("valid");
        assert_eq!(format_iso(t), "2026-07-01T09:30:15Z");
        assert_eq!(format_iso(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn parses_the_forms_clients_send() {
        let base = parse_iso("2026-07-01T00:00:00Z").expect("valid");
        assert_eq!(parse_iso("2026-07-01"), Some(base));
        assert_eq!(parse_iso("2026-07-01T02:00:00+02:00"), Some(base));
        assert_eq!(parse_iso("2026-07-01T00:00:00.123"), Some(base));
        assert_eq!(parse_iso("2026-06-30T20:00-04:00"), Some(base));
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_iso("2026-13-01"), None);
        assert_eq!(parse_iso("2026-07-01T25:00:00Z"), None);
    }
}
