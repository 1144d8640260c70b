//! The program has no `std`, so nothing links the C library that the host's start-up code
//! (`crt1.o`, which calls `main`) and `core`'s `memcpy`/`memset` need: link it. On a bare-metal
//! target there is no start-up code to satisfy: the crate is built as a library there.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("linux") {
        println!("cargo:rustc-link-arg-bins=-lc");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
