//! Sign-in through an upstream OpenID Connect provider (Entra ID, Google, Keycloak), beside
//! local users: the authorization code flow with PKCE S256, `state` and `nonce`, a client
//! secret, and the ID token checked against the provider's JWKS. A person it signs in is the
//! user `oidc:<issuer>#<sub>` (their email is what pages show), and goes on to the same
//! consent page and grant as a local user.
//!
//! `Provider::discover` reads `{issuer}/.well-known/openid-configuration` once at start;
//! the JWKS is read again on each sign-in, so a provider's key rotation needs no restart.

pub mod flow;
pub mod http;
pub mod id_token;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jsonwebtoken::jwk::JwkSet;
use reqwest::Url;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use http::FetchError;
pub use id_token::{IdTokenError, Person};

/// The path the provider sends people back to; register `{public_url}` + this with it.
pub const CALLBACK_PATH: &str = "/oauth/oidc/callback";

/// What the admin configures (`oidc_*` keys). Its `Debug` hides the client secret, so a
/// logged `Provider` never carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// Exactly as the provider's discovery document spells it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Email domains whose people may sign in (`example.com`); with `allowed_emails` empty
    /// too, everyone the provider signs in may.
    pub allowed_domains: Vec<String>,
    /// Single addresses that may sign in, whatever their domain.
    pub allowed_emails: Vec<String>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"(hidden)")
            .field("allowed_domains", &self.allowed_domains)
            .field("allowed_emails", &self.allowed_emails)
            .finish()
    }
}

impl OidcConfig {
    /// Whether a person with this (verified) email may sign in.
    pub fn admits(&self, email: Option<&str>) -> bool {
        if self.allowed_domains.is_empty() && self.allowed_emails.is_empty() {
            return true;
        }
        let Some(email) = email else {
            return false;
        };
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b);
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        self.allowed_emails.iter().any(|e| same(e, email))
            || self.allowed_domains.iter().any(|d| same(d, domain))
    }
}

/// Why the provider cannot be used; each message names what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("oidc_issuer {0} is not an https URL")]
    IssuerNotHttps(String),
    #[error("the OpenID Connect discovery document could not be read: {0}")]
    Discovery(FetchError),
    #[error(
        "the discovery document's issuer is {found}, not the configured oidc_issuer {configured}; set oidc_issuer to exactly the provider's issuer"
    )]
    IssuerMismatch { configured: String, found: String },
    #[error("the discovery document's {field} is not an https URL: {value}")]
    Endpoint { field: &'static str, value: String },
    #[error("the provider does not support PKCE with S256 (code_challenge_methods_supported)")]
    NoPkce,
    #[error("the provider's token endpoint refused the sign-in: {0}")]
    Token(FetchError),
    #[error(
        "the provider's token answer has no id_token; is the `openid` scope allowed for this client?"
    )]
    NoIdToken,
    #[error("the provider's signing keys (JWKS) could not be read: {0}")]
    Keys(FetchError),
    #[error(transparent)]
    IdToken(#[from] IdTokenError),
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    code_challenge_methods_supported: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
}

/// A provider whose discovery document has been read and checked.
#[derive(Debug, Clone)]
pub struct Provider {
    pub config: OidcConfig,
    /// What the button says: "Sign in with {name}" (the issuer's host).
    pub name: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    jwks_uri: Url,
}

impl Provider {
    /// Reads and checks the provider's discovery document. `allow_loopback` admits plain
    /// http to loopback addresses, for tests only; `serve` never sets it.
    pub async fn discover(config: OidcConfig, allow_loopback: bool) -> Result<Provider, OidcError> {
        let issuer = http::checked_url(&config.issuer, allow_loopback)
            .map_err(|_| OidcError::IssuerNotHttps(config.issuer.clone()))?;
        let document_url = format!(
            "{}/.well-known/openid-configuration",
            config.issuer.trim_end_matches('/')
        );
        let document_url = http::checked_url(&document_url, allow_loopback)
            .map_err(|_| OidcError::IssuerNotHttps(config.issuer.clone()))?;
        let document: Discovery = http::get_json(&document_url)
            .await
            .map_err(OidcError::Discovery)?;
        // OpenID Connect Discovery §4.3: the issuer must be identical, or tokens from
        // another issuer could be accepted as this one's.
        if document.issuer != config.issuer {
            return Err(OidcError::IssuerMismatch {
                configured: config.issuer.clone(),
                found: document.issuer,
            });
        }
        if let Some(methods) = &document.code_challenge_methods_supported
            && !methods.iter().any(|m| m == "S256")
        {
            return Err(OidcError::NoPkce);
        }
        let endpoint = |field: &'static str, value: &str| {
            http::checked_url(value, allow_loopback).map_err(|_| OidcError::Endpoint {
                field,
                value: value.to_owned(),
            })
        };
        Ok(Provider {
            name: issuer.host_str().unwrap_or_default().to_owned(),
            authorization_endpoint: endpoint(
                "authorization_endpoint",
                &document.authorization_endpoint,
            )?,
            token_endpoint: endpoint("token_endpoint", &document.token_endpoint)?,
            jwks_uri: endpoint("jwks_uri", &document.jwks_uri)?,
            config,
        })
    }

    /// The origin of the authorization endpoint: the sign-in page's form may go there.
    pub fn authorization_origin(&self) -> String {
        self.authorization_endpoint.origin().ascii_serialization()
    }

    /// Where to send the browser to sign in.
    pub fn authorization_url(&self, redirect_uri: &str, state: &str, secrets: &FlowSecrets) -> Url {
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email profile")
            .append_pair("state", state)
            .append_pair("nonce", &secrets.nonce)
            .append_pair("code_challenge", &secrets.challenge())
            .append_pair("code_challenge_method", "S256");
        url
    }

    /// Exchanges a code at the token endpoint (client_secret_post) and checks the ID token.
    pub async fn sign_in(
        &self,
        code: &str,
        redirect_uri: &str,
        secrets: &FlowSecrets,
    ) -> Result<Person, OidcError> {
        let answer: TokenAnswer = http::post_form(
            &self.token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("client_id", &self.config.client_id),
                ("client_secret", &self.config.client_secret),
                ("code_verifier", &secrets.verifier),
            ],
        )
        .await
        .map_err(OidcError::Token)?;
        let token = answer.id_token.ok_or(OidcError::NoIdToken)?;
        let keys: JwkSet = http::get_json(&self.jwks_uri)
            .await
            .map_err(OidcError::Keys)?;
        let expected = id_token::Expected {
            issuer: &self.config.issuer,
            client_id: &self.config.client_id,
            nonce: &secrets.nonce,
        };
        Ok(id_token::verify(&token, &keys, &expected)?)
    }

    /// The subject of a person: unique across issuers, stable across email changes.
    pub fn subject(&self, person: &Person) -> String {
        format!(
            "{}{}#{}",
            crate::store::users::OIDC_PREFIX,
            self.config.issuer,
            person.sub
        )
    }
}

/// The PKCE verifier and nonce of one sign-in, derived from the authorization server's key
/// and a random seed carried in the signed state: nothing is stored, any replica can finish
/// the sign-in, and neither value can be computed from what the browser sees.
pub struct FlowSecrets {
    pub verifier: String,
    pub nonce: String,
}

impl FlowSecrets {
    /// The secrets of the sign-in whose seed is `seed`.
    pub fn derive(key: &[u8; 32], seed: &str) -> FlowSecrets {
        let derive = |purpose: &str| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
            mac.update(b"bms-mcp oidc v1\n");
            mac.update(purpose.as_bytes());
            mac.update(b"\n");
            mac.update(seed.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        };
        FlowSecrets {
            verifier: derive("pkce"),
            nonce: derive("nonce"),
        }
    }

    /// BASE64URL(SHA-256(verifier)).
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.verifier.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(domains: &[&str], emails: &[&str]) -> OidcConfig {
        OidcConfig {
            issuer: "https://login.example.com".into(),
            client_id: "c".into(),
            client_secret: "provider-secret".into(),
            allowed_domains: domains.iter().map(|d| d.to_string()).collect(),
            allowed_emails: emails.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn the_client_secret_never_shows_in_debug_output() {
        let shown = format!("{:?}", config(&[], &[]));
        assert!(
            shown.contains("(hidden)") && !shown.contains("provider-secret"),
            "{shown}"
        );
    }

    #[test]
    fn without_allow_lists_everyone_the_provider_signs_in_is_admitted() {
        assert!(config(&[], &[]).admits(None));
        assert!(config(&[], &[]).admits(Some("a@anywhere.test")));
    }

    #[test]
    fn allow_lists_admit_listed_domains_and_addresses_only() {
        let config = config(&["example.com"], &["guest@other.test"]);
        assert!(config.admits(Some("alice@example.com")));
        assert!(config.admits(Some("Alice@EXAMPLE.com")));
        assert!(config.admits(Some("guest@other.test")));
        assert!(!config.admits(Some("mallory@other.test")));
        assert!(!config.admits(Some("mallory@example.com.evil.test")));
        assert!(!config.admits(Some("example.com")));
        assert!(!config.admits(None), "no verified email, no admission");
    }

    #[test]
    fn flow_secrets_depend_on_key_and_seed_and_form_a_valid_pkce_pair() {
        let a = FlowSecrets::derive(&[1; 32], "seed");
        assert_eq!(a.verifier, FlowSecrets::derive(&[1; 32], "seed").verifier);
        assert_ne!(a.verifier, FlowSecrets::derive(&[2; 32], "seed").verifier);
        assert_ne!(a.nonce, FlowSecrets::derive(&[1; 32], "other").nonce);
        assert_ne!(a.verifier, a.nonce);
        assert!(crate::oauth::authorize::is_pkce_value(&a.verifier));
        assert!(crate::oauth::authorize::is_pkce_value(&a.challenge()));
    }
}
