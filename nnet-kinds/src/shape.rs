//! The shape of one sample between two layers: a vector, a sequence of vectors, or a fixed
//! shape with channels last (Keras's `channels_last`).

use core::fmt;

/// The shape of what flows between two layers, per sample.
///
/// A sample of a fixed shape is one flat vector of [`len`](Shape::len) values in row-major
/// order, channels last (Keras's memory order): `(steps, channels)` holds step 0's channels,
/// then step 1's, … Displayed as Keras prints a layer's output shape, with `None` for the batch
/// (and for the steps of a sequence, which may have any length).
///
/// # Examples
///
/// ```
/// use nnet_kinds::Shape;
///
/// let image = Shape::Image { height: 8, width: 8, channels: 4 };
/// assert_eq!(image.len(), 256);
/// assert_eq!(image.channels(), 4);
/// assert_eq!(image.positions(), 64);
/// assert_eq!(image.to_string(), "(None, 8, 8, 4)");
/// assert_eq!(Shape::Sequence(3).to_string(), "(None, None, 3)");
/// assert_eq!(image.with_channels(10), Shape::Image { height: 8, width: 8, channels: 10 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// One vector of `n` values per sample: `input n;`, or the output of a dense layer on a
    /// vector. Keras: `(None, n)`.
    Vector(usize),
    /// A sequence of any length of vectors of `n` values: `input sequence n;`, and the output
    /// of a recurrent layer with `return_sequences`. Keras: `(None, None, n)`.
    Sequence(usize),
    /// A fixed number of steps of `channels` values: `input (steps, channels);`. Keras:
    /// `(None, steps, channels)`.
    Steps {
        /// Positions along the one axis.
        steps: usize,
        /// Values per position (the last axis).
        channels: usize,
    },
    /// An image of `height × width` pixels of `channels` values:
    /// `input (height, width, channels);`. Keras: `(None, height, width, channels)`.
    Image {
        /// Rows.
        height: usize,
        /// Columns.
        width: usize,
        /// Values per pixel (the last axis).
        channels: usize,
    },
}

impl Shape {
    /// Values of one sample (of one step, for a sequence): the product of the axes.
    pub const fn len(self) -> usize {
        match self {
            Shape::Vector(n) | Shape::Sequence(n) => n,
            Shape::Steps { steps, channels } => steps * channels,
            Shape::Image {
                height,
                width,
                channels,
            } => height * width * channels,
        }
    }

    /// Whether the shape holds no value (never for a shape `network!` accepts).
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The last axis: what a `dense` layer reads, `batch_norm` normalizes per entry and
    /// `layer_norm` normalizes over.
    pub const fn channels(self) -> usize {
        match self {
            Shape::Vector(n) | Shape::Sequence(n) => n,
            Shape::Steps { channels, .. } | Shape::Image { channels, .. } => channels,
        }
    }

    /// Positions of a sample: the product of every axis but the last (1 for a vector and for
    /// one step of a sequence).
    pub const fn positions(self) -> usize {
        match self {
            Shape::Vector(_) | Shape::Sequence(_) => 1,
            Shape::Steps { steps, .. } => steps,
            Shape::Image { height, width, .. } => height * width,
        }
    }

    /// The same shape with `channels` values on the last axis: the output of a `dense` layer
    /// of `channels` units on this shape.
    pub const fn with_channels(self, channels: usize) -> Shape {
        match self {
            Shape::Vector(_) => Shape::Vector(channels),
            Shape::Sequence(_) => Shape::Sequence(channels),
            Shape::Steps { steps, .. } => Shape::Steps { steps, channels },
            Shape::Image { height, width, .. } => Shape::Image {
                height,
                width,
                channels,
            },
        }
    }

    /// Whether the shape is fixed with more than one axis (`Steps` or `Image`).
    pub const fn is_fixed(self) -> bool {
        matches!(self, Shape::Steps { .. } | Shape::Image { .. })
    }

    /// The axes after the batch (`None` for the steps of a sequence), at most three.
    pub const fn axes(self) -> ([Option<usize>; 3], usize) {
        match self {
            Shape::Vector(n) => ([Some(n), None, None], 1),
            Shape::Sequence(n) => ([None, Some(n), None], 2),
            Shape::Steps { steps, channels } => ([Some(steps), Some(channels), None], 2),
            Shape::Image {
                height,
                width,
                channels,
            } => ([Some(height), Some(width), Some(channels)], 3),
        }
    }
}

impl fmt::Display for Shape {
    /// Keras's output shape: `(None, 10)`, `(None, None, 3)`, `(None, 8, 8, 4)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (axes, rank) = self.axes();
        f.write_str("(None")?;
        for axis in &axes[..rank] {
            match axis {
                Some(n) => write!(f, ", {n}")?,
                None => f.write_str(", None")?,
            }
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::Shape;

    #[test]
    fn lengths_and_axes() {
        let steps = Shape::Steps {
            steps: 49,
            channels: 10,
        };
        assert_eq!(
            (steps.len(), steps.positions(), steps.channels()),
            (490, 49, 10)
        );
        assert_eq!(steps.to_string(), "(None, 49, 10)");
        assert_eq!(Shape::Vector(7).to_string(), "(None, 7)");
        assert_eq!(Shape::Vector(7).positions(), 1);
        assert!(!Shape::Sequence(2).is_fixed() && steps.is_fixed());
        assert_eq!(Shape::Sequence(2).with_channels(5), Shape::Sequence(5));
    }
}
