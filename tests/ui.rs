//! Compile-time diagnostics of `network!` and use-site shape errors, as trybuild snapshots.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test --test ui` and read the
//! diff before committing.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui-pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
