//! The finite-difference check of a network's backward pass and the deterministic values it
//! is run on, shared by the gradient tests of shaped, convolutional and residual networks
//! (`tests/shapes.rs`, `tests/conv.rs`, `nnet-tests/tests/residual.rs`, each including this
//! file with `#[path]`; a file that uses only some of it allows the rest to be unused).

use nnet::{Network, Parameters, SVector, Scalar};

/// A deterministic value for index `j` of series `i`, in [-1.5, 1.5].
pub fn wave(i: usize, j: usize) -> f32 {
    ((i * 31 + j * 7) as f32 * 0.413).sin() * 1.5
}

/// Every tensor of `net`, trainable or not, set to deterministic values, the variances
/// positive.
pub fn fill64<N: Parameters<f64>>(net: &mut N, salt: usize) {
    for t in 0..N::TENSORS {
        let positive =
            N::tensor_info(t).is_some_and(|info| info.name().ends_with("moving_variance"));
        for (j, v) in net.tensor_mut(t).iter_mut().enumerate() {
            let w = f64::from(wave(t + salt, j)) * 0.5;
            *v = if positive { 0.5 + w.abs() } else { w };
        }
    }
}

/// Every trainable value's `∂L/∂w` from `backward`, and every `input_step`-th `∂L/∂x`, against
/// central differences of `L = g · forward(x)` with step `h`, each within `tolerance` relative
/// to the larger of the two (at least 1e-2); returns the number of values checked.
pub fn check_backward<N, T: Scalar, const IN: usize, const OUT: usize>(
    net: &N,
    x: &SVector<T, IN>,
    h: f64,
    tolerance: f64,
    input_step: usize,
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
    for j in (0..IN).step_by(input_step) {
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
