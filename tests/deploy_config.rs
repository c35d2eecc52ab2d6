//! Configuration as an operator meets it: one TOML file under `BMS_MCP_*` variables under
//! flags; `config check`; a bad key or value stops the process with exit code 2 before it
//! listens; `--version`.

mod process;

use clap::CommandFactory;
use serde_json::json;

use bms_mcp::config::{KEYS, KeyDefault};
use process::{Serve, bms_mcp, hex_key};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write file");
    path.display().to_string()
}

/// Runs `bms-mcp` to completion: exit code, stdout, stderr.
async fn run(mut command: tokio::process::Command) -> (i32, String, String) {
    let out = command.output().await.expect("bms-mcp runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The row of `config check` for a key: its value and where it came from, word by word.
fn row<'a>(output: &'a str, key: &str) -> Vec<&'a str> {
    let line = output
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no row for {key} in {output}"));
    line.split_whitespace().skip(1).collect()
}

#[tokio::test]
async fn an_unknown_key_in_the_file_exits_2_before_listening_and_suggests_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "config.toml",
        "listen = \"127.0.0.1:0\"\n# the next key is misspelt\nlist_page_sise = 5\n",
    );
    let mut command = bms_mcp();
    command.args(["serve", "--config", &file]);
    let (code, stdout, stderr) = run(command).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(!stdout.contains("listening"), "{stdout}");
    assert_eq!(
        stderr.trim(),
        format!(
            "error: config file {file} line 3: unknown key `list_page_sise`; did you mean `list_page_size`?"
        )
    );
}

#[tokio::test]
async fn a_bad_value_from_the_environment_names_its_key_flag_and_variable() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = bms_mcp();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("BMS_MCP_PUBLIC_URL", "mcp.example.com");
    let (code, stdout, stderr) = run(command).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(!stdout.contains("listening"), "{stdout}");
    assert!(
        stderr.starts_with("error: config `public_url` (--public-url, BMS_MCP_PUBLIC_URL): \"mcp.example.com\" is not a URL; give the base URL clients reach the server at"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing was created before the check"
    );
}

#[tokio::test]
async fn a_bad_data_key_exits_2_naming_the_key_and_how_to_make_one() {
    let mut command = bms_mcp();
    command
        .args(["config", "check"])
        .env("BMS_MCP_DATA_KEY", "not-hex");
    let (code, _, stderr) = run(command).await;
    assert_eq!(code, 2);
    assert!(
        stderr.contains("config `data_key` (BMS_MCP_DATA_KEY): must be 64 hex digits")
            && stderr.contains("openssl rand -hex 32"),
        "{stderr}"
    );
}

#[tokio::test]
async fn flags_win_over_the_environment_which_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "config.toml",
        "list_page_size = 7\nbody_limit = 2048\naudit_retention_days = 9\n",
    );
    let mut command = bms_mcp();
    command
        .args([
            "config",
            "check",
            "--config",
            &file,
            "--list-page-size",
            "9",
        ])
        .env("BMS_MCP_LIST_PAGE_SIZE", "8")
        .env("BMS_MCP_BODY_LIMIT", "4096");
    let (code, stdout, stderr) = run(command).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(row(&stdout, "list_page_size"), ["9", "--list-page-size"]);
    assert_eq!(
        row(&stdout, "body_limit"),
        ["4096", "env", "BMS_MCP_BODY_LIMIT"]
    );
    assert_eq!(
        row(&stdout, "audit_retention_days"),
        ["9", "config", "file"]
    );
    assert_eq!(row(&stdout, "listen"), ["127.0.0.1:8080", "default"]);
    assert!(stdout.contains("The configuration is valid."), "{stdout}");
}

#[tokio::test]
async fn config_check_masks_passwords_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data_key = hex_key();
    let file = write(
        &dir,
        "config.toml",
        &format!(
            "database_url = \"postgres://bms:db-password-1@127.0.0.1:5432/bms\"\ndata_key = \"{data_key}\"\nbms_url = \"https://api.bms.kaseya.com\"\nbms_username = \"api\"\nbms_password = \"bms-password-2\"\nbms_tenant = \"acme\"\n"
        ),
    );
    let secret_key = hex_key();
    let mut command = bms_mcp();
    command
        .args(["config", "check", "--config", &file])
        .env("BMS_MCP_SECRET_KEY", &secret_key);
    let (code, stdout, stderr) = run(command).await;
    assert_eq!(code, 0, "{stderr}");
    for secret in ["db-password-1", "bms-password-2", &data_key, &secret_key] {
        assert!(!stdout.contains(secret), "{secret} printed: {stdout}");
    }
    assert_eq!(
        row(&stdout, "database_url"),
        ["postgres://bms:***@127.0.0.1:5432/bms", "config", "file"]
    );
    assert_eq!(row(&stdout, "data_key"), ["(hidden)", "config", "file"]);
    assert_eq!(
        row(&stdout, "secret_key"),
        ["(hidden)", "env", "BMS_MCP_SECRET_KEY"]
    );
}

#[tokio::test]
async fn serve_runs_with_the_files_values_under_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "config.toml",
        &format!(
            "listen = \"127.0.0.1:1\"\npublic_url = \"https://mcp.example.com/\"\nlist_page_size = 5\ntool_exposure = \"all\"\ndata_dir = {:?}\ntags = [\"lookups\"]\n",
            dir.path().join("data").display().to_string()
        ),
    );
    let mut command = bms_mcp();
    // The flag wins over the file's unusable port.
    command.args(["serve", "--config", &file, "--listen", "127.0.0.1:0"]);
    let mut serve = Serve::start(command).await;
    let url = serve.value_after("MCP URL: ").await;
    assert!(
        url.starts_with("https://mcp.example.com/mcp/bmsm_"),
        "{url}"
    );
    let local = url.replace("https://mcp.example.com", &serve.base);
    let (status, listed) = serve.mcp(&local, "tools/list", json!({})).await;
    assert_eq!(status, 200);
    let tools = listed["result"]["tools"].as_array().expect("tools");
    assert_eq!(tools.len(), 5, "list_page_size from the file");
    assert!(listed["result"]["nextCursor"].is_string());
    assert!(dir.path().join("data/bms-mcp.db").exists());
    serve.terminate();
    assert!(serve.exit_status().await.success());
}

#[tokio::test]
async fn version_prints_the_release_the_git_commit_and_the_spec_hash() {
    let mut command = bms_mcp();
    command.arg("--version");
    let (code, stdout, _) = run(command).await;
    assert_eq!(code, 0);
    let expected_commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or("unknown".to_owned(), |o| {
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        });
    assert_eq!(
        stdout.trim(),
        format!(
            "bms-mcp {} (commit {expected_commit}, spec sha256 {})",
            env!("CARGO_PKG_VERSION"),
            bms_mcp::catalogue::SPEC_SHA256
        )
    );
}

#[test]
fn the_documented_keys_are_the_flags_and_variables_serve_reads() {
    let cli = bms_mcp::cli::Cli::command();
    let serve = cli
        .get_subcommands()
        .find(|c| c.get_name() == "serve")
        .expect("serve");
    for key in KEYS {
        let arg = serve.get_arguments().find(|a| a.get_id() == key.name);
        let Some(arg) = arg else {
            assert!(!key.flag, "`{}` has no flag in `serve`", key.name);
            continue;
        };
        assert!(
            key.flag,
            "`{}` has a flag but the table says none",
            key.name
        );
        assert_eq!(
            arg.get_long().map(|l| format!("--{l}")),
            key.flag_name(),
            "{}",
            key.name
        );
        assert_eq!(
            arg.get_env().and_then(|e| e.to_str()),
            Some(key.env),
            "{}",
            key.name
        );
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        match key.default {
            KeyDefault::Value(value) => assert_eq!(defaults, [value], "{}", key.name),
            KeyDefault::Unset(_) => assert!(defaults.is_empty(), "{}", key.name),
        }
    }
    let fixtures = serve
        .get_arguments()
        .find(|a| a.get_id() == "conformance_fixtures")
        .expect("serve --conformance-fixtures");
    assert!(
        fixtures.is_hide_set() && fixtures.get_env().is_none(),
        "the conformance fixtures flag is test infrastructure: hidden, no variable"
    );
    let documented = |id: &str| KEYS.iter().any(|k| k.name == id);
    for arg in serve.get_arguments() {
        let id = arg.get_id().as_str();
        // Hidden flags are test infrastructure (`--conformance-fixtures`): no key on purpose.
        if arg.is_hide_set() {
            continue;
        }
        if arg.get_long().is_some() && !["help", "config"].contains(&id) {
            assert!(documented(id), "`serve --{id}` is not in config::KEYS");
        }
    }
}
