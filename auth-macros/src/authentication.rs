use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemStruct;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let from_config = !args.is_empty();
    let parsed: ItemStruct = match syn::parse2(item.clone()) {
        Ok(parsed) => parsed,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let ident = &parsed.ident;
    let name = quote!(::core::concat!(
        ::core::module_path!(),
        "::",
        ::core::stringify!(#ident)
    ));
    let registration = if from_config {
        quote!(::auth_core::__private::registration_from_config::<#ident>)
    } else {
        quote!(::auth_core::__private::registration_default::<#ident>)
    };
    quote! {
        #parsed

        impl ::auth_core::__private::Registered for #ident {
            const NAME: &'static str = #name;
        }

        ::auth_core::__private::inventory::submit! {
            #registration(#name)
        }
    }
}
