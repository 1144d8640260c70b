// `#[scalar = f64]` networks compile with every layer kind, and `#[scalar = f32]` is the default.
// (`nnet::vector!` makes `f32` vectors; `SVector::from` takes either.)
nnet::network! {
    /// Every vector layer in f64.
    #[scalar = f64]
    pub struct Wide {
        input 3;
        dense 8 leaky_relu (alpha = 0.1, l2 = 0.01);
        batch_norm;
        dropout 0.2;
        dense 6 elu (alpha = 0.5, use_bias = false);
        layer_norm;
        activation tanh;
        dense 2 softmax;
    }
}

nnet::network! {
    /// Recurrent layers in f64.
    #[scalar = f64]
    struct Recurrent { input sequence 2; lstm 4 (return_sequences); gru 3 (return_sequences); simple_rnn 2 relu; dense 1; }
}

nnet::network! {
    #[scalar = f32]
    struct Narrow { input 2; dense 1 sigmoid; }
}

fn main() {
    let y: nnet::SVector<f64, 2> = Wide::seeded(1).forward(&nnet::SVector::from([1.0, 2.0, 3.0]));
    assert!((y.sum() - 1.0).abs() < 1e-12);
    let sequence = [nnet::SVector::from([0.5, -0.5]), nnet::SVector::from([1.0, 0.0])];
    let _: nnet::SVector<f64, 1> = Recurrent::seeded(2).forward(&sequence);
    let _: nnet::SVector<f32, 1> = Narrow::seeded(3).forward(&nnet::vector![1.0, 2.0]);
}
