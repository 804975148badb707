//! End-to-end tests of the example server: each test starts its own
//! instance on a free loopback port with its own SQLite file, and talks to it
//! over real HTTP (reqwest) and WebSocket (tokio-tungstenite) connections.

// The example's binary uses parts of `app` that these tests do not.
#[allow(dead_code)]
#[path = "../../examples/server/app/mod.rs"]
mod app;

mod log_capture;
mod support;

#[path = "../redis_server/mod.rs"]
mod redis_server;

mod accounts;
mod api_keys;
mod logs;
mod shared_revocation;
mod slow_clients;
mod startup;
mod tokens;
mod websocket;
