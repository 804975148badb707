#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::User;

#[protected]
fn profile(user: User) -> String {
    format!("user {}", user.id)
}

fn main() {}
