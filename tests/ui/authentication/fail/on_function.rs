use auth_core::authentication;

#[authentication]
pub fn authenticate() {}

fn main() {}
