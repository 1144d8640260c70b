//! The markers that say which of the three convolution kinds a [`Conv`](super::Conv) is:
//! the arithmetic is one, only the kind's name (and Keras's fans) differ.

use crate::layer::LayerKind;

/// The private supertrait that seals [`ConvKind`]: only the three markers of this module.
mod sealed {
    pub trait Sealed {}
}

/// Which kind of convolution a [`Conv`](super::Conv) is: `conv1d`, `conv2d` or
/// `depthwise_conv2d`. Sealed; implemented by [`Conv1dKind`], [`Conv2dKind`] and
/// [`DepthwiseConv2dKind`] only.
///
/// A depthwise convolution with depth multiplier `M` over `C` channels is the grouped
/// convolution of `C` groups and `C · M` filters, and a 1-D convolution is a 2-D one of height
/// 1, so one type computes all three; the marker gives the layer its [`LayerKind`] (its name in
/// weight files and summaries) and its initializer's fans.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{ConvKind, Conv1dKind, DepthwiseConv2dKind, LayerKind};
///
/// assert_eq!(Conv1dKind::KIND, LayerKind::Conv1d);
/// assert_eq!(DepthwiseConv2dKind::KIND.name(), "depthwise_conv2d");
/// ```
pub trait ConvKind:
    sealed::Sealed
    + Copy
    + Default
    + core::fmt::Debug
    + PartialEq
    + Eq
    + core::hash::Hash
    + Send
    + Sync
    + 'static
{
    /// The layer kind: [`LayerKind::Conv1d`], [`LayerKind::Conv2d`] or
    /// [`LayerKind::DepthwiseConv2d`].
    const KIND: LayerKind;
}

/// Marks a [`Conv`](super::Conv) as Keras's `Conv1D` (`conv1d`): a window whose rows are
/// [`Axis::POINT`](crate::layer::Axis::POINT).
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{Conv1dKind, ConvKind, LayerKind};
///
/// assert_eq!(Conv1dKind::KIND, LayerKind::Conv1d);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Conv1dKind;

/// Marks a [`Conv`](super::Conv) as Keras's `Conv2D` (`conv2d`).
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{Conv2dKind, ConvKind, LayerKind};
///
/// assert_eq!(Conv2dKind::KIND.keras_name(), "Conv2D");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Conv2dKind;

/// Marks a [`Conv`](super::Conv) as Keras's `DepthwiseConv2D` (`depthwise_conv2d`): `groups`
/// equal to the input channels, `depth_multiplier` filters per channel.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{ConvKind, DepthwiseConv2dKind, LayerKind};
///
/// assert_eq!(DepthwiseConv2dKind::KIND, LayerKind::DepthwiseConv2d);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DepthwiseConv2dKind;

impl sealed::Sealed for Conv1dKind {}
impl sealed::Sealed for Conv2dKind {}
impl sealed::Sealed for DepthwiseConv2dKind {}

impl ConvKind for Conv1dKind {
    const KIND: LayerKind = LayerKind::Conv1d;
}

impl ConvKind for Conv2dKind {
    const KIND: LayerKind = LayerKind::Conv2d;
}

impl ConvKind for DepthwiseConv2dKind {
    const KIND: LayerKind = LayerKind::DepthwiseConv2d;
}
