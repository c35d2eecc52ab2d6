//! The console's routes. Every page but sign-in needs a session (`Session`); every POST
//! also needs the session's CSRF token (`Posted`).

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::{accounts, assets, people, servers, sign_in, tools};
use crate::access::Gate;

/// The `/admin` routes, to merge into the server's router (inside its Host/Origin guard and
/// body limit).
pub fn routes(state: Arc<Gate>) -> Router {
    Router::new()
        .route("/admin", get(sign_in::home))
        .route("/admin/", get(sign_in::home))
        .route("/admin/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/admin/sign-out", post(sign_in::sign_out))
        .route(
            "/admin/accounts",
            get(accounts::list).post(accounts::create),
        )
        .route("/admin/accounts/{id}", get(servers::show))
        .route("/admin/accounts/{id}/test", post(accounts::test_connection))
        .route("/admin/accounts/{id}/remove", post(accounts::remove))
        .route("/admin/accounts/{id}/servers", post(servers::create))
        .route("/admin/accounts/{id}/servers/new", get(servers::new))
        .route(
            "/admin/accounts/{id}/servers/{server_id}/revoke",
            post(servers::revoke),
        )
        .route("/admin/people", get(people::list))
        .route("/admin/people/grants/{id}/revoke", post(people::revoke))
        .route("/admin/tools", get(tools::browse))
        .route("/admin/tool-count", get(tools::count))
        .route("/admin/assets/console.css", get(assets::stylesheet))
        .route("/admin/assets/console.js", get(assets::script))
        .with_state(state)
}
