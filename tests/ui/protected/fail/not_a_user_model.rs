#[path = "../../support.rs"]
mod support;

use auth_core::protected;

pub struct Account {
    pub name: String,
}

#[protected]
async fn account(account: Account) -> String {
    account.name
}

fn main() {}
