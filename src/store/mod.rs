//! The management plane's state: integrated accounts, MCP servers, admin tokens and the audit
//! log. One set of portable SQL migrations (`migrations/`) runs through `sqlx::AnyPool` on a
//! SQLite file under the data directory (WAL) or on PostgreSQL. Only hashes of tokens and
//! sealed BMS secrets are stored.

pub mod accounts;
pub mod admin_tokens;
pub mod audit;
mod console_sessions;
pub mod crypto;
pub mod grants;
mod migrations;
pub mod servers;
pub mod tokens;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

pub use accounts::{AccountChanges, AccountSecrets, BmsLocation, IntegratedAccount, NewAccount};
pub use admin_tokens::AdminToken;
pub use audit::{Actor, ToolCallLog};
use crypto::{DataKey, SecretBox};
pub use grants::{AccessGrant, Grant, GrantListing, OAuthClient, Redemption, TokenPair};
pub use servers::{McpAuth, McpServer, McpServerChanges, McpServerConfig, NewMcpServer};
pub use users::User;

/// Where the store lives.
#[derive(Debug, Clone)]
pub enum StoreLocation {
    /// A SQLite file (created when missing).
    Sqlite(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl StoreLocation {
    /// `--database-url` when given, else `bms-mcp.db` under the data directory.
    pub fn choose(
        database_url: Option<&str>,
        data_dir: &Path,
    ) -> Result<StoreLocation, StoreError> {
        match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreLocation::Postgres(url.to_owned()))
            }
            Some(url) => Err(StoreError::UnsupportedUrl(redact_url(url))),
            None => Ok(StoreLocation::Sqlite(data_dir.join("bms-mcp.db"))),
        }
    }

    /// For messages: the path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::Sqlite(path) => path.display().to_string(),
            StoreLocation::Postgres(url) => redact_url(url),
        }
    }
}

/// What can go wrong with the store. Messages say what to fix; none carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {location}: {source}")]
    Open {
        location: String,
        source: sqlx::Error,
    },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the store file {path} readable by its owner only (0600): {source}")]
    DataFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "unsupported database URL `{0}`: give a postgres:// URL, or none for the SQLite file under --data-dir"
    )]
    UnsupportedUrl(String),
    #[error("updating the store's schema failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the store failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error(transparent)]
    Key(#[from] crypto::KeyError),
    #[error(
        "the data key does not match the one this store was created with; set {} to the original key",
        crypto::DATA_KEY_ENV
    )]
    WrongKey,
    #[error("integrated account {account}: {source}")]
    Secret {
        account: String,
        source: crypto::OpenError,
    },
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt { what: &'static str, detail: String },
}

/// A field of a request that is not acceptable, named as the admin API names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Checks one line of text a person gave (a name, a user, a tenant): not blank, at most
/// `max_bytes`, and without control characters or bidirectional controls
/// (`text::is_bidi_control`). Listings print these as they are: an ESC would be obeyed by the
/// terminal showing `accounts list`, a line break would forge a row of it, and a bidi control
/// would make one name display as another.
pub fn check_line(field: &str, value: &str, max_bytes: usize) -> Result<(), Invalid> {
    if value.trim().is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if value.len() > max_bytes {
        return Err(Invalid::new(
            field,
            format!("is longer than {max_bytes} bytes"),
        ));
    }
    if let Some(c) = value.chars().find(|&c| crate::text::is_unsafe_to_show(c)) {
        return Err(Invalid::new(
            field,
            format!(
                "contains the control character U+{:04X}; use printable characters only",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// The store: a connection pool and the key secrets are sealed with. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    secrets: Arc<SecretBox>,
    placeholders: Placeholders,
}

/// How a generated statement (one whose parameter count varies) spells its bind parameters.
/// Hand-written statements use `$N`, which both databases accept; generated ones are spelled
/// per database, because SQLite looks a named parameter's name up by a linear scan of all the
/// statement's names, once per parameter, so binding the 3,072 `$N` of a 512-row statement
/// cost more than writing its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    /// `$1, $2, …`: PostgreSQL's only form.
    Numbered,
    /// `?, ?, …`, bound in order with no name to look up: SQLite.
    Anonymous,
}

impl Placeholders {
    /// Appends `count` placeholders joined by `, `, for the parameters numbered from `first`
    /// (the first of a statement is 1).
    pub(crate) fn push_list(self, sql: &mut String, first: usize, count: usize) {
        for n in first..first + count {
            if n > first {
                sql.push_str(", ");
            }
            match self {
                Placeholders::Numbered => {
                    use std::fmt::Write as _;
                    let _ = write!(sql, "${n}");
                }
                Placeholders::Anonymous => sql.push('?'),
            }
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

const KEY_CHECK: &str = "key_check";
const KEY_CHECK_PLAINTEXT: &str = "bms-mcp data key";

impl Store {
    /// Opens (creating when needed) and migrates the store.
    pub async fn open(location: &StoreLocation, key: &DataKey) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, max_connections, placeholders) = match location {
            StoreLocation::Sqlite(path) => {
                if let Some(dir) = path.parent() {
                    create_private_dir(dir)?;
                }
                make_private_file(path)?;
                (sqlite_url(path), 4, Placeholders::Anonymous)
            }
            StoreLocation::Postgres(url) => (url.clone(), 8, Placeholders::Numbered),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&url)
            .await
            .map_err(|source| StoreError::Open {
                location: location.describe(),
                source,
            })?;
        if matches!(location, StoreLocation::Sqlite(_)) {
            // WAL is a property of the file: set once, kept by every later connection.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        migrations::migrator().await?.run(&pool).await?;
        let store = Store {
            pool,
            secrets: Arc::new(SecretBox::new(key)),
            placeholders,
        };
        store.check_key().await?;
        Ok(store)
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    pub(crate) fn placeholders(&self) -> Placeholders {
        self.placeholders
    }

    /// The first open records a sealed marker; later opens must be able to open it, so a
    /// wrong key is reported at start-up rather than at the first tool call.
    async fn check_key(&self) -> Result<(), StoreError> {
        match self.meta(KEY_CHECK).await? {
            Some(sealed) => self
                .secrets
                .open(&sealed, KEY_CHECK)
                .map(|_| ())
                .map_err(|_| StoreError::WrongKey),
            None => {
                let sealed = self.secrets.seal(KEY_CHECK_PLAINTEXT, KEY_CHECK);
                self.set_meta_if_absent(KEY_CHECK, &sealed).await?;
                Ok(())
            }
        }
    }

    /// A value of the `store_meta` table.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM store_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(value,)| value))
    }

    /// Sets a `store_meta` value unless one is there; true when this call set it.
    pub async fn set_meta_if_absent(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    unix_seconds(SystemTime::now())
}

/// A time as whole seconds since the Unix epoch (rounded down).
pub fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// RFC 3339 in UTC, e.g. `2026-12-31T23:59:59Z`.
pub fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

/// Parses an RFC 3339 timestamp (any offset) into unix seconds, rounding fractions down.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// A random id in the UUID v4 text form.
pub fn new_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut id = String::with_capacity(36);
    for (i, group) in [
        &bytes[..4],
        &bytes[4..6],
        &bytes[6..8],
        &bytes[8..10],
        &bytes[10..],
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            id.push('-');
        }
        push_hex(&mut id, group);
    }
    id
}

/// Appends `bytes` to `out` as lowercase hex. Written by hand: a `format!` per byte made ids
/// and token hashes a visible share of each call.
pub fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
}

fn sqlite_url(path: &Path) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const PATH: &AsciiSet = &CONTROLS.add(b'?').add(b'#').add(b'%').add(b' ');
    format!(
        "sqlite://{}?mode=rwc",
        utf8_percent_encode(&path.to_string_lossy(), PATH)
    )
}

/// Creates the SQLite file readable by its owner only (0600), or narrows an existing one and
/// its journal files to that. SQLite gives the `-wal` and `-shm` files it creates the database
/// file's mode, so they follow. The store holds token hashes and sealed secrets: nobody else
/// on the machine should read them, as with `data.key`.
fn make_private_file(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let failed = |source| StoreError::DataFile {
            path: path.to_owned(),
            source,
        };
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(failed)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            match std::fs::metadata(&file) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                        .map_err(failed)?;
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub(crate) fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| StoreError::DataDir {
        path: dir.to_owned(),
        source,
    })
}

/// A database URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(unparseable URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_control_character_or_bidi_control_is_refused_naming_it() {
        for (value, named) in [
            ("acme\u{1b}[2J", "U+001B"),
            ("acme\nfake row", "U+000A"),
            ("acme\u{202e}moc", "U+202E"),
            ("acme\u{2067}", "U+2067"),
            ("\u{200f}acme", "U+200F"),
            ("acme\u{061c}", "U+061C"),
        ] {
            let refused = check_line("name", value, 200).expect_err(value);
            assert_eq!(refused.field, "name");
            assert!(
                refused.message.contains(named),
                "{value:?}: {}",
                refused.message
            );
        }
    }

    #[test]
    fn a_printable_line_in_any_script_is_accepted() {
        for value in ["Acme Ltd", "Müller & Söhne", "شركة", "株式会社"] {
            assert_eq!(check_line("name", value, 200), Ok(()));
        }
        assert!(check_line("name", "  ", 200).is_err());
        assert!(check_line("name", "abc", 2).is_err());
    }

    #[test]
    fn timestamps_round_trip_through_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("2026-12-31T23:59:59Z"), Some(1_798_761_599));
        assert_eq!(
            parse_rfc3339("2027-01-01T01:59:59+02:00"),
            Some(1_798_761_599)
        );
        assert_eq!(parse_rfc3339("2026-12-31T23:59:59.9Z"), Some(1_798_761_599));
        assert_eq!(parse_rfc3339("tomorrow"), None);
        assert_eq!(rfc3339(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn ids_look_like_uuids_and_differ() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        let dashes: Vec<usize> = id.match_indices('-').map(|(i, _)| i).collect();
        assert_eq!(dashes, [8, 13, 18, 23]);
        assert!(
            id.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(id, new_id());
    }

    #[test]
    fn database_urls_are_redacted_and_checked() {
        assert_eq!(
            redact_url("postgres://u:secret@db:5432/x"),
            "postgres://u:***@db:5432/x"
        );
        let dir = Path::new("/d");
        assert!(matches!(
            StoreLocation::choose(None, dir),
            Ok(StoreLocation::Sqlite(p)) if p == Path::new("/d/bms-mcp.db")
        ));
        assert!(matches!(
            StoreLocation::choose(Some("mysql://u:pw@x/y"), dir),
            Err(StoreError::UnsupportedUrl(u)) if !u.contains("pw")
        ));
    }
}
