//! JSON-RPC 2.0 framing: classifying what arrives, and writing replies.

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// JSON-RPC error codes used by MCP.
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// 2026-07-28: HTTP headers disagree with the body they mirror.
    pub const HEADER_MISMATCH: i64 = -32020;
    /// 2026-07-28: the request needs a client capability (or extension) it did not declare.
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    /// 2026-07-28: a request names a protocol version we do not speak.
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}

/// A protocol-level error (not a tool failure: those are results with `isError`).
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
    /// The HTTP status the Streamable HTTP transport answers with (200 when unset).
    pub http_status: Option<u16>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
            http_status: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> RpcError {
        self.http_status = Some(status);
        self
    }

    pub fn with_data(mut self, data: Value) -> RpcError {
        self.data = Some(data);
        self
    }

    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError::new(code::INVALID_PARAMS, message)
    }
}

/// One message from the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Request {
        id: Value,
        method: String,
        params: Option<Value>,
    },
    Notification {
        method: String,
        params: Option<Value>,
    },
    /// A reply to a server-initiated request (`elicitation/create`): its `result`, or its
    /// `error` object.
    Response {
        id: Value,
        answer: Result<Value, Value>,
    },
}

impl Incoming {
    pub fn method(&self) -> Option<&str> {
        match self {
            Incoming::Request { method, .. } | Incoming::Notification { method, .. } => {
                Some(method)
            }
            Incoming::Response { .. } => None,
        }
    }
}

/// Parses raw bytes into one message, or the error reply owed for them.
pub fn parse(bytes: &[u8]) -> Result<Value, RpcError> {
    serde_json::from_slice(bytes)
        .map_err(|e| RpcError::new(code::PARSE_ERROR, format!("Parse error: {e}")))
}

/// Classifies one JSON value as a message. The error carries the id when one could be read.
pub fn classify(value: Value) -> Result<Incoming, (Value, RpcError)> {
    let Value::Object(mut object) = value else {
        return Err((
            Value::Null,
            RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: a JSON-RPC message must be an object",
            ),
        ));
    };
    let id = object.remove("id");
    let id_for_error = id.clone().filter(valid_id).unwrap_or(Value::Null);
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err((
            id_for_error,
            RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: `jsonrpc` must be \"2.0\"",
            ),
        ));
    }
    let method = object.remove("method");
    let params = object.remove("params");
    if let Some(params) = &params
        && !params.is_object()
        && !params.is_array()
    {
        return Err((
            id_for_error,
            RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: `params` must be an object",
            ),
        ));
    }
    match (method, id) {
        (Some(Value::String(method)), Some(id)) if valid_id(&id) => {
            Ok(Incoming::Request { id, method, params })
        }
        (Some(Value::String(_)), Some(_)) => Err((
            Value::Null,
            RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: `id` must be a string or an integer",
            ),
        )),
        (Some(Value::String(method)), None) => Ok(Incoming::Notification { method, params }),
        (Some(_), _) => Err((
            id_for_error,
            RpcError::new(
                code::INVALID_REQUEST,
                "Invalid Request: `method` must be a string",
            ),
        )),
        (None, Some(id)) if object.contains_key("result") || object.contains_key("error") => {
            let answer = match object.remove("result") {
                Some(result) => Ok(result),
                None => Err(object.remove("error").unwrap_or(Value::Null)),
            };
            Ok(Incoming::Response { id, answer })
        }
        (None, _) => Err((
            id_for_error,
            RpcError::new(code::INVALID_REQUEST, "Invalid Request: no `method`"),
        )),
    }
}

fn valid_id(id: &Value) -> bool {
    match id {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// A success reply whose result is already serialised.
pub fn reply(id: &Value, result: &RawValue) -> String {
    reply_text(id, result.get())
}

/// A success reply around result text the caller built as JSON itself.
/// A success reply whose result `write_result` appends to the reply's own buffer (sized by
/// `capacity`), so a large result is written once rather than copied into the reply.
pub fn reply_writing(
    id: &Value,
    capacity: usize,
    write_result: impl FnOnce(&mut String),
) -> String {
    let mut out = String::with_capacity(capacity + 48);
    out.push_str("{\"jsonrpc\":\"2.0\",\"id\":");
    out.push_str(&id.to_string());
    out.push_str(",\"result\":");
    write_result(&mut out);
    out.push('}');
    out
}

pub fn reply_text(id: &Value, result: &str) -> String {
    let mut out = String::with_capacity(result.len() + 48);
    out.push_str("{\"jsonrpc\":\"2.0\",\"id\":");
    out.push_str(&id.to_string());
    out.push_str(",\"result\":");
    out.push_str(result);
    out.push('}');
    out
}

/// An error reply.
pub fn error_reply(id: &Value, error: &RpcError) -> String {
    let mut body = Map::new();
    body.insert("code".into(), error.code.into());
    body.insert("message".into(), error.message.clone().into());
    if let Some(data) = &error.data {
        body.insert("data".into(), data.clone());
    }
    json!({"jsonrpc": "2.0", "id": id, "error": body}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expect: Result<Incoming, i64>) {
        let value: Value = serde_json::from_str(input).expect("test input is JSON");
        match (classify(value), expect) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err((_, got)), Err(code)) => assert_eq!(got.code, code, "{}", got.message),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn requests_notifications_and_responses_are_told_apart() {
        check(
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            Ok(Incoming::Request {
                id: json!(1),
                method: "ping".into(),
                params: None,
            }),
        );
        check(
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            Ok(Incoming::Notification {
                method: "notifications/initialized".into(),
                params: None,
            }),
        );
        check(
            r#"{"jsonrpc":"2.0","id":"a","result":{}}"#,
            Ok(Incoming::Response {
                id: json!("a"),
                answer: Ok(json!({})),
            }),
        );
        check(
            r#"{"jsonrpc":"2.0","id":"b","error":{"code":-1,"message":"no"}}"#,
            Ok(Incoming::Response {
                id: json!("b"),
                answer: Err(json!({"code": -1, "message": "no"})),
            }),
        );
    }

    #[test]
    fn malformed_messages_are_invalid_requests() {
        check(r#"{"id":1,"method":"ping"}"#, Err(code::INVALID_REQUEST));
        check(
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            Err(code::INVALID_REQUEST),
        );
        check(
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            Err(code::INVALID_REQUEST),
        );
        check(
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            Err(code::INVALID_REQUEST),
        );
        check(
            r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
            Err(code::INVALID_REQUEST),
        );
        check(
            r#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#,
            Err(code::INVALID_REQUEST),
        );
        check(r#"[1]"#, Err(code::INVALID_REQUEST));
        check(r#"{"jsonrpc":"2.0","id":1}"#, Err(code::INVALID_REQUEST));
    }

    #[test]
    fn invalid_json_is_a_parse_error() {
        assert_eq!(parse(b"{").expect_err("not JSON").code, code::PARSE_ERROR);
    }

    #[test]
    fn replies_embed_the_result_verbatim() {
        let raw = RawValue::from_string("{\"a\":1}".into()).expect("raw");
        assert_eq!(
            reply(&json!("x"), &raw),
            r#"{"jsonrpc":"2.0","id":"x","result":{"a":1}}"#
        );
    }
}
