//! Compile-time behaviour of `#[authentication]` and `#[protected]`: each
//! `fail` case must fail with exactly the `.stderr` beside it, and each
//! `pass` case must compile.
//!
//! The `.stderr` files match the toolchain that CI runs (stable 1.95);
//! regenerate them with `TRYBUILD=overwrite cargo test -p auth-ui-tests` and
//! review every changed message.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("authentication/pass/*.rs");
    cases.pass("protected/pass/*.rs");
    cases.compile_fail("authentication/fail/*.rs");
    cases.compile_fail("protected/fail/*.rs");
}
