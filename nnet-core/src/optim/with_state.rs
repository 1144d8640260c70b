//! An optimizer as its settings plus the state its updates keep: [`WithState`], driven by any
//! [`OptimizerConfig`].

use core::fmt::Debug;

use crate::optim::{Clip, Optimizer, clip_gradients};
use crate::{Parameters, Result, Scalar};

/// An optimizer's settings, and the update rule they define.
///
/// Implemented by [`SgdConfig`](crate::optim::SgdConfig),
/// [`AdamConfig`](crate::optim::AdamConfig), [`AdamWConfig`](crate::optim::AdamWConfig),
/// [`RmsPropConfig`](crate::optim::RmsPropConfig) and
/// [`AdagradConfig`](crate::optim::AdagradConfig). [`WithState`] adds the state and implements
/// [`Optimizer`] for every implementation, clipping the gradients before each
/// [`update`](OptimizerConfig::update); so a new optimizer is a config and its update.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Clip, Optimizer, OptimizerConfig, WithState};
/// use nnet_core::{DenseGradient, Parameters, Result, Scalar};
///
/// /// Sign descent: `w ← w − η · sign(g)`, without state.
/// #[derive(Debug, Clone)]
/// struct SignConfig {
///     learning_rate: f64,
/// }
///
/// impl OptimizerConfig for SignConfig {
///     type State = ();
///     fn learning_rate(&self) -> f64 {
///         self.learning_rate
///     }
///     fn set_learning_rate(&mut self, learning_rate: f64) {
///         self.learning_rate = learning_rate;
///     }
///     fn clip(&self) -> Option<Clip> {
///         None
///     }
///     fn validate(&self) -> Result<()> {
///         Ok(())
///     }
///     fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
///         &self,
///         _: &mut (),
///         params: &mut P,
///         grads: &G,
///     ) {
///         // Settings are `f64`; the arithmetic is in the network's scalar `T`.
///         let rate = T::of_f64(self.learning_rate);
///         for i in 0..P::TENSORS {
///             for (w, &g) in params.tensor_mut(i).iter_mut().zip(grads.tensor(i)) {
///                 *w -= rate * g.signum();
///             }
///         }
///     }
/// }
///
/// let mut sign = WithState::new(SignConfig { learning_rate: 0.5 });
/// let (mut w, mut g) = (DenseGradient::<1, 1>::zeroed(), DenseGradient::<1, 1>::zeroed());
/// g.tensor_mut(0)[0] = 3.0;
/// sign.step(&mut w, &mut g);
/// assert_eq!(w.tensor(0)[0], -0.5);
/// ```
pub trait OptimizerConfig: Clone + Debug + Send {
    /// What the update keeps from one step to the next (moments, velocities, a step count);
    /// empty until the first step.
    type State: Clone + Debug + Default + Send;

    /// The learning rate `η`.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (learning-rate schedules do, before each epoch).
    fn set_learning_rate(&mut self, learning_rate: f64);

    /// The gradient clipping applied before each update.
    fn clip(&self) -> Option<Clip>;

    /// Checks every setting, the learning rate and the clipping included.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHyperparameter`](crate::Error::InvalidHyperparameter) naming the first
    /// setting out of range.
    fn validate(&self) -> Result<()>;

    /// One update of `params` from `grads` (already clipped), allocating `state` on the first
    /// call and reusing it after. Settings become `T` where they are used (`T::of_f64`, or
    /// [`held`](crate::optim::held) for a per-step scalar computed in `f64`).
    fn update<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        state: &mut Self::State,
        params: &mut P,
        grads: &G,
    );

    /// [`update`](OptimizerConfig::update), saving every tensor of `params` into `previous`
    /// first; returns whether the trainable tensors of `params` are all finite after (see
    /// [`Optimizer::step_saving`]). The default copies, updates and checks in three passes.
    fn update_saving<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &self,
        state: &mut Self::State,
        params: &mut P,
        grads: &G,
        previous: &mut P,
    ) -> bool {
        super::saving(params, previous, |params| self.update(state, params, grads))
    }
}

/// The accessors of [`OptimizerConfig`] for a config with fields `learning_rate: f64` and
/// `clip: Option<Clip>`, as every config here has: written once, used in each `impl`.
macro_rules! learning_rate_and_clip {
    () => {
        fn learning_rate(&self) -> f64 {
            self.learning_rate
        }

        fn set_learning_rate(&mut self, learning_rate: f64) {
            self.learning_rate = learning_rate;
        }

        fn clip(&self) -> Option<Clip> {
            self.clip
        }
    };
}
pub(crate) use learning_rate_and_clip;

/// An optimizer: its settings `config`, public plain data, and the state its updates keep.
///
/// [`Sgd`](crate::optim::Sgd), [`Adam`](crate::optim::Adam), [`AdamW`](crate::optim::AdamW),
/// [`RmsProp`](crate::optim::RmsProp) and [`Adagrad`](crate::optim::Adagrad) are this type
/// with their configs. The state is allocated on the first [`step`](Optimizer::step) and reused
/// after, so steady-state training allocates nothing.
///
/// # Examples
///
/// ```
/// use nnet_core::optim::{Adam, AdamConfig, Optimizer};
///
/// let adam = Adam::new(AdamConfig { beta_1: 0.5, ..AdamConfig::default() });
/// assert_eq!((adam.config.beta_1, adam.learning_rate()), (0.5, 0.001));
/// assert_eq!(Adam::with_learning_rate(0.01).config.learning_rate, 0.01);
/// ```
#[derive(Debug, Clone, Default)]
pub struct WithState<C: OptimizerConfig> {
    /// The settings. Changing them between steps is allowed: the state is kept.
    pub config: C,
    pub(crate) state: C::State,
}

impl<C: OptimizerConfig> WithState<C> {
    /// The optimizer with these settings and no state yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Clip, Sgd, SgdConfig};
    ///
    /// let sgd = Sgd::new(SgdConfig { momentum: 0.9, clip: Some(Clip::Norm(1.0)), ..SgdConfig::default() });
    /// assert_eq!(sgd.config.learning_rate, 0.01);
    /// ```
    pub fn new(config: C) -> Self {
        Self {
            config,
            state: C::State::default(),
        }
    }

    /// Forgets the state (moments, velocities, step count), e.g. before training another
    /// network; the settings stay.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{Optimizer, Sgd, SgdConfig};
    /// use nnet_core::{DenseGradient, Parameters};
    ///
    /// let mut sgd = Sgd::new(SgdConfig { learning_rate: 1.0, momentum: 0.5, ..SgdConfig::default() });
    /// let (mut w, mut g) = (DenseGradient::<1, 1>::zeroed(), DenseGradient::<1, 1>::zeroed());
    /// g.tensor_mut(0)[0] = 1.0;
    /// sgd.step(&mut w, &mut g);
    /// sgd.reset();
    /// sgd.step(&mut w, &mut g); // a first step again: no velocity carried over
    /// assert_eq!(w.tensor(0)[0], -2.0);
    /// ```
    pub fn reset(&mut self) {
        self.state = C::State::default();
    }

    /// Clips `grads` as the config says, before an update.
    fn clip<T: Scalar, G: Parameters<T>>(&self, grads: &mut G) {
        if let Some(clip) = self.config.clip() {
            clip_gradients(grads, clip);
        }
    }
}

impl<C: OptimizerConfig + Default> WithState<C> {
    /// The optimizer with Keras's defaults but for the learning rate.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::optim::{RmsProp, RmsPropConfig};
    ///
    /// let rmsprop = RmsProp::with_learning_rate(0.01);
    /// assert_eq!(rmsprop.config, RmsPropConfig { learning_rate: 0.01, ..RmsPropConfig::default() });
    /// ```
    pub fn with_learning_rate(learning_rate: f64) -> Self {
        let mut config = C::default();
        config.set_learning_rate(learning_rate);
        Self::new(config)
    }
}

impl<C: OptimizerConfig> Optimizer for WithState<C> {
    fn learning_rate(&self) -> f64 {
        self.config.learning_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.config.set_learning_rate(learning_rate);
    }

    fn validate(&self) -> Result<()> {
        self.config.validate()
    }

    /// Keras's order: clip the gradients, then update (weight decay first, for AdamW).
    fn step<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &mut self,
        params: &mut P,
        grads: &mut G,
    ) {
        self.clip(grads);
        self.config.update(&mut self.state, params, grads);
    }

    /// As [`step`](Self::step), with the config's saving update.
    fn step_saving<T: Scalar, P: Parameters<T>, G: Parameters<T>>(
        &mut self,
        params: &mut P,
        grads: &mut G,
        previous: &mut P,
    ) -> bool {
        self.clip(grads);
        self.config
            .update_saving(&mut self.state, params, grads, previous)
    }
}
