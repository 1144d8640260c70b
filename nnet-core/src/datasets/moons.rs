//! Two interleaving half circles, as scikit-learn's `make_moons`.

use std::f64::consts::PI;

use nalgebra::SVector;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};

use super::Dataset;
use crate::{Error, Result};

/// `n_samples` points of two interleaving half circles, with Gaussian noise of standard
/// deviation `noise`, as scikit-learn's `make_moons(n_samples, shuffle=True, noise=noise)`.
///
/// Class 0 (`"upper"`, `n_samples / 2` points, rounded down) lies on the upper half circle
/// `(cos t, sin t)`, class 1 (`"lower"`, the rest) on the lower one `(1 - cos t, 0.5 - sin t)`,
/// with `t` evenly spaced over `[0, π]` on each. The points are shuffled, then every coordinate
/// gets independent noise `N(0, noise²)`. The generator is ChaCha8 seeded with `seed`: the same
/// arguments give the same points on every machine (not the same points as scikit-learn,
/// whose generator differs).
///
/// # Errors
///
/// [`Error::InvalidHyperparameter`] if `noise` is negative or not finite.
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::make_moons;
///
/// let moons = make_moons(1000, 0.2, 42)?;
/// assert_eq!(moons.len(), 1000);
/// assert_eq!(moons.class_counts()[&0], 500);
/// assert_eq!(moons.class_counts()[&1], 500);
/// assert_eq!(moons, make_moons(1000, 0.2, 42)?);
/// assert!(make_moons(10, -1.0, 42).is_err());
/// # Ok::<(), nnet_core::Error>(())
/// ```
pub fn make_moons(n_samples: usize, noise: f32, seed: u64) -> Result<Dataset<2>> {
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(Error::InvalidHyperparameter {
            name: "noise",
            value: f64::from(noise),
            expected: "a finite standard deviation of 0 or more, e.g. 0.2",
        });
    }
    let upper = n_samples / 2;
    let lower = n_samples - upper;
    let mut points: Vec<([f64; 2], usize)> = Vec::with_capacity(n_samples);
    points.extend(linspace_pi(upper).map(|t| ([t.cos(), t.sin()], 0)));
    points.extend(linspace_pi(lower).map(|t| ([1.0 - t.cos(), 0.5 - t.sin()], 1)));

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    points.shuffle(&mut rng);
    let noise = f64::from(noise);
    let mut jitter =
        || noise * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng);
    let inputs = points
        .iter()
        .map(|([x, y], _)| SVector::from([(x + jitter()) as f32, (y + jitter()) as f32]))
        .collect();
    Ok(Dataset {
        inputs,
        labels: points.iter().map(|(_, label)| *label).collect(),
        class_names: vec!["upper".to_owned(), "lower".to_owned()],
    })
}

/// `n` evenly spaced angles from 0 to π inclusive, as NumPy's `linspace(0, pi, n)`.
fn linspace_pi(n: usize) -> impl Iterator<Item = f64> {
    let step = if n > 1 { PI / (n - 1) as f64 } else { 0.0 };
    (0..n).map(move |i| i as f64 * step)
}
