//! A binary classifier of real data: is a breast tumour malignant or benign?
//!
//! Reads `examples/data/breast_cancer.csv` (569 tumours, 30 measurements of their cell nuclei;
//! see `examples/data/README.md`), splits it 80/20 into training and test sets with a fixed
//! seed, standardizes every feature with the training set's mean and standard deviation only,
//! and trains a small sigmoid network with binary cross-entropy. Prints the test accuracy,
//! precision and recall and the confusion matrix.
//!
//! Run with `cargo run --release --example 03_breast_cancer`.

use std::error::Error;

use nnet::datasets::{Standardizer, load_csv};
use nnet::loss::BinaryCrossentropy;
use nnet::metrics::Metric;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};

nnet::network! {
    /// 30 measurements in, the probability that the tumour is benign (class 1) out.
    pub struct Diagnosis {
        input 30;
        dense 16 relu;
        dense 8 relu;
        dense 1 sigmoid;
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/breast_cancer.csv"
    );
    let data = load_csv::<30>(path)?;
    let (train, test) = data.split(0.2, 42)?;
    let counts = data.class_counts();
    println!(
        "{} tumours: {} {}, {} {}; {} for training, {} for testing",
        data.len(),
        counts.get(&0).copied().unwrap_or(0),
        data.class_names.first().map_or("class 0", String::as_str),
        counts.get(&1).copied().unwrap_or(0),
        data.class_names.get(1).map_or("class 1", String::as_str),
        train.len(),
        test.len()
    );

    // Features range from 0.001 to 2501: standardize, with training statistics only.
    let scaler = Standardizer::fit(&train.inputs)?;
    let (x_train, x_test) = (
        scaler.transform_all(&train.inputs),
        scaler.transform_all(&test.inputs),
    );
    let (y_train, y_test) = (train.binary_targets()?, test.binary_targets()?);

    let mut net = Diagnosis::seeded(7);
    let mut trainer = Trainer::new(Adam::default(), BinaryCrossentropy).with_metrics([
        Metric::Accuracy,
        Metric::Precision,
        Metric::Recall,
    ]);
    let config = FitConfig {
        batch_size: 16,
        epochs: 20,
        seed: 7,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let history = trainer.fit(&mut net, &x_train, &y_train, &config)?;
    if let Some(last) = history.last() {
        println!("after {} epochs, training {}", last.epoch, last.line());
    }

    let evaluation = trainer.evaluate(&net, &x_test, &y_test)?;
    let metric = |name| evaluation.get(name).unwrap_or(f64::NAN);
    print_confusion(&net, &x_test, &test.labels, &data.class_names);
    println!(
        "test precision: {:.4} - test recall: {:.4} (the positive class is 1, benign)",
        metric("precision"),
        metric("recall")
    );
    println!(
        "test loss: {:.4} - test accuracy: {:.4}",
        evaluation.loss,
        metric("accuracy")
    );
    Ok(())
}

/// The test set's confusion matrix: true classes in rows, predicted classes in columns.
fn print_confusion(
    net: &Diagnosis,
    inputs: &[nnet::SVector<f32, 30>],
    labels: &[usize],
    names: &[String],
) {
    let mut counts = [[0_usize; 2]; 2];
    for (x, &label) in inputs.iter().zip(labels) {
        let predicted = usize::from(net.forward(x)[0] > 0.5);
        if let Some(row) = counts.get_mut(label) {
            row[predicted] += 1;
        }
    }
    let name = |k: usize| names.get(k).map_or("?", String::as_str);
    println!("{:>22} {:>10} {:>10}", "predicted:", name(0), name(1));
    for (k, row) in counts.iter().enumerate() {
        println!(
            "{:>22} {:>10} {:>10}",
            format!("true {}:", name(k)),
            row[0],
            row[1]
        );
    }
}
