//! Where a tensor's values sit beyond its rows and columns: the kernel of a convolution, which
//! PyTorch and Keras store with one axis per kernel axis (and PyTorch with the input channels
//! before the taps), and the inputs of a layer after `flatten`, which PyTorch's `nn.Flatten`
//! orders channels first where nnet and Keras order them channels last.

use nnet_kinds::Shape;

use super::TensorSpec;
use crate::Naming;
use crate::foreign::LayerKind;

/// How the values of one of a network's tensors are laid out beyond its rows and columns, for
/// the importers: what a file of PyTorch's or Keras's layout needs to be read into nnet's.
/// nnet's own files never depend on it.
///
/// # Examples
///
/// ```
/// use nnet_safetensors::{LayerKind, Layout, Naming, Shape, TensorSpec};
///
/// // A conv2d of 6 filters with a 3 × 2 kernel over 2 input channels: [6, 3·2·2] in nnet's
/// // files, (kh, kw, in, filters) in Keras's and (filters, in, kh, kw) in PyTorch's.
/// let kernel = TensorSpec::matrix(LayerKind::Conv2d, "conv2d1", "kernel", 6, 12)
///     .with_layout(Layout::Kernel { size: [3, 2], multiplier: 1 });
/// assert_eq!(kernel.file_shape(Naming::Nnet), [6, 12]);
/// assert_eq!(kernel.file_shape(Naming::Keras), [3, 2, 2, 6]);
/// assert_eq!(kernel.file_shape(Naming::PyTorch), [6, 2, 3, 2]);
///
/// // A dense layer after `flatten` of (2, 2, 3): its file shapes are the usual ones, but
/// // PyTorch's columns are in (channel, row, column) order.
/// let image = Shape::Image { height: 2, width: 2, channels: 3 };
/// let weight = TensorSpec::matrix(LayerKind::Dense, "dense1", "weight", 4, 12)
///     .with_layout(Layout::Flattened(image));
/// assert_eq!(weight.file_shape(Naming::PyTorch), [4, 12]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// Rows and columns are all there is: dense weights, vectors, recurrent kernels.
    #[default]
    Plain,
    /// The kernel of a convolution (`conv1d`, `conv2d`, `depthwise_conv2d`): one row per filter
    /// (output channel), each row the filter's weights in (kernel row, kernel column, input
    /// channel of its group) order, so its columns are the taps times the input channels each
    /// filter reads (`in / groups`; 1 for a depthwise kernel).
    ///
    /// | kind | nnet | Keras | PyTorch |
    /// | --- | --- | --- | --- |
    /// | `conv1d` | `[filters, k·in/groups]` | `kernel` `(k, in/groups, filters)` | `nn.Conv1d` `weight` `(filters, in/groups, k)` |
    /// | `conv2d` | `[filters, kh·kw·in/groups]` | `kernel` `(kh, kw, in/groups, filters)` | `nn.Conv2d` `weight` `(filters, in/groups, kh, kw)` |
    /// | `depthwise_conv2d` | `[channels·multiplier, kh·kw]` | `kernel` `(kh, kw, channels, multiplier)` | `nn.Conv2d(groups=channels)` `weight` `(channels·multiplier, 1, kh, kw)` |
    ///
    /// Keras's kernels, flattened over their leading axes, are nnet's transposed; PyTorch's
    /// hold each filter's input channels before its taps, which the import swaps.
    Kernel {
        /// Taps along each axis of the window, `[kh, kw]`; `[1, k]` for a 1-D kernel.
        size: [usize; 2],
        /// Output channels per input channel of a depthwise kernel (`depth_multiplier`); 1 for
        /// other kernels.
        multiplier: usize,
    },
    /// The inputs of a layer after `flatten` (a dense layer's weight columns, or the vectors of
    /// a normalization between the two) are the values of this fixed shape, in nnet's (and
    /// Keras's) channels-last order `(positions, channel)`. PyTorch's `nn.Flatten` of a
    /// channels-first tensor orders them `(channel, positions)`: the import permutes them.
    Flattened(Shape),
}

/// A permutation of the columns (or, for a vector, the rows) of a tensor from a file that holds
/// `channels × positions` values channels first into nnet's channels-last order: nnet's index
/// `p · channels + c` reads the file's `c · positions + p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChannelsFirst {
    pub(crate) channels: usize,
    pub(crate) positions: usize,
    /// Whether the rows (of a vector) are permuted, rather than the columns (of a matrix).
    pub(crate) rows: bool,
}

impl ChannelsFirst {
    /// The file's index of nnet's index `j`.
    pub(crate) fn index(self, j: usize) -> usize {
        match self.channels {
            0 => j,
            channels => (j % channels) * self.positions + j / channels,
        }
    }
}

impl TensorSpec<'_> {
    /// The kernel's axes and sizes, if the tensor is a convolution's kernel: the axes of its
    /// window (1 or 2), `[kh, kw]`, the input channels each filter reads and the depth
    /// multiplier if the kind is depthwise.
    fn kernel(&self) -> Option<(usize, [usize; 2], usize, Option<usize>)> {
        let Layout::Kernel { size, multiplier } = self.layout else {
            return None;
        };
        let decl = self.kind.decl();
        let taps = size[0] * size[1];
        let depthwise = decl.option("depth_multiplier").is_some();
        let group_inputs = self.cols.checked_div(taps).unwrap_or(0);
        Some((
            decl.number.kernel_axes(),
            size,
            group_inputs,
            depthwise.then_some(multiplier),
        ))
    }

    /// What is wrong with the tensor's layout for its rows and columns, if anything: a
    /// network's description that does not hold together, never a file's fault.
    pub(crate) fn layout_problem(&self) -> Option<String> {
        let name = self.name();
        match self.layout {
            Layout::Plain => None,
            Layout::Kernel { size, multiplier } => {
                let (axes, _, group_inputs, depthwise) = self.kernel()?;
                let taps = size[0] * size[1];
                if !self.matrix || !(1..=2).contains(&axes) || (axes == 1 && size[0] != 1) {
                    Some(format!(
                        "`{name}` is described as a {axes}-axis kernel of {size:?} taps, which a {} layer's {} is not",
                        self.kind.name(),
                        self.tensor
                    ))
                } else if taps == 0 || group_inputs * taps != self.cols || group_inputs == 0 {
                    Some(format!(
                        "`{name}` has {} columns, which are no whole number of input channels for a kernel of {taps} taps",
                        self.cols
                    ))
                } else if depthwise.is_some()
                    && (group_inputs != 1
                        || multiplier == 0
                        || !self.rows.is_multiple_of(multiplier))
                {
                    Some(format!(
                        "`{name}` is a depthwise kernel of {} rows and {} columns, which is no kernel of {taps} taps with a depth multiplier of {multiplier}",
                        self.rows, self.cols
                    ))
                } else {
                    None
                }
            }
            Layout::Flattened(shape) => {
                let inputs = if self.matrix { self.cols } else { self.rows };
                (inputs != shape.len()).then(|| {
                    format!(
                        "`{name}` is described as reading the {} values of {shape} flattened, but it has {inputs}",
                        shape.len()
                    )
                })
            }
        }
    }

    /// The shape of a kernel in a file of `naming`, if the tensor is one and the file is not
    /// nnet's.
    pub(crate) fn kernel_file_shape(&self, naming: Naming) -> Option<Vec<usize>> {
        let (axes, [kh, kw], group_inputs, depthwise) = self.kernel()?;
        let spatial: &[usize] = if axes == 1 { &[kw] } else { &[kh, kw] };
        let mut shape = Vec::with_capacity(4);
        match naming {
            Naming::Nnet => return None,
            Naming::Keras => {
                shape.extend_from_slice(spatial);
                match depthwise {
                    Some(m) => shape.extend([self.rows / m.max(1), m]),
                    None => shape.extend([group_inputs, self.rows]),
                }
            }
            Naming::PyTorch => {
                shape.extend([self.rows, group_inputs]);
                shape.extend_from_slice(spatial);
            }
        }
        Some(shape)
    }

    /// The axes of a kernel in a file of `naming` and their sizes, for messages:
    /// `[kernel rows, kernel columns, input channels / groups, filters]` and `a 3×2 kernel, 2
    /// input channels per filter, 6 filters`.
    pub(crate) fn kernel_axes(&self, naming: Naming) -> Option<(&'static str, String)> {
        let (axes, [kh, kw], group_inputs, depthwise) = self.kernel()?;
        let two = axes == 2;
        let axes_text = match (naming, depthwise, two) {
            (Naming::Nnet, Some(_), _) => "[channels·depth multiplier, taps]",
            (Naming::Nnet, None, _) => "[filters, taps·input channels per filter]",
            (Naming::Keras, Some(_), _) => {
                "[kernel rows, kernel columns, channels, depth multiplier]"
            }
            (Naming::Keras, None, true) => {
                "[kernel rows, kernel columns, input channels / groups, filters]"
            }
            (Naming::Keras, None, false) => "[kernel, input channels / groups, filters]",
            (Naming::PyTorch, Some(_), _) => {
                "[channels·depth multiplier, 1, kernel rows, kernel columns]"
            }
            (Naming::PyTorch, None, true) => {
                "[filters, input channels / groups, kernel rows, kernel columns]"
            }
            (Naming::PyTorch, None, false) => "[filters, input channels / groups, kernel]",
        };
        let size = if two {
            format!("a {kh}×{kw} kernel")
        } else {
            format!("a kernel of {kw}")
        };
        let sizes = match depthwise {
            Some(m) => format!(
                "{size}, {} channels, depth multiplier {m}",
                self.rows / m.max(1)
            ),
            None => format!(
                "{size}, {group_inputs} input channel{} per filter, {} filters",
                if group_inputs == 1 { "" } else { "s" },
                self.rows
            ),
        };
        Some((axes_text, sizes))
    }

    /// How a file of `naming` orders the tensor's columns (or a vector's rows) against nnet,
    /// if it differs: PyTorch's kernels (each filter's input channels before its taps) and
    /// the inputs of a layer after `nn.Flatten` (channels first).
    pub(crate) fn channels_first(&self, naming: Naming) -> Option<ChannelsFirst> {
        if naming != Naming::PyTorch {
            return None;
        }
        let permutation = match self.layout {
            Layout::Plain => return None,
            Layout::Kernel { size, .. } => ChannelsFirst {
                channels: self.kernel()?.2,
                positions: size[0] * size[1],
                rows: false,
            },
            Layout::Flattened(shape) => ChannelsFirst {
                channels: shape.channels(),
                positions: shape.positions(),
                rows: !self.matrix,
            },
        };
        // With one channel or one position, both orders are the same.
        (permutation.channels > 1 && permutation.positions > 1).then_some(permutation)
    }
}

/// Axes of the first tensor of `kind` in PyTorch's and Keras's files: 1 for a vector, 2 for a
/// matrix, 2 + the kernel's axes for a convolution's kernel.
pub(crate) fn file_rank(kind: LayerKind) -> Option<usize> {
    let decl = kind.decl();
    let first = decl.tensors.first()?;
    Some(match first.cols {
        None => 1,
        Some(_) => 2 + decl.number.kernel_axes(),
    })
}
