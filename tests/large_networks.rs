//! Networks with 1024-wide layers construct, run, train a step and clone on a thread with a
//! 2 MiB stack (the default for test threads), in debug builds too: large weights live on the
//! heap.

use nnet::{Network, Parameters};

nnet::network! {
    struct Wide { input 2; dense 1024 relu; dense 1024 relu; dense 1 sigmoid; }
}

#[test]
fn wide_network_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let net = Wide::seeded(5);
            let x = nnet::vector![0.5, -0.25];
            let y = net.forward(&x);
            assert!(y[0] > 0.0 && y[0] < 1.0);

            let trace = net.forward_trace(&x);
            let mut grads = net.zero_gradients();
            let dx = net.backward(&x, &trace, &nnet::vector![1.0], &mut grads);
            assert!(dx.iter().all(|v| v.is_finite()));
            assert!(grads.all_finite());
            assert!(grads.tensor(2).iter().any(|&g| g != 0.0));

            let copy = net.clone();
            assert_eq!(copy, net);
            assert_eq!(copy.forward(&x), y);
            assert_eq!(
                Wide::PARAMS,
                2 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 + 1
            );
            Network::forward(&copy, &x)[0]
        })
        .expect("spawn");
    let y = handle
        .join()
        .expect("the thread must not overflow its stack");
    assert!(y.is_finite());
}

nnet::network! {
    /// The widest layers the grammar accepts (65,536 units) as input, hidden and output.
    struct Widest { input 65536; dense 2 relu; dense 65536 relu; dense 1 sigmoid; }
}

/// Runs `f` on a thread with a stack of `mib` MiB.
fn on_stack(mib: usize, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(mib * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the thread must not overflow its stack");
}

fn widest() {
    let net = Widest::seeded(1);
    let xs = vec![nnet::SVector::<f32, 65536>::from_element(0.5); 3];
    let x = &xs[0];
    let y = net.forward(x);
    assert!(y[0] > 0.0 && y[0] < 1.0);
    let trace = net.forward_trace(x);
    let mut grads = net.zero_gradients();
    net.backward(x, &trace, &nnet::vector![1.0], &mut grads);
    assert!(grads.all_finite());
    let mut ys = vec![nnet::SVector::<f32, 1>::zeros(); 3];
    net.forward_batch(&xs, &mut ys);
    assert!((ys[2][0] - y[0]).abs() < 1e-5);
}

/// Not on 2 MiB: biases, traces and the vectors `forward` returns are inline `SVector`s, 256 KiB
/// each at 65,536 units, and construction and the traced pass hold several at once (this needs
/// more than 4 MiB in debug builds and more than 2 MiB in release). 8 MiB is the main thread's
/// default.
#[test]
fn widest_layers_on_the_main_threads_stack() {
    on_stack(8, widest);
}
