//! Where each output position of a convolution reads its inputs: the layer's [`Window`] and
//! groups, unpacked once per pass into the numbers the loops use.

use nnet_kinds::{Axis, Window};

/// The shape of one convolution pass: the window's axes, the channels and the filters, and how
/// the groups split them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Geometry {
    /// The vertical axis ([`Axis::POINT`] for a 1-D layer).
    pub rows: Axis,
    /// The horizontal axis (the steps of a 1-D layer).
    pub cols: Axis,
    /// Input channels.
    pub channels: usize,
    /// Output positions per row.
    pub out_cols: usize,
    /// Output positions.
    pub positions: usize,
    /// Filters (output channels).
    pub filters: usize,
    /// Groups of channels and filters.
    pub groups: usize,
    /// Input channels per group.
    pub group_channels: usize,
    /// Filters per group.
    pub group_filters: usize,
}

impl Geometry {
    /// The geometry of a layer of `filters` filters over `window` in `groups` groups (which
    /// [`Conv::check`](super::Conv::check) has checked).
    #[inline(always)]
    pub fn new(window: Window, groups: usize, filters: usize) -> Self {
        let groups = groups.max(1);
        Self {
            rows: window.rows,
            cols: window.cols,
            channels: window.channels,
            out_cols: window.cols.output(),
            positions: window.positions(),
            filters,
            groups,
            group_channels: window.channels / groups,
            group_filters: filters / groups,
        }
    }

    /// Whether each filter reads one channel and each channel feeds one filter (a depthwise
    /// convolution of depth multiplier 1): the filters then run across SIMD lanes against the
    /// channels they read, element by element.
    #[inline(always)]
    pub fn is_elementwise(&self) -> bool {
        self.group_channels == 1 && self.group_filters == 1
    }
}

/// The taps of output `out` on `axis` that read the input rather than padding, and the input
/// the first of them reads: a window's taps are `dilation` apart, so those inside the input are
/// consecutive, and `Axis::input_of` is asked only at their ends (it is not inlined across
/// crates, and asking it for every tap of every position cost a third of a convolution's time).
#[inline(always)]
pub(super) fn inside(axis: &Axis, out: usize) -> (core::ops::Range<usize>, usize) {
    let mut first = 0;
    while first < axis.kernel && axis.input_of(out, first).is_none() {
        first += 1;
    }
    let mut end = axis.kernel;
    while end > first && axis.input_of(out, end - 1).is_none() {
        end -= 1;
    }
    (first..end, axis.input_of(out, first).unwrap_or(0))
}

/// Runs `$body` for each tap of output position `$position` of `$geo` that reads the input
/// rather than padding, with `$tap` the tap (`kernel row · kernel columns + kernel column`) and
/// `$offset` the index of the input position's first channel in a sample.
///
/// A macro, not a function taking a closure: the SIMD kernels run inside a function compiled
/// for the dispatched instruction set, and a closure that the compiler does not inline is
/// compiled without it, so every register operation in it became a call (ten times slower).
macro_rules! for_each_tap {
    ($geo:expr, $position:expr, |$tap:ident, $offset:ident| $body:block) => {{
        let geo: &$crate::layer::conv::geometry::Geometry = $geo;
        let position: usize = $position;
        let (p, q) = (position / geo.out_cols, position % geo.out_cols);
        let (rows, top) = $crate::layer::conv::geometry::inside(&geo.rows, p);
        let (cols, left) = $crate::layer::conv::geometry::inside(&geo.cols, q);
        for (n, a) in rows.enumerate() {
            let i = top + n * geo.rows.dilation;
            for (m, b) in cols.clone().enumerate() {
                let j = left + m * geo.cols.dilation;
                let $tap = a * geo.cols.kernel + b;
                let $offset = (i * geo.cols.input + j) * geo.channels;
                $body
            }
        }
    }};
}

pub(super) use for_each_tap;
