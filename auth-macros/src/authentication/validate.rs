//! Rules of `#[authentication]` that span several parts of its input.

use syn::ItemStruct;

use super::parse::Constructor;
use crate::args::Arg;
use crate::errors::Errors;

const OPTIONS_HELP: &str = "expected `from_config` to build with `auth_core::FromConfig`, or no option to build with `Default`";

/// Reads the options: none, or `from_config`.
///
/// Returns `None` when an option is wrong, because registering with a
/// guessed constructor would add a second, misleading error.
pub fn options(args: Vec<Arg>, errors: &mut Errors) -> Option<Constructor> {
    let mut constructor = Some(Constructor::Default);
    let mut seen_from_config = false;

    for arg in args {
        if arg.name != "from_config" {
            let message = format!(
                "unknown `#[authentication]` option `{}`; {OPTIONS_HELP}",
                arg.name
            );
            errors.push(syn::Error::new(arg.name.span(), message));
            constructor = None;
        } else if let Some(value) = arg.value {
            let message = "`from_config` takes no value; write `#[authentication(from_config)]`";
            errors.push(syn::Error::new_spanned(value, message));
            constructor = None;
        } else if seen_from_config {
            errors.push(syn::Error::new(
                arg.name.span(),
                "duplicate option `from_config`",
            ));
            constructor = None;
        } else {
            seen_from_config = true;
            constructor = constructor.map(|_| Constructor::FromConfig);
        }
    }
    constructor
}

/// A registered type must be concrete: configuration names one type, and
/// the registry builds it without knowing any type arguments.
pub fn target(target: &ItemStruct, errors: &mut Errors) {
    if !target.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &target.generics,
            format!(
                "`#[authentication]` cannot register a generic struct, because configuration \
                 selects one concrete type by name; remove the parameters or register a \
                 non-generic struct that wraps `{}` with concrete arguments",
                target.ident
            ),
        ));
    }
}
