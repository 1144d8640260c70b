//! Outputs computed by hand: Keras's padding (the odd zero on the right), causal padding,
//! dilation, the order of channels and filters, groups and the depth multiplier.

use super::*;

/// The pre-activations of a linear layer with the given kernel rows and bias.
fn outputs<const IN: usize, const OUT: usize, const F: usize, const K: usize, M: ConvKind, T>(
    window: Window,
    groups: usize,
    kernel: [[f64; K]; F],
    bias: [f64; F],
    x: [f64; IN],
) -> Vec<f64>
where
    T: Scalar,
{
    let mut conv = ConvOf::<IN, OUT, F, K, Linear, M, T, true>::new(window, groups, Linear);
    for (f, row) in kernel.iter().enumerate() {
        for (k, &w) in row.iter().enumerate() {
            conv.kernel[(f, k)] = T::of_f64(w);
        }
        conv.bias[f] = T::of_f64(bias[f]);
    }
    let x = SVector::<T, IN>::from_fn(|i, _| T::of_f64(x[i]));
    let y = conv.forward_simd(pulp::Scalar::new(), &x);
    y.iter().map(|v| v.as_f64()).collect()
}

fn by_hand<T: Scalar>() {
    let x5 = [1.0, 2.0, 3.0, 4.0, 5.0];
    // `same`, stride 2, 3 taps over 5 steps: total padding 2, one zero on each side.
    let same = steps(5, 3, 2, 1, Padding::Same, 1);
    let y = outputs::<5, 3, 1, 3, Conv1dKind, T>(same, 1, [[1.0, 0.0, -1.0]], [0.0], x5);
    assert_eq!(y, [0.0 - 2.0, 2.0 - 4.0, 4.0 - 0.0], "same, stride 2");

    // `same`, 2 taps: one zero of padding, on the right (Keras), not on the left.
    let same = steps(5, 2, 1, 1, Padding::Same, 1);
    let y = outputs::<5, 5, 1, 2, Conv1dKind, T>(same, 1, [[1.0, 10.0]], [0.0], x5);
    assert_eq!(
        y,
        [21.0, 32.0, 43.0, 54.0, 5.0],
        "same: the odd zero on the right"
    );

    // `causal`, dilation 2: output t reads x[t − 2] and x[t], zeros before the start.
    let causal = steps(4, 2, 1, 2, Padding::Causal, 1);
    let y =
        outputs::<4, 4, 1, 2, Conv1dKind, T>(causal, 1, [[1.0, 10.0]], [0.0], [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(y, [10.0, 20.0, 31.0, 42.0], "causal, dilation 2");

    // `valid`, dilation 3: x[t] + 10 x[t + 3], with a bias.
    let dilated = steps(5, 2, 1, 3, Padding::Valid, 1);
    let y = outputs::<5, 2, 1, 2, Conv1dKind, T>(dilated, 1, [[1.0, 10.0]], [0.5], x5);
    assert_eq!(y, [41.5, 52.5], "valid, dilation 3");

    // Two channels, two filters, one tap: each filter's row is over the channels.
    let pointwise = steps(2, 1, 1, 1, Padding::Valid, 2);
    let y = outputs::<4, 4, 2, 2, Conv1dKind, T>(
        pointwise,
        1,
        [[1.0, 10.0], [100.0, 1000.0]],
        [0.0, 0.0],
        [1.0, 2.0, 3.0, 4.0],
    );
    assert_eq!(
        y,
        [21.0, 2100.0, 43.0, 4300.0],
        "channels last, filters last"
    );

    // Groups 2: filter 0 reads channels 0 and 1, filter 1 channels 2 and 3.
    let grouped = steps(1, 1, 1, 1, Padding::Valid, 4);
    let y = outputs::<4, 2, 2, 2, Conv1dKind, T>(
        grouped,
        2,
        [[1.0, 10.0], [100.0, 1000.0]],
        [0.0, 0.0],
        [1.0, 2.0, 3.0, 4.0],
    );
    assert_eq!(y, [21.0, 4300.0], "groups");

    // 2 × 2 `valid` over a 3 × 3 image: the kernel rows are (kernel row, kernel column).
    let square = image((3, 3, 1), (2, 2), 1, 1, Padding::Valid);
    let x9 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let y = outputs::<9, 4, 1, 4, Conv2dKind, T>(square, 1, [[1.0, 2.0, 3.0, 4.0]], [0.0], x9);
    assert_eq!(y, [37.0, 47.0, 67.0, 77.0], "conv2d valid");

    // 2 × 2 `same` over 3 × 3: one zero row at the bottom, one zero column on the right.
    let same = image((3, 3, 1), (2, 2), 1, 1, Padding::Same);
    let y = outputs::<9, 9, 1, 4, Conv2dKind, T>(same, 1, [[1.0, 2.0, 3.0, 4.0]], [0.0], x9);
    let want = [
        37.0,
        47.0,
        3.0 + 18.0,
        67.0,
        77.0,
        6.0 + 27.0,
        7.0 + 16.0,
        8.0 + 18.0,
        9.0,
    ];
    assert_eq!(y, want, "conv2d same");

    // Depthwise, depth multiplier 2: output c·2 + m reads channel c.
    let depthwise = image((1, 1, 2), (1, 1), 1, 1, Padding::Valid);
    let y = outputs::<2, 4, 4, 1, DepthwiseConv2dKind, T>(
        depthwise,
        2,
        [[1.0], [10.0], [100.0], [1000.0]],
        [0.0; 4],
        [2.0, 3.0],
    );
    assert_eq!(y, [2.0, 20.0, 300.0, 3000.0], "depthwise, multiplier 2");
}

#[test]
fn outputs_match_the_hand_computed_ones() {
    by_hand::<f32>();
    by_hand::<f64>();
}
