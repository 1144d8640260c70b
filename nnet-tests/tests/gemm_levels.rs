//! The batched passes give the same bits at every instruction set of the matrix product that
//! this CPU has (scalar, AVX2, AVX-512): outputs, loss and every gradient of a wide network,
//! whose products take each level's register tile with ragged edges.
//!
//! In its own test binary: forcing a level (`force_gemm_level`) is process-wide.

use nnet::__private::{GemmLevel, force_gemm_level, gemm_levels};
use nnet::loss::MeanSquaredError;
use nnet::{Network, Parameters, SVector};

nnet::network! {
    /// Widths that are not multiples of either level's tile (32 × 12 or 16 × 6 in `f32`).
    struct Wide { input 3; dense 70 relu; dense 300 tanh; dense 45 relu; dense 2; }
}

fn inputs<const N: usize>(count: usize) -> Vec<SVector<f32, N>> {
    (0..count)
        .map(|s| SVector::from_fn(|i, _| ((s * 31 + i * 17) % 23) as f32 / 11.5 - 1.0))
        .collect()
}

/// Outputs of `forward_batch` and the loss, outputs and gradients of `accumulate_batch`, at
/// `level`.
fn passes(level: GemmLevel) -> (Vec<f32>, f32, Vec<f32>, Vec<Vec<f32>>) {
    assert!(force_gemm_level(Some(level)), "{level:?}");
    let net = Wide::seeded(7);
    let xs = inputs::<3>(150);
    let ys = inputs::<2>(150);
    let mut out = vec![SVector::zeros(); 150];
    net.forward_batch(&xs, &mut out);

    let mut workspace = net.workspace(150);
    let mut grads = net.zero_gradients();
    let mut train_out = vec![SVector::zeros(); 150];
    let loss = net.accumulate_batch(
        &mut workspace,
        &xs,
        &ys,
        &MeanSquaredError,
        &mut grads,
        &mut train_out,
    );
    let tensors = (0..<Wide as Parameters>::TENSORS)
        .map(|t| grads.tensor(t).to_vec())
        .collect();
    force_gemm_level(None);
    (
        nnet::batch::flat(&out).to_vec(),
        loss,
        nnet::batch::flat(&train_out).to_vec(),
        tensors,
    )
}

#[test]
fn every_level_gives_the_same_bits() {
    assert!(nnet::batch::prefers_batches(
        <Wide as nnet::Architecture>::LAYERS
    ));
    let levels = gemm_levels();
    println!("levels of this CPU: {levels:?}");
    let scalar = passes(GemmLevel::Scalar);
    for level in levels {
        let got = passes(level);
        assert!(got.0 == scalar.0, "{level:?}: forward_batch");
        assert!(got.1.to_bits() == scalar.1.to_bits(), "{level:?}: loss");
        assert!(got.2 == scalar.2, "{level:?}: training outputs");
        for (t, (g, s)) in got.3.iter().zip(&scalar.3).enumerate() {
            assert!(g == s, "{level:?}: gradient tensor {t}");
        }
    }
}
