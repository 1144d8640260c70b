//! A GRU learns an audio effect with memory — a low-pass filter into a saturating amplifier —
//! and then runs it sample by sample, as an audio plug-in would.
//!
//! The effect: a one-pole low-pass filter at 1.5 kHz, `l[n] = l[n−1] + α (x[n] − l[n−1])`,
//! followed by a tanh saturation with drive 6, `y[n] = tanh(6 · l[n])`. Its output depends on
//! the past input (the filter) and is strongly nonlinear (the saturation clips every loud
//! passage). The audio is generated at 48 kHz: events of 20 to 250 ms, each a chord of one to
//! three sines, a chirp, or a burst of noise, with a random loudness and a fade in and out (the
//! audio, the effect and the ESR are in `amp/mod.rs`, shared with `09_tcn`).
//!
//! `gru 8; dense 1` (`return_sequences`: an output at every sample) is trained as
//! many-to-many on 8 seconds of such audio, mean squared error, Adam, *statefully*
//! (`Trainer::fit_stateful`, Keras's `stateful=True`): the audio is cut into 8 streams of one
//! second, each in windows of 64 samples; a batch holds the same window of the 8 streams, and
//! each window starts from the state the previous window of its stream ended in (truncated
//! backpropagation through time). So the network trains from the states it meets when
//! streaming, never from a zero state in the middle of the audio, with many short updates.
//! Then 4 seconds of other audio (another seed) are streamed through the trained network with
//! `step`, one call per sample from a zero state, as in a real-time audio callback.
//!
//! Prints the error-to-signal ratio `ESR = Σ(y − ŷ)² / Σy²` on that unseen audio (0 is
//! perfect), with two references: the dry input as the prediction, and the saturation alone,
//! without the filter (the effect with its memory taken away); then the time of the
//! streaming loop and the real-time factor (seconds of audio per second of processing). Writes
//! `amp.png` to the current directory: input, target and prediction over 5 ms of the unseen
//! audio, where the filter matters most.
//!
//! Measured (release, 2 cores shared with other builds at load averages 6–7, 7 December; the
//! same ESR on every run, the times vary): ESR **9.6e-6** on the unseen audio (the dry input
//! 0.45, the saturation without the filter 0.44); training 40 epochs took 4.4–6.4 s (median
//! 5.3 s over five runs). Before, with the same network, epochs and batch size trained on
//! windows of 2,048 samples each from the zero state (`fit_sequences`): ESR 0.00040 in 4.6–6.5 s
//! (median 5.3 s, the five runs alternating with these); on windows of 64 samples each from the
//! zero state: ESR 0.00197. The streaming loop ran at 162–185 ns per sample, 112–129× real time
//! at 48 kHz (240–310 ns at load averages 4–6 on 1 December). See "Recurrent networks
//! (issue 10)" in `BENCHMARKS.md` for where that time goes.
//!
//! Run with `cargo run --release --example 07_amp`.

use std::error::Error;
use std::path::Path;
use std::time::Instant;

use nnet::loss::MeanSquaredError;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::vector;
use plotters::coord::Shift;
use plotters::prelude::*;

mod amp;
mod plot;
use amp::{CUTOFF, DRIVE, RATE, audio, effect, esr, streams};
use plot::{save_png, shown};

nnet::network! {
    /// One audio sample in, one out, a state carried from sample to sample.
    pub struct Amp {
        input sequence 1;
        gru 8 (return_sequences);
        dense 1;
    }
}

/// Streams the training audio is cut into (one per batch slot), and samples per training
/// window: each window starts from the state the previous window of its stream ended in.
const STREAMS: usize = 8;
const WINDOW: usize = 64;

/// `Σ(y − ŷ)²` over `range`.
fn squared_error(target: &[f32], prediction: &[f32], range: std::ops::Range<usize>) -> f32 {
    target[range.clone()]
        .iter()
        .zip(&prediction[range])
        .map(|(y, p)| (y - p) * (y - p))
        .sum()
}

fn main() -> Result<(), Box<dyn Error>> {
    let train_input = audio(8.0, 1);
    let train_target = effect(&train_input);
    let (data, targets) = streams(&train_input, &train_target, STREAMS, WINDOW)?;
    println!(
        "effect: one-pole low-pass at {CUTOFF} Hz, then tanh({DRIVE} x); training on {:.1} s of \
         audio at 48 kHz: {STREAMS} streams of {:.1} s in windows of {WINDOW} samples, the state \
         carried from window to window",
        train_input.len() as f32 / RATE,
        data.stream_len() as f32 / RATE,
    );

    let mut net = Amp::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), MeanSquaredError);
    let config = FitConfig {
        batch_size: 8,
        epochs: 40,
        seed: 1,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let started = Instant::now();
    let history = trainer.fit_stateful(&mut net, &data, &targets, &config)?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(epoch) = history.last() {
        println!(
            "trained {} epochs in {seconds:.1} s ({:.2} s per epoch): {}",
            epoch.epoch,
            seconds / epoch.epoch as f64,
            epoch.line()
        );
    }

    // Unseen audio, streamed one sample at a time.
    let input = audio(4.0, 2);
    let target = effect(&input);
    let mut prediction = vec![0.0_f32; input.len()];
    let mut state = AmpState::default();
    let started = Instant::now();
    for (y, &x) in prediction.iter_mut().zip(&input) {
        *y = net.step(&mut state, &vector![x])[0];
    }
    let elapsed = started.elapsed().as_secs_f64();
    let audio_seconds = input.len() as f64 / f64::from(RATE);
    println!(
        "unseen audio: {audio_seconds:.1} s streamed with `step` in {:.1} ms ({:.0} ns per \
         sample): {:.0}x real time at 48 kHz",
        elapsed * 1e3,
        elapsed * 1e9 / input.len() as f64,
        audio_seconds / elapsed
    );
    let memoryless: Vec<f32> = input.iter().map(|&x| (DRIVE * x).tanh()).collect();
    println!(
        "error-to-signal ratio on the unseen audio: {:.2e} (for comparison, the dry input as the \
         prediction: {:.4}; the saturation without the filter: {:.4})",
        esr(&target, &prediction),
        esr(&target, &input),
        esr(&target, &memoryless)
    );

    plot::register_font()?;
    let path = Path::new("amp.png");
    // The 5 ms of the first second where the filter matters most: where the effect differs
    // most from the saturation without memory.
    let start = (0..input.len().min(RATE as usize) - 240)
        .step_by(60)
        .max_by(|&a, &b| {
            let range = |s: usize| s..s + 240;
            squared_error(&target, &memoryless, range(a)).total_cmp(&squared_error(
                &target,
                &memoryless,
                range(b),
            ))
        })
        .unwrap_or(0);
    let span = start..start + 240;
    save_png(path, (1000, 450), |root| {
        draw(
            &input[span.clone()],
            &target[span.clone()],
            &prediction[span.clone()],
            root,
        )
    })?;
    println!(
        "wrote {} (input, target and the streamed prediction over 5 ms of the unseen audio)",
        shown(path)
    );
    Ok(())
}

/// Input, target and prediction against time in milliseconds.
fn draw(
    input: &[f32],
    target: &[f32],
    prediction: &[f32],
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
) -> Result<(), Box<dyn Error>> {
    root.fill(&WHITE)?;
    let ms = |n: usize| n as f32 * 1e3 / RATE;
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Low-pass + tanh saturation: target and gru 8, streamed on unseen audio",
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..ms(input.len()), -1.1_f32..1.6)?;
    chart
        .configure_mesh()
        .x_desc("time (ms)")
        .y_desc("amplitude")
        .label_style(("sans-serif", 13))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .draw()?;
    let series = |values: &[f32]| -> Vec<(f32, f32)> {
        values
            .iter()
            .enumerate()
            .map(|(n, &v)| (ms(n), v))
            .collect()
    };
    let lines = [
        (input, RGBColor(170, 170, 170), 2, "input"),
        (target, RGBColor(31, 119, 180), 4, "target (the effect)"),
        (
            prediction,
            RGBColor(230, 110, 0),
            2,
            "prediction (gru 8, step by step)",
        ),
    ];
    for (values, color, width, label) in lines {
        chart
            .draw_series(LineSeries::new(series(values), color.stroke_width(width)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
