//! Sample-parallel inference: `forward_batch` and `forward_batch_with` cut a large batch into
//! one slice of samples per thread, each run through the whole network on its thread. Each
//! sample's outputs must be the same bits as that sample's alone, whatever the batch, the
//! thread count, the workspace's capacity and where the sample falls in the batch (the
//! product computes each column by the same operations wherever the column is, in a whole
//! register tile or in the last, partial one).

#[path = "common/threads.rs"]
mod threads;

use allocation_counter::measure;
use nnet::{Network, SVector};
use threads::on_threads;

nnet::network! {
    /// Batched (the 64 → 70 and 70 → 33 products), with ragged widths (partial panels of
    /// rows) and a layer normalization between the products.
    struct Ragged { input 3; dense 64 relu; dense 70 tanh; layer_norm; dense 33 relu; dense 2 sigmoid; }
}
nnet::network! {
    /// [`Ragged`] in `f64`.
    #[scalar = f64]
    struct Ragged64 { input 3; dense 64 relu; dense 70 tanh; layer_norm; dense 33 relu; dense 2 sigmoid; }
}
nnet::network! {
    /// Another batched network, for the workspace that `forward_batch` keeps on a thread.
    struct Other { input 3; dense 80 elu; dense 64 relu; dense 2; }
}

/// Batches of one sample, of fewer than a register tile, and around the size of a slice.
const BATCHES: [usize; 6] = [1, 7, 64, 300, 1023, 1024];

fn inputs<T: nnet::Scalar>(count: usize) -> Vec<SVector<T, 3>> {
    (0..count)
        .map(|s| SVector::from_fn(|i, _| T::of_f64((((s * 37 + i * 11) % 97) as f64) / 24.0 - 2.0)))
        .collect()
}

fn bits<T: nnet::Scalar, const N: usize>(ys: &[SVector<T, N>]) -> Vec<u64> {
    nnet::batch::flat(ys)
        .iter()
        .map(|v| v.as_f64().to_bits())
        .collect()
}

/// Each sample of `xs` alone through `forward_batch`, on one thread.
fn alone<N: Network<3, 2, T> + Sync, T: nnet::Scalar>(net: &N, xs: &[SVector<T, 3>]) -> Vec<u64> {
    on_threads(1, || {
        let ys: Vec<_> = xs
            .iter()
            .map(|x| {
                let mut y = [SVector::zeros()];
                net.forward_batch(std::slice::from_ref(x), &mut y);
                y[0]
            })
            .collect();
        bits(&ys)
    })
}

/// Every batch of [`BATCHES`] through `forward_batch` and `forward_batch_with` (workspaces of
/// 16 and 256 samples, reused across the batches) on pools of 1, 2 and 3 threads.
fn check<N: Network<3, 2, T> + Sync, T: nnet::Scalar>(net: &N) {
    assert!(nnet::batch::prefers_batches(N::LAYERS));
    let xs = inputs::<T>(1024);
    let want = alone(net, &xs);
    for threads in [1, 2, 3] {
        on_threads(threads, || {
            let mut small = net.workspace(16);
            let mut large = net.workspace(256);
            for count in BATCHES {
                let want = &want[..2 * count];
                let mut ys = vec![SVector::zeros(); count];
                net.forward_batch(&xs[..count], &mut ys);
                assert_eq!(
                    bits(&ys),
                    want,
                    "forward_batch, {count} on {threads} thread(s)"
                );
                for workspace in [&mut small, &mut large] {
                    let mut ys = vec![SVector::zeros(); count];
                    net.forward_batch_with(workspace, &xs[..count], &mut ys);
                    let capacity = workspace.capacity();
                    assert_eq!(
                        bits(&ys),
                        want,
                        "forward_batch_with, capacity {capacity}, {count} on {threads} thread(s)"
                    );
                }
            }
        });
    }
}

#[test]
fn each_sample_gets_the_same_bits_on_any_number_of_threads() {
    check(&Ragged::seeded(3));
}

#[test]
fn each_sample_gets_the_same_bits_on_any_number_of_threads_f64() {
    check(&Ragged64::seeded(4));
}

/// A large batch is spread over every thread (here, with a million multiply-adds for each), and
/// a small one stays on one; `forward_batch`'s workspace holds a thread's share, up to 256.
#[test]
fn large_batches_are_spread_over_the_threads() {
    let layers = <Ragged as nnet::Architecture>::LAYERS;
    on_threads(2, || {
        assert_eq!(nnet::batch::threads_for(layers, 1024), 2);
        assert_eq!(nnet::batch::threads_for(layers, 7), 1);
        assert_eq!(nnet::batch::inference_capacity(layers, 1024), 256);
        assert_eq!(nnet::batch::inference_capacity(layers, 300), 150);
    });
    on_threads(3, || assert_eq!(nnet::batch::threads_for(layers, 1024), 3));
    on_threads(1, || assert_eq!(nnet::batch::threads_for(layers, 1024), 1));
}

/// The workspace that `forward_batch` keeps on a thread serves one network after another.
#[test]
fn the_kept_workspace_follows_the_network() {
    let (ragged, other) = (Ragged::seeded(5), Other::seeded(6));
    let xs = inputs::<f32>(500);
    let want_ragged = alone(&ragged, &xs);
    let want_other = alone(&other, &xs);
    on_threads(2, || {
        for _ in 0..2 {
            let mut ys = vec![SVector::zeros(); 500];
            ragged.forward_batch(&xs, &mut ys);
            assert_eq!(bits(&ys), want_ragged);
            other.forward_batch(&xs, &mut ys);
            assert_eq!(bits(&ys), want_other);
        }
    });
}

/// `forward_batch` keeps its workspace on the calling thread: after a first call, the same
/// network's batches of that size or smaller allocate nothing (on a pool of one thread, where
/// everything the call does runs on the measured thread).
#[test]
fn forward_batch_allocates_nothing_after_its_first_call() {
    let net = Ragged::seeded(7);
    let xs = inputs::<f32>(700);
    let mut ys = vec![SVector::zeros(); 700];
    on_threads(1, || {
        net.forward_batch(&xs, &mut ys); // warm-up: the kept workspace, per-thread buffers
        let count = measure(|| {
            for n in [700, 300, 1] {
                net.forward_batch(&xs[..n], &mut ys[..n]);
            }
        })
        .count_total;
        assert_eq!(count, 0, "{count} allocations in 3 batched passes");
    });
}
