//! A convolutional network reads handwritten digits, beside a dense network on the same pixels.
//!
//! Reads `examples/data/digits.csv` (1,797 images of 8 × 8 pixels, values 0–16, digits 0–9;
//! see `examples/data/README.md`), splits it 80/20 with a fixed seed, scales the pixels to
//! 0–1, and trains two networks with the same optimizer, batches and epochs:
//! - a small CNN on the images as `(8, 8, 1)`: two 3 × 3 convolutions with a 2 × 2 max pool
//!   between them, global average pooling and a softmax;
//! - its dense baseline on the same 64 values as a vector.
//!
//! Prints each one's parameters, multiply-accumulates per image, test accuracy and training
//! time.
//!
//! Run with `cargo run --release --example 08_digits`.

use std::error::Error;
use std::time::Instant;

use nnet::datasets::load_csv;
use nnet::loss::CategoricalCrossentropy;
use nnet::metrics::Metric;
use nnet::nalgebra::SVector;
use nnet::optim::Adam;
use nnet::train::{FitConfig, Trainer, Verbosity};

nnet::network! {
    /// An 8 × 8 grey image in, the probability of each digit out.
    pub struct DigitsCnn {
        input (8, 8, 1);
        conv2d 16 3 relu (padding = same);
        max_pool2d 2;
        conv2d 32 3 relu (padding = same);
        global_avg_pool;
        dense 10 softmax;
    }
}

nnet::network! {
    /// The same 64 pixels as a vector: the baseline without convolutions.
    pub struct DigitsDense {
        input 64;
        dense 64 relu;
        dense 10 softmax;
    }
}

const EPOCHS: usize = 40;

fn main() -> Result<(), Box<dyn Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/digits.csv");
    let data = load_csv::<64>(path)?;
    let (train, test) = data.split(0.2, 42)?;
    println!(
        "{} images of 8 × 8 pixels; {} for training, {} for testing",
        data.len(),
        train.len(),
        test.len()
    );
    // Pixels are counts 0–16: scaled to 0–1 alike, so that neighbouring pixels stay comparable
    // (per-pixel standardization would break the picture a convolution reads).
    let scale = |xs: &[SVector<f32, 64>]| xs.iter().map(|x| x / 16.0).collect::<Vec<_>>();
    let (x_train, x_test) = (scale(&train.inputs), scale(&test.inputs));
    let (y_train, y_test) = (train.one_hot::<10>()?, test.one_hot::<10>()?);

    let config = FitConfig {
        batch_size: 32,
        epochs: EPOCHS,
        seed: 7,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let trainer = || {
        Trainer::new(Adam::with_learning_rate(0.003), CategoricalCrossentropy)
            .with_metrics([Metric::Accuracy])
    };

    let mut cnn = DigitsCnn::seeded(7);
    let mut cnn_trainer = trainer();
    let start = Instant::now();
    cnn_trainer.fit(&mut cnn, &x_train, &y_train, &config)?;
    let cnn_time = start.elapsed();
    let cnn_eval = cnn_trainer.evaluate(&cnn, &x_test, &y_test)?;

    let mut dense = DigitsDense::seeded(7);
    let mut dense_trainer = trainer();
    let start = Instant::now();
    dense_trainer.fit(&mut dense, &x_train, &y_train, &config)?;
    let dense_time = start.elapsed();
    let dense_eval = dense_trainer.evaluate(&dense, &x_test, &y_test)?;

    let accuracy = |e: &nnet::train::Evaluation| e.get("accuracy").unwrap_or(f64::NAN);
    println!("{EPOCHS} epochs of Adam(0.003), batches of 32:");
    println!(
        "  CNN   {:>6} parameters, {:>7} MACs per image: test accuracy {:.4} (loss {:.4}), trained in {:.2?}",
        DigitsCnn::PARAMS,
        DigitsCnn::MACS,
        accuracy(&cnn_eval),
        cnn_eval.loss,
        cnn_time
    );
    println!(
        "  dense {:>6} parameters, {:>7} MACs per image: test accuracy {:.4} (loss {:.4}), trained in {:.2?}",
        DigitsDense::PARAMS,
        DigitsDense::MACS,
        accuracy(&dense_eval),
        dense_eval.loss,
        dense_time
    );
    println!("\n{}", DigitsCnn::summary());
    Ok(())
}
