//! # nnet
//!
//! Neural networks whose architecture is fixed when the program is written. The [`network!`]
//! macro turns a Keras-like layer list into a dedicated struct with statically sized
//! [nalgebra] matrices and unrolled forward and backward passes: a wrong input size, a wrong
//! target size or a network fed into another of the wrong width is a compile error.
//!
//! ```
//! nnet::network! {
//!     /// Classifies points of the plane.
//!     pub struct Classifier {
//!         input 2;
//!         dense 10 relu;
//!         dense 20 relu;
//!         dense 1 sigmoid;
//!     }
//! }
//!
//! let net = Classifier::seeded(42);
//! let y = net.forward(&nnet::vector![0.5, -1.0]);
//! assert!(y[0] > 0.0 && y[0] < 1.0);
//! assert_eq!(Classifier::PARAMS, 2 * 10 + 10 + 10 * 20 + 20 + 20 + 1);
//! ```
//!
//! ## The grammar
//!
//! ```text
//! network    := outer-attribute* visibility 'struct' IDENT ( '{' layers '}' | '<' layers '>' )
//! layers     := input layer+
//! input      := 'input' INT ';'                                            (a vector)
//!             | 'input' '(' INT (',' INT)* ','? ')' ';'     ((n), (steps, channels), (h, w, c))
//!             | 'input' 'sequence' INT ';'                  (a sequence of vectors, any length)
//! layer      := 'dense' INT activation? options? ';'
//!             | 'activation' activation ';' | 'dropout' FLOAT ';'
//!             | 'batch_norm' options? ';' | 'layer_norm' options? ';'
//!             | 'simple_rnn' INT activation? options? ';'                         (tanh)
//!             | 'gru' INT options? ';' | 'lstm' INT options? ';'
//!             | 'flatten' ';'
//!             | 'residual' ('(' 'project' ')')? '{' layer+ '}' ';'?      (input + block(input))
//! activation := linear | relu | sigmoid | tanh | softmax | step | leaky_relu | elu | selu
//!             | gelu | silu | softplus | softsign | hard_sigmoid | exponential   (default: linear)
//! options    := '(' option (',' option)* ','? ')'
//! option     := 'init' '=' INIT | 'bias_init' '=' INIT | 'alpha' '=' FLOAT      (dense)
//!             | 'use_bias' '=' BOOL | 'l1' '=' FLOAT | 'l2' '=' FLOAT            (dense)
//!             | 'momentum' '=' FLOAT | 'epsilon' '=' FLOAT                       (batch_norm)
//!             | 'epsilon' '=' FLOAT                                              (layer_norm)
//!             | 'return_sequences' ('=' BOOL)? | 'init' '=' INIT                 (recurrent)
//!             | 'recurrent_init' '=' INIT | 'bias_init' '=' INIT                 (recurrent)
//! INIT       := zeros | ones | uniform | normal | glorot_uniform | glorot_normal
//!             | he_uniform | he_normal | lecun_uniform | lecun_normal | orthogonal
//! INT, FLOAT := plain decimal: 300, 0.5, -1 (a suffix or base, 300u8, 0x10, 0.5f64, is an error)
//! ```
//!
//! Every `INIT` works for every initializer option: `init = orthogonal` on `dense` as on the
//! recurrent kinds. A `///` comment before a layer line documents that layer's field (its text,
//! then the generated description); the `input` line has no field, so a `///` comment there is
//! an error (document the network above `struct`). `//` comments go anywhere.
//!
//! Defaults are Keras's: kernels `glorot_uniform`, biases `zeros`, `alpha` 0.3 for
//! `leaky_relu` and 1.0 for `elu`, `use_bias = true`, `l1 = l2 = 0`, batch normalization
//! `momentum = 0.99`, `epsilon = 0.001`, layer normalization `epsilon = 0.001`. Sizes are 1 to
//! 65,536; a dropout rate is in `[0, 1)`. Every line is one layer, a type of [`layer`] that
//! implements [`Layer`]: `dropout` and `batch_norm` run their training behaviour in `fit` only;
//! see the README for each kind's semantics.
//!
//! ## Shapes
//!
//! `input (steps, channels);` and `input (height, width, channels);` declare a fixed [`Shape`]
//! with channels last (Keras's `channels_last`); a sample is one `SVector` of its values in
//! row-major order, so `INPUTS` and `OUTPUTS` are the flat lengths and `INPUT_SHAPE` and
//! `OUTPUT_SHAPE` the shapes. On a fixed shape `dense` acts on the last axis at every position
//! (one kernel `[units, channels]` shared by all of them: [`layer::Positionwise`]),
//! `batch_norm` per channel over the batch and the positions, `layer_norm` and `activation
//! softmax` over each position's channels, other activations and `dropout` on every value;
//! `flatten` ([`layer::Flatten`]) makes the vector of all the values. A recurrent layer needs a
//! sequence, `flatten` a fixed shape, and a network's output softmax one vector: each is a
//! compile error saying what to write.
//!
//! `residual { … }` adds a block's input to its output (at every step of a sequence);
//! `residual (project) { … }` passes the input first through a trainable projection to the
//! output's shape (a dense layer on vectors, a 1 × 1 convolution with the block's overall
//! stride on fixed shapes), the field `residual{k}` with the tensors `residual{k}.kernel` and
//! `.bias` (see the README's "Residual blocks").
//!
//! ```
//! nnet::network! {
//!     pub struct Skip { input 4; dense 8 relu; residual { dense 8 relu; dense 8; } dense 1; }
//! }
//!
//! assert_eq!(Skip::PARAMS, 40 + 72 + 72 + 9);
//! assert!(Skip::summary().contains(" residual1 (Add)"));
//! ```
//!
//! ```
//! nnet::network! {
//!     pub struct Pixels { input (8, 8, 3); dense 4 relu; flatten; dense 1 sigmoid; }
//! }
//!
//! assert_eq!(Pixels::INPUT_SHAPE, nnet::Shape::Image { height: 8, width: 8, channels: 3 });
//! assert_eq!(Pixels::OUTPUT_SHAPE, nnet::Shape::Vector(1));
//! assert_eq!(Pixels::INPUTS, 192);
//! assert_eq!(Pixels::PARAMS, (3 * 4 + 4) + (256 + 1));
//! assert!(Pixels::summary().contains("(None, 8, 8, 4)"));
//! ```
//!
//! ## What the macro generates
//!
//! For `pub struct Classifier { ... }`:
//! - `Classifier` with one public field per layer, named after its kind and counted per kind
//!   (`dense1`, `dense2`, `batch_norm1`, `dropout1`, …), each a layer type of [`layer`]; a
//!   [`Dense`] layer holds `weights` (`SMatrix<f32, OUT, IN>`; on the heap, in a
//!   [`HeapMatrix`](storage::HeapMatrix), once the network's inline weights pass 64 KiB) and
//!   `bias` (`SVector<f32, OUT>`; a [`HeapVector`](storage::HeapVector) in a layer of more than
//!   1,024 units, whose trace, gradient and deltas live on the heap too); derives `Clone`,
//!   `Debug` and `PartialEq`, except those the network's own `#[derive(...)]` names (which then
//!   provides them), so `#[derive(Clone, Debug)]` on a network is no conflict.
//! - Constants `INPUTS`, `OUTPUTS`, `PARAMS`, and `INPUT_SHAPE`, `OUTPUT_SHAPE` (the [`Shape`] of
//!   a sample: `Vector(2)`, `Steps { .. }`, `Image { .. }`, `Sequence(F)`); constructors `seeded(u64)`, `from_rng(&mut impl
//!   Rng)`, `zeroed()`.
//! - `forward(&SVector<f32, IN>) -> SVector<f32, OUT>` (unrolled, in SIMD registers, and
//!   allocation-free unless a layer has more than 1,024 units), `forward_batch` (matrix–matrix products for networks with large layers),
//!   `workspace` and `forward_batch_with` (the same without allocating), `forward_trace` and
//!   `backward`, `zero_gradients`, `summary()`.
//! - For networks with `dropout` or `batch_norm`, `inference()` → `ClassifierInference`: dropout
//!   removed and each `batch_norm` folded into the weights of the dense layer before it (when
//!   that has no activation) or after it, for deployment at the speed of the dense layers
//!   alone.
//! - `ClassifierGradients` (the gradient of every weight and bias, same shapes) and
//!   `ClassifierTrace` (each layer's pre-activations and outputs).
//! - Implementations of [`Network`], [`Parameters`] and [`Architecture`], through which
//!   optimizers, training and weight I/O ([`io`]) drive any generated network; with the `serde`
//!   feature, `Serialize` and `Deserialize` (see [`io::serde_support`](io)).
//! - With `#[weights = "path/to/file.safetensors"]` among the attributes (the path relative to
//!   the crate's `Cargo.toml`): the weights of that file, read and checked at compile time, as
//!   `const TRAINED: Self` (when every layer is inline) and `fn trained() -> Self`. A file that
//!   does not fit the layers is a compile error naming the tensor and the expected shape.
//!
//! ## `f64` networks
//!
//! `#[scalar = f64]` among the attributes (`#[scalar = f32]` is the default) makes every
//! generated type and method use `f64`: the layers' weights, `forward`, `step` and `{Name}State`,
//! traces, gradients, batched and sequence passes, and through the [`Scalar`] parameter of the
//! traits ([`Network<IN, OUT, f64>`](Network), [`Parameters<f64>`](Parameters)) the trainer,
//! losses, optimizer states and metrics. Optimizer settings (learning rates, betas, `epsilon`,
//! momentum, `rho`, weight decay, clipping, schedules) are `f64` and become the network's scalar
//! where they are used, so an `f64` network computes with them as written and an `f32` network
//! exactly as before; so are the layer options of the declaration (`momentum`, `epsilon`,
//! dropout rates, `l1`/`l2`, held as `f64` by the layers), and `alpha` is in the network's
//! scalar. Histories, evaluations and metrics report `f64`:
//! an `f32` network's values exactly as `f32`, an `f64` network's with its range and precision.
//! The gates and activations of an `f64` network use the exact `exp` and `tanh`, where an
//! `f32` network uses nnet's fast, branch-free ones.
//!
//! ```
//! nnet::network! {
//!     #[scalar = f64]
//!     pub struct Precise { input 2; dense 8 tanh; dense 1 sigmoid; }
//! }
//!
//! let net = Precise::seeded(1);
//! let y: nnet::SVector<f64, 1> = net.forward(&nnet::SVector::from([0.5, -1.0]));
//! assert!(y[0] > 0.0 && y[0] < 1.0);
//! ```
//!
//! ## Recurrent networks
//!
//! With `input sequence F;` a network reads a sequence of `F`-vectors of any length, through
//! recurrent layers (Keras's `SimpleRNN`, `GRU` with `reset_after = true`, `LSTM`; weights laid
//! out as Keras's, recurrent kernels `orthogonal` by default) and layers applied at every step.
//! `{Name}State` holds every recurrent layer's state inline; `step` advances it by one time
//! step without allocating (the real-time audio call), `forward` runs a whole sequence, and
//! both give the output as if the sequence ended at that step. Training goes through
//! [`Trainer::fit_sequences`](train::Trainer::fit_sequences) on [`Sequences`], with
//! backpropagation through time.
//!
//! ```
//! nnet::network! {
//!     /// A GRU over one feature per step, one output.
//!     pub struct Amp {
//!         input sequence 1;
//!         gru 8;
//!         dense 1;
//!     }
//! }
//!
//! let net = Amp::seeded(1);
//! let signal: Vec<_> = (0..64).map(|t| nnet::vector![(t as f32 * 0.1).sin()]).collect();
//! let mut state = AmpState::default();
//! let mut last = nnet::vector![0.0];
//! for x in &signal {
//!     last = net.step(&mut state, x); // one call per sample, no allocation
//! }
//! assert_eq!(last, net.forward(&signal));
//! ```
//!
//! ## Features
//!
//! All on by default; with `default-features = false` nnet is `#![no_std]` and needs no
//! allocator for networks whose weights are inline (see the README's "Embedding"):
//! construction (`TRAINED`, `seeded`, `zeroed`), `forward`, `forward_trace`, `inference()`,
//! recurrent `step` and sequence `forward`, every layer and activation.
//!
//! - `std`: [`Error`], [`io`], [`datasets`], [`loss`], [`batch`], [`sequence`]'s data,
//!   [`Network`], [`SequenceNetwork`], heap storage of large layers, `summary()`, and the
//!   generated methods that return a `String` or a `Vec` or take a workspace.
//! - `train` (implies `std`): [`train`], [`optim`], [`metrics`], progress bars.
//! - `parallel` (implies `std`): rayon's thread pool for batched passes.
//! - `serde` (off by default): `Serialize`/`Deserialize` of generated networks.
//!
//! ## Deploying
//!
//! ```
//! nnet::network! {
//!     pub struct Tiny { input 2; dense 3 relu; dense 1 sigmoid; }
//! }
//!
//! let net = Tiny::seeded(1);
//! let bytes = nnet::io::to_safetensors(&net); // dense1.weight [3, 2], dense1.bias [3], ...
//! let back: Tiny = nnet::io::from_safetensors(&bytes).unwrap();
//! assert_eq!(back, net);
//! assert!(nnet::io::from_safetensors::<Tiny>(&bytes[..40]).is_err());
//! ```

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use nnet_core::{
    Architecture, Dense, DenseGradient, Initializer, Layer, LayerKind, LayerSpec, Parameters,
    Regularizer, Scalar, Shape, TensorInfo, Trace,
};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use nnet_core::{
    DataRole, Error, Network, Result, SequenceNetwork, SequenceWorkspace, Sequences, Streams,
    batch, datasets, io, loss, sequence,
};
#[cfg(feature = "train")]
#[cfg_attr(docsrs, doc(cfg(feature = "train")))]
pub use nnet_core::{Metric, metrics, optim, train};
pub use nnet_core::{activation, layer, storage};
pub use nnet_core::{nalgebra, rand};

pub mod prelude;

/// The grammar and the generated items are described in the [crate documentation](crate).
///
/// # Examples
///
/// ```
/// nnet::network! {
///     /// Three classes from four features.
///     pub struct Iris {
///         input 4;
///         dense 16 leaky_relu (alpha = 0.1, init = he_uniform);
///         dense 3 softmax;
///     }
/// }
///
/// let net = Iris::seeded(7);
/// let p = net.forward(&nnet::vector![5.1, 3.5, 1.4, 0.2]);
/// assert!((p.sum() - 1.0).abs() < 1e-6);
/// assert_eq!((Iris::INPUTS, Iris::OUTPUTS), (4, 3));
/// ```
///
/// Mistakes are compile errors on the token at fault:
///
/// ```compile_fail
/// nnet::network! {
///     struct Net { input 2; dense 0 relu; }
/// }
/// ```
///
/// The network derives `Clone`, `Debug` and `PartialEq`, except those its own `#[derive(...)]`
/// names, which then provides them; a `///` comment on a layer line documents that layer's
/// field:
///
/// ```
/// nnet::network! {
///     #[derive(Clone, Debug)]
///     struct Net {
///         input 2;
///         /// The only layer.
///         dense 1 sigmoid;
///     }
/// }
///
/// let net = Net::seeded(1);
/// assert_eq!(net.clone(), net);
/// ```
///
/// Numbers are plain decimal, without a suffix:
///
/// ```compile_fail
/// nnet::network! {
///     struct Net { input 2; dense 0x10 relu; dense 1; }
/// }
/// ```
#[doc(inline)]
pub use nnet_macros::network;

pub use nalgebra::{SMatrix, SVector};

/// A column vector of `f32`, `SVector<f32, N>`, from its entries; `N` is their count.
///
/// Works in crates that depend on `nnet` alone (nalgebra's own `vector!` needs `nalgebra` as a
/// direct dependency).
///
/// # Examples
///
/// ```
/// let x: nnet::SVector<f32, 3> = nnet::vector![1.0, 2.0, 3.0];
/// assert_eq!(x[2], 3.0);
/// ```
#[macro_export]
macro_rules! vector {
    ($($x:expr),* $(,)?) => {
        $crate::SVector::<::core::primitive::f32, _>::from([$($x),*])
    };
}

/// A matrix of `f32`, `SMatrix<f32, R, C>`, written row by row: entries separated by `,`, rows
/// by `;`.
///
/// # Examples
///
/// ```
/// let w: nnet::SMatrix<f32, 2, 3> = nnet::matrix![1.0, 2.0, 3.0; 4.0, 5.0, 6.0];
/// assert_eq!(w[(1, 0)], 4.0);
/// assert_eq!(w[(0, 2)], 3.0);
/// ```
#[macro_export]
macro_rules! matrix {
    ($($($x:expr),+);+ $(;)?) => {
        // `From<[[f32; R]; C]>` reads the inner arrays as columns: build the transpose from the
        // rows, then transpose it.
        $crate::SMatrix::<::core::primitive::f32, _, _>::from([$([$($x),+]),+]).transpose()
    };
}

/// What generated code reaches its dependencies through. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use nnet_core::__private::*;
    pub use nnet_core::activation::{self, ActivationKind};
    #[cfg(feature = "std")]
    pub use nnet_core::loss::Loss;
    pub use nnet_core::storage::MatrixStorage;
    #[cfg(feature = "std")]
    pub use nnet_core::storage::{HeapMatrix, HeapVector};
    pub use nnet_core::{
        Architecture, Dense, DenseGradient, Initializer, Layer, LayerKind, LayerSpec, Parameters,
        Regularizer, Scalar, Shape, TensorInfo, Trace, layer,
    };
    #[cfg(feature = "std")]
    pub use nnet_core::{Error, Network, Result, SequenceNetwork, SequenceWorkspace, Sequences};
    pub use nnet_core::{nalgebra, rand};
    #[cfg(feature = "std")]
    pub use std::{string::String, vec::Vec};

    #[cfg(feature = "serde")]
    pub use nnet_core::io::serde_support;
    #[cfg(feature = "serde")]
    pub use serde;

    /// `serde` implementations for a generated network when `nnet` is built with its `serde`
    /// feature, nothing otherwise: the feature is nnet's, not the user crate's.
    pub use crate::__serde_network as serde_network;

    /// Its tokens when `nnet` is built with its `std` feature, nothing otherwise: how generated
    /// code gates what needs the standard library (`summary`, batched passes, the `Network`
    /// implementation), since the macro cannot see nnet's features.
    pub use crate::__if_std as if_std;
}

#[cfg(feature = "std")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_std {
    ($($tokens:tt)*) => { $($tokens)* };
}

#[cfg(not(feature = "std"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_std {
    ($($tokens:tt)*) => {};
}

#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __serde_network {
    ($name:ident) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<__NnetS: $crate::__private::serde::Serializer>(
                &self,
                serializer: __NnetS,
            ) -> ::core::result::Result<__NnetS::Ok, __NnetS::Error> {
                $crate::__private::serde_support::serialize(self, serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<__NnetD: $crate::__private::serde::Deserializer<'de>>(
                deserializer: __NnetD,
            ) -> ::core::result::Result<Self, __NnetD::Error> {
                $crate::__private::serde_support::deserialize(deserializer)
            }
        }
    };
}

#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __serde_network {
    ($name:ident) => {};
}

/// Every Rust code block of the README, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
