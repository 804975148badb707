#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::User;

pub struct Api;

impl Api {
    #[protected]
    pub async fn profile(&self, user: User) -> String {
        format!("user {}", user.id)
    }
}

fn main() {}
