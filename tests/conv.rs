//! scratch
nnet::network! {
    pub struct Tiny {
        input (5, 2);
        conv1d 3 2 relu (padding = same);
        max_pool1d 2;
        flatten;
        dense 1 sigmoid;
    }
}

nnet::network! {
    pub struct Img {
        input (6, 6, 2);
        conv2d 4 3 relu (strides = 1, padding = same);
        batch_norm;
        depthwise_conv2d 3 (depth_multiplier = 2);
        batch_norm;
        avg_pool2d 2;
        global_max_pool;
        dense 2 softmax;
    }
}

#[test]
fn runs() {
    let net = Tiny::seeded(1);
    let y = net.forward(&nnet::SVector::<f32, 10>::from_element(0.5));
    assert!(y[0] > 0.0);
    println!("{}", Img::summary());
    let img = Img::seeded(2);
    let _ = img.inference().forward(&nnet::SVector::<f32, 72>::from_element(0.5));
}
