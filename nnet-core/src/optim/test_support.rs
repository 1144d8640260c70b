//! Helpers for the optimizer tests: a small parameter set, fixed gradients, comparisons.
//!
//! The reference implementations live in each optimizer's tests and work on the `f64` values
//! given here; they never call the code under test.

use crate::optim::{Optimizer, OptimizerConfig, WithState};
use crate::{DenseGradient, Parameters};

/// Two tensors: a 2×3 weight (6 values) and a bias (2 values).
pub(crate) type Params = DenseGradient<3, 2>;

/// Number of steps every optimizer test runs.
pub(crate) const STEPS: usize = 6;

/// Initial parameters, weight values then bias values.
const W0: [f32; 8] = [0.5, -0.3, 0.8, 0.1, -0.7, 0.2, 0.05, -0.1];

/// Base gradient; the third value stays zero at every step, to exercise `epsilon`.
const G0: [f32; 8] = [0.2, -0.5, 0.0, 1.5, -0.05, 0.3, 0.8, -0.01];

/// A parameter set from its weight and bias values.
pub(crate) fn dense(weights: &[f32], bias: &[f32]) -> Params {
    let mut p = Params::zeroed();
    p.tensor_mut(0).copy_from_slice(weights);
    p.tensor_mut(1).copy_from_slice(bias);
    p
}

/// Every value of `p`, tensor after tensor, as `f64`.
pub(crate) fn flat<P: Parameters>(p: &P) -> Vec<f64> {
    (0..P::TENSORS)
        .flat_map(|i| p.tensor(i).iter().map(|&v| f64::from(v)))
        .collect()
}

/// Scale of the gradient at each step: it rises and falls, so that moving averages of `g²` fall
/// below their running maximum (which AMSGrad keeps).
const SCALE: [f32; STEPS] = [1.25, 2.0, 0.5, 1.5, 0.25, 1.0];

/// The fixed gradient of step `t` (1-based): `G0` scaled by `SCALE`, with some signs flipped.
fn gradient_f32(t: usize) -> [f32; 8] {
    let mut g = G0;
    for (i, v) in g.iter_mut().enumerate() {
        let sign = if (t + i).is_multiple_of(3) { -1.0 } else { 1.0 };
        *v *= sign * SCALE[(t - 1) % STEPS];
    }
    g
}

/// The initial parameters as `f64`.
pub(crate) fn initial() -> Vec<f64> {
    W0.iter().map(|&v| f64::from(v)).collect()
}

/// The gradient of step `t` (1-based) as `f64`, exactly the values the optimizer sees.
pub(crate) fn gradient(t: usize) -> Vec<f64> {
    gradient_f32(t).iter().map(|&v| f64::from(v)).collect()
}

/// Runs `STEPS` steps of `optimizer` from the initial parameters and returns the parameters
/// after each step.
pub(crate) fn run<O: Optimizer>(optimizer: &mut O) -> Vec<Vec<f64>> {
    let mut params = dense(&W0[..6], &W0[6..]);
    (1..=STEPS)
        .map(|t| {
            let g = gradient_f32(t);
            let mut grads = dense(&g[..6], &g[6..]);
            optimizer.step(&mut params, &mut grads);
            flat(&params)
        })
        .collect()
}

/// [`run`] on an `f64` copy of the parameters: the same initial values and gradients, the
/// arithmetic in `f64`.
pub(crate) fn run_f64<O: Optimizer>(optimizer: &mut O) -> Vec<Vec<f64>> {
    type Params64 = DenseGradient<3, 2, nalgebra::SMatrix<f64, 2, 3>, nalgebra::SVector<f64, 2>>;
    let of = |values: &[f64]| {
        let mut p = Params64 {
            weights: nalgebra::SMatrix::zeros(),
            bias: nalgebra::SVector::zeros(),
        };
        p.tensor_mut(0).copy_from_slice(&values[..6]);
        p.tensor_mut(1).copy_from_slice(&values[6..]);
        p
    };
    let mut params = of(&initial());
    (1..=STEPS)
        .map(|t| {
            optimizer.step(&mut params, &mut of(&gradient(t)));
            (0..2).flat_map(|i| params.tensor(i).to_vec()).collect()
        })
        .collect()
}

/// Compares an `f64` trajectory ([`run_f64`]) with the `f64` reference: they must agree to
/// `f64` rounding, as an `f64` network agrees with Keras in float64 (a setting kept in `f32`,
/// such as `1 − β₂` computed as 0.000999987, shows as a relative error near 1e-5).
pub(crate) fn assert_same_trajectory_f64(actual: &[Vec<f64>], expected: &[Vec<f64>]) {
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert_close(a, e, 1e-14);
    }
}

/// Runs the reference `update(t, w, g)` for `STEPS` steps and returns the parameters after each.
pub(crate) fn reference(mut update: impl FnMut(usize, &mut [f64], &[f64])) -> Vec<Vec<f64>> {
    let mut w = initial();
    (1..=STEPS)
        .map(|t| {
            update(t, &mut w, &gradient(t));
            w.clone()
        })
        .collect()
}

/// Asserts that each value is within `tolerance`, absolute or relative, of the expected one.
pub(crate) fn assert_close(actual: &[f64], expected: &[f64], tolerance: f64) {
    assert_eq!(actual.len(), expected.len(), "lengths differ");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            approx::relative_eq!(a, e, epsilon = tolerance, max_relative = tolerance),
            "value {i}: got {a}, expected {e} (tolerance {tolerance})\n actual: {actual:?}\n expected: {expected:?}"
        );
    }
}

/// Compares the trajectories of [`run`] and [`reference`], step by step.
pub(crate) fn assert_same_trajectory(actual: &[Vec<f64>], expected: &[Vec<f64>]) {
    assert_eq!(actual.len(), expected.len());
    // f32 arithmetic against an f64 reference, over a few steps of values of order 1.
    for (a, e) in actual.iter().zip(expected) {
        assert_close(a, e, 2e-6);
    }
    // The parameters did move: a test that compares two unchanged vectors proves nothing.
    let moved = expected.last().map_or(0.0, |last| {
        last.iter()
            .zip(initial())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    });
    assert!(moved > 1e-3, "the parameters barely moved ({moved})");
}

/// Asserts that `result` is an invalid-hyperparameter error naming `name`.
pub(crate) fn assert_invalid(result: crate::Result<()>, name: &str) {
    match result {
        Err(crate::Error::InvalidHyperparameter { name: got, .. }) => assert_eq!(got, name),
        other => panic!("expected an error on `{name}`, got {other:?}"),
    }
}

/// A change to an optimizer's settings.
pub(crate) type Change<C> = fn(&mut C);

/// Asserts that `valid` passes validation, also when changed by each of `also_valid`, and that
/// each `(change, name)` of `invalid` makes validation fail naming `name`, for the settings and
/// for the optimizer made of them.
pub(crate) fn assert_validation<C: OptimizerConfig>(
    valid: C,
    also_valid: &[Change<C>],
    invalid: &[(Change<C>, &str)],
) {
    let changed = |change: &Change<C>| {
        let mut config = valid.clone();
        change(&mut config);
        config
    };
    assert!(valid.validate().is_ok());
    for change in also_valid {
        assert!(changed(change).validate().is_ok());
    }
    for (change, name) in invalid {
        assert_invalid(changed(change).validate(), name);
        assert_invalid(WithState::new(changed(change)).validate(), name);
    }
}
