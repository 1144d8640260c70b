//! Every configuration the brief of the layer names, through every check of `reference`.

use super::reference::{check, check_reference};
use super::*;

fn conv1d_everywhere<T: Scalar>() {
    use Padding::{Causal, Same, Valid};
    check::<12, 12, 3, 6, T, _, Conv1dKind, true>(
        "conv1d valid",
        steps(6, 3, 1, 1, Valid, 2),
        1,
        Tanh,
        10,
    );
    check::<14, 12, 3, 8, T, _, Conv1dKind, false>(
        "conv1d same, stride 2, no bias",
        steps(7, 4, 2, 1, Same, 2),
        1,
        Linear,
        20,
    );
    check::<12, 12, 2, 6, T, _, Conv1dKind, true>(
        "conv1d causal, dilation 2",
        steps(6, 3, 1, 2, Causal, 2),
        1,
        Sigmoid,
        30,
    );
    check::<7, 8, 2, 2, T, _, Conv1dKind, true>(
        "conv1d causal, stride 2",
        steps(7, 2, 2, 1, Causal, 1),
        1,
        Tanh,
        40,
    );
    check::<20, 30, 6, 4, T, _, Conv1dKind, true>(
        "conv1d same, groups 2",
        steps(5, 2, 1, 1, Same, 4),
        2,
        Tanh,
        50,
    );
    check::<5, 40, 20, 3, T, _, Conv1dKind, true>(
        "conv1d valid, stride 2, 20 filters",
        steps(5, 3, 2, 1, Valid, 1),
        1,
        Tanh,
        60,
    );
    check::<80, 64, 16, 20, T, _, Conv1dKind, false>(
        "conv1d 1 × 1 same, 16 filters of 20, no bias",
        steps(4, 1, 1, 1, Same, 20),
        1,
        Linear,
        65,
    );
    check::<10, 10, 2, 6, T, _, Conv1dKind, true>(
        "conv1d same, dilation 2",
        steps(5, 3, 1, 2, Same, 2),
        1,
        Tanh,
        70,
    );
    check::<12, 4, 2, 6, T, _, Conv1dKind, true>(
        "conv1d valid, dilation 2",
        steps(6, 3, 1, 2, Valid, 2),
        1,
        Tanh,
        80,
    );
}

fn conv2d_everywhere<T: Scalar>() {
    use Padding::{Same, Valid};
    check::<40, 18, 3, 18, T, _, Conv2dKind, true>(
        "conv2d valid",
        image((5, 4, 2), (3, 3), 1, 1, Valid),
        1,
        Tanh,
        110,
    );
    check::<50, 18, 2, 12, T, _, Conv2dKind, false>(
        "conv2d same, stride 2, kernel (3, 2), no bias",
        image((5, 5, 2), (3, 2), 2, 1, Same),
        1,
        Linear,
        120,
    );
    check::<30, 60, 2, 6, T, _, Conv2dKind, true>(
        "conv2d same, dilation 2",
        image((6, 5, 1), (2, 3), 1, 2, Same),
        1,
        Sigmoid,
        130,
    );
    check::<50, 8, 2, 8, T, _, Conv2dKind, true>(
        "conv2d valid, stride 2",
        image((5, 5, 2), (2, 2), 2, 1, Valid),
        1,
        Tanh,
        135,
    );
    check::<64, 64, 4, 18, T, _, Conv2dKind, true>(
        "conv2d same, groups 2",
        image((4, 4, 4), (3, 3), 1, 1, Same),
        2,
        Tanh,
        140,
    );
    check::<18, 12, 3, 8, T, _, Conv2dKind, true>(
        "conv2d softmax",
        image((3, 3, 2), (2, 2), 1, 1, Valid),
        1,
        Softmax,
        150,
    );
    check::<27, 153, 17, 12, T, _, Conv2dKind, true>(
        "conv2d same, 17 filters",
        image((3, 3, 3), (2, 2), 1, 1, Same),
        1,
        Tanh,
        160,
    );
    // 16 filters and 27 kernel columns: batches go through the product of their patches.
    check::<48, 256, 16, 27, T, _, Conv2dKind, true>(
        "conv2d same, 16 filters of 27",
        image((4, 4, 3), (3, 3), 1, 1, Same),
        1,
        Tanh,
        170,
    );
    // A 1 × 1 kernel over 16 channels, 16 filters: a batch is its own matrix of patches.
    check::<96, 96, 16, 16, T, _, Conv2dKind, true>(
        "conv2d 1 × 1, 16 filters of 16",
        image((2, 3, 16), (1, 1), 1, 1, Valid),
        1,
        Tanh,
        175,
    );
    check::<48, 64, 16, 6, T, _, Conv2dKind, true>(
        "conv2d same, groups 2 of 8 filters",
        image((2, 2, 12), (1, 1), 1, 1, Same),
        2,
        Tanh,
        165,
    );
}

fn depthwise_everywhere<T: Scalar>() {
    use Padding::{Same, Valid};
    check::<60, 60, 3, 9, T, _, DepthwiseConv2dKind, true>(
        "depthwise same, multiplier 1",
        image((4, 5, 3), (3, 3), 1, 1, Same),
        3,
        Tanh,
        210,
    );
    check::<50, 16, 4, 9, T, _, DepthwiseConv2dKind, false>(
        "depthwise valid, stride 2, multiplier 2, no bias",
        image((5, 5, 2), (3, 3), 2, 1, Valid),
        2,
        Linear,
        220,
    );
    check::<162, 162, 18, 9, T, _, DepthwiseConv2dKind, true>(
        "depthwise same, 18 channels",
        image((3, 3, 18), (3, 3), 1, 1, Same),
        18,
        Tanh,
        230,
    );
    check::<50, 50, 2, 4, T, _, DepthwiseConv2dKind, true>(
        "depthwise same, dilation 2",
        image((5, 5, 2), (2, 2), 1, 2, Same),
        2,
        Sigmoid,
        240,
    );
}

#[test]
fn conv1d_matches_the_formula_and_the_finite_differences_in_f32() {
    conv1d_everywhere::<f32>();
}

#[test]
fn conv1d_matches_the_formula_and_the_finite_differences_in_f64() {
    conv1d_everywhere::<f64>();
}

#[test]
fn conv2d_matches_the_formula_and_the_finite_differences_in_f32() {
    conv2d_everywhere::<f32>();
}

#[test]
fn conv2d_matches_the_formula_and_the_finite_differences_in_f64() {
    conv2d_everywhere::<f64>();
}

#[test]
fn depthwise_matches_the_formula_and_the_finite_differences_in_f32() {
    depthwise_everywhere::<f32>();
}

#[test]
fn depthwise_matches_the_formula_and_the_finite_differences_in_f64() {
    depthwise_everywhere::<f64>();
}

/// The machine's own instruction set (AVX2 with FMA here) against the formula.
#[test]
fn the_dispatched_instruction_set_matches_the_formula() {
    struct Native;
    impl pulp::WithSimd for Native {
        type Output = ();
        fn with_simd<V: Simd>(self, simd: V) {
            let layer: ConvOf<27, 153, 17, 12, Tanh, Conv2dKind, f32, true> = randomized(
                Conv::new(image((3, 3, 3), (2, 2), 1, 1, Padding::Same), 1, Tanh),
                300,
            );
            check_reference("17 filters", &layer, simd, 301);
            let layer: ConvOf<162, 162, 18, 9, Tanh, DepthwiseConv2dKind, f64, true> = randomized(
                Conv::new(image((3, 3, 18), (3, 3), 1, 1, Padding::Same), 18, Tanh),
                302,
            );
            check_reference("depthwise", &layer, simd, 303);
        }
    }
    pulp::Arch::new().dispatch(Native);
}

/// Filters and channels in every split into blocks of registers (8, 4, 2 and 1 whole registers
/// and an overlapping last one), on the machine's own instruction set, against the formula:
/// 44 filters are 5 whole `f32` registers of AVX2 (a block of 4 and one of 1) and 4 filters
/// more; 15 whole ones and a part in `f64`.
#[test]
fn every_split_into_register_blocks_matches_the_formula() {
    struct Native;
    impl pulp::WithSimd for Native {
        type Output = ();
        fn with_simd<V: Simd>(self, simd: V) {
            let window = image((3, 2, 3), (2, 2), 1, 1, Padding::Same);
            let layer: ConvOf<18, 264, 44, 12, Linear, Conv2dKind, f32, true> =
                randomized(Conv::new(window, 1, Linear), 310);
            check_reference("44 filters", &layer, simd, 311);
            let layer: ConvOf<18, 264, 44, 12, Linear, Conv2dKind, f64, true> =
                randomized(Conv::new(window, 1, Linear), 312);
            check_reference("44 filters in f64", &layer, simd, 313);
            // 2 groups of 28 filters: 3 whole registers (2 + 1) and a part, from filter 28.
            let window = image((3, 2, 4), (2, 2), 1, 1, Padding::Same);
            let layer: ConvOf<24, 336, 56, 8, Tanh, Conv2dKind, f32, false> =
                randomized(Conv::new(window, 2, Tanh), 314);
            check_reference("2 groups of 28 filters", &layer, simd, 315);
            // Depthwise over 76 channels: 9 whole registers (8 + 1) and a part.
            let window = image((2, 3, 76), (3, 3), 1, 1, Padding::Same);
            let layer: ConvOf<456, 456, 76, 9, Linear, DepthwiseConv2dKind, f32, true> =
                randomized(Conv::new(window, 76, Linear), 316);
            check_reference("depthwise over 76 channels", &layer, simd, 317);
            let layer: ConvOf<456, 456, 76, 9, Linear, DepthwiseConv2dKind, f64, true> =
                randomized(Conv::new(window, 76, Linear), 318);
            check_reference("depthwise over 76 channels in f64", &layer, simd, 319);
        }
    }
    pulp::Arch::new().dispatch(Native);
}

/// Rows wide enough and columns tall enough for positions to run together (8 positions of one
/// `f32` register of filters, 4 of two, 2 of four), with stride, dilation, groups and a last
/// overlapping register, on the machine's own instruction set, against the formula.
#[test]
fn neighbouring_positions_run_together_as_the_formula_says() {
    struct Native;
    impl pulp::WithSimd for Native {
        type Output = ();
        fn with_simd<V: Simd>(self, simd: V) {
            use Padding::{Same, Valid};
            let window = image((3, 12, 3), (2, 3), 1, 1, Same);
            let layer: ConvOf<108, 288, 8, 18, Linear, Conv2dKind, f32, true> =
                randomized(Conv::new(window, 1, Linear), 320);
            check_reference("8 filters, 12 columns", &layer, simd, 321);
            let layer: ConvOf<108, 576, 16, 18, Tanh, Conv2dKind, f32, true> =
                randomized(Conv::new(window, 1, Tanh), 322);
            check_reference("16 filters, 12 columns", &layer, simd, 323);
            let layer: ConvOf<108, 576, 16, 18, Tanh, Conv2dKind, f64, true> =
                randomized(Conv::new(window, 1, Tanh), 324);
            check_reference("16 filters, 12 columns, f64", &layer, simd, 325);
            // 36 filters: four registers and an overlapping fifth, with stride 2.
            let window = image((5, 19, 2), (3, 3), 2, 1, Same);
            let layer: ConvOf<190, 1080, 36, 18, Linear, Conv2dKind, f32, false> =
                randomized(Conv::new(window, 1, Linear), 326);
            check_reference("36 filters, stride 2", &layer, simd, 327);
            // Dilation 2, valid, two groups of 8 filters over 2 channels each.
            let window = image((5, 16, 4), (2, 3), 1, 2, Valid);
            let layer: ConvOf<320, 576, 16, 12, Linear, Conv2dKind, f32, true> =
                randomized(Conv::new(window, 2, Linear), 328);
            check_reference("dilation 2, 2 groups", &layer, simd, 329);
            // Tall and narrow: runs down the columns (the rows' windows inside the input), and
            // overlapping last runs.
            let window = image((13, 3, 2), (3, 2), 1, 1, Same);
            let layer: ConvOf<78, 312, 8, 12, Tanh, Conv2dKind, f32, true> =
                randomized(Conv::new(window, 1, Tanh), 332);
            check_reference("8 filters, 13 rows", &layer, simd, 333);
            let layer: ConvOf<78, 624, 16, 12, Linear, Conv2dKind, f32, true> =
                randomized(Conv::new(window, 1, Linear), 334);
            check_reference("16 filters, 13 rows", &layer, simd, 335);
            let layer: ConvOf<78, 624, 16, 12, Linear, Conv2dKind, f64, true> =
                randomized(Conv::new(window, 1, Linear), 336);
            check_reference("16 filters, 13 rows, f64", &layer, simd, 337);
            // A 1-D layer over 20 steps, causal.
            let window = steps(20, 3, 1, 1, Padding::Causal, 2);
            let layer: ConvOf<40, 640, 32, 6, Linear, Conv1dKind, f32, true> =
                randomized(Conv::new(window, 1, Linear), 330);
            check_reference("conv1d of 32 filters over 20 steps", &layer, simd, 331);
        }
    }
    pulp::Arch::new().dispatch(Native);
}
