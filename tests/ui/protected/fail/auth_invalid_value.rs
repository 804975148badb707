#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::User;

#[protected(auth = 42)]
async fn numeric(user: User) -> String {
    format!("user {}", user.id)
}

#[protected(auth)]
async fn missing(user: User) -> String {
    format!("user {}", user.id)
}

fn main() {}
