//! RFC 6238 TOTP (HMAC-SHA1, 30-second step, 6 digits), as BMS checks `MFACode`.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The time step, in seconds.
pub const STEP_SECONDS: i64 = 30;

/// Why a TOTP secret is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the TOTP secret is empty; pass the base32 text an authenticator app would scan")]
    Empty,
    #[error("the TOTP secret has `{0}`, which is not base32 (A-Z, 2-7)")]
    NotBase32(char),
}

/// Decodes a base32 secret as authenticator apps show it: case, spaces, dashes and `=`
/// padding are tolerated.
pub fn decode_base32(text: &str) -> Result<Vec<u8>, SecretError> {
    let mut bits: u64 = 0;
    let mut count = 0u32;
    let mut out = Vec::new();
    for c in text.chars().filter(|c| !matches!(c, ' ' | '-' | '=')) {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => return Err(SecretError::NotBase32(c)),
        };
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    if out.is_empty() {
        return Err(SecretError::Empty);
    }
    Ok(out)
}

/// The 6-digit code for `unix_seconds`.
pub fn code_at(secret: &[u8], unix_seconds: i64) -> String {
    hotp(secret, unix_seconds.div_euclid(STEP_SECONDS), 6)
}

/// Whether `code` is the code of the current step or one step either side (clock skew).
pub fn verify(secret: &[u8], code: &str, unix_seconds: i64) -> bool {
    let code = code.trim();
    (-1..=1).any(|skew| code_at(secret, unix_seconds + skew * STEP_SECONDS) == code)
}

fn hotp(secret: &[u8], counter: i64, digits: u32) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = (u32::from(hash[offset] & 0x7f) << 24)
        | (u32::from(hash[offset + 1]) << 16)
        | (u32::from(hash[offset + 2]) << 8)
        | u32::from(hash[offset + 3]);
    let modulus = 10u32.pow(digits);
    format!("{:0width$}", binary % modulus, width = digits as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, truncated to 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), "287082");
        assert_eq!(code_at(secret, 1_111_111_109), "081804");
        assert_eq!(code_at(secret, 2_000_000_000), "279037");
    }

    #[test]
    fn base32_decoding_tolerates_display_forms() {
        assert_eq!(
            decode_base32("GEZDGNBVGY3TQOJQ").expect("valid"),
            b"1234567890"
        );
        assert_eq!(
            decode_base32("gezd gnbv gy3t qojq").expect("valid"),
            b"1234567890"
        );
        assert_eq!(decode_base32("GEZ1"), Err(SecretError::NotBase32('1')));
    }

    #[test]
    fn one_step_of_skew_is_accepted() {
        let secret = b"12345678901234567890";
        let previous = code_at(secret, 1_000_000_000 - 30);
        assert!(verify(secret, &previous, 1_000_000_000));
        let older = code_at(secret, 1_000_000_000 - 90);
        assert!(!verify(secret, &older, 1_000_000_000));
    }
}
