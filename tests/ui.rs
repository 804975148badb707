//! Compile-time behaviour of `#[authentication]` and `#[protected]`: each
//! `fail` case must fail with exactly the `.stderr` beside it, and each
//! `pass` case must compile.
//!
//! The `.stderr` files match the toolchain that CI runs (stable 1.95);
//! regenerate them with `TRYBUILD=overwrite cargo test --test ui` and
//! review every changed message.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/authentication/pass/*.rs");
    cases.pass("tests/ui/protected/pass/*.rs");
    cases.compile_fail("tests/ui/authentication/fail/*.rs");
    cases.compile_fail("tests/ui/protected/fail/*.rs");
}
