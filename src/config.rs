//! Configuration: one TOML file (`--config PATH` or `BMS_MCP_CONFIG`), then `BMS_MCP_*`
//! environment variables, then flags; flags win. Every key is in `KEYS`, the one table the
//! documentation and `bms-mcp config keys` print.
//!
//! The file is read before the command line is parsed, checked key by key (unknown keys are
//! refused with a did-you-mean), and each value it sets becomes the environment variable of
//! its key unless that variable is already set. So the file sits under the environment, which
//! sits under the flags, for clap and for the few settings read from the environment alone
//! (`data_key`, `secret_key`, `log`), by one rule.

use crate::catalogue::ClientChoice;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use strsim::levenshtein as edit_distance;

use toml::Spanned;

/// Environment variable naming the config file (the `--config` flag wins over it).
pub const CONFIG_ENV: &str = "BMS_MCP_CONFIG";

/// The exit code of a configuration error: nothing was started.
pub const EXIT_CODE: u8 = 2;

/// One configuration key.
#[derive(Debug)]
pub struct Key {
    /// The name in the TOML file; the flag is the same with dashes (`--public-url`).
    pub name: &'static str,
    pub env: &'static str,
    /// Whether `serve` has a flag for it (secrets given on a command line would show in `ps`).
    pub flag: bool,
    pub default: KeyDefault,
    pub kind: Kind,
    pub about: &'static str,
}

/// What applies when a key is not set.
#[derive(Debug, Clone, Copy)]
pub enum KeyDefault {
    /// This value (clap's default, for keys with a flag).
    Value(&'static str),
    /// No value; the text says what happens then.
    Unset(&'static str),
}

/// The form of a key's value, checked when the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `host:port`.
    Address,
    Text,
    /// A string printed as `(hidden)`.
    Secret,
    /// A URL whose password is masked when printed.
    DatabaseUrl,
    /// A whole number from 1 to `max`.
    Count {
        max: u64,
    },
    /// An array of strings (or one string of comma-separated items).
    List,
    Choice(&'static [&'static str]),
    /// `true` or `false` (a TOML boolean).
    Bool,
}

const fn key(
    name: &'static str,
    env: &'static str,
    flag: bool,
    default: KeyDefault,
    kind: Kind,
    about: &'static str,
) -> Key {
    Key {
        name,
        env,
        flag,
        default,
        kind,
        about,
    }
}

const U32: u64 = u32::MAX as u64;

/// Every configuration key, in the order documented.
#[rustfmt::skip]
pub static KEYS: &[Key] = &[
    key("listen", "BMS_MCP_LISTEN", true, KeyDefault::Value("127.0.0.1:8080"), Kind::Address,
        "Address to listen on; loopback unless a proxy on another host forwards to it"),
    key("public_url", "BMS_MCP_PUBLIC_URL", true, KeyDefault::Unset("`http://` + the listen address"), Kind::Text,
        "Base URL clients reach the server at (the TLS terminator's `https://` URL); MCP URLs handed out start with it"),
    key("allowed_hosts", "BMS_MCP_ALLOWED_HOSTS", true, KeyDefault::Unset("loopback names and public_url's host"), Kind::List,
        "Further `Host` names requests may carry"),
    key("allowed_origins", "BMS_MCP_ALLOWED_ORIGINS", true, KeyDefault::Unset("none besides the allowed hosts"), Kind::List,
        "Browser origins allowed to call the server, e.g. `https://console.example.com`"),
    key("body_limit", "BMS_MCP_BODY_LIMIT", true, KeyDefault::Value("1048576"), Kind::Count { max: U32 },
        "Largest request body in bytes (413 above)"),
    key("header_read_timeout_seconds", "BMS_MCP_HEADER_READ_TIMEOUT_SECONDS", true, KeyDefault::Value("10"), Kind::Count { max: 3600 },
        "Seconds a connection may take to send a request's headers (also how long an idle keep-alive connection is kept)"),
    key("idle_timeout_seconds", "BMS_MCP_IDLE_TIMEOUT_SECONDS", true, KeyDefault::Value("60"), Kind::Count { max: 3600 },
        "Seconds a request body may stall, or a client may stop reading its answer, before the connection is closed"),
    key("max_connections", "BMS_MCP_MAX_CONNECTIONS", true, KeyDefault::Value("4096"), Kind::Count { max: 1_000_000 },
        "Connections served at once; more wait in the listen backlog (keep below the open-files limit)"),
    key("list_page_size", "BMS_MCP_LIST_PAGE_SIZE", true, KeyDefault::Value("1000"), Kind::Count { max: 10_000 },
        "Tools per `tools/list` page; a page also stops at 900 KiB (under the Python SDK's 1 MiB event limit), so by default a scope is one page unless it is most of the catalogue"),
    key("shutdown_grace_seconds", "BMS_MCP_SHUTDOWN_GRACE_SECONDS", true, KeyDefault::Value("30"), Kind::Count { max: 3600 },
        "On SIGTERM, how long requests in flight may take to finish before the process exits anyway"),
    key("audit_retention_days", "BMS_MCP_AUDIT_RETENTION_DAYS", true, KeyDefault::Value("30"), Kind::Count { max: U32 },
        "Days the audit log keeps admin actions and tool calls"),
    key("log", "BMS_MCP_LOG", false, KeyDefault::Value("info"), Kind::Text,
        "Log filter (`tracing` syntax: `warn`, `info,bms_mcp=debug`); logs go to stderr"),
    key("data_dir", "BMS_MCP_DATA_DIR", true, KeyDefault::Unset("`$XDG_DATA_HOME/bms-mcp`, else `~/.local/share/bms-mcp`"), Kind::Text,
        "Directory of the SQLite store and the data key file"),
    key("database_url", "DATABASE_URL", true, KeyDefault::Unset("the SQLite file `bms-mcp.db` under data_dir"), Kind::DatabaseUrl,
        "`postgres://user:password@host:5432/db`: keep the store in PostgreSQL (required for several replicas)"),
    key("data_key", "BMS_MCP_DATA_KEY", false, KeyDefault::Unset("the key file `data.key` under data_dir, created on first use"), Kind::Secret,
        "64 hex digits sealing BMS secrets at rest; the same on every replica"),
    key("secret_key", "BMS_MCP_SECRET_KEY", false, KeyDefault::Unset("random for each process"), Kind::Secret,
        "64 hex digits signing cursors and session ids; the same on every replica"),
    key("bms_url", "BMS_MCP_BMS_URL", true, KeyDefault::Unset("the built-in sandbox on first run"), Kind::Text,
        "BMS API base URL of an account to add (or update) at start, e.g. `https://api.bms.kaseya.com`"),
    key("bms_username", "BMS_MCP_BMS_USERNAME", true, KeyDefault::Unset("required with bms_url"), Kind::Text,
        "That account's BMS API user"),
    key("bms_password", "BMS_MCP_BMS_PASSWORD", true, KeyDefault::Unset("required with bms_url"), Kind::Secret,
        "That API user's password"),
    key("bms_tenant", "BMS_MCP_BMS_TENANT", true, KeyDefault::Unset("required with bms_url"), Kind::Text,
        "That account's BMS company (tenant) name"),
    key("bms_totp_secret", "BMS_MCP_BMS_TOTP_SECRET", true, KeyDefault::Unset("no MFA"), Kind::Secret,
        "Base32 TOTP secret when the API user has MFA"),
    key("connect_timeout", "BMS_MCP_CONNECT_TIMEOUT", true, KeyDefault::Value("5"), Kind::Count { max: 600 },
        "Seconds allowed to connect to BMS"),
    key("request_timeout", "BMS_MCP_REQUEST_TIMEOUT", true, KeyDefault::Value("30"), Kind::Count { max: 3600 },
        "Seconds allowed for a whole BMS request"),
    key("budget_per_hour", "BMS_MCP_BUDGET_PER_HOUR", true, KeyDefault::Value("500"), Kind::Count { max: U32 },
        "Per-endpoint calls per hour reported while BMS sends no rate-limit headers"),
    key("methods", "BMS_MCP_METHODS", true, KeyDefault::Unset("all"), Kind::List,
        "First run's MCP server: method classes (`read`, `write`, `custom`) or verbs"),
    key("tags", "BMS_MCP_TAGS", true, KeyDefault::Unset("all"), Kind::List,
        "First run's MCP server: tags (`servicedesk`, `crm`, ...)"),
    key("tool_exposure", "BMS_MCP_TOOL_EXPOSURE", true, KeyDefault::Value("discovery"), Kind::Choice(&["all", "discovery"]),
        "First run's MCP server: `discovery` (three meta-tools, small enough for any model's context) or `all` tools in scope listed"),
    key("client", "BMS_MCP_CLIENT", true, KeyDefault::Value("auto"), Kind::Choice(&ClientChoice::VALUES),
        "First run's MCP server: client profile (`auto` picks one from the client's name; see README)"),
    key("confirm_writes", "BMS_MCP_CONFIRM_WRITES", true, KeyDefault::Unset("`false`"), Kind::Bool,
        "First run's MCP server: ask the user (MCP elicitation) before calls that change or notify; refused when the client cannot be asked"),
    key("oidc_issuer", "BMS_MCP_OIDC_ISSUER", true, KeyDefault::Unset("no provider: local users only"), Kind::Text,
        "Issuer URL (https) of an OpenID Connect provider people may also sign in with on OAuth servers (Entra ID, Google, Keycloak); its discovery document is read at start"),
    key("oidc_client_id", "BMS_MCP_OIDC_CLIENT_ID", true, KeyDefault::Unset("required with oidc_issuer"), Kind::Text,
        "The client id of bms-mcp's registration at that provider (redirect URI `{public_url}/oauth/oidc/callback`)"),
    key("oidc_client_secret", "BMS_MCP_OIDC_CLIENT_SECRET", true, KeyDefault::Unset("required with oidc_issuer"), Kind::Secret,
        "That registration's client secret"),
    key("oidc_allowed_domains", "BMS_MCP_OIDC_ALLOWED_DOMAINS", true, KeyDefault::Unset("with oidc_allowed_emails also unset, everyone the provider signs in"), Kind::List,
        "Email domains whose people may sign in through the provider (`example.com`); set it for Google or any multi-tenant provider"),
    key("oidc_allowed_emails", "BMS_MCP_OIDC_ALLOWED_EMAILS", true, KeyDefault::Unset("none besides oidc_allowed_domains"), Kind::List,
        "Single email addresses that may sign in through the provider"),
];

/// A key by its file name.
pub fn find(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

impl Key {
    /// `--public-url` for `public_url`.
    pub fn flag_name(&self) -> Option<String> {
        self.flag
            .then(|| format!("--{}", self.name.replace('_', "-")))
    }

    /// The value as it may be printed: secrets hidden, a database URL's password masked.
    pub fn masked(&self, value: &str) -> String {
        match self.kind {
            Kind::Secret if value.is_empty() => String::new(),
            Kind::Secret => "(hidden)".to_owned(),
            Kind::DatabaseUrl => crate::store::redact_url(value),
            _ => value.to_owned(),
        }
    }
}

/// A configuration that cannot be used. Each message names the key and says what to give.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read the config file {path}: {source}; give an existing TOML file to --config or {CONFIG_ENV}"
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} line {line}: {message}")]
    File {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: {message}", describe_key(key))]
    Value { key: &'static str, message: String },
}

impl ConfigError {
    /// A bad value of `key` (as merged from file, environment and flags).
    pub fn value(key: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError::Value {
            key,
            message: message.into(),
        }
    }
}

/// "`public_url` (--public-url, BMS_MCP_PUBLIC_URL)": every place the value may have come from.
fn describe_key(name: &str) -> String {
    match find(name) {
        Some(key) => match key.flag_name() {
            Some(flag) => format!("config `{name}` ({flag}, {})", key.env),
            None => format!("config `{name}` ({})", key.env),
        },
        None => format!("config `{name}`"),
    }
}

/// A config file, read and checked: each key it sets with its value as an environment
/// variable would hold it.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub values: Vec<(&'static Key, String)>,
}

/// The config file named by `--config PATH` / `--config=PATH` among the arguments, else by
/// `BMS_MCP_CONFIG`; `None` when neither is given.
pub fn path_from(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut iter = args.iter().skip(1);
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            return iter.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(CONFIG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Reads and checks a config file.
pub fn read_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let values = parse(&text).map_err(|(line, message)| ConfigError::File {
        path: path.to_owned(),
        line,
        message,
    })?;
    Ok(ConfigFile {
        path: path.to_owned(),
        values,
    })
}

type Document = std::collections::BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// A config file's keys and values; an error is a line and a message.
pub fn parse(text: &str) -> Result<Vec<(&'static Key, String)>, (usize, String)> {
    let document: Document = toml::from_str(text).map_err(|error| {
        let line = error.span().map_or(1, |span| line_of(text, span.start));
        (line, error.message().trim().to_owned())
    })?;
    let mut entries: Vec<_> = document.into_iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    let mut values = Vec::with_capacity(entries.len());
    for (name, value) in entries {
        let line = line_of(text, name.span().start);
        let Some(key) = find(name.get_ref()) else {
            return Err((line, unknown_key(name.get_ref())));
        };
        let value = file_value(key, value.get_ref())
            .map_err(|message| (line, format!("`{}` {message}", key.name)))?;
        values.push((key, value));
    }
    Ok(values)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

fn unknown_key(name: &str) -> String {
    let closest = KEYS
        .iter()
        .map(|k| (edit_distance(name, k.name), k.name))
        .min()
        .filter(|(distance, _)| *distance <= 3.max(name.len() / 3));
    match closest {
        Some((_, suggestion)) => {
            format!("unknown key `{name}`; did you mean `{suggestion}`?")
        }
        None => format!(
            "unknown key `{name}`; `bms-mcp config keys` lists the keys (tables are not used: every key is at the top level)"
        ),
    }
}

/// A file value as its environment variable would hold it, or what is wrong with it.
fn file_value(key: &Key, value: &toml::Value) -> Result<String, String> {
    use toml::Value;
    match (key.kind, value) {
        (Kind::Count { max }, Value::Integer(n)) => u64::try_from(*n)
            .ok()
            .filter(|n| (1..=max).contains(n))
            .map(|n| n.to_string())
            .ok_or_else(|| format!("must be a whole number from 1 to {max}, not {n}")),
        (Kind::Count { .. }, other) => Err(format!(
            "must be a whole number without quotes, not {}",
            other.type_str()
        )),
        (Kind::List, Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(","))
            .ok_or_else(|| "must be an array of strings, e.g. [\"a\", \"b\"]".to_owned()),
        (Kind::Bool, Value::Boolean(b)) => Ok(b.to_string()),
        (Kind::Bool, other) => Err(format!(
            "must be true or false without quotes, not {}",
            other.type_str()
        )),
        (_, Value::String(text)) => check_text(key, text).map(|()| text.clone()),
        (_, other) => Err(format!("must be a string, not {}", other.type_str())),
    }
}

/// Checks a string value against its key's form.
fn check_text(key: &Key, text: &str) -> Result<(), String> {
    match key.kind {
        Kind::Address => text.parse::<SocketAddr>().map(|_| ()).map_err(|_| {
            format!("{text:?} is not an address; give IP:port, e.g. \"127.0.0.1:8080\"")
        }),
        Kind::Choice(choices) if !choices.contains(&text) => {
            Err(format!("{text:?} is not one of: {}", choices.join(", ")))
        }
        _ => Ok(()),
    }
}

/// Sets, for each key the file gives, its environment variable unless the environment already
/// has it; the names of the variables set. Must run before any thread is started.
pub fn apply_to_env(file: &ConfigFile) -> Vec<&'static str> {
    let mut set = Vec::new();
    for (key, value) in &file.values {
        if std::env::var_os(key.env).is_none() {
            // SAFETY: called from `main` before the runtime or any other thread exists, so no
            // thread can be reading the environment while it changes.
            unsafe { std::env::set_var(key.env, value) };
            set.push(key.env);
        }
    }
    set
}

/// Checks `public_url`: an http(s) URL without query or fragment; returned without a
/// trailing slash.
pub fn check_public_url(text: &str) -> Result<String, ConfigError> {
    let fix = "give the base URL clients reach the server at, e.g. https://mcp.example.com";
    let url = reqwest::Url::parse(text)
        .map_err(|_| ConfigError::value("public_url", format!("{text:?} is not a URL; {fix}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::value(
            "public_url",
            format!("{text:?} is not an http(s) URL with a host; {fix}"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(ConfigError::value(
            "public_url",
            format!("{text:?} has a query, fragment or user name; {fix}"),
        ));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// Checks a 64-hex-digit key held in the environment variable of `key`, when set.
pub fn check_hex_key(key: &'static str) -> Result<Option<[u8; 32]>, ConfigError> {
    let Some(spec) = find(key) else {
        return Ok(None);
    };
    match std::env::var(spec.env) {
        Ok(hex) => crate::store::crypto::parse_hex_key(&hex)
            .map(Some)
            .map_err(|reason| {
                ConfigError::value(
                    key,
                    format!("must be 64 hex digits (32 bytes): {reason}; make one with `openssl rand -hex 32`"),
                )
            }),
        Err(_) => Ok(None),
    }
}

/// The Markdown table of every key, as the README documents it.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| key | default | environment | flag | what it is |\n|---|---|---|---|---|\n",
    );
    for key in KEYS {
        let default = match key.default {
            KeyDefault::Value(value) => format!("`{value}`"),
            KeyDefault::Unset(what) => what.to_owned(),
        };
        let flag = key
            .flag_name()
            .map_or_else(|| "—".to_owned(), |f| format!("`{f}`"));
        out.push_str(&format!(
            "| `{}` | {default} | `{}` | {flag} | {} |\n",
            key.name, key.env, key.about
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_error(text: &str, line: usize, expect: &str) {
        let (at, message) = parse(text).expect_err("the file is refused");
        assert_eq!((at, message.as_str()), (line, expect));
    }

    #[test]
    fn a_valid_file_becomes_environment_values() {
        let values = parse(
            "listen = \"0.0.0.0:9000\"\nallowed_hosts = [\"mcp.example.com\", \"mcp2\"]\nbody_limit = 2048\ntool_exposure = \"discovery\"\n",
        )
        .unwrap();
        let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.env, v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("BMS_MCP_LISTEN", "0.0.0.0:9000"),
                ("BMS_MCP_ALLOWED_HOSTS", "mcp.example.com,mcp2"),
                ("BMS_MCP_BODY_LIMIT", "2048"),
                ("BMS_MCP_TOOL_EXPOSURE", "discovery"),
            ]
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_the_closest_key() {
        check_error(
            "listen = \"127.0.0.1:1\"\nlisen = \"x\"\n",
            2,
            "unknown key `lisen`; did you mean `listen`?",
        );
        check_error(
            "\n\ndatabase-url = \"postgres://x\"",
            3,
            "unknown key `database-url`; did you mean `database_url`?",
        );
    }

    #[test]
    fn values_of_the_wrong_form_name_the_key_and_the_line() {
        check_error(
            "# c\nlisten = \"8080\"",
            2,
            "`listen` \"8080\" is not an address; give IP:port, e.g. \"127.0.0.1:8080\"",
        );
        check_error(
            "body_limit = \"1mb\"",
            1,
            "`body_limit` must be a whole number without quotes, not string",
        );
        check_error(
            "list_page_size = 0",
            1,
            "`list_page_size` must be a whole number from 1 to 10000, not 0",
        );
        check_error(
            "tool_exposure = \"some\"",
            1,
            "`tool_exposure` \"some\" is not one of: all, discovery",
        );
        check_error(
            "tags = [1]",
            1,
            "`tags` must be an array of strings, e.g. [\"a\", \"b\"]",
        );
        check_error(
            "[server]\nlisten = \"x\"",
            1,
            "unknown key `server`; `bms-mcp config keys` lists the keys (tables are not used: every key is at the top level)",
        );
    }

    #[test]
    fn toml_syntax_errors_name_their_line() {
        let (line, _) = parse("listen = \"127.0.0.1:1\"\nbody_limit = = 3\n").unwrap_err();
        assert_eq!(line, 2);
    }

    #[test]
    fn secrets_and_database_passwords_are_masked() {
        let url = find("database_url").unwrap();
        assert_eq!(
            url.masked("postgres://bms:pw@db/bms"),
            "postgres://bms:***@db/bms"
        );
        assert_eq!(find("data_key").unwrap().masked("00ff"), "(hidden)");
        assert_eq!(find("listen").unwrap().masked("127.0.0.1:1"), "127.0.0.1:1");
    }

    #[test]
    fn the_config_path_comes_from_the_flag_before_the_environment() {
        let args = |list: &[&str]| -> Vec<std::ffi::OsString> {
            list.iter().map(|a| (*a).into()).collect()
        };
        assert_eq!(
            path_from(&args(&["bms-mcp", "serve", "--config", "/etc/a.toml"])),
            Some(PathBuf::from("/etc/a.toml"))
        );
        assert_eq!(
            path_from(&args(&["bms-mcp", "--config=/etc/b.toml", "serve"])),
            Some(PathBuf::from("/etc/b.toml"))
        );
    }

    #[test]
    fn public_urls_must_be_http_bases() {
        assert_eq!(
            check_public_url("https://mcp.example.com/").unwrap(),
            "https://mcp.example.com"
        );
        assert_eq!(
            check_public_url("https://example.com/bms").unwrap(),
            "https://example.com/bms"
        );
        for bad in ["mcp.example.com", "ftp://x", "https://x/?a=1"] {
            let error = check_public_url(bad).unwrap_err().to_string();
            assert!(
                error.starts_with("config `public_url` (--public-url, BMS_MCP_PUBLIC_URL): "),
                "{error}"
            );
        }
    }
}
