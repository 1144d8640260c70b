//! Weight initializers, with Keras's names and formulas.

#[cfg(feature = "std")]
use nalgebra::DMatrix;
use rand::Rng;

use crate::Scalar;
use rand_distr::{Distribution, StandardNormal};

/// How a tensor's initial values are drawn, by Keras's names.
///
/// `fan_in` is the number of inputs of the layer and `fan_out` its number of units. Following
/// Keras, a bias vector of `n` units has `fan_in = fan_out = n`. The `*_normal` variance-scaling
/// initializers draw from a normal truncated at two standard deviations, with the standard
/// deviation divided by 0.87962566 so the truncated distribution keeps the intended variance,
/// exactly as Keras's `VarianceScaling` does.
///
/// | name | distribution |
/// | --- | --- |
/// | `zeros` | 0 |
/// | `ones` | 1 |
/// | `uniform` | U(−0.05, 0.05) |
/// | `normal` | N(0, 0.05²) |
/// | `glorot_uniform` | U(−l, l), l = √(6 / (fan_in + fan_out)) — the default kernel initializer |
/// | `glorot_normal` | truncated N(0, σ²), σ = √(2 / (fan_in + fan_out)) |
/// | `he_uniform` | U(−l, l), l = √(6 / fan_in) |
/// | `he_normal` | truncated N(0, σ²), σ = √(2 / fan_in) |
/// | `lecun_uniform` | U(−l, l), l = √(3 / fan_in) |
/// | `lecun_normal` | truncated N(0, σ²), σ = √(1 / fan_in) |
/// | `orthogonal` | a random orthogonal matrix: orthonormal rows if fan_in ≤ fan_out, else orthonormal columns — the default recurrent-kernel initializer |
///
/// # Examples
///
/// ```
/// use nnet_core::Initializer;
/// use rand::SeedableRng;
///
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
/// let mut kernel = [0.0_f32; 6];
/// Initializer::GlorotUniform.fill(&mut kernel, 2, 3, &mut rng);
/// let limit = (6.0_f32 / 5.0).sqrt();
/// assert!(kernel.iter().all(|w| w.abs() <= limit));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Initializer {
    /// All zeros; the default bias initializer.
    Zeros,
    /// All ones.
    Ones,
    /// U(−0.05, 0.05).
    Uniform,
    /// N(0, 0.05²).
    Normal,
    /// Glorot (Xavier) uniform; the default kernel initializer.
    #[default]
    GlorotUniform,
    /// Glorot (Xavier) truncated normal.
    GlorotNormal,
    /// He uniform, for ReLU layers.
    HeUniform,
    /// He truncated normal, for ReLU layers.
    HeNormal,
    /// LeCun uniform.
    LecunUniform,
    /// LeCun truncated normal, for SELU layers.
    LecunNormal,
    /// Keras's `Orthogonal(gain = 1)`, the default initializer of recurrent kernels.
    ///
    /// The values are Keras's `fan_in × fan_out` matrix in row-major order (nnet's
    /// column-major `fan_out × fan_in`): the `Q` of the QR decomposition of a standard normal
    /// matrix of shape `(max, min)` of the fans, its columns multiplied by the signs of `R`'s
    /// diagonal (which makes `Q` unique, whatever the QR algorithm's sign convention), and
    /// transposed when `fan_in < fan_out`. The result has orthonormal rows if
    /// `fan_in ≤ fan_out`, else orthonormal columns. A slice of another length than
    /// `fan_in · fan_out` (a bias vector) is one row, as Keras treats a vector: a random unit
    /// vector.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::Initializer;
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    /// // Keras's 2 × 3 matrix, row-major: two orthonormal rows.
    /// let mut w = [0.0_f32; 6];
    /// Initializer::Orthogonal.fill(&mut w, 2, 3, &mut rng);
    /// let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    /// assert!((dot(&w[..3], &w[..3]) - 1.0).abs() < 1e-5);
    /// assert!(dot(&w[..3], &w[3..]).abs() < 1e-5);
    /// ```
    Orthogonal,
}

/// Keras's correction of the standard deviation of a normal truncated at ±2σ.
const TRUNCATION_CORRECTION: f64 = 0.879_625_661_034_239_8;

impl Initializer {
    /// Every initializer, in the order of the grammar.
    pub const ALL: [Initializer; 11] = [
        Self::Zeros,
        Self::Ones,
        Self::Uniform,
        Self::Normal,
        Self::GlorotUniform,
        Self::GlorotNormal,
        Self::HeUniform,
        Self::HeNormal,
        Self::LecunUniform,
        Self::LecunNormal,
        Self::Orthogonal,
    ];

    /// The Keras name, as written in `network!`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Zeros => "zeros",
            Self::Ones => "ones",
            Self::Uniform => "uniform",
            Self::Normal => "normal",
            Self::GlorotUniform => "glorot_uniform",
            Self::GlorotNormal => "glorot_normal",
            Self::HeUniform => "he_uniform",
            Self::HeNormal => "he_normal",
            Self::LecunUniform => "lecun_uniform",
            Self::LecunNormal => "lecun_normal",
            Self::Orthogonal => "orthogonal",
        }
    }

    /// Fills `values` with draws from this initializer for a tensor of the given fans.
    ///
    /// Values are drawn in slice order, so the same `rng` state gives the same values on every
    /// machine.
    pub fn fill<T: Scalar, R: Rng + ?Sized>(
        self,
        values: &mut [T],
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) {
        let (rows, cols) = (fan_in, fan_out);
        let fan_in = fan_in.max(1) as f64;
        let fan_avg_2 = (fan_in + fan_out.max(1) as f64).max(1.0);
        match self {
            Self::Zeros => values.fill(T::zero()),
            Self::Ones => values.fill(T::one()),
            Self::Uniform => fill_uniform(values, 0.05, rng),
            Self::Normal => fill_normal(values, 0.05, false, rng),
            Self::GlorotUniform => fill_uniform(values, crate::math::sqrt64(6.0 / fan_avg_2), rng),
            Self::GlorotNormal => {
                fill_normal(values, crate::math::sqrt64(2.0 / fan_avg_2), true, rng)
            }
            Self::HeUniform => fill_uniform(values, crate::math::sqrt64(6.0 / fan_in), rng),
            Self::HeNormal => fill_normal(values, crate::math::sqrt64(2.0 / fan_in), true, rng),
            Self::LecunUniform => fill_uniform(values, crate::math::sqrt64(3.0 / fan_in), rng),
            Self::LecunNormal => fill_normal(values, crate::math::sqrt64(1.0 / fan_in), true, rng),
            Self::Orthogonal => fill_orthogonal(values, rows, cols, rng),
        }
    }
}

fn fill_uniform<T: Scalar, R: Rng + ?Sized>(values: &mut [T], limit: f64, rng: &mut R) {
    for v in values {
        // random::<f64>() is uniform in [0, 1).
        *v = T::of_f64((rng.random::<f64>() * 2.0 - 1.0) * limit);
    }
}

fn fill_normal<T: Scalar, R: Rng + ?Sized>(
    values: &mut [T],
    stddev: f64,
    truncated: bool,
    rng: &mut R,
) {
    let stddev = if truncated {
        stddev / TRUNCATION_CORRECTION
    } else {
        stddev
    };
    for v in values {
        let x: f64 = loop {
            let x: f64 = StandardNormal.sample(rng);
            if !truncated || x.abs() <= 2.0 {
                break x;
            }
        };
        *v = T::of_f64(x * stddev);
    }
}

/// Keras's `Orthogonal`: `values` as a `fan_in × fan_out` row-major matrix (one row if its
/// length is another), drawn as described at [`Initializer::Orthogonal`].
fn fill_orthogonal<T: Scalar, R: Rng + ?Sized>(
    values: &mut [T],
    fan_in: usize,
    fan_out: usize,
    rng: &mut R,
) {
    let (rows, cols) = if fan_in.checked_mul(fan_out) == Some(values.len()) {
        (fan_in, fan_out)
    } else {
        (1, values.len())
    };
    if values.is_empty() {
        return;
    }
    let (long, short) = (rows.max(cols), rows.min(cols));
    #[cfg(not(feature = "std"))]
    {
        gram_schmidt(values, rows, cols, long, short, rng);
    }
    #[cfg(feature = "std")]
    {
        householder(values, rows, cols, long, short, rng);
    }
}

/// The `no_std` orthogonal draw, in `values` itself (no allocator): the same normal matrix as
/// with `std`, orthonormalized by modified Gram–Schmidt, which gives the `Q` of the QR
/// decomposition with a positive diagonal in `R` (what [`householder`] gives after its sign
/// correction), up to rounding.
#[cfg(any(not(feature = "std"), test))]
fn gram_schmidt<T: Scalar, R: Rng + ?Sized>(
    values: &mut [T],
    rows: usize,
    cols: usize,
    long: usize,
    short: usize,
    rng: &mut R,
) {
    // `Q` is `long × short`; the result is `Q` (rows ≥ cols) or `Qᵀ` (rows < cols), row-major:
    // element (i, j) of `Q` is at `i * short + j`, or at `j * long + i` for the transpose.
    let at = |i: usize, j: usize| {
        if rows >= cols {
            i * short + j
        } else {
            j * long + i
        }
    };
    for i in 0..long {
        for j in 0..short {
            let x: f64 = StandardNormal.sample(rng);
            values[at(i, j)] = T::of_f64(x);
        }
    }
    for j in 0..short {
        for k in 0..j {
            let dot: f64 = (0..long)
                .map(|i| values[at(i, k)].as_f64() * values[at(i, j)].as_f64())
                .sum();
            for i in 0..long {
                let v = values[at(i, j)].as_f64() - dot * values[at(i, k)].as_f64();
                values[at(i, j)] = T::of_f64(v);
            }
        }
        let norm = crate::math::sqrt64(
            (0..long)
                .map(|i| crate::math::square(values[at(i, j)].as_f64()))
                .sum(),
        );
        for i in 0..long {
            values[at(i, j)] = T::of_f64(values[at(i, j)].as_f64() / norm);
        }
    }
}

/// The orthogonal draw through nalgebra's Householder QR, as Keras's (`Q · sign(diag R)`).
#[cfg(feature = "std")]
fn householder<T: Scalar, R: Rng + ?Sized>(
    values: &mut [T],
    rows: usize,
    cols: usize,
    long: usize,
    short: usize,
    rng: &mut R,
) {
    let normal = (0..long * short).map(|_| -> f64 { StandardNormal.sample(rng) });
    let qr = DMatrix::from_row_iterator(long, short, normal).qr();
    let r = qr.r();
    let mut q = qr.q();
    for (j, mut column) in q.column_iter_mut().enumerate() {
        // Keras multiplies by sign(0) = 0 too; a zero pivot has probability zero.
        if r[(j, j)] < 0.0 {
            column.neg_mut();
        }
    }
    let m = if rows < cols { q.transpose() } else { q };
    for (v, &m) in values.iter_mut().zip(m.transpose().iter()) {
        // `m.transpose()` iterates column-major, i.e. `m` row-major.
        *v = T::of_f64(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn draw(init: Initializer, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
        let mut v = vec![0.0; n];
        init.fill(&mut v, fan_in, fan_out, &mut rng);
        v
    }

    fn mean_std(v: &[f32]) -> (f64, f64) {
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        let var = v
            .iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean, var.sqrt())
    }

    #[test]
    fn constants() {
        assert!(draw(Initializer::Zeros, 10, 3, 4).iter().all(|&v| v == 0.0));
        assert!(draw(Initializer::Ones, 10, 3, 4).iter().all(|&v| v == 1.0));
    }

    #[test]
    fn uniform_limits_and_spread() {
        // (initializer, fan_in, fan_out, limit by Keras's formula)
        let cases = [
            (Initializer::Uniform, 100, 50, 0.05),
            (
                Initializer::GlorotUniform,
                100,
                50,
                (6.0_f64 / 150.0).sqrt(),
            ),
            (Initializer::HeUniform, 100, 50, (6.0_f64 / 100.0).sqrt()),
            (Initializer::LecunUniform, 100, 50, (3.0_f64 / 100.0).sqrt()),
        ];
        for (init, fan_in, fan_out, limit) in cases {
            let v = draw(init, 20_000, fan_in, fan_out);
            assert!(v.iter().all(|&x| f64::from(x).abs() <= limit), "{init:?}");
            let (mean, std) = mean_std(&v);
            // U(-l, l) has standard deviation l / √3.
            assert!(mean.abs() < 0.02 * limit, "{init:?} mean {mean}");
            assert!(
                (std - limit / 3f64.sqrt()).abs() < 0.02 * limit,
                "{init:?} std {std}"
            );
        }
    }

    #[test]
    fn normal_spread() {
        // Truncated normals keep the nominal variance thanks to the correction factor.
        let cases = [
            (Initializer::Normal, 100, 50, 0.05, f64::INFINITY),
            (
                Initializer::GlorotNormal,
                100,
                50,
                (2.0_f64 / 150.0).sqrt(),
                2.0,
            ),
            (
                Initializer::HeNormal,
                100,
                50,
                (2.0_f64 / 100.0).sqrt(),
                2.0,
            ),
            (
                Initializer::LecunNormal,
                100,
                50,
                (1.0_f64 / 100.0).sqrt(),
                2.0,
            ),
        ];
        for (init, fan_in, fan_out, std_want, cut) in cases {
            let v = draw(init, 40_000, fan_in, fan_out);
            let (mean, std) = mean_std(&v);
            assert!(mean.abs() < 0.02 * std_want, "{init:?} mean {mean}");
            assert!(
                (std - std_want).abs() < 0.03 * std_want,
                "{init:?} std {std} want {std_want}"
            );
            let bound = cut * std_want / TRUNCATION_CORRECTION + 1e-6;
            assert!(
                v.iter().all(|&x| f64::from(x).abs() <= bound),
                "{init:?} truncation"
            );
        }
    }

    /// `m mᵀ` of a `rows × cols` row-major matrix, or `mᵀ m` when it has more rows than
    /// columns: the identity if the smaller dimension is orthonormal.
    fn gram(m: &[f32], rows: usize, cols: usize) -> DMatrix<f64> {
        let m = DMatrix::from_row_iterator(rows, cols, m.iter().map(|&v| f64::from(v)));
        if rows <= cols {
            &m * m.transpose()
        } else {
            m.transpose() * &m
        }
    }

    #[test]
    fn gram_schmidt_of_no_std_builds_matches_householder() {
        // The `no_std` draw gives the same matrix as the `std` one, up to rounding, for tall,
        // wide and square shapes (the same normal draws, the same sign convention).
        for (rows, cols) in [(3, 7), (7, 3), (5, 5), (1, 4), (12, 48)] {
            let mut a = vec![0.0_f32; rows * cols];
            let mut b = vec![0.0; rows * cols];
            let (long, short) = (rows.max(cols), rows.min(cols));
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            householder(&mut a, rows, cols, long, short, &mut rng);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            gram_schmidt(&mut b, rows, cols, long, short, &mut rng);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-5, "{rows}×{cols}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn orthogonal_is_orthonormal() {
        // (fan_in, fan_out): a GRU's and an LSTM's recurrent kernel, a square and a tall one.
        for (fan_in, fan_out) in [(4, 12), (5, 20), (6, 6), (9, 3), (1, 7), (7, 1)] {
            let m = draw(Initializer::Orthogonal, fan_in * fan_out, fan_in, fan_out);
            let g = gram(&m, fan_in, fan_out);
            let n = fan_in.min(fan_out);
            let err = (g - DMatrix::<f64>::identity(n, n)).abs().max();
            assert!(err < 1e-5, "({fan_in}, {fan_out}): off by {err}");
        }
    }

    #[test]
    fn orthogonal_vector_is_a_unit_vector() {
        let v = draw(Initializer::Orthogonal, 8, 8, 8);
        let norm2: f64 = v.iter().map(|&x| f64::from(x).powi(2)).sum();
        assert!((norm2 - 1.0).abs() < 1e-5, "{norm2}");
        assert!(draw(Initializer::Orthogonal, 0, 0, 3).is_empty());
    }

    #[test]
    fn orthogonal_is_deterministic_and_random() {
        let a = draw(Initializer::Orthogonal, 48, 4, 12);
        assert_eq!(a, draw(Initializer::Orthogonal, 48, 4, 12));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(43);
        let mut b = vec![0.0; 48];
        Initializer::Orthogonal.fill(&mut b, 4, 12, &mut rng);
        assert_ne!(a, b);
        // Not a signed identity or permutation: the draw spreads over the entries.
        assert!(a.iter().filter(|v| v.abs() > 0.01).count() > 40);
    }

    #[test]
    fn names_are_unique() {
        let names: Vec<_> = Initializer::ALL.iter().map(|i| i.name()).collect();
        for (k, name) in names.iter().enumerate() {
            assert!(!names[..k].contains(name), "{name}");
        }
        assert_eq!(Initializer::Orthogonal.name(), "orthogonal");
    }

    #[test]
    fn same_seed_same_values() {
        assert_eq!(
            draw(Initializer::HeNormal, 64, 8, 8),
            draw(Initializer::HeNormal, 64, 8, 8)
        );
    }
}
