//! `serve`'s OpenID Connect flags: the optional upstream provider people may sign in with on
//! the OAuth authorize page, beside local users.

use crate::config::ConfigError;
use crate::oauth::oidc::OidcConfig;

#[derive(Debug, Clone, clap::Args)]
pub struct OidcArgs {
    /// Issuer URL of an OpenID Connect provider people may sign in with (https), exactly as
    /// its discovery document spells it.
    #[arg(long, env = "BMS_MCP_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The client id bms-mcp is registered under at that provider.
    #[arg(long, env = "BMS_MCP_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// That client's secret.
    #[arg(long, env = "BMS_MCP_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// Email domains whose people may sign in through the provider.
    #[arg(long, env = "BMS_MCP_OIDC_ALLOWED_DOMAINS", value_name = "LIST")]
    oidc_allowed_domains: Vec<String>,
    /// Single email addresses that may sign in through the provider.
    #[arg(long, env = "BMS_MCP_OIDC_ALLOWED_EMAILS", value_name = "LIST")]
    oidc_allowed_emails: Vec<String>,
}

impl OidcArgs {
    /// The provider's settings, `None` when no issuer is set; the first missing or bad key
    /// is named.
    pub fn config(&self) -> Result<Option<OidcConfig>, ConfigError> {
        let Some(issuer) = self.oidc_issuer.as_deref().map(str::trim) else {
            let stray = [
                ("oidc_client_id", self.oidc_client_id.is_some()),
                ("oidc_client_secret", self.oidc_client_secret.is_some()),
            ];
            if let Some((key, _)) = stray.iter().find(|(_, set)| *set) {
                return Err(ConfigError::value(
                    key,
                    "is set but oidc_issuer is not; set oidc_issuer to the provider's issuer URL",
                ));
            }
            return Ok(None);
        };
        if crate::oauth::oidc::http::checked_url(issuer, false).is_err() {
            return Err(ConfigError::value(
                "oidc_issuer",
                format!("{issuer:?} is not an https URL; give e.g. https://accounts.google.com"),
            ));
        }
        let given = |value: &Option<String>, key: &'static str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    ConfigError::value(
                        key,
                        "is required with oidc_issuer (from the provider's app registration)",
                    )
                })
        };
        let domains = super::split_list(&self.oidc_allowed_domains);
        if let Some(bad) = domains.iter().find(|d| d.contains('@') || !d.contains('.')) {
            return Err(ConfigError::value(
                "oidc_allowed_domains",
                format!("{bad:?} is not an email domain; give e.g. example.com"),
            ));
        }
        let emails = super::split_list(&self.oidc_allowed_emails);
        if let Some(bad) = emails.iter().find(|e| !e.contains('@')) {
            return Err(ConfigError::value(
                "oidc_allowed_emails",
                format!("{bad:?} is not an email address"),
            ));
        }
        Ok(Some(OidcConfig {
            issuer: issuer.to_owned(),
            client_id: given(&self.oidc_client_id, "oidc_client_id")?,
            client_secret: given(&self.oidc_client_secret, "oidc_client_secret")?,
            allowed_domains: domains,
            allowed_emails: emails,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        oidc: OidcArgs,
    }

    const FULL: [&str; 6] = [
        "--oidc-issuer",
        "https://accounts.google.com",
        "--oidc-client-id",
        "id",
        "--oidc-client-secret",
        "s",
    ];

    fn config(flags: &[&str]) -> Result<Option<OidcConfig>, ConfigError> {
        Flags::try_parse_from(std::iter::once("serve").chain(flags.iter().copied()))
            .expect("flags parse")
            .oidc
            .config()
    }

    #[track_caller]
    fn refused(flags: &[&str], says: &str) {
        match config(flags) {
            Err(error) => assert!(error.to_string().contains(says), "{error} lacks {says:?}"),
            Ok(config) => panic!("accepted {config:?}"),
        }
    }

    #[test]
    fn no_issuer_means_no_provider() {
        assert_eq!(config(&[]).unwrap(), None);
    }

    #[test]
    fn an_issuer_needs_https_a_client_id_and_a_secret() {
        let issuer = config(&FULL).unwrap().map(|c| c.issuer);
        assert_eq!(issuer.as_deref(), Some("https://accounts.google.com"));
        refused(&FULL[..4], "oidc_client_secret");
        refused(
            &["--oidc-issuer", "http://accounts.google.com"],
            "not an https URL",
        );
        refused(&["--oidc-client-id", "id"], "oidc_issuer is not");
    }

    #[test]
    fn allow_lists_must_hold_domains_and_addresses() {
        let with = |extra: &[&'static str]| [&FULL[..], extra].concat();
        let config = config(&with(&[
            "--oidc-allowed-domains",
            "example.com,example.org",
        ]))
        .unwrap()
        .expect("a provider");
        assert_eq!(config.allowed_domains, ["example.com", "example.org"]);
        refused(
            &with(&["--oidc-allowed-domains", "jane@example.com"]),
            "not an email domain",
        );
        refused(
            &with(&["--oidc-allowed-emails", "example.com"]),
            "not an email address",
        );
    }

    #[test]
    fn the_client_secret_is_hidden_when_printed() {
        let key = crate::config::find("oidc_client_secret").expect("a key");
        assert_eq!(key.masked("provider-secret"), "(hidden)");
    }
}
