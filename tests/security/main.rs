//! The adversarial suite: every kind of input a request can carry that must
//! be rejected, each a named test that asserts the status, the `detail` of
//! the body and the `WWW-Authenticate` challenge the client gets.
//!
//! Most cases go through the example server over real HTTP on 127.0.0.1,
//! because the response the client gets is what matters. A case that hyper
//! rejects before the library sees the request says so in its doc comment.
//! `load` sends at least 100,000 requests; run the rest alone with
//! `cargo test --test security -- --skip load`.

// The example's binary uses parts of `app` that these tests do not.
#[allow(dead_code)]
#[path = "../../examples/server/app/mod.rs"]
mod app;

#[allow(dead_code)]
#[path = "../server/support.rs"]
mod support;

#[path = "../server/log_capture.rs"]
mod log_capture;

mod forge;
mod harness;

mod algorithms;
mod claims;
mod header;
mod leaks;
mod load;
mod query;
mod secrets;
mod structure;
