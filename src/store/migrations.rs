//! The SQL migrations in `migrations/`, embedded in the binary so it needs no files at run
//! time. sqlx's `migrate!` macro would do the same but pulls in its whole macro crate.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// (version, description, SQL), in order. A shipped migration is never edited: add a new one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "management plane",
        include_str!("../../migrations/0001_management_plane.sql"),
    ),
    (
        2,
        "console sessions",
        include_str!("../../migrations/0002_console_sessions.sql"),
    ),
    (3, "oauth", include_str!("../../migrations/0003_oauth.sql")),
    (
        4,
        "tool calls without ids",
        include_str!("../../migrations/0004_tool_calls_without_ids.sql"),
    ),
];

#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

pub(super) async fn migrator() -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded).await
}
