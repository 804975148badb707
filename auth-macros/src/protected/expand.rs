//! Output of `#[protected]`: the handler with its user parameter rewritten
//! into the `Protected` extractor, and the registration that startup checks.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, Generics, ItemFn, LitStr, Type, Visibility};

use super::validate::{Selection, option_inner};

/// Writes the handler and its helper items. Without a user parameter the
/// handler is written unchanged, next to the error that reports it.
pub fn handler(function: &mut ItemFn, user: Option<usize>, selection: &Selection) -> TokenStream {
    let Some(index) = user else {
        return quote!(#function);
    };
    let selector = selector(selection, &function.sig.ident);
    let named = match selection {
        Selection::Name(name) => named_selector(&function.vis, &selector, name),
        _ => TokenStream::new(),
    };
    let generics = function.sig.generics.clone();
    let name = function.sig.ident.unraw().to_string();

    let Some(FnArg::Typed(param)) = function.sig.inputs.iter_mut().nth(index) else {
        return quote!(#function);
    };
    let user_ty = (*param.ty).clone();
    let pat = &param.pat;
    *param.pat = syn::parse_quote_spanned!(pat.span()=> ::auth_core::__private::Protected(#pat, _));
    *param.ty = syn::parse_quote_spanned!(user_ty.span()=>
        ::auth_core::__private::Protected<#user_ty, #selector>
    );

    let check = if mentions_generics(&user_ty, &generics) {
        generic_check(&generics, &user_ty, &selector)
    } else {
        registration(&name, &user_ty, &selector)
    };
    quote! {
        #function
        #named
        #check
    }
}

/// Returns the type that selects the authenticator.
///
/// `auth = Type` is spanned on the type written in the option, so that
/// rustc reports an unregistered type or a user mismatch there.
fn selector(selection: &Selection, handler: &Ident) -> TokenStream {
    match selection {
        Selection::Default => quote!(::auth_core::__private::DefaultSlot),
        Selection::WebSocket => quote!(::auth_core::__private::WebSocketSlot),
        Selection::Type(ty) => quote_spanned!(ty.span()=> ::auth_core::__private::ByType<#ty>),
        Selection::Name(name) => {
            let ident = format_ident!("__auth_selector_{}", handler.unraw(), span = name.span());
            quote!(#ident)
        }
    }
}

/// Writes the zero-sized type that selects a registered name, because a
/// string cannot be a type argument on stable Rust. It has the handler's
/// visibility, since the handler's signature names it.
fn named_selector(vis: &Visibility, selector: &TokenStream, name: &LitStr) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, missing_debug_implementations)]
        #vis struct #selector;

        impl<P> ::auth_core::__private::Selector<P> for #selector {
            const SLOT: ::auth_core::__private::Slot = ::auth_core::__private::Slot::Named(#name);
        }
    }
}

/// Registers the handler for the startup check. The call's bounds are also
/// the compile-time checks of the user type and of `auth = Type`. For
/// `Option<T>` they bound `T`, so that an error points at the model itself.
fn registration(name: &str, user_ty: &Type, selector: &TokenStream) -> TokenStream {
    let describe = match option_inner(user_ty) {
        Some(model) => quote!(optional::<#model, #selector>),
        None => quote!(new::<#user_ty, #selector>),
    };
    quote! {
        ::auth_core::__private::inventory::submit! {
            ::auth_core::__private::ProtectedHandler::#describe(
                ::core::concat!(::core::module_path!(), "::", #name),
            )
        }
    }
}

/// Checks a handler whose user type depends on its generic parameters. Such
/// a handler cannot be registered, because a registration names one type.
fn generic_check(generics: &Generics, user_ty: &Type, selector: &TokenStream) -> TokenStream {
    let (params, _, where_clause) = generics.split_for_impl();
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn __auth_check #params () #where_clause {
                ::auth_core::__private::assert_protected::<#user_ty, #selector>();
            }
        };
    }
}

/// Returns whether `ty` names a generic parameter of the handler, or `Self`.
fn mentions_generics(ty: &Type, generics: &Generics) -> bool {
    let names: Vec<String> = generics
        .params
        .iter()
        .map(|param| match param {
            syn::GenericParam::Type(param) => param.ident.to_string(),
            syn::GenericParam::Const(param) => param.ident.to_string(),
            syn::GenericParam::Lifetime(param) => param.lifetime.ident.to_string(),
        })
        .chain(["Self".to_owned()])
        .collect();
    contains_ident(quote!(#ty), &names)
}

fn contains_ident(tokens: TokenStream, names: &[String]) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
        TokenTree::Group(group) => contains_ident(group.stream(), names),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}
