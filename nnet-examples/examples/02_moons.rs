//! The seed network separates two interleaving half moons, and draws what it learnt.
//!
//! The configuration is the seed article's, exactly: 2 inputs, dense 10 relu, dense 20 relu,
//! dense 1 sigmoid, every kernel drawn from U(−0.05, 0.05); Adam with Keras's defaults, binary
//! cross-entropy, batch 64, 30 epochs; 10,000 training and 2,000 test points of scikit-learn's
//! `make_moons` with noise 0.2.
//!
//! Prints the network, one line per epoch, the training time and the test accuracy, and writes
//! two pictures to the current directory: `moons_boundary.png` (the decision boundary over the
//! test points) and `moons_history.png` (loss and accuracy per epoch).
//!
//! What it shows: with such tiny initial weights the network settles within a few epochs on a
//! nearly straight boundary, and a line separates the moons only so far (test accuracy about
//! 0.87; an independent NumPy re-implementation of this configuration lands in the same place).
//! Delete the three `(init = uniform)` options to get Keras's default `glorot_uniform` kernels,
//! and the boundary bends around the moons: about 0.97.
//!
//! Run with `cargo run --release --example 02_moons`.

use std::error::Error;
use std::path::Path;
use std::time::Instant;

use nnet::datasets::{Dataset, make_moons};
use nnet::loss::BinaryCrossentropy;
use nnet::metrics::Metric;
use nnet::optim::Adam;
use nnet::train::{FitConfig, History, Trainer, Verbosity};
use nnet::vector;
use plotters::coord::Shift;
use plotters::prelude::*;

mod plot;
use plot::{save_png, shown};

nnet::network! {
    /// The seed article's classifier of points of the plane.
    pub struct Classifier {
        input 2;
        dense 10 relu (init = uniform);
        dense 20 relu (init = uniform);
        dense 1 sigmoid (init = uniform);
    }
}

/// Colours of class 0 (the upper moon) and class 1 (the lower moon).
const CLASS_COLORS: [RGBColor; 2] = [RGBColor(31, 119, 180), RGBColor(230, 110, 0)];
/// The shading of the plane where the network says class 0 or class 1 with certainty.
const SHADES: [RGBColor; 2] = [RGBColor(190, 215, 240), RGBColor(253, 212, 170)];

fn main() -> Result<(), Box<dyn Error>> {
    let train = make_moons(10_000, 0.2, 1)?;
    let test = make_moons(2_000, 0.2, 2)?;
    let (y_train, y_test) = (train.binary_targets()?, test.binary_targets()?);
    println!(
        "two moons, noise 0.2: {} training points, {} test points",
        train.len(),
        test.len()
    );

    let mut net = Classifier::seeded(0);
    println!("{}", Classifier::summary());
    let mut trainer =
        Trainer::new(Adam::default(), BinaryCrossentropy).with_metrics([Metric::Accuracy]);
    let config = FitConfig {
        batch_size: 64,
        epochs: 30,
        verbosity: Verbosity::LinePerEpoch,
        ..FitConfig::default()
    };
    // The test set doubles as Keras's `validation_data`: watched each epoch, never trained on.
    let started = Instant::now();
    let history = trainer.fit_with(
        &mut net,
        &train.inputs,
        &y_train,
        &config,
        Some((&test.inputs, &y_test)),
        &mut [],
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let evaluation = trainer.evaluate(&net, &test.inputs, &y_test)?;
    let accuracy = evaluation.get("accuracy").unwrap_or(f64::NAN);
    println!(
        "training time: {seconds:.2} s ({} epochs of {} samples, with a test evaluation after each)",
        config.epochs,
        train.len()
    );

    plot::register_font()?;
    let boundary = Path::new("moons_boundary.png");
    save_png(boundary, (800, 640), |root| {
        draw_boundary(&net, &test, accuracy, root)
    })?;
    println!(
        "wrote {} (decision boundary, shaded by predicted probability, with the test points)",
        shown(boundary)
    );
    let curves = Path::new("moons_history.png");
    save_png(curves, (1000, 420), |root| draw_history(&history, root))?;
    println!(
        "wrote {} (loss and accuracy per epoch, training and test)",
        shown(curves)
    );

    println!(
        "test loss: {:.4} - test accuracy: {accuracy:.4}",
        evaluation.loss
    );
    Ok(())
}

/// The plane shaded by the network's probability of class 1, the boundary where it crosses
/// 0.5 drawn dark, and the test points coloured by their true class.
fn draw_boundary(
    net: &Classifier,
    test: &Dataset<2>,
    accuracy: f64,
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
) -> Result<(), Box<dyn Error>> {
    const COLUMNS: usize = 240;
    const ROWS: usize = 180;
    let (x_range, y_range) = (-1.75_f32..2.75, -1.25_f32..1.75);
    let dx = (x_range.end - x_range.start) / COLUMNS as f32;
    let dy = (y_range.end - y_range.start) / ROWS as f32;

    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("Two moons: decision boundary, test accuracy {accuracy:.4}"),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x_range.clone(), y_range.clone())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x1")
        .y_desc("x2")
        .label_style(("sans-serif", 14))
        .draw()?;

    // The probability of class 1 at the centre of every cell of the grid.
    let probability: Vec<Vec<f32>> = (0..ROWS)
        .map(|row| {
            (0..COLUMNS)
                .map(|column| {
                    let x = x_range.start + (column as f32 + 0.5) * dx;
                    let y = y_range.start + (row as f32 + 0.5) * dy;
                    net.forward(&vector![x, y])[0]
                })
                .collect()
        })
        .collect();
    let class = |row: usize, column: usize| probability[row][column] > 0.5;
    chart.draw_series(
        (0..ROWS)
            .flat_map(|row| (0..COLUMNS).map(move |column| (row, column)))
            .map(|(row, column)| {
                let on_boundary = (row + 1 < ROWS && class(row + 1, column) != class(row, column))
                    || (column + 1 < COLUMNS && class(row, column + 1) != class(row, column));
                let color = if on_boundary {
                    RGBColor(60, 60, 60)
                } else {
                    blend(SHADES[0], SHADES[1], probability[row][column])
                };
                let (x, y) = (
                    x_range.start + column as f32 * dx,
                    y_range.start + row as f32 * dy,
                );
                Rectangle::new([(x, y), (x + dx, y + dy)], color.filled())
            }),
    )?;

    for (label, color) in CLASS_COLORS.iter().enumerate() {
        let name = test.class_names.get(label).map_or("", String::as_str);
        chart
            .draw_series(
                test.inputs
                    .iter()
                    .zip(&test.labels)
                    .filter(|(_, l)| **l == label)
                    .map(|(p, _)| Circle::new((p[0], p[1]), 2, color.filled())),
            )?
            .label(format!("class {label} ({name} moon), test point"))
            .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Loss (left) and accuracy (right) per epoch, on the training and the test data.
fn draw_history(
    history: &History,
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
) -> Result<(), Box<dyn Error>> {
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    for (panel, (name, title)) in panels
        .iter()
        .zip([("loss", "Loss"), ("accuracy", "Accuracy")])
    {
        let train = history.series(name).unwrap_or_default();
        let test = history.series(&format!("val_{name}")).unwrap_or_default();
        let values = train.iter().chain(&test).copied();
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let pad = ((high - low) * 0.08).max(1e-3);
        let y_range = if low <= high {
            (low - pad)..(high + pad)
        } else {
            0.0..1.0
        };
        let epochs = train.len().max(2);

        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{title} per epoch"), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(1..epochs, y_range)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(name)
            .label_style(("sans-serif", 13))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .draw()?;
        for (series, label, color) in [
            (&train, "training", CLASS_COLORS[0]),
            (&test, "test", CLASS_COLORS[1]),
        ] {
            chart
                .draw_series(LineSeries::new(
                    series.iter().enumerate().map(|(i, &v)| (i + 1, v)),
                    color.stroke_width(2),
                ))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(if name == "loss" {
                SeriesLabelPosition::UpperRight
            } else {
                SeriesLabelPosition::LowerRight
            })
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The colour a fraction `t` of the way from `a` to `b`.
fn blend(a: RGBColor, b: RGBColor, t: f32) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |p: u8, q: u8| (f32::from(p) + (f32::from(q) - f32::from(p)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
