//! Flags shared by `serve` and `stdio`: which BMS to talk to, and which tools to offer.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::split_list;
use crate::bms::{BmsClient, BmsClientConfig, BmsCredentials, http_client};
use crate::call::CursorCodec;
use crate::catalogue::{ClientChoice, ToolFilter};
use crate::catalogue::{McpScope, ToolExposure};
use crate::config::ConfigError;
use crate::store::McpServerConfig;
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
    /// `discovery` (the default) lists three meta-tools (search, schema, call), about 1,000
    /// tokens; `all` lists every tool in scope (the whole catalogue is about 300,000 tokens).
    #[arg(long, env = "BMS_MCP_TOOL_EXPOSURE", value_enum, default_value_t = Exposure::Discovery)]
    tool_exposure: Exposure,
    /// Client profile: `auto` (from the client's name), `standard`, `short-names`,
    /// `openai-strict` or `gemini`.
    #[arg(long, env = "BMS_MCP_CLIENT", value_name = "PROFILE", default_value = "auto", value_parser = parse_client)]
    client: ClientChoice,
    /// Ask the user (MCP elicitation) before calls that change or notify (destructive tools,
    /// customer-visible notes); such calls are refused when the client cannot be asked.
    #[arg(long, env = "BMS_MCP_CONFIRM_WRITES")]
    confirm_writes: bool,
}

fn parse_client(text: &str) -> Result<ClientChoice, String> {
    ClientChoice::try_from(text.to_owned())
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Exposure {
    All,
    Discovery,
}

impl ScopeArgs {
    pub fn scope(&self) -> Result<McpScope, ConfigError> {
        let filter = ToolFilter {
            methods: split_list(&self.methods),
            tags: split_list(&self.tags),
        };
        crate::store::servers::check_filter(&filter).map_err(|invalid| {
            let key = if invalid.field.ends_with("methods") {
                "methods"
            } else {
                "tags"
            };
            ConfigError::value(key, invalid.message)
        })?;
        let exposure = match self.tool_exposure {
            Exposure::All => ToolExposure::All,
            Exposure::Discovery => ToolExposure::Discovery,
        };
        Ok(McpScope::new(filter, exposure)
            .with_client(self.client)
            .with_confirm_writes(self.confirm_writes))
    }

    /// The same scope as a stored MCP server's config.
    pub fn config(&self) -> Result<McpServerConfig, ConfigError> {
        let scope = self.scope()?;
        Ok(McpServerConfig {
            methods: scope.filter.methods.clone(),
            tags: scope.filter.tags.clone(),
            require_api_token_auth: false,
            tool_exposure: scope.exposure,
            client: scope.client,
            confirm_writes: scope.confirm_writes,
            auth: crate::store::McpAuth::UrlToken,
        })
    }
}

/// Refuses methods and tags no tool has, so a typo cannot silently empty a scope.
pub fn check_filter(filter: &ToolFilter) -> anyhow::Result<()> {
    crate::store::servers::check_filter(filter).map_err(|invalid| anyhow::anyhow!(invalid.message))
}

/// The built-in BMS simulator, started on a free loopback port and signed in to like any BMS.
pub struct BuiltInSandbox {
    #[cfg(feature = "sandbox")]
    sandbox: bms_mcp_sandbox::Sandbox,
}

impl BuiltInSandbox {
    /// The name of the integrated-account region that means "the sandbox this process runs".
    pub const REGION: &'static str = crate::access::upstreams::SANDBOX_REGION;

    #[cfg(feature = "sandbox")]
    pub async fn start() -> anyhow::Result<BuiltInSandbox> {
        let sandbox = bms_mcp_sandbox::Sandbox::start(
            bms_mcp_sandbox::SandboxConfig::default(),
            ([127, 0, 0, 1], 0).into(),
        )
        .await
        .context("starting the built-in BMS sandbox")?;
        Ok(BuiltInSandbox { sandbox })
    }

    #[cfg(not(feature = "sandbox"))]
    pub async fn start() -> anyhow::Result<BuiltInSandbox> {
        anyhow::bail!(
            "this build has no built-in sandbox; pass --bms-url, --bms-username, --bms-password and --bms-tenant, or add an account with `bms-mcp accounts add`"
        )
    }

    pub fn base_url(&self) -> String {
        #[cfg(feature = "sandbox")]
        return self.sandbox.base_url();
        #[cfg(not(feature = "sandbox"))]
        unreachable!("no sandbox can be started in this build")
    }

    /// The login the sandbox accepts.
    pub fn credentials(&self) -> BmsCredentials {
        #[cfg(feature = "sandbox")]
        {
            let c = self.sandbox.credentials();
            BmsCredentials {
                username: c.username,
                password: c.password,
                tenant: c.tenant,
                totp_secret: c.totp_secret,
            }
        }
        #[cfg(not(feature = "sandbox"))]
        unreachable!("no sandbox can be started in this build")
    }

    pub async fn shutdown(self) {
        #[cfg(feature = "sandbox")]
        self.sandbox.shutdown().await;
    }
}

/// The BMS client to use, and the sandbox when one was started for it.
pub struct Upstream {
    pub client: Arc<BmsClient>,
    sandbox: Option<BuiltInSandbox>,
}

impl Upstream {
    /// Stops the sandbox, if one was started.
    pub async fn shutdown(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.shutdown().await;
        }
    }
}

impl AccountArgs {
    /// Connection settings for every BMS client.
    pub fn client_config(&self) -> BmsClientConfig {
        BmsClientConfig {
            connect_timeout: Duration::from_secs(self.connect_timeout),
            request_timeout: Duration::from_secs(self.request_timeout),
            budget_per_hour: self.budget_per_hour,
            ..BmsClientConfig::default()
        }
    }

    /// The account the `--bms-*` flags describe, when `--bms-url` is set: base URL and login.
    pub fn explicit(&self) -> Result<Option<(String, BmsCredentials)>, ConfigError> {
        let Some(url) = &self.bms_url else {
            return Ok(None);
        };
        let given = |value: &Option<String>, key: &'static str, what: &str| {
            value.clone().ok_or_else(|| {
                ConfigError::value(key, format!("bms_url is set but this is not; give {what}"))
            })
        };
        let credentials = BmsCredentials {
            username: given(
                &self.bms_username,
                "bms_username",
                "the BMS API user's name",
            )?,
            password: given(
                &self.bms_password,
                "bms_password",
                "the BMS API user's password",
            )?,
            tenant: given(
                &self.bms_tenant,
                "bms_tenant",
                "the BMS company (tenant) name",
            )?,
            totp_secret: self.bms_totp_secret.clone(),
        };
        let fix = "give the BMS API base URL, e.g. https://api.bms.kaseya.com";
        let parsed = reqwest::Url::parse(url)
            .map_err(|_| ConfigError::value("bms_url", format!("{url:?} is not a URL; {fix}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::value(
                "bms_url",
                format!("{url:?} is not an http(s) URL; {fix}"),
            ));
        }
        Ok(Some((url.trim_end_matches('/').to_owned(), credentials)))
    }

    /// Connects to the configured BMS, or starts the built-in sandbox on a free loopback port.
    pub async fn connect(&self) -> anyhow::Result<Upstream> {
        let config = self.client_config();
        let http = http_client(&config).context("building the HTTP client")?;
        if let Some((url, credentials)) = self.explicit()? {
            return Ok(Upstream {
                client: BmsClient::new(http, &url, credentials, config),
                sandbox: None,
            });
        }
        let sandbox = BuiltInSandbox::start().await?;
        let client = BmsClient::new(http, &sandbox.base_url(), sandbox.credentials(), config);
        Ok(Upstream {
            client,
            sandbox: Some(sandbox),
        })
    }
}

/// Keys for signing cursors, session ids and the OAuth pages' state. From `secret_key` (`BMS_MCP_SECRET_KEY`, 64 hex
/// digits) so that replicas accept each other's, else random for this process.
pub fn signing_keys() -> Result<(CursorCodec, Sessions, [u8; 32]), ConfigError> {
    let master: [u8; 32] = crate::config::check_hex_key("secret_key")?.unwrap_or_else(rand::random);
    Ok((
        CursorCodec::new(derive(&master, b"cursor")),
        Sessions::new(derive(&master, b"session")),
        derive(&master, b"oauth"),
    ))
}

fn derive(master: &[u8; 32], purpose: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(master)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}
