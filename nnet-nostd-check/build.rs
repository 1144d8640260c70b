//! The program has no `std`, so nothing links the C library that the host's start-up code
//! (`crt1.o`, which calls `main`) and `core`'s `memcpy`/`memset` need: link it. On a bare-metal
//! target (`thumbv7em-none-eabihf`) there is no start-up code: `main` is made the entry point,
//! so that the linker keeps it and everything it calls (the check is that it links; flashing
//! it would take a board's start-up code and memory map).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("linux") {
        println!("cargo:rustc-link-arg-bins=-lc");
    } else if target.contains("-none") {
        println!("cargo:rustc-link-arg-bins=--entry=main");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
