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
