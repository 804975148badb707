//! Attribute macros of `auth-core`: `#[authentication]` registers an
//! authenticator and `#[protected]` guards an axum handler.
//!
//! This crate is an implementation detail of `auth-core`, which re-exports
//! both attributes and documents them; depend on `auth-core` only. The
//! generated code names `::auth_core::__private` by absolute path.
//!
//! Each macro has a module split by step: `parse` reads the tokens into
//! typed structs, `validate` applies the rules that span several parts, and
//! `expand` writes the output. Every independent mistake is reported in one
//! build, and the user's item is emitted next to the errors so that one
//! mistake gives one error.

use proc_macro::TokenStream;

mod args;
mod authentication;
mod errors;
mod protected;

/// Registers an authenticator under its full Rust path. See `auth_core::authentication`.
#[proc_macro_attribute]
pub fn authentication(args: TokenStream, item: TokenStream) -> TokenStream {
    authentication::expand(args.into(), item.into()).into()
}

/// Guards an async axum handler with an authenticator. See `auth_core::protected`.
#[proc_macro_attribute]
pub fn protected(args: TokenStream, item: TokenStream) -> TokenStream {
    protected::expand(args.into(), item.into()).into()
}
