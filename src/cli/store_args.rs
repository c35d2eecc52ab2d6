//! `--data-dir` and `--database-url`: where the store is, for `serve` and the management
//! commands alike.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::ConfigError;
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
    pub fn data_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        let base = match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            Some(xdg) => PathBuf::from(xdg),
            None => std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".local/share"))
                .ok_or_else(|| {
                    ConfigError::value(
                        "data_dir",
                        "not set, and neither is $XDG_DATA_HOME or $HOME; give a directory",
                    )
                })?,
        };
        Ok(base.join("bms-mcp"))
    }

    /// Where the store is, with the data key checked when one is given: everything about the
    /// store that can be wrong before it is opened.
    pub fn check(&self) -> Result<StoreLocation, ConfigError> {
        let data_dir = self.data_dir()?;
        crate::config::check_hex_key("data_key")?;
        StoreLocation::choose(self.database_url.as_deref(), &data_dir)
            .map_err(|error| ConfigError::value("database_url", format!("{error}")))
    }

    /// Opens (and on first use creates) the store and its data key.
    pub async fn open(&self) -> anyhow::Result<(Store, StoreLocation)> {
        let location = self.check()?;
        let data_dir = self.data_dir()?;
        create_private_dir(&data_dir)?;
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
