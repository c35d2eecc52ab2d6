//! What `deploy/` ships: the systemd unit passes `systemd-analyze verify` and is hardened, the
//! example files are accepted by `config check`, and the binary needs no OpenSSL.

mod process;

use std::path::{Path, PathBuf};
use std::process::Command;

use process::bms_mcp;

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(file)
}

fn read(file: &str) -> String {
    std::fs::read_to_string(deploy(file)).expect("deploy file")
}

fn has(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

/// The unit as installed, with `ExecStart` pointing at the binary under test (verify checks
/// that the program exists and is executable).
fn installed_unit(dir: &Path) -> PathBuf {
    let unit =
        read("bms-mcp.service").replace("/usr/local/bin/bms-mcp", env!("CARGO_BIN_EXE_bms-mcp"));
    let path = dir.join("bms-mcp.service");
    std::fs::write(&path, unit).expect("write unit");
    path
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify_without_a_warning() {
    if !has("systemd-analyze") {
        eprintln!("SKIPPED: systemd-analyze is not installed (apt-get install systemd)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = installed_unit(dir.path());
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("systemd-analyze runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify: {stderr}");
    // Unknown keys and unparsable values are only warnings for systemd: refuse them too.
    assert!(stderr.trim().is_empty(), "systemd-analyze verify: {stderr}");
}

#[test]
fn the_systemd_unit_rates_as_well_hardened() {
    if !has("systemd-analyze") {
        eprintln!("SKIPPED: systemd-analyze is not installed (apt-get install systemd)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = installed_unit(dir.path());
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(&unit)
        .output()
        .expect("systemd-analyze runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(level) = stdout.lines().find_map(|l| {
        l.split("Overall exposure level for bms-mcp.service: ")
            .nth(1)
    }) else {
        eprintln!(
            "SKIPPED: this systemd-analyze has no offline security report: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    };
    let score: f64 = level
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a score");
    // systemd calls up to 2.0 "OK" (the best band); a default unit scores 9.6 ("UNSAFE").
    assert!(score <= 2.0, "exposure {level}");
}

#[test]
fn the_unit_runs_as_a_dedicated_user_with_state_only_under_its_data_dir() {
    let unit = read("bms-mcp.service");
    let directives: Vec<&str> = unit
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    for required in [
        "DynamicUser=yes",
        "StateDirectory=bms-mcp",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "RestartPreventExitStatus=2",
        "ExecStart=/usr/local/bin/bms-mcp serve --config /etc/bms-mcp/config.toml",
    ] {
        assert!(directives.contains(&required), "missing {required}");
    }
    assert!(
        !directives.iter().any(|d| d.starts_with("ReadWritePaths=")),
        "nothing writable besides the state directory"
    );
    let config = read("config.example.toml");
    assert!(config.contains("data_dir = \"/var/lib/bms-mcp\""));
    // The drain on SIGTERM must end before systemd's stop timeout kills the process.
    assert!(directives.contains(&"TimeoutStopSec=45s"));
    assert!(config.contains("shutdown_grace_seconds = 30"));
}

#[tokio::test]
async fn the_example_config_and_env_files_pass_config_check() {
    let env_file = read("bms-mcp.env.example");
    let mut command = bms_mcp();
    command
        .args(["config", "check", "--config"])
        .arg(deploy("config.example.toml"));
    for line in env_file.lines() {
        // Uncommented lines apply as they are; commented ones must name a known variable too.
        let active = !line.starts_with('#');
        let Some((name, value)) = line.trim_start_matches("# ").split_once('=') else {
            continue;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            continue;
        }
        assert!(
            bms_mcp::config::KEYS.iter().any(|k| k.env == name),
            "{name} in bms-mcp.env.example is not a configuration variable"
        );
        if active {
            command.env(name, value);
        }
    }
    let out = command.output().await.expect("bms-mcp runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public_url = ["public_url", "https://mcp.example.com", "config", "file"];
    assert!(
        stdout.lines().any(|l| l.split_whitespace().eq(public_url)),
        "{stdout}"
    );
}

#[test]
fn the_binary_links_no_openssl() {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"))
        .expect("Cargo.lock");
    for crate_name in ["openssl-sys", "native-tls", "openssl"] {
        assert!(
            !lock.contains(&format!("name = \"{crate_name}\"")),
            "{crate_name} is in Cargo.lock"
        );
    }
    if !has("ldd") {
        eprintln!("SKIPPED the ldd half: ldd is not installed");
        return;
    }
    let out = Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_bms-mcp"))
        .output()
        .expect("ldd runs");
    let libraries = String::from_utf8_lossy(&out.stdout);
    assert!(
        !libraries.contains("libssl") && !libraries.contains("libcrypto"),
        "{libraries}"
    );
}
