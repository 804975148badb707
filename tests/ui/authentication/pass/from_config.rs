//! `#[authentication(from_config)]` builds the type with `FromConfig` at
//! startup, and a constructor error stops the startup.

use auth_core::{
    AnyUser, Auth, AuthConfig, AuthError, Authentication, ConfigError, FromConfig, Registered,
    Setup, UserId, UserModel, UserStoreError, Users, async_trait, authentication,
};
use http::request::Parts;

#[derive(Clone)]
struct User;

#[async_trait]
impl UserModel for User {
    type Store = ();

    fn id(&self) -> UserId {
        UserId::Int(1)
    }

    async fn find_by_id(_: &(), _: &UserId) -> Result<Option<Self>, UserStoreError> {
        Ok(Some(Self))
    }
}

#[authentication(from_config)]
pub struct SecretAuthentication {
    secret_length: usize,
}

impl FromConfig for SecretAuthentication {
    fn from_config(setup: &mut Setup<'_>) -> Result<Self, ConfigError> {
        let secret = setup.config().secret().ok_or(ConfigError::Missing {
            setting: "SECRET_KEY",
            hint: "set it to at least 32 random bytes",
        })?;
        Ok(Self {
            secret_length: secret.expose().len(),
        })
    }
}

#[async_trait]
impl Authentication for SecretAuthentication {
    type User = AnyUser;

    async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
        Err(AuthError::missing(format!("no secret of {} bytes", self.secret_length)))
    }
}

fn main() {
    let config = AuthConfig::new().authentication(SecretAuthentication::NAME);

    let error = Auth::builder::<User>()
        .config(config.clone())
        .users(())
        .build()
        .unwrap_err();
    assert!(error.to_string().starts_with("SECRET_KEY is not set"), "{error}");

    let auth = Auth::builder::<User>()
        .config(config.secret_key("a secret of at least thirty-two bytes"))
        .users(())
        .build()
        .unwrap();
    assert_eq!(auth.authentication_name(), Some(SecretAuthentication::NAME));
}
