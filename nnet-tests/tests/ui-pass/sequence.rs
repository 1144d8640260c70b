// Every recurrent form compiles: each kind, every option (bare and `= true/false`), stacking,
// layers at every step between recurrent layers, `alpha` on `simple_rnn`'s activation, and a
// recurrent layer with `return_sequences` last.
nnet::network! {
    /// A network using each recurrent part of the grammar.
    #[allow(dead_code)]
    pub(crate) struct Full {
        input sequence 3;
        dense 4 tanh;
        simple_rnn 4 leaky_relu (alpha = 0.1, return_sequences, init = he_uniform,);
        lstm 5 (return_sequences = true, recurrent_init = orthogonal, bias_init = ones);
        layer_norm;
        dropout 0.2;
        gru 4 (return_sequences = false, init = glorot_normal, recurrent_init = glorot_uniform);
        dense 2 softmax;
    }
}

nnet::network! {
    struct Last < input sequence 2; dense 4; lstm 3 (return_sequences); >
}

fn main() {
    let full = Full::seeded(1);
    let xs = [nnet::vector![1.0, 2.0, 3.0], nnet::vector![-1.0, 0.5, 0.0]];
    let y = full.forward(&xs);
    assert!((y.sum() - 1.0).abs() < 1e-5);
    let mut state = FullState::default();
    let _ = full.step(&mut state, &xs[0]);
    let streamed = full.step(&mut state, &xs[1]);
    assert_eq!(streamed, y);
    let last = Last::seeded(1);
    let _ = last.forward(&[nnet::vector![1.0, 2.0]]);
}
