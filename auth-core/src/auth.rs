//! [`Auth`]: the configured authenticators, resolved once at startup.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use http::request::Parts;

use crate::authentication::{AuthFuture, DynAuthentication, Outcome, Setup};
use crate::registry::{self, Slot};
use crate::user::{TypeInfo, UserParam, Users, store_failed, user_not_found};
use crate::{AnyUser, AuthConfig, AuthError, ConfigError, UserId, UserModel};

/// The configured authenticators of an application, built and checked at startup.
///
/// Cloning is cheap: clones share one state. With the `axum` feature, add
/// [`Auth::layer`] to the router so that `#[protected]` handlers find it.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthConfig,
    users: Users,
    default: Option<Entry>,
    web_socket: Option<Entry>,
    named: HashMap<&'static str, Entry>,
    resources: http::Extensions,
}

#[derive(Clone)]
struct Entry {
    name: &'static str,
    authenticator: Arc<dyn DynAuthentication>,
    produces: TypeInfo,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut named: Vec<_> = self.inner.named.keys().collect();
        named.sort_unstable();
        f.debug_struct("Auth")
            .field(
                "authentication",
                &self.inner.default.as_ref().map(|entry| entry.name),
            )
            .field(
                "ws_authentication",
                &self.inner.web_socket.as_ref().map(|entry| entry.name),
            )
            .field("named", &named)
            .field("users", &self.inner.users)
            .finish()
    }
}

impl Auth {
    /// Starts building the authenticators of an application whose user model is `U`.
    pub fn builder<U: UserModel>() -> AuthBuilder<U> {
        AuthBuilder {
            config: None,
            store: None,
            resources: http::Extensions::new(),
            user: PhantomData,
        }
    }

    /// Returns the configuration it was built from.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// Returns the application's user store.
    pub fn users(&self) -> &Users {
        &self.inner.users
    }

    /// Returns a resource that the application or a constructor shared at startup.
    pub fn resource<T: Clone + Send + Sync + 'static>(&self) -> Option<&T> {
        self.inner.resources.get::<T>()
    }

    /// Returns the registered name of the authenticator that `AUTHENTICATION` selects.
    pub fn authentication_name(&self) -> Option<&'static str> {
        self.inner.default.as_ref().map(|entry| entry.name)
    }

    /// Returns the registered name of the authenticator that `WS_AUTHENTICATION` selects.
    pub fn ws_authentication_name(&self) -> Option<&'static str> {
        self.inner.web_socket.as_ref().map(|entry| entry.name)
    }

    /// Authenticates a request with `AUTHENTICATION`, logging a rejection.
    pub fn authenticate<P: UserParam>(
        &self,
        request: &Parts,
    ) -> impl Future<Output = Result<P, AuthError>> + Send {
        self.authenticate_slot(Slot::Default, request)
    }

    /// Authenticates a WebSocket handshake with `WS_AUTHENTICATION`, logging a rejection.
    pub fn authenticate_ws<P: UserParam>(
        &self,
        request: &Parts,
    ) -> impl Future<Output = Result<P, AuthError>> + Send {
        self.authenticate_slot(Slot::WebSocket, request)
    }

    /// Authenticates a request with the authenticator registered as `name`,
    /// logging a rejection. The name must have been built at startup: named
    /// in configuration or by a `#[protected(auth = ...)]` handler.
    pub fn authenticate_with<P: UserParam>(
        &self,
        name: &'static str,
        request: &Parts,
    ) -> impl Future<Output = Result<P, AuthError>> + Send {
        self.authenticate_slot(Slot::Named(name), request)
    }

    /// Runs the authenticator of `slot` and converts its user into `P`.
    ///
    /// Every rejection is logged here, once, with the reason and never the
    /// credential: the path is logged without its query, which may carry a token.
    ///
    /// Its future is one async block with no nested async functions, so
    /// that it holds little more than what crosses an `.await`: axum moves
    /// and boxes it with every protected handler's future.
    #[doc(hidden)]
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn's future stores each argument twice (rust-lang/rust issue 62958, open in Rust 1.95)"
    )]
    pub fn authenticate_slot<P: UserParam>(
        &self,
        slot: Slot,
        request: &Parts,
    ) -> impl Future<Output = Result<P, AuthError>> + Send {
        async move {
            let user = match self.start::<P::Model>(slot, request) {
                Start::Done(result) => result,
                Start::FindTyped(store, id) => match P::Model::find_by_id(store, &id).await {
                    Ok(Some(user)) => Ok(user),
                    Ok(None) => Err(user_not_found()),
                    Err(error) => Err(store_failed(error)),
                },
                Start::Wait(future, entry) => future
                    .await
                    .and_then(|user| downcast::<P::Model>(user, entry)),
            };

            let result = match user {
                Ok(user) => Ok(P::from_user(user)),
                Err(AuthError::MissingCredentials(reason)) => {
                    P::anonymous().ok_or(AuthError::MissingCredentials(reason))
                }
                Err(error) => Err(error),
            };
            if let Err(error) = &result {
                log_rejection(slot, request, error);
            }
            result
        }
    }

    /// Runs the authenticator's synchronous step and returns what is left
    /// to await, so that nothing but that crosses an `.await`.
    fn start<'a, U: UserModel>(&'a self, slot: Slot, request: &'a Parts) -> Start<'a, U> {
        let entry = match self.entry(slot) {
            Ok(entry) => entry,
            Err(error) => return Start::Done(Err(error)),
        };
        let users = &self.inner.users;

        match entry.authenticator.authenticate_dyn(request, users) {
            Outcome::Done(result) => {
                Start::Done(result.and_then(|user| downcast::<U>(user, entry)))
            }
            Outcome::User(id) => match users.typed_store::<U>() {
                Some(Ok(store)) => Start::FindTyped(store, id),
                Some(Err(error)) => Start::Done(Err(error)),
                // A handler whose user type is not the application's: rare,
                // and reported by the downcast.
                None => Start::Wait(Box::pin(find_erased(users, id)), entry),
            },
            Outcome::Pending(future) => Start::Wait(future, entry),
        }
    }

    fn entry(&self, slot: Slot) -> Result<&Entry, AuthError> {
        let entry = match slot {
            Slot::Default => self.inner.default.as_ref(),
            Slot::WebSocket => self.inner.web_socket.as_ref(),
            Slot::Named(name) => self.inner.named.get(name),
        };
        entry.ok_or_else(|| {
            AuthError::internal(format!(
                "no authenticator is configured for {}; set it before startup",
                slot.setting()
            ))
        })
    }
}

/// Converts the erased user to the handler's model.
///
/// The startup check makes a mismatch impossible for registered handlers.
/// This path only reports it for handlers that startup could not check,
/// such as ones generic over their user type.
fn downcast<U: UserModel>(user: AnyUser, entry: &Entry) -> Result<U, AuthError> {
    match user.downcast::<U>() {
        Ok(user) => Ok(user),
        Err(_) => Err(AuthError::internal(format!(
            "authenticator `{}` produces `{}`, but the handler expects `{}`",
            entry.name,
            entry.produces.name(),
            std::any::type_name::<U>()
        ))),
    }
}

/// Remaining work of an authentication after the authenticator's
/// synchronous step.
enum Start<'a, U: UserModel> {
    /// Authenticated or rejected.
    Done(Result<U, AuthError>),
    /// Load this user from the application's own store.
    FindTyped(&'a U::Store, UserId),
    /// Await the authenticator's future, then downcast its user.
    Wait(AuthFuture<'a>, &'a Entry),
}

/// Loads a user through the erased store.
async fn find_erased(users: &Users, id: UserId) -> Result<AnyUser, AuthError> {
    users.find_by_id(&id).await?.ok_or_else(user_not_found)
}

fn log_rejection(slot: Slot, request: &Parts, error: &AuthError) {
    let method = request.method.as_str();
    let path = request.uri.path();
    let status = error.status().as_u16();
    let reason = error.reason();
    match error {
        // The component that failed logs the cause where it happened; an
        // error line per request would flood the log for the whole outage.
        AuthError::Unavailable(_) => {
            tracing::debug!(target: "auth", method, path, status, ?slot, reason, "request rejected");
        }
        AuthError::Internal(_) => {
            tracing::error!(target: "auth", method, path, status, ?slot, reason, "request rejected");
        }
        _ => {
            tracing::info!(target: "auth", method, path, status, ?slot, reason, "request rejected");
        }
    }
}

/// Builder of [`Auth`] for an application whose user model is `U`.
pub struct AuthBuilder<U: UserModel> {
    config: Option<AuthConfig>,
    store: Option<U::Store>,
    resources: http::Extensions,
    user: PhantomData<fn() -> U>,
}

impl<U: UserModel> AuthBuilder<U> {
    /// Sets the configuration. Without it, [`build`](Self::build) reads
    /// [`AuthConfig::from_env`].
    pub fn config(mut self, config: AuthConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Sets the store that [`UserModel::find_by_id`] loads users from.
    pub fn users(mut self, store: U::Store) -> Self {
        self.store = Some(store);
        self
    }

    /// Shares a resource with the authenticators' constructors, such as a
    /// connection pool or a revocation store.
    pub fn resource<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.resources.insert(value);
        self
    }

    /// Builds every authenticator that configuration or a protected handler
    /// names, then checks that each protected handler's user type is what its
    /// authenticator produces.
    ///
    /// Every configuration mistake fails here, naming the setting.
    pub fn build(self) -> Result<Auth, ConfigError> {
        let config = match self.config {
            Some(config) => config,
            None => AuthConfig::from_env()?,
        };
        let users = Users::new::<U>(self.store);
        let mut resources = self.resources;
        let mut built: HashMap<&'static str, Entry> = HashMap::new();

        let mut resolve = |name: &str, setting: &str| -> Result<Entry, ConfigError> {
            let registration = registry::find(name, setting)?;
            if let Some(entry) = built.get(registration.name) {
                return Ok(entry.clone());
            }
            let mut setup = Setup::new(&config, &users, &mut resources);
            let entry = Entry {
                name: registration.name,
                authenticator: (registration.build)(&mut setup)?,
                produces: (registration.produces)(users.user_type()),
            };
            built.insert(registration.name, entry.clone());
            Ok(entry)
        };

        let default = config
            .authentication_name()
            .map(|name| resolve(name, "AUTHENTICATION"))
            .transpose()?;
        let web_socket = config
            .ws_authentication_name()
            .map(|name| resolve(name, "WS_AUTHENTICATION"))
            .transpose()?;

        let mut named = HashMap::new();
        for handler in registry::protected_handlers() {
            if let Slot::Named(name) = handler.slot {
                let setting = format!("{} of handler `{}`", handler.slot.setting(), handler.name);
                named.insert(name, resolve(name, &setting)?);
            }
        }

        let inner = Inner {
            config,
            users,
            default,
            web_socket,
            named,
            resources,
        };
        check_handlers(&inner)?;
        Ok(Auth {
            inner: Arc::new(inner),
        })
    }
}

/// Checks that every registered handler's authenticator is configured and
/// produces the handler's user type.
fn check_handlers(inner: &Inner) -> Result<(), ConfigError> {
    for handler in registry::protected_handlers() {
        let entry = match handler.slot {
            Slot::Default => inner.default.as_ref(),
            Slot::WebSocket => inner.web_socket.as_ref(),
            Slot::Named(name) => inner.named.get(name),
        };
        let Some(entry) = entry else {
            return Err(ConfigError::HandlerWithoutAuthenticator {
                handler: handler.name,
                setting: match handler.slot {
                    Slot::WebSocket => "WS_AUTHENTICATION",
                    _ => "AUTHENTICATION",
                },
            });
        };

        let expected = (handler.user)();
        if entry.produces != expected {
            return Err(ConfigError::UserTypeMismatch {
                handler: handler.name,
                setting: handler.slot.setting(),
                authenticator: entry.name,
                expected: expected.name(),
                produced: entry.produces.name(),
            });
        }
    }
    Ok(())
}
