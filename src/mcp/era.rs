//! Which protocol era a request belongs to. 2026-07-28 ("modern") requests carry their version
//! and client capabilities in `params._meta` and need no handshake; older ("legacy") clients
//! negotiate through `initialize`. Both are served on the same endpoint, request by request.
//!
//! The modern checks run in the order the revision's Streamable HTTP binding gives: the
//! per-request envelope, then (on HTTP) the headers that mirror it, then the version.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::jsonrpc::{RpcError, code};
use super::protocol;

pub const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
pub const CLIENT_CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";
pub const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";

/// How a request is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// Negotiated through `initialize` (2025-11-25 and earlier).
    Legacy,
    /// Self-contained 2026-07-28 request, answered statelessly.
    Modern(&'static str),
}

/// The HTTP headers that mirror a modern request's body (absent on stdio).
#[derive(Debug, Clone, Default)]
pub struct MirroredHeaders {
    pub protocol_version: Option<String>,
    pub method: Option<String>,
    pub name: Option<String>,
}

/// Decides the era of one request object and, for modern requests, checks its envelope.
/// `headers` is `None` on transports without headers.
pub fn classify(request: &Value, headers: Option<&MirroredHeaders>) -> Result<Era, RpcError> {
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let meta = request.get("params").and_then(|p| p.get("_meta"));
    let body_version = meta.and_then(|m| m.get(PROTOCOL_VERSION_KEY));
    let header_modern = headers
        .and_then(|h| h.protocol_version.as_deref())
        .is_some_and(protocol::is_modern);
    if method == "initialize" && header_modern {
        // 2026-07-28 has no handshake. A client that negotiates sends `initialize` without
        // that header (the version goes in its params); one that sends it already speaks the
        // modern revision, which answers a method it lacks with -32601 and 404.
        return Err(RpcError::new(
            code::METHOD_NOT_FOUND,
            "Method not found: initialize is not a method of protocol version 2026-07-28; send each request with params._meta (see server/discover), or negotiate an earlier version without the MCP-Protocol-Version header",
        )
        .with_status(404));
    }
    let modern = method != "initialize"
        && (body_version.is_some() || method == "server/discover" || header_modern);
    if !modern {
        return Ok(Era::Legacy);
    }
    let Some(meta) = meta.and_then(Value::as_object) else {
        return Err(bad_params(format!(
            "params._meta must be an object carrying {PROTOCOL_VERSION_KEY:?} and {CLIENT_CAPABILITIES_KEY:?}"
        )));
    };
    let missing: Vec<&str> = [PROTOCOL_VERSION_KEY, CLIENT_CAPABILITIES_KEY]
        .into_iter()
        .filter(|key| !meta.contains_key(*key))
        .collect();
    if !missing.is_empty() {
        return Err(bad_params(format!(
            "params._meta is missing {}",
            missing.join(" and ")
        )));
    }
    let version = &meta[PROTOCOL_VERSION_KEY];
    if let Some(headers) = headers {
        check_headers(request, method, version, headers)?;
    }
    let Some(version) = version.as_str() else {
        return Err(bad_params(format!(
            "{PROTOCOL_VERSION_KEY} must be a string"
        )));
    };
    match protocol::MODERN_VERSIONS.iter().find(|v| **v == version) {
        Some(known) => Ok(Era::Modern(known)),
        None => Err(unsupported_version(version)),
    }
}

fn check_headers(
    request: &Value,
    method: &str,
    version: &Value,
    headers: &MirroredHeaders,
) -> Result<(), RpcError> {
    if headers.protocol_version.as_deref() != version.as_str() {
        return Err(header_mismatch(
            "MCP-Protocol-Version header does not match params._meta's protocol version",
        ));
    }
    if headers.method.as_deref() != Some(method) {
        return Err(header_mismatch(
            "Mcp-Method header does not match the request's method",
        ));
    }
    let name_key = match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    };
    let body_name = name_key.and_then(|key| request.get("params")?.get(key)?.as_str());
    if let Some(body_name) = body_name
        && headers.name.as_deref().map(decode_header_value).as_deref() != Some(body_name)
    {
        return Err(header_mismatch(
            "Mcp-Name header does not match the request's name",
        ));
    }
    Ok(())
}

/// Undoes the `=?base64?...?=` sentinel encoding of header values.
pub fn decode_header_value(value: &str) -> String {
    value
        .strip_prefix("=?base64?")
        .and_then(|rest| rest.strip_suffix("?="))
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| value.to_owned())
}

fn bad_params(message: String) -> RpcError {
    RpcError::new(code::INVALID_PARAMS, message).with_status(400)
}

fn header_mismatch(message: &str) -> RpcError {
    RpcError::new(code::HEADER_MISMATCH, format!("Header mismatch: {message}")).with_status(400)
}

/// The error a request in a version we do not speak gets, naming the ones we do.
pub fn unsupported_version(requested: &str) -> RpcError {
    RpcError::new(
        code::UNSUPPORTED_PROTOCOL_VERSION,
        "Unsupported protocol version",
    )
    .with_data(json!({"supported": protocol::all_versions(), "requested": requested}))
    .with_status(400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modern(method: &str, version: &str) -> Value {
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": {
            "name": "list_all_kaseya_bms_queues_lookup",
            "_meta": {PROTOCOL_VERSION_KEY: version, CLIENT_CAPABILITIES_KEY: {}}
        }})
    }

    fn headers(version: &str, method: &str, name: Option<&str>) -> MirroredHeaders {
        MirroredHeaders {
            protocol_version: Some(version.into()),
            method: Some(method.into()),
            name: name.map(str::to_owned),
        }
    }

    #[test]
    fn requests_without_the_envelope_are_legacy() {
        let legacy = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        assert_eq!(classify(&legacy, None), Ok(Era::Legacy));
        let init = modern("initialize", "2026-07-28");
        assert_eq!(
            classify(&init, None),
            Ok(Era::Legacy),
            "initialize always opens a legacy session"
        );
    }

    #[test]
    fn initialize_under_the_modern_header_is_an_unknown_method() {
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2026-07-28"}});
        let h = headers("2026-07-28", "initialize", None);
        let error = classify(&init, Some(&h)).expect_err("refused");
        assert_eq!(
            (error.code, error.http_status),
            (code::METHOD_NOT_FOUND, Some(404))
        );
        let earlier = headers("2025-11-25", "initialize", None);
        assert_eq!(classify(&init, Some(&earlier)), Ok(Era::Legacy));
    }

    #[test]
    fn a_complete_envelope_is_modern() {
        assert_eq!(
            classify(&modern("tools/list", "2026-07-28"), None),
            Ok(Era::Modern("2026-07-28"))
        );
        let h = headers(
            "2026-07-28",
            "tools/call",
            Some("list_all_kaseya_bms_queues_lookup"),
        );
        assert_eq!(
            classify(&modern("tools/call", "2026-07-28"), Some(&h)),
            Ok(Era::Modern("2026-07-28"))
        );
    }

    #[test]
    fn an_unknown_version_names_the_supported_ones() {
        let error = classify(&modern("tools/list", "1900-01-01"), None).expect_err("refused");
        assert_eq!(error.code, code::UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(error.http_status, Some(400));
        let data = error.data.expect("data");
        assert_eq!(data["requested"], "1900-01-01");
        assert!(
            data["supported"].as_array().is_some_and(
                |s| s.contains(&json!("2026-07-28")) && s.contains(&json!("2025-11-25"))
            )
        );
    }

    #[test]
    fn a_missing_capabilities_key_is_invalid_params() {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {PROTOCOL_VERSION_KEY: "2026-07-28"}}});
        let error = classify(&request, None).expect_err("refused");
        assert_eq!(error.code, code::INVALID_PARAMS);
        assert!(error.message.contains(CLIENT_CAPABILITIES_KEY));
        let discover = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover"});
        assert_eq!(
            classify(&discover, None).expect_err("refused").code,
            code::INVALID_PARAMS
        );
    }

    #[test]
    fn headers_must_mirror_the_body() {
        let request = modern("tools/call", "2026-07-28");
        for bad in [
            headers(
                "2025-11-25",
                "tools/call",
                Some("list_all_kaseya_bms_queues_lookup"),
            ),
            headers(
                "2026-07-28",
                "tools/list",
                Some("list_all_kaseya_bms_queues_lookup"),
            ),
            headers("2026-07-28", "tools/call", Some("other_tool")),
            headers("2026-07-28", "tools/call", None),
        ] {
            assert_eq!(
                classify(&request, Some(&bad)).expect_err("refused").code,
                code::HEADER_MISMATCH,
                "{bad:?}"
            );
        }
        let encoded = format!(
            "=?base64?{}?=",
            STANDARD.encode("list_all_kaseya_bms_queues_lookup")
        );
        let ok = headers("2026-07-28", "tools/call", Some(&encoded));
        assert!(
            classify(&request, Some(&ok)).is_ok(),
            "base64 sentinel values are decoded"
        );
    }
}
