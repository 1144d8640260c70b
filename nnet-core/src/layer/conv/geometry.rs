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

    /// Calls `f(tap, offset)` for each tap of output position `position` that reads the input
    /// rather than padding: `tap` is `kernel row · kernel columns + kernel column`, `offset`
    /// the index of the input position's first channel in a sample.
    #[inline(always)]
    pub fn for_each_tap(&self, position: usize, mut f: impl FnMut(usize, usize)) {
        let (p, q) = (position / self.out_cols, position % self.out_cols);
        for a in 0..self.rows.kernel {
            let Some(i) = self.rows.input_of(p, a) else {
                continue;
            };
            for b in 0..self.cols.kernel {
                if let Some(j) = self.cols.input_of(q, b) {
                    f(
                        a * self.cols.kernel + b,
                        (i * self.cols.input + j) * self.channels,
                    );
                }
            }
        }
    }
}
