use auth_core::protected;

#[protected]
pub struct Profile;

fn main() {}
