//! The traits that generic code (optimizers, the fit loop, weight I/O) drives networks through.

use nalgebra::SVector;

#[cfg(feature = "std")]
use crate::activation::Activation;
use crate::activation::ActivationKind;
#[cfg(feature = "std")]
use crate::batch::Workspace;
use crate::layer::LayerKind;
#[cfg(feature = "std")]
use crate::loss::Loss;
#[cfg(feature = "std")]
use crate::storage::{vector_with_of, with_zeroed_vector_of, zeroed_vectors_of};
#[cfg(feature = "std")]
use crate::{Architecture, Parameters};
use crate::{Scalar, Shape};

/// One layer of a generated network, as declared: its kind, the shape it outputs and its
/// parameter counts.
///
/// `inputs` and `units` are flat lengths, the values per sample (per step, in a sequence) that
/// enter and leave the layer: what buffers are sized by. `output` is the shape those `units`
/// values have, which a generated network's `summary()` prints as Keras does; `units ==
/// output.len()` ([`with_output`](Self::with_output) keeps them together).
///
/// # Examples
///
/// ```
/// use nnet_core::{activation::ActivationKind, LayerKind, LayerSpec, Shape};
///
/// let layer = LayerSpec::dense("dense1", 2, 10, ActivationKind::Relu);
/// assert_eq!(layer.params(), 30);
/// assert_eq!(layer.line(), "dense 10 relu");
/// assert_eq!(layer.output, Shape::Vector(10));
/// assert!(!layer.is_sequence());
/// assert!(layer.with_output(Shape::Sequence(10)).is_sequence());
/// let norm = LayerSpec {
///     name: "batch_norm1",
///     kind: LayerKind::BatchNorm,
///     inputs: 10,
///     trainable: 20,
///     non_trainable: 20,
///     text: "batch_norm",
///     ..layer
/// };
/// assert_eq!(norm.non_trainable, 20);
///
/// // `input (49, 10); dense 64 relu;`: 10 → 64 at each of 49 steps.
/// let steps = LayerSpec::dense("dense1", 490, 64, ActivationKind::Relu)
///     .with_output(Shape::Steps { steps: 49, channels: 64 })
///     .with_counts(490, 10 * 64 + 64, 0);
/// assert_eq!((steps.units, steps.weights()), (49 * 64, 640));
/// assert_eq!(steps.line(), "dense 64 relu");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerSpec {
    /// Field name of the layer: `dense1`, `dropout1`, `batch_norm1`, …
    pub name: &'static str,
    /// The kind of layer.
    pub kind: LayerKind,
    /// Values per sample (per step, in a sequence) into the layer: the flat length of its
    /// input's shape.
    pub inputs: usize,
    /// Values per sample (per step) out of the layer: `output.len()`.
    pub units: usize,
    /// The shape of the layer's output: a vector; a sequence of vectors (in a network declared
    /// with `input sequence F;`, every layer before the last recurrent one, and every layer when
    /// the last recurrent one has `return_sequences`); or a fixed shape with channels last.
    pub output: Shape,
    /// The activation that ends the layer (`Linear` for layers without one).
    pub activation: ActivationKind,
    /// Trainable parameters.
    pub trainable: usize,
    /// Non-trainable values (moving statistics).
    pub non_trainable: usize,
    /// The layer's line in the grammar of `network!`, without the `;`, with every option that
    /// differs from its default: `dense 10 relu`, `dropout 0.5`, `batch_norm (momentum = 0.9)`.
    /// Empty for a dense layer described by its fields alone.
    pub text: &'static str,
}

impl LayerSpec {
    /// A dense layer on vectors with a bias and no options.
    pub const fn dense(
        name: &'static str,
        inputs: usize,
        units: usize,
        activation: ActivationKind,
    ) -> Self {
        Self {
            name,
            kind: LayerKind::Dense,
            inputs,
            units,
            output: Shape::Vector(units),
            activation,
            trainable: units * inputs + units,
            non_trainable: 0,
            text: "",
        }
    }

    /// The same layer with `inputs` inputs and the given parameter counts.
    pub const fn with_counts(self, inputs: usize, trainable: usize, non_trainable: usize) -> Self {
        Self {
            inputs,
            trainable,
            non_trainable,
            ..self
        }
    }

    /// The same layer with the output shape `output` (and `units = output.len()`).
    pub const fn with_output(self, output: Shape) -> Self {
        Self {
            output,
            units: output.len(),
            ..self
        }
    }

    /// Whether this is the sum of a residual block, which `network!` names `residual{k}` and
    /// lists right after the block's last layer: its `inputs` are the block's input, its
    /// `output` the sum's; its kind is its projection's (a dense layer or a 1×1 convolution,
    /// whose tensors are `residual{k}.kernel` and `residual{k}.bias`), or a linear `Activation`
    /// without parameters for a block without projection.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::{activation::ActivationKind, LayerSpec};
    ///
    /// assert!(LayerSpec::dense("residual2", 8, 4, ActivationKind::Linear).is_residual());
    /// assert!(!LayerSpec::dense("dense1", 8, 4, ActivationKind::Linear).is_residual());
    /// ```
    pub fn is_residual(&self) -> bool {
        self.name.starts_with("residual")
    }

    /// Trainable parameters of the layer.
    pub const fn params(&self) -> usize {
        self.trainable
    }

    /// Whether the layer outputs a sequence, one vector per step (Keras's `(None, None, n)`).
    pub const fn is_sequence(&self) -> bool {
        matches!(self.output, Shape::Sequence(_))
    }

    /// The weights of a dense layer's kernel, input channels × units, which one column of a
    /// batch multiplies: `inputs × units` on vectors, shared by every position on a fixed shape
    /// (whose positions the layer keeps). Zero for the other kinds.
    pub const fn weights(&self) -> usize {
        match self.kind {
            LayerKind::Dense => {
                let channels_in = match self.inputs.checked_div(self.output.positions()) {
                    Some(channels) => channels,
                    None => 0,
                };
                channels_in * self.output.channels()
            }
            _ => 0,
        }
    }

    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    /// The layer's line in the grammar: [`text`](Self::text), or `dense {units} {activation}`
    /// with the units of each position.
    pub fn line(&self) -> String {
        if self.text.is_empty() {
            format!(
                "dense {} {}",
                self.output.channels(),
                self.activation.name()
            )
        } else {
            self.text.to_string()
        }
    }
}

/// What a forward pass kept for the backward pass.
pub trait Trace<const OUT: usize, T: Scalar = f32> {
    /// The output layer's pre-activations `z`.
    fn output_preactivation(&self) -> &SVector<T, OUT>;
    /// The network's output `a = act(z)`.
    fn output(&self) -> &SVector<T, OUT>;
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// A feed-forward network with `IN` inputs and `OUT` outputs, as generated by `network!`.
///
/// Generic code is written against this trait; the dimensions are const generics, so passing an
/// input or target of the wrong width is a compile error. The layers and the input width come
/// from the supertrait [`Architecture`] (`N::LAYERS`, `N::INPUTS`), which owns them.
///
/// The batch methods ([`forward_batch`](Network::forward_batch),
/// [`forward_batch_with`](Network::forward_batch_with),
/// [`accumulate_batch`](Network::accumulate_batch)) have per-sample default implementations
/// ([`forward_each`], [`accumulate_each`]); networks generated with large layers override them
/// with batched code (see [`batch`](crate::batch)) without any change to the code that calls
/// them.
pub trait Network<const IN: usize, const OUT: usize, T: Scalar = f32>:
    Architecture<Scalar = T> + Parameters<T> + Clone + core::fmt::Debug + PartialEq + Send + Sync
{
    /// Gradients of the loss with respect to every weight and bias, with the same tensors as the
    /// network.
    type Gradients: Parameters<T> + Clone + core::fmt::Debug + Send + Sync;
    /// What [`forward_trace`](Network::forward_trace) keeps for the backward pass.
    type Trace: Trace<OUT, T>;
    /// The activation of the output layer.
    type OutputActivation: Activation<T>;

    /// The network's output for one input.
    fn forward(&self, input: &SVector<T, IN>) -> SVector<T, OUT>;

    /// The forward pass, keeping every layer's pre-activations and outputs.
    fn forward_trace(&self, input: &SVector<T, IN>) -> Self::Trace;

    /// The output layer's activation.
    fn output_activation(&self) -> &Self::OutputActivation;

    /// Gradients of zero.
    fn zero_gradients(&self) -> Self::Gradients;

    /// The backward pass from `delta = ∂L/∂z` at the output layer's pre-activations: adds the
    /// gradient of every weight and bias to `grads` and writes `∂L/∂input` to `input_gradient`
    /// (training passes `None`: it needs none).
    fn backward_preactivation(
        &self,
        input: &SVector<T, IN>,
        trace: &Self::Trace,
        delta: &SVector<T, OUT>,
        grads: &mut Self::Gradients,
        input_gradient: Option<&mut SVector<T, IN>>,
    );

    /// The backward pass from `∂L/∂output`: adds the gradient of every weight and bias to
    /// `grads` and returns `∂L/∂input`.
    fn backward(
        &self,
        input: &SVector<T, IN>,
        trace: &Self::Trace,
        output_gradient: &SVector<T, OUT>,
        grads: &mut Self::Gradients,
    ) -> SVector<T, IN> {
        vector_with_of(|input_gradient| {
            // `∂L/∂z` of a wide output layer on the heap, not in this frame.
            with_zeroed_vector_of(|delta: &mut SVector<T, OUT>| {
                delta.copy_from(output_gradient);
                self.output_activation().backprop(
                    trace.output_preactivation().as_slice(),
                    trace.output().as_slice(),
                    delta.as_mut_slice(),
                );
                self.backward_preactivation(input, trace, delta, grads, Some(input_gradient));
            });
        })
    }

    /// The regularization loss of every layer (Keras's `model.losses`: `l1·Σ|w| + l2·Σw²` of
    /// each regularized dense layer), adding its gradient to `grads` when given. `fit` adds both
    /// to each batch's mean loss and gradient, `evaluate` adds the loss, as Keras does.
    fn regularization(&self, grads: Option<&mut Self::Gradients>) -> T {
        let _ = grads;
        T::zero()
    }

    /// After an optimizer step in `fit`: updates the non-trainable state (batch normalization's
    /// moving statistics) from the statistics the training pass left in `grads`.
    fn update_state(&mut self, grads: &Self::Gradients) {
        let _ = grads;
    }

    /// Buffers for batched passes of up to `capacity` samples, for
    /// [`forward_batch_with`](Network::forward_batch_with) and
    /// [`accumulate_batch`](Network::accumulate_batch).
    fn workspace(&self, capacity: usize) -> Workspace<T> {
        Workspace::new(Self::LAYERS, capacity)
    }

    /// Outputs for many inputs: `outputs[i] = forward(inputs[i])` for every `i`.
    ///
    /// The default runs one sample at a time; networks with large layers override it to run
    /// the batch through matrix–matrix products, in a workspace kept on the calling thread
    /// from one call to the next ([`batch::with_kept_workspace`](crate::batch::with_kept_workspace)):
    /// after the first call, batches of the same network and of no more samples allocate
    /// nothing. A large batch is cut into slices spread over rayon's threads, each slice
    /// through the whole network on one thread
    /// ([`batch::forward_in_slices`](crate::batch::forward_in_slices)); each sample's outputs
    /// are the same bits whatever the batch and the number of threads.
    ///
    /// # Panics
    ///
    /// If `inputs` and `outputs` have different lengths (as
    /// [`copy_from_slice`](slice::copy_from_slice) does): a caller's mistake, which filling
    /// what fits would hide. [`predict`](Network::predict) sizes the outputs itself.
    #[track_caller]
    fn forward_batch(&self, inputs: &[SVector<T, IN>], outputs: &mut [SVector<T, OUT>]) {
        forward_each(self, inputs, outputs);
    }

    /// [`forward_batch`](Network::forward_batch) with the buffers of `workspace`, in chunks of
    /// its capacity. Batched networks run the call on rayon's thread pool; called from outside
    /// the pool, it is handed over once, and the pool's queue allocates a block every 63 such
    /// calls (none when called from inside the pool). A batch large enough to be spread over
    /// the pool's threads runs in slices of up to 256 samples, each with a workspace of its
    /// own: `workspace` makes those (of its capacity) on its first such call and keeps them,
    /// so that it allocates only then.
    ///
    /// # Panics
    ///
    /// If `inputs` and `outputs` have different lengths, as
    /// [`forward_batch`](Network::forward_batch).
    #[track_caller]
    fn forward_batch_with(
        &self,
        workspace: &mut Workspace<T>,
        inputs: &[SVector<T, IN>],
        outputs: &mut [SVector<T, OUT>],
    ) {
        let _ = workspace;
        forward_each(self, inputs, outputs);
    }

    /// Outputs for many inputs, in a new vector.
    fn predict(&self, inputs: &[SVector<T, IN>]) -> Vec<SVector<T, OUT>> {
        let mut outputs = zeroed_vectors_of(inputs.len());
        self.forward_batch(inputs, &mut outputs);
        outputs
    }

    /// Adds the gradients of `loss` summed over the batch to `grads`, writes each sample's
    /// output to `outputs` (as far as it reaches), and returns the summed loss.
    ///
    /// Inputs and targets are paired up to the shorter length; the caller divides by the batch
    /// size for Keras's mean reduction. Batched implementations use `workspace`, in chunks of
    /// its capacity; the default runs one sample at a time and does not touch it.
    ///
    /// This is the training pass: networks with dropout or batch normalization run it through
    /// their batched passes, dropout drawing its masks from the workspace's
    /// [`training step`](Workspace::set_training_step) and batch normalization normalizing
    /// each chunk with its own statistics (a whole batch, when the workspace holds it, as in
    /// `fit`), which it leaves in `grads` for [`update_state`](Network::update_state).
    fn accumulate_batch<L: Loss<OUT, T>>(
        &self,
        workspace: &mut Workspace<T>,
        inputs: &[SVector<T, IN>],
        targets: &[L::Target],
        loss: &L,
        grads: &mut Self::Gradients,
        outputs: &mut [SVector<T, OUT>],
    ) -> T {
        let _ = workspace;
        accumulate_each(self, inputs, targets, loss, grads, outputs)
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// The per-sample [`Network::forward_batch`]: `outputs[i] = forward(inputs[i])`.
///
/// # Panics
///
/// If `inputs` and `outputs` have different lengths.
#[track_caller]
pub fn forward_each<N: Network<IN, OUT, T>, T: Scalar, const IN: usize, const OUT: usize>(
    network: &N,
    inputs: &[SVector<T, IN>],
    outputs: &mut [SVector<T, OUT>],
) {
    check_batch_lengths(inputs.len(), outputs.len());
    for (x, y) in inputs.iter().zip(outputs.iter_mut()) {
        *y = network.forward(x);
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// The per-sample [`Network::accumulate_batch`]: a traced forward pass, the loss and a
/// backward pass for each sample in turn.
pub fn accumulate_each<N, L, T: Scalar, const IN: usize, const OUT: usize>(
    network: &N,
    inputs: &[SVector<T, IN>],
    targets: &[L::Target],
    loss: &L,
    grads: &mut N::Gradients,
    outputs: &mut [SVector<T, OUT>],
) -> T
where
    N: Network<IN, OUT, T>,
    L: Loss<OUT, T>,
{
    /// A network's own per-sample passes.
    struct Passes<'a, N>(&'a N);
    impl<N: Network<IN, OUT, T>, T: Scalar, const IN: usize, const OUT: usize>
        SamplePasses<IN, OUT, T> for Passes<'_, N>
    {
        type Trace = N::Trace;
        type Gradients = N::Gradients;
        fn trace(&self, x: &SVector<T, IN>) -> N::Trace {
            self.0.forward_trace(x)
        }
        fn backward(
            &self,
            x: &SVector<T, IN>,
            trace: &N::Trace,
            delta: &SVector<T, OUT>,
            grads: &mut N::Gradients,
        ) {
            self.0.backward_preactivation(x, trace, delta, grads, None);
        }
    }
    let activation = network.output_activation();
    accumulate_with(
        inputs,
        targets,
        loss,
        activation,
        grads,
        outputs,
        &Passes(network),
    )
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// The passes of one sample that [`accumulate_with`] runs: generated networks implement it with
/// their SIMD passes inside a dispatch, as methods marked `#[inline(always)]`.
///
/// Methods and not closures: a closure the compiler chooses not to inline (a whole network's
/// passes can be too large for it) is compiled on its own, without the dispatched instruction
/// set, and every register operation in it becomes a call (a CNN's training epoch ran 4 to 12
/// times slower).
pub trait SamplePasses<const IN: usize, const OUT: usize, T: Scalar = f32> {
    /// What the traced forward pass keeps for the backward pass.
    type Trace: Trace<OUT, T>;
    /// The gradients the backward pass adds to.
    type Gradients;
    /// The traced forward pass of `x`.
    fn trace(&self, x: &SVector<T, IN>) -> Self::Trace;
    /// The backward pass from `delta = ∂L/∂z` at the output: adds to `grads`.
    fn backward(
        &self,
        x: &SVector<T, IN>,
        trace: &Self::Trace,
        delta: &SVector<T, OUT>,
        grads: &mut Self::Gradients,
    );
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// The loop of [`accumulate_each`], with the traced pass and the backward pass (from `∂L/∂z`
/// at the output) given by `passes`; generated networks pass their SIMD passes.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn accumulate_with<P, T: Scalar, L, A, const IN: usize, const OUT: usize>(
    inputs: &[SVector<T, IN>],
    targets: &[L::Target],
    loss: &L,
    output_activation: &A,
    grads: &mut P::Gradients,
    outputs: &mut [SVector<T, OUT>],
    passes: &P,
) -> T
where
    P: SamplePasses<IN, OUT, T>,
    L: Loss<OUT, T>,
    A: Activation<T>,
{
    // `∂L/∂z` of a wide output layer on the heap, reused for every sample. In optimized builds
    // the loop is inlined here, not in a closure given to `with_zeroed_vector_of`, which would
    // be compiled without the dispatched instruction set when not inlined (see
    // `SamplePasses`); debug builds keep that closure, whose frame holds the vector only when
    // it is small.
    #[cfg(not(debug_assertions))]
    {
        if OUT > crate::storage::INLINE_UNITS {
            let mut delta: crate::storage::HeapVector<OUT, T> =
                crate::storage::MatrixStorage::zeroed();
            let delta = crate::storage::MatrixStorage::matrix_mut(&mut delta);
            accumulate_into(
                delta,
                inputs,
                targets,
                loss,
                output_activation,
                grads,
                outputs,
                passes,
            )
        } else {
            let mut delta = SVector::<T, OUT>::zeros();
            accumulate_into(
                &mut delta,
                inputs,
                targets,
                loss,
                output_activation,
                grads,
                outputs,
                passes,
            )
        }
    }
    #[cfg(debug_assertions)]
    with_zeroed_vector_of(|delta: &mut SVector<T, OUT>| {
        accumulate_into(
            delta,
            inputs,
            targets,
            loss,
            output_activation,
            grads,
            outputs,
            passes,
        )
    })
}

#[cfg(feature = "std")]
/// The loop of [`accumulate_with`] with `∂L/∂z` in `delta`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn accumulate_into<P, T: Scalar, L, A, const IN: usize, const OUT: usize>(
    delta: &mut SVector<T, OUT>,
    inputs: &[SVector<T, IN>],
    targets: &[L::Target],
    loss: &L,
    output_activation: &A,
    grads: &mut P::Gradients,
    outputs: &mut [SVector<T, OUT>],
    passes: &P,
) -> T
where
    P: SamplePasses<IN, OUT, T>,
    L: Loss<OUT, T>,
    A: Activation<T>,
{
    let mut total = T::zero();
    for (i, (x, y)) in inputs.iter().zip(targets).enumerate() {
        let t = passes.trace(x);
        let (z, a) = (t.output_preactivation(), t.output());
        total += loss.value_and_delta_into(output_activation, z, a, y, delta);
        passes.backward(x, &t, delta, grads);
        if let Some(output) = outputs.get_mut(i) {
            output.copy_from(t.output());
        }
    }
    total
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
/// Panics unless a batch's `inputs` and `outputs` have the same length: the contract of
/// [`Network::forward_batch`] and [`Network::forward_batch_with`], checked by generated networks
/// too.
#[inline]
#[track_caller]
pub fn check_batch_lengths(inputs: usize, outputs: usize) {
    assert!(
        inputs == outputs,
        "forward_batch: {inputs} inputs but {outputs} outputs; give one output slot per input \
         (or use `predict`, which sizes the outputs itself)"
    );
}
