//! Rules of `#[protected]`: its options, the handler's signature and which
//! parameter receives the user.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, LitStr, Pat, PathArguments, Type};

use super::parse::Handler;
use crate::args::Arg;
use crate::errors::Errors;

const OPTIONS_HELP: &str = "expected `ws`, `auth = Type` or `auth = \"registered::Name\"`, or no option for AUTHENTICATION";

/// The authenticator that a handler's options select.
#[derive(Default)]
pub enum Selection {
    /// No option: `AUTHENTICATION`.
    #[default]
    Default,
    /// `ws`: `WS_AUTHENTICATION`.
    WebSocket,
    /// `auth = Type`: a registered type.
    Type(Box<Type>),
    /// `auth = "name"`: a registered name.
    Name(LitStr),
}

/// Reads the options. After a wrong option the handler is still expanded
/// with `AUTHENTICATION`, so that its other mistakes are reported too.
pub fn options(args: Vec<Arg>, errors: &mut Errors) -> Selection {
    let mut ws: Option<Span> = None;
    let mut auth: Option<Selection> = None;

    for arg in args {
        let span = arg.name.span();
        if arg.name == "ws" {
            if let Some(value) = arg.value {
                let message = "`ws` takes no value; write `#[protected(ws)]`";
                errors.push(syn::Error::new_spanned(value, message));
            } else if ws.replace(span).is_some() {
                errors.push(syn::Error::new(span, "duplicate option `ws`"));
            }
        } else if arg.name == "auth" {
            let Some(value) = arg.value else {
                let message = "`auth` needs an authenticator: write `auth = Type` or `auth = \"registered::Name\"`";
                errors.push(syn::Error::new(span, message));
                continue;
            };
            let Some(selection) = errors.take(auth_value(value)) else {
                continue;
            };
            if auth.replace(selection).is_some() {
                errors.push(syn::Error::new(span, "duplicate option `auth`"));
            }
        } else {
            let message = format!(
                "unknown `#[protected]` option `{}`; {OPTIONS_HELP}",
                arg.name
            );
            errors.push(syn::Error::new(span, message));
        }
    }

    // After the conflict error, `auth` is kept so that its type is still checked.
    match (ws, auth) {
        (Some(ws), Some(selection)) => {
            errors.push(syn::Error::new(
                ws,
                "`ws` and `auth` cannot be combined: `ws` selects WS_AUTHENTICATION, and `auth` \
                 names the authenticator itself; to use that authenticator for the WebSocket \
                 handshake, keep `auth = ...` alone",
            ));
            selection
        }
        (Some(_), None) => Selection::WebSocket,
        (None, Some(selection)) => selection,
        (None, None) => Selection::Default,
    }
}

/// Reads the value of `auth`: a string is a registered name, anything else a type.
fn auth_value(value: proc_macro2::TokenStream) -> syn::Result<Selection> {
    if let Ok(name) = syn::parse2::<LitStr>(value.clone()) {
        validate_name(&name)?;
        return Ok(Selection::Name(name));
    }
    syn::parse2::<Type>(value.clone())
        .map(|ty| Selection::Type(Box::new(ty)))
        .map_err(|_| {
            syn::Error::new_spanned(
                value,
                "expected an authenticator type, as in `auth = ApiKeyAuthentication`, or its \
                 registered name, as in `auth = \"my_app::auth::ApiKeyAuthentication\"`",
            )
        })
}

/// Checks that `name` can be a registered name. Such a name is
/// `module_path!()` followed by the type's name, so it starts with the
/// crate's name and has at least two segments.
fn validate_name(name: &LitStr) -> syn::Result<()> {
    let value = name.value();
    let segments: Vec<&str> = value.split("::").collect();

    if let Some(first @ ("crate" | "self" | "super")) = segments.first().copied() {
        return Err(syn::Error::new(
            name.span(),
            format!(
                "a registered name starts with the crate's name, not `{first}`, because \
                 `#[authentication]` registers `module_path!()` followed by the type's name"
            ),
        ));
    }
    // `parse_str` skips whitespace, which the registry's comparison would not.
    let valid = segments.len() >= 2
        && segments.iter().all(|segment| {
            !segment.contains(char::is_whitespace) && syn::parse_str::<syn::Ident>(segment).is_ok()
        });
    if !valid {
        return Err(syn::Error::new(
            name.span(),
            format!(
                "`{value}` is not a registered authenticator name; expected the type's full \
                 path, such as `my_app::auth::ApiKeyAuthentication`, or write the type \
                 itself: `auth = ApiKeyAuthentication`"
            ),
        ));
    }
    Ok(())
}

/// An axum handler is an async free function.
///
/// Returns `false` for a method, which sits in an `impl` block where the
/// items that the macro adds beside the handler are not allowed.
pub fn signature(function: &ItemFn, errors: &mut Errors) -> bool {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span(),
            "`#[protected]` handler must be async; write `async fn`",
        ));
    }
    if let Some(receiver) = sig.receiver() {
        errors.push(syn::Error::new_spanned(
            receiver,
            "`#[protected]` cannot guard a method that takes `self`; an axum handler is a free \
             function, so remove `self` or call the method from a handler",
        ));
        return false;
    }
    true
}

/// Returns the index of the parameter that receives the user: the one
/// marked `#[user]`, else the only parameter that looks like a user.
pub fn user_param(handler: &Handler, errors: &mut Errors) -> Option<usize> {
    let inputs = &handler.function.sig.inputs;

    if let Some((index, marker)) = handler.marked.first() {
        for (_, extra) in &handler.marked[1..] {
            errors.push(syn::Error::new_spanned(
                extra,
                "only one parameter can be marked `#[user]`; a handler receives one user",
            ));
        }
        let Some(FnArg::Typed(param)) = inputs.iter().nth(*index) else {
            let message = "`#[user]` marks a typed parameter, not `self`";
            errors.push(syn::Error::new_spanned(marker, message));
            return None;
        };
        return validate_user_type(&param.ty, errors).then_some(*index);
    }

    let candidates: Vec<usize> = inputs
        .iter()
        .enumerate()
        .filter(|(_, input)| is_candidate(input))
        .map(|(index, _)| index)
        .collect();
    match candidates[..] {
        [index] => Some(index),
        [] => {
            errors.push(syn::Error::new(
                handler.function.sig.paren_token.span.join(),
                "`#[protected]` handler has no user parameter; add one whose type is the user \
                 model, such as `user: User`, or `user: Option<User>` to make authentication \
                 optional, or mark the user parameter with `#[user]` if it is there",
            ));
            None
        }
        [first, second, ..] => {
            let names = [first, second].map(|index| param_name(inputs.iter().nth(index)));
            errors.push(syn::Error::new_spanned(
                inputs.iter().nth(second),
                format!(
                    "`#[protected]` cannot tell which parameter receives the user: `{}` and \
                     `{}` both could; mark the user parameter with `#[user]`",
                    names[0], names[1]
                ),
            ));
            None
        }
    }
}

/// The user parameter's type must be a named type, because the macro names
/// it in the registration and in the extractor's type.
fn validate_user_type(ty: &Type, errors: &mut Errors) -> bool {
    if let Type::ImplTrait(_) = ty {
        errors.push(syn::Error::new_spanned(
            ty,
            "the user parameter cannot be `impl Trait`; name the user model type, or make it a \
             generic parameter of the handler",
        ));
        return false;
    }
    true
}

/// Axum and http extractors whose types take no generic arguments, and which
/// therefore look like a user model to the search below.
const KNOWN_EXTRACTORS: &[&str] = &[
    "Auth",
    "Body",
    "BodyStream",
    "Bytes",
    "ConnectInfo",
    "CookieJar",
    "Extensions",
    "HeaderMap",
    "Host",
    "MatchedPath",
    "Method",
    "Multipart",
    "NestedPath",
    "OriginalUri",
    "Parts",
    "PrivateCookieJar",
    "RawForm",
    "RawPathParams",
    "RawQuery",
    "Request",
    "Scheme",
    "SignedCookieJar",
    "String",
    "Uri",
    "Version",
    "WebSocketUpgrade",
];

/// Returns whether a parameter can be the user: its pattern is a plain name
/// or `_`, and its type, after one `Option<...>`, is a path without generic
/// arguments that names no known extractor.
fn is_candidate(input: &FnArg) -> bool {
    let FnArg::Typed(param) = input else {
        return false;
    };
    let plain_pattern = match &*param.pat {
        Pat::Ident(pat) => pat.by_ref.is_none() && pat.subpat.is_none(),
        Pat::Wild(_) => true,
        _ => false,
    };
    if !plain_pattern {
        return false;
    }

    let Type::Path(path) = strip_groups(unwrap_option(&param.ty)) else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    path.qself.is_none()
        && path
            .path
            .segments
            .iter()
            .all(|segment| segment.arguments.is_none())
        && !KNOWN_EXTRACTORS.contains(&last.ident.to_string().as_str())
}

/// Returns `T` for `Option<T>`, whatever path leads to `Option`, and any other type as it is.
fn unwrap_option(ty: &Type) -> &Type {
    option_inner(ty).unwrap_or(ty)
}

/// Returns `T` when `ty` is written `Option<T>`, whatever path leads to `Option`.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = strip_groups(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match (last.ident == "Option", args.args.first(), args.args.len()) {
        (true, Some(GenericArgument::Type(inner)), 1) => Some(inner),
        _ => None,
    }
}

/// Removes the invisible groups that `macro_rules!` puts around a `$ty`, and parentheses.
fn strip_groups(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => strip_groups(&group.elem),
        Type::Paren(paren) => strip_groups(&paren.elem),
        other => other,
    }
}

/// Returns the name that a candidate parameter binds.
fn param_name(input: Option<&FnArg>) -> String {
    match input {
        Some(FnArg::Typed(param)) => match &*param.pat {
            Pat::Ident(pat) => pat.ident.to_string(),
            _ => "_".to_owned(),
        },
        _ => String::new(),
    }
}
