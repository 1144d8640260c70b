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
