//! PyTorch's `nn.LSTM`, `nn.GRU` and `nn.RNN` imported with `import_pytorch` reproduce
//! PyTorch's outputs on sequences of different lengths, whole and streamed step by step. The
//! state dicts and reference outputs come from `tools/pytorch_recurrent.py` (real PyTorch,
//! trained 20 Adam steps so that every weight and both biases are non-trivial); see
//! `tools/README.md`.

#[path = "common/fixtures.rs"]
mod fixtures;

use nnet::{SVector, SequenceNetwork};

nnet::network! {
    /// `nn.LSTM(3, 5)` then `nn.Linear(5, 2)` on the last step.
    pub struct TorchLstm {
        input sequence 3;
        lstm 5;
        dense 2;
    }
}

nnet::network! {
    /// `nn.GRU(2, 4)` then `nn.Linear(4, 1)`.
    pub struct TorchGru {
        input sequence 2;
        gru 4;
        dense 1;
    }
}

nnet::network! {
    /// `nn.RNN(2, 3, nonlinearity="tanh")` then `nn.Linear(3, 1)`.
    pub struct TorchRnn {
        input sequence 2;
        simple_rnn 3;
        dense 1;
    }
}

fn vectors<const N: usize>(values: &[f32]) -> Vec<SVector<f32, N>> {
    values
        .chunks(N)
        .map(SVector::<f32, N>::from_column_slice)
        .collect()
}

fn assert_close(found: &[f32], expected: &[f32], what: &str) {
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() <= 1e-5 * (1.0 + e.abs()),
            "{what}: nnet {f}, PyTorch {e}"
        );
    }
}

fn check<N: SequenceNetwork<F, OUT> + nnet::Architecture, const F: usize, const OUT: usize>(
    state_dict: &[u8],
    reference: &[u8],
) {
    let net: N = nnet::io::import_pytorch(state_dict).unwrap();
    let reference = fixtures::read(reference);
    for k in 0..4 {
        let xs = vectors::<F>(&reference[&format!("x_{k}")].1);
        let out = &reference[&format!("out_{k}")].1;
        let steps = vectors::<OUT>(&reference[&format!("steps_{k}")].1);
        assert_close(net.forward(&xs).as_slice(), out, &format!("out_{k}"));
        let mut state = N::State::default();
        for (t, x) in xs.iter().enumerate() {
            let y = net.step(&mut state, x);
            assert_close(
                y.as_slice(),
                steps[t].as_slice(),
                &format!("steps_{k}[{t}]"),
            );
        }
    }
}

#[test]
fn lstm_matches_pytorch() {
    check::<TorchLstm, 3, 2>(
        include_bytes!("../../tests/fixtures/recurrent/pytorch_lstm.safetensors"),
        include_bytes!("../../tests/fixtures/recurrent/pytorch_lstm_reference.safetensors"),
    );
}

#[test]
fn gru_matches_pytorch() {
    check::<TorchGru, 2, 1>(
        include_bytes!("../../tests/fixtures/recurrent/pytorch_gru.safetensors"),
        include_bytes!("../../tests/fixtures/recurrent/pytorch_gru_reference.safetensors"),
    );
}

#[test]
fn rnn_matches_pytorch() {
    check::<TorchRnn, 2, 1>(
        include_bytes!("../../tests/fixtures/recurrent/pytorch_rnn.safetensors"),
        include_bytes!("../../tests/fixtures/recurrent/pytorch_rnn_reference.safetensors"),
    );
}

/// The state dict `bytes` with each name's prefix `from` replaced by `to`: the same weights as
/// a custom module saves them (`self.gru = nn.GRU(…)`, `self.fc = nn.Linear(…)` gives `gru.*`
/// and `fc.*` where the fixtures' `nn.ModuleList` gives `layers.0.*` and `layers.1.*`).
fn renamed(bytes: &[u8], renames: &[(&str, &str)]) -> Vec<u8> {
    use nnet::io::safetensors::{DEFAULT_MAX_HEADER, SafeTensors, TensorData, write};
    let file = SafeTensors::parse(bytes, DEFAULT_MAX_HEADER).unwrap();
    let names: Vec<String> = file
        .tensors()
        .iter()
        .map(|t| {
            renames
                .iter()
                .find_map(|(from, to)| Some(format!("{to}{}", t.name.strip_prefix(from)?)))
                .unwrap_or_else(|| t.name.clone())
        })
        .collect();
    let tensors: Vec<TensorData> = file
        .tensors()
        .iter()
        .zip(&names)
        .map(|(t, name)| TensorData {
            name,
            dtype: t.dtype,
            shape: t.shape.clone(),
            data: t.data.into(),
        })
        .collect();
    write(&[], &tensors)
}

/// A custom module's unnumbered attributes, `gru` and `fc` (or `lstm`, `rnn` and `head`),
/// import in the order of the network's declaration and reproduce PyTorch's outputs.
#[test]
fn custom_modules_without_numbers_match_pytorch() {
    let gru = renamed(
        include_bytes!("../../tests/fixtures/recurrent/pytorch_gru.safetensors"),
        &[("layers.0.", "gru."), ("layers.1.", "fc.")],
    );
    check::<TorchGru, 2, 1>(
        &gru,
        include_bytes!("../../tests/fixtures/recurrent/pytorch_gru_reference.safetensors"),
    );
    let lstm = renamed(
        include_bytes!("../../tests/fixtures/recurrent/pytorch_lstm.safetensors"),
        &[("layers.0.", "encoder.lstm."), ("layers.1.", "head.")],
    );
    check::<TorchLstm, 3, 2>(
        &lstm,
        include_bytes!("../../tests/fixtures/recurrent/pytorch_lstm_reference.safetensors"),
    );
    let rnn = renamed(
        include_bytes!("../../tests/fixtures/recurrent/pytorch_rnn.safetensors"),
        &[("layers.0.", "rnn."), ("layers.1.", "out.")],
    );
    check::<TorchRnn, 2, 1>(
        &rnn,
        include_bytes!("../../tests/fixtures/recurrent/pytorch_rnn_reference.safetensors"),
    );
}

nnet::network! {
    /// Two dense layers: the order of two unnumbered `nn.Linear` modules is unknown.
    pub struct TwoLinear {
        input 4;
        dense 3;
        dense 1;
    }
}

/// Two modules of one kind without numbers: an error pointing at `module_order`, which then
/// imports them.
#[test]
fn two_unnumbered_linears_need_the_module_order() {
    use nnet::io::safetensors::{TensorData, write};
    let (w1, b1, w2, b2) = ([0.5_f32; 12], [0.25_f32; 3], [2.0_f32; 3], [1.0_f32]);
    let bytes = write(
        &[],
        &[
            TensorData::from_values("fc_in.weight", vec![3, 4], &w1),
            TensorData::from_values("fc_in.bias", vec![3], &b1),
            TensorData::from_values("fc_out.weight", vec![1, 3], &w2),
            TensorData::from_values("fc_out.bias", vec![1], &b2),
        ],
    );
    let text = nnet::io::import_pytorch::<TwoLinear>(&bytes)
        .unwrap_err()
        .to_string();
    assert!(text.contains("so their order is unknown"), "{text}");
    assert!(text.contains("with_module_order"), "{text}");
    let options = nnet::io::LoadOptions::pytorch().with_module_order(["fc_in", "fc_out"]);
    let net: TwoLinear = nnet::io::import_pytorch_with(&bytes, &options).unwrap();
    // Linear: each hidden unit 4 · 0.5 · 1 + 0.25 = 2.25; the output 3 · 2 · 2.25 + 1 = 14.5.
    let y = nnet::Network::forward(&net, &SVector::<f32, 4>::repeat(1.0));
    assert_eq!(y[0], 14.5);
}
