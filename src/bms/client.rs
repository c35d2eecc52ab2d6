//! `BmsClient`: one integrated account's connection to BMS. It signs in, keeps the access
//! token, sends one request per tool call and reads the answer. It never sends anything the
//! MCP client sent except the validated arguments it is given.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::auth::{BmsCredentials, TokenSet};
use super::envelope::{Envelope, TOKEN_EXPIRED_CODE};
use super::error::UpstreamError;
use super::ratelimit::{self, EndpointBudgets, RateLimitHeaders};
use super::reference::ReferenceCache;
use crate::catalogue::HttpMethod;

/// Sign-ins and token refreshes that succeeded, for `/metrics`.
pub static AUTH_RENEWALS: AtomicU64 = AtomicU64::new(0);

/// How long a refused sign-in is answered from memory. A refused password does not fix itself,
/// BMS may lock out an API user after repeated failed sign-ins, and without this every waiting
/// call would try again in turn: a burst of calls would be a burst of sign-ins. Updating the
/// account builds a new client (which starts clean), and "Test connection" always asks BMS.
pub const REFUSED_SIGN_IN_HOLD: Duration = Duration::from_secs(30);

/// Connection settings shared by every account.
#[derive(Debug, Clone)]
pub struct BmsClientConfig {
    pub connect_timeout: Duration,
    /// The whole call, connect to last byte.
    pub request_timeout: Duration,
    /// Answers larger than this are refused rather than buffered.
    pub max_response_bytes: usize,
    /// Our own per-endpoint budget, for upstreams that send no rate-limit headers.
    pub budget_per_hour: u64,
    /// How long lookup answers used to resolve names are reused.
    pub reference_ttl: Duration,
}

impl Default for BmsClientConfig {
    fn default() -> Self {
        BmsClientConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 16 * 1024 * 1024,
            budget_per_hour: ratelimit::DEFAULT_BUDGET_PER_HOUR,
            reference_ttl: super::reference::DEFAULT_REFERENCE_TTL,
        }
    }
}

/// One request to BMS, already validated and split.
#[derive(Debug, Clone)]
pub struct UpstreamRequest {
    pub method: HttpMethod,
    /// The spec's path template: the rate-limit budget is kept per endpoint.
    pub endpoint: &'static str,
    /// The path with every argument percent-encoded into its segment.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
    /// Only these fields of each result item are kept, read while the answer is parsed (a
    /// list call's `fields`); `None` keeps the result whole.
    pub keep_fields: Option<Vec<String>>,
}

/// A readable answer from BMS (which may still be a BMS-level failure: see `envelope.success`).
#[derive(Debug, Clone)]
pub struct BmsAnswer {
    pub status: u16,
    pub envelope: Envelope,
    pub rate_limit: RateLimitHeaders,
    pub latency: Duration,
}

/// One integrated account's client.
pub struct BmsClient {
    http: reqwest::Client,
    base_url: String,
    /// `base_url` parsed once: each request's URL is this with its path and query set, rather
    /// than a string parsed again per call (host parsing was a tenth of a small call's CPU).
    /// `None` when it does not parse, and each request then fails as it would.
    base: Option<reqwest::Url>,
    host: String,
    credentials: BmsCredentials,
    config: BmsClientConfig,
    token: RwLock<Option<TokenSet>>,
    /// Held while signing in, so concurrent calls wait for one sign-in instead of each
    /// starting their own.
    sign_in: tokio::sync::Mutex<()>,
    /// The last refused renewal (refresh and sign-in both refused): when, and BMS's reason.
    refused: RwLock<Option<(Instant, String)>>,
    budgets: EndpointBudgets,
    reference: ReferenceCache,
}

impl std::fmt::Debug for BmsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BmsClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// A shared HTTP client: one connection pool for every account.
pub fn http_client(config: &BmsClientConfig) -> Result<reqwest::Client, reqwest::Error> {
    // reqwest is built without a default TLS provider; install ring once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(concat!("bms-mcp/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
}

impl BmsClient {
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        credentials: BmsCredentials,
        config: BmsClientConfig,
    ) -> Arc<BmsClient> {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let host = reqwest::Url::parse(&base_url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            })
            .unwrap_or_else(|| base_url.clone());
        let base = reqwest::Url::parse(&base_url)
            .ok()
            .filter(|url| url.query().is_none() && url.fragment().is_none());
        Arc::new(BmsClient {
            http,
            base_url,
            base,
            host,
            credentials,
            budgets: EndpointBudgets::new(config.budget_per_hour, Duration::from_secs(3600)),
            reference: ReferenceCache::new(config.reference_ttl),
            config,
            token: RwLock::new(None),
            sign_in: tokio::sync::Mutex::new(()),
            refused: RwLock::new(None),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// This account's recent lookup answers, for resolving names to IDs.
    pub fn reference(&self) -> &ReferenceCache {
        &self.reference
    }

    /// Sends one request. A 401 (expired token) is answered by renewing the token and sending
    /// once more; a 429 is returned at once and never retried.
    pub async fn call(&self, request: &UpstreamRequest) -> Result<BmsAnswer, UpstreamError> {
        let token = self.access_token().await?;
        let answer = self.send(request, &token).await?;
        if !is_token_expired(&answer) {
            return Ok(answer);
        }
        self.forget_token(&token);
        let token = self.access_token().await?;
        self.send(request, &token).await
    }

    async fn send(
        &self,
        request: &UpstreamRequest,
        token: &str,
    ) -> Result<BmsAnswer, UpstreamError> {
        let started = Instant::now();
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut builder = match &self.base {
            Some(base) => self.http.request(method, request_url(base, request)),
            None => {
                let builder = self
                    .http
                    .request(method, format!("{}{}", self.base_url, request.path));
                builder.query(&request.query)
            }
        }
        .bearer_auth(token)
        .header(http::header::ACCEPT, "application/json");
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        let limits = ratelimit::parse_upstream(response.headers(), SystemTime::now());
        let endpoint = format!("{} {}", request.method.as_str(), request.endpoint);
        if status == 429 {
            let tracked = self
                .budgets
                .exhaust(&endpoint, Instant::now(), limits.wait_secs());
            return Err(UpstreamError::RateLimited(ratelimit::combine(
                &limits, tracked, true,
            )));
        }
        let tracked = self.budgets.record(&endpoint, Instant::now(), &limits);
        let rate_limit = ratelimit::combine(&limits, tracked, false);
        if (300..400).contains(&status) {
            return Err(UpstreamError::Redirect { status });
        }
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type")
            .to_owned();
        let body = self.read_body(response).await?;
        let http_ok = (200..300).contains(&status);
        let envelope = match &request.keep_fields {
            Some(fields) => Envelope::from_body_keeping(&body, http_ok, fields),
            None => Envelope::from_body(&body, http_ok),
        }
        .map_err(|_| UpstreamError::NotJson {
            status,
            content_type,
            bytes: body.len(),
        })?;
        Ok(BmsAnswer {
            status,
            envelope,
            rate_limit,
            latency: started.elapsed(),
        })
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, UpstreamError> {
        let limit = self.config.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|n| n as usize > limit)
        {
            return Err(UpstreamError::TooLarge { limit_bytes: limit });
        }
        // Sized once from the announced length (bounded by the limit): growing by doubling
        // copied a large answer several times over.
        let announced = response.content_length().map_or(0, |n| n as usize);
        let mut body = Vec::with_capacity(announced.min(limit));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e))?
        {
            if body.len() + chunk.len() > limit {
                return Err(UpstreamError::TooLarge { limit_bytes: limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_error(&self, error: &reqwest::Error) -> UpstreamError {
        if error.is_timeout() {
            return UpstreamError::Timeout(self.config.request_timeout);
        }
        if error.is_connect() {
            return UpstreamError::Connect {
                host: self.host.clone(),
                reason: root_cause(error),
            };
        }
        UpstreamError::Interrupted(root_cause(error))
    }

    /// Signs in afresh with the account's credentials, whatever token is cached, and sends
    /// nothing else: the admin console's "Test connection". The new token is kept for later
    /// calls.
    pub async fn test_connection(&self) -> Result<(), UpstreamError> {
        let _signing_in = self.sign_in.lock().await;
        let tokens = self.authenticate().await?;
        *self
            .token
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(tokens);
        *self
            .refused
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        Ok(())
    }

    /// A fresh access token: the cached one, or a new one from refresh or sign-in.
    async fn access_token(&self) -> Result<String, UpstreamError> {
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        self.recently_refused()?;
        let _signing_in = self.sign_in.lock().await;
        // Another call may have signed in, or been refused, while this one waited.
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        self.recently_refused()?;
        let previous = self
            .token
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let renewed = match previous {
            Some(old) if !old.refresh.is_empty() => match self.refresh(&old).await {
                Ok(set) => Ok(set),
                Err(_) => self.authenticate().await,
            },
            _ => self.authenticate().await,
        };
        let renewed = match renewed {
            Ok(set) => set,
            Err(UpstreamError::Auth(reason)) => {
                *self
                    .refused
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Some((Instant::now(), reason.clone()));
                return Err(UpstreamError::Auth(reason));
            }
            Err(other) => return Err(other),
        };
        let access = renewed.access.clone();
        *self
            .token
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(renewed);
        Ok(access)
    }

    /// The refusal of a renewal less than `REFUSED_SIGN_IN_HOLD` ago, as this call's error.
    fn recently_refused(&self) -> Result<(), UpstreamError> {
        let guard = self
            .refused
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match guard.as_ref() {
            Some((at, reason)) if at.elapsed() < REFUSED_SIGN_IN_HOLD => {
                Err(UpstreamError::Auth(reason.clone()))
            }
            _ => Ok(()),
        }
    }

    fn fresh_token(&self) -> Option<String> {
        let guard = self
            .token
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard
            .as_ref()
            .filter(|t| t.is_fresh(Instant::now()))
            .map(|t| t.access.clone())
    }

    /// Marks `token` stale if it is still the cached one (BMS said it expired).
    fn forget_token(&self, token: &str) {
        let mut guard = self
            .token
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(set) = guard.as_mut()
            && set.access == token
        {
            set.use_until = Instant::now();
        }
    }

    async fn authenticate(&self) -> Result<TokenSet, UpstreamError> {
        let c = &self.credentials;
        let mut form = reqwest::multipart::Form::new()
            .text("GrantType", "password")
            .text("UserName", c.username.clone())
            .text("Password", c.password.clone())
            .text("Tenant", c.tenant.clone());
        if let Some(code) = c.mfa_code(SystemTime::now()).map_err(UpstreamError::Auth)? {
            form = form.text("MFACode", code);
        }
        self.token_request("/v2/security/authenticate", form).await
    }

    async fn refresh(&self, old: &TokenSet) -> Result<TokenSet, UpstreamError> {
        let form = reqwest::multipart::Form::new()
            .text("AccessToken", old.access.clone())
            .text("RefreshToken", old.refresh.clone());
        self.token_request("/v2/security/refreshtoken", form).await
    }

    async fn token_request(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Result<TokenSet, UpstreamError> {
        let response = self
            .http
            .post(format!("{}{}", self.base_url, path))
            .header(http::header::ACCEPT, "application/json")
            .multipart(form)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        if status == 429 {
            let limits = ratelimit::parse_upstream(response.headers(), SystemTime::now());
            let tracked =
                self.budgets
                    .exhaust(&format!("POST {path}"), Instant::now(), limits.wait_secs());
            return Err(UpstreamError::RateLimited(ratelimit::combine(
                &limits, tracked, true,
            )));
        }
        let body = self.read_body(response).await?;
        let envelope = Envelope::from_body(&body, (200..300).contains(&status)).map_err(|_| {
            UpstreamError::NotJson {
                status,
                content_type: "sign-in answer".into(),
                bytes: body.len(),
            }
        })?;
        if !envelope.success {
            let reason = envelope
                .error
                .map_or_else(|| format!("HTTP {status}"), |e| e.summary());
            return Err(UpstreamError::Auth(reason));
        }
        let tokens =
            TokenSet::from_result(&envelope.result_value(), Instant::now(), SystemTime::now())
                .ok_or_else(|| {
                    UpstreamError::Auth("the sign-in answer has no access token".into())
                })?;
        AUTH_RENEWALS.fetch_add(1, Ordering::Relaxed);
        Ok(tokens)
    }
}

/// Whether an answer says the access token expired.
pub fn is_token_expired(answer: &BmsAnswer) -> bool {
    answer.status == 401
        || answer.envelope.error.as_ref().and_then(|e| e.code) == Some(TOKEN_EXPIRED_CODE)
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The URL of `request`: `base` with the request's path after the base's own, and its query
/// form-encoded, as `reqwest`'s `query` would write it.
fn request_url(base: &reqwest::Url, request: &UpstreamRequest) -> reqwest::Url {
    let mut url = base.clone();
    match base.path() {
        "/" | "" => url.set_path(&request.path),
        prefix => url.set_path(&format!("{prefix}{}", request.path)),
    }
    if !request.query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(request.query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the URL was before it was built from a parsed base: the text parsed whole, and the
    /// query added by `reqwest`.
    fn parsed_whole(base: &str, request: &UpstreamRequest) -> String {
        let client = http_client(&BmsClientConfig::default()).expect("a client");
        let built = client
            .get(format!("{base}{}", request.path))
            .query(&request.query)
            .build()
            .expect("a valid URL");
        built.url().to_string()
    }

    #[test]
    fn urls_from_the_parsed_base_match_urls_parsed_whole() {
        let paths = [
            "/v2/servicedesk/tickets",
            "/v2/servicedesk/tickets/50001/notes",
            "/v2/system/lookup/..%2Fadmin",
            "/v2/system/lookup/a%2Fb",
            "/v2/system/lookup/x%3Fy%3D1",
            "/v2/system/lookup/x%23f",
            "/v2/system/lookup/%E2%9C%93%20ok",
            "/v2/system/lookup/%2e%2e%2f",
        ];
        let queries: [Vec<(&'static str, String)>; 3] = [
            Vec::new(),
            vec![("PageSize", "25".into()), ("PageNumber", "1".into())],
            vec![
                ("Filter.QueueNames", "Triage,Security".into()),
                ("Filter.Title", "a&b=c d+e ✓ #x".into()),
            ],
        ];
        for base in ["http://127.0.0.1:18080", "https://api.example.com/bms"] {
            let parsed = reqwest::Url::parse(base).expect("base");
            for path in paths {
                for query in &queries {
                    let request = UpstreamRequest {
                        method: HttpMethod::Get,
                        endpoint: "/v2/x",
                        path: path.to_owned(),
                        query: query.clone(),
                        body: None,
                        keep_fields: None,
                    };
                    assert_eq!(
                        request_url(&parsed, &request).as_str(),
                        parsed_whole(base, &request),
                        "{base} {path} {query:?}"
                    );
                }
            }
        }
    }
}
