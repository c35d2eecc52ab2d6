//! How a sandbox is set up: the `bms-mcp sandbox` flags and the config tests build directly.

use std::net::SocketAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::auth::SandboxCredentials;
use crate::auth::totp;

/// The API user name the sandbox accepts.
pub const DEFAULT_USERNAME: &str = "sandbox@example.com";
/// The API user's password.
pub const DEFAULT_PASSWORD: &str = "sandbox";
/// The tenant (company) name sent as `Tenant`.
pub const DEFAULT_TENANT: &str = "Sandbox MSP";
/// Where `bms-mcp sandbox` listens unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// Flags of `bms-mcp sandbox` (the runtime's CLI flattens this).
#[derive(clap::Args, Debug, Clone)]
pub struct SandboxArgs {
    /// Address to listen on. The control endpoints under /_sandbox/ need no token, so keep it
    /// on loopback.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Data to start with: `demo` (a realistic MSP tenant) or `empty` (lookups only).
    #[arg(long, value_enum, default_value_t = Seed::Demo)]
    pub seed: Seed,
    /// Per-endpoint budget, as N/hour or N/minute (live BMS: 1500/hour per endpoint).
    #[arg(long, default_value = "1500/hour")]
    pub rate_limit: RateLimitPolicy,
    /// Rate-limit headers to send; live BMS documents none.
    #[arg(long, value_enum, default_value_t = RateLimitHeaders::None)]
    pub rate_limit_headers: RateLimitHeaders,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_ttl: u64,
    /// Base32 TOTP secret; when set, authenticate requires a valid MFACode.
    #[arg(long)]
    pub totp_secret: Option<String>,
    /// Delay added to every /v2/ request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of /v2/ requests answered with HTTP 500 (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of /v2/ requests whose connection is closed without an answer (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Share of /v2/ answers sent as truncated JSON (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Refuse every token, sign-in and refresh, as BMS does once the API user is disabled.
    #[arg(long)]
    pub refuse_auth: bool,
}

impl SandboxArgs {
    /// Checks the flags and builds the config.
    pub fn config(&self) -> anyhow::Result<SandboxConfig> {
        let faults = FaultSettings {
            latency_ms: self.latency_ms,
            error_rate: self.error_rate,
            drop_rate: self.drop_rate,
            malformed_rate: self.malformed_rate,
            refuse_auth: self.refuse_auth,
        };
        faults.check().map_err(anyhow::Error::msg)?;
        if let Some(secret) = &self.totp_secret {
            totp::decode_base32(secret).map_err(|e| anyhow::anyhow!("--totp-secret: {e}"))?;
        }
        let mut config = SandboxConfig {
            seed: self.seed,
            rate_limit: self.rate_limit,
            rate_limit_headers: self.rate_limit_headers,
            token_ttl_seconds: self.token_ttl,
            faults,
            ..SandboxConfig::default()
        };
        config.credentials.totp_secret = self.totp_secret.clone();
        Ok(config)
    }
}

/// Everything a sandbox needs to start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub seed: Seed,
    pub rate_limit: RateLimitPolicy,
    pub rate_limit_headers: RateLimitHeaders,
    pub token_ttl_seconds: u64,
    pub faults: FaultSettings,
    /// The accepted login; `totp_secret` turns MFA on.
    pub credentials: SandboxCredentials,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: Seed::Demo,
            rate_limit: RateLimitPolicy::default(),
            rate_limit_headers: RateLimitHeaders::None,
            token_ttl_seconds: 3600,
            faults: FaultSettings::default(),
            credentials: SandboxCredentials {
                username: DEFAULT_USERNAME.into(),
                password: DEFAULT_PASSWORD.into(),
                tenant: DEFAULT_TENANT.into(),
                totp_secret: None,
            },
        }
    }
}

/// The data a sandbox starts with (and returns to on reset).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// A realistic MSP tenant: accounts, contacts, tickets, opportunities, IT Glue notes.
    #[default]
    Demo,
    /// Lookups only.
    Empty,
}

/// A fixed-window budget per endpoint (method + path template).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitPolicy {
    pub limit: u64,
    pub window_seconds: u64,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        RateLimitPolicy {
            limit: 1500,
            window_seconds: 3600,
        }
    }
}

impl RateLimitPolicy {
    /// `hour`, `minute` or `second`, for messages.
    pub fn window_name(&self) -> String {
        match self.window_seconds {
            3600 => "hour".into(),
            60 => "minute".into(),
            1 => "second".into(),
            n => format!("{n} seconds"),
        }
    }
}

impl FromStr for RateLimitPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("rate limit `{s}`: expected N/hour or N/minute, e.g. 1500/hour");
        let (count, unit) = s.trim().split_once('/').ok_or_else(invalid)?;
        let limit: u64 = count.trim().parse().map_err(|_| invalid())?;
        let window_seconds = match unit.trim().to_ascii_lowercase().as_str() {
            "hour" | "hours" | "h" => 3600,
            "minute" | "minutes" | "min" | "m" => 60,
            "second" | "seconds" | "s" => 1,
            _ => return Err(invalid()),
        };
        Ok(RateLimitPolicy {
            limit,
            window_seconds,
        })
    }
}

impl std::fmt::Display for RateLimitPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.limit, self.window_name())
    }
}

/// Which rate-limit headers answers carry.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RateLimitHeaders {
    /// None, as live BMS documents.
    #[default]
    None,
    /// `Retry-After: <seconds>` on 429.
    RetryAfter,
    /// `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds).
    #[value(name = "x-ratelimit")]
    #[serde(rename = "x-ratelimit")]
    XRateLimit,
    /// IETF draft-10 `RateLimit-Policy` and `RateLimit` structured fields.
    Ietf,
}

/// Injected trouble; also settable at run time through `POST /_sandbox/faults`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FaultSettings {
    pub latency_ms: u64,
    pub error_rate: f64,
    pub drop_rate: f64,
    pub malformed_rate: f64,
    /// The API user is disabled in BMS: every issued token is refused with 401, and sign-in
    /// and refresh are refused too, until the setting is cleared.
    #[serde(default)]
    pub refuse_auth: bool,
}

impl FaultSettings {
    /// Rates must lie in 0..=1.
    pub fn check(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("malformed_rate", self.malformed_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sandbox: SandboxArgs,
    }

    fn parse(flags: &[&str]) -> Result<SandboxArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("sandbox").chain(flags.iter().copied()))
            .map(|c| c.sandbox)
    }

    #[test]
    fn flags_default_to_live_bms_behaviour() {
        let config = parse(&[]).expect("defaults parse").config().expect("valid");
        assert_eq!(config.seed, Seed::Demo);
        assert_eq!(
            config.rate_limit,
            RateLimitPolicy {
                limit: 1500,
                window_seconds: 3600
            }
        );
        assert_eq!(config.rate_limit_headers, RateLimitHeaders::None);
        assert_eq!(config.token_ttl_seconds, 3600);
        assert_eq!(config.credentials.username, DEFAULT_USERNAME);
        assert_eq!(
            parse(&[]).expect("defaults parse").listen.to_string(),
            DEFAULT_LISTEN
        );
    }

    #[test]
    fn flags_set_every_knob() {
        let args = parse(&[
            "--seed",
            "empty",
            "--rate-limit",
            "5/minute",
            "--rate-limit-headers",
            "x-ratelimit",
            "--token-ttl",
            "1",
            "--totp-secret",
            "JBSWY3DPEHPK3PXP",
            "--error-rate",
            "0.5",
        ])
        .expect("parses");
        let config = args.config().expect("valid");
        assert_eq!(config.seed, Seed::Empty);
        assert_eq!(config.rate_limit_headers, RateLimitHeaders::XRateLimit);
        assert_eq!(
            config.credentials.totp_secret.as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        assert_eq!(config.faults.error_rate, 0.5);
    }

    #[test]
    fn bad_flags_are_refused_with_the_reason() {
        assert!(parse(&["--rate-limit", "lots"]).is_err());
        let err = parse(&["--totp-secret", "not base32!"])
            .expect("parses")
            .config()
            .expect_err("bad secret");
        assert!(err.to_string().contains("--totp-secret"), "{err}");
        let err = parse(&["--drop-rate", "3"])
            .expect("parses")
            .config()
            .expect_err("bad rate");
        assert!(err.to_string().contains("drop_rate"), "{err}");
    }

    #[test]
    fn rate_limits_parse_per_hour_and_minute() {
        assert_eq!(
            "1500/hour".parse::<RateLimitPolicy>(),
            Ok(RateLimitPolicy {
                limit: 1500,
                window_seconds: 3600
            })
        );
        assert_eq!(
            "5/minute"
                .parse::<RateLimitPolicy>()
                .map(|p| p.window_seconds),
            Ok(60)
        );
        assert!("fast".parse::<RateLimitPolicy>().is_err());
        assert!("5/fortnight".parse::<RateLimitPolicy>().is_err());
    }

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        let faults = FaultSettings {
            error_rate: 1.5,
            ..FaultSettings::default()
        };
        assert!(faults.check().is_err());
        assert!(
            FaultSettings {
                drop_rate: 1.0,
                ..FaultSettings::default()
            }
            .check()
            .is_ok()
        );
    }
}
