//! A real `bms-mcp serve` process for tests that need the binary: first-run output, restarts,
//! signals.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A real `bms-mcp serve` process (the built binary) on a free port, its stdout read line by
/// line.
pub struct Serve {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Serve {
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bms-mcp"));
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env_remove("DATABASE_URL")
            .env_remove("BMS_MCP_DATA_KEY")
            .env_remove("BMS_MCP_BMS_URL")
            .env_remove("BMS_MCP_PUBLIC_URL")
            .env("BMS_MCP_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().expect("bms-mcp serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Serve {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Lines up to and including the first that starts with `prefix`; that line's rest.
    pub fn until(&mut self, prefix: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no `{prefix}` line; saw {:#?}", self.seen));
            self.seen.push(line.clone());
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
    }

    pub fn base_url(&self) -> String {
        let line = self
            .seen
            .iter()
            .find(|l| l.contains(" listening on "))
            .expect("a listening line");
        line.rsplit(' ').next().unwrap_or_default().to_owned()
    }

    /// SIGTERM, then wait: the graceful path (flush the audit log, close the store).
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "serve exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("serve did not stop within 10 s of SIGTERM");
    }
}

impl Serve {
    /// SIGKILL: the process dies wherever it is (crash tests).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
