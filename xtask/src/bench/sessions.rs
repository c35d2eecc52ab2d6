//! Many open MCP sessions at once: legacy SSE streams (`GET /mcp/{token}/sse`), each of which
//! the server keeps as a session in its hub until the client goes away.

use std::io::{Read, Write};
use std::net::TcpStream;

use anyhow::{Context, bail};

use super::http::{self, LocalUrl};

/// Opens `count` SSE sessions at `mcp_url`, waits until each has named its message endpoint,
/// runs `measure` while all are open, then closes them.
pub fn with_open_sse_sessions<T>(
    mcp_url: &str,
    count: usize,
    measure: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let url = LocalUrl::parse(&format!("{mcp_url}/sse"))?;
    let mut streams = Vec::with_capacity(count);
    for n in 0..count {
        streams.push(open(&url).with_context(|| format!("opening SSE session {}", n + 1))?);
    }
    let measured = measure();
    drop(streams);
    measured
}

/// One stream, read until the `endpoint` event that makes it a session.
fn open(url: &LocalUrl) -> anyhow::Result<TcpStream> {
    let mut stream = http::connect(url)?;
    let mut head = http::request_head("GET", url, &[("Accept", "text/event-stream")], 0);
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !contains(&seen, b"event: endpoint") && !contains(&seen, b"event:endpoint") {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            bail!(
                "the stream closed before naming its endpoint: {}",
                String::from_utf8_lossy(&seen)
            );
        }
        seen.extend_from_slice(&buffer[..n]);
    }
    if !seen.starts_with(b"HTTP/1.1 200") {
        bail!(
            "GET {} answered {}",
            "…/sse",
            String::from_utf8_lossy(&seen)
        );
    }
    Ok(stream)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
