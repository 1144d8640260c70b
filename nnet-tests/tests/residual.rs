//! Residual blocks (`residual { … }`, `residual (project) { … }`): the forward pass computes
//! input + block(input) (hand-computed), the backward pass matches finite differences through
//! both paths (projections, convolutions, batch normalization, nested blocks, sequences), and
//! everything else works as for any layer: batches, training, weight files, serde, summaries.

use nnet::nalgebra::SVector;
use nnet::{Network, Parameters, Scalar};

fn wave(i: usize, j: usize) -> f32 {
    ((i * 31 + j * 7) as f32 * 0.413).sin() * 1.5
}

nnet::network! {
    /// A vector block without projection.
    #[scalar = f64]
    struct Mlp64 {
        input 3;
        dense 4 tanh;
        residual { dense 5 relu; dense 4 tanh; }
        dense 2;
    }
}

nnet::network! {
    /// A projected vector block, nested blocks, a block at the input and at the output.
    #[scalar = f64]
    struct Nested64 {
        input 3;
        residual (project) {
            dense 4 tanh;
            residual { dense 4 sigmoid; residual { dense 4 tanh; } }
        }
        dense 3 elu;
        residual { dense 3 tanh; }
    }
}

/// Every trainable value's `∂L/∂w` from `backward`, and every `∂L/∂x`, against central
/// differences of `L = g · forward(x)`; returns the number of values checked.
fn check_backward<N, T: Scalar, const IN: usize, const OUT: usize>(
    net: &N,
    x: &SVector<T, IN>,
    h: f64,
    tolerance: f64,
) -> usize
where
    N: Network<IN, OUT, T>,
{
    let g = SVector::<T, OUT>::from_fn(|i, _| T::of_f64(0.4 + 0.9 * (i as f64 * 1.3).sin()));
    let loss = |net: &N, x: &SVector<T, IN>| {
        let y = net.forward(x);
        (0..OUT).map(|i| y[i].as_f64() * g[i].as_f64()).sum::<f64>()
    };
    let mut grads = net.zero_gradients();
    let trace = net.forward_trace(x);
    let dx = net.backward(x, &trace, &g, &mut grads);
    let close = |analytic: f64, numeric: f64| {
        (analytic - numeric).abs() <= tolerance * analytic.abs().max(numeric.abs()).max(1e-2)
    };
    let mut checked = 0;
    for t in N::trainable() {
        let name = N::tensor_info(t).unwrap().name();
        for j in 0..net.tensor(t).len() {
            let mut up = net.clone();
            up.tensor_mut(t)[j] += T::of_f64(h);
            let mut down = net.clone();
            down.tensor_mut(t)[j] -= T::of_f64(h);
            let numeric = (loss(&up, x) - loss(&down, x)) / (2.0 * h);
            let analytic = grads.tensor(t)[j].as_f64();
            assert!(
                close(analytic, numeric),
                "∂L/∂{name}[{j}]: analytic {analytic}, numeric {numeric}"
            );
            checked += 1;
        }
    }
    for j in 0..IN {
        let (mut up, mut down) = (*x, *x);
        up[j] += T::of_f64(h);
        down[j] -= T::of_f64(h);
        let numeric = (loss(net, &up) - loss(net, &down)) / (2.0 * h);
        let analytic = dx[j].as_f64();
        assert!(
            close(analytic, numeric),
            "∂L/∂x[{j}]: analytic {analytic}, numeric {numeric}"
        );
        checked += 1;
    }
    checked
}

/// Every tensor of `net`, trainable or not, set to deterministic values, the variances
/// positive.
fn fill64<N: Parameters<f64>>(net: &mut N, salt: usize) {
    for t in 0..N::TENSORS {
        let positive =
            N::tensor_info(t).is_some_and(|info| info.name().ends_with("moving_variance"));
        for (j, v) in net.tensor_mut(t).iter_mut().enumerate() {
            let w = f64::from(wave(t + salt, j)) * 0.5;
            *v = if positive { 0.5 + w.abs() } else { w };
        }
    }
}

#[test]
fn vector_blocks_match_finite_differences() {
    let mut mlp = Mlp64::zeroed();
    fill64(&mut mlp, 1);
    let x = SVector::<f64, 3>::from_fn(|j, _| f64::from(wave(3, j)));
    assert_eq!(check_backward(&mlp, &x, 1e-6, 1e-6), 16 + 25 + 24 + 10 + 3);
    let mut nested = Nested64::zeroed();
    fill64(&mut nested, 2);
    // The projection 3 → 4 and dense 4 tanh, 16 each; dense 4 sigmoid and dense 4 tanh, 20
    // each; dense 3 elu 15, dense 3 tanh 12; the inputs.
    assert_eq!(
        check_backward(&nested, &x, 1e-6, 1e-6),
        16 + 16 + 20 + 20 + 15 + 12 + 3
    );
}
