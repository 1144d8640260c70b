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
//! layers     := 'input' INT ';' layer+
//! layer      := 'dense' INT activation? options? ';'
//! activation := linear | relu | sigmoid | tanh | softmax | step | leaky_relu | elu | selu
//!             | gelu | silu | softplus | softsign | hard_sigmoid | exponential   (default: linear)
//! options    := '(' option (',' option)* ','? ')'
//! option     := 'init' '=' INIT | 'bias_init' '=' INIT | 'alpha' '=' FLOAT
//! INIT       := zeros | ones | uniform | normal | glorot_uniform | glorot_normal
//!             | he_uniform | he_normal | lecun_uniform | lecun_normal
//! ```
//!
//! Defaults are Keras's: kernels `glorot_uniform`, biases `zeros`, `alpha` 0.3 for
//! `leaky_relu` and 1.0 for `elu`. Sizes are 1 to 65,536.
//!
//! ## What the macro generates
//!
//! For `pub struct Classifier { ... }`:
//! - `Classifier` with one public field per layer, `dense1`, `dense2`, …, each a
//!   [`Dense`] layer holding `weights` (`SMatrix<f32, OUT, IN>`; on the heap, in a
//!   [`HeapMatrix`](storage::HeapMatrix), once the network's inline weights pass 64 KiB) and
//!   `bias` (`SVector<f32, OUT>`); `Clone`, `Debug`, `PartialEq`.
//! - Constants `INPUTS`, `OUTPUTS`, `PARAMS`; constructors `seeded(u64)`, `from_rng(&mut impl
//!   Rng)`, `zeroed()`.
//! - `forward(&SVector<f32, IN>) -> SVector<f32, OUT>` (allocation-free, unrolled, in SIMD
//!   registers), `forward_batch` (matrix–matrix products for networks with large layers),
//!   `workspace` and `forward_batch_with` (the same without allocating), `forward_trace` and
//!   `backward`, `zero_gradients`, `summary()`.
//! - `ClassifierGradients` (the gradient of every weight and bias, same shapes) and
//!   `ClassifierTrace` (each layer's pre-activations and outputs).
//! - Implementations of [`Network`] and [`Parameters`], through which optimizers, training and
//!   weight I/O drive any generated network.

pub use nnet_core::*;
pub use nnet_macros::network;

pub use nalgebra::{SMatrix, SVector, matrix, vector};

/// What generated code reaches its dependencies through. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use nnet_core::activation::{self, ActivationKind};
    pub use nnet_core::storage::HeapMatrix;
    pub use nnet_core::{
        Dense, DenseGradient, Initializer, LayerSpec, Loss, Network, Parameters, TensorInfo, Trace,
        accumulate_each, accumulate_with, batch, dense_tensor_info, forward_each, summary,
    };
    pub use nnet_core::{nalgebra, pulp, rand, rand_chacha, simd};
}
