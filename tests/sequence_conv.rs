//! Causal `conv1d` in sequence networks (scratch).

use nnet::nalgebra::{SVector, vector};

nnet::network! {
    /// WaveNet.
    pub struct WaveNet {
        input sequence 1;
        conv1d 8 2 tanh (padding = causal, dilation = 1);
        conv1d 8 2 tanh (padding = causal, dilation = 2);
        conv1d 8 2 tanh (padding = causal, dilation = 4);
        dense 1;
    }
}

nnet::network! {
    /// conv then gru.
    pub struct ConvGru {
        input sequence 2;
        conv1d 4 3 relu (padding = causal, dilation = 2, groups = 2, l2 = 0.01);
        gru 3;
        dense 1;
    }
}

nnet::network! {
    /// gru then conv.
    pub struct GruConv {
        input sequence 2;
        gru 4 (return_sequences);
        conv1d 3 2 (padding = causal, use_bias = false);
        dense 2 sigmoid;
    }
}

#[test]
fn scratch() {
    let net = WaveNet::seeded(1);
    let xs: Vec<SVector<f32, 1>> = (0..10).map(|t| vector![(t as f32).sin()]).collect();
    let mut state = WaveNetState::default();
    let mut last = SVector::zeros();
    for x in &xs {
        last = net.step(&mut state, x);
    }
    assert_eq!(last, net.forward(&xs));
    println!("{}", WaveNet::summary());
    let _ = ConvGru::seeded(1);
    let _ = GruConv::seeded(1);
}
