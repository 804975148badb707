//! Output of `#[authentication]`: the `Registered` impl and the registry entry.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemStruct;
use syn::ext::IdentExt;

use super::parse::Constructor;

/// Writes the registration of `target`.
///
/// The `Registered` impl requires `Authentication` as its supertrait, so a
/// missing impl is reported once, on the type's name. The registry entry is
/// left out when an option is wrong or the struct is generic.
pub fn registration(target: &ItemStruct, constructor: Option<Constructor>) -> TokenStream {
    if !target.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &target.ident;
    let name = ident.unraw().to_string();

    let registered = quote_spanned! {ident.span()=>
        impl ::auth_core::__private::Registered for #ident {
            const NAME: &'static str = ::core::concat!(::core::module_path!(), "::", #name);
        }
    };
    let Some(constructor) = constructor else {
        return registered;
    };

    let build = match constructor {
        Constructor::Default => quote_spanned!(ident.span()=> registration_default),
        Constructor::FromConfig => quote_spanned!(ident.span()=> registration_from_config),
    };
    quote! {
        #registered

        ::auth_core::__private::inventory::submit! {
            ::auth_core::__private::#build::<#ident>()
        }
    }
}
