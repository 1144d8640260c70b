//! Batched passes (matrix–matrix products through a workspace) agree with the per-sample
//! passes: outputs, loss and every gradient.

use nnet::loss::{CategoricalCrossentropy, MeanSquaredError};
// The per-sample loops that generated code falls back on, as the reference for batched passes.
use nnet::__private::{accumulate_each, forward_each};
use nnet::{Network, Parameters, SVector};

nnet::network! {
    /// Wide enough to take the batched path, with a ragged width and a softmax output.
    struct Wide { input 3; dense 64 tanh; dense 70 relu; dense 5 softmax; }
}
nnet::network! {
    struct Deep { input 4; dense 32 elu; dense 130 gelu; dense 33 leaky_relu; dense 2; }
}

fn inputs<const N: usize>(count: usize) -> Vec<SVector<f32, N>> {
    (0..count)
        .map(|s| SVector::from_fn(|i, _| ((s * 31 + i * 17) % 23) as f32 / 11.5 - 1.0))
        .collect()
}

fn close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            approx::relative_eq!(x, y, epsilon = 1e-5, max_relative = 1e-5),
            "{what}[{i}]: {x} vs {y}"
        );
    }
}

#[test]
fn batched_forward_equals_per_sample() {
    assert!(nnet::batch::prefers_batches(
        <Wide as nnet::Architecture>::LAYERS
    ));
    let net = Wide::seeded(3);
    let xs = inputs::<3>(37);
    let mut want = vec![SVector::zeros(); 37];
    forward_each(&net, &xs, &mut want);

    let mut got = vec![SVector::zeros(); 37];
    net.forward_batch(&xs, &mut got);
    close(
        nnet::batch::flat(&got),
        nnet::batch::flat(&want),
        "forward_batch",
    );

    // Chunks of a small workspace, the last one partial.
    let mut workspace = net.workspace(8);
    let mut short = vec![SVector::zeros(); 30];
    net.forward_batch_with(&mut workspace, &xs[..30], &mut short);
    close(
        nnet::batch::flat(&short),
        nnet::batch::flat(&want[..30]),
        "chunks",
    );
    assert_eq!(net.predict(&xs).len(), 37);
}

#[test]
fn batched_gradients_equal_per_sample() {
    let net = Wide::seeded(4);
    let xs = inputs::<3>(45);
    let ys: Vec<SVector<f32, 5>> = (0..45)
        .map(|s| SVector::from_fn(|i, _| f32::from(u8::from(i == s % 5))))
        .collect();
    let loss = CategoricalCrossentropy;

    let mut want = net.zero_gradients();
    let mut want_out = vec![SVector::zeros(); 45];
    let want_loss = accumulate_each(&net, &xs, &ys, &loss, &mut want, &mut want_out);

    let mut workspace = net.workspace(16);
    let mut got = net.zero_gradients();
    let mut got_out = vec![SVector::zeros(); 45];
    let got_loss = net.accumulate_batch(&mut workspace, &xs, &ys, &loss, &mut got, &mut got_out);

    assert!(
        (got_loss - want_loss).abs() < 1e-4 * want_loss.abs(),
        "{got_loss} {want_loss}"
    );
    close(
        nnet::batch::flat(&got_out),
        nnet::batch::flat(&want_out),
        "outputs",
    );
    for t in 0..<Wide as Parameters>::TENSORS {
        let name = <Wide as Parameters>::tensor_info(t).unwrap().name();
        close(got.tensor(t), want.tensor(t), &name);
    }
}

#[test]
fn deeper_network_with_other_activations() {
    let net = Deep::seeded(5);
    let xs = inputs::<4>(20);
    let ys: Vec<SVector<f32, 2>> = inputs::<2>(20);
    let mut want = net.zero_gradients();
    let mut want_out = vec![SVector::zeros(); 20];
    accumulate_each(&net, &xs, &ys, &MeanSquaredError, &mut want, &mut want_out);

    let mut workspace = net.workspace(20);
    let mut got = net.zero_gradients();
    net.accumulate_batch(
        &mut workspace,
        &xs,
        &ys,
        &MeanSquaredError,
        &mut got,
        &mut [],
    );
    for t in 0..<Deep as Parameters>::TENSORS {
        close(got.tensor(t), want.tensor(t), "gradient");
    }
}

nnet::network! {
    /// Small: one sample at a time, the whole batch in one SIMD dispatch.
    struct Small { input 3; dense 20 tanh; dense 9 relu; dense 2 sigmoid; }
}

#[test]
fn small_networks_accumulate_as_each_sample_alone() {
    let net = Small::seeded(6);
    assert!(!nnet::batch::prefers_batches(
        <Small as nnet::Architecture>::LAYERS
    ));
    let xs = inputs::<3>(30);
    let ys: Vec<SVector<f32, 2>> = inputs::<2>(30).iter().map(|y| y.map(f32::abs)).collect();
    let loss = nnet::loss::BinaryCrossentropy;
    let mut want = net.zero_gradients();
    let mut want_out = vec![SVector::zeros(); 30];
    let want_loss = accumulate_each(&net, &xs, &ys, &loss, &mut want, &mut want_out);
    let mut got = net.zero_gradients();
    let mut got_out = vec![SVector::zeros(); 30];
    let got_loss = net.accumulate_batch(
        &mut net.workspace(8),
        &xs,
        &ys,
        &loss,
        &mut got,
        &mut got_out,
    );
    assert_eq!(got_loss, want_loss);
    assert_eq!(got_out, want_out);
    assert_eq!(got, want);

    let mut outputs = vec![SVector::zeros(); 30];
    net.forward_batch(&xs, &mut outputs);
    let each: Vec<_> = xs.iter().map(|x| net.forward(x)).collect();
    assert_eq!(outputs, each);
}

/// Outputs and inputs of different lengths are a caller's mistake: `forward_batch` and
/// `forward_batch_with` panic (as `copy_from_slice` does) instead of filling what fits, on the
/// batched and on the per-sample path, whichever slice is the shorter.
#[test]
fn forward_batch_panics_on_a_length_mismatch() {
    fn panics(f: impl FnOnce()) -> String {
        let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .expect_err("a length mismatch must panic");
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    }
    fn check<N: Network<3, OUT>, const OUT: usize>(net: &N) {
        let xs = inputs::<3>(5);
        for outputs in [4, 6] {
            let mut ys = vec![SVector::<f32, OUT>::zeros(); outputs];
            let message = panics(|| net.forward_batch(&xs, &mut ys));
            assert!(
                message.contains(&format!("5 inputs but {outputs} outputs")),
                "{message}"
            );
            let mut workspace = net.workspace(2);
            let message = panics(|| net.forward_batch_with(&mut workspace, &xs, &mut ys));
            assert!(message.contains("inputs but"), "{message}");
            assert!(
                ys.iter().all(|y| y.iter().all(|&v| v == 0.0)),
                "nothing written"
            );
        }
    }
    check(&Wide::seeded(1));
    check(&Small::seeded(1));
    let small = Small::seeded(1);
    let message = panics(|| small.forward_batch(&inputs::<3>(2), &mut []));
    assert!(message.contains("2 inputs but 0 outputs"), "{message}");
}

/// Networks that run one sample at a time, ending in a dense layer with each activation, in
/// `f32` and `f64` (the seed network's shape with `$units` outputs, and 3 outputs): `forward_batch` takes the output activation over groups of samples at once
/// (`forward_grouped`) for most of them, and must give `forward`'s bits.
macro_rules! grouped_equals_forward {
    ($($test:ident: $scalar:ident, $act:ident, $units:literal;)*) => {$(
        #[test]
        fn $test() {
            mod net {
                nnet::network! {
                    #[scalar = $scalar]
                    pub struct Net { input 3; dense 7 tanh; dense 3 $act; }
                }
                nnet::network! {
                    #[scalar = $scalar]
                    pub struct One { input 2; dense 10 relu; dense 20 relu; dense $units $act; }
                }
            }
            grouped_case!(net::Net, $scalar, 3);
            grouped_case!(net::One, $scalar, 2);
        }
    )*};
}

/// `forward_batch`, `forward_batch_with` and `predict` of `$net` against `forward`, bit for
/// bit, for batches around the group of 32.
macro_rules! grouped_case {
    ($net:ty, $scalar:ident, $inputs:literal) => {{
        assert!(!nnet::batch::prefers_batches(
            <$net as nnet::Architecture>::LAYERS
        ));
        let net = <$net>::seeded(5);
        let bits = |y: &[$scalar]| y.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for count in [0, 1, 31, 32, 33, 1000] {
            // Inputs from -6 to 6, so that every activation leaves its linear range.
            let xs: Vec<SVector<$scalar, $inputs>> = (0..count)
                .map(|s| SVector::from_fn(|i, _| ((s * 37 + i * 11) % 97) as $scalar / 8.0 - 6.0))
                .collect();
            let want: Vec<_> = xs.iter().map(|x| net.forward(x)).collect();
            let mut got = vec![SVector::zeros(); count];
            net.forward_batch(&xs, &mut got);
            assert_eq!(
                bits(nnet::batch::flat(&got)),
                bits(nnet::batch::flat(&want)),
                "{count}"
            );
            let mut workspace = net.workspace(16);
            let mut with = vec![SVector::zeros(); count];
            net.forward_batch_with(&mut workspace, &xs, &mut with);
            assert_eq!(
                bits(nnet::batch::flat(&with)),
                bits(nnet::batch::flat(&want)),
                "{count}"
            );
            let predicted = net.predict(&xs);
            assert_eq!(
                bits(nnet::batch::flat(&predicted)),
                bits(nnet::batch::flat(&want)),
                "{count}"
            );
        }
    }};
}

grouped_equals_forward! {
    grouped_linear_f32: f32, linear, 1;
    grouped_relu_f32: f32, relu, 1;
    grouped_sigmoid_f32: f32, sigmoid, 1;
    grouped_tanh_f32: f32, tanh, 1;
    grouped_softmax_f32: f32, softmax, 2;
    grouped_step_f32: f32, step, 1;
    grouped_leaky_relu_f32: f32, leaky_relu, 1;
    grouped_elu_f32: f32, elu, 1;
    grouped_selu_f32: f32, selu, 1;
    grouped_gelu_f32: f32, gelu, 1;
    grouped_silu_f32: f32, silu, 1;
    grouped_softplus_f32: f32, softplus, 1;
    grouped_softsign_f32: f32, softsign, 1;
    grouped_hard_sigmoid_f32: f32, hard_sigmoid, 1;
    grouped_exponential_f32: f32, exponential, 1;
    grouped_linear_f64: f64, linear, 1;
    grouped_relu_f64: f64, relu, 1;
    grouped_sigmoid_f64: f64, sigmoid, 1;
    grouped_tanh_f64: f64, tanh, 1;
    grouped_softmax_f64: f64, softmax, 2;
    grouped_step_f64: f64, step, 1;
    grouped_leaky_relu_f64: f64, leaky_relu, 1;
    grouped_elu_f64: f64, elu, 1;
    grouped_selu_f64: f64, selu, 1;
    grouped_gelu_f64: f64, gelu, 1;
    grouped_silu_f64: f64, silu, 1;
    grouped_softplus_f64: f64, softplus, 1;
    grouped_softsign_f64: f64, softsign, 1;
    grouped_hard_sigmoid_f64: f64, hard_sigmoid, 1;
    grouped_exponential_f64: f64, exponential, 1;
}
