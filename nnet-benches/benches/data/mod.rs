//! Deterministic benchmark data: scikit-learn's two moons.

#![allow(dead_code)]

use nnet::{SVector, vector};
use rand::{Rng, SeedableRng};

/// `n` points of two interleaving half circles with Gaussian noise of deviation `noise`, and
/// their labels (0 for the upper moon, 1 for the lower), as `sklearn.datasets.make_moons`.
pub fn moons(n: usize, noise: f32, seed: u64) -> (Vec<SVector<f32, 2>>, Vec<SVector<f32, 1>>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut gauss = move || {
        // Box–Muller.
        let u: f32 = rng.random_range(f32::EPSILON..1.0);
        let v: f32 = rng.random();
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    };
    let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let upper = i % 2 == 0;
        let t = std::f32::consts::PI * (i / 2) as f32 / (n / 2).max(1) as f32;
        let (px, py) = if upper {
            (t.cos(), t.sin())
        } else {
            (1.0 - t.cos(), 0.5 - t.sin())
        };
        x.push(vector![px + noise * gauss(), py + noise * gauss()]);
        y.push(vector![if upper { 0.0 } else { 1.0 }]);
    }
    (x, y)
}

/// The inputs as plain arrays, for the hand-written baseline.
pub fn arrays(x: &[SVector<f32, 2>]) -> Vec<[f32; 2]> {
    x.iter().map(|p| [p[0], p[1]]).collect()
}
