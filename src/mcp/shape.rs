//! How results are shaped for 2026-07-28 ("modern") requests, in one place: every result gets
//! `resultType` and our identity in `_meta`; lists and reads also get caching hints (the
//! answer depends on the URL, so `private`). Legacy results pass unchanged.

use serde_json::{Map, Value, json};

use super::era::SERVER_INFO_KEY;
use super::jsonrpc::{self, RpcError};
use super::{Reply, protocol};

/// Writes a method's result (or error) into `reply`, decorated for modern requests.
pub(super) fn finish(
    mut reply: Reply,
    id: &Value,
    result: Result<Value, RpcError>,
    modern: bool,
) -> Reply {
    let result = result.map(|value| if modern { modern_result(value) } else { value });
    let message = match result {
        // A serialised `Value` is valid JSON: no need to parse it again.
        Ok(value) => jsonrpc::reply_text(id, &value.to_string()),
        Err(error) => {
            reply.http_status = error.http_status;
            jsonrpc::error_reply(id, &error)
        }
    };
    reply.message = Some(message);
    reply
}

/// The members a modern tool result adds: `resultType` and our identity in `_meta`.
pub(super) fn result_members() -> Map<String, Value> {
    let mut members = Map::new();
    members.insert("resultType".into(), "complete".into());
    members.insert(
        "_meta".into(),
        json!({ SERVER_INFO_KEY: protocol::server_info() }),
    );
    members
}

/// A list or read result with the caching hints a modern client may use (the answer depends
/// on the URL, so `private`).
pub(super) fn cacheable(mut value: Value, modern: bool) -> Value {
    if modern && let Some(object) = value.as_object_mut() {
        object.insert("ttlMs".into(), protocol::LIST_TTL_MS.into());
        object.insert("cacheScope".into(), "private".into());
    }
    value
}

/// A modern result: `resultType` and our identity in `_meta` (no result carries a `_meta`
/// of its own).
pub(super) fn modern_result(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.extend(result_members());
    }
    value
}

/// A list result (the meta-tools of a discovery scope), shaped for its era.
pub(super) fn list(value: Value, modern: bool) -> Value {
    if modern {
        modern_result(cacheable(value, true))
    } else {
        value
    }
}

/// The members a modern list adds, written after a list result's own members when the result
/// is built as text: the caching hints, then the result members.
pub(super) fn write_list_members(out: &mut String) {
    let mut members = Map::new();
    members.insert("ttlMs".into(), protocol::LIST_TTL_MS.into());
    members.insert("cacheScope".into(), "private".into());
    members.extend(result_members());
    for (key, value) in &members {
        out.push(',');
        out.push_str(&Value::from(key.as_str()).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
}
