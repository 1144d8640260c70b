//! The buffers of the training pass of a sequence network: a batch of sequences laid end to
//! end, one column per step, passed through the layers one layer at a time.

use nalgebra::SVector;
use rand::RngCore;

use crate::activation::Activation;
use crate::batch::{training_rng, vectors, vectors_mut};
use crate::layer::{Layer, Mode, Recurrent};
use crate::loss::Loss;
use crate::{LayerSpec, Scalar, Sequences};

/// One layer's buffers: what its backward pass needs (`z`), its outputs (`a`) and the gradient
/// of the loss with respect to them (`delta`), one column per step or per sequence.
#[derive(Debug, Clone, Default)]
struct Buffers<T> {
    units: usize,
    trace: usize,
    /// Whether the layer has a column per step (else one per sequence: after the last
    /// recurrent layer of a network that does not return sequences).
    per_step: bool,
    z: Vec<T>,
    a: Vec<T>,
    delta: Vec<T>,
    /// For the sum of a residual block ([`LayerSpec::is_residual`]): the block's input's
    /// values per column, and the delta of the block's input through the skip, kept while the
    /// backward pass goes through the block.
    skip_units: usize,
    skip_delta: Vec<T>,
}

/// Buffers for the training pass of a network declared with `input sequence F;`: the batch's
/// steps end to end, each layer's trace, outputs and gradients. `fit` keeps one for the whole
/// of training and sizes it once for the largest batch, so that batches allocate nothing.
///
/// The layers before and including the last recurrent one see one column per step; the layers
/// after it see one per step when it returns sequences, else one per sequence (its last
/// output). Generated networks drive it through its step methods ([`load`](Self::load),
/// [`forward_layer`](Self::forward_layer), [`forward_recurrent`](Self::forward_recurrent),
/// [`output_deltas`](Self::output_deltas), [`activation_backward`](Self::activation_backward),
/// [`backward_layer`](Self::backward_layer), [`backward_recurrent`](Self::backward_recurrent));
/// users make one with the network's `sequence_workspace`, and a training loop of their own
/// loads each batch into it ([`load`](Self::load)) before
/// [`SequenceNetwork::accumulate_sequences`](crate::SequenceNetwork::accumulate_sequences).
///
/// # Examples
///
/// ```
/// use nnet_core::{activation::ActivationKind, LayerKind, LayerSpec, SequenceWorkspace};
///
/// let gru = LayerSpec { kind: LayerKind::Gru, ..LayerSpec::dense("gru1", 3, 4, ActivationKind::Linear) };
/// let dense = LayerSpec::dense("dense1", 4, 1, ActivationKind::Linear);
/// let workspace: SequenceWorkspace = SequenceWorkspace::new(&[gru, dense], &[16, 1], false);
/// assert_eq!(workspace.sequences(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SequenceWorkspace<T: Scalar = f32> {
    layers: Vec<Buffers<T>>,
    /// Index of the last recurrent layer.
    last_recurrent: usize,
    return_sequences: bool,
    /// The batch's inputs, `features` per step, and each sequence's length.
    x: Vec<T>,
    features: usize,
    lengths: Vec<usize>,
    steps: usize,
    /// The last output of each sequence of the last recurrent layer, and its gradient (networks
    /// that do not return sequences).
    last: Vec<T>,
    last_delta: Vec<T>,
    seed: u64,
    step: u64,
}

impl<T: Scalar> SequenceWorkspace<T> {
    /// Buffers for `layers`, whose traces are `traces[i]` values per column (a recurrent
    /// layer's `TRACE`, the units of other layers), and a network whose last recurrent layer
    /// returns sequences or not. Empty until [`reserve`](Self::reserve) or a batch is loaded.
    pub fn new(layers: &[LayerSpec], traces: &[usize], return_sequences: bool) -> Self {
        let last_recurrent = layers
            .iter()
            .rposition(|l| l.kind.is_recurrent())
            .unwrap_or(0);
        Self {
            layers: layers
                .iter()
                .zip(traces)
                .enumerate()
                .map(|(i, (l, &trace))| Buffers {
                    units: l.units,
                    trace,
                    per_step: return_sequences || i <= last_recurrent,
                    skip_units: if l.is_residual() { l.inputs } else { 0 },
                    ..Buffers::default()
                })
                .collect(),
            last_recurrent,
            return_sequences,
            features: layers.first().map_or(0, |l| l.inputs),
            ..Self::default()
        }
    }

    /// Whether `self` and `other` are buffers for the same layers (units, traces, residual
    /// sums, columns per step or per sequence), whatever batch they were last sized for: a
    /// trainer reuses a workspace of an earlier call only for a network of the same layers.
    #[cfg(feature = "train")]
    pub(crate) fn same_layout(&self, other: &Self) -> bool {
        let layer = |a: &Buffers<T>, b: &Buffers<T>| {
            (a.units, a.trace, a.per_step, a.skip_units)
                == (b.units, b.trace, b.per_step, b.skip_units)
        };
        self.last_recurrent == other.last_recurrent
            && self.return_sequences == other.return_sequences
            && self.features == other.features
            && self.layers.len() == other.layers.len()
            && self
                .layers
                .iter()
                .zip(&other.layers)
                .all(|(a, b)| layer(a, b))
    }

    /// Makes room for batches of up to `sequences` sequences and `steps` steps in all, so that
    /// loading them allocates nothing.
    pub fn reserve(&mut self, sequences: usize, steps: usize) {
        fn grow<T: Scalar>(buffer: &mut Vec<T>, len: usize) {
            if buffer.len() < len {
                buffer.resize(len, T::zero());
            }
        }
        grow(&mut self.x, self.features * steps);
        if self.lengths.capacity() < sequences {
            self.lengths.reserve(sequences - self.lengths.len());
        }
        for b in &mut self.layers {
            let columns = if b.per_step { steps } else { sequences };
            grow(&mut b.z, b.trace * columns);
            grow(&mut b.a, b.units * columns);
            grow(&mut b.delta, b.units * columns);
            grow(&mut b.skip_delta, b.skip_units * columns);
        }
        let units = self.layers.get(self.last_recurrent).map_or(0, |b| b.units);
        if !self.return_sequences {
            grow(&mut self.last, units * sequences);
            grow(&mut self.last_delta, units * sequences);
        }
    }

    /// Loads the sequences `indices` of `data` as the batch (growing the buffers if they are
    /// too small for it).
    pub fn load<const F: usize>(&mut self, data: &Sequences<F, T>, indices: &[usize]) {
        self.load_slices(indices.iter().filter_map(|&i| data.get(i)));
    }

    /// Loads `sequences` as the batch (growing the buffers if they are too small for it): the
    /// windows of a batch of [`Streams`](crate::Streams), or any sequences not kept in a
    /// [`Sequences`].
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::{activation::ActivationKind, LayerKind, LayerSpec, SequenceWorkspace};
    ///
    /// let gru = LayerSpec { kind: LayerKind::Gru, ..LayerSpec::dense("gru1", 1, 2, ActivationKind::Linear) };
    /// let mut workspace: SequenceWorkspace = SequenceWorkspace::new(&[gru], &[8], true);
    /// let (a, b) = ([vector![1.0], vector![2.0]], [vector![3.0]]);
    /// workspace.load_slices([&a[..], &b[..]].into_iter());
    /// assert_eq!((workspace.sequences(), workspace.steps()), (2, 3));
    /// ```
    pub fn load_slices<'a, const F: usize>(
        &mut self,
        sequences: impl Iterator<Item = &'a [SVector<T, F>]> + Clone,
    ) where
        T: 'a,
    {
        let (count, steps) = sequences
            .clone()
            .fold((0, 0), |(n, steps), s| (n + 1, steps + s.len()));
        self.reserve(count, steps);
        self.lengths.clear();
        let mut at = 0;
        for sequence in sequences {
            let values: &[T] = crate::batch::flat(sequence);
            self.x[at..at + values.len()].copy_from_slice(values);
            at += values.len();
            self.lengths.push(sequence.len());
        }
        self.steps = steps;
    }

    /// Number of sequences in the loaded batch.
    pub fn sequences(&self) -> usize {
        self.lengths.len()
    }

    /// Number of steps of the loaded batch, all sequences together.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Number of columns (outputs, targets) the network gives for the batch: one per step or
    /// one per sequence.
    pub fn outputs(&self) -> usize {
        if self.return_sequences {
            self.steps
        } else {
            self.sequences()
        }
    }

    /// Sets the seed and the step that the next training pass draws dropout masks from.
    pub fn set_training_step(&mut self, seed: u64, step: u64) {
        self.seed = seed;
        self.step = step;
    }

    fn columns(&self, index: usize) -> usize {
        if self.layers[index].per_step {
            self.steps
        } else {
            self.sequences()
        }
    }

    /// Whether layer `index` takes the last outputs of the last recurrent layer.
    fn takes_last(&self, index: usize) -> bool {
        !self.return_sequences && index == self.last_recurrent + 1
    }

    /// The input of layer `index`, its `z` and its `a`, and the lengths of the sequences.
    #[allow(clippy::type_complexity)]
    fn forward_buffers(&mut self, index: usize) -> (&[T], &mut [T], &mut [T], &[usize]) {
        let columns = self.columns(index);
        let takes_last = self.takes_last(index);
        let (below, this) = self.layers.split_at_mut(index);
        let this = &mut this[0];
        let input: &[T] = match below.last() {
            None => &self.x[..self.features * self.steps],
            Some(b) if takes_last => &self.last[..b.units * columns],
            Some(b) => &b.a[..b.units * columns],
        };
        (
            input,
            &mut this.z[..this.trace * columns],
            &mut this.a[..this.units * columns],
            &self.lengths,
        )
    }

    /// The training pass of layer `index`, a layer applied at every column.
    pub fn forward_layer<L: Layer<IN, OUT, T>, const IN: usize, const OUT: usize>(
        &mut self,
        layer: &L,
        index: usize,
        grad: &mut L::Gradient,
    ) {
        let mut rng = training_rng(self.seed, self.step, index);
        let (input, z, a, _) = self.forward_buffers(index);
        layer.forward_batch(
            Mode::Training(&mut rng as &mut dyn RngCore),
            input,
            z,
            a,
            grad,
        );
    }

    /// The training pass of the recurrent layer `index` over every sequence of the batch.
    pub fn forward_recurrent<L: Recurrent<IN, UNITS, T>, const IN: usize, const UNITS: usize>(
        &mut self,
        layer: &L,
        index: usize,
    ) {
        let (input, z, a, lengths) = self.forward_buffers(index);
        layer.forward_sequences(input, lengths, z, a);
        self.gather_last::<UNITS>(index);
    }

    /// [`forward_recurrent`](Self::forward_recurrent) with sequence `s` of the batch starting
    /// from the state `state(&states[s])` (stateful training: each sequence a window continuing
    /// a signal; `states` are the network's states, `state` picks this layer's).
    pub fn forward_recurrent_from<
        L: Recurrent<IN, UNITS, T>,
        S,
        const IN: usize,
        const UNITS: usize,
    >(
        &mut self,
        layer: &L,
        index: usize,
        states: &[S],
        state: impl Fn(&S) -> &L::State,
    ) {
        let trace = L::TRACE;
        let (input, z, a, lengths) = self.forward_buffers(index);
        for ((start, len), initial) in crate::layer::spans(lengths).zip(states) {
            layer.forward_sequence_from(
                &input[start * IN..(start + len) * IN],
                state(initial),
                &mut z[start * trace..(start + len) * trace],
                &mut a[start * UNITS..(start + len) * UNITS],
            );
        }
        self.gather_last::<UNITS>(index);
    }

    /// After [`forward_recurrent_from`](Self::forward_recurrent_from) from `states`: moves the
    /// recurrent layer `index`'s state in each (`state(&mut states[s])`) to where sequence `s`
    /// of the batch ended, the state the next window of its signal starts from.
    pub fn final_states<L: Recurrent<IN, UNITS, T>, S, const IN: usize, const UNITS: usize>(
        &self,
        layer: &L,
        index: usize,
        states: &mut [S],
        state: impl Fn(&mut S) -> &mut L::State,
    ) {
        let below = index.checked_sub(1).map(|b| &self.layers[b]);
        let input = below.map_or(&self.x[..], |b| &b.a[..]);
        let this = &self.layers[index];
        for ((start, len), s) in crate::layer::spans(&self.lengths).zip(states) {
            layer.final_state(
                &input[start * IN..(start + len) * IN],
                state(s),
                &this.z[start * L::TRACE..(start + len) * L::TRACE],
                &this.a[start * UNITS..(start + len) * UNITS],
            );
        }
    }

    /// After the pass of the last recurrent layer `index` of a network that does not return
    /// sequences: each sequence's last output, for the layers above.
    fn gather_last<const UNITS: usize>(&mut self, index: usize) {
        if index == self.last_recurrent && !self.return_sequences {
            let mut end = 0;
            for (s, &len) in self.lengths.iter().enumerate() {
                end += len;
                let h = &self.layers[index].a[(end - 1) * UNITS..end * UNITS];
                self.last[s * UNITS..(s + 1) * UNITS].copy_from_slice(h);
            }
        }
    }

    /// For the output layer `index`: the loss summed over the outputs, with each output's
    /// `∂L/∂z` (`∂L/∂a` unless `preactivation`) written where the backward pass reads it, and
    /// each output copied to `outputs` (as far as it reaches).
    #[allow(clippy::too_many_arguments)]
    pub fn output_deltas<L: Loss<OUT, T>, A: Activation<T>, const OUT: usize>(
        &mut self,
        index: usize,
        loss: &L,
        activation: &A,
        preactivation: bool,
        targets: &[L::Target],
        outputs: &mut [SVector<T, OUT>],
    ) -> T {
        let columns = self.outputs();
        let gathered = index == self.last_recurrent && !self.return_sequences;
        let layer = &mut self.layers[index];
        let (z, a, delta) = if gathered {
            let a = &self.last[..OUT * columns];
            (a, a, &mut self.last_delta[..OUT * columns])
        } else {
            let z = if preactivation { &layer.z } else { &layer.a };
            (
                &z[..OUT * columns],
                &layer.a[..OUT * columns],
                &mut layer.delta[..OUT * columns],
            )
        };
        let (z, a) = (vectors::<OUT, T>(z), vectors::<OUT, T>(a));
        let deltas = vectors_mut::<OUT, T>(delta);
        let mut total = T::zero();
        for (((z, a), y), delta) in z.iter().zip(a).zip(targets).zip(deltas) {
            total += loss.value_and_delta_into(activation, z, a, y, delta);
        }
        let n = columns.min(outputs.len());
        outputs[..n].copy_from_slice(&a[..n]);
        if gathered {
            self.scatter_last(index);
        }
        total
    }

    /// Spreads the gradient of the last recurrent layer's last outputs over its steps (zero at
    /// the other steps).
    fn scatter_last(&mut self, index: usize) {
        let units = self.layers[index].units;
        let delta = &mut self.layers[index].delta[..units * self.steps];
        delta.fill(T::zero());
        let mut end = 0;
        for (s, &len) in self.lengths.iter().enumerate() {
            end += len;
            delta[(end - 1) * units..end * units]
                .copy_from_slice(&self.last_delta[s * units..(s + 1) * units]);
        }
    }

    /// The input of layer `index`, its `z`, its `delta`, and where `∂L/∂input` goes (empty for
    /// the first layer).
    fn backward_buffers(&mut self, index: usize) -> (&[T], &[T], &[T], &mut [T]) {
        let columns = self.columns(index);
        let takes_last = self.takes_last(index);
        let (below, this) = self.layers.split_at_mut(index);
        let this = &this[0];
        let (input, dx): (&[T], &mut [T]) = match below.last_mut() {
            None => (&self.x[..self.features * self.steps], &mut []),
            Some(b) if takes_last => (
                &self.last[..b.units * columns],
                &mut self.last_delta[..b.units * columns],
            ),
            Some(b) => (&b.a[..b.units * columns], &mut b.delta[..b.units * columns]),
        };
        (
            input,
            &this.z[..this.trace * columns],
            &this.delta[..this.units * columns],
            dx,
        )
    }

    /// The backward pass of layer `index`, a layer applied at every column, from its `∂L/∂z`:
    /// writes `∂L/∂a` of the layer below.
    pub fn backward_layer<L: Layer<IN, OUT, T>, const IN: usize, const OUT: usize>(
        &mut self,
        layer: &L,
        index: usize,
        grad: &mut L::Gradient,
    ) {
        let takes_last = self.takes_last(index);
        let (input, z, delta, dx) = self.backward_buffers(index);
        layer.backward_batch(input, z, delta, grad, dx);
        if takes_last {
            self.scatter_last(index - 1);
        }
    }

    /// Backpropagation through time of the recurrent layer `index`, from `∂L/∂h` of every
    /// step: writes `∂L/∂a` of the layer below.
    pub fn backward_recurrent<L: Recurrent<IN, UNITS, T>, const IN: usize, const UNITS: usize>(
        &mut self,
        layer: &L,
        index: usize,
        grad: &mut L::Gradient,
    ) {
        let steps = self.steps;
        let (below, this) = self.layers.split_at_mut(index);
        let this = &this[0];
        let (input, dx): (&[T], &mut [T]) = match below.last_mut() {
            None => (&self.x[..self.features * steps], &mut []),
            Some(b) => (&b.a[..b.units * steps], &mut b.delta[..b.units * steps]),
        };
        layer.backward_sequences(
            input,
            &self.lengths,
            &this.z[..this.trace * steps],
            &this.a[..UNITS * steps],
            &this.delta[..UNITS * steps],
            grad,
            dx,
        );
    }

    /// [`backward_recurrent`](Self::backward_recurrent) after
    /// [`forward_recurrent_from`](Self::forward_recurrent_from) from the same states: the
    /// gradient stops at each sequence's initial state (truncated backpropagation through
    /// time).
    pub fn backward_recurrent_from<
        L: Recurrent<IN, UNITS, T>,
        S,
        const IN: usize,
        const UNITS: usize,
    >(
        &mut self,
        layer: &L,
        index: usize,
        states: &[S],
        state: impl Fn(&S) -> &L::State,
        grad: &mut L::Gradient,
    ) {
        let (steps, trace) = (self.steps, L::TRACE);
        let (below, this) = self.layers.split_at_mut(index);
        let this = &this[0];
        let (input, dx): (&[T], &mut [T]) = match below.last_mut() {
            None => (&self.x[..self.features * steps], &mut []),
            Some(b) => (&b.a[..b.units * steps], &mut b.delta[..b.units * steps]),
        };
        for ((start, len), initial) in crate::layer::spans(&self.lengths).zip(states) {
            let (columns, units) = (start..start + len, start * UNITS..(start + len) * UNITS);
            let dx = if dx.is_empty() {
                &mut []
            } else {
                &mut dx[columns.start * IN..columns.end * IN]
            };
            layer.backward_sequence_from(
                &input[columns.start * IN..columns.end * IN],
                state(initial),
                &this.z[columns.start * trace..columns.end * trace],
                &this.a[units.clone()],
                &this.delta[units],
                grad,
                dx,
            );
        }
    }

    /// The values that the residual block whose sum is layer `index` reads, the outputs of layer
    /// `skip` (the gathered last outputs of the last recurrent layer, after it; the batch's
    /// inputs for `None`), with the outputs of the block's last layer, and the sum's `z` and
    /// `a`.
    #[allow(clippy::type_complexity)]
    fn sum_buffers(
        &mut self,
        index: usize,
        skip: Option<usize>,
    ) -> (&[T], &[T], &mut [T], &mut [T]) {
        let columns = self.columns(index);
        let gathered = skip == Some(self.last_recurrent) && !self.return_sequences;
        let (below, this) = self.layers.split_at_mut(index);
        let this = &mut this[0];
        let skip: &[T] = match skip {
            None => &self.x[..self.features * self.steps],
            Some(s) if gathered => &self.last[..below[s].units * columns],
            Some(s) => &below[s].a[..below[s].units * columns],
        };
        let last = below.last().map_or(&[][..], |b| &b.a[..b.units * columns]);
        (
            skip,
            last,
            &mut this.z[..this.trace * columns],
            &mut this.a[..this.units * columns],
        )
    }

    /// The training pass of the sum of a residual block without projection, layer `index`:
    /// the block's input (see [`forward_projected_sum`](Self::forward_projected_sum)) plus its
    /// last layer's outputs.
    pub fn forward_sum(&mut self, index: usize, skip: Option<usize>) {
        let (skip, last, _, a) = self.sum_buffers(index, skip);
        a.copy_from_slice(skip);
        crate::generated::add_assign_slice(a, last);
    }

    /// The training pass of the sum of a `residual (project)` block, layer `index`: the
    /// projection `layer` of the block's input, the outputs of layer `skip` (the batch's inputs
    /// for `None`), plus the block's last layer's outputs.
    pub fn forward_projected_sum<L: Layer<IN, OUT, T>, const IN: usize, const OUT: usize>(
        &mut self,
        layer: &L,
        index: usize,
        skip: Option<usize>,
        grad: &mut L::Gradient,
    ) {
        let (skip, last, z, a) = self.sum_buffers(index, skip);
        layer.forward_batch(Mode::Inference, skip, z, a, grad);
        crate::generated::add_assign_slice(a, last);
    }

    /// The backward pass of the sum of a residual block without projection, layer `index`: the
    /// sum's delta goes on to the block's last layer as it is, and to the block's input (the
    /// outputs of layer `skip`), where [`add_skip_delta`](Self::add_skip_delta) adds it once
    /// the pass is through the block.
    pub fn backward_sum(&mut self, index: usize, skip: Option<usize>) {
        self.backward_sum_with(index, skip, |_, _, delta, skip_delta| {
            // Empty when the block reads the batch's inputs.
            let n = skip_delta.len();
            skip_delta.copy_from_slice(&delta[..n]);
        });
    }

    /// [`backward_sum`](Self::backward_sum) for a `residual (project)` block: the delta goes to
    /// the block's input through the projection `layer`, whose gradients it adds to `grad`.
    pub fn backward_projected_sum<L: Layer<IN, OUT, T>, const IN: usize, const OUT: usize>(
        &mut self,
        layer: &L,
        index: usize,
        skip: Option<usize>,
        grad: &mut L::Gradient,
    ) {
        self.backward_sum_with(index, skip, |skip, z, delta, skip_delta| {
            layer.backward_batch(skip, z, delta, grad, skip_delta);
        });
    }

    /// The backward pass of a sum, `through` taking the block's input, the sum's `z`, its
    /// delta and where the skip's delta goes.
    fn backward_sum_with(
        &mut self,
        index: usize,
        skip: Option<usize>,
        through: impl FnOnce(&[T], &[T], &[T], &mut [T]),
    ) {
        let columns = self.columns(index);
        let gathered = skip == Some(self.last_recurrent) && !self.return_sequences;
        let (below, this) = self.layers.split_at_mut(index);
        let this = &mut this[0];
        let n = this.units * columns;
        if let Some(last) = below.last_mut() {
            last.delta[..n].copy_from_slice(&this.delta[..n]);
        }
        // The batch's inputs have no delta: the projection's gradients alone are wanted.
        let (skip, skip_len): (&[T], usize) = match skip {
            None => (&self.x[..self.features * self.steps], 0),
            Some(s) if gathered => (
                &self.last[..below[s].units * columns],
                this.skip_units * columns,
            ),
            Some(s) => (
                &below[s].a[..below[s].units * columns],
                this.skip_units * columns,
            ),
        };
        through(
            skip,
            &this.z[..this.trace * columns],
            &this.delta[..n],
            &mut this.skip_delta[..skip_len],
        );
    }

    /// Adds the delta that the sum `sum` of a residual block sent through its skip to the delta
    /// of the block's input, layer `skip`, which the backward pass through the block's first
    /// layer has just written (nothing for `None`, the batch's inputs).
    pub fn add_skip_delta(&mut self, sum: usize, skip: Option<usize>) {
        let Some(s) = skip else {
            return;
        };
        let columns = self.columns(sum);
        let n = self.layers[sum].skip_units * columns;
        let gathered = s == self.last_recurrent && !self.return_sequences;
        let (below, this) = self.layers.split_at_mut(sum);
        let from = &this[0].skip_delta[..n];
        if gathered {
            crate::generated::add_assign_slice(&mut self.last_delta[..n], from);
            self.scatter_last(s);
        } else {
            crate::generated::add_assign_slice(&mut below[s].delta[..n], from);
        }
    }

    /// Turns `∂L/∂a` of layer `index`, a layer applied at every column, into its `∂L/∂z`.
    pub fn activation_backward<L: Layer<IN, OUT, T>, const IN: usize, const OUT: usize>(
        &mut self,
        layer: &L,
        index: usize,
    ) {
        let columns = self.columns(index);
        let b = &mut self.layers[index];
        let n = b.units * columns;
        layer.activation_backward_batch(&b.z[..n], &b.a[..n], &mut b.delta[..n]);
    }
}
