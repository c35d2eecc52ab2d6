//! Bounded requests to the OpenID Connect provider: https only (plain http to a loopback
//! address only when a test allows it), no redirects followed, 10 s for the whole request,
//! 256 KiB of answer. The provider is the admin's choice, so unlike client metadata
//! documents its addresses are not restricted to public ones.

use std::time::Duration;

use reqwest::Url;

/// Answers larger than this are refused (a discovery document or JWKS is a few KiB).
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// The whole request, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a request to the provider failed; each names the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not an https URL")]
    NotHttps(String),
    #[error("{0} could not be reached")]
    Unreachable(String),
    #[error("{url} answered HTTP {status}, not 200")]
    Status { url: String, status: u16 },
    #[error("{0} answered more than {MAX_ANSWER_BYTES} bytes")]
    TooLarge(String),
    #[error("{url} did not answer the JSON expected: {detail}")]
    Invalid { url: String, detail: String },
}

/// `text` as a URL we may call: https, or http to a loopback address when `allow_loopback`.
pub fn checked_url(text: &str, allow_loopback: bool) -> Result<Url, FetchError> {
    let not_https = || FetchError::NotHttps(text.to_owned());
    let url = Url::parse(text).map_err(|_| not_https())?;
    let loopback = || match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    let allowed =
        url.scheme() == "https" || (allow_loopback && url.scheme() == "http" && loopback());
    if !allowed || url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(not_https());
    }
    Ok(url)
}

fn client(url: &Url) -> Result<reqwest::Client, FetchError> {
    // reqwest is built without a default TLS provider; install ring once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(concat!("bms-mcp/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .map_err(|_| FetchError::Unreachable(url.to_string()))
}

/// GETs JSON from `url`.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &Url) -> Result<T, FetchError> {
    let request = client(url)?
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json");
    read_json(url, request).await
}

/// POSTs a form to `url` and reads its JSON answer.
pub async fn post_form<T: serde::de::DeserializeOwned>(
    url: &Url,
    form: &[(&str, &str)],
) -> Result<T, FetchError> {
    let body = form
        .iter()
        .fold(
            url::form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(k, v);
                s
            },
        )
        .finish();
    let request = client(url)?
        .post(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body);
    read_json(url, request).await
}

async fn read_json<T: serde::de::DeserializeOwned>(
    url: &Url,
    request: reqwest::RequestBuilder,
) -> Result<T, FetchError> {
    let unreachable = || FetchError::Unreachable(url.to_string());
    let mut response = request.send().await.map_err(|_| unreachable())?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status {
            url: url.to_string(),
            status: response.status().as_u16(),
        });
    }
    let too_large = || FetchError::TooLarge(url.to_string());
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| unreachable())? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
    }
    serde_json::from_slice(&body).map_err(|e| FetchError::Invalid {
        url: url.to_string(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_is_called_unless_a_test_allows_loopback_http() {
        assert!(checked_url("https://login.example.com/x", false).is_ok());
        for bad in [
            "http://login.example.com/x",
            "http://127.0.0.1:9/x",
            "https://user:pw@login.example.com/x",
            "not a url",
        ] {
            assert_eq!(
                checked_url(bad, false),
                Err(FetchError::NotHttps(bad.to_owned())),
                "{bad}"
            );
        }
        assert!(checked_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(
            checked_url("http://login.example.com/x", true).is_err(),
            "the test override admits loopback only"
        );
    }
}
