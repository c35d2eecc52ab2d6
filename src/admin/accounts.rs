//! `/integrated-account`: connected BMS tenants. Passwords and TOTP secrets go in, never out.

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
use crate::manage::Management;
use crate::store::{AccountChanges, BmsLocation, IntegratedAccount, Invalid, NewAccount, rfc3339};

/// The body of POST and PATCH. Every field optional here; POST checks which are required.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    name: Option<String>,
    region: Option<String>,
    base_url: Option<String>,
    username: Option<String>,
    password: Option<String>,
    tenant: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    totp_secret: Option<Option<String>>,
}

impl AccountBody {
    fn location(&self) -> Result<Option<BmsLocation>, Invalid> {
        match (&self.region, &self.base_url) {
            (Some(_), Some(_)) => Err(Invalid::new(
                "base_url",
                "give region or base_url, not both",
            )),
            (Some(region), None) => Ok(Some(BmsLocation::Region(region.trim().to_owned()))),
            (None, Some(url)) => Ok(Some(BmsLocation::BaseUrl(
                url.trim().trim_end_matches('/').to_owned(),
            ))),
            (None, None) => Ok(None),
        }
    }
}

/// An account as the API shows it.
pub fn account_json(account: &IntegratedAccount) -> Value {
    let (region, base_url) = match &account.location {
        BmsLocation::Region(region) => (Some(region), None),
        BmsLocation::BaseUrl(url) => (None, Some(url)),
    };
    json!({
        "id": account.id,
        "name": account.name,
        "region": region,
        "base_url": base_url,
        "username": account.username,
        "tenant": account.tenant,
        "has_totp_secret": account.has_totp,
        "created_at": rfc3339(account.created_at),
        "updated_at": rfc3339(account.updated_at),
    })
}

/// `POST /integrated-account`.
pub async fn create(
    State(state): State<Arc<Gate>>,
    admin: Admin,
    JsonBody(body): JsonBody<AccountBody>,
) -> Result<Response, AdminError> {
    let name = required(body.name.clone(), "name")?;
    let location = body.location()?.ok_or_else(|| {
        Invalid::new(
            "region",
            "is required: give region (us, emea, apac) or base_url",
        )
    })?;
    let new = NewAccount {
        name,
        location,
        username: required(body.username, "username")?,
        password: required(body.password, "password")?,
        tenant: required(body.tenant, "tenant")?,
        totp_secret: body.totp_secret.flatten(),
    };
    let account = Management::of(&state)
        .create_account(&admin.actor(), new)
        .await?;
    Ok((StatusCode::CREATED, Json(account_json(&account))).into_response())
}

/// `GET /integrated-account`.
pub async fn list(
    State(state): State<Arc<Gate>>,
    _admin: Admin,
) -> Result<Json<Value>, AdminError> {
    let accounts = state.directory.store().accounts().await?;
    let result: Vec<Value> = accounts.iter().map(account_json).collect();
    Ok(Json(json!({"result": result, "next_cursor": null})))
}

/// `GET /integrated-account/{id}`.
pub async fn get(
    State(state): State<Arc<Gate>>,
    _admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, AdminError> {
    match state.directory.store().account(&id).await? {
        Some(account) => Ok(Json(account_json(&account))),
        None => Err(AdminError::no_account(&id)),
    }
}

/// `PATCH /integrated-account/{id}`: the fields given replace the stored ones;
/// `"totp_secret": null` removes the TOTP secret.
pub async fn update(
    State(state): State<Arc<Gate>>,
    admin: Admin,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AccountBody>,
) -> Result<Json<Value>, AdminError> {
    let changes = AccountChanges {
        location: body.location()?,
        name: body.name,
        username: body.username,
        password: body.password,
        tenant: body.tenant,
        totp_secret: body.totp_secret,
    };
    let account = Management::of(&state)
        .update_account(&admin.actor(), &id, changes)
        .await?;
    Ok(Json(account_json(&account)))
}

/// `DELETE /integrated-account/{id}`: the account and all its MCP servers.
pub async fn delete(
    State(state): State<Arc<Gate>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AdminError> {
    Management::of(&state)
        .delete_account(&admin.actor(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
