//! `cargo xtask tokens [--requests N]`: how long a release `serve` takes to refuse each kind of
//! bad MCP token (unknown, tampered, truncated, revoked, expired, another tenant's), beside a
//! valid one, with requests of every kind interleaved so drift and neighbours' load fall on
//! all alike. Written to `BENCHMARKS.md`; `SECURITY.md` explains why the figures look as they
//! do. A harness, not a test: it fails only when a token is answered with the wrong status.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::http::{self, LocalUrl};
use super::processes::{admin_call, first_account};
use super::sections;
use crate::cli::count_flag;
use crate::served::{Profile, Server, build_binary};

const USAGE: &str = "usage: cargo xtask tokens [--requests N] (per kind of token; default 3000)";
const DEFAULT_REQUESTS: usize = 3000;
/// Untimed requests per kind first, so every connection, cache and code path is warm.
const WARM_UP: usize = 200;
const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

/// One kind of token and the connection its requests go over.
struct Kind {
    name: &'static str,
    /// How the token was made, for the report.
    made: &'static str,
    url: LocalUrl,
    bearer: Option<String>,
    expected: u16,
    stream: Option<TcpStream>,
    times: Vec<Duration>,
}

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let requests = count_flag(args, "--requests", DEFAULT_REQUESTS, USAGE)?;
    let binary = build_binary(root, Profile::Release)?;
    let server = Server::start(&binary, &[])?;
    let mut kinds = kinds(&server)?;
    println!(
        "== {} kinds of token × {requests} requests, interleaved ==",
        kinds.len()
    );
    for _ in 0..WARM_UP {
        for kind in &mut kinds {
            kind.exchange()?;
        }
    }
    for round in 0..requests {
        // Rotate who goes first, so no kind always follows the same one.
        let n = kinds.len();
        for i in 0..n {
            let kind = &mut kinds[(round + i) % n];
            let took = kind.exchange()?;
            kind.times.push(took);
        }
    }
    let markdown = markdown(root, requests, &mut kinds);
    println!("\n{markdown}");
    sections::write(root, "tokens", &markdown)?;
    println!("wrote the tokens section of BENCHMARKS.md");
    Ok(())
}

/// Every kind of token, made on `server` through its admin API.
fn kinds(server: &Server) -> anyhow::Result<Vec<Kind>> {
    let base = server.base_url();
    let valid = server
        .mcp_url
        .rsplit_once("/mcp/")
        .map(|(_, t)| t.to_owned())
        .context("the MCP URL has no token")?;
    let account = first_account(server)?;
    let new_server = |account: &str, body: Value| -> anyhow::Result<(String, String)> {
        let made = admin_call(
            server,
            "POST",
            &format!("/integrated-account/{account}/mcp"),
            Some(body),
        )?;
        match (made["id"].as_str(), made["token"].as_str()) {
            (Some(id), Some(token)) => Ok((id.to_owned(), token.to_owned())),
            _ => bail!("creating an MCP server answered {made}"),
        }
    };

    let (revoked_id, revoked) = new_server(&account, json!({"name": "to revoke"}))?;
    ping_once(base, &revoked, 200)?;
    admin_call(
        server,
        "DELETE",
        &format!("/integrated-account/{account}/mcp/{revoked_id}"),
        None,
    )?;

    let expiry_secs = super::command_line("date", &["-u", "+%s"])
        .parse::<u64>()
        .context("reading the clock")?
        + 2;
    let expires_at = super::command_line(
        "date",
        &[
            "-u",
            "-d",
            &format!("@{expiry_secs}"),
            "+%Y-%m-%dT%H:%M:%SZ",
        ],
    );
    let (_, expired) = new_server(
        &account,
        json!({"name": "to expire", "expires_at": expires_at}),
    )?;
    ping_once(base, &expired, 200)?;

    let other = admin_call(
        server,
        "POST",
        "/integrated-account",
        Some(json!({"name": "other tenant", "region": "sandbox",
            "username": "sandbox@example.com", "password": "sandbox", "tenant": "Sandbox MSP"})),
    )?;
    let other = other["id"]
        .as_str()
        .with_context(|| format!("creating an account answered {other}"))?
        .to_owned();
    let (_, other_token) = new_server(
        &other,
        json!({"name": "needs an admin token", "config": {"require_api_token_auth": true}}),
    )?;

    // Let the expiry pass (the reaper deletes the server at its expiry second).
    std::thread::sleep(Duration::from_secs(3));
    ping_once(base, &expired, 401)?;

    let mut tampered = valid.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).context("tokens are ASCII")?;
    let truncated = valid[..valid.len() - 4].to_owned();

    let kind = |name, made, token: &str, bearer: Option<&str>, expected| -> anyhow::Result<Kind> {
        Ok(Kind {
            name,
            made,
            url: LocalUrl::parse(&format!("{base}/mcp/{token}"))?,
            bearer: bearer.map(str::to_owned),
            expected,
            stream: None,
            times: Vec::new(),
        })
    };
    Ok(vec![
        kind(
            "unknown",
            "`bmsm_` and 43 random characters: well-formed, never issued",
            &random_token()?,
            None,
            401,
        )?,
        kind(
            "tampered",
            "the valid token with its middle character changed",
            &tampered,
            None,
            401,
        )?,
        kind(
            "truncated",
            "the valid token without its last 4 characters",
            &truncated,
            None,
            401,
        )?,
        kind(
            "revoked",
            "issued, used once, revoked through the admin API",
            &revoked,
            None,
            401,
        )?,
        kind(
            "expired",
            "issued with `expires_at` 2 s ahead, used once, then left to expire",
            &expired,
            None,
            401,
        )?,
        kind(
            "other tenant",
            "another account's live server that requires an admin token, sent the valid MCP token of the first account as the bearer",
            &other_token,
            Some(&valid),
            401,
        )?,
        kind(
            "valid (reference)",
            "the first run's MCP URL: answered 200, not refused",
            &valid,
            None,
            200,
        )?,
    ])
}

impl Kind {
    /// One ping over this kind's keep-alive connection; the time from the first byte sent to
    /// the last byte of the answer read.
    fn exchange(&mut self) -> anyhow::Result<Duration> {
        let mut head = http::request_head(
            "POST",
            &self.url,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
            ],
            PING.len(),
        );
        if let Some(bearer) = &self.bearer {
            head.push_str(&format!("Authorization: Bearer {bearer}\r\n"));
        }
        head.push_str("\r\n");
        head.push_str(PING);
        if self.stream.is_none() {
            self.stream = Some(http::connect(&self.url)?);
        }
        let stream = self.stream.as_mut().context("a connection")?;
        let started = Instant::now();
        stream.write_all(head.as_bytes())?;
        let (status, close) = read_answer(stream)?;
        let took = started.elapsed();
        if close {
            self.stream = None;
        }
        if status != self.expected {
            bail!(
                "the {} token was answered {status}, not {}",
                self.name,
                self.expected
            );
        }
        Ok(took)
    }
}

/// Reads one answer with a `Content-Length`; its status and whether the server closes.
fn read_answer(stream: &mut TcpStream) -> anyhow::Result<(u16, bool)> {
    let mut raw = Vec::with_capacity(1024);
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            bail!("the server closed the connection mid-answer");
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("an answer without a status")?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .context("an answer without Content-Length")?;
    let close = head.lines().any(|l| l.trim() == "connection: close");
    while raw.len() < end + 4 + length {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            bail!("the server closed the connection mid-body");
        }
        raw.extend_from_slice(&buf[..n]);
    }
    Ok((status, close))
}

fn ping_once(base: &str, token: &str, expected: u16) -> anyhow::Result<()> {
    let reply = http::send(
        "POST",
        &format!("{base}/mcp/{token}"),
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
        ],
        PING.as_bytes(),
    )?;
    if reply.status != expected {
        bail!("a ping answered {}, not {expected}", reply.status);
    }
    Ok(())
}

/// A well-formed MCP token nobody issued: the prefix and 43 characters of the URL-safe
/// alphabet from the kernel's random source.
fn random_token() -> anyhow::Result<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = [0u8; 43];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    let rest: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 64)]))
        .collect();
    Ok(format!("bmsm_{rest}"))
}

/// The `q` quantile of sorted times, in microseconds.
fn quantile_us(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
}

fn markdown(root: &Path, requests: usize, kinds: &mut [Kind]) -> String {
    for kind in kinds.iter_mut() {
        kind.times.sort();
    }
    let (base_p50, base_p99) = kinds
        .iter()
        .find(|k| k.name == "unknown")
        .map_or((0.0, 0.0), |k| {
            (quantile_us(&k.times, 0.5), quantile_us(&k.times, 0.99))
        });
    let mut md = String::from("## Token checks (`cargo xtask tokens`)\n\n");
    md.push_str(&format!(
        "- **Date:** {}; **commit:** {}; **machine:** {}\n- Release `serve` on SQLite with \
         the built-in sandbox; {requests} `ping` requests per kind of token after {WARM_UP} \
         untimed ones, every kind interleaved (one request of each in turn, the order rotated \
         each round), each kind on its own keep-alive connection. Time: first byte sent to the \
         last byte of the answer read, on loopback.\n\n",
        super::command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        super::commit(root),
        super::machine(),
    ));
    md.push_str(
        "| token | answer | p50 | p99 | p50 − unknown | p99 − unknown |\n|---|---|---|---|---|---|\n",
    );
    for kind in kinds.iter() {
        let (p50, p99) = (
            quantile_us(&kind.times, 0.5),
            quantile_us(&kind.times, 0.99),
        );
        md.push_str(&format!(
            "| {} | {} | {p50:.0} µs | {p99:.0} µs | {:+.0} µs | {:+.0} µs |\n",
            kind.name,
            kind.expected,
            p50 - base_p50,
            p99 - base_p99,
        ));
    }
    md.push_str("\nHow each token was made:\n\n");
    for kind in kinds.iter() {
        md.push_str(&format!("- **{}**: {}.\n", kind.name, kind.made));
    }
    md
}
