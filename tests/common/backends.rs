//! Both store backends for real: SQLite in a temporary directory, and PostgreSQL at
//! 127.0.0.1:5432 (override with BMS_MCP_TEST_POSTGRES), in a database made for one test and
//! dropped after it, so tests running in parallel never see each other's rows.

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

/// A PostgreSQL database that exists for one test: created empty, dropped on drop.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let name = format!("bms_mcp_test_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(&postgres_server())
            .await
            .expect("PostgreSQL runs at 127.0.0.1:5432 (user postgres, database test)");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        let _ = admin.close().await;
        TestDatabase {
            url: database_url(&name),
            name,
        }
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

/// Runs each named `async fn(Backend)` once per backend, as `sqlite::name` and `postgres::name`.
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
                    super::$name($crate::common::backends::Backend::Postgres).await;
                }
            )*
        }
    };
}
