//! stdio transport: newline-delimited JSON-RPC on stdin/stdout, for desktop clients that start
//! the server as a child process. Logs go to stderr, never stdout.
//!
//! Messages are answered one at a time, in order. While one is being answered stdin is still
//! read: the client's answer to a question the call asked (a confirmation) goes to it at once,
//! and anything else waits its turn.

use std::collections::VecDeque;
use std::pin::pin;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::mcp::dispatch::{ClientSession, dispatch};
use crate::mcp::peer::ClientLink;
use crate::mcp::{Handler, McpEndpoint};

/// Longest line accepted; a longer one is answered with a parse error and skipped.
const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// Questions to the client that may wait to be written.
const QUESTION_BUFFER: usize = 32;

/// Serves until stdin closes.
pub async fn serve(handler: &Handler, endpoint: &McpEndpoint) -> std::io::Result<()> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    let (outbound, mut questions) = mpsc::channel::<String>(QUESTION_BUFFER);
    // One client per process: its `initialize` settles the profile for the rest.
    let mut session = ClientSession {
        remembered: None,
        link: Some(ClientLink {
            owner: "stdio".into(),
            outbound: Some(outbound.clone()),
        }),
        notify: Some(outbound),
    };
    let mut waiting: VecDeque<String> = VecDeque::new();
    let mut stdin_open = true;
    loop {
        let line = match waiting.pop_front() {
            Some(line) => line,
            None if stdin_open => match lines.next_line().await? {
                Some(line) => line,
                None => break,
            },
            None => break,
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let body: &[u8] = if line.len() > MAX_LINE_BYTES {
            b"<oversized>"
        } else {
            line.as_bytes()
        };
        let dispatched = {
            let mut answering = pin!(dispatch(handler, endpoint, body, true, None, &session));
            loop {
                tokio::select! {
                    dispatched = &mut answering => break dispatched,
                    Some(question) = questions.recv() => write_line(&mut stdout, &question).await?,
                    next = lines.next_line(), if stdin_open => match next? {
                        Some(next) if is_response(&next) => {
                            // Delivering an answer awaits nothing, so the call is not held up.
                            dispatch(handler, endpoint, next.as_bytes(), true, None, &session).await;
                        }
                        Some(next) => waiting.push_back(next),
                        // A call waiting for an answer has sent nothing to BMS yet, and no
                        // answer can come now: it is dropped. Any other call finishes first.
                        None if !handler.pending().is_empty() => return Ok(()),
                        None => stdin_open = false,
                    },
                }
            }
        };
        // Notifications the call queued as it finished go before its reply.
        while let Ok(notice) = questions.try_recv() {
            write_line(&mut stdout, &notice).await?;
        }
        session.remembered = dispatched.client.or(session.remembered);
        if let Some(reply) = dispatched.message {
            write_line(&mut stdout, &reply).await?;
        }
    }
    Ok(())
}

/// Whether a line is a JSON-RPC response (an answer to one of our questions).
fn is_response(line: &str) -> bool {
    line.len() <= MAX_LINE_BYTES
        && serde_json::from_str::<Value>(line).is_ok_and(|message| {
            message.get("method").is_none()
                && message.get("id").is_some()
                && (message.get("result").is_some() || message.get("error").is_some())
        })
}

async fn write_line(out: &mut (impl AsyncWrite + Unpin), message: &str) -> std::io::Result<()> {
    out.write_all(message.as_bytes()).await?;
    out.write_all(b"\n").await?;
    out.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_results_and_errors_with_ids_are_responses() {
        assert!(is_response(
            r#"{"jsonrpc":"2.0","id":"q1","result":{"action":"accept"}}"#
        ));
        assert!(is_response(
            r#"{"jsonrpc":"2.0","id":"q1","error":{"code":-1}}"#
        ));
        assert!(!is_response(
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#
        ));
        assert!(!is_response(
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled"}"#
        ));
        assert!(!is_response("not json"));
    }
}
