//! `serde` support (feature `serde`): exact round trips through JSON, strict checks on the way in.
#![cfg(feature = "serde")]

use nnet::{Parameters, matrix, vector};

nnet::network! {
    /// Two layers, small enough to write by hand.
    pub struct Tiny { input 2; dense 2 tanh; dense 1 linear; }
}

nnet::network! {
    /// The seed network.
    pub struct Classifier { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}

nnet::network! {
    /// Normalization layers: moving statistics travel with the weights.
    pub struct Normed { input 3; dense 4 (use_bias = false); batch_norm (momentum = 0.9); activation relu; dropout 0.2; layer_norm; dense 1; }
}

nnet::network! {
    /// Recurrent layers of every kind.
    pub struct Recurrent { input sequence 2; lstm 3 (return_sequences); gru 2 (return_sequences); simple_rnn 2; dense 1; }
}

#[test]
fn json_round_trip_with_recurrent_layers() {
    let net = Recurrent::seeded(5);
    let json = serde_json::to_value(&net).unwrap();
    assert_eq!(
        json["architecture"],
        "input sequence 2; lstm 3 (return_sequences = true); gru 2 (return_sequences = true); simple_rnn 2 tanh; dense 1 linear"
    );
    assert_eq!(
        json["tensors"]["gru1.bias"]["shape"],
        serde_json::json!([6, 2])
    );
    let back: Recurrent = serde_json::from_value(json).unwrap();
    assert_eq!(back, net);
}

nnet::network! {
    /// Causal convolutions streamed around a GRU.
    pub struct Convolved {
        input sequence 2;
        conv1d 4 3 tanh (padding = causal, dilation = 2, groups = 2);
        gru 3 (return_sequences);
        conv1d 2 2 (padding = causal, use_bias = false);
        dense 1;
    }
}

#[test]
fn json_round_trip_with_streamed_convolutions() {
    let net = Convolved::seeded(6);
    let json = serde_json::to_value(&net).unwrap();
    assert_eq!(
        json["architecture"],
        "input sequence 2; conv1d 4 3 tanh (padding = causal, dilation = 2, groups = 2); gru 3 (return_sequences = true); conv1d 2 2 linear (padding = causal, use_bias = false); dense 1 linear"
    );
    // `[filters, taps · channels / groups]`.
    assert_eq!(
        json["tensors"]["conv1d1.kernel"]["shape"],
        serde_json::json!([4, 3])
    );
    assert!(json["tensors"].get("conv1d2.bias").is_none());
    let back: Convolved = serde_json::from_value(json).unwrap();
    assert_eq!(back, net);
}

#[test]
fn json_round_trip_with_normalization_layers() {
    let mut net = Normed::seeded(4);
    net.batch_norm1.moving_mean = vector![0.5, -0.25, 1.0, 2.0];
    net.batch_norm1.moving_variance = vector![0.1, 3.0, 1.5, 0.75];
    net.layer_norm1.gamma = vector![1.5, 0.5, -1.0, 2.0];
    let json = serde_json::to_value(&net).unwrap();
    assert_eq!(
        json["architecture"],
        "input 3; dense 4 linear (use_bias = false); batch_norm (momentum = 0.9); activation relu; dropout 0.2; layer_norm; dense 1 linear"
    );
    assert_eq!(
        json["tensors"]["batch_norm1.moving_variance"]["data"][1],
        3.0
    );
    assert!(json["tensors"].get("dense1.bias").is_none());
    let back: Normed = serde_json::from_value(json).unwrap();
    assert_eq!(back, net);
}

fn tiny() -> Tiny {
    let mut net = Tiny::zeroed();
    net.dense1.weights = matrix![0.5, -1.0; 2.0, 0.25];
    net.dense1.bias = vector![0.1, -0.2];
    net.dense2.weights = matrix![1.5, -0.5];
    net.dense2.bias = vector![0.3];
    net
}

#[test]
fn json_layout() {
    let json = serde_json::to_value(tiny()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "architecture": "input 2; dense 2 tanh; dense 1 linear",
            "tensors": {
                "dense1.weight": { "shape": [2, 2], "data": [0.5, -1.0, 2.0, 0.25] },
                "dense1.bias": { "shape": [2], "data": [0.1_f32, -0.2_f32] },
                "dense2.weight": { "shape": [1, 2], "data": [1.5, -0.5] },
                "dense2.bias": { "shape": [1], "data": [0.3_f32] }
            }
        })
    );
}

#[test]
fn json_round_trip_is_exact() {
    let mut net = Classifier::seeded(21);
    net.dense1.weights[(0, 0)] = -0.0;
    net.dense2.bias[3] = f32::MIN_POSITIVE / 3.0;
    let text = serde_json::to_string(&net).unwrap();
    let back: Classifier = serde_json::from_str(&text).unwrap();
    for i in 0..Classifier::TENSORS {
        assert!(
            net.tensor(i)
                .iter()
                .zip(back.tensor(i))
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
}

fn error(json: serde_json::Value) -> String {
    serde_json::from_value::<Tiny>(json)
        .unwrap_err()
        .to_string()
}

#[test]
fn strict_checks() {
    let good = serde_json::to_value(tiny()).unwrap();

    let mut other = good.clone();
    other["architecture"] = "input 2; dense 2 relu; dense 1 linear".into();
    assert!(error(other).contains("but the network is `input 2; dense 2 tanh; dense 1 linear`"));

    let mut missing = good.clone();
    missing["tensors"]
        .as_object_mut()
        .unwrap()
        .remove("dense2.bias");
    assert!(error(missing).contains("no tensor `dense2.bias`"));

    let mut shape = good.clone();
    shape["tensors"]["dense1.weight"] = serde_json::json!({ "shape": [4], "data": [0, 0, 0, 0] });
    assert!(error(shape).contains("`dense1.weight` has shape [4], expected [2, 2]"));

    let mut count = good.clone();
    count["tensors"]["dense1.bias"]["data"] = serde_json::json!([1.0]);
    assert!(error(count).contains("`dense1.bias` has shape [2] but 1 values"));

    let mut extra = good.clone();
    extra["tensors"]["dense3.bias"] = serde_json::json!({ "shape": [1], "data": [0] });
    assert!(error(extra).contains("unexpected tensor `dense3.bias`"));

    let mut unknown = good.clone();
    unknown["tensors"]["dense1.bias"]["dtype"] = "F32".into();
    assert!(error(unknown).contains("unknown field `dtype`"));

    // 1e39 does not fit an f32 (serde_json itself refuses it); NaN is written as `null`.
    let text = serde_json::to_string(&good).unwrap().replace("0.3", "1e39");
    assert!(serde_json::from_str::<Tiny>(&text).is_err());
    let mut nan = tiny();
    nan.dense2.bias[0] = f32::NAN;
    let text = serde_json::to_string(&nan).unwrap();
    assert!(text.contains("null"));
    assert!(serde_json::from_str::<Tiny>(&text).is_err());
}

/// The README's serde lines, as written there.
#[test]
fn readme_round_trip() -> Result<(), Box<dyn std::error::Error>> {
    let net = Classifier::seeded(42);
    let json = serde_json::to_string(&net)?;
    let back: Classifier = serde_json::from_str(&json)?;
    assert_eq!(back, net);
    Ok(())
}

nnet::network! {
    /// `Normed` in f64.
    #[scalar = f64]
    pub struct Normed64 { input 3; dense 4 (use_bias = false); batch_norm (momentum = 0.9); activation relu; dropout 0.2; layer_norm; dense 1; }
}

#[test]
fn f64_networks_round_trip_through_json() {
    let mut net = Normed64::seeded(8);
    // A value no f32 holds.
    net.tensor_mut(0)[0] = 0.1 + 1e-12;
    let json = serde_json::to_string(&net).unwrap();
    let back: Normed64 = serde_json::from_str(&json).unwrap();
    // serde_json prints the shortest exact text, but without its `float_roundtrip` feature it
    // parses f64 to within one unit in the last place: compare to that.
    for t in 0..<Normed64 as Parameters<f64>>::TENSORS {
        for (&a, &b) in net.tensor(t).iter().zip(back.tensor(t)) {
            assert!(a.to_bits().abs_diff(b.to_bits()) <= 1, "{a} vs {b}");
        }
    }
    assert!((back.tensor(0)[0] - 0.1).abs() > 5e-13);
    // The f32 network of the same architecture reads the same JSON as rounded f32s.
    let narrow: Normed = serde_json::from_str(&json).unwrap();
    assert_eq!(narrow.tensor(0)[0], 0.1_f32);
}
