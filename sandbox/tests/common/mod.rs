//! Shared by the integration tests: start a sandbox on 127.0.0.1:0, log in, send requests.

#![allow(dead_code)]

use std::net::SocketAddr;

use bms_mcp_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode, multipart};
use serde_json::Value;

/// A started sandbox with a logged-in client.
pub struct Harness {
    pub sandbox: Sandbox,
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

/// An HTTP answer: status, headers and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

/// A client for plain HTTP to loopback (no proxy from the environment).
pub fn client() -> reqwest::Client {
    // reqwest is built without a default TLS provider; plain HTTP needs none, but building a
    // client still asks for one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain HTTP client builds")
}

/// Starts a sandbox on an ephemeral loopback port.
pub async fn start(config: SandboxConfig) -> Sandbox {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    Sandbox::start(config, addr).await.expect("sandbox starts")
}

/// `POST /v2/security/authenticate` with the sandbox's credentials and an optional MFA code.
pub async fn authenticate(http: &reqwest::Client, sandbox: &Sandbox, mfa: Option<&str>) -> Answer {
    let creds = sandbox.credentials();
    let mut form = multipart::Form::new()
        .text("GrantType", "password")
        .text("UserName", creds.username)
        .text("Password", creds.password)
        .text("Tenant", creds.tenant);
    if let Some(code) = mfa {
        form = form.text("MFACode", code.to_owned());
    }
    let response = http
        .post(format!("{}/v2/security/authenticate", sandbox.base_url()))
        .multipart(form)
        .send()
        .await
        .expect("authenticate answers");
    answer(response).await
}

/// Reads a response into an [`Answer`].
pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body reads");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

impl Harness {
    /// Starts a sandbox with `config` and logs in.
    pub async fn start(config: SandboxConfig) -> Harness {
        let sandbox = start(config).await;
        let http = client();
        let login = authenticate(&http, &sandbox, None).await;
        assert_eq!(login.status, StatusCode::OK, "login: {}", login.text);
        let token = login.json["result"]["accessToken"]
            .as_str()
            .expect("an access token")
            .to_owned();
        let base = sandbox.base_url();
        Harness {
            sandbox,
            base,
            http,
            token,
        }
    }

    /// Starts the default (demo) sandbox and logs in.
    pub async fn demo() -> Harness {
        Harness::start(SandboxConfig::default()).await
    }

    /// Sends an authenticated request; `path` starts with `/v2/`.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("sandbox answers")).await
    }

    /// An authenticated GET.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    /// An authenticated POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    /// A control-plane request (`/_sandbox/...`), no token.
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("control answers")).await
    }

    /// Sets fault settings through `POST /_sandbox/faults`.
    pub async fn faults(&self, settings: Value) {
        let a = self
            .control(Method::POST, "/_sandbox/faults", Some(settings))
            .await;
        assert_eq!(a.status, StatusCode::OK, "faults: {}", a.text);
    }
}
