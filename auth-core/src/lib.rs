//! Authentication for Rust web services, after the model of the Panther web
//! framework: configuration names the authenticator, handlers receive a
//! typed user, and everything configuration can get wrong fails at startup.
//!
//! - [`Authentication`]: turns a request head into a user or an [`AuthError`].
//! - [`UserModel`]: the application's user type and how it is loaded by id.
//! - [`AuthConfig`]: `AUTHENTICATION`, `WS_AUTHENTICATION`, `SECRET_KEY`,
//!   the JWT settings and `REDIS_URL`, from the environment, a `.env` file or code.
//! - [`Auth`]: the configured authenticators, resolved by name at startup.
//! - [`authentication`] and [`protected`]: the attributes that register an
//!   authenticator and guard an axum handler.
//!
//! `auth-macros` is an implementation detail pinned to this crate's version;
//! depend on `auth-core` only.
//!
//! # Example
//!
//! ```
//! use auth_core::{async_trait, Auth, AuthConfig, UserId, UserModel, UserStoreError};
//! use std::collections::HashMap;
//!
//! #[derive(Clone)]
//! struct User {
//!     id: i64,
//! }
//!
//! #[async_trait]
//! impl UserModel for User {
//!     type Store = HashMap<i64, User>;
//!
//!     fn id(&self) -> UserId {
//!         UserId::Int(self.id)
//!     }
//!
//!     async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
//!         let UserId::Int(id) = id else { return Ok(None) };
//!         Ok(store.get(id).cloned())
//!     }
//! }
//!
//! // An unknown authenticator is a startup error that lists the known ones.
//! let error = Auth::builder::<User>()
//!     .config(AuthConfig::new().authentication("my_app::Typo"))
//!     .users(HashMap::new())
//!     .build()
//!     .unwrap_err();
//! assert!(error.to_string().starts_with(
//!     "AUTHENTICATION names the unknown authenticator `my_app::Typo`; registered authenticators:"
//! ));
//! ```

#![warn(missing_docs)]

mod auth;
mod authentication;
#[cfg(feature = "axum")]
mod axum;
pub mod config;
mod error;
mod registry;
mod user;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use async_trait::async_trait;
pub use auth::{Auth, AuthBuilder};
pub use authentication::{Authentication, FromConfig, Setup};
pub use config::{AuthConfig, JwtConfig, RedisConfig, Secret, load_env, load_env_file};
pub use error::{AuthError, ConfigError};
pub use registry::{Registered, registered_names};
pub use user::{AnyUser, AuthenticatedUser, TypeInfo, UserId, UserModel, UserStoreError, Users};

pub use auth_macros::{authentication, protected};
