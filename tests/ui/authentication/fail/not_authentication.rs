use auth_core::authentication;

#[authentication]
#[derive(Default)]
pub struct ApiKeyAuthentication {
    pub header: String,
}

fn main() {}
