//! The BMS sandbox: a simulator of the Kaseya BMS v2 REST API, built from the same vendored
//! OpenAPI spec as the gateway and reached over real HTTP by the production client code.
//! It is `bms-mcp serve`'s default upstream and the upstream of every test.
//!
//! Every operation of the spec is routed. Tickets, accounts, contacts, opportunities, IT Glue
//! notes and the lookups are simulated with state (see [`handlers`]); every other operation
//! answers a deterministic example generated from its response schema, after the same
//! authentication, parameter and body validation live BMS applies. Rate limits and faults are
//! injected on purpose, and `/_sandbox/*` lets a test look inside.
//!
//! Module map: [`config`] (flags and config), [`server`] (TCP, drop faults), `app` (the
//! request pipeline), [`control`] (`/_sandbox/*`), [`spec_model`] (routes, schemas,
//! examples), [`wire`] (envelope, parameters, bodies), [`auth`] (tokens, TOTP), [`limits`]
//! (rate limits, faults), [`store`] (the tenant and its seeds), [`handlers`] (simulated
//! operations), [`requestlog`], `clock`.
//!
//! Choices where live BMS is not documented (clients must not depend on more than BMS does):
//! - Wrong user name, password or tenant: HTTP 401, `success: false`, code 978002; MFA
//!   missing 978003, wrong 978004; unknown or missing token 978000; expired token 978001
//!   (the one code BMS documents). See [`ErrorCode`].
//! - Business-rule refusals come as HTTP 200 with `success: false` (resolving a ticket that is
//!   already closed), as live BMS does for some failures.
//! - Operations whose spec declares no response body (e.g. `assignticket`) answer HTTP 200
//!   with an empty body. `GET /v2/crm/accounts/summary/{id}` and the other operations whose
//!   schema is not an envelope answer the bare DTO.
//! - Success envelopes carry `"error": null`, as ASP.NET serialises a null reference.
//! - Body keys bind case-insensitively; properties the DTO lacks are ignored (and listed in
//!   the request log as `ignored_body_properties`), as ASP.NET does.
//! - `PageSize` defaults to 25 and is clamped to 100; `Sort` takes `field`, `field desc` or
//!   `-field`.

// The ticket DTOs are large `json!` literals.
#![recursion_limit = "256"]

mod app;
mod auth;
mod clock;
pub mod config;
mod control;
mod handlers;
mod limits;
mod requestlog;
mod server;
mod spec_model;
mod store;
mod wire;

use std::sync::Arc;

pub use auth::SandboxCredentials;
pub use config::{
    DEFAULT_LISTEN, DEFAULT_PASSWORD, DEFAULT_TENANT, DEFAULT_USERNAME, FaultSettings,
    RateLimitHeaders, RateLimitPolicy, SandboxArgs, SandboxConfig, Seed,
};
pub use server::Sandbox;
pub use store::seed;
pub use wire::ErrorCode;

/// The sandbox as an axum router, for `tower::ServiceExt::oneshot` tests. Drop faults cannot
/// close a connection here (there is none): such requests answer HTTP 500 instead.
pub fn router(config: SandboxConfig) -> axum::Router {
    match app::AppState::new(config) {
        Ok(state) => app::router_for(Arc::new(state)),
        Err(e) => app::broken_router(format!("the sandbox cannot start: {e:#}")),
    }
}

/// The `bms-mcp sandbox` command: start, print the base URL and credentials, serve until
/// Ctrl-C.
pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let sandbox = Sandbox::start(config, args.listen).await?;
    let credentials = sandbox.credentials();
    println!("BMS sandbox listening on {}", sandbox.base_url());
    println!("  API base URL: {}/v2", sandbox.base_url());
    println!("  UserName:     {}", credentials.username);
    println!("  Password:     {}", credentials.password);
    println!("  Tenant:       {}", credentials.tenant);
    if credentials.totp_secret.is_some() {
        println!("  MFA:          on (send the TOTP code for --totp-secret as MFACode)");
    }
    println!(
        "  Control:      {}/_sandbox/ (faults, requests, state, reset)",
        sandbox.base_url()
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| anyhow::anyhow!("cannot wait for Ctrl-C: {e}"))?;
    sandbox.shutdown().await;
    Ok(())
}
