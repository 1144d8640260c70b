//! The generated code uses absolute paths only: it compiles in a module that shadows the
//! prelude's names and `f32`.

#![allow(dead_code, non_camel_case_types)]

mod shadowed {
    struct Option;
    struct Some;
    struct None;
    struct Result;
    struct Ok;
    struct Err;
    struct Vec;
    struct Box;
    struct String;
    struct Clone;
    struct Debug;
    struct PartialEq;
    struct Sized;
    struct f32;
    struct usize;
    struct u64;
    mod core {}
    mod std {}

    nnet::network! {
        /// A network in a hostile module.
        pub struct Hostile {
            input 3;
            dense 8 leaky_relu (alpha = 0.2, init = he_normal);
            dense 4 softmax;
        }
    }

    pub fn run() -> ::core::primitive::f32 {
        let net = Hostile::seeded(1);
        let y = net.forward(&nnet::vector![1.0, 2.0, 3.0]);
        y.sum()
    }
}

#[test]
fn compiles_and_runs_with_shadowed_names() {
    assert!((shadowed::run() - 1.0).abs() < 1e-6);
}
