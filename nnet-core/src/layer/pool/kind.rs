//! The six pooling kinds as zero-sized markers: which [`LayerKind`] a [`Pool`](super::Pool)
//! is, and whether it takes the maximum or the mean of its window.

use super::super::LayerKind;

/// Not nameable outside the crate, so the six markers are the only [`PoolKind`]s.
mod sealed {
    pub trait Sealed {}
}

/// What a [`Pool`](super::Pool) computes over each window, per channel: its maximum
/// ([`MAX`](PoolKind::MAX)) or its mean. Implemented by the six markers of this module only.
///
/// # Examples
///
/// ```
/// use nnet_core::layer::{AvgPool2dKind, GlobalMaxPoolKind, LayerKind, PoolKind};
///
/// assert!(GlobalMaxPoolKind::MAX);
/// assert!(!AvgPool2dKind::MAX);
/// assert_eq!(AvgPool2dKind::KIND, LayerKind::AvgPool2d);
/// ```
pub trait PoolKind:
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
    /// The kind of layer, as `network!` and the weight files name it.
    const KIND: LayerKind;
    /// `true` for the maximum of a window, `false` for its mean.
    const MAX: bool;
}

/// Declares one marker: its name, kind, reduction and documentation.
macro_rules! pool_kinds {
    ($($(#[$doc:meta])* $name:ident => $kind:ident, $max:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl PoolKind for $name {
            const KIND: LayerKind = LayerKind::$kind;
            const MAX: bool = $max;
        }
    )*};
}

pool_kinds! {
    /// `max_pool1d`, Keras's `MaxPooling1D`: the maximum of each channel over a window of steps.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{LayerKind, MaxPool1dKind, PoolKind};
    /// assert_eq!((MaxPool1dKind::KIND, MaxPool1dKind::MAX), (LayerKind::MaxPool1d, true));
    /// ```
    MaxPool1dKind => MaxPool1d, true;
    /// `avg_pool1d`, Keras's `AveragePooling1D`: the mean of each channel over a window of
    /// steps (of the steps inside the input, with `same` padding).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{AvgPool1dKind, LayerKind, PoolKind};
    /// assert_eq!((AvgPool1dKind::KIND, AvgPool1dKind::MAX), (LayerKind::AvgPool1d, false));
    /// ```
    AvgPool1dKind => AvgPool1d, false;
    /// `max_pool2d`, Keras's `MaxPooling2D`: the maximum of each channel over a window of
    /// pixels.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{LayerKind, MaxPool2dKind, PoolKind};
    /// assert_eq!((MaxPool2dKind::KIND, MaxPool2dKind::MAX), (LayerKind::MaxPool2d, true));
    /// ```
    MaxPool2dKind => MaxPool2d, true;
    /// `avg_pool2d`, Keras's `AveragePooling2D`: the mean of each channel over a window of
    /// pixels (of the pixels inside the input, with `same` padding).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{AvgPool2dKind, LayerKind, PoolKind};
    /// assert_eq!((AvgPool2dKind::KIND, AvgPool2dKind::MAX), (LayerKind::AvgPool2d, false));
    /// ```
    AvgPool2dKind => AvgPool2d, false;
    /// `global_avg_pool`, Keras's `GlobalAveragePooling1D`/`2D`: the mean of each channel over
    /// every position.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{GlobalAvgPoolKind, LayerKind, PoolKind};
    /// assert_eq!(GlobalAvgPoolKind::KIND, LayerKind::GlobalAvgPool);
    /// assert!(!GlobalAvgPoolKind::MAX);
    /// ```
    GlobalAvgPoolKind => GlobalAvgPool, false;
    /// `global_max_pool`, Keras's `GlobalMaxPooling1D`/`2D`: the maximum of each channel over
    /// every position.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::layer::{GlobalMaxPoolKind, LayerKind, PoolKind};
    /// assert_eq!(GlobalMaxPoolKind::KIND, LayerKind::GlobalMaxPool);
    /// assert!(GlobalMaxPoolKind::MAX);
    /// ```
    GlobalMaxPoolKind => GlobalMaxPool, true;
}
