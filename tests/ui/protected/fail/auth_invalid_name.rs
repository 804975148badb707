#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::User;

#[protected(auth = "HeaderAuthentication")]
async fn short_name(user: User) -> String {
    format!("user {}", user.id)
}

#[protected(auth = "crate::support::HeaderAuthentication")]
async fn crate_relative(user: User) -> String {
    format!("user {}", user.id)
}

fn main() {}
