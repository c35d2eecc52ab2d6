//! The admin console: `/admin`, on the same listener as MCP and the admin API, for people
//! rather than scripts. Signed in with an admin API token, an admin adds integrated accounts,
//! creates MCP servers (the URL shown once, with client snippets), revokes them and browses
//! the tools a scope exposes.
//!
//! Server-rendered HTML (maud) that works without JavaScript: forms POST and redirect. The one
//! vendored script (`assets/console.js`) adds copy buttons, confirmation dialogs and live tool
//! counts. Each change goes through the management service (`crate::manage`), as the admin
//! API's do: the same validation, and an audit row under the signed-in admin token.
//!
//! ```text
//! GET       /admin/sign-in, POST /admin/sign-in, POST /admin/sign-out
//! GET|POST  /admin/accounts                 list, add
//! GET       /admin/accounts/{id}            its MCP Servers tab
//! POST      /admin/accounts/{id}/test       Test connection
//! POST      /admin/accounts/{id}/remove
//! GET       /admin/accounts/{id}/servers/new, POST /admin/accounts/{id}/servers
//! POST      /admin/accounts/{id}/servers/{server_id}/revoke
//! GET       /admin/tools                    tool browser
//! GET       /admin/tool-count               live counts (JSON)
//! ```

mod accounts;
mod assets;
mod errors;
pub(crate) mod form;
pub(crate) mod layout;
mod people;
mod routes;
mod server_form;
mod servers;
pub(crate) mod session;
mod sign_in;
mod snippets;
pub(crate) mod tools;

pub use errors::ConsoleError;
pub use routes::routes;
pub use session::{CSRF_FIELD, SESSION_COOKIE, SIGN_IN_COOKIE};
