//! What `network!` refuses when nnet is built without its `std` feature, as trybuild
//! snapshots: a recurrent layer whose weights, or whose state and step buffers, would live on
//! the heap, with the reason (no allocator) in the message.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test` (in this directory) and
//! read the diff before committing.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
