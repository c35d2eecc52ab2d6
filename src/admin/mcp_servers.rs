//! `/integrated-account/{id}/mcp`: MCP servers in Truto's API shape. The token and URL appear
//! only in the answer to POST; afterwards only the token's hash exists.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Admin;
use super::body::{JsonBody, nullable, required};
use super::errors::AdminError;
use crate::access::Gate;
use crate::catalogue::ClientChoice;
use crate::catalogue::ToolExposure;
use crate::manage::CreatedMcpServer;
use crate::manage::Management;
use crate::store::{
    Invalid, McpAuth, McpServer, McpServerChanges, McpServerConfig, NewMcpServer, parse_rfc3339,
    rfc3339,
};

/// The body of POST and PATCH.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServerBody {
    name: Option<String>,
    config: Option<ConfigBody>,
    #[serde(default, deserialize_with = "nullable")]
    expires_at: Option<Option<String>>,
}

/// `config`: each field given replaces the stored one (on POST, the defaults: everything).
/// The management service checks the result.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigBody {
    methods: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    require_api_token_auth: Option<bool>,
    tool_exposure: Option<ToolExposure>,
    client: Option<ClientChoice>,
    confirm_writes: Option<bool>,
    auth: Option<McpAuth>,
}

impl ConfigBody {
    fn apply_to(self, mut config: McpServerConfig) -> McpServerConfig {
        let trimmed = |list: Vec<String>| -> Vec<String> {
            list.into_iter().map(|s| s.trim().to_owned()).collect()
        };
        if let Some(methods) = self.methods {
            config.methods = trimmed(methods);
        }
        if let Some(tags) = self.tags {
            config.tags = trimmed(tags);
        }
        if let Some(required) = self.require_api_token_auth {
            config.require_api_token_auth = required;
        }
        if let Some(exposure) = self.tool_exposure {
            config.tool_exposure = exposure;
        }
        if let Some(client) = self.client {
            config.client = client;
        }
        if let Some(confirm) = self.confirm_writes {
            config.confirm_writes = confirm;
        }
        if let Some(auth) = self.auth {
            config.auth = auth;
        }
        config
    }
}

/// `expires_at` as given, RFC 3339 (the management service checks it is in the future).
fn expiry(text: Option<&str>) -> Result<Option<i64>, Invalid> {
    let Some(text) = text else {
        return Ok(None);
    };
    let at = parse_rfc3339(text).ok_or_else(|| {
        Invalid::new(
            "expires_at",
            "must be an RFC 3339 time such as 2026-12-31T23:59:59Z",
        )
    })?;
    Ok(Some(at))
}

/// A server as the API shows it (no token, no URL: they cannot be shown again).
pub fn server_json(server: &McpServer) -> Value {
    json!({
        "id": server.id,
        "integrated_account_id": server.account_id,
        "name": server.name,
        "config": server.config,
        "expires_at": server.expires_at.map(rfc3339),
        "created_at": rfc3339(server.created_at),
        "updated_at": rfc3339(server.updated_at),
    })
}

/// `POST /integrated-account/{id}/mcp`: 201 with the token and URL, shown this once.
pub async fn create(
    State(state): State<Arc<Gate>>,
    admin: Admin,
    Path(account_id): Path<String>,
    JsonBody(body): JsonBody<McpServerBody>,
) -> Result<Response, AdminError> {
    let manage = Management::of(&state);
    if manage.store().account(&account_id).await?.is_none() {
        return Err(AdminError::no_account(&account_id));
    }
    let name = required(body.name, "name")?;
    let config = match body.config {
        Some(config) => config.apply_to(McpServerConfig::default()),
        None => McpServerConfig::default(),
    };
    let expires_at = expiry(body.expires_at.flatten().as_deref())?;
    let new = NewMcpServer {
        account_id,
        name,
        config,
        expires_at,
    };
    let CreatedMcpServer { server, token } = manage.create_mcp_server(&admin.actor(), new).await?;
    let mut answer = server_json(&server);
    answer["url"] = server.url(&state.public_url, &token).into();
    // An OAuth server's URL token opens nothing, so it is not handed out.
    if server.config.auth == McpAuth::UrlToken {
        answer["token"] = token.into();
    }
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `GET /integrated-account/{id}/mcp`.
pub async fn list(
    State(state): State<Arc<Gate>>,
    _admin: Admin,
    Path(account_id): Path<String>,
) -> Result<Json<Value>, AdminError> {
    let store = state.directory.store();
    if store.account(&account_id).await?.is_none() {
        return Err(AdminError::no_account(&account_id));
    }
    let servers = store.mcp_servers(Some(&account_id)).await?;
    let result: Vec<Value> = servers.iter().map(server_json).collect();
    Ok(Json(json!({"result": result, "next_cursor": null})))
}

/// `GET /integrated-account/{id}/mcp/{mcp_id}`.
pub async fn get(
    State(state): State<Arc<Gate>>,
    _admin: Admin,
    Path((account_id, id)): Path<(String, String)>,
) -> Result<Json<Value>, AdminError> {
    let server = Management::of(&state).mcp_server(&account_id, &id).await?;
    Ok(Json(server_json(&server)))
}

/// `PATCH /integrated-account/{id}/mcp/{mcp_id}`: name, config fields, `expires_at`
/// (`null` removes it). The token stays the same.
pub async fn update(
    State(state): State<Arc<Gate>>,
    admin: Admin,
    Path((account_id, id)): Path<(String, String)>,
    JsonBody(body): JsonBody<McpServerBody>,
) -> Result<Json<Value>, AdminError> {
    let manage = Management::of(&state);
    let current = manage.mcp_server(&account_id, &id).await?;
    let changes = McpServerChanges {
        name: body.name,
        config: body
            .config
            .map(|config| config.apply_to(current.config.clone())),
        expires_at: body
            .expires_at
            .map(|at| expiry(at.as_deref()))
            .transpose()?,
    };
    let server = manage
        .update_mcp_server(&admin.actor(), &current, changes)
        .await?;
    Ok(Json(server_json(&server)))
}

/// `DELETE /integrated-account/{id}/mcp/{mcp_id}`: revokes the URL at once.
pub async fn delete(
    State(state): State<Arc<Gate>>,
    admin: Admin,
    Path((account_id, id)): Path<(String, String)>,
) -> Result<StatusCode, AdminError> {
    Management::of(&state)
        .delete_mcp_server(&admin.actor(), Some(&account_id), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
