//! [`Pool`]: the type, its constructors and shape check, and the two computations every
//! pooling kind shares, per sample: the window's maximum or mean forward, and where each
//! output's gradient goes backward.

use core::marker::PhantomData;

use nnet_kinds::{Axis, Padding, Window};

use super::PoolKind;
use crate::Scalar;
use crate::layer::conv::geometry::inside;

/// A pooling layer from `IN` to `OUT` values per sample: Keras's `MaxPooling1D`/`2D`,
/// `AveragePooling1D`/`2D` and `GlobalMaxPooling`/`GlobalAveragePooling`, as the marker `M`
/// ([`PoolKind`]) says.
///
/// Output `(p, q, c)` is the maximum (or the mean) of channel `c` over the cells of the input
/// that window `(p, q)` covers ([`Window`]'s arithmetic: Keras's output sizes and padding).
/// Padding cells never count: a maximum ignores them, and a mean divides by the cells inside
/// the input (Keras's `AveragePooling` with `padding = "same"`). A global pool is a pool whose
/// one window is the whole input ([`Pool::global`]): its output is the channels, a vector.
///
/// Samples are flat and channels last: input `(i, j, c)` at `(i · width + j) · channels + c`,
/// output `(p, q, c)` at `(p · out_width + q) · channels + c`; a 1-D pool has
/// [`Axis::POINT`] as its rows.
///
/// The layer has no tensors and computes the same in training and at inference. Backward, a
/// mean spreads each output's gradient evenly over its cells; a maximum gives it to the first
/// maximal cell in window order (row by row), found again from the input.
///
/// # Examples
///
/// ```
/// use nalgebra::SVector;
/// use nnet_core::layer::{Axis, Layer, MaxPool1dKind, Padding, Pool, Window};
///
/// // `input (5, 1); max_pool1d 2;`: windows {0, 1} and {2, 3}; step 4 is left out.
/// const POOL: Pool<5, 2, MaxPool1dKind> =
///     Pool::new(Window::steps(Axis::new(5, 2, 2, 1, Padding::Valid), 1));
/// let x = SVector::<f32, 5>::from([1.0, 3.0, -2.0, -1.0, 9.0]);
/// let y = POOL.forward_simd(pulp::Scalar::new(), &x);
/// assert_eq!(y.as_slice(), &[3.0, -1.0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pool<const IN: usize, const OUT: usize, M> {
    /// The window: input shape, pool size, strides and padding per axis, channels.
    pub window: Window,
    kind: PhantomData<M>,
}

impl<const IN: usize, const OUT: usize, M: PoolKind> Pool<IN, OUT, M> {
    /// A pool over `window`.
    ///
    /// # Panics
    ///
    /// If the window does not [fit](Pool::fits) `IN` and `OUT` (at compile time in a `const`).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{Axis, AvgPool2dKind, Padding, Pool, Window};
    ///
    /// // `input (4, 4, 3); avg_pool2d 2;`: a 2 × 2 output of 3 channels.
    /// let axis = Axis::new(4, 2, 2, 1, Padding::Valid);
    /// let pool = Pool::<48, 12, AvgPool2dKind>::new(Window::image(axis, axis, 3));
    /// assert_eq!(pool.window.positions(), 4);
    /// ```
    pub const fn new(window: Window) -> Self {
        assert!(
            Self::fits(&window),
            "Pool: the window must read IN values and give OUT (see `Pool::fits`)"
        );
        Self {
            window,
            kind: PhantomData,
        }
    }

    /// A global pool over `(height, width, channels)` (height 1 for `(steps, channels)`): one
    /// `valid` window of the input's size on each axis, whose output is the `channels` values.
    ///
    /// # Panics
    ///
    /// Unless `IN` is `height · width · channels` and `OUT` is `channels`, all non-zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::SVector;
    /// use nnet_core::layer::{GlobalAvgPoolKind, Layer, Pool};
    ///
    /// // `input (3, 2); global_avg_pool;`: the mean of each of 2 channels over 3 steps.
    /// const POOL: Pool<6, 2, GlobalAvgPoolKind> = Pool::global(1, 3, 2);
    /// let x = SVector::<f32, 6>::from([1.0, 10.0, 2.0, 20.0, 6.0, 60.0]);
    /// assert_eq!(POOL.forward_simd(pulp::Scalar::new(), &x).as_slice(), &[3.0, 30.0]);
    /// ```
    pub const fn global(height: usize, width: usize, channels: usize) -> Self {
        Self::new(Window::image(
            Axis::new(height, height, height, 1, Padding::Valid),
            Axis::new(width, width, width, 1, Padding::Valid),
            channels,
        ))
    }

    /// Whether `window` fits the layer: `IN` is its input's `height · width · channels` and
    /// `OUT` its output positions times the channels, with at least one channel and one output
    /// position, and non-zero pool sizes and strides. `network!` asserts it in a `const`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{Axis, MaxPool1dKind, Padding, Pool, Window};
    ///
    /// // `input (7, 2); max_pool1d 3 (padding = same);`: ⌈7 / 3⌉ = 3 steps of 2 channels.
    /// let window = Window::steps(Axis::new(7, 3, 3, 1, Padding::Same), 2);
    /// assert!(Pool::<14, 6, MaxPool1dKind>::fits(&window));
    /// assert!(!Pool::<14, 4, MaxPool1dKind>::fits(&window));
    /// ```
    pub const fn fits(window: &Window) -> bool {
        let axes_move = window.rows.kernel > 0
            && window.rows.stride > 0
            && window.cols.kernel > 0
            && window.cols.stride > 0;
        axes_move
            && window.channels > 0
            && window.positions() > 0
            && IN == window.inputs()
            && OUT == window.positions() * window.channels
    }

    /// The padding before the first row and before the first column.
    #[inline(always)]
    fn pads(&self) -> (usize, usize) {
        (self.window.rows.pad_before(), self.window.cols.pad_before())
    }

    /// The input cells that output position `position` reads (padding cells skipped), with
    /// `pads` from [`pads`](Self::pads).
    #[inline(always)]
    fn cells(&self, (top, left): (usize, usize), position: usize) -> Cells {
        let Window {
            rows,
            cols,
            channels,
        } = self.window;
        let width = cols.output();
        let (row_taps, first_row) = inside(&rows, top, position / width);
        let (col_taps, first_col) = inside(&cols, left, position % width);
        Cells {
            first: (first_row * cols.input + first_col) * channels,
            rows: row_taps.len(),
            cols: col_taps.len(),
            row_step: rows.dilation * cols.input * channels,
            col_step: cols.dilation * channels,
        }
    }

    /// One sample's output: `out[(p, q, c)]` is the maximum (or mean) of channel `c` over the
    /// cells of window `(p, q)`.
    ///
    /// Inlined into the layer's passes, so that the loops over the channels are compiled for
    /// the dispatched instruction set.
    #[inline(always)]
    pub(crate) fn pool<T: Scalar>(&self, x: &[T], out: &mut [T]) {
        let (channels, pads) = (self.window.channels, self.pads());
        let positions = self.window.positions();
        for (position, out) in out.chunks_exact_mut(channels).take(positions).enumerate() {
            let cells = self.cells(pads, position);
            // Every window holds a cell of the input (`fits`: Keras's padding never exceeds
            // the window); zeros guard the impossible empty one.
            if cells.count() == 0 {
                out.fill(T::zero());
                continue;
            }
            out.copy_from_slice(&x[cells.first..cells.first + channels]);
            for n in 0..cells.rows {
                for m in 0..cells.cols {
                    if n + m == 0 {
                        continue;
                    }
                    let at = cells.at(n, m);
                    let values = &x[at..at + channels];
                    if M::MAX {
                        for (o, &v) in out.iter_mut().zip(values) {
                            // Strictly greater: the first maximum stays, as backward assumes.
                            if v > *o {
                                *o = v;
                            }
                        }
                    } else {
                        for (o, &v) in out.iter_mut().zip(values) {
                            *o += v;
                        }
                    }
                }
            }
            if !M::MAX && cells.count() > 1 {
                let count = T::of_f64(cells.count() as f64);
                for o in out {
                    *o /= count;
                }
            }
        }
    }

    /// One sample's backward pass: adds `∂L/∂x` to `dx`, from `delta = ∂L/∂out` and the input
    /// `x`. A mean gives `δ / cells` to each cell of its window; a maximum gives `δ` to its
    /// first maximal cell (in window order, row by row).
    #[inline(always)]
    pub(crate) fn pool_backward<T: Scalar>(&self, x: &[T], delta: &[T], dx: &mut [T]) {
        let (channels, pads) = (self.window.channels, self.pads());
        let positions = self.window.positions();
        for (position, delta) in delta.chunks_exact(channels).take(positions).enumerate() {
            let cells = self.cells(pads, position);
            if cells.count() == 0 {
                continue;
            }
            if M::MAX {
                for (c, &d) in delta.iter().enumerate() {
                    let (mut best, mut max) = (cells.first + c, x[cells.first + c]);
                    for n in 0..cells.rows {
                        for m in 0..cells.cols {
                            let at = cells.at(n, m) + c;
                            if x[at] > max {
                                (best, max) = (at, x[at]);
                            }
                        }
                    }
                    dx[best] += d;
                }
            } else {
                let count = T::of_f64(cells.count() as f64);
                for n in 0..cells.rows {
                    for m in 0..cells.cols {
                        let at = cells.at(n, m);
                        for (g, &d) in dx[at..at + channels].iter_mut().zip(delta) {
                            *g += d / count;
                        }
                    }
                }
            }
        }
    }
}

/// The input cells of one pooling window that lie inside the input: `rows × cols` cells, the
/// first (channel 0) at `first`, the others `row_step` and `col_step` values apart.
#[derive(Debug, Clone, Copy)]
struct Cells {
    first: usize,
    rows: usize,
    cols: usize,
    row_step: usize,
    col_step: usize,
}

impl Cells {
    /// How many cells.
    #[inline(always)]
    fn count(&self) -> usize {
        self.rows * self.cols
    }

    /// The index of channel 0 of cell `(n, m)`.
    #[inline(always)]
    fn at(&self, n: usize, m: usize) -> usize {
        self.first + n * self.row_step + m * self.col_step
    }
}
