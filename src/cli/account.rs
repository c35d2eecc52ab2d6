//! Flags shared by `serve` and `stdio`: which BMS to talk to, and which tools to offer.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use super::split_list;
use crate::bms::{BmsClient, BmsClientConfig, BmsCredentials, http_client};
use crate::call::CursorCodec;
use crate::catalogue::{Catalogue, ToolFilter};
use crate::mcp::{McpScope, ToolExposure};
use crate::transport::session::Sessions;

/// The BMS account to serve. With no `--bms-url`, the built-in sandbox is started and used.
#[derive(Debug, Clone, clap::Args)]
pub struct AccountArgs {
    /// BMS API base URL, e.g. https://api.bms.kaseya.com (US) or https://api.bmsemea.kaseya.com (EMEA).
    #[arg(long, env = "BMS_MCP_BMS_URL")]
    bms_url: Option<String>,
    /// BMS API user name.
    #[arg(long, env = "BMS_MCP_BMS_USERNAME")]
    bms_username: Option<String>,
    /// BMS API user password.
    #[arg(long, env = "BMS_MCP_BMS_PASSWORD", hide_env_values = true)]
    bms_password: Option<String>,
    /// BMS company (tenant) name.
    #[arg(long, env = "BMS_MCP_BMS_TENANT")]
    bms_tenant: Option<String>,
    /// Base32 TOTP secret when the API user has MFA.
    #[arg(long, env = "BMS_MCP_BMS_TOTP_SECRET", hide_env_values = true)]
    bms_totp_secret: Option<String>,
    /// Seconds allowed to connect to BMS.
    #[arg(long, env = "BMS_MCP_CONNECT_TIMEOUT", default_value_t = 5)]
    connect_timeout: u64,
    /// Seconds allowed for a whole BMS request.
    #[arg(long, env = "BMS_MCP_REQUEST_TIMEOUT", default_value_t = 30)]
    request_timeout: u64,
    /// Our own per-endpoint call budget per hour, reported while BMS sends no rate-limit headers.
    #[arg(long, env = "BMS_MCP_BUDGET_PER_HOUR", default_value_t = crate::bms::ratelimit::DEFAULT_BUDGET_PER_HOUR)]
    budget_per_hour: u64,
}

/// The scope of the MCP server being served.
#[derive(Debug, Clone, clap::Args)]
pub struct ScopeArgs {
    /// Method classes (read, write, custom) or verbs (list, get, search, ...), comma-separated; default all.
    #[arg(long, env = "BMS_MCP_METHODS", value_name = "LIST")]
    methods: Vec<String>,
    /// Tags (servicedesk, crm, lookups, itglue, quickbooks, ...), comma-separated; default all.
    #[arg(long, env = "BMS_MCP_TAGS", value_name = "LIST")]
    tags: Vec<String>,
    /// `all` lists every tool in scope; `discovery` lists three meta-tools (search, schema, call).
    #[arg(long, env = "BMS_MCP_TOOL_EXPOSURE", value_enum, default_value_t = Exposure::All)]
    tool_exposure: Exposure,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Exposure {
    All,
    Discovery,
}

impl ScopeArgs {
    pub fn scope(&self) -> anyhow::Result<McpScope> {
        let filter = ToolFilter {
            methods: split_list(&self.methods),
            tags: split_list(&self.tags),
        };
        check_filter(&filter)?;
        let exposure = match self.tool_exposure {
            Exposure::All => ToolExposure::All,
            Exposure::Discovery => ToolExposure::Discovery,
        };
        Ok(McpScope::new(filter, exposure))
    }
}

/// Refuses methods and tags no tool has, so a typo cannot silently empty a scope.
pub fn check_filter(filter: &ToolFilter) -> anyhow::Result<()> {
    let catalogue = Catalogue::global();
    let verbs = catalogue.verbs();
    for method in &filter.methods {
        let known = ["read", "write", "custom"].contains(&method.as_str())
            || verbs.contains(&method.as_str());
        if !known {
            bail!(
                "unknown method `{method}`; use read, write, custom or a verb: {}",
                verbs.join(", ")
            );
        }
    }
    let tags = catalogue.tags();
    for tag in &filter.tags {
        if !tags.contains(&tag.as_str()) {
            bail!("unknown tag `{tag}`; tags: {}", tags.join(", "));
        }
    }
    Ok(())
}

/// The BMS client to use, and the sandbox when one was started for it.
pub struct Upstream {
    pub client: Arc<BmsClient>,
    #[cfg(feature = "sandbox")]
    sandbox: Option<bms_mcp_sandbox::Sandbox>,
}

impl Upstream {
    /// The sandbox's base URL, when this upstream is the built-in sandbox.
    pub fn sandbox_url(&self) -> Option<String> {
        #[cfg(feature = "sandbox")]
        return self.sandbox.as_ref().map(|s| s.base_url());
        #[cfg(not(feature = "sandbox"))]
        return None;
    }

    /// Stops the sandbox, if one was started.
    pub async fn shutdown(self) {
        #[cfg(feature = "sandbox")]
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

impl AccountArgs {
    /// Connects to the configured BMS, or starts the built-in sandbox on a free loopback port.
    pub async fn connect(&self) -> anyhow::Result<Upstream> {
        let config = BmsClientConfig {
            connect_timeout: Duration::from_secs(self.connect_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            budget_per_hour: self.budget_per_hour,
            ..BmsClientConfig::default()
        };
        let http = http_client(&config).context("building the HTTP client")?;
        let Some(url) = &self.bms_url else {
            return start_sandbox(http, config).await;
        };
        let missing = |name: &str| {
            anyhow::anyhow!("--bms-url is set but --{name} is not; give the BMS API user's {name}")
        };
        let credentials = BmsCredentials {
            username: self
                .bms_username
                .clone()
                .ok_or_else(|| missing("bms-username"))?,
            password: self
                .bms_password
                .clone()
                .ok_or_else(|| missing("bms-password"))?,
            tenant: self
                .bms_tenant
                .clone()
                .ok_or_else(|| missing("bms-tenant"))?,
            totp_secret: self.bms_totp_secret.clone(),
        };
        let parsed =
            reqwest::Url::parse(url).with_context(|| format!("--bms-url {url:?} is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            bail!("--bms-url must be an http(s) URL, e.g. https://api.bms.kaseya.com");
        }
        Ok(Upstream {
            client: BmsClient::new(http, url, credentials, config),
            #[cfg(feature = "sandbox")]
            sandbox: None,
        })
    }
}

/// Starts the built-in sandbox on a free loopback port; it is then signed in to like any BMS.
#[cfg(feature = "sandbox")]
async fn start_sandbox(http: reqwest::Client, config: BmsClientConfig) -> anyhow::Result<Upstream> {
    let sandbox = bms_mcp_sandbox::Sandbox::start(
        bms_mcp_sandbox::SandboxConfig::default(),
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .context("starting the built-in BMS sandbox")?;
    let c = sandbox.credentials();
    let credentials = BmsCredentials {
        username: c.username.clone(),
        password: c.password.clone(),
        tenant: c.tenant.clone(),
        totp_secret: c.totp_secret.clone(),
    };
    let client = BmsClient::new(http, &sandbox.base_url(), credentials, config);
    Ok(Upstream {
        client,
        sandbox: Some(sandbox),
    })
}

#[cfg(not(feature = "sandbox"))]
async fn start_sandbox(
    _http: reqwest::Client,
    _config: BmsClientConfig,
) -> anyhow::Result<Upstream> {
    bail!(
        "no BMS account configured and this build has no built-in sandbox; pass --bms-url, --bms-username, --bms-password and --bms-tenant"
    )
}

/// Keys for signing cursors and session ids. From `BMS_MCP_SECRET_KEY` (64 hex digits) so that
/// replicas accept each other's, else random for this process.
pub fn signing_keys() -> anyhow::Result<(CursorCodec, Sessions)> {
    let master: [u8; 32] = match std::env::var("BMS_MCP_SECRET_KEY") {
        Ok(hex) => {
            parse_hex_key(&hex).context("BMS_MCP_SECRET_KEY must be 64 hex digits (32 bytes)")?
        }
        Err(_) => rand::random(),
    };
    Ok((
        CursorCodec::new(derive(&master, b"cursor")),
        Sessions::new(derive(&master, b"session")),
    ))
}

fn parse_hex_key(hex: &str) -> anyhow::Result<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        bail!("expected 64 hex digits, got {}", hex.len());
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)?;
    }
    Ok(key)
}

fn derive(master: &[u8; 32], purpose: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(master)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}
