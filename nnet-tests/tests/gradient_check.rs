//! Finite-difference checks of the whole generated backward pass.
//!
//! For each network the loss is `L = Σ_k w_k · output_k` with fixed weights `w`, so
//! `∂L/∂output = w`. The reference is an independent f64 forward pass (textbook activation
//! formulas, weights read through `Parameters`), differentiated by central differences; the
//! generated f32 backward pass must agree with it for every weight, bias and input.

use nnet::activation::ActivationKind;
use nnet::{Network, Parameters, SVector};

nnet::network! {
    struct Classic { input 3; dense 5 relu; dense 4 sigmoid; dense 4 tanh; dense 3 softmax; }
}
nnet::network! {
    struct Smooth {
        input 3;
        dense 5 leaky_relu (alpha = 0.1);
        dense 4 elu (alpha = 0.7);
        dense 4 selu (init = lecun_normal);
        dense 4 gelu;
        dense 2 silu;
    }
}
nnet::network! {
    struct Bounded {
        input 3;
        dense 5 softplus;
        dense 4 softsign (init = he_normal);
        dense 4 hard_sigmoid (init = he_uniform, bias_init = normal);
        dense 3 exponential (init = uniform);
        dense 2 linear;
    }
}
nnet::network! {
    struct Perceptron { input 2; dense 3 step; dense 2; }
}

/// Textbook activation formulas in f64, written independently of nnet-core.
fn activate(kind: ActivationKind, alpha: f64, z: &mut [f64]) {
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    if kind == ActivationKind::Softmax {
        let sum: f64 = z.iter().map(|v| v.exp()).sum();
        z.iter_mut().for_each(|v| *v = v.exp() / sum);
        return;
    }
    for v in z.iter_mut() {
        let x = *v;
        *v = match kind {
            ActivationKind::Linear => x,
            ActivationKind::Relu => x.max(0.0),
            ActivationKind::Sigmoid => sigmoid(x),
            ActivationKind::Tanh => x.tanh(),
            ActivationKind::Step => f64::from(u8::from(x > 0.0)),
            ActivationKind::LeakyRelu => {
                if x > 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            ActivationKind::Elu => {
                if x > 0.0 {
                    x
                } else {
                    alpha * (x.exp() - 1.0)
                }
            }
            ActivationKind::Selu => {
                let (l, a) = (1.050_700_987_355_480_5, 1.673_263_242_354_377_3);
                if x > 0.0 {
                    l * x
                } else {
                    l * a * (x.exp() - 1.0)
                }
            }
            ActivationKind::Gelu => 0.5 * x * (1.0 + libm::erf(x / 2f64.sqrt())),
            ActivationKind::Silu => x * sigmoid(x),
            ActivationKind::Softplus => (1.0 + x.exp()).ln(),
            ActivationKind::Softsign => x / (1.0 + x.abs()),
            ActivationKind::HardSigmoid => (x / 6.0 + 0.5).clamp(0.0, 1.0),
            ActivationKind::Exponential => x.exp(),
            other => panic!("no reference for {other:?}"),
        };
    }
}

/// The network's forward pass in f64 from flat parameters (column-major weights, then bias).
fn reference_forward<N: Network<I, O>, const I: usize, const O: usize>(
    params: &[Vec<f64>],
    alphas: &[f64],
    input: &[f64],
) -> Vec<f64> {
    let mut a = input.to_vec();
    for (l, spec) in N::LAYERS.iter().enumerate() {
        let (w, b) = (&params[2 * l], &params[2 * l + 1]);
        let mut z: Vec<f64> = b.clone();
        for (c, x) in a.iter().enumerate() {
            for (r, zr) in z.iter_mut().enumerate() {
                *zr += w[c * spec.units + r] * x;
            }
        }
        activate(spec.activation, alphas[l], &mut z);
        a = z;
    }
    a
}

fn loss(output: &[f64], w: &[f64]) -> f64 {
    output.iter().zip(w).map(|(o, w)| o * w).sum()
}

fn check<N: Network<I, O>, const I: usize, const O: usize>(
    net: &N,
    alphas: &[f64],
    x: SVector<f32, I>,
) {
    let w: Vec<f64> = (0..O).map(|k| 0.7 - 0.45 * k as f64).collect();
    let output_gradient = SVector::<f32, O>::from_fn(|k, _| w[k] as f32);

    let trace = net.forward_trace(&x);
    let mut grads = net.zero_gradients();
    let input_gradient = net.backward(&x, &trace, &output_gradient, &mut grads);

    let params: Vec<Vec<f64>> = (0..N::TENSORS)
        .map(|i| net.tensor(i).iter().map(|&v| f64::from(v)).collect())
        .collect();
    let x64: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();

    // The f64 reference agrees with the f32 forward pass.
    let out = reference_forward::<N, I, O>(&params, alphas, &x64);
    let forward = net.forward(&x);
    for (k, o) in out.iter().enumerate() {
        assert!(
            (o - f64::from(forward[k])).abs() < 1e-5,
            "forward output {k}"
        );
    }

    let h = 1e-6;
    let mut worst: f64 = 0.0;
    let mut compare = |analytic: f32, numeric: f64, what: &str| {
        let analytic = f64::from(analytic);
        let error = (analytic - numeric).abs() / (analytic.abs() + numeric.abs()).max(1e-2);
        worst = worst.max(error);
        assert!(
            error < 1e-5,
            "{what}: backward {analytic}, finite difference {numeric}, relative error {error}"
        );
    };
    for t in 0..N::TENSORS {
        for j in 0..params[t].len() {
            let mut up = params.clone();
            let mut down = params.clone();
            up[t][j] += h;
            down[t][j] -= h;
            let numeric = (loss(&reference_forward::<N, I, O>(&up, alphas, &x64), &w)
                - loss(&reference_forward::<N, I, O>(&down, alphas, &x64), &w))
                / (2.0 * h);
            let name = N::tensor_info(t).map_or("?".to_string(), |i| i.name());
            compare(grads.tensor(t)[j], numeric, &format!("{name}[{j}]"));
        }
    }
    for j in 0..I {
        let (mut up, mut down) = (x64.clone(), x64.clone());
        up[j] += h;
        down[j] -= h;
        let numeric = (loss(&reference_forward::<N, I, O>(&params, alphas, &up), &w)
            - loss(&reference_forward::<N, I, O>(&params, alphas, &down), &w))
            / (2.0 * h);
        compare(input_gradient[j], numeric, &format!("input[{j}]"));
    }
    println!("worst relative error {worst:e}");
}

#[test]
fn relu_sigmoid_tanh_softmax() {
    for seed in 0..3 {
        check(
            &Classic::seeded(seed),
            &[0.0; 4],
            nnet::vector![0.3, -1.1, 0.8],
        );
    }
}

#[test]
fn leaky_relu_elu_selu_gelu_silu() {
    for seed in 0..3 {
        check(
            &Smooth::seeded(seed),
            &[0.1, 0.7, 0.0, 0.0, 0.0],
            nnet::vector![1.2, -0.4, 0.9],
        );
    }
}

#[test]
fn softplus_softsign_hard_sigmoid_exponential_linear() {
    for seed in 0..3 {
        check(
            &Bounded::seeded(seed),
            &[0.0; 5],
            nnet::vector![-0.6, 1.3, 0.2],
        );
    }
}

#[test]
fn step_passes_no_gradient_below_it() {
    let net = Perceptron::seeded(3);
    check(&net, &[0.0; 2], nnet::vector![0.4, -0.9]);
    let x = nnet::vector![0.4, -0.9];
    let trace = net.forward_trace(&x);
    let mut grads = net.zero_gradients();
    net.backward(&x, &trace, &nnet::vector![1.0, 1.0], &mut grads);
    assert!(grads.dense1.weights.iter().all(|&g| g == 0.0));
    assert!(grads.dense2.weights.iter().any(|&g| g != 0.0));
}
