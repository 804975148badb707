#[path = "../../support.rs"]
mod support;

use auth_core::protected;
use support::{ApiKeyAuthentication, ApiUser};

#[protected(ws, auth = ApiKeyAuthentication)]
async fn chat(user: ApiUser) -> String {
    user.key
}

fn main() {}
