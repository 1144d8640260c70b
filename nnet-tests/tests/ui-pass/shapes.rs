// Fixed input shapes compile with every kind that reads them: a vector written as a shape,
// steps of channels, images, a softmax inside, and the shapes as constants.
nnet::network! {
    /// `input (3);` is `input 3;`.
    struct Parenthesized { input (3); dense 1 sigmoid; }
}

nnet::network! {
    /// Keras's `(3,)`.
    struct Trailing { input (3,); dense 2 softmax; }
}

nnet::network! {
    struct Steps {
        input (10, 3);
        dense 8 relu (init = he_uniform, l2 = 0.01);
        batch_norm (momentum = 0.9);
        layer_norm (epsilon = 0.01);
        dropout 0.2;
        activation softmax;
        dense 4 leaky_relu (alpha = 0.2, use_bias = false);
        flatten;
        dense 3 softmax;
    }
}

nnet::network! {
    #[scalar = f64]
    pub struct Image {
        input (8, 8, 3);
        dense 4 relu;
        flatten;
        dense 1 sigmoid;
    }
}

fn main() {
    assert_eq!(Parenthesized::INPUT_SHAPE, nnet::Shape::Vector(3));
    assert_eq!(Trailing::OUTPUT_SHAPE, nnet::Shape::Vector(2));
    let steps = Steps::seeded(1);
    let y = steps.forward(&nnet::SVector::from_element(0.5));
    assert!((y.sum() - 1.0).abs() < 1e-5);
    assert_eq!(Steps::INPUT_SHAPE, nnet::Shape::Steps { steps: 10, channels: 3 });
    assert_eq!(Steps::INPUTS, 30);
    let image = Image::seeded(2);
    let _: nnet::SVector<f64, 1> = image.forward(&nnet::SVector::from_element(0.1));
    assert_eq!(Image::INPUT_SHAPE.to_string(), "(None, 8, 8, 3)");
    assert!(Image::summary().contains("(None, 8, 8, 4)"));
}
