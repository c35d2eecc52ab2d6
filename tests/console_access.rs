//! The admin console's access rules: no page without a session cookie, a CSRF token on every
//! POST, cookies that scripts and other sites cannot use.

mod common;
mod console_support;

use common::Harness;
use console_support::{Visitor, csrf_in, encode};

/// Every console page and action, as (method, path).
fn routes(account: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GET", "/admin/accounts".into()),
        ("GET", format!("/admin/accounts/{account}")),
        ("GET", format!("/admin/accounts/{account}/servers/new")),
        ("GET", "/admin/tools".into()),
        ("GET", "/admin/tool-count?methods=read".into()),
        ("POST", "/admin/accounts".into()),
        ("POST", format!("/admin/accounts/{account}/test")),
        ("POST", format!("/admin/accounts/{account}/remove")),
        ("POST", format!("/admin/accounts/{account}/servers")),
        (
            "POST",
            format!("/admin/accounts/{account}/servers/x/revoke"),
        ),
        ("POST", "/admin/sign-out".into()),
    ]
}

async fn visit(visitor: &Visitor, method: &str, path: &str) -> console_support::Answer {
    match method {
        "GET" => visitor.get(path).await,
        _ => visitor.post_raw(path, &[("name", "x")]).await,
    }
}

#[tokio::test]
async fn no_page_is_served_without_a_session_cookie() {
    let harness = Harness::start().await;
    let visitor = Visitor::new(&harness);
    for (method, path) in routes(&harness.account_id) {
        let answer = visit(&visitor, method, &path).await;
        assert_eq!(answer.status, 303, "{method} {path}");
        assert_eq!(
            answer.location.as_deref(),
            Some("/admin/sign-in"),
            "{method} {path}"
        );
    }
    let home = visitor.get("/admin").await;
    assert_eq!(home.location.as_deref(), Some("/admin/sign-in"));
}

#[tokio::test]
async fn a_forged_or_altered_cookie_is_no_session() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    visitor.sign_in(&harness.admin_token().await).await;
    let real = visitor.session.clone().expect("signed in");
    let (name, value) = real.split_once('=').expect("name=value");
    let mut altered = value.to_owned();
    let last = altered.pop().expect("non-empty");
    altered.push(if last == 'A' { 'B' } else { 'A' });
    for forged in [
        format!("{name}={altered}"),
        format!("{name}=bmsa_not_sealed"),
        format!("{name}="),
    ] {
        visitor.session = Some(forged.clone());
        let answer = visitor.get("/admin/accounts").await;
        assert_eq!(answer.status, 303, "{forged}");
    }
}

#[tokio::test]
async fn the_admin_token_is_the_only_way_in_and_a_wrong_one_sets_no_session() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    for wrong in ["", "bmsa_wrong", "bmsm_not_an_admin_token"] {
        let answer = visitor.sign_in(wrong).await;
        assert_eq!(answer.status, 401, "{wrong}");
        assert!(answer.cookie(bms_mcp::console::SESSION_COOKIE).is_none());
        assert!(answer.body.contains("not a valid admin API token"));
    }
    let answer = visitor.sign_in(&harness.admin_token().await).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/admin/accounts"));
}

#[tokio::test]
async fn session_cookies_are_http_only_strict_and_scoped_to_admin() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    let answer = visitor.sign_in(&harness.admin_token().await).await;
    let line = answer
        .cookie_line(bms_mcp::console::SESSION_COOKIE)
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="] {
        assert!(line.contains(attribute), "{line} lacks {attribute}");
    }
    // The harness's public URL is http://, so the cookie cannot be Secure there.
    assert!(!line.contains("Secure"), "{line}");
}

#[tokio::test]
async fn revoking_the_admin_token_ends_its_console_sessions() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    visitor.sign_in(&harness.admin_token().await).await;
    assert_eq!(visitor.get("/admin/accounts").await.status, 200);
    for admin in harness.store.admin_tokens().await.expect("tokens") {
        harness
            .store
            .revoke_admin_token(&admin.id)
            .await
            .expect("revoked");
        harness.directory.forget_admin_token(&admin.id);
    }
    assert_eq!(visitor.get("/admin/accounts").await.status, 303);
}

#[tokio::test]
async fn every_post_without_the_sessions_csrf_token_is_refused_with_403() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    visitor.sign_in(&harness.admin_token().await).await;
    let accounts_before = harness.store.accounts().await.expect("accounts").len();
    for (method, path) in routes(&harness.account_id) {
        if method != "POST" {
            continue;
        }
        let fields = [("confirmed", "yes"), ("name", "x")];
        let missing = visitor.post_raw(&path, &fields).await;
        assert_eq!(missing.status, 403, "no token: POST {path}");
        let mut wrong = vec![("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")];
        wrong.extend_from_slice(&fields);
        let wrong = visitor.post_raw(&path, &wrong).await;
        assert_eq!(wrong.status, 403, "wrong token: POST {path}");
        assert!(wrong.body.contains("security token"));
    }
    // Nothing was removed or added, and the session still works.
    assert_eq!(
        harness.store.accounts().await.expect("accounts").len(),
        accounts_before
    );
    assert_eq!(visitor.get("/admin/accounts").await.status, 200);
}

#[tokio::test]
async fn a_csrf_token_from_another_session_is_refused() {
    let harness = Harness::start().await;
    let mut mine = Visitor::new(&harness);
    mine.sign_in(&harness.admin_token().await).await;
    let mut theirs = Visitor::new(&harness);
    theirs.sign_in(&harness.admin_token().await).await;
    assert_ne!(mine.csrf, theirs.csrf);
    mine.csrf = theirs.csrf.clone();
    let answer = mine.post("/admin/sign-out", &[]).await;
    assert_eq!(answer.status, 403);
}

#[tokio::test]
async fn the_sign_in_form_needs_its_own_double_submit_token() {
    let harness = Harness::start().await;
    let visitor = Visitor::new(&harness);
    let token = harness.admin_token().await;
    let form = visitor.get("/admin/sign-in").await;
    let csrf = csrf_in(&form.body);
    // The field without the cookie, as a cross-site form would send it.
    let answer = visitor
        .post_raw(
            "/admin/sign-in",
            &[("csrf", &csrf), ("admin_token", &token)],
        )
        .await;
    assert_eq!(answer.status, 403);
    assert!(answer.cookie(bms_mcp::console::SESSION_COOKIE).is_none());
}

#[tokio::test]
async fn forms_must_be_url_encoded() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    visitor.sign_in(&harness.admin_token().await).await;
    let answer = visitor
        .http
        .post(format!("{}/admin/sign-out", visitor.base))
        .header("cookie", visitor.session.clone().expect("session"))
        .header("content-type", "application/json")
        .body(format!("{{\"csrf\": \"{}\"}}", visitor.csrf))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 400);
}

#[tokio::test]
async fn the_host_and_origin_guard_covers_the_console() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    visitor.sign_in(&harness.admin_token().await).await;
    let answer = visitor
        .http
        .post(format!("{}/admin/sign-out", visitor.base))
        .header("cookie", visitor.session.clone().expect("session"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(&[("csrf", &visitor.csrf)]))
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 403);
}

#[tokio::test]
async fn pages_are_not_cached_framed_or_scripted_from_elsewhere() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    visitor.sign_in(&harness.admin_token().await).await;
    let response = visitor
        .http
        .get(format!("{}/admin/accounts", visitor.base))
        .header("cookie", visitor.session.clone().expect("session"))
        .send()
        .await
        .expect("answer");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header("cache-control"), "no-store");
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(header("content-security-policy").contains("script-src 'self'"));
    assert_eq!(header("referrer-policy"), "same-origin");
}

#[tokio::test]
async fn a_cookie_copied_before_sign_out_no_longer_works_after_it() {
    let harness = Harness::start().await;
    let mut visitor = Visitor::new(&harness);
    visitor.sign_in(&harness.admin_token().await).await;
    let mut copy = Visitor::new(&harness);
    copy.session = visitor.session.clone();
    copy.csrf = visitor.csrf.clone();
    assert_eq!(copy.get("/admin/accounts").await.status, 200);

    let signed_out = visitor.post("/admin/sign-out", &[]).await;
    assert_eq!(signed_out.status, 303, "{}", signed_out.body);

    let page = copy.get("/admin/accounts").await;
    assert_eq!(page.status, 303, "the copied cookie is sent to sign in");
    assert_eq!(page.location.as_deref(), Some("/admin/sign-in"));
    // Its CSRF token is no use either: the POST is refused before any change.
    let accounts = harness.store.accounts().await.expect("accounts").len();
    let post = copy
        .post(
            &format!("/admin/accounts/{}/remove", harness.account_id),
            &[],
        )
        .await;
    assert_eq!(post.status, 303);
    assert_eq!(
        harness.store.accounts().await.expect("accounts").len(),
        accounts
    );
}
