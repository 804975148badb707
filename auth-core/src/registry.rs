//! The link-time registry of authenticators and protected handlers.
//!
//! `#[authentication]` and `#[protected]` add entries with `inventory`, so
//! every crate linked into the binary contributes without a central list.
//! Startup reads both lists once.

use std::sync::Arc;

use crate::authentication::{DynAuthentication, Setup};
use crate::user::TypeInfo;
use crate::{Authentication, ConfigError};

/// An authenticator that `#[authentication]` registered.
#[doc(hidden)]
pub struct Registration {
    /// The type's full Rust path, which configuration uses as its name.
    pub name: &'static str,
    /// Builds the authenticator from `Default` or `FromConfig`.
    pub build: fn(&mut Setup<'_>) -> Result<Arc<dyn DynAuthentication>, ConfigError>,
    /// The user type it produces, given the application's user type.
    pub produces: fn(TypeInfo) -> TypeInfo,
}

inventory::collect!(Registration);

/// A handler that `#[protected]` registered, checked against its
/// authenticator at startup.
#[doc(hidden)]
pub struct ProtectedHandler {
    /// The handler's path, `module::function`.
    pub name: &'static str,
    /// Which authenticator runs for it.
    pub slot: Slot,
    /// The user model its parameter names.
    pub user: fn() -> TypeInfo,
}

inventory::collect!(ProtectedHandler);

/// Which authenticator a protected handler uses.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    /// `AUTHENTICATION`.
    Default,
    /// `WS_AUTHENTICATION`.
    WebSocket,
    /// A registered name, from the handler's `auth = ...` option.
    Named(&'static str),
}

impl Slot {
    /// Returns where this slot's authenticator is configured, for messages.
    pub fn setting(self) -> String {
        match self {
            Self::Default => "AUTHENTICATION".to_owned(),
            Self::WebSocket => "WS_AUTHENTICATION".to_owned(),
            Self::Named(name) => format!("the handler's `auth = \"{name}\"` option"),
        }
    }
}

/// A type that `#[authentication]` registered, with its registered name.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a registered authenticator",
    label = "add `#[auth_core::authentication]` to the definition of `{Self}`",
    note = "only types registered with `#[authentication]` can be named in `#[protected(auth = ...)]`"
)]
pub trait Registered: Authentication {
    /// The type's full Rust path, as configuration names it.
    const NAME: &'static str;
}

/// Returns the names of every registered authenticator, sorted.
pub fn registered_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = inventory::iter::<Registration>
        .into_iter()
        .map(|registration| registration.name)
        .collect();
    names.sort_unstable();
    names
}

/// Finds the registration of `name`, or fails with an error that lists the known names.
pub(crate) fn find(name: &str, setting: &str) -> Result<&'static Registration, ConfigError> {
    let mut matches = inventory::iter::<Registration>
        .into_iter()
        .filter(|registration| registration.name == name);

    let Some(found) = matches.next() else {
        return Err(ConfigError::UnknownAuthenticator {
            setting: setting.to_owned(),
            name: name.to_owned(),
            registered: registered_names(),
        });
    };
    if matches.next().is_some() {
        return Err(ConfigError::DuplicateAuthenticator { name: found.name });
    }
    Ok(found)
}

/// Returns every registered protected handler.
pub(crate) fn protected_handlers() -> impl Iterator<Item = &'static ProtectedHandler> {
    inventory::iter::<ProtectedHandler>.into_iter()
}
