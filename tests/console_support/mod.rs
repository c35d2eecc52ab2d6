//! A browser stand-in for the admin console tests: plain HTTP, redirects not followed, the
//! console's cookies kept by hand, forms posted as `application/x-www-form-urlencoded`.
#![allow(dead_code)]

use crate::common::Harness;

/// A signed-in (or not) console visitor.
pub struct Visitor {
    pub http: reqwest::Client,
    pub base: String,
    /// `name=value` of the session cookie, once signed in.
    pub session: Option<String>,
    /// The session's CSRF token, read from a page.
    pub csrf: String,
}

/// One answer: status, `Location`, `Set-Cookie` values, body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub cookies: Vec<String>,
    pub body: String,
}

impl Answer {
    /// The `name=value` part of the cookie `name` this answer set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }

    /// The full `Set-Cookie` line for `name`.
    pub fn cookie_line(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(String::as_str)
    }
}

/// The value of the first hidden `csrf` field in a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// `a=b&c=d`, percent-encoded.
pub fn encode(fields: &[(&str, &str)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, NON_ALPHANUMERIC),
                utf8_percent_encode(v, NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Visitor {
    pub fn new(harness: &Harness) -> Visitor {
        Visitor {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: format!("http://{}", harness.addr),
            session: None,
            csrf: String::new(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder, cookie: Option<&str>) -> Answer {
        let request = match cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.expect("console answers");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .collect();
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            location,
            cookies,
            body,
        }
    }

    /// GET with the session cookie (if any).
    pub async fn get(&self, path: &str) -> Answer {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request, self.session.as_deref()).await
    }

    /// POST a form with the session cookie (if any), exactly these fields.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(fields));
        self.send(request, self.session.as_deref()).await
    }

    /// POST a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Signs in through the sign-in form; the answer to the POST.
    pub async fn sign_in(&mut self, admin_token: &str) -> Answer {
        let form = self.get("/admin/sign-in").await;
        assert_eq!(form.status, 200, "{}", form.body);
        let pre = form
            .cookie(bms_mcp::console::SIGN_IN_COOKIE)
            .expect("sign-in cookie");
        let request = self
            .http
            .post(format!("{}/admin/sign-in", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(&[
                ("csrf", &csrf_in(&form.body)),
                ("admin_token", admin_token),
            ]));
        let answer = self.send(request, Some(&pre)).await;
        if let Some(session) = answer.cookie(bms_mcp::console::SESSION_COOKIE) {
            self.session = Some(session);
            let page = self.get("/admin/accounts").await;
            assert_eq!(page.status, 200, "{}", page.body);
            self.csrf = csrf_in(&page.body);
        }
        answer
    }
}
