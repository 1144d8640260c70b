//! The arithmetic of a sliding window (convolution and pooling) over a fixed shape, Keras's:
//! output lengths, padding, and where each output position reads its inputs.
//!
//! `nnet-macros` computes the shapes it checks with these functions and `nnet-core`'s layers
//! slide their windows with them, so the two cannot disagree.

/// How a window treats the edges of its axis (Keras's `padding`).
///
/// # Examples
///
/// ```
/// use nnet_kinds::Padding;
///
/// assert_eq!(Padding::from_word("same"), Some(Padding::Same));
/// assert_eq!(Padding::Causal.word(), "causal");
/// assert_eq!(Padding::from_word("full"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Padding {
    /// No padding: only windows entirely inside the input; the output is shorter.
    #[default]
    Valid,
    /// Zeros around the input so that the output has `⌈n / stride⌉` positions; an odd total
    /// puts the extra zero on the right (bottom), as TensorFlow and Keras do.
    Same,
    /// `dilation · (kernel − 1)` zeros on the left only (1-D convolutions): output `t` sees
    /// inputs up to `t` and none after it.
    Causal,
}

impl Padding {
    /// Every padding, in the order the grammar lists them.
    pub const ALL: [Padding; 3] = [Padding::Valid, Padding::Same, Padding::Causal];

    /// The word of the grammar: `valid`, `same` or `causal`.
    pub const fn word(self) -> &'static str {
        match self {
            Padding::Valid => "valid",
            Padding::Same => "same",
            Padding::Causal => "causal",
        }
    }

    /// The padding a word names, or `None`.
    pub fn from_word(word: &str) -> Option<Padding> {
        Padding::ALL.into_iter().find(|p| p.word() == word)
    }
}

/// One axis of a sliding window: an input of `input` positions read by a kernel of `kernel`
/// taps, `dilation` apart, moved by `stride`, with `padding` at the edges.
///
/// Output length (Keras): `valid` ⌊(n − d(k − 1) − 1) / s⌋ + 1 (zero when the dilated kernel
/// is longer than the input), `same` and `causal` ⌈n / s⌉.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Axis, Padding};
///
/// let valid = Axis::new(10, 3, 2, 1, Padding::Valid);
/// assert_eq!(valid.output(), 4); // windows start at 0, 2, 4, 6
/// let same = Axis::new(10, 4, 3, 1, Padding::Same);
/// assert_eq!((same.output(), same.pad_before()), (4, 1)); // total padding 3: 1 left, 2 right
/// let causal = Axis::new(8, 3, 1, 2, Padding::Causal);
/// assert_eq!((causal.output(), causal.pad_before()), (8, 4));
/// // Output 5 reads inputs 1, 3 and 5; output 0 reads two zeros and input 0.
/// assert_eq!(causal.input_of(5, 0), Some(1));
/// assert_eq!(causal.input_of(0, 1), None);
/// assert_eq!(causal.input_of(0, 2), Some(0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Axis {
    /// Positions of the input along the axis.
    pub input: usize,
    /// Taps of the kernel (or cells of the pool).
    pub kernel: usize,
    /// Positions the window moves between two outputs.
    pub stride: usize,
    /// Distance between two taps (1: adjacent).
    pub dilation: usize,
    /// What happens at the edges.
    pub padding: Padding,
}

impl Axis {
    /// An axis of one position read by one tap: the height of a 1-D layer.
    pub const POINT: Axis = Axis::new(1, 1, 1, 1, Padding::Valid);

    /// An axis from its five values.
    pub const fn new(
        input: usize,
        kernel: usize,
        stride: usize,
        dilation: usize,
        padding: Padding,
    ) -> Axis {
        Axis {
            input,
            kernel,
            stride,
            dilation,
            padding,
        }
    }

    /// Input positions one window covers: `dilation · (kernel − 1) + 1`.
    pub const fn span(&self) -> usize {
        self.dilation * self.kernel.saturating_sub(1) + 1
    }

    /// Output positions (0 for a `valid` window longer than the input, or a zero stride).
    pub const fn output(&self) -> usize {
        if self.stride == 0 {
            return 0;
        }
        match self.padding {
            Padding::Valid => {
                if self.input < self.span() {
                    0
                } else {
                    (self.input - self.span()) / self.stride + 1
                }
            }
            Padding::Same | Padding::Causal => self.input.div_ceil(self.stride),
        }
    }

    /// Zeros before the first input: 0 for `valid`, half the total (rounded down) for `same`,
    /// `dilation · (kernel − 1)` for `causal`.
    pub const fn pad_before(&self) -> usize {
        match self.padding {
            Padding::Valid => 0,
            Padding::Causal => self.span() - 1,
            Padding::Same => {
                let out = self.output();
                let needed = if out == 0 {
                    0
                } else {
                    (out - 1) * self.stride + self.span()
                };
                needed.saturating_sub(self.input) / 2
            }
        }
    }

    /// The input position tap `tap` of output `out` reads, or `None` where it reads padding.
    pub const fn input_of(&self, out: usize, tap: usize) -> Option<usize> {
        let position = out * self.stride + tap * self.dilation;
        let before = self.pad_before();
        if position < before || position - before >= self.input {
            None
        } else {
            Some(position - before)
        }
    }
}

/// A window over a fixed shape, `(height, width, channels)` with channels last: two [`Axis`]es
/// and the channels. A 1-D layer over `(steps, channels)` has [`Axis::POINT`] as its rows and
/// the steps as its columns, so that both read the same flat, channels-last sample.
///
/// Input value `(i, j, c)` is at `(i · width + j) · channels + c`; output value `(p, q, f)` at
/// `(p · out_width + q) · out_channels + f`.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{Axis, Padding, Window};
///
/// // `input (5, 2); conv1d … 3 (padding = same)`: 5 steps of 2 channels.
/// let window = Window::steps(Axis::new(5, 3, 1, 1, Padding::Same), 2);
/// assert_eq!((window.inputs(), window.positions()), (10, 5));
/// assert_eq!(window.taps(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The vertical axis (rows of an image; [`Axis::POINT`] for steps).
    pub rows: Axis,
    /// The horizontal axis (columns of an image, or steps).
    pub cols: Axis,
    /// Values per input position.
    pub channels: usize,
}

impl Window {
    /// A 2-D window over `(rows.input, cols.input, channels)`.
    pub const fn image(rows: Axis, cols: Axis, channels: usize) -> Window {
        Window {
            rows,
            cols,
            channels,
        }
    }

    /// A 1-D window over `(steps.input, channels)`.
    pub const fn steps(steps: Axis, channels: usize) -> Window {
        Window::image(Axis::POINT, steps, channels)
    }

    /// Values of one input sample: `height · width · channels`.
    pub const fn inputs(&self) -> usize {
        self.rows.input * self.cols.input * self.channels
    }

    /// Output positions: `out_height · out_width`.
    pub const fn positions(&self) -> usize {
        self.rows.output() * self.cols.output()
    }

    /// Taps of one window: `kernel_rows · kernel_cols`.
    pub const fn taps(&self) -> usize {
        self.rows.kernel * self.cols.kernel
    }
}
