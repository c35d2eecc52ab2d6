//! Checking the provider's ID token (OpenID Connect Core §3.1.3.7) with `jsonwebtoken`: the
//! JWS signature against a key of the provider's JWKS (RS256 or ES256 only, the algorithm
//! the key itself is for), `iss` equal to the configured issuer, `aud` containing our client
//! id (and `azp` equal to it when there are several audiences), `exp` in the future, and
//! `nonce` equal to the one this sign-in sent.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// Clock skew tolerated on `exp`, in seconds.
const LEEWAY_SECONDS: u64 = 60;

/// Why an ID token was refused; each message is shown on the sign-in problem page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("the provider's ID token is not a signed JWT")]
    Malformed,
    #[error("the provider's ID token is signed with {0:?}; only RS256 and ES256 are accepted")]
    Algorithm(Algorithm),
    #[error("the provider's ID token names a signing key its JWKS does not list")]
    UnknownKey,
    #[error("the provider's ID token signature does not verify")]
    Signature,
    #[error("the provider's ID token was issued by another issuer than the one configured")]
    Issuer,
    #[error("the provider's ID token is for another client (its audience is not our client id)")]
    Audience,
    #[error("the provider's ID token has expired; check this server's clock and sign in again")]
    Expired,
    #[error(
        "the provider's ID token does not belong to this sign-in (nonce mismatch); start again"
    )]
    Nonce,
    #[error("the provider's ID token lacks a required claim: {0}")]
    Claims(String),
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The provider's stable identifier of the person.
    pub sub: String,
    /// Their email, when the provider sent one and did not say it is unverified.
    pub email: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    nonce: Option<String>,
    #[serde(default)]
    aud: Audience,
    azp: Option<String>,
    email: Option<String>,
    /// A boolean, or the strings "true"/"false" some providers send.
    email_verified: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    One(serde::de::IgnoredAny),
    Many(Vec<String>),
    #[default]
    None,
}

/// What an ID token must match.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
}

/// Checks `token` against the provider's `keys`; the person it names.
pub fn verify(token: &str, keys: &JwkSet, expected: &Expected<'_>) -> Result<Person, IdTokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| IdTokenError::Malformed)?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err(IdTokenError::Algorithm(header.alg));
    }
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        // Without a key id, only a JWKS of one key says which key it is.
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or(IdTokenError::UnknownKey)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| IdTokenError::UnknownKey)?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECONDS;
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(refusal)?;
    let claims = data.claims;
    if let Audience::Many(list) = &claims.aud
        && list.len() > 1
        && claims.azp.as_deref() != Some(expected.client_id)
    {
        return Err(IdTokenError::Audience);
    }
    let nonce_matches = claims
        .nonce
        .as_deref()
        .is_some_and(|n| bool::from(n.as_bytes().ct_eq(expected.nonce.as_bytes())));
    if !nonce_matches {
        return Err(IdTokenError::Nonce);
    }
    let unverified = matches!(&claims.email_verified, Some(serde_json::Value::Bool(false)))
        || matches!(&claims.email_verified, Some(serde_json::Value::String(s)) if s == "false");
    Ok(Person {
        sub: claims.sub,
        email: claims
            .email
            .filter(|_| !unverified)
            .map(|e| e.trim().to_ascii_lowercase()),
    })
}

fn refusal(error: jsonwebtoken::errors::Error) -> IdTokenError {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidSignature => IdTokenError::Signature,
        ErrorKind::InvalidIssuer => IdTokenError::Issuer,
        ErrorKind::InvalidAudience => IdTokenError::Audience,
        ErrorKind::ExpiredSignature => IdTokenError::Expired,
        ErrorKind::MissingRequiredClaim(claim) => IdTokenError::Claims(claim.clone()),
        ErrorKind::InvalidAlgorithm => IdTokenError::UnknownKey,
        ErrorKind::Json(e) => IdTokenError::Claims(e.to_string()),
        _ => IdTokenError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{EncodingKey, Header};

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://login.example.com",
            client_id: "c",
            nonce: "n",
        }
    }

    fn keys(kids: &[&str]) -> JwkSet {
        // Any well-formed RSA public key: these tokens are refused before a signature check.
        let keys: Vec<serde_json::Value> = kids
            .iter()
            .map(|kid| serde_json::json!({"kty": "RSA", "kid": kid, "n": "sXch", "e": "AQAB"}))
            .collect();
        serde_json::from_value(serde_json::json!({ "keys": keys })).expect("a JWKS")
    }

    fn signed(alg: Algorithm, kid: Option<&str>) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        let claims = serde_json::json!({"iss": "https://login.example.com", "aud": "c", "sub": "1", "exp": 4_000_000_000_i64, "nonce": "n"});
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(b"public key as secret"),
        )
        .expect("signed")
    }

    #[test]
    fn symmetric_and_other_algorithms_are_refused_before_any_key_is_tried() {
        for alg in [Algorithm::HS256, Algorithm::HS512] {
            assert_eq!(
                verify(&signed(alg, Some("k1")), &keys(&["k1"]), &expected()),
                Err(IdTokenError::Algorithm(alg))
            );
        }
        assert_eq!(
            verify("not.a.jwt", &keys(&["k1"]), &expected()),
            Err(IdTokenError::Malformed)
        );
    }

    #[test]
    fn a_token_names_its_key_unless_the_jwks_has_only_one() {
        let token = signed(Algorithm::HS256, None);
        let (_, rest) = token.split_once('.').expect("a JWT");
        let rs256 = format!(
            "{}.{rest}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#)
        );
        assert_eq!(
            verify(&rs256, &keys(&["k1", "k2"]), &expected()),
            Err(IdTokenError::UnknownKey)
        );
        let named = format!(
            "{}.{rest}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k9"}"#)
        );
        assert_eq!(
            verify(&named, &keys(&["k1"]), &expected()),
            Err(IdTokenError::UnknownKey)
        );
        assert_eq!(
            verify(&rs256, &keys(&["k1"]), &expected()),
            Err(IdTokenError::Signature),
            "the one key is tried, and this signature is not its"
        );
    }
}
