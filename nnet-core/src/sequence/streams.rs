//! [`Streams`]: long signals of one length, each cut into consecutive windows, for stateful
//! training.

use core::ops::Range;

use nalgebra::SVector;

use crate::{Error, Result, Scalar};

/// Long signals of equal length, each cut into consecutive windows of `window` steps: the
/// data of stateful training ([`Trainer::fit_stateful`](crate::train::Trainer::fit_stateful),
/// Keras's `stateful=True`), where window `k + 1` of a stream starts from the state window `k`
/// ended in.
///
/// Stream `s`'s window `k` is its steps `k · window .. (k + 1) · window`; the last window is
/// shorter when the length is not a multiple of `window`. A batch holds the same window of
/// several streams (window `k` of streams `b, b + 1, …`), so every stream's state goes on from
/// batch to batch.
///
/// The targets that go with them are, stream after stream, one per step (a network whose last
/// recurrent layer has `return_sequences`: `targets[s · stream_len + t]` for step `t` of
/// stream `s`) or one per window (a network that returns its last output:
/// `targets[s · windows + k]`).
///
/// # Examples
///
/// ```
/// use nnet_core::nalgebra::vector;
/// use nnet_core::Streams;
///
/// let a: Vec<_> = (0..5).map(|t| vector![t as f32]).collect();
/// let b: Vec<_> = (0..5).map(|t| vector![10.0 + t as f32]).collect();
/// let streams = Streams::new(&[a, b], 2)?;
/// assert_eq!((streams.len(), streams.stream_len(), streams.windows()), (2, 5, 3));
/// assert_eq!(streams.window_of(1, 1), Some(&[vector![12.0], vector![13.0]][..]));
/// assert_eq!(streams.window_of(0, 2), Some(&[vector![4.0]][..])); // the short last window
///
/// // Streams of different lengths cannot share windows.
/// assert!(Streams::new(&[vec![vector![1.0]; 4], vec![vector![1.0]; 3]], 2).is_err());
/// # Ok::<(), nnet_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Streams<const F: usize, T: Scalar = f32> {
    /// Every step of stream 0, then of stream 1, ….
    steps: Vec<SVector<T, F>>,
    streams: usize,
    length: usize,
    window: usize,
}

impl<const F: usize, T: Scalar> Streams<F, T> {
    /// The signals `signals`, each cut into windows of `window` steps.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidStreams`] for a window of 0 steps, no signal, a signal with no steps,
    /// signals of different lengths, or signals shorter than one window.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// let signal = vec![vector![0.5_f32]; 100];
    /// assert_eq!(Streams::new(&[signal.clone()], 25)?.windows(), 4);
    /// let error = Streams::new(&[signal], 0).unwrap_err();
    /// assert!(error.to_string().contains("window of 0 steps"));
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn new<S: AsRef<[SVector<T, F>]>>(signals: &[S], window: usize) -> Result<Self> {
        let invalid = |reason: String| Err(Error::InvalidStreams { reason });
        if window == 0 {
            return invalid(
                "a window of 0 steps: give each window at least one step (tens to thousands of steps are usual)".into(),
            );
        }
        let Some(first) = signals.first() else {
            return invalid("no streams: give at least one signal".into());
        };
        let length = first.as_ref().len();
        if length == 0 {
            return invalid("stream 0 has no steps: every stream needs at least one".into());
        }
        if let Some((s, other)) =
            (signals.iter().enumerate()).find(|(_, s)| s.as_ref().len() != length)
        {
            return invalid(format!(
                "stream {s} has {} steps but stream 0 has {length}: the streams of a batch advance window by window together, so they need one length; cut them to the shortest",
                other.as_ref().len()
            ));
        }
        if length < window {
            return invalid(format!(
                "the streams have {length} steps, fewer than one window of {window}: use a window of at most {length} steps"
            ));
        }
        let mut steps = Vec::with_capacity(length * signals.len());
        for signal in signals {
            steps.extend_from_slice(signal.as_ref());
        }
        Ok(Self {
            steps,
            streams: signals.len(),
            length,
            window,
        })
    }

    /// Number of streams.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// let streams = Streams::new(&[[vector![1.0]; 3]; 4], 3)?;
    /// assert_eq!(streams.len(), 4);
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.streams
    }

    /// Whether there are no streams: never, since [`new`](Self::new) refuses none.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// assert!(!Streams::new(&[[vector![1.0]]], 1)?.is_empty());
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.streams == 0
    }

    /// Number of steps of each stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// let streams = Streams::new(&[[vector![1.0]; 10], [vector![2.0]; 10]], 4)?;
    /// assert_eq!((streams.stream_len(), streams.total_steps()), (10, 20));
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn stream_len(&self) -> usize {
        self.length
    }

    /// Steps per window (the last window of each stream may be shorter).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// let streams = Streams::new(&[[vector![1.0]; 10]], 4)?;
    /// assert_eq!((streams.window(), streams.windows()), (4, 3)); // 4, 4 and 2 steps
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn window(&self) -> usize {
        self.window
    }

    /// Number of windows of each stream, `⌈stream_len / window⌉`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// assert_eq!(Streams::new(&[[vector![1.0]; 12]], 4)?.windows(), 3);
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn windows(&self) -> usize {
        self.length.div_ceil(self.window)
    }

    /// Number of steps of all streams together (see [`stream_len`](Self::stream_len)).
    pub fn total_steps(&self) -> usize {
        self.steps.len()
    }

    /// Stream `s`, or `None` past the last.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// let streams = Streams::new(&[[vector![1.0], vector![2.0]]], 1)?;
    /// assert_eq!(streams.stream(0).map(<[_]>::len), Some(2));
    /// assert_eq!(streams.stream(1), None);
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn stream(&self, s: usize) -> Option<&[SVector<T, F>]> {
        (s < self.streams).then(|| &self.steps[s * self.length..(s + 1) * self.length])
    }

    /// The steps of window `k` within each stream, or `None` past the last window.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// let streams = Streams::new(&[[vector![1.0]; 10]], 4)?;
    /// assert_eq!(streams.window_range(2), Some(8..10));
    /// assert_eq!(streams.window_range(3), None);
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn window_range(&self, k: usize) -> Option<Range<usize>> {
        (k < self.windows()).then(|| k * self.window..((k + 1) * self.window).min(self.length))
    }

    /// Window `k` of stream `s`, or `None` past the last stream or window (see the type's
    /// example).
    pub fn window_of(&self, s: usize, k: usize) -> Option<&[SVector<T, F>]> {
        self.stream(s)?.get(self.window_range(k)?)
    }

    /// The streams in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::nalgebra::vector;
    /// use nnet_core::Streams;
    ///
    /// let streams = Streams::new(&[[vector![1.0]; 3], [vector![2.0]; 3]], 2)?;
    /// let firsts: Vec<f32> = streams.iter().map(|s| s[0][0]).collect();
    /// assert_eq!(firsts, [1.0, 2.0]);
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[SVector<T, F>]> + Clone + '_ {
        self.steps
            .chunks_exact(self.length.max(1))
            .take(self.streams)
    }
}
