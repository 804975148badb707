#[path = "../../support.rs"]
mod support;

use auth_core::protected;

pub struct Account {
    pub name: String,
}

#[protected]
async fn greeting(account: Option<Account>) -> String {
    account.map_or_else(|| "hello".to_owned(), |account| account.name)
}

fn main() {}
