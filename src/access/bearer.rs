//! Bearer tokens: reading `Authorization: Bearer`, spotting a token put in a query string,
//! and the OAuth names a protected resource answers with.

use axum::http::{HeaderMap, header};

/// The one OAuth scope an MCP server grants: its own tool scope (the methods and tags its
/// admin set).
pub const SCOPE: &str = "mcp:tools";

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Whether a query string carries something that looks like a token, under any name.
pub(super) fn names_a_token(query: &str) -> bool {
    query.split('&').any(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        name.eq_ignore_ascii_case("access_token")
            || value.starts_with(crate::store::tokens::ACCESS_TOKEN_PREFIX)
    })
}

/// The RFC 9728 metadata URL of a resource: `/.well-known/oauth-protected-resource` inserted
/// between its origin and its path (§3.1).
pub fn resource_metadata_url(resource: &str) -> String {
    match reqwest::Url::parse(resource) {
        Ok(url) => format!(
            "{}/.well-known/oauth-protected-resource{}",
            url.origin().ascii_serialization(),
            url.path()
        ),
        Err(_) => format!("{resource}/.well-known/oauth-protected-resource"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_from_authorization_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer bmsa_x".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("bmsa_x"));
        headers.insert(header::AUTHORIZATION, "bearer  bmsa_y ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("bmsa_y"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }

    #[test]
    fn a_token_in_the_query_is_found_under_any_name() {
        assert!(names_a_token("access_token=x"));
        assert!(names_a_token("a=1&ACCESS_TOKEN=x"));
        assert!(names_a_token("t=bmso_abc"));
        assert!(!names_a_token("a=1&b=2"));
    }

    #[test]
    fn resource_metadata_sits_between_origin_and_path() {
        assert_eq!(
            resource_metadata_url("https://mcp.example.com/mcp/o/abc"),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp/o/abc"
        );
        assert_eq!(
            resource_metadata_url("http://127.0.0.1:8080/base/mcp/o/abc"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource/base/mcp/o/abc"
        );
    }
}
