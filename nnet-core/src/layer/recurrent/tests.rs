//! Tests of the recurrent layers: gradients through time against central differences, the
//! streaming step against the training pass, and values computed by hand from the formulas.

use nalgebra::{SVector, vector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Gru, Lstm, Recurrent, SimpleRnn};
use crate::Initializer;
use crate::activation::Tanh;
use crate::layer::LayerGradient;

const IN: usize = 3;
const UNITS: usize = 4;
/// Sequences of different lengths, one of a single step.
const LENGTHS: [usize; 3] = [3, 1, 5];
/// Central-difference step on the f32 weights and inputs.
const EPS: f32 = 1e-2;
/// A gradient passes if `|analytic − numeric| ≤ ATOL + RTOL·|numeric|`.
const ATOL: f64 = 1e-4;
const RTOL: f64 = 1e-3;

/// A batch of sequences laid end to end, with the fixed weights `c` of the loss
/// `L = Σₜ Σᵤ c_{t,u} h_{t,u}`.
struct Batch {
    x: Vec<f32>,
    lengths: Vec<usize>,
    c: Vec<f32>,
}

impl Batch {
    fn random(rng: &mut ChaCha8Rng) -> Self {
        let steps: usize = LENGTHS.iter().sum();
        Self {
            x: (0..steps * IN)
                .map(|_| rng.random_range(-1.0..1.0))
                .collect(),
            lengths: LENGTHS.to_vec(),
            c: (0..steps * UNITS)
                .map(|_| rng.random_range(-1.0..1.0))
                .collect(),
        }
    }

    /// The same batch with the loss on each sequence's last output only (many-to-one).
    fn last_steps_only(mut self) -> Self {
        let mut end = 0;
        let mut keep = vec![false; self.c.len() / UNITS];
        for &len in &self.lengths {
            end += len;
            keep[end - 1] = true;
        }
        for (c, keep) in self.c.chunks_mut(UNITS).zip(keep) {
            if !keep {
                c.fill(0.0);
            }
        }
        self
    }
}

/// Every weight of `layer` drawn from U(−0.6, 0.6), biases included, so that every term of the
/// gradient matters.
fn randomized<L: Recurrent<IN, UNITS>>(mut layer: L, rng: &mut ChaCha8Rng) -> L {
    for k in 0..L::TENSORS {
        for v in layer.tensor_mut(k) {
            *v = rng.random_range(-0.6..0.6);
        }
    }
    layer
}

/// The training pass's `(trace, h)`.
fn forward<L: Recurrent<I, U>, const I: usize, const U: usize>(
    layer: &L,
    x: &[f32],
    lengths: &[usize],
) -> (Vec<f32>, Vec<f32>) {
    let steps: usize = lengths.iter().sum();
    let mut trace = vec![f32::NAN; steps * L::TRACE];
    let mut h = vec![f32::NAN; steps * U];
    layer.forward_sequences(x, lengths, &mut trace, &mut h);
    (trace, h)
}

/// `L = Σ c h` from the training pass, accumulated in f64.
fn loss<L: Recurrent<IN, UNITS>>(layer: &L, x: &[f32], batch: &Batch) -> f64 {
    let (_, h) = forward(layer, x, &batch.lengths);
    h.iter()
        .zip(&batch.c)
        .map(|(&h, &c)| f64::from(h) * f64::from(c))
        .sum()
}

/// `L = Σ c h` from the streaming `step`, each sequence from the default state.
fn streamed_loss<L: Recurrent<IN, UNITS>>(layer: &L, x: &[f32], batch: &Batch) -> f64 {
    let mut steps = x.chunks(IN).zip(batch.c.chunks(UNITS));
    let mut sum = 0.0;
    for &len in &batch.lengths {
        let mut state = L::State::default();
        for (x, c) in steps.by_ref().take(len) {
            layer.step(&mut state, &SVector::from_column_slice(x));
            let h = L::output(&state);
            sum += h
                .iter()
                .zip(c)
                .map(|(&h, &c)| f64::from(h) * f64::from(c))
                .sum::<f64>();
        }
    }
    sum
}

/// `∂L/∂v` at the f32 value `v` by central differences of `loss`, divided by the step actually
/// taken in f32.
fn central_difference(v: f32, mut loss: impl FnMut(f32) -> f64) -> f64 {
    let (hi, lo) = (v + EPS, v - EPS);
    (loss(hi) - loss(lo)) / (f64::from(hi) - f64::from(lo))
}

/// How far the analytic gradient is from the numeric one, in units of the tolerance: the
/// largest `|a − n| / (ATOL + RTOL·|n|)`. Passing means at most 1.
fn error(analytic: &[f32], numeric: &[f64]) -> f64 {
    analytic
        .iter()
        .zip(numeric)
        .map(|(&a, &n)| (f64::from(a) - n).abs() / (ATOL + RTOL * n.abs()))
        .fold(0.0, f64::max)
}

/// The worst error of `backward_sequences`' gradients (every tensor and `dx`), with the
/// backward pass given `backward_lengths`, against central differences of `loss`.
fn gradient_error<L: Recurrent<IN, UNITS>>(
    layer: &L,
    batch: &Batch,
    backward_lengths: &[usize],
    loss: fn(&L, &[f32], &Batch) -> f64,
) -> f64 {
    let (trace, h) = forward(layer, &batch.x, &batch.lengths);
    let mut grad = L::Gradient::zeroed();
    let mut dx = vec![f32::NAN; batch.x.len()];
    layer.backward_sequences(
        &batch.x,
        backward_lengths,
        &trace,
        &h,
        &batch.c,
        &mut grad,
        &mut dx,
    );

    let mut worst: f64 = 0.0;
    let mut probe = layer.clone();
    for k in 0..L::TENSORS {
        let numeric: Vec<f64> = (0..probe.tensor(k).len())
            .map(|j| {
                let v0 = probe.tensor(k)[j];
                central_difference(v0, |v| {
                    probe.tensor_mut(k)[j] = v;
                    let l = loss(&probe, &batch.x, batch);
                    probe.tensor_mut(k)[j] = v0;
                    l
                })
            })
            .collect();
        worst = worst.max(error(grad.tensor(k), &numeric));
    }
    let mut x = batch.x.clone();
    let numeric: Vec<f64> = (0..x.len())
        .map(|j| {
            let v0 = x[j];
            central_difference(v0, |v| {
                x[j] = v;
                let l = loss(layer, &x, batch);
                x[j] = v0;
                l
            })
        })
        .collect();
    worst.max(error(&dx, &numeric))
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn simple_rnn(rng: &mut ChaCha8Rng) -> SimpleRnn<IN, UNITS, Tanh> {
    randomized(SimpleRnn::zeroed(Tanh), rng)
}
fn gru(rng: &mut ChaCha8Rng) -> Gru<IN, UNITS> {
    randomized(Gru::zeroed(), rng)
}
fn lstm(rng: &mut ChaCha8Rng) -> Lstm<IN, UNITS> {
    randomized(Lstm::zeroed(), rng)
}

/// Checks a kind's gradients through time, and that the check has teeth: backpropagation cut
/// after the first two steps of the last sequence (the terms through time dropped there, as
/// truncated BPTT would) misses by a large factor (300 to 1100 tolerances here, where the
/// true gradient is within 0.25).
fn check_gradients<L: Recurrent<IN, UNITS>>(layer: &L, batch: &Batch) {
    let err = gradient_error(layer, batch, &batch.lengths, loss);
    assert!(err <= 1.0, "{:?}: off by {err} tolerances", L::KIND);
    let cut = gradient_error(layer, batch, &[3, 1, 2, 3], loss);
    assert!(
        cut > 30.0,
        "{:?}: a dropped term is only off by {cut} tolerances",
        L::KIND
    );
}

#[test]
fn simple_rnn_gradients_through_time_match_central_differences() {
    let mut rng = rng(1);
    check_gradients(&simple_rnn(&mut rng), &Batch::random(&mut rng));
}

#[test]
fn gru_gradients_through_time_match_central_differences() {
    let mut rng = rng(2);
    check_gradients(&gru(&mut rng), &Batch::random(&mut rng));
}

#[test]
fn lstm_gradients_through_time_match_central_differences() {
    let mut rng = rng(3);
    check_gradients(&lstm(&mut rng), &Batch::random(&mut rng));
}

/// A `dh` that is zero except at each sequence's last step gives the gradient of the
/// many-to-one loss, which is here computed with the streaming `step`.
#[test]
fn last_step_only_dh_is_the_many_to_one_gradient() {
    let mut rng = rng(4);
    let batch = Batch::random(&mut rng).last_steps_only();
    let lengths = batch.lengths.clone();
    let errors = [
        gradient_error(&simple_rnn(&mut rng), &batch, &lengths, streamed_loss),
        gradient_error(&gru(&mut rng), &batch, &lengths, streamed_loss),
        gradient_error(&lstm(&mut rng), &batch, &lengths, streamed_loss),
    ];
    assert!(errors.iter().all(|&e| e <= 1.0), "{errors:?}");
}

/// `step` from the default state gives the training pass's outputs bit for bit.
fn check_step_matches_forward<L: Recurrent<IN, UNITS>>(layer: &L, batch: &Batch) {
    let (_, h) = forward(layer, &batch.x, &batch.lengths);
    let mut steps = batch.x.chunks(IN).zip(h.chunks(UNITS));
    for &len in &batch.lengths {
        let mut state = L::State::default();
        for (x, h) in steps.by_ref().take(len) {
            layer.step(&mut state, &SVector::from_column_slice(x));
            assert_eq!(L::output(&state).as_slice(), h, "{:?}", L::KIND);
        }
    }
}

#[test]
fn step_matches_forward_sequences() {
    let mut rng = rng(5);
    let batch = Batch::random(&mut rng);
    check_step_matches_forward(&simple_rnn(&mut rng), &batch);
    check_step_matches_forward(&gru(&mut rng), &batch);
    check_step_matches_forward(&lstm(&mut rng), &batch);
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The inputs of the hand-computed cases, one sequence of one input.
const XS: [f64; 4] = [0.5, -1.0, 2.0, 0.25];

/// Asserts that both the training pass and `step` give `expected` (one unit, one sequence).
fn check_one_unit<L: Recurrent<1, 1>>(layer: &L, expected: &[f64]) {
    let x: Vec<f32> = XS.iter().map(|&x| x as f32).collect();
    let (_, h) = forward(layer, &x, &[x.len()]);
    let mut state = L::State::default();
    for ((&x, &h), &want) in x.iter().zip(&h).zip(expected) {
        layer.step(&mut state, &vector![x]);
        for got in [h, L::output(&state)[0]] {
            assert!(
                (f64::from(got) - want).abs() < 1e-6,
                "{:?}: {got} ≠ {want}",
                L::KIND
            );
        }
    }
}

#[test]
fn simple_rnn_one_unit_by_hand() {
    let mut rnn: SimpleRnn<1, 1, Tanh> = SimpleRnn::zeroed(Tanh);
    let (w, u, b) = (0.8, -0.6, 0.1);
    rnn.weights.kernel[0][0][0] = w as f32;
    rnn.weights.recurrent_kernel[0][0][0] = u as f32;
    rnn.weights.bias[0][0][0] = b as f32;
    let mut h = 0.0_f64;
    let expected: Vec<f64> = XS
        .iter()
        .map(|&x| {
            h = (x * w + h * u + b).tanh();
            h
        })
        .collect();
    // The first step by hand: tanh(0.5 · 0.8 + 0.1) = tanh 0.5.
    assert!((expected[0] - 0.462_117_157_260_009_8).abs() < 1e-12);
    check_one_unit(&rnn, &expected);
}

#[test]
fn gru_one_unit_by_hand() {
    // Gates z, r, h; bias row 0 input, row 1 recurrent.
    let w = [0.5, -0.3, 0.8];
    let u = [0.2, 0.4, -0.6];
    let b_in = [0.1, -0.2, 0.05];
    let b_rec = [-0.1, 0.3, 0.2];
    let mut gru: Gru<1, 1> = Gru::zeroed();
    for g in 0..3 {
        gru.weights.kernel[0][g][0] = w[g] as f32;
        gru.weights.recurrent_kernel[0][g][0] = u[g] as f32;
        gru.weights.bias[0][g][0] = b_in[g] as f32;
        gru.weights.bias[1][g][0] = b_rec[g] as f32;
    }
    let mut h = 0.0_f64;
    let expected: Vec<f64> = XS
        .iter()
        .map(|&x| {
            let z = sigmoid(x * w[0] + b_in[0] + h * u[0] + b_rec[0]);
            let r = sigmoid(x * w[1] + b_in[1] + h * u[1] + b_rec[1]);
            let hh = (x * w[2] + b_in[2] + r * (h * u[2] + b_rec[2])).tanh();
            h = z * h + (1.0 - z) * hh;
            h
        })
        .collect();
    // The first step by hand, from h = 0: z = σ(0.25 + 0.1 − 0.1), r = σ(−0.15 − 0.2 + 0.3),
    // ĥ = tanh(0.4 + 0.05 + r · 0.2), h = (1 − z) ĥ.
    let (z, r) = (sigmoid(0.25), sigmoid(-0.05));
    assert!((expected[0] - (1.0 - z) * (0.45 + 0.2 * r).tanh()).abs() < 1e-12);
    check_one_unit(&gru, &expected);
}

#[test]
fn lstm_one_unit_by_hand() {
    // Gates i, f, c, o.
    let w = [0.5, -0.3, 0.8, 0.2];
    let u = [0.2, 0.4, -0.6, 0.7];
    let b = [0.1, 1.0, 0.05, -0.2];
    let mut lstm: Lstm<1, 1> = Lstm::zeroed();
    for g in 0..4 {
        lstm.weights.kernel[0][g][0] = w[g] as f32;
        lstm.weights.recurrent_kernel[0][g][0] = u[g] as f32;
        lstm.weights.bias[0][g][0] = b[g] as f32;
    }
    let (mut h, mut c) = (0.0_f64, 0.0_f64);
    let expected: Vec<f64> = XS
        .iter()
        .map(|&x| {
            let a = |g: usize| x * w[g] + h * u[g] + b[g];
            let (i, f, g, o) = (sigmoid(a(0)), sigmoid(a(1)), a(2).tanh(), sigmoid(a(3)));
            c = f * c + i * g;
            h = o * c.tanh();
            h
        })
        .collect();
    // The first step by hand, from c = 0: c = σ(0.35) tanh(0.45), h = σ(−0.1) tanh c.
    let c1 = sigmoid(0.35) * 0.45_f64.tanh();
    assert!((expected[0] - sigmoid(-0.1) * c1.tanh()).abs() < 1e-12);
    check_one_unit(&lstm, &expected);
}

/// Keras's `unit_forget_bias`: `[bias_init(U), ones(U), bias_init(2U)]`, each draw with its
/// own fans (visible in glorot_uniform's limit, √(6 / 2U) for `i`, √(6 / 4U) for `c`, `o`).
#[test]
fn lstm_initialized_sets_the_forget_bias_to_one() {
    let lstm: Lstm<IN, 64> = Lstm::initialized(
        Initializer::Zeros,
        Initializer::Zeros,
        Initializer::GlorotUniform,
        &mut rng(6),
    );
    let [b_i, b_f, b_c, b_o] = lstm.weights.bias[0];
    assert_eq!(b_f, SVector::<f32, 64>::repeat(1.0));
    let (limit_i, limit_co) = ((6.0_f32 / 128.0).sqrt(), (6.0_f32 / 256.0).sqrt());
    assert!(
        b_i.amax() <= limit_i && b_i.amax() > limit_co,
        "{}",
        b_i.amax()
    );
    assert!(b_c.amax().max(b_o.amax()) <= limit_co);
}

/// Keras draws a GRU's bias as a `[2, 3U]` matrix: glorot_uniform's limit is √(6 / (2 + 3U)).
#[test]
fn gru_initialized_draws_the_bias_as_one_matrix() {
    let gru: Gru<IN, 64> = Gru::initialized(
        Initializer::Zeros,
        Initializer::Zeros,
        Initializer::GlorotUniform,
        &mut rng(8),
    );
    let limit = (6.0_f32 / 194.0).sqrt();
    let amax = gru
        .weights
        .bias
        .iter()
        .flatten()
        .map(|b| b.amax())
        .fold(0.0, f32::max);
    assert!(amax <= limit && amax > 0.9 * limit, "{amax} vs {limit}");
}

#[test]
fn lstm_initialized_draws_the_other_bias_blocks() {
    let lstm: Lstm<IN, UNITS> = Lstm::initialized(
        Initializer::GlorotUniform,
        Initializer::Orthogonal,
        Initializer::Uniform,
        &mut rng(6),
    );
    let [b_i, b_f, b_c, b_o] = lstm.weights.bias[0];
    assert_eq!(b_f, SVector::<f32, UNITS>::repeat(1.0));
    for b in [b_i, b_c, b_o] {
        assert!(b.iter().all(|&b| b.abs() <= 0.05 && b != 0.0), "{b:?}");
    }
}

#[test]
fn non_finite_values_do_not_panic() {
    let mut rng = rng(7);
    let batch = Batch::random(&mut rng);
    let mut x = batch.x.clone();
    x[0] = f32::NAN;
    x[4] = f32::INFINITY;
    x[8] = f32::NEG_INFINITY;
    fn run<L: Recurrent<IN, UNITS>>(mut layer: L, x: &[f32], batch: &Batch) {
        layer.tensor_mut(1)[0] = f32::INFINITY;
        layer.tensor_mut(2)[1] = f32::NAN;
        let mut state = L::State::default();
        for x in x.chunks(IN) {
            layer.step(&mut state, &SVector::from_column_slice(x));
        }
        let (trace, h) = forward(&layer, x, &batch.lengths);
        let mut grad = L::Gradient::zeroed();
        let mut dx = vec![0.0; x.len()];
        layer.backward_sequences(x, &batch.lengths, &trace, &h, &batch.c, &mut grad, &mut dx);
    }
    run(simple_rnn(&mut rng), &x, &batch);
    run(gru(&mut rng), &x, &batch);
    run(lstm(&mut rng), &x, &batch);
}

/// Weights built in place on the heap are those built inline, bit for bit, for every kind.
#[test]
fn heap_weights_are_drawn_as_inline_ones() {
    use super::{HeapRecurrentWeights, RecurrentWeights};
    let draw = || ChaCha8Rng::seed_from_u64(11);
    let (init, recurrent, bias) = (
        Initializer::GlorotUniform,
        Initializer::Orthogonal,
        Initializer::HeNormal,
    );
    let inline: Lstm<IN, UNITS> = Lstm::initialized(init, recurrent, bias, &mut draw());
    let heap: Lstm<IN, UNITS, HeapRecurrentWeights<IN, UNITS, 4, 1>> =
        Lstm::initialized(init, recurrent, bias, &mut draw());
    let same = |a: &RecurrentWeights<IN, UNITS, 4, 1>,
                b: &HeapRecurrentWeights<IN, UNITS, 4, 1>| {
        (0..3).all(|i| a.tensor(i) == LayerGradient::tensor(b, i))
    };
    assert!(same(&inline.weights, &heap.weights));
    let inline: Gru<IN, UNITS> = Gru::initialized(init, recurrent, bias, &mut draw());
    let heap: Gru<IN, UNITS, HeapRecurrentWeights<IN, UNITS, 3, 2>> =
        Gru::initialized(init, recurrent, bias, &mut draw());
    assert_eq!(inline.weights.kernel, *heap.weights.kernel);
    assert_eq!(
        inline.weights.recurrent_kernel,
        *heap.weights.recurrent_kernel
    );
    assert_eq!(inline.weights.bias, *heap.weights.bias);
    let inline: SimpleRnn<IN, UNITS, Tanh> =
        SimpleRnn::initialized(Tanh, init, recurrent, bias, &mut draw());
    let heap: SimpleRnn<IN, UNITS, Tanh, HeapRecurrentWeights<IN, UNITS, 1, 1>> =
        SimpleRnn::initialized(Tanh, init, recurrent, bias, &mut draw());
    assert_eq!(
        inline.weights.recurrent_kernel,
        *heap.weights.recurrent_kernel
    );
    assert_eq!(heap.clone(), heap);
}

/// The large storage (state and step buffers on the heap, for layers of more than 1,024
/// units) computes what the inline layers compute, bit for bit: the streaming step, the
/// training pass (trace and outputs) and backpropagation through time (every gradient and
/// `dx`), here at a size both can have.
mod large {
    use super::*;
    use crate::layer::LargeRecurrentWeights;

    /// `large` holds `inline`'s weights; both give the same steps, passes and gradients.
    fn check_same<A, B>(inline: &A, large: &mut B, batch: &Batch)
    where
        A: Recurrent<IN, UNITS>,
        B: Recurrent<IN, UNITS>,
    {
        for k in 0..A::TENSORS {
            large.tensor_mut(k).copy_from_slice(inline.tensor(k));
        }
        assert_eq!(A::TRACE, B::TRACE);
        assert_eq!(A::TRAINABLE, B::TRAINABLE);
        // Steps, and a reset in place back to the zero state.
        let (mut a, mut b) = (A::State::default(), B::State::default());
        for (t, x) in batch.x.chunks(IN).enumerate() {
            let x = SVector::from_column_slice(x);
            inline.step(&mut a, &x);
            large.step(&mut b, &x);
            assert_eq!(A::output(&a), B::output(&b), "{:?} step {t}", A::KIND);
        }
        B::reset(&mut b);
        assert_eq!(B::output(&b).sum(), 0.0);
        assert_eq!(b, B::State::default());
        // A clone is equal, and steps on as the original does.
        let mut c = b.clone();
        let x = SVector::from_column_slice(&batch.x[..IN]);
        large.step(&mut b, &x);
        large.step(&mut c, &x);
        assert_eq!(b, c);
        // The training pass, and backpropagation through time.
        let (trace_a, h_a) = forward(inline, &batch.x, &batch.lengths);
        let (trace_b, h_b) = forward(&*large, &batch.x, &batch.lengths);
        assert_eq!(trace_a, trace_b, "{:?}", A::KIND);
        assert_eq!(h_a, h_b, "{:?}", A::KIND);
        let (mut grad_a, mut grad_b) = (A::Gradient::zeroed(), B::Gradient::zeroed());
        let (mut dx_a, mut dx_b) = (vec![0.0; batch.x.len()], vec![0.0; batch.x.len()]);
        let lengths = &batch.lengths;
        inline.backward_sequences(
            &batch.x,
            lengths,
            &trace_a,
            &h_a,
            &batch.c,
            &mut grad_a,
            &mut dx_a,
        );
        large.backward_sequences(
            &batch.x,
            lengths,
            &trace_b,
            &h_b,
            &batch.c,
            &mut grad_b,
            &mut dx_b,
        );
        for k in 0..A::TENSORS {
            assert_eq!(
                grad_a.tensor(k),
                grad_b.tensor(k),
                "{:?} tensor {k}",
                A::KIND
            );
        }
        assert_eq!(dx_a, dx_b, "{:?}", A::KIND);
        // Without `dx`, the same gradients.
        let mut grad_c = B::Gradient::zeroed();
        large.backward_sequences(
            &batch.x,
            lengths,
            &trace_b,
            &h_b,
            &batch.c,
            &mut grad_c,
            &mut [],
        );
        assert!((0..A::TENSORS).all(|k| grad_c.tensor(k) == grad_b.tensor(k)));
        from_a_state(inline, large, batch);
    }

    /// One sequence from a state reached by stepping (stateful training's pass): the same
    /// trace, outputs, final state and gradients.
    fn from_a_state<A, B>(inline: &A, large: &B, batch: &Batch)
    where
        A: Recurrent<IN, UNITS>,
        B: Recurrent<IN, UNITS>,
    {
        let (mut a, mut b) = (A::State::default(), B::State::default());
        for x in batch.x.chunks(IN).take(3) {
            let x = SVector::from_column_slice(x);
            inline.step(&mut a, &x);
            large.step(&mut b, &x);
        }
        let len = batch.lengths[0];
        let x = &batch.x[..len * IN];
        let (mut trace_a, mut h_a) = (vec![0.0; len * A::TRACE], vec![0.0; len * UNITS]);
        let (mut trace_b, mut h_b) = (trace_a.clone(), h_a.clone());
        inline.forward_sequence_from(x, &a, &mut trace_a, &mut h_a);
        large.forward_sequence_from(x, &b, &mut trace_b, &mut h_b);
        assert_eq!((&trace_a, &h_a), (&trace_b, &h_b), "{:?}", A::KIND);
        // Not the pass from the zero state.
        let (zero_trace, zero_h) = forward(inline, x, &[len]);
        assert_ne!(zero_h, h_a, "{:?}", A::KIND);
        assert_eq!(zero_trace.len(), trace_a.len());
        let (mut final_a, mut final_b) = (A::State::default(), B::State::default());
        inline.final_state(x, &mut final_a, &trace_a, &h_a);
        large.final_state(x, &mut final_b, &trace_b, &h_b);
        // The whole state (an LSTM's cell too): the next step agrees.
        let next = SVector::from_column_slice(&batch.x[..IN]);
        inline.step(&mut final_a, &next);
        large.step(&mut final_b, &next);
        assert_eq!(A::output(&final_a), B::output(&final_b), "{:?}", A::KIND);
        let (mut grad_a, mut grad_b) = (A::Gradient::zeroed(), B::Gradient::zeroed());
        let (mut dx_a, mut dx_b) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        let dh = &batch.c[..len * UNITS];
        inline.backward_sequence_from(x, &a, &trace_a, &h_a, dh, &mut grad_a, &mut dx_a);
        large.backward_sequence_from(x, &b, &trace_b, &h_b, dh, &mut grad_b, &mut dx_b);
        for k in 0..A::TENSORS {
            assert_eq!(
                grad_a.tensor(k),
                grad_b.tensor(k),
                "{:?} tensor {k}",
                A::KIND
            );
        }
        assert_eq!(dx_a, dx_b, "{:?}", A::KIND);
    }

    #[test]
    fn large_layers_compute_what_inline_layers_compute() {
        let mut rng = rng(21);
        let batch = Batch::random(&mut rng);
        let mut large: SimpleRnn<IN, UNITS, Tanh, LargeRecurrentWeights<IN, UNITS, 1, 1>> =
            SimpleRnn::zeroed(Tanh);
        check_same(&simple_rnn(&mut rng), &mut large, &batch);
        let mut large: Gru<IN, UNITS, LargeRecurrentWeights<IN, UNITS, 3, 2>> = Gru::zeroed();
        check_same(&gru(&mut rng), &mut large, &batch);
        let mut large: Lstm<IN, UNITS, LargeRecurrentWeights<IN, UNITS, 4, 1>> = Lstm::zeroed();
        check_same(&lstm(&mut rng), &mut large, &batch);
    }

    /// The large layers' gradients through time against central differences, with the check's
    /// teeth (a dropped term through time is seen).
    #[test]
    fn large_layer_gradients_match_central_differences() {
        let mut rng = rng(22);
        let batch = Batch::random(&mut rng);
        let rnn: SimpleRnn<IN, UNITS, Tanh, LargeRecurrentWeights<IN, UNITS, 1, 1>> =
            randomized(SimpleRnn::zeroed(Tanh), &mut rng);
        check_gradients(&rnn, &batch);
        let gru: Gru<IN, UNITS, LargeRecurrentWeights<IN, UNITS, 3, 2>> =
            randomized(Gru::zeroed(), &mut rng);
        check_gradients(&gru, &batch);
        let lstm: Lstm<IN, UNITS, LargeRecurrentWeights<IN, UNITS, 4, 1>> =
            randomized(Lstm::zeroed(), &mut rng);
        check_gradients(&lstm, &batch);
    }

    /// Building, stepping and resetting large layers needs no stack for their vectors: at 2,048
    /// units, on a thread of 64 KiB, less than the vectors of one inline step (an inline LSTM
    /// step copies its bias and its four gates, 32 KiB each, beside a 16 KiB state).
    #[test]
    fn large_layers_step_on_a_tiny_stack() {
        const U: usize = 2048;
        // Unoptimized code of the AVX-512 products (`-C target-cpu=native` on such a CPU: blocks
        // of up to 16 registers of 16 lanes, copied around by a debug build) needs more than 64
        // KiB of stack on its own, whatever the layer's size.
        const STACK: usize = if cfg!(all(debug_assertions, target_feature = "avx512f")) {
            256 << 10
        } else {
            64 << 10
        };
        let stepped = std::thread::Builder::new()
            .stack_size(STACK)
            .spawn(|| {
                let x = SVector::<f32, 1>::from_element(0.5);
                let mut rnn: SimpleRnn<1, U, Tanh, LargeRecurrentWeights<1, U, 1, 1>> =
                    SimpleRnn::zeroed(Tanh);
                rnn.weights.kernel[0][0][U - 1] = 1.0;
                let mut state = <_ as Default>::default();
                rnn.step(&mut state, &x);
                let rnn_h = state.h[U - 1];
                let mut gru: Gru<1, U, LargeRecurrentWeights<1, U, 3, 2>> = Gru::zeroed();
                gru.weights.bias[0][2][0] = 1.0;
                let mut state = <_ as Default>::default();
                gru.step(&mut state, &x);
                let gru_h = state.h[0];
                <Gru<1, U, LargeRecurrentWeights<1, U, 3, 2>> as Recurrent<1, U>>::reset(
                    &mut state,
                );
                assert_eq!(state.h[0], 0.0);
                let mut lstm: Lstm<1, U, LargeRecurrentWeights<1, U, 4, 1>> = Lstm::zeroed();
                lstm.weights.bias[0][2][U - 1] = 1.0;
                let mut state = <_ as Default>::default();
                lstm.step(&mut state, &x);
                (rnn_h, gru_h, state.h[U - 1], state.c[U - 1])
            })
            .expect("spawn")
            .join()
            .expect("the thread must not overflow its stack");
        // By hand: tanh(0.5); (1 − ½) tanh(1); c = ½ tanh(1), h = ½ tanh(c).
        let t1 = 1.0_f32.tanh();
        assert!((stepped.0 - 0.5_f32.tanh()).abs() < 1e-6);
        assert!((stepped.1 - 0.5 * t1).abs() < 1e-6);
        assert!((stepped.3 - 0.5 * t1).abs() < 1e-6);
        assert!((stepped.2 - 0.5 * (0.5 * t1).tanh()).abs() < 1e-6);
    }

    /// A state's heap bytes: `h` (and `c`) and the buffers of a step, as the layer reports them.
    #[test]
    fn heap_state_bytes() {
        type Rnn = SimpleRnn<1, 2048, Tanh, LargeRecurrentWeights<1, 2048, 1, 1>>;
        type G = Gru<1, 2048, LargeRecurrentWeights<1, 2048, 3, 2>>;
        type L = Lstm<1, 2048, LargeRecurrentWeights<1, 2048, 4, 1>>;
        assert_eq!(<Rnn as Recurrent<1, 2048>>::HEAP_STATE_BYTES, 2 * 2048 * 4);
        assert_eq!(<G as Recurrent<1, 2048>>::HEAP_STATE_BYTES, 8 * 2048 * 4);
        assert_eq!(<L as Recurrent<1, 2048>>::HEAP_STATE_BYTES, 6 * 2048 * 4);
        assert_eq!(<Gru<1, 4> as Recurrent<1, 4>>::HEAP_STATE_BYTES, 0);
    }
}
