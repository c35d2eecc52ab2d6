//! Admin console sessions, held in the store so that signing out ends a session on every
//! replica at once. The cookie carries a random session id; only its SHA-256 is stored.

use super::tokens::{hash_hex, token_hash};
use super::{Store, StoreError, unix_now};

impl Store {
    /// Records a new console session for `admin_token_id` until `expires_at` (unix seconds).
    pub async fn create_console_session(
        &self,
        session_id: &str,
        admin_token_id: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let now = unix_now();
        // Sessions past their expiry are refused anyway; sign-in is a fine time to drop them.
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, admin_token_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(hash_hex(&token_hash(session_id)))
        .bind(admin_token_id)
        .bind(now)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether the session is live: recorded, not signed out, not expired, and made with the
    /// admin token `admin_token_id`.
    pub async fn console_session_is_live(
        &self,
        session_id: &str,
        admin_token_id: &str,
    ) -> Result<bool, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT admin_token_id FROM console_sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(hash_hex(&token_hash(session_id)))
        .bind(unix_now())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some_and(|(owner,)| owner == admin_token_id))
    }

    /// Ends a session (sign-out); false when it was not recorded.
    pub async fn end_console_session(&self, session_id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
            .bind(hash_hex(&token_hash(session_id)))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
