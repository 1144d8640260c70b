//! The seed network learns XOR.
//!
//! Run with `cargo run --release --example 01_xor`.

use nnet::loss::BinaryCrossentropy;
use nnet::metrics::Metric;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};
use nnet::vector;

nnet::network! {
    /// The seed network: two inputs, two hidden ReLU layers, one sigmoid output.
    pub struct Xor {
        input 2;
        dense 10 relu;
        dense 20 relu;
        dense 1 sigmoid;
    }
}

fn main() -> Result<(), nnet::Error> {
    let inputs = [
        vector![0.0, 0.0],
        vector![0.0, 1.0],
        vector![1.0, 0.0],
        vector![1.0, 1.0],
    ];
    let targets = [vector![0.0], vector![1.0], vector![1.0], vector![0.0]];

    let mut net = Xor::seeded(1);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), BinaryCrossentropy)
        .with_metrics([Metric::Accuracy]);
    let config = FitConfig {
        batch_size: 4,
        epochs: 500,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer.fit(&mut net, &inputs, &targets, &config)?;
    println!(
        "trained {} epochs, final loss {:.4}",
        history.epochs.len(),
        history.last().map_or(f64::NAN, |e| e.loss)
    );

    for (x, y) in inputs.iter().zip(&targets) {
        println!(
            "{} xor {} = {:.3} (want {})",
            x[0],
            x[1],
            net.forward(x)[0],
            y[0]
        );
    }
    let evaluation = trainer.evaluate(&net, &inputs, &targets)?;
    println!("accuracy: {:.2}", evaluation.get("accuracy").unwrap_or(0.0));
    Ok(())
}
