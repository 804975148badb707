//! Workspace root of the auth crates: it carries the integration tests, the
//! example server and the benchmarks. Nothing here is published.
