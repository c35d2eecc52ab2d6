//! stdio transport: newline-delimited JSON-RPC on stdin/stdout, for desktop clients that start
//! the server as a child process. Logs go to stderr, never stdout.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::dispatch::dispatch;
use crate::mcp::{Handler, McpEndpoint};

/// Longest line accepted; a longer one is answered with a parse error and skipped.
const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// Serves until stdin closes.
pub async fn serve(handler: &Handler, endpoint: &McpEndpoint) -> std::io::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    // One client per process: its `initialize` settles the profile for the rest.
    let mut client = None;
    while let Some(line) = lines.next_line().await? {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let body: &[u8] = if line.len() > MAX_LINE_BYTES {
            b"<oversized>"
        } else {
            line.as_bytes()
        };
        let dispatched = dispatch(handler, endpoint, body, true, None, client).await;
        client = dispatched.client.or(client);
        if let Some(reply) = dispatched.reply {
            stdout.write_all(reply.as_bytes()).await?;
            stdout.write_all(b"\n").await?;
            stdout.flush().await?;
        }
    }
    Ok(())
}
