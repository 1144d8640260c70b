//! Compile-time diagnostics of `network!` and use-site shape errors, as trybuild snapshots.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p nnet-tests --test ui`
//! and read the diff before committing.

use std::path::Path;

#[test]
fn ui() {
    copy_fixtures();
    let t = trybuild::TestCases::new();
    t.pass("tests/ui-pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}

/// `#[weights = "..."]` paths are relative to the compiled crate's `CARGO_MANIFEST_DIR`, which
/// for trybuild is its project under `target/tests/trybuild/nnet-tests/`: copy the root
/// package's `tests/fixtures/` there, so the `baked-*` cases name the same paths as
/// `tests/baked.rs`.
fn copy_fixtures() {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory");
    let to = target.join("tests/trybuild/nnet-tests/tests/fixtures");
    std::fs::create_dir_all(&to).unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "safetensors") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}
