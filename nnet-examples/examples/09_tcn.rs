//! A small TCN — a stack of dilated causal convolutions — learns the audio effect of `07_amp`
//! (a low-pass filter into a saturating amplifier), then streams unseen audio sample by sample
//! beside `07_amp`'s GRU, trained in the same run on the same audio.
//!
//! The TCN: six `conv1d 8 2 (padding = causal)` with dilations 1, 2, 4, 8, 16 and 32, whose
//! receptive field is 64 samples (1 + 1 + 2 + … + 32): at 48 kHz the effect's one-pole filter
//! at 1.5 kHz has forgotten an input after about 35 samples (to 0.1 %), so the stack sees the
//! whole memory of the effect. The convolutions are linear, as the filter is; `dense 8 tanh;
//! dense 1` after them, at every step, learns the saturation. In a network with `input
//! sequence 1;` each causal convolution keeps its past inputs in the network's state (here
//! 1 + 2·8 + 4·8 + … + 32·8 = 497 values), so `step` streams it as it streams the GRU.
//!
//! Both are trained many-to-many on 8 seconds of audio cut into windows of 2,048 samples, mean
//! squared error, Adam (the TCN with a cosine decay of its learning rate, the GRU with
//! `07_amp`'s configuration); then 4 seconds of other audio are streamed through each with
//! `step`, one call per sample from a zero state, as in a real-time audio callback. Prints each
//! network's error-to-signal ratio `ESR = Σ(y − ŷ)² / Σy²` on that audio and the time per
//! streamed sample (the fastest of three passes), with the references of `07_amp`.
//!
//! Measured (release, 2 cores shared with other builds at load averages 6.9–7.1, 7 December;
//! the same ESR on every run, the times vary with the load): the TCN **ESR 0.00008**, trained
//! 20 epochs in 9.5–9.8 s, **226–246 ns per sample** (85–92× real time); the GRU ESR 0.00040
//! (`07_amp`'s figure), trained 40 epochs in 5.4–5.7 s, 154–175 ns per sample (119–135×). The
//! TCN is five times as accurate and a little slower per sample: 728 multiply-accumulates and
//! six ring buffers against the GRU's 224 and 24 gate activations. The same TCN with `tanh`
//! after every convolution (a TCN as often written, without `dense 8 tanh`) reached ESR 0.00042
//! after 30 epochs, at about 500 ns per sample: its 48 `tanh` per sample cost more than its
//! convolutions.
//!
//! The same TCN in residual blocks (issue 19), `ResidualTcn`: a `conv1d 8 1` brings the input
//! to eight channels, then each dilated convolution is `residual { conv1d 8 2 (padding = causal,
//! dilation = d); }`, its output added to its input at every sample, so each layer learns a
//! correction of what the layers below it pass up. Trained and streamed alike (7 December,
//! release, load average ≈ 4 with other builds): **ESR 0.00006** against the plain TCN's 0.00008
//! in the same run, 913 parameters and 848 multiply-accumulates per sample against 785 and 728
//! (the 1 × 1 convolution, and a first dilated convolution that reads eight channels), 19.2 s of
//! training against 16.0 s, 297 ns per streamed sample against 251 ns (both slower than above
//! under the heavier load). What the sums themselves cost is in BENCHMARKS.md ("Residual
//! blocks (issue 19)").
//!
//! Run with `cargo run --release --example 09_tcn`.

use std::error::Error;
use std::time::Instant;

use nnet::loss::MeanSquaredError;
use nnet::optim::{Adam, Schedule};
use nnet::train::{FitConfig, LearningRateScheduler, Trainer, Verbosity};
use nnet::{SVector, vector};

mod amp;
use amp::{CUTOFF, DRIVE, RATE, audio, effect, esr, windows};

nnet::network! {
    /// A TCN: dilated causal convolutions (64 samples of memory), then the saturation, at
    /// every sample.
    pub struct Tcn {
        input sequence 1;
        conv1d 8 2 (padding = causal, dilation = 1);
        conv1d 8 2 (padding = causal, dilation = 2);
        conv1d 8 2 (padding = causal, dilation = 4);
        conv1d 8 2 (padding = causal, dilation = 8);
        conv1d 8 2 (padding = causal, dilation = 16);
        conv1d 8 2 (padding = causal, dilation = 32);
        dense 8 tanh;
        dense 1;
    }
}

nnet::network! {
    /// The TCN with each dilated convolution in a residual block (its output added to its
    /// input), after a 1 × 1 convolution that brings the one input channel to eight.
    pub struct ResidualTcn {
        input sequence 1;
        conv1d 8 1 (padding = causal);
        residual { conv1d 8 2 (padding = causal, dilation = 1); }
        residual { conv1d 8 2 (padding = causal, dilation = 2); }
        residual { conv1d 8 2 (padding = causal, dilation = 4); }
        residual { conv1d 8 2 (padding = causal, dilation = 8); }
        residual { conv1d 8 2 (padding = causal, dilation = 16); }
        residual { conv1d 8 2 (padding = causal, dilation = 32); }
        dense 8 tanh;
        dense 1;
    }
}

nnet::network! {
    /// `07_amp`'s network: a GRU, its state carried from sample to sample.
    pub struct Amp {
        input sequence 1;
        gru 8 (return_sequences);
        dense 1;
    }
}

/// Samples per training window.
const WINDOW: usize = 2_048;
/// Samples the TCN sees: the current one and those its dilated taps reach back to.
const RECEPTIVE_FIELD: usize = 1 + 1 + 2 + 4 + 8 + 16 + 32;

/// The streamed prediction of `input` by `step` from a zero state, and the nanoseconds per
/// sample of the fastest of three passes.
fn stream(input: &[f32], mut step: impl FnMut(bool, f32) -> f32) -> (Vec<f32>, f64) {
    let mut prediction = vec![0.0_f32; input.len()];
    let mut fastest = f64::INFINITY;
    for _ in 0..3 {
        let started = Instant::now();
        for (n, (y, &x)) in prediction.iter_mut().zip(input).enumerate() {
            *y = step(n == 0, x);
        }
        fastest = fastest.min(started.elapsed().as_secs_f64());
    }
    (prediction, fastest * 1e9 / input.len() as f64)
}

fn main() -> Result<(), Box<dyn Error>> {
    let train_input = audio(8.0, 1);
    let train_target = effect(&train_input);
    let (data, targets) = windows(&train_input, &train_target, WINDOW);
    println!(
        "effect: one-pole low-pass at {CUTOFF} Hz, then tanh({DRIVE} x); training on {:.1} s of \
         audio at 48 kHz in {} windows of {WINDOW} samples",
        train_input.len() as f32 / RATE,
        data.len()
    );

    // The TCN, with a learning rate that falls from 0.02 along half a cosine.
    let epochs = 20;
    let mut tcn = Tcn::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.02), MeanSquaredError);
    let config = FitConfig {
        batch_size: 8,
        epochs,
        seed: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let mut decay = LearningRateScheduler(Schedule::CosineDecay {
        initial_learning_rate: 0.02,
        decay_steps: epochs,
        alpha: 0.05,
    });
    let started = Instant::now();
    let history =
        trainer.fit_sequences_with(&mut tcn, &data, &targets, &config, None, &mut [&mut decay])?;
    println!(
        "tcn: 6 causal conv1d 8 2 (dilations 1 to 32, a receptive field of {RECEPTIVE_FIELD} \
         samples), dense 8 tanh, dense 1: {} parameters, {} multiply-accumulates per sample; \
         trained {} epochs in {:.1} s",
        Tcn::PARAMS,
        Tcn::MACS,
        history.epochs.len(),
        started.elapsed().as_secs_f64()
    );

    // The same TCN in residual blocks, trained alike.
    let mut residual = ResidualTcn::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.02), MeanSquaredError);
    let mut decay = LearningRateScheduler(Schedule::CosineDecay {
        initial_learning_rate: 0.02,
        decay_steps: epochs,
        alpha: 0.05,
    });
    let started = Instant::now();
    let history = trainer.fit_sequences_with(
        &mut residual,
        &data,
        &targets,
        &config,
        None,
        &mut [&mut decay],
    )?;
    println!(
        "residual tcn: conv1d 8 1, the six conv1d each in a residual block, dense 8 tanh, \
         dense 1: {} parameters, {} multiply-accumulates per sample; trained {} epochs in \
         {:.1} s",
        ResidualTcn::PARAMS,
        ResidualTcn::MACS,
        history.epochs.len(),
        started.elapsed().as_secs_f64()
    );

    // `07_amp`'s GRU, trained as the TCN is here (windows from the zero state; `07_amp` itself
    // now trains it statefully, to an ESR of 9.6e-6).
    let mut gru = Amp::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let config = FitConfig {
        epochs: 40,
        ..config
    };
    let started = Instant::now();
    let history = trainer.fit_sequences(&mut gru, &data, &targets, &config)?;
    println!(
        "gru (07_amp): gru 8, dense 1: {} parameters, {} multiply-accumulates per sample; \
         trained {} epochs in {:.1} s",
        Amp::PARAMS,
        Amp::MACS,
        history.epochs.len(),
        started.elapsed().as_secs_f64()
    );

    // Unseen audio, streamed one sample at a time from a zero state.
    let input = audio(4.0, 2);
    let target = effect(&input);
    let mut state = TcnState::default();
    let (tcn_prediction, tcn_ns) = stream(&input, |first, x| {
        if first {
            state.reset();
        }
        tcn.step(&mut state, &vector![x])[0]
    });
    let mut state = ResidualTcnState::default();
    let (residual_prediction, residual_ns) = stream(&input, |first, x| {
        if first {
            state.reset();
        }
        residual.step(&mut state, &vector![x])[0]
    });
    let mut state = AmpState::default();
    let (gru_prediction, gru_ns) = stream(&input, |first, x| {
        if first {
            state.reset();
        }
        gru.step(&mut state, &SVector::from([x]))[0]
    });
    let seconds = input.len() as f64 / f64::from(RATE);
    println!("unseen audio: {seconds:.1} s streamed with `step`, one call per sample:");
    for (name, prediction, ns) in [
        ("tcn", &tcn_prediction, tcn_ns),
        ("residual tcn", &residual_prediction, residual_ns),
        ("gru", &gru_prediction, gru_ns),
    ] {
        println!(
            "  {name}: error-to-signal ratio {:.5}, {ns:.0} ns per sample ({:.0}x real time at \
             48 kHz)",
            esr(&target, prediction),
            1e9 / (ns * f64::from(RATE)),
        );
    }
    let memoryless: Vec<f32> = input.iter().map(|&x| (DRIVE * x).tanh()).collect();
    println!(
        "  for comparison, the dry input as the prediction: {:.4}; the saturation without the \
         filter: {:.4}",
        esr(&target, &input),
        esr(&target, &memoryless)
    );
    Ok(())
}
