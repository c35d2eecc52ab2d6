//! A small HTTP/1.1 client over `std::net::TcpStream` for the bench's own requests: sign-in,
//! the admin API, checking each workload once before it is loaded, cold starts and held-open
//! event streams. The load itself comes from wrk. Loopback only: a URL naming any other host
//! is refused, so nothing the bench sends leaves the machine.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, bail};

/// Time allowed to connect, and for each read or write.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A URL of a server on this machine, split for a request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalUrl {
    pub addr: SocketAddr,
    /// `host:port` for the Host header.
    pub authority: String,
    /// Path and query.
    pub path: String,
}

impl LocalUrl {
    /// Parses `http://127.0.0.1:PORT/path?query` (or `localhost`).
    pub fn parse(url: &str) -> anyhow::Result<LocalUrl> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("`{url}`: the bench speaks plain http to loopback only"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = authority
            .rsplit_once(':')
            .with_context(|| format!("`{url}` names no port"))?;
        let port: u16 = port
            .parse()
            .with_context(|| format!("`{url}`: bad port `{port}`"))?;
        if host != "127.0.0.1" && host != "localhost" {
            bail!("`{url}` is not on 127.0.0.1: the bench sends nothing off this machine");
        }
        Ok(LocalUrl {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            authority: authority.to_owned(),
            path: path.to_owned(),
        })
    }
}

/// One answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "HTTP {} answer is not JSON: {}",
                self.status,
                self.text_start()
            )
        })
    }

    /// The start of the body, for messages.
    pub fn text_start(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(300).collect()
    }
}

/// The request line and headers of one request (`Content-Length` added when there is a body).
pub fn request_head(
    method: &str,
    url: &LocalUrl,
    headers: &[(&str, &str)],
    body_len: usize,
) -> String {
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\n",
        url.path, url.authority
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if body_len > 0 || method == "POST" {
        head.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    head
}

/// Sends one request on a new connection and reads the whole answer.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<Reply> {
    let url = LocalUrl::parse(url)?;
    let mut stream = connect(&url)?;
    let mut head = request_head(method, &url, headers, body.len());
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .with_context(|| format!("reading the answer to {method} {}", url.path))?;
    parse_reply(&raw)
}

/// A connection to `url` with the bench's timeouts.
pub fn connect(url: &LocalUrl) -> anyhow::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&url.addr, TIMEOUT)
        .with_context(|| format!("connecting to {}", url.authority))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Splits a whole HTTP/1.1 answer into status, headers and body (de-chunked).
pub fn parse_reply(raw: &[u8]) -> anyhow::Result<Reply> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("the answer has no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line `{status_line}`"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(Reply { status, body })
}

fn dechunk(mut rest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("a chunk size line has no end")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .with_context(|| format!("bad chunk size `{size_text}`"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size {
            bail!("a chunk is cut short");
        }
        body.extend_from_slice(&rest[..size]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_off_loopback_are_refused() {
        assert!(LocalUrl::parse("http://10.0.0.1:80/x").is_err());
        assert!(LocalUrl::parse("https://127.0.0.1:443/").is_err());
        let url = LocalUrl::parse("http://127.0.0.1:8080/mcp/bmsm_x?a=1").expect("loopback");
        assert_eq!(url.addr.port(), 8080);
        assert_eq!(url.path, "/mcp/bmsm_x?a=1");
    }

    #[test]
    fn chunked_answers_are_joined() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let reply = parse_reply(raw).expect("parses");
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, b"abcde");
    }
}
