//! Admin console sessions: signing in records one in the store, signing out ends it.

use super::{ManageError, Management};
use crate::store::{Actor, AdminToken};

impl Management {
    /// Records a console session opened with `admin`, valid until `expires_at` (unix
    /// seconds); audited as `admin_console.sign_in` under that admin token.
    pub async fn start_console_session(
        &self,
        admin: &AdminToken,
        session_id: &str,
        expires_at: i64,
    ) -> Result<(), ManageError> {
        self.store
            .create_console_session(session_id, &admin.id, expires_at)
            .await?;
        self.audit(&Actor::from(admin), "admin_console.sign_in", None)
            .await;
        Ok(())
    }

    /// Ends a console session, so no copy of its cookie works any more; audited as
    /// `admin_console.sign_out` (also when it had already ended).
    pub async fn end_console_session(
        &self,
        actor: &Actor,
        session_id: &str,
    ) -> Result<(), ManageError> {
        self.store.end_console_session(session_id).await?;
        self.audit(actor, "admin_console.sign_out", None).await;
        Ok(())
    }
}
