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

/// Registers an authenticator under its full Rust path, so that
/// configuration can select it by name.
///
/// Put it on a struct that implements [`Authentication`]. The registered
/// name is `module_path!()` followed by the type's name, such as
/// `my_app::auth::ApiKeyAuthentication`: the crate's name, the modules, the
/// type. `AUTHENTICATION`, `WS_AUTHENTICATION` and
/// `#[protected(auth = "...")]` select the type by that name, and
/// `#[protected(auth = Type)]` by the type itself. Registration goes through
/// a link-time registry (`inventory`), so every crate linked into the binary
/// contributes its authenticators and no central list needs editing.
///
/// When configuration or a handler selects the type, [`AuthBuilder::build`]
/// builds it once, with the constructor that the attribute chooses:
///
/// | attribute | constructor |
/// |---|---|
/// | `#[authentication]` | `Default::default()` |
/// | `#[authentication(from_config)]` | [`FromConfig::from_config`], which receives the configuration and may fail with a [`ConfigError`] that stops the startup |
///
/// # Example
///
/// ```
/// use auth_core::{
///     async_trait, authentication, AnyUser, AuthError, Authentication, ConfigError, FromConfig,
///     Registered, Setup, Users,
/// };
/// use http::request::Parts;
///
/// /// Accepts requests whose `X-Api-Key` header is `SECRET_KEY`.
/// #[authentication(from_config)]
/// pub struct ApiKeyAuthentication {
///     key: Vec<u8>,
/// }
///
/// impl FromConfig for ApiKeyAuthentication {
///     fn from_config(setup: &mut Setup<'_>) -> Result<Self, ConfigError> {
///         let key = setup.config().secret().ok_or(ConfigError::Missing {
///             setting: "SECRET_KEY",
///             hint: "set it to the API key",
///         })?;
///         Ok(Self { key: key.expose().to_vec() })
///     }
/// }
///
/// #[async_trait]
/// impl Authentication for ApiKeyAuthentication {
///     type User = AnyUser;
///
///     async fn authenticate(&self, request: &Parts, users: &Users) -> Result<AnyUser, AuthError> {
///         let Some(key) = request.headers.get("x-api-key") else {
///             return Err(AuthError::missing("X-Api-Key header is missing"));
///         };
///         // NOTE: a real authenticator compares secrets in constant time.
///         if key.as_bytes() != self.key.as_slice() {
///             return Err(AuthError::invalid_token("X-Api-Key header is invalid"));
///         }
///         users
///             .find_by_id(&"api".into())
///             .await?
///             .ok_or_else(|| AuthError::invalid_token("User not found"))
///     }
/// }
///
/// // In a crate named `my_app`, in its module `auth`, this is
/// // "my_app::auth::ApiKeyAuthentication".
/// assert_eq!(
///     ApiKeyAuthentication::NAME,
///     concat!(module_path!(), "::ApiKeyAuthentication")
/// );
/// ```
///
/// # Expansion
///
/// The struct stays as written. Next to it:
///
/// ```text
/// impl ::auth_core::__private::Registered for ApiKeyAuthentication {
///     const NAME: &'static str =
///         ::core::concat!(::core::module_path!(), "::", "ApiKeyAuthentication");
/// }
///
/// ::auth_core::__private::inventory::submit! {
///     ::auth_core::__private::registration_from_config::<ApiKeyAuthentication>()
/// }
/// ```
///
/// [`Registered`] has `Authentication` as its supertrait, so a type without
/// the trait fails on its name, and the registration's bounds require
/// `Default` or `FromConfig`.
///
/// # Mistakes caught at compile time
///
/// A type that does not implement [`Authentication`]:
///
/// ```compile_fail,E0277
/// #[auth_core::authentication]
/// #[derive(Default)]
/// pub struct ApiKeyAuthentication;
/// ```
///
/// A type without `Default` and without `from_config`:
///
/// ```compile_fail,E0277
/// # use auth_core::{async_trait, AnyUser, AuthError, Authentication, Users};
/// # use http::request::Parts;
/// #[auth_core::authentication]
/// pub struct ApiKeyAuthentication {
///     key: Vec<u8>,
/// }
/// # #[async_trait]
/// # impl Authentication for ApiKeyAuthentication {
/// #     type User = AnyUser;
/// #     async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
/// #         Err(AuthError::missing("no key"))
/// #     }
/// # }
/// ```
///
/// An enum, a function or a generic struct, which the registry cannot build
/// from a name alone:
///
/// ```compile_fail
/// #[auth_core::authentication]
/// pub struct StaticAuthentication<U>(U);
/// ```
///
/// # Limits
///
/// - The name follows the module where the type is defined: a `pub use`
///   elsewhere does not change it, and moving the type does.
/// - A crate whose authenticators only configuration names is not linked
///   unless the binary uses it: write `use auth_jwt as _;` or name one of its
///   items, or startup reports the name as unknown.
/// - Two registrations under one name are a startup error, never a silent choice.
/// - The link-time registry works on the targets that `inventory` supports,
///   which include Linux, macOS, Windows and WebAssembly.
/// - The generated code names `::auth_core`, so the dependency cannot be
///   renamed in `Cargo.toml`.
#[doc(inline)]
pub use auth_macros::authentication;

/// Guards an async axum handler: the selected authenticator runs before the
/// body, and the body receives the user in its user parameter.
///
/// On success the parameter whose type is the user model receives the user.
/// On failure the client gets the [`AuthError`] response (401 with a
/// `WWW-Authenticate: Bearer` challenge and `{"detail": "<reason>"}`, or 503
/// when the user store fails), the rejection is logged once, and the body
/// never runs. The router must carry [`Auth::layer`]; without it every
/// request gets 500 and an error log line that names the missing layer.
///
/// | attribute | authenticator |
/// |---|---|
/// | `#[protected]` | `AUTHENTICATION` |
/// | `#[protected(ws)]` | `WS_AUTHENTICATION`, for WebSocket upgrade handlers |
/// | `#[protected(auth = ApiKeyAuthentication)]` | that registered type, checked against the user parameter at compile time |
/// | `#[protected(auth = "my_app::auth::ApiKeyAuthentication")]` | the type registered under that name, resolved at startup |
///
/// `auth = ...` overrides configuration for one handler, as Panther's
/// per-API `auth=` does. `ws` and `auth` cannot be combined, since `auth`
/// already names the authenticator.
///
/// # The user parameter
///
/// - `user: User` requires credentials, and `_: User` requires them without
///   using the user. `user: Option<User>` makes them optional: a request
///   without credentials gets `None`, and a request with wrong credentials
///   still gets 401.
/// - The user parameter is the one marked `#[user]`. Without a marker, it is
///   the only parameter whose pattern is a plain name or `_` and whose type
///   is a path without generic arguments, inside at most one `Option`. Paths
///   that end in a known extractor (`HeaderMap`, `Method`, `Uri`,
///   `WebSocketUpgrade`, `Bytes`, `String`, [`Auth`] and the like) do not
///   count. Mark the parameter with `#[user]` when it is destructured, when
///   its type is an alias with arguments, or when a custom extractor also
///   looks like a user.
/// - Authentication runs at the user parameter's position among the
///   extractors. Put the parameter first to authenticate before the other
///   extractors run. Body extractors such as `Json` come last anyway.
///
/// Everything else stays as written: the other parameters and their order,
/// visibility, doc comments, other attributes, generics and the return
/// type. The handler stays a plain function, so it works in a `Router` with
/// or without state and under other attribute macros such as
/// `utoipa::path`, in either order.
///
// The example is a standalone doctest: merged doctests share one binary,
// whose startup checks would include these handlers.
/// # Example
///
/// ```standalone_crate
/// use auth_core::{protected, Auth, AuthConfig, Registered};
/// use axum::extract::ws::{Message, WebSocketUpgrade};
/// use axum::extract::Path;
/// use axum::response::Response;
/// use axum::routing::get;
/// use axum::Router;
/// # use auth_core::{async_trait, authentication, AnyUser, AuthError, Authentication};
/// # use auth_core::{UserId, UserModel, UserStoreError, Users};
/// # use http::request::Parts;
/// # use std::collections::HashMap;
/// # #[derive(Clone)]
/// # pub struct User { id: i64, name: String }
/// # #[async_trait]
/// # impl UserModel for User {
/// #     type Store = HashMap<i64, User>;
/// #     fn id(&self) -> UserId { UserId::Int(self.id) }
/// #     async fn find_by_id(store: &Self::Store, id: &UserId) -> Result<Option<Self>, UserStoreError> {
/// #         let UserId::Int(id) = id else { return Ok(None) };
/// #         Ok(store.get(id).cloned())
/// #     }
/// # }
/// # #[authentication]
/// # #[derive(Default)]
/// # pub struct HeaderAuthentication;
/// # #[async_trait]
/// # impl Authentication for HeaderAuthentication {
/// #     type User = AnyUser;
/// #     async fn authenticate(&self, _: &Parts, _: &Users) -> Result<AnyUser, AuthError> {
/// #         Err(AuthError::missing("X-User-Id header is missing"))
/// #     }
/// # }
///
/// /// Returns one of the caller's items.
/// #[protected]
/// pub async fn item(user: User, Path(id): Path<u32>) -> String {
///     format!("item {id} of {}", user.name)
/// }
///
/// /// Greets the caller, who may be anonymous.
/// #[protected]
/// pub async fn greeting(user: Option<User>) -> String {
///     match user {
///         Some(user) => format!("hello, {}", user.name),
///         None => "hello, guest".to_owned(),
///     }
/// }
///
/// /// Opens a chat for the caller, authenticated with WS_AUTHENTICATION.
/// #[protected(ws)]
/// pub async fn chat(user: User, ws: WebSocketUpgrade) -> Response {
///     ws.on_upgrade(move |mut socket| async move {
///         let greeting = format!("hello, {}", user.name);
///         let _ = socket.send(Message::Text(greeting.into())).await;
///     })
/// }
///
/// # fn main() -> Result<(), auth_core::ConfigError> {
/// // Usually read from the environment: AUTHENTICATION=my_app::auth::HeaderAuthentication.
/// let config = AuthConfig::new()
///     .authentication(HeaderAuthentication::NAME)
///     .ws_authentication(HeaderAuthentication::NAME);
/// let auth = Auth::builder::<User>()
///     .config(config)
///     .users(HashMap::new())
///     .build()?;
///
/// let app: Router = Router::new()
///     .route("/items/{id}", get(item))
///     .route("/greeting", get(greeting))
///     .route("/chat", get(chat))
///     .layer(auth.layer());
/// # Ok(())
/// # }
/// ```
///
/// # Expansion
///
/// The macro rewrites only the user parameter, into the extractor that does
/// the work in an ordinary function of this crate, and registers the
/// handler for the startup check. `item` above becomes:
///
/// ```text
/// pub async fn item(
///     ::auth_core::__private::Protected(user, _):
///         ::auth_core::__private::Protected<User, ::auth_core::__private::DefaultSlot>,
///     Path(id): Path<u32>,
/// ) -> String {
///     format!("item {id} of {}", user.name)
/// }
///
/// ::auth_core::__private::inventory::submit! {
///     ::auth_core::__private::ProtectedHandler::new::<User, ::auth_core::__private::DefaultSlot>(
///         ::core::concat!(::core::module_path!(), "::", "item"),
///     )
/// }
/// ```
///
/// The bounds of `ProtectedHandler::new` are the compile-time checks: the
/// type must implement [`UserModel`] (or be `Option` of one), and with
/// `auth = Type` the authenticator's [`Authentication::User`] must be that
/// model or [`AnyUser`]. For `Option<User>` the registration is
/// `ProtectedHandler::optional::<User, ...>`. `ws` selects `WebSocketSlot`,
/// `auth = Type` selects `ByType<Type>`, and `auth = "name"` adds a hidden
/// zero-sized type `__auth_selector_<handler>` beside the handler, with the
/// handler's visibility, whose selector returns that name.
///
/// # Startup check
///
/// [`AuthBuilder::build`] compares the user type of every protected handler
/// in the binary with what its authenticator produces for the application's
/// model, and fails with [`ConfigError::UserTypeMismatch`], naming both
/// types, on a difference. A handler whose setting is unset fails with
/// [`ConfigError::HandlerWithoutAuthenticator`], and an unknown
/// `auth = "name"` with [`ConfigError::UnknownAuthenticator`]. So requests
/// never fail for these reasons, except for the generic handlers under
/// Limits.
///
/// # WebSocket handshakes
///
/// With `#[protected(ws)]`, a handshake without valid credentials gets the
/// 401 response instead of `101 Switching Protocols`, so the connection is
/// never upgraded and the handler never runs. A browser does not expose that
/// response to JavaScript. As the WHATWG WebSockets standard requires for
/// any status other than 101, the `WebSocket` object fires `error`, then
/// `close` with code 1006 and `wasClean == false`, exactly as for a network
/// failure. The status, challenge and JSON body appear only in the
/// developer tools. A browser also cannot set headers on a handshake, so
/// `WS_AUTHENTICATION` usually reads the credential from the query string.
/// A client that must tell a rejected credential from an outage can check
/// the credential over HTTP first. When `WebSocketUpgrade` comes before the
/// user parameter, a request that is not a handshake is rejected by axum
/// before authentication runs.
///
/// # Mistakes caught at compile time
///
/// A user parameter whose type is not a user model:
///
/// ```compile_fail,E0277
/// pub struct Account;
///
/// #[auth_core::protected]
/// async fn account(account: Account) {}
/// ```
///
/// An authenticator that cannot produce the handler's user:
///
/// ```compile_fail,E0277
/// # use auth_core::{async_trait, authentication, AuthError, Authentication};
/// # use auth_core::{UserId, UserModel, UserStoreError, Users};
/// # use http::request::Parts;
/// # #[derive(Clone)] pub struct User;
/// # #[derive(Clone)] pub struct ApiClient;
/// # #[async_trait] impl UserModel for User {
/// #     type Store = ();
/// #     fn id(&self) -> UserId { UserId::Int(1) }
/// #     async fn find_by_id(_: &(), _: &UserId) -> Result<Option<Self>, UserStoreError> { Ok(None) }
/// # }
/// # #[async_trait] impl UserModel for ApiClient {
/// #     type Store = ();
/// #     fn id(&self) -> UserId { UserId::Int(2) }
/// #     async fn find_by_id(_: &(), _: &UserId) -> Result<Option<Self>, UserStoreError> { Ok(None) }
/// # }
/// #[authentication]
/// #[derive(Default)]
/// pub struct ApiKeyAuthentication;
///
/// #[async_trait]
/// impl Authentication for ApiKeyAuthentication {
///     type User = ApiClient;
///
///     async fn authenticate(&self, _: &Parts, _: &Users) -> Result<ApiClient, AuthError> {
///         Ok(ApiClient)
///     }
/// }
///
/// // `ApiKeyAuthentication` produces `ApiClient`, never `User`.
/// #[auth_core::protected(auth = ApiKeyAuthentication)]
/// async fn profile(user: User) {}
/// ```
///
/// A handler that is not async, has no user parameter or two, or uses an
/// unknown option:
///
/// ```compile_fail
/// # #[derive(Clone)] pub struct User;
/// #[auth_core::protected(wss)]
/// fn profile(user: User) {}
/// ```
///
/// # Limits
///
/// - It applies to free functions, at module level or inside a function
///   body, not to methods in an `impl` block, because it adds items beside
///   the handler.
/// - A user type that names a generic parameter of the handler, such as
///   `user: U`, is checked at compile time but not registered, since a
///   registration names one type. Startup cannot check it, so a mismatch
///   fails each of its requests with 500 and an error log line.
/// - The handler's name in startup errors is `module_path!()` followed by
///   the function's name.
/// - The generated code names `::auth_core`, so the dependency cannot be
///   renamed in `Cargo.toml`.
#[doc(inline)]
pub use auth_macros::protected;
