//! What the sandbox does to requests besides answering them: per-endpoint rate limits and
//! injected faults.

pub mod faults;
pub mod ratelimit;
