use auth_core::authentication;

#[authentication]
pub enum Authentication {
    Header,
    Query,
}

fn main() {}
