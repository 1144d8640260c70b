//! Weights baked in at compile time with `#[weights = "..."]`: the network is a constant,
//! usable in a `static`, and equals the same file loaded at run time.
//!
//! The fixtures are nnet files of seeded networks; `NNET_WRITE_FIXTURES=1 cargo test --test
//! baked` rewrites them (then build again to bake the new files).

use nnet::Parameters;
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

nnet::network! {
    /// Every kind of a fixed-shape image network baked as a constant: convolutions with and
    /// without bias, grouped and depthwise, normalization per channel, both poolings.
    #[weights = "tests/fixtures/conv/baked_image.safetensors"]
    pub struct BakedImage {
        input (6, 5, 2);
        conv2d 4 3 relu (padding = same, use_bias = false);
        batch_norm;
        depthwise_conv2d 3 (depth_multiplier = 2, padding = same);
        avg_pool2d 2 (padding = same);
        conv2d 6 1 tanh (groups = 2);
        max_pool2d 2;
        flatten;
        dense 3 softmax;
    }
}

nnet::network! {
    /// A convolution of more than 1,024 filters keeps its weights on the heap: baked through
    /// `trained()`, in `f64`.
    #[scalar = f64]
    #[weights = "tests/fixtures/conv/baked_heap_f64.safetensors"]
    pub struct BakedConvHeap {
        input (3, 1);
        conv1d 1025 2 (use_bias = false);
        global_avg_pool;
        dense 2 softmax;
    }
}

/// Values whose bits a decimal round trip could lose or a comparison could not see: a
/// negative zero, the smallest subnormal, the largest and the smallest normal value.
const AWKWARD_F32: [f32; 4] = [-0.0, f32::from_bits(1), f32::MAX, f32::MIN_POSITIVE];
const AWKWARD_F64: [f64; 4] = [-0.0, f64::from_bits(1), f64::MAX, f64::MIN_POSITIVE];

/// The network of `baked_image.safetensors`: seeded, with normalization statistics away from
/// their initial values and awkward values at the start of the first kernel and the end of the
/// last one (the head's).
fn baked_image() -> BakedImage {
    let mut net = BakedImage::seeded(11);
    net.batch_norm1.layer.moving_mean = nnet::SVector::from_fn(|j, _| j as f32 * 0.3 - 0.4);
    net.batch_norm1.layer.moving_variance = nnet::SVector::from_fn(|j, _| 0.5 + j as f32);
    net.batch_norm1.layer.gamma = nnet::SVector::from_fn(|j, _| 1.0 - j as f32 * 0.125);
    net.tensor_mut(0)[..4].copy_from_slice(&AWKWARD_F32);
    let last = net.tensor_mut(BakedImage::TENSORS - 2);
    let at = last.len() - 4;
    last[at..].copy_from_slice(&AWKWARD_F32);
    net
}

/// The network of `baked_heap_f64.safetensors`: seeded, with awkward values in its heap kernel.
fn baked_conv_heap() -> BakedConvHeap {
    let mut net = BakedConvHeap::seeded(13);
    net.tensor_mut(0)[..4].copy_from_slice(&AWKWARD_F64);
    net
}

/// Every parameter's bits (`==` on floats takes `-0.0` for `0.0`).
fn bits<T: nnet::Scalar, N: Parameters<T>>(net: &N, to_bits: fn(T) -> u64) -> Vec<u64> {
    (0..N::TENSORS)
        .flat_map(|t| net.tensor(t).iter().map(move |&v| to_bits(v)))
        .collect()
}

static IMAGE: BakedImage = BakedImage::TRAINED;

#[test]
fn baked_conv_network_is_the_file_bit_for_bit() {
    let file = std::fs::read("tests/fixtures/conv/baked_image.safetensors").unwrap();
    let loaded: BakedImage = io::from_safetensors(&file).unwrap();
    assert_eq!(IMAGE, loaded);
    assert_eq!(IMAGE, baked_image());
    let f32_bits = |v: f32| u64::from(v.to_bits());
    assert_eq!(bits(&IMAGE, f32_bits), bits(&loaded, f32_bits));
    assert_eq!(IMAGE.tensor(0)[0].to_bits(), (-0.0f32).to_bits());
    // Saved again, the baked network writes the very file: every tensor, trainable or not.
    assert_eq!(io::to_safetensors(&IMAGE), file);
    let x = nnet::SVector::<f32, 60>::from_fn(|j, _| (j as f32 * 0.37).sin());
    assert_eq!(IMAGE.forward(&x), loaded.forward(&x));
}

#[test]
fn baked_heap_conv_network_is_the_file_bit_for_bit() {
    let file = std::fs::read("tests/fixtures/conv/baked_heap_f64.safetensors").unwrap();
    let loaded: BakedConvHeap = io::from_safetensors(&file).unwrap();
    let baked = BakedConvHeap::trained();
    assert_eq!(baked, loaded);
    assert_eq!(baked, baked_conv_heap());
    assert_eq!(bits(&baked, f64::to_bits), bits(&loaded, f64::to_bits));
    assert_eq!(baked.tensor(0)[0].to_bits(), (-0.0f64).to_bits());
    assert_eq!(io::to_safetensors(&baked), file);
}

#[test]
fn write_conv_fixtures() {
    if std::env::var_os("NNET_WRITE_FIXTURES").is_some() {
        io::save(
            &baked_image(),
            "tests/fixtures/conv/baked_image.safetensors",
        )
        .unwrap();
        io::save(
            &baked_conv_heap(),
            "tests/fixtures/conv/baked_heap_f64.safetensors",
        )
        .unwrap();
    }
}
