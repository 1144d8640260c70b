//! Running training or inference on rayon pools of several sizes and comparing the bits of
//! what comes out, shared by the tests that check results do not depend on the thread count
//! (each uses what it needs of it).
#![allow(dead_code)]

use nnet::Parameters;
use nnet::train::History;

/// `f` on a fresh rayon pool of `threads` threads.
pub fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
        .install(f)
}

/// The bits of every tensor.
pub fn bits<P: Parameters>(p: &P) -> Vec<u32> {
    (0..P::TENSORS)
        .flat_map(|i| p.tensor(i).iter().map(|v| v.to_bits()))
        .collect()
}

/// The bits of every loss of the history, training's and validation's.
pub fn history_bits(history: &History) -> Vec<u64> {
    history
        .epochs
        .iter()
        .flat_map(|e| [e.loss.to_bits(), e.val_loss.unwrap_or(f64::NAN).to_bits()])
        .collect()
}

/// `train` (returning the trained weights' and the history's bits) on 1, 2 and 8 threads:
/// the three agree, and the weights moved from `initial`.
pub fn assert_same_bits_on_1_2_and_8_threads(
    initial: &[u32],
    train: impl Fn() -> (Vec<u32>, Vec<u64>) + Sync,
) {
    let runs: Vec<(Vec<u32>, Vec<u64>)> = [1, 2, 8]
        .into_iter()
        .map(|threads| on_threads(threads, &train))
        .collect();
    assert_ne!(runs[0].0, initial, "training moved the weights");
    assert_eq!(runs[0], runs[1], "1 and 2 threads");
    assert_eq!(runs[0], runs[2], "1 and 8 threads");
}
