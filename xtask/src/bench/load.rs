//! The load generator: wrk (Debian's package, installed here when missing) with
//! `xtask/bench/request.lua`, which sends one fixed request and prints the figures as JSON.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

/// One request, sent over and over.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    pub url: String,
    pub method: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl LoadRequest {
    /// The headers as the HTTP client takes them.
    pub fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

/// What wrk measured over one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadResult {
    pub requests: u64,
    pub seconds: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Socket errors, timeouts and HTTP statuses of 400 and above.
    pub errors: u64,
}

impl LoadResult {
    /// Requests per second.
    pub fn throughput(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Installs wrk with apt-get when it is not on PATH.
pub fn ensure_wrk() -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    println!("== installing wrk (Debian package) ==");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "wrk"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
    };
    let installed = install().is_ok_and(|s| s.success())
        || (Command::new("apt-get")
            .args(["update", "-qq"])
            .status()
            .is_ok_and(|s| s.success())
            && install().is_ok_and(|s| s.success()));
    if !installed || Command::new("wrk").arg("--version").output().is_err() {
        bail!("wrk is missing and `apt-get install -y wrk` failed; install wrk and run again");
    }
    Ok(())
}

/// Runs wrk against `request` with `connections` open connections for `duration`.
/// `work_dir` holds the request body file.
pub fn run(
    root: &Path,
    work_dir: &Path,
    request: &LoadRequest,
    connections: u32,
    duration: Duration,
) -> anyhow::Result<LoadResult> {
    let body_file = body_file(work_dir, request)?;
    let threads = connections.clamp(1, 2);
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .args(["--timeout", "10s", "-s"])
        .arg(root.join("xtask/bench/request.lua"))
        .arg(&request.url)
        .arg("--")
        .arg(request.method)
        .arg(body_file.as_deref().unwrap_or(Path::new("-")));
    for (name, value) in &request.headers {
        command.arg(format!("{name}: {value}"));
    }
    let output = command.output().context("running wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed: {}{}",
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    parse_figures(&stdout)
}

fn body_file(work_dir: &Path, request: &LoadRequest) -> anyhow::Result<Option<PathBuf>> {
    if request.body.is_empty() {
        return Ok(None);
    }
    let path = work_dir.join(format!("body-{:016x}.json", fnv1a(&request.body)));
    std::fs::write(&path, &request.body).context("writing a request body for wrk")?;
    Ok(Some(path))
}

/// A stable name for a body file.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Reads the `BENCH_JSON {...}` line `request.lua` prints when wrk is done.
pub fn parse_figures(stdout: &str) -> anyhow::Result<LoadResult> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH_JSON "))
        .with_context(|| format!("wrk printed no figures:\n{stdout}"))?;
    let json: Value = serde_json::from_str(line).context("wrk's figures are not JSON")?;
    let number = |key: &str| json.get(key).and_then(Value::as_f64).unwrap_or(0.0);
    let errors = ["connect", "read", "write", "status", "timeout"]
        .iter()
        .map(|k| number(k) as u64)
        .sum();
    Ok(LoadResult {
        requests: number("requests") as u64,
        seconds: number("duration_us") / 1e6,
        p50_us: number("p50_us"),
        p99_us: number("p99_us"),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_from_the_scripts_json_line() {
        let out = "Running 1s test\nBENCH_JSON {\"requests\":500,\"duration_us\":1000000,\
                   \"p50_us\":180.0,\"p99_us\":420.5,\"connect\":0,\"read\":0,\"write\":0,\
                   \"status\":2,\"timeout\":1}\n";
        let figures = parse_figures(out).expect("parses");
        assert_eq!(figures.requests, 500);
        assert_eq!(figures.errors, 3);
        assert!((figures.throughput() - 500.0).abs() < 1e-9);
        assert!((figures.p99_us - 420.5).abs() < 1e-9);
    }
}
