use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{FnArg, ItemFn, Pat};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let ws = !args.is_empty();
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(parsed) => parsed,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let selector = if ws {
        quote!(::auth_core::__private::WebSocketSlot)
    } else {
        quote!(::auth_core::__private::DefaultSlot)
    };
    let slot = if ws {
        quote!(::auth_core::__private::Slot::WebSocket)
    } else {
        quote!(::auth_core::__private::Slot::Default)
    };
    let Some(FnArg::Typed(param)) = function.sig.inputs.iter_mut().next() else {
        return quote!(#item);
    };
    let ty = param.ty.clone();
    let Pat::Ident(binding) = &*param.pat else {
        return quote!(#item);
    };
    let binding = binding.clone();
    *param.pat = syn::parse_quote!(::auth_core::__private::Protected(#binding, _));
    *param.ty = syn::parse_quote!(::auth_core::__private::Protected<#ty, #selector>);
    let name = &function.sig.ident;
    let handler = quote!(::core::concat!(
        ::core::module_path!(),
        "::",
        ::core::stringify!(#name)
    ));
    let check = format_ident!("__auth_check_{}", name);
    quote! {
        #function

        #[doc(hidden)]
        #[allow(non_snake_case, dead_code)]
        const fn #check() {
            ::auth_core::__private::assert_user_param::<#ty>();
        }

        ::auth_core::__private::inventory::submit! {
            ::auth_core::__private::ProtectedHandler {
                name: #handler,
                slot: #slot,
                user: ::auth_core::__private::TypeInfo::of::<<#ty as ::auth_core::__private::UserParam>::Model>,
            }
        }
    }
}
