//! Attribute macros of `auth-core`. Depend on `auth-core`, which re-exports
//! them; this crate is an implementation detail.

use proc_macro::TokenStream;

mod authentication;
mod protected;

/// Registers an authenticator under its full Rust path. See `auth_core::authentication`.
#[proc_macro_attribute]
pub fn authentication(args: TokenStream, item: TokenStream) -> TokenStream {
    authentication::expand(args.into(), item.into()).into()
}

/// Guards an axum handler with the configured authenticator. See `auth_core::protected`.
#[proc_macro_attribute]
pub fn protected(args: TokenStream, item: TokenStream) -> TokenStream {
    protected::expand(args.into(), item.into()).into()
}
