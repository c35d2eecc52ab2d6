//! The HTTP application: shared state, the router, and the pipeline every /v2/ request goes
//! through (latency → drop → route → rate limit → 5xx → auth → parameters → body → handler →
//! malformed), logging each request as it leaves.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::auth::{FormFields, TokenStore};
use crate::clock;
use crate::config::{RateLimitHeaders, SandboxConfig};
use crate::control;
use crate::handlers::{self, Call, Reply};
use crate::limits::faults::{self, Fault, FaultPlan};
use crate::limits::ratelimit::{self, RateLimiter};
use crate::requestlog::{LoggedRequest, RequestLog};
use crate::spec_model::{BodyKind, Operation, ResponseKind, RouteMatch, SpecModel};
use crate::store::Store;
use crate::wire::envelope::{json_response, success};
use crate::wire::{ApiError, ErrorCode, body, params};

/// Largest request body read (attachments travel base64 in JSON).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

const AUTHENTICATE: &str = "POST /v2/security/authenticate";
const REFRESH: &str = "POST /v2/security/refreshtoken";

/// Marks a response whose connection the server must close without sending it.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Everything the sandbox shares between requests.
pub struct AppState {
    pub model: &'static SpecModel,
    pub config: SandboxConfig,
    pub totp_secret: Option<Vec<u8>>,
    pub tokens: TokenStore,
    pub store: Mutex<Store>,
    pub limiter: RateLimiter,
    pub rate_limit_headers: Mutex<RateLimitHeaders>,
    pub faults: FaultPlan,
    pub log: RequestLog,
    /// /v2/ requests received and not yet answered.
    pub in_flight: AtomicU64,
}

impl AppState {
    /// Builds the state for `config`, parsing the spec on first use.
    pub fn new(config: SandboxConfig) -> anyhow::Result<AppState> {
        let model = SpecModel::shared()?;
        config.faults.check().map_err(anyhow::Error::msg)?;
        let totp_secret = match &config.credentials.totp_secret {
            Some(secret) => Some(
                crate::auth::totp::decode_base32(secret)
                    .map_err(|e| anyhow::anyhow!("TOTP secret: {e}"))?,
            ),
            None => None,
        };
        Ok(AppState {
            model,
            totp_secret,
            tokens: TokenStore::new(config.token_ttl_seconds),
            store: Mutex::new(Store::seeded(config.seed)),
            limiter: RateLimiter::new(config.rate_limit),
            rate_limit_headers: Mutex::new(config.rate_limit_headers),
            faults: FaultPlan::new(config.faults),
            log: RequestLog::default(),
            in_flight: AtomicU64::new(0),
            config,
        })
    }

    /// The store, locked. A handler panic cannot leave it half-written (handlers validate
    /// before they change anything), so a poisoned lock is still usable.
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The rate-limit header style in force.
    pub fn header_style(&self) -> RateLimitHeaders {
        *self
            .rate_limit_headers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// The router for an already-built state.
pub fn router_for(state: Arc<AppState>) -> Router {
    // Layer order: the body limit applies to every route, control endpoints included.
    control::routes()
        .fallback(serve_v2)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// A router that answers every request with the reason the sandbox could not start.
pub fn broken_router(reason: String) -> Router {
    Router::new().fallback(move || {
        let reason = reason.clone();
        async move { (StatusCode::INTERNAL_SERVER_ERROR, reason) }
    })
}

async fn serve_v2(State(app): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut entry = LoggedRequest {
        seq: 0,
        time: clock::format_iso(clock::now_unix()),
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        operation: None,
        status: 0,
        fault: None,
        body: None,
        ignored_body_properties: Vec::new(),
    };
    let mut abandoned = InFlight::start(&app, entry.clone());
    let latency = app.faults.settings().latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if app.faults.hits(Fault::Drop) {
        abandoned.answered();
        entry.fault = Some("drop");
        app.log.push(entry);
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    let mut response = process(&app, parts, body, &mut entry).await;
    if response.status() == StatusCode::OK && app.faults.hits(Fault::Malformed) {
        entry.fault = Some("malformed");
        response = malformed(response).await;
    }
    abandoned.answered();
    entry.status = response.status().as_u16();
    app.log.push(entry);
    response
}

/// A /v2/ request being handled: counted in `AppState::in_flight`, and logged as `abandoned`
/// if its handler is dropped before it answers. hyper drops the handler when the client
/// closes the connection mid-request, so the log shows a caller that cancelled.
struct InFlight<'a> {
    app: &'a AppState,
    entry: Option<LoggedRequest>,
}

impl<'a> InFlight<'a> {
    fn start(app: &'a AppState, entry: LoggedRequest) -> InFlight<'a> {
        app.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight {
            app,
            entry: Some(entry),
        }
    }

    fn answered(&mut self) {
        self.entry = None;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.app.in_flight.fetch_sub(1, Ordering::Relaxed);
        if let Some(mut entry) = self.entry.take() {
            entry.fault = Some("abandoned");
            self.app.log.push(entry);
        }
    }
}

async fn process(app: &AppState, parts: Parts, body: Body, entry: &mut LoggedRequest) -> Response {
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let (op, captured) = match app.model.find(method, path) {
        RouteMatch::Found(op, captured) => (op, captured),
        RouteMatch::MethodNotAllowed(allowed) => {
            return ApiError::method_not_allowed(method, path, &allowed).into_response();
        }
        RouteMatch::NotFound => return ApiError::no_route(method, path).into_response(),
    };
    entry.operation = Some(op.key.clone());
    let decision = app.limiter.check(&op.key, clock::now_unix_millis());
    let rate_headers = ratelimit::headers(app.header_style(), &decision);
    let mut response = if !decision.allowed {
        entry.fault = Some("rate_limited");
        let policy = app.limiter.policy();
        ApiError::rate_limited(policy.limit, &policy.window_name()).into_response()
    } else if app.faults.hits(Fault::Error) {
        entry.fault = Some("error");
        ApiError::internal().into_response()
    } else {
        match answer(app, op, &captured, parts, body, entry).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        }
    };
    response.headers_mut().extend(rate_headers);
    response
}

async fn answer(
    app: &AppState,
    op: &'static Operation,
    captured: &[(String, String)],
    parts: Parts,
    body: Body,
    entry: &mut LoggedRequest,
) -> Result<Response, ApiError> {
    let is_security = op.key == AUTHENTICATE || op.key == REFRESH;
    let auth_refused = app.faults.settings().refuse_auth;
    if auth_refused {
        entry.fault = Some("auth_refused");
    }
    if !is_security {
        if auth_refused {
            return Err(ApiError::unauthorized(
                "Authorization has been denied for this request: the access token has been revoked.",
            ));
        }
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        app.tokens.check(authorization)?;
    }
    let args = params::bind(op, captured, parts.uri.query())?;
    let mut json_body = None;
    let mut form = FormFields::new();
    match op.body {
        Some(BodyKind::Json) => {
            let raw = read_body(body).await?;
            entry.body = serde_json::from_slice(&raw).ok();
            if !raw.iter().all(u8::is_ascii_whitespace) && !is_json(&parts.headers) {
                return Err(ApiError::unsupported_media_type("application/json"));
            }
            let validator = app
                .model
                .body_validator(op)
                .transpose()
                .map_err(|e| ApiError::internal().with_details(e))?;
            if let Some(validator) = validator {
                let bound = body::bind(&raw, validator)?;
                entry.ignored_body_properties = bound.ignored;
                json_body = Some(bound.value);
            }
        }
        Some(BodyKind::Multipart) => form = read_form(parts, body).await?,
        None => {}
    }
    if op.key == AUTHENTICATE {
        if auth_refused {
            return Err(ApiError::auth(
                ErrorCode::InvalidCredentials,
                "Invalid user name, password or tenant.",
            ));
        }
        let result =
            app.tokens
                .authenticate(&form, &app.config.credentials, app.totp_secret.as_deref())?;
        return Ok(json_response(StatusCode::OK, &success(result, None)));
    }
    if op.key == REFRESH {
        if auth_refused {
            return Err(ApiError::auth(
                ErrorCode::RefreshInvalid,
                "The refresh token is invalid or has expired; authenticate again.",
            ));
        }
        let result = app.tokens.refresh(&form)?;
        return Ok(json_response(StatusCode::OK, &success(result, None)));
    }
    let call = Call {
        model: app.model,
        op,
        args,
        body: json_body,
    };
    let handled = {
        let mut store = app.store();
        handlers::dispatch(&call, &mut store)
    };
    let reply = match handled {
        Some(result) => result?,
        None => return Ok(example(app.model, op)),
    };
    Ok(render(op, reply))
}

/// Wraps a handler's reply in the operation's response shape.
fn render(op: &Operation, reply: Reply) -> Response {
    let paged = op.response == ResponseKind::PagedEnvelope;
    let body = match reply {
        Reply::Empty => return StatusCode::OK.into_response(),
        Reply::Refused(error) => error.envelope(),
        Reply::Value(v) if op.response == ResponseKind::Raw => v,
        Reply::Value(v) => success(v, None),
        Reply::List { items, .. } if op.response == ResponseKind::Raw => Value::Array(items),
        Reply::List { items, total } => success(Value::Array(items), paged.then_some(total)),
    };
    json_response(StatusCode::OK, &body)
}

/// The spec's example for operations the sandbox does not simulate.
fn example(model: &SpecModel, op: &Operation) -> Response {
    let Some(mut value) = model.example_response(op) else {
        return StatusCode::OK.into_response();
    };
    if matches!(
        op.response,
        ResponseKind::Envelope | ResponseKind::PagedEnvelope
    ) && let Some(map) = value.as_object_mut()
    {
        map.insert("success".into(), Value::Bool(true));
        map.insert("error".into(), Value::Null);
        if op.response == ResponseKind::PagedEnvelope {
            let count = map
                .get("result")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            map.insert("totalRecords".into(), count.into());
        }
    }
    json_response(StatusCode::OK, &value)
}

async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::invalid(format!(
                "The request body is larger than {MAX_BODY_BYTES} bytes."
            ))
        })
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `application/json`, `text/json`, `application/*+json` (the spec's list), any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let ct = content_type(headers);
    let essence = ct.split(';').next().unwrap_or_default().trim();
    essence == "application/json"
        || essence == "text/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A form post, multipart or url-encoded (ASP.NET's `[FromForm]` binds both).
async fn read_form(parts: Parts, body: Body) -> Result<FormFields, ApiError> {
    let ct = content_type(&parts.headers);
    let mut fields = FormFields::new();
    if ct.starts_with("multipart/form-data") {
        let request = Request::from_parts(parts, body);
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::invalid(format!("The multipart body cannot be read: {e}")))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::invalid(format!("The multipart body cannot be read: {e}")))?
        {
            let name = field.name().unwrap_or_default().to_ascii_lowercase();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::invalid(format!("The multipart body cannot be read: {e}"))
            })?;
            if !is_file {
                fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        let raw = read_body(body).await?;
        for (k, v) in params::parse_query(&String::from_utf8_lossy(&raw)) {
            fields.insert(k.to_ascii_lowercase(), v);
        }
    } else {
        return Err(ApiError::unsupported_media_type("multipart/form-data"));
    }
    Ok(fields)
}

/// The same answer with its body cut short, headers kept (content length fixed up).
async fn malformed(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    if bytes.is_empty() {
        return Response::from_parts(parts, Body::from("{\"success\":tr"));
    }
    Response::from_parts(parts, Body::from(faults::truncate(&bytes)))
}
