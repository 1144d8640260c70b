//! Regularization, folding, initialization, the size check, the tensors, and a large layer.

use super::*;

#[test]
fn regularization_adds_the_penalty_and_its_gradient_on_the_kernel() {
    let window = image((4, 4, 2), (3, 3), 1, 1, Padding::Same);
    let mut layer: ConvOf<32, 48, 3, 18, Tanh, Conv2dKind, f64, true> =
        randomized(Conv::new(window, 1, Tanh), 400);
    layer.regularizer = Regularizer { l1: 0.03, l2: 0.2 };
    let kernel = layer.kernel;
    let penalty: f64 = kernel.iter().map(|w| 0.03 * w.abs() + 0.2 * w * w).sum();
    let mut grad = layer.zero_gradient();
    grad.bias.fill(0.5);
    let got = layer.regularization(Some(&mut grad));
    assert!((got - penalty).abs() < 1e-12, "{got} against {penalty}");
    assert_eq!(layer.regularization(None), got);
    for (&g, &w) in grad.weights.iter().zip(kernel.iter()) {
        // Keras's sign(0) is 0.
        let sign = if w == 0.0 { 0.0 } else { w.signum() };
        assert!((g - (0.03 * sign + 0.4 * w)).abs() < 1e-12, "{g} at {w}");
    }
    assert!(
        grad.bias.iter().all(|&b| b == 0.5),
        "the bias is not regularized"
    );
    layer.regularizer = Regularizer::NONE;
    assert_eq!(layer.regularization(None), 0.0);
}

fn folding<T: Scalar>() {
    let simd = pulp::Scalar::new();
    // `conv2d 3 (3, 3) (padding = same); batch_norm;` over (4, 4, 2): 16 positions.
    let window = image((4, 4, 2), (3, 3), 1, 1, Padding::Same);
    let norm: Positionwise<BatchNorm<3, SVector<T, 3>>, 16, 3, 3, 48, 48> =
        Positionwise::new(randomized(BatchNorm::new(0.9, 1e-3), 500));
    let x: SVector<T, 32> = vector(&mut rng(501), -2.0, 2.0);

    let conv: ConvOf<32, 48, 3, 18, Linear, Conv2dKind, T, true> =
        randomized(Conv::new(window, 1, Linear), 502);
    let separate = norm.forward_simd(simd, &conv.forward_simd(simd, &x));
    let folded = conv.folded(&norm.layer).forward_simd(simd, &x);
    assert_close("folded", folded.as_slice(), separate.as_slice());

    // Without a bias, the fold gains one.
    let conv: ConvOf<32, 48, 3, 18, Linear, Conv2dKind, T, false> =
        randomized(Conv::new(window, 1, Linear), 503);
    let separate = norm.forward_simd(simd, &conv.forward_simd(simd, &x));
    let folded = conv.folded(&norm.layer);
    assert_eq!(
        <ConvOf<32, 48, 3, 18, Linear, Conv2dKind, T, true> as Layer<32, 48, T>>::TENSORS,
        2
    );
    assert_close(
        "folded without bias",
        folded.forward_simd(simd, &x).as_slice(),
        separate.as_slice(),
    );

    // Depthwise, multiplier 2: each output channel its own statistics.
    let window = image((3, 3, 2), (2, 2), 1, 1, Padding::Valid);
    let conv: ConvOf<18, 16, 4, 4, Linear, DepthwiseConv2dKind, T, true> =
        randomized(Conv::new(window, 2, Linear), 504);
    let norm: Positionwise<BatchNorm<4, SVector<T, 4>>, 4, 4, 4, 16, 16> =
        Positionwise::new(randomized(BatchNorm::new(0.9, 1e-3), 505));
    let x: SVector<T, 18> = vector(&mut rng(506), -2.0, 2.0);
    let separate = norm.forward_simd(simd, &conv.forward_simd(simd, &x));
    let folded = conv.folded(&norm.layer).forward_simd(simd, &x);
    assert_close("folded depthwise", folded.as_slice(), separate.as_slice());
}

#[test]
fn batch_norm_folds_into_the_convolution_before_it() {
    folding::<f32>();
    folding::<f64>();
}

#[test]
fn initialization_uses_keras_fans_and_the_seed() {
    use rand::SeedableRng;
    let window = image((5, 5, 4), (3, 3), 1, 1, Padding::Same);
    type Grouped = ConvOf<100, 200, 8, 18, Linear, Conv2dKind, f32, true>;
    type Depthwise = ConvOf<100, 200, 8, 9, Linear, DepthwiseConv2dKind, f32, true>;
    // Conv2D: (kh · kw · in / groups, kh · kw · filters).
    assert_eq!(Grouped::fans(window, 2), (9 * 2, 9 * 8));
    // DepthwiseConv2D: (kh · kw · channels, kh · kw · depth multiplier).
    assert_eq!(Depthwise::fans(window, 4), (9 * 4, 9 * 2));
    let steps = steps(10, 3, 1, 1, Padding::Valid, 2);
    assert_eq!(
        ConvOf::<20, 40, 5, 6, Linear, Conv1dKind, f32, true>::fans(steps, 1),
        (6, 15)
    );

    let seeded = |seed| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        Grouped::initialized(
            window,
            2,
            Linear,
            Initializer::GlorotUniform,
            Initializer::Uniform,
            &mut rng,
        )
    };
    let (a, b, c) = (seeded(1), seeded(1), seeded(2));
    assert_eq!(a, b, "same seed, same weights");
    assert_ne!(a.kernel, c.kernel);
    let limit = (6.0_f32 / (18.0 + 72.0)).sqrt();
    assert!(
        a.kernel.iter().all(|w| w.abs() < limit),
        "glorot with Keras's fans"
    );
    assert!(a.kernel.iter().any(|w| w.abs() > limit / 2.0));
    assert!(a.bias.iter().all(|b| b.abs() < 0.05) && a.bias.iter().any(|&b| b != 0.0));
}

/// Keras's `Orthogonal` on a kernel `(kh, kw, in, filters)` is an orthogonal matrix of
/// `(kh · kw · in, filters)`: with more rows than filters, orthonormal columns, so that the
/// filters (nnet's rows) are orthonormal.
#[test]
fn an_orthogonal_kernel_has_orthonormal_filters() {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let window = image((4, 4, 2), (3, 3), 1, 1, Padding::Same);
    let conv = ConvOf::<32, 48, 3, 18, Linear, Conv2dKind, f64, true>::initialized(
        window,
        1,
        Linear,
        Initializer::Orthogonal,
        Initializer::Zeros,
        &mut rng,
    );
    let gram = conv.kernel * conv.kernel.transpose();
    assert!(
        (gram - SMatrix::<f64, 3, 3>::identity()).norm() < 1e-12,
        "{gram}"
    );
    // Depthwise, multiplier 2 over 3 channels: `(9 · 3, 2)`, two orthonormal columns of
    // Keras's matrix, each the weights of one `m` over every (tap, channel).
    let window = image((3, 3, 3), (3, 3), 1, 1, Padding::Same);
    let conv = ConvOf::<27, 54, 6, 9, Linear, DepthwiseConv2dKind, f64, true>::initialized(
        window,
        3,
        Linear,
        Initializer::Orthogonal,
        Initializer::Zeros,
        &mut rng,
    );
    let values = conv.kernel.as_slice();
    let column = |m: usize| {
        values
            .iter()
            .skip(m)
            .step_by(2)
            .copied()
            .collect::<Vec<f64>>()
    };
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let (c0, c1) = (column(0), column(1));
    assert_eq!(c0.len(), 27);
    assert!((dot(&c0, &c0) - 1.0).abs() < 1e-12 && (dot(&c1, &c1) - 1.0).abs() < 1e-12);
    assert!(dot(&c0, &c1).abs() < 1e-12);
}

#[test]
fn check_refuses_sizes_that_do_not_fit_the_window() {
    use Padding::{Same, Valid};
    type Image = ConvOf<50, 36, 4, 18, Linear, Conv2dKind, f32, true>;
    let window = image((5, 5, 2), (3, 3), 1, 1, Valid);
    assert!(Image::check(window, 1));
    assert!(
        !Image::check(image((5, 5, 2), (3, 3), 1, 1, Same), 1),
        "OUT"
    );
    assert!(
        !Image::check(image((5, 4, 2), (3, 3), 1, 1, Valid), 1),
        "IN"
    );
    assert!(!Image::check(window, 2), "K with groups");
    assert!(!Image::check(window, 0), "no groups");
    assert!(
        !Image::check(image((5, 5, 2), (3, 3), 0, 1, Valid), 1),
        "stride 0"
    );
    assert!(
        !Image::check(image((5, 5, 2), (3, 3), 1, 0, Valid), 1),
        "dilation 0"
    );
    assert!(
        !ConvOf::<50, 0, 4, 18, Linear, Conv2dKind, f32, true>::check(
            image((5, 5, 2), (6, 6), 1, 1, Valid),
            1
        ),
        "no output"
    );
    // 4 filters in 3 groups, 2 channels in 4 groups.
    assert!(!ConvOf::<50, 36, 4, 6, Linear, Conv2dKind, f32, true>::check(window, 3));
    // A depthwise layer's groups are its channels; a 1-D layer's rows are a point.
    let depthwise = image((5, 5, 2), (3, 3), 1, 1, Valid);
    assert!(ConvOf::<50, 36, 4, 9, Linear, DepthwiseConv2dKind, f32, true>::check(depthwise, 2));
    assert!(!ConvOf::<
        50,
        18,
        2,
        18,
        Linear,
        DepthwiseConv2dKind,
        f32,
        true,
    >::check(depthwise, 1));
    assert!(!ConvOf::<50, 36, 4, 18, Linear, Conv1dKind, f32, true>::check(window, 1));
    assert!(ConvOf::<10, 6, 2, 6, Linear, Conv1dKind, f32, true>::check(
        steps(5, 3, 1, 1, Valid, 2),
        1
    ));
}

#[test]
#[should_panic(expected = "do not fit")]
fn new_refuses_sizes_that_do_not_fit_the_window() {
    let window = image((5, 5, 2), (3, 3), 1, 1, Padding::Same);
    let _ = ConvOf::<50, 36, 4, 18, Linear, Conv2dKind, f32, true>::new(window, 1, Linear);
}

#[test]
fn tensors_are_the_kernel_and_the_bias() {
    type WithBias = ConvOf<50, 36, 4, 18, Linear, Conv2dKind, f32, true>;
    type NoBias = ConvOf<50, 36, 4, 18, Linear, Conv2dKind, f32, false>;
    type Heap = Conv<100, 36, 4, 9, Linear, DepthwiseConv2dKind, HeapMatrix<4, 9>, HeapVector<4>>;
    let window = image((5, 5, 2), (3, 3), 1, 1, Padding::Valid);
    let kernel = <WithBias as Layer<50, 36>>::tensor_info(0).unwrap();
    assert_eq!(
        (kernel.tensor, kernel.rows, kernel.cols, kernel.matrix),
        ("kernel", 4, 18, true)
    );
    let bias = <WithBias as Layer<50, 36>>::tensor_info(1).unwrap();
    assert_eq!((bias.tensor, bias.rows, bias.matrix), ("bias", 4, false));
    assert_eq!(<WithBias as Layer<50, 36>>::tensor_info(2), None);
    assert_eq!(<NoBias as Layer<50, 36>>::tensor_info(1), None);
    assert_eq!(
        (
            <WithBias as Layer<50, 36>>::TENSORS,
            <NoBias as Layer<50, 36>>::TENSORS
        ),
        (2, 1)
    );
    assert_eq!(<WithBias as Layer<50, 36>>::TRAINABLE, 76);
    assert_eq!(<NoBias as Layer<50, 36>>::TRAINABLE, 72);
    assert_eq!(<Heap as Layer<100, 36>>::NON_TRAINABLE, 0);
    assert_eq!(<WithBias as Layer<50, 36>>::KIND, LayerKind::Conv2d);
    assert_eq!(<Heap as Layer<100, 36>>::KIND, LayerKind::DepthwiseConv2d);

    let mut layer = NoBias::new(window, 1, Linear);
    assert_eq!((layer.tensor(0).len(), layer.tensor(1).len()), (72, 0));
    layer.tensor_mut(0)[5] = 2.0;
    assert_eq!(layer.kernel[(1, 1)], 2.0, "column-major: entry 5 is (1, 1)");
    assert!(layer.tensor_mut(1).is_empty());
    let grad = <NoBias as Layer<50, 36>>::Gradient::zeroed();
    assert_eq!(LayerGradient::<f32>::tensor(&grad, 0).len(), 72);

    let depthwise = image((5, 5, 4), (3, 3), 1, 1, Padding::Valid);
    let mut heap = Heap::new(depthwise, 4, Linear);
    heap.tensor_mut(1).fill(1.0);
    assert_eq!(heap.bias.sum(), 4.0);
}

/// A large layer (a 32 × 32 × 16 image, 32 filters of 3 × 3: 16,384 inputs and 32,768 outputs,
/// kernel and vectors on the heap) constructs, runs forward and backward, per sample and
/// batched, on a thread of 2 MiB, in debug builds too.
#[test]
fn large_layers_run_on_a_small_thread() {
    type Big = Conv<16384, 32768, 32, 144, Tanh, Conv2dKind, HeapMatrix<32, 144>, HeapVector<32>>;
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let window = image((32, 32, 16), (3, 3), 1, 1, Padding::Same);
            let mut layer = Big::new(window, 1, Tanh);
            layer.kernel.fill(0.01);
            let mut x = HeapVector::<16384>::zeroed();
            x.fill(1.0);
            let (mut z, mut a) = (HeapVector::<32768>::zeroed(), HeapVector::<32768>::zeroed());
            let simd = pulp::Scalar::new();
            layer.forward_trace_simd_into(simd, &x, &mut z, &mut a);
            // An inner position reads 9 taps of 16 ones: 1.44 before the activation.
            let inner = (32 + 1) * 32;
            assert!((z[inner] - 1.44).abs() < 1e-5, "{}", z[inner]);
            let mut grad = Box::new(layer.zero_gradient());
            let mut dx = HeapVector::<16384>::zeroed();
            layer.backward_simd(simd, &x, &z, &a, &mut grad, Some(&mut dx));
            assert!(dx.iter().all(|v| v.is_finite()) && grad.weights[(0, 0)] != 0.0);
            let mut batch = vec![0.0; 2 * 32768];
            layer.output_batch(&[x.as_slice(), x.as_slice()].concat(), &mut batch);
            assert_close("batch", &batch[..32768], a.as_slice());
            assert_close("batch", &batch[32768..], a.as_slice());
        })
        .expect("a thread")
        .join()
        .expect("no overflow");
}
