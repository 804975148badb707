#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::User;

#[protected(wss)]
async fn chat(user: User) -> String {
    format!("user {}", user.id)
}

fn main() {}
