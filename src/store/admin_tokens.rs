//! Admin API tokens: `bmsa_` + 256 random bits, shown once; only the SHA-256 is stored.

use sqlx::Row;
use subtle::ConstantTimeEq;

use super::tokens::{self, TokenHash, hash_hex};
use super::{Store, StoreError, new_id, unix_now};

/// An admin token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminToken {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

impl Store {
    /// A new admin token; the token string exists only in this answer.
    pub async fn create_admin_token(&self, name: &str) -> Result<(AdminToken, String), StoreError> {
        let token = tokens::new_admin_token();
        let record = AdminToken {
            id: new_id(),
            name: name.trim().to_owned(),
            created_at: unix_now(),
        };
        sqlx::query(
            "INSERT INTO admin_tokens (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&record.id)
        .bind(&record.name)
        .bind(hash_hex(&tokens::token_hash(&token)))
        .bind(record.created_at)
        .execute(self.pool())
        .await?;
        Ok((record, token))
    }

    /// Every admin token, oldest first.
    pub async fn admin_tokens(&self) -> Result<Vec<AdminToken>, StoreError> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT id, name, created_at FROM admin_tokens ORDER BY created_at, id")
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at)| AdminToken {
                id,
                name,
                created_at,
            })
            .collect())
    }

    /// Revokes (deletes) an admin token; false when there was none.
    pub async fn revoke_admin_token(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM admin_tokens WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The admin token with this hash. The row is found by its indexed hash; the hash read
    /// back is compared again in constant time, so no code path compares secrets early-out.
    pub async fn admin_token_by_hash(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AdminToken>, StoreError> {
        let wanted = hash_hex(hash);
        let row = sqlx::query(
            "SELECT id, name, created_at, token_hash FROM admin_tokens WHERE token_hash = $1",
        )
        .bind(&wanted)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: String = row.try_get("token_hash")?;
        if !bool::from(stored.as_bytes().ct_eq(wanted.as_bytes())) {
            return Ok(None);
        }
        Ok(Some(AdminToken {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            created_at: row.try_get("created_at")?,
        }))
    }
}
