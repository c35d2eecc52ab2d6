//! `tools/list`: the scope's listings, serialised at start-up, joined as text into pages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::jsonrpc::RpcError;
use super::{Handler, McpEndpoint, discovery, shape};
use crate::catalogue::{ClientProfile, ToolExposure};

/// How many tools one `tools/list` page holds by default: more than the whole catalogue, so
/// a scope is one page unless `MAX_LIST_PAGE_BYTES` cuts it. Clients of the 1.x SDKs that open
/// a session per call (LangChain's adapters) read only the first page, and could then neither
/// find nor check a tool beyond it.
pub const DEFAULT_LIST_PAGE_SIZE: usize = 1000;

/// The most listing bytes one `tools/list` page holds. The Python SDK refuses a server-sent
/// event over 1 MiB, which is how the answer travels on the legacy SSE transport and to
/// clients that accept only event streams; the whole catalogue (about 1.2 MB) takes two pages.
pub const MAX_LIST_PAGE_BYTES: usize = 900 * 1024;

impl Handler {
    /// The `tools/list` result as JSON text: the page's pre-serialised listings joined, plus
    /// the cursor and, for modern requests, the caching hints and decorations.
    pub(super) fn list_tools(
        &self,
        endpoint: &McpEndpoint,
        params: Option<&Value>,
        modern: bool,
        profile: ClientProfile,
    ) -> Result<String, RpcError> {
        let scope = &endpoint.scope;
        if scope.exposure == ToolExposure::Discovery {
            let list = json!({"tools": discovery::meta_tool_listings()});
            return Ok(shape::list(list, modern).to_string());
        }
        let start = match params.and_then(|p| p.get("cursor")) {
            None | Some(Value::Null) => 0,
            Some(Value::String(cursor)) => decode_list_cursor(cursor)
                .filter(|&offset| offset <= scope.tools().len())
                .ok_or_else(|| RpcError::invalid_params("Invalid cursor: pass back the nextCursor of the previous tools/list answer unchanged"))?,
            Some(_) => return Err(RpcError::invalid_params("Invalid cursor: it must be a string")),
        };
        // As many tools as fit both the page size and the byte budget, at least one.
        let mut page = Vec::new();
        let mut bytes = 0;
        for tool in scope.tools()[start..].iter().take(self.list_page_size) {
            let listing = tool.listing_for(profile);
            if !page.is_empty() && bytes + listing.len() + 1 > MAX_LIST_PAGE_BYTES {
                break;
            }
            bytes += listing.len() + 1;
            page.push(listing);
        }
        let end = start + page.len();
        let mut out = String::with_capacity(page.iter().map(|l| l.len() + 1).sum::<usize>() + 256);
        out.push_str("{\"tools\":[");
        for (i, listing) in page.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(listing);
        }
        out.push(']');
        if end < scope.tools().len() {
            out.push_str(",\"nextCursor\":");
            out.push_str(&Value::from(URL_SAFE_NO_PAD.encode(end.to_string())).to_string());
        }
        if modern {
            shape::write_list_members(&mut out);
        }
        out.push('}');
        Ok(out)
    }
}

fn decode_list_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}
