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
    /// Padding before the first row ([`Axis::pad_before`] of `rows`).
    pub top: usize,
    /// Padding before the first column.
    pub left: usize,
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
            top: window.rows.pad_before(),
            left: window.cols.pad_before(),
        }
    }

    /// The output columns whose windows lie wholly inside the input (every tap reads it).
    #[inline(always)]
    pub fn interior_cols(&self) -> core::ops::Range<usize> {
        interior(&self.cols, self.left, self.out_cols)
    }

    /// The output rows whose windows lie wholly inside the input.
    #[inline(always)]
    pub fn interior_rows(&self) -> core::ops::Range<usize> {
        interior(&self.rows, self.top, self.positions / self.out_cols.max(1))
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
/// the first of them reads, with `before` the axis's [`Axis::pad_before`]. A window's taps are
/// `dilation` apart, so those inside the input are consecutive: tap `t` reads padded position
/// `s + t·d` (`s = out · stride`), inside the input when `before ≤ s + t·d < before + input`.
///
/// Computed from the axis, not by asking [`Axis::input_of`] for each tap: that is not inlined
/// across crates and recomputes the padding each time, and asking it for the ends of every
/// position's window cost a quarter of a small convolution's time.
#[inline(always)]
pub(crate) fn inside(axis: &Axis, before: usize, out: usize) -> (core::ops::Range<usize>, usize) {
    let start = out * axis.stride;
    let (below, beyond) = (
        before.saturating_sub(start),
        (before + axis.input).saturating_sub(start),
    );
    let (first, end) = if axis.dilation == 1 {
        (below, beyond.min(axis.kernel))
    } else {
        let d = axis.dilation;
        (below.div_ceil(d), beyond.div_ceil(d).min(axis.kernel))
    };
    let first = first.min(end);
    (
        first..end,
        (start + first * axis.dilation).saturating_sub(before),
    )
}

/// The outputs on `axis` (of `outputs`, with `before` its padding before the input) whose
/// windows lie wholly inside the input: `out · stride ≥ before` and `out · stride + span − 1 <
/// before + input`, with `span = dilation · (kernel − 1) + 1`. Empty when no window fits.
#[inline(always)]
fn interior(axis: &Axis, before: usize, outputs: usize) -> core::ops::Range<usize> {
    let span = axis.dilation * (axis.kernel - 1) + 1;
    let first = before.div_ceil(axis.stride);
    let end = match (before + axis.input).checked_sub(span) {
        Some(last) => (last / axis.stride + 1).min(outputs),
        None => 0,
    };
    first.min(end)..end
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
        let (rows, top) = $crate::layer::conv::geometry::inside(&geo.rows, geo.top, p);
        let (cols, left) = $crate::layer::conv::geometry::inside(&geo.cols, geo.left, q);
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

/// Runs `$body` for each run of (tap, channel) pairs of output position `$position` of `$geo`
/// that read the input, for the group whose channels start at `$first_channel`: `$len` pairs
/// whose kernel columns start at `$column` (`tap · channels of a group + channel`) and whose
/// inputs start at `$offset` in a sample, both consecutive.
///
/// With one group and no dilation along the rows of the input, a window row's taps read
/// consecutive input positions and consecutive kernel columns, channels and all: the whole row
/// is one run (a 10 × 4 kernel over one channel is 10 runs of 4, not 40 of 1, each with its
/// own offsets to compute). Otherwise each tap is a run of the group's channels.
macro_rules! for_each_run {
    ($geo:expr, $position:expr, $first_channel:expr, |$column:ident, $offset:ident, $len:ident| $body:block) => {{
        let geo: &$crate::layer::conv::geometry::Geometry = $geo;
        let (position, first_channel): (usize, usize) = ($position, $first_channel);
        let (p, q) = (position / geo.out_cols, position % geo.out_cols);
        let (rows, top) = $crate::layer::conv::geometry::inside(&geo.rows, geo.top, p);
        let (cols, left) = $crate::layer::conv::geometry::inside(&geo.cols, geo.left, q);
        let (c, cg) = (geo.channels, geo.group_channels);
        let whole_rows = geo.groups == 1 && geo.cols.dilation == 1;
        let (runs, $len) = if whole_rows {
            (1, cols.len() * cg)
        } else {
            (cols.len(), cg)
        };
        let step = geo.cols.dilation * c;
        for (n, a) in rows.enumerate() {
            let i = top + n * geo.rows.dilation;
            let first_column = (a * geo.cols.kernel + cols.start) * cg;
            let first_offset = (i * geo.cols.input + left) * c + first_channel;
            for run in 0..runs {
                let $column = first_column + run * cg;
                let $offset = first_offset + run * step;
                $body
            }
        }
    }};
}

pub(super) use for_each_run;

#[cfg(test)]
mod tests {
    use nnet_kinds::{Axis, Padding, Window};

    use super::{Geometry, inside};

    /// The taps `inside` gives are exactly those `Axis::input_of` finds inside the input, with
    /// the input of the first, and `interior_cols` the outputs that have them all, for every
    /// padding, stride and dilation of small axes.
    #[test]
    fn inside_agrees_with_input_of() {
        let mut checked = 0;
        for padding in [Padding::Valid, Padding::Same, Padding::Causal] {
            for (input, kernel, stride, dilation) in (1..9).flat_map(|n| {
                (1..6)
                    .flat_map(move |k| (1..4).flat_map(move |s| (1..4).map(move |d| (n, k, s, d))))
            }) {
                let axis = Axis::new(input, kernel, stride, dilation, padding);
                for out in 0..axis.output() {
                    let (taps, first) = inside(&axis, axis.pad_before(), out);
                    let expected: Vec<usize> = (0..kernel)
                        .filter(|&t| axis.input_of(out, t).is_some())
                        .collect();
                    assert_eq!(
                        taps.clone().collect::<Vec<_>>(),
                        expected,
                        "{axis:?} at {out}"
                    );
                    for (n, t) in taps.clone().enumerate() {
                        assert_eq!(axis.input_of(out, t), Some(first + n * dilation));
                    }
                    // The interior columns are exactly those whose every tap reads the input.
                    let geo = Geometry::new(Window::steps(axis, 1), 1, 1);
                    assert_eq!(
                        geo.interior_cols().contains(&out),
                        taps == (0..kernel),
                        "{axis:?} at {out}: interior {:?}",
                        geo.interior_cols()
                    );
                    let geo = Geometry::new(Window::image(axis, Axis::POINT, 1), 1, 1);
                    assert_eq!(geo.interior_rows().contains(&out), taps == (0..kernel));
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
