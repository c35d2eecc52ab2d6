//! How an integrated account becomes a `BmsClient`: its region's base URL (or its own), its
//! credentials, and the connection settings every account shares.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::bms::{BmsClient, BmsClientConfig, BmsCredentials};
use crate::store::{AccountSecrets, BmsLocation, IntegratedAccount};

/// The BMS API regions and their base URLs.
pub const BMS_REGIONS: &[(&str, &str)] = &[
    ("us", "https://api.bms.kaseya.com"),
    ("emea", "https://api.bmsemea.kaseya.com"),
    ("apac", "https://api.bmsapac.kaseya.com"),
];

/// The region an integrated account names for the built-in sandbox that `serve` runs.
pub const SANDBOX_REGION: &str = "sandbox";

/// A region: where its API is, and optionally the login that region always uses.
#[derive(Clone)]
struct Region {
    base_url: String,
    login: Option<BmsCredentials>,
}

/// Builds BMS clients for integrated accounts.
#[derive(Clone)]
pub struct Upstreams {
    http: reqwest::Client,
    config: BmsClientConfig,
    regions: BTreeMap<String, Region>,
}

/// Why an account cannot be connected.
#[derive(Debug, thiserror::Error)]
#[error("integrated account {account}: region `{region}` is not served by this process")]
pub struct UnknownRegion {
    pub account: String,
    pub region: String,
}

impl Upstreams {
    /// The public BMS regions, with shared connection settings.
    pub fn new(http: reqwest::Client, config: BmsClientConfig) -> Upstreams {
        let regions = BMS_REGIONS
            .iter()
            .map(|&(name, url)| {
                (
                    name.to_owned(),
                    Region {
                        base_url: url.to_owned(),
                        login: None,
                    },
                )
            })
            .collect();
        Upstreams {
            http,
            config,
            regions,
        }
    }

    /// Adds a region this process provides, e.g. a local simulator whose URL is known only at
    /// start-up. With `login`, accounts of that region sign in with it rather than their own.
    pub fn with_region(
        mut self,
        name: &str,
        base_url: &str,
        login: Option<BmsCredentials>,
    ) -> Upstreams {
        self.regions.insert(
            name.to_owned(),
            Region {
                base_url: base_url.to_owned(),
                login,
            },
        );
        self
    }

    /// The region names accounts may use.
    pub fn region_names(&self) -> Vec<String> {
        self.regions.keys().cloned().collect()
    }

    /// A new client for an account.
    pub fn client_for(
        &self,
        account: &IntegratedAccount,
        secrets: AccountSecrets,
    ) -> Result<Arc<BmsClient>, UnknownRegion> {
        let own_login = || BmsCredentials {
            username: account.username.clone(),
            password: secrets.password,
            tenant: account.tenant.clone(),
            totp_secret: secrets.totp_secret,
        };
        let (base_url, credentials) = match &account.location {
            BmsLocation::BaseUrl(url) => (url.clone(), own_login()),
            BmsLocation::Region(name) => {
                let region = self.regions.get(name).ok_or_else(|| UnknownRegion {
                    account: account.id.clone(),
                    region: name.clone(),
                })?;
                let login = region.login.clone().unwrap_or_else(own_login);
                (region.base_url.clone(), login)
            }
        };
        Ok(BmsClient::new(
            self.http.clone(),
            &base_url,
            credentials,
            self.config.clone(),
        ))
    }
}
