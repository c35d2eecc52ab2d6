//! A stand-in OpenID Connect provider on 127.0.0.1: discovery, JWKS, an authorization
//! endpoint that signs its one person in at once, and a token endpoint that checks the
//! client secret and PKCE and answers with an RS256 ID token. What the ID token says is set
//! per test (`Mint`), so tests can make it wrong in one way at a time.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bms_mcp::oauth::oidc::{OidcConfig, Provider};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "bms-mcp-test";
pub const CLIENT_SECRET: &str = "provider-secret";
pub const SUB: &str = "248289761001";
pub const EMAIL: &str = "jane@example.com";

/// The provider's signing key, listed in its JWKS as `k1` (a fixed test key: RSA key
/// generation in a debug build would take seconds per test).
const SIGNING_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAtuQW5BpapDxNg7PhaYHpSnx8x2QR5psZiVepJu8aRp1NoiL2
gtjae9vPsrlUISZwvrRt4RSy5vOFsWgNAKe5CzwuL3sIyYSCzQGUzqbdoaIA9rd0
17l7UoWSbs0oBkm3UmcXoZiu0UkOD/FAen1T9+reDGXYB0D6iWdrEX6vx5SzCNiD
Wz7d1HyYB+WxWPwNWVQOhp+H/kSYHvkCnmHB85Ujr+t3QzazXY9hPDEYeKy7nhJa
5TZ/KkoWWraCxMM/8SvcGbmQUp3gU0/WfcJ7rjgQ+Uclccq5q4pQmsZNt2Nbn6bj
P4lIluCgAYaeowNy0dC7C99nlYjmkWNg86hfbQIDAQABAoIBAAc6+AsKCK8pVtDV
Xcdk9FMLyLIS9cs1sq+APfF1A/H/5N0Qqp63Jyy83qvx5uPNnX5Ilfckm+2vTx0u
9XlNvYN2cbFSWParN1xBSv+qz08adL/MNmwTNY8oX9w4s55LWppBIEkfnGUCkUdW
PLvq9FTJiKru+Xil8WcDuz2h53NJehydTaizGg1Ngcvoz6TCsQSuPlwhBmtbpgNY
HBEBhDMxHVXABJwvLiHuLBZa+h2Ovy5u6iwSqKH0rsPfEyoNAZ9/PJ8C9KOZP9a6
nN/Fn8DZuANb1KrNYJOTi3phc4h9BJDU8MgeXeHMj/1SG1y8LK6k0baRduAHNT1A
QGfSgMECgYEA+4UkQ40oOWxxqYUfhnWsffU8Hg4R0Rw8kW+or/uhdsk+EpnABGSt
exWRuhMe5aHZ6a3NXaOTgIRsV74z4qZfPe8BHEw9nX7WxdU0aq6NxiCiR6h9H2Az
uAmSYIKcXr8CNdlSRUr0Lb3XLrlkm6jJvNWEFbLN7C7Z6OPIDayWBi0CgYEAuiYE
3W81ThmVlsEHNcY4YxjXwIu3i8glQLF96hpwZ40/W9SvAdjqoOHFFZlTXVB8E7v5
ijjNTgtVkSvgzzh7xSjfNUJjwC72ckKD1UwGD8pz6tpRoAmhrEr/lO+ipIRgFpkZ
49BrxUocNkO329Dx/lzqcBorIt77FCC3rPQyxkECgYA1VZlH/cG+04ESqljyATfv
ibYSxXb/uZYaXOwPTTOC5c+U0CeIhvTGed9p7q4JkZWM2L8IkSww/2OeA4YrFI5z
qp+4qW4TXJccYkZ4LMWBcuAWg+LsaVDuQJFah7ey25wTYR7x9J/spynfDY8I9vS4
ZypYE49Y+uJYYRzF0YgKjQKBgDwmduH6wnXHLKA3JZZJxAS5jVYJj7jaZrc941sX
SgUcDkIlOpvVNRPhgGbXUanQjRdvYVY5vpWecfrj+9PaA5yU9XNnTYZXZolLVwBA
faDyoXxdKY0WL6jV3zqIKL0SjV4gAM6tlXV92hnqzel43gl8isDIo/Gzrdw2KkP3
8MRBAoGBAOsWIDoAuD+5sMJn7MjO6y/T3eRfXzPV3Auz5b3yuz2ejzYaLXZpRQBj
M3l8yfbovXbqGSGkyZB9syFCTElkGYcslOEZ6tUCOcyCS95Iz8/watKtxuLK+lTZ
W3TdnUkGLb7IHAsPqYyqeMt2n+TzDX0YEeBl0s1aB6YrlmB6lpvn
-----END RSA PRIVATE KEY-----";
const SIGNING_KEY_N: &str = "tuQW5BpapDxNg7PhaYHpSnx8x2QR5psZiVepJu8aRp1NoiL2gtjae9vPsrlUISZwvrRt4RSy5vOFsWgNAKe5CzwuL3sIyYSCzQGUzqbdoaIA9rd017l7UoWSbs0oBkm3UmcXoZiu0UkOD_FAen1T9-reDGXYB0D6iWdrEX6vx5SzCNiDWz7d1HyYB-WxWPwNWVQOhp-H_kSYHvkCnmHB85Ujr-t3QzazXY9hPDEYeKy7nhJa5TZ_KkoWWraCxMM_8SvcGbmQUp3gU0_WfcJ7rjgQ-Uclccq5q4pQmsZNt2Nbn6bjP4lIluCgAYaeowNy0dC7C99nlYjmkWNg86hfbQ";
/// Another key, in no JWKS: a token it signs has a bad signature.
const OTHER_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEAwn4/10orsaDDqxRksBXVjx6Y5koiAEa0oMOh0zK/TOTDIY1j
4zaTBJR/drpgWv34nP3xjMPIUd2o6sBQ+0uF8NtWUNnfIaUJvsP9RF2zvs2BBrKf
YzlbSfgdhYrKJnWrvH0BqeJmeUxXDvgvzpf6ADIASsXmm05bmAk6dMMSN414qv08
KPT9w4tczXuAi49PSqlrzT+EX7WyxXnEUFVVlEHsJ3lzCi2DUSL0cclv6/NVJuV9
ldB17x0u2LTmnZTqlUyhZiX+nL48hx5aSnmxObTwZKG17IG53W+B2Yiq2uLGajgn
wPm3gTrE+j8ndivatrUhe1kLZ0hkn4LiRh6qnwIDAQABAoIBAC2zCn8kr2WaV7+Q
GCSDzN1HHDgoPRsBghmwPgrpBqgjrHHqzgiqXxsZZWXZXyCiQlNpG+OucRhDVBhs
vdp+IWe5setndhVquQJ4/L6eoch4cxPGzsq6xGd6BD3Hob4tsf+lA8oOJ3Pi6yXa
TSlm7lgzZ3wqSgg9/imYKYMb/uDMVKLyjteV8pZOrU2C0VG3r3O/1r968705EKrL
UYvqnEdsKeZTEREg7CycQcZbrN4GKGsuKyYER28SaVc8iNPBCrXI5QUAiUfaXT4A
Lt0kFbzM3Cfphh5inXOP9qS+tCEG5ByuLrMytpNT1k+1+gpC4pT8M4j4VuqvK5uh
T/mgoSkCgYEA9unbUFG5UcxLA3zSRx4QEWZhUIc+pYw23N3blQoJFEJjVDIbmcEC
h0NfZC8dLhadSeAmr5YNFfYVpRPQpxOzyYXg1kW7Q3Ja4SejHWCMBwP82dn7sYB4
cMn8XbyYtFIjOzwAP+nFvBGugQQXfmRKLDJCcvu4FmIWlJtbllprX50CgYEAyaaL
+N83YTfQ/PaN8khkJB3Y6fXDG16YdKduXfgCvRJbUk99A1vro+9vCdMqSI37yFL0
XPuiGhPlqtMKhEJhOr92yRViuuSjRsCpMLB94lG87S8JVM2Ch8OLtWYlS986cir4
wnZomjLYXJLApI+Hy77NrN3TMraXu3SAviG4RGsCgYA5pa3bmcj/rQfSf6EEk6NC
vLl5uKnKsurYNEAhEt+9yCYysSQ6iJKTjApIdKuGaCc+6UN++TSC7RpumSq851+x
bD1rKYqoG5nWOY/euvzWYnr1Texyq8Dy7GWsaOzqJMcu/Do+sdDFsQch/heSHc4n
dXCIMfbv2uTUu1TtzJyHDQKBgBKQ5P5K/vxSeUlxIeyWwbGZlekkmYwhj4PeDolU
Vlw2HnZbnzT5954mY2DSMmhvuijdimYtPOWNw22Q9Lzsp6sTCcrFz0tJ1caj4m/7
L/vwbqaf2AoYydXaKTjQaMqtiOIOFs1AvazE1argUCBWnrghnyo1WkanDR1TQq8+
x4p1AoGAW1ZpUU2iT6B7KIxzs65K9ShZP9gpKA/PWoVxiyATxhLh4/KsxjRZxR5y
1IixRSEAEBKODPwVOS460XtIwYWOQJSUHrv6zxzSYfifVafQOfZZ/KiNnT/nHrJS
+kuKjeWrygv6G/YPegBSIKhqc5FkCwI9AtUh2/mXH5OzVBia+rM=
-----END RSA PRIVATE KEY-----";

/// What the next ID token says; each field left as by `Mint::default` is right.
#[derive(Debug, Clone, Default)]
pub struct Mint {
    pub email: Option<String>,
    pub aud: Option<String>,
    pub iss: Option<String>,
    /// Seconds from now; `None` is an hour.
    pub expires_in: Option<i64>,
    pub nonce: Option<String>,
    pub sign_with_other_key: bool,
}

struct Issued {
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct Stand {
    issuer: String,
    /// The issuer its discovery document names.
    advertised_issuer: String,
    mint: Mutex<Mint>,
    codes: Mutex<HashMap<String, Issued>>,
}

/// A running stand-in provider.
pub struct StandIn {
    pub issuer: String,
    stand: Arc<Stand>,
}

impl StandIn {
    /// Starts one whose discovery document tells the truth about its issuer.
    pub async fn start() -> StandIn {
        StandIn::advertising(None).await
    }

    /// Starts one whose discovery document names `issuer` instead of its own, if given.
    pub async fn advertising(issuer: Option<&str>) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let own = format!("http://{}", listener.local_addr().expect("addr"));
        let stand = Arc::new(Stand {
            advertised_issuer: issuer.map_or_else(|| own.clone(), str::to_owned),
            issuer: own.clone(),
            mint: Mutex::default(),
            codes: Mutex::default(),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(stand.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        StandIn { issuer: own, stand }
    }

    /// Sets what the next ID tokens say.
    pub fn mint(&self, mint: Mint) {
        *self.stand.mint.lock().expect("lock") = mint;
    }

    /// Its settings as bms-mcp is configured with them.
    pub fn config(&self, allowed_domains: &[&str]) -> OidcConfig {
        OidcConfig {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            allowed_domains: allowed_domains.iter().map(|d| d.to_string()).collect(),
            allowed_emails: Vec::new(),
        }
    }

    /// Discovered as `serve` does, loopback http allowed.
    pub async fn provider(&self, allowed_domains: &[&str]) -> Provider {
        Provider::discover(self.config(allowed_domains), true)
            .await
            .expect("the stand-in is discovered")
    }
}

async fn discovery(State(stand): State<Arc<Stand>>) -> Json<Value> {
    let base = &stand.issuer;
    Json(json!({
        "issuer": stand.advertised_issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks() -> Json<Value> {
    Json(json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
        "n": SIGNING_KEY_N, "e": "AQAB",
    }]}))
}

fn refuse(what: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "invalid_request", "error_description": what})),
    )
        .into_response()
}

/// Signs its person in at once and sends the browser back with a code.
async fn authorize(
    State(stand): State<Arc<Stand>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID
        || get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || !get("scope").split(' ').any(|s| s == "openid")
    {
        return refuse("not an OIDC code request with PKCE S256");
    }
    let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    stand.codes.lock().expect("lock").insert(
        code.clone(),
        Issued {
            nonce: get("nonce"),
            challenge: get("code_challenge"),
            redirect_uri: get("redirect_uri"),
        },
    );
    let mut back = reqwest::Url::parse(&get("redirect_uri")).expect("redirect_uri");
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, back.to_string())],
    )
        .into_response()
}

/// Checks the client and PKCE; answers with the ID token `Mint` describes.
async fn token(
    State(stand): State<Arc<Stand>>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID || get("client_secret") != CLIENT_SECRET {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let Some(issued) = stand.codes.lock().expect("lock").remove(&get("code")) else {
        return refuse("unknown or used code");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
    if challenge != issued.challenge || get("redirect_uri") != issued.redirect_uri {
        return refuse("PKCE or redirect_uri mismatch");
    }
    let mint = stand.mint.lock().expect("lock").clone();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let claims = json!({
        "iss": mint.iss.unwrap_or_else(|| stand.issuer.clone()),
        "sub": SUB,
        "aud": mint.aud.unwrap_or_else(|| CLIENT_ID.to_owned()),
        "iat": now,
        "exp": now + mint.expires_in.unwrap_or(3600),
        "nonce": mint.nonce.unwrap_or(issued.nonce),
        "email": mint.email.unwrap_or_else(|| EMAIL.to_owned()),
        "email_verified": true,
    });
    let pem = if mint.sign_with_other_key {
        OTHER_KEY
    } else {
        SIGNING_KEY
    };
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("test key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let id_token = jsonwebtoken::encode(&header, &claims, &key).expect("signed");
    Json(json!({"access_token": "provider-access", "token_type": "Bearer", "expires_in": 3600, "id_token": id_token})).into_response()
}
