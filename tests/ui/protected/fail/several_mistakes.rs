//! Independent mistakes are all reported by one build.

#[path = "../../support.rs"]
mod support;

use auth_core::protected;

pub struct Account {
    pub name: String,
}

#[protected(wss, timeout = 5)]
fn account(account: Account) -> String {
    account.name
}

fn main() {}
