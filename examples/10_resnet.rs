//! A small ResNet reads the handwritten digits of `08_digits`, beside the same layers without
//! their skip connections and beside `08_digits`'s plain CNN.
//!
//! Reads `examples/data/digits.csv` (1,797 images of 8 × 8 pixels; see
//! `examples/data/README.md`), splits it 80/20 with the seed of `08_digits`, scales the pixels
//! to 0–1 and trains three networks with the same optimizer, batches and epochs:
//! - `ResNet`: a 3 × 3 convolution, then two residual blocks of two 3 × 3 convolutions with
//!   batch normalization, the second one strided with a projected skip (`residual (project)`: a
//!   1 × 1 convolution of stride 2 brings the input to the block's `(4, 4, 32)`), a 2 × 2 max
//!   pool, `flatten` and a softmax — ResNet's basic block, as Keras code writes it;
//! - `Deep`: the same layers without the blocks (no skips, no projection);
//! - `Cnn`: `08_digits`'s CNN, two convolutions each followed by a max pool.
//!
//! Prints each one's parameters, multiply-accumulates per image, test accuracy and training
//! time, then the ResNet's summary.
//!
//! Measured (release, 7 December, 2 cores shared with other builds; the accuracies are the same
//! on every run of a seed, only the times move), test accuracy over five seeds of the weights
//! and the shuffling (7, 1, 2, 3, 4), 30 epochs:
//!
//! | network | parameters | MACs per image | accuracy per seed | mean |
//! | --- | --- | --- | --- | --- |
//! | `ResNet` | 20,746 | 534,784 | 0.9889, 0.9889, 0.9833, 0.9917, 0.9917 | 0.9889 |
//! | `Deep` (no skips) | 20,202 | 526,592 | 0.9917, 0.9861, 0.9889, 0.9944, 0.9944 | 0.9911 |
//! | `Cnn` (`08_digits`) | 6,090 | 84,224 | 0.9861, 0.9972, 0.9833, 0.9917, 0.9917 | 0.9900 |
//!
//! Training took 6.4–6.7 s for each of the two deep networks and 0.8 s for the CNN. The ResNet is
//! **not** better here, and that is the expected result rather than a fault of the skips: the
//! three networks differ by one to three of the 360 test images, within what a seed moves each
//! of them (three to five images). Skip connections pay where depth makes a plain network hard to
//! train (the gradient of a stack of many layers vanishes or the deeper network trains worse
//! than a shallower one); five convolutions with batch normalization on an 8 × 8 image are not
//! deep enough for that, and 1,437 training images limit every network of this size alike. The
//! example shows the block as Keras code writes it (and `inference()` folding the batch
//! normalizations inside the blocks, checked against the trained network), and that the skips
//! cost nothing measurable: 1 % more multiply-accumulates (the projection) and the same time.
//!
//! Run with `cargo run --release --example 10_resnet [SEED]` (seed 7 by default).

use std::error::Error;
use std::time::Instant;

use nnet::datasets::load_csv;
use nnet::loss::CategoricalCrossentropy;
use nnet::metrics::Metric;
use nnet::nalgebra::SVector;
use nnet::optim::Adam;
use nnet::train::{Evaluation, FitConfig, Trainer, Verbosity};

nnet::network! {
    /// An 8 × 8 grey image in, the probability of each digit out, through two residual blocks.
    pub struct ResNet {
        input (8, 8, 1);
        conv2d 16 3 (padding = same); batch_norm; activation relu;
        residual {
            conv2d 16 3 (padding = same); batch_norm; activation relu;
            conv2d 16 3 (padding = same); batch_norm;
        }
        activation relu;
        residual (project) {
            conv2d 32 3 (strides = 2, padding = same); batch_norm; activation relu;
            conv2d 32 3 (padding = same); batch_norm;
        }
        activation relu;
        max_pool2d 2;
        flatten;
        dense 10 softmax;
    }
}

nnet::network! {
    /// `ResNet`'s layers without the blocks: no skip connections.
    pub struct Deep {
        input (8, 8, 1);
        conv2d 16 3 (padding = same); batch_norm; activation relu;
        conv2d 16 3 (padding = same); batch_norm; activation relu;
        conv2d 16 3 (padding = same); batch_norm;
        activation relu;
        conv2d 32 3 (strides = 2, padding = same); batch_norm; activation relu;
        conv2d 32 3 (padding = same); batch_norm;
        activation relu;
        max_pool2d 2;
        flatten;
        dense 10 softmax;
    }
}

nnet::network! {
    /// `08_digits`'s CNN.
    pub struct Cnn {
        input (8, 8, 1);
        conv2d 16 3 relu (padding = same);
        max_pool2d 2;
        conv2d 32 3 relu (padding = same);
        max_pool2d 2;
        flatten;
        dense 10 softmax;
    }
}

const EPOCHS: usize = 30;

fn main() -> Result<(), Box<dyn Error>> {
    let seed: u64 = std::env::args()
        .nth(1)
        .map_or(Ok(7), |s| s.parse())
        .map_err(|e| format!("the argument is the seed, a number: {e}"))?;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/digits.csv");
    let data = load_csv::<64>(path)?;
    let (train, test) = data.split(0.2, 42)?;
    let scale = |xs: &[SVector<f32, 64>]| xs.iter().map(|x| x / 16.0).collect::<Vec<_>>();
    let (x_train, x_test) = (scale(&train.inputs), scale(&test.inputs));
    let (y_train, y_test) = (train.one_hot::<10>()?, test.one_hot::<10>()?);
    println!(
        "{} images for training, {} for testing; {EPOCHS} epochs of Adam(0.003), batches of 32, seed {seed}:",
        train.len(),
        test.len()
    );

    let config = FitConfig {
        batch_size: 32,
        epochs: EPOCHS,
        seed,
        verbosity: Verbosity::Silent,
        ..FitConfig::default()
    };
    let trainer = || {
        Trainer::new(Adam::with_learning_rate(0.003), CategoricalCrossentropy)
            .with_metrics([Metric::Accuracy])
    };
    let report = |name: &str, params: usize, macs: usize, eval: &Evaluation, seconds: f64| {
        println!(
            "  {name:<7} {params:>6} parameters, {macs:>7} MACs per image: test accuracy {:.4} (loss {:.4}), trained in {seconds:.1} s",
            eval.get("accuracy").unwrap_or(f64::NAN),
            eval.loss,
        );
    };

    let mut resnet = ResNet::seeded(seed);
    let mut t = trainer();
    let start = Instant::now();
    t.fit(&mut resnet, &x_train, &y_train, &config)?;
    let seconds = start.elapsed().as_secs_f64();
    let resnet_eval = t.evaluate(&resnet, &x_test, &y_test)?;
    report(
        "resnet",
        ResNet::PARAMS,
        ResNet::MACS,
        &resnet_eval,
        seconds,
    );

    let mut deep = Deep::seeded(seed);
    let mut t = trainer();
    let start = Instant::now();
    t.fit(&mut deep, &x_train, &y_train, &config)?;
    let seconds = start.elapsed().as_secs_f64();
    report(
        "deep",
        Deep::PARAMS,
        Deep::MACS,
        &t.evaluate(&deep, &x_test, &y_test)?,
        seconds,
    );

    let mut cnn = Cnn::seeded(seed);
    let mut t = trainer();
    let start = Instant::now();
    t.fit(&mut cnn, &x_train, &y_train, &config)?;
    let seconds = start.elapsed().as_secs_f64();
    report(
        "cnn",
        Cnn::PARAMS,
        Cnn::MACS,
        &t.evaluate(&cnn, &x_test, &y_test)?,
        seconds,
    );

    // Inference with the batch normalizations folded into the convolutions before them.
    let folded = resnet.inference();
    let agree = x_test
        .iter()
        .all(|x| (folded.forward(x) - resnet.forward(x)).amax() < 1e-4);
    println!("  the folded ResNet (`inference()`) gives the same outputs: {agree}");
    println!("\n{}", ResNet::summary());
    Ok(())
}
