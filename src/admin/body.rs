//! JSON request bodies: `application/json` only, read within the body limit, a JSON object,
//! decoded with the path of any field that does not fit (`config.tool_exposure`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::errors::AdminError;
use crate::store::Invalid;

/// A decoded JSON body.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AdminError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AdminError::Body {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "send the body as Content-Type: application/json".into(),
            });
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| AdminError::Body {
                status: rejection.status(),
                message: rejection.body_text(),
            })?;
        decode(&bytes).map(JsonBody)
    }
}

/// Decodes a JSON object, naming the field at fault.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AdminError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|error| AdminError::malformed(format!("the body is not valid JSON: {error}")))?;
    if !value.is_object() {
        return Err(Invalid::new("body", "must be a JSON object").into());
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        Invalid::new(field, error.into_inner().to_string()).into()
    })
}

/// For fields where `null` means "remove" and absence means "leave as it is".
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A required field of a create request.
pub fn required<T>(value: Option<T>, field: &str) -> Result<T, AdminError> {
    value.ok_or_else(|| Invalid::new(field, "is required").into())
}
