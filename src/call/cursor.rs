//! Paging cursors: opaque to the agent, tamper-evident to us. A cursor carries the tool name,
//! the page to fetch, the page size and the original filters, signed with HMAC-SHA256, so a
//! model that edits or invents one is told so instead of reading someone else's page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::Sha256;

/// What a cursor holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorState {
    #[serde(rename = "t")]
    pub tool: String,
    #[serde(rename = "p")]
    pub page: u64,
    #[serde(rename = "s")]
    pub size: u64,
    /// The call's other arguments (filters), unchanged.
    #[serde(rename = "a")]
    pub args: Map<String, Value>,
}

/// Signs and checks cursors with one key.
#[derive(Clone)]
pub struct CursorCodec {
    /// HMAC-SHA256 keyed once: each use clones it, rather than hashing the key's inner and
    /// outer pads again (two of the four SHA-256 blocks of every tag).
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec(<key>)")
    }
}

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error(
        "`cursor` is not one this server issued (it was changed, cut short, or comes from another server); pass `next_cursor` back exactly as received, or call the tool again without `cursor` to start over"
    )]
    Invalid,
    #[error(
        "`cursor` was issued by another tool ({0}); pass it only to the tool whose answer carried it"
    )]
    OtherTool(String),
}

const TAG_LEN: usize = 16;

impl CursorCodec {
    pub fn new(key: [u8; 32]) -> Self {
        // HMAC takes keys of any length; 32 bytes cannot fail.
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(&key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        CursorCodec { keyed }
    }

    /// The codec for one MCP server's cursors: its key is derived from this one and the
    /// server's id, so a cursor issued through one MCP server (one tenant, one scope) is
    /// refused by every other, even on the same tool.
    pub fn for_server(&self, server_id: &str) -> CursorCodec {
        let mut mac = self.mac();
        mac.update(b"mcp server\0");
        mac.update(server_id.as_bytes());
        CursorCodec::new(mac.finalize().into_bytes().into())
    }

    pub fn encode(&self, state: &CursorState) -> String {
        let payload = serde_json::to_vec(state).unwrap_or_default();
        let tag = self.tag(&payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn decode(&self, cursor: &str, tool: &str) -> Result<CursorState, CursorError> {
        let (payload, tag) = cursor.split_once('.').ok_or(CursorError::Invalid)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| CursorError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| CursorError::Invalid)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_truncated_left(&tag)
            .map_err(|_| CursorError::Invalid)?;
        if tag.len() != TAG_LEN {
            return Err(CursorError::Invalid);
        }
        let state: CursorState =
            serde_json::from_slice(&payload).map_err(|_| CursorError::Invalid)?;
        if state.tool != tool {
            return Err(CursorError::OtherTool(state.tool));
        }
        Ok(state)
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }

    fn tag(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(payload);
        mac.finalize().into_bytes()[..TAG_LEN].to_vec()
    }
}

/// Each MCP server's codec, derived from the master key on a server's first paged call and
/// kept: deriving one is an HMAC of its own, on every list call before this.
pub struct ServerCursors {
    master: CursorCodec,
    derived: Mutex<HashMap<Arc<str>, CursorCodec>>,
}

/// Codecs kept before the cache starts over (a few hundred bytes each).
const MAX_SERVER_CODECS: usize = 4096;

impl ServerCursors {
    pub fn new(master: CursorCodec) -> ServerCursors {
        ServerCursors {
            master,
            derived: Mutex::new(HashMap::new()),
        }
    }

    /// The master codec, for calls that read no cursor.
    pub fn master(&self) -> &CursorCodec {
        &self.master
    }

    /// `CursorCodec::for_server` of the master codec, derived once per server.
    pub fn for_server(&self, server_id: &Arc<str>) -> CursorCodec {
        let mut derived = self
            .derived
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(codec) = derived.get(server_id) {
            return codec.clone();
        }
        if derived.len() >= MAX_SERVER_CODECS {
            derived.clear();
        }
        let codec = self.master.for_server(server_id);
        derived.insert(server_id.clone(), codec.clone());
        codec
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_kept_server_codec_is_the_derived_one() {
        let cursors = ServerCursors::new(CursorCodec::new([7; 32]));
        let server: Arc<str> = "srv_1".into();
        let cursor = cursors.for_server(&server).encode(&state());
        for _ in 0..2 {
            let fresh = cursors.master().for_server("srv_1");
            assert_eq!(fresh.decode(&cursor, &state().tool), Ok(state()));
            assert_eq!(
                cursors.for_server(&server).decode(&cursor, &state().tool),
                Ok(state())
            );
        }
        let other: Arc<str> = "srv_2".into();
        assert_eq!(
            cursors.for_server(&other).decode(&cursor, &state().tool),
            Err(CursorError::Invalid)
        );
    }

    fn state() -> CursorState {
        let Value::Object(args) = json!({"filter_queue_names": "Triage"}) else {
            unreachable!()
        };
        CursorState {
            tool: "list_all_x".into(),
            page: 2,
            size: 25,
            args,
        }
    }

    #[test]
    fn a_cursor_from_one_mcp_server_is_refused_by_another() {
        let codec = CursorCodec::new([7; 32]);
        let cursor = codec.for_server("server-a").encode(&state());
        assert_eq!(
            codec.for_server("server-a").decode(&cursor, "list_all_x"),
            Ok(state())
        );
        assert_eq!(
            codec.for_server("server-b").decode(&cursor, "list_all_x"),
            Err(CursorError::Invalid)
        );
        assert_eq!(
            codec.decode(&cursor, "list_all_x"),
            Err(CursorError::Invalid)
        );
    }

    #[test]
    fn a_cursor_round_trips() {
        let codec = CursorCodec::new([7; 32]);
        let cursor = codec.encode(&state());
        assert_eq!(codec.decode(&cursor, "list_all_x"), Ok(state()));
    }

    #[test]
    fn an_edited_cursor_is_refused() {
        let codec = CursorCodec::new([7; 32]);
        let cursor = codec.encode(&state());
        let forged = CursorState { page: 9, ..state() };
        let forged_payload = codec.encode(&forged);
        let spliced = format!(
            "{}.{}",
            forged_payload.split_once('.').map_or("", |p| p.0),
            cursor.split_once('.').map_or("", |p| p.1)
        );
        assert_eq!(
            codec.decode(&spliced, "list_all_x"),
            Err(CursorError::Invalid)
        );
        assert_eq!(
            codec.decode("garbage", "list_all_x"),
            Err(CursorError::Invalid)
        );
        assert_eq!(
            codec.decode(&cursor[..cursor.len() - 2], "list_all_x"),
            Err(CursorError::Invalid)
        );
    }

    #[test]
    fn a_cursor_from_another_key_or_tool_is_refused() {
        let cursor = CursorCodec::new([7; 32]).encode(&state());
        assert_eq!(
            CursorCodec::new([8; 32]).decode(&cursor, "list_all_x"),
            Err(CursorError::Invalid)
        );
        assert_eq!(
            CursorCodec::new([7; 32]).decode(&cursor, "list_all_y"),
            Err(CursorError::OtherTool("list_all_x".into()))
        );
    }
}
