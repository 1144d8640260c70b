//! The resolved settings of convolution and pooling lines, and the window each slides over the
//! shape it reads, by `nnet_kinds`'s arithmetic (Keras's output lengths and padding).
//!
//! Every per-axis setting is `[rows, columns]`: a 1-D layer over `(steps, channels)` has one
//! row, so its kernel `k` is `[1, k]`, as [`Window::steps`] puts its steps on the columns.

use nnet_kinds::{Axis, Padding, Shape, Window};

use super::{Activation, Decimal, Init, KindWord};

/// A value per axis of a window, `[rows, columns]`.
pub(crate) type Axes2 = [usize; 2];

/// A `conv1d`, `conv2d` or `depthwise_conv2d` line, every option resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conv {
    pub word: KindWord,
    pub activation: Activation,
    /// The filters written on a `conv1d` or `conv2d` line; 0 on a depthwise line, whose
    /// output channels are its input channels times `depth_multiplier`.
    pub filters: usize,
    pub kernel: Axes2,
    pub strides: Axes2,
    pub dilation: Axes2,
    pub padding: Padding,
    /// `groups` as written (1 by default); a depthwise convolution has one group per input
    /// channel instead.
    pub groups: usize,
    pub depth_multiplier: usize,
    pub use_bias: bool,
    pub init: Init,
    pub bias_init: Init,
    pub l1: Decimal,
    pub l2: Decimal,
}

impl Conv {
    /// Whether this is a `depthwise_conv2d`.
    pub(crate) fn is_depthwise(&self) -> bool {
        self.word == KindWord::DepthwiseConv2d
    }

    /// Groups of input channels, each read by its share of the filters: one per channel of a
    /// depthwise convolution.
    pub(crate) fn groups(&self, channels: usize) -> usize {
        if self.is_depthwise() {
            channels
        } else {
            self.groups
        }
    }

    /// Output channels (the layer's filters, `F`): the filters, or a depthwise convolution's
    /// input channels times its depth multiplier.
    pub(crate) fn out_channels(&self, channels: usize) -> usize {
        if self.is_depthwise() {
            channels.saturating_mul(self.depth_multiplier)
        } else {
            self.filters
        }
    }

    /// The window over `input`, if it is a fixed shape.
    pub(crate) fn window(&self, input: Shape) -> Option<Window> {
        window(
            input,
            self.kernel,
            self.strides,
            self.dilation,
            self.padding,
        )
    }

    /// Values one filter reads (`K`): the window's taps times the input channels of its group.
    pub(crate) fn taps_per_filter(&self, window: &Window) -> usize {
        let groups = self.groups(window.channels).max(1);
        window.taps().saturating_mul(window.channels / groups)
    }

    /// Values one filter of a `conv1d` streamed over a sequence of `channels` reads (`K`): its
    /// taps times the input channels of its group (a sequence has no window, one step at a
    /// time).
    pub(crate) fn causal_taps_per_filter(&self, channels: usize) -> usize {
        let groups = self.groups(channels).max(1);
        self.kernel[1].saturating_mul(channels / groups)
    }

    /// The past inputs a causal `conv1d` reads before the current one, `dilation · (kernel − 1)`
    /// (Keras's left padding, saturating).
    pub(crate) fn history(&self) -> usize {
        self.dilation[1].saturating_mul(self.kernel[1].saturating_sub(1))
    }
}

/// A `max_pool1d`, `avg_pool1d`, `max_pool2d` or `avg_pool2d` line, every option resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pool {
    pub word: KindWord,
    pub kernel: Axes2,
    pub strides: Axes2,
    pub padding: Padding,
}

impl Pool {
    /// The window over `input`, if it is a fixed shape.
    pub(crate) fn window(&self, input: Shape) -> Option<Window> {
        window(input, self.kernel, self.strides, [1, 1], self.padding)
    }
}

/// The window of a global pooling over `input`: one window over every position.
pub(crate) fn global_window(input: Shape) -> Option<Window> {
    let whole = |n: usize| Axis::new(n, n, 1, 1, Padding::Valid);
    match input {
        Shape::Steps { steps, channels } => Some(Window::steps(whole(steps), channels)),
        Shape::Image {
            height,
            width,
            channels,
        } => Some(Window::image(whole(height), whole(width), channels)),
        Shape::Vector(_) | Shape::Sequence(_) => None,
    }
}

/// The window of `kernel`, `strides`, `dilation` and `padding` over `input`, if it is a fixed
/// shape (a 1-D setting's rows are ignored on steps, which have none).
pub(crate) fn window(
    input: Shape,
    kernel: Axes2,
    strides: Axes2,
    dilation: Axes2,
    padding: Padding,
) -> Option<Window> {
    let axis = |n: usize, i: usize| Axis::new(n, kernel[i], strides[i], dilation[i], padding);
    match input {
        Shape::Steps { steps, channels } => Some(Window::steps(axis(steps, 1), channels)),
        Shape::Image {
            height,
            width,
            channels,
        } => Some(Window::image(axis(height, 0), axis(width, 1), channels)),
        Shape::Vector(_) | Shape::Sequence(_) => None,
    }
}

/// The shape a window over `input` outputs with `channels` per position.
pub(crate) fn output_of(input: Shape, window: &Window, channels: usize) -> Shape {
    match input {
        Shape::Image { .. } => Shape::Image {
            height: window.rows.output(),
            width: window.cols.output(),
            channels,
        },
        _ => Shape::Steps {
            steps: window.cols.output(),
            channels,
        },
    }
}

/// `3` when every axis has the same value, else `(10, 4)`; `axes` is 1 or 2 (a 1-D value is its
/// columns').
pub(crate) fn axes_text(values: Axes2, axes: usize) -> String {
    if axes < 2 || values[0] == values[1] {
        values[1].to_string()
    } else {
        format!("({}, {})", values[0], values[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_put_steps_on_the_columns() {
        let steps = Shape::Steps {
            steps: 10,
            channels: 3,
        };
        let over_steps = window(steps, [1, 3], [1, 2], [1, 1], Padding::Valid).unwrap();
        assert_eq!(
            (over_steps.rows, over_steps.cols.output(), over_steps.taps()),
            (Axis::POINT, 4, 3)
        );
        assert_eq!(
            output_of(steps, &over_steps, 8),
            Shape::Steps {
                steps: 4,
                channels: 8
            }
        );
        let image = Shape::Image {
            height: 49,
            width: 10,
            channels: 1,
        };
        let over_image = window(image, [10, 4], [2, 2], [1, 1], Padding::Same).unwrap();
        assert_eq!(
            output_of(image, &over_image, 64),
            Shape::Image {
                height: 25,
                width: 5,
                channels: 64
            }
        );
        assert_eq!(global_window(image).unwrap().positions(), 1);
        assert!(global_window(Shape::Vector(3)).is_none());
        assert_eq!(axes_text([10, 4], 2), "(10, 4)");
        assert_eq!(axes_text([3, 3], 2), "3");
        assert_eq!(axes_text([1, 5], 1), "5");
    }
}
