//! Non-finite inputs reach the output as Keras gives them: NaN in, NaN out, never a plausible
//! probability.

use nnet::{Network, vector};

nnet::network! {
    struct ReluNet { input 2; dense 8 relu; dense 1 sigmoid; }
}
nnet::network! {
    struct StepNet { input 2; dense 8 step; dense 4 leaky_relu; dense 3 softmax; }
}
nnet::network! {
    struct HardNet { input 2; dense 8 hard_sigmoid; dense 8 softplus; dense 1 elu; }
}

#[test]
fn nan_input_gives_nan_output() {
    let x = vector![f32::NAN, 0.5];
    assert!(ReluNet::seeded(1).forward(&x)[0].is_nan());
    assert!(StepNet::seeded(1).forward(&x).iter().all(|y| y.is_nan()));
    assert!(HardNet::seeded(1).forward(&x)[0].is_nan());

    let predictions = ReluNet::seeded(1).predict(&[x, vector![0.5, 0.5]]);
    assert!(predictions[0][0].is_nan());
    assert!(predictions[1][0].is_finite());
}
