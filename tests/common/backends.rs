//! Both store backends for real: SQLite in a temporary directory, and PostgreSQL at
//! 127.0.0.1:5432 (override with BMS_MCP_TEST_POSTGRES), in a database made for one test and
//! dropped after it, so tests running in parallel never see each other's rows.
//!
//! Outside CI a machine without PostgreSQL skips the PostgreSQL tests, saying so on stderr;
//! where `CI` is set (`.ci/run` sets it) an unreachable server fails them, so they never
//! silently skip there.

use std::io::Write;
use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};

use bms_mcp::store::crypto::DataKey;
use bms_mcp::store::{Store, StoreLocation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server every PostgreSQL test database is made on.
pub fn postgres_server() -> String {
    std::env::var("BMS_MCP_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// How long the server may take to accept the first connection; an address nothing answers
/// on (a firewalled host) is "unreachable" after this rather than a hanging test.
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);

/// A connection to the server every test database is made on, or `None` when it is
/// unreachable outside CI (the test should return: it is skipped, with one line on stderr
/// saying why). In CI an unreachable server fails the test.
async fn admin_connection_or_skip() -> Option<PgConnection> {
    let server = postgres_server();
    let error = match tokio::time::timeout(CONNECT_PATIENCE, PgConnection::connect(&server)).await {
        Ok(Ok(connection)) => return Some(connection),
        Ok(Err(error)) => error.to_string(),
        Err(_) => format!("no answer within {CONNECT_PATIENCE:?}"),
    };
    let shown = without_password(&server);
    if std::env::var_os("CI").is_some() {
        panic!(
            "no PostgreSQL at {shown} ({error}); CI runs every PostgreSQL test: start one, \
             or point BMS_MCP_TEST_POSTGRES at one"
        );
    }
    // Straight to the process's stderr: libtest captures `eprintln!` of a passing test, and a
    // skip nobody sees is the silent skip this is meant to avoid.
    let _ = writeln!(
        std::io::stderr(),
        "skipping: no PostgreSQL at {shown}; set BMS_MCP_TEST_POSTGRES or start one (CI always runs these)"
    );
    None
}

/// Whether the PostgreSQL variant of a test can run here: see `admin_connection_or_skip`.
pub async fn postgres_or_skip() -> bool {
    match admin_connection_or_skip().await {
        Some(connection) => {
            let _ = connection.close().await;
            true
        }
        None => false,
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`, for messages.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((user_info, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match user_info.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// A PostgreSQL database that exists for one test: created empty, dropped on drop.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    /// A new empty database; `None` when the test is to be skipped (no PostgreSQL outside CI,
    /// see `admin_connection_or_skip`).
    pub async fn create_or_skip() -> Option<TestDatabase> {
        let mut admin = admin_connection_or_skip().await?;
        let name = format!("bms_mcp_test_{:016x}", rand::random::<u64>());
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        Some(TestDatabase {
            url: database_url(&name),
            name,
        })
    }

    /// A new empty database, for a test that has already passed `postgres_or_skip`.
    pub async fn create() -> TestDatabase {
        TestDatabase::create_or_skip()
            .await
            .expect("PostgreSQL answered this test a moment ago")
    }
}

/// A store that exists for one test.
pub struct TestStore {
    pub store: Store,
    pub location: StoreLocation,
    pub key: DataKey,
    pub dir: tempfile::TempDir,
    pub database: Option<TestDatabase>,
}

impl TestStore {
    pub async fn new(backend: Backend) -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let (location, database) = match backend {
            Backend::Sqlite => (StoreLocation::Sqlite(dir.path().join("bms-mcp.db")), None),
            Backend::Postgres => {
                let database = TestDatabase::create().await;
                (
                    StoreLocation::Postgres(database.url.clone()),
                    Some(database),
                )
            }
        };
        let key = DataKey::from_bytes(rand::random());
        let store = Store::open(&location, &key).await.expect("store opens");
        TestStore {
            store,
            location,
            key,
            dir,
            database,
        }
    }

    /// Another process's view of the same store (a second replica).
    pub async fn reopen(&self) -> Store {
        Store::open(&self.location, &self.key)
            .await
            .expect("store reopens")
    }

    /// Every byte the store holds, for grepping: the SQLite files, or a dump of every table.
    pub async fn raw_contents(&self) -> Vec<u8> {
        match &self.location {
            StoreLocation::Sqlite(path) => {
                let mut bytes = Vec::new();
                for suffix in ["", "-wal", "-shm"] {
                    let file = format!("{}{suffix}", path.display());
                    if let Ok(mut content) = std::fs::read(file) {
                        bytes.append(&mut content);
                    }
                }
                bytes
            }
            StoreLocation::Postgres(url) => {
                let mut conn = PgConnection::connect(url).await.expect("connect");
                let mut dump = String::new();
                for table in [
                    "store_meta",
                    "integrated_accounts",
                    "mcp_servers",
                    "admin_tokens",
                    "admin_actions",
                    "tool_calls",
                ] {
                    let rows: Vec<(String,)> =
                        sqlx::query_as(&format!("SELECT t::text FROM {table} t"))
                            .fetch_all(&mut conn)
                            .await
                            .expect("dump");
                    for (row,) in rows {
                        dump.push_str(&row);
                        dump.push('\n');
                    }
                }
                dump.into_bytes()
            }
        }
    }
}

fn database_url(name: &str) -> String {
    let server = postgres_server();
    let base = server
        .rsplit_once('/')
        .map_or(server.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any runtime we may block: drop the database from a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&postgres_server()).await {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

/// Runs each named `async fn(Backend)` once per backend, as `sqlite::name` and `postgres::name`
/// (skipped outside CI when no PostgreSQL answers).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::backends::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if !$crate::common::backends::postgres_or_skip().await {
                        return;
                    }
                    super::$name($crate::common::backends::Backend::Postgres).await;
                }
            )*
        }
    };
}
