//! Running `bms-mcp` for the interop suite and the bench: building the binary, starting a
//! `serve` on a fresh data directory and reading what it prints.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, bail};

/// Which cargo profile to build `bms-mcp` with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The test profile: quick to build, for the interop suite.
    Debug,
    /// What users run, for the bench.
    Release,
}

/// `cargo`, without the variables `cargo run` set for xtask itself. Build scripts (ring's,
/// cc's) rerun when `CARGO_PKG_NAME` or `CARGO_MANIFEST_DIR` change, so inheriting xtask's
/// values rebuilt them on every switch between `cargo build` in a shell and a build from here.
pub fn cargo() -> Command {
    let mut command = Command::new("cargo");
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let set_by_cargo_run = [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix))
            || name == "CARGO_PRIMARY_PACKAGE";
        if set_by_cargo_run {
            command.env_remove(name);
        }
    }
    command
}

/// Builds the `bms-mcp` binary and returns its path.
pub fn build_binary(root: &Path, profile: Profile) -> anyhow::Result<PathBuf> {
    println!("== building bms-mcp ({profile:?}) ==");
    let mut command = cargo();
    command.args(["build", "--package", "bms-mcp", "--bin", "bms-mcp"]);
    if profile == Profile::Release {
        command.arg("--release");
    }
    let status = command
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build failed");
    }
    let dir = match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    };
    Ok(root.join("target").join(dir).join("bms-mcp"))
}

/// Builds `examples/{name}.rs` of the `bms-mcp` package in release and returns its path.
pub fn build_example(root: &Path, name: &str) -> anyhow::Result<PathBuf> {
    build_release(
        root,
        &["--package", "bms-mcp", "--example", name],
        &format!("examples/{name}.rs"),
    )?;
    Ok(root.join("target/release/examples").join(name))
}

/// Builds the `bench-floor` crate (the bench's minimal proxy) in release and returns its path.
pub fn build_floor(root: &Path) -> anyhow::Result<PathBuf> {
    build_release(root, &["--package", "bench-floor"], "bench-floor")?;
    Ok(root.join("target/release/bench-floor"))
}

fn build_release(root: &Path, args: &[&str], what: &str) -> anyhow::Result<()> {
    println!("== building {what} (Release) ==");
    let status = cargo()
        .args(["build", "--release"])
        .args(args)
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building {what} failed");
    }
    Ok(())
}

/// Spawns `command` with its stdout piped and drained by a thread into the returned channel,
/// one line at a time, so the child never blocks on a full pipe.
pub fn spawn_reading_lines(
    command: &mut Command,
) -> anyhow::Result<(Child, mpsc::Receiver<String>)> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {:?}", command.get_program()))?;
    let stdout = child.stdout.take().context("the child's stdout")?;
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    Ok((child, lines_rx))
}

/// A `bms-mcp serve` on a free loopback port with a fresh data directory (so it is a first run
/// and prints its MCP URL and admin token), stopped and removed on drop. Without
/// `--bms-url` among `extra_args` it starts the built-in sandbox.
pub struct Server {
    child: Child,
    data_dir: PathBuf,
    /// The first run's MCP server URL (every tool in scope unless `extra_args` narrow it).
    pub mcp_url: String,
    /// The first run's admin API token.
    pub admin_token: String,
    /// The built-in sandbox's base URL; empty when serve was pointed at another BMS.
    pub sandbox_url: String,
}

impl Server {
    pub fn start(binary: &Path, extra_args: &[&str]) -> anyhow::Result<Server> {
        let data_dir =
            std::env::temp_dir().join(format!("bms-mcp-serve-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&data_dir).context("creating the data directory")?;
        let (child, lines) = spawn_reading_lines(
            Command::new(binary)
                .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
                .arg(&data_dir)
                .args(extra_args)
                .env("BMS_MCP_LOG", "warn")
                .env_remove("DATABASE_URL")
                .stderr(Stdio::inherit()),
        )
        .context("starting bms-mcp serve")?;
        let mut server = Server {
            child,
            data_dir,
            mcp_url: String::new(),
            admin_token: String::new(),
            sandbox_url: String::new(),
        };
        while server.mcp_url.is_empty() || server.admin_token.is_empty() {
            let line = lines
                .recv_timeout(Duration::from_secs(60))
                .context("bms-mcp serve printed no MCP URL and admin token within 60 s")?;
            if let Some(url) = line.strip_prefix("MCP URL: ") {
                server.mcp_url = url.trim().to_owned();
            } else if let Some(token) = line.strip_prefix("Admin token: ") {
                server.admin_token = token.trim().to_owned();
            } else if let Some(rest) = line.strip_prefix("BMS: built-in sandbox at ") {
                server.sandbox_url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
        }
        Ok(server)
    }

    /// The process id, for reading its CPU time and memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The store's directory (removed when the server is dropped).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `http://host:port`, the part of the MCP URL before `/mcp/`.
    pub fn base_url(&self) -> &str {
        self.mcp_url
            .split_once("/mcp/")
            .map_or(self.mcp_url.as_str(), |(base, _)| base)
    }
}

/// A number no other server of this run has used.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
