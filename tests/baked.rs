//! Weights baked in at compile time with `#[weights = "..."]`: the network is a constant,
//! usable in a `static`, and equals the same file loaded at run time.
//!
//! The fixtures are nnet files of seeded networks; `NNET_WRITE_FIXTURES=1 cargo test --test
//! baked` rewrites them (then build again to bake the new files).

use nnet::io;
use nnet::vector;

nnet::network! {
    /// The seed network, with the weights of `Classifier::seeded(42)` baked in.
    #[weights = "tests/fixtures/classifier.safetensors"]
    pub struct Baked {
        input 2;
        dense 10 relu;
        dense 20 leaky_relu (alpha = 0.1);
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// A layer too large to keep inline: baked through `trained()`, on the heap.
    #[weights = "tests/fixtures/wide.safetensors"]
    pub struct Wide { input 128; dense 128 tanh; dense 2 softmax; }
}

nnet::network! {
    /// Normalization, activation and dropout layers baked as constants too.
    #[weights = "tests/fixtures/normed.safetensors"]
    pub struct Normed {
        input 3;
        dense 4 (use_bias = false);
        batch_norm (momentum = 0.9);
        activation relu;
        dropout 0.2;
        layer_norm;
        dense 2 softmax;
    }
}

nnet::network! {
    /// Every recurrent kind baked as a constant: a streaming network with no file and no heap.
    #[weights = "tests/fixtures/recurrent/baked.safetensors"]
    pub struct BakedRecurrent {
        input sequence 2;
        gru 4 (return_sequences);
        lstm 3 (return_sequences);
        simple_rnn 2 relu;
        dense 1;
    }
}

static RECURRENT: BakedRecurrent = BakedRecurrent::TRAINED;

#[test]
fn baked_recurrent_layers_equal_loaded() {
    let loaded: BakedRecurrent = io::load("tests/fixtures/recurrent/baked.safetensors").unwrap();
    assert_eq!(RECURRENT, loaded);
    assert_eq!(RECURRENT, BakedRecurrent::seeded(7));
    let xs = [vector![0.3, -1.2], vector![1.0, 0.5], vector![-0.7, 0.2]];
    let mut state = BakedRecurrentState::default();
    let streamed: Vec<_> = xs.iter().map(|x| RECURRENT.step(&mut state, x)).collect();
    assert_eq!(streamed[2], loaded.forward(&xs));
}

/// The network of `normed.safetensors`: seeded, with normalization tensors away from their
/// initial values.
fn normed() -> Normed {
    let mut net = Normed::seeded(5);
    net.batch_norm1.gamma = nnet::SVector::from_fn(|j, _| 0.5 + j as f32 * 0.25);
    net.batch_norm1.beta = nnet::SVector::from_fn(|j, _| j as f32 * 0.1 - 0.1);
    net.batch_norm1.moving_mean = nnet::SVector::from_fn(|j, _| j as f32 * 0.3 - 0.4);
    net.batch_norm1.moving_variance = nnet::SVector::from_fn(|j, _| 0.5 + j as f32);
    net.layer_norm1.gamma = nnet::SVector::from_fn(|j, _| 1.0 - j as f32 * 0.2);
    net
}

static NORMED: Normed = Normed::TRAINED;

#[test]
fn baked_normalization_layers_equal_loaded() {
    let loaded: Normed = io::load("tests/fixtures/normed.safetensors").unwrap();
    assert_eq!(NORMED, loaded);
    assert_eq!(NORMED, normed());
    let x = vector![0.3, -1.2, 2.0];
    assert_eq!(NORMED.forward(&x), loaded.forward(&x));
}

/// In a `static`: no file I/O, no allocation, no initialization at run time.
static NET: Baked = Baked::TRAINED;

#[test]
fn baked_equals_loaded() {
    let loaded: Baked = io::load("tests/fixtures/classifier.safetensors").unwrap();
    assert_eq!(NET, loaded);
    assert_eq!(Baked::trained(), loaded);
    assert_eq!(NET, Baked::seeded(42));
    let x = vector![0.3, -1.2];
    assert_eq!(NET.forward(&x), loaded.forward(&x));
}

#[test]
fn baked_heap_network_equals_loaded() {
    let loaded: Wide = io::load("tests/fixtures/wide.safetensors").unwrap();
    assert_eq!(Wide::trained(), loaded);
    assert_eq!(loaded, Wide::seeded(7));
}

#[test]
fn write_fixtures() {
    if std::env::var_os("NNET_WRITE_FIXTURES").is_some() {
        io::save(&Baked::seeded(42), "tests/fixtures/classifier.safetensors").unwrap();
        io::save(&Wide::seeded(7), "tests/fixtures/wide.safetensors").unwrap();
        io::save(&normed(), "tests/fixtures/normed.safetensors").unwrap();
        io::save(
            &BakedRecurrent::seeded(7),
            "tests/fixtures/recurrent/baked.safetensors",
        )
        .unwrap();
    }
}
