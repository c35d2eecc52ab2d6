//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; the MCP
//! specification's preferred registration, 2025-11-25): a `client_id` that is an https URL
//! names a JSON document the client publishes there, with its name and redirect URIs. We
//! fetch it when an authorization request starts, bounded: https only, no redirects, 5 s,
//! 5 KiB, and only from public addresses (the address checked is the one connected to, so a
//! DNS answer cannot be swapped in between). The document's `client_id` must be its own URL.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Deserialize;

use super::register::check_redirect_uri;

/// Documents larger than this are refused (the draft suggests 5 KB as a limit).
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// The whole fetch, connection included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a metadata document could not be used; each message names what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("client_id {0} is not an https URL with a path")]
    NotAllowed(String),
    #[error("client_id {0} resolves to a private, loopback or otherwise non-public address")]
    NotPublic(String),
    #[error("the client metadata document at {0} could not be fetched")]
    Unreachable(String),
    #[error("the client metadata document answered HTTP {0}, not 200")]
    Status(u16),
    #[error("the client metadata document is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    #[error("the client metadata document is not valid: {0}")]
    Invalid(String),
    #[error("the client metadata document's client_id is not the URL it was fetched from")]
    WrongClientId,
}

/// What a document says about its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMetadata {
    pub name: String,
    pub redirect_uris: Vec<String>,
}

#[derive(Deserialize)]
struct Document {
    client_id: String,
    client_name: Option<String>,
    redirect_uris: Vec<String>,
}

/// Whether a `client_id` names a metadata document rather than a registered client.
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Fetches and checks the document `client_id` names. `allow_loopback` admits plain http to
/// loopback addresses, for tests only; it is never set by `serve`.
pub async fn fetch(client_id: &str, allow_loopback: bool) -> Result<ClientMetadata, MetadataError> {
    let not_allowed = || MetadataError::NotAllowed(client_id.to_owned());
    let url = reqwest::Url::parse(client_id).map_err(|_| not_allowed())?;
    let host = url.host_str().ok_or_else(not_allowed)?.to_owned();
    let loopback_test = allow_loopback && url.scheme() == "http";
    let shaped = (url.scheme() == "https" || loopback_test)
        && url.path() != "/"
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !shaped {
        return Err(not_allowed());
    }
    let port = url.port_or_known_default().ok_or_else(not_allowed)?;
    let address = resolve(&host, port, client_id).await?;
    let allowed = if loopback_test {
        address.ip().is_loopback()
    } else {
        is_public(address.ip())
    };
    if !allowed {
        return Err(MetadataError::NotPublic(client_id.to_owned()));
    }
    let body = get(&url, &host, address).await?;
    let document: Document =
        serde_json::from_slice(&body).map_err(|e| MetadataError::Invalid(e.to_string()))?;
    if document.client_id != client_id {
        return Err(MetadataError::WrongClientId);
    }
    if document.redirect_uris.is_empty() {
        return Err(MetadataError::Invalid("redirect_uris is empty".into()));
    }
    for uri in &document.redirect_uris {
        check_redirect_uri(uri).map_err(|e| MetadataError::Invalid(e.description))?;
    }
    let name = document
        .client_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| host.clone());
    crate::store::check_line("client_name", &name, 200)
        .map_err(|e| MetadataError::Invalid(e.to_string()))?;
    Ok(ClientMetadata {
        name,
        redirect_uris: document.redirect_uris,
    })
}

async fn resolve(host: &str, port: u16, client_id: &str) -> Result<SocketAddr, MetadataError> {
    let unreachable = || MetadataError::Unreachable(client_id.to_owned());
    let mut addresses = tokio::time::timeout(FETCH_TIMEOUT, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| unreachable())?
        .map_err(|_| unreachable())?;
    addresses.next().ok_or_else(unreachable)
}

/// One GET pinned to `address`, read up to the size bound.
async fn get(
    url: &reqwest::Url,
    host: &str,
    address: SocketAddr,
) -> Result<Vec<u8>, MetadataError> {
    let unreachable = || MetadataError::Unreachable(url.to_string());
    // reqwest is built without a default TLS provider; install ring once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .user_agent(concat!("bms-mcp/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .resolve(host, address)
        .build()
        .map_err(|_| unreachable())?;
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| unreachable())?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(MetadataError::Status(response.status().as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err(MetadataError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| unreachable())? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(MetadataError::TooLarge);
        }
    }
    Ok(body)
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (100.64/10), documentation, multicast, unspecified or unique-local.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_fetched_from() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "140.82.112.3", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn documents_must_be_https_urls_with_a_path() {
        for bad in [
            "http://example.com/client.json",
            "https://example.com/",
            "https://user@example.com/c.json",
            "https://example.com/c.json#x",
        ] {
            assert_eq!(
                fetch(bad, false).await,
                Err(MetadataError::NotAllowed(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(
            fetch("http://127.0.0.1:9/c.json", false).await,
            Err(MetadataError::NotAllowed(
                "http://127.0.0.1:9/c.json".into()
            )),
            "plain http to loopback only when a test allows it"
        );
    }
}
