//! What travels on the wire: the BMS envelope and its errors, query and path parameters,
//! and JSON request bodies as ASP.NET binds them.

pub mod body;
pub mod envelope;
pub mod params;

pub use envelope::{ApiError, ErrorCode};
