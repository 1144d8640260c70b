//! Three classes: a softmax network names the species of an iris.
//!
//! Reads `examples/data/iris.csv` (150 flowers, 4 measurements each, 3 species; see
//! `examples/data/README.md`), splits it 80/20 with a fixed seed, standardizes the features
//! with training statistics, one-hot encodes the species (Keras's `to_categorical`) and trains
//! a network with a softmax output and categorical cross-entropy. Prints the test accuracy and
//! a prediction for each species with its probabilities.
//!
//! Run with `cargo run --release --example 04_iris`.

use std::error::Error;

use nnet::datasets::{Standardizer, load_csv};
use nnet::loss::CategoricalCrossentropy;
use nnet::metrics::Metric;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};

nnet::network! {
    /// Sepal and petal length and width in, the probability of each species out.
    pub struct Species {
        input 4;
        dense 10 relu;
        dense 3 softmax;
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/iris.csv");
    let data = load_csv::<4>(path)?;
    let (train, test) = data.split(0.2, 42)?;
    println!(
        "{} irises of {} species ({}); {} for training, {} for testing",
        data.len(),
        data.class_names.len(),
        data.class_names.join(", "),
        train.len(),
        test.len()
    );

    let scaler = Standardizer::fit(&train.inputs)?;
    let (x_train, x_test) = (
        scaler.transform_all(&train.inputs),
        scaler.transform_all(&test.inputs),
    );
    let (y_train, y_test) = (train.one_hot::<3>()?, test.one_hot::<3>()?);

    let mut net = Species::seeded(7);
    let mut trainer = Trainer::new(Adam::with_learning_rate(0.01), CategoricalCrossentropy)
        .with_metrics([Metric::Accuracy]);
    let config = FitConfig {
        batch_size: 16,
        epochs: 100,
        seed: 7,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer.fit(&mut net, &x_train, &y_train, &config)?;
    if let Some(last) = history.last() {
        println!("after {} epochs, training {}", last.epoch, last.line());
    }

    let name = |k: usize| data.class_names.get(k).map_or("?", String::as_str);
    println!("one test flower of each species:");
    for species in 0..data.class_names.len() {
        let Some(i) = test.labels.iter().position(|&label| label == species) else {
            continue;
        };
        let p = net.forward(&x_test[i]);
        println!(
            "  {:<10} predicted {:<10} (probabilities {:.3}, {:.3}, {:.3})",
            name(species),
            name(p.argmax().0),
            p[0],
            p[1],
            p[2]
        );
    }

    let evaluation = trainer.evaluate(&net, &x_test, &y_test)?;
    println!(
        "test loss: {:.4} - test accuracy: {:.4}",
        evaluation.loss,
        evaluation.get("accuracy").unwrap_or(f64::NAN)
    );
    Ok(())
}
