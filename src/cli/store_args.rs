//! `--data-dir` and `--database-url`: where the store is, for `serve` and the management
//! commands alike.

use std::path::PathBuf;

use anyhow::Context;

use crate::store::crypto::DataKey;
use crate::store::{Store, StoreLocation, create_private_dir};

/// Where integrated accounts, MCP servers and admin tokens are kept.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Directory of the SQLite store (bms-mcp.db) and the data key file (data.key).
    /// Default: $XDG_DATA_HOME/bms-mcp, else ~/.local/share/bms-mcp.
    #[arg(long, env = "BMS_MCP_DATA_DIR", value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Keep the store in PostgreSQL instead (postgres://user:password@host/db). Replicas
    /// sharing it must share the data key too (BMS_MCP_DATA_KEY).
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL",
        global = true
    )]
    database_url: Option<String>,
}

impl StoreArgs {
    /// The data directory: the flag, else the platform's per-user data directory.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            Some(xdg) => PathBuf::from(xdg),
            None => std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".local/share"))
                .context("cannot find a data directory: set --data-dir or BMS_MCP_DATA_DIR")?,
        };
        Ok(base.join("bms-mcp"))
    }

    /// Opens (and on first use creates) the store and its data key.
    pub async fn open(&self) -> anyhow::Result<(Store, StoreLocation)> {
        let data_dir = self.data_dir()?;
        create_private_dir(&data_dir)?;
        let location = StoreLocation::choose(self.database_url.as_deref(), &data_dir)?;
        let key = DataKey::load(&data_dir)?;
        let store = Store::open(&location, &key)
            .await
            .with_context(|| format!("opening the store at {}", location.describe()))?;
        Ok((store, location))
    }
}

/// How a store is described to a person.
pub fn describe(location: &StoreLocation) -> String {
    match location {
        StoreLocation::Sqlite(path) => format!("SQLite at {}", path.display()),
        StoreLocation::Postgres(_) => format!("PostgreSQL at {}", location.describe()),
    }
}
