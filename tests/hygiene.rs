//! The generated code captures no user name: it uses absolute paths only, so it compiles in a
//! module that shadows the prelude's names and `f32`; and its generic parameters and helper
//! types have names no user writes, so a network may be called `L`, `Pass` or `Network`.

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
    struct bool;
    struct Self_;
    struct Network;
    struct Architecture;
    struct Parameters;
    struct Dense;
    struct Trace;
    struct Loss;
    struct SVector;
    struct HeapMatrix;
    struct HeapVector;
    struct MatrixStorage;
    struct Simd;
    struct WithSimd;
    struct Layer;
    struct LayerGradient;
    struct Mode;
    struct Dropout;
    struct BatchNorm;
    struct LayerNorm;
    struct ActivationLayer;
    struct Regularizer;
    struct Recurrent;
    struct Sequences;
    struct SequenceWorkspace;
    struct SequenceNetwork;
    struct Default;
    struct Copy;
    mod core {}
    mod std {}
    mod nalgebra {}

    nnet::network! {
        /// A network in a hostile module.
        pub struct Hostile {
            input 3;
            dense 8 leaky_relu (alpha = 0.2, init = he_normal);
            dense 4 softmax;
        }
    }

    nnet::network! {
        /// Batched, with a layer wide enough for its vectors to live on the heap.
        pub struct HostileWide {
            input 3;
            dense 2048 relu;
            dense 4 softmax;
        }
    }

    nnet::network! {
        /// Every layer kind, in the hostile module.
        pub struct HostileNormed {
            input 3;
            dense 8 (use_bias = false, l2 = 0.01);
            batch_norm (momentum = 0.9);
            activation relu;
            dropout 0.25;
            layer_norm;
            dense 4 softmax;
        }
    }

    nnet::network! {
        /// Every recurrent kind, in the hostile module.
        pub struct HostileRecurrent {
            input sequence 3;
            dense 4 tanh;
            simple_rnn 3 (return_sequences);
            lstm 3 (return_sequences, recurrent_init = glorot_uniform);
            dropout 0.1;
            gru 2;
            dense 1;
        }
    }

    pub fn run_recurrent() -> ::core::primitive::f32 {
        let net = HostileRecurrent::seeded(1);
        let xs = [nnet::vector![1.0, 2.0, 3.0], nnet::vector![0.5, -1.0, 0.0]];
        let mut state = HostileRecurrentState::default();
        let _ = net.step(&mut state, &xs[0]);
        let last = net.step(&mut state, &xs[1]);
        (last - net.forward(&xs)).sum()
    }

    pub fn run() -> ::core::primitive::f32 {
        let normed = HostileNormed::seeded(1);
        let x = nnet::vector![1.0, 2.0, 3.0];
        let n = normed.forward(&x) - normed.inference().forward(&x);
        let net = Hostile::seeded(1);
        let y = net.forward(&nnet::vector![1.0, 2.0, 3.0]);
        let wide = HostileWide::seeded(1);
        let w = wide.forward(&nnet::vector![1.0, 2.0, 3.0]);
        y.sum() + w.sum() + n.sum()
    }
}

#[test]
fn compiles_and_runs_with_shadowed_names() {
    assert!((shadowed::run() - 2.0).abs() < 1e-5);
    assert_eq!(shadowed::run_recurrent(), 0.0);
}

/// Networks named after every generic parameter and helper type the expansion uses or might
/// use, and after the traits and types it works with. Each is used through the `Network` trait,
/// which runs every generated method.
mod names {
    use nnet::loss::SparseCategoricalCrossentropy;
    use nnet::optim::Sgd;
    use nnet::train::{FitConfig, Trainer, Verbosity};

    macro_rules! networks {
        ($($name:ident)*) => {
            $(nnet::network! { pub struct $name { input 2; dense 3 relu; dense 2 softmax; } })*

            /// Runs every network of the list.
            pub fn run_all() -> ::core::primitive::usize {
                let mut ran = 0;
                $(ran += run($name::seeded(7));)*
                ran
            }
        };
    }

    networks! {
        A B C D E F G H I K M N O P Q R S T U V W X Y Z
        Pass Samples Columns Op Output Target Gradients Trace Network Dense DenseGradient
        Architecture Parameters Loss Activation Simd WithSimd Rng SeedableRng Serializer
        Deserializer HeapMatrix HeapVector MatrixStorage SVector SMatrix Workspace LayerSpec
        TensorInfo Initializer Relu Softmax Option Some None Result Ok Err Vec Box String Clone
        Debug PartialEq Sized
    }

    macro_rules! normed_networks {
        ($($name:ident)*) => {
            $(nnet::network! {
                pub struct $name {
                    input 2;
                    dense 4 (l1 = 0.01);
                    batch_norm;
                    activation relu;
                    dropout 0.1;
                    layer_norm;
                    dense 2 softmax;
                }
            })*

            /// Runs every network of the list.
            pub fn run_normed() -> ::core::primitive::usize {
                let mut ran = 0;
                $(ran += run($name::seeded(7));)*
                ran
            }
        };
    }

    normed_networks! {
        Layer LayerGradient Mode Dropout BatchNorm LayerNorm ActivationLayer Regularizer
        NoGradient Inference AInference
    }

    nnet::network! {
        /// `L` (the loss parameter of `accumulate_batch`, issue 8), batched.
        pub struct L { input 2; dense 64 relu; dense 64 relu; dense 2 softmax; }
    }

    nnet::network! {
        /// `J` with a layer whose vectors live on the heap.
        pub struct J { input 2; dense 2048 relu; dense 2 softmax; }
    }

    /// Forward, batch, trace, backward, fit, save and load through the trait.
    fn run<Net: nnet::Network<2, 2>>(net: Net) -> ::core::primitive::usize {
        let xs = [nnet::vector![0.5, -1.0], nnet::vector![1.0, 0.25]];
        let ys = [0_usize, 1];
        let y = net.forward(&xs[0]);
        assert!((y.sum() - 1.0).abs() < 1e-5);
        assert_eq!(net.predict(&xs)[0], y);
        let trace = net.forward_trace(&xs[0]);
        let mut grads = net.zero_gradients();
        net.backward(&xs[0], &trace, &nnet::vector![1.0, 0.0], &mut grads);
        let mut trained = net.clone();
        let config = FitConfig {
            batch_size: 2,
            epochs: 1,
            verbosity: Verbosity::Silent,
            ..FitConfig::default()
        };
        Trainer::new(Sgd::default(), SparseCategoricalCrossentropy)
            .fit(&mut trained, &xs, &ys, &config)
            .expect("fit");
        let loaded: Net =
            nnet::io::from_safetensors(&nnet::io::to_safetensors(&trained)).expect("load");
        assert!(loaded == trained);
        1
    }

    pub fn run_named() -> ::core::primitive::usize {
        run_all() + run_normed() + run(L::seeded(1)) + run(J::seeded(1))
    }
}

#[test]
fn networks_may_have_any_name() {
    assert_eq!(names::run_named(), 82);
}
