//! MCP server tokens → what they give access to, backed by the store. Tokens are looked up by
//! their SHA-256 hash, so the raw token is never kept. A short in-process cache spares the
//! store most lookups; it holds entries for at most `CACHE_TTL`, so a server created or
//! revoked through another replica is seen here within that time. Expiry is checked on every
//! request against the stored `expires_at`, whatever the cache holds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::upstreams::Upstreams;
use crate::bms::BmsClient;
use crate::catalogue::McpScope;
use crate::mcp::McpEndpoint;
pub use crate::store::tokens::{
    MCP_TOKEN_PREFIX, TokenHash, looks_like_admin_token, looks_like_token, new_token, token_hash,
};
use crate::store::{
    Actor, AdminToken, McpAuth, McpServer, Store, StoreError, unix_now, unix_seconds,
};

/// How long a looked-up server or admin token is trusted without asking the store again.
pub const CACHE_TTL: Duration = Duration::from_millis(500);

/// The expiry task wakes at least this often, to see expiries set by other processes (other
/// replicas, the CLI), which cannot wake it.
const MAX_EXPIRY_SLEEP: Duration = Duration::from_secs(60);

/// Why a token gives no access. `Unknown` and `Expired` read the same to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessError {
    Unknown,
    Expired,
    /// The store or the account's BMS connection cannot be had right now.
    Unavailable,
}

/// What a valid token opens.
pub struct Access {
    pub endpoint: McpEndpoint,
    /// The request must also carry an admin API token.
    pub require_api_token_auth: bool,
}

struct ServerEntry {
    server_id: String,
    account_id: String,
    expires_at: Option<i64>,
    require_api_token_auth: bool,
    endpoint: McpEndpoint,
}

struct Cached<T> {
    value: T,
    fetched: Instant,
}

impl<T> Cached<T> {
    fn fresh(&self) -> bool {
        self.fetched.elapsed() < CACHE_TTL
    }
}

/// The MCP servers and admin tokens of the store, as this process sees them.
pub struct Directory {
    store: Store,
    upstreams: Upstreams,
    servers: RwLock<HashMap<TokenHash, Cached<Arc<ServerEntry>>>>,
    /// OAuth servers by id (they have no URL token to key them by).
    oauth_servers: RwLock<HashMap<String, Cached<Arc<ServerEntry>>>>,
    admins: RwLock<HashMap<TokenHash, Cached<AdminToken>>>,
    /// One client per integrated account, shared by its servers, with the account revision
    /// it was built from.
    clients: Mutex<HashMap<String, (i64, Arc<BmsClient>)>>,
    /// One store lookup at a time per token: when an entry goes stale under load, the calls
    /// in flight wait for one reload instead of each taking a pooled connection.
    loads: Mutex<HashMap<TokenHash, Arc<tokio::sync::Mutex<()>>>>,
    expiry_changed: Notify,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Directory {
    pub fn new(store: Store, upstreams: Upstreams) -> Directory {
        Directory {
            store,
            upstreams,
            servers: RwLock::default(),
            oauth_servers: RwLock::default(),
            admins: RwLock::default(),
            clients: Mutex::default(),
            loads: Mutex::default(),
            expiry_changed: Notify::new(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn upstreams(&self) -> &Upstreams {
        &self.upstreams
    }

    /// The endpoint a token opens, refused from its expiry instant on.
    pub async fn resolve(&self, token: &str, now: SystemTime) -> Result<Access, AccessError> {
        if !looks_like_token(token) {
            return Err(AccessError::Unknown);
        }
        let hash = token_hash(token);
        let entry = match self.fresh_server(&hash) {
            Some(entry) => entry,
            None => self.load_server_once(hash).await?,
        };
        if entry.expires_at.is_some_and(|at| unix_seconds(now) >= at) {
            return Err(AccessError::Expired);
        }
        Ok(Access {
            endpoint: entry.endpoint.clone(),
            require_api_token_auth: entry.require_api_token_auth,
        })
    }

    /// The endpoint of an OAuth server, by id; `Unknown` for a URL-token server, so its
    /// tools are never reached without its secret URL. Expiry as for `resolve`.
    pub async fn resolve_oauth(
        &self,
        server_id: &str,
        now: SystemTime,
    ) -> Result<McpEndpoint, AccessError> {
        let cached = read(&self.oauth_servers)
            .get(server_id)
            .filter(|c| c.fresh())
            .map(|c| c.value.clone());
        let entry = match cached {
            Some(entry) => entry,
            None => {
                let found = self.store.mcp_server_by_id(server_id).await;
                let Some((server, revision)) = found.map_err(unavailable)? else {
                    write(&self.oauth_servers).remove(server_id);
                    return Err(AccessError::Unknown);
                };
                if server.config.auth != McpAuth::OAuth {
                    return Err(AccessError::Unknown);
                }
                let entry = Arc::new(self.entry(server, revision).await?);
                let mut servers = write(&self.oauth_servers);
                servers.retain(|_, c| c.fresh());
                servers.insert(
                    server_id.to_owned(),
                    Cached {
                        value: entry.clone(),
                        fetched: Instant::now(),
                    },
                );
                entry
            }
        };
        if entry.expires_at.is_some_and(|at| unix_seconds(now) >= at) {
            return Err(AccessError::Expired);
        }
        Ok(entry.endpoint.clone())
    }

    fn fresh_server(&self, hash: &TokenHash) -> Option<Arc<ServerEntry>> {
        read(&self.servers)
            .get(hash)
            .filter(|c| c.fresh())
            .map(|c| c.value.clone())
    }

    /// Loads a server unless a concurrent call for the same token just did.
    async fn load_server_once(&self, hash: TokenHash) -> Result<Arc<ServerEntry>, AccessError> {
        let gate = self.loads_lock().entry(hash).or_default().clone();
        let _turn = gate.lock().await;
        if let Some(entry) = self.fresh_server(&hash) {
            return Ok(entry);
        }
        let loaded = self.load_server(hash).await;
        // Later callers find the cache fresh; a caller that still holds this gate only waits
        // for the lookup above and then reads the cache too.
        self.loads_lock().remove(&hash);
        loaded
    }

    fn loads_lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<TokenHash, Arc<tokio::sync::Mutex<()>>>> {
        self.loads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn load_server(&self, hash: TokenHash) -> Result<Arc<ServerEntry>, AccessError> {
        let found = self.store.mcp_server_by_token(&hash).await;
        let Some((server, revision)) = found.map_err(unavailable)? else {
            write(&self.servers).remove(&hash);
            return Err(AccessError::Unknown);
        };
        // An OAuth server's URL token was never handed out; even so it must open nothing.
        if server.config.auth != McpAuth::UrlToken {
            return Err(AccessError::Unknown);
        }
        let entry = Arc::new(self.entry(server, revision).await?);
        let mut servers = write(&self.servers);
        // Stale entries of other tokens go when the map is written anyway.
        servers.retain(|_, c| c.fresh());
        servers.insert(
            hash,
            Cached {
                value: entry.clone(),
                fetched: Instant::now(),
            },
        );
        Ok(entry)
    }

    async fn entry(&self, server: McpServer, revision: i64) -> Result<ServerEntry, AccessError> {
        let client = self.client(&server.account_id, revision).await?;
        Ok(ServerEntry {
            endpoint: McpEndpoint {
                server_id: server.id.as_str().into(),
                scope: Arc::new(
                    McpScope::new(server.config.filter(), server.config.tool_exposure)
                        .with_client(server.config.client)
                        .with_confirm_writes(server.config.confirm_writes),
                ),
                client,
                subject: None,
            },
            server_id: server.id,
            account_id: server.account_id,
            expires_at: server.expires_at,
            require_api_token_auth: server.config.require_api_token_auth,
        })
    }

    /// The account's client, rebuilt when the account changed since it was built.
    async fn client(&self, account_id: &str, revision: i64) -> Result<Arc<BmsClient>, AccessError> {
        if let Some((built, client)) = self.clients_lock().get(account_id)
            && *built == revision
        {
            return Ok(client.clone());
        }
        let loaded = self.store.account_with_secrets(account_id).await;
        let Some((account, secrets)) = loaded.map_err(unavailable)? else {
            return Err(AccessError::Unknown);
        };
        let client = self
            .upstreams
            .client_for(&account, secrets)
            .map_err(|error| {
                tracing::error!(%error, "cannot connect an integrated account");
                AccessError::Unavailable
            })?;
        // Concurrent first requests each get here; the first client stored wins, so they
        // all share one client and one sign-in.
        let mut clients = self.clients_lock();
        match clients.get(&account.id) {
            Some((built, existing)) if *built >= account.revision => Ok(existing.clone()),
            _ => {
                clients.insert(account.id, (account.revision, client.clone()));
                Ok(client)
            }
        }
    }

    fn clients_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, Arc<BmsClient>)>> {
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The admin token a bearer string is, if any (cached like servers).
    pub async fn admin_token(&self, token: &str) -> Result<Option<AdminToken>, StoreError> {
        if !looks_like_admin_token(token) {
            return Ok(None);
        }
        let hash = token_hash(token);
        if let Some(cached) = read(&self.admins).get(&hash).filter(|c| c.fresh()) {
            return Ok(Some(cached.value.clone()));
        }
        let found = self.store.admin_token_by_hash(&hash).await?;
        let mut admins = write(&self.admins);
        admins.retain(|_, c| c.fresh());
        match &found {
            Some(admin) => {
                admins.insert(
                    hash,
                    Cached {
                        value: admin.clone(),
                        fetched: Instant::now(),
                    },
                );
            }
            None => {
                admins.remove(&hash);
            }
        }
        Ok(found)
    }

    /// Forgets a server changed or deleted through this process, so the change applies here
    /// at once rather than within `CACHE_TTL`.
    pub fn forget_server(&self, server_id: &str) {
        write(&self.servers).retain(|_, c| c.value.server_id != server_id);
        write(&self.oauth_servers).remove(server_id);
        self.expiry_changed.notify_one();
    }

    /// Forgets an account's servers and client.
    pub fn forget_account(&self, account_id: &str) {
        write(&self.servers).retain(|_, c| c.value.account_id != account_id);
        write(&self.oauth_servers).retain(|_, c| c.value.account_id != account_id);
        self.clients_lock().remove(account_id);
        self.expiry_changed.notify_one();
    }

    /// Forgets a revoked admin token.
    pub fn forget_admin_token(&self, admin_id: &str) {
        write(&self.admins).retain(|_, c| c.value.id != admin_id);
    }

    /// Tells the expiry task that a server's expiry was set or changed.
    pub fn expiry_changed(&self) {
        self.expiry_changed.notify_one();
    }

    /// Deletes servers whose expiry has passed: now (those that passed while the process was
    /// down), then at each next expiry. Sleeps until the earliest expiry or until told of a
    /// change, never polling the store in between (beyond a rare safety wake-up).
    pub fn spawn_expiry_reaper(self: &Arc<Self>) -> JoinHandle<()> {
        let directory = self.clone();
        tokio::spawn(async move {
            loop {
                let pause = directory.reap_expired().await;
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = directory.expiry_changed.notified() => {}
                }
            }
        })
    }

    /// One pass: deletes what has expired; how long to sleep until the next expiry.
    async fn reap_expired(&self) -> Duration {
        match self.store.delete_expired_mcp_servers(unix_now()).await {
            Ok(deleted) => {
                for id in deleted {
                    tracing::info!(server = %id, "deleted an expired MCP server");
                    write(&self.servers).retain(|_, c| c.value.server_id != id);
                    write(&self.oauth_servers).remove(&id);
                    let recorded = self
                        .store
                        .record_admin_action(&Actor::system(), "mcp_server.expire", Some(&id))
                        .await;
                    if let Err(error) = recorded {
                        tracing::warn!(%error, "could not record an expiry in the audit log");
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "could not delete expired MCP servers"),
        }
        match self.store.next_expiry().await {
            Ok(Some(at)) => until(at).min(MAX_EXPIRY_SLEEP),
            Ok(None) => MAX_EXPIRY_SLEEP,
            Err(error) => {
                tracing::warn!(%error, "could not read the next MCP server expiry");
                Duration::from_secs(5)
            }
        }
    }
}

/// The time left until a unix second, zero when it has passed.
fn until(unix_second: i64) -> Duration {
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(unix_second).unwrap_or(0));
    at.duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}

fn unavailable(error: StoreError) -> AccessError {
    tracing::error!(%error, "the store did not answer a token lookup");
    AccessError::Unavailable
}
